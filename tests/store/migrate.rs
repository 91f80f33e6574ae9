//! `kezek migrate --from sqlite://… --to postgres://…`: a city's data moved with its history
//! chain intact (`kezek log verify` passes on the target) and every application the same,
//! numbers included; the target goes on numbering after the source. Skips without
//! `KEZEK_TEST_POSTGRES_URL` (fails under CI=true).

use std::process::Command;

use kezek::domain::{ApplicationNumber, RegionSettings};
use kezek::server::catalogue::Catalogue;
use kezek::server::demo::demo_applications;
use kezek::server::registry::synthetic::{Family, FamilyGenerator};
use kezek::server::store::{self, no_effects};

use crate::postgres::{PgSchema, postgres_url};
use crate::suite::{at, new_application};

fn kezek(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kezek"))
        .args(["--lang", "en"])
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_city_moves_to_postgres_with_its_chain_and_numbers() {
    let Some(server) = postgres_url() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("city.db").display());
    let source = store::open(&sqlite).await.unwrap();
    let now = at(0);
    let families: Vec<Family> = FamilyGenerator::new(1, now.date_naive(), [])
        .take(300)
        .collect();
    let settings = RegionSettings::default();
    let seeds = demo_applications(
        &families,
        Catalogue::bundled(),
        300,
        7,
        now,
        &|_| settings.clone(),
        None,
    );
    assert!(
        source
            .seed_applications("demo", seeds, &|_| settings.clone(), now)
            .await
            .unwrap()
    );
    let mut last = None;
    for serial in 1..=5 {
        let recorded = source
            .submit(
                new_application(serial, at(serial as i64), None),
                no_effects(),
            )
            .await
            .unwrap();
        last = Some(recorded.application.state.number);
    }
    let last = last.unwrap();
    let page = source
        .journal(&store::JournalFilter {
            scope: store::JournalScope::Region("almaty".into()),
            status: None,
            benefit: None,
            birth_year: None,
            text: None,
            kindergarten: None,
            sort: store::JournalColumn::Number,
            descending: false,
            offset: 0,
            limit: 10_000,
        })
        .await
        .unwrap();
    let numbers: Vec<ApplicationNumber> = page.rows.iter().map(|a| a.state.number).collect();
    assert!(numbers.len() > 5, "{}", numbers.len());
    let before = page.rows;
    let stats_before = source.region_stats("almaty").await.unwrap();
    source.close().await;

    let schema = PgSchema::create(&server).await;
    let target = schema.url();
    let moved = kezek(&["migrate", "--from", &sqlite, "--to", &target]);
    assert_eq!(moved.status.code(), Some(0), "{moved:?}");
    let stdout = String::from_utf8_lossy(&moved.stdout);
    assert!(stdout.contains("history chain checked"), "{stdout}");
    let verified = kezek(&["log", "verify", "--db", &target]);
    assert_eq!(verified.status.code(), Some(0), "{verified:?}");

    let moved_store = store::open(&target).await.unwrap();
    for (number, was) in numbers.iter().zip(&before) {
        let now_there = moved_store.application(*number).await.unwrap();
        assert_eq!(&now_there, was, "{number}");
    }
    assert_eq!(
        moved_store.region_stats("almaty").await.unwrap(),
        stats_before
    );
    // The target numbers on after the source, on the same chain.
    let next = moved_store
        .submit(new_application(6, at(6), None), no_effects())
        .await
        .unwrap();
    let expected = ApplicationNumber::new(last.year, last.sequence + 1, 1).unwrap();
    assert_eq!(next.application.state.number, expected);
    assert!(moved_store.verify_history().await.unwrap().is_ok());
    moved_store.close().await;

    // Into a database that already holds applications: refused, nothing changed.
    let again = kezek(&["migrate", "--from", &sqlite, "--to", &target]);
    assert_eq!(again.status.code(), Some(2), "{again:?}");
}
