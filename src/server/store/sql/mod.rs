//! One body of Rust for both stores: the [`Store`] implementation [`SqlStore`], generic over
//! the database ([`Backend`]: SQLite in `store/sqlite/`, PostgreSQL in `store/postgres/`). The
//! SQL is written once where both databases read it alike (`$1`-style parameters, which SQLite
//! also numbers), and the few pieces whose spelling differs come from the backend
//! (docs/design-store.md, «One body»).
//!
//! Writes that change applications go through one writer task per store and commit in batches
//! (`writer.rs`, group commit; `run.rs`, a batch's statements), inside a transaction holding
//! the database's write lock (`Backend::begin_write`: SQLite's `BEGIN IMMEDIATE`, PostgreSQL's
//! advisory lock). Reads use the reading pool and never wait for a writer.
//!
//! One file per concern; the [`Store`] impl below only hands each call to its file:
//! `codec` (rows ↔ types), `numbers` (application numbers, cohorts), `queue` (queue numbers and
//! position history), `history` (the hash-chained events), `run` and `writer` (the write runs),
//! `reads` (applications and the journal), `idempotency`, `outbox`, `attachments`,
//! `sessions` (nonces and sessions), `people` (users and bindings), `offers` (free places and
//! offers), `seed` (bulk seeding), `kindergartens` (kindergartens and groups officers manage),
//! `directions` (directions by status), `desk` (the ЦОН desk's service sessions, audit log and
//! the outbox as the CLI lists it), `delivery` (the outbox's delivery, the lease, the inbox),
//! `stats` and `report` (the region's figures), `documents` (generated documents: content and
//! the first rendering's fingerprint). Only the shared rate-limit counters stay with each
//! backend (`Specific`).

pub(crate) mod attachments;
pub(crate) mod backend;
pub(crate) mod codec;
pub(crate) mod delivery;
pub(crate) mod desk;
pub(crate) mod directions;
pub(crate) mod documents;
pub(crate) mod history;
pub(crate) mod idempotency;
pub(crate) mod kindergartens;
pub(crate) mod numbers;
pub(crate) mod offers;
pub(crate) mod outbox;
pub(crate) mod people;
pub(crate) mod queue;
pub(crate) mod reads;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod seed;
pub(crate) mod sessions;
pub(crate) mod stats;
pub(crate) mod writer;

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::query_builder::Separated;
use sqlx::{Database, Pool, QueryBuilder, SqlSafeStr};

use crate::domain::allocation::Interleave;
use crate::domain::report::MonthRange;
use crate::domain::{ApplicationNumber, Cohort, Iin, QueuePosition, RegionSettings};
use crate::i18n::Lang;
use crate::server::notify::OutboxMessage;
use crate::server::store::RegionReport;
use crate::server::store::{
    AttachmentInfo, AttachmentQuota, AuditLine, AuditScope, Candidate, ChainBreak, ChainReport,
    CodeAttempt, Completion, Contacts, DirectionFilter, DirectionPage, DocumentBody, DocumentInfo,
    Fingerprinted, FreePlaces, HistoryEntry, JournalFilter, JournalPage, KindergartenChange,
    KindergartenRecord, KindergartenRefusal, MonthFigures, NewApplication, NewFreePlaces,
    NewKindergarten, NonceUse, OfferRecord, OfferScope, OutboxLine, Pending, PositionHistoryEntry,
    QueueSize, RegionStats, SeedApplication, ServiceSession, Session, StateAt, Store, StoreError,
    StoreResult, StoredAnswer, StoredApplication, TransitionRecord, UnrenderedDocument, User,
};
use crate::server::store::{Channel, Delivery, MessagePage, MessageScope, Settle};
pub(crate) use backend::sqlx_binds;
pub(crate) use backend::{Affected, Backend, Bind, Cells, Decoded, Exec, PushBind, Tx, decoded};
use writer::{Change, Writer};

/// A database behind the [`Store`] trait: `SqliteStore` or `PostgresStore`.
#[derive(Debug)]
pub struct SqlStore<B: Database> {
    /// Write transactions (the writer task's, and the short ones of sessions, uploads, …).
    pub(crate) writer: Pool<B>,
    /// Reads; on PostgreSQL the same pool as `writer`.
    pub(crate) readers: Pool<B>,
    /// Submissions and transitions, committed in batches on `writer` (group commit).
    changes: Writer,
}

