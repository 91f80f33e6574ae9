//! The real server on 127.0.0.1:0 with a temporary database and the demo keystores of
//! keystores-example/ (found through its index.json), shared by the API test files.
#![allow(dead_code)] // each test file uses its own part of the set-up

pub mod postgres;

use std::path::PathBuf;

use kezek::api::applications::{ApplicationDetail, SubmissionResult};
use kezek::api::demo::{UnqueuedChild, UnqueuedQuery};
use kezek::api::desk::Service;
use kezek::api::documents::{
    ActionDocument, ActionRequest, AttachmentRef, Document, Envelope, GroupPlaces, PlacesDocument,
    Submission,
};
use kezek::api::officer::{PublishedPlaces, group_id};
use kezek::api::problem::ProblemCode;
use kezek::api::profile::Contacts;
use kezek::api::profile::Person;
use kezek::client::demo::{self, DemoKeystore};
use kezek::client::{Client, ClientError};
use kezek::domain::{ApplicationNumber, Iin, calendar};
use kezek::i18n::Lang;
use kezek::pki::keystore::Keystore;
use kezek::pki::xmldsig;
use kezek::server::catalogue::{Catalogue, school_year};
use kezek::server::config::{Config, demo_keystores};
use kezek::server::registry::DemoRegistry;
use kezek::server::{AppState, ServerHandle, run};

/// One message of the outbox: (language, e-mail, phone, subject, body).
pub type OutboxRow = (String, Option<String>, Option<String>, String, String);

/// A backend and the demo keystores to talk to it with: a server of its own ([`world`]) or one
/// already running ([`World::at`], the TUI's embedded backend).
pub struct World {
    url: String,
    index: Vec<DemoKeystore>,
    /// The server this world started and its database folder, kept alive with it.
    own: Option<(ServerHandle, tempfile::TempDir)>,
    /// The server's PostgreSQL schema, when the tests run on PostgreSQL ([`test_database`]).
    schema: Option<postgres::PgSchema>,
}

/// The environment variable that runs the API tests' servers on PostgreSQL: `postgres`
/// (with `KEZEK_TEST_POSTGRES_URL`); SQLite otherwise.
pub const BACKEND_VARIABLE: &str = "KEZEK_TEST_BACKEND";

/// The database a test's server uses: a SQLite file in `folder`, or, when
/// [`BACKEND_VARIABLE`] is `postgres`, a schema of its own on the PostgreSQL test server.
pub async fn test_database(folder: &std::path::Path) -> (String, Option<postgres::PgSchema>) {
    let sqlite = || folder.join("kezek.db").display().to_string();
    if std::env::var(BACKEND_VARIABLE).as_deref() != Ok("postgres") {
        return (sqlite(), None);
    }
    match postgres::postgres_url() {
        Some(server) => {
            let schema = postgres::PgSchema::create(&server).await;
            (schema.url(), Some(schema))
        }
        None => (sqlite(), None),
    }
}

pub const AIGERIM: &str = "900514440216";
pub const NURLAN: &str = "881102335170";
pub const DAUREN: &str = "920721328903";
pub const OPERATOR: &str = "850211417430";
pub const OFFICER: &str = "830930352646";
/// Аружан, the daughter of Айгерим and Нурлан; Әлихан, the son of Дәурен.
pub const ARUZHAN: &str = "220315612150";
pub const ALIKHAN: &str = "210910511871";

pub async fn world() -> World {
    world_with(|_| {}).await
}

/// A world whose registry also holds the demo's synthetic families, none of whose children
/// is queued: the operator serves their parents ([`World::unqueued`]).
pub async fn demo_world() -> World {
    world_with(|config| config.demo = Some(0)).await
}

/// The submission as the operator makes it for the citizen at the desk.
pub fn for_citizen(mut submission: Submission, citizen: Iin) -> Submission {
    submission.envelope = Envelope::now().for_citizen(citizen, DESK_REQUEST);
    submission
}

