//! The real server on 127.0.0.1:0 with a temporary database and the demo keystores of
//! keystores-example/ (found through its index.json), shared by the API test files.
#![allow(dead_code)] // each test file uses its own part of the set-up

use std::path::PathBuf;

use kezek::api::documents::{Document, Envelope, Submission};
use kezek::api::problem::ProblemCode;
use kezek::api::profile::Contacts;
use kezek::client::demo::{self, DemoKeystore};
use kezek::client::{Client, ClientError};
use kezek::domain::Iin;
use kezek::domain::wizard::Draft;
use kezek::i18n::Lang;
use kezek::pki::keystore::Keystore;
use kezek::pki::xmldsig;
use kezek::server::config::{Config, demo_keystores};
use kezek::server::{ServerHandle, run};

pub struct World {
    pub server: ServerHandle,
    pub index: Vec<DemoKeystore>,
    _db: tempfile::TempDir,
}

pub const AIGERIM: &str = "900514440216";
pub const NURLAN: &str = "881102335170";
pub const DAUREN: &str = "920721328903";
pub const OPERATOR: &str = "850211417430";
pub const OFFICER: &str = "830930352646";

pub async fn world() -> World {
    let folder: PathBuf = demo_keystores();
    let index = demo::load_index(&folder).expect("keystores-example/index.json");
    let db = tempfile::tempdir().unwrap();
    let mut config = Config::demo(&folder, 0);
    config.demo = None;
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.database = db.path().join("kezek.db").display().to_string();
    let server = run(config).await.expect("server starts");
    World {
        server,
        index,
        _db: db,
    }
}

impl World {
    pub fn keystore(&self, iin: &str, usage: &str, status: &str) -> Keystore {
        let entry = self
            .index
            .iter()
            .find(|k| {
                k.iin == iin && k.usage == usage && k.status == status && k.format == "openssl3"
            })
            .unwrap_or_else(|| panic!("no {usage} {status} keystore of {iin} in the index"));
        Keystore::open_file(entry.path(), &entry.password).unwrap()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.server.url()).unwrap()
    }

    pub async fn login_with(&self, keystore: &Keystore) -> Result<Client, ClientError> {
        let mut client = self.client();
        let challenge = client.challenge().await?;
        let xml = sign(keystore, &challenge.xml);
        let login = client.login(&xml).await?;
        if login.contacts_missing {
            client
                .update_contacts(&Contacts {
                    email: Some("demo@example.kz".to_owned()),
                    phone: Some("+7 701 234 56 78".to_owned()),
                    extra_email: None,
                    extra_phone: None,
                    language: Lang::Ru,
                })
                .await?;
        }
        Ok(client)
    }

    /// How many rows each table holds, read straight from the server's database file.
    pub async fn rows(&self, tables: &[&str]) -> Vec<i64> {
        let url = format!("sqlite://{}", self._db.path().join("kezek.db").display());
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        let mut counts = Vec::with_capacity(tables.len());
        for table in tables {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            counts.push(
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap(),
            );
        }
        counts
    }

    pub async fn login(&self, iin: &str) -> Client {
        self.login_with(&self.keystore(iin, "AUTH", "valid"))
            .await
            .unwrap()
    }
}

pub fn sign(keystore: &Keystore, xml: &str) -> String {
    let entry = keystore.entry(None).unwrap();
    xmldsig::sign(xml, &entry.key, &entry.certificate).unwrap()
}

pub fn code(result: Result<impl std::fmt::Debug, ClientError>) -> ProblemCode {
    match result {
        Err(ClientError::Problem(p)) => p.code,
        other => panic!("expected a problem, got {other:?}"),
    }
}

pub fn application(applicant: &str, child: &str) -> Submission {
    let applicant = Iin::parse(applicant).unwrap();
    let child = Iin::parse(child).unwrap();
    let mut draft = Draft::default();
    draft.applicant.iin = applicant.to_string();
    draft.applicant.birth_date = Some(applicant.birth_date());
    draft.applicant.surname = "Тестова".to_owned();
    draft.applicant.name = "Айгерим".to_owned();
    draft.applicant.email = "demo@example.kz".to_owned();
    draft.applicant.phone = "+77012345678".to_owned();
    draft.child.iin = child.to_string();
    draft.child.birth_date = Some(child.birth_date());
    draft.child.surname = "Тестова".to_owned();
    draft.child.name = "Аружан".to_owned();
    Submission {
        envelope: Envelope::now(),
        region: "astana".to_owned(),
        settlement: "astana-esil".to_owned(),
        draft,
        attachments: Vec::new(),
    }
}

/// A valid child IIN born in 2022 with serial `serial`.
pub fn child_iin(serial: u32) -> String {
    let text = format!("220315{}{:04}", 6, serial);
    let mut first = [0u8; 11];
    for (d, b) in first.iter_mut().zip(text.bytes()) {
        *d = b - b'0';
    }
    match kezek::domain::iin::check_digit(&first) {
        Some(check) => format!("{text}{check}"),
        None => child_iin(serial + 5000),
    }
}

pub fn xml_of(submission: &Submission) -> String {
    Document::Application(Box::new(submission.clone())).to_xml()
}
