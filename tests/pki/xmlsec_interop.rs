//! Interoperability with xmlsec1 (libxmlsec1), both ways: xmlsec1 accepts what we sign, we
//! accept what xmlsec1 signs (with a key exported from the demo keystore by `openssl pkcs12`),
//! and both refuse the same tampering. Skips loudly without xmlsec1 or openssl, fails under
//! CI=true.

use crate::support;

use std::path::Path;
use std::process::Command;

use chrono::Utc;
use kezek::api::documents::{Document, LoginDocument};
use kezek::api::problem::ProblemCode;
use kezek::pki::trust::TrustStore;
use kezek::pki::xmldsig::{self, Policy, Verifier};
use kezek::server::config::Config;
use kezek::server::signed::{self, Checks, Purpose};
use support::{DemoKeystore, demo_keystore, examples, fixture, have_tool};

fn tools() -> bool {
    have_tool("xmlsec1") && have_tool("openssl")
}

/// Runs xmlsec1 to verify `xml`, trusting only what the certificate in it says
/// (`--insecure`) or the demo CA.
pub(crate) fn xmlsec_verifies(xml: &str, dir: &Path, with_demo_ca: bool) -> bool {
    let file = dir.join("to-verify.xml");
    std::fs::write(&file, xml).unwrap();
    let mut command = Command::new("xmlsec1");
    command.arg("--verify");
    if with_demo_ca {
        let ca = examples().join("ca");
        command
            .arg("--trusted-pem")
            .arg(ca.join("root.pem"))
            .arg("--untrusted-pem")
            .arg(ca.join("nca_rsa.pem"));
    } else {
        command.arg("--insecure");
    }
    let output = command.arg(&file).output().unwrap();
    if !output.status.success() {
        eprintln!("xmlsec1: {}", String::from_utf8_lossy(&output.stderr));
    }
    output.status.success()
}

/// The keystore's key and certificate as PEM files, exported by openssl.
fn export_pem(keystore: &DemoKeystore, dir: &Path) -> String {
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    for (args, out) in [
        (vec!["-nodes", "-nocerts"], &key),
        (vec!["-clcerts", "-nokeys"], &cert),
    ] {
        let status = Command::new("openssl")
            .arg("pkcs12")
            .arg("-in")
            .arg(&keystore.path)
            .arg("-passin")
            .arg(format!("pass:{}", keystore.password))
            .args(args)
            .arg("-out")
            .arg(out)
            .status()
            .unwrap();
        assert!(status.success(), "openssl pkcs12 failed");
    }
    format!("{},{}", key.display(), cert.display())
}

fn xmlsec_sign(template: &Path, key: &str, dir: &Path) -> String {
    let out = dir.join("signed.xml");
    let output = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(key)
        .arg("--output")
        .arg(&out)
        .arg(template)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "xmlsec1 --sign {}: {}",
        template.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

const DOCUMENTS: [&str; 4] = [
    "<a/>",
    r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- top comment -->
<application xmlns="urn:kezek:application" xmlns:k="urn:kezek:common" k:version="1">
  <child iin="180101500017" xml:lang="kk">Серикова Әлия</child>
  <note>a &amp; b &lt; c &gt; d "quoted" &#x20AC; &#13;</note>
  <k:empty/>
  <plain xmlns=""><deep attr="tab&#9;nl&#10;cr&#13;"/></plain>
  <?processing instruction?>
</application>"#,
    "<root>\r\n  <crlf>line\r\nline</crlf>\r\n</root>\r\n",
    r#"<p:doc xmlns:p="urn:p" xmlns:ds="urn:not-the-dsig-namespace"><ds:x>same prefix, other namespace</ds:x></p:doc>"#,
];

#[test]
fn xmlsec1_verifies_our_signatures() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for format in ["openssl3", "nca-legacy", "nca-ber"] {
        let entry = demo_keystore("SIGN", "valid", format).open();
        for document in DOCUMENTS {
            let signed = xmldsig::sign(document, &entry.key, &entry.certificate).unwrap();
            assert!(
                xmlsec_verifies(&signed, dir.path(), false),
                "xmlsec1 refused our signature of {document}"
            );
            xmldsig::verify(&signed).unwrap();
        }
    }
    let entry = demo_keystore("AUTH", "valid", "openssl3").open();
    let signed = xmldsig::sign(DOCUMENTS[1], &entry.key, &entry.certificate).unwrap();
    assert!(xmlsec_verifies(&signed, dir.path(), true));
}

