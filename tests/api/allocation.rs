//! Allocation at scale (issue 13): one signed `<places>` document for many groups and its
//! refusals, the offers made against `domain::allocation::order` as the oracle over generated
//! queues, and a server killed in the middle of an allocation leaving no half-made offer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as TimeDelta, NaiveDate, Utc};
use kezek::api::documents::{Document, Envelope, GroupPlaces, PlacesDocument};
use kezek::api::officer::group_id;
use kezek::api::problem::ProblemCode;
use kezek::domain::allocation::{Candidate, Interleave, OfferStatus, order};
use kezek::domain::iin::check_digit;
use kezek::domain::{
    ApplicationNumber, ApplicationState, Benefit, BenefitCategory, BenefitClass, BenefitReview,
    Cohort, Iin, RegionSettings, Status,
};
use kezek::pki::trust::TrustStore;
use kezek::server::catalogue::Catalogue;
use kezek::server::config::{Config, demo_keystores};
use kezek::server::registry::DemoRegistry;
use kezek::server::store::{
    self, JournalColumn, JournalFilter, JournalScope, NewFreePlaces, OfferScope, PlacesOfGroup,
    SeedApplication, Store,
};
use kezek::server::{AppState, allocation};
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestRunner};

use crate::common::*;

/// Every group of the region's kindergartens, each at its capacity.
fn every_group(region: &str) -> Vec<GroupPlaces> {
    Catalogue::bundled()
        .kindergartens_in(region)
        .flat_map(|kg| {
            kg.groups.iter().map(|g| GroupPlaces {
                group_id: group_id(&kg.code, &g.code()),
                free_places: g.capacity,
            })
        })
        .collect()
}

fn places_xml(w: &World, groups: Vec<GroupPlaces>) -> (String, String) {
    let document = PlacesDocument {
        envelope: Envelope::now(),
        groups,
    };
    let id = document.envelope.request_id.clone();
    let xml = sign(
        &w.keystore(OFFICER, "SIGN", "valid"),
        &Document::Places(document).to_xml(),
    );
    (id, xml)
}

