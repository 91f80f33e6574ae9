//! The effect runner: every request a screen makes (HTTP through `src/client`, opening a
//! keystore, signing, writing a file) runs here in a tokio task, and its result comes back to
//! the app as a [`Reply`]. Screens never do I/O that can be slow themselves.
//!
//! To add a request: a variant of [`Call`], the matching variant of [`Reply`], and one arm in
//! [`Runner::run`].

use std::path::PathBuf;

use rust_i18n::t;
use zeroize::Zeroizing;

/// A password on its way to a keystore: zeroized when dropped, never printed by `Debug`.
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: &str) -> Secret {
        Secret(Zeroizing::new(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A request a screen asks the runner to carry out.
#[derive(Debug)]
pub enum Call {
    /// Write a downloaded document to a file.
    SaveFile { path: PathBuf, bytes: Vec<u8> },
}

/// The answer to a [`Call`], delivered to the screen that made it.
#[derive(Debug)]
pub enum Reply {
    Saved(Result<PathBuf, CallError>),
}

impl Reply {
    /// Whether the request reached the backend (`None` for local work), for the status bar.
    pub fn reached_server(&self) -> Option<bool> {
        match self {
            Reply::Saved(_) => None,
        }
    }
}

/// Why a request failed, translated at the edge by [`CallError::message`].
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl CallError {
    /// The message for the screen, in the current language.
    pub fn message(&self) -> String {
        match self {
            CallError::Write { path, source } => t!(
                "tui.error.write_file",
                path = path.display(),
                reason = source
            )
            .into_owned(),
        }
    }
}

/// Carries out [`Call`]s; cheap to clone into each task.
#[derive(Debug, Clone, Default)]
pub struct Runner {}

impl Runner {
    pub fn new() -> Runner {
        Runner {}
    }

    /// Runs one request to completion.
    pub async fn run(&self, call: Call) -> Reply {
        match call {
            Call::SaveFile { path, bytes } => Reply::Saved(
                tokio::fs::write(&path, bytes)
                    .await
                    .map(|()| path.clone())
                    .map_err(|source| CallError::Write { path, source }),
            ),
        }
    }
}
