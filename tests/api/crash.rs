//! Crash: `kezek serve` as a process, signed submissions in a loop, SIGKILL mid-stream, restart
//! on the same database: every acknowledged application is there with the same number and its
//! history.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use kezek::client::Client;
use kezek::server::config::demo_keystores;

use crate::common::*;

/// A `kezek serve` process that is killed when dropped, so that a failing test leaves no server
/// behind.
pub(crate) struct Server(Child);

impl std::ops::Deref for Server {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Server {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Already dead (the test killed it) or not: both are fine here.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start(db: &str, config: &str) -> (Server, String) {
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
    (Server(child), url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_applications_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kezek.db").display().to_string();
    // Absolute: the configuration's relative paths are read from the configuration's folder.
    // The demo registry without seeded applications, and the demo operator's organisation; the
    // operator serves each citizen (start and code, two writes) before filing, which the
    // per-person write limit is not under test to count.
    let ca = std::path::absolute(demo_keystores()).unwrap().join("ca");
    let config = dir.path().join("kezek.toml");
    std::fs::write(
        &config,
        format!(
            "demo = 0\n[trust]\nroots = [{:?}, {:?}]\ncrls = [{:?}]\n\
             [limits]\nperson_writes_per_minute = 0\n\
             [[roles]]\nbin = \"160440090000\"\nrole = \"operator\"\n",
            ca.join("root.pem"),
            ca.join("nca_rsa.pem"),
            ca.join("nca_rsa.crl")
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let (mut server, url) = start(&db, &config);
    // The operator queues children of the demo registry for their parents at the desk.
    let w = World::at(&url);
    let mut operator = w.login(OPERATOR).await;
    let sign_key = w.keystore(OPERATOR, "SIGN", "valid");
    let documents: Vec<(String, String, kezek::domain::Iin)> = w
        .unqueued(&operator, None, 60)
        .await
        .iter()
        .map(|family| {
            let s = for_citizen(
                application_for(&family.applicant, &family.child),
                family.applicant.iin,
            );
            let id = s.envelope.request_id.clone();
            (id, sign(&sign_key, &xml_of(&s)), family.applicant.iin)
        })
        .collect();
    let mut acknowledged = Vec::new();
    for (i, (id, xml, citizen)) in documents.iter().enumerate() {
        w.serve(&mut operator, *citizen).await;
        if i == 30 {
            // Kill while a submission is in flight.
            let pending = {
                let client = operator.clone();
                let (id, xml) = (id.clone(), xml.clone());
                tokio::spawn(async move { client.submit_application(&id, &xml).await })
            };
            server.kill().unwrap();
            server.wait().unwrap();
            if let Ok(Ok(result)) = pending.await {
                acknowledged.push((result.number, *citizen));
            }
            break;
        }
        let number = operator.submit_application(id, xml).await.unwrap().number;
        acknowledged.push((number, *citizen));
    }
    assert!(acknowledged.len() >= 30);

    let (mut server, url) = start(&db, &config);
    let w = World::at(&url);
    let mut client: Client = w.login(OPERATOR).await;
    for (number, citizen) in &acknowledged {
        client.set_citizen(Some(*citizen));
        let detail = client.application(number).await.unwrap();
        assert_eq!(&detail.state.number, number);
        assert!(!client.history(number).await.unwrap().is_empty());
    }
    // A retry of an acknowledged submission gets the same number back after the restart.
    let (id, xml, _) = &documents[0];
    assert_eq!(
        client.submit_application(id, xml).await.unwrap().number,
        acknowledged[0].0
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
