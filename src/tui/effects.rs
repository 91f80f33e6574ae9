//! The effect runner: every request a screen makes (HTTP through `src/client`, opening a
//! keystore, signing, writing a file) runs here in a tokio task, and its result comes back to
//! the app as a [`Reply`]. Screens never do I/O that can be slow themselves.
//!
//! To add a request: a variant of [`Call`], the matching variant of [`Reply`], and one arm in
//! [`Runner::run`].

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rust_i18n::t;
use zeroize::Zeroizing;

use crate::api::applications::{
    ApplicationDetail, AttachmentUploaded, DocumentInfo, HistoryEntry, JournalPage, JournalQuery,
    PositionChange, SubmissionResult,
};
use crate::api::auth::LoginResponse;
use crate::api::catalogue::{BenefitCategoryInfo, Region};
use crate::api::catalogue::{Kindergarten, KindergartenQuery};
use crate::api::documents::{ActionDocument, Document, Submission};
use crate::api::documents::{KindergartenDocument, PlacesDocument};
use crate::api::officer::{KindergartenChanged, PublishedPlaces};
use crate::api::problem::ProblemCode;
use crate::api::profile::{BoundChild, Contacts, Person, Profile};
use crate::api::public::{PublicQueueEntry, PublicQueueQuery, PublicStats};
use crate::client::{Client, ClientError};
use crate::domain::{ApplicationNumber, Iin};
use crate::pki::keystore::{Keystore, KeystoreError};
use crate::pki::xmldsig::{self, XmlDsigError};
use crate::tui::keyring::{KeyringError, OsKeyring};
use crate::tui::screen::Remembered;
use crate::tui::screens::officer::{self, calls::OfficerCall, calls::OfficerReply};

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

/// What the signing window signs and sends.
#[derive(Debug, Clone)]
pub enum SignTask {
    /// The application of the wizard.
    Submit(Box<Submission>),
    /// An action on an application («Продлить направление», «Снять с очереди», …); its
    /// envelope is made when the dialog is confirmed, so every retry repeats the request id.
    /// An officer's action (`ActionRequest::is_officer_action`) goes to the officer's path.
    Act(ActionDocument),
    /// Officer: free places published in groups (issue 13).
    Places(PlacesDocument),
    /// Officer: a kindergarten or group added, a capacity changed, one closed (issue 13).
    Kindergarten(KindergartenDocument),
}

/// The server's answer to a signed document.
#[derive(Debug)]
pub enum Sent {
    Submitted(SubmissionResult),
    Acted(Box<ApplicationDetail>),
    /// The places published and the offers made of them at once.
    Published(Box<PublishedPlaces>),
    KindergartenChanged(Box<KindergartenChanged>),
}

/// A login document signed with the AUTH key, and whose it is.
#[derive(Debug, Clone)]
pub struct SignedLogin {
    pub signed_xml: String,
    pub iin: String,
    pub full_name: String,
    /// Why the key's certificate does not lead to an authority the server trusts (checked
    /// against the server's trust anchors before anything is sent); `None` when it does, or
    /// when the anchors could not be fetched (the server decides then).
    pub untrusted: Option<crate::pki::trust::TrustError>,
}

