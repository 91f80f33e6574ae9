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
use crate::server::store::StoreError;

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
    let rendered = tokio::task::spawn_blocking(move || {
        pending
            .into_iter()
            .map(|(info, content)| {
                let bytes = documents::render_stored(&info.kind, &content, info.language);
                (info.id, bytes)
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| StoreError::Database(e.to_string()))?;
    let mut made = Vec::with_capacity(rendered.len());
    for (id, bytes) in rendered {
        match bytes {
            Ok(bytes) => made.push((id, bytes)),
            Err(e) => tracing::warn!(document = %id, error = %e, "renderer: cannot render"),
        }
    }
    // One transaction, and so one fsync, for the batch.
    if !made.is_empty() {
        state.store().keep_rendered(&made).await?;
    }
    Ok(Some((last, started.elapsed())))
}
