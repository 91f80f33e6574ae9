//! Durable storage behind the handlers: the [`Store`] trait and its SQLite implementation.
//!
//! The trait speaks the domain's words (application numbers, states, transitions, cohorts) and
//! nothing of SQLite, so a PostgreSQL implementation can follow without touching handlers or
//! rules. Every write that changes an application happens in one transaction together with its
//! history event (SHA-256 chained per region), the queue numbers it moves, its generated
//! documents, its outbox messages and its idempotency record: an answer never goes out before
//! all of it is committed. Design notes: docs/design-store.md.

pub mod chain;
pub mod postgres;
pub mod queue_tree;
mod report;
pub(crate) mod sql;
pub mod sqlite;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::allocation::{Interleave, OfferStatus};
use crate::domain::desk::ServiceTimes;
use crate::domain::lifecycle::{EventKind, Transition};
use crate::domain::report::{Month, MonthRange, WaitHistogram};
use crate::domain::{
    Actor, ApplicationNumber, ApplicationState, Benefit, BenefitClass, Cohort, Iin, Notice,
    PositionCause, QueuePosition, RegionSettings, Status,
};
use crate::i18n::Lang;
use crate::server::notify::{self, OutboxMessage, Recipient};

pub use chain::ChainBreak;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Opens the store at `url`, creating the database when it is missing, and brings its schema
/// up to date. The address picks the implementation: `sqlite://PATH`, `sqlite:PATH` or a bare
/// file path is SQLite; `postgres://…` or `postgresql://…` is PostgreSQL.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    match Backend::of(url)? {
        Backend::Sqlite => Ok(Arc::new(SqliteStore::open(url).await?)),
        Backend::Postgres => Ok(Arc::new(PostgresStore::open(url).await?)),
    }
}

/// Opens an existing database only: checks and tools must not create an empty one.
pub async fn open_existing(url: &str) -> StoreResult<Arc<dyn Store>> {
    match Backend::of(url)? {
        Backend::Sqlite => Ok(Arc::new(SqliteStore::open_existing(url).await?)),
        Backend::Postgres => Ok(Arc::new(PostgresStore::open_existing(url).await?)),
    }
}

/// The implementations [`open`] can choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The implementation a database address names by its scheme; an address without one is a
    /// SQLite file path.
    fn of(url: &str) -> StoreResult<Backend> {
        if url.starts_with("sqlite:") {
            return Ok(Backend::Sqlite);
        }
        let scheme = url
            .split_once("://")
            .map(|(scheme, _)| scheme)
            .filter(|scheme| {
                scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            });
        match scheme {
            None => Ok(Backend::Sqlite),
            Some("postgres" | "postgresql") => Ok(Backend::Postgres),
            Some(other) => Err(StoreError::UnknownScheme(other.to_owned())),
        }
    }
}

/// What can go wrong in the store; each has a message key under `store.error.`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("cannot migrate the database: {0}")]
    Migration(String),
    #[error("no such record")]
    NotFound,
    /// A child has at most one open application (docs/domain-rules.md).
    #[error("the child already has an open application")]
    ChildHasOpenApplication,
    /// The application changed since it was read: read it again and re-apply the rules.
    #[error("the application changed meanwhile")]
    Conflict,
    /// A request id came back with a different document.
    #[error("the request id was used for another document")]
    RequestReused,
    /// The request id was answered before with the same document: here is that answer, and
    /// nothing was done twice.
    #[error("the request was answered before")]
    Replayed(StoredAnswer),
    #[error("the year's application numbers are exhausted")]
    NumbersExhausted,
    #[error("no free place is left in this group")]
    NoFreePlace,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The caller's completion (documents, messages, answer) failed; nothing was committed.
    #[error("{0}")]
    Completion(Box<dyn std::error::Error + Send + Sync>),
    /// The uploader's scans that no application references would go over their quota.
    #[error("the uploader's quota of unreferenced scans is used up")]
    AttachmentQuota,
    /// The database address has a scheme no implementation answers to.
    #[error("unknown database scheme {0}")]
    UnknownScheme(String),
}

impl StoreError {
    /// The i18n key of the message shown for this error.
    pub fn message_key(&self) -> &'static str {
        match self {
            StoreError::Database(_) => "store.error.database",
            StoreError::Migration(_) => "store.error.migration",
            StoreError::NotFound => "store.error.not_found",
            StoreError::ChildHasOpenApplication => "store.error.child_has_open_application",
            StoreError::Conflict => "store.error.conflict",
            StoreError::RequestReused => "store.error.request_reused",
            StoreError::Replayed(_) => "store.error.replayed",
            StoreError::NumbersExhausted => "store.error.numbers_exhausted",
            StoreError::NoFreePlace => "store.error.no_free_place",
            StoreError::Corrupt(_) => "store.error.corrupt",
            StoreError::Completion(_) => "store.error.completion",
            StoreError::AttachmentQuota => "store.error.attachment_quota",
            StoreError::UnknownScheme(_) => "store.error.unknown_scheme",
        }
    }

    /// The translated message, for logs and the command line.
    pub fn translated(&self) -> String {
        let reason = match self {
            StoreError::UnknownScheme(scheme) => scheme.clone(),
            other => other.to_string(),
        };
        rust_i18n::t!(self.message_key(), reason = reason).into_owned()
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who did something and what they said, as the history records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub actor: Actor,
    pub comment: String,
    /// The signed XML document, verbatim, as evidence.
    pub signed_xml: Option<String>,
}

