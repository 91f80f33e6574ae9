#!/usr/bin/env bash
# Regenerates the DEMO PKI of Kezek (keystores-example/). DEMO ONLY — never trust outside tests.
# Needs: bash, openssl 3 CLI (legacy provider), python3 (stdlib). See README.md.
#   ./generate.sh                  everything anew, CAs included
#   ./generate.sh --only STATUS    only the keystores of STATUS (e.g. personal), with the committed
#                                  CA keys; every other file stays as it is
set -euo pipefail
export LC_ALL=C.UTF-8
cd "$(dirname "$0")"
HERE=$(pwd)

ONLY=""
if [[ ${1:-} == --only ]]; then
  ONLY=${2:?usage: generate.sh [--only STATUS]}
  [[ $ONLY != revoked ]] || { echo "--only revoked would need a new CRL: run generate.sh in full" >&2; exit 2; }
fi

PWD3=Qwerty12      # openssl3 format
PWDL=123456        # nca-legacy, nca-ber, GOST
CA_START=20240101000000Z
CA_END=20401231235959Z
CRL_NEXT=20401231235959Z

# ---------------------------------------------------------------- clean + work dir
if [[ -z $ONLY ]]; then
  rm -rf ca untrusted people special junk certs index.json index-special.json people.json README.md
fi
B=$(mktemp -d)
trap 'rm -rf "$B"' EXIT
export B
mkdir -p ca/private untrusted people special junk certs
for c in root nca fake; do
  mkdir -p "$B/$c/newcerts"; : > "$B/$c/index.txt"; echo 01 > "$B/$c/crlnumber"
  echo "unique_subject = no" > "$B/$c/index.txt.attr"
done

# CN and O of the demo CAs / organisations are 65 characters, over X.520's 64: the stbl module
# raises OpenSSL's limit (OPENSSL_CONF points at this file for every openssl call below).
cat > "$B/openssl.cnf" <<'EOF'
openssl_conf = openssl_init
[ openssl_init ]
stbl_section = stbl
[ stbl ]
commonName       = min:1,max:256
organizationName = min:1,max:256
[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
[ req_dn ]

[ CA_root ]
dir            = $ENV::B/root
database       = $dir/index.txt
new_certs_dir  = $dir/newcerts
certificate    = $dir/cert.pem
private_key    = $dir/key.pem
serial         = $dir/serial
crlnumber      = $dir/crlnumber
default_md     = sha256
policy         = policy_any
preserve       = yes
unique_subject = no
email_in_dn    = yes
copy_extensions = none
default_days   = 3650
crl_extensions = crl_ext
[ CA_nca ]
dir            = $ENV::B/nca
database       = $dir/index.txt
new_certs_dir  = $dir/newcerts
certificate    = $dir/cert.pem
private_key    = $dir/key.pem
serial         = $dir/serial
crlnumber      = $dir/crlnumber
default_md     = sha256
policy         = policy_any
preserve       = yes
unique_subject = no
email_in_dn    = yes
copy_extensions = none
default_days   = 3650
crl_extensions = crl_ext
[ CA_fake ]
dir            = $ENV::B/fake
database       = $dir/index.txt
new_certs_dir  = $dir/newcerts
certificate    = $dir/cert.pem
private_key    = $dir/key.pem
serial         = $dir/serial
crlnumber      = $dir/crlnumber
default_md     = sha256
policy         = policy_any
preserve       = yes
unique_subject = no
email_in_dn    = yes
copy_extensions = none
default_days   = 3650
crl_extensions = crl_ext
[ policy_any ]
countryName = optional
commonName  = supplied

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ v3_root ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[ v3_inter ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
certificatePolicies    = 1.2.398.3.3.2.1

[ auth_ind ]
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth, 1.2.398.3.3.4.1.1
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ sign_ind ]
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.2.398.3.3.4.1.1
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ auth_org ]
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth, 1.2.398.3.3.4.1.2
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ sign_org ]
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = emailProtection, 1.2.398.3.3.4.1.2
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ wrong_usage ]
keyUsage               = critical, dataEncipherment
extendedKeyUsage       = clientAuth, 1.2.398.3.3.4.1.1
certificatePolicies    = 1.2.398.3.3.2.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
CNF="$B/openssl.cnf"
export OPENSSL_CONF="$CNF"

