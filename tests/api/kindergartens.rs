//! Issue 13, the officer's kindergartens and groups over HTTP against the real server: the
//! region's kindergartens with each group's birth years and use of places, a new kindergarten
//! and group whose published places are offered like the catalogue's, capacity changes, and
//! closing, which cancels the open offers (the children keep their place in the queue, the
//! parent is told, the officer's signed act is in the history). Hostile and bad input is refused
//! with its own code and changes nothing.

use crate::common;

use common::*;
use kezek::api::catalogue::LocalizedName;
use kezek::api::documents::KindergartenRequest;
use kezek::api::officer::{KindergartenInfo, KindergartensQuery};
use kezek::api::problem::ProblemCode;
use kezek::domain::lifecycle::EventKind;
use kezek::domain::{Actor, Status};

const NEW: &str = "astana-test-kulynshak";

fn names(text: &str) -> LocalizedName {
    LocalizedName {
        kk: format!("{text} (kk)"),
        ru: format!("{text} (ru)"),
        en: format!("{text} (en)"),
    }
}

fn create() -> KindergartenRequest {
    KindergartenRequest::Create {
        settlement: "astana-esil".to_owned(),
        name: names("Құлыншақ"),
        address: names("Сығанақ 10"),
    }
}

/// The age-group code of the Astana group that takes children born in 2022 this year.
fn age_for_2022() -> String {
    let group = group_for_2022();
    group.rsplit_once('-').unwrap().0.to_owned()
}

async fn listed(
    officer: &kezek::client::Client,
    query: &KindergartensQuery,
) -> Vec<KindergartenInfo> {
    officer.officer_kindergartens(query).await.unwrap()
}

