//! The download of a generated document rendered on demand (issue 15, docs/design-docs.md
//! «Generated documents»): a real `kezek` server on a fresh SQLite database, Айгерим's
//! application with its three registration documents (in Russian), Айгерим logged in with her
//! AUTH key. Each document is downloaded one request at a time, over HTTP, from a server whose
//! cache is off (every download renders the PDF again and checks it against the first
//! rendering's fingerprint) and from one with the default cache; the p50, p90 and p99 of each are
//! printed, and, with `wrk` installed, requests/s of 2 threads and 16 connections on the
//! uncached registration notice.
//!
//! Run: `cargo bench --bench documents` (`DOCUMENTS_REQUESTS`, default 300 per server;
//! `DOCUMENTS_WRK`, default 10s).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use kezek::client::Client;
use kezek::client::demo;
use kezek::domain::{Actor, ApplicationNumber, Cohort, Iin, RegionSettings};
use kezek::i18n::Lang;
use kezek::pki::keystore::Keystore;
use kezek::pki::xmldsig;
use kezek::server::catalogue::Catalogue;
use kezek::server::config::Config;
use kezek::server::documents::{self, Applicant, DocumentData, DocumentKind, DocumentSources};
use kezek::server::registry::DemoRegistry;
use kezek::server::store::{Effects, NewApplication, NewDocument, NewEvent};

const AIGERIM: &str = "900514440216";
const ARUZHAN: &str = "220315612150";

fn keystores() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("keystores-example")
}

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim_end_matches('s').parse().ok())
        .unwrap_or(default)
}

/// Айгерим's application for Аружан, registered straight through the server's store with the
/// registration documents the submission handler would make.
async fn register(server: &kezek::server::ServerHandle) -> ApplicationNumber {
    let registry = DemoRegistry::key_holders().expect("the demo registry");
    let person = |iin: &str| {
        registry
            .people()
            .find(|p| p.iin.to_string() == iin)
            .expect("a demo key holder")
            .clone()
    };
    let (child, parent) = (person(ARUZHAN), person(AIGERIM));
    let applicant = Applicant {
        person: parent.clone(),
        phone: Some("+7 701 234 56 78".into()),
        email: Some("aigerim.serikova.demo@example.com".into()),
        address: None,
    };
    let now = Utc::now();
    let new = NewApplication {
        cohort: Cohort {
            region: "astana".into(),
            birth_year: 2022,
        },
        benefit: None,
        child_iin: child.iin,
        child_name: child.full_name(),
        applicant_iin: parent.iin,
        applicant_name: parent.full_name(),
        service_centre: None,
        attachments: Vec::new(),
        details: serde_json::json!({"email": applicant.email}),
        now,
        settings: RegionSettings::default(),
        event: NewEvent {
            actor: Actor::Applicant {
                iin: Iin::parse(AIGERIM).expect("an IIN"),
            },
            comment: String::new(),
            signed_xml: Some("<application/>".into()),
        },
        request: None,
    };
    let recorded = server
        .state
        .store()
        .submit(
            new,
            Box::new(move |recorded| {
                let application = &recorded.application;
                let sources = DocumentSources {
                    state: &application.state,
                    child: &child,
                    applicant: &applicant,
                    position: application.position,
                    attachments: &[],
                    group: None,
                    issued_at: application.state.registered_at,
                };
                let data = DocumentData::resolve(sources, Catalogue::bundled())?;
                let content = documents::stored_content(&data)?;
                Ok(Effects {
                    documents: DocumentKind::AT_REGISTRATION
                        .iter()
                        .map(|kind| NewDocument {
                            kind: kind.code().to_owned(),
                            language: Lang::Ru,
                            content: content.clone(),
                        })
                        .collect(),
                    ..Effects::default()
                })
            }),
        )
        .await
        .expect("the application is registered");
    recorded.application.state.number
}

