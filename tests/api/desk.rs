//! The ЦОН desk (issue 12; docs/design-api.md «The ЦОН desk») against the real server: roles in
//! the login answer; a service session whose one-time code goes to the citizen's mobile through
//! the outbox; no operator read or act for a citizen without their live consent (no code, a
//! wrong or expired one, after the end, after 30 minutes, another operator's); the audit log
//! of every read, which the citizen and the region's officers read; «Номер ЦОН» required and
//! validated, shown in the history with the operator's name; the receipt PDF; `kezek outbox
//! list`.

use kezek::api::applications::JournalQuery;
use kezek::api::auth::RoleKind;
use kezek::api::desk::{AuditRead, ServiceState};
use kezek::api::documents::Envelope;
use kezek::api::problem::ProblemCode;
use kezek::domain::Iin;
use kezek::server::config::RoleAssignment;

use crate::common;

use common::*;

fn iin(text: &str) -> Iin {
    Iin::parse(text).unwrap()
}

/// A world where the officer's organisation is a second ЦОН: its key is another operator's.
async fn two_operators() -> World {
    world_with(|config| {
        config.roles.retain(|r| r.role == RoleKind::Operator);
        config.roles.push(RoleAssignment {
            iin: None,
            bin: Some("030840071002".to_owned()),
            role: RoleKind::Operator,
            region: None,
        });
    })
    .await
}

#[tokio::test]
async fn the_login_answer_carries_the_roles_and_the_operators_centre() {
    let w = world().await;
    let operator = w.login(OPERATOR).await;
    let profile = operator.profile().await.unwrap();
    assert!(profile.user.has_role(RoleKind::Operator, None));
    let centre = profile
        .user
        .organisation
        .expect("an employee key's organisation");
    assert_eq!(centre.bin, "160440090000");
    assert!(centre.name.is_some_and(|name| !name.is_empty()));
    let parent = w.login(AIGERIM).await.profile().await.unwrap();
    assert!(parent.user.roles.is_empty());
    assert_eq!(parent.user.organisation, None);
}

#[tokio::test]
async fn no_read_or_act_for_a_citizen_without_the_code_sent_to_their_mobile() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let mut operator = w.login(OPERATOR).await;
    // Naming the citizen is not enough.
    operator.set_citizen(Some(iin(AIGERIM)));
    assert_eq!(
        code(operator.journal(&JournalQuery::default()).await),
        ProblemCode::ConsentRequired
    );
    assert_eq!(
        code(operator.application(&number).await),
        ProblemCode::ConsentRequired
    );
    let action = w.act_for(&operator, iin(AIGERIM), number, confirm()).await;
    assert_eq!(code(action), ProblemCode::ConsentRequired);

    // The code goes to her mobile on record through the outbox; the answer never has it.
    let service = operator.start_service(iin(AIGERIM)).await.unwrap();
    assert_eq!(service.state, ServiceState::AwaitingCode);
    assert_eq!(service.demo_code, None, "not a demo server");
    assert_eq!(service.phone.as_deref(), Some("+7 *** *** ** 78"));
    let sms = w.outbox().await.pop().unwrap();
    assert_eq!(sms.2.as_deref(), Some("+77012345678"));
    let code_sent = code_in(&sms.4);
    assert_eq!(
        code(operator.journal(&JournalQuery::default()).await),
        ProblemCode::ConsentRequired,
        "the code is sent, not typed yet"
    );
    let wrong = if code_sent == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = operator.confirm_code(&service.id, wrong).await;
    match refused {
        Err(kezek::client::ClientError::Problem(p)) => {
            assert_eq!(p.code, ProblemCode::CodeWrong);
            assert_eq!(p.params["attempts_left"], "4");
            assert!(p.translated().contains('4'));
        }
        other => panic!("{other:?}"),
    }
    let served = operator
        .confirm_code(&service.id, &code_sent)
        .await
        .unwrap();
    assert_eq!(served.state, ServiceState::Consented);
    let until = served.consent_until.unwrap();
    let minutes = (until - chrono::Utc::now()).num_minutes();
    assert!((29..=30).contains(&minutes), "{minutes}");
    // Confirming again answers the same; the consent covers reads and acts.
    assert_eq!(
        operator
            .confirm_code(&service.id, &code_sent)
            .await
            .unwrap()
            .state,
        ServiceState::Consented
    );
    assert_eq!(
        operator
            .journal(&JournalQuery::default())
            .await
            .unwrap()
            .total,
        1
    );
    w.act_for(&operator, iin(AIGERIM), number, confirm())
        .await
        .unwrap();

    // Another citizen is another consent.
    operator.set_citizen(Some(iin(DAUREN)));
    assert_eq!(
        code(operator.journal(&JournalQuery::default()).await),
        ProblemCode::ConsentRequired
    );
    // «Завершить обслуживание» ends it.
    operator.end_service(&service.id).await.unwrap();
    operator.set_citizen(Some(iin(AIGERIM)));
    assert_eq!(
        code(operator.application(&number).await),
        ProblemCode::ConsentRequired
    );
    assert_eq!(
        code(operator.citizen_card(&service.id).await),
        ProblemCode::ServiceEnded
    );
    assert_eq!(
        code(operator.confirm_code(&service.id, &code_sent).await),
        ProblemCode::ServiceEnded
    );
    let action = w.act_for(&operator, iin(AIGERIM), number, confirm()).await;
    assert_eq!(code(action), ProblemCode::ConsentRequired);
}

