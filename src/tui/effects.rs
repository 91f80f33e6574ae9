//! The effect runner: every request a screen makes (HTTP through `src/client`, opening a
//! keystore, signing, writing a file) runs here in a tokio task, and its result comes back to
//! the app as a [`Reply`]. Screens never do I/O that can be slow themselves.
//!
//! To add a request: a variant of [`Call`], the matching variant of [`Reply`], and one arm in
//! [`Runner::run`].

use std::path::PathBuf;
use std::sync::Arc;

use rust_i18n::t;
use zeroize::Zeroizing;

use crate::api::applications::{
    ApplicationDetail, DocumentInfo, HistoryEntry, JournalPage, JournalQuery, PositionChange,
};
use crate::api::catalogue::Region;
use crate::api::profile::{BoundChild, Contacts, Profile};
use crate::api::public::{PublicQueueEntry, PublicQueueQuery, PublicStats};
use crate::client::{Client, ClientError};
use crate::domain::{ApplicationNumber, Iin};

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
    SaveFile {
        path: PathBuf,
        bytes: Vec<u8>,
    },
    /// The catalogue's regions.
    Regions,
    /// One page of «Журнал заявлений».
    Journal(JournalQuery),
    /// One application's detail, history, documents and position history.
    Application(ApplicationNumber),
    History(ApplicationNumber),
    Documents(ApplicationNumber),
    Positions(ApplicationNumber),
    /// «Скачать»: a document of an application into a file.
    Download {
        number: ApplicationNumber,
        document: String,
        path: PathBuf,
    },
    /// The profile; `SaveContacts` replaces its contacts.
    Profile,
    SaveContacts(Contacts),
    /// The children bound to the user; `BindChild` asks the registry to confirm a new one.
    Bindings,
    BindChild(Iin),
    /// Public, no login: queue numbers by application number or child IIN, region statistics.
    PublicQueue(PublicQueueQuery),
    PublicStats(String),
}

/// The answer to a [`Call`], delivered to the screen that made it.
#[derive(Debug)]
pub enum Reply {
    Saved(Result<PathBuf, CallError>),
    Regions(Result<Vec<Region>, CallError>),
    /// The page asked for, with the query that asked, so a stale page is recognised.
    Journal {
        query: Box<JournalQuery>,
        result: Result<JournalPage, CallError>,
    },
    Application(Result<Box<ApplicationDetail>, CallError>),
    History(Result<Vec<HistoryEntry>, CallError>),
    Documents(Result<Vec<DocumentInfo>, CallError>),
    Positions(Result<Vec<PositionChange>, CallError>),
    /// The profile as the server has it; `saved` when it answers `SaveContacts`.
    Profile {
        saved: bool,
        result: Result<Box<Profile>, CallError>,
    },
    Bindings(Result<Vec<BoundChild>, CallError>),
    Bound(Result<BoundChild, CallError>),
    PublicQueue(Result<Vec<PublicQueueEntry>, CallError>),
    PublicStats(Result<PublicStats, CallError>),
}

impl Reply {
    /// Whether the request reached the backend (`None` for local work), for the status bar.
    pub fn reached_server(&self) -> Option<bool> {
        let error = match self {
            Reply::Saved(_) => return None,
            Reply::Regions(r) => r.as_ref().err(),
            Reply::Journal { result, .. } => result.as_ref().err(),
            Reply::Application(r) => r.as_ref().err(),
            Reply::History(r) => r.as_ref().err(),
            Reply::Documents(r) => r.as_ref().err(),
            Reply::Positions(r) => r.as_ref().err(),
            Reply::Profile { result, .. } => result.as_ref().err(),
            Reply::Bindings(r) => r.as_ref().err(),
            Reply::Bound(r) => r.as_ref().err(),
            Reply::PublicQueue(r) => r.as_ref().err(),
            Reply::PublicStats(r) => r.as_ref().err(),
        };
        Some(!error.is_some_and(CallError::unreachable))
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
    /// The server refused or could not be reached.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl CallError {
    /// Whether the server could not be reached at all (rather than refusing).
    pub fn unreachable(&self) -> bool {
        matches!(self, CallError::Client(ClientError::Transport(_)))
    }

    /// The message for the screen, in the current language.
    pub fn message(&self) -> String {
        match self {
            CallError::Write { path, source } => t!(
                "tui.error.write_file",
                path = path.display(),
                reason = source
            )
            .into_owned(),
            CallError::Client(error) => error.translated(),
        }
    }
}

/// Carries out [`Call`]s; cheap to clone into each task.
#[derive(Debug, Clone, Default)]
pub struct Runner {
    client: Option<Arc<Client>>,
}

impl Runner {
    pub fn new() -> Runner {
        Runner { client: None }
    }

    /// A runner whose HTTP requests go to `client`'s backend.
    pub fn with_client(client: Client) -> Runner {
        Runner {
            client: Some(Arc::new(client)),
        }
    }

    fn client(&self) -> Result<&Client, CallError> {
        self.client
            .as_deref()
            .ok_or_else(|| ClientError::Transport("no backend configured".to_owned()).into())
    }

    /// Runs one HTTP request through the client.
    async fn http<T>(
        &self,
        request: impl AsyncFnOnce(&Client) -> Result<T, ClientError>,
    ) -> Result<T, CallError> {
        Ok(request(self.client()?).await?)
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
            Call::Regions => Reply::Regions(self.http(async |c| c.regions().await).await),
            Call::Journal(query) => {
                let result = self.http(async |c| c.journal(&query).await).await;
                Reply::Journal {
                    query: Box::new(query),
                    result,
                }
            }
            Call::Application(number) => Reply::Application(
                self.http(async |c| c.application(&number).await)
                    .await
                    .map(Box::new),
            ),
            Call::History(number) => {
                Reply::History(self.http(async |c| c.history(&number).await).await)
            }
            Call::Documents(number) => {
                Reply::Documents(self.http(async |c| c.documents(&number).await).await)
            }
            Call::Positions(number) => {
                Reply::Positions(self.http(async |c| c.position_history(&number).await).await)
            }
            Call::Download {
                number,
                document,
                path,
            } => {
                let downloaded = self
                    .http(async |c| c.download_document(&number, &document).await)
                    .await;
                Reply::Saved(match downloaded {
                    Ok(file) => tokio::fs::write(&path, file.bytes)
                        .await
                        .map(|()| path.clone())
                        .map_err(|source| CallError::Write { path, source }),
                    Err(error) => Err(error),
                })
            }
            Call::Profile => Reply::Profile {
                saved: false,
                result: self.http(async |c| c.profile().await).await.map(Box::new),
            },
            Call::SaveContacts(contacts) => Reply::Profile {
                saved: true,
                result: self
                    .http(async |c| c.update_contacts(&contacts).await)
                    .await
                    .map(Box::new),
            },
            Call::Bindings => Reply::Bindings(self.http(async |c| c.bindings().await).await),
            Call::BindChild(iin) => {
                Reply::Bound(self.http(async |c| c.bind_child(iin).await).await)
            }
            Call::PublicQueue(query) => {
                Reply::PublicQueue(self.http(async |c| c.public_queue(&query).await).await)
            }
            Call::PublicStats(region) => {
                Reply::PublicStats(self.http(async |c| c.public_stats(&region).await).await)
            }
        }
    }
}