/// The demo configuration without seeded applications, changed by `configure` before start.
pub async fn world_with(configure: impl FnOnce(&mut Config)) -> World {
    let folder: PathBuf = demo_keystores();
    let db = tempfile::tempdir().unwrap();
    let mut config = Config::demo(&folder, 0);
    config.demo = None;
    config.listen = "127.0.0.1:0".parse().unwrap();
    let (database, schema) = test_database(db.path()).await;
    config.database = database;
    configure(&mut config);
    let server = run(config).await.expect("server starts");
    World {
        url: server.url(),
        index: demo_index(),
        own: Some((server, db)),
        schema,
    }
}

/// Every demo keystore, as keystores-example/index.json lists them.
fn demo_index() -> Vec<DemoKeystore> {
    demo::load_index(&demo_keystores()).expect("keystores-example/index.json")
}

impl World {
    /// The demo keystores against a backend already running at `url`.
    pub fn at(url: &str) -> World {
        World {
            url: url.to_owned(),
            index: demo_index(),
            own: None,
            schema: None,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The state of the server this world started.
    pub fn state(&self) -> &AppState {
        &self
            .own
            .as_ref()
            .expect("only a world with its own server has its state at hand")
            .0
            .state
    }

    /// The OpenSSL 3 keystore of `iin` for `usage` ("AUTH", "SIGN") in `status` ("valid", …).
    pub fn entry(&self, iin: &str, usage: &str, status: &str) -> &DemoKeystore {
        self.index
            .iter()
            .find(|k| {
                k.iin == iin && k.usage == usage && k.status == status && k.format == "openssl3"
            })
            .unwrap_or_else(|| panic!("no {usage} {status} keystore of {iin} in the index"))
    }

    /// The PEM of that keystore's certificate (certs/ holds one per keystore, same base name).
    pub fn certificate_pem(&self, iin: &str, usage: &str, status: &str) -> PathBuf {
        let keystore = self.entry(iin, usage, status).path();
        let stem = keystore.file_stem().unwrap().to_owned();
        demo_keystores()
            .join("certs")
            .join(stem)
            .with_extension("pem")
    }

    /// Has the server read its CRL files again, as its schedule or SIGHUP would; answers the
    /// codes of the files that failed.
    pub async fn reload_crls(&self) -> Vec<&'static str> {
        let (server, _) = self.own.as_ref().expect("a world with its own server");
        let failures = server.state.reload_crls().await;
        failures.iter().map(|failure| failure.code()).collect()
    }

    pub fn keystore(&self, iin: &str, usage: &str, status: &str) -> Keystore {
        let entry = self.entry(iin, usage, status);
        Keystore::open_file(entry.path(), &entry.password).unwrap()
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url).unwrap()
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
                    notify_by: Default::default(),
                })
                .await?;
        }
        Ok(client)
    }

    /// The server's database, opened beside the server.
    async fn database(&self) -> Database {
        let url = self.database_path();
        match &self.schema {
            Some(_) => Database::Postgres(
                <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                    .await
                    .unwrap(),
            ),
            None => Database::Sqlite(
                <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{url}"))
                    .await
                    .unwrap(),
            ),
        }
    }

    /// How many rows each table holds, read straight from the server's database.
    pub async fn rows(&self, tables: &[&str]) -> Vec<i64> {
        let mut db = self.database().await;
        let mut counts = Vec::with_capacity(tables.len());
        for table in tables {
            let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
            counts.push(
                match &mut db {
                    Database::Sqlite(conn) => sqlx::query_scalar(sql).fetch_one(conn).await,
                    Database::Postgres(conn) => sqlx::query_scalar(sql).fetch_one(conn).await,
                }
                .unwrap(),
            );
        }
        counts
    }

    /// The outbox in the order written: (language, e-mail, phone, subject, body).
    pub async fn outbox(&self) -> Vec<OutboxRow> {
        let sql = "SELECT language, to_email, to_phone, subject, body FROM outbox ORDER BY id";
        match &mut self.database().await {
            Database::Sqlite(conn) => sqlx::query_as(sql).fetch_all(conn).await,
            Database::Postgres(conn) => sqlx::query_as(sql).fetch_all(conn).await,
        }
        .unwrap()
    }

    pub async fn login(&self, iin: &str) -> Client {
        self.login_with(&self.keystore(iin, "AUTH", "valid"))
            .await
            .unwrap()
    }
}

