//! Issue 13, directions by status over HTTP against the real server: the officer lists the
//! region's directions by kindergarten, status and date of issue, paged; annuls one with a
//! reason (the child back in the queue, the parent told, the officer's signed act and reason in
//! the history) and marks enrollment. Bad input is refused with its own code.

use crate::common;

use common::*;
use kezek::api::documents::ActionRequest;
use kezek::api::officer::{DirectionsQuery, FreePlacesQuery};
use kezek::api::problem::ProblemCode;
use kezek::domain::direction::DirectionStatus;
use kezek::domain::lifecycle::EventKind;
use kezek::domain::{Status, calendar};

#[tokio::test]
async fn officers_list_annul_and_enroll_directions_by_status() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let aigerim = w.login(AIGERIM).await;
    let group = group_for_2022();
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let accept = || ActionRequest::AcceptOffer {
        kindergarten: ASTANA_KINDERGARTEN.to_owned(),
    };
    w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group, 1)
        .await
        .unwrap();
    w.act(&aigerim, AIGERIM, number, accept()).await.unwrap();

    let list = |query: DirectionsQuery| {
        let officer = &officer;
        async move { officer.officer_directions(&query).await.unwrap() }
    };
    let all = list(DirectionsQuery::default()).await;
    assert_eq!(all.total, 1);
    let direction = &all.rows[0];
    assert_eq!(
        (direction.number, direction.status),
        (number, DirectionStatus::Issued)
    );
    assert_eq!(direction.kindergarten, ASTANA_KINDERGARTEN);
    assert!(direction.expires_at.is_some() && direction.ended_at.is_none());
    // Filters: status, kindergarten, dates of issue.
    let today = calendar::local_date(direction.issued_at);
    let none = [
        DirectionsQuery {
            status: Some(DirectionStatus::Enrolled),
            ..DirectionsQuery::default()
        },
        DirectionsQuery {
            kindergarten: Some("astana-none".to_owned()),
            ..DirectionsQuery::default()
        },
        DirectionsQuery {
            from: today.succ_opt(),
            ..DirectionsQuery::default()
        },
        DirectionsQuery {
            to: today.pred_opt(),
            ..DirectionsQuery::default()
        },
    ];
    for query in none {
        assert_eq!(list(query.clone()).await.total, 0, "{query:?}");
    }
    let same_day = DirectionsQuery {
        from: Some(today),
        to: Some(today),
        kindergarten: Some(ASTANA_KINDERGARTEN.to_owned()),
        status: Some(DirectionStatus::Issued),
        ..DirectionsQuery::default()
    };
    assert_eq!(list(same_day).await.total, 1);

    // Annulment needs a reason, and only an officer's.
    let annul = |reason: &str| ActionRequest::AnnulDirection {
        reason: reason.to_owned(),
    };
    let refused = w.act(&officer, OFFICER, number, annul("  ")).await;
    assert_eq!(code(refused), ProblemCode::InvalidInput);
    let refused = w
        .act(&aigerim, AIGERIM, number, annul("мне так удобнее"))
        .await;
    assert_eq!(code(refused), ProblemCode::Forbidden);
    let reason = "Документы о льготе не подтвердились";
    let detail = w
        .act(&officer, OFFICER, number, annul(reason))
        .await
        .unwrap();
    assert_eq!(detail.state.status, Status::InQueue);
    assert_eq!(detail.state.stop_list_until, None);
    let history = aigerim.history(&number).await.unwrap();
    let annulled = history
        .iter()
        .find(|h| h.event == EventKind::DirectionAnnulled)
        .expect("the annulment is in the history");
    assert_eq!(annulled.comment.as_deref(), Some(reason));
    assert!(annulled.actor_name.is_some(), "{annulled:?}");
    assert!(annulled.signed_document_sha256.is_some());
    let outbox = w.outbox().await;
    assert!(
        outbox
            .last()
            .is_some_and(|(_, _, _, subject, _)| subject.contains(&number.to_string())),
        "{outbox:#?}"
    );
    // The place is free again (nobody else is queued to take it).
    let open = FreePlacesQuery {
        region: None,
        open: true,
    };
    assert_eq!(officer.free_places(&open).await.unwrap().len(), 1);
    let revoked = list(DirectionsQuery {
        status: Some(DirectionStatus::Revoked),
        ..DirectionsQuery::default()
    })
    .await;
    assert_eq!(revoked.total, 1);
    assert!(revoked.rows[0].ended_at.is_some() && revoked.rows[0].expires_at.is_none());

    // New places: offered, accepted, enrolled.
    w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group, 1)
        .await
        .unwrap();
    w.act(&aigerim, AIGERIM, number, accept()).await.unwrap();
    let detail = w
        .act(&officer, OFFICER, number, ActionRequest::Enroll)
        .await
        .unwrap();
    assert_eq!(detail.state.status, Status::Enrolled);
    let all = list(DirectionsQuery::default()).await;
    assert_eq!(all.total, 2);
    assert_eq!(
        all.rows[0].status,
        DirectionStatus::Enrolled,
        "newest first"
    );
    assert_eq!(all.rows[1].status, DirectionStatus::Revoked);
    // Paging: one a page, the cursor to the next.
    let first = list(DirectionsQuery {
        per_page: Some(1),
        ..DirectionsQuery::default()
    })
    .await;
    assert_eq!((first.rows.len(), first.total), (1, 2));
    let second = list(DirectionsQuery {
        per_page: Some(1),
        cursor: first.next_cursor.clone(),
        ..DirectionsQuery::default()
    })
    .await;
    assert_eq!(second.rows, vec![all.rows[1].clone()]);
    assert_eq!(second.next_cursor, None);

    // Bad input.
    let bad = [
        (
            DirectionsQuery {
                from: today.succ_opt(),
                to: Some(today),
                ..DirectionsQuery::default()
            },
            ProblemCode::InvalidInput,
        ),
        (
            DirectionsQuery {
                per_page: Some(0),
                ..DirectionsQuery::default()
            },
            ProblemCode::InvalidPaging,
        ),
        (
            DirectionsQuery {
                cursor: Some("-1".to_owned()),
                ..DirectionsQuery::default()
            },
            ProblemCode::InvalidPaging,
        ),
        (
            DirectionsQuery {
                kindergarten: Some("k".repeat(65)),
                ..DirectionsQuery::default()
            },
            ProblemCode::TextTooLong,
        ),
        (
            DirectionsQuery {
                region: Some("almaty".to_owned()),
                ..DirectionsQuery::default()
            },
            ProblemCode::Forbidden,
        ),
    ];
    for (query, want) in bad {
        assert_eq!(
            code(officer.officer_directions(&query).await),
            want,
            "{query:?}"
        );
    }
}