#[test]
fn we_verify_what_xmlsec1_signs() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keystore = demo_keystore("SIGN", "valid", "openssl3");
    let key = export_pem(&keystore, dir.path());
    let templates = fixture("templates");
    let mut count = 0;
    for entry in std::fs::read_dir(&templates).unwrap() {
        let template = entry.unwrap().path();
        let signed = xmlsec_sign(&template, &key, dir.path());
        // SHA-1 is read only where the policy allows it for old evidence.
        let sha1 = template.to_string_lossy().contains("sha1");
        let verifier = Verifier::new(Policy {
            allow_sha1: sha1,
            ..Policy::default()
        });
        if sha1 {
            assert_eq!(
                xmldsig::verify(&signed).unwrap_err().code(),
                "weak_algorithm"
            );
        }
        let verified = verifier
            .verify(&signed)
            .unwrap_or_else(|e| panic!("{}: {e}", template.display()));
        assert_eq!(
            verified.certificate.info().subject.iin.as_deref(),
            Some(keystore.iin.as_str())
        );
        // An element slipped in before the signature changes the signed content.
        let at = signed
            .find("<ds:Signature")
            .or_else(|| signed.find("<Signature"))
            .unwrap();
        let tampered = format!("{}<injected/>{}", &signed[..at], &signed[at..]);
        assert_eq!(
            verifier.verify(&tampered).unwrap_err().code(),
            "digest_mismatch"
        );
        assert!(!xmlsec_verifies(&tampered, dir.path(), false));
        count += 1;
    }
    assert!(count >= 7);
}

/// A Kezek login document signed by xmlsec1 with rsa-sha1 and the demo AUTH key: the server's
/// check refuses it as `weak_algorithm` unless `[signatures] allow_sha1_signatures` is set.
#[test]
fn the_server_refuses_sha1_logins_unless_configured() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keystore = demo_keystore("AUTH", "valid", "openssl3");
    let key = export_pem(&keystore, dir.path());
    let login = Document::Login(LoginDocument {
        nonce: "sha1-nonce".to_owned(),
        issued_at: Utc::now(),
    })
    .to_xml();
    let template_text = login.replace(
        "</login>",
        &std::fs::read_to_string(fixture("templates/rsa-sha1.xml"))
            .unwrap()
            .split_once("<Signature")
            .map(|(_, signature)| format!("<Signature{signature}"))
            .unwrap()
            .replace("</doc>", "</login>"),
    );
    let template = dir.path().join("login-sha1.xml");
    std::fs::write(&template, template_text).unwrap();
    let signed = xmlsec_sign(&template, &key, dir.path());
    let ca = examples().join("ca");
    let trust = TrustStore::from_files(
        &[ca.join("root.pem"), ca.join("nca_rsa.pem")],
        &[] as &[&str],
    )
    .unwrap();
    let check = |allow_sha1| {
        let mut config = Config::default();
        config.signatures.allow_sha1_signatures = allow_sha1;
        let checks = Checks::new(&config);
        signed::verify(
            &signed,
            Purpose::Login,
            &trust,
            &checks.verifier,
            Utc::now(),
        )
    };
    assert_eq!(check(false).unwrap_err().code(), ProblemCode::WeakAlgorithm);
    let verified = check(true).unwrap();
    assert_eq!(verified.signer.iin.to_string(), keystore.iin);
}

#[test]
fn both_refuse_tampered_documents() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let entry = demo_keystore("SIGN", "valid", "openssl3").open();
    let signed = xmldsig::sign(DOCUMENTS[1], &entry.key, &entry.certificate).unwrap();
    for (from, to) in [
        ("Серикова Әлия", "Серикова Алия"),
        ("k:version=\"1\"", "k:version=\"2\""),
        ("<k:empty/>", "<k:empty></k:empty><extra/>"),
    ] {
        let tampered = signed.replacen(from, to, 1);
        assert_ne!(tampered, signed);
        assert!(!xmlsec_verifies(&tampered, dir.path(), false), "{to}");
        assert_eq!(
            xmldsig::verify(&tampered).unwrap_err().code(),
            "digest_mismatch"
        );
    }
}
