//! Hostile XML against the real server (issue 11): a namespace bomb at the login, which needs
//! no session, is refused for its shape; signature checks run on blocking threads behind a
//! bounded number of permits, so `/healthz` answers while they are all taken and a request
//! that waits too long is told to come back (503, `Retry-After`); a comment inside a signed
//! reason is refused and nothing changes.

use crate::common;

use std::time::Duration;

use common::*;
use kezek::api::documents::{ActionDocument, ActionRequest, Document, Envelope};
use kezek::api::problem::ProblemCode;

/// Issue 11's bomb as a login body: 4 000 declarations on the root, 500 children declaring one
/// more each (about 80 KB).
fn namespace_bomb() -> serde_json::Value {
    let root: String = (0..4000)
        .map(|i| format!(" xmlns:p{i}=\"urn:b:{i}\""))
        .collect();
    let children: String = (0..500)
        .map(|i| format!("<c xmlns:q{i}=\"urn:c:{i}\"/>"))
        .collect();
    let xml = format!("<login xmlns=\"urn:kezek:v1\"{root}>{children}</login>");
    serde_json::json!({ "signed_xml": xml })
}

/// A plain HTTP client, for bodies the typed client would never send.
fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn post_login(url: &str, body: &serde_json::Value) -> reqwest::Response {
    http()
        .post(format!("{url}/api/v1/auth/login"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn problem(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_namespace_bomb_at_the_login_is_refused_for_its_shape() {
    let w = world().await;
    let (status, body) = problem(post_login(w.url(), &namespace_bomb()).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("xml_too_complex"))
    );
    assert_eq!(body["params"]["limit"], "max_namespaces_per_element");
    assert_eq!(body["params"]["value"], "16");
}

#[tokio::test]
async fn healthz_answers_while_every_signature_check_is_taken() {
    let w = world_with(|config| config.signatures.queue_wait_ms = 60_000).await;
    let permits = w.state().0.signatures.permits.clone();
    let all = permits.available_permits() as u32;
    let held = permits.acquire_many_owned(all).await.unwrap();
    let bomb = namespace_bomb();
    let pending: Vec<_> = (0..4)
        .map(|_| {
            let (url, body) = (w.url().to_owned(), bomb.clone());
            tokio::spawn(async move { problem(post_login(&url, &body).await).await })
        })
        .collect();
    // Let the requests reach the server and queue for a permit.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let health = http()
        .get(format!("{}/healthz", w.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    assert!(
        pending.iter().all(|p| !p.is_finished()),
        "the hostile requests were answered while no check could run"
    );
    drop(held);
    for request in pending {
        let (status, body) = request.await.unwrap();
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("xml_too_complex"))
        );
    }
}

#[tokio::test]
async fn a_request_that_waits_too_long_for_a_check_is_told_to_retry() {
    let w = world_with(|config| config.signatures.queue_wait_ms = 50).await;
    let permits = w.state().0.signatures.permits.clone();
    let all = permits.available_permits() as u32;
    let held = permits.acquire_many_owned(all).await.unwrap();
    let response = post_login(w.url(), &namespace_bomb()).await;
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let (status, body) = problem(response).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("server_busy")));
    drop(held);
    let (status, body) = problem(post_login(w.url(), &namespace_bomb()).await).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("xml_too_complex"))
    );
}

/// `<reason>переезд<!-- --> в другой город</reason>` keeps the signature valid (C14N without
/// comments), yet a reader taking the element's first text would record «переезд».
#[tokio::test]
async fn comments_inside_a_signed_document_are_refused_and_nothing_changes() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let history = aigerim.history(&number).await.unwrap();
    let before = w.rows(&["events", "idempotency", "queue_changes"]).await;
    let key = w.keystore(AIGERIM, "SIGN", "valid");
    for (inside, element) in [
        ("переезд<!-- --> в другой город", "reason"),
        ("переезд<?kezek ignore?> в другой город", "reason"),
    ] {
        let document = ActionDocument {
            envelope: Envelope::now(),
            number,
            action: ActionRequest::Withdraw {
                reason: "переезд в другой город".to_owned(),
            },
        };
        let id = document.envelope.request_id.clone();
        let xml = Document::Action(document)
            .to_xml()
            .replace("переезд в другой город", inside);
        let result = aigerim
            .act(&number, "withdraw", &id, &sign(&key, &xml))
            .await;
        let Err(kezek::client::ClientError::Problem(problem)) = result else {
            panic!("{inside}: {result:?}");
        };
        assert_eq!(problem.code, ProblemCode::XmlCommentRefused, "{inside}");
        assert_eq!(problem.params["element"], element);
        assert!(problem.translated().contains(element));
    }
    assert_eq!(
        w.rows(&["events", "idempotency", "queue_changes"]).await,
        before
    );
    assert_eq!(aigerim.history(&number).await.unwrap(), history);
}