/// A request a screen asks the runner to carry out.
#[derive(Debug)]
pub enum Call {
    Regions,
    Benefits,
    /// The kindergartens of a region: names and addresses for the codes an offer or a
    /// direction carries.
    Kindergartens(KindergartenQuery),
    Profile,
    RegistryPerson(Iin),
    /// Wizard step 2: may the user queue the child of this IIN (the registry's child if so).
    ChildCheck(Iin),
    /// Open a PKCS#12 file (on a blocking thread: the key derivation takes a while).
    OpenKeystore {
        path: PathBuf,
        password: Secret,
    },
    /// Fetch a login challenge and sign it with the AUTH key.
    SignLogin {
        keystore: Arc<Keystore>,
        alias: String,
    },
    /// Send the signed login; on success the session token is kept for every later call.
    Login {
        signed_xml: String,
    },
    Logout,
    /// Pick up the session the OS keyring kept from the last run, if the server still knows it.
    ResumeSession,
    /// Keep the keystores just used in the OS keyring for the next run.
    KeepRemembered(Remembered),
    SaveContacts(Contacts),
    UploadAttachment(PathBuf),
    /// Build the document of `task`, sign it with the SIGN key and send it.
    SignAndSend {
        keystore: Arc<Keystore>,
        alias: String,
        task: SignTask,
    },
    /// One page of «Журнал заявлений».
    Journal(JournalQuery),
    /// One application's detail, history, documents and position history.
    Application(ApplicationNumber),
    History(ApplicationNumber),
    Documents(ApplicationNumber),
    Positions(ApplicationNumber),
    /// The children bound to the user; `BindChild` asks the registry to confirm a new one.
    Bindings,
    BindChild(Iin),
    /// Public, no login: queue numbers by application number or child IIN, region statistics.
    PublicQueue(PublicQueueQuery),
    PublicStats(String),
    /// Download a document of an application into `path`.
    Download {
        number: ApplicationNumber,
        document_id: String,
        path: PathBuf,
    },
    /// The officer screens' requests (issue 13).
    Officer(OfficerCall),
}

/// The answer to a [`Call`], delivered to the screen that made it.
#[derive(Debug)]
pub enum Reply {
    Regions(Result<Vec<Region>, CallError>),
    Benefits(Result<Vec<BenefitCategoryInfo>, CallError>),
    Kindergartens(Result<Vec<Kindergarten>, CallError>),
    Profile(Result<Profile, CallError>),
    Person(Result<Person, CallError>),
    /// The answer to [`Call::ChildCheck`], with the IIN asked about.
    ChildChecked {
        iin: Iin,
        result: Result<Person, CallError>,
    },
    Keystore(Result<Arc<Keystore>, CallError>),
    LoginSigned(Result<SignedLogin, CallError>),
    LoggedIn(Result<LoginResponse, CallError>),
    LoggedOut,
    /// The resumed session's profile, or `None` when there was none to resume.
    Resumed(Option<Profile>),
    Kept,
    ContactsSaved(Result<(), CallError>),
    Uploaded {
        path: PathBuf,
        result: Result<AttachmentUploaded, CallError>,
    },
    Sent(Result<Sent, CallError>),
    Saved(Result<PathBuf, CallError>),
    /// The page asked for, with the query that asked, so a stale page is recognised.
    Journal {
        query: Box<JournalQuery>,
        result: Result<JournalPage, CallError>,
    },
    Application(Result<Box<ApplicationDetail>, CallError>),
    History(Result<Vec<HistoryEntry>, CallError>),
    Documents(Result<Vec<DocumentInfo>, CallError>),
    Positions(Result<Vec<PositionChange>, CallError>),
    Bindings(Result<Vec<BoundChild>, CallError>),
    Bound(Result<BoundChild, CallError>),
    PublicQueue(Result<Vec<PublicQueueEntry>, CallError>),
    PublicStats(Result<PublicStats, CallError>),
    Officer(OfficerReply),
}