#[tokio::test]
async fn one_document_publishes_many_groups_and_refuses_bad_ones_whole() {
    let w = world_with(|config| {
        config.demo = Some(600);
        config.limits.places_groups_per_document = std::num::NonZeroU32::new(3).unwrap();
    })
    .await;
    let officer = w.login(OFFICER).await;
    let groups: Vec<GroupPlaces> = every_group("astana").into_iter().take(3).collect();
    let (id, xml) = places_xml(&w, groups.clone());
    let first = officer.publish_free_places(&id, &xml).await.unwrap();
    let published: Vec<(String, u32)> = first
        .free_places
        .iter()
        .map(|p| (group_id(&p.kindergarten, &p.group), p.places))
        .collect();
    let asked: Vec<(String, u32)> = groups
        .iter()
        .map(|g| (g.group_id.clone(), g.free_places))
        .collect();
    assert_eq!(
        published, asked,
        "one set per group, in the document's order"
    );
    assert!(!first.offers.is_empty(), "the demo queue takes some");
    for offer in &first.offers {
        assert!(first.free_places.iter().any(|p| p.id == offer.free_places));
    }
    // The same document again: the first answer, nothing published twice.
    let again = officer.publish_free_places(&id, &xml).await.unwrap();
    let ids = |answer: &kezek::api::officer::PublishedPlaces| {
        answer.free_places.iter().map(|p| p.id).collect::<Vec<_>>()
    };
    assert_eq!(ids(&again), ids(&first));
    let listed = officer.free_places(&Default::default()).await.unwrap();
    assert_eq!(listed.len(), 3);

    // Each refusal refuses the whole document: nothing of it is published.
    let group = |i: usize| groups[i].clone();
    let almaty = every_group("almaty").remove(0);
    let mut over = group(0);
    over.free_places = 10_000;
    let mut none = group(1);
    none.free_places = 0;
    let unknown = GroupPlaces {
        group_id: "astana-balapan-45/no-such-group".to_owned(),
        free_places: 1,
    };
    let four = every_group("astana").into_iter().take(4).collect();
    for (groups, expected) in [
        (four, ProblemCode::TooManyGroups),
        (vec![group(0), group(0)], ProblemCode::InvalidInput),
        (vec![group(0), almaty], ProblemCode::Forbidden),
        (vec![group(0), over], ProblemCode::InvalidInput),
        (vec![none, group(2)], ProblemCode::InvalidInput),
        (vec![group(0), unknown], ProblemCode::InvalidInput),
    ] {
        let (id, xml) = places_xml(&w, groups);
        let refused = officer.publish_free_places(&id, &xml).await;
        assert_eq!(code(refused), expected);
    }
    // Both forms at once.
    let document = PlacesDocument {
        envelope: Envelope::now(),
        groups: vec![group(0)],
    };
    let id = document.envelope.request_id.clone();
    let both = Document::Places(document).to_xml().replacen(
        "</freePlaces>",
        "</freePlaces><groups><groupPlaces><group>astana-balapan-45/junior-kk</group>\
         <freePlaces>1</freePlaces></groupPlaces></groups>",
        1,
    );
    assert!(both.contains("<groups>"), "{both}");
    let both = sign(&w.keystore(OFFICER, "SIGN", "valid"), &both);
    assert_eq!(
        code(officer.publish_free_places(&id, &both).await),
        ProblemCode::InvalidInput
    );
    assert_eq!(
        officer
            .free_places(&Default::default())
            .await
            .unwrap()
            .len(),
        3,
        "nothing of a refused document is published"
    );
    let (id, xml) = places_xml(&w, vec![group(0)]);
    let one = officer.publish_free_places(&id, &xml).await;
    assert!(one.is_ok(), "the one-group form still works: {one:?}");
    assert_eq!(
        officer
            .free_places(&Default::default())
            .await
            .unwrap()
            .len(),
        4
    );
    // A parent may not publish places at all.
    let parent = w.login(AIGERIM).await;
    let (id, xml) = places_xml(&w, vec![group(1)]);
    assert_eq!(
        code(parent.publish_free_places(&id, &xml).await),
        ProblemCode::Forbidden
    );
}

/// The `index`-th valid IIN of a child born in `year`.
fn child_iin(year: i32, index: u64) -> Option<Iin> {
    let date = NaiveDate::from_ymd_opt(year, 1, 1)? + TimeDelta::days((index % 365) as i64);
    let rest = index / 365;
    let text = format!(
        "{}{}{:04}",
        date.format("%y%m%d"),
        5 + rest % 2,
        (rest / 2) % 10_000
    );
    let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
    let check = check_digit(&digits.try_into().ok()?)?;
    Iin::parse(&format!("{text}{check}")).ok()
}

fn benefit(class: BenefitClass) -> Option<Benefit> {
    let category = BenefitCategory::catalogue()
        .iter()
        .find(|c| c.class == class)?;
    Some(Benefit {
        category: category.code.clone(),
        review: BenefitReview::Confirmed,
    })
}

/// A generated queue of children born in 2022 in Astana: (class, minutes before now), and how
/// the places come: the sizes of successive publications.
fn queues() -> impl Strategy<Value = (Vec<(BenefitClass, i64)>, Vec<u32>)> {
    let class = prop_oneof![
        3 => Just(BenefitClass::None),
        2 => Just(BenefitClass::FirstTurn),
        1 => Just(BenefitClass::OutOfTurn),
    ];
    (
        proptest::collection::vec((class, 1i64..5_000), 0..40),
        proptest::collection::vec(1u32..15, 1..4),
    )
}