/// A signed action's request id and the SHA-256 of its document: a retry with the same document
/// gets the first answer, a different document under the same id is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestKey {
    pub request_id: String,
    pub document_hash: [u8; 32],
}

/// The first answer given to a request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub document_hash: [u8; 32],
    pub answer: serde_json::Value,
}

/// A ЦОН operator's part in an application: the request number and who served the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCentre {
    pub request_number: String,
    pub operator_iin: Iin,
}

/// A new application; the store allocates its number and sequence in the transaction and builds
/// its state with [`ApplicationState::registered`].
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub cohort: Cohort,
    pub benefit: Option<Benefit>,
    pub child_iin: Iin,
    pub child_name: String,
    pub applicant_iin: Iin,
    pub applicant_name: String,
    pub service_centre: Option<ServiceCentre>,
    /// Ids of uploaded attachments the signed document references.
    pub attachments: Vec<String>,
    /// The rest of the wizard's content as submitted (contacts, address, desired kindergartens),
    /// kept for the detail view; the store does not interpret it.
    pub details: serde_json::Value,
    pub now: DateTime<Utc>,
    pub settings: RegionSettings,
    pub event: NewEvent,
    pub request: Option<RequestKey>,
}

/// An application as stored: the rules' state, the people, and its live queue numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredApplication {
    pub id: i64,
    /// Moves on every change; [`TransitionRecord::revision`] must match it.
    pub revision: i64,
    pub state: ApplicationState,
    pub child_iin: Iin,
    pub child_name: String,
    pub applicant_iin: Iin,
    pub applicant_name: String,
    pub service_centre: Option<ServiceCentre>,
    pub details: serde_json::Value,
    /// Exact as of the read; zeros when the application is not «В очереди».
    pub position: QueuePosition,
}

impl StoredApplication {
    pub fn child_birth_date(&self) -> NaiveDate {
        self.child_iin.birth_date()
    }

    /// The outbox messages telling the applicant about `notices`, in their language: to the
    /// contacts of their profile, or, for an applicant who never logged in (an operator
    /// registered the child), to those signed in the wizard.
    pub fn messages(&self, notices: &[Notice], applicant: Option<&User>) -> Vec<OutboxMessage> {
        let signed = |field: &str| {
            self.details["applicant"][field]
                .as_str()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let recipient = match applicant {
            Some(user) => {
                let (email, phone) = user.contacts.notify_by.apply(
                    user.contacts.email.clone().or_else(|| signed("email")),
                    user.contacts.phone.clone().or_else(|| signed("phone")),
                );
                Recipient {
                    email,
                    phone,
                    lang: user.contacts.language,
                }
            }
            None => Recipient {
                email: signed("email"),
                phone: signed("phone"),
                lang: Lang::Ru,
            },
        };
        notices
            .iter()
            .filter_map(|notice| {
                let detail = notify::detail(notice, &self.state, self.position, recipient.lang);
                notify::message(
                    notice,
                    &self.state.number,
                    &self.child_name,
                    detail.as_deref(),
                    &recipient,
                )
            })
            .collect()
    }
}

/// An application's state as of a revision ([`Store::states`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StateAt {
    pub revision: i64,
    pub state: ApplicationState,
}

/// A change of an application decided by `domain::lifecycle::apply` on the state read at
/// `revision`.
#[derive(Debug, Clone)]
pub struct TransitionRecord {
    pub number: ApplicationNumber,
    pub revision: i64,
    pub transition: Transition,
    pub event: NewEvent,
    /// When it happens (the clock the rules were applied with).
    pub now: DateTime<Utc>,
    /// The region's settings the rules were applied with (they decide when something is due).
    pub settings: RegionSettings,
    /// The published free place an offer takes (refused with [`StoreError::NoFreePlace`] when
    /// none is left). The store gives it back itself when the offer or its direction ends
    /// without an enrollment ([`OfferStatus::after`]).
    pub place: Option<i64>,
    pub request: Option<RequestKey>,
    /// Ids of uploaded scans the signed document references (a benefit change's evidence),
    /// linked to the application with the transition.
    pub attachments: Vec<String>,
}

/// What a write recorded; handed to the completion inside the transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub application: StoredApplication,
    pub event_id: i64,
    /// The documents stored with the write (empty while its completion runs).
    pub documents: Vec<DocumentInfo>,
}

