//! `GET /api/v1/auth/trust-anchors`: the authorities the server trusts, published so that the
//! client checks a key's chain before login and warns about a key the server will refuse.

use kezek::pki::trust::{TrustError, TrustStore};

use crate::common::{AIGERIM, DAUREN, world};

#[tokio::test]
async fn the_anchors_accept_a_real_key_and_refuse_the_forged_one() {
    let w = world().await;
    let anchors = w.client().trust_anchors().await.unwrap();
    assert!(!anchors.is_empty());
    assert!(anchors.iter().all(|c| c.authority().ca), "only authorities");
    let store = TrustStore::new(anchors);
    let now = chrono::Utc::now();
    let real = w.keystore(AIGERIM, "AUTH", "valid");
    store.check(&real.entries[0].certificate, now).unwrap();
    let forged = w.keystore(AIGERIM, "AUTH", "forged");
    let refused = store.check(&forged.entries[0].certificate, now);
    assert!(
        matches!(refused, Err(TrustError::Untrusted { .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn the_anchors_are_public_and_the_same_for_everyone() {
    let w = world().await;
    let url = format!("{}/api/v1/auth/trust-anchors", w.url());
    // Our client installs the TLS crypto provider that a bare reqwest client needs.
    let _ = w.client();
    let http = reqwest::Client::new();
    let plain: serde_json::Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    // Another user's token, a forged token and junk in the query change nothing.
    let dauren = w.login(DAUREN).await;
    let token = dauren.token().unwrap().to_owned();
    for request in [
        http.get(&url).bearer_auth(&token),
        http.get(&url).bearer_auth("forged-token"),
        http.get(format!("{url}?certificates=../../etc/passwd&x=%00")),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body, plain);
    }
    // Nothing to write here.
    let post = http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(post.status(), 405);
    let problem: serde_json::Value = post.json().await.unwrap();
    assert_eq!(problem["code"], "method_not_allowed");
}
