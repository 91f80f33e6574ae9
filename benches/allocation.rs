//! Allocation at scale (docs/domain-rules.md, «Offers and directions»): one region with 50 000
//! children queued over the birth years its groups take, 10 000 free places published over its
//! kindergarten groups, and the time until every offer is made (aim: under 2 s). Afterwards
//! every place is checked to be taken and the queue numbers of a cohort to be exact (1, 2, 3 …
//! in queue order).
//!
//! Each round seeds a fresh database in the target directory (allocation uses the queue up).
//! Not a criterion bench: one round costs a seeding, so a few rounds are timed and printed.
//! Run: `cargo bench --bench allocation` (`ALLOCATION_ROUNDS`, `ALLOCATION_QUEUED`,
//! `ALLOCATION_PLACES` change the defaults 3, 50 000 and 10 000).

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use kezek::domain::{RegionSettings, Status};
use kezek::pki::trust::TrustStore;
use kezek::server::config::Config;
use kezek::server::registry::DemoRegistry;
use kezek::server::store::{self, JournalColumn, JournalFilter, JournalScope, OfferScope};
use kezek::server::{AppState, allocation};

mod common;
#[path = "common/seed.rs"]
mod seed;

use common::child_iin;

const REGION: &str = "astana";

fn setting(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One round on a fresh database: seed, publish, allocate (timed), check.
async fn round(round: u32, queued: u32, places: u32) -> f64 {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let url = dir.path().join("allocation.db").display().to_string();
    let store = store::open(&url).await.unwrap();
    let now = Utc::now();
    let (groups, years) = seed::groups_and_years(REGION, now);
    let seeding = Instant::now();
    store
        .seed_applications(
            "allocation-bench",
            seed::queue(REGION, queued, &years),
            &|_| RegionSettings::default(),
            now,
        )
        .await
        .unwrap();
    let seeded = seeding.elapsed();
    let officer = child_iin(1980, 11).unwrap();
    // One publication of every group of the region, as one signed document would make.
    store
        .publish_free_places(seed::places(REGION, &groups, places, officer, now))
        .await
        .unwrap();
    let config = Config {
        database: url,
        ..Config::default()
    };
    let trust = TrustStore::from_files(&[] as &[&str], &[] as &[&str]).unwrap();
    let registry = DemoRegistry::key_holders().unwrap();
    let state = AppState::new(config, store.clone(), trust, Arc::new(registry), Vec::new());

    let started = Instant::now();
    let offered = allocation::allocate(&state, REGION).await.unwrap();
    let took = started.elapsed();

    let open: u32 = store
        .free_places(REGION, true)
        .await
        .unwrap()
        .iter()
        .map(|p| p.remaining)
        .sum();
    let offers = store
        .offers(&OfferScope::Region(REGION.into()), u32::MAX)
        .await
        .unwrap();
    assert_eq!(offers.len(), offered.len(), "every offer made is recorded");
    assert_eq!(
        offered.len() as u32 + open,
        places,
        "every place is accounted for"
    );
    check_numbers(&*store, years[0]).await;
    println!(
        "round {round}: {queued} queued (seeded in {:.1} s), {places} places over {} groups: \
         {} offers in {:.3} s ({:.0} offers/s), {open} places left open",
        seeded.as_secs_f64(),
        groups.len(),
        offered.len(),
        took.as_secs_f64(),
        offered.len() as f64 / took.as_secs_f64(),
    );
    store.close().await;
    took.as_secs_f64()
}

/// The queue numbers of a cohort after the allocation are 1, 2, 3 … in queue order.
async fn check_numbers(store: &dyn store::Store, birth_year: i32) {
    let page = store
        .journal(&JournalFilter {
            scope: JournalScope::Region(REGION.into()),
            status: Some(Status::InQueue),
            benefit: None,
            birth_year: Some(birth_year),
            text: None,
            kindergarten: None,
            sort: JournalColumn::RegisteredAt,
            descending: false,
            offset: 0,
            limit: 100_000,
        })
        .await
        .unwrap();
    assert!(
        !page.rows.is_empty(),
        "children stay queued in {birth_year}"
    );
    for (ahead, row) in page.rows.iter().enumerate() {
        assert_eq!(
            row.position.general as usize,
            ahead + 1,
            "{} after the allocation",
            row.state.number
        );
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter given for other benches is not ours.
    if std::env::args().skip(1).any(|a| !a.starts_with("--")) {
        return;
    }
    let rounds = setting("ALLOCATION_ROUNDS", 3);
    let queued = setting("ALLOCATION_QUEUED", 50_000);
    let places = setting("ALLOCATION_PLACES", 10_000);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut times: Vec<f64> = (1..=rounds)
        .map(|n| runtime.block_on(round(n, queued, places)))
        .collect();
    times.sort_by(f64::total_cmp);
    if let Some(median) = times.get(times.len() / 2) {
        println!("allocation of {places} places with {queued} queued: median {median:.3} s");
    }
}
