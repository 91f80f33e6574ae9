//! PKCS#12 keystores: every demo keystore of keystores-example (found through its index files,
//! never by name) opens with its password and names its holder; every error path has its own
//! error; no damaged input makes the reader panic; `kezek keystore inspect` prints and exits as
//! issue 2 says.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use kezek::pki::certificate::KeyUsageClass;
use kezek::pki::keystore::{Keystore, KeystoreError};
use kezek::pki::rsa::{self, RsaHash};
use proptest::prelude::*;
use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example")
}

fn index(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(examples().join(name)).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn field<'a>(entry: &'a Value, name: &str) -> &'a str {
    entry[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} missing in {entry}"))
}

fn bytes_of(entry: &Value) -> Vec<u8> {
    std::fs::read(examples().join(field(entry, "file"))).unwrap()
}

/// The first index.json entry with this format and status.
fn keystore_entry(format: &str, status: &str) -> Value {
    index("index.json")
        .into_iter()
        .find(|e| e["format"] == format && e["status"] == status)
        .unwrap_or_else(|| panic!("index.json has a {status} {format} keystore"))
}

fn special(kind: &str) -> Value {
    index("index-special.json")
        .into_iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("index-special.json has a {kind} file"))
}

#[test]
fn every_indexed_keystore_opens_and_names_its_holder() {
    let entries = index("index.json");
    assert!(entries.len() >= 30, "index.json lists every demo keystore");
    for entry in &entries {
        let file = field(entry, "file");
        let keystore = Keystore::open(&bytes_of(entry), field(entry, "password"))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let key = keystore.entry(None).unwrap();
        let info = key.certificate.info();
        assert_eq!(
            info.subject.iin.as_deref(),
            Some(field(entry, "iin")),
            "{file}"
        );
        assert_eq!(info.subject.iin_checksum_valid, Some(true), "{file}");
        assert_eq!(key.key.bits(), 2048, "{file}");
        assert_eq!(info.key_bits, Some(2048), "{file}");
        assert_eq!(info.key_algorithm, "RSA", "{file}");

        let expected_usage = match (field(entry, "status"), field(entry, "usage")) {
            ("wrong_usage", _) => KeyUsageClass::Other,
            (_, "AUTH") => KeyUsageClass::Auth,
            (_, "SIGN") => KeyUsageClass::Sign,
            (_, other) => panic!("unknown usage {other}"),
        };
        assert_eq!(info.key_usage, expected_usage, "{file}");

        // NCA's alias is the key identifier in hex.
        assert_eq!(key.alias.len(), 40, "{file}: alias {}", key.alias);
        assert!(key.alias.bytes().all(|b| b.is_ascii_hexdigit()), "{file}");

        // The chain runs from the certificate's issuer upwards.
        assert!(!key.chain.is_empty(), "{file}: no chain");
        assert_eq!(
            key.chain[0].subject_der(),
            key.certificate.issuer_der(),
            "{file}"
        );

        // The key belongs to the certificate: what it signs, the certificate's key verifies.
        let signature = key.key.sign(RsaHash::Sha256, file.as_bytes()).unwrap();
        let spki = key.certificate.subject_public_key_info_der();
        assert!(
            rsa::verify(spki, RsaHash::Sha256, file.as_bytes(), &signature),
            "{file}"
        );

        match field(entry, "status") {
            "expired" => assert!(!key.certificate.is_valid_at(Utc::now()), "{file}"),
            "forged" => assert!(
                !info
                    .issuer
                    .common_name
                    .as_deref()
                    .unwrap_or("")
                    .contains("DEMO"),
                "{file}: the forged issuer is not the demo CA"
            ),
            _ => assert!(key.certificate.is_valid_at(Utc::now()), "{file}"),
        }
    }
}

#[test]
fn every_format_refuses_a_wrong_password() {
    for format in ["openssl3", "nca-legacy", "nca-ber"] {
        let entry = keystore_entry(format, "valid");
        let error = Keystore::open(&bytes_of(&entry), "not-the-password").unwrap_err();
        assert!(
            matches!(error, KeystoreError::WrongPassword),
            "{format}: {error}"
        );
    }
}

