//! The trust store the server checks certificates with, kept fresh: the configured CRL files
//! are read again every `trust.crl_reload_seconds` (0: never) and whenever [`reload`] is called
//! (`kezek serve` does on SIGHUP). The new store replaces the old one whole, so a request in
//! flight finishes with the store it started with and none waits for a reload; a file that
//! fails to load keeps the list it gave before and is logged as an error.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::watch;

use crate::pki::trust::{TrustError, TrustStore};
use crate::server::AppState;

/// The trust store in use, swapped whole on a reload.
#[derive(Debug)]
pub struct Trust {
    current: RwLock<Arc<TrustStore>>,
    /// One reload at a time, so a slower one never puts back an older store.
    reloading: tokio::sync::Mutex<()>,
}

impl Trust {
    pub fn new(store: TrustStore) -> Trust {
        Trust {
            current: RwLock::new(Arc::new(store)),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The store in use now.
    pub fn current(&self) -> Arc<TrustStore> {
        // A panic while holding the lock cannot leave half a store behind: it holds an `Arc`.
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn replace(&self, store: TrustStore) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(store);
    }
}

/// Reads the configured CRL files again (on a blocking thread: large lists take a while to
/// parse) and puts the new store in use. Answers the files that failed; each kept its previous
/// list and was logged as an error.
pub async fn reload(state: &AppState) -> Vec<TrustError> {
    let trust = &state.0.trust;
    let _one_at_a_time = trust.reloading.lock().await;
    let current = trust.current();
    let files = state.config().trust.crls.clone();
    let read = tokio::task::spawn_blocking(move || current.with_reloaded_crls(&files)).await;
    let (store, failures) = match read {
        Ok(outcome) => outcome,
        Err(e) => {
            tracing::error!(error = %e, "revocation lists not reloaded; the ones in use stay");
            return Vec::new();
        }
    };
    for failure in &failures {
        tracing::error!(
            error = %failure,
            "REVOCATION LIST NOT RELOADED: the previous list of this file stays in use"
        );
    }
    trust.replace(store);
    tracing::info!(
        files = state.config().trust.crls.len(),
        failed = failures.len(),
        "revocation lists reloaded"
    );
    failures
}

/// Reloads the CRLs every `trust.crl_reload_seconds` (never when it is 0) until `stop` turns
/// true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let seconds = state.config().trust.crl_reload_seconds;
    if seconds == 0 {
        let _ = stop.wait_for(|stop| *stop).await;
        return;
    }
    let period = Duration::from_secs(seconds);
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // The watch guard is dropped inside the branch (it is not `Send`).
        let stopped = tokio::select! {
            _ = interval.tick() => false,
            _ = stop.wait_for(|stop| *stop) => true,
        };
        if stopped {
            break;
        }
        reload(&state).await;
    }
}
