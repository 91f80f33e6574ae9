#!/usr/bin/env python3
"""Helper for generate.sh (python3 standard library only).

Sub-commands:
  plan OUTDIR             write OUTDIR/plan.tsv (one row per certificate to issue) and people.json
  ber IN OUT PASSWORD [--outer-indefinite]
                          re-encode an OpenSSL "legacy" PKCS#12 the way NCA (Kalkan) writes it:
                          AuthenticatedSafe as BER with indefinite lengths inside a constructed
                          OCTET STRING of 1000-byte segments, MAC recomputed (PKCS#12 KDF + HMAC-SHA1)
  macverify IN PASSWORD   recompute the PKCS#12 SHA-1 MAC of a file and compare (self-test)
  gost TEMPLATE_CERT_DER OUTDIR PASSWORD
                          craft a GOSTKNCA_<hex>.p12 with a plain keyBag whose PKCS#8 algorithm is
                          1.2.398.3.10.1.1.1.1 (random key bytes) and a crafted GOST-looking cert
  index MANIFEST          write index.json, index-special.json and README.md from the manifest
  manifest STATUS         print the manifest of the current index files without the keystores
                          of STATUS (generate.sh --only STATUS makes those again)
"""
import datetime
import hashlib
import hmac
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------- IIN / BIN

W1 = list(range(1, 12))
W2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]


def check_digit(first11):
    """Check digit of an IIN/BIN from its first 11 digits; None if the number is invalid."""
    d = [int(c) for c in first11]
    assert len(d) == 11
    c = sum(a * b for a, b in zip(d, W1)) % 11
    if c == 10:
        c = sum(a * b for a, b in zip(d, W2)) % 11
        if c == 10:
            return None
    return c


def valid_12(s):
    if len(s) != 12 or not s.isdigit():
        return False
    c = check_digit(s[:11])
    return c is not None and c == int(s[11])


def valid_iin(s, birth=None, sex=None):
    if not valid_12(s):
        return False
    century = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}.get(s[6])
    if century is None:
        return False
    try:
        d = datetime.date(century + int(s[0:2]), int(s[2:4]), int(s[4:6]))
    except ValueError:
        return False
    if birth is not None and d.isoformat() != birth:
        return False
    if sex is not None and (int(s[6]) % 2 == 1) != (sex == "M"):
        return False
    return True