/// Seeds the queue, publishes the places one publication after another and allocates after
/// each; answers the offers in the order they were made, and what the oracle says they should
/// be, and checks the queue numbers of those left.
async fn allocate_generated(
    queue: &[(BenefitClass, i64)],
    publications: &[u32],
) -> (Vec<ApplicationNumber>, Vec<ApplicationNumber>) {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("kezek.db").display().to_string();
    let store = store::open(&url).await.unwrap();
    let now = Utc::now();
    let cohort = Cohort {
        region: "astana".into(),
        birth_year: 2022,
    };
    let placeholder = ApplicationNumber::new(2020, 1, 1).unwrap();
    let parent = Iin::parse(AIGERIM).unwrap();
    let mut seeded = Vec::new();
    let mut index = 0;
    for (i, &(class, minutes)) in queue.iter().enumerate() {
        let child = loop {
            index += 1;
            if let Some(iin) = child_iin(2022, index) {
                break iin;
            }
        };
        let state = ApplicationState::registered(
            placeholder,
            cohort.clone(),
            benefit(class),
            now - TimeDelta::minutes(minutes),
            &RegionSettings::default(),
        );
        seeded.push(SeedApplication {
            state,
            child_iin: child,
            child_name: format!("Бала {i}"),
            applicant_iin: parent,
            applicant_name: "Ата-ана".into(),
        });
    }
    store
        .seed_applications("generated", seeded, &|_| RegionSettings::default(), now)
        .await
        .unwrap();
    // The oracle's view: every queued child as a candidate, from the store's own numbers.
    let mut left: Vec<Candidate> = queued(&*store)
        .await
        .iter()
        .map(|app| Candidate::from(&app.state))
        .collect();
    let config = Config {
        database: url,
        ..Config::default()
    };
    let state = AppState::new(
        config,
        store.clone(),
        TrustStore::from_files(&[] as &[&str], &[] as &[&str]).unwrap(),
        Arc::new(DemoRegistry::key_holders().unwrap()),
        Vec::new(),
    );
    let mut pattern = Interleave::default();
    let mut expected = Vec::new();
    for &places in publications {
        store
            .publish_free_places(NewFreePlaces {
                region: "astana".into(),
                groups: vec![PlacesOfGroup {
                    kindergarten: ASTANA_KINDERGARTEN.into(),
                    group: group_for_2022(),
                    places,
                }],
                officer: Iin::parse(OFFICER).unwrap(),
                now,
                signed_xml: None,
                request: None,
            })
            .await
            .unwrap();
        allocation::allocate(&state, "astana").await.unwrap();
        for _ in 0..places {
            let Some(next) = order(&left, pattern).first().map(|c| (*c).clone()) else {
                break;
            };
            pattern = pattern.after(next.class);
            expected.push(next.number);
            left.retain(|c| c.number != next.number);
        }
    }
    let mut made = store
        .offers(&OfferScope::Region("astana".into()), u32::MAX)
        .await
        .unwrap();
    made.sort_by_key(|offer| offer.id);
    // Those left are numbered 1, 2, 3 … in queue order.
    for (ahead, app) in queued(&*store).await.iter().enumerate() {
        assert_eq!(app.position.general as usize, ahead + 1);
    }
    store.close().await;
    (made.into_iter().map(|o| o.number).collect(), expected)
}

/// The region's queued applications in queue order, with their numbers.
async fn queued(store: &dyn Store) -> Vec<store::StoredApplication> {
    store
        .journal(&JournalFilter {
            scope: JournalScope::Region("astana".into()),
            status: Some(Status::InQueue),
            benefit: None,
            birth_year: None,
            text: None,
            kindergarten: None,
            sort: JournalColumn::RegisteredAt,
            descending: false,
            offset: 0,
            limit: 10_000,
        })
        .await
        .unwrap()
        .rows
}

#[test]
fn offers_follow_the_domain_order_over_generated_queues() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut runner = TestRunner::new(Cases {
        cases: 24,
        ..Cases::default()
    });
    runner
        .run(&queues(), |(queue, publications)| {
            let (made, expected) = runtime.block_on(allocate_generated(&queue, &publications));
            prop_assert_eq!(made, expected);
            Ok(())
        })
        .unwrap();
}

