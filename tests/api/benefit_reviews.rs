//! Issue 13, the benefit review queue over HTTP against the real server: the officer sees the
//! region's benefits awaiting review with the category and the scans, rejects one with a reason,
//! and the parent reads the reason; the queue is paged.

use crate::common;

use common::*;
use kezek::api::applications::DocumentKind;
use kezek::api::documents::ActionRequest;
use kezek::api::officer::BenefitReviewsQuery;
use kezek::api::problem::ProblemCode;
use kezek::domain::lifecycle::EventKind;
use kezek::domain::{BenefitClass, BenefitReview};

#[tokio::test]
async fn officers_review_benefits_from_the_queue_and_parents_read_the_reason() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let aigerim = w.login(AIGERIM).await;
    let mut submission = application(AIGERIM, ARUZHAN);
    claim_benefit(&aigerim, &mut submission, "teachers").await;
    let number = w.submit(&aigerim, &submission).await;

    let queue = officer
        .officer_benefit_reviews(&BenefitReviewsQuery::default())
        .await
        .unwrap();
    assert_eq!(queue.total, 1);
    let row = &queue.rows[0];
    assert_eq!((row.number, row.category.as_str()), (number, "teachers"));
    assert_eq!(row.benefit_class, BenefitClass::FirstTurn);
    assert_eq!(row.birth_year, 2022);
    assert_eq!(row.scans.len(), 1);
    assert_eq!(row.scans[0].kind, DocumentKind::Attachment);
    // The scan downloads as one of the application's documents.
    let scan = officer
        .download_document(&number, &row.scans[0].id)
        .await
        .unwrap();
    assert_eq!(scan.content_type, "application/pdf");

    let reason = "Справка не заверена: причина из списка; приложите заверенную копию";
    let reject = ActionRequest::ReviewBenefit {
        accept: false,
        reason: reason.to_owned(),
        reason_code: None,
    };
    w.act(&officer, OFFICER, number, reject).await.unwrap();
    let queue = officer
        .officer_benefit_reviews(&BenefitReviewsQuery::default())
        .await
        .unwrap();
    assert_eq!(queue.total, 0);
    let detail = aigerim.application(&number).await.unwrap();
    let review = detail.state.benefit.map(|b| b.review);
    assert_eq!(
        review,
        Some(BenefitReview::Rejected {
            reason: reason.to_owned()
        })
    );
    let history = aigerim.history(&number).await.unwrap();
    let rejected = history
        .iter()
        .find(|h| h.event == EventKind::BenefitRejected)
        .unwrap();
    assert_eq!(rejected.comment.as_deref(), Some(reason));
    assert!(rejected.actor_name.is_some());

    let bad = BenefitReviewsQuery {
        per_page: Some(0),
        ..BenefitReviewsQuery::default()
    };
    assert_eq!(
        code(officer.officer_benefit_reviews(&bad).await),
        ProblemCode::InvalidPaging
    );
    let elsewhere = BenefitReviewsQuery {
        region: Some("almaty".to_owned()),
        ..BenefitReviewsQuery::default()
    };
    assert_eq!(
        code(officer.officer_benefit_reviews(&elsewhere).await),
        ProblemCode::Forbidden
    );
    assert_eq!(
        code(
            aigerim
                .officer_benefit_reviews(&BenefitReviewsQuery::default())
                .await
        ),
        ProblemCode::Forbidden
    );
}