#[test]
fn special_files_give_their_own_answers() {
    let outer = special("nca-ber-outer-indefinite");
    let keystore = Keystore::open(&bytes_of(&outer), field(&outer, "password")).unwrap();
    let info = keystore.entry(None).unwrap().certificate.info();
    assert_eq!(info.subject.iin.as_deref(), Some("900514440216"));
    assert_eq!(info.key_usage, KeyUsageClass::Auth);

    let gost = special("gost");
    let error = Keystore::open(&bytes_of(&gost), field(&gost, "password")).unwrap_err();
    assert!(
        matches!(&error, KeystoreError::Gost(oid) if oid == "1.2.398.3.10.1.1.1.1"),
        "{error}"
    );
    // The MAC is checked first: a wrong password on a GOST file is still a wrong password.
    let error = Keystore::open(&bytes_of(&gost), "wrong").unwrap_err();
    assert!(matches!(error, KeystoreError::WrongPassword), "{error}");

    for kind in ["junk-random", "junk-not-pkcs12"] {
        let junk = special(kind);
        let error = Keystore::open(&bytes_of(&junk), field(&junk, "password")).unwrap_err();
        assert!(matches!(error, KeystoreError::NotPkcs12), "{kind}: {error}");
    }
    let truncated = special("junk-truncated");
    let error = Keystore::open(&bytes_of(&truncated), field(&truncated, "password")).unwrap_err();
    assert!(matches!(error, KeystoreError::Corrupt(_)), "{error}");
}

#[test]
fn empty_input_and_missing_files_are_errors() {
    assert!(matches!(
        Keystore::open(b"", "x"),
        Err(KeystoreError::NotPkcs12)
    ));
    let error = Keystore::open_file(examples().join("no-such-file.p12"), "x").unwrap_err();
    assert!(matches!(error, KeystoreError::Read { .. }), "{error}");
}

#[test]
fn entries_are_chosen_by_alias() {
    let entry = keystore_entry("nca-legacy", "valid");
    let keystore = Keystore::open_file(examples().join(field(&entry, "file")), "123456").unwrap();
    let alias = keystore.entries[0].alias.clone();
    assert_eq!(
        keystore.entry(Some(&alias.to_uppercase())).unwrap().alias,
        alias
    );
    let error = keystore.entry(Some("0000")).unwrap_err();
    assert!(matches!(error, KeystoreError::NoSuchAlias(_)), "{error}");

    // Without an alias, a keystore of several keys asks which one.
    let mut two = Keystore::open_file(examples().join(field(&entry, "file")), "123456").unwrap();
    two.entries.extend(keystore.entries);
    let error = two.entry(None).unwrap_err();
    assert!(matches!(error, KeystoreError::AmbiguousAlias(2)), "{error}");
    two.entries.clear();
    assert!(matches!(two.entry(None), Err(KeystoreError::NoPrivateKey)));
}

#[test]
fn every_error_has_a_translated_message() {
    rust_i18n::set_locale("ru");
    assert_eq!(KeystoreError::WrongPassword.translated(), "Неверный пароль");
    assert!(
        KeystoreError::Gost("1.2.398.3.10.1.1.1.1".into())
            .translated()
            .contains("ГОСТ")
    );
    rust_i18n::set_locale("en");
}