/// What must hold of a region's offers and places whenever the database is read, a crash
/// included: each place taken is held by exactly one offer (or used by an enrollment), each
/// awaiting offer's application is «Предложено место» and the other way round, the figures
/// equal a recount, the history's chain is whole.
async fn consistent(store: &dyn Store, region: &str) -> (usize, u32) {
    let places = store.free_places(region, false).await.unwrap();
    let offers = store
        .offers(&OfferScope::Region(region.into()), u32::MAX)
        .await
        .unwrap();
    for place in &places {
        let taken = offers
            .iter()
            .filter(|o| o.place_id == place.id)
            .filter(|o| o.status.holds_place() || o.status == OfferStatus::Enrolled)
            .count();
        assert_eq!(
            taken,
            (place.places - place.remaining) as usize,
            "{place:?}"
        );
    }
    let awaiting: Vec<_> = offers
        .iter()
        .filter(|o| o.status == OfferStatus::Awaiting)
        .collect();
    for offer in &awaiting {
        let app = store.application(offer.number).await.unwrap();
        assert_eq!(app.state.status, Status::Offered, "{}", offer.number);
        assert!(app.state.offer.is_some());
    }
    let count = |status| JournalFilter {
        scope: JournalScope::Region(region.into()),
        status: Some(status),
        benefit: None,
        birth_year: None,
        text: None,
        kindergarten: None,
        sort: JournalColumn::RegisteredAt,
        descending: false,
        offset: 0,
        limit: 1,
    };
    let offered = store.journal(&count(Status::Offered)).await.unwrap().total;
    assert_eq!(offered as usize, awaiting.len());
    let in_queue = store.journal(&count(Status::InQueue)).await.unwrap().total;
    let figures = store.region_stats(region).await.unwrap();
    assert_eq!(
        figures.queue.iter().map(|q| q.queued).sum::<u64>(),
        in_queue
    );
    let open: u32 = places.iter().map(|p| p.remaining).sum();
    assert_eq!(figures.open_places, u64::from(open));
    assert!(store.verify_history().await.unwrap().is_ok());
    (offers.len(), open)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allocation_killed_midway_leaves_no_half_made_offer() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kezek.db").display().to_string();
    let ca = std::path::absolute(demo_keystores()).unwrap().join("ca");
    let config = dir.path().join("kezek.toml");
    // Demo families queued (a third of them in Astana), the demo officer for Astana.
    std::fs::write(
        &config,
        format!(
            "demo = 6000\n[trust]\nroots = [{:?}, {:?}]\ncrls = [{:?}]\n\
             [[roles]]\nbin = \"030840071002\"\nrole = \"officer\"\nregion = \"astana\"\n",
            ca.join("root.pem"),
            ca.join("nca_rsa.pem"),
            ca.join("nca_rsa.crl")
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (mut server, url) = crate::crash::start(&db, &config);
    let w = World::at(&url);
    let officer = w.login(OFFICER).await;
    let (id, xml) = places_xml(&w, every_group("astana"));
    let watcher = store::open_existing(&db).await.unwrap();
    let publishing = tokio::spawn(async move { officer.publish_free_places(&id, &xml).await });
    // Kill as soon as the first offers are committed, while the rest are on their way.
    let started = Instant::now();
    loop {
        let made = watcher
            .offers(&OfferScope::Region("astana".into()), 1)
            .await
            .unwrap();
        if !made.is_empty() || started.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = publishing.await;
    watcher.close().await;

    let store = store::open_existing(&db).await.unwrap();
    let (offers, open) = consistent(&*store, "astana").await;
    assert!(offers > 0, "the kill came after the first offers");
    eprintln!("killed with {offers} offers made and {open} places open");
    store.close().await;
    // After a restart the scheduler's first tick offers what the kill left open (or is killed
    // in its turn); the database stays as consistent.
    let (mut server, _url) = crate::crash::start(&db, &config);
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let store = store::open_existing(&db).await.unwrap();
    let (after, _) = consistent(&*store, "astana").await;
    assert!(after >= offers);
    store.close().await;
}
