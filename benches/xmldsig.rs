//! XML signatures of a 4 KiB document (the README's Measured table): signing with an open key,
//! opening a keystore then signing (aim: under 20 ms), verifying the signature with the
//! server's shared verifier (certificate cached) and with a fresh one, the bare RSA
//! verification it contains (aim: verify within 1.3× of it), and verifying plus the trust check.
//! The signed document is written to `$TMPDIR/kezek-xmldsig-bench.xml`, where
//! `scripts/bench-xmldsig-vs-xmlsec.sh` has libxmlsec1 verify the same bytes.
//!
//! CARGO_TARGET_DIR=/work/target-bench cargo bench --bench xmldsig -- --quick

use std::hint::black_box;
use std::path::Path;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use kezek::pki::keystore::Keystore;
use kezek::pki::rsa::{self, RsaHash};
use kezek::pki::trust::TrustStore;
use kezek::pki::xmldsig::{self, Verifier};
use serde_json::Value;

/// An application document padded with children until, signed, it is about 4 KiB.
fn document() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <application xmlns=\"urn:kezek:application\" number=\"УО.2018.000027.1\">\n",
    );
    let mut i = 0;
    while xml.len() < 1500 {
        xml.push_str(&format!(
            "  <field name=\"f{i}\" lang=\"kk\">Баланың аты &amp; тегі {i}</field>\n"
        ));
        i += 1;
    }
    xml.push_str("</application>\n");
    xml
}

/// (format, keystore bytes, password) of the first valid SIGN keystore of each format.
fn keystores() -> Vec<(String, Vec<u8>, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example");
    let index: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("index.json")).unwrap()).unwrap();
    ["openssl3", "nca-ber"]
        .iter()
        .map(|format| {
            let entry = index
                .iter()
                .find(|e| e["format"] == *format && e["status"] == "valid" && e["usage"] == "SIGN")
                .unwrap();
            (
                format.to_string(),
                std::fs::read(root.join(entry["file"].as_str().unwrap())).unwrap(),
                entry["password"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn signatures(c: &mut Criterion) {
    let document = document();
    let samples = keystores();
    let (_, bytes, password) = &samples[0];
    let keystore = Keystore::open(bytes, password).unwrap();
    let entry = keystore.entry(None).unwrap();
    let signed = xmldsig::sign(&document, &entry.key, &entry.certificate).unwrap();
    eprintln!("signed document: {} bytes", signed.len());
    let shared = std::env::temp_dir().join("kezek-xmldsig-bench.xml");
    std::fs::write(&shared, &signed).unwrap();

    c.bench_function("xmldsig sign 4 KiB", |b| {
        b.iter(|| xmldsig::sign(black_box(&document), &entry.key, &entry.certificate).unwrap())
    });
    for (format, bytes, password) in &samples {
        c.bench_function(&format!("xmldsig open {format} + sign 4 KiB"), |b| {
            b.iter(|| {
                let keystore = Keystore::open(black_box(bytes), password).unwrap();
                let entry = keystore.entry(None).unwrap();
                xmldsig::sign(&document, &entry.key, &entry.certificate).unwrap()
            })
        });
    }
    let verifier = Verifier::default();
    c.bench_function("xmldsig verify 4 KiB", |b| {
        b.iter(|| verifier.verify(black_box(&signed)).unwrap())
    });
    c.bench_function("xmldsig verify 4 KiB, certificate read again", |b| {
        b.iter(|| xmldsig::verify(black_box(&signed)).unwrap())
    });
    // What verify cannot do without: one RSA-2048 PKCS#1 v1.5 verification with SHA-256 of a
    // message the size of the canonical SignedInfo.
    let message = vec![b'x'; 700];
    let signature = entry.key.sign(RsaHash::Sha256, &message).unwrap();
    let spki = entry.certificate.subject_public_key_info_der();
    c.bench_function("rsa verify 2048 bare", |b| {
        b.iter(|| {
            assert!(rsa::verify(
                spki,
                RsaHash::Sha256,
                black_box(&message),
                &signature
            ))
        })
    });

    let ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example/ca");
    let trust = TrustStore::from_files(
        &[ca.join("root.pem"), ca.join("nca_rsa.pem")],
        &[ca.join("nca_rsa.crl")],
    )
    .unwrap();
    let now = Utc::now();
    c.bench_function("xmldsig verify 4 KiB + trust chain and CRL", |b| {
        b.iter(|| {
            let verified = verifier.verify(black_box(&signed)).unwrap();
            trust.check(&verified.certificate, now).unwrap()
        })
    });
}

criterion_group!(benches, signatures);
criterion_main!(benches);