#[tokio::test]
async fn officers_add_change_and_close_kindergartens_and_children_keep_their_place() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let aigerim = w.login(AIGERIM).await;

    // The catalogue's kindergartens are the store's, with each group's birth years and places.
    let all = listed(&officer, &KindergartensQuery::default()).await;
    assert!(all.iter().all(|k| k.region == "astana"));
    let balapan = all.iter().find(|k| k.code == ASTANA_KINDERGARTEN).unwrap();
    let group = balapan
        .groups
        .iter()
        .find(|g| g.code == group_for_2022())
        .unwrap();
    assert!((group.birth_years[0]..=group.birth_years[1]).contains(&2022));
    assert_eq!((group.enrolled, group.offered), (0, 0));
    assert_eq!(group.free, group.capacity);
    let search = KindergartensQuery {
        search: Some("BALAPAN".to_owned()),
        ..KindergartensQuery::default()
    };
    let found = listed(&officer, &search).await;
    assert!(found.iter().any(|k| k.code == ASTANA_KINDERGARTEN));
    assert!(found.len() < all.len());

    // A new kindergarten and group; the group's places are offered like any other's.
    let created = w
        .change_kindergarten(&officer, OFFICER, NEW, create())
        .await
        .unwrap();
    assert_eq!(created.kindergarten.name, names("Құлыншақ"));
    assert!(created.kindergarten.groups.is_empty());
    let add = KindergartenRequest::AddGroup {
        age: age_for_2022(),
        language: "kk".to_owned(),
        capacity: 2,
    };
    let added = w
        .change_kindergarten(&officer, OFFICER, NEW, add)
        .await
        .unwrap();
    let group = added.kindergarten.groups[0].clone();
    assert_eq!((group.capacity, group.free), (2, 2));
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let published = w
        .publish(&officer, OFFICER, NEW, &group.code, 1)
        .await
        .unwrap();
    assert_eq!(
        published
            .offers
            .iter()
            .map(|o| o.number)
            .collect::<Vec<_>>(),
        vec![number]
    );
    let read = listed(&officer, &KindergartensQuery::default()).await;
    let group = &read.iter().find(|k| k.code == NEW).unwrap().groups[0];
    assert_eq!((group.offered, group.free), (1, 1));

    // Capacity: within 1..=100, changed by a signed act.
    let capacity = |capacity| KindergartenRequest::SetCapacity {
        group: group.code.clone(),
        capacity,
    };
    let changed = w
        .change_kindergarten(&officer, OFFICER, NEW, capacity(25))
        .await
        .unwrap();
    assert_eq!(changed.kindergarten.groups[0].capacity, 25);
    for wrong in [0, 101] {
        let refused = w
            .change_kindergarten(&officer, OFFICER, NEW, capacity(wrong))
            .await;
        assert_eq!(code(refused), ProblemCode::InvalidInput, "{wrong}");
    }

    // Closing the group cancels the offer: Аружан is back in the queue, told, and the act is
    // the officer's, signed, in her history.
    let close = KindergartenRequest::CloseGroup {
        group: group.code.clone(),
    };
    let closed = w
        .change_kindergarten(&officer, OFFICER, NEW, close)
        .await
        .unwrap();
    assert_eq!(closed.cancelled_offers, vec![number]);
    let group = &closed.kindergarten.groups[0];
    assert!(group.closed_at.is_some());
    assert_eq!((group.offered, group.free), (0, 0));
    let detail = aigerim.application(&number).await.unwrap();
    assert_eq!(detail.state.status, Status::InQueue);
    let history = aigerim.history(&number).await.unwrap();
    let cancelled = history
        .iter()
        .find(|h| h.event == EventKind::OfferCancelled)
        .expect("the cancellation is in the history");
    assert!(
        matches!(&cancelled.actor, Actor::Officer { iin, .. } if iin.to_string() == OFFICER),
        "{cancelled:?}"
    );
    assert!(cancelled.actor_name.is_some(), "{cancelled:?}");
    assert!(cancelled.signed_document_sha256.is_some(), "{cancelled:?}");
    let outbox = w.outbox().await;
    assert!(
        outbox
            .last()
            .is_some_and(|(_, _, _, subject, _)| subject.contains(&number.to_string())),
        "{outbox:#?}"
    );
    // Nothing more is published in it, nor changed.
    let refused = w.publish(&officer, OFFICER, NEW, &group.code, 1).await;
    assert_eq!(code(refused), ProblemCode::KindergartenClosed);
    let refused = w
        .change_kindergarten(&officer, OFFICER, NEW, capacity(10))
        .await;
    assert_eq!(code(refused), ProblemCode::KindergartenClosed);

    // A closed kindergarten is listed only when asked for.
    w.change_kindergarten(&officer, OFFICER, NEW, KindergartenRequest::Close)
        .await
        .unwrap();
    assert!(
        listed(&officer, &KindergartensQuery::default())
            .await
            .iter()
            .all(|k| k.code != NEW)
    );
    let with_closed = KindergartensQuery {
        closed: true,
        ..KindergartensQuery::default()
    };
    let closed = listed(&officer, &with_closed).await;
    assert!(
        closed
            .iter()
            .any(|k| k.code == NEW && k.closed_at.is_some())
    );
}

