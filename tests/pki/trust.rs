//! Certificate paths and revocation lists with certificates and CRLs minted by openssl: only a
//! CA with keyCertSign may issue, within its path length (a leaf never acts as a CA, even when
//! trusted as an anchor); a CRL past its nextUpdate refuses unless stale lists are accepted; a
//! reload replaces the lists and keeps the old one when a new file is bad or older.

use std::path::Path;

use chrono::Utc;
use kezek::pki::certificate::Certificate;
use kezek::pki::trust::{IssuerFault, TrustError, TrustStore};

use crate::openssl::{self, Minted, SIGN_LEAF, SUB_CA, demo_intermediate, demo_root, issue};
use crate::support::{demo_keystore, examples};

fn store(authorities: &[&Minted]) -> TrustStore {
    let files: Vec<&Path> = authorities.iter().map(|m| m.cert.as_path()).collect();
    TrustStore::from_files(&files, &[] as &[&str]).unwrap()
}

fn fault(store: &TrustStore, certificate: &Certificate) -> IssuerFault {
    match store.check(certificate, Utc::now()) {
        Err(TrustError::NotAnIssuer { fault, .. }) => fault,
        other => panic!("expected an issuer refused, got {other:?}"),
    }
}

const LEAF: &str = "/CN=TEST LEAF/serialNumber=IIN900514440216/C=KZ";
const CHILD: &str = "/CN=CHILD OF A LEAF/serialNumber=IIN881102335170/C=KZ";

/// A person's key (no basicConstraints, as NCA issues them, or cA = FALSE said outright) that
/// signs a "certificate" of its own is no CA, even if someone lists it among the trusted ones.
#[test]
fn a_leaf_never_acts_as_a_ca() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root, intermediate) = (demo_root(), demo_intermediate());
    for (name, extensions) in [
        ("nca-style", SIGN_LEAF.to_owned()),
        (
            "ca-false",
            format!("basicConstraints = critical, CA:FALSE\n{SIGN_LEAF}"),
        ),
        (
            "ca-false-cert-sign",
            "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyCertSign\n".to_owned(),
        ),
    ] {
        let leaf = issue(dir.path(), &intermediate, name, LEAF, &extensions);
        let child = issue(
            dir.path(),
            &leaf,
            &format!("{name}-child"),
            CHILD,
            SIGN_LEAF,
        );
        let trust = store(&[&root, &intermediate, &leaf]);
        // The leaf itself is fine; what it signed is not.
        trust.check(&leaf.certificate(), Utc::now()).unwrap();
        assert_eq!(
            fault(&trust, &child.certificate()),
            IssuerFault::NotCa,
            "{name}"
        );
        let error = trust.check(&child.certificate(), Utc::now()).unwrap_err();
        assert_eq!(error.code(), "certificate_path_invalid");
    }
}

#[test]
fn a_ca_without_key_cert_sign_issues_nothing() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = demo_root();
    let crl_only = issue(
        dir.path(),
        &root,
        "crl-only",
        "/CN=CRL ONLY CA/C=KZ",
        "basicConstraints = critical, CA:TRUE\nkeyUsage = critical, cRLSign\n",
    );
    let leaf = issue(dir.path(), &crl_only, "leaf", LEAF, SIGN_LEAF);
    assert_eq!(
        fault(&store(&[&root, &crl_only]), &leaf.certificate()),
        IssuerFault::NoKeyCertSign
    );
    // The same under a proper sub-CA passes, so it is the missing bit that refuses.
    let proper = issue(dir.path(), &root, "proper", "/CN=PROPER CA/C=KZ", SUB_CA);
    let leaf = issue(dir.path(), &proper, "proper-leaf", LEAF, SIGN_LEAF);
    store(&[&root, &proper])
        .check(&leaf.certificate(), Utc::now())
        .unwrap();
}

/// The demo intermediate says pathlen 0: it may sign people, not another CA that signs people.
#[test]
fn the_path_length_of_an_intermediate_is_respected() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (root, intermediate) = (demo_root(), demo_intermediate());
    let sub = issue(dir.path(), &intermediate, "sub", "/CN=SUB CA/C=KZ", SUB_CA);
    let leaf = issue(dir.path(), &sub, "leaf", LEAF, SIGN_LEAF);
    let trust = store(&[&root, &intermediate, &sub]);
    assert_eq!(fault(&trust, &leaf.certificate()), IssuerFault::PathLength);
    // The sub-CA itself sits within the intermediate's limit.
    trust.check(&sub.certificate(), Utc::now()).unwrap();
    // Under the root (no limit) a second level is fine.
    let open = issue(dir.path(), &root, "open", "/CN=OPEN CA/C=KZ", SUB_CA);
    let below = issue(dir.path(), &open, "below", "/CN=BELOW CA/C=KZ", SUB_CA);
    let leaf = issue(dir.path(), &below, "deep-leaf", LEAF, SIGN_LEAF);
    store(&[&root, &open, &below])
        .check(&leaf.certificate(), Utc::now())
        .unwrap();
}

