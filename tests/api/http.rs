//! The HTTP API against a real server on 127.0.0.1:0 with a temporary database and the demo
//! keystores of keystores-example/ (found through its index.json; KEZEK_KEYSTORES overrides the
//! folder): login and its refusals, signed submissions and their refusals, idempotency, bad
//! input, access, concurrency.

use chrono::{Duration, Utc};
use kezek::api::documents::{ActionDocument, ActionRequest, Document, Envelope};
use kezek::api::problem::ProblemCode;
use kezek::domain::Iin;

use crate::common;

use common::*;

#[tokio::test]
async fn health_openapi_and_catalogue() {
    let w = world().await;
    let client = w.client();
    client.healthz().await.unwrap();
    let openapi: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", w.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = openapi["paths"].as_object().unwrap();
    for path in [
        "/api/v1/regions",
        "/api/v1/auth/login",
        "/api/v1/auth/trust-anchors",
        "/api/v1/applications",
        "/api/v1/applications/{number}/actions/{action}",
        "/api/v1/public/queue",
        "/api/v1/officer/applications/{number}/actions/{action}",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    let regions = client.regions().await.unwrap();
    assert!(regions.iter().any(|r| r.code == "astana"));
    assert!(!client.benefits().await.unwrap().is_empty());
    let query = kezek::api::catalogue::KindergartenQuery {
        region: "astana".to_owned(),
        settlement: None,
    };
    assert!(!client.kindergartens(&query).await.unwrap().is_empty());
}

#[tokio::test]
async fn login_and_every_refusal_of_it() {
    let w = world().await;
    let mut client = w.client();
    let auth = w.keystore(AIGERIM, "AUTH", "valid");
    let challenge = client.challenge().await.unwrap();
    let signed = sign(&auth, &challenge.xml);
    let login = client.login(&signed).await.unwrap();
    assert_eq!(login.user.iin.to_string(), AIGERIM);
    assert!(login.contacts_missing);
    // The same nonce twice.
    assert_eq!(
        code(w.client().login(&signed).await),
        ProblemCode::NonceReused
    );
    // A nonce the server never issued, in a document signed properly.
    let challenge = client.challenge().await.unwrap();
    let forged = challenge
        .xml
        .replace(&challenge.nonce, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_ne!(forged, challenge.xml);
    assert_eq!(
        code(w.client().login(&sign(&auth, &forged)).await),
        ProblemCode::NonceUnknown
    );
    // A SIGN key cannot log in.
    let sign_key = w.keystore(AIGERIM, "SIGN", "valid");
    let challenge = client.challenge().await.unwrap();
    assert_eq!(
        code(w.client().login(&sign(&sign_key, &challenge.xml)).await),
        ProblemCode::WrongKeyUsage
    );
    for (status, expected) in [
        ("expired", ProblemCode::CertificateExpired),
        ("forged", ProblemCode::CertificateUntrusted),
    ] {
        let key = w.keystore(AIGERIM, "AUTH", status);
        let challenge = client.challenge().await.unwrap();
        assert_eq!(
            code(w.client().login(&sign(&key, &challenge.xml)).await),
            expected,
            "{status}"
        );
    }
    let revoked = w.keystore("951203463088", "AUTH", "revoked");
    let challenge = client.challenge().await.unwrap();
    assert_eq!(
        code(w.client().login(&sign(&revoked, &challenge.xml)).await),
        ProblemCode::CertificateRevoked
    );
    // An altered document.
    let challenge = client.challenge().await.unwrap();
    let signed = sign(&auth, &challenge.xml).replace(&challenge.nonce, "x");
    assert_eq!(
        code(w.client().login(&signed).await),
        ProblemCode::SignatureInvalid
    );
    // Logout ends the session.
    client.profile().await.unwrap();
    client.logout().await.unwrap();
    assert_eq!(code(client.profile().await), ProblemCode::LoginRequired);
}

#[tokio::test]
async fn submission_idempotency_and_signature_refusals() {
    let w = world().await;
    let client = w.login(AIGERIM).await;
    let sign_key = w.keystore(AIGERIM, "SIGN", "valid");
    let submission = application(AIGERIM, ARUZHAN);
    let xml = sign(&sign_key, &xml_of(&submission));
    let id = &submission.envelope.request_id;
    let first = client.submit_application(id, &xml).await.unwrap();
    assert!(first.number.to_string().starts_with("УО."));
    assert!(first.queue.general >= 1);
    // The registration documents are made with the application and download as PDFs: their
    // content is fixed now, the PDF is rendered at the first download and kept.
    let notice = first
        .documents
        .iter()
        .find(|d| d.kind == kezek::api::applications::DocumentKind::RegistrationNotice)
        .expect("a registration notice");
    assert_eq!(notice.size, None);
    let pdf = client
        .download_document(&first.number, &notice.id)
        .await
        .unwrap();
    assert!(pdf.bytes.starts_with(b"%PDF"));
    assert_eq!(first.documents.len(), 3);
    let listed = client.documents(&first.number).await.unwrap();
    let kept = listed.iter().find(|d| d.id == notice.id).unwrap();
    assert_eq!(kept.size, Some(pdf.bytes.len() as u64));
    let again = client
        .download_document(&first.number, &notice.id)
        .await
        .unwrap();
    assert_eq!(again.bytes, pdf.bytes);
    // The same document again: the first answer, nothing done twice.
    let again = client.submit_application(id, &xml).await.unwrap();
    assert_eq!(again.number, first.number);
    // Another document under the same request id.
    let mut other = application(AIGERIM, &child_iin(2));
    other.envelope.request_id = id.clone();
    let other_xml = sign(&sign_key, &xml_of(&other));
    assert_eq!(
        code(client.submit_application(id, &other_xml).await),
        ProblemCode::IdempotencyConflict
    );
    // The same child again under a new request.
    let twice = application(AIGERIM, ARUZHAN);
    let twice_xml = sign(&sign_key, &xml_of(&twice));
    assert_eq!(
        code(
            client
                .submit_application(&twice.envelope.request_id, &twice_xml)
                .await
        ),
        ProblemCode::ChildAlreadyQueued
    );
    // An AUTH key signing a change.
    let auth = w.keystore(AIGERIM, "AUTH", "valid");
    let doc = application(AIGERIM, &child_iin(3));
    assert_eq!(
        code(
            client
                .submit_application(&doc.envelope.request_id, &sign(&auth, &xml_of(&doc)))
                .await
        ),
        ProblemCode::WrongKeyUsage
    );
    // Someone else's key.
    let nurlan = w.keystore(NURLAN, "SIGN", "valid");
    let doc = application(AIGERIM, &child_iin(4));
    assert_eq!(
        code(
            client
                .submit_application(&doc.envelope.request_id, &sign(&nurlan, &xml_of(&doc)))
                .await
        ),
        ProblemCode::SignerMismatch
    );
    // Signed too long ago.
    let mut stale = application(AIGERIM, &child_iin(5));
    stale.envelope.signed_at = Utc::now() - Duration::minutes(11);
    assert_eq!(
        code(
            client
                .submit_application(
                    &stale.envelope.request_id,
                    &sign(&sign_key, &xml_of(&stale))
                )
                .await
        ),
        ProblemCode::StaleDocument
    );
    // No Idempotency-Key matching the document.
    let doc = application(AIGERIM, &child_iin(6));
    assert_eq!(
        code(
            client
                .submit_application("another-id", &sign(&sign_key, &xml_of(&doc)))
                .await
        ),
        ProblemCode::MissingIdempotencyKey
    );
    // Expired and revoked SIGN keys.
    let expired = w.keystore(AIGERIM, "SIGN", "expired");
    let doc = application(AIGERIM, &child_iin(7));
    assert_eq!(
        code(
            client
                .submit_application(&doc.envelope.request_id, &sign(&expired, &xml_of(&doc)))
                .await
        ),
        ProblemCode::CertificateExpired
    );
    // A DOCTYPE.
    let doc = application(AIGERIM, &child_iin(8));
    let with_dtd = format!(
        "<!DOCTYPE application []>{}",
        sign(&sign_key, &xml_of(&doc))
    );
    assert_eq!(
        code(
            client
                .submit_application(&doc.envelope.request_id, &with_dtd)
                .await
        ),
        ProblemCode::DtdRefused
    );
    // The journal has exactly the one application.
    let page = client.journal(&Default::default()).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].number, first.number);
}

