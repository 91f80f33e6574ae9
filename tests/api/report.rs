//! Issue 13, the region report over HTTP against the real server: an officer's own region as
//! JSON, CSV (with a byte order mark) and XLSX, counting the offer, the direction and the
//! enrollment the moment they commit; refused to a parent, an operator, an officer asking for
//! another region and no login; bad months, reversed and huge ranges refused with their fields.
//! The officer's journal filtered by kindergarten, and the benefit rejection reasons.

use crate::common;

use common::*;
use kezek::api::applications::JournalQuery;
use kezek::api::auth::RoleKind;
use kezek::api::documents::ActionRequest;
use kezek::api::problem::{Problem, ProblemCode};
use kezek::api::report::{
    CSV_CONTENT_TYPE, RegionReport, ReportFormat, ReportQuery, XLSX_CONTENT_TYPE,
};
use kezek::domain::Iin;
use kezek::domain::calendar;
use kezek::server::config::RoleAssignment;

/// This month in Kazakhstan, «YYYY-MM».
fn this_month() -> String {
    calendar::local_date(chrono::Utc::now())
        .format("%Y-%m")
        .to_string()
}

fn query(from: &str, to: &str) -> ReportQuery {
    ReportQuery {
        from: from.to_owned(),
        to: to.to_owned(),
        ..ReportQuery::default()
    }
}

/// A raw GET of the report with `accept`, answering the status, content type and body.
async fn raw(
    w: &World,
    client: Option<&kezek::client::Client>,
    params: &str,
    accept: &str,
) -> (u16, String, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .get(format!("{}/api/v1/officer/report?{params}", w.url()))
        .header("Accept", accept);
    if let Some(token) = client.and_then(|c| c.token()) {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn the_officers_report_counts_each_step_and_exports_csv_and_xlsx() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let aigerim = w.login(AIGERIM).await;
    let month = this_month();
    let before = officer.region_report(&query(&month, &month)).await.unwrap();
    assert_eq!(before.region, "astana");
    assert_eq!(before.months.len(), 1);
    assert_eq!(before.months[0].offers_made, 0);
    assert_eq!(before.total.wait_p90_days, None);

    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let queued: u32 = officer
        .region_report(&query(&month, &month))
        .await
        .unwrap()
        .queue
        .iter()
        .map(|c| c.general + c.first_turn + c.out_of_turn)
        .sum();
    assert!(queued >= 1, "the child is in the queue");
    w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group_for_2022(), 1)
        .await
        .unwrap();
    let offered = officer.region_report(&query(&month, &month)).await.unwrap();
    assert_eq!(offered.months[0].offers_made, 1);
    assert_eq!(offered.months[0].directions, 0);
    let accept = ActionRequest::AcceptOffer {
        kindergarten: ASTANA_KINDERGARTEN.to_owned(),
    };
    w.act(&aigerim, AIGERIM, number, accept).await.unwrap();
    w.act(&officer, OFFICER, number, ActionRequest::Enroll)
        .await
        .unwrap();
    // The officer's journal by kindergarten: the one the child was offered a place in.
    let by_kindergarten = |code: &str| JournalQuery {
        kindergarten: Some(code.to_owned()),
        ..JournalQuery::default()
    };
    let journal = officer
        .journal(&by_kindergarten(ASTANA_KINDERGARTEN))
        .await
        .unwrap();
    assert_eq!(journal.total, 1);
    assert_eq!(journal.rows[0].number, number);
    let none = officer
        .journal(&by_kindergarten("astana-none"))
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    // Over the search limit, under the query string's cap (which answers invalid_input).
    let long = officer.journal(&by_kindergarten(&"k".repeat(200))).await;
    assert_eq!(code(long), ProblemCode::TextTooLong);
    let report: RegionReport = officer.region_report(&query(&month, &month)).await.unwrap();
    let row = &report.months[0];
    assert_eq!(
        (
            row.offers_made,
            row.offers_accepted,
            row.directions,
            row.enrollments
        ),
        (1, 1, 1, 1)
    );
    assert_eq!((row.offers_declined, row.offers_expired), (0, 0));
    // Registered and directed within the test: no whole day waited.
    assert_eq!(row.wait_p90_days, Some(0));
    assert!(
        row.wait_average_days
            .is_some_and(|d| (0.0..0.01).contains(&d))
    );
    assert_eq!(report.total.directions, 1);
    assert_eq!(report.total.period, format!("{month}..{month}"));

    // CSV by `format=`, and by `Accept`: a byte order mark, Russian headings with lang=ru.
    let params = format!("from={month}&to={month}&lang=ru");
    for (params, accept) in [
        (format!("{params}&format=csv"), "application/json"),
        (params.clone(), "text/csv"),
    ] {
        let (status, content_type, body) = raw(&w, Some(&officer), &params, accept).await;
        assert_eq!((status, content_type.as_str()), (200, CSV_CONTENT_TYPE));
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with("\u{feff}Месяц,"), "{text}");
        assert!(
            text.contains(&format!("\r\n{month},1,1,0,0,1,1,0.0,0.0\r\n")),
            "{text}"
        );
    }
    let bytes = officer
        .region_report_file(&query(&month, &month), ReportFormat::Csv)
        .await
        .unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let (status, content_type, body) = raw(
        &w,
        Some(&officer),
        &format!("from={month}&to={month}&format=xlsx"),
        "*/*",
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, XLSX_CONTENT_TYPE));
    assert!(body.starts_with(b"PK\x03\x04"));
}

