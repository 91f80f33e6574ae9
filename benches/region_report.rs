//! The region report on a 50 000-application region (issue 13): a real `kezek` server on a
//! fresh database with one region's 50 000 children queued (as `--bench allocation` seeds
//! them), 10 000 places published and offered by the allocation, and the offers answered over
//! the following twelve months (6 in 10 accepted after 0–329 days, 2 declined, 1 unanswered, 1
//! left awaiting; answered with SQL, the triggers keeping the aggregates as for any write).
//! The demo officer logs in with the AUTH key; then `wrk -t2 -c64 -d15s` asks for the twelve
//! months' report as JSON, CSV and XLSX, server and wrk sharing the machine's cores, and the
//! requests/s and latencies are printed. Without wrk it says so and times 200 requests one by
//! one.
//!
//! Run: `cargo bench --bench region_report` (`REPORT_QUEUED`, `REPORT_PLACES`,
//! `REPORT_DURATION` change the defaults 50 000, 10 000 and 15s).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use chrono::{Datelike, Utc};
use kezek::api::report::{ReportFormat, ReportQuery};
use kezek::client::Client;
use kezek::client::demo;
use kezek::domain::{RegionSettings, calendar};
use kezek::pki::keystore::Keystore;
use kezek::pki::xmldsig;
use kezek::server::allocation;
use kezek::server::config::Config;

mod common;
#[path = "common/seed.rs"]
mod seed;

use common::child_iin;

const REGION: &str = "astana";
const OFFICER: &str = "830930352646";

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn number(name: &str, default: u32) -> u32 {
    setting(name, &default.to_string())
        .parse()
        .unwrap_or(default)
}

fn keystores() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keystores-example")
}

/// The demo officer's session token, logged in with their AUTH key.
async fn officer(url: &str) -> Client {
    let index = demo::load_index(&keystores()).expect("keystores-example/index.json");
    let entry = demo::find(&index, OFFICER, "AUTH", "valid").expect("the demo officer's AUTH key");
    let keystore = Keystore::open_file(entry.path(), &entry.password)
        .expect("the demo officer's keystore opens");
    let key = keystore.entry(None).expect("one key");
    let mut client = Client::new(url).expect("a client");
    let challenge = client.challenge().await.expect("a login challenge");
    let signed = xmldsig::sign(&challenge.xml, &key.key, &key.certificate).expect("signed");
    client.login(&signed).await.expect("the officer logs in");
    client
}

/// `wrk`'s requests/s, p50 and p99 for `url`, or `None` without wrk.
fn wrk(url: &str, token: &str, duration: &str) -> Option<String> {
    let out = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{duration}"), "--latency"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(url)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !text.contains("Non-2xx"),
        "some answers were not 200:\n{text}"
    );
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    Some(format!(
        "{} req/s, p50 {}, p99 {}",
        field("Requests/sec:"),
        field("50%"),
        field("99%")
    ))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(run());
}

async fn run() {
    let queued = number("REPORT_QUEUED", 50_000);
    let places = number("REPORT_PLACES", 10_000);
    let duration = setting("REPORT_DURATION", "15s");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let db = dir.path().join("report.db");
    let mut config = Config::demo(&keystores(), 0);
    config.demo = None;
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.database = db.display().to_string();
    config.limits.login_attempts_per_minute = 0;
    config.limits.person_reads_per_minute = 0;
    config.limits.person_writes_per_minute = 0;
    let server = kezek::server::run(config).await.expect("the server starts");
    let store = server.state.store();

    let now = Utc::now();
    let seeding = Instant::now();
    let (groups, years) = seed::groups_and_years(REGION, now);
    store
        .seed_applications(
            "report-bench",
            seed::queue(REGION, queued, &years),
            &|_| RegionSettings::default(),
            now,
        )
        .await
        .unwrap();
    let officer_iin = child_iin(1980, 11).unwrap();
    store
        .publish_free_places(seed::places(REGION, &groups, places, officer_iin, now))
        .await
        .unwrap();
    let offered = allocation::allocate(&server.state, REGION).await.unwrap();
    // The answers, spread over the twelve months from this one.
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let day: i64 = 86_400_000_000;
    sqlx::query(
        "UPDATE offers SET \
           status = CASE WHEN id % 10 < 6 THEN 'accepted' WHEN id % 10 < 8 THEN 'declined' \
                         ELSE 'expired' END, \
           decided_us = made_us + (id % 330) * ?1, \
           accepted_us = CASE WHEN id % 10 < 6 THEN made_us + (id % 330) * ?1 END \
         WHERE status = 'awaiting' AND id % 10 < 9",
    )
    .bind(day)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    println!(
        "{queued} applications queued in {REGION}, {} offers made of {places} places, answered \
         over twelve months: seeded in {:.1} s",
        offered.len(),
        seeding.elapsed().as_secs_f64()
    );

    let client = officer(&server.url()).await;
    let today = calendar::local_date(now);
    let from = format!("{:04}-{:02}", today.year(), today.month());
    let to = if today.month() == 1 {
        format!("{:04}-12", today.year())
    } else {
        format!("{:04}-{:02}", today.year() + 1, today.month() - 1)
    };
    let query = ReportQuery {
        from: from.clone(),
        to: to.clone(),
        ..ReportQuery::default()
    };
    let report = client.region_report(&query).await.unwrap();
    let accepted = offered.len() as u64 * 6 / 10;
    assert!(
        report.total.directions.abs_diff(accepted) <= 1,
        "{} directions, {accepted} expected",
        report.total.directions
    );
    assert_eq!(report.total.offers_made, offered.len() as u64);
    println!(
        "report {from}..{to}: {} directions, average wait {:.1} days, 90% within {} days",
        report.total.directions,
        report.total.wait_average_days.unwrap_or_default(),
        report.total.wait_p90_days.unwrap_or_default()
    );

    let token = client.token().expect("logged in").to_owned();
    for format in [ReportFormat::Json, ReportFormat::Csv, ReportFormat::Xlsx] {
        let url = format!(
            "{}/api/v1/officer/report?from={from}&to={to}&format={}",
            server.url(),
            format.extension()
        );
        match wrk(&url, &token, &duration) {
            Some(figures) => println!(
                "wrk -t2 -c64 -d{duration} {}: {figures}",
                format.extension()
            ),
            None => {
                println!("wrk is missing (apt-get install wrk): 200 requests one by one instead");
                let started = Instant::now();
                for _ in 0..200 {
                    client.region_report_file(&query, format).await.unwrap();
                }
                println!(
                    "{}: {:.2} ms a request",
                    format.extension(),
                    started.elapsed().as_secs_f64() * 1000.0 / 200.0
                );
            }
        }
    }
    server.shutdown().await;
}
