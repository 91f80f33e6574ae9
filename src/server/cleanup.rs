//! Deletes uploaded scans that no application references once they are older than
//! `limits.unreferenced_attachment_hours` (a day by default): a scan is uploaded before the
//! application or the benefit change that references it is signed, and one that was never
//! used would otherwise stay forever. Every server of a deployment may run it: the deletion is
//! one statement that skips whatever is referenced when it runs.

use std::time::Duration;

use tokio::sync::watch;

use crate::server::store::StoreResult;
use crate::server::{AppState, scheduler};

/// How often the clean-up runs (and once at start).
const EVERY: Duration = Duration::from_secs(10 * 60);

/// Runs until `stop` turns true.
pub async fn run(state: AppState, stop: watch::Receiver<bool>) {
    scheduler::every(EVERY, stop, || async {
        match sweep(&state).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "clean-up: unreferenced scans deleted"),
            Err(e) => tracing::warn!(error = %e, "clean-up: cannot delete unreferenced scans"),
        }
    })
    .await;
}

/// Deletes the scans uploaded before the server's clock minus the configured age that no
/// application references; how many.
pub async fn sweep(state: &AppState) -> StoreResult<u64> {
    let before = state.now() - state.config().limits.unreferenced_attachment_age();
    state.store().delete_unreferenced_attachments(before).await
}