impl World {
    /// Submits `submission`, signed with the applicant's SIGN key (the operator's, when it
    /// names a citizen), and answers its number.
    pub async fn submit(&self, client: &Client, submission: &Submission) -> ApplicationNumber {
        self.try_submit(client, submission).await.unwrap().number
    }

    /// Submits `submission` signed as [`World::submit`] does, refused or not.
    pub async fn try_submit(
        &self,
        client: &Client,
        submission: &Submission,
    ) -> Result<SubmissionResult, ClientError> {
        let signer = match submission.envelope.citizen {
            Some(_) => OPERATOR,
            None => &submission.draft.applicant.iin,
        };
        let key = self.keystore(signer, "SIGN", "valid");
        client
            .submit_application(
                &submission.envelope.request_id,
                &sign(&key, &xml_of(submission)),
            )
            .await
    }

    /// An applicant's action on `number`, signed by the operator serving `citizen`.
    pub async fn act_for(
        &self,
        operator: &Client,
        citizen: Iin,
        number: ApplicationNumber,
        action: ActionRequest,
    ) -> Result<ApplicationDetail, ClientError> {
        let document = ActionDocument {
            envelope: Envelope::now().for_citizen(citizen, DESK_REQUEST),
            number,
            action,
        };
        let id = document.envelope.request_id.clone();
        let code = document.action.code();
        let xml = sign(
            &self.keystore(OPERATOR, "SIGN", "valid"),
            &Document::Action(document.clone()).to_xml(),
        );
        operator.act(&number, code, &id, &xml).await
    }

    /// `count` children of the demo registry nobody has queued yet who may be queued in Astana
    /// (born in `birth_year`, when given), with their parents, read by `operator` through
    /// `GET /demo/unqueued-children` (a [`demo_world`] only).
    pub async fn unqueued(
        &self,
        operator: &Client,
        birth_year: Option<i32>,
        count: usize,
    ) -> Vec<UnqueuedChild> {
        let mut found = Vec::new();
        let mut query = UnqueuedQuery {
            region: "astana".to_owned(),
            birth_year,
            cursor: None,
            limit: Some(count.min(1000) as u32),
        };
        while found.len() < count {
            let page = operator.unqueued_children(&query).await.unwrap();
            found.extend(page.children);
            query.cursor = Some(page.next_cursor.expect("enough unqueued demo children"));
        }
        found.truncate(count);
        found
    }

    /// An action on `number` signed with `signer`'s SIGN key, sent as an applicant's action or,
    /// for the officer codes, as an officer's.
    pub async fn act(
        &self,
        client: &Client,
        signer: &str,
        number: ApplicationNumber,
        action: ActionRequest,
    ) -> Result<ApplicationDetail, ClientError> {
        let code = action.code();
        let document = ActionDocument {
            envelope: Envelope::now(),
            number,
            action: action.clone(),
        };
        let id = document.envelope.request_id.clone();
        let xml = sign(
            &self.keystore(signer, "SIGN", "valid"),
            &Document::Action(document).to_xml(),
        );
        if action.is_officer_action() {
            client.officer_act(&number, code, &id, &xml).await
        } else {
            client.act(&number, code, &id, &xml).await
        }
    }

