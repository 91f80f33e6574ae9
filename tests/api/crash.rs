//! Crash: `kezek serve` as a process, signed submissions in a loop, SIGKILL mid-stream, restart
//! on the same database: every acknowledged application is there with the same number and its
//! history.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use kezek::api::documents::{Document, Envelope, Submission};
use kezek::api::profile::Contacts;
use kezek::client::Client;
use kezek::client::demo;
use kezek::domain::Iin;
use kezek::domain::wizard::Draft;
use kezek::i18n::Lang;
use kezek::pki::keystore::Keystore;
use kezek::pki::xmldsig;
use kezek::server::config::demo_keystores;

const APPLICANT: &str = "920721328903";

pub(crate) fn start(db: &str, config: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kezek"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--config",
            config,
        ])
        .env("KEZEK_LANG", "en")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kezek serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, url)
}

fn sign(keystore: &Keystore, xml: &str) -> String {
    let entry = keystore.entry(None).unwrap();
    xmldsig::sign(xml, &entry.key, &entry.certificate).unwrap()
}

fn child_iin(serial: u32) -> Option<String> {
    let text = format!("210910{}{:04}", 5, serial);
    let mut first = [0u8; 11];
    for (d, b) in first.iter_mut().zip(text.bytes()) {
        *d = b - b'0';
    }
    kezek::domain::iin::check_digit(&first).map(|c| format!("{text}{c}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_applications_survive_sigkill() {
    // Absolute: the configuration's relative paths are read from the configuration's folder.
    let folder = std::path::absolute(demo_keystores()).unwrap();
    let index = demo::load_index(&folder).unwrap();
    let open = |usage: &str| {
        let k = demo::find(&index, APPLICANT, usage, "valid").unwrap();
        Keystore::open_file(k.path(), &k.password).unwrap()
    };
    let (auth, sign_key) = (open("AUTH"), open("SIGN"));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kezek.db").display().to_string();
    let config = dir.path().join("kezek.toml");
    let ca = folder.join("ca");
    std::fs::write(
        &config,
        format!(
            "[trust]\nroots = [{:?}, {:?}]\ncrls = [{:?}]\n",
            ca.join("root.pem"),
            ca.join("nca_rsa.pem"),
            ca.join("nca_rsa.crl")
        ),
    )
    .unwrap();
    let config = config.display().to_string();

    let (mut server, url) = start(&db, &config);
    let mut client = Client::new(&url).unwrap();
    let challenge = client.challenge().await.unwrap();
    let login = client.login(&sign(&auth, &challenge.xml)).await.unwrap();
    if login.contacts_missing {
        client
            .update_contacts(&Contacts {
                email: Some("crash@example.kz".to_owned()),
                phone: None,
                extra_email: None,
                extra_phone: None,
                language: Lang::En,
            })
            .await
            .unwrap();
    }
    let applicant = Iin::parse(APPLICANT).unwrap();
    let documents: Vec<(String, String)> = (0..400)
        .filter_map(child_iin)
        .take(60)
        .map(|child| {
            let child = Iin::parse(&child).unwrap();
            let mut draft = Draft::default();
            draft.applicant.iin = APPLICANT.to_owned();
            draft.applicant.birth_date = Some(applicant.birth_date());
            draft.applicant.surname = "Жұмабаев".to_owned();
            draft.applicant.name = "Дәурен".to_owned();
            draft.applicant.email = "crash@example.kz".to_owned();
            draft.applicant.phone = "+77012345678".to_owned();
            draft.child.iin = child.to_string();
            draft.child.birth_date = Some(child.birth_date());
            let s = Submission {
                envelope: Envelope::now(),
                region: "astana".to_owned(),
                settlement: "astana-esil".to_owned(),
                draft,
                attachments: Vec::new(),
            };
            let id = s.envelope.request_id.clone();
            (
                id,
                sign(&sign_key, &Document::Application(Box::new(s)).to_xml()),
            )
        })
        .collect();
    let mut acknowledged = Vec::new();
    for (i, (id, xml)) in documents.iter().enumerate() {
        if i == 30 {
            // Kill while a submission is in flight.
            let pending = {
                let client = client.clone();
                let (id, xml) = (id.clone(), xml.clone());
                tokio::spawn(async move { client.submit_application(&id, &xml).await })
            };
            server.kill().unwrap();
            server.wait().unwrap();
            if let Ok(Ok(result)) = pending.await {
                acknowledged.push(result.number);
            }
            break;
        }
        acknowledged.push(client.submit_application(id, xml).await.unwrap().number);
    }
    assert!(acknowledged.len() >= 30);

    let (mut server, url) = start(&db, &config);
    let mut client = Client::new(&url).unwrap();
    let challenge = client.challenge().await.unwrap();
    client.login(&sign(&auth, &challenge.xml)).await.unwrap();
    for number in &acknowledged {
        let detail = client.application(number).await.unwrap();
        assert_eq!(&detail.state.number, number);
        assert!(!client.history(number).await.unwrap().is_empty());
    }
    // A retry of an acknowledged submission gets the same number back after the restart.
    let (id, xml) = &documents[0];
    assert_eq!(
        client.submit_application(id, xml).await.unwrap().number,
        acknowledged[0]
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
