//! Generated documents rendered on demand (issue 15, docs/design-docs.md «Generated
//! documents»), on every backend: the store keeps no PDF, a download renders the document again
//! and gives it out only when it is the first rendering byte for byte (across restarts and
//! cache eviction), a tampered content or fingerprint is refused with `document_changed`, and a
//! database an older release left keeps its documents reading the same.

use std::sync::Arc;

use kezek::api::problem::ProblemCode;
use kezek::domain::ApplicationNumber;
use kezek::i18n::Lang;
use kezek::pki::trust::TrustStore;
use kezek::server::AppState;
use kezek::server::config::Config;
use kezek::server::documents::{self, DocumentKind};
use kezek::server::problem::ApiError;
use kezek::server::registry::DemoRegistry;
use kezek::server::renderer::{self, DownloadError};
use kezek::server::store::{DocumentBody, Effects, Fingerprint, NewDocument, Store};

use crate::backends::{Backend, TestDb, conformance};
use crate::documents::{aruzhan, pdftotext_available, squeeze, text_of};
use crate::suite::new_application;

/// A server's state over `store`, whose document cache holds `cache_bytes`.
fn server(store: Arc<dyn Store>, cache_bytes: u64) -> AppState {
    let mut config = Config::default();
    config.documents.cache_bytes = cache_bytes;
    AppState::new(
        config,
        store,
        TrustStore::from_files(&[] as &[&str], &[] as &[&str]).unwrap(),
        Arc::new(DemoRegistry::key_holders().unwrap()),
        Vec::new(),
    )
}

/// One registered document: its id and what it must read, byte for byte.
struct Made {
    id: String,
    pdf: Vec<u8>,
}

/// Registers application `serial` with the three registration documents in Russian, saying
/// what Аружан's say; its number, and the documents and their expected PDFs as listed.
async fn registered(store: &Arc<dyn Store>, serial: u32) -> (ApplicationNumber, Vec<Made>) {
    let content = documents::stored_content(&aruzhan(false, &[])).unwrap();
    let made = content.clone();
    let recorded = store
        .submit(
            new_application(serial, crate::suite::at(i64::from(serial)), None),
            Box::new(move |_| {
                Ok(Effects {
                    documents: DocumentKind::AT_REGISTRATION
                        .iter()
                        .map(|kind| NewDocument {
                            kind: kind.code().to_owned(),
                            language: Lang::Ru,
                            content: made.clone(),
                        })
                        .collect(),
                    ..Effects::default()
                })
            }),
        )
        .await
        .unwrap();
    let number = recorded.application.state.number;
    let listed = store.documents_of(number).await.unwrap();
    assert_eq!(listed.len(), 3);
    let made = listed
        .into_iter()
        .map(|info| Made {
            pdf: documents::render_stored(&info.kind, &content, Lang::Ru).unwrap(),
            id: info.id,
        })
        .collect();
    (number, made)
}

/// The sizes listed for an application's documents.
async fn sizes(store: &Arc<dyn Store>, number: ApplicationNumber) -> Vec<Option<u64>> {
    let listed = store.documents_of(number).await.unwrap();
    listed.iter().map(|d| d.size).collect()
}

/// Runs SQL made at run time behind the store's back.
async fn execute(db: &TestDb, sql: String) {
    db.execute(Box::leak(sql.into_boxed_str())).await.unwrap();
}

/// A blob literal of `bytes` in the backend's SQL.
fn blob(backend: Backend, bytes: &[u8]) -> String {
    let hex = hex::encode(bytes);
    match backend {
        Backend::Sqlite => format!("X'{hex}'"),
        Backend::Postgres => format!("'\\x{hex}'::bytea"),
    }
}

async fn first_of(store: &Arc<dyn Store>, id: &str) -> Option<Fingerprint> {
    match store.document(id).await.unwrap().1 {
        DocumentBody::Content { first, .. } => first,
        DocumentBody::Rendered(_) => panic!("document {id} keeps its bytes"),
    }
}

/// Whether the background renderer has nothing left to fingerprint.
async fn nothing_left(store: &Arc<dyn Store>) -> bool {
    let pending = store.unrendered_documents(None, 10).await.unwrap();
    pending.is_empty()
}

/// Lets the background renderer go through every document.
async fn catch_up(state: &AppState, store: &Arc<dyn Store>) {
    while renderer::render_some(state, None).await.unwrap().is_some() {
        if nothing_left(store).await {
            break;
        }
    }
}

fn refused(result: Result<impl std::fmt::Debug, DownloadError>) -> ProblemCode {
    match result {
        Ok(bytes) => panic!("given out: {bytes:?}"),
        Err(e) => ApiError::from(e).code(),
    }
}

