//! Who may queue a child (docs/design-api.md, «Who may queue a child»), against the real server:
//! only a parent or guardian the population registry names, in person or through the ЦОН
//! operator serving them; the names and birth dates are the registry's; kindergartens are the
//! catalogue's, in the application's region; a child already queued is refused naming the
//! application only to whom may see it; a registry that cannot answer refuses, never lets
//! through. Every refusal leaves the database as it was.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use kezek::api::demo::UnqueuedQuery;
use kezek::api::problem::{Problem, ProblemCode};
use kezek::client::ClientError;
use kezek::domain::Iin;
use kezek::pki::trust::TrustStore;
use kezek::server::AppState;
use kezek::server::config::{Config, demo_keystores};
use kezek::server::registry::{Person, PopulationRegistry, RegistryError};
use kezek::server::store::SqliteStore;

use crate::common;

use common::*;

/// Every table a submission writes to.
const TABLES: [&str; 6] = [
    "applications",
    "events",
    "queue_changes",
    "documents",
    "idempotency",
    "outbox",
];

fn iin(text: &str) -> Iin {
    Iin::parse(text).unwrap()
}

fn problem<T: std::fmt::Debug>(result: Result<T, ClientError>) -> Problem {
    match result {
        Err(ClientError::Problem(p)) => *p,
        other => panic!("expected a problem, got {other:?}"),
    }
}

fn fields(problem: &Problem) -> Vec<(&str, &str)> {
    problem
        .fields
        .iter()
        .map(|f| (f.field.as_str(), f.message_key.as_str()))
        .collect()
}

#[tokio::test]
async fn only_a_parent_or_guardian_in_the_registry_may_queue_a_child() {
    let w = world().await;
    let dauren = w.login(DAUREN).await;
    let mut operator = w.login(OPERATOR).await;
    let officer = w.login(OFFICER).await;
    w.serve(&mut operator, iin(DAUREN)).await;
    let before = w.rows(&TABLES).await;
    // The attack: Жұмабаев files for Аружан, Серикова's daughter, named as the
    // registry names her.
    let stranger = application(DAUREN, ARUZHAN);
    let refused = problem(w.try_submit(&dauren, &stranger).await);
    assert_eq!(refused.code, ProblemCode::NotAParent);
    assert_eq!(refused.status, 403);
    // Nor through an operator serving him, nor as staff (a citizen like any other).
    let at_the_desk = for_citizen(application(DAUREN, ARUZHAN), iin(DAUREN));
    assert_eq!(
        code(w.try_submit(&operator, &at_the_desk).await),
        ProblemCode::NotAParent
    );
    assert_eq!(
        code(w.try_submit(&officer, &application(OFFICER, ARUZHAN)).await),
        ProblemCode::NotAParent
    );
    // A valid IIN the registry does not know.
    let unknown = application(AIGERIM, &child_iin(1));
    let refused = problem(w.try_submit(&w.login(AIGERIM).await, &unknown).await);
    assert_eq!(refused.code, ProblemCode::ChildNotInRegistry);
    assert_eq!(refused.status, 422);
    assert_eq!(w.rows(&TABLES).await, before, "a refusal stored something");

    // The real parent is not locked out, and only she and her own see the application.
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    assert_eq!(
        code(dauren.application(&number).await),
        ProblemCode::ApplicationNotFound
    );
    // Дәурен's own son he may queue, himself or through the operator.
    let mut own = for_citizen(application(DAUREN, ALIKHAN), iin(DAUREN));
    own.envelope.service_centre_request = Some("ЦОН-0000000007".to_owned());
    let filed = w.try_submit(&operator, &own).await.unwrap();
    let detail = operator.application(&filed.number).await.unwrap();
    assert_eq!(detail.applicant.iin, iin(DAUREN));
    assert_eq!(
        detail.service_centre_request.as_deref(),
        Some("ЦОН-0000000007")
    );
    assert_eq!(
        dauren.application(&filed.number).await.unwrap().child.iin,
        iin(ALIKHAN)
    );
}