impl<B: Database> Clone for SqlStore<B> {
    fn clone(&self) -> Self {
        SqlStore {
            writer: self.writer.clone(),
            readers: self.readers.clone(),
            changes: self.changes.clone(),
        }
    }
}

impl<B: Backend> SqlStore<B> {
    /// The store on `writer` and `readers` (migrated); starts its writer task.
    pub(crate) fn new(writer: Pool<B>, readers: Pool<B>) -> SqlStore<B> {
        let changes = Writer::start(writer.clone());
        SqlStore {
            writer,
            readers,
            changes,
        }
    }

    /// A write transaction holding the database's write lock from its first statement.
    pub(crate) async fn begin(&self) -> StoreResult<Tx<B>> {
        B::begin_write(&self.writer).await
    }

    /// A write transaction for writes that decide by themselves under their rows' locks.
    pub(crate) async fn begin_own(&self) -> StoreResult<Tx<B>> {
        B::begin_own(&self.writer).await
    }
}

/// What each backend keeps to itself behind the shared [`Store`] impl: the shared rate-limit
/// counters (only PostgreSQL keeps them).
pub trait Specific: Backend {
    /// `Store::take_rate`: `None` where the counters stay in the server's memory.
    fn take_rate(
        store: &SqlStore<Self>,
        key: &str,
        interval: std::time::Duration,
        tolerance: std::time::Duration,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Result<(), std::time::Duration>>>> + Send;
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other.to_string()),
        }
    }
}

