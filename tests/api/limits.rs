//! Issue 11 against the real server: slow clients and the connection cap (raw sockets), paging
//! parameters, text limits, uploads (structure, names, quota, clean-up) and a benefit change's
//! scans. Every refusal is problem+json with its own code, and nothing stored is changed by it.
//! Timings are only bounded generously («closed within 20 s» of a one-second timeout); what
//! the limits cost is not measured here.

use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::time::{Duration, Instant};

use kezek::api::documents::{
    ActionDocument, ActionRequest, AttachmentRef, BenefitClaim, Document, Envelope,
};
use kezek::api::problem::ProblemCode;
use kezek::api::profile::Contacts;
use kezek::domain::limits::Text;
use kezek::i18n::Lang;
use kezek::server::store::StoreError;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common;

use common::*;

/// Far beyond the one- or two-second timeouts these tests configure.
const GENEROUS: Duration = Duration::from_secs(20);

async fn connect(w: &World) -> TcpStream {
    TcpStream::connect(w.url().trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server sends until it closes the connection, or `None` if it is still open
/// after `within`.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let read = async {
        let mut all = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return all,
                Ok(n) => all.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok()
}

/// Sends `request` and reads the answer until the server closes the connection: its status
/// and problem+json body.
async fn refused(socket: &mut TcpStream, request: &[u8]) -> (u16, serde_json::Value) {
    socket.write_all(request).await.unwrap();
    let answer = until_closed(socket, GENEROUS)
        .await
        .expect("answered and closed");
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/problem+json"),
        "{head}"
    );
    (status, serde_json::from_str(body).expect("a JSON body"))
}