#[tokio::test]
async fn names_and_birth_dates_are_the_registrys() {
    let w = world().await;
    let dauren = w.login(DAUREN).await;
    let before = w.rows(&TABLES).await;
    // «Жумабаев» is not «Жұмабаев»: the registry's Kazakh letters are letters.
    let mut russian_spelling = application(DAUREN, ALIKHAN);
    russian_spelling.draft.applicant.surname = "Жумабаев".to_owned();
    russian_spelling.draft.child.surname = "Жумабаев".to_owned();
    let refused = problem(w.try_submit(&dauren, &russian_spelling).await);
    assert_eq!(refused.code, ProblemCode::RegistryMismatch);
    assert_eq!(refused.status, 422);
    assert_eq!(
        fields(&refused),
        vec![
            ("applicant.surname", "registry.differs"),
            ("child.surname", "registry.differs")
        ]
    );
    // Any other name, a patronymic left out, a name the registry does not have.
    let mut other = application(DAUREN, ALIKHAN);
    other.draft.applicant.name = "Данияр".to_owned();
    other.draft.child.patronymic.clear();
    let refused = problem(w.try_submit(&dauren, &other).await);
    assert_eq!(
        fields(&refused),
        vec![
            ("applicant.name", "registry.differs"),
            ("child.patronymic", "registry.differs")
        ]
    );
    // A birth date that is not the IIN's (and so not the registry's).
    let mut born = application(DAUREN, ALIKHAN);
    born.draft.child.birth_date = born.draft.child.birth_date.map(|d| d.succ_opt().unwrap());
    let refused = problem(w.try_submit(&dauren, &born).await);
    assert_eq!(
        fields(&refused),
        vec![("child.birth_date", "domain.wizard.birth_date_mismatch")]
    );
    assert_eq!(w.rows(&TABLES).await, before, "a refusal stored something");

    // Case and spacing are how people type: accepted, and kept as the registry writes them.
    let mut typed = application(DAUREN, ALIKHAN);
    typed.draft.applicant.surname = "  ЖҰМАБАЕВ ".to_owned();
    typed.draft.child.name = "әлихан".to_owned();
    let number = w.submit(&dauren, &typed).await;
    let detail = dauren.application(&number).await.unwrap();
    assert_eq!(detail.applicant.full_name, "Жұмабаев Дәурен Асхатұлы");
    assert_eq!(detail.child.full_name, "Жұмабаев Әлихан Дәуренұлы");
}

#[tokio::test]
async fn kindergartens_are_the_catalogues_in_the_applications_region() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let before = w.rows(&TABLES).await;
    let catalogue = kezek::server::catalogue::Catalogue::bundled();
    let in_almaty = catalogue
        .kindergartens_in("almaty")
        .next()
        .unwrap()
        .code
        .clone();
    for code in ["no-such-kindergarten", in_almaty.as_str()] {
        let mut submission = application(AIGERIM, ARUZHAN);
        submission.draft.kindergartens = vec![ASTANA_KINDERGARTEN.to_owned(), code.to_owned()];
        let refused = problem(w.try_submit(&aigerim, &submission).await);
        assert_eq!(refused.code, ProblemCode::UnknownKindergarten, "{code}");
        assert_eq!(
            refused.params.get("kindergarten").map(String::as_str),
            Some(code)
        );
        assert_eq!(
            fields(&refused),
            vec![("kindergartens", "api.problem.unknown_kindergarten")]
        );
    }
    assert_eq!(w.rows(&TABLES).await, before, "a refusal stored something");
    let mut submission = application(AIGERIM, ARUZHAN);
    submission.draft.kindergartens = vec![ASTANA_KINDERGARTEN.to_owned()];
    let number = w.submit(&aigerim, &submission).await;
    let detail = aigerim.application(&number).await.unwrap();
    assert_eq!(detail.desired_kindergartens, vec![ASTANA_KINDERGARTEN]);
}

#[tokio::test]
async fn a_queued_child_is_refused_naming_the_application_only_to_whom_may_see_it() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let nurlan = w.login(NURLAN).await;
    let dauren = w.login(DAUREN).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    // The operator serves both parents (each service's SMS is an outbox row).
    let mut operator = w.login(OPERATOR).await;
    w.serve(&mut operator, iin(NURLAN)).await;
    w.serve(&mut operator, iin(AIGERIM)).await;
    let before = w.rows(&TABLES).await;
    let aruzhan = iin(ARUZHAN);
    let named = |p: &Problem| {
        (
            p.code,
            p.message_key.clone(),
            p.params.get("number").cloned(),
        )
    };
    let visible = (
        ProblemCode::ChildAlreadyQueued,
        "api.problem.child_already_queued_number".to_owned(),
        Some(number.to_string()),
    );
    let hidden = (
        ProblemCode::ChildAlreadyQueued,
        "api.problem.child_already_queued_by_another".to_owned(),
        None,
    );
    // The applicant herself: the submission and the wizard's check name her application.
    let again = problem(w.try_submit(&aigerim, &application(AIGERIM, ARUZHAN)).await);
    assert_eq!(named(&again), visible);
    assert_eq!(named(&problem(aigerim.child_check(aruzhan).await)), visible);
    assert!(again.translated().contains(&number.to_string()));
    // The other parent, not bound: told to bind, never the number.
    let other_parent = problem(w.try_submit(&nurlan, &application(NURLAN, ARUZHAN)).await);
    assert_eq!(named(&other_parent), hidden);
    assert_eq!(named(&problem(nurlan.child_check(aruzhan).await)), hidden);
    // A stranger learns nothing of the queue: not a parent, whether queued or not.
    let stranger = problem(dauren.child_check(aruzhan).await);
    assert_eq!(stranger.code, ProblemCode::NotAParent);
    assert!(stranger.params.is_empty());
    // The operator sees what the citizen served sees.
    operator.set_citizen(Some(iin(AIGERIM)));
    assert_eq!(
        named(&problem(operator.child_check(aruzhan).await)),
        visible
    );
    let at_the_desk = for_citizen(application(NURLAN, ARUZHAN), iin(NURLAN));
    assert_eq!(
        named(&problem(w.try_submit(&operator, &at_the_desk).await)),
        hidden
    );
    operator.set_citizen(Some(iin(NURLAN)));
    assert_eq!(named(&problem(operator.child_check(aruzhan).await)), hidden);
    assert_eq!(w.rows(&TABLES).await, before, "a refusal stored something");
    // Once bound, the other parent is told the number too.
    nurlan.bind_child(aruzhan).await.unwrap();
    assert_eq!(named(&problem(nurlan.child_check(aruzhan).await)), visible);
}

