//! Opening a keystore of each format, and opening then signing (aim: under 20 ms).
//! Keystores are found through keystores-example/index.json.
//!
//! CARGO_TARGET_DIR=/work/target-bench cargo bench --bench keystore -- --quick

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kezek::pki::keystore::Keystore;
use kezek::pki::rsa::RsaHash;
use serde_json::Value;

/// (format, file bytes, password) of parent A's first valid AUTH keystore in each format.
fn samples() -> Vec<(String, Vec<u8>, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("index.json")).unwrap()).unwrap();
    ["openssl3", "nca-legacy", "nca-ber"]
        .iter()
        .map(|format| {
            let entry = index
                .as_array()
                .unwrap()
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

fn open(c: &mut Criterion) {
    let document = vec![b'x'; 4096];
    for (format, bytes, password) in samples() {
        c.bench_function(&format!("keystore open {format}"), |b| {
            b.iter(|| Keystore::open(&bytes, &password).unwrap())
        });
        c.bench_function(&format!("keystore open+sign 4KiB {format}"), |b| {
            b.iter(|| {
                let keystore = Keystore::open(&bytes, &password).unwrap();
                keystore.entries[0]
                    .key
                    .sign(RsaHash::Sha256, &document)
                    .unwrap()
            })
        });
    }
}

criterion_group!(benches, open);
criterion_main!(benches);