fn confirm() -> kezek::api::documents::ActionRequest {
    kezek::api::documents::ActionRequest::ConfirmInterest
}

#[tokio::test]
async fn five_wrong_codes_end_the_service_and_a_late_code_is_expired() {
    let w = world().await;
    w.login(AIGERIM).await;
    let mut operator = w.login(OPERATOR).await;
    let service = operator.start_service(iin(AIGERIM)).await.unwrap();
    let sent = w.last_code().await;
    let wrong = if sent == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        match operator.confirm_code(&service.id, wrong).await {
            Err(kezek::client::ClientError::Problem(p)) => {
                assert_eq!(p.code, ProblemCode::CodeWrong);
                assert_eq!(p.params["attempts_left"], left.to_string());
            }
            other => panic!("{other:?}"),
        }
    }
    // Junk is a wrong code too, and the fifth.
    assert_eq!(
        code(operator.confirm_code(&service.id, "abc").await),
        ProblemCode::CodeAttemptsExhausted
    );
    assert_eq!(
        code(operator.confirm_code(&service.id, &sent).await),
        ProblemCode::ServiceEnded
    );
    operator.set_citizen(Some(iin(AIGERIM)));
    assert_eq!(
        code(operator.journal(&JournalQuery::default()).await),
        ProblemCode::ConsentRequired
    );
    // A code typed after its five minutes is expired.
    let again = operator.start_service(iin(AIGERIM)).await.unwrap();
    let sent = w.last_code().await;
    w.state().0.clock.advance(chrono::Duration::minutes(6));
    assert_eq!(
        code(operator.confirm_code(&again.id, &sent).await),
        ProblemCode::CodeExpired
    );
}

#[tokio::test]
async fn the_consent_lasts_thirty_minutes() {
    let w = world().await;
    w.login(AIGERIM).await;
    let mut operator = w.login(OPERATOR).await;
    let service = w.serve(&mut operator, iin(AIGERIM)).await;
    operator.citizen_card(&service.id).await.unwrap();
    w.state().0.clock.advance(chrono::Duration::minutes(29));
    operator.journal(&JournalQuery::default()).await.unwrap();
    w.state().0.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(
        code(operator.journal(&JournalQuery::default()).await),
        ProblemCode::ConsentRequired
    );
    assert_eq!(
        code(operator.citizen_card(&service.id).await),
        ProblemCode::ServiceEnded
    );
}