async fn a_download_is_the_first_rendering_across_restarts_and_cache_eviction(db: TestDb) {
    let store = db.open().await;
    let (number, made) = registered(&store, 1).await;
    assert_eq!(sizes(&store, number).await, [None; 3]);
    let largest = made.iter().map(|m| m.pdf.len()).max().unwrap() as u64;
    // Room for one document only: each download evicts the one before.
    let state = server(store.clone(), largest);
    for document in &made {
        let pdf = renderer::document_bytes(&state, &document.id)
            .await
            .unwrap();
        assert_eq!(pdf, document.pdf);
        assert_eq!(state.documents().len(), 1);
        assert!(state.documents().bytes() <= largest);
        // The first rendering's fingerprint is kept, not its bytes.
        assert_eq!(
            first_of(&store, &document.id).await,
            Some(Fingerprint::of(&document.pdf))
        );
    }
    let first = &made[0];
    let again = renderer::document_bytes(&state, &first.id).await.unwrap();
    assert_eq!(again, first.pdf, "rendered again after eviction");
    // The listed size is the first rendering's.
    let expected: Vec<_> = made.iter().map(|m| Some(m.pdf.len() as u64)).collect();
    assert_eq!(sizes(&store, number).await, expected);
    store.close().await;

    // A restart: the store opened again, a server with an empty cache (none at all).
    let store = db.open().await;
    let state = server(store.clone(), 0);
    for document in &made {
        let pdf = renderer::document_bytes(&state, &document.id)
            .await
            .unwrap();
        assert_eq!(pdf, document.pdf);
    }
    assert!(state.documents().is_empty());
    if pdftotext_available() {
        let text = squeeze(&text_of(&made[0].pdf, "on-demand"));
        let child = aruzhan(false, &[]).child.full_name();
        assert!(text.contains(&child), "{child} not in {text}");
    }
    store.close().await;
}

async fn the_background_renderer_fingerprints_new_documents_and_downloads_agree(db: TestDb) {
    let store = db.open().await;
    let (number, made) = registered(&store, 1).await;
    let state = server(store.clone(), 1 << 20);
    catch_up(&state, &store).await;
    for document in &made {
        assert_eq!(
            first_of(&store, &document.id).await,
            Some(Fingerprint::of(&document.pdf))
        );
        let pdf = renderer::document_bytes(&state, &document.id)
            .await
            .unwrap();
        assert_eq!(pdf, document.pdf);
    }
    let expected: Vec<_> = made.iter().map(|m| Some(m.pdf.len() as u64)).collect();
    assert_eq!(sizes(&store, number).await, expected);
    assert!(state.documents().bytes() <= 1 << 20);
    assert_eq!(state.documents().len(), 3);
    // From the cache: the same bytes.
    for document in &made {
        let pdf = renderer::document_bytes(&state, &document.id)
            .await
            .unwrap();
        assert_eq!(pdf, document.pdf);
    }
    store.close().await;
}

async fn a_tampered_content_or_fingerprint_is_refused(db: TestDb) {
    let store = db.open().await;
    let (_, made) = registered(&store, 1).await;
    let (_, never_rendered) = registered(&store, 2).await;
    let state = server(store.clone(), 0);
    for document in &made {
        renderer::document_bytes(&state, &document.id)
            .await
            .unwrap();
    }
    let [content, fingerprint, size] = [0, 1, 2].map(|i| made[i].id.clone());
    // The moment the document was made, an hour later: it would print another time.
    execute(
        &db,
        format!(
            "UPDATE documents SET content = replace(content, '2026-11-30T12:', '2026-11-30T13:') \
             WHERE id = '{content}'"
        ),
    )
    .await;
    let zeros = blob(db.backend, &[0; 32]);
    execute(
        &db,
        format!("UPDATE documents SET rendered_sha256 = {zeros} WHERE id = '{fingerprint}'"),
    )
    .await;
    execute(
        &db,
        format!("UPDATE documents SET size = size + 1 WHERE id = '{size}'"),
    )
    .await;
    for id in [&content, &fingerprint, &size] {
        assert_eq!(
            refused(renderer::document_bytes(&state, id).await),
            ProblemCode::DocumentChanged,
            "{id}"
        );
    }
    // Content that no longer reads, or names a template this release does not have, after a
    // first rendering: changed too.
    execute(
        &db,
        format!(
            "UPDATE documents SET content = '{{\"template\":1,\"data\":{{}}}}' WHERE id = '{size}'"
        ),
    )
    .await;
    execute(
        &db,
        format!("UPDATE documents SET content = '{{\"template\":2,\"data\":{{}}}}' WHERE id = '{content}'"),
    )
    .await;
    for id in [&content, &size] {
        assert_eq!(
            refused(renderer::document_bytes(&state, id).await),
            ProblemCode::DocumentChanged
        );
    }
    // Never rendered and cannot be: an internal error, and no fingerprint is kept for it.
    let unknown = &never_rendered[0].id;
    execute(
        &db,
        format!("UPDATE documents SET content = '{{\"template\":2,\"data\":{{}}}}' WHERE id = '{unknown}'"),
    )
    .await;
    assert_eq!(
        refused(renderer::document_bytes(&state, unknown).await),
        ProblemCode::Internal
    );
    renderer::render_some(&state, None).await.unwrap();
    assert_eq!(first_of(&store, unknown).await, None);
    // The others of that application were fingerprinted, and download as they were made.
    for document in &never_rendered[1..] {
        assert!(first_of(&store, &document.id).await.is_some());
        let pdf = renderer::document_bytes(&state, &document.id)
            .await
            .unwrap();
        assert_eq!(pdf, document.pdf);
    }
    store.close().await;
}

