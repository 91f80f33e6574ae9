//! Generated documents are rendered on demand (docs/design-docs.md «Generated documents»): the
//! store keeps a document's content and template version at its event, and of its first
//! rendering only the SHA-256 and the length, never the PDF.
//!
//! - In the background, soon after their event, [`run`] renders each new document once and
//!   keeps its fingerprint. It takes at most about a tenth of one core (it rests nine times as
//!   long as it worked), so under a burst of registrations it falls behind and catches up
//!   afterwards. A document a release before issue 15 kept the bytes of is rendered again: the
//!   bytes are dropped only when the rendering equals them, byte for byte; otherwise they stay.
//! - A download ([`document_bytes`]) renders the document again, or takes it from this server's
//!   [`DocumentCache`], and gives it out only when it matches the first rendering's
//!   fingerprint: a document never reads differently, and one that would is refused loudly
//!   (`document_changed`). A download before the background renderer came by keeps its own
//!   rendering's fingerprint, as the first.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::api::problem::ProblemCode;
use crate::server::AppState;
use crate::server::documents;
use crate::server::documents::DocumentError;
use crate::server::problem::ApiError;
use crate::server::store::{
    DocumentBody, Fingerprint, Fingerprinted, StoreError, UnrenderedDocument,
};

/// Documents rendered between two rests.
const BATCH: u32 = 16;
/// How long the renderer rests when nothing is left to render.
const IDLE: Duration = Duration::from_secs(1);
/// Rest this many times as long as the last batch took.
const REST_FACTOR: u32 = 9;

pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut after = None;
    loop {
        let pause = match render_some(&state, after.take()).await {
            Ok(Some((last, worked))) => {
                after = Some(last);
                worked * REST_FACTOR
            }
            // At the end of the list: start again from the oldest after a rest.
            Ok(None) => IDLE,
            Err(e) => {
                tracing::warn!(error = %e, "renderer: cannot read the documents to render");
                IDLE
            }
        };
        // The watch guard is dropped inside the branch (it is not `Send`).
        let stopped = tokio::select! {
            _ = tokio::time::sleep(pause) => false,
            _ = stop.wait_for(|stop| *stop) => true,
        };
        if stopped {
            break;
        }
    }
}

/// Fingerprints the next batch of documents after `after`; the last one looked at and how long
/// it took, or `None` when none was left. A document that cannot be rendered is logged and
/// passed over until the next round.
pub async fn render_some(
    state: &AppState,
    after: Option<(DateTime<Utc>, String)>,
) -> Result<Option<((DateTime<Utc>, String), Duration)>, StoreError> {
    let pending = state.store().unrendered_documents(after, BATCH).await?;
    let Some(last) = pending
        .last()
        .map(|document| (document.info.created_at, document.info.id.clone()))
    else {
        return Ok(None);
    };
    let started = Instant::now();
    for (id, e) in fingerprint(state, pending).await? {
        tracing::warn!(document = %id, error = %e, "renderer: cannot render");
    }
    Ok(Some((last, started.elapsed())))
}

/// Renders documents from their content on a blocking thread (a PDF takes about a
/// millisecond) and keeps what was found in one transaction, and so one fsync; the documents
/// that could not be rendered (id and why).
pub async fn fingerprint(
    state: &AppState,
    pending: Vec<UnrenderedDocument>,
) -> Result<Vec<(String, DocumentError)>, StoreError> {
    let (found, failed) = tokio::task::spawn_blocking(move || {
        let mut found = Vec::with_capacity(pending.len());
        let mut failed = Vec::new();
        for document in pending {
            let id = document.info.id;
            let rendered = documents::render_stored(
                &document.info.kind,
                &document.content,
                document.info.language,
            );
            let found_one = match (rendered, document.kept) {
                (Ok(bytes), None) => Fingerprinted::Rendered(Fingerprint::of(&bytes)),
                (Ok(bytes), Some(kept)) if bytes == kept => {
                    Fingerprinted::Rendered(Fingerprint::of(&bytes))
                }
                // Kept bytes the content does not give back (or no longer renders at all):
                // the bytes are the document.
                (rendered, Some(_)) => {
                    tracing::info!(document = %id, error = ?rendered.err(),
                        "renderer: the kept bytes differ from the content's rendering; they stay");
                    Fingerprinted::KeepBytes
                }
                (Err(e), None) => {
                    failed.push((id, e));
                    continue;
                }
            };
            found.push((id, found_one));
        }
        (found, failed)
    })
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?;
    if !found.is_empty() {
        state.store().keep_fingerprints(&found).await?;
    }
    Ok(failed)
}