#[tokio::test]
async fn another_operators_session_is_not_found_and_gives_no_consent() {
    let w = two_operators().await;
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let mut first = w.login(OPERATOR).await;
    let service = w.serve(&mut first, iin(AIGERIM)).await;
    let mut second = w.login(OFFICER).await;
    assert!(
        second
            .profile()
            .await
            .unwrap()
            .user
            .has_role(RoleKind::Operator, None)
    );
    let sent = w.last_code().await;
    assert_eq!(
        code(second.confirm_code(&service.id, &sent).await),
        ProblemCode::ServiceNotFound
    );
    assert_eq!(
        code(second.citizen_card(&service.id).await),
        ProblemCode::ServiceNotFound
    );
    assert_eq!(
        code(second.receipt(&service.id, &number).await),
        ProblemCode::ServiceNotFound
    );
    assert_eq!(
        code(second.end_service(&service.id).await),
        ProblemCode::ServiceNotFound
    );
    second.set_citizen(Some(iin(AIGERIM)));
    assert_eq!(
        code(second.application(&number).await),
        ProblemCode::ConsentRequired
    );
    // An applicant has no desk at all.
    assert_eq!(
        code(aigerim.start_service(iin(DAUREN)).await),
        ProblemCode::Forbidden
    );
    assert_eq!(
        code(aigerim.citizen_card(&service.id).await),
        ProblemCode::Forbidden
    );
    // The first operator's service stands.
    first.citizen_card(&service.id).await.unwrap();
}

#[tokio::test]
async fn the_card_shows_the_registry_person_and_the_childrens_applications() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let mut submission = application(AIGERIM, ARUZHAN);
    submission.draft.applicant.address.city = "Астана".to_owned();
    submission.draft.applicant.address.street = "Мәңгілік Ел".to_owned();
    let number = w.submit(&aigerim, &submission).await;
    let mut operator = w.login(OPERATOR).await;
    let service = w.serve(&mut operator, iin(AIGERIM)).await;
    let card = operator.citizen_card(&service.id).await.unwrap();
    assert_eq!(
        (card.surname.as_str(), card.name.as_str()),
        ("Серикова", "Айгерим")
    );
    assert_eq!(card.birth_date, iin(AIGERIM).birth_date());
    assert_eq!(
        card.address.as_deref(),
        Some("Астана, Мәңгілік Ел"),
        "the address of her application"
    );
    let aruzhan = card
        .children
        .iter()
        .find(|c| c.iin == iin(ARUZHAN))
        .expect("Аружан is her daughter");
    assert_eq!(aruzhan.applications.len(), 1);
    assert_eq!(aruzhan.applications[0].number, number);
    // Her husband, not bound, sees the child but not his wife's application.
    let service = w.serve(&mut operator, iin(NURLAN)).await;
    assert!(on_card(&operator, &service.id, ARUZHAN).await.is_empty());
}

/// The applications the citizen's card lists for `child`.
async fn on_card(
    operator: &kezek::client::Client,
    service: &str,
    child: &str,
) -> Vec<kezek::api::desk::CardApplication> {
    let card = operator.citizen_card(service).await.unwrap();
    card.children
        .into_iter()
        .find(|c| c.iin == iin(child))
        .expect("the registry's child of the citizen")
        .applications
}

