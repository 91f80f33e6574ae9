//! Durable submissions per second through the [`Store`] (SQLite, WAL, `synchronous=FULL`):
//! one client waiting for each answer (one fsync per submission) and concurrent clients whose
//! submissions the writer commits in batches (group commit). Children are spread over six birth
//! years of one region, as `kezek loadgen` does; no documents are generated (the HTTP path's
//! PDFs and signature checks are `kezek loadgen`'s business).
//!
//! Run: `cargo bench --bench store_submit`; the figure is criterion's `thrpt` in elements/s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kezek::domain::iin::check_digit;
use kezek::domain::{Actor, Cohort, Iin, RegionSettings};
use kezek::server::store::{self, NewApplication, NewEvent, no_effects};

/// Submissions per measured iteration, shared among the clients.
const SUBMISSIONS: u64 = 512;

/// The `index`-th valid IIN of a child born in one of the six years before this one.
fn child_iin(index: u64) -> Option<Iin> {
    let year = Utc::now().year() - 1 - (index % 6) as i32;
    let rest = index / 6;
    let day = 1 + rest % 28;
    let rest = rest / 28;
    let text = format!(
        "{:02}01{day:02}{}{:04}",
        year % 100,
        5 + rest % 2,
        (rest / 2) % 10_000
    );
    let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
    let check = check_digit(&digits.try_into().ok()?)?;
    Iin::parse(&format!("{text}{check}")).ok()
}

fn new_application(child: Iin, parent: Iin) -> NewApplication {
    NewApplication {
        cohort: Cohort {
            region: "astana".into(),
            birth_year: child.birth_date().year(),
        },
        benefit: None,
        child_iin: child,
        child_name: "Жаңа бала".into(),
        applicant_iin: parent,
        applicant_name: "Ата-ана".into(),
        service_centre: None,
        attachments: Vec::new(),
        details: serde_json::json!({"settlement": "astana-esil"}),
        now: Utc::now(),
        settings: RegionSettings::default(),
        event: NewEvent {
            actor: Actor::Applicant { iin: parent },
            comment: String::new(),
            signed_xml: Some(
                "<application>a signed document of a few kilobytes</application>".repeat(40),
            ),
        },
        request: None,
    }
}

/// Unique children across every client and iteration.
struct Children(AtomicU64);

impl Children {
    fn next(&self) -> Iin {
        loop {
            let index = self.0.fetch_add(1, Ordering::Relaxed);
            if let Some(iin) = child_iin(index) {
                return iin;
            }
        }
    }
}

fn durable_submissions(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = dir.path().join("store_submit.db");
    let store = runtime
        .block_on(store::open(path.to_str().unwrap()))
        .unwrap();
    let children = Arc::new(Children(AtomicU64::new(0)));
    let parent = child_iin(1_000_000).unwrap();
    let mut group = c.benchmark_group("durable_submissions");
    group.throughput(Throughput::Elements(SUBMISSIONS));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for clients in [1u64, 16, 64] {
        group.bench_function(format!("{clients} clients"), |b| {
            b.iter_custom(|iterations| {
                let started = Instant::now();
                for _ in 0..iterations {
                    runtime.block_on(async {
                        let tasks: Vec<_> = (0..clients)
                            .map(|_| {
                                let (store, children) = (store.clone(), children.clone());
                                tokio::spawn(async move {
                                    for _ in 0..SUBMISSIONS / clients {
                                        let new = new_application(children.next(), parent);
                                        store.submit(new, no_effects()).await.unwrap();
                                    }
                                })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                    });
                }
                started.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, durable_submissions);
criterion_main!(benches);