#[tokio::test]
async fn slow_and_silent_clients_are_cut_off_at_the_header_timeout() {
    let w =
        world_with(|c| c.limits.header_read_timeout_seconds = NonZeroU64::new(1).unwrap()).await;
    let started = Instant::now();
    let mut sockets = Vec::new();
    for i in 0..20 {
        let mut socket = connect(&w).await;
        // Half of them send half a request head, the other half nothing at all.
        if i % 2 == 0 {
            socket
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: kezek\r\nX-Slow: ")
                .await
                .unwrap();
        }
        sockets.push(socket);
    }
    // One more trickles a byte every 200 ms, each well inside the timeout: the timeout is
    // for the whole head, so it is cut off all the same.
    let (mut reader, mut writer) = connect(&w).await.into_split();
    let trickle = tokio::spawn(async move {
        for byte in b"GET /healthz HTTP/1.1\r\nHost: kezek\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        {
            if writer.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    for socket in &mut sockets {
        assert!(
            until_closed(socket, GENEROUS).await.is_some(),
            "a slow connection stayed open"
        );
    }
    let closed = tokio::time::timeout(GENEROUS, async {
        let mut buffer = [0u8; 64];
        while !matches!(reader.read(&mut buffer).await, Ok(0) | Err(_)) {}
    })
    .await;
    assert!(closed.is_ok(), "the trickling connection stayed open");
    trickle.abort();
    assert!(started.elapsed() < GENEROUS);
    // The server itself is fine.
    w.client().healthz().await.unwrap();
}

#[tokio::test]
async fn connections_over_the_cap_are_answered_busy_and_the_server_recovers() {
    let w = world_with(|c| {
        c.limits.max_connections = NonZeroUsize::new(4).unwrap();
        c.limits.header_read_timeout_seconds = NonZeroU64::new(10).unwrap();
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect(&w).await);
    }
    let mut over = connect(&w).await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: kezek\r\n\r\n";
    let (status, problem) = refused(&mut over, request).await;
    assert_eq!(status, 503);
    assert_eq!(problem["code"], "server_busy");
    assert_eq!(problem["message_key"], "api.problem.server_busy");
    // The held connections can still be used.
    held[0]
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: kezek\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = until_closed(&mut held[0], GENEROUS).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    // Once they go, their places come back.
    drop(held);
    let started = Instant::now();
    while w.client().healthz().await.is_err() {
        assert!(started.elapsed() < GENEROUS, "the cap never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_request_whose_body_never_comes_ends_with_request_timeout() {
    let w = world_with(|c| c.limits.request_timeout_seconds = NonZeroU64::new(1).unwrap()).await;
    let mut socket = connect(&w).await;
    let request = b"POST /api/v1/auth/login HTTP/1.1\r\nHost: kezek\r\n\
        Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"signed_xml\": \"";
    let (status, problem) = refused(&mut socket, request).await;
    assert_eq!(status, 408);
    assert_eq!(problem["code"], "request_timeout");
    w.client().healthz().await.unwrap();
}

/// A GET of `path` under /api/v1 with `token`: its status and problem+json body.
async fn get_problem(w: &World, token: &str, path: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1{path}", w.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn paging_parameters_are_bounded_and_never_wrap() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let officer = w.login(OFFICER).await;
    let citizen = aigerim.token().unwrap();
    let cases: [(&str, &str, &str); 12] = [
        (
            citizen,
            "/applications?cursor=18446744073709551615",
            "cursor",
        ),
        (citizen, "/applications?cursor=-1", "cursor"),
        (citizen, "/applications?cursor=abc", "cursor"),
        (citizen, "/applications?cursor=%2B1", "cursor"),
        (citizen, "/applications?per_page=0", "per_page"),
        (citizen, "/applications?per_page=501", "per_page"),
        (citizen, "/applications?per_page=-5", "per_page"),
        (citizen, "/applications?per_page=99999999999999", "per_page"),
        (citizen, "/applications?page=0", "page"),
        (
            citizen,
            "/applications?page=4294967295&per_page=500",
            "page",
        ),
        (officer.token().unwrap(), "/officer/offers?limit=0", "limit"),
        (officer.token().unwrap(), "/officer/offers?limit=x", "limit"),
    ];
    for (token, path, parameter) in cases {
        let (status, problem) = get_problem(&w, token, path).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_paging")),
            "{path}: {problem}"
        );
        assert_eq!(problem["params"]["parameter"], parameter, "{path}");
        assert_eq!(problem["fields"][0]["field"], parameter, "{path}");
    }
    // Within bounds, a page far past the end is empty and has no next page.
    let (status, page) =
        get_problem(&w, citizen, "/applications?cursor=4294967295&per_page=500").await;
    assert_eq!(status, 200);
    assert_eq!(page["rows"], serde_json::json!([]));
    assert_eq!(page["next_cursor"], serde_json::Value::Null);
    let (status, _) = get_problem(&w, officer.token().unwrap(), "/officer/offers?limit=500").await;
    assert_eq!(status, 200);
}

/// The problem of a refused call, with the field it names and that field's `max`.
fn too_long<T: std::fmt::Debug>(result: Result<T, kezek::client::ClientError>) -> (String, String) {
    match result {
        Err(kezek::client::ClientError::Problem(problem)) => {
            assert_eq!(problem.code, ProblemCode::TextTooLong, "{problem:?}");
            assert_eq!(problem.status, 400);
            let field = &problem.fields[0];
            assert_eq!(field.message_key, Text::MESSAGE);
            (field.field.clone(), field.params["max"].clone())
        }
        other => panic!("expected text_too_long, got {other:?}"),
    }
}

const TABLES: [&str; 6] = [
    "applications",
    "events",
    "idempotency",
    "documents",
    "attachments",
    "users",
];

#[tokio::test]
async fn every_text_a_citizen_signs_or_saves_has_its_limit() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let before = w.rows(&TABLES).await;
    let profile = aigerim.profile().await.unwrap();
    // A child name a hundred times too long, signed and sent (the issue's 100 000 characters
    // no longer fit the shape limits of a signed document: `tests/api/hostile_xml.rs`).
    let key = w.keystore(AIGERIM, "SIGN", "valid");
    let mut submission = application(AIGERIM, &child_iin(32));
    submission.draft.child.name = "Аружан".repeat(Text::PersonName.max_chars() * 100 / 6);
    submission.draft.applicant.address.street = "ы".repeat(Text::Place.max_chars() + 1);
    let result = aigerim
        .submit_application(
            &submission.envelope.request_id,
            &sign(&key, &xml_of(&submission)),
        )
        .await;
    match &result {
        Err(kezek::client::ClientError::Problem(problem)) => {
            let fields: Vec<(&str, &str)> = problem
                .fields
                .iter()
                .map(|f| (f.field.as_str(), f.params["max"].as_str()))
                .collect();
            assert_eq!(
                fields,
                vec![("applicant.address.street", "100"), ("child.name", "100")]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(too_long(result).0, "applicant.address.street");
    // A reason, a request id, a ЦОН request number: refused while the document is read.
    let withdraw = ActionRequest::Withdraw {
        reason: "я".repeat(Text::Reason.max_chars() + 1),
    };
    assert_eq!(
        too_long(w.act(&aigerim, AIGERIM, number, withdraw).await),
        ("reason".to_owned(), "500".to_owned())
    );
    let mut envelope = Envelope::now();
    envelope.request_id = "r".repeat(Text::RequestId.max_chars() + 1);
    let id = envelope.request_id.clone();
    let document = Document::Action(ActionDocument {
        envelope,
        number,
        action: ActionRequest::ConfirmInterest,
    });
    let xml = sign(&key, &document.to_xml());
    assert_eq!(
        too_long(aigerim.act(&number, "confirm-interest", &id, &xml).await).0,
        "requestId"
    );
    // Contacts in the profile.
    let contacts = Contacts {
        email: Some(format!("{}@example.kz", "a".repeat(250))),
        phone: Some("+7 701 234 56 78".to_owned()),
        extra_email: None,
        extra_phone: Some(" ".repeat(30) + "87012345678"),
        language: Lang::Kk,
        notify_by: Default::default(),
    };
    let (field, max) = too_long(aigerim.update_contacts(&contacts).await);
    assert_eq!((field.as_str(), max.as_str()), ("email", "254"));
    // A search.
    let (status, problem) = get_problem(
        &w,
        aigerim.token().unwrap(),
        &format!("/applications?text={}", "x".repeat(101)),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("text_too_long"))
    );
    // Nothing of it was kept, and what was stored is as it was.
    assert_eq!(w.rows(&TABLES).await, before);
    assert_eq!(aigerim.profile().await.unwrap(), profile);
    let detail = aigerim.application(&number).await.unwrap();
    assert_eq!(detail.state.status, kezek::domain::Status::InQueue);
}

#[tokio::test]
async fn uploads_are_parsed_named_safely_kept_within_quota_and_swept_when_unused() {
    let w = world_with(|c| c.limits.pending_attachments = NonZeroU32::new(4).unwrap()).await;
    let aigerim = w.login(AIGERIM).await;
    // The type is the structure's, not the first bytes'.
    let mut fake = b"%PDF-1.7\n".to_vec();
    fake.extend(b"<html>not a pdf</html>\n%%EOF\n");
    let mut cut = png_scan();
    cut.truncate(cut.len() - 12);
    for (name, bytes) in [
        ("fake.pdf", fake),
        ("cut.png", cut),
        ("soi.jpg", vec![0xFF, 0xD8, 0xFF, 0xD9]),
    ] {
        assert_eq!(
            code(aigerim.upload_attachment(name, bytes).await),
            ProblemCode::AttachmentType,
            "{name}"
        );
    }
    assert_eq!(w.rows(&["attachments"]).await, vec![0]);
    // Names: the base name only, no bidirectional controls, not too long, never empty.
    let named = |name: &str| {
        let name = name.to_owned();
        let aigerim = &aigerim;
        async move { aigerim.upload_attachment(&name, pdf_scan()).await }
    };
    let traversal = named("../../x.pdf").await.unwrap();
    assert_eq!(traversal.file_name, "x.pdf");
    let bidi = named("../справка\u{202E}fdp.exe.pdf").await.unwrap();
    assert_eq!(bidi.file_name, "справкаfdp.exe.pdf");
    let photo = aigerim
        .upload_attachment("C:\\Users\\Айгерим\\photo.jpeg", jpeg_scan())
        .await
        .unwrap();
    assert_eq!(
        (photo.content_type.as_str(), photo.file_name.as_str()),
        ("image/jpeg", "photo.jpeg")
    );
    let long = named(&format!("{}.pdf", "ж".repeat(300))).await.unwrap();
    assert_eq!(long.file_name.chars().count(), Text::FileName.max_chars());
    assert!(long.file_name.ends_with(".pdf"));
    // A fifth unused scan is over the quota, with the figures in the answer.
    let before = w.rows(&["attachments"]).await;
    match aigerim.upload_attachment("5.pdf", pdf_scan()).await {
        Err(kezek::client::ClientError::Problem(problem)) => {
            assert_eq!(problem.code, ProblemCode::AttachmentQuota);
            assert_eq!(problem.status, 422);
            assert_eq!(problem.params["count"], "4");
            assert_eq!(problem.params["hours"], "24");
            assert!(!problem.translated().contains("%{"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(w.rows(&["attachments"]).await, before);
    // Another person has a quota of their own.
    let dauren = w.login(DAUREN).await;
    dauren
        .upload_attachment("own.pdf", pdf_scan())
        .await
        .unwrap();
    // A scan an application references no longer counts.
    let mut submission = application(AIGERIM, ARUZHAN);
    submission.draft.child.beneficiary = true;
    submission.draft.child.benefit_category = Some("large_families".to_owned());
    submission.attachments = vec![AttachmentRef {
        id: traversal.id.clone(),
        sha256: traversal.sha256.clone(),
    }];
    w.submit(&aigerim, &submission).await;
    let fifth = aigerim
        .upload_attachment("5.pdf", pdf_scan())
        .await
        .unwrap();
    // A day after their upload the unused scans go; the referenced one stays.
    let server = w.state();
    assert_eq!(kezek::server::cleanup::sweep(server).await.unwrap(), 0);
    server.0.clock.advance(chrono::Duration::hours(25));
    assert_eq!(kezek::server::cleanup::sweep(server).await.unwrap(), 5);
    for gone in [&bidi.id, &photo.id, &long.id, &fifth.id] {
        assert!(matches!(
            server.store().attachment(gone).await,
            Err(StoreError::NotFound)
        ));
    }
    server.store().attachment(&traversal.id).await.unwrap();
}

#[tokio::test]
async fn a_benefit_changes_scans_are_linked_and_shown_to_the_officer() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let scan = aigerim
        .upload_attachment("справка-многодетная.pdf", pdf_scan())
        .await
        .unwrap();
    let claim = |scan: &kezek::api::applications::AttachmentUploaded| {
        ActionRequest::ChangeBenefit(Some(BenefitClaim {
            category: "large_families".to_owned(),
            attachments: vec![AttachmentRef {
                id: scan.id.clone(),
                sha256: scan.sha256.clone(),
            }],
        }))
    };
    // Someone else's scan is no one's evidence but its uploader's.
    let dauren = w.login(DAUREN).await;
    let foreign = dauren
        .upload_attachment("чужая.pdf", pdf_scan())
        .await
        .unwrap();
    assert_eq!(
        code(w.act(&aigerim, AIGERIM, number, claim(&foreign)).await),
        ProblemCode::AttachmentUnknown
    );
    w.act(&aigerim, AIGERIM, number, claim(&scan))
        .await
        .unwrap();
    // «Общие документы» lists the scan, for the applicant and the officer of the region.
    let officer = w.login(OFFICER).await;
    for reader in [&aigerim, &officer] {
        let listed = reader.documents(&number).await.unwrap();
        let evidence = listed
            .iter()
            .find(|d| d.id == scan.id)
            .expect("the benefit change's scan is listed");
        assert_eq!(
            evidence.kind,
            kezek::api::applications::DocumentKind::Attachment
        );
        assert_eq!(evidence.file_name, "справка-многодетная.pdf");
        let download = reader.download_document(&number, &scan.id).await.unwrap();
        assert_eq!(download.bytes, pdf_scan());
        assert_eq!(download.content_type, "application/pdf");
    }
    // Linked, it is kept past the clean-up's day.
    let server = w.state();
    server.0.clock.advance(chrono::Duration::hours(25));
    kezek::server::cleanup::sweep(server).await.unwrap();
    server.store().attachment(&scan.id).await.unwrap();
    assert!(server.store().attachment(&foreign.id).await.is_err());
}