/// Why a document was not given out.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Never rendered before, and it cannot be.
    #[error("document {id} cannot be rendered: {error}")]
    Unrenderable { id: String, error: DocumentError },
    /// Rendered before, and now it renders differently or not at all.
    #[error("document {id} no longer renders as first issued: {why}")]
    Changed { id: String, why: String },
}

impl From<DownloadError> for ApiError {
    fn from(error: DownloadError) -> ApiError {
        match error {
            DownloadError::Store(e) => e.into(),
            DownloadError::Unrenderable { .. } => {
                tracing::error!(error = %error, "document download");
                ApiError::new(ProblemCode::Internal)
            }
            DownloadError::Changed { .. } => {
                tracing::error!(error = %error, "document download: refused, it would differ");
                ApiError::new(ProblemCode::DocumentChanged)
            }
        }
    }
}

/// The PDF of generated document `id`: the bytes kept of it, or its content rendered again (or
/// taken from the cache) and checked against the first rendering's fingerprint.
pub async fn document_bytes(state: &AppState, id: &str) -> Result<Bytes, DownloadError> {
    // Only checked renderings are cached, and a document never changes: a hit needs no read.
    let cache = state.documents();
    if let Some(bytes) = cache.get(id) {
        return Ok(bytes);
    }
    let (info, body) = state.store().document(id).await?;
    let (content, first) = match body {
        DocumentBody::Rendered(bytes) => return Ok(Bytes::from(bytes)),
        DocumentBody::Content { content, first } => (content, first),
    };
    let kind = info.kind.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        documents::render_stored(&kind, &content, info.language)
    })
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?;
    let changed = |why: String| DownloadError::Changed {
        id: id.to_owned(),
        why,
    };
    let bytes = match (rendered, first) {
        (Ok(bytes), Some(first)) => {
            let now = Fingerprint::of(&bytes);
            if now != first {
                return Err(changed(format!(
                    "{} bytes with SHA-256 {}, first {} bytes with {}",
                    now.size,
                    hex::encode(now.sha256),
                    first.size,
                    hex::encode(first.sha256)
                )));
            }
            bytes
        }
        (Err(e), Some(_)) => return Err(changed(e.to_string())),
        (Err(error), None) => {
            return Err(DownloadError::Unrenderable {
                id: id.to_owned(),
                error,
            });
        }
        (Ok(bytes), None) => {
            // The first rendering: its fingerprint is kept, unless another server's or the
            // background renderer's came first, which this one must then equal.
            let now = Fingerprint::of(&bytes);
            let found = [(id.to_owned(), Fingerprinted::Rendered(now))];
            state.store().keep_fingerprints(&found).await?;
            match state.store().document(id).await?.1 {
                DocumentBody::Content {
                    first: Some(first), ..
                } if first == now => bytes,
                other => {
                    let kept = match other {
                        DocumentBody::Content { first, .. } => format!("{first:?}"),
                        DocumentBody::Rendered(_) => "bytes".to_owned(),
                    };
                    return Err(changed(format!("the first rendering kept is {kept}")));
                }
            }
        }
    };
    let bytes = Bytes::from(bytes);
    cache.put(id, bytes.clone());
    Ok(bytes)
}
