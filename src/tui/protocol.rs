//! The call/reply protocol between screens and the runner: every request a screen can make
//! ([`Call`]: HTTP through `src/client`, opening a keystore, signing, writing a file) and its
//! answer ([`Reply`]), which comes back to the screen that asked. Screens never do I/O that can
//! be slow themselves; [`crate::tui::runner::Runner`] carries the calls out.
//!
//! To add a request: a variant of [`Call`], the matching variant of [`Reply`], and one arm in
//! [`crate::tui::runner::Runner::run`].

use std::path::PathBuf;
use std::sync::Arc;

use rust_i18n::t;

use crate::api::applications::{
    ApplicationDetail, AttachmentUploaded, DocumentInfo, HistoryEntry, JournalPage, JournalQuery,
    PositionChange, SubmissionResult,
};
use crate::api::auth::LoginResponse;
use crate::api::catalogue::{BenefitCategoryInfo, Region};
use crate::api::catalogue::{Kindergarten, KindergartenQuery};
use crate::api::desk::{AuditEntry, CitizenCard, Service};
use crate::api::documents::{ActionDocument, Submission};
use crate::api::documents::{KindergartenDocument, PlacesDocument};
use crate::api::notices::{Inbox, InboxQuery, Message};
use crate::api::officer::{KindergartenChanged, PublishedPlaces};
use crate::api::problem::ProblemCode;
use crate::api::profile::{BoundChild, Contacts, Person, Profile};
use crate::api::public::{PublicQueueEntry, PublicQueueQuery, PublicStats};
use crate::api::report::{RegionReport, ReportFormat, ReportQuery};
use crate::client::ClientError;
use crate::domain::{ApplicationNumber, Iin};
use crate::pki::keystore::{Keystore, KeystoreError};
use crate::pki::pkcs11::{SlotListing, TokenError};
use crate::pki::signer::SignerError;
use crate::pki::xmldsig::XmlDsigError;
use crate::tui::screens::officer::calls::{OfficerCall, OfficerReply};
use crate::tui::session::{Remembered, Secret};
use crate::tui::signing_key::{ChosenKey, OpenedToken};

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
        key: ChosenKey,
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
        key: ChosenKey,
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
    /// Issue 13: the officer's region report, and its export into `path`.
    RegionReport(ReportQuery),
    ExportReport {
        query: ReportQuery,
        format: ReportFormat,
        path: PathBuf,
    },
    /// The slots of a device store's PKCS#11 module (loaded on a blocking thread).
    TokenSlots {
        module: PathBuf,
    },
    /// Log in to the token in `slot` with the PIN and list its keys.
    OpenToken {
        module: PathBuf,
        slot: u64,
        pin: Secret,
    },
    /// «Уведомления»: the user's messages, newest first, and the unread count (also the app's
    /// own request for the status bar).
    Inbox(InboxQuery),
    /// An opened message is read.
    MarkRead(i64),
    /// An application's messages and how their delivery went, for its history.
    Messages(ApplicationNumber),
    /// The officer screens' requests (issue 13).
    Officer(OfficerCall),
    // --- the ЦОН desk (issue 12) ---
    /// Serve the citizen of this IIN: the server sends them a one-time code.
    StartService(Iin),
    /// The code the citizen read out; once confirmed, every read is for the citizen.
    ConfirmCode {
        id: String,
        code: Secret,
    },
    CitizenCard(String),
    /// «Завершить обслуживание»: reads are the operator's own again.
    EndService(String),
    /// «Расписка о приеме документов» of `number`, saved or sent to the printer command.
    Receipt {
        id: String,
        number: ApplicationNumber,
        output: ReceiptOutput,
    },
    /// «Привязка» for the citizen served (the service's id): their bound children, and a new
    /// one confirmed by the registry; answered as `Bindings` and `Bound`.
    CitizenBindings(String),
    BindForCitizen {
        id: String,
        child: Iin,
    },
    /// «Кто просматривал мои данные».
    OwnAudit,
    /// The officer's: operators' reads of the region's citizens.
    RegionAudit,
}

/// Where a receipt goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptOutput {
    Save(PathBuf),
    /// To the printer command of the config (`[desk] printer_command`, `lp` by default).
    Print,
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
    RegionReport(Result<RegionReport, CallError>),
    TokenSlots(Result<Vec<SlotListing>, CallError>),
    Token(Result<Arc<OpenedToken>, CallError>),
    Inbox(Result<Inbox, CallError>),
    MarkedRead {
        id: i64,
        result: Result<(), CallError>,
    },
    Messages(Result<Vec<Message>, CallError>),
    Officer(OfficerReply),
    ServiceStarted(Result<Service, CallError>),
    CodeConfirmed(Result<Service, CallError>),
    CitizenCard(Result<Box<CitizenCard>, CallError>),
    ServiceEnded(Result<(), CallError>),
    /// Where the receipt was saved, or `None` when it went to the printer.
    ReceiptDone(Result<Option<PathBuf>, CallError>),
    Audit(Result<Vec<AuditEntry>, CallError>),
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
            Reply::RegionReport(r) => r.as_ref().err(),
            Reply::Inbox(r) => r.as_ref().err(),
            Reply::MarkedRead { result, .. } => result.as_ref().err(),
            Reply::Messages(r) => r.as_ref().err(),
            Reply::ServiceStarted(r) | Reply::CodeConfirmed(r) => r.as_ref().err(),
            Reply::CitizenCard(r) => r.as_ref().err(),
            Reply::ServiceEnded(r) => r.as_ref().err(),
            Reply::ReceiptDone(r) => r.as_ref().err(),
            Reply::Audit(r) => r.as_ref().err(),
            Reply::Keystore(_)
            | Reply::LoggedOut
            | Reply::Resumed(_)
            | Reply::Kept
            | Reply::TokenSlots(_)
            | Reply::Token(_) => {
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
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A program could not be started (the desktop's viewer).
    #[error("cannot start {program}: {source}")]
    Launch {
        program: String,
        source: std::io::Error,
    },
    #[error("printer command {command}: {reason}")]
    Print { command: String, reason: String },
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
            CallError::Token(e) => e.translated(),
            CallError::Launch { program, source } => {
                t!("officer.error.launch", program = program, reason = source).into_owned()
            }
            CallError::Print { command, reason } => {
                t!("desk.error.print", command = command, reason = reason).into_owned()
            }
        }
    }

    /// The device's state when the error is one (a wrong PIN, a removed token, …), whether it
    /// came from the token itself or from signing with it.
    pub fn token_error(&self) -> Option<&TokenError> {
        match self {
            CallError::Token(e) | CallError::Sign(XmlDsigError::Signer(SignerError::Token(e))) => {
                Some(e)
            }
            _ => None,
        }
    }
}