#[tokio::test]
async fn every_read_of_a_citizens_data_is_in_the_audit_log() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let mut operator = w.login(OPERATOR).await;
    let service = w.serve(&mut operator, iin(AIGERIM)).await;
    operator.citizen_card(&service.id).await.unwrap();
    operator.journal(&JournalQuery::default()).await.unwrap();
    operator.application(&number).await.unwrap();
    operator.history(&number).await.unwrap();
    let documents = operator.documents(&number).await.unwrap();
    operator
        .download_document(&number, &documents[0].id)
        .await
        .unwrap();
    operator.position_history(&number).await.unwrap();
    operator.registry_person(iin(ARUZHAN)).await.unwrap();
    assert_eq!(
        code(operator.child_check(iin(ARUZHAN)).await),
        ProblemCode::ChildAlreadyQueued
    );
    operator.receipt(&service.id, &number).await.unwrap();
    // «Кто просматривал мои данные»: each read, newest first, who and which ЦОН.
    let seen = aigerim.own_audit().await.unwrap();
    let whats: Vec<AuditRead> = seen.iter().rev().map(|e| e.what).collect();
    assert_eq!(
        whats,
        [
            AuditRead::Card,
            AuditRead::Journal,
            AuditRead::Application,
            AuditRead::History,
            AuditRead::Documents,
            AuditRead::Documents,
            AuditRead::PositionHistory,
            AuditRead::RegistryPerson,
            AuditRead::ChildCheck,
            AuditRead::Receipt,
        ]
    );
    for entry in &seen {
        assert_eq!(entry.operator_iin, iin(OPERATOR));
        assert_eq!(entry.centre_bin.as_deref(), Some("160440090000"));
        assert!(!entry.operator_name.is_empty());
        assert!(!entry.what.translated().is_empty());
    }
    assert_eq!(
        seen[0].subject.as_deref(),
        Some(number.to_string().as_str())
    );
    // A read refused for want of consent is not a read.
    operator.end_service(&service.id).await.unwrap();
    operator.set_citizen(Some(iin(AIGERIM)));
    operator
        .journal(&JournalQuery::default())
        .await
        .unwrap_err();
    assert_eq!(aigerim.own_audit().await.unwrap().len(), seen.len());
    // Nobody else's reads show; the region's officer sees them, others may not ask.
    assert!(w.login(DAUREN).await.own_audit().await.unwrap().is_empty());
    let officer = w.login(OFFICER).await;
    assert_eq!(officer.region_audit().await.unwrap().len(), seen.len());
    assert_eq!(code(aigerim.region_audit().await), ProblemCode::Forbidden);
    assert_eq!(code(operator.region_audit().await), ProblemCode::Forbidden);
    assert_eq!(
        code(w.client().own_audit().await),
        ProblemCode::LoginRequired
    );
}

#[tokio::test]
async fn the_demo_code_is_answered_only_by_a_demo_server() {
    let plain = world().await;
    plain.login(AIGERIM).await;
    let operator = plain.login(OPERATOR).await;
    let service = operator.start_service(iin(AIGERIM)).await.unwrap();
    assert_eq!(service.demo_code, None);
    let raw = serde_json::to_value(&service).unwrap();
    assert!(raw.get("demo_code").is_none());

    let demo = demo_world().await;
    let mut operator = demo.login(OPERATOR).await;
    // A key holder who never logged in has a demo mobile on a demo server.
    let service = operator.start_service(iin(NURLAN)).await.unwrap();
    let shown = service
        .demo_code
        .clone()
        .expect("a demo server shows the code");
    assert_eq!(shown, demo.last_code().await);
    operator.confirm_code(&service.id, &shown).await.unwrap();
}

#[tokio::test]
async fn hostile_and_bad_input_is_refused_with_its_own_code() {
    let w = world().await;
    let operator = w.login(OPERATOR).await;
    let before = w.rows(&["service_sessions", "outbox", "audit_log"]).await;
    // A citizen the registry does not know; one without a mobile on record.
    assert_eq!(
        code(operator.start_service(iin(&child_iin(7))).await),
        ProblemCode::PersonNotFound
    );
    assert_eq!(
        code(operator.start_service(iin(NURLAN)).await),
        ProblemCode::NoMobileOnRecord
    );
    assert_eq!(
        w.rows(&["service_sessions", "outbox", "audit_log"]).await,
        before
    );
    let cases = [
        (
            "services",
            r#"{"citizen_iin":"900514440217"}"#,
            400,
            "invalid_iin",
        ),
        (
            "services",
            r#"{"citizen_iin":"<script>"}"#,
            400,
            "invalid_iin",
        ),
        (
            "services",
            r#"{"citizen":"900514440216"}"#,
            400,
            "invalid_input",
        ),
        ("services", "{", 400, "malformed_json"),
        (
            "services/..%2F..%2Fprofile/confirm",
            r#"{"code":"123456"}"#,
            404,
            "service_not_found",
        ),
        (
            "services/nope/confirm",
            r#"{"code":"123456"}"#,
            404,
            "service_not_found",
        ),
        ("services/nope/end", "", 404, "service_not_found"),
    ];
    refused_posts(&w, &operator, &cases).await;
    too_large(&w, &operator, "services/x/confirm", "code").await;
    assert_eq!(
        w.rows(&["service_sessions", "outbox", "audit_log"]).await,
        before
    );
}