/// A generated document to store with the event: what it says, fixed now; its bytes are
/// rendered from that on demand ([`Store::keep_fingerprints`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    /// The stable code of the document's kind (the API's `DocumentKind`).
    pub kind: String,
    pub language: Lang,
    /// What the document says, serialised by its maker; the store does not interpret it.
    pub content: String,
}

/// What the caller adds to a write once the number and positions are known (documents show
/// them): committed in the same transaction, or not at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    pub documents: Vec<NewDocument>,
    /// Stored under the request id and returned to a retry.
    pub answer: serde_json::Value,
}

/// Builds the [`Effects`] of a write from what it recorded.
/// May run more than once: a run of submissions that fails is tried again one by one.
pub type Completion = Box<
    dyn Fn(&Recorded) -> Result<Effects, Box<dyn std::error::Error + Send + Sync>> + Send + Sync,
>;

/// A write queued with the store: resolves once its transaction is committed, or with its own
/// error when it was refused (then nothing of it is kept).
pub type Pending = Pin<Box<dyn Future<Output = StoreResult<Recorded>> + Send>>;

/// The completion of a write that adds nothing.
pub fn no_effects() -> Completion {
    Box::new(|_| Ok(Effects::default()))
}

/// One line of «История изменений».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `None` for the system's own events.
    pub actor_iin: Option<Iin>,
    pub actor_role: crate::domain::Role,
    pub kind: EventKind,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub comment: String,
    pub signed_xml: Option<String>,
}

/// One change of a child's two numbers and why («why did my number change?»).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionHistoryEntry {
    pub at: DateTime<Utc>,
    pub position: QueuePosition,
    pub cause: PositionCause,
}

/// A document as listed in «Общие документы».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    pub id: String,
    pub kind: String,
    pub language: Lang,
    /// Known once the document has been rendered (soon after its event).
    pub size: Option<u64>,
    pub created_at: DateTime<Utc>,
}

/// What is kept of a document's first rendering: enough to recognise it again, not its bytes
/// (docs/design-docs.md «Generated documents»).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub sha256: [u8; 32],
    pub size: u64,
}

impl Fingerprint {
    /// From the stored columns `rendered_sha256` and `size`; `None` until rendered.
    pub fn from_columns(
        sha256: Option<Vec<u8>>,
        size: Option<i64>,
    ) -> StoreResult<Option<Fingerprint>> {
        match (sha256, size) {
            (Some(sha256), Some(size)) => Ok(Some(Fingerprint {
                sha256: sha256
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("a document's SHA-256".into()))?,
                size: size as u64,
            })),
            _ => Ok(None),
        }
    }

    pub fn of(bytes: &[u8]) -> Fingerprint {
        use sha2::{Digest, Sha256};
        Fingerprint {
            sha256: Sha256::digest(bytes).into(),
            size: bytes.len() as u64,
        }
    }
}

/// A stored generated document: its kept bytes, or the content to render them from with the
/// fingerprint of its first rendering once it was rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentBody {
    /// Made before contents were kept, or its content no longer renders to these bytes, or not
    /// compared with its content yet (kept by a release before issue 15).
    Rendered(Vec<u8>),
    Content {
        content: String,
        first: Option<Fingerprint>,
    },
}

/// A document the background renderer has still to fingerprint: its content, and the bytes a
/// release before issue 15 kept of it, which a rendering must equal for them to be dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnrenderedDocument {
    pub info: DocumentInfo,
    pub content: String,
    pub kept: Option<Vec<u8>>,
}

/// What rendering a document from its content found ([`Store::keep_fingerprints`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fingerprinted {
    /// The first rendering, or one equal to the bytes kept: its fingerprint is kept and the
    /// bytes, if any, dropped (the store drops them only when their SHA-256 is this one).
    Rendered(Fingerprint),
    /// The rendering differs from the bytes kept: they stay, and are the document.
    KeepBytes,
}

/// An uploaded scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: String,
    pub owner_iin: Iin,
    /// The name the uploader gave the file (the multipart part's file name).
    pub file_name: String,
    pub sha256: [u8; 32],
    pub content_type: String,
    pub size: u64,
    pub created_at: DateTime<Utc>,
}

/// How many scans, and how many bytes of them, one uploader may have that no application
/// references yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentQuota {
    pub count: u32,
    pub bytes: u64,
}

pub use crate::domain::allocation::Candidate;

/// One application to seed in bulk ([`Store::seed_applications`]). Its state is complete except
/// for the number, which the store allocates (`state.number` is overwritten);
/// `state.registered_at` orders the queue.
#[derive(Debug, Clone)]
pub struct SeedApplication {
    pub state: ApplicationState,
    pub child_iin: Iin,
    pub child_name: String,
    pub applicant_iin: Iin,
    pub applicant_name: String,
}