q() { "$@" >/dev/null 2>"$B/err" || { cat "$B/err" >&2; echo "FAILED: $*" >&2; exit 1; }; }

# sign CA_NAME CSR OUT EXT START END [extra ca args]
sign() {
  local ca=$1 csr=$2 out=$3 ext=$4 start=$5 end=$6; shift 6
  q openssl ca -config "$CNF" -name "CA_$ca" -batch -notext -rand_serial -preserveDN -utf8 \
    -in "$csr" -out "$out" -extensions "$ext" -startdate "$start" -enddate "$end" "$@"
}

# ---------------------------------------------------------------- CAs
if [[ -n $ONLY ]]; then
echo "== CAs (kept)"
cp ca/root.pem "$B/root/cert.pem"; cp ca/private/root.key "$B/root/key.pem"
cp ca/nca_rsa.pem "$B/nca/cert.pem"; cp ca/private/nca_rsa.key "$B/nca/key.pem"
cp untrusted/fake_root.pem "$B/fake/cert.pem"; cp untrusted/fake_root.key "$B/fake/key.pem"
else
echo "== CAs"
q openssl genrsa -out "$B/root/key.pem" 4096
q openssl req -new -config "$CNF" -utf8 -key "$B/root/key.pem" -out "$B/root.csr" \
  -subj "/C=KZ/CN=ҚАЗАҚСТАН РЕСПУБЛИКАСЫНЫҢ ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҒЫ (RSA) DEMO"
sign root "$B/root.csr" "$B/root/cert.pem" v3_root $CA_START $CA_END -selfsign -keyfile "$B/root/key.pem"

q openssl genrsa -out "$B/nca/key.pem" 2048
q openssl req -new -config "$CNF" -utf8 -key "$B/nca/key.pem" -out "$B/nca.csr" \
  -subj "/C=KZ/CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO"
sign root "$B/nca.csr" "$B/nca/cert.pem" v3_inter $CA_START $CA_END

q openssl genrsa -out "$B/fake/key.pem" 2048
q openssl req -new -config "$CNF" -utf8 -key "$B/fake/key.pem" -out "$B/fake.csr" \
  -subj "/C=KZ/CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)"
sign fake "$B/fake.csr" "$B/fake/cert.pem" v3_root $CA_START $CA_END -selfsign -keyfile "$B/fake/key.pem"

openssl x509 -in "$B/root/cert.pem" -out ca/root.pem
openssl x509 -in "$B/root/cert.pem" -outform DER -out ca/root.crt
openssl x509 -in "$B/nca/cert.pem" -out ca/nca_rsa.pem
openssl x509 -in "$B/nca/cert.pem" -outform DER -out ca/nca_rsa.crt
cat ca/nca_rsa.pem ca/root.pem > ca/chain.pem
cp "$B/root/key.pem" ca/private/root.key
cp "$B/nca/key.pem" ca/private/nca_rsa.key
openssl x509 -in "$B/fake/cert.pem" -out untrusted/fake_root.pem
openssl x509 -in "$B/fake/cert.pem" -outform DER -out untrusted/fake_root.crt
cp "$B/fake/key.pem" untrusted/fake_root.key
fi

# ---------------------------------------------------------------- people
echo "== people and keys"
python3 pki.py plan "$B"
MAN="$B/manifest.tsv"; : > "$MAN"
if [[ -n $ONLY ]]; then
  # The other keystores stay in the index; the old ones of this status and their certificates go.
  python3 pki.py manifest "$ONLY" > "$MAN"
  python3 -c 'import json,sys; [print(x["file"]) for x in json.load(open("index.json")) if x["status"] == sys.argv[1]]' "$ONLY" |
  while read -r old; do rm -f "$old" "certs/$(basename "$old" .p12).pem"; done
  awk -F'\t' -v s="$ONLY" '$4 == s' "$B/plan.tsv" > "$B/plan.only"; mv "$B/plan.only" "$B/plan.tsv"
  [[ -s $B/plan.tsv ]] || { echo "no keystores of status $ONLY in the plan" >&2; exit 2; }