/// The database as the release before issue 15 left it: no fingerprint columns, the old
/// renderer's index, the migration not applied.
fn before_issue_15(backend: Backend) -> String {
    let version = match backend {
        Backend::Sqlite => 30,
        Backend::Postgres => 5,
    };
    format!(
        "DROP INDEX documents_unfingerprinted; \
         ALTER TABLE documents DROP COLUMN rendered_sha256; \
         ALTER TABLE documents DROP COLUMN size; \
         CREATE INDEX documents_unrendered ON documents(created_us, id) WHERE bytes IS NULL; \
         DELETE FROM _sqlx_migrations WHERE version = {version};"
    )
}

async fn documents_an_older_release_kept_read_the_same_after_the_upgrade(db: TestDb) {
    let store = db.open().await;
    let (number, made) = registered(&store, 1).await;
    let (_, unrendered) = registered(&store, 2).await;
    store.close().await;
    execute(&db, before_issue_15(db.backend)).await;
    // What the older release kept: the same rendering (A), a rendering of an older renderer
    // (B), and a document made before contents were kept, bytes only (C).
    let older = b"%PDF-1.7 rendered by an older release".to_vec();
    let no_content = b"%PDF-1.7 made before contents were kept".to_vec();
    let [a, b, c] = [0, 1, 2].map(|i| made[i].id.clone());
    for (id, bytes, content) in [
        (&a, &made[0].pdf, "content"),
        (&b, &older, "content"),
        (&c, &no_content, "NULL"),
    ] {
        let sha256 = blob(db.backend, &Fingerprint::of(bytes).sha256);
        let bytes = blob(db.backend, bytes);
        execute(
            &db,
            format!(
                "UPDATE documents SET bytes = {bytes}, sha256 = {sha256}, content = {content} \
                 WHERE id = '{id}'"
            ),
        )
        .await;
    }

    // The upgrade: the migration, then the background renderer.
    let store = db.open().await;
    // Until the renderer came by, the kept bytes are given out.
    let state = server(store.clone(), 0);
    for (id, bytes) in [(&a, &made[0].pdf), (&b, &older), (&c, &no_content)] {
        assert_eq!(
            store.document(id).await.unwrap().1,
            DocumentBody::Rendered(bytes.clone())
        );
        assert_eq!(renderer::document_bytes(&state, id).await.unwrap(), *bytes);
    }
    let pending = store.unrendered_documents(None, 10).await.unwrap();
    let kept: Vec<_> = pending
        .iter()
        .filter(|p| p.kept.is_some())
        .map(|p| p.info.id.clone())
        .collect();
    assert_eq!(pending.len(), 5, "A, B and the three not rendered yet");
    assert!(kept.contains(&a) && kept.contains(&b), "{kept:?}");
    catch_up(&state, &store).await;
    assert!(nothing_left(&store).await);
    // A renders to its kept bytes: they are dropped, its fingerprint kept.
    assert_eq!(
        first_of(&store, &a).await,
        Some(Fingerprint::of(&made[0].pdf))
    );
    // B does not, and C cannot: their bytes stay.
    assert_eq!(
        store.document(&b).await.unwrap().1,
        DocumentBody::Rendered(older.clone())
    );
    assert_eq!(
        store.document(&c).await.unwrap().1,
        DocumentBody::Rendered(no_content.clone())
    );
    for (id, bytes) in [(&a, &made[0].pdf), (&b, &older), (&c, &no_content)] {
        assert_eq!(renderer::document_bytes(&state, id).await.unwrap(), *bytes);
    }
    assert_eq!(
        sizes(&store, number).await,
        [&made[0].pdf, &older, &no_content].map(|bytes| Some(bytes.len() as u64))
    );
    for document in &unrendered {
        assert_eq!(
            first_of(&store, &document.id).await,
            Some(Fingerprint::of(&document.pdf))
        );
    }
    store.close().await;
    // Opened again: the upgrade ran once, nothing changes.
    let store = db.open().await;
    assert!(nothing_left(&store).await);
    assert_eq!(
        store.document(&b).await.unwrap().1,
        DocumentBody::Rendered(older)
    );
    assert!(first_of(&store, &a).await.is_some());
    store.close().await;
}

conformance! {
    backends: [sqlite => Backend::Sqlite, postgres => Backend::Postgres],
    async: [
        a_download_is_the_first_rendering_across_restarts_and_cache_eviction,
        the_background_renderer_fingerprints_new_documents_and_downloads_agree,
        a_tampered_content_or_fingerprint_is_refused,
        documents_an_older_release_kept_read_the_same_after_the_upgrade,
    ],
    sync: [],
}