def make_iin(birth, sex, serial_start):
    y, m, d = birth.split("-")
    y = int(y)
    cs = {1800: (1, 2), 1900: (3, 4), 2000: (5, 6)}[y // 100 * 100]
    c = cs[0] if sex == "M" else cs[1]
    s = serial_start
    while True:
        first = "%02d%s%s%d%04d" % (y % 100, m, d, c, s)
        cd = check_digit(first)
        if cd is not None:
            iin = first + str(cd)
            assert valid_iin(iin, birth, sex)
            return iin
        s += 1


def make_bin(prefix7, serial_start):
    """BIN: YYMM, type digit, division digit, serial, check digit (same algorithm as IIN)."""
    s = serial_start
    while True:
        first = "%s%04d" % (prefix7, s)
        cd = check_digit(first)
        if cd is not None:
            b = first + str(cd)
            assert valid_12(b)
            return b
        s += 1


# known vectors for the checker itself
# hand-computed: weights 1..11 give 296 % 11 = 10, second weights give 377 % 11 = 3
assert check_digit("12345678901") == 3
assert valid_12("123456789013")
assert not valid_12("123456789011")  # NCA's test-certificate IIN fails the check (docs/domain-rules.md, «IIN»)

# --------------------------------------------------------------------------- demo people

ORG_GOVCORP = "НАО «Государственная корпорация «Правительство для граждан»» DEMO"
ORG_EDU = "ГУ «Управление образования города Астаны» DEMO"
BIN_GOVCORP = make_bin("1604400", 9000)   # registered 2016-04, legal entity (4), head office (0)
BIN_EDU = make_bin("0308400", 7100)       # registered 2003-08, legal entity (4), head office (0)

# slug, surname, name, patronymic, birth, sex, role, serial_start, email, org, bin, key holder
PEOPLE = [
    ("serikova-aigerim", "Серикова", "Айгерим", "Нурлановна", "1990-05-14", "F", "parent", 4021,
     "aigerim.serikova.demo@example.com", None, None, True),
    ("serikov-nurlan", "Сериков", "Нурлан", "Ерланович", "1988-11-02", "M", "parent", 3517,
     None, None, None, True),
    ("zhumabayev-dauren", "Жұмабаев", "Дәурен", "Асхатұлы", "1992-07-21", "M", "applicant", 2890,
     None, None, None, True),
    ("akhmetova-gulnara", "Ахметова", "Гүлнара", "Болатқызы", "1985-02-11", "F", "operator", 1743,
     None, ORG_GOVCORP, BIN_GOVCORP, True),
    ("kasymov-erzhan", "Қасымов", "Ержан", "Маратұлы", "1983-09-30", "M", "officer", 5264,
     None, ORG_EDU, BIN_EDU, True),
    ("muratova-saule", "Мұратова", "Сәуле", "Қайратқызы", "1995-12-03", "F", "applicant", 6308,
     None, None, None, True),
    # children (no keys)
    ("serikova-aruzhan", "Серикова", "Аружан", "Нурлановна", "2022-03-15", "F", "child", 1215,
     None, None, None, False),
    ("zhumabayev-alikhan", "Жұмабаев", "Әлихан", "Дәуренұлы", "2021-09-10", "M", "child", 1187,
     None, None, None, False),
]
KINSHIP = {  # child slug -> parent slugs
    "serikova-aruzhan": ["serikova-aigerim", "serikov-nurlan"],
    "zhumabayev-alikhan": ["zhumabayev-dauren"],
}


def people():
    out = []
    for (slug, sur, name, patr, birth, sex, role, ss, email, org, bin_, holder) in PEOPLE:
        iin = make_iin(birth, sex, ss)
        out.append(dict(slug=slug, surname=sur, name=name, patronymic=patr, birth=birth, sex=sex,
                        role=role, iin=iin, email=email, org=org, bin=bin_, holder=holder))
    iins = [p["iin"] for p in out]
    assert len(set(iins)) == len(iins)
    return out


def by_slug():
    return {p["slug"]: p for p in people()}


def full_name(p):
    return "%s %s %s" % (p["surname"], p["name"], p["patronymic"])


def subject(p, employee=True):
    """The subject NCA writes; an employee's certificate adds the organisation and its BIN,
    a personal one (employee=False) never does."""
    parts = [("CN", "%s %s" % (p["surname"].upper(), p["name"].upper())),
             ("SN", p["surname"].upper()),
             ("serialNumber", "IIN" + p["iin"]),
             ("C", "KZ")]
    if p["org"] and employee:
        parts += [("O", p["org"]), ("OU", "BIN" + p["bin"])]
    parts.append(("GN", p["patronymic"].upper()))
    if p["email"]:
        parts.append(("emailAddress", p["email"]))
    for k, v in parts:
        assert "/" not in v and "+" not in v and "\t" not in v, v
    return "".join("/%s=%s" % kv for kv in parts)


VALID = ("20250101000000Z", "20351231235959Z")
EXPIRED = ("20200101000000Z", "20210101000000Z")
PWD_OPENSSL3 = "Qwerty12"
PWD_LEGACY = "123456"


def plan_rows():
    """key_id, slug, usage, status, ca, ext section, start, end, formats, out dir, note"""
    ps = by_slug()
    rows = []
    for slug in ["serikova-aigerim", "serikov-nurlan", "zhumabayev-dauren", "akhmetova-gulnara",
                 "kasymov-erzhan"]:
        p = ps[slug]
        kind = "org" if p["org"] else "ind"
        for usage in ("AUTH", "SIGN"):
            rows.append(("%s-%s" % (slug, usage.lower()), slug, usage, "valid", "nca",
                         "%s_%s" % (usage.lower(), kind), VALID[0], VALID[1],
                         "openssl3,nca-legacy,nca-ber", "people/" + slug, ""))
    a = "serikova-aigerim"
    for usage in ("AUTH", "SIGN"):
        rows.append(("expired-%s" % usage.lower(), a, usage, "expired", "nca", "%s_ind" % usage.lower(),
                     EXPIRED[0], EXPIRED[1], "openssl3", "special/expired",
                     "second key of parent A, valid 2020-01-01..2021-01-01 only"))
    rows.append(("wrong-usage-auth", a, "AUTH", "wrong_usage", "nca", "wrong_usage", VALID[0], VALID[1],
                 "openssl3", "special/wrong-usage",
                 "named like an AUTH key; keyUsage = dataEncipherment only (critical); EKU still "
                 "clientAuth + 1.2.398.3.3.4.1.1, so only keyUsage is wrong"))
    for usage in ("AUTH", "SIGN"):
        rows.append(("revoked-%s" % usage.lower(), "muratova-saule", usage, "revoked", "nca",
                     "%s_ind" % usage.lower(), VALID[0], VALID[1], "openssl3", "special/revoked",
                     "revoked (keyCompromise) in ca/nca_rsa.crl"))
    for usage in ("AUTH", "SIGN"):
        rows.append(("forged-%s" % usage.lower(), a, usage, "forged", "fake",
                     "%s_ind" % usage.lower(), VALID[0], VALID[1], "openssl3", "special/forged",
                     "parent A's real IIN and name, issued by untrusted/fake_root.pem "
                     "(self-signed, named like NCA, not the demo root)"))
    # Last, so that `generate.sh --only personal` appends them in the same order.
    for slug in PERSONAL:
        for usage in ("AUTH", "SIGN"):
            rows.append(("%s-personal-%s" % (slug, usage.lower()), slug, usage, "personal", "nca",
                         "%s_ind" % usage.lower(), VALID[0], VALID[1], "openssl3",
                         "special/personal",
                         "the %s's personal key: no organisation or BIN, role OID individual; "
                         "not an employee key" % ps[slug]["role"]))
    return rows


# The employees who also hold personal keys, as people do: such a key must not sign their
# organisation's acts.
PERSONAL = ["akhmetova-gulnara", "kasymov-erzhan"]


def cmd_plan(outdir):
    ps = by_slug()
    with open(os.path.join(outdir, "plan.tsv"), "w", encoding="utf-8") as f:
        for r in plan_rows():
            p = ps[r[1]]
            f.write("\t".join(list(r[:10]) + [subject(p, employee=r[5].endswith("_org"))]) + "\n")
    # people.json: the population-registry seed
    out = []
    for p in people():
        o = dict(iin=p["iin"], surname=p["surname"], name=p["name"], patronymic=p["patronymic"],
                 birth_date=p["birth"], sex=p["sex"], role=p["role"] if p["holder"] else None,
                 slug=p["slug"])
        if p["email"]:
            o["email"] = p["email"]
        if p["org"]:
            o["organisation"] = p["org"]
            o["organisation_bin"] = p["bin"]
        out.append(o)
    kin = [dict(child_iin=ps[c]["iin"], parent_iins=[ps[x]["iin"] for x in pars])
           for c, pars in KINSHIP.items()]
    doc = dict(
        note="DEMO population registry seed for Kezek. Fictional people; IINs/BINs pass the check "
             "digit. role is the Kezek role of key holders (null for children). kinship: child IIN -> "
             "parents' IINs.",
        people=out,
        kinship=kin,
        organisations=[dict(bin=BIN_GOVCORP, name=ORG_GOVCORP, role="operator"),
                       dict(bin=BIN_EDU, name=ORG_EDU, role="officer", region="Астана")],
    )
    with open(os.path.join(HERE, "people.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    for p in people():
        assert valid_iin(p["iin"], p["birth"], p["sex"]), p
    for b in (BIN_GOVCORP, BIN_EDU):
        assert valid_12(b), b


# --------------------------------------------------------------------------- DER / BER

def enc_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + enc_len(len(content)) + content


def indef(tag, parts):
    assert tag & 0x20, "indefinite length needs a constructed tag"
    return bytes([tag, 0x80]) + b"".join(parts) + b"\x00\x00"


def ber_octets(tag, data, chunk=1000):
    """Constructed, indefinite-length OCTET STRING (tag 0x24, or 0xA0 for [0] IMPLICIT)."""
    return indef(tag, [der(0x04, data[i:i + chunk]) for i in range(0, len(data), chunk)] or [der(0x04, b"")])


def tlv(b, i=0):
    """Parse one DER TLV at i -> (tag, content_start, content_end, next). Definite lengths only."""
    tag = b[i]
    assert tag & 0x1f != 0x1f
    n = b[i + 1]
    j = i + 2
    if n == 0x80:
        raise ValueError("indefinite length not expected in input")
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    return tag, j, j + n, j + n


def kids(b):
    """children of a constructed TLV given as full bytes -> list of full child TLV bytes"""
    t, s, e, _ = tlv(b, 0)
    res = []
    i = s
    while i < e:
        _, cs, ce, ni = tlv(b, i)
        res.append(b[i:ni])
        i = ni
    return res


def content(b):
    _, s, e, _ = tlv(b, 0)
    return b[s:e]


def oid(dotted):
    a = [int(x) for x in dotted.split(".")]
    body = bytes([a[0] * 40 + a[1]])
    for v in a[2:]:
        chunk = [v & 0x7f]
        v >>= 7
        while v:
            chunk.append(0x80 | (v & 0x7f))
            v >>= 7
        body += bytes(reversed(chunk))
    return der(0x06, body)


OID_DATA = oid("1.2.840.113549.1.7.1")
OID_ENCDATA = oid("1.2.840.113549.1.7.6")
OID_SHA1 = oid("1.3.14.3.2.26")
NULL = b"\x05\x00"

# --------------------------------------------------------------------------- PKCS#12 KDF + MAC


def p12_kdf(password, salt, ident, iters, n, h=hashlib.sha1):
    """RFC 7292 appendix B.2. password: str (encoded as BMPString with trailing 00 00)."""
    u = h().digest_size
    v = h().block_size
    pw = password.encode("utf-16-be") + b"\x00\x00"
    D = bytes([ident]) * v

    def fill(x):
        if not x:
            return b""
        k = v * ((len(x) + v - 1) // v)
        return (x * (k // len(x) + 1))[:k]

    I = bytearray(fill(salt) + fill(pw))
    out = b""
    while len(out) < n:
        A = h(D + bytes(I)).digest()
        for _ in range(iters - 1):
            A = h(A).digest()
        out += A
        B = int.from_bytes((A * (v // u + 1))[:v], "big")
        for j in range(0, len(I), v):
            Ij = int.from_bytes(I[j:j + v], "big")
            I[j:j + v] = ((Ij + B + 1) % (1 << (8 * v))).to_bytes(v, "big")
    return out[:n]


def p12_mac_sha1(password, salt, iters, data):
    key = p12_kdf(password, salt, 3, iters, 20)
    return hmac.new(key, data, hashlib.sha1).digest()


def mac_data(mac, salt, iters):
    return der(0x30, der(0x30, der(0x30, OID_SHA1 + NULL) + der(0x04, mac)) + der(0x04, salt)
               + der(0x02, iters.to_bytes((iters.bit_length() + 8) // 8, "big")))


def parse_pfx(raw):
    t, s, e, nxt = tlv(raw)
    assert t == 0x30 and nxt == len(raw), "not a DER PFX"
    version, authsafe_ci, macdata = kids(raw)
    assert content(version) == b"\x03"
    ci = kids(authsafe_ci)
    assert ci[0] == OID_DATA
    octets = kids(ci[1])[0]
    assert octets[0] == 0x04
    as_der = content(octets)
    dig, salt, it = kids(macdata)
    alg, mac = kids(dig)
    assert kids(alg)[0] == OID_SHA1, "MAC is not SHA-1"
    return as_der, content(mac), content(salt), int.from_bytes(content(it), "big")


def ber_node(b, i=0):
    """Generic BER parser (definite and indefinite lengths) -> (tag, constructed, value, next);
    value is bytes for primitive, list of nodes for constructed."""
    tag = b[i]
    assert tag & 0x1f != 0x1f
    n = b[i + 1]
    j = i + 2
    cons = bool(tag & 0x20)
    if n == 0x80:
        assert cons, "indefinite length on a primitive"
        kids_ = []
        while b[j:j + 2] != b"\x00\x00":
            node = ber_node(b, j)
            kids_.append(node)
            j = node[3]
        return (tag, True, kids_, j + 2)
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    end = j + n
    if not cons:
        return (tag, False, b[j:end], end)
    kids_ = []
    while j < end:
        node = ber_node(b, j)
        kids_.append(node)
        j = node[3]
    assert j == end
    return (tag, True, kids_, end)


def ber_string(node):
    """content octets of a (possibly constructed) string"""
    tag, cons, val, _ = node
    return b"".join(ber_string(x) for x in val) if cons else val


def cmd_macverify(path, password):
    """Independent check: parses any BER PFX, concatenates the authSafe OCTET STRING segments,
    recomputes the SHA-1 MAC."""
    raw = open(path, "rb").read()
    pfx = ber_node(raw)
    assert pfx[3] == len(raw)
    version, authsafe, macdata = pfx[2]
    assert version[2] == b"\x03"
    ctype, wrapped = authsafe[2]
    assert der(0x06, ctype[2]) == OID_DATA
    as_bytes = ber_string(wrapped[2][0])
    dig, salt, it = macdata[2]
    alg, mac = dig[2]
    assert der(0x06, alg[2][0][2]) == OID_SHA1, "MAC is not SHA-1"
    iters = int.from_bytes(it[2], "big")
    calc = p12_mac_sha1(password, salt[2], iters, as_bytes)
    assert hmac.compare_digest(calc, mac[2]), "MAC mismatch"
    print("python MAC check OK: %s (sha1, %d iterations)" % (path, iters))


def reencode_authsafe(as_der):
    """DER AuthenticatedSafe -> BER with indefinite lengths, as BouncyCastle/Kalkan writes it."""
    out = []
    for ci in kids(as_der):
        ctype, wrapped = kids(ci)
        inner = kids(wrapped)[0]
        if ctype == OID_DATA:
            assert inner[0] == 0x04
            out.append(indef(0x30, [ctype, indef(0xA0, [ber_octets(0x24, content(inner))])]))
        elif ctype == OID_ENCDATA:
            ver, eci = kids(inner)
            eci_ct, eci_alg, eci_content = kids(eci)
            assert eci_content[0] == 0x80, "expected [0] IMPLICIT primitive encrypted content"
            new_eci = indef(0x30, [eci_ct, eci_alg, ber_octets(0xA0, content(eci_content))])
            out.append(indef(0x30, [ctype, indef(0xA0, [indef(0x30, [ver, new_eci])])]))
        else:
            raise ValueError("unexpected ContentInfo type")
    return indef(0x30, out)


def cmd_ber(src, dst, password, outer_indefinite=False):
    raw = open(src, "rb").read()
    as_der, mac, salt, iters = parse_pfx(raw)
    assert hmac.compare_digest(p12_mac_sha1(password, salt, iters, as_der), mac), "bad password/MAC"
    as_ber = reencode_authsafe(as_der)
    new_mac = p12_mac_sha1(password, salt, iters, as_ber)
    md = mac_data(new_mac, salt, iters)
    octs = ber_octets(0x24, as_ber)
    if outer_indefinite:
        pfx = indef(0x30, [der(0x02, b"\x03"), indef(0x30, [OID_DATA, indef(0xA0, [octs])]), md])
    else:
        pfx = der(0x30, der(0x02, b"\x03") + der(0x30, OID_DATA + der(0xA0, octs)) + md)
    with open(dst, "wb") as f:
        f.write(pfx)


# --------------------------------------------------------------------------- crafted GOST keystore

OID_GOST_KEY = "1.2.398.3.10.1.1.1.1"      # GOST 34.310-2004 key (Kazakhstan)
OID_GOST_SIG = "1.2.398.3.10.1.1.1.2"      # GOST 34.310-2004 with GOST 34.311-95
OID_SKI = oid("2.5.29.14")


def bmp(s):
    return der(0x1E, s.encode("utf-16-be"))


def cmd_gost(template, outdir, password):
    cert = open(template, "rb").read()
    tbs, _sigalg, _sig = kids(cert)
    f = kids(tbs)
    # version, serial, sigalg, issuer, validity, subject, spki, [3] extensions
    assert f[0][0] == 0xA0 and len(f) == 8
    pub = os.urandom(64)
    spki = der(0x30, der(0x30, oid(OID_GOST_KEY)) + der(0x03, b"\x00" + der(0x04, pub)))
    ski = hashlib.sha1(pub).digest()
    exts = kids(kids(f[7])[0])
    new_exts = []
    for x in exts:
        if kids(x)[0] == OID_SKI:
            x = der(0x30, OID_SKI + der(0x04, der(0x04, ski)))
        new_exts.append(x)
    ext_field = der(0xA3, der(0x30, b"".join(new_exts)))
    serial = os.urandom(20)
    serial = bytes([serial[0] & 0x7f | 0x10]) + serial[1:]
    sigalg = der(0x30, oid(OID_GOST_SIG))
    new_tbs = der(0x30, f[0] + der(0x02, serial) + sigalg + f[3] + f[4] + f[5] + spki + ext_field)
    new_cert = der(0x30, new_tbs + sigalg + der(0x03, b"\x00" + os.urandom(64)))
    name = "GOSTKNCA_%s" % hashlib.sha1(new_cert).hexdigest()
    with open(os.path.join(outdir, name + ".cer"), "wb") as fo:
        fo.write(new_cert)

    local_id = hashlib.sha1(new_cert).digest()
    attrs = der(0x31, der(0x30, oid("1.2.840.113549.1.9.20") + der(0x31, bmp(ski.hex())))
                + der(0x30, oid("1.2.840.113549.1.9.21") + der(0x31, der(0x04, local_id))))
    pkcs8 = der(0x30, der(0x02, b"\x00") + der(0x30, oid(OID_GOST_KEY))
                + der(0x04, der(0x04, os.urandom(32))))
    keybag = der(0x30, oid("1.2.840.113549.1.12.10.1.1") + der(0xA0, pkcs8) + attrs)
    certbag = der(0x30, oid("1.2.840.113549.1.12.10.1.3")
                  + der(0xA0, der(0x30, oid("1.2.840.113549.1.9.22.1") + der(0xA0, der(0x04, new_cert))))
                  + attrs)
    safe_contents = der(0x30, certbag + keybag)
    as_der = der(0x30, der(0x30, OID_DATA + der(0xA0, der(0x04, safe_contents))))
    salt = os.urandom(8)
    iters = 1024
    md = mac_data(p12_mac_sha1(password, salt, iters, as_der), salt, iters)
    pfx = der(0x30, der(0x02, b"\x03") + der(0x30, OID_DATA + der(0xA0, der(0x04, as_der))) + md)
    path = os.path.join(outdir, name + ".p12")
    with open(path, "wb") as fo:
        fo.write(pfx)
    print(os.path.relpath(path, HERE))


# --------------------------------------------------------------------------- index + README

README_HEAD = """# keystores-example — DEMO PKI for Kezek

**DEMO ONLY. Never trust these CAs or keys outside tests.** Every private key and password here is
public (the CA keys are committed in `ca/private/`). The CAs are named like Kazakhstan's National
Certification Authority (НУЦ РК) but carry `DEMO` in their names; the people are fictional.

These files are the test fixtures of the whole project: the PKCS#12 reader, the XML-signature
verifier, the login/role checks and the population-registry seed all use them.

## Regenerate

```sh
cd keystores-example && ./generate.sh                  # everything, CAs included
cd keystores-example && ./generate.sh --only personal  # only the keystores of one status
```

Needs `bash`, the `openssl` CLI (3.0+, with the legacy provider) and `python3` (standard library
only). Layout, names, people, IINs, passwords and certificate contents are deterministic; keys,
serial numbers, hence the SHA-1-based file names, change on every run. `--only STATUS` keeps the
CAs and every other keystore as they are and issues only the keystores of that status (any
but `revoked`, which would need a new CRL) with the committed CA keys. `generate.sh` checks
everything at the end (chains, CRL, every keystore opens, MACs, IIN check digits) and fails loudly.
`pki.py` is the helper: IIN/BIN check digits, the plan, BER re-encoding + PKCS#12 MAC (RFC 7292
appendix B KDF, HMAC-SHA1), the crafted GOST keystore and this README/index.

## Files

| path | what |
|---|---|
| `ca/root.pem`, `ca/root.crt` (DER) | root CA «ҚАЗАҚСТАН РЕСПУБЛИКАСЫНЫҢ ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҒЫ (RSA) DEMO», self-signed RSA 4096, 2024-01-01 … 2040-12-31 |
| `ca/nca_rsa.pem`, `ca/nca_rsa.crt` (DER) | intermediate «ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO», RSA 2048, signed by the root, pathlen 0, 2024-01-01 … 2040-12-31 |
| `ca/nca_rsa.crl` (DER), `ca/nca_rsa.crl.pem` | CRL of the intermediate, lists the two revoked certificates (reason keyCompromise), nextUpdate 2040-12-31 |
| `ca/root.crl` (DER), `ca/root.crl.pem` | empty CRL of the root, nextUpdate 2040-12-31 |
| `ca/chain.pem` | intermediate + root (PEM) |
| `ca/private/*.key` | demo CA private keys (unencrypted PEM), so tests can mint more certificates |
| `untrusted/fake_root.pem`, `.crt`, `.key` | self-signed «ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)», NOT trusted; issuer of the forged keys |
| `people/<slug>/<format>/*.p12` | keystores of the valid demo people (see table) |
| `special/{expired,wrong-usage,revoked,forged}/*.p12` | negative cases (see table) |
| `special/personal/*.p12` | personal keys (no organisation, no BIN) of the operator and the officer, who also hold employee keys: valid, but not for their organisation's acts |
| `special/gost/GOSTKNCA_*.p12`, `.cer` | crafted GOST keystore (see below) |
| `special/nca-ber-outer-indefinite/*.p12` | parent A's AUTH key, BER all the way out (see below) |
| `junk/*.p12` | files that are not valid keystores |
| `certs/*.pem` | the end-entity certificate of every keystore in index.json, PEM, same base name as its keystore(s) |
| `index.json` | one object per keystore: `file, person, iin, role, usage, format, status, password, note` |
| `index-special.json` | GOST, fully-indefinite BER and junk files: `file, kind, password, note` |
| `people.json` | population-registry seed: people, children, kinship, organisations |

## Keystore formats

| format | password | how it is made |
|---|---|---|
| `openssl3` | `Qwerty12` | `openssl pkcs12 -export` defaults of OpenSSL 3: PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC for key and certificates, SHA-256 MAC, 2048 iterations |
| `nca-legacy` | `123456` | `openssl pkcs12 -export -legacy -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-RC2-40 -macalg sha1 -iter 1024`: key in pkcs8ShroudedKeyBag pbeWithSHAAnd3-KeyTripleDES-CBC, certificates in encryptedData pbeWithSHAAnd40BitRC2-CBC, SHA-1 MAC, 1024 iterations (encryption and MAC). All DER |
| `nca-ber` | `123456` | the `nca-legacy` file re-encoded by `pki.py ber` as NCA/Kalkan files are: outer PFX, its ContentInfo and MacData stay definite-length, but the authSafe content is a constructed indefinite-length OCTET STRING (`24 80`) of 1000-byte primitive segments, and the AuthenticatedSafe inside it is BER: every ContentInfo, `[0]`, EncryptedData and EncryptedContentInfo has indefinite length and the encrypted content is a constructed `[0]` (`a0 80`) of 1000-byte segments; the data ContentInfo's SafeContents is itself in a constructed OCTET STRING. The SafeContents and bags themselves remain DER. MAC recomputed: HMAC-SHA1 with key = PKCS#12 KDF(ID=3, SHA-1, BMPString password + 00 00, salt, 1024) over the concatenated segments (= the BER AuthenticatedSafe) |

Every keystore holds one private key and its certificate with friendlyName = the
subjectKeyIdentifier in lowercase hex and localKeyId = SHA-1 of the certificate, plus the CA chain
(intermediate and root; for the forged ones the fake root) without friendlyName. File names follow
NCA: `AUTH_RSA256_<sha1>.p12` / `RSA256_<sha1>.p12`, `<sha1>` = SHA-1 of the certificate DER in
lowercase hex.

## Certificates

RSA 2048, sha256WithRSAEncryption, random 159-bit serials, issued by the intermediate, valid
2025-01-01 00:00:00Z … 2035-12-31 23:59:59Z unless noted. Subject as NCA writes it (UTF8String,
except C and serialNumber PrintableString and emailAddress IA5String), in this order:
`CN=SURNAME NAME, SN(surname)=SURNAME, serialNumber=IIN<iin>, C=KZ, [O=<org>, OU=BIN<bin>,] GN(givenName)=PATRONYMIC[, emailAddress]`.
Extensions: subjectKeyIdentifier (hash), authorityKeyIdentifier (keyid),
certificatePolicies 1.2.398.3.3.2.1, and

| usage | keyUsage (critical) | extendedKeyUsage |
|---|---|---|
| AUTH | digitalSignature, keyEncipherment | clientAuth (1.3.6.1.5.5.7.3.2) + role OID |
| SIGN | digitalSignature, nonRepudiation | emailProtection (1.3.6.1.5.5.7.3.4) + role OID |

Role OID: 1.2.398.3.3.4.1.1 individual; 1.2.398.3.3.4.1.2 employee of a legal entity (operator,
officer).

## People

"""


def cmd_index(manifest):
    ps = by_slug()
    rows = []
    special = []
    for line in open(manifest, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "K":
            _, file, slug, usage, fmt, status, password, note = f
            p = ps[slug]
            rows.append(dict(file=file, person=full_name(p), iin=p["iin"], role=p["role"], usage=usage,
                             format=fmt, status=status, password=password, note=note))
        elif f[0] == "S":
            _, file, kind, password, note = f
            special.append(dict(file=file, kind=kind, password=password, note=note))
    with open(os.path.join(HERE, "index.json"), "w", encoding="utf-8") as fo:
        json.dump(rows, fo, ensure_ascii=False, indent=2)
        fo.write("\n")
    with open(os.path.join(HERE, "index-special.json"), "w", encoding="utf-8") as fo:
        json.dump(special, fo, ensure_ascii=False, indent=2)
        fo.write("\n")

    r = [README_HEAD]
    r.append("| slug | full name | IIN | born | sex | role | organisation (BIN) | keys |\n|---|---|---|---|---|---|---|---|\n")
    for p in people():
        org = "%s (BIN %s)" % (p["org"], p["bin"]) if p["org"] else ""
        if p["holder"]:
            keys = "valid AUTH+SIGN" if p["slug"] != "muratova-saule" else "revoked AUTH+SIGN"
            if p["slug"] == "serikova-aigerim":
                keys += "; also expired, wrong-usage, forged; e-mail %s" % p["email"]
            if p["slug"] in PERSONAL:
                keys = "valid AUTH+SIGN of the organisation (employee keys); also personal AUTH+SIGN"
        else:
            parents = ", ".join(full_name(ps[x]) for x in KINSHIP[p["slug"]])
            keys = "none — child of %s" % parents
        r.append("| %s | %s | `%s` | %s | %s | %s | %s | %s |\n" % (
            p["slug"], full_name(p), p["iin"], p["birth"], p["sex"],
            p["role"] if p["holder"] else "— (child)", org, keys))
    r.append("\nKinship (for «Привязка»): %s.\n" % "; ".join(
        "child %s → parents %s" % (ps[c]["iin"], ", ".join(ps[x]["iin"] for x in pars))
        for c, pars in KINSHIP.items()))
    r.append("\nOrganisations: %s BIN `%s` (operators, ЦОН); %s BIN `%s` (officers, Астана).\n"
             % (ORG_GOVCORP, BIN_GOVCORP, ORG_EDU, BIN_EDU))
    r.append("\n## Keystores (index.json)\n\n| file | person | IIN | role | usage | format | status | password | note |\n|---|---|---|---|---|---|---|---|---|\n")
    for x in rows:
        r.append("| `%s` | %s | `%s` | %s | %s | %s | %s | `%s` | %s |\n" % (
            x["file"], x["person"], x["iin"], x["role"], x["usage"], x["format"], x["status"],
            x["password"], x["note"]))
    r.append("\n## Special files (index-special.json)\n\n| file | kind | password | note |\n|---|---|---|---|\n")
    for x in special:
        r.append("| `%s` | %s | %s | %s |\n" % (x["file"], x["kind"],
                                               "`%s`" % x["password"] if x["password"] else "(none)", x["note"]))
    r.append("""
## Expected verification results

* valid: `openssl verify -CAfile ca/root.pem -untrusted ca/nca_rsa.pem cert.pem` → OK (also with
  `-crl_check -CRLfile ca/nca_rsa.crl.pem`).
* revoked: OK without CRL; `certificate revoked` with `-crl_check -CRLfile ca/nca_rsa.crl.pem`.
* expired: `certificate has expired` (valid 2020-01-01 … 2021-01-01; note its notBefore also
  precedes the intermediate's notBefore 2024-01-01).
* forged: `unable to get local issuer certificate` against the demo root (it verifies only
  against `untrusted/fake_root.pem`, which must never be a trust root).
* wrong_usage: the chain verifies; the key must be refused for login (no digitalSignature) and for
  signing (no nonRepudiation).
* personal: the chain verifies like a valid key's; the subject has no O and no OU `BIN…`, so
  the key names the person only: Kezek refuses it for an operator's or officer's act
  (`employee_key_required`).
* GOST: MAC verifies with `123456`, the key algorithm 1.2.398.3.10.1.1.1.1 must give «not
  supported». `openssl pkcs12 -info -noout -legacy` accepts it (MAC OK); extracting the key
  fails with `unsupported private key algorithm ... TYPE=1.2.398.3.10.1.1.1.1`.
* junk: not parseable (`random.p12`, `not-pkcs12.p12`) or truncated (`truncated.p12`).

In `people.json`, `role` is `null` for the children (they hold no keys).
""")
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8") as fo:
        fo.write("".join(r))


def cmd_manifest(without_status):
    """Print the manifest generate.sh would have written for the keystores in index.json and
    index-special.json, leaving out those of `without_status` (which are being made again)."""
    slugs = {p["iin"]: p["slug"] for p in people()}
    for x in json.load(open(os.path.join(HERE, "index.json"), encoding="utf-8")):
        if x["status"] != without_status:
            print("\t".join(["K", x["file"], slugs[x["iin"]], x["usage"], x["format"], x["status"],
                             x["password"], x["note"]]))
    for x in json.load(open(os.path.join(HERE, "index-special.json"), encoding="utf-8")):
        print("\t".join(["S", x["file"], x["kind"], x["password"], x["note"]]))


def main(argv):
    cmd = argv[1]
    if cmd == "plan":
        cmd_plan(argv[2])
    elif cmd == "ber":
        cmd_ber(argv[2], argv[3], argv[4], outer_indefinite="--outer-indefinite" in argv[5:])
    elif cmd == "macverify":
        cmd_macverify(argv[2], argv[3])
    elif cmd == "gost":
        cmd_gost(argv[2], argv[3], argv[4])
    elif cmd == "index":
        cmd_index(argv[2])
    elif cmd == "manifest":
        cmd_manifest(argv[2])
    elif cmd == "checkiin":
        ok = all(valid_12(x) for x in argv[2:])
        print("OK" if ok else "FAIL")
        sys.exit(0 if ok else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