/// One keystore of each format and the special BER one, for the damage tests.
fn samples() -> Vec<(Vec<u8>, String)> {
    let mut samples: Vec<_> = ["openssl3", "nca-legacy", "nca-ber"]
        .iter()
        .map(|format| {
            let entry = keystore_entry(format, "valid");
            (bytes_of(&entry), field(&entry, "password").to_owned())
        })
        .collect();
    let outer = special("nca-ber-outer-indefinite");
    samples.push((bytes_of(&outer), field(&outer, "password").to_owned()));
    samples
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Cutting a keystore anywhere gives an error, never a panic and never a keystore.
    #[test]
    fn truncated_keystores_are_refused(which in 0usize..4, cut in any::<prop::sample::Index>()) {
        let (bytes, password) = &samples()[which];
        let len = cut.index(bytes.len());
        prop_assert!(Keystore::open(&bytes[..len], password).is_err());
    }

    /// Changed bytes anywhere (headers, lengths, MAC, ciphertext) never make the reader panic.
    #[test]
    fn mutated_keystores_never_panic(
        which in 0usize..4,
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let (bytes, password) = &samples()[which];
        let mut bytes = bytes.clone();
        for (at, value) in changes {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        let _ = Keystore::open(&bytes, password);
    }

    #[test]
    fn random_bytes_are_not_keystores(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(Keystore::open(&bytes, "123456").is_err());
    }
}

// --- the command line -------------------------------------------------------------------------

fn kezek(args: &[&str], password: Option<&str>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kezek"));
    command
        .args(args)
        .env("KEZEK_LANG", "ru")
        .env_remove("KEZEK_KEYSTORE_PASSWORD");
    if let Some(password) = password {
        command.env("KEZEK_KEYSTORE_PASSWORD", password);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn inspect_json_has_exactly_the_issue_fields() {
    let entry = index("index.json")
        .into_iter()
        .find(|e| e["role"] == "operator" && e["usage"] == "SIGN" && e["format"] == "nca-ber")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("password");
    std::fs::write(&password_file, format!("{}\n", field(&entry, "password"))).unwrap();
    let path = examples().join(field(&entry, "file"));
    let (code, stdout, stderr) = kezek(
        &[
            "keystore",
            "inspect",
            path.to_str().unwrap(),
            "--password-file",
            password_file.to_str().unwrap(),
            "--json",
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let keys = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&json), ["entries"]);
    let first = &json["entries"][0];
    assert_eq!(
        keys(first),
        [
            "algorithm",
            "alias",
            "expired",
            "issuer",
            "key_bits",
            "key_usage",
            "not_after",
            "not_before",
            "serial_hex",
            "subject"
        ]
    );
    assert_eq!(
        keys(&first["subject"]),
        [
            "bin",
            "common_name",
            "country",
            "email",
            "given_name",
            "iin",
            "iin_checksum_valid",
            "organization",
            "surname"
        ]
    );
    assert_eq!(
        keys(&first["issuer"]),
        ["common_name", "country", "organization"]
    );
    assert_eq!(first["key_usage"], "SIGN");
    assert_eq!(first["algorithm"], "RSA");
    assert_eq!(first["key_bits"], 2048);
    assert_eq!(first["expired"], false);
    assert_eq!(first["not_before"], "2025-01-01T00:00:00Z");
    assert_eq!(first["subject"]["iin"], field(&entry, "iin"));
    assert_eq!(first["subject"]["bin"], "160440090000");
    assert_eq!(first["subject"]["email"], Value::Null);
    assert!(
        first["subject"]["organization"]
            .as_str()
            .unwrap()
            .contains("Правительство для граждан")
    );
}

#[test]
fn inspect_text_is_the_key_window() {
    let entry = keystore_entry("openssl3", "expired");
    let path = examples().join(field(&entry, "file"));
    let (code, stdout, stderr) = kezek(
        &["keystore", "inspect", path.to_str().unwrap()],
        Some(field(&entry, "password")),
    );
    assert_eq!(code, 0, "{stderr}");
    for expected in [
        "Уникальное имя владельца: СЕРИКОВА АЙГЕРИМ",
        "ИИН: 900514440216",
        "Срок действия: 01.01.2020 (00:00) - 01.01.2021 (00:00)",
        "Срок действия истёк",
        "Серийный номер: ",
        "Имя издателя: ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) DEMO",
        "Алгоритм: RSA (2048 бит)",
        "Назначение: AUTH",
    ] {
        assert!(stdout.contains(expected), "{expected:?} not in\n{stdout}");
    }
}

#[test]
fn inspect_exits_1_on_a_wrong_password_and_2_on_bad_input() {
    let entry = keystore_entry("nca-legacy", "valid");
    let path = examples().join(field(&entry, "file"));
    let (code, _, stderr) = kezek(
        &["keystore", "inspect", path.to_str().unwrap()],
        Some("nope"),
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("Неверный пароль"), "{stderr}");

    let gost = examples().join(field(&special("gost"), "file"));
    let (code, _, stderr) = kezek(
        &["keystore", "inspect", gost.to_str().unwrap()],
        Some("123456"),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("ГОСТ"), "{stderr}");

    let random = examples().join(field(&special("junk-random"), "file"));
    let (code, _, stderr) = kezek(&["keystore", "inspect", random.to_str().unwrap()], Some(""));
    assert_eq!(code, 2);
    assert!(stderr.contains("PKCS#12"), "{stderr}");

    let missing = examples().join("missing.p12");
    let (code, _, _) = kezek(
        &["keystore", "inspect", missing.to_str().unwrap()],
        Some("x"),
    );
    assert_eq!(code, 2);
}

/// Without a MAC (`openssl pkcs12 -nomac`) a wrong password shows only as undecryptable content,
/// and must still be reported as a wrong password, while the right one opens the file.
#[test]
fn a_keystore_without_a_mac_still_tells_a_wrong_password() {
    if !crate::openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nomac.p12");
    let ca = examples().join("ca");
    let status = Command::new("openssl")
        .args([
            "pkcs12",
            "-export",
            "-nomac",
            "-passout",
            "pass:Qwerty12",
            "-in",
        ])
        .arg(ca.join("nca_rsa.pem"))
        .arg("-inkey")
        .arg(ca.join("private/nca_rsa.key"))
        .arg("-out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let keystore = Keystore::open_file(&out, "Qwerty12").unwrap();
    let certificate = &keystore.entry(None).unwrap().certificate;
    assert_eq!(certificate.info().key_usage, KeyUsageClass::Other);
    let error = Keystore::open_file(&out, "wrong").unwrap_err();
    assert!(matches!(error, KeystoreError::WrongPassword), "{error}");
}

/// `ring` refuses RSA keys under 2048 bits; such a keystore says its key was refused.
#[test]
fn a_short_rsa_key_is_refused() {
    if !crate::openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .current_dir(dir.path())
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:1024",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-subj",
        "/CN=short",
        "-days",
        "1",
    ]);
    run(&[
        "pkcs12",
        "-export",
        "-passout",
        "pass:x",
        "-in",
        "c.pem",
        "-inkey",
        "k.pem",
        "-out",
        "short.p12",
    ]);
    let error = Keystore::open_file(dir.path().join("short.p12"), "x").unwrap_err();
    assert!(matches!(error, KeystoreError::KeyRejected(_)), "{error}");
}

#[test]
fn help_and_usage_errors_speak_the_users_language() {
    // clap's own English words must not reach a Russian or Kazakh user.
    let english = [
        "Usage:",
        "Commands:",
        "Options:",
        "Arguments:",
        "Print help",
        "Print version",
    ];
    for (lang, usage, options) in [
        ("ru", "Использование:", "Параметры:"),
        ("kk", "Қолданылуы:", "Опциялар:"),
    ] {
        for args in [
            vec!["--lang", lang, "--help"],
            vec!["--lang", lang, "keystore", "inspect", "--help"],
        ] {
            let (code, out, _) = kezek(&args, None);
            assert_eq!(code, 0, "{args:?}");
            assert!(
                out.contains(usage) && out.contains(options),
                "{args:?}:\n{out}"
            );
            assert!(!out.contains("[OPTIONS]"), "{args:?}:\n{out}");
            for word in english {
                assert!(!out.contains(word), "«{word}» in {args:?}:\n{out}");
            }
        }
        let (code, _, err) = kezek(&["--lang", lang, "keystore", "inspect"], None);
        assert_eq!(code, 2);
        assert!(err.contains(usage) && err.contains("<FILE>"), "{err}");
        for word in ["error:", "Usage:", "For more information"] {
            assert!(!err.contains(word), "«{word}»:\n{err}");
        }
    }
    let (code, out, _) = kezek(&["--lang", "en", "--help"], None);
    assert_eq!(code, 0);
    assert!(
        out.contains("Usage:") && out.contains("Print help"),
        "{out}"
    );
}

/// `der` 0.8 (through the `pkcs12` crate) reads NCA's PFX but keeps its authSafe, a constructed
/// OCTET STRING of segments, as the segments' encodings; the keystore joins them with its own BER
/// reader (docs/design-xmldsig.md, «PKCS#12: the crate and our own code»). The day this fails,
/// `der` joins them itself and `keystore::auth_safe_octets` can go.
#[test]
fn der_keeps_nca_segments_unjoined() {
    use der::Decode;
    for entry in index("index.json")
        .iter()
        .filter(|e| field(e, "format") == "nca-ber")
    {
        let bytes = bytes_of(entry);
        let pfx = pkcs12::Pfx::from_ber(&bytes).unwrap();
        let octets = pfx
            .auth_safe
            .content
            .decode_as::<der::asn1::OctetString>()
            .unwrap();
        assert_eq!(
            octets.as_bytes()[0],
            0x04,
            "a segment, not the AuthenticatedSafe"
        );
        assert!(pkcs12::AuthenticatedSafe::from_ber(octets.as_bytes()).is_err());
        // ... and the keystore reads it all the same.
        Keystore::open(&bytes, field(entry, "password")).unwrap();
    }
}

/// NCA's formats (3DES key and RC2-40 certificates under the RFC 7292 derivation, DER and BER)
/// hold the same key and certificates as the OpenSSL 3 file of the same person and usage.
#[test]
fn nca_formats_hold_what_the_openssl_file_holds() {
    let all = index("index.json");
    let mut compared = 0;
    for openssl in all.iter().filter(|e| field(e, "format") == "openssl3") {
        let reference = Keystore::open(&bytes_of(openssl), field(openssl, "password")).unwrap();
        let reference = &reference.entries[0];
        for nca in all.iter().filter(|e| {
            e["format"] != "openssl3"
                && e["iin"] == openssl["iin"]
                && e["usage"] == openssl["usage"]
                && e["status"] == openssl["status"]
        }) {
            let keystore = Keystore::open(&bytes_of(nca), field(nca, "password")).unwrap();
            let entry = &keystore.entries[0];
            assert_eq!(
                entry.certificate,
                reference.certificate,
                "{}",
                field(nca, "file")
            );
            assert_eq!(entry.key.pkcs8_der(), reference.key.pkcs8_der());
            assert_eq!(entry.chain.len(), 2, "{}", field(nca, "file"));
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} NCA files compared");
}