#[tokio::test]
async fn the_wizards_child_check_answers_the_registrys_child_or_the_refusal() {
    let w = world().await;
    let aigerim = w.login(AIGERIM).await;
    let aruzhan = aigerim.child_check(iin(ARUZHAN)).await.unwrap();
    assert_eq!(
        (aruzhan.surname.as_str(), aruzhan.name.as_str()),
        ("Серикова", "Аружан")
    );
    assert_eq!(aruzhan.patronymic.as_deref(), Some("Нурлановна"));
    assert_eq!(aruzhan.birth_date, iin(ARUZHAN).birth_date());
    assert_eq!(
        code(aigerim.child_check(iin(ALIKHAN)).await),
        ProblemCode::NotAParent
    );
    assert_eq!(
        code(aigerim.child_check(iin(&child_iin(3))).await),
        ProblemCode::ChildNotInRegistry
    );
    // The operator asks for the citizen served; without one, for herself (nobody's parent).
    let mut operator = w.login(OPERATOR).await;
    assert_eq!(
        code(operator.child_check(iin(ARUZHAN)).await),
        ProblemCode::NotAParent
    );
    w.serve(&mut operator, iin(AIGERIM)).await;
    assert_eq!(operator.child_check(iin(ARUZHAN)).await.unwrap(), aruzhan);
    // Hostile input: an IIN that cannot be, a citizen named by a non-operator, no login.
    let http = reqwest::Client::new();
    let url = |child: &str| format!("{}/api/v1/registry/children/{child}", w.url());
    let token = aigerim.token().unwrap().to_owned();
    for (child, citizen, token, status, code) in [
        ("220315612151", None, Some(&token), 400, "invalid_iin"),
        ("%2E%2E%2Fprofile", None, Some(&token), 400, "invalid_iin"),
        (
            "2203156121500000000000000",
            None,
            Some(&token),
            400,
            "invalid_iin",
        ),
        (ARUZHAN, Some(DAUREN), Some(&token), 403, "forbidden"),
        (ARUZHAN, Some("123"), Some(&token), 400, "invalid_iin"),
        (ARUZHAN, None, None, 401, "login_required"),
    ] {
        let mut request = http.get(url(child));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(citizen) = citizen {
            request = request.header("Kezek-Citizen", citizen);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{child} {citizen:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{child} {citizen:?}");
    }
}

/// A registry that cannot answer, as a remote service that is down.
struct DownRegistry;

#[async_trait]
impl PopulationRegistry for DownRegistry {
    async fn person(&self, _: Iin) -> Result<Option<Person>, RegistryError> {
        Err(RegistryError::Unavailable("down for the test".to_owned()))
    }
    async fn children_of(&self, _: Iin) -> Result<Vec<Person>, RegistryError> {
        Err(RegistryError::Unavailable("down for the test".to_owned()))
    }
    async fn parents_of(&self, _: Iin) -> Result<Vec<Person>, RegistryError> {
        Err(RegistryError::Unavailable("down for the test".to_owned()))
    }
    async fn is_parent_or_guardian(&self, _: Iin, _: Iin) -> Result<bool, RegistryError> {
        Err(RegistryError::Unavailable("down for the test".to_owned()))
    }
}

#[tokio::test]
async fn a_registry_that_cannot_answer_refuses_and_never_lets_through() {
    let folder = demo_keystores();
    let db = tempfile::tempdir().unwrap();
    let mut config = Config::demo(&folder, 0);
    config.demo = None;
    config.database = db.path().join("kezek.db").display().to_string();
    let trust = TrustStore::from_files(&config.trust.roots, &config.trust.crls).unwrap();
    let store = SqliteStore::open(&config.database).await.unwrap();
    let state = AppState::new(
        config,
        Arc::new(store),
        trust,
        Arc::new(DownRegistry),
        Vec::new(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = kezek::server::app(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let w = World::at(&url);
    let aigerim = w.login(AIGERIM).await;
    for refused in [
        problem(w.try_submit(&aigerim, &application(AIGERIM, ARUZHAN)).await),
        problem(aigerim.child_check(iin(ARUZHAN)).await),
        problem(aigerim.bind_child(iin(ARUZHAN)).await),
    ] {
        assert_eq!(refused.code, ProblemCode::RegistryUnavailable);
        assert_eq!(refused.status, 503);
    }
    let journal = aigerim.journal(&Default::default()).await.unwrap();
    assert_eq!(journal.total, 0);
    assert!(aigerim.bindings().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_demo_server_lists_children_nobody_queued_to_operators_only() {
    let w = demo_world().await;
    let mut operator = w.login(OPERATOR).await;
    let aigerim = w.login(AIGERIM).await;
    let query = |cursor: Option<String>, limit| UnqueuedQuery {
        region: "astana".to_owned(),
        birth_year: Some(2022),
        cursor,
        limit: Some(limit),
    };
    assert_eq!(
        code(aigerim.unqueued_children(&query(None, 5)).await),
        ProblemCode::Forbidden
    );
    assert_eq!(
        code(w.client().unqueued_children(&query(None, 5)).await),
        ProblemCode::LoginRequired
    );
    let first = operator.unqueued_children(&query(None, 5)).await.unwrap();
    assert_eq!(first.children.len(), 5);
    let second = operator
        .unqueued_children(&query(first.next_cursor.clone(), 5))
        .await
        .unwrap();
    let children: Vec<_> = first.children.iter().chain(&second.children).collect();
    let distinct: std::collections::HashSet<Iin> = children.iter().map(|c| c.child.iin).collect();
    assert_eq!(distinct.len(), 10, "pages overlap");
    for found in &children {
        assert_eq!(chrono::Datelike::year(&found.child.birth_date), 2022);
        // The parent listed may queue the child: the wizard's check says so.
        w.serve(&mut operator, found.applicant.iin).await;
        assert_eq!(
            operator.child_check(found.child.iin).await.unwrap(),
            found.child
        );
    }
    // Queued through the operator, a child is no longer listed.
    let taken = &first.children[0];
    operator.set_citizen(None);
    let submission = for_citizen(
        application_for(&taken.applicant, &taken.child),
        taken.applicant.iin,
    );
    w.submit(&operator, &submission).await;
    let again = operator.unqueued_children(&query(None, 5)).await.unwrap();
    assert!(
        again
            .children
            .iter()
            .all(|c| c.child.iin != taken.child.iin)
    );
    assert_eq!(again.children[0], first.children[1]);
    // A page is at most 1 000; a cursor or region that cannot be is refused.
    let all = operator
        .unqueued_children(&query(None, 100_000))
        .await
        .unwrap();
    assert!(all.children.len() <= 1000);
    for bad in [
        UnqueuedQuery {
            cursor: Some("x".to_owned()),
            ..query(None, 5)
        },
        UnqueuedQuery {
            cursor: Some("999999999".to_owned()),
            ..query(None, 5)
        },
        UnqueuedQuery {
            region: "atlantis".to_owned(),
            ..query(None, 5)
        },
    ] {
        assert_eq!(
            code(operator.unqueued_children(&bad).await),
            ProblemCode::InvalidInput
        );
    }
    // A server without demo data lists nobody.
    let plain = world().await;
    let operator = plain.login(OPERATOR).await;
    assert_eq!(
        code(operator.unqueued_children(&query(None, 5)).await),
        ProblemCode::NotFound
    );
}

#[test]
fn every_new_refusal_is_translated_in_all_three_languages() {
    let keys = [
        ProblemCode::NotAParent.message_key(),
        ProblemCode::ChildNotInRegistry.message_key(),
        ProblemCode::RegistryMismatch.message_key(),
        ProblemCode::UnknownKindergarten.message_key(),
        ProblemCode::RegistryUnavailable.message_key(),
        "api.problem.child_already_queued_number".to_owned(),
        "api.problem.child_already_queued_by_another".to_owned(),
        "registry.differs".to_owned(),
    ];
    for lang in ["kk", "ru", "en"] {
        let messages = crate::messages::messages(lang);
        for key in &keys {
            assert!(messages.contains_key(key), "{lang}: {key}");
        }
    }
}