fi

while IFS=$'\t' read -r id slug usage status ca ext start end formats dir subj; do
  key="$B/$id.key"; csr="$B/$id.csr"; crt="$B/$id.crt.pem"
  q openssl genrsa -out "$key" 2048
  q openssl req -new -config "$CNF" -utf8 -key "$key" -out "$csr" -subj "$subj"
  sign "$ca" "$csr" "$crt" "$ext" "$start" "$end"
  openssl x509 -in "$crt" -out "$crt.clean"; mv "$crt.clean" "$crt"
  sha1=$(openssl x509 -in "$crt" -outform DER | sha1sum | cut -c1-40)
  ski=$(openssl x509 -in "$crt" -noout -ext subjectKeyIdentifier | tail -n1 | tr -d ' :' | tr 'A-F' 'a-f')
  [[ ${#ski} == 40 ]] || { echo "bad SKI for $id: $ski" >&2; exit 1; }
  if [[ $ca == fake ]]; then chain=untrusted/fake_root.pem; else chain=ca/chain.pem; fi
  if [[ $usage == AUTH ]]; then base="AUTH_RSA256_$sha1"; else base="RSA256_$sha1"; fi
  note=$(python3 -c 'import sys,pki; print(dict((r[0],r[10]) for r in pki.plan_rows())[sys.argv[1]])' "$id")
  IFS=, read -ra fmts <<< "$formats"
  for fmt in "${fmts[@]}"; do
    if [[ $dir == people/* ]]; then d="$dir/$fmt"; else d="$dir"; fi
    mkdir -p "$d"
    out="$d/$base.p12"
    case $fmt in
      openssl3)
        q openssl pkcs12 -export -inkey "$key" -in "$crt" -certfile "$chain" -name "$ski" \
          -passout "pass:$PWD3" -out "$out"
        pw=$PWD3 ;;
      nca-legacy)
        q openssl pkcs12 -export -legacy -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-RC2-40 \
          -macalg sha1 -iter 1024 -inkey "$key" -in "$crt" -certfile "$chain" -name "$ski" \
          -passout "pass:$PWDL" -out "$out"
        pw=$PWDL ;;
      nca-ber)
        legacy="$dir/nca-legacy/$base.p12"
        python3 pki.py ber "$legacy" "$out" "$PWDL"
        pw=$PWDL ;;
    esac
    printf 'K\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$out" "$slug" "$usage" "$fmt" "$status" "$pw" "$note" >> "$MAN"
  done
  cp "$crt" "certs/$base.pem"   # same certificate in every format of this key
  echo "$id $base" >> "$B/ids"
  if [[ $status == revoked ]]; then
    q openssl ca -config "$CNF" -name CA_nca -batch -revoke "$crt" -crl_reason keyCompromise
  fi
done < "$B/plan.tsv"

# ---------------------------------------------------------------- CRLs
if [[ -n $ONLY ]]; then
echo "== CRLs and special files (kept)"
special_file() { python3 -c 'import json,sys; print([x["file"] for x in json.load(open("index-special.json")) if x["kind"] == sys.argv[1]][0])' "$1"; }
A_AUTH=$(basename "$(special_file nca-ber-outer-indefinite)" .p12)
gost=$(special_file gost)
else
echo "== CRLs"
q openssl ca -config "$CNF" -name CA_nca -batch -gencrl -crl_nextupdate $CRL_NEXT -out ca/nca_rsa.crl.pem
openssl crl -in ca/nca_rsa.crl.pem -outform DER -out ca/nca_rsa.crl
q openssl ca -config "$CNF" -name CA_root -batch -gencrl -crl_nextupdate $CRL_NEXT -out ca/root.crl.pem
openssl crl -in ca/root.crl.pem -outform DER -out ca/root.crl

# ---------------------------------------------------------------- special keystores
echo "== special"
A_AUTH=$(awk '$1=="serikova-aigerim-auth"{print $2}' "$B/ids")
mkdir -p special/nca-ber-outer-indefinite special/gost
python3 pki.py ber "people/serikova-aigerim/nca-legacy/$A_AUTH.p12" \
  "special/nca-ber-outer-indefinite/$A_AUTH.p12" "$PWDL" --outer-indefinite
printf 'S\t%s\t%s\t%s\t%s\n' "special/nca-ber-outer-indefinite/$A_AUTH.p12" nca-ber-outer-indefinite "$PWDL" \
  "parent A's AUTH key (same key and certificate as people/serikova-aigerim/nca-ber), but the outer PFX, its ContentInfo and [0] are indefinite-length too, as BouncyCastle writes it; a valid keystore" >> "$MAN"

openssl x509 -in "certs/$A_AUTH.pem" -outform DER -out "$B/a_auth.der"
gost=$(python3 pki.py gost "$B/a_auth.der" special/gost "$PWDL")
printf 'S\t%s\t%s\t%s\t%s\n' "$gost" gost "$PWDL" \
  "CRAFTED by pki.py (OpenSSL cannot make Kazakh GOST keys): DER PFX, unencrypted data ContentInfo with a certBag and a plain keyBag whose PKCS#8 algorithm is 1.2.398.3.10.1.1.1.1 (GOST 34.310-2004, random key bytes); SHA-1 MAC, 1024 iterations. Certificate (also in .cer next to it) = parent A's AUTH subject/issuer/extensions with a GOST SubjectPublicKeyInfo and signature algorithm 1.2.398.3.10.1.1.1.2, random signature (does not verify). Expect «not supported»" >> "$MAN"

head -c 2048 /dev/urandom > junk/random.p12
A3="people/serikova-aigerim/openssl3/$A_AUTH.p12"
sz=$(stat -c %s "$A3"); head -c $((sz / 2)) "$A3" > junk/truncated.p12
cp "certs/$A_AUTH.pem" junk/not-pkcs12.p12
printf 'S\t%s\t%s\t%s\t%s\n' junk/random.p12 junk-random "" "2048 random bytes" >> "$MAN"
printf 'S\t%s\t%s\t%s\t%s\n' junk/truncated.p12 junk-truncated "$PWD3" "first half of $A3" >> "$MAN"
printf 'S\t%s\t%s\t%s\t%s\n' junk/not-pkcs12.p12 junk-not-pkcs12 "" "parent A's AUTH certificate in PEM, renamed .p12" >> "$MAN"
fi

python3 pki.py index "$MAN"

# ---------------------------------------------------------------- checks
echo "== checks"
fail() { echo "CHECK FAILED: $*" >&2; exit 1; }
python3 - <<'EOF'
import json, pki
for p in json.load(open("people.json"))["people"]:
    assert pki.valid_iin(p["iin"], p["birth_date"], p["sex"]), p
    if "organisation_bin" in p: assert pki.valid_12(p["organisation_bin"]), p
for x in json.load(open("index.json")):
    assert pki.valid_12(x["iin"]), x
print("IIN/BIN check digits OK")
EOF

q openssl verify -CAfile ca/root.pem ca/nca_rsa.pem
python3 -c 'import json; [print(x["file"], x["status"], x["password"], x["format"]) for x in json.load(open("index.json"))]' |
while read -r file status pw fmt; do
  leg=(); [[ $fmt != openssl3 ]] && leg=(-legacy)
  info=$(openssl pkcs12 -info -noout "${leg[@]}" -passin "pass:$pw" -in "$file" 2>&1) || fail "pkcs12 $file: $info"
  bad=$(openssl pkcs12 -info -noout "${leg[@]}" -passin pass:wrong-password -in "$file" 2>&1 || true)
  grep -q "Mac verify error" <<< "$bad" || fail "MAC not checked $file"
  if [[ $fmt != openssl3 ]]; then
    grep -q "MAC: sha1, Iteration 1024" <<< "$info" || fail "legacy MAC params $file: $info"
    grep -q "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 1024" <<< "$info" || fail "keybag alg $file"
    grep -q "PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 1024" <<< "$info" || fail "certbag alg $file"
    python3 pki.py macverify "$file" "$pw" >/dev/null
  else
    grep -q "MAC: sha256, Iteration 2048" <<< "$info" || fail "openssl3 MAC params $file: $info"
    grep -q "PBES2, PBKDF2, AES-256-CBC" <<< "$info" || fail "openssl3 enc $file"
  fi
  [[ $(openssl pkcs12 -nokeys -clcerts "${leg[@]}" -passin "pass:$pw" -in "$file" | grep -c 'BEGIN CERTIFICATE') == 1 ]] || fail "clcert $file"
  [[ $(openssl pkcs12 -nokeys -cacerts "${leg[@]}" -passin "pass:$pw" -in "$file" | grep -c 'BEGIN CERTIFICATE') -ge 1 ]] || fail "chain $file"
  k=$(openssl pkcs12 -nocerts -nodes "${leg[@]}" -passin "pass:$pw" -in "$file" 2>/dev/null); grep -q "BEGIN PRIVATE KEY" <<< "$k" || fail "key $file"
  openssl pkcs12 -nokeys -clcerts "${leg[@]}" -passin "pass:$pw" -in "$file" 2>/dev/null | openssl x509 -out "$B/c.pem"
  v=$(openssl verify -CAfile ca/root.pem -untrusted ca/nca_rsa.pem -crl_check -CRLfile ca/nca_rsa.crl.pem "$B/c.pem" 2>&1) && ok=1 || ok=0
  case $status in
    valid|wrong_usage|personal) [[ $ok == 1 ]] || fail "verify $file: $v"
       openssl verify -CAfile ca/root.pem -untrusted ca/nca_rsa.pem "$B/c.pem" >/dev/null || fail "verify $file" ;;
    revoked) [[ $ok == 0 ]] && grep -q "certificate revoked" <<< "$v" || fail "revoked $file: $v"
       openssl verify -CAfile ca/root.pem -untrusted ca/nca_rsa.pem "$B/c.pem" >/dev/null || fail "revoked w/o CRL $file" ;;
    expired) [[ $ok == 0 ]] && grep -q "certificate has expired" <<< "$v" || fail "expired $file: $v" ;;
    forged) [[ $ok == 0 ]] || fail "forged verifies: $file"
       openssl verify -CAfile untrusted/fake_root.pem "$B/c.pem" >/dev/null || fail "forged vs fake root $file" ;;
  esac
  if [[ $status == personal ]]; then
    openssl x509 -in "$B/c.pem" -noout -subject -nameopt utf8 | grep -q BIN && fail "a personal key names an organisation: $file"
  fi
  name=$(basename "$file" .p12); sha=$(openssl x509 -in "$B/c.pem" -outform DER | sha1sum | cut -c1-40)
  [[ $name == *"_$sha" ]] || fail "name/sha1 $file"
done
echo "all index.json keystores OK"

f=special/nca-ber-outer-indefinite/$A_AUTH.p12
openssl pkcs12 -info -noout -legacy -passin pass:$PWDL -in "$f" >/dev/null 2>&1 || fail "$f"
python3 pki.py macverify "$f" "$PWDL" >/dev/null
openssl pkcs12 -info -noout -nokeys -legacy -passin pass:$PWDL -in "$gost" >/dev/null 2>&1 || fail "$gost"
bad=$(openssl pkcs12 -info -noout -nokeys -legacy -passin pass:wrong -in "$gost" 2>&1 || true)
grep -q "Mac verify error" <<< "$bad" || fail "$gost MAC"
python3 pki.py macverify "$gost" "$PWDL" >/dev/null
openssl pkcs12 -info -noout -passin pass:x -in junk/random.p12 >/dev/null 2>&1 && fail random
openssl pkcs12 -info -noout -passin pass:$PWD3 -in junk/truncated.p12 >/dev/null 2>&1 && fail truncated
openssl pkcs12 -info -noout -passin pass:x -in junk/not-pkcs12.p12 >/dev/null 2>&1 && fail not-pkcs12
v=$(openssl crl -in ca/nca_rsa.crl -inform DER -noout -CAfile ca/chain.pem 2>&1); grep -q "verify OK" <<< "$v" || fail "nca crl"
v=$(openssl crl -in ca/root.crl -inform DER -noout -CAfile ca/root.pem 2>&1); grep -q "verify OK" <<< "$v" || fail "root crl"
echo "special files OK"
echo "total size: $(du -sh . | cut -f1)"
echo "done."