#[tokio::test]
async fn the_centres_number_is_required_and_shown_with_the_operator_in_the_history() {
    let w = world().await;
    let mut operator = w.login(OPERATOR).await;
    w.serve(&mut operator, iin(AIGERIM)).await;
    let tables = ["applications", "events", "idempotency"];
    let before = w.rows(&tables).await;
    let mut submission = for_citizen(application(AIGERIM, ARUZHAN), iin(AIGERIM));
    for bad in [
        None,
        Some(""),
        Some("ЦОН-12"),
        Some("ЦОН-12345678901"),
        Some("X-0000000001"),
    ] {
        submission.envelope = Envelope::now();
        submission.envelope.citizen = Some(iin(AIGERIM));
        submission.envelope.service_centre_request = bad.map(str::to_owned);
        let refused = w.try_submit(&operator, &submission).await;
        match refused {
            Err(kezek::client::ClientError::Problem(p)) => {
                assert_eq!(p.code, ProblemCode::RequestNumberInvalid, "{bad:?}");
                assert_eq!(p.params["format"], "ЦОН-##########");
                assert!(p.translated().contains("ЦОН-##########"));
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(w.rows(&tables).await, before, "a refusal stored something");
    submission.envelope = Envelope::now().for_citizen(iin(AIGERIM), "ЦОН-0123456789");
    let number = w.submit(&operator, &submission).await;
    // The parent logs in later: her application, filed and signed by the operator.
    let aigerim = w.login(AIGERIM).await;
    let detail = aigerim.application(&number).await.unwrap();
    assert_eq!(
        detail.service_centre_request.as_deref(),
        Some("ЦОН-0123456789")
    );
    let history = aigerim.history(&number).await.unwrap();
    let registered = &history[0];
    assert_eq!(
        registered.service_centre_request.as_deref(),
        Some("ЦОН-0123456789")
    );
    let operator_name = operator.profile().await.unwrap().user.full_name;
    assert_eq!(
        registered.actor_name.as_deref(),
        Some(operator_name.as_str())
    );
    assert!(matches!(
        registered.actor,
        kezek::domain::Actor::Operator { iin: who, .. } if who == iin(OPERATOR)
    ));
}

#[tokio::test]
async fn the_receipt_is_a_pdf_of_the_citizens_application_only() {
    let w = world().await;
    let dauren = w.login(DAUREN).await;
    let his = w.submit(&dauren, &application(DAUREN, ALIKHAN)).await;
    let mut operator = w.login(OPERATOR).await;
    let service = w.serve(&mut operator, iin(AIGERIM)).await;
    let submission = for_citizen(application(AIGERIM, ARUZHAN), iin(AIGERIM));
    let number = w.submit(&operator, &submission).await;
    let receipt = operator.receipt(&service.id, &number).await.unwrap();
    assert_eq!(receipt.content_type, "application/pdf");
    assert!(receipt.bytes.starts_with(b"%PDF"));
    assert_eq!(
        code(operator.receipt(&service.id, &his).await),
        ProblemCode::ApplicationNotFound
    );
    operator.end_service(&service.id).await.unwrap();
    assert_eq!(
        code(operator.receipt(&service.id, &number).await),
        ProblemCode::ServiceEnded
    );
}

#[tokio::test]
async fn the_desk_is_in_the_openapi_document() {
    let w = world().await;
    let document: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", w.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/desk/services",
        "/api/v1/desk/services/{id}",
        "/api/v1/desk/services/{id}/confirm",
        "/api/v1/desk/services/{id}/end",
        "/api/v1/desk/services/{id}/card",
        "/api/v1/desk/services/{id}/receipts/{number}",
        "/api/v1/desk/services/{id}/bindings",
        "/api/v1/profile/audit",
        "/api/v1/officer/audit",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test]
async fn outbox_list_shows_the_code_sms_to_a_phone() {
    let w = world().await;
    w.login(AIGERIM).await;
    let operator = w.login(OPERATOR).await;
    operator.start_service(iin(AIGERIM)).await.unwrap();
    let sent = w.last_code().await;
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_kezek"))
            .args(["--lang", "ru", "outbox", "list", "--db", &w.database_path()])
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (status, listed, _) = run(&["--to", "+7 (701) 234-56-78"]);
    assert_eq!(status, Some(0));
    assert!(listed.contains(&sent), "{listed}");
    assert!(listed.contains("SMS с кодом ЦОН"), "{listed}");
    let (status, listed, _) = run(&["--to", "+7 701 000 00 00"]);
    assert_eq!(status, Some(0));
    assert!(!listed.contains(&sent));
    let (status, _, error) = run(&["--to", "not a phone"]);
    assert_eq!(status, Some(2));
    assert!(error.contains("not a phone"), "{error}");
}

#[tokio::test]
async fn the_card_carries_the_contacts_on_record_and_nothing_made_up() {
    let w = demo_world().await;
    let mut operator = w.login(OPERATOR).await;
    // Нурлан never logged in: the demo server made up a mobile for his code; the card has none.
    let service = w.serve(&mut operator, iin(NURLAN)).await;
    let card = operator.citizen_card(&service.id).await.unwrap();
    assert_eq!((card.email.as_deref(), card.phone.as_deref()), (None, None));
    // The contacts he signs at the desk are on record from then on.
    let mut submission = for_citizen(application(NURLAN, ARUZHAN), iin(NURLAN));
    submission.draft.applicant.email = "nurlan@example.kz".to_owned();
    submission.draft.applicant.phone = "+7 701 222 33 44".to_owned();
    w.submit(&operator, &submission).await;
    let card = operator.citizen_card(&service.id).await.unwrap();
    assert_eq!(card.email.as_deref(), Some("nurlan@example.kz"));
    assert_eq!(card.phone.as_deref(), Some("+77012223344"));
    // Once he gives his profile's contacts, those are the ones on record.
    w.login(NURLAN).await;
    let card = operator.citizen_card(&service.id).await.unwrap();
    assert_eq!(card.email.as_deref(), Some("demo@example.kz"));
    assert_eq!(card.phone.as_deref(), Some("+77012345678"));
    // Reading them is reading the card: audited as such.
    let seen = w.login(NURLAN).await.own_audit().await.unwrap();
    assert!(seen.iter().all(|e| e.what == AuditRead::Card
        || e.what == AuditRead::ChildCheck
        || e.what == AuditRead::RegistryPerson));
    assert!(seen.iter().filter(|e| e.what == AuditRead::Card).count() >= 3);
}

/// The rows a binding or its audit would add.
const BINDING_TABLES: [&str; 2] = ["bindings", "audit_log"];

#[tokio::test]
async fn the_operator_binds_a_child_for_the_citizen_by_the_parents_own_rule() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let hers = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let nurlan = w.login(NURLAN).await;
    let mut operator = w.login(OPERATOR).await;
    let service = w.serve(&mut operator, iin(NURLAN)).await;
    assert!(
        operator
            .citizen_bindings(&service.id)
            .await
            .unwrap()
            .is_empty()
    );
    // Not his child, nobody's child, the citizen himself: refused, and nothing bound.
    let bound_before = w.rows(&["bindings"]).await;
    for stranger in [ALIKHAN.to_owned(), child_iin(7), NURLAN.to_owned()] {
        assert_eq!(
            code(
                operator
                    .bind_citizen_child(&service.id, iin(&stranger))
                    .await
            ),
            ProblemCode::KinshipNotConfirmed,
            "{stranger}"
        );
    }
    assert_eq!(w.rows(&["bindings"]).await, bound_before);
    // His daughter: bound to his IIN, as if he had bound her in his own profile.
    let bound = operator
        .bind_citizen_child(&service.id, iin(ARUZHAN))
        .await
        .unwrap();
    assert_eq!(bound.iin, iin(ARUZHAN));
    assert_eq!(bound.birth_date, iin(ARUZHAN).birth_date());
    assert!(bound.full_name.contains("Аружан"), "{}", bound.full_name);
    let listed = operator.citizen_bindings(&service.id).await.unwrap();
    assert_eq!(listed, vec![bound.clone()]);
    assert_eq!(nurlan.bindings().await.unwrap(), vec![bound.clone()]);
    // Binding again changes nothing.
    operator
        .bind_citizen_child(&service.id, iin(ARUZHAN))
        .await
        .unwrap();
    assert_eq!(nurlan.bindings().await.unwrap().len(), 1);
    // Bound, he sees his wife's application, and so does the operator serving him.
    nurlan.application(&hers).await.unwrap();
    assert_eq!(on_card(&operator, &service.id, ARUZHAN).await.len(), 1);
    // The operator's own bindings are not the citizen's.
    operator.set_citizen(None);
    assert!(operator.bindings().await.unwrap().is_empty());
    // Every read and every binding is in his audit log, with the child named.
    let seen = nurlan.own_audit().await.unwrap();
    let bindings: Vec<(AuditRead, Option<String>)> = seen
        .iter()
        .rev()
        .filter(|e| matches!(e.what, AuditRead::Bindings | AuditRead::Binding))
        .map(|e| (e.what, e.subject.clone()))
        .collect();
    assert_eq!(
        bindings,
        [
            (AuditRead::Bindings, None),
            (AuditRead::Binding, Some(ALIKHAN.to_owned())),
            (AuditRead::Binding, Some(child_iin(7))),
            (AuditRead::Binding, Some(NURLAN.to_owned())),
            (AuditRead::Binding, Some(ARUZHAN.to_owned())),
            (AuditRead::Bindings, None),
            (AuditRead::Binding, Some(ARUZHAN.to_owned())),
        ]
    );
    for entry in &seen {
        assert_eq!(entry.operator_iin, iin(OPERATOR));
        assert_eq!(entry.centre_bin.as_deref(), Some("160440090000"));
        assert!(
            !entry.what.translated().contains("api.desk"),
            "{:?}",
            entry.what
        );
    }
    // Nothing of it in his wife's log.
    assert!(aigerim.own_audit().await.unwrap().is_empty());
}

#[tokio::test]
async fn binding_for_a_citizen_needs_the_operators_own_live_consent() {
    let w = two_operators().await;
    let nurlan = w.login(NURLAN).await;
    let mut operator = w.login(OPERATOR).await;
    let before = w.rows(&BINDING_TABLES).await;
    let started = operator.start_service(iin(NURLAN)).await.unwrap();
    let id = started.id.clone();
    // The code is not typed yet.
    assert_eq!(
        code(operator.citizen_bindings(&id).await),
        ProblemCode::ConsentRequired
    );
    assert_eq!(
        code(operator.bind_citizen_child(&id, iin(ARUZHAN)).await),
        ProblemCode::ConsentRequired
    );
    let sent = w.last_code().await;
    operator.confirm_code(&id, &sent).await.unwrap();
    // Another operator (another ЦОН's key), the citizen himself, nobody logged in.
    let mut second = w.login(OFFICER).await;
    second.set_citizen(Some(iin(NURLAN)));
    for (client, expected) in [
        (&second, ProblemCode::ServiceNotFound),
        (&nurlan, ProblemCode::Forbidden),
        (&w.client(), ProblemCode::LoginRequired),
    ] {
        assert_eq!(code(client.citizen_bindings(&id).await), expected);
        assert_eq!(
            code(client.bind_citizen_child(&id, iin(ARUZHAN)).await),
            expected
        );
    }
    // An unknown session is not found either.
    assert_eq!(
        code(operator.citizen_bindings("nope").await),
        ProblemCode::ServiceNotFound
    );
    assert_eq!(
        w.rows(&BINDING_TABLES).await,
        before,
        "nothing bound or read"
    );
    // After «Завершить обслуживание», and after the consent's 30 minutes.
    operator.end_service(&id).await.unwrap();
    assert_eq!(
        code(operator.bind_citizen_child(&id, iin(ARUZHAN)).await),
        ProblemCode::ServiceEnded
    );
    let again = w.serve(&mut operator, iin(NURLAN)).await;
    w.state().0.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(
        code(operator.bind_citizen_child(&again.id, iin(ARUZHAN)).await),
        ProblemCode::ServiceEnded
    );
    assert_eq!(
        w.rows(&["bindings"]).await[0],
        before[0],
        "nothing bound without consent"
    );
    assert!(nurlan.bindings().await.unwrap().is_empty());
}

#[tokio::test]
async fn hostile_input_to_a_citizens_binding_is_refused_with_its_own_code() {
    let w = world().await;
    w.login(NURLAN).await;
    let mut operator = w.login(OPERATOR).await;
    let service = w.serve(&mut operator, iin(NURLAN)).await;
    let before = w.rows(&BINDING_TABLES).await;
    let bindings = format!("services/{}/bindings", service.id);
    let injected = format!("services/{}%27%20OR%201=1--/bindings", service.id);
    let long = format!("services/{}/bindings", "x".repeat(4000));
    let aruzhan = r#"{"child_iin":"220315612150"}"#;
    let cases = [
        (
            bindings.as_str(),
            r#"{"child_iin":"220315612151"}"#,
            400,
            "invalid_iin",
        ),
        (
            bindings.as_str(),
            r#"{"child_iin":"<script>alert(1)</script>"}"#,
            400,
            "invalid_iin",
        ),
        (
            bindings.as_str(),
            r#"{"child":"220315612150"}"#,
            400,
            "invalid_input",
        ),
        (bindings.as_str(), "{", 400, "malformed_json"),
        (
            "services/..%2F..%2Fprofile/bindings",
            aruzhan,
            404,
            "service_not_found",
        ),
        (injected.as_str(), aruzhan, 404, "service_not_found"),
        (long.as_str(), aruzhan, 404, "service_not_found"),
    ];
    refused_posts(&w, &operator, &cases).await;
    too_large(&w, &operator, &bindings, "child_iin").await;
    assert_eq!(
        w.rows(&BINDING_TABLES).await,
        before,
        "a refusal stored something"
    );
}

/// Posts each `(path under /desk, body)` with the operator's token, raw, and checks the status
/// and problem code of the refusal.
async fn refused_posts(
    w: &World,
    operator: &kezek::client::Client,
    cases: &[(&str, &str, u16, &str)],
) {
    let http = reqwest::Client::new();
    let token = operator.token().unwrap().to_owned();
    for &(path, body, status, problem) in cases {
        let response = http
            .post(format!("{}/api/v1/desk/{path}", w.url()))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{path} {body}");
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["code"], problem, "{path} {body}");
    }
}

/// A body of 2 MiB in `field` is refused before it is read (413).
async fn too_large(w: &World, operator: &kezek::client::Client, path: &str, field: &str) {
    let huge = format!(r#"{{"{field}":"{}"}}"#, "1".repeat(2 * 1024 * 1024));
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/desk/{path}", w.url()))
        .bearer_auth(operator.token().unwrap())
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413, "{path}");
}