/// The migrator of `steps` (version, name, SQL), embedded in the binary.
pub(crate) fn migrator(steps: Vec<(i64, &str, &'static str)>) -> Migrator {
    Migrator::with_migrations(
        steps
            .into_iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    version,
                    name.to_owned().into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Rows per multi-row statement: far below SQLite's 32 766 (and PostgreSQL's 65 535) bound
/// parameters even for the widest row (an application's 26 columns).
pub(crate) const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows` with one multi-row statement per [`ROWS_PER_STATEMENT`] of them: `head` is
/// the `INSERT INTO table (columns) `, `bind` binds one row's values in that order, `tail`
/// follows the values (an upsert clause, or nothing).
pub(crate) async fn insert_rows<B: Backend, T>(
    conn: &mut B::Connection,
    head: &str,
    rows: &[T],
    tail: &str,
    mut bind: impl FnMut(Separated<'_, B, &'static str>, &T),
) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::<B>::new(head);
        insert.push_values(chunk, &mut bind);
        insert.push(tail);
        insert.build().execute(conn.ex()).await?;
    }
    Ok(())
}

/// The one result of a statement made for one item.
pub(crate) fn only<T>(items: Vec<T>) -> StoreResult<T> {
    let mut items = items.into_iter();
    match (items.next(), items.next()) {
        (Some(item), None) => Ok(item),
        _ => Err(StoreError::Corrupt("one row was expected".into())),
    }
}

#[async_trait]
impl<B: Specific> Store for SqlStore<B> {
    fn submit(&self, new: NewApplication, completion: Completion) -> Pending {
        self.changes.write(Change::Submit(new), completion)
    }

    fn record_transition(&self, record: TransitionRecord, completion: Completion) -> Pending {
        self.changes.write(Change::Transition(record), completion)
    }

    async fn application(&self, number: ApplicationNumber) -> StoreResult<StoredApplication> {
        reads::application(self, number).await
    }

    async fn states(&self, numbers: &[ApplicationNumber]) -> StoreResult<Vec<StateAt>> {
        reads::states(self, numbers).await
    }

    async fn open_application_of_child(
        &self,
        child: &Iin,
    ) -> StoreResult<Option<StoredApplication>> {
        reads::open_application_of_child(self, child).await
    }

    async fn applications_of_child(&self, child: &Iin) -> StoreResult<Vec<StoredApplication>> {
        reads::applications_of_child(self, child).await
    }

    async fn position(&self, number: ApplicationNumber) -> StoreResult<QueuePosition> {
        queue::position(self, number).await
    }

    async fn history(&self, number: ApplicationNumber) -> StoreResult<Vec<HistoryEntry>> {
        history::history(self, number).await
    }

    async fn position_history(
        &self,
        number: ApplicationNumber,
    ) -> StoreResult<Vec<PositionHistoryEntry>> {
        queue::position_history(self, number).await
    }

    async fn stored_answer(&self, request_id: &str) -> StoreResult<Option<StoredAnswer>> {
        idempotency::stored_answer(self, request_id).await
    }

    async fn due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<StoredApplication>> {
        reads::due(self, now, limit).await
    }

    async fn candidates(
        &self,
        cohort: &Cohort,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>> {
        queue::candidates(self, cohort, now, limit).await
    }

    async fn put_attachment(
        &self,
        owner: &Iin,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
        now: DateTime<Utc>,
        quota: AttachmentQuota,
    ) -> StoreResult<AttachmentInfo> {
        attachments::put_attachment(self, owner, file_name, content_type, bytes, now, quota).await
    }

    async fn delete_unreferenced_attachments(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        attachments::delete_unreferenced_attachments(self, before).await
    }

    async fn attachment(&self, id: &str) -> StoreResult<(AttachmentInfo, Vec<u8>)> {
        attachments::attachment(self, id).await
    }

    async fn attachments_of(&self, number: ApplicationNumber) -> StoreResult<Vec<AttachmentInfo>> {
        attachments::attachments_of(self, number).await
    }

    async fn documents_of(&self, number: ApplicationNumber) -> StoreResult<Vec<DocumentInfo>> {
        documents::documents_of(self, number).await
    }

    async fn document(&self, id: &str) -> StoreResult<(DocumentInfo, DocumentBody)> {
        documents::document(self, id).await
    }

    async fn unrendered_documents(
        &self,
        after: Option<(DateTime<Utc>, String)>,
        limit: u32,
    ) -> StoreResult<Vec<UnrenderedDocument>> {
        documents::unrendered_documents(self, after, limit).await
    }

    async fn keep_fingerprints(&self, found: &[(String, Fingerprinted)]) -> StoreResult<()> {
        documents::keep_fingerprints(self, found).await
    }

    async fn verify_history(&self) -> StoreResult<Result<ChainReport, ChainBreak>> {
        history::verify_history(self).await
    }

    async fn issue_nonce(
        &self,
        nonce: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sessions::issue_nonce(self, nonce, now, expires_at).await
    }

    async fn take_nonce(&self, nonce: &str, now: DateTime<Utc>) -> StoreResult<NonceUse> {
        sessions::take_nonce(self, nonce, now).await
    }

    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        sessions::create_session::<B>(self, session).await
    }

    async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        sessions::session(self, token_hash, now).await
    }

    async fn end_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        sessions::end_session(self, token_hash).await
    }

    async fn record_login(
        &self,
        iin: &Iin,
        full_name: &str,
        language: Lang,
        now: DateTime<Utc>,
    ) -> StoreResult<User> {
        people::record_login(self, iin, full_name, language, now).await
    }

    async fn user(&self, iin: &Iin) -> StoreResult<Option<User>> {
        people::user::<B>(self, iin).await
    }

    async fn update_contacts(
        &self,
        iin: &Iin,
        contacts: &Contacts,
        now: DateTime<Utc>,
    ) -> StoreResult<User> {
        people::update_contacts(self, iin, contacts, now).await
    }

    async fn bind_child(&self, user: &Iin, child: &Iin, now: DateTime<Utc>) -> StoreResult<()> {
        people::bind_child(self, user, child, now).await
    }

    async fn bound_children(&self, user: &Iin) -> StoreResult<Vec<Iin>> {
        people::bound_children::<B>(self, user).await
    }

    async fn journal(&self, filter: &JournalFilter) -> StoreResult<JournalPage> {
        reads::journal(self, filter).await
    }

    async fn queue_sizes(&self, region: &str) -> StoreResult<Vec<QueueSize>> {
        Ok(stats::region_stats::<B>(self, region).await?.queue)
    }

    async fn region_stats(&self, region: &str) -> StoreResult<RegionStats> {
        stats::region_stats::<B>(self, region).await
    }

    async fn publish_free_places(&self, new: NewFreePlaces) -> StoreResult<Vec<FreePlaces>> {
        offers::publish_free_places(self, new).await
    }

    async fn free_places(&self, region: &str, only_open: bool) -> StoreResult<Vec<FreePlaces>> {
        let mut conn = self.readers.acquire().await?;
        offers::free_places::<B>(&mut conn, region, only_open).await
    }

    async fn offers(&self, scope: &OfferScope, limit: u32) -> StoreResult<Vec<OfferRecord>> {
        let mut conn = self.readers.acquire().await?;
        offers::list::<B>(&mut conn, scope, limit).await
    }

    async fn interleave(&self, cohort: &Cohort) -> StoreResult<Interleave> {
        let mut conn = self.readers.acquire().await?;
        offers::interleave::<B>(&mut conn, cohort).await
    }

    async fn months(&self, region: &str) -> StoreResult<Vec<MonthFigures>> {
        Ok(stats::region_stats::<B>(self, region).await?.months)
    }

    async fn seed_applications(
        &self,
        name: &str,
        applications: Vec<SeedApplication>,
        settings: &(dyn for<'r> Fn(&'r str) -> RegionSettings + Sync),
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        seed::seed_applications(self, name, applications, settings, now).await
    }

    async fn pending_benefits(
        &self,
        region: &str,
        offset: u64,
        limit: u32,
    ) -> StoreResult<JournalPage> {
        reads::pending_benefits(self, region, offset, limit).await
    }

    async fn directions(&self, filter: &DirectionFilter) -> StoreResult<DirectionPage> {
        directions::list(self, filter).await
    }

    async fn seed_kindergartens(
        &self,
        kindergartens: &[NewKindergarten],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        kindergartens::seed(self, kindergartens, now).await
    }

    async fn kindergartens(&self, region: &str) -> StoreResult<Vec<KindergartenRecord>> {
        kindergartens::of_region(self, region).await
    }

    async fn kindergarten(&self, code: &str) -> StoreResult<KindergartenRecord> {
        kindergartens::one::<B>(self, code).await
    }

    async fn change_kindergarten(
        &self,
        change: KindergartenChange,
    ) -> StoreResult<Result<KindergartenRecord, KindergartenRefusal>> {
        kindergartens::change(self, change).await
    }

    async fn start_service(
        &self,
        session: &ServiceSession,
        sms: &OutboxMessage,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        desk::start_service(self, session, sms, now).await
    }

    async fn service_session(&self, id: &str) -> StoreResult<Option<ServiceSession>> {
        desk::service_session(self, id).await
    }

    async fn code_attempt(
        &self,
        id: &str,
        attempt: CodeAttempt,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ServiceSession>> {
        desk::code_attempt(self, id, attempt, now).await
    }

    async fn end_service(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        desk::end_service(self, id, now).await
    }

    async fn live_consent(
        &self,
        operator: &Iin,
        citizen: &Iin,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ServiceSession>> {
        desk::live_consent(self, operator, citizen, now).await
    }

    async fn record_audit(&self, line: &AuditLine) -> StoreResult<()> {
        desk::record_audit::<B>(self, line).await
    }

    async fn audit(&self, scope: &AuditScope, limit: u32) -> StoreResult<Vec<AuditLine>> {
        desk::audit(self, scope, limit).await
    }

    async fn outbox(&self, to_phone: Option<&str>, limit: u32) -> StoreResult<Vec<OutboxLine>> {
        desk::outbox(self, to_phone, limit).await
    }

    // --- issue 14 (notices): delivery of the outbox ---

    async fn take_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        delivery::take_lease(self, name, holder, now, until).await
    }

    async fn due_messages(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Delivery>> {
        delivery::due_messages(self, now, limit).await
    }

    async fn mark_channel_sent(
        &self,
        id: i64,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        delivery::mark_channel_sent(self, id, channel, now).await
    }

    async fn settle_delivery(
        &self,
        id: i64,
        settle: &Settle,
        sent: &[Channel],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        delivery::settle_delivery(self, id, settle, sent, now).await
    }

    async fn messages(&self, scope: &MessageScope, limit: u32) -> StoreResult<MessagePage> {
        delivery::messages(self, scope, limit).await
    }

    async fn mark_message_read(
        &self,
        user: &Iin,
        id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        delivery::mark_message_read(self, user, id, now).await
    }

    async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }

    async fn take_rate(
        &self,
        key: &str,
        interval: std::time::Duration,
        tolerance: std::time::Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Result<(), std::time::Duration>>> {
        B::take_rate(self, key, interval, tolerance, now).await
    }

    async fn region_report(&self, region: &str, range: MonthRange) -> StoreResult<RegionReport> {
        report::region_report(self, region, range).await
    }
}