#[tokio::test]
async fn kindergarten_changes_refuse_bad_and_hostile_input_and_keep_what_is_stored() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let change = |kindergarten: &'static str, request: KindergartenRequest| {
        let (w, officer) = (&w, &officer);
        async move {
            code(
                w.change_kindergarten(officer, OFFICER, kindergarten, request)
                    .await,
            )
        }
    };
    // Codes are lowercase Latin letters, digits and dashes.
    assert_eq!(
        change("Astana Новый", create()).await,
        ProblemCode::InvalidInput
    );
    assert_eq!(change("", create()).await, ProblemCode::InvalidInput);
    // A settlement of another region, or none known.
    let almaty = KindergartenRequest::Create {
        settlement: kezek::server::catalogue::Catalogue::bundled()
            .region("almaty")
            .unwrap()
            .districts[0]
            .settlements[0]
            .code
            .clone(),
        name: names("x"),
        address: names("y"),
    };
    assert_eq!(change(NEW, almaty).await, ProblemCode::Forbidden);
    let nowhere = KindergartenRequest::Create {
        settlement: "atlantis".to_owned(),
        name: names("x"),
        address: names("y"),
    };
    assert_eq!(change(NEW, nowhere).await, ProblemCode::InvalidInput);
    // Blank names, or longer than the limit.
    let blank = KindergartenRequest::Create {
        settlement: "astana-esil".to_owned(),
        name: LocalizedName {
            kk: "  ".to_owned(),
            ..names("x")
        },
        address: names("y"),
    };
    assert_eq!(change(NEW, blank).await, ProblemCode::InvalidInput);
    let long = KindergartenRequest::Create {
        settlement: "astana-esil".to_owned(),
        name: LocalizedName {
            ru: "я".repeat(301),
            ..names("x")
        },
        address: names("y"),
    };
    assert_eq!(change(NEW, long).await, ProblemCode::TextTooLong);
    // A code already taken, unknown age groups and languages, unknown kindergartens and groups.
    let exists = change(ASTANA_KINDERGARTEN, create()).await;
    assert_eq!(exists, ProblemCode::KindergartenExists);
    let group = |age: &str, language: &str| KindergartenRequest::AddGroup {
        age: age.to_owned(),
        language: language.to_owned(),
        capacity: 20,
    };
    let existing = group_for_2022();
    let (age, language) = existing.rsplit_once('-').unwrap();
    assert_eq!(
        change(ASTANA_KINDERGARTEN, group(age, language)).await,
        ProblemCode::KindergartenExists
    );
    assert_eq!(
        change(ASTANA_KINDERGARTEN, group("giants", "kk")).await,
        ProblemCode::InvalidInput
    );
    assert_eq!(
        change(ASTANA_KINDERGARTEN, group(age, "de")).await,
        ProblemCode::InvalidInput
    );
    let capacity = KindergartenRequest::SetCapacity {
        group: "no-such".to_owned(),
        capacity: 10,
    };
    assert_eq!(
        change(ASTANA_KINDERGARTEN, capacity).await,
        ProblemCode::NotFound
    );
    assert_eq!(
        change("no-such-kindergarten", KindergartenRequest::Close).await,
        ProblemCode::NotFound
    );
    // Another region's kindergarten.
    let almaty_kg = kezek::server::catalogue::Catalogue::bundled()
        .kindergartens_in("almaty")
        .next()
        .unwrap()
        .code
        .clone();
    let refused = w
        .change_kindergarten(&officer, OFFICER, &almaty_kg, KindergartenRequest::Close)
        .await;
    assert_eq!(code(refused), ProblemCode::Forbidden);
    // A search longer than the limit.
    let search = KindergartensQuery {
        search: Some("x".repeat(101)),
        ..KindergartensQuery::default()
    };
    assert_eq!(
        code(officer.officer_kindergartens(&search).await),
        ProblemCode::TextTooLong
    );
    // Another kind of signed document.
    let places = kezek::api::documents::PlacesDocument {
        envelope: kezek::api::documents::Envelope::now(),
        groups: vec![kezek::api::documents::GroupPlaces {
            group_id: kezek::api::officer::group_id(ASTANA_KINDERGARTEN, &existing),
            free_places: 1,
        }],
    };
    let id = places.envelope.request_id.clone();
    let xml = sign(
        &w.keystore(OFFICER, "SIGN", "valid"),
        &kezek::api::documents::Document::Places(places).to_xml(),
    );
    assert_eq!(
        code(officer.change_kindergarten(&id, &xml).await),
        ProblemCode::WrongDocument
    );
    // Nothing of all that was stored: Балапан is as the catalogue has it.
    let all = listed(&officer, &KindergartensQuery::default()).await;
    let balapan = all.iter().find(|k| k.code == ASTANA_KINDERGARTEN).unwrap();
    let bundled = kezek::server::catalogue::Catalogue::bundled()
        .kindergarten(ASTANA_KINDERGARTEN)
        .unwrap();
    assert_eq!(balapan.groups.len(), bundled.groups.len());
    assert!(balapan.closed_at.is_none());
    assert!(all.iter().all(|k| k.code != NEW));
}
