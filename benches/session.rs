//! What every authenticated request now costs besides the session row (issue 11): reading the
//! login certificate back from its DER and checking it against the trust store (chain cached,
//! validity, CRL lookups), and one rate-limiter check.
//!
//! CARGO_TARGET_DIR=/work/target-release cargo bench --bench session

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use kezek::pki::certificate::Certificate;
use kezek::pki::trust::TrustStore;
use kezek::server::limits::RateLimiter;

fn session(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("keystores-example");
    let ca = root.join("ca");
    let trust = TrustStore::from_files(
        &[ca.join("root.pem"), ca.join("nca_rsa.pem")],
        &[ca.join("nca_rsa.crl"), ca.join("root.crl")],
    )
    .unwrap();
    let pem = std::fs::read_dir(root.join("certs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.to_string_lossy().contains("AUTH_RSA256_"))
        .unwrap();
    let der = Certificate::from_pem(&std::fs::read_to_string(pem).unwrap())
        .unwrap()
        .der()
        .to_vec();
    let now = Utc::now();
    // The first check builds and caches the chain, as the login did.
    let _ = trust.check(&Certificate::from_der(&der).unwrap(), now);
    c.bench_function("session recheck: certificate from DER + trust check", |b| {
        b.iter(|| {
            let certificate = Certificate::from_der(black_box(&der)).unwrap();
            let _ = black_box(trust.check(&certificate, now));
        })
    });
    let limiter = RateLimiter::per_minute(u32::MAX);
    let mut person = 0u64;
    c.bench_function("rate limiter check (10 000 keys)", |b| {
        b.iter(|| {
            person = (person + 1) % 10_000;
            black_box(limiter.check(person, Instant::now())).ok()
        })
    });
}

criterion_group!(benches, session);
criterion_main!(benches);
