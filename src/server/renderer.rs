//! Renders, in the background, the generated documents whose PDF is not made yet, soon after
//! their event: the store keeps a document's content at the event and the PDF is rendered
//! outside the writer's transaction (`docs/design-docs.md`). The renderer takes at most about a
//! tenth of one core (it rests nine times as long as it worked), so under a burst of
//! registrations it falls behind and catches up afterwards; a download meanwhile renders on
//! demand. Both keep the first bytes, and rendering is deterministic, so they are the same.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::server::AppState;
use crate::server::documents;
use crate::server::documents::DocumentError;
use crate::server::store::{DocumentInfo, StoreError};

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

/// Renders the next batch of documents after `after` and keeps their bytes; the last one
/// looked at and how long it took, or `None` when none was left. A document that cannot be
/// rendered is logged and passed over until the next round.
pub async fn render_some(
    state: &AppState,
    after: Option<(DateTime<Utc>, String)>,
) -> Result<Option<((DateTime<Utc>, String), Duration)>, StoreError> {
    let pending = state.store().unrendered_documents(after, BATCH).await?;
    let Some(last) = pending
        .last()
        .map(|(info, _)| (info.created_at, info.id.clone()))
    else {
        return Ok(None);
    };
    let started = Instant::now();
    let (_, failed) = render_and_keep(state, pending).await?;
    for (id, e) in failed {
        tracing::warn!(document = %id, error = %e, "renderer: cannot render");
    }
    Ok(Some((last, started.elapsed())))
}

/// Rendered documents (id and PDF) and those that could not be rendered (id and why).
pub type Rendering = (Vec<(String, Vec<u8>)>, Vec<(String, DocumentError)>);

/// Renders documents from the content stored at their event on a blocking thread (a PDF takes
/// about a millisecond) and keeps the bytes in one transaction, and so one fsync.
pub async fn render_and_keep(
    state: &AppState,
    pending: Vec<(DocumentInfo, String)>,
) -> Result<Rendering, StoreError> {
    let (made, failed) = tokio::task::spawn_blocking(move || {
        let mut made = Vec::with_capacity(pending.len());
        let mut failed = Vec::new();
        for (info, content) in pending {
            match documents::render_stored(&info.kind, &content, info.language) {
                Ok(bytes) => made.push((info.id, bytes)),
                Err(e) => failed.push((info.id, e)),
            }
        }
        (made, failed)
    })
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?;
    if !made.is_empty() {
        state.store().keep_rendered(&made).await?;
    }
    Ok((made, failed))
}
