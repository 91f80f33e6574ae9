//! The conformance suite of the [`Store`] trait, run against every implementation
//! (`backends.rs`) on a fresh database per test: numbers, exact queue numbers against the
//! domain's reference function, position history, concurrency, idempotency, the history's hash
//! chain, documents, seeding, offers, nonces and sessions. What only one implementation has
//! (SQLite's durability settings) is tested in `open.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use kezek::domain::iin::check_digit;
use kezek::domain::lifecycle::{EventKind, wake_at};
use kezek::domain::queue::{QueueEntry, positions};
use kezek::domain::{
    Actor, ApplicationNumber, ApplicationState, Benefit, BenefitCategory, BenefitClass,
    BenefitReview, Cohort, Iin, QueuePosition, RegionSettings, Removal, RemovalReason, Status,
    Transition,
};
use kezek::server::store::{
    AttachmentQuota, ChainBreak, DocumentBody, Effects, Fingerprint, Fingerprinted, NewApplication,
    NewEvent, NonceUse, PlacesOfGroup, RequestKey, Store, StoreError, TransitionRecord, no_effects,
};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

use crate::backends::{Backend, TestDb, conformance};

/// A valid IIN starting with `first10`: the first 11th digit that admits a check digit.
fn valid_iin(first10: &str) -> Iin {
    (0..10u8)
        .find_map(|d| {
            let first = format!("{first10}{d}");
            let digits: Vec<u8> = first.bytes().map(|b| b - b'0').collect();
            let check = check_digit(&digits.try_into().ok()?)?;
            Iin::parse(&format!("{first}{check}")).ok()
        })
        .expect("some 11th digit admits a check digit")
}

/// A child born in January 20`yy`, told apart by `serial` (0..10 000).
fn child_iin(yy: u32, serial: u32) -> Iin {
    valid_iin(&format!(
        "{yy:02}01{:02}5{:03}",
        1 + serial / 1000,
        serial % 1000
    ))
}

fn parent_iin() -> Iin {
    valid_iin("8801013000")
}

pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn cohort() -> Cohort {
    Cohort {
        region: "almaty".into(),
        birth_year: 2023,
    }
}

fn applicant_event() -> NewEvent {
    NewEvent {
        actor: Actor::Applicant { iin: parent_iin() },
        comment: String::new(),
        signed_xml: Some("<application/>".into()),
    }
}

fn confirmed(class: BenefitClass) -> Option<Benefit> {
    let category = BenefitCategory::catalogue()
        .iter()
        .find(|c| c.class == class)?;
    Some(Benefit {
        category: category.code.clone(),
        review: BenefitReview::Confirmed,
    })
}

pub fn new_application(
    serial: u32,
    now: DateTime<Utc>,
    benefit: Option<Benefit>,
) -> NewApplication {
    NewApplication {
        cohort: cohort(),
        benefit,
        child_iin: child_iin(23, serial),
        child_name: format!("Child {serial}"),
        applicant_iin: parent_iin(),
        applicant_name: "Parent".into(),
        service_centre: None,
        attachments: Vec::new(),
        details: serde_json::json!({"email": "parent@example.kz"}),
        now,
        settings: RegionSettings::default(),
        event: applicant_event(),
        request: None,
    }
}

/// Room for every scan the tests upload, unless a test is about the quota.
const QUOTA: AttachmentQuota = AttachmentQuota {
    count: 100,
    bytes: 1 << 20,
};

/// A transition that sets the state by hand: the store must follow whatever the rules decide.
fn record(
    stored: &kezek::server::store::StoredApplication,
    event: EventKind,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut ApplicationState),
) -> TransitionRecord {
    let mut state = stored.state.clone();
    change(&mut state);
    state.last_change_at = now;
    TransitionRecord {
        number: state.number,
        revision: stored.revision,
        transition: Transition {
            from: stored.state.status,
            to: state.status,
            state,
            event,
            notices: Vec::new(),
        },
        event: NewEvent {
            actor: Actor::System,
            comment: String::new(),
            signed_xml: None,
        },
        now,
        settings: RegionSettings::default(),
        place: None,
        request: None,
        attachments: Vec::new(),
    }
}

async fn numbers_follow_the_year_sequence_and_survive_reopening(db: TestDb) {
    let store = db.open().await;
    for serial in 1..=3 {
        let recorded = store
            .submit(
                new_application(serial, at(serial as i64), None),
                no_effects(),
            )
            .await
            .unwrap();
        assert_eq!(
            recorded.application.state.number.to_string(),
            format!("УО.2026.{serial:06}.1")
        );
        assert_eq!(recorded.application.position.general, serial);
        assert_eq!(recorded.application.position.benefit, 0);
    }
    store.close().await;
    let store = db.open().await;
    let number = ApplicationNumber::parse("УО.2026.000002.1").unwrap();
    let stored = store.application(number).await.unwrap();
    assert_eq!(stored.child_iin, child_iin(23, 2));
    assert_eq!(
        stored.position,
        QueuePosition {
            general: 2,
            benefit: 0
        }
    );
    let next = store
        .submit(new_application(9, at(10), None), no_effects())
        .await
        .unwrap();
    assert_eq!(
        next.application.state.number.to_string(),
        "УО.2026.000004.1"
    );
}

async fn a_child_has_one_open_application(db: TestDb) {
    let store = db.open().await;
    store
        .submit(new_application(1, at(0), None), no_effects())
        .await
        .unwrap();
    let again = store
        .submit(new_application(1, at(1), None), no_effects())
        .await;
    assert!(
        matches!(again, Err(StoreError::ChildHasOpenApplication)),
        "{again:?}"
    );
    // Once removed, the child may apply again.
    let number = ApplicationNumber::parse("УО.2026.000001.1").unwrap();
    let stored = store.application(number).await.unwrap();
    store
        .record_transition(
            record(&stored, EventKind::Withdrawn, at(2), |s| {
                s.status = Status::Removed;
                s.removal = Some(Removal {
                    reason: RemovalReason::Withdrawn,
                    comment: None,
                });
            }),
            no_effects(),
        )
        .await
        .unwrap();
    store
        .submit(new_application(1, at(3), None), no_effects())
        .await
        .unwrap();
}

async fn sixty_four_concurrent_submissions_get_distinct_numbers_and_exact_positions(db: TestDb) {
    let store = db.open().await;
    let tasks: Vec<_> = (0..64u32)
        .map(|serial| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .submit(new_application(serial, Utc::now(), None), no_effects())
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut seen = BTreeMap::new();
    for task in tasks {
        let recorded = task.await.unwrap();
        seen.insert(
            recorded.application.state.number,
            recorded.application.position,
        );
    }
    assert_eq!(seen.len(), 64);
    let mut generals: Vec<u32> = Vec::new();
    for number in seen.keys() {
        generals.push(store.position(*number).await.unwrap().general);
    }
    generals.sort_unstable();
    assert_eq!(generals, (1..=64).collect::<Vec<u32>>());
    // Each submission saw itself last in the queue at its commit.
    let mut at_commit: Vec<u32> = seen.values().map(|p| p.general).collect();
    at_commit.sort_unstable();
    assert_eq!(at_commit, (1..=64).collect::<Vec<u32>>());
}

async fn a_retried_request_gets_the_first_answer_and_a_changed_one_is_refused(db: TestDb) {
    let store = db.open().await;
    let key = RequestKey {
        request_id: "req-1".into(),
        document_hash: [7; 32],
    };
    let mut first = new_application(1, at(0), None);
    first.request = Some(key.clone());
    let answer = |recorded: &kezek::server::store::Recorded| {
        Ok(Effects {
            answer: serde_json::json!({"number": recorded.application.state.number}),
            ..Effects::default()
        })
    };
    let recorded = store.submit(first.clone(), Box::new(answer)).await.unwrap();
    let expected = serde_json::json!({"number": recorded.application.state.number});
    match store.submit(first.clone(), Box::new(answer)).await {
        Err(StoreError::Replayed(stored)) => assert_eq!(stored.answer, expected),
        other => panic!("expected the first answer, got {other:?}"),
    }
    let mut altered = first;
    altered.request = Some(RequestKey {
        document_hash: [8; 32],
        ..key
    });
    assert!(matches!(
        store.submit(altered, Box::new(answer)).await,
        Err(StoreError::RequestReused)
    ));
    assert_eq!(
        store.stored_answer("req-1").await.unwrap().unwrap().answer,
        expected
    );
}

async fn a_failed_completion_commits_nothing(db: TestDb) {
    let store = db.open().await;
    let failed = store
        .submit(
            new_application(1, at(0), None),
            Box::new(|_| Err("no font".into())),
        )
        .await;
    assert!(matches!(failed, Err(StoreError::Completion(_))));
    assert!(
        store
            .open_application_of_child(&child_iin(23, 1))
            .await
            .unwrap()
            .is_none()
    );
    let next = store
        .submit(new_application(1, at(1), None), no_effects())
        .await
        .unwrap();
    assert_eq!(
        next.application.state.number.to_string(),
        "УО.2026.000001.1"
    );
}

/// Writes queued before the writer runs share one transaction (the test runtime has one
/// thread, so the writer task only runs at the first await): the refused ones are rolled back
/// alone and the others commit, with consecutive numbers and an intact chain.
async fn a_batch_commits_its_good_writes_and_refuses_only_the_bad_ones(db: TestDb) {
    let store = db.open().await;
    let pending = vec![
        store.submit(new_application(1, at(0), None), no_effects()),
        // The same child again, in the same batch as its first application.
        store.submit(new_application(1, at(1), None), no_effects()),
        store.submit(new_application(2, at(2), None), no_effects()),
        store.submit(
            new_application(3, at(3), None),
            Box::new(|_| Err("no font".into())),
        ),
        store.submit(
            new_application(4, at(4), None),
            Box::new(|_| panic!("a completion that panics")),
        ),
        store.submit(new_application(5, at(5), None), no_effects()),
    ];
    let mut results = Vec::new();
    for write in pending {
        results.push(write.await);
    }
    let numbers: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.application.state.number.to_string())
        .collect();
    assert_eq!(
        numbers,
        ["УО.2026.000001.1", "УО.2026.000002.1", "УО.2026.000003.1"],
        "refused writes take no number"
    );
    assert!(matches!(
        results[1],
        Err(StoreError::ChildHasOpenApplication)
    ));
    assert!(matches!(results[3], Err(StoreError::Completion(_))));
    assert!(matches!(results[4], Err(StoreError::Completion(_))));
    let generals: Vec<u32> = [0, 2, 5]
        .iter()
        .map(|&i| results[i].as_ref().unwrap().application.position.general)
        .collect();
    assert_eq!(generals, [1, 2, 3]);
    for serial in [3, 4] {
        assert!(
            store
                .open_application_of_child(&child_iin(23, serial))
                .await
                .unwrap()
                .is_none()
        );
    }
    let report = store.verify_history().await.unwrap().expect("intact chain");
    assert_eq!(report.events, 3);
    // The writer goes on after a batch with refusals.
    let next = store
        .submit(new_application(6, at(6), None), no_effects())
        .await
        .unwrap();
    assert_eq!(next.application.position.general, 4);
}