    /// Publishes `places` free places of a kindergarten group, signed with `signer`'s SIGN key.
    pub async fn publish(
        &self,
        client: &Client,
        signer: &str,
        kindergarten: &str,
        group: &str,
        places: u32,
    ) -> Result<PublishedPlaces, ClientError> {
        let key = self.keystore(signer, "SIGN", "valid");
        publish_signed(client, &key, kindergarten, group, places).await
    }
}

/// Publishes `places` free places of a kindergarten group, signed with `key`.
pub async fn publish_signed(
    client: &Client,
    key: &Keystore,
    kindergarten: &str,
    group: &str,
    places: u32,
) -> Result<PublishedPlaces, ClientError> {
    let document = PlacesDocument {
        envelope: Envelope::now(),
        groups: vec![GroupPlaces {
            group_id: group_id(kindergarten, group),
            free_places: places,
        }],
    };
    let id = document.envelope.request_id.clone();
    let xml = sign(key, &Document::Places(document).to_xml());
    client.publish_free_places(&id, &xml).await
}

/// A kindergarten of Astana, where the demo officer publishes places.
pub const ASTANA_KINDERGARTEN: &str = "astana-balapan-45";

/// The group of [`ASTANA_KINDERGARTEN`] that takes children born in 2022 this school year.
pub fn group_for_2022() -> String {
    let catalogue = Catalogue::bundled();
    let year = school_year(calendar::local_date(chrono::Utc::now()));
    catalogue
        .kindergarten(ASTANA_KINDERGARTEN)
        .unwrap()
        .groups
        .iter()
        .find(|g| {
            catalogue
                .age_group(&g.age)
                .unwrap()
                .birth_years(year)
                .contains(&2022)
        })
        .expect("a group for children born in 2022")
        .code()
}

/// Small real scans (`tests/fixtures/scans/README.md`): the server checks a scan's structure,
/// not only its first bytes.
pub fn pdf_scan() -> Vec<u8> {
    include_bytes!("../fixtures/scans/page.pdf").to_vec()
}

pub fn png_scan() -> Vec<u8> {
    include_bytes!("../fixtures/scans/page.png").to_vec()
}

pub fn jpeg_scan() -> Vec<u8> {
    include_bytes!("../fixtures/scans/page.jpg").to_vec()
}