#[tokio::test]
async fn an_attached_scan_is_listed_under_the_name_it_was_uploaded_with() {
    let w = world().await;
    let client = w.login(AIGERIM).await;
    let mut submission = application(AIGERIM, ARUZHAN);
    claim_benefit(&client, &mut submission, "teachers").await;
    let key = w.keystore(AIGERIM, "SIGN", "valid");
    let answer = client
        .submit_application(
            &submission.envelope.request_id,
            &sign(&key, &xml_of(&submission)),
        )
        .await
        .unwrap();
    let number = answer.number;
    let documents = client.documents(&number).await.unwrap();
    // The answer lists what the documents tab reads back: three generated documents, the scan
    // (the renderer may have made a PDF, and so its size known, in between).
    let without_size = |list: &[kezek::api::applications::DocumentInfo]| {
        list.iter()
            .map(|d| (d.id.clone(), d.kind, d.file_name.clone(), d.created_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(without_size(&answer.documents), without_size(&documents));
    assert_eq!(documents.len(), 4);
    // The background renderer makes every PDF soon after the event, without a download.
    let mut waited = 0;
    loop {
        let listed = client.documents(&number).await.unwrap();
        if listed.iter().all(|d| d.size.is_some_and(|size| size > 0)) {
            break;
        }
        waited += 1;
        assert!(waited < 100, "the documents were not rendered: {listed:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let scan = documents
        .iter()
        .find(|d| d.kind == kezek::api::applications::DocumentKind::Attachment)
        .expect("the scan is listed with the application's documents");
    assert_eq!(scan.file_name, "certificate.pdf");
    assert_eq!(scan.size, Some(pdf_scan().len() as u64));
}

#[tokio::test]
async fn actions_history_and_access() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let sign_key = w.keystore(AIGERIM, "SIGN", "valid");
    let child = ARUZHAN;
    let submission = application(AIGERIM, child);
    let result = aigerim
        .submit_application(
            &submission.envelope.request_id,
            &sign(&sign_key, &xml_of(&submission)),
        )
        .await
        .unwrap();
    let number = result.number;
    let detail = aigerim.application(&number).await.unwrap();
    assert!(
        detail
            .allowed_actions
            .iter()
            .any(|a| a.code() == "confirm-interest")
    );
    // Confirm interest, signed.
    let action = Document::Action(ActionDocument {
        envelope: Envelope::now(),
        number,
        action: ActionRequest::ConfirmInterest,
    });
    let Document::Action(ref doc) = action else {
        unreachable!()
    };
    let id = doc.envelope.request_id.clone();
    aigerim
        .act(
            &number,
            "confirm-interest",
            &id,
            &sign(&sign_key, &action.to_xml()),
        )
        .await
        .unwrap();
    let history = aigerim.history(&number).await.unwrap();
    assert!(history.len() >= 2, "{history:?}");
    assert!(history.iter().all(|h| h.signed_document_sha256.is_some()));
    // An unrelated applicant sees nothing; the other parent sees it once bound.
    let dauren = w.login(DAUREN).await;
    assert_eq!(
        code(dauren.application(&number).await),
        ProblemCode::ApplicationNotFound
    );
    let nurlan = w.login(NURLAN).await;
    assert_eq!(
        code(nurlan.application(&number).await),
        ProblemCode::ApplicationNotFound
    );
    nurlan.bind_child(Iin::parse(child).unwrap()).await.unwrap();
    nurlan.application(&number).await.unwrap();
    assert_eq!(nurlan.journal(&Default::default()).await.unwrap().total, 1);
    assert_eq!(
        code(dauren.bind_child(Iin::parse(child).unwrap()).await),
        ProblemCode::KinshipNotConfirmed
    );
    // The officer of the region sees it; anonymous callers do not.
    let officer = w.login(OFFICER).await;
    officer.application(&number).await.unwrap();
    assert_eq!(
        code(w.client().application(&number).await),
        ProblemCode::LoginRequired
    );
    // The operator sees it only while serving a citizen of it.
    let mut operator = w.login(OPERATOR).await;
    assert_eq!(
        code(operator.application(&number).await),
        ProblemCode::ApplicationNotFound
    );
    w.serve(&mut operator, Iin::parse(AIGERIM).unwrap()).await;
    operator.application(&number).await.unwrap();
    // Public search masks names.
    let query = kezek::api::public::PublicQueueQuery {
        number: Some(number.to_string()),
        child_iin: None,
    };
    let found = w.client().public_queue(&query).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(found[0].child_name_masked.contains("***"));
    assert!(!found[0].child_name_masked.contains("Аружан"));
    let stats = w.client().public_stats("astana").await.unwrap();
    assert!(stats.cohorts.iter().any(|c| c.birth_year == 2022));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_get_distinct_numbers_and_one_per_child() {
    // 65 children born in 2022 nobody has queued, their parents served at the operator's desk.
    // One operator files 64 applications at once; the per-person limit is not under test here.
    let w = world_with(|config| {
        config.demo = Some(0);
        config.limits.person_writes_per_minute = 0;
    })
    .await;
    let mut operator = w.login(OPERATOR).await;
    let sign_key = w.keystore(OPERATOR, "SIGN", "valid");
    let families = w.unqueued(&operator, Some(2022), 65).await;
    for family in &families {
        w.serve(&mut operator, family.applicant.iin).await;
    }
    let submission = |family: &kezek::api::demo::UnqueuedChild| {
        let s = for_citizen(
            application_for(&family.applicant, &family.child),
            family.applicant.iin,
        );
        (s.envelope.request_id.clone(), sign(&sign_key, &xml_of(&s)))
    };
    let documents: Vec<(String, String)> = families[..64].iter().map(submission).collect();
    let tasks: Vec<_> = documents
        .into_iter()
        .map(|(id, xml)| {
            let client = operator.clone();
            tokio::spawn(async move { client.submit_application(&id, &xml).await })
        })
        .collect();
    let mut numbers = std::collections::HashSet::new();
    let mut positions = std::collections::HashSet::new();
    for task in tasks {
        let result = task.await.unwrap().unwrap();
        numbers.insert(result.number);
        positions.insert(result.queue.general);
    }
    assert_eq!(numbers.len(), 64);
    // All 64 share the 2022 cohort: positions 1..=64, each once.
    assert_eq!(positions, (1..=64).collect());
    // Two at once for the same child: exactly one application.
    let ((ia, xa), (ib, xb)) = (submission(&families[64]), submission(&families[64]));
    let (ra, rb) = tokio::join!(
        operator.submit_application(&ia, &xa),
        operator.submit_application(&ib, &xb)
    );
    assert_eq!(ra.is_ok() as u8 + rb.is_ok() as u8, 1, "{ra:?} {rb:?}");
}
