//! One signature on a SoftHSM2 token beside one from a PKCS#12 file (issue 16): the RSA
//! signature alone and the XML signature of the same small document, each with the key already
//! at hand (a logged-in session, an opened keystore), then with the opening included (load
//! nothing, log in, find the keys, sign; open the file, sign). The token is made by the bench in
//! a temporary SoftHSM2 folder from the demo keystore; without SoftHSM2 the bench says so and
//! measures the file alone.
//!
//! CARGO_TARGET_DIR=/work/target-release cargo bench --bench pkcs11 -- --quick

#[path = "../tests/common/softhsm.rs"]
mod softhsm;

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kezek::pki::keystore::Keystore;
use kezek::pki::pkcs11::Module;
use kezek::pki::signer::KeyStore;
use kezek::pki::xmldsig;
use serde_json::Value;
use zeroize::Zeroizing;

const DOCUMENT: &str = "<application xmlns=\"urn:kezek:application\">\
     <child iin=\"220315612150\">Серикова Аружан</child></application>";

/// The first valid SIGN keystore in NCA's BER format: (bytes, password).
fn keystore() -> (Vec<u8>, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example");
    let index: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(root.join("index.json")).unwrap()).unwrap();
    let entry = index
        .iter()
        .find(|e| e["format"] == "nca-ber" && e["status"] == "valid" && e["usage"] == "SIGN")
        .unwrap();
    (
        std::fs::read(root.join(entry["file"].as_str().unwrap())).unwrap(),
        entry["password"].as_str().unwrap().to_owned(),
    )
}

fn signatures(c: &mut Criterion) {
    let (bytes, password) = keystore();
    let file = Keystore::open(&bytes, &password).unwrap();
    let signer = file.signer(None).unwrap();
    let signed_info = [0x5a_u8; 600];
    c.bench_function("PKCS#12: RSA sign (key open)", |b| {
        b.iter(|| black_box(signer.sign_sha256(black_box(&signed_info)).unwrap()))
    });
    c.bench_function("PKCS#12: XML sign (key open)", |b| {
        b.iter(|| black_box(xmldsig::sign_with(DOCUMENT, signer.as_ref()).unwrap()))
    });
    c.bench_function("PKCS#12: open + XML sign", |b| {
        b.iter(|| {
            let keystore = Keystore::open(black_box(&bytes), &password).unwrap();
            black_box(
                xmldsig::sign_with(DOCUMENT, keystore.signer(None).unwrap().as_ref()).unwrap(),
            )
        })
    });

    let Some(module_path) = softhsm::module() else {
        eprintln!("SoftHSM2 is missing: only the PKCS#12 figures were measured");
        return;
    };
    let hsm = softhsm::SoftHsm::new(module_path);
    hsm.init_token("bench");
    hsm.import("bench", &file.entries[0], "SIGN key", "51");
    // SAFETY: one thread so far, and before the module is first loaded.
    unsafe { std::env::set_var("SOFTHSM2_CONF", hsm.conf()) };
    let module = Module::load(&hsm.module).unwrap();
    let pin = Zeroizing::new(softhsm::USER_PIN.to_owned());
    let session = module.open(None, &pin).unwrap();
    let signer = session.signer(None).unwrap();
    c.bench_function("SoftHSM2: RSA sign (session open)", |b| {
        b.iter(|| black_box(signer.sign_sha256(black_box(&signed_info)).unwrap()))
    });
    c.bench_function("SoftHSM2: XML sign (session open)", |b| {
        b.iter(|| black_box(xmldsig::sign_with(DOCUMENT, signer.as_ref()).unwrap()))
    });
    c.bench_function("SoftHSM2: log in + XML sign + close", |b| {
        b.iter(|| {
            let session = module.open(None, &pin).unwrap();
            black_box(xmldsig::sign_with(DOCUMENT, session.signer(None).unwrap().as_ref()).unwrap())
        })
    });
}

criterion_group!(benches, signatures);
criterion_main!(benches);