/// An out-of-turn benefit is confirmed in person after the direction (docs/domain-rules.md,
/// «Benefits»): the officer's signed `confirm-out-of-turn` on a direction whose `in_person_by`
/// is set. A parent's token, an officer facing another region's application (the demo keys
/// hold one officer: Дәурен's application is filed in Almaty; it is hidden), an application
/// without a direction, a direction already confirmed and a document naming another application
/// are refused.
#[tokio::test]
async fn an_out_of_turn_benefit_is_confirmed_in_person_after_the_direction() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let aigerim = w.login(AIGERIM).await;
    let dauren = w.login(DAUREN).await;
    let mut aruzhan = application(AIGERIM, ARUZHAN);
    claim_benefit(&aigerim, &mut aruzhan, "military").await;
    let number = w.submit(&aigerim, &aruzhan).await;
    let mut alikhan = application(DAUREN, ALIKHAN);
    alikhan.region = "almaty".to_owned();
    alikhan.settlement = kezek::server::catalogue::Catalogue::bundled()
        .region("almaty")
        .unwrap()
        .districts[0]
        .settlements[0]
        .code
        .clone();
    claim_benefit(&dauren, &mut alikhan, "military").await;
    let elsewhere = w.submit(&dauren, &alikhan).await;
    let review = ActionRequest::ReviewBenefit {
        accept: true,
        reason: String::new(),
        reason_code: None,
    };
    w.act(&officer, OFFICER, number, review).await.unwrap();
    let confirm = || ActionRequest::ConfirmOutOfTurn;

    // No direction yet: nothing to confirm.
    let refused = w.act(&officer, OFFICER, number, confirm()).await;
    assert_eq!(code(refused), ProblemCode::ActionNotAllowed);

    w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group_for_2022(), 1)
        .await
        .unwrap();
    let accept = ActionRequest::AcceptOffer {
        kindergarten: ASTANA_KINDERGARTEN.to_owned(),
    };
    w.act(&aigerim, AIGERIM, number, accept).await.unwrap();
    let listed = officer
        .officer_directions(&DirectionsQuery::default())
        .await
        .unwrap();
    let by = listed.rows[0]
        .in_person_by
        .expect("an out-of-turn direction says by when to confirm in person");
    assert!(by > listed.rows[0].issued_at);

    // The parent's token, another region's application, another application's document.
    let refused = w.act(&aigerim, AIGERIM, number, confirm()).await;
    assert_eq!(code(refused), ProblemCode::Forbidden);
    // Another region's application is hidden, as in the authorization matrix.
    let refused = w.act(&officer, OFFICER, elsewhere, confirm()).await;
    assert_eq!(code(refused), ProblemCode::ApplicationNotFound);
    let document = kezek::api::documents::ActionDocument {
        envelope: kezek::api::documents::Envelope::now(),
        number: elsewhere,
        action: confirm(),
    };
    let id = document.envelope.request_id.clone();
    let xml = sign(
        &w.keystore(OFFICER, "SIGN", "valid"),
        &kezek::api::documents::Document::Action(document).to_xml(),
    );
    let mismatched = officer
        .officer_act(&number, "confirm-out-of-turn", &id, &xml)
        .await;
    assert_eq!(code(mismatched), ProblemCode::WrongDocument);

    // Confirmed: the deadline is gone, the direction stays, the officer's act is in the history.
    let detail = w.act(&officer, OFFICER, number, confirm()).await.unwrap();
    assert_eq!(detail.state.status, Status::DirectionIssued);
    assert_eq!(detail.state.direction.unwrap().in_person_by, None);
    let history = aigerim.history(&number).await.unwrap();
    let confirmed = history
        .iter()
        .find(|h| h.event == EventKind::OutOfTurnConfirmed)
        .expect("the confirmation is in the history");
    assert!(confirmed.actor_name.is_some(), "{confirmed:?}");
    assert!(confirmed.signed_document_sha256.is_some());
    let listed = officer
        .officer_directions(&DirectionsQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.rows[0].in_person_by, None);
    // Once is enough: the direction has no deadline left to confirm.
    let refused = w.act(&officer, OFFICER, number, confirm()).await;
    assert_eq!(code(refused), ProblemCode::RuleViolation);
}