/// A region's chain checked by [`Store::verify_history`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub events: u64,
    /// Each region's last event id and hash (hex), to anchor outside the database.
    pub heads: Vec<(String, i64, String)>,
}

/// A login session: only the SHA-256 of the opaque token is stored, so a copy of the database
/// logs no one in. `payload` is what the server keeps about the session (names, role); the store
/// does not interpret it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token_hash: [u8; 32],
    pub user_iin: Iin,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What taking a login nonce found; each refusal has its own problem code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceUse {
    /// Fresh and now used up.
    Taken,
    /// Never issued, or expired and forgotten since.
    Unknown,
    Expired,
    /// Used before.
    Reused,
}

/// How to reach a user, in their language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contacts {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub extra_email: Option<String>,
    pub extra_phone: Option<String>,
    pub language: Lang,
    /// The channels notices go by (issue 14).
    pub notify_by: crate::domain::ContactPreference,
}

/// Someone who logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub iin: Iin,
    pub full_name: String,
    pub contacts: Contacts,
}

/// Whose applications a journal lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalScope {
    /// The person's own applications and those of the children bound to them.
    Person(Iin),
    /// Every application of a region (officers).
    Region(String),
}

/// A column the journal sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JournalColumn {
    Number,
    ChildName,
    ChildIin,
    ApplicantName,
    #[default]
    RegisteredAt,
    Status,
    Benefit,
    BirthDate,
}

/// Filters, order and page of a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalFilter {
    pub scope: JournalScope,
    pub status: Option<Status>,
    pub benefit: Option<BenefitClass>,
    pub birth_year: Option<i32>,
    /// Matches numbers, IINs and names.
    pub text: Option<String>,
    /// Applications that named the kindergarten (catalogue code) among their desired ones, or
    /// were offered a place in it (issue 13).
    pub kindergarten: Option<String>,
    pub sort: JournalColumn,
    pub descending: bool,
    pub offset: u64,
    pub limit: u32,
}

/// One page of a journal and the number of all matches.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalPage {
    pub rows: Vec<StoredApplication>,
    pub total: u64,
}

/// Free places an officer publishes with one signed document, in one group or many
/// (catalogue codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFreePlaces {
    pub region: String,
    /// In the document's order.
    pub groups: Vec<PlacesOfGroup>,
    pub officer: Iin,
    pub now: DateTime<Utc>,
    /// The officer's signed document, verbatim, as evidence.
    pub signed_xml: Option<String>,
    pub request: Option<RequestKey>,
}

/// How many places one kindergarten group gets in a [`NewFreePlaces`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacesOfGroup {
    pub kindergarten: String,
    pub group: String,
    pub places: u32,
}

/// Free places an officer published in a kindergarten group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreePlaces {
    pub id: i64,
    pub region: String,
    pub kindergarten: String,
    pub group: String,
    pub places: u32,
    /// Not yet taken by an offer or a direction.
    pub remaining: u32,
    pub published_at: DateTime<Utc>,
    pub officer_iin: Iin,
}

/// An offer the allocation made, as officers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRecord {
    pub id: i64,
    pub number: ApplicationNumber,
    /// The published places it took one of, and their kindergarten group.
    pub place_id: i64,
    pub kindergarten: String,
    pub group: String,
    /// The child's class when the place was offered.
    pub class: BenefitClass,
    pub made_at: DateTime<Utc>,
    pub answer_by: DateTime<Utc>,
    pub status: OfferStatus,
    /// When the status last changed.
    pub decided_at: Option<DateTime<Utc>>,
}

/// Whose offers to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferScope {
    Region(String),
    /// The offers of one published set of places.
    Place(i64),
    Application(ApplicationNumber),
    /// The offers of a kindergarten's places, or of one of its groups.
    Kindergarten {
        code: String,
        group: Option<String>,
    },
}

/// One month of a region's statistics (Kazakhstan's calendar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    /// «YYYY-MM».
    pub month: String,
    /// Places published that month.
    pub free_places: u64,
    pub directions: u64,
    pub enrollments: u64,
}

/// How many applications of a cohort and class are in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSize {
    pub birth_year: i32,
    pub class: BenefitClass,
    pub queued: u64,
}

// --- Issue 13, officers: kindergartens and groups (docs/domain-rules.md, «Kindergartens and
// groups») ---

/// A name or address in the three languages, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    pub kk: String,
    pub ru: String,
    pub en: String,
}

/// A kindergarten to add (from the bundled catalogue at start, or by an officer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKindergarten {
    pub code: String,
    pub region: String,
    pub settlement: String,
    pub name: Names,
    pub address: Names,
    pub groups: Vec<NewGroup>,
}

/// A group to add: its code is «<age>-<language>».
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub age: String,
    /// `kk` or `ru`.
    pub language: String,
    pub capacity: u32,
}