/// Claims benefit `category` in `submission`, with one uploaded PDF scan as its document.
pub async fn claim_benefit(client: &Client, submission: &mut Submission, category: &str) {
    let scan = client
        .upload_attachment("certificate.pdf", pdf_scan())
        .await
        .unwrap();
    submission.draft.child.beneficiary = true;
    submission.draft.child.benefit_category = Some(category.to_owned());
    submission.attachments = vec![AttachmentRef {
        id: scan.id,
        sha256: scan.sha256,
    }];
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

/// The application of `applicant` for `child` in Astana, named as the demo key holders' registry
/// names them (anyone else «Тестова Айгерим» and «Тестова Аружан»).
pub fn application(applicant: &str, child: &str) -> Submission {
    let registry = DemoRegistry::key_holders().unwrap();
    let named = |iin: &str, surname: &str, name: &str| {
        let iin = Iin::parse(iin).unwrap();
        registry.people().find(|p| p.iin == iin).map_or(
            Person {
                iin,
                surname: surname.to_owned(),
                name: name.to_owned(),
                patronymic: None,
                birth_date: iin.birth_date(),
            },
            |p| p.to_wire(),
        )
    };
    application_for(
        &named(applicant, "Тестова", "Айгерим"),
        &named(child, "Тестова", "Аружан"),
    )
}

/// The application of `applicant` for `child` in Astana, with their names.
pub fn application_for(applicant: &Person, child: &Person) -> Submission {
    let family = UnqueuedChild {
        applicant: applicant.clone(),
        child: child.clone(),
    };
    family.application("astana", "astana-esil")
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

// --- Issue 13: the officer's kindergartens ---

/// A `<kindergarten>` change of `kindergarten`, signed with `key`.
pub async fn change_kindergarten_signed(
    client: &Client,
    key: &Keystore,
    kindergarten: &str,
    change: kezek::api::documents::KindergartenRequest,
) -> Result<kezek::api::officer::KindergartenChanged, ClientError> {
    let document = kezek::api::documents::KindergartenDocument {
        envelope: Envelope::now(),
        kindergarten: kindergarten.to_owned(),
        change,
    };
    let id = document.envelope.request_id.clone();
    let xml = sign(key, &Document::Kindergarten(document).to_xml());
    client.change_kindergarten(&id, &xml).await
}

impl World {
    /// A `<kindergarten>` change signed with `signer`'s SIGN key.
    pub async fn change_kindergarten(
        &self,
        client: &Client,
        signer: &str,
        kindergarten: &str,
        change: kezek::api::documents::KindergartenRequest,
    ) -> Result<kezek::api::officer::KindergartenChanged, ClientError> {
        let key = self.keystore(signer, "SIGN", "valid");
        change_kindergarten_signed(client, &key, kindergarten, change).await
    }
}
// --- the ЦОН desk (issue 12) ---

/// A «Номер ЦОН» of the default format (`ЦОН-##########`).
pub const DESK_REQUEST: &str = "ЦОН-0000000001";

/// The phone the desk's tests give a citizen who has none on record.
pub const CITIZEN_PHONE: &str = "+7 701 555 44 33";

impl World {
    /// Serves `citizen` at the desk with `operator`'s session: starts the service (giving the
    /// citizen a mobile number first when they have none on record) and types the code the SMS
    /// in the outbox carries (a demo server's answer names it too). The client's reads then
    /// carry the citizen.
    pub async fn serve(&self, operator: &mut Client, citizen: Iin) -> Service {
        let started = match operator.start_service(citizen).await {
            Err(ClientError::Problem(p)) if p.code == ProblemCode::NoMobileOnRecord => {
                self.give_phone(citizen).await;
                operator.start_service(citizen).await.unwrap()
            }
            other => other.unwrap(),
        };
        let code = match &started.demo_code {
            Some(code) => code.clone(),
            None => self.last_code().await,
        };
        operator.confirm_code(&started.id, &code).await.unwrap()
    }

    /// Records `citizen` as a user with [`CITIZEN_PHONE`], as their first login would.
    pub async fn give_phone(&self, citizen: Iin) {
        let store = self.state().store();
        let now = chrono::Utc::now();
        store
            .record_login(&citizen, "", Lang::Ru, now)
            .await
            .unwrap();
        let contacts = kezek::server::store::Contacts {
            email: Some("citizen@example.kz".to_owned()),
            phone: kezek::domain::wizard::normalize_phone(CITIZEN_PHONE),
            extra_email: None,
            extra_phone: None,
            language: Lang::Ru,
            notify_by: Default::default(),
        };
        store
            .update_contacts(&citizen, &contacts, now)
            .await
            .unwrap();
    }

    /// The server's database (a SQLite file's path or a PostgreSQL address), for the command
    /// line tools.
    pub fn database_path(&self) -> String {
        if let Some(schema) = &self.schema {
            return schema.url();
        }
        let (_, db) = self.own.as_ref().expect("a world with its own server");
        db.path().join("kezek.db").display().to_string()
    }

    /// The code of the newest one-time-code SMS of the outbox.
    pub async fn last_code(&self) -> String {
        let sql = "SELECT body FROM outbox WHERE kind = 'one_time_code' ORDER BY id DESC LIMIT 1";
        let body: String = match &mut self.database().await {
            Database::Sqlite(conn) => sqlx::query_scalar(sql).fetch_one(conn).await,
            Database::Postgres(conn) => sqlx::query_scalar(sql).fetch_one(conn).await,
        }
        .unwrap();
        code_in(&body)
    }
}

/// A connection to a test server's database, of its kind.
enum Database {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// The six-digit code in an SMS's text.
pub fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .expect("a six-digit code in the SMS")
        .to_owned()
}