/// Every queue number the store gives now agrees with the domain's reference function, and
/// each queued application's position history ends at its number.
async fn assert_numbers_exact(store: &dyn Store, numbers: &[ApplicationNumber]) {
    let mut entries = Vec::new();
    for number in numbers {
        entries.push(QueueEntry::from(
            &store.application(*number).await.unwrap().state,
        ));
    }
    let expected = positions(&entries);
    for number in numbers {
        let actual = store.position(*number).await.unwrap();
        assert_eq!(
            actual,
            expected.get(number).copied().unwrap_or_default(),
            "{number}"
        );
        let history = store.position_history(*number).await.unwrap();
        if actual.general > 0 {
            assert_eq!(history.last().map(|c| c.position), Some(actual), "{number}");
        }
    }
}

async fn a_batch_of_transitions_and_submissions_counts_as_if_one_by_one(db: TestDb) {
    let store = db.open().await;
    let mut numbers = Vec::new();
    for serial in 1..=3 {
        let recorded = store
            .submit(
                new_application(serial, at(i64::from(serial)), None),
                no_effects(),
            )
            .await
            .unwrap();
        numbers.push(recorded.application.state.number);
    }
    let [a, b, c] = [numbers[0], numbers[1], numbers[2]];
    let a_stored = store.application(a).await.unwrap();
    let b_stored = store.application(b).await.unwrap();
    // One batch (nothing is awaited until all are queued): the first leaves the queue, a child
    // joins, the second gets a benefit, another child joins.
    let pending = vec![
        store.record_transition(
            record(&a_stored, EventKind::OfferMade, at(10), |s| {
                s.status = Status::Offered
            }),
            no_effects(),
        ),
        store.submit(new_application(4, at(11), None), no_effects()),
        store.record_transition(
            record(&b_stored, EventKind::BenefitConfirmed, at(12), |s| {
                s.benefit = confirmed(BenefitClass::FirstTurn)
            }),
            no_effects(),
        ),
        store.submit(new_application(5, at(13), None), no_effects()),
    ];
    let mut results = Vec::new();
    for write in pending {
        results.push(write.await.unwrap());
    }
    let at_commit: Vec<QueuePosition> = results.iter().map(|r| r.application.position).collect();
    let queue = |general, benefit| QueuePosition { general, benefit };
    assert_eq!(
        at_commit,
        [queue(0, 0), queue(3, 0), queue(1, 1), queue(4, 0)],
        "each write sees the ones before it and none after"
    );
    numbers.extend([&results[1], &results[3]].map(|r| r.application.state.number));
    assert_numbers_exact(&*store, &numbers).await;
    // A batch with a stale transition in it: the others still commit, numbered as one by one.
    let c_stored = store.application(c).await.unwrap();
    let pending = vec![
        store.record_transition(
            record(&c_stored, EventKind::OfferMade, at(20), |s| {
                s.status = Status::Offered
            }),
            no_effects(),
        ),
        store.record_transition(
            record(&c_stored, EventKind::OfferMade, at(21), |s| {
                s.status = Status::Offered
            }),
            no_effects(),
        ),
        store.submit(new_application(6, at(22), None), no_effects()),
    ];
    let mut results = Vec::new();
    for write in pending {
        results.push(write.await);
    }
    assert!(results[0].is_ok());
    assert!(matches!(results[1], Err(StoreError::Conflict)));
    let sixth = results[2].as_ref().unwrap();
    assert_eq!(sixth.application.position.general, 4, "after b, d and e");
    numbers.push(sixth.application.state.number);
    assert_numbers_exact(&*store, &numbers).await;
    let report = store.verify_history().await.unwrap().expect("intact chain");
    assert_eq!(report.events, 9);
}

async fn a_stale_revision_is_a_conflict(db: TestDb) {
    let store = db.open().await;
    let recorded = store
        .submit(new_application(1, at(0), None), no_effects())
        .await
        .unwrap();
    let stored = recorded.application;
    store
        .record_transition(
            record(&stored, EventKind::InterestConfirmed, at(1), |_| {}),
            no_effects(),
        )
        .await
        .unwrap();
    let stale = store
        .record_transition(
            record(&stored, EventKind::InterestConfirmed, at(2), |_| {}),
            no_effects(),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)));
}

async fn history_is_chained_and_any_rewrite_is_found(db: TestDb) {
    let store = db.open().await;
    for serial in 1..=4 {
        store
            .submit(
                new_application(serial, at(serial as i64), None),
                no_effects(),
            )
            .await
            .unwrap();
    }
    let number = ApplicationNumber::parse("УО.2026.000002.1").unwrap();
    let history = store.history(number).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, EventKind::Registered);
    assert_eq!(history[0].to, Some(Status::InQueue));
    assert_eq!(history[0].actor_iin, Some(parent_iin()));
    assert_eq!(history[0].signed_xml.as_deref(), Some("<application/>"));
    let report = store.verify_history().await.unwrap().unwrap();
    assert_eq!(report.events, 4);
    store.close().await;

    // The table refuses updates; someone with the database drops the guard and rewrites
    // event 2.
    let refused = db
        .execute("UPDATE events SET comment = 'x' WHERE id = 2")
        .await;
    assert!(refused.is_err(), "events are append-only");
    db.execute(db.drop_event_update_guard()).await.unwrap();
    db.execute("UPDATE events SET comment = 'rewritten' WHERE id = 2")
        .await
        .unwrap();
    let store = db.open().await;
    let broken = store.verify_history().await.unwrap().unwrap_err();
    assert_eq!(
        broken,
        ChainBreak::Rewritten {
            id: 2,
            region: "almaty".into()
        }
    );
    store.close().await;

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kezek"))
        .args(["--lang", "en", "log", "verify", "--db", &db.url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("event 2"), "{stderr}");
}