impl Reply {
    /// Whether the request reached the backend (`None` for local work), for the status bar.
    pub fn reached_server(&self) -> Option<bool> {
        let error = match self {
            Reply::Regions(r) => r.as_ref().err(),
            Reply::Benefits(r) => r.as_ref().err(),
            Reply::Kindergartens(r) => r.as_ref().err(),
            Reply::Profile(r) => r.as_ref().err(),
            Reply::Person(r) => r.as_ref().err(),
            Reply::ChildChecked { result, .. } => result.as_ref().err(),
            Reply::LoginSigned(r) => r.as_ref().err(),
            Reply::LoggedIn(r) => r.as_ref().err(),
            Reply::ContactsSaved(r) => r.as_ref().err(),
            Reply::Uploaded { result, .. } => result.as_ref().err(),
            Reply::Sent(r) => r.as_ref().err(),
            Reply::Saved(r) => r.as_ref().err(),
            Reply::Journal { result, .. } => result.as_ref().err(),
            Reply::Application(r) => r.as_ref().err(),
            Reply::History(r) => r.as_ref().err(),
            Reply::Documents(r) => r.as_ref().err(),
            Reply::Positions(r) => r.as_ref().err(),
            Reply::Bindings(r) => r.as_ref().err(),
            Reply::Bound(r) => r.as_ref().err(),
            Reply::PublicQueue(r) => r.as_ref().err(),
            Reply::PublicStats(r) => r.as_ref().err(),
            Reply::Keystore(_) | Reply::LoggedOut | Reply::Resumed(_) | Reply::Kept => {
                return None;
            }
            Reply::Officer(r) if r.is_local() => return None,
            Reply::Officer(r) => r.error(),
        };
        match error {
            None => Some(true),
            Some(CallError::Client(e)) if e.unreachable() => Some(false),
            Some(CallError::Client(_)) => Some(true),
            Some(_) => None,
        }
    }
}