impl NewGroup {
    pub fn code(&self) -> String {
        format!("{}-{}", self.age, self.language)
    }
}

/// A group as stored, with how its places are used: by enrolled children, and by offers and
/// directions that hold one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    pub code: String,
    pub age: String,
    pub language: String,
    pub capacity: u32,
    pub enrolled: u32,
    pub offered: u32,
    /// Places published and not yet taken by an offer.
    pub published: u32,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A kindergarten as stored, with its groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindergartenRecord {
    pub code: String,
    pub region: String,
    pub settlement: String,
    pub name: Names,
    pub address: Names,
    pub closed_at: Option<DateTime<Utc>>,
    pub groups: Vec<GroupRecord>,
}

/// What an officer changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindergartenEdit {
    Create(NewKindergarten),
    AddGroup(NewGroup),
    SetCapacity {
        group: String,
        capacity: u32,
    },
    /// The kindergarten with all its groups.
    Close,
    CloseGroup {
        group: String,
    },
}

impl KindergartenEdit {
    /// The stable code of the change, as its history keeps it.
    pub fn code(&self) -> &'static str {
        match self {
            KindergartenEdit::Create(_) => "create",
            KindergartenEdit::AddGroup(_) => "add-group",
            KindergartenEdit::SetCapacity { .. } => "set-capacity",
            KindergartenEdit::Close => "close",
            KindergartenEdit::CloseGroup { .. } => "close-group",
        }
    }
}

/// An officer's signed change of a kindergarten of their region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindergartenChange {
    pub region: String,
    pub kindergarten: String,
    pub edit: KindergartenEdit,
    pub officer: Iin,
    pub now: DateTime<Utc>,
    pub signed_xml: Option<String>,
    pub request: Option<RequestKey>,
}

/// Which directions of a region to list, newest first (docs/domain-rules.md, «Directions by
/// status»).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionFilter {
    pub region: String,
    pub kindergarten: Option<String>,
    pub status: Option<crate::domain::direction::DirectionStatus>,
    /// Issued at or after.
    pub issued_from: Option<DateTime<Utc>>,
    /// Issued before.
    pub issued_before: Option<DateTime<Utc>>,
    pub offset: u64,
    pub limit: u32,
}

/// A direction: an offer accepted, with its status now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionRecord {
    pub number: ApplicationNumber,
    pub child_name: String,
    pub kindergarten: String,
    pub group: String,
    pub class: BenefitClass,
    pub issued_at: DateTime<Utc>,
    pub status: crate::domain::direction::DirectionStatus,
    /// Until when a live direction is valid.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was enrolled, expired or revoked.
    pub ended_at: Option<DateTime<Utc>>,
    /// A live direction of an out-of-turn child: the end of the day by which the benefit
    /// must be confirmed in person (`ConfirmOutOfTurn`); `None` once confirmed.
    pub in_person_by: Option<DateTime<Utc>>,
}

/// One page of directions and the number of all matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectionPage {
    pub rows: Vec<DirectionRecord>,
    pub total: u64,
}

/// Why a kindergarten change is refused; nothing of it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindergartenRefusal {
    /// The code of a new kindergarten or group is taken.
    Exists,
    /// The kindergarten or group is closed.
    Closed,
    /// A capacity below the places enrolled children and offers hold.
    BelowUse,
}

/// A region's figures ([`Store::region_stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionStats {
    /// Queued children by birth year and class, oldest cohort first (classes with none left
    /// out).
    pub queue: Vec<QueueSize>,
    /// Published places not yet taken by an offer or a direction.
    pub open_places: u64,
    /// Places published, directions issued and enrollments per month, oldest first.
    pub months: Vec<MonthFigures>,
}

// --- the ЦОН desk (issue 12; docs/design-api.md «The ЦОН desk») ---

/// An operator as the desk records them: the person and the ЦОН their certificate names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub iin: Iin,
    pub name: String,
    pub centre_bin: Option<String>,
    pub centre_name: Option<String>,
}

/// A service session as stored: the code only as its hash (SHA-256 of the session id and the
/// code), the times the rules decide its status from (`domain::desk::ServiceTimes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSession {
    pub id: String,
    pub operator: Employee,
    pub citizen: Iin,
    pub code_hash: [u8; 32],
    pub times: ServiceTimes,
    /// When the consent runs out, once the code is confirmed.
    pub consent_until: Option<DateTime<Utc>>,
}

/// A typed code, as the server judged it against the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeAttempt {
    /// The right code: the consent lasts until then.
    Right { consent_until: DateTime<Utc> },
    /// A wrong one: counted; the `limit`-th ends the session.
    Wrong { limit: u32 },
}

/// One line of the audit log: an operator's read of a citizen's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub operator: Employee,
    pub citizen: Iin,
    /// `api::desk::AuditRead`'s code.
    pub what: String,
    pub subject: Option<String>,
}