async fn log_verify_accepts_an_intact_history(db: TestDb) {
    let store = db.open().await;
    store
        .submit(new_application(1, at(0), None), no_effects())
        .await
        .unwrap();
    store.close().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_kezek"))
        .args(["--lang", "en", "log", "verify", "--db", &db.url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_kezek"))
        .args(["log", "verify", "--db", &db.missing_url()])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
}

/// One step of the queue property test.
#[derive(Debug, Clone)]
enum Step {
    /// A new application registered at minute `minute` (any order: the clock is passed in).
    Submit { minute: i64, class: u8 },
    /// Application `pick` (modulo how many there are) leaves the queue (an offer, a removal).
    Leave { pick: usize },
    /// Application `pick` comes back with its original registration time.
    Return { pick: usize },
    /// Application `pick`'s benefit is confirmed in class `class` (0 drops it).
    Reclassify { pick: usize, class: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0i64..20_000, 0u8..3).prop_map(|(minute, class)| Step::Submit { minute, class }),
        1 => any::<usize>().prop_map(|pick| Step::Leave { pick }),
        1 => any::<usize>().prop_map(|pick| Step::Return { pick }),
        1 => (any::<usize>(), 0u8..3).prop_map(|(pick, class)| Step::Reclassify { pick, class }),
    ]
}

fn class_of(code: u8) -> BenefitClass {
    BenefitClass::ALL[code as usize % 3]
}

async fn run_steps(backend: Backend, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let Some(db) = backend.fresh().await else {
        return Ok(());
    };
    let store = db.open().await;
    let mut numbers: Vec<ApplicationNumber> = Vec::new();
    let mut clock = at(30_000);
    for (serial, step) in steps.into_iter().enumerate() {
        clock += Duration::seconds(1);
        let pick = |pick: usize| numbers.get(pick % numbers.len().max(1)).copied();
        match step {
            Step::Submit { minute, class } => {
                let recorded = store
                    .submit(
                        new_application(serial as u32, at(minute), confirmed(class_of(class))),
                        no_effects(),
                    )
                    .await
                    .unwrap();
                numbers.push(recorded.application.state.number);
            }
            Step::Leave { pick: p }
            | Step::Return { pick: p }
            | Step::Reclassify { pick: p, .. } => {
                let Some(number) = pick(p) else { continue };
                let stored = store.application(number).await.unwrap();
                let change = match step {
                    Step::Leave { .. } => record(&stored, EventKind::OfferMade, clock, |s| {
                        s.status = Status::Offered
                    }),
                    Step::Return { .. } => record(&stored, EventKind::OfferDeclined, clock, |s| {
                        s.status = Status::InQueue
                    }),
                    Step::Reclassify { class, .. } => {
                        record(&stored, EventKind::BenefitConfirmed, clock, |s| {
                            s.benefit = confirmed(class_of(class))
                        })
                    }
                    Step::Submit { .. } => unreachable!(),
                };
                store.record_transition(change, no_effects()).await.unwrap();
            }
        }
        // After every step, every number is what the domain's reference function says.
        let mut entries = Vec::new();
        for number in &numbers {
            entries.push(QueueEntry::from(
                &store.application(*number).await.unwrap().state,
            ));
        }
        let expected = positions(&entries);
        for number in &numbers {
            let actual = store.position(*number).await.unwrap();
            let reference = expected.get(number).copied().unwrap_or_default();
            prop_assert_eq!(actual, reference, "{}", number);
        }
    }
    // The position history of each queued application replays to its number now.
    for number in &numbers {
        let now = store.position(*number).await.unwrap();
        let history = store.position_history(*number).await.unwrap();
        if now.general > 0 {
            prop_assert_eq!(history.last().map(|c| c.position), Some(now), "{}", number);
        }
    }
    Ok(())
}

/// Any sequence of registrations, departures, returns and class changes, in any order of
/// registration times: after every step each number is the reference function's.
fn queue_numbers_match_the_reference_function(backend: Backend) {
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let outcome = runner.run(&proptest::collection::vec(step(), 1..40), |steps| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run_steps(backend, steps))
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

async fn position_history_says_why_a_number_changed(db: TestDb) {
    let store = db.open().await;
    let mut numbers = Vec::new();
    for serial in 1..=4 {
        let recorded = store
            .submit(
                new_application(serial, at(serial as i64), None),
                no_effects(),
            )
            .await
            .unwrap();
        numbers.push(recorded.application);
    }
    // The first child gets an offer: the fourth moves from 4 to 3.
    store
        .record_transition(
            record(&numbers[0], EventKind::OfferMade, at(100), |s| {
                s.status = Status::Offered
            }),
            no_effects(),
        )
        .await
        .unwrap();
    let history = store
        .position_history(numbers[3].state.number)
        .await
        .unwrap();
    let causes: Vec<_> = history
        .iter()
        .map(|c| (c.position.general, c.cause))
        .collect();
    use kezek::domain::PositionCause;
    assert_eq!(
        causes,
        vec![
            (4, PositionCause::Registered),
            (3, PositionCause::Ahead(EventKind::OfferMade)),
        ]
    );
    assert_eq!(history[1].at, at(100));
    // The offered child's own history ends out of the queue.
    let own = store
        .position_history(numbers[0].state.number)
        .await
        .unwrap();
    assert_eq!(own.last().unwrap().position, QueuePosition::default());
    assert_eq!(
        own.last().unwrap().cause,
        PositionCause::Own(EventKind::OfferMade)
    );
}

async fn candidates_come_per_class_in_queue_order_without_the_stop_listed(db: TestDb) {
    let store = db.open().await;
    store
        .submit(new_application(1, at(5), None), no_effects())
        .await
        .unwrap();
    store
        .submit(
            new_application(2, at(1), confirmed(BenefitClass::FirstTurn)),
            no_effects(),
        )
        .await
        .unwrap();
    let stop_listed = store
        .submit(new_application(3, at(0), None), no_effects())
        .await
        .unwrap()
        .application;
    store
        .record_transition(
            record(&stop_listed, EventKind::DirectionExpired, at(50), |s| {
                s.stop_list_until = Some(at(50) + Duration::days(10))
            }),
            no_effects(),
        )
        .await
        .unwrap();
    let candidates = store.candidates(&cohort(), at(60), 10).await.unwrap();
    let seen: Vec<_> = candidates
        .iter()
        .map(|c| (c.class, c.registered_at))
        .collect();
    assert_eq!(
        seen,
        vec![
            (BenefitClass::None, at(5)),
            (BenefitClass::FirstTurn, at(1))
        ]
    );
    let later = store
        .candidates(&cohort(), at(50) + Duration::days(11), 10)
        .await
        .unwrap();
    assert_eq!(later.len(), 3);
}

async fn due_lists_what_the_scheduler_must_look_at(db: TestDb) {
    let store = db.open().await;
    let recorded = store
        .submit(new_application(1, at(0), None), no_effects())
        .await
        .unwrap();
    let settings = RegionSettings::default();
    let wake = wake_at(&recorded.application.state, &settings).unwrap();
    assert!(
        store
            .due(wake - Duration::seconds(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let due = store.due(wake, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    // At the wake time the domain has something to do; a second before, nothing.
    assert!(!kezek::domain::lifecycle::due(&due[0].state, wake, &settings).is_empty());
    assert!(
        kezek::domain::lifecycle::due(&due[0].state, wake - Duration::seconds(1), &settings)
            .is_empty()
    );
}

async fn documents_and_attachments_are_stored_with_the_event(db: TestDb) {
    let store = db.open().await;
    let attachment = store
        .put_attachment(
            &parent_iin(),
            "справка.pdf",
            "application/pdf",
            b"%PDF-1.7 scan".to_vec(),
            at(0),
            QUOTA,
        )
        .await
        .unwrap();
    let mut new = new_application(1, at(1), None);
    new.attachments = vec![attachment.id.clone()];
    let recorded = store
        .submit(
            new,
            Box::new(|recorded| {
                Ok(Effects {
                    documents: vec![kezek::server::store::NewDocument {
                        kind: "registration_notice".into(),
                        language: kezek::i18n::Lang::Kk,
                        content: format!("data of {}", recorded.application.state.number),
                    }],
                    ..Effects::default()
                })
            }),
        )
        .await
        .unwrap();
    let number = recorded.application.state.number;
    let documents = store.documents_of(number).await.unwrap();
    assert_eq!(documents.len(), 1);
    // The content is kept at the event; of its rendering only the first fingerprint.
    assert_eq!(documents[0].size, None);
    let id = &documents[0].id;
    let pending = store.unrendered_documents(None, 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(&pending[0].info.id, id);
    assert_eq!(pending[0].content, format!("data of {number}"));
    assert_eq!(pending[0].kept, None);
    let after = Some((pending[0].info.created_at, id.clone()));
    assert!(
        store
            .unrendered_documents(after, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (info, body) = store.document(id).await.unwrap();
    assert_eq!(info.kind, "registration_notice");
    assert_eq!(
        body,
        DocumentBody::Content {
            content: format!("data of {number}"),
            first: None
        }
    );
    let first = Fingerprint::of(b"%PDF first");
    for rendered in [first, Fingerprint::of(b"%PDF second")] {
        store
            .keep_fingerprints(&[(id.clone(), Fingerprinted::Rendered(rendered))])
            .await
            .unwrap();
    }
    let (info, body) = store.document(id).await.unwrap();
    assert_eq!(
        body,
        DocumentBody::Content {
            content: format!("data of {number}"),
            first: Some(first)
        }
    );
    assert_eq!(info.size, Some(10));
    assert_eq!(store.documents_of(number).await.unwrap()[0].size, Some(10));
    assert!(
        store
            .unrendered_documents(None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Bytes to keep when there are none: nothing happens.
    store
        .keep_fingerprints(&[(id.clone(), Fingerprinted::KeepBytes)])
        .await
        .unwrap();
    assert_eq!(store.document(id).await.unwrap().1, body);
    let attachments = store.attachments_of(number).await.unwrap();
    assert_eq!(attachments, vec![attachment.clone()]);
    assert_eq!(attachments[0].file_name, "справка.pdf");
    let (_, scan) = store.attachment(&attachment.id).await.unwrap();
    assert_eq!(scan, b"%PDF-1.7 scan");
}

/// Scans no application references count against their uploader's quota (count and bytes),
/// a benefit change links its scans like a registration does, and the clean-up deletes only
/// old scans nobody references.
async fn unreferenced_scans_have_a_quota_benefit_scans_are_linked_and_old_ones_swept(db: TestDb) {
    let store = db.open().await;
    let quota = AttachmentQuota {
        count: 2,
        bytes: 20,
    };
    let upload = |size: usize, minute: i64, owner: Iin| {
        let store = store.clone();
        async move {
            store
                .put_attachment(
                    &owner,
                    "scan.pdf",
                    "application/pdf",
                    vec![b'%'; size],
                    at(minute),
                    quota,
                )
                .await
        }
    };
    let a = upload(8, 0, parent_iin()).await.unwrap();
    let over_bytes = upload(13, 0, parent_iin()).await;
    assert!(
        matches!(over_bytes, Err(StoreError::AttachmentQuota)),
        "{over_bytes:?}"
    );
    let b = upload(12, 1, parent_iin()).await.unwrap();
    let over_count = upload(1, 1, parent_iin()).await;
    assert!(
        matches!(over_count, Err(StoreError::AttachmentQuota)),
        "{over_count:?}"
    );
    // Another person's quota is their own.
    upload(20, 1, child_iin(23, 999)).await.unwrap();
    // Referenced by an application, a scan no longer counts.
    let mut new = new_application(1, at(2), None);
    new.attachments = vec![a.id.clone(), a.id.clone()];
    let stored = store.submit(new, no_effects()).await.unwrap().application;
    let c = upload(1, 3, parent_iin()).await.unwrap();
    let mut change = record(&stored, EventKind::BenefitChanged, at(4), |_| {});
    change.attachments = vec![c.id.clone(), a.id.clone()];
    store.record_transition(change, no_effects()).await.unwrap();
    let number = stored.state.number;
    let linked: Vec<String> = store
        .attachments_of(number)
        .await
        .unwrap()
        .into_iter()
        .map(|info| info.id)
        .collect();
    assert_eq!(linked, vec![a.id.clone(), c.id.clone()]);
    // A day later only the unreferenced scans go, the other person's and `b`.
    assert_eq!(
        store.delete_unreferenced_attachments(at(0)).await.unwrap(),
        0
    );
    assert_eq!(
        store
            .delete_unreferenced_attachments(at(24 * 60 + 2))
            .await
            .unwrap(),
        2
    );
    assert!(matches!(
        store.attachment(&b.id).await,
        Err(StoreError::NotFound)
    ));
    for kept in [&a, &c] {
        store.attachment(&kept.id).await.unwrap();
    }
    upload(20, 5, parent_iin()).await.unwrap();
}

async fn demo_seeding_runs_once_and_spreads_over_regions_and_statuses(db: TestDb) {
    use kezek::server::catalogue::Catalogue;
    use kezek::server::demo::demo_applications;
    use kezek::server::registry::synthetic::{Family, FamilyGenerator};
    let store = db.open().await;
    let now = at(0);
    let families: Vec<Family> = FamilyGenerator::new(1, now.date_naive(), [])
        .take(400)
        .collect();
    let settings = RegionSettings::default();
    let seeds = demo_applications(
        &families,
        Catalogue::bundled(),
        500,
        7,
        now,
        &|_| settings.clone(),
        None,
    );
    assert_eq!(seeds.len(), 500);
    let regions: std::collections::BTreeSet<_> = seeds
        .iter()
        .map(|s| s.state.cohort.region.clone())
        .collect();
    assert!(regions.len() > 5, "{regions:?}");
    let statuses: std::collections::BTreeSet<_> = seeds.iter().map(|s| s.state.status).collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    // Children queued for years had their interest confirmed meanwhile: none is removed for
    // a lapsed confirmation the moment the demo starts.
    let queued = seeds.iter().filter(|s| s.state.status == Status::InQueue);
    assert!(queued.clone().count() > 300);
    for seed in queued {
        assert!(seed.state.interest_due > now, "{:?}", seed.state);
        assert!(seed.state.interest_due >= seed.state.registered_at);
    }
    assert!(
        seeds
            .iter()
            .any(|s| s.state.registered_at < now - Duration::days(400)),
        "some children registered more than a year ago"
    );
    assert!(
        store
            .seed_applications("demo", seeds.clone(), &|_| settings.clone(), now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .seed_applications("demo", seeds, &|_| settings.clone(), now)
            .await
            .unwrap()
    );
    assert_eq!(store.verify_history().await.unwrap().unwrap().events, 500);
    // Numbers of every seeded application agree with the reference function.
    let child = &families
        .iter()
        .find(|f| !f.children.is_empty())
        .unwrap()
        .children[0];
    let stored = store.applications_of_child(&child.iin).await.unwrap();
    assert_eq!(stored.len(), 1);
    let region = stored[0].state.cohort.region.clone();
    let page = store
        .journal(&kezek::server::store::JournalFilter {
            scope: kezek::server::store::JournalScope::Region(region),
            status: None,
            benefit: None,
            birth_year: Some(stored[0].state.cohort.birth_year),
            text: None,
            kindergarten: None,
            sort: kezek::server::store::JournalColumn::RegisteredAt,
            descending: false,
            offset: 0,
            limit: 500,
        })
        .await
        .unwrap();
    assert_eq!(page.total as usize, page.rows.len());
    let entries: Vec<QueueEntry> = page
        .rows
        .iter()
        .map(|a| QueueEntry::from(&a.state))
        .collect();
    let expected = positions(&entries);
    for application in &page.rows {
        let reference = expected
            .get(&application.state.number)
            .copied()
            .unwrap_or_default();
        assert_eq!(
            application.position, reference,
            "{}",
            application.state.number
        );
    }
}

async fn offers_take_published_places_and_give_them_back(db: TestDb) {
    use kezek::domain::allocation::OfferStatus;
    use kezek::server::store::OfferScope;
    let store = db.open().await;
    let officer = valid_iin("8001014000");
    let place = store
        .publish_free_places(kezek::server::store::NewFreePlaces {
            region: "almaty".to_owned(),
            groups: vec![PlacesOfGroup {
                kindergarten: "kg-1".to_owned(),
                group: "middle-kk".to_owned(),
                places: 1,
            }],
            officer,
            now: at(0),
            signed_xml: None,
            request: None,
        })
        .await
        .unwrap()
        .remove(0);
    let first = store
        .submit(new_application(1, at(1), None), no_effects())
        .await
        .unwrap()
        .application;
    let second = store
        .submit(new_application(2, at(2), None), no_effects())
        .await
        .unwrap()
        .application;
    let offer = |stored| {
        let mut change = record(stored, EventKind::OfferMade, at(10), |s| {
            s.status = Status::Offered;
            s.offer = Some(kezek::domain::Offer {
                kindergartens: vec!["kg-1".to_owned()],
                made_at: at(10),
                answer_by: at(100),
            });
        });
        change.place = Some(place.id);
        change
    };
    store
        .record_transition(offer(&first), no_effects())
        .await
        .unwrap();
    assert!(store.free_places("almaty", true).await.unwrap().is_empty());
    let refused = store.record_transition(offer(&second), no_effects()).await;
    assert!(
        matches!(refused, Err(StoreError::NoFreePlace)),
        "{refused:?}"
    );
    // Nothing of the refused offer was kept: the second child is still first in line after the
    // first one left the queue.
    assert_eq!(
        store.position(second.state.number).await.unwrap().general,
        1
    );
    let offered = store.application(first.state.number).await.unwrap();
    let decline = record(&offered, EventKind::OfferDeclined, at(20), |s| {
        s.status = Status::InQueue;
        s.offer = None;
    });
    store
        .record_transition(decline, no_effects())
        .await
        .unwrap();
    // The decline gave the place back by itself and the offer says so.
    let open = store.free_places("almaty", true).await.unwrap();
    assert_eq!((open.len(), open[0].remaining), (1, 1));
    let offers = store
        .offers(&OfferScope::Region("almaty".to_owned()), 10)
        .await
        .unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].number, first.state.number);
    assert_eq!(offers[0].status, OfferStatus::Declined);
}

async fn region_figures_follow_every_write_and_states_are_read_in_bulk(db: TestDb) {
    use kezek::server::store::{MonthFigures, NewFreePlaces, QueueSize, RegionStats};
    let store = db.open().await;
    assert_eq!(
        store.region_stats("almaty").await.unwrap(),
        RegionStats::default()
    );
    let place = store
        .publish_free_places(NewFreePlaces {
            region: "almaty".to_owned(),
            groups: vec![PlacesOfGroup {
                kindergarten: "kg-1".to_owned(),
                group: "middle-kk".to_owned(),
                places: 2,
            }],
            officer: valid_iin("8001014000"),
            now: at(0),
            signed_xml: None,
            request: None,
        })
        .await
        .unwrap()
        .remove(0);
    let mut numbers = Vec::new();
    for (serial, class) in [
        (1, BenefitClass::None),
        (2, BenefitClass::FirstTurn),
        (3, BenefitClass::None),
    ] {
        let new = new_application(serial, at(serial as i64), confirmed(class));
        numbers.push(store.submit(new, no_effects()).await.unwrap().application);
    }
    let size = |class, queued| QueueSize {
        birth_year: 2023,
        class,
        queued,
    };
    let month = |free_places, directions, enrollments| MonthFigures {
        month: "2026-03".to_owned(),
        free_places,
        directions,
        enrollments,
    };
    let figures = store.region_stats("almaty").await.unwrap();
    assert_eq!(
        figures,
        RegionStats {
            queue: vec![
                size(BenefitClass::None, 2),
                size(BenefitClass::FirstTurn, 1)
            ],
            open_places: 2,
            months: vec![month(2, 0, 0)],
        }
    );
    assert_eq!(store.queue_sizes("almaty").await.unwrap(), figures.queue);
    assert_eq!(store.months("almaty").await.unwrap(), figures.months);
    // An offer takes a child out of the queue and a place; its direction and the enrollment
    // are counted in their month, and the enrollment uses the place up.
    let mut offer = record(&numbers[0], EventKind::OfferMade, at(10), |s| {
        s.status = Status::Offered;
        s.offer = Some(kezek::domain::Offer {
            kindergartens: vec!["kg-1".to_owned()],
            made_at: at(10),
            answer_by: at(100),
        });
    });
    offer.place = Some(place.id);
    let offered = store
        .record_transition(offer, no_effects())
        .await
        .unwrap()
        .application;
    let figures = store.region_stats("almaty").await.unwrap();
    assert_eq!(
        (figures.queue[0].clone(), figures.open_places),
        (size(BenefitClass::None, 1), 1)
    );
    let accept = record(&offered, EventKind::DirectionIssued, at(20), |s| {
        s.status = Status::DirectionIssued;
    });
    let accepted = store
        .record_transition(accept, no_effects())
        .await
        .unwrap()
        .application;
    let enroll = record(&accepted, EventKind::Enrolled, at(30), |s| {
        s.status = Status::Enrolled;
    });
    store.record_transition(enroll, no_effects()).await.unwrap();
    let figures = store.region_stats("almaty").await.unwrap();
    assert_eq!(
        (figures.open_places, figures.months),
        (1, vec![month(2, 1, 1)])
    );
    assert_eq!(
        store.region_stats("astana").await.unwrap(),
        RegionStats::default()
    );
    // Many states at once, with the revisions they were read at; unknown numbers left out.
    let unknown = ApplicationNumber::new(2026, 999_999, 1).unwrap();
    let asked = [numbers[0].state.number, numbers[2].state.number, unknown];
    let mut read = store.states(&asked).await.unwrap();
    read.sort_by_key(|at| at.state.number);
    assert_eq!(read.len(), 2);
    for at in read {
        let stored = store.application(at.state.number).await.unwrap();
        assert_eq!((at.revision, at.state), (stored.revision, stored.state));
    }
}

async fn nonces_are_single_use_and_sessions_expire(db: TestDb) {
    use kezek::server::store::Session;
    let store = db.open().await;
    store.issue_nonce("n-1", at(0), at(5)).await.unwrap();
    let take = |nonce: &'static str, minutes| {
        let store = store.clone();
        async move { store.take_nonce(nonce, at(minutes)).await.unwrap() }
    };
    assert_eq!(take("n-1", 1).await, NonceUse::Taken);
    assert_eq!(take("n-1", 2).await, NonceUse::Reused, "used twice");
    store.issue_nonce("n-2", at(0), at(5)).await.unwrap();
    assert_eq!(take("n-2", 6).await, NonceUse::Expired);
    assert_eq!(take("unknown", 1).await, NonceUse::Unknown);
    let session = Session {
        token_hash: [3; 32],
        user_iin: parent_iin(),
        payload: serde_json::json!({"role": "applicant"}),
        created_at: at(0),
        expires_at: at(60),
    };
    store.create_session(&session).await.unwrap();
    assert_eq!(
        store.session(&[3; 32], at(30)).await.unwrap(),
        Some(session)
    );
    assert_eq!(store.session(&[3; 32], at(61)).await.unwrap(), None);
    store.end_session(&[3; 32]).await.unwrap();
    assert_eq!(store.session(&[3; 32], at(30)).await.unwrap(), None);
    let user = store
        .record_login(
            &parent_iin(),
            "Сериков Нурлан",
            kezek::i18n::Lang::Kk,
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(user.contacts.email, None);
    assert_eq!(
        user.contacts.notify_by,
        kezek::domain::ContactPreference::Both,
        "notices go both ways until the user chooses"
    );
    let mut contacts = user.contacts.clone();
    contacts.email = Some("nurlan@example.kz".into());
    contacts.notify_by = kezek::domain::ContactPreference::Sms;
    store
        .update_contacts(&parent_iin(), &contacts, at(1))
        .await
        .unwrap();
    let again = store
        .record_login(
            &parent_iin(),
            "Сериков Нурлан",
            kezek::i18n::Lang::Ru,
            at(2),
        )
        .await
        .unwrap();
    assert_eq!(again.contacts, contacts, "a new login keeps the contacts");
}

// --- the ЦОН desk (issue 12) ---

async fn service_sessions_consent_once_and_the_audit_log_keeps_every_read(db: TestDb) {
    use kezek::domain::desk::{DeskRules, ServiceStatus, ServiceTimes};
    use kezek::i18n::Lang;
    use kezek::server::notify::OutboxMessage;
    use kezek::server::store::{AuditLine, AuditScope, CodeAttempt, Employee, ServiceSession};
    let store = db.open().await;
    let rules = DeskRules::default();
    let operator = Employee {
        iin: valid_iin("8502114174"),
        name: "Ахметова Гүлнара".into(),
        centre_bin: Some("160440090000".into()),
        centre_name: Some("ЦОН".into()),
    };
    let session = |id: &str| ServiceSession {
        id: id.into(),
        operator: operator.clone(),
        citizen: parent_iin(),
        code_hash: [7; 32],
        times: ServiceTimes {
            code_sent_at: at(0),
            confirmed_at: None,
            ended_at: None,
            wrong_codes: 0,
        },
        consent_until: None,
    };
    let sms = OutboxMessage {
        to_email: None,
        to_phone: Some("+77015554433".into()),
        lang: Lang::Ru,
        subject: "Код ЦОН".into(),
        body: "Код: 123456".into(),
        sms: "Код: 123456".into(),
    };
    store
        .start_service(&session("s-1"), &sms, at(0))
        .await
        .unwrap();
    assert_eq!(
        store.service_session("s-1").await.unwrap(),
        Some(session("s-1"))
    );
    assert_eq!(store.service_session("nope").await.unwrap(), None);
    let sent = store.outbox(Some("+77015554433"), 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].kind.as_str(), sent[0].body.as_str()),
        ("one_time_code", "Код: 123456")
    );
    assert!(
        store
            .outbox(Some("+77010000000"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    // No consent before the code; wrong codes count, the limit-th ends the session.
    let citizen = parent_iin();
    assert_eq!(
        store
            .live_consent(&operator.iin, &citizen, at(1))
            .await
            .unwrap(),
        None
    );
    let wrong = CodeAttempt::Wrong { limit: 2 };
    let once = store
        .code_attempt("s-1", wrong, at(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(once.times.wrong_codes, 1);
    assert_eq!(
        once.times.status(at(1), &rules),
        ServiceStatus::AwaitingCode
    );
    let twice = store
        .code_attempt("s-1", wrong, at(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(twice.times.ended_at, Some(at(2)));
    let late = CodeAttempt::Right {
        consent_until: at(32),
    };
    let ended = store
        .code_attempt("s-1", late, at(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ended.times.confirmed_at, None,
        "an ended session takes no code"
    );
    // The right code: consent until its end, or until the service ends.
    store
        .start_service(&session("s-2"), &sms, at(10))
        .await
        .unwrap();
    let right = CodeAttempt::Right {
        consent_until: at(40),
    };
    store.code_attempt("s-2", right, at(10)).await.unwrap();
    let live = store
        .live_consent(&operator.iin, &citizen, at(39))
        .await
        .unwrap();
    assert_eq!(live.map(|s| s.id), Some("s-2".to_owned()));
    assert_eq!(
        store
            .live_consent(&operator.iin, &citizen, at(40))
            .await
            .unwrap(),
        None
    );
    let other = valid_iin("8001013000");
    assert_eq!(
        store.live_consent(&other, &citizen, at(20)).await.unwrap(),
        None
    );
    store.end_service("s-2", at(20)).await.unwrap();
    assert_eq!(
        store
            .live_consent(&operator.iin, &citizen, at(21))
            .await
            .unwrap(),
        None
    );
    // The audit log, newest first, per citizen and per region of their applications.
    for (minute, what) in [(11, "card"), (12, "journal")] {
        store
            .record_audit(&AuditLine {
                at: at(minute),
                operator: operator.clone(),
                citizen,
                what: what.into(),
                subject: None,
            })
            .await
            .unwrap();
    }
    let lines = store
        .audit(&AuditScope::Citizen(citizen), 10)
        .await
        .unwrap();
    let whats: Vec<_> = lines.iter().map(|l| l.what.as_str()).collect();
    assert_eq!(whats, ["journal", "card"]);
    assert_eq!(lines[0].operator, operator);
    assert!(
        store
            .audit(&AuditScope::Citizen(other), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .audit(&AuditScope::Region("almaty".into()), 10)
            .await
            .unwrap()
            .is_empty(),
        "no application of the citizen in the region yet"
    );
    store
        .submit(new_application(1, at(30), None), no_effects())
        .await
        .unwrap();
    assert_eq!(
        store
            .audit(&AuditScope::Region("almaty".into()), 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        store
            .audit(&AuditScope::Region("astana".into()), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

// --- issue 14 (notices): delivery of the outbox ---

async fn the_outbox_is_delivered_retried_settled_read_and_leased(db: TestDb) {
    use kezek::api::notices::DeliveryState;
    use kezek::server::store::{Channel, MessageScope, Settle};
    let store = db.open().await;
    let mut ids = Vec::new();
    for serial in 1..=2 {
        let mut new = new_application(serial, at(0), None);
        new.details = serde_json::json!({"applicant": {
            "email": "parent@example.kz", "phone": "+7 701 234 56 78"
        }});
        ids.push(
            store
                .submit(new, no_effects())
                .await
                .unwrap()
                .application
                .id,
        );
    }
    let due = store.due_messages(at(0), 10).await.unwrap();
    assert_eq!(due.len(), 2, "{due:#?}");
    let (first, second) = (due[0].id, due[1].id);
    assert!(
        due.iter()
            .all(|d| d.attempts == 0 && !d.email_sent && !d.sms_sent)
    );
    assert_eq!(due[0].to_email.as_deref(), Some("parent@example.kz"));
    assert!(due[0].sms.contains("УО.2026.000001.1"), "{}", due[0].sms);
    assert_eq!(store.due_messages(at(0), 1).await.unwrap().len(), 1);

    // One holder at a time; another takes over once the lease has run out.
    let lease = |holder: &'static str, from: i64, to: i64| {
        let store = store.clone();
        async move {
            store
                .take_lease("delivery", holder, at(from), at(to))
                .await
                .unwrap()
        }
    };
    assert!(lease("a", 0, 1).await);
    assert!(!lease("b", 0, 1).await);
    assert!(lease("a", 1, 2).await, "the holder renews");
    assert!(!lease("b", 1, 3).await);
    assert!(lease("b", 2, 4).await, "run out at 2");
    assert!(!lease("a", 3, 5).await);

    // A channel marked sent stays sent across a retry; the retry waits.
    store
        .mark_channel_sent(first, Channel::Email, at(1))
        .await
        .unwrap();
    let retry = Settle::Retry {
        error: "connection refused".into(),
        at: at(10),
    };
    // The attempt's last channel is marked with its outcome, in the same write.
    store
        .settle_delivery(first, &retry, &[Channel::Sms], at(1))
        .await
        .unwrap();
    let later = store.due_messages(at(5), 10).await.unwrap();
    assert_eq!(later.iter().map(|d| d.id).collect::<Vec<_>>(), vec![second]);
    let again = store.due_messages(at(10), 10).await.unwrap();
    let retried = again.iter().find(|d| d.id == first).unwrap();
    assert!(retried.email_sent && retried.sms_sent && retried.attempts == 1);
    store
        .settle_delivery(first, &Settle::Sent, &[], at(10))
        .await
        .unwrap();
    let dead = Settle::Dead {
        error: "550 no such mailbox".into(),
    };
    store
        .settle_delivery(second, &dead, &[Channel::Email], at(10))
        .await
        .unwrap();
    assert!(store.due_messages(at(100), 10).await.unwrap().is_empty());
    assert!(matches!(
        store
            .settle_delivery(9999, &Settle::Sent, &[], at(10))
            .await,
        Err(StoreError::NotFound)
    ));

    // As the applicant, the application and the officers read them.
    let inbox = store
        .messages(&MessageScope::User(parent_iin()), 10)
        .await
        .unwrap();
    assert_eq!(
        inbox
            .messages
            .iter()
            .map(|m| (m.id, m.state))
            .collect::<Vec<_>>(),
        vec![(second, DeliveryState::Dead), (first, DeliveryState::Sent)]
    );
    assert_eq!(inbox.unread, 2);
    assert_eq!(inbox.messages[1].sent_at, Some(at(10)));
    assert_eq!(
        inbox.messages[0].last_error.as_deref(),
        Some("550 no such mailbox")
    );
    let of_first = store
        .messages(&MessageScope::Application(ids[0]), 10)
        .await
        .unwrap();
    assert_eq!(of_first.messages.len(), 1);
    assert_eq!(
        of_first.messages[0].number.unwrap().to_string(),
        "УО.2026.000001.1"
    );
    let dead_here = store
        .messages(&MessageScope::DeadInRegion("almaty".into()), 10)
        .await
        .unwrap();
    assert_eq!(
        dead_here.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![second]
    );
    let dead_elsewhere = store
        .messages(&MessageScope::DeadInRegion("astana".into()), 10)
        .await
        .unwrap();
    assert!(dead_elsewhere.messages.is_empty());

    // Read by its own user only, and the first opening's time stays.
    assert!(
        !store
            .mark_message_read(&child_iin(23, 1), first, at(11))
            .await
            .unwrap()
    );
    assert!(
        store
            .mark_message_read(&parent_iin(), first, at(11))
            .await
            .unwrap()
    );
    assert!(
        store
            .mark_message_read(&parent_iin(), first, at(12))
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_message_read(&parent_iin(), 9999, at(12))
            .await
            .unwrap()
    );
    let inbox = store
        .messages(&MessageScope::User(parent_iin()), 10)
        .await
        .unwrap();
    assert_eq!(inbox.unread, 1);
    assert_eq!(inbox.messages[1].read_at, Some(at(11)));
}

/// Issue 13: kindergartens seeded once (an officer's edits survive a new seeding), changed by
/// officers with their evidence and request id, refused when a code is taken, a group closed or
/// a capacity below use; closing zeroes the group's published places for good.
async fn kindergartens_are_seeded_changed_and_closed(db: TestDb) {
    use kezek::server::store::{
        KindergartenChange, KindergartenEdit, KindergartenRefusal, Names, NewFreePlaces, NewGroup,
        NewKindergarten, OfferScope,
    };
    let store = db.open().await;
    let officer = valid_iin("8001014000");
    let names = |text: &str| Names {
        kk: format!("{text} kk"),
        ru: format!("{text} ru"),
        en: format!("{text} en"),
    };
    let group = |age: &str, capacity| NewGroup {
        age: age.to_owned(),
        language: "kk".to_owned(),
        capacity,
    };
    let seed = vec![NewKindergarten {
        code: "kg-1".to_owned(),
        region: "almaty".to_owned(),
        settlement: "almaty-bostandyk".to_owned(),
        name: names("Балапан"),
        address: names("Абая 1"),
        groups: vec![group("middle", 20), group("junior", 25)],
    }];
    store.seed_kindergartens(&seed, at(0)).await.unwrap();
    let change = |edit, minutes, request: Option<&str>| KindergartenChange {
        region: "almaty".to_owned(),
        kindergarten: "kg-1".to_owned(),
        edit,
        officer,
        now: at(minutes),
        signed_xml: Some("<kindergarten/>".to_owned()),
        request: request.map(|id| RequestKey {
            request_id: id.to_owned(),
            document_hash: [7; 32],
        }),
    };
    let capacity = |group: &str, capacity| KindergartenEdit::SetCapacity {
        group: group.to_owned(),
        capacity,
    };
    let changed = store
        .change_kindergarten(change(capacity("middle-kk", 30), 1, Some("r-1")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.groups.len(), 2);
    let middle = changed
        .groups
        .iter()
        .find(|g| g.code == "middle-kk")
        .unwrap();
    assert_eq!(
        (middle.capacity, middle.enrolled, middle.offered),
        (30, 0, 0)
    );
    // The same request id again is the first answer, and nothing is done twice.
    let again = store
        .change_kindergarten(change(capacity("middle-kk", 30), 2, Some("r-1")))
        .await;
    assert!(matches!(again, Err(StoreError::Replayed(_))), "{again:?}");
    // A new seeding keeps the officer's capacity.
    store.seed_kindergartens(&seed, at(3)).await.unwrap();
    let read = store.kindergarten("kg-1").await.unwrap();
    assert_eq!(read, changed);
    assert_eq!(store.kindergartens("almaty").await.unwrap(), vec![read]);
    assert!(store.kindergartens("astana").await.unwrap().is_empty());
    // Taken codes, another region, unknown groups are refused.
    let taken = store
        .change_kindergarten(change(
            KindergartenEdit::AddGroup(group("middle", 5)),
            4,
            None,
        ))
        .await
        .unwrap();
    assert_eq!(taken, Err(KindergartenRefusal::Exists));
    let recreate = KindergartenEdit::Create(seed[0].clone());
    let taken = store
        .change_kindergarten(change(recreate, 4, None))
        .await
        .unwrap();
    assert_eq!(taken, Err(KindergartenRefusal::Exists));
    let mut elsewhere = change(capacity("middle-kk", 10), 4, None);
    elsewhere.region = "astana".to_owned();
    let elsewhere = store.change_kindergarten(elsewhere).await;
    assert!(
        matches!(elsewhere, Err(StoreError::NotFound)),
        "{elsewhere:?}"
    );
    let unknown = store
        .change_kindergarten(change(capacity("senior-ru", 10), 4, None))
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");

    // An offer holds a place of the group: the capacity cannot go below it.
    let place = store
        .publish_free_places(NewFreePlaces {
            region: "almaty".to_owned(),
            groups: vec![PlacesOfGroup {
                kindergarten: "kg-1".to_owned(),
                group: "middle-kk".to_owned(),
                places: 2,
            }],
            officer,
            now: at(5),
            signed_xml: None,
            request: None,
        })
        .await
        .unwrap();
    let first = store
        .submit(new_application(1, at(6), None), no_effects())
        .await
        .unwrap()
        .application;
    let mut offer = record(&first, EventKind::OfferMade, at(10), |s| {
        s.status = Status::Offered;
        s.offer = Some(kezek::domain::Offer {
            kindergartens: vec!["kg-1".to_owned()],
            made_at: at(10),
            answer_by: at(100),
        });
    });
    offer.place = Some(place[0].id);
    store.record_transition(offer, no_effects()).await.unwrap();
    let read = store.kindergarten("kg-1").await.unwrap();
    let middle = read.groups.iter().find(|g| g.code == "middle-kk").unwrap();
    assert_eq!((middle.offered, middle.published), (1, 1));
    let below = store
        .change_kindergarten(change(capacity("middle-kk", 0), 11, None))
        .await
        .unwrap();
    assert_eq!(below, Err(KindergartenRefusal::BelowUse));
    let scope = OfferScope::Kindergarten {
        code: "kg-1".to_owned(),
        group: Some("middle-kk".to_owned()),
    };
    assert_eq!(store.offers(&scope, 10).await.unwrap().len(), 1);
    let other_group = OfferScope::Kindergarten {
        code: "kg-1".to_owned(),
        group: Some("junior-kk".to_owned()),
    };
    assert!(store.offers(&other_group, 10).await.unwrap().is_empty());

    // Closing the group zeroes its places; a place given back later stays taken.
    let close = KindergartenEdit::CloseGroup {
        group: "middle-kk".to_owned(),
    };
    let closed = store
        .change_kindergarten(change(close.clone(), 12, None))
        .await
        .unwrap()
        .unwrap();
    let middle = closed
        .groups
        .iter()
        .find(|g| g.code == "middle-kk")
        .unwrap();
    assert_eq!(middle.closed_at, Some(at(12)));
    assert!(store.free_places("almaty", true).await.unwrap().is_empty());
    let offered = store.application(first.state.number).await.unwrap();
    let cancel = record(&offered, EventKind::OfferCancelled, at(13), |s| {
        s.status = Status::InQueue;
        s.offer = None;
    });
    store.record_transition(cancel, no_effects()).await.unwrap();
    assert!(store.free_places("almaty", true).await.unwrap().is_empty());
    let again = store
        .change_kindergarten(change(close, 14, None))
        .await
        .unwrap();
    assert_eq!(again, Err(KindergartenRefusal::Closed));
    let closed = store
        .change_kindergarten(change(KindergartenEdit::Close, 15, None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.closed_at, Some(at(15)));
    assert!(closed.groups.iter().all(|g| g.closed_at.is_some()));
    let after = store
        .change_kindergarten(change(capacity("junior-kk", 10), 16, None))
        .await
        .unwrap();
    assert_eq!(after, Err(KindergartenRefusal::Closed));
}

/// Issue 13: directions by status, derived from the offers and the events that ended or
/// extended them; filtered by kindergarten, status and date of issue, newest first, paged.
async fn directions_are_listed_by_status(db: TestDb) {
    use kezek::domain::direction::DirectionStatus;
    use kezek::server::store::{DirectionFilter, NewFreePlaces};
    let store = db.open().await;
    let place = store
        .publish_free_places(NewFreePlaces {
            region: "almaty".to_owned(),
            groups: vec![PlacesOfGroup {
                kindergarten: "kg-1".to_owned(),
                group: "middle-kk".to_owned(),
                places: 3,
            }],
            officer: valid_iin("8001014000"),
            now: at(0),
            signed_xml: None,
            request: None,
        })
        .await
        .unwrap();
    let mut numbers = Vec::new();
    for serial in 1..=3 {
        let stored = store
            .submit(
                new_application(serial, at(serial.into()), None),
                no_effects(),
            )
            .await
            .unwrap()
            .application;
        let minutes = 10 * i64::from(serial);
        let mut offer = record(&stored, EventKind::OfferMade, at(minutes), |s| {
            s.status = Status::Offered;
            s.offer = Some(kezek::domain::Offer {
                kindergartens: vec!["kg-1".to_owned()],
                made_at: at(minutes),
                answer_by: at(1000),
            });
        });
        offer.place = Some(place[0].id);
        let offered = store.record_transition(offer, no_effects()).await.unwrap();
        let accept = record(
            &offered.application,
            EventKind::DirectionIssued,
            at(minutes + 1),
            |s| {
                s.status = Status::DirectionIssued;
                s.offer = None;
                s.direction = Some(kezek::domain::Direction {
                    kindergarten: "kg-1".to_owned(),
                    issued_at: at(minutes + 1),
                    expires_at: at(2000),
                    extension: None,
                    in_person_by: None,
                    remind_at: None,
                });
            },
        );
        store.record_transition(accept, no_effects()).await.unwrap();
        numbers.push(stored.state.number);
    }
    // The first expires, the second is extended, the third stays issued.
    let first = store.application(numbers[0]).await.unwrap();
    let expire = record(&first, EventKind::DirectionExpired, at(100), |s| {
        s.status = Status::InQueue;
        s.direction = None;
    });
    store.record_transition(expire, no_effects()).await.unwrap();
    let second = store.application(numbers[1]).await.unwrap();
    let extend = record(&second, EventKind::DirectionExtended, at(101), |s| {
        s.direction.as_mut().unwrap().expires_at = at(3000);
    });
    store.record_transition(extend, no_effects()).await.unwrap();

    let filter = |status: Option<DirectionStatus>| DirectionFilter {
        region: "almaty".to_owned(),
        kindergarten: None,
        status,
        issued_from: None,
        issued_before: None,
        offset: 0,
        limit: 10,
    };
    let all = store.directions(&filter(None)).await.unwrap();
    assert_eq!(all.total, 3);
    let listed: Vec<_> = all.rows.iter().map(|d| (d.number, d.status)).collect();
    assert_eq!(
        listed,
        vec![
            (numbers[2], DirectionStatus::Issued),
            (numbers[1], DirectionStatus::Extended),
            (numbers[0], DirectionStatus::Expired),
        ]
    );
    assert_eq!(all.rows[1].expires_at, Some(at(3000)));
    assert_eq!(all.rows[2].expires_at, None);
    assert_eq!(all.rows[2].ended_at, Some(at(100)));
    assert_eq!(all.rows[0].issued_at, at(31));
    let expired = store
        .directions(&filter(Some(DirectionStatus::Expired)))
        .await
        .unwrap();
    assert_eq!((expired.total, expired.rows[0].number), (1, numbers[0]));
    let mut window = filter(None);
    window.issued_from = Some(at(15));
    window.issued_before = Some(at(25));
    let window = store.directions(&window).await.unwrap();
    assert_eq!((window.total, window.rows[0].number), (1, numbers[1]));
    let mut page = filter(None);
    page.offset = 2;
    page.limit = 1;
    let page = store.directions(&page).await.unwrap();
    assert_eq!((page.total, page.rows.len()), (3, 1));
    assert_eq!(page.rows[0].number, numbers[0]);
    let mut elsewhere = filter(None);
    elsewhere.kindergarten = Some("kg-2".to_owned());
    assert_eq!(store.directions(&elsewhere).await.unwrap().total, 0);
    elsewhere.kindergarten = None;
    elsewhere.region = "astana".to_owned();
    assert_eq!(store.directions(&elsewhere).await.unwrap().total, 0);
}

/// Issue 13: the review queue lists the region's open applications whose benefit awaits review,
/// in queue order; confirmed benefits and none are not in it.
async fn pending_benefits_are_the_review_queue(db: TestDb) {
    let store = db.open().await;
    let category = BenefitCategory::catalogue()
        .iter()
        .find(|c| c.class == BenefitClass::FirstTurn)
        .unwrap();
    let benefits = [
        None,
        Some(Benefit::claimed(category)),
        confirmed(BenefitClass::FirstTurn),
        Some(Benefit::claimed(category)),
    ];
    let mut numbers = Vec::new();
    for (serial, benefit) in (1..).zip(benefits) {
        let stored = store
            .submit(
                new_application(serial, at(serial.into()), benefit),
                no_effects(),
            )
            .await
            .unwrap();
        numbers.push(stored.application.state.number);
    }
    let page = store.pending_benefits("almaty", 0, 10).await.unwrap();
    assert_eq!(page.total, 2);
    let listed: Vec<_> = page.rows.iter().map(|a| a.state.number).collect();
    assert_eq!(listed, vec![numbers[1], numbers[3]]);
    let second = store.pending_benefits("almaty", 1, 1).await.unwrap();
    assert_eq!((second.total, second.rows[0].state.number), (2, numbers[3]));
    assert_eq!(
        store.pending_benefits("astana", 0, 10).await.unwrap().total,
        0
    );
}

async fn the_region_report_counts_offers_answers_and_waits_per_month(db: TestDb) {
    use kezek::domain::report::{Month, MonthRange, WaitHistogram};
    use kezek::server::store::{NewFreePlaces, RegionReport, ReportMonth};
    let store = db.open().await;
    let month = |text: &str| text.parse::<Month>().unwrap();
    let range = MonthRange::new(month("2026-02"), month("2026-04")).unwrap();
    let empty = store.region_report("almaty", range).await.unwrap();
    assert_eq!(
        empty,
        RegionReport {
            queue: Vec::new(),
            months: range.months().map(ReportMonth::empty).collect(),
        }
    );
    let place = store
        .publish_free_places(NewFreePlaces {
            region: "almaty".to_owned(),
            groups: vec![PlacesOfGroup {
                kindergarten: "kg-1".to_owned(),
                group: "middle-kk".to_owned(),
                places: 3,
            }],
            officer: valid_iin("8001014000"),
            now: at(0),
            signed_xml: None,
            request: None,
        })
        .await
        .unwrap()
        .remove(0);
    let mut apps = Vec::new();
    for serial in 1..=5 {
        let new = new_application(serial, at(serial.into()), None);
        apps.push(store.submit(new, no_effects()).await.unwrap().application);
    }
    let day = 24 * 60;
    let offer = |stored: &kezek::server::store::StoredApplication, minutes| {
        let mut change = record(stored, EventKind::OfferMade, at(minutes), |s| {
            s.status = Status::Offered;
            s.offer = Some(kezek::domain::Offer {
                kindergartens: vec!["kg-1".to_owned()],
                made_at: at(minutes),
                answer_by: at(minutes + 10 * day),
            });
        });
        change.place = Some(place.id);
        change
    };
    let write = |change| {
        let store = store.clone();
        async move {
            store
                .record_transition(change, no_effects())
                .await
                .unwrap()
                .application
        }
    };
    // March: four offers, one declined (its place goes to the fourth child), one accepted
    // after three days (2 whole days since registration at minute 4).
    let first = write(offer(&apps[0], 10)).await;
    let second = write(offer(&apps[1], 10)).await;
    let third = write(offer(&apps[2], 10)).await;
    write(record(&second, EventKind::OfferDeclined, at(20), |s| {
        s.status = Status::InQueue;
        s.offer = None;
    }))
    .await;
    let fourth = write(offer(&apps[3], 30)).await;
    write(record(
        &fourth,
        EventKind::DirectionIssued,
        at(3 * day),
        |s| {
            s.status = Status::DirectionIssued;
        },
    ))
    .await;
    // April: the third expires, the first is accepted after 40 days (39 whole days waited)
    // and enrolled.
    write(record(&third, EventKind::OfferExpired, at(35 * day), |s| {
        s.status = Status::InQueue;
        s.offer = None;
    }))
    .await;
    let accepted = write(record(
        &first,
        EventKind::DirectionIssued,
        at(40 * day),
        |s| {
            s.status = Status::DirectionIssued;
        },
    ))
    .await;
    write(record(&accepted, EventKind::Enrolled, at(41 * day), |s| {
        s.status = Status::Enrolled;
    }))
    .await;

    let report = store.region_report("almaty", range).await.unwrap();
    let waits = |days: u32, minutes: u64| {
        let mut waits = WaitHistogram::default();
        waits.add(days, 1, minutes * 60);
        waits
    };
    let [feb, mar, apr] = [month("2026-02"), month("2026-03"), month("2026-04")];
    assert_eq!(
        report.months,
        vec![
            ReportMonth::empty(feb),
            ReportMonth {
                offers_made: 4,
                offers_declined: 1,
                directions: 1,
                waits: waits(2, 3 * 1440 - 4),
                ..ReportMonth::empty(mar)
            },
            ReportMonth {
                offers_expired: 1,
                directions: 1,
                enrollments: 1,
                waits: waits(39, 40 * 1440 - 1),
                ..ReportMonth::empty(apr)
            },
        ]
    );
    // The second and third are back in the queue, with the fifth.
    assert_eq!(report.queue.iter().map(|q| q.queued).sum::<u64>(), 3);
    // A range that leaves March out does not count it; another region has nothing.
    let april = MonthRange::new(apr, apr).unwrap();
    let only = store.region_report("almaty", april).await.unwrap();
    assert_eq!(only.months, vec![report.months[2].clone()]);
    let astana = store.region_report("astana", range).await.unwrap();
    assert_eq!(astana.months, empty.months);
    assert!(astana.queue.is_empty());
}

async fn the_journal_filters_by_kindergarten_desired_or_offered(db: TestDb) {
    use kezek::server::store::{JournalColumn, JournalFilter, JournalScope, NewFreePlaces};
    let store = db.open().await;
    let mut wants_kg1 = new_application(1, at(1), None);
    wants_kg1.details = serde_json::json!({"kindergartens": ["kg-1", "kg-9"]});
    let wants_kg1 = store
        .submit(wants_kg1, no_effects())
        .await
        .unwrap()
        .application;
    let offered = store
        .submit(new_application(2, at(2), None), no_effects())
        .await
        .unwrap()
        .application;
    let place = store
        .publish_free_places(NewFreePlaces {
            region: "almaty".to_owned(),
            groups: vec![PlacesOfGroup {
                kindergarten: "kg-2".to_owned(),
                group: "middle-kk".to_owned(),
                places: 1,
            }],
            officer: valid_iin("8001014000"),
            now: at(3),
            signed_xml: None,
            request: None,
        })
        .await
        .unwrap()
        .remove(0);
    let mut offer = record(&offered, EventKind::OfferMade, at(10), |s| {
        s.status = Status::Offered;
        s.offer = Some(kezek::domain::Offer {
            kindergartens: vec!["kg-2".to_owned()],
            made_at: at(10),
            answer_by: at(100),
        });
    });
    offer.place = Some(place.id);
    store.record_transition(offer, no_effects()).await.unwrap();
    let numbers = |region: &'static str, kindergarten: &'static str| {
        let store = store.clone();
        async move {
            let page = store
                .journal(&JournalFilter {
                    scope: JournalScope::Region(region.to_owned()),
                    status: None,
                    benefit: None,
                    birth_year: None,
                    text: None,
                    kindergarten: Some(kindergarten.to_owned()),
                    sort: JournalColumn::RegisteredAt,
                    descending: false,
                    offset: 0,
                    limit: 10,
                })
                .await
                .unwrap();
            assert_eq!(page.total as usize, page.rows.len());
            page.rows.iter().map(|a| a.state.number).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        numbers("almaty", "kg-1").await,
        vec![wants_kg1.state.number]
    );
    assert_eq!(
        numbers("almaty", "kg-9").await,
        vec![wants_kg1.state.number]
    );
    assert_eq!(numbers("almaty", "kg-2").await, vec![offered.state.number]);
    assert!(numbers("almaty", "kg-3").await.is_empty());
    assert!(numbers("astana", "kg-1").await.is_empty());
}

/// Rate-limit counters (issue 15): a store shared by several servers keeps them, one allowance
/// per key whichever server counts; SQLite leaves them to the server's memory.
async fn rate_counters_are_shared_by_the_servers_of_a_database(db: TestDb) {
    let store = db.open().await;
    let other_server = db.open().await;
    let (interval, tolerance) = (
        std::time::Duration::from_secs(20),
        std::time::Duration::from_secs(40),
    );
    let take = |store: &std::sync::Arc<dyn Store>, key: &'static str, seconds: i64| {
        let store = store.clone();
        async move {
            store
                .take_rate(key, interval, tolerance, at(0) + Duration::seconds(seconds))
                .await
                .unwrap()
        }
    };
    let Some(first) = take(&store, "login/192.0.2.1", 0).await else {
        assert_eq!(
            db.backend,
            Backend::Sqlite,
            "only SQLite leaves them to the server"
        );
        return;
    };
    first.unwrap();
    // Three a minute: a burst of three, on either server, then one per 20 s.
    take(&other_server, "login/192.0.2.1", 0)
        .await
        .unwrap()
        .unwrap();
    take(&store, "login/192.0.2.1", 0).await.unwrap().unwrap();
    assert_eq!(
        take(&other_server, "login/192.0.2.1", 0).await.unwrap(),
        Err(std::time::Duration::from_secs(20))
    );
    assert_eq!(
        take(&store, "login/192.0.2.1", 5).await.unwrap(),
        Err(std::time::Duration::from_secs(15))
    );
    take(&other_server, "login/192.0.2.1", 20)
        .await
        .unwrap()
        .unwrap();
    // Another key has its own allowance.
    take(&store, "login/192.0.2.2", 20).await.unwrap().unwrap();
    store.close().await;
    other_server.close().await;
}

conformance! {
    backends: [sqlite => Backend::Sqlite, postgres => Backend::Postgres],
    async: [
        numbers_follow_the_year_sequence_and_survive_reopening,
        a_child_has_one_open_application,
        sixty_four_concurrent_submissions_get_distinct_numbers_and_exact_positions,
        a_retried_request_gets_the_first_answer_and_a_changed_one_is_refused,
        a_failed_completion_commits_nothing,
        a_batch_commits_its_good_writes_and_refuses_only_the_bad_ones,
        a_batch_of_transitions_and_submissions_counts_as_if_one_by_one,
        a_stale_revision_is_a_conflict,
        history_is_chained_and_any_rewrite_is_found,
        log_verify_accepts_an_intact_history,
        position_history_says_why_a_number_changed,
        candidates_come_per_class_in_queue_order_without_the_stop_listed,
        due_lists_what_the_scheduler_must_look_at,
        documents_and_attachments_are_stored_with_the_event,
        unreferenced_scans_have_a_quota_benefit_scans_are_linked_and_old_ones_swept,
        demo_seeding_runs_once_and_spreads_over_regions_and_statuses,
        offers_take_published_places_and_give_them_back,
        nonces_are_single_use_and_sessions_expire,
        region_figures_follow_every_write_and_states_are_read_in_bulk,
        service_sessions_consent_once_and_the_audit_log_keeps_every_read,
        // issue 14 (notices)
        the_outbox_is_delivered_retried_settled_read_and_leased,
        kindergartens_are_seeded_changed_and_closed,
        directions_are_listed_by_status,
        pending_benefits_are_the_review_queue,
        // issue 13 (the region report)
        the_region_report_counts_offers_answers_and_waits_per_month,
        the_journal_filters_by_kindergarten_desired_or_offered,
        // issue 15 (PostgreSQL)
        rate_counters_are_shared_by_the_servers_of_a_database,
    ],
    sync: [queue_numbers_match_the_reference_function],
}