fn demo_authorities() -> [std::path::PathBuf; 2] {
    let ca = examples().join("ca");
    [ca.join("root.pem"), ca.join("nca_rsa.pem")]
}

fn demo_certificate(usage: &str, status: &str) -> Certificate {
    demo_keystore(usage, status, "openssl3").open().certificate
}

/// The PEM of a demo keystore's certificate (certs/ holds one per keystore, same base name).
fn demo_pem(usage: &str, status: &str) -> std::path::PathBuf {
    let keystore = demo_keystore(usage, status, "openssl3");
    let stem = keystore.path.file_stem().unwrap().to_owned();
    examples().join("certs").join(stem).with_extension("pem")
}

#[test]
fn a_stale_crl_refuses_unless_configured_to_soft_fail() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let crl = dir.path().join("stale.crl");
    let revoked = demo_pem("SIGN", "revoked");
    openssl::crl(
        &crl,
        &demo_intermediate(),
        &[&revoked],
        Some("20250101000000Z"),
        "20250201000000Z",
    );
    let strict = TrustStore::from_files(&demo_authorities(), &[&crl]).unwrap();
    let valid = demo_certificate("SIGN", "valid");
    let error = strict.check(&valid, Utc::now()).unwrap_err();
    assert!(matches!(error, TrustError::CrlStale { .. }), "{error:?}");
    assert_eq!(error.code(), "crl_stale");
    // Before its nextUpdate the same list was good.
    strict
        .check(&valid, "2025-01-15T00:00:00Z".parse().unwrap())
        .unwrap();

    let soft = strict.soft_fail_stale_crls(true);
    soft.check(&valid, Utc::now()).unwrap();
    // A stale list still revokes what it lists.
    let error = soft
        .check(&demo_certificate("SIGN", "revoked"), Utc::now())
        .unwrap_err();
    assert_eq!(error.code(), "certificate_revoked");
}

#[test]
fn a_reload_replaces_the_lists_and_keeps_the_old_one_when_the_new_file_is_bad() {
    if !openssl::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let crl = dir.path().join("nca_rsa.crl");
    std::fs::copy(examples().join("ca/nca_rsa.crl"), &crl).unwrap();
    let first = TrustStore::from_files(&demo_authorities(), &[&crl]).unwrap();
    let (valid, revoked) = (
        demo_certificate("SIGN", "valid"),
        demo_certificate("SIGN", "revoked"),
    );
    first.check(&valid, Utc::now()).unwrap();

    // A new list revokes the valid key and no longer lists the other.
    openssl::crl(
        &crl,
        &demo_intermediate(),
        &[&demo_pem("SIGN", "valid")],
        None,
        "20401231235959Z",
    );
    let (second, failures) = first.with_reloaded_crls(&[&crl]);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        second.check(&valid, Utc::now()).unwrap_err().code(),
        "certificate_revoked"
    );
    second.check(&revoked, Utc::now()).unwrap();
    // The store in use before the reload is untouched.
    first.check(&valid, Utc::now()).unwrap();

    // A broken file or a list signed by nobody trusted: the list in use stays.
    let untrusted = Minted {
        cert: examples().join("untrusted/fake_root.pem"),
        key: examples().join("untrusted/fake_root.key"),
    };
    let forged = dir.path().join("forged.crl");
    openssl::crl(&forged, &untrusted, &[], None, "20401231235959Z");
    for (bad, code) in [
        (b"not a CRL".to_vec(), "crl_unreadable"),
        (std::fs::read(&forged).unwrap(), "crl_signature_invalid"),
    ] {
        std::fs::write(&crl, bad).unwrap();
        let (third, failures) = second.with_reloaded_crls(&[&crl]);
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].code(), code);
        assert_eq!(
            third.check(&valid, Utc::now()).unwrap_err().code(),
            "certificate_revoked"
        );
    }
    let (third, failures) = second.with_reloaded_crls(&[dir.path().join("missing.crl")]);
    assert_eq!(failures[0].code(), "file_unreadable");
    // The missing file's path never held a list, so nothing is kept for it.
    third.check(&valid, Utc::now()).unwrap();

    // An older list (issued before the one in use) would un-revoke: it is refused.
    openssl::crl(
        &crl,
        &demo_intermediate(),
        &[],
        Some("20250101000000Z"),
        "20401231235959Z",
    );
    let (fourth, failures) = second.with_reloaded_crls(&[&crl]);
    assert_eq!(failures[0].code(), "crl_outdated");
    assert_eq!(
        fourth.check(&valid, Utc::now()).unwrap_err().code(),
        "certificate_revoked"
    );
}
