//! The exact queue number of any application at 1 000 000 applications (aim: under 1 ms),
//! against SQLite, or PostgreSQL when `KEZEK_BENCH_POSTGRES_URL` names a database, all in one
//! cohort (the worst case: one region, one birth year).
//!
//! The database is seeded once (SQLite: into the target directory, about a minute in release)
//! and reused by later runs. Run: `cargo bench --bench queue_position -- --quick`;
//! `KEZEK_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/kezek_bench cargo bench …`
//! (without `--quick`: its few samples of random lookups swing between 0.5 and 1.4 ms).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use kezek::domain::{ApplicationNumber, ApplicationState, Cohort, RegionSettings, Status};
use kezek::server::store::{self, NewApplication, NewEvent, SeedApplication, Store, no_effects};

mod common;

use common::{Random, benefit, child_iin};

const APPLICATIONS: u64 = 1_000_000;
const CHUNK: u64 = 100_000;

fn cohort() -> Cohort {
    Cohort {
        region: "almaty".into(),
        birth_year: 2023,
    }
}

/// Seeds the million once; returns the store.
async fn seeded(url: &str) -> Arc<dyn Store> {
    let store = store::open(url).await.unwrap();
    let settings = RegionSettings::default();
    let start = Utc.with_ymd_and_hms(2023, 3, 1, 0, 0, 0).unwrap();
    let span_minutes = 3 * 365 * 24 * 60;
    let parent = child_iin(2023, 7).unwrap();
    let placeholder = ApplicationNumber::new(2023, 1, 1).unwrap();
    let mut random = Random(2026);
    let mut index = 0;
    for chunk in 0..APPLICATIONS / CHUNK {
        let mut applications = Vec::with_capacity(CHUNK as usize);
        while applications.len() < CHUNK as usize {
            index += 1;
            let Some(child) = child_iin(2023, index) else {
                continue;
            };
            let registered = start + Duration::minutes((random.next() % span_minutes) as i64);
            let mut state = ApplicationState::registered(
                placeholder,
                cohort(),
                benefit(&mut random),
                registered,
                &settings,
            );
            match random.next() % 20 {
                0 => state.status = Status::Enrolled,
                1 => state.status = Status::Removed,
                _ => {}
            }
            applications.push(SeedApplication {
                state,
                child_iin: child,
                child_name: format!("Бала {index}"),
                applicant_iin: parent,
                applicant_name: "Ата-ана".into(),
            });
        }
        store
            .seed_applications(
                &format!("bench-{chunk}"),
                applications,
                &|_| settings.clone(),
                Utc::now(),
            )
            .await
            .unwrap();
    }
    store
}

fn queue_position(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let postgres = std::env::var("KEZEK_BENCH_POSTGRES_URL").ok();
    let url = postgres.clone().unwrap_or_else(|| {
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("queue_position_1m.db");
        format!("sqlite://{}", path.display())
    });
    let started = std::time::Instant::now();
    let store = runtime.block_on(seeded(&url));
    eprintln!("seeded or reopened {url} in {:?}", started.elapsed());
    let (rows, stored): (Vec<String>, i64) = runtime.block_on(async {
        use sqlx::Connection;
        let (queued, count) = (
            "SELECT number FROM applications WHERE queued",
            "SELECT COUNT(*) FROM applications",
        );
        if postgres.is_some() {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            // What autovacuum does in a deployment (this machine's server runs without it):
            // statistics for the planner and the visibility map for index-only counts.
            sqlx::query("VACUUM ANALYZE applications, queue_tree")
                .execute(&mut conn)
                .await
                .unwrap();
            let rows = sqlx::query_scalar(queued).fetch_all(&mut conn).await;
            let stored = sqlx::query_scalar(count).fetch_one(&mut conn).await;
            (rows.unwrap(), stored.unwrap())
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let rows = sqlx::query_scalar(queued).fetch_all(&mut conn).await;
            let stored = sqlx::query_scalar(count).fetch_one(&mut conn).await;
            (rows.unwrap(), stored.unwrap())
        }
    });
    let numbers: Vec<ApplicationNumber> = rows
        .iter()
        .map(|n| ApplicationNumber::parse(n).unwrap())
        .collect();
    eprintln!("{} applications queued in one cohort", numbers.len());
    let mut random = Random(7);
    let mut group = c.benchmark_group("queue_number_at_1m");
    group.measurement_time(StdDuration::from_secs(5));
    group.bench_function("position", |b| {
        b.iter(|| {
            let number = numbers[(random.next() % numbers.len() as u64) as usize];
            runtime.block_on(store.position(number)).unwrap()
        })
    });
    // Earlier runs' submissions stay queued in the reused database: start past their children.
    // Each took fewer than two indexes (about one prefix in eleven has no valid IIN).
    let mut serial = 9_000_000 + 2 * (stored as u64).saturating_sub(APPLICATIONS);
    let parent = child_iin(2023, 7).unwrap();
    group.bench_function("submit_durable", |b| {
        b.iter(|| {
            let child = loop {
                serial += 1;
                if let Some(iin) = child_iin(2023, serial) {
                    break iin;
                }
            };
            let new = NewApplication {
                cohort: cohort(),
                benefit: None,
                child_iin: child,
                child_name: "Жаңа бала".into(),
                applicant_iin: parent,
                applicant_name: "Ата-ана".into(),
                service_centre: None,
                attachments: Vec::new(),
                details: serde_json::Value::Null,
                now: Utc::now(),
                settings: RegionSettings::default(),
                event: NewEvent {
                    actor: kezek::domain::Actor::System,
                    comment: String::new(),
                    signed_xml: None,
                },
                request: None,
            };
            runtime.block_on(store.submit(new, no_effects())).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, queue_position);
criterion_main!(benches);
