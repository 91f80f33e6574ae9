//! Issue 14, notices that arrive: contacts checked where they are typed, the delivery worker
//! against real servers (SMTP, an SMS provider), retries, the lease, the inbox.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::num::NonZeroU64;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kezek::api::documents::ActionRequest;
use kezek::api::notices::{DeliveryState, Message};
use kezek::api::problem::ProblemCode;
use kezek::api::profile::Contacts;
use kezek::client::ClientError;
use kezek::domain::ApplicationNumber;
use kezek::i18n::Lang;
use kezek::server::config::{Config, demo_keystores};

use crate::common::*;
use crate::messages;

fn contacts(email: &str, phone: &str) -> Contacts {
    Contacts {
        email: Some(email.to_owned()),
        phone: Some(phone.to_owned()),
        extra_email: None,
        extra_phone: None,
        language: Lang::Kk,
        notify_by: Default::default(),
    }
}

/// The fields of an `invalid_input` refusal and their message keys.
fn refused<T: std::fmt::Debug>(result: Result<T, ClientError>) -> Vec<(String, String)> {
    match result {
        Err(ClientError::Problem(problem)) => {
            assert_eq!(problem.code, ProblemCode::InvalidInput, "{problem:?}");
            problem
                .fields
                .iter()
                .map(|f| (f.field.clone(), f.message_key.clone()))
                .collect()
        }
        other => panic!("expected invalid_input, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_contacts_are_refused_in_the_profile_and_nothing_stored_changes() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let before = aigerim.profile().await.unwrap();
    let field = |f: &str, key: &str| (f.to_owned(), key.to_owned());
    for (email, phone, expected) in [
        (
            "aigerim@example.kz",
            "+7 727 234 56 78",
            vec![field("phone", "domain.contact.not_mobile")],
        ),
        (
            "aigerim@@example.kz",
            "+7 701 234 56 78",
            vec![field("email", "domain.wizard.email")],
        ),
        (
            "a..b@example.kz",
            "+1 701 234 56 78",
            vec![
                field("email", "domain.wizard.email"),
                field("phone", "domain.wizard.phone"),
            ],
        ),
        (
            "aigerim@example.kz\r\nBcc: all@example.kz",
            "87012345678",
            vec![field("email", "domain.wizard.email")],
        ),
    ] {
        let answer = aigerim.update_contacts(&contacts(email, phone)).await;
        assert_eq!(refused(answer), expected, "{email} {phone}");
        assert_eq!(aigerim.profile().await.unwrap(), before);
    }
    let mut extra = contacts("aigerim@example.kz", "87012345678");
    extra.extra_email = Some("x@127.0.0.1".to_owned());
    extra.extra_phone = Some("8 (7172) 55-66-77".to_owned());
    assert_eq!(
        refused(aigerim.update_contacts(&extra).await),
        vec![
            field("extra_email", "domain.wizard.email"),
            field("extra_phone", "domain.contact.not_mobile"),
        ]
    );
    // A good one is kept as typed (e-mail) and canonical (phone).
    let saved = aigerim
        .update_contacts(&contacts(" ata@мектеп.қаз ", "8 (777) 000-11-22"))
        .await
        .unwrap();
    assert_eq!(saved.contacts.email.as_deref(), Some("ata@мектеп.қаз"));
    assert_eq!(saved.contacts.phone.as_deref(), Some("+77770001122"));
}

#[tokio::test]
async fn a_landline_in_the_wizard_is_refused_before_anything_is_stored() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let mut submission = application(AIGERIM, ARUZHAN);
    submission.draft.applicant.phone = "+7 (727) 234-56-78".to_owned();
    let before = w.rows(&["applications", "outbox"]).await;
    assert_eq!(
        refused(w.try_submit(&aigerim, &submission).await),
        vec![(
            "applicant.phone".to_owned(),
            "domain.contact.not_mobile".to_owned()
        )]
    );
    assert_eq!(w.rows(&["applications", "outbox"]).await, before);
}

// --- the delivery worker against real servers ---

/// A python3 that has `aiosmtpd` (Debian's is /usr/bin/python3, which a pyenv shim may
/// hide); missing, the caller skips (fails under CI=true).
fn python_with_aiosmtpd() -> Option<&'static str> {
    let found = ["python3", "/usr/bin/python3"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "aiosmtpd is required under CI=true (apt-get install python3-aiosmtpd)"
        );
        eprintln!("SKIPPED: aiosmtpd is not installed (apt-get install python3-aiosmtpd)");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd on 127.0.0.1 (`tests/common/smtp_sink.py`): every message it accepts, as JSON.
struct SmtpSink {
    child: Child,
    folder: tempfile::TempDir,
}

impl SmtpSink {
    fn start(python: &str, port: u16, delay_seconds: f64) -> SmtpSink {
        let folder = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/common/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(folder.path())
            .arg(delay_seconds.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP sink starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        SmtpSink { child, folder }
    }

    /// The messages received so far, in the order they arrived.
    fn messages(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
            .collect()
    }

    /// Waits until at least `n` messages arrived (at most a minute).
    async fn wait_for(&self, n: usize) -> Vec<serde_json::Value> {
        for _ in 0..600 {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{n} messages did not arrive: {:#?}", self.messages());
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Delivery quick enough for a test: a round every 100 ms, retries after a second.
fn quick(config: &mut Config) {
    let n = &mut config.notifications;
    n.poll_ms = NonZeroU64::new(100).unwrap();
    n.retry_base_seconds = NonZeroU64::new(1).unwrap();
    n.retry_max_seconds = NonZeroU64::new(1).unwrap();
    n.lease_seconds = NonZeroU64::new(2).unwrap();
    n.send_timeout_seconds = NonZeroU64::new(5).unwrap();
    n.from = "Kezek <noreply@kezek.example.kz>".to_owned();
    n.reply_to = Some("help@kezek.example.kz".to_owned());
}

/// Waits until every message of `number` is in `state` (at most a minute).
async fn wait_messages(
    client: &kezek::client::Client,
    number: &ApplicationNumber,
    done: impl Fn(&[Message]) -> bool,
) -> Vec<Message> {
    for _ in 0..600 {
        let messages = client.application_messages(number).await.unwrap();
        if done(&messages) {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the messages of {number} did not settle: {:#?}",
        client.application_messages(number).await
    );
}

fn all_sent(messages: &[Message]) -> bool {
    !messages.is_empty() && messages.iter().all(|m| m.state == DeliveryState::Sent)
}

async fn kazakh_applicant(w: &World) -> kezek::client::Client {
    let aigerim = w.login(AIGERIM).await;
    aigerim
        .update_contacts(&contacts("aigerim@example.kz", "+7 701 234 56 78"))
        .await
        .unwrap();
    aigerim
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_offer_and_direction_arrive_by_e_mail_in_kazakh_with_their_numbers() {
    let Some(python) = python_with_aiosmtpd() else {
        return;
    };
    let port = free_port();
    let sink = SmtpSink::start(python, port, 0.0);
    let w = world_with(|c| {
        quick(c);
        c.notifications.smtp = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let aigerim = kazakh_applicant(&w).await;
    let officer = w.login(OFFICER).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group_for_2022(), 1)
        .await
        .unwrap();
    let accept = ActionRequest::AcceptOffer {
        kindergarten: ASTANA_KINDERGARTEN.to_owned(),
    };
    w.act(&aigerim, AIGERIM, number, accept).await.unwrap();
    let mails = sink.wait_for(3).await;
    let sent = wait_messages(&aigerim, &number, |m| m.len() == 3 && all_sent(m)).await;
    let kk = messages::messages("kk");
    let events = ["registered", "offer_made", "direction_issued"];
    let mut ids = HashSet::new();
    for (mail, event) in mails.iter().zip(events) {
        assert_eq!(mail["rcpt_tos"], serde_json::json!(["aigerim@example.kz"]));
        assert_eq!(mail["from"], "Kezek <noreply@kezek.example.kz>");
        assert_eq!(mail["reply_to"], "help@kezek.example.kz");
        let subject = mail["subject"].as_str().unwrap();
        assert!(subject.contains(&number.to_string()), "{subject}");
        assert!(
            subject.contains(&kk[&format!("domain.event.{event}")]),
            "{event}: {subject}"
        );
        let text = mail["text"].as_str().unwrap();
        assert!(
            text.contains(&kk[&format!("notify.hint.{event}")]),
            "{text}"
        );
        let html = mail["html"].as_str().unwrap();
        assert!(html.contains("<html lang=\"kk\">"), "{html}");
        assert!(!html.contains("href") && !html.contains("src="), "{html}");
        assert!(ids.insert(mail["message_id"].as_str().unwrap().to_owned()));
    }
    // The registration names the queue numbers, the offer its kindergarten and deadline, the
    // direction its kindergarten.
    let text = |i: usize| mails[i]["text"].as_str().unwrap().to_owned();
    let number_line = kk["notify.detail.numbers"]
        .replace("%{general}", "1")
        .replace("%{benefit}", "—");
    assert!(text(0).contains(&number_line), "{}", text(0));
    let offered = kk["notify.detail.offer"].replace("%{kindergartens}", "");
    assert!(
        text(1).contains(offered.trim_end_matches('.')),
        "{}",
        text(1)
    );
    assert!(text(1).contains("23:59"));
    let direction = kk["notify.detail.direction"].replace("%{kindergarten}", "");
    assert!(
        text(2).contains(direction.trim_end_matches('.')),
        "{}",
        text(2)
    );
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter()
            .all(|m| m.language == Lang::Kk && m.sent_at.is_some())
    );
    // Nothing more arrives: each went once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_smtp_down_a_message_is_retried_and_delivered_once_when_it_is_back() {
    let Some(python) = python_with_aiosmtpd() else {
        return;
    };
    let port = free_port();
    let w = world_with(|c| {
        quick(c);
        c.notifications.smtp = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let aigerim = kazakh_applicant(&w).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    // Nobody listens: the attempts fail and the message waits, failed, for the next one.
    let failed = wait_messages(&aigerim, &number, |m| {
        m.len() == 1 && m[0].state == DeliveryState::Failed && m[0].attempts >= 2
    })
    .await;
    assert_eq!(
        failed[0].last_error, None,
        "the applicant does not see the error"
    );
    let sink = SmtpSink::start(python, port, 0.0);
    let sent = wait_messages(&aigerim, &number, all_sent).await;
    assert!(sent[0].attempts >= 2);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert!(
        mails[0]["subject"]
            .as_str()
            .unwrap()
            .contains(&number.to_string())
    );
}

/// What the test's SMS provider saw: every request, and the keys it accepted.
#[derive(Default)]
struct Provider {
    requests: u32,
    refused_format: Vec<String>,
    accepted: Vec<(String, String, String)>,
}

/// A tiny HTTP provider on 127.0.0.1: checks the request's format (JSON of the configured
/// template, the token, the key in header and body alike), answers 500 to every third
/// request, and keeps (key, number, text) of those it takes.
async fn sms_provider() -> (String, Arc<Mutex<Provider>>) {
    use axum::http::{HeaderMap, StatusCode};
    let seen = Arc::new(Mutex::new(Provider::default()));
    let state = seen.clone();
    let app = axum::Router::new().route(
        "/send",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let seen = state.clone();
            async move {
                let mut seen = seen.lock().unwrap();
                seen.requests += 1;
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let key = json["idempotency_key"].as_str().unwrap_or_default();
                let to = json["phone"].as_str().unwrap_or_default();
                let text = json["message"].as_str().unwrap_or_default();
                let well_formed = header("content-type") == "application/json"
                    && header("authorization") == "Bearer test-token"
                    && !key.is_empty()
                    && header("idempotency-key") == key
                    && to.len() == 12
                    && to.starts_with("+77")
                    && !text.is_empty()
                    && json["sender"] == "Kezek";
                if !well_formed {
                    seen.refused_format.push(body);
                    return StatusCode::BAD_REQUEST;
                }
                if seen.requests % 3 == 0 {
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                seen.accepted
                    .push((key.to_owned(), to.to_owned(), text.to_owned()));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sms_reaches_the_provider_once_with_its_key_though_it_fails_now_and_then() {
    let (url, seen) = sms_provider().await;
    let w = world_with(|c| {
        quick(c);
        c.notifications.sms_url = Some(url);
        c.notifications.sms_token = Some("test-token".to_owned());
        c.notifications.sms_body =
            r#"{"phone": {to}, "message": {text}, "idempotency_key": {key}, "sender": "Kezek"}"#
                .to_owned();
    })
    .await;
    let aigerim = kazakh_applicant(&w).await;
    let officer = w.login(OFFICER).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    w.publish(&officer, OFFICER, ASTANA_KINDERGARTEN, &group_for_2022(), 1)
        .await
        .unwrap();
    w.act(&aigerim, AIGERIM, number, ActionRequest::DeclineOffer)
        .await
        .unwrap();
    let sent = wait_messages(&aigerim, &number, |m| m.len() == 3 && all_sent(m)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = seen.lock().unwrap();
    assert!(seen.refused_format.is_empty(), "{:#?}", seen.refused_format);
    let keys: HashSet<&str> = seen.accepted.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        keys.len(),
        seen.accepted.len(),
        "a key arrived twice: {:#?}",
        seen.accepted
    );
    assert_eq!(seen.accepted.len(), sent.len());
    assert!(seen.requests > 3, "some requests were answered 500");
    assert!(sent.iter().any(|m| m.attempts > 0), "{sent:#?}");
    for (_, to, text) in &seen.accepted {
        assert_eq!(to, "+77012345678");
        assert!(text.contains(&number.to_string()), "{text}");
        assert!(text.chars().count() <= 70, "one segment: {text}");
    }
}

/// The outbox as the database has it: (Message-ID the e-mail must carry, state).
async fn outbox_rows(db: &str) -> Vec<(String, String)> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{db}"))
        .await
        .unwrap();
    let rows: Vec<(i64, i64, String)> =
        // The desk's one-time codes (kind `one_time_code`) go by SMS only.
        sqlx::query_as("SELECT id, created_us, state FROM outbox WHERE kind = 'notice' ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(id, created, state)| {
            (
                format!("<kezek-{id}-{created}-email@kezek.example.kz>"),
                state,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_batch_loses_nothing_and_resends_at_most_the_mail_in_flight() {
    let Some(python) = python_with_aiosmtpd() else {
        return;
    };
    const FAMILIES: usize = 12;
    let port = free_port();
    // A slow mail server, so that the kill finds the batch half sent.
    let sink = SmtpSink::start(python, port, 0.3);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kezek.db").display().to_string();
    let ca = std::path::absolute(demo_keystores()).unwrap().join("ca");
    let config = dir.path().join("kezek.toml");
    std::fs::write(
        &config,
        format!(
            "demo = 0\n[trust]\nroots = [{:?}, {:?}]\ncrls = [{:?}]\n\
             [[roles]]\nbin = \"160440090000\"\nrole = \"operator\"\n\
             [notifications]\nsmtp = \"smtp://127.0.0.1:{port}\"\n\
             from = \"Kezek <noreply@kezek.example.kz>\"\n\
             poll_ms = 100\nlease_seconds = 2\nretry_base_seconds = 1\nretry_max_seconds = 1\n",
            ca.join("root.pem"),
            ca.join("nca_rsa.pem"),
            ca.join("nca_rsa.crl")
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (mut server, url) = crate::crash::start(&db, &config);
    let w = World::at(&url);
    let mut operator = w.login(OPERATOR).await;
    let sign_key = w.keystore(OPERATOR, "SIGN", "valid");
    for family in w.unqueued(&operator, None, FAMILIES).await {
        // The operator files for a citizen served at the desk.
        w.serve(&mut operator, family.applicant.iin).await;
        let s = for_citizen(
            application_for(&family.applicant, &family.child),
            family.applicant.iin,
        );
        operator
            .submit_application(&s.envelope.request_id, &sign(&sign_key, &xml_of(&s)))
            .await
            .unwrap();
    }
    sink.wait_for(3).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let at_kill = sink.messages().len();
    assert!(at_kill < FAMILIES, "the kill came after the batch");

    let (mut server, _) = crate::crash::start(&db, &config);
    let mut rows = outbox_rows(&db).await;
    for _ in 0..600 {
        if rows.iter().all(|(_, state)| state == "sent") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        rows = outbox_rows(&db).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(rows.len(), FAMILIES);
    assert!(rows.iter().all(|(_, state)| state == "sent"), "{rows:#?}");
    // Every message arrived; only the one in flight at the kill may have arrived twice, with
    // the same Message-ID (docs/design-notices.md, «Crash semantics»).
    let mut arrived: BTreeMap<String, usize> = BTreeMap::new();
    for mail in sink.messages() {
        *arrived
            .entry(mail["message_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let expected: BTreeSet<String> = rows.into_iter().map(|(id, _)| id).collect();
    assert_eq!(arrived.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let twice: usize = arrived.values().map(|n| n - 1).sum();
    assert!(twice <= 1, "{arrived:#?}");
}

// --- the endpoints: inbox, an application's messages, the officers' dead messages ---

#[tokio::test]
async fn the_inbox_is_the_users_own_and_the_dead_list_the_officers_region() {
    use kezek::api::notices::{DeadQuery, InboxQuery};
    // One attempt, and a provider nobody listens on: every SMS dies at once.
    let w = world_with(|c| {
        quick(c);
        c.notifications.max_attempts = std::num::NonZeroU32::new(1).unwrap();
        c.notifications.sms_url = Some(format!("http://127.0.0.1:{}/sms", free_port()));
    })
    .await;
    let aigerim = kazakh_applicant(&w).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let dead = wait_messages(&aigerim, &number, |m| {
        m.len() == 1 && m[0].state == DeliveryState::Dead
    })
    .await;
    // The applicant sees the state, not the addresses or the error.
    assert_eq!(
        (dead[0].to_phone.as_ref(), dead[0].last_error.as_ref()),
        (None, None)
    );
    let inbox = aigerim.inbox(&InboxQuery::default()).await.unwrap();
    assert_eq!(inbox.unread, 1);
    assert_eq!(inbox.messages[0].id, dead[0].id);
    assert_eq!(inbox.messages[0].number, Some(number));
    // Another user has an empty inbox, cannot mark the message read nor see the application.
    let dauren = w.login(DAUREN).await;
    let theirs = dauren.inbox(&InboxQuery::default()).await.unwrap();
    assert!(theirs.messages.is_empty() && theirs.unread == 0);
    assert_eq!(
        code(dauren.mark_read(dead[0].id).await),
        ProblemCode::NotFound
    );
    assert_eq!(
        code(dauren.application_messages(&number).await),
        ProblemCode::ApplicationNotFound
    );
    assert_eq!(
        code(aigerim.mark_read(i64::MAX).await),
        ProblemCode::NotFound
    );
    for bad in ["-1", "x", "1e3", "%00", &"9".repeat(40)] {
        let (status, problem) = post_problem(&w, aigerim.token().unwrap(), bad).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (404, Some("not_found")),
            "{bad}"
        );
    }
    for limit in [0, 501] {
        let query = InboxQuery { limit: Some(limit) };
        assert_eq!(
            code(aigerim.inbox(&query).await),
            ProblemCode::InvalidPaging
        );
    }
    // Opening marks it read, once.
    aigerim.mark_read(dead[0].id).await.unwrap();
    aigerim.mark_read(dead[0].id).await.unwrap();
    let inbox = aigerim.inbox(&InboxQuery::default()).await.unwrap();
    assert_eq!(inbox.unread, 0);
    assert!(inbox.messages[0].read_at.is_some());
    // Officers of the region see it dead, with where it was to go and why.
    let officer = w.login(OFFICER).await;
    let listed = officer.dead_messages(&DeadQuery::default()).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0].to_phone.as_deref(), Some("+77012345678"));
    assert!(listed[0].last_error.is_some());
    let elsewhere = DeadQuery {
        region: Some("almaty".to_owned()),
        limit: None,
    };
    assert_eq!(
        code(officer.dead_messages(&elsewhere).await),
        ProblemCode::Forbidden
    );
    // An applicant or an operator is not an officer.
    assert_eq!(
        code(aigerim.dead_messages(&DeadQuery::default()).await),
        ProblemCode::Forbidden
    );
    let operator = w.login(OPERATOR).await;
    assert_eq!(
        code(operator.dead_messages(&DeadQuery::default()).await),
        ProblemCode::Forbidden
    );
    // The officer reads the application's messages with their addresses.
    let of_application = officer.application_messages(&number).await.unwrap();
    assert_eq!(of_application[0].to_phone.as_deref(), Some("+77012345678"));
}

async fn post_problem(w: &World, token: &str, id: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/inbox/{id}/read", w.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

// --- the contact preference (issue 14) ---

#[tokio::test]
async fn the_contact_preference_is_checked_kept_and_honoured_by_the_next_message() {
    use kezek::domain::ContactPreference;
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    assert_eq!(
        aigerim.profile().await.unwrap().contacts.notify_by,
        ContactPreference::Both,
        "everyone has both until they choose"
    );
    // SMS alone needs a phone; nothing stored changes on a refusal.
    let before = aigerim.profile().await.unwrap();
    let mut sms_only = contacts("aigerim@example.kz", "+7 701 234 56 78");
    sms_only.phone = None;
    sms_only.notify_by = ContactPreference::Sms;
    assert_eq!(
        refused(aigerim.update_contacts(&sms_only).await),
        vec![(
            "notify_by".to_owned(),
            "domain.contact.sms_without_phone".to_owned()
        )]
    );
    assert_eq!(aigerim.profile().await.unwrap(), before);
    let mut sms = contacts("aigerim@example.kz", "+7 701 234 56 78");
    sms.notify_by = ContactPreference::Sms;
    let saved = aigerim.update_contacts(&sms).await.unwrap();
    assert_eq!(saved.contacts.notify_by, ContactPreference::Sms);
    assert_eq!(
        aigerim.profile().await.unwrap().contacts.notify_by,
        ContactPreference::Sms
    );
    // The registration's message goes by SMS only: no e-mail address on it.
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let rows = w.outbox().await;
    let (_, email, phone, _, _) = rows.last().expect("the registration's message");
    assert_eq!(email, &None);
    assert_eq!(phone.as_deref(), Some("+77012345678"));
    // Back to e-mail only: the next message has no phone.
    let mut by_email = sms.clone();
    by_email.notify_by = ContactPreference::Email;
    aigerim.update_contacts(&by_email).await.unwrap();
    let before = rows.len();
    let withdraw = ActionRequest::Withdraw {
        reason: "Переезд в Шымкент".to_owned(),
    };
    w.act(&aigerim, AIGERIM, number, withdraw).await.unwrap();
    let rows = w.outbox().await;
    assert_eq!(rows.len(), before + 1, "the withdrawal's message");
    let (_, email, phone, subject, body) = rows.last().unwrap();
    assert!(subject.contains(&number.to_string()), "{subject}");
    // The removal says why, in the applicant's own words.
    assert!(body.contains("Переезд в Шымкент"), "{body}");
    assert_eq!(email.as_deref(), Some("aigerim@example.kz"));
    assert_eq!(phone, &None);
}

#[tokio::test]
async fn a_preference_that_is_not_one_of_the_three_is_refused() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let token = aigerim.token().expect("logged in").to_owned();
    let answer = reqwest::Client::new()
        .put(format!("{}/api/v1/profile", w.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "email": "aigerim@example.kz",
            "phone": "+77012345678",
            "language": "kk",
            "notify_by": "fax",
        }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_client_error(), "{}", answer.status());
    assert_eq!(
        aigerim.profile().await.unwrap().contacts.notify_by,
        kezek::domain::ContactPreference::Both
    );
}
