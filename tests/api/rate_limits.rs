//! Rate limits against the running server: per client address for login attempts and the
//! public search (a forwarding header counts only from a configured trusted proxy, and then
//! only the proxies' own hops), per person after login for reads and writes. A refusal is
//! `rate_limited` (429) with `Retry-After`, and nothing is stored.

use kezek::api::problem::{Problem, ProblemCode};
use kezek::api::public::PublicQueueQuery;
use kezek::server::proxies::ForwardedHeader;
use reqwest::StatusCode;

use crate::common::{AIGERIM, DAUREN, World, application, code, world_with};

const ALIKHAN: &str = "210910511871";

/// A request of the world's API with a forwarding header, as a client or a proxy sends it.
async fn send(
    world: &World,
    method: reqwest::Method,
    path: &str,
    forwarded: Option<(&str, &str)>,
) -> reqwest::Response {
    let mut request =
        reqwest::Client::new().request(method, format!("{}/api/v1{path}", world.url()));
    if let Some((name, value)) = forwarded {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

async fn challenge(world: &World, forwarded: Option<(&str, &str)>) -> StatusCode {
    send(world, reqwest::Method::POST, "/auth/challenge", forwarded)
        .await
        .status()
}

/// The answer is `rate_limited` with a `Retry-After` of whole seconds matching its message.
async fn assert_rate_limited(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let problem: Problem = response.json().await.unwrap();
    assert_eq!(problem.code, ProblemCode::RateLimited);
    assert_eq!(problem.params["retry_after"], retry_after.to_string());
    assert!(problem.translated().contains(&retry_after.to_string()));
}

/// Without trusted proxies a forwarding header is the client's own word: ignored.
#[tokio::test]
async fn spoofed_forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let world = world_with(|config| config.limits.login_attempts_per_minute = 2).await;
    for fake in ["198.51.100.1", "198.51.100.2"] {
        let status = challenge(&world, Some(("x-forwarded-for", fake))).await;
        assert_eq!(status, StatusCode::OK);
    }
    let refused = send(
        &world,
        reqwest::Method::POST,
        "/auth/challenge",
        Some(("forwarded", "for=198.51.100.3")),
    )
    .await;
    assert_rate_limited(refused).await;
}

/// Behind a TLS proxy everyone arrives from its address; each client it names has its own
/// allowance, and what a client writes into the header itself gains it nothing.
#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_allowance() {
    let world = world_with(|config| {
        config.limits.login_attempts_per_minute = 2;
        config.proxies.trusted = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        for _ in 0..2 {
            let status = challenge(&world, Some(("x-forwarded-for", client))).await;
            assert_eq!(status, StatusCode::OK, "{client}");
        }
    }
    // The first client again, pretending to be someone else to the left of the proxy's hop.
    let spoofed = send(
        &world,
        reqwest::Method::POST,
        "/auth/challenge",
        Some(("x-forwarded-for", "192.0.2.99, 203.0.113.1")),
    )
    .await;
    assert_rate_limited(spoofed).await;
    // The proxy's own address (no header) is a client too, with its own allowance.
    assert_eq!(challenge(&world, None).await, StatusCode::OK);
}

/// Only the configured header counts: with `forwarded`, X-Forwarded-For is a client's word.
#[tokio::test]
async fn only_the_header_the_proxies_write_is_read() {
    let world = world_with(|config| {
        config.limits.login_attempts_per_minute = 1;
        config.proxies.trusted = vec!["127.0.0.1".parse().unwrap()];
        config.proxies.header = ForwardedHeader::Forwarded;
    })
    .await;
    let rfc = Some(("forwarded", "for=\"[2001:db8::7]:4711\";proto=https"));
    assert_eq!(challenge(&world, rfc).await, StatusCode::OK);
    assert_eq!(
        challenge(&world, Some(("x-forwarded-for", "203.0.113.1"))).await,
        StatusCode::OK
    );
    // Both of these are the proxy itself, already counted.
    assert_eq!(
        challenge(&world, Some(("x-forwarded-for", "203.0.113.2"))).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_person_is_limited_after_login_wherever_they_come_from() {
    let world = world_with(|config| {
        config.limits.person_reads_per_minute = 3;
        config.limits.person_writes_per_minute = 3;
    })
    .await;
    // The first login gives the e-mail: one write.
    let dauren = world.login(DAUREN).await;
    for _ in 0..3 {
        dauren.profile().await.unwrap();
    }
    assert_eq!(code(dauren.profile().await), ProblemCode::RateLimited);
    // A second session of the same person shares the allowance; another person has theirs.
    let again = world.login(DAUREN).await;
    assert_eq!(code(again.profile().await), ProblemCode::RateLimited);
    world.login(AIGERIM).await.profile().await.unwrap();

    // Writes: two more pass (one application, one scan), the next is refused and stores nothing.
    world.submit(&dauren, &application(DAUREN, ALIKHAN)).await;
    dauren
        .upload_attachment("scan.pdf", crate::common::pdf_scan())
        .await
        .unwrap();
    let before = world
        .rows(&["applications", "attachments", "idempotency"])
        .await;
    let refused = dauren
        .upload_attachment("scan.pdf", crate::common::pdf_scan())
        .await;
    assert_eq!(code(refused), ProblemCode::RateLimited);
    assert_eq!(
        world
            .rows(&["applications", "attachments", "idempotency"])
            .await,
        before
    );
}

#[tokio::test]
async fn the_public_search_is_limited_per_client_address() {
    let world = world_with(|config| {
        config.limits.public_requests_per_minute = 3;
        config.proxies.trusted = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let client = world.client();
    // Walking the numbers one after another, as an enumerator would.
    for sequence in 1..=3 {
        let query = PublicQueueQuery {
            number: Some(format!("УО.2026.{sequence:06}.1")),
            child_iin: None,
        };
        client.public_queue(&query).await.unwrap();
    }
    let path = "/public/queue?child_iin=220315612150";
    assert_rate_limited(send(&world, reqwest::Method::GET, path, None).await).await;
    // The statistics share the allowance.
    assert_eq!(
        code(client.public_stats("astana").await),
        ProblemCode::RateLimited
    );
    // Another client behind the proxy has its own.
    let other = send(
        &world,
        reqwest::Method::GET,
        path,
        Some(("x-forwarded-for", "203.0.113.50")),
    )
    .await;
    assert_eq!(other.status(), StatusCode::OK);
}
