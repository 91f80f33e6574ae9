#!/usr/bin/env bash
# Kezek's XML signature verification side by side with libxmlsec1, in one run, on the same
# signed 4.2 KB document: the criterion bench `xmldsig` (release build) writes the document it
# verifies to $TMPDIR/kezek-xmldsig-bench.xml; python-xmlsec (libxmlsec1 with OpenSSL) then
# verifies the same bytes, its key loaded once from the document's certificate, the document
# parsed again each time (as a server receiving it would). libxmlsec1 runs before and after the
# bench, so a change of machine load between them shows. Prints the figures and the ratios.
#
#   scripts/bench-xmldsig-vs-xmlsec.sh            (CARGO=kcargo on the shared build machine)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo=${CARGO:-cargo}
# Debian's python3-xmlsec belongs to Debian's Python, whatever else is first on PATH.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
if ! "$python" -c 'import xmlsec, lxml' 2>/dev/null; then
    echo "installing python3-xmlsec (libxmlsec1's Python binding)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-xmlsec
fi
document=${TMPDIR:-/tmp}/kezek-xmldsig-bench.xml
bench=$(mktemp)
trap 'rm -f "$bench"' EXIT

libxmlsec1() {
    "$python" - "$document" <<'PY'
import base64, statistics, sys, time
import xmlsec
from lxml import etree

data = open(sys.argv[1], "rb").read()
ns = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
certificate = etree.fromstring(data).find(".//ds:X509Certificate", ns).text
key = xmlsec.Key.from_memory(base64.b64decode(certificate), xmlsec.KeyFormat.CERT_DER, None)

def verify():
    root = etree.fromstring(data)
    context = xmlsec.SignatureContext()
    context.key = key
    context.verify(root.find(".//ds:Signature", ns))

verify()
rounds = []
for _ in range(7):
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        verify()
    rounds.append((time.perf_counter() - start) / n * 1e6)
print(f"{statistics.median(rounds):.1f} {min(rounds):.1f} {max(rounds):.1f}")
PY
}

# The bench writes the document first; a quick run of the one benchmark makes it.
$cargo bench --bench xmldsig -- --quick 'rsa verify 2048 bare' >/dev/null 2>&1
read -r before before_min before_max < <(libxmlsec1)
$cargo bench --bench xmldsig -- 'xmldsig verify 4 KiB$|rsa verify 2048 bare' 2>&1 | tee "$bench"
read -r after after_min after_max < <(libxmlsec1)

# criterion: "name  time:   [low µs middle µs high µs]", the time possibly on the next line.
middle_us() {
    awk -v name="$1" '
        index($0, name) == 1 { found = 1 }
        found && /time:/ {
            sub(/.*\[/, ""); value = $3; unit = $4
            if (unit == "ns") value /= 1000; else if (unit == "ms") value *= 1000
            print value; exit
        }' "$bench"
}
kezek=$(middle_us "xmldsig verify 4 KiB")
rsa=$(middle_us "rsa verify 2048 bare")
echo
echo "document: $(stat -c %s "$document") bytes"
echo "libxmlsec1 (python-xmlsec) verify, before the bench: median $before µs ($before_min–$before_max)"
echo "libxmlsec1 (python-xmlsec) verify, after the bench:  median $after µs ($after_min–$after_max)"
echo "Kezek verify (shared verifier):                      $kezek µs"
echo "bare RSA-2048 verify (ring):                         $rsa µs"
awk -v b="$before" -v a="$after" -v k="$kezek" -v r="$rsa" 'BEGIN {
    printf "Kezek is %.1f–%.1f× faster than libxmlsec1; verify costs %.2f× the bare RSA verification\n",
        (a < b ? a : b) / k, (a < b ? b : a) / k, k / r }'