#[tokio::test]
async fn the_report_is_the_officers_own_region_only() {
    let admin = Iin::parse(DAUREN).unwrap();
    let w = world_with(|config| {
        config.roles.push(RoleAssignment {
            iin: Some(admin),
            bin: None,
            role: RoleKind::Admin,
            region: None,
        });
    })
    .await;
    let month = this_month();
    let ok = query(&month, &month);
    let other_region = ReportQuery {
        region: Some("almaty".to_owned()),
        ..ok.clone()
    };
    let officer = w.login(OFFICER).await;
    assert_eq!(
        code(officer.region_report(&other_region).await),
        ProblemCode::Forbidden
    );
    for iin in [AIGERIM, NURLAN, OPERATOR] {
        let client = w.login(iin).await;
        assert_eq!(
            code(client.region_report(&ok).await),
            ProblemCode::Forbidden,
            "{iin}"
        );
    }
    assert_eq!(
        code(w.client().region_report(&ok).await),
        ProblemCode::LoginRequired
    );
    let (status, _, _) = raw(
        &w,
        None,
        &format!("from={month}&to={month}&format=csv"),
        "text/csv",
    )
    .await;
    assert_eq!(status, 401);
    // An admin names any region of the catalogue, and must name one.
    let admin = w.login(DAUREN).await;
    let almaty = admin.region_report(&other_region).await.unwrap();
    assert_eq!(almaty.region, "almaty");
    assert_eq!(
        code(admin.region_report(&ok).await),
        ProblemCode::InvalidInput
    );
    let nowhere = ReportQuery {
        region: Some("atlantis".to_owned()),
        ..ok.clone()
    };
    assert_eq!(
        code(admin.region_report(&nowhere).await),
        ProblemCode::NotFound
    );
}

#[tokio::test]
async fn bad_months_and_ranges_are_refused_with_their_field() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let cases = [
        ("from=2026-13&to=2026-12", "from", "report.problem.month"),
        ("from=2026-01&to=26-12", "to", "report.problem.month"),
        ("from=2026-01-01&to=2026-12", "from", "report.problem.month"),
        ("from=%27%3B--&to=2026-12", "from", "report.problem.month"),
        ("from=&to=2026-12", "from", "report.problem.month"),
        ("from=2026-12&to=2026-01", "to", "report.problem.reversed"),
        ("from=1000-01&to=9999-12", "to", "report.problem.too_long"),
        ("from=2016-01&to=2026-12", "to", "report.problem.too_long"),
        (
            "from=2026-01&to=2026-12&lang=xx",
            "lang",
            "api.problem.invalid_input",
        ),
        ("from=2026-01&to=2026-12&format=pdf", "", ""),
        ("to=2026-12", "", ""),
    ];
    for (params, field, key) in cases {
        let (status, content_type, body) = raw(&w, Some(&officer), params, "*/*").await;
        assert_eq!(status, 400, "{params}");
        assert!(
            content_type.starts_with("application/problem+json"),
            "{params}"
        );
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        if field.is_empty() {
            continue;
        }
        assert_eq!(problem.code, ProblemCode::InvalidInput, "{params}");
        assert_eq!(problem.fields[0].field, field, "{params}");
        assert_eq!(problem.fields[0].message_key, key, "{params}");
    }
    // The longest range allowed is answered, every month of it.
    let longest = officer
        .region_report(&query("2017-01", "2026-12"))
        .await
        .unwrap();
    assert_eq!(longest.months.len(), 120);
}

#[tokio::test]
async fn rejection_reasons_are_listed_to_officers_and_recorded_in_the_applicants_language() {
    let w = world().await;
    let officer = w.login(OFFICER).await;
    let aigerim = w.login(AIGERIM).await;
    let reasons = officer.rejection_reasons().await.unwrap();
    assert!(reasons.len() >= 5);
    assert!(reasons.iter().any(|r| r.comment));
    let expired = reasons.iter().find(|r| r.code == "expired").unwrap();
    assert!(!expired.name.kk.is_empty() && expired.name.kk != expired.name.ru);
    assert_eq!(
        code(aigerim.rejection_reasons().await),
        ProblemCode::Forbidden
    );
    assert_eq!(
        code(w.client().rejection_reasons().await),
        ProblemCode::LoginRequired
    );

    let mut submission = application(AIGERIM, ARUZHAN);
    claim_benefit(&aigerim, &mut submission, "large_families").await;
    let number = w.submit(&aigerim, &submission).await;
    let reject = |code: &str, words: &str| ActionRequest::ReviewBenefit {
        accept: false,
        reason: words.to_owned(),
        reason_code: Some(code.to_owned()),
    };
    for (code_asked, words) in [("no-such-reason", "x"), ("other", "  ")] {
        let refused = w
            .act(&officer, OFFICER, number, reject(code_asked, words))
            .await;
        assert_eq!(code(refused), ProblemCode::InvalidInput, "{code_asked}");
    }
    w.act(&officer, OFFICER, number, reject("expired", "до 2025 года"))
        .await
        .unwrap();
    let history = aigerim.history(&number).await.unwrap();
    let rejected = history
        .iter()
        .find(|h| h.event == kezek::domain::lifecycle::EventKind::BenefitRejected)
        .expect("the rejection is in the history");
    let profile = aigerim.profile().await.unwrap();
    let lang = profile.contacts.language;
    let expected = format!("{}: до 2025 года", expired.name.get(lang));
    assert_eq!(rejected.comment.as_deref(), Some(expected.as_str()));
}