async fn login(url: &str) -> Client {
    let index = demo::load_index(&keystores()).expect("keystores-example/index.json");
    let entry = demo::find(&index, AIGERIM, "AUTH", "valid").expect("Айгерим's AUTH key");
    let keystore =
        Keystore::open_file(entry.path(), &entry.password).expect("Айгерим's keystore opens");
    let key = keystore.entry(None).expect("one key");
    let mut client = Client::new(url).expect("a client");
    let challenge = client.challenge().await.expect("a login challenge");
    let signed = xmldsig::sign(&challenge.xml, &key.key, &key.certificate).expect("signed");
    client.login(&signed).await.expect("Айгерим logs in");
    client
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

/// Starts a server with a document cache of `cache_bytes`, downloads each document `requests`
/// times one after another and prints the latencies; the server, the client, the number and
/// the documents' ids.
async fn measure(
    name: &str,
    cache_bytes: u64,
    requests: u64,
    folder: &std::path::Path,
) -> (
    kezek::server::ServerHandle,
    Client,
    ApplicationNumber,
    Vec<String>,
) {
    let mut config = Config::demo(&keystores(), 0);
    config.demo = None;
    config.listen = "127.0.0.1:0".parse().expect("an address");
    config.database = folder.join(format!("{name}.db")).display().to_string();
    config.documents.cache_bytes = cache_bytes;
    config.limits.person_reads_per_minute = 0;
    let server = kezek::server::run(config).await.expect("the server starts");
    let number = register(&server).await;
    let client = login(&server.url()).await;
    let listed = client.documents(&number).await.expect("the documents");
    let ids: Vec<String> = listed.iter().map(|d| d.id.clone()).collect();
    let first = client
        .download_document(&number, &ids[0])
        .await
        .expect("a download");
    let mut took = Vec::with_capacity(requests as usize);
    for i in 0..requests {
        let id = &ids[i as usize % ids.len()];
        let started = Instant::now();
        let pdf = client
            .download_document(&number, id)
            .await
            .expect("a download");
        took.push(started.elapsed());
        assert!(pdf.bytes.starts_with(b"%PDF"));
        if id == &ids[0] {
            assert_eq!(pdf.bytes, first.bytes, "the same document every time");
        }
    }
    took.sort();
    println!(
        "{name:<28} {requests} downloads one at a time: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms \
         ({} bytes the first)",
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.9).as_secs_f64() * 1e3,
        percentile(&took, 0.99).as_secs_f64() * 1e3,
        first.bytes.len()
    );
    (server, client, number, ids)
}

#[tokio::main]
async fn main() {
    let requests = setting("DOCUMENTS_REQUESTS", 300);
    let duration = setting("DOCUMENTS_WRK", 10);
    let folder = tempfile::tempdir().expect("a folder");
    let (cached, _, _, _) = measure("cached (64 MiB)", 64 << 20, requests, folder.path()).await;
    cached.shutdown().await;
    let (server, client, number, ids) =
        measure("uncached (rendered each time)", 0, requests, folder.path()).await;
    let mut url = reqwest::Url::parse(&server.url()).expect("the server's URL");
    url.path_segments_mut().expect("a base URL").extend([
        "api",
        "v1",
        "applications",
        &number.to_string(),
        "documents",
        &ids[0],
    ]);
    let token = client.token().expect("a session").to_owned();
    match Command::new("wrk")
        .args(["-t2", "-c16", &format!("-d{duration}s"), "--latency"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg(url.as_str())
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                !text.contains("Non-2xx"),
                "some answers were not 200:\n{text}"
            );
            let line = |prefix: &str| {
                text.lines()
                    .map(str::trim)
                    .find(|l| l.starts_with(prefix))
                    .unwrap_or("?")
                    .to_owned()
            };
            println!(
                "uncached, wrk -t2 -c16 -d{duration}s: {}; p50 {}; p99 {}",
                line("Requests/sec"),
                line("50%"),
                line("99%")
            );
        }
        Err(_) => println!("wrk is not installed: no concurrent figure"),
    }
    server.shutdown().await;
}