/// Whose audit lines to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    /// Reads of this citizen's data.
    Citizen(Iin),
    /// Reads of the data of citizens with an application in the region.
    Region(String),
}

/// One message of the outbox, as `kezek outbox list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxLine {
    pub id: i64,
    /// `notice` (about an application) or `one_time_code` (the desk's SMS).
    pub kind: String,
    pub to_email: Option<String>,
    pub to_phone: Option<String>,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

// --- issue 14 (notices): delivery of the outbox ---
pub mod delivery;
pub use delivery::{Channel, Delivery, MessagePage, MessageScope, Settle};

/// The durable storage the handlers, the scheduler and the seeding use.
#[async_trait]
pub trait Store: Send + Sync {
    /// Registers an application: number «УО.<year>.<seq>.1», state «В очереди», its event, its
    /// queue numbers, then the completion's documents, messages and answer, in one transaction.
    /// Refuses a second open application of the same child.
    ///
    /// The write is queued when `submit` is called and writes commit in the order of the calls
    /// (not of the awaits): a caller that reads the registration time and calls under one lock
    /// registers in time order without holding the lock until the commit.
    fn submit(&self, new: NewApplication, completion: Completion) -> Pending;

    /// Records a transition on the state read at `record.revision` (else [`StoreError::Conflict`]);
    /// queued like [`Store::submit`].
    fn record_transition(&self, record: TransitionRecord, completion: Completion) -> Pending;

    async fn application(&self, number: ApplicationNumber) -> StoreResult<StoredApplication>;

    /// The states of many applications with the revisions they were read at, in any order;
    /// numbers not found are left out. For a write deciding on many applications at once (the
    /// allocation), so without their queue numbers.
    async fn states(&self, numbers: &[ApplicationNumber]) -> StoreResult<Vec<StateAt>>;

    /// The open application of a child, if any.
    async fn open_application_of_child(
        &self,
        child: &Iin,
    ) -> StoreResult<Option<StoredApplication>>;

    /// Every application of a child, newest first.
    async fn applications_of_child(&self, child: &Iin) -> StoreResult<Vec<StoredApplication>>;

    /// The two queue numbers as of now (zeros when not «В очереди»).
    async fn position(&self, number: ApplicationNumber) -> StoreResult<QueuePosition>;

    async fn history(&self, number: ApplicationNumber) -> StoreResult<Vec<HistoryEntry>>;

    /// Every change of the application's two numbers since registration, oldest first.
    async fn position_history(
        &self,
        number: ApplicationNumber,
    ) -> StoreResult<Vec<PositionHistoryEntry>>;

    /// The first answer given to a request id, if any.
    async fn stored_answer(&self, request_id: &str) -> StoreResult<Option<StoredAnswer>>;

    /// Applications whose state has something due at or before `now`
    /// (`domain::lifecycle::due` decides what), at most `limit`.
    async fn due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<StoredApplication>>;