/// Why a request failed, translated at the edge by [`CallError::message`].
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    #[error(transparent)]
    Sign(#[from] XmlDsigError),
    #[error("no key {0} in the keystore")]
    NoKey(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A program could not be started (the desktop's viewer).
    #[error("cannot start {program}: {source}")]
    Launch {
        program: String,
        source: std::io::Error,
    },
}

impl CallError {
    /// Whether the signing window should keep this error so the user can try again there:
    /// anything about the key, the signature or the connection. A refusal on the rules (the
    /// status does not allow it, a bad date, an unknown attachment) goes back to the screen
    /// that asked, which stays as it was.
    pub fn stays_in_signing_window(&self) -> bool {
        use ProblemCode::*;
        match self {
            CallError::Client(ClientError::Problem(problem)) => matches!(
                problem.code,
                SignatureMissing
                    | SignatureInvalid
                    | CertificateUntrusted
                    | CertificateExpired
                    | CertificateRevoked
                    | CertificatePathInvalid
                    | CrlStale
                    | EmployeeKeyRequired
                    | WrongKeyUsage
                    | SignerMismatch
                    | StaleDocument
                    | RateLimited
                    | Internal
            ),
            _ => true,
        }
    }

    /// The message for the screen, in the current language.
    pub fn message(&self) -> String {
        match self {
            CallError::Client(e) => e.translated(),
            CallError::Keystore(e) => e.translated(),
            CallError::Sign(e) => e.translated(),
            CallError::NoKey(alias) => t!("tui.error.no_key", alias = alias).into_owned(),
            CallError::Read { path, source } => t!(
                "tui.error.read_file",
                path = path.display(),
                reason = source
            )
            .into_owned(),
            CallError::Write { path, source } => t!(
                "tui.error.write_file",
                path = path.display(),
                reason = source
            )
            .into_owned(),
            CallError::Launch { program, source } => {
                t!("officer.error.launch", program = program, reason = source).into_owned()
            }
        }
    }
}

/// Carries out [`Call`]s; cheap to clone into each task.
#[derive(Clone)]
pub struct Runner {
    client: Arc<RwLock<Client>>,
    keyring: Option<Arc<OsKeyring>>,
    /// The token the keyring kept from the last run, tried once by [`Call::ResumeSession`]
    /// (never again: a later login screen comes after a logout).
    kept_token: Arc<std::sync::Mutex<Option<Zeroizing<String>>>>,
    /// Whether session tokens go to the keyring: not for the embedded backend, whose sessions
    /// are throw-away (each run may use a fresh data folder, and would leave an entry behind).
    keep_sessions: bool,
}

impl Runner {
    pub fn new(client: Client) -> Runner {
        Runner {
            client: Arc::new(RwLock::new(client)),
            keyring: None,
            kept_token: Arc::default(),
            keep_sessions: true,
        }
    }

    /// Stops keeping session tokens in the keyring (the embedded backend's sessions).
    pub fn without_kept_sessions(self) -> Runner {
        Runner {
            keep_sessions: false,
            ..self
        }
    }

    /// Keeps the session token and keystore paths in `keyring`; `token`, kept by the last run,
    /// is offered once to [`Call::ResumeSession`].
    pub fn with_keyring(self, keyring: Arc<OsKeyring>, token: Option<Zeroizing<String>>) -> Runner {
        Runner {
            keyring: Some(keyring),
            kept_token: Arc::new(std::sync::Mutex::new(token)),
            ..self
        }
    }

    fn set_token(&self, token: Option<String>) {
        self.client
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .set_token(token);
    }

    /// Runs `work` with the keyring on a blocking thread (D-Bus and keyutils block); a failure
    /// is logged, never shown: the keyring is a convenience.
    async fn with_keyring_blocking(
        &self,
        work: impl FnOnce(&OsKeyring) -> Result<(), KeyringError> + Send + 'static,
    ) {
        let Some(keyring) = self.keyring.clone() else {
            return;
        };
        let outcome = tokio::task::spawn_blocking(move || work(&keyring)).await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "OS keyring call failed"),
            Err(e) => tracing::warn!(error = %e, "OS keyring task failed"),
        }
    }

    /// A copy of the client with the current session token (a cheap clone).
    fn client(&self) -> Client {
        self.client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The kept session, if the server still accepts its token; a refused token is forgotten
    /// (expired, or logged out elsewhere) and the user logs in as usual.
    async fn resume_session(&self) -> Reply {
        let kept = self
            .kept_token
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(token) = kept else {
            return Reply::Resumed(None);
        };
        let mut client = self.client();
        client.set_token(Some(token.as_str().to_owned()));
        match client.profile().await {
            Ok(profile) => {
                self.set_token(Some(token.as_str().to_owned()));
                Reply::Resumed(Some(profile))
            }
            Err(e) => {
                tracing::info!(error = %e, "kept session not resumed");
                self.with_keyring_blocking(OsKeyring::forget_session_token)
                    .await;
                Reply::Resumed(None)
            }
        }
    }

    /// Runs one request to completion.
    pub async fn run(&self, call: Call) -> Reply {
        match call {
            Call::Regions => Reply::Regions(self.client().regions().await.map_err(Into::into)),
            Call::Benefits => Reply::Benefits(self.client().benefits().await.map_err(Into::into)),
            Call::Kindergartens(query) => Reply::Kindergartens(
                self.client()
                    .kindergartens(&query)
                    .await
                    .map_err(Into::into),
            ),
            Call::Profile => Reply::Profile(self.client().profile().await.map_err(Into::into)),
            Call::RegistryPerson(iin) => {
                Reply::Person(self.client().registry_person(iin).await.map_err(Into::into))
            }
            Call::ChildCheck(iin) => Reply::ChildChecked {
                iin,
                result: self.client().child_check(iin).await.map_err(Into::into),
            },
            Call::OpenKeystore { path, password } => Reply::Keystore(
                tokio::task::spawn_blocking(move || {
                    Keystore::open_file(&path, password.expose()).map(Arc::new)
                })
                .await
                .expect("keystore task does not panic")
                .map_err(Into::into),
            ),
            Call::SignLogin { keystore, alias } => {
                Reply::LoginSigned(self.sign_login(keystore, &alias).await)
            }
            Call::Login { signed_xml } => {
                let mut client = self.client();
                let result = client.login(&signed_xml).await;
                if let Ok(login) = &result {
                    self.set_token(Some(login.token.clone()));
                    if self.keep_sessions {
                        let token = Zeroizing::new(login.token.clone());
                        self.with_keyring_blocking(move |k| k.keep_session_token(&token))
                            .await;
                    }
                }
                Reply::LoggedIn(result.map_err(Into::into))
            }
            Call::Logout => {
                let mut client = self.client();
                if let Err(e) = client.logout().await {
                    tracing::info!(error = %e, "logout request failed; the token is dropped anyway");
                }
                self.set_token(None);
                self.with_keyring_blocking(OsKeyring::forget_session_token)
                    .await;
                Reply::LoggedOut
            }
            Call::ResumeSession => self.resume_session().await,
            Call::KeepRemembered(remembered) => {
                self.with_keyring_blocking(move |k| k.keep_remembered(&remembered))
                    .await;
                Reply::Kept
            }
            Call::SaveContacts(contacts) => Reply::ContactsSaved(
                self.client()
                    .update_contacts(&contacts)
                    .await
                    .map(|_| ())
                    .map_err(Into::into),
            ),
            Call::UploadAttachment(path) => {
                let result = self.upload(&path).await;
                Reply::Uploaded { path, result }
            }
            Call::SignAndSend {
                keystore,
                alias,
                task,
            } => Reply::Sent(self.sign_and_send(keystore, &alias, task).await),
            Call::Journal(query) => {
                let result = self.client().journal(&query).await.map_err(Into::into);
                Reply::Journal {
                    query: Box::new(query),
                    result,
                }
            }
            Call::Application(number) => Reply::Application(
                self.client()
                    .application(&number)
                    .await
                    .map(Box::new)
                    .map_err(Into::into),
            ),
            Call::History(number) => {
                Reply::History(self.client().history(&number).await.map_err(Into::into))
            }
            Call::Documents(number) => {
                Reply::Documents(self.client().documents(&number).await.map_err(Into::into))
            }
            Call::Positions(number) => Reply::Positions(
                self.client()
                    .position_history(&number)
                    .await
                    .map_err(Into::into),
            ),
            Call::Bindings => Reply::Bindings(self.client().bindings().await.map_err(Into::into)),
            Call::BindChild(iin) => {
                Reply::Bound(self.client().bind_child(iin).await.map_err(Into::into))
            }
            Call::PublicQueue(query) => {
                Reply::PublicQueue(self.client().public_queue(&query).await.map_err(Into::into))
            }
            Call::PublicStats(region) => Reply::PublicStats(
                self.client()
                    .public_stats(&region)
                    .await
                    .map_err(Into::into),
            ),
            Call::Download {
                number,
                document_id,
                path,
            } => Reply::Saved(self.download(&number, &document_id, path).await),
            Call::Officer(call) => Reply::Officer(officer::calls::run(call, self.client()).await),
        }
    }

    async fn sign_login(
        &self,
        keystore: Arc<Keystore>,
        alias: &str,
    ) -> Result<SignedLogin, CallError> {
        let client = self.client();
        let (challenge, anchors) = tokio::join!(client.challenge(), client.trust_anchors());
        let challenge = challenge?;
        let anchors = anchors
            .inspect_err(
                |e| tracing::info!(error = %e, "trust anchors not fetched; no local check"),
            )
            .ok();
        let alias = alias.to_owned();
        tokio::task::spawn_blocking(move || {
            let entry = keystore
                .entries
                .iter()
                .find(|e| e.alias == alias)
                .ok_or_else(|| CallError::NoKey(alias.clone()))?;
            let signed_xml = xmldsig::sign(&challenge.xml, &entry.key, &entry.certificate)?;
            let subject = &entry.certificate.info().subject;
            // The same chain check the server makes (revocation aside: the lists stay there).
            let untrusted = anchors.and_then(|anchors| {
                crate::pki::trust::TrustStore::new(anchors)
                    .check(&entry.certificate, chrono::Utc::now())
                    .err()
            });
            Ok(SignedLogin {
                signed_xml,
                iin: subject.iin.clone().unwrap_or_default(),
                full_name: subject.common_name.clone().unwrap_or_default(),
                untrusted,
            })
        })
        .await
        .expect("signing task does not panic")
    }

    async fn upload(&self, path: &std::path::Path) -> Result<AttachmentUploaded, CallError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| CallError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scan".to_owned());
        Ok(self.client().upload_attachment(&name, bytes).await?)
    }

    async fn sign_and_send(
        &self,
        keystore: Arc<Keystore>,
        alias: &str,
        task: SignTask,
    ) -> Result<Sent, CallError> {
        // The signing time is now, not when the wizard was opened; the request id stays, so a
        // retry after a lost answer never makes two applications.
        let document = match &task {
            SignTask::Submit(submission) => {
                let mut submission = submission.as_ref().clone();
                submission.envelope.signed_at = chrono::Utc::now();
                Document::Application(Box::new(submission))
            }
            SignTask::Act(action) => {
                let mut action = action.clone();
                action.envelope.signed_at = chrono::Utc::now();
                Document::Action(action)
            }
            SignTask::Places(places) => {
                let mut places = places.clone();
                places.envelope.signed_at = chrono::Utc::now();
                Document::Places(places)
            }
            SignTask::Kindergarten(change) => {
                let mut change = change.clone();
                change.envelope.signed_at = chrono::Utc::now();
                Document::Kindergarten(change)
            }
        };
        let request_id = document
            .envelope()
            .map(|e| e.request_id.clone())
            .unwrap_or_default();
        let xml = document.to_xml();
        let alias = alias.to_owned();
        let signed_xml = tokio::task::spawn_blocking(move || {
            let entry = keystore
                .entries
                .iter()
                .find(|e| e.alias == alias)
                .ok_or_else(|| CallError::NoKey(alias.clone()))?;
            Ok::<_, CallError>(xmldsig::sign(&xml, &entry.key, &entry.certificate)?)
        })
        .await
        .expect("signing task does not panic")?;
        let client = self.client();
        match task {
            SignTask::Submit(_) => Ok(Sent::Submitted(
                client.submit_application(&request_id, &signed_xml).await?,
            )),
            SignTask::Act(action) if action.action.is_officer_action() => {
                Ok(Sent::Acted(Box::new(
                    client
                        .officer_act(
                            &action.number,
                            action.action.code(),
                            &request_id,
                            &signed_xml,
                        )
                        .await?,
                )))
            }
            SignTask::Act(action) => Ok(Sent::Acted(Box::new(
                client
                    .act(
                        &action.number,
                        action.action.code(),
                        &request_id,
                        &signed_xml,
                    )
                    .await?,
            ))),
            SignTask::Places(_) => Ok(Sent::Published(Box::new(
                client.publish_free_places(&request_id, &signed_xml).await?,
            ))),
            SignTask::Kindergarten(_) => Ok(Sent::KindergartenChanged(Box::new(
                client.change_kindergarten(&request_id, &signed_xml).await?,
            ))),
        }
    }

    async fn download(
        &self,
        number: &ApplicationNumber,
        document_id: &str,
        path: PathBuf,
    ) -> Result<PathBuf, CallError> {
        let download = self.client().download_document(number, document_id).await?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|source| CallError::Write {
                    path: path.clone(),
                    source,
                })?;
        }
        match tokio::fs::write(&path, &download.bytes).await {
            Ok(()) => Ok(path),
            Err(source) => {
                // Some file systems (FAT on a USB stick, old SMB shares) refuse Cyrillic names:
                // the same name in Latin letters is tried before giving up.
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let latin = name
                    .as_deref()
                    .map(crate::tui::format::latin_file_name)
                    .filter(|latin| Some(latin.as_str()) != name.as_deref());
                if let Some(latin) = latin {
                    let fallback = path.with_file_name(latin);
                    if tokio::fs::write(&fallback, &download.bytes).await.is_ok() {
                        return Ok(fallback);
                    }
                }
                Err(CallError::Write { path, source })
            }
        }
    }
}