    /// The first `limit` queued applications of the cohort in each benefit class, in queue order
    /// (the allocation interleaves them); stop-listed ones at `now` are skipped.
    async fn candidates(
        &self,
        cohort: &Cohort,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>>;

    /// Stores an uploaded scan, unless the uploader's scans that no application references
    /// would then go over `quota` ([`StoreError::AttachmentQuota`]).
    async fn put_attachment(
        &self,
        owner: &Iin,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
        now: DateTime<Utc>,
        quota: AttachmentQuota,
    ) -> StoreResult<AttachmentInfo>;

    /// Deletes the scans uploaded before `before` that no application references; how many.
    async fn delete_unreferenced_attachments(&self, before: DateTime<Utc>) -> StoreResult<u64>;

    async fn attachment(&self, id: &str) -> StoreResult<(AttachmentInfo, Vec<u8>)>;

    /// The scans linked to an application, at registration or with a benefit change.
    async fn attachments_of(&self, number: ApplicationNumber) -> StoreResult<Vec<AttachmentInfo>>;

    async fn documents_of(&self, number: ApplicationNumber) -> StoreResult<Vec<DocumentInfo>>;

    async fn document(&self, id: &str) -> StoreResult<(DocumentInfo, DocumentBody)>;

    /// Documents not fingerprinted yet, oldest first, after `after` (their creation time and
    /// id), with the content to render them from and the bytes kept of them, if any.
    async fn unrendered_documents(
        &self,
        after: Option<(DateTime<Utc>, String)>,
        limit: u32,
    ) -> StoreResult<Vec<UnrenderedDocument>>;

    /// Keeps what rendering documents (by id) found, in one transaction; a document
    /// fingerprinted before keeps its first fingerprint.
    async fn keep_fingerprints(&self, found: &[(String, Fingerprinted)]) -> StoreResult<()>;

    /// Walks every region's hash chain; the first bad event when it is broken.
    async fn verify_history(&self) -> StoreResult<Result<ChainReport, ChainBreak>>;
    /// Records a login nonce valid until `expires_at`.
    async fn issue_nonce(
        &self,
        nonce: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Uses up a nonce: [`NonceUse::Taken`] the first time, while it is fresh; otherwise why not.
    async fn take_nonce(&self, nonce: &str, now: DateTime<Utc>) -> StoreResult<NonceUse>;

    async fn create_session(&self, session: &Session) -> StoreResult<()>;

    /// The session of a token hash, unless it expired or ended.
    async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>>;

    async fn end_session(&self, token_hash: &[u8; 32]) -> StoreResult<()>;

    /// Records a login: creates the user (language `language`, no contacts) or refreshes the name.
    async fn record_login(
        &self,
        iin: &Iin,
        full_name: &str,
        language: Lang,
        now: DateTime<Utc>,
    ) -> StoreResult<User>;

    async fn user(&self, iin: &Iin) -> StoreResult<Option<User>>;

    async fn update_contacts(
        &self,
        iin: &Iin,
        contacts: &Contacts,
        now: DateTime<Utc>,
    ) -> StoreResult<User>;

    /// Binds a child to a user (after the kinship check); binding twice is harmless.
    async fn bind_child(&self, user: &Iin, child: &Iin, now: DateTime<Utc>) -> StoreResult<()>;

    async fn bound_children(&self, user: &Iin) -> StoreResult<Vec<Iin>>;

    async fn journal(&self, filter: &JournalFilter) -> StoreResult<JournalPage>;

    /// The queue sizes of a region by birth year and class.
    async fn queue_sizes(&self, region: &str) -> StoreResult<Vec<QueueSize>>;

    /// A region's figures at one instant, from aggregates the writes keep (exact once a write
    /// commits): the public statistics and the officer's report read them.
    async fn region_stats(&self, region: &str) -> StoreResult<RegionStats>;

    /// Publishes free places of kindergarten groups with the officer's signed document (kept
    /// once for all its groups) and its request id, in one transaction; one published set per
    /// group, in the document's order. A retry gets [`StoreError::Replayed`] with
    /// `{"free_places": [ids]}` (`{"free_places": id}` from before many groups); the ids are
    /// what offers take places by ([`TransitionRecord::place`]).
    async fn publish_free_places(&self, new: NewFreePlaces) -> StoreResult<Vec<FreePlaces>>;

    /// The region's published places, oldest first; with `only_open`, those not all taken.
    async fn free_places(&self, region: &str, only_open: bool) -> StoreResult<Vec<FreePlaces>>;

    /// Offers made, newest first, at most `limit`.
    async fn offers(&self, scope: &OfferScope, limit: u32) -> StoreResult<Vec<OfferRecord>>;

    /// Where the cohort stands in the one-to-three pattern of first-turn and general offers.
    async fn interleave(&self, cohort: &Cohort) -> StoreResult<Interleave>;

    /// Places published, directions issued and enrollments per month, oldest month first.
    async fn months(&self, region: &str) -> StoreResult<Vec<MonthFigures>>;

    /// Seeds `applications` in bulk (demo data, benchmarks) under the batch `name`, once:
    /// returns `false` without writing when the batch is already in the database. Each
    /// application gets a «registered» history event by the system and, when queued, its
    /// registration numbers; `settings` gives each region's rule settings (they decide when
    /// something falls due).
    async fn seed_applications(
        &self,
        name: &str,
        applications: Vec<SeedApplication>,
        settings: &(dyn for<'r> Fn(&'r str) -> RegionSettings + Sync),
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    // --- the ЦОН desk (issue 12) ---

    /// Opens a service session and queues its code's SMS (`sms`, outbox kind `one_time_code`)
    /// in one transaction.
    async fn start_service(
        &self,
        session: &ServiceSession,
        sms: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    async fn service_session(&self, id: &str) -> StoreResult<Option<ServiceSession>>;

    /// Records a typed code on an open session not confirmed yet: a right one starts the
    /// consent, a wrong one is counted (the limit-th ends the session). Answers the session
    /// as it is afterwards; `None` for an unknown id.
    async fn code_attempt(
        &self,
        id: &str,
        attempt: CodeAttempt,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ServiceSession>>;

    /// Ends a session («Завершить обслуживание»); ending it again changes nothing.
    async fn end_service(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()>;

    /// The operator's confirmed, open session for the citizen whose consent lasts past `now`.
    async fn live_consent(
        &self,
        operator: &Iin,
        citizen: &Iin,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ServiceSession>>;

    async fn record_audit(&self, line: &AuditLine) -> StoreResult<()>;

    /// Audit lines, newest first, at most `limit`.
    async fn audit(&self, scope: &AuditScope, limit: u32) -> StoreResult<Vec<AuditLine>>;

    /// Outbox messages, newest first, at most `limit`; only those to `to_phone` when given.
    async fn outbox(&self, to_phone: Option<&str>, limit: u32) -> StoreResult<Vec<OutboxLine>>;

    // --- issue 14 (notices): delivery of the outbox (docs/design-notices.md) ---

    /// Takes the lease `name` for `holder` until `until`, or renews it; `false` while another
    /// holder's lease runs past `now`.
    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Messages queued, or failed with their next attempt due by `now`, oldest first.
    async fn due_messages(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Delivery>>;

    /// Marks one channel of a message sent, so that a later attempt does not send it again.
    async fn mark_channel_sent(
        &self,
        id: i64,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Records how an attempt at a message ended, with the channels it sent that are not yet
    /// marked (one write for both: docs/design-notices.md «Delivery»).
    async fn settle_delivery(
        &self,
        id: i64,
        settle: &Settle,
        sent: &[Channel],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Messages of `scope`, at most `limit`.
    async fn messages(&self, scope: &MessageScope, limit: u32) -> StoreResult<MessagePage>;

    /// Marks the user's message read; `false` when it is not theirs (or does not exist).
    async fn mark_message_read(&self, user: &Iin, id: i64, now: DateTime<Utc>)
    -> StoreResult<bool>;

    /// Closes the database connections, waiting for those in use; the store answers nothing
    /// afterwards.
    async fn close(&self);
    // --- Issue 13, officers: kindergartens and groups, directions ---

    /// The region's open applications whose benefit documents await review, in queue order,
    /// `limit` from `offset`, and how many there are.
    async fn pending_benefits(
        &self,
        region: &str,
        offset: u64,
        limit: u32,
    ) -> StoreResult<JournalPage>;

    /// The region's directions by the filter, newest first, and how many match.
    async fn directions(&self, filter: &DirectionFilter) -> StoreResult<DirectionPage>;

    /// Adds the kindergartens and groups not stored yet (the bundled catalogue at start); a
    /// row already stored is kept as it is, with an officer's changes.
    async fn seed_kindergartens(
        &self,
        kindergartens: &[NewKindergarten],
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The region's kindergartens by code, closed ones included, with their groups.
    async fn kindergartens(&self, region: &str) -> StoreResult<Vec<KindergartenRecord>>;

    /// One kindergarten with its groups ([`StoreError::NotFound`] when unknown).
    async fn kindergarten(&self, code: &str) -> StoreResult<KindergartenRecord>;

    /// Makes an officer's change with its evidence and request id (a retry gets
    /// [`StoreError::Replayed`]), or refuses it. Closing zeroes the group's published places
    /// that are left, so no new offer is made of them; the open offers are the caller's to
    /// cancel (each a transition of its application).
    async fn change_kindergarten(
        &self,
        change: KindergartenChange,
    ) -> StoreResult<Result<KindergartenRecord, KindergartenRefusal>>;

    // --- Issue 13, the region report (docs/design-store.md, «The region report») ---

    /// The region's report for every month of `range`, oldest first, from the aggregates the
    /// writes keep (no scan of applications or offers): the queue now, and per month the
    /// offers made, declined and expired, the directions issued with their waits from
    /// registration, and the enrollments. A month without any has zeros.
    async fn region_report(&self, region: &str, range: MonthRange) -> StoreResult<RegionReport>;

    // --- issue 15: rate-limit counters shared by the servers of one database ---

    /// Counts one request of `key` against a generic cell rate (`server::limits`): the time
    /// its allowance is whole again moves on by `interval` per request, and a request is
    /// refused (with how long until one would pass) while that time runs more than `tolerance`
    /// ahead of `now`. `None`: this store keeps no counters (one server per database, SQLite),
    /// and the server counts in its memory.
    async fn take_rate(
        &self,
        key: &str,
        interval: std::time::Duration,
        tolerance: std::time::Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Result<(), std::time::Duration>>> {
        let _ = (key, interval, tolerance, now);
        Ok(None)
    }
}

/// A region's report ([`Store::region_report`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionReport {
    /// Queued children by birth year and class, as in [`RegionStats::queue`].
    pub queue: Vec<QueueSize>,
    /// One per month of the range asked, oldest first.
    pub months: Vec<ReportMonth>,
}

/// One month of a [`RegionReport`] (Kazakhstan's calendar). Offers accepted are the
/// directions issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMonth {
    pub month: Month,
    pub offers_made: u64,
    pub offers_declined: u64,
    /// Not answered in time.
    pub offers_expired: u64,
    pub directions: u64,
    pub enrollments: u64,
    /// The directions issued that month by the whole days waited since registration.
    pub waits: WaitHistogram,
}

impl ReportMonth {
    /// A month with nothing in it.
    pub fn empty(month: Month) -> ReportMonth {
        ReportMonth {
            month,
            offers_made: 0,
            offers_declined: 0,
            offers_expired: 0,
            directions: 0,
            enrollments: 0,
            waits: WaitHistogram::default(),
        }
    }
}
