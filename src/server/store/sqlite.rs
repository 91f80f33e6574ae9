//! The SQLite implementation of [`Store`]: WAL, `synchronous=FULL` (a commit is on disk before
//! the answer), foreign keys, a busy timeout, migrations at open.
//!
//! Writes go through one connection and start with `BEGIN IMMEDIATE`, so that writers in other
//! processes wait for the lock instead of failing half-way; submissions and transitions share
//! transactions in small batches (`writer.rs`, group commit). Reads use a small pool of their
//! own and never block behind a writer (WAL).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Utc};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, SqlSafeStr};

use super::chain::{ChainVerifier, ChainedEvent, GENESIS};
use super::offers;
use super::queue_tree::{self, SCOPE_ALL};
use super::writer::{Change, Writer};
use super::{
    AttachmentInfo, Candidate, ChainBreak, ChainReport, Completion, Contacts, DocumentInfo,
    FreePlaces, HistoryEntry, JournalColumn, JournalFilter, JournalPage, JournalScope,
    MonthFigures, NewApplication, NewEvent, NewFreePlaces, NonceUse, OfferRecord, OfferScope,
    Pending, PositionHistoryEntry, QueueSize, Recorded, RequestKey, ServiceCentre, Session, Store,
    StoreError, StoreResult, StoredAnswer, StoredApplication, TransitionRecord, User,
};
use crate::domain::allocation::{Interleave, OfferStatus};
use crate::domain::lifecycle::EventKind;
use crate::domain::{
    Actor, ApplicationNumber, ApplicationState, BenefitClass, Cohort, Iin, Notice, PositionCause,
    QueuePosition, RegionSettings, Role, Status,
};
use crate::i18n::Lang;

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
const READERS: u32 = 4;

/// The schema, embedded in the binary and applied at open.
fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            "schema".into(),
            MigrationType::Simple,
            include_str!("../../../migrations/0001_schema.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "offers".into(),
            MigrationType::Simple,
            include_str!("../../../migrations/0002_offers.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            "attachment names".into(),
            MigrationType::Simple,
            include_str!("../../../migrations/0003_attachment_names.sql").into_sql_str(),
            false,
        ),
    ])
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> StoreError {
        match error {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other.to_string()),
        }
    }
}

/// SQLite behind the [`Store`] trait.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
    /// Submissions and transitions, committed in batches on `writer` (group commit).
    changes: Writer,
}

/// The connection a write transaction runs on.
type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`, `sqlite:path` or a
    /// plain path) and brings its schema up to date.
    pub async fn open(url: &str) -> StoreResult<SqliteStore> {
        SqliteStore::connect(url, true).await
    }

    /// Opens an existing database only (checks and tools must not create an empty one).
    pub async fn open_existing(url: &str) -> StoreResult<SqliteStore> {
        SqliteStore::connect(url, false).await
    }

    async fn connect(url: &str, create: bool) -> StoreResult<SqliteStore> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        migrator()
            .run(&writer)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options)
            .await?;
        let changes = Writer::start(writer.clone());
        Ok(SqliteStore {
            writer,
            readers,
            changes,
        })
    }

    /// A write transaction holding the database's write lock from its first statement.
    pub(super) async fn begin(&self) -> StoreResult<Tx> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The durability settings in force, as SQLite reports them: `(journal_mode, synchronous,
    /// foreign_keys)`; tests and `kezek serve` check them.
    pub async fn durability(&self) -> StoreResult<(String, i64, i64)> {
        let mut conn = self.writer.acquire().await?;
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?;
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await?;
        Ok((journal, synchronous, foreign_keys))
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

pub(super) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(super) fn time(us: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| StoreError::Corrupt(format!("time {us}")))
}

/// A domain value from its stable serde code.
fn from_code<T: serde::de::DeserializeOwned>(code: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(code.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("unknown code {code}")))
}

/// The stable serde code of a domain value.
fn code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        other => unreachable!("the domain's codes serialise to strings, got {other:?}"),
    }
}

fn parse_iin(text: &str) -> StoreResult<Iin> {
    Iin::parse(text).map_err(|_| StoreError::Corrupt(format!("IIN {text}")))
}

fn parse_number(text: &str) -> StoreResult<ApplicationNumber> {
    ApplicationNumber::parse(text).map_err(|_| StoreError::Corrupt(format!("number {text}")))
}

fn decode_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn hash32(bytes: &[u8]) -> StoreResult<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a stored hash is not 32 bytes".into()))
}

/// Queue order after the registration time: the application number.
pub(super) fn order_key(number: ApplicationNumber) -> i64 {
    i64::from(number.year) * 1_000_000_000
        + i64::from(number.sequence) * 1_000
        + i64::from(number.version.min(999))
}

/// The benefit scope an application counts in: 0 without a benefit class.
pub(super) fn class_scope(class: BenefitClass) -> i64 {
    match class {
        BenefitClass::None => 0,
        BenefitClass::FirstTurn => 1,
        BenefitClass::OutOfTurn => 2,
    }
}

/// Whether and how an application counts in its cohort's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct QueueSlot {
    pub queued: bool,
    pub scope: i64,
}

impl QueueSlot {
    pub fn of(state: &ApplicationState) -> QueueSlot {
        QueueSlot {
            queued: state.status == Status::InQueue,
            scope: class_scope(state.benefit_class()),
        }
    }
}

/// Where an application sits in the queue order.
#[derive(Debug, Clone, Copy)]
pub(super) struct QueueKey {
    pub cohort_id: i64,
    pub registered_us: i64,
    pub order_key: i64,
}

/// The earliest instant something may fall due for this state: the scheduler looks at it then
/// and `domain::lifecycle::due` decides what (an interest reminder, a lapsed interest, an
/// expired offer or direction, a missed in-person confirmation, the end of a stop-list).
pub fn wake_at(state: &ApplicationState, settings: &RegionSettings) -> Option<DateTime<Utc>> {
    if state.status.is_final() {
        return None;
    }
    let mut reminders = settings.interest_reminder_days.clone();
    reminders.sort_unstable_by(|a, b| b.cmp(a));
    let next_reminder = reminders
        .get(state.interest_reminders_sent as usize)
        .map(|days| state.interest_due - TimeDelta::days(i64::from(*days)));
    let interest =
        (state.status == Status::InQueue).then_some(next_reminder.unwrap_or(state.interest_due));
    let offer = state.offer.as_ref().map(|offer| offer.answer_by);
    let direction = state.direction.as_ref().map(|direction| {
        direction
            .in_person_by
            .map_or(direction.expires_at, |by| by.min(direction.expires_at))
    });
    let stop_list = state.stop_list_until;
    [interest, offer, direction, stop_list]
        .into_iter()
        .flatten()
        .min()
}

/// The domain's actor as the history stores it.
fn actor_columns(actor: &Actor) -> (String, String) {
    let iin = match actor {
        Actor::Applicant { iin } | Actor::Operator { iin, .. } | Actor::Officer { iin, .. } => {
            iin.to_string()
        }
        Actor::System => String::new(),
    };
    (iin, code(&actor.role()))
}

/// Adds `delta` to every tree node above `bucket` in one statement.
async fn tree_add(
    conn: &mut SqliteConnection,
    cohort_id: i64,
    scope: i64,
    bucket: i64,
    delta: i64,
) -> StoreResult<()> {
    sqlx::query(
        "WITH RECURSIVE path(node) AS ( \
             SELECT ?3 UNION ALL \
             SELECT node + (node & -node) FROM path WHERE node + (node & -node) <= ?4) \
         INSERT INTO queue_tree (cohort_id, scope, node, queued) \
         SELECT ?1, ?2, node, ?5 FROM path WHERE true \
         ON CONFLICT (cohort_id, scope, node) DO UPDATE SET queued = queued + excluded.queued",
    )
    .bind(cohort_id)
    .bind(scope)
    .bind(bucket)
    .bind(queue_tree::SIZE)
    .bind(delta)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many applications of `scope` are queued ahead of `key`: the tree's prefix over the
/// buckets before the key's, plus a count inside its own hour bucket.
pub(super) async fn queued_ahead(
    conn: &mut SqliteConnection,
    key: QueueKey,
    scope: i64,
) -> StoreResult<i64> {
    let bucket = queue_tree::bucket(key.registered_us);
    let before: i64 = sqlx::query_scalar(
        "WITH RECURSIVE path(node) AS ( \
             SELECT ?3 WHERE ?3 > 0 UNION ALL \
             SELECT node - (node & -node) FROM path WHERE node - (node & -node) > 0) \
         SELECT COALESCE(SUM(t.queued), 0) FROM path \
         JOIN queue_tree t ON t.cohort_id = ?1 AND t.scope = ?2 AND t.node = path.node",
    )
    .bind(key.cohort_id)
    .bind(scope)
    .bind(bucket - 1)
    .fetch_one(&mut *conn)
    .await?;
    let start = queue_tree::bucket_start_us(bucket);
    let within: i64 = if scope == SCOPE_ALL {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM applications \
             WHERE cohort_id = ?1 AND queued = 1 AND registered_us >= ?2 AND registered_us <= ?3 \
               AND (registered_us < ?3 OR order_key < ?4)",
        )
        .bind(key.cohort_id)
        .bind(start)
        .bind(key.registered_us)
        .bind(key.order_key)
        .fetch_one(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM applications \
             WHERE cohort_id = ?1 AND queue_class = ?5 AND queued = 1 \
               AND registered_us >= ?2 AND registered_us <= ?3 \
               AND (registered_us < ?3 OR order_key < ?4)",
        )
        .bind(key.cohort_id)
        .bind(start)
        .bind(key.registered_us)
        .bind(key.order_key)
        .bind(scope)
        .fetch_one(&mut *conn)
        .await?
    };
    Ok(before + within)
}

/// The two queue numbers of an application at `key` in `slot` (zeros when not queued).
pub(super) async fn position_at(
    conn: &mut SqliteConnection,
    key: QueueKey,
    slot: QueueSlot,
) -> StoreResult<QueuePosition> {
    if !slot.queued {
        return Ok(QueuePosition::default());
    }
    let general = queued_ahead(conn, key, SCOPE_ALL).await? + 1;
    let benefit = if slot.scope == SCOPE_ALL {
        0
    } else {
        queued_ahead(conn, key, slot.scope).await? + 1
    };
    Ok(QueuePosition {
        general: general as u32,
        benefit: benefit as u32,
    })
}

/// Moves an application between queue slots: the tree counts, and a `queue_changes` row with
/// the cause and the application's own numbers afterwards, from which every other child's
/// position history is replayed.
async fn move_in_queue(
    conn: &mut SqliteConnection,
    application_id: i64,
    key: QueueKey,
    before: QueueSlot,
    after: QueueSlot,
    kind: EventKind,
    at_us: i64,
) -> StoreResult<QueuePosition> {
    let bucket = queue_tree::bucket(key.registered_us);
    if before != after {
        for (slot, delta) in [(before, -1), (after, 1)] {
            if slot.queued {
                tree_add(conn, key.cohort_id, SCOPE_ALL, bucket, delta).await?;
                if slot.scope != SCOPE_ALL {
                    tree_add(conn, key.cohort_id, slot.scope, bucket, delta).await?;
                }
            }
        }
    }
    let position = position_at(conn, key, after).await?;
    if before != after || kind == EventKind::Registered {
        sqlx::query(
            "INSERT INTO queue_changes (cohort_id, at_us, application_id, registered_us, \
                 order_key, was_queued, is_queued, class_before, class_after, cause, \
                 general_after, benefit_after) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(key.cohort_id)
        .bind(at_us)
        .bind(application_id)
        .bind(key.registered_us)
        .bind(key.order_key)
        .bind(before.queued)
        .bind(after.queued)
        .bind(before.scope)
        .bind(after.scope)
        .bind(kind.code())
        .bind(i64::from(position.general))
        .bind(i64::from(position.benefit))
        .execute(&mut *conn)
        .await?;
    }
    Ok(position)
}

/// Appends an event to its region's chain.
/// Where an event goes in the history and what it records about the status.
pub(super) struct EventPlace<'a> {
    pub region: &'a str,
    pub application_id: i64,
    pub at_us: i64,
    pub kind: EventKind,
    pub from: Option<Status>,
    pub to: Option<Status>,
}

pub(super) async fn append_event(
    conn: &mut SqliteConnection,
    place: EventPlace<'_>,
    event: &NewEvent,
) -> StoreResult<i64> {
    let EventPlace {
        region,
        application_id,
        at_us,
        kind,
        from,
        to,
    } = place;
    let prev_hash: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT hash FROM chain_heads WHERE region_code = ?")
            .bind(region)
            .fetch_optional(&mut *conn)
            .await?;
    let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM events")
        .fetch_one(&mut *conn)
        .await?;
    let (actor_iin, actor_role) = actor_columns(&event.actor);
    let chained = ChainedEvent {
        id,
        region_code: region.to_owned(),
        application_id: Some(application_id),
        at_us,
        actor_iin,
        actor_role,
        kind: kind.code().to_owned(),
        old_status: from.map(|s| s.code().to_owned()),
        new_status: to.map(|s| s.code().to_owned()),
        comment: event.comment.clone(),
        signed_xml: event.signed_xml.clone(),
        prev_hash: prev_hash.unwrap_or_else(|| GENESIS.to_vec()),
    };
    let hash = chained.hash();
    sqlx::query(
        "INSERT INTO events (id, region_code, application_id, at_us, actor_iin, actor_role, \
             kind, old_status, new_status, comment, signed_xml, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(&chained.region_code)
    .bind(application_id)
    .bind(at_us)
    .bind(&chained.actor_iin)
    .bind(&chained.actor_role)
    .bind(&chained.kind)
    .bind(&chained.old_status)
    .bind(&chained.new_status)
    .bind(&chained.comment)
    .bind(&chained.signed_xml)
    .bind(&chained.prev_hash)
    .bind(&hash[..])
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO chain_heads (region_code, event_id, hash) VALUES (?, ?, ?) \
         ON CONFLICT (region_code) DO UPDATE SET event_id = excluded.event_id, hash = excluded.hash",
    )
    .bind(region)
    .bind(id)
    .bind(&hash[..])
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The answer already given to `request`'s id: the same document gets it back
/// ([`StoreError::Replayed`]), another document is refused.
async fn check_request(conn: &mut SqliteConnection, request: &RequestKey) -> StoreResult<()> {
    match stored_answer(conn, &request.request_id).await? {
        None => Ok(()),
        Some(answer) if answer.document_hash == request.document_hash => {
            Err(StoreError::Replayed(answer))
        }
        Some(_) => Err(StoreError::RequestReused),
    }
}

async fn stored_answer(
    conn: &mut SqliteConnection,
    request_id: &str,
) -> StoreResult<Option<StoredAnswer>> {
    let row = sqlx::query("SELECT document_hash, answer FROM idempotency WHERE request_id = ?")
        .bind(request_id)
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(StoredAnswer {
            document_hash: hash32(row.get::<&[u8], _>(0))?,
            answer: decode_json(row.get::<&str, _>(1))?,
        })
    })
    .transpose()
}

/// Runs the caller's completion and stores what it made: documents, messages, the answer.
async fn complete(
    conn: &mut SqliteConnection,
    recorded: &Recorded,
    request: Option<&RequestKey>,
    completion: Completion,
    at_us: i64,
) -> StoreResult<()> {
    // A panicking completion must not take the store's writer task down with it.
    let effects = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| completion(recorded)))
        .unwrap_or_else(|_| Err("the completion panicked".into()))
        .map_err(StoreError::Completion)?;
    for document in &effects.documents {
        let sha256 = Sha256::digest(&document.bytes);
        sqlx::query(
            "INSERT INTO documents (id, application_id, event_id, kind, language, sha256, bytes, \
                 created_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(recorded.application.id)
        .bind(recorded.event_id)
        .bind(&document.kind)
        .bind(document.language.code())
        .bind(&sha256[..])
        .bind(&document.bytes)
        .bind(at_us)
        .execute(&mut *conn)
        .await?;
    }
    if let Some(request) = request {
        remember(conn, request, &effects.answer, at_us).await?;
    }
    Ok(())
}

/// Writes what `notices` tell the applicant of `application` to the outbox, in the transaction
/// of the change they report.
async fn notify(
    conn: &mut SqliteConnection,
    application: &StoredApplication,
    notices: &[Notice],
    at_us: i64,
) -> StoreResult<()> {
    if notices.is_empty() {
        return Ok(());
    }
    let applicant = user_of(conn, &application.applicant_iin).await?;
    for message in application.messages(notices, applicant.as_ref()) {
        sqlx::query(
            "INSERT INTO outbox (application_id, to_email, to_phone, language, subject, body, \
                 created_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(application.id)
        .bind(&message.to_email)
        .bind(&message.to_phone)
        .bind(message.lang.code())
        .bind(&message.subject)
        .bind(&message.body)
        .bind(at_us)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Stores the first answer to a request id.
async fn remember(
    conn: &mut SqliteConnection,
    request: &RequestKey,
    answer: &serde_json::Value,
    at_us: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO idempotency (request_id, document_hash, answer, created_us) \
         VALUES (?, ?, ?, ?)",
    )
    .bind(&request.request_id)
    .bind(&request.document_hash[..])
    .bind(answer.to_string())
    .bind(at_us)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const APPLICATION_COLUMNS: &str = "id, revision, state, child_iin, child_name, applicant_iin, \
     applicant_name, request_number, operator_iin, details, cohort_id, registered_us, order_key, \
     queued, queue_class, region_code";

/// An application row with its live queue numbers.
async fn load_application(
    conn: &mut SqliteConnection,
    row: sqlx::sqlite::SqliteRow,
) -> StoreResult<StoredApplication> {
    let (stored, key, slot) = decode_application(&row)?;
    let position = position_at(conn, key, slot).await?;
    Ok(StoredApplication { position, ..stored })
}

fn decode_application(
    row: &sqlx::sqlite::SqliteRow,
) -> StoreResult<(StoredApplication, QueueKey, QueueSlot)> {
    let service_centre = match (
        row.get::<Option<String>, _>("request_number"),
        row.get::<Option<String>, _>("operator_iin"),
    ) {
        (Some(request_number), Some(operator)) => Some(ServiceCentre {
            request_number,
            operator_iin: parse_iin(&operator)?,
        }),
        _ => None,
    };
    let stored = StoredApplication {
        id: row.get("id"),
        revision: row.get("revision"),
        state: decode_json(row.get::<&str, _>("state"))?,
        child_iin: parse_iin(row.get::<&str, _>("child_iin"))?,
        child_name: row.get("child_name"),
        applicant_iin: parse_iin(row.get::<&str, _>("applicant_iin"))?,
        applicant_name: row.get("applicant_name"),
        service_centre,
        details: decode_json(row.get::<&str, _>("details"))?,
        position: QueuePosition::default(),
    };
    let key = QueueKey {
        cohort_id: row.get("cohort_id"),
        registered_us: row.get("registered_us"),
        order_key: row.get("order_key"),
    };
    let slot = QueueSlot {
        queued: row.get("queued"),
        scope: row.get("queue_class"),
    };
    Ok((stored, key, slot))
}

async fn application_row(
    conn: &mut SqliteConnection,
    number: ApplicationNumber,
) -> StoreResult<sqlx::sqlite::SqliteRow> {
    let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE number = ?");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(number.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The id of a cohort, created on first use.
pub(super) async fn cohort_id(conn: &mut SqliteConnection, cohort: &Cohort) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO cohorts (region_code, birth_year) VALUES (?, ?) \
         ON CONFLICT (region_code, birth_year) DO UPDATE SET birth_year = excluded.birth_year \
         RETURNING id",
    )
    .bind(&cohort.region)
    .bind(cohort.birth_year)
    .fetch_one(conn)
    .await?)
}

/// The next sequence of `year` for «УО.<year>.<sequence>.<version>».
pub(super) async fn next_sequence(
    conn: &mut SqliteConnection,
    year: i32,
    count: i64,
) -> StoreResult<i64> {
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO number_sequences (year, last_seq) VALUES (?1, ?2) \
         ON CONFLICT (year) DO UPDATE SET last_seq = last_seq + ?2 RETURNING last_seq",
    )
    .bind(year)
    .bind(count)
    .fetch_one(conn)
    .await?;
    if last > i64::from(crate::domain::number::MAX_SEQUENCE) {
        return Err(StoreError::NumbersExhausted);
    }
    Ok(last - count + 1)
}

/// The columns of a new application row.
pub(super) struct ApplicationRow<'a> {
    pub cohort_id: i64,
    pub order_key: i64,
    pub state: &'a ApplicationState,
    pub child_iin: &'a Iin,
    pub child_name: &'a str,
    pub applicant_iin: &'a Iin,
    pub applicant_name: &'a str,
    pub service_centre: Option<&'a ServiceCentre>,
    pub details: &'a serde_json::Value,
    pub wake_at: Option<DateTime<Utc>>,
}

fn state_json(state: &ApplicationState) -> StoreResult<String> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Inserts an application at revision 1; its registration time is the state's.
pub(super) async fn insert_application(
    conn: &mut SqliteConnection,
    row: &ApplicationRow<'_>,
) -> Result<i64, sqlx::Error> {
    let state = row.state;
    let slot = QueueSlot::of(state);
    let registered_us = micros(state.registered_at);
    sqlx::query_scalar(
        "INSERT INTO applications (revision, number, year, year_seq, version, order_key, \
             region_code, cohort_id, birth_year, child_iin, child_name, applicant_iin, \
             applicant_name, benefit_code, queue_class, status, queued, open, registered_us, \
             updated_us, stop_list_until_us, next_due_us, request_number, operator_iin, \
             state, details) \
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         RETURNING id",
    )
    .bind(state.number.to_string())
    .bind(state.number.year)
    .bind(i64::from(state.number.sequence))
    .bind(i64::from(state.number.version))
    .bind(row.order_key)
    .bind(&state.cohort.region)
    .bind(row.cohort_id)
    .bind(state.cohort.birth_year)
    .bind(row.child_iin.to_string())
    .bind(row.child_name)
    .bind(row.applicant_iin.to_string())
    .bind(row.applicant_name)
    .bind(state.benefit.as_ref().map(|b| b.category.clone()))
    .bind(slot.scope)
    .bind(state.status.code())
    .bind(slot.queued)
    .bind(!state.status.is_final())
    .bind(registered_us)
    .bind(micros(state.last_change_at))
    .bind(state.stop_list_until.map(micros))
    .bind(row.wake_at.map(micros))
    .bind(row.service_centre.map(|s| s.request_number.clone()))
    .bind(row.service_centre.map(|s| s.operator_iin.to_string()))
    .bind(state_json(state).map_err(|e| sqlx::Error::Encode(e.into()))?)
    .bind(row.details.to_string())
    .fetch_one(conn)
    .await
}

fn is_unique_violation(error: &sqlx::Error, what: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.message().contains(what))
}

/// Registers an application inside the writer's transaction (see [`Store::submit`]).
pub(super) async fn submit_in(
    tx: &mut SqliteConnection,
    new: NewApplication,
    completion: Completion,
) -> StoreResult<Recorded> {
    if let Some(request) = &new.request {
        check_request(tx, request).await?;
    }
    // Microseconds are what the columns keep; the state must order exactly as they do.
    let now = new
        .now
        .duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(new.now);
    let at_us = micros(now);
    let cohort_id = cohort_id(tx, &new.cohort).await?;
    let sequence = next_sequence(tx, now.year(), 1).await?;
    let number = ApplicationNumber::new(now.year(), sequence as u32, 1)
        .ok_or(StoreError::NumbersExhausted)?;
    let state = ApplicationState::registered(
        number,
        new.cohort.clone(),
        new.benefit.clone(),
        now,
        &new.settings,
    );
    let slot = QueueSlot::of(&state);
    let key = QueueKey {
        cohort_id,
        registered_us: at_us,
        order_key: order_key(number),
    };
    let inserted = insert_application(
        tx,
        &ApplicationRow {
            cohort_id,
            order_key: key.order_key,
            state: &state,
            child_iin: &new.child_iin,
            child_name: &new.child_name,
            applicant_iin: &new.applicant_iin,
            applicant_name: &new.applicant_name,
            service_centre: new.service_centre.as_ref(),
            details: &new.details,
            wake_at: wake_at(&state, &new.settings),
        },
    )
    .await;
    let id: i64 = match inserted {
        Err(e) if is_unique_violation(&e, "child_iin") => {
            return Err(StoreError::ChildHasOpenApplication);
        }
        other => other?,
    };
    for attachment in &new.attachments {
        sqlx::query(
            "INSERT INTO application_attachments (application_id, attachment_id) VALUES (?, ?)",
        )
        .bind(id)
        .bind(attachment)
        .execute(&mut *tx)
        .await?;
    }
    let unqueued = QueueSlot {
        queued: false,
        scope: slot.scope,
    };
    let position = move_in_queue(tx, id, key, unqueued, slot, EventKind::Registered, at_us).await?;
    let event_id = append_event(
        tx,
        EventPlace {
            region: &new.cohort.region,
            application_id: id,
            at_us,
            kind: EventKind::Registered,
            from: None,
            to: Some(state.status),
        },
        &new.event,
    )
    .await?;
    let recorded = Recorded {
        application: StoredApplication {
            id,
            revision: 1,
            state,
            child_iin: new.child_iin,
            child_name: new.child_name,
            applicant_iin: new.applicant_iin,
            applicant_name: new.applicant_name,
            service_centre: new.service_centre,
            details: new.details,
            position,
        },
        event_id,
    };
    let notice = Notice::of_registration(&recorded.application.state);
    notify(tx, &recorded.application, &[notice], at_us).await?;
    complete(tx, &recorded, new.request.as_ref(), completion, at_us).await?;
    Ok(recorded)
}

/// Records a transition inside the writer's transaction (see [`Store::record_transition`]).
pub(super) async fn transition_in(
    tx: &mut SqliteConnection,
    record: TransitionRecord,
    completion: Completion,
) -> StoreResult<Recorded> {
    if let Some(request) = &record.request {
        check_request(tx, request).await?;
    }
    let row = application_row(tx, record.number).await?;
    let (stored, key, before) = decode_application(&row)?;
    if stored.revision != record.revision || record.transition.state.number != record.number {
        return Err(StoreError::Conflict);
    }
    let region: String = row.get("region_code");
    let settled = OfferStatus::settled_by(&record.transition);
    let transition = record.transition;
    let notices = transition.notices;
    let state = transition.state;
    let at_us = micros(record.now);
    let after = QueueSlot::of(&state);
    if let Some(status) = settled {
        offers::settle(tx, stored.id, status, at_us).await?;
    }
    if let Some(place) = record.place {
        offers::take_place(tx, stored.id, place, &state, at_us).await?;
    }
    let revision = stored.revision + 1;
    sqlx::query(
        "UPDATE applications SET revision = ?, status = ?, queued = ?, open = ?, \
             queue_class = ?, benefit_code = ?, updated_us = ?, stop_list_until_us = ?, \
             next_due_us = ?, state = ? \
         WHERE id = ?",
    )
    .bind(revision)
    .bind(state.status.code())
    .bind(after.queued)
    .bind(!state.status.is_final())
    .bind(after.scope)
    .bind(state.benefit.as_ref().map(|b| b.category.clone()))
    .bind(at_us)
    .bind(state.stop_list_until.map(micros))
    .bind(wake_at(&state, &record.settings).map(micros))
    .bind(state_json(&state)?)
    .bind(stored.id)
    .execute(&mut *tx)
    .await?;
    let position =
        move_in_queue(tx, stored.id, key, before, after, transition.event, at_us).await?;
    let event_id = append_event(
        tx,
        EventPlace {
            region: &region,
            application_id: stored.id,
            at_us,
            kind: transition.event,
            from: Some(transition.from),
            to: Some(transition.to),
        },
        &record.event,
    )
    .await?;
    let recorded = Recorded {
        application: StoredApplication {
            revision,
            state,
            position,
            ..stored
        },
        event_id,
    };
    notify(tx, &recorded.application, &notices, at_us).await?;
    complete(tx, &recorded, record.request.as_ref(), completion, at_us).await?;
    Ok(recorded)
}

impl SqliteStore {
    async fn number_key(
        conn: &mut SqliteConnection,
        number: ApplicationNumber,
    ) -> StoreResult<(i64, QueueKey, i64)> {
        let row = sqlx::query(
            "SELECT id, cohort_id, registered_us, order_key, queue_class FROM applications \
             WHERE number = ?",
        )
        .bind(number.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((
            row.get(0),
            QueueKey {
                cohort_id: row.get(1),
                registered_us: row.get(2),
                order_key: row.get(3),
            },
            row.get(4),
        ))
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn submit(&self, new: NewApplication, completion: Completion) -> Pending {
        self.changes.write(Change::Submit(new), completion)
    }

    fn record_transition(&self, record: TransitionRecord, completion: Completion) -> Pending {
        self.changes.write(Change::Transition(record), completion)
    }

    async fn application(&self, number: ApplicationNumber) -> StoreResult<StoredApplication> {
        let mut conn = self.readers.acquire().await?;
        let row = application_row(&mut conn, number).await?;
        load_application(&mut conn, row).await
    }

    async fn open_application_of_child(
        &self,
        child: &Iin,
    ) -> StoreResult<Option<StoredApplication>> {
        let mut conn = self.readers.acquire().await?;
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE child_iin = ? AND open = 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(child.to_string())
            .fetch_optional(&mut *conn)
            .await?;
        match row {
            Some(row) => Ok(Some(load_application(&mut conn, row).await?)),
            None => Ok(None),
        }
    }

    async fn applications_of_child(&self, child: &Iin) -> StoreResult<Vec<StoredApplication>> {
        let mut conn = self.readers.acquire().await?;
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE child_iin = ? ORDER BY id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(child.to_string())
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(load_application(&mut conn, row).await?);
        }
        Ok(out)
    }

    async fn position(&self, number: ApplicationNumber) -> StoreResult<QueuePosition> {
        let mut conn = self.readers.acquire().await?;
        let row = sqlx::query(
            "SELECT cohort_id, registered_us, order_key, queued, queue_class FROM applications \
             WHERE number = ?",
        )
        .bind(number.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let key = QueueKey {
            cohort_id: row.get(0),
            registered_us: row.get(1),
            order_key: row.get(2),
        };
        let slot = QueueSlot {
            queued: row.get(3),
            scope: row.get(4),
        };
        position_at(&mut conn, key, slot).await
    }

    async fn history(&self, number: ApplicationNumber) -> StoreResult<Vec<HistoryEntry>> {
        let mut conn = self.readers.acquire().await?;
        let (id, _, _) = Self::number_key(&mut conn, number).await?;
        let rows = sqlx::query(
            "SELECT id, at_us, actor_iin, actor_role, kind, old_status, new_status, comment, \
                 signed_xml FROM events WHERE application_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| {
                let status = |column: &str| -> StoreResult<Option<Status>> {
                    row.get::<Option<&str>, _>(column)
                        .map(|code| {
                            Status::from_code(code)
                                .ok_or_else(|| StoreError::Corrupt(format!("status {code}")))
                        })
                        .transpose()
                };
                let actor: &str = row.get("actor_iin");
                Ok(HistoryEntry {
                    id: row.get("id"),
                    at: time(row.get("at_us"))?,
                    actor_iin: (!actor.is_empty()).then(|| parse_iin(actor)).transpose()?,
                    actor_role: from_code::<Role>(row.get("actor_role"))?,
                    kind: from_code::<EventKind>(row.get("kind"))?,
                    from: status("old_status")?,
                    to: status("new_status")?,
                    comment: row.get("comment"),
                    signed_xml: row.get("signed_xml"),
                })
            })
            .collect()
    }

    async fn position_history(
        &self,
        number: ApplicationNumber,
    ) -> StoreResult<Vec<PositionHistoryEntry>> {
        let mut conn = self.readers.acquire().await?;
        let (id, key, _) = Self::number_key(&mut conn, number).await?;
        // The application's own changes reset its numbers; changes of applications ahead of it
        // in the cohort after its registration move them by one.
        let rows = sqlx::query(
            "SELECT application_id, at_us, was_queued, is_queued, class_before, class_after, \
                 cause, general_after, benefit_after FROM queue_changes \
             WHERE cohort_id = ?1 \
               AND id >= (SELECT MIN(id) FROM queue_changes WHERE application_id = ?2) \
               AND (application_id = ?2 OR registered_us < ?3 \
                    OR (registered_us = ?3 AND order_key < ?4)) \
             ORDER BY id",
        )
        .bind(key.cohort_id)
        .bind(id)
        .bind(key.registered_us)
        .bind(key.order_key)
        .fetch_all(&mut *conn)
        .await?;
        let mut changes: Vec<PositionHistoryEntry> = Vec::new();
        let mut mine = QueueSlot {
            queued: false,
            scope: SCOPE_ALL,
        };
        let mut position = QueuePosition::default();
        for row in rows {
            let kind: EventKind = from_code(row.get("cause"))?;
            let at = time(row.get("at_us"))?;
            let (was, is): (bool, bool) = (row.get("was_queued"), row.get("is_queued"));
            let (class_before, class_after): (i64, i64) =
                (row.get("class_before"), row.get("class_after"));
            let cause = if row.get::<i64, _>("application_id") == id {
                mine = QueueSlot {
                    queued: is,
                    scope: class_after,
                };
                position = QueuePosition {
                    general: row.get::<i64, _>("general_after") as u32,
                    benefit: row.get::<i64, _>("benefit_after") as u32,
                };
                if kind == EventKind::Registered {
                    PositionCause::Registered
                } else {
                    PositionCause::Own(kind)
                }
            } else {
                if !mine.queued {
                    continue;
                }
                let general = i64::from(is) - i64::from(was);
                let same = |scope: i64, queued: bool| {
                    i64::from(mine.scope != SCOPE_ALL && scope == mine.scope && queued)
                };
                let benefit = same(class_after, is) - same(class_before, was);
                if general == 0 && benefit == 0 {
                    continue;
                }
                position.general = (i64::from(position.general) + general) as u32;
                position.benefit = (i64::from(position.benefit) + benefit) as u32;
                PositionCause::Ahead(kind)
            };
            changes.push(PositionHistoryEntry {
                at,
                position,
                cause,
            });
        }
        Ok(changes)
    }

    async fn stored_answer(&self, request_id: &str) -> StoreResult<Option<StoredAnswer>> {
        let mut conn = self.readers.acquire().await?;
        stored_answer(&mut conn, request_id).await
    }

    async fn due(&self, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<StoredApplication>> {
        let mut conn = self.readers.acquire().await?;
        let sql = format!(
            "SELECT {APPLICATION_COLUMNS} FROM applications WHERE next_due_us <= ? \
             ORDER BY next_due_us LIMIT ?"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(micros(now))
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(load_application(&mut conn, row).await?);
        }
        Ok(out)
    }

    async fn candidates(
        &self,
        cohort: &Cohort,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>> {
        let mut conn = self.readers.acquire().await?;
        let mut out = Vec::new();
        for class in BenefitClass::ALL {
            let rows = sqlx::query(
                "SELECT a.number, a.registered_us FROM applications a \
                 JOIN cohorts c ON c.id = a.cohort_id \
                 WHERE c.region_code = ? AND c.birth_year = ? AND a.queue_class = ? \
                   AND a.queued = 1 \
                   AND (a.stop_list_until_us IS NULL OR a.stop_list_until_us <= ?) \
                 ORDER BY a.registered_us, a.order_key LIMIT ?",
            )
            .bind(&cohort.region)
            .bind(cohort.birth_year)
            .bind(class_scope(class))
            .bind(micros(now))
            .bind(i64::from(limit))
            .fetch_all(&mut *conn)
            .await?;
            for row in rows {
                out.push(Candidate {
                    number: parse_number(row.get(0))?,
                    class,
                    registered_at: time(row.get(1))?,
                });
            }
        }
        Ok(out)
    }

    async fn put_attachment(
        &self,
        owner: &Iin,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
        now: DateTime<Utc>,
    ) -> StoreResult<AttachmentInfo> {
        let info = AttachmentInfo {
            id: uuid::Uuid::new_v4().to_string(),
            owner_iin: *owner,
            file_name: file_name.to_owned(),
            sha256: Sha256::digest(&bytes).into(),
            content_type: content_type.to_owned(),
            size: bytes.len() as u64,
            created_at: now,
        };
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO attachments (id, owner_iin, file_name, sha256, content_type, bytes, \
                 created_us) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&info.id)
        .bind(owner.to_string())
        .bind(file_name)
        .bind(&info.sha256[..])
        .bind(content_type)
        .bind(bytes)
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(info)
    }

    async fn attachment(&self, id: &str) -> StoreResult<(AttachmentInfo, Vec<u8>)> {
        let mut conn = self.readers.acquire().await?;
        let row = sqlx::query(
            "SELECT id, owner_iin, file_name, sha256, content_type, created_us, bytes \
             FROM attachments \
             WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let bytes: Vec<u8> = row.get("bytes");
        Ok((decode_attachment(&row, bytes.len())?, bytes))
    }

    async fn attachments_of(&self, number: ApplicationNumber) -> StoreResult<Vec<AttachmentInfo>> {
        let mut conn = self.readers.acquire().await?;
        let rows = sqlx::query(
            "SELECT t.id, t.owner_iin, t.file_name, t.sha256, t.content_type, t.created_us, \
                 length(t.bytes) AS size FROM attachments t \
             JOIN application_attachments l ON l.attachment_id = t.id \
             JOIN applications a ON a.id = l.application_id \
             WHERE a.number = ? ORDER BY t.created_us, t.id",
        )
        .bind(number.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| decode_attachment(row, row.get::<i64, _>("size") as usize))
            .collect()
    }

    async fn documents_of(&self, number: ApplicationNumber) -> StoreResult<Vec<DocumentInfo>> {
        let mut conn = self.readers.acquire().await?;
        let rows = sqlx::query(
            "SELECT d.id, d.kind, d.language, d.sha256, length(d.bytes) AS size, d.created_us \
             FROM documents d JOIN applications a ON a.id = d.application_id \
             WHERE a.number = ? ORDER BY d.created_us, d.id",
        )
        .bind(number.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(decode_document).collect()
    }

    async fn document(&self, id: &str) -> StoreResult<(DocumentInfo, Vec<u8>)> {
        let mut conn = self.readers.acquire().await?;
        let row = sqlx::query(
            "SELECT id, kind, language, sha256, length(bytes) AS size, created_us, bytes \
             FROM documents WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((decode_document(&row)?, row.get("bytes")))
    }

    async fn verify_history(&self) -> StoreResult<Result<ChainReport, ChainBreak>> {
        let mut conn = self.readers.acquire().await?;
        let mut verifier = ChainVerifier::default();
        {
            let mut rows = sqlx::query(
                "SELECT id, region_code, application_id, at_us, actor_iin, actor_role, kind, \
                     old_status, new_status, comment, signed_xml, prev_hash, hash \
                 FROM events ORDER BY id",
            )
            .fetch(&mut *conn);
            while let Some(row) = rows.try_next().await? {
                let event = ChainedEvent {
                    id: row.get("id"),
                    region_code: row.get("region_code"),
                    application_id: row.get("application_id"),
                    at_us: row.get("at_us"),
                    actor_iin: row.get("actor_iin"),
                    actor_role: row.get("actor_role"),
                    kind: row.get("kind"),
                    old_status: row.get("old_status"),
                    new_status: row.get("new_status"),
                    comment: row.get("comment"),
                    signed_xml: row.get("signed_xml"),
                    prev_hash: row.get("prev_hash"),
                };
                if let Err(broken) = verifier.check(&event, row.get::<&[u8], _>("hash")) {
                    return Ok(Err(broken));
                }
            }
        }
        let heads: Vec<(String, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT region_code, event_id, hash FROM chain_heads ORDER BY region_code",
        )
        .fetch_all(&mut *conn)
        .await?;
        let report_heads = heads
            .iter()
            .map(|(region, id, hash)| (region.clone(), *id, hex::encode(hash)))
            .collect();
        Ok(verifier.finish(heads).map(|events| ChainReport {
            events,
            heads: report_heads,
        }))
    }

    async fn issue_nonce(
        &self,
        nonce: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // Expired nonces are of no use to anyone: forget them as new ones come.
        sqlx::query("DELETE FROM login_nonces WHERE expires_us < ?")
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO login_nonces (nonce, created_us, expires_us) VALUES (?, ?, ?)")
            .bind(nonce)
            .bind(micros(now))
            .bind(micros(expires_at))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_nonce(&self, nonce: &str, now: DateTime<Utc>) -> StoreResult<NonceUse> {
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "UPDATE login_nonces SET used_us = ?1 \
             WHERE nonce = ?2 AND used_us IS NULL AND expires_us > ?1",
        )
        .bind(micros(now))
        .bind(nonce)
        .execute(&mut *tx)
        .await?;
        let found = if taken.rows_affected() == 1 {
            NonceUse::Taken
        } else {
            let row: Option<(Option<i64>, i64)> =
                sqlx::query_as("SELECT used_us, expires_us FROM login_nonces WHERE nonce = ?")
                    .bind(nonce)
                    .fetch_optional(&mut *tx)
                    .await?;
            match row {
                None => NonceUse::Unknown,
                Some((Some(_), _)) => NonceUse::Reused,
                Some((None, _)) => NonceUse::Expired,
            }
        };
        tx.commit().await?;
        Ok(found)
    }

    async fn create_session(&self, session: &Session) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_us < ?")
            .bind(micros(session.created_at))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_iin, payload, created_us, expires_us) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&session.token_hash[..])
        .bind(session.user_iin.to_string())
        .bind(session.payload.to_string())
        .bind(micros(session.created_at))
        .bind(micros(session.expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &[u8; 32],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Session>> {
        let mut conn = self.readers.acquire().await?;
        let row = sqlx::query(
            "SELECT user_iin, payload, created_us, expires_us FROM sessions \
             WHERE token_hash = ? AND expires_us > ?",
        )
        .bind(&token_hash[..])
        .bind(micros(now))
        .fetch_optional(&mut *conn)
        .await?;
        row.map(|row| {
            Ok(Session {
                token_hash: *token_hash,
                user_iin: parse_iin(row.get::<&str, _>(0))?,
                payload: decode_json(row.get::<&str, _>(1))?,
                created_at: time(row.get(2))?,
                expires_at: time(row.get(3))?,
            })
        })
        .transpose()
    }

    async fn end_session(&self, token_hash: &[u8; 32]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(&token_hash[..])
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_login(
        &self,
        iin: &Iin,
        full_name: &str,
        language: Lang,
        now: DateTime<Utc>,
    ) -> StoreResult<User> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO users (iin, full_name, language, created_us, updated_us) \
             VALUES (?1, ?2, ?3, ?4, ?4) \
             ON CONFLICT (iin) DO UPDATE SET full_name = excluded.full_name",
        )
        .bind(iin.to_string())
        .bind(full_name)
        .bind(language.code())
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        let user = user_of(&mut tx, iin).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user(&self, iin: &Iin) -> StoreResult<Option<User>> {
        let mut conn = self.readers.acquire().await?;
        user_of(&mut conn, iin).await
    }

    async fn update_contacts(
        &self,
        iin: &Iin,
        contacts: &Contacts,
        now: DateTime<Utc>,
    ) -> StoreResult<User> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE users SET email = ?, phone = ?, extra_email = ?, extra_phone = ?, \
                 language = ?, updated_us = ? WHERE iin = ?",
        )
        .bind(&contacts.email)
        .bind(&contacts.phone)
        .bind(&contacts.extra_email)
        .bind(&contacts.extra_phone)
        .bind(contacts.language.code())
        .bind(micros(now))
        .bind(iin.to_string())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let user = user_of(&mut tx, iin).await?.ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(user)
    }

    async fn bind_child(&self, user: &Iin, child: &Iin, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO bindings (user_iin, child_iin, created_us) VALUES (?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(user.to_string())
        .bind(child.to_string())
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn bound_children(&self, user: &Iin) -> StoreResult<Vec<Iin>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT child_iin FROM bindings WHERE user_iin = ? ORDER BY created_us, child_iin",
        )
        .bind(user.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(|iin| parse_iin(iin)).collect()
    }

    async fn journal(&self, filter: &JournalFilter) -> StoreResult<JournalPage> {
        let mut conn = self.readers.acquire().await?;
        let total: i64 = journal_query("SELECT COUNT(*)", filter)
            .build_query_scalar()
            .fetch_one(&mut *conn)
            .await?;
        let mut query = journal_query(&format!("SELECT {APPLICATION_COLUMNS}"), filter);
        let column = match filter.sort {
            JournalColumn::Number => "year, year_seq, version",
            JournalColumn::ChildName => "child_name",
            JournalColumn::ChildIin => "child_iin",
            JournalColumn::ApplicantName => "applicant_name",
            JournalColumn::RegisteredAt => "registered_us, order_key",
            JournalColumn::Status => "status",
            JournalColumn::Benefit => "queue_class",
            JournalColumn::BirthDate => "birth_year, substr(child_iin, 3, 4)",
        };
        let direction = if filter.descending { "DESC" } else { "ASC" };
        // Every column but the first gets the direction too, so multi-column orders flip whole.
        let order = column
            .split(", ")
            .map(|c| format!("{c} {direction}"))
            .collect::<Vec<_>>()
            .join(", ");
        query
            .push(format!(" ORDER BY {order}, id {direction} LIMIT "))
            .push_bind(i64::from(filter.limit))
            .push(" OFFSET ")
            .push_bind(filter.offset as i64);
        let rows = query.build().fetch_all(&mut *conn).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(load_application(&mut conn, row).await?);
        }
        Ok(JournalPage {
            rows: out,
            total: total as u64,
        })
    }

    async fn queue_sizes(&self, region: &str) -> StoreResult<Vec<QueueSize>> {
        let mut conn = self.readers.acquire().await?;
        let rows: Vec<(i32, i64, i64)> = sqlx::query_as(
            "SELECT birth_year, queue_class, COUNT(*) FROM applications \
             WHERE region_code = ? AND queued = 1 \
             GROUP BY birth_year, queue_class ORDER BY birth_year, queue_class",
        )
        .bind(region)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|(birth_year, scope, queued)| {
                Ok(QueueSize {
                    birth_year,
                    class: offers::class_of(scope)?,
                    queued: queued as u64,
                })
            })
            .collect()
    }

    async fn publish_free_places(&self, new: NewFreePlaces) -> StoreResult<FreePlaces> {
        let mut tx = self.begin().await?;
        if let Some(request) = &new.request {
            check_request(&mut tx, request).await?;
        }
        let at_us = micros(new.now);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO free_places (region_code, kindergarten_code, group_code, places, \
                 remaining, published_us, officer_iin, signed_xml) \
             VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(&new.region)
        .bind(&new.kindergarten)
        .bind(&new.group)
        .bind(i64::from(new.places))
        .bind(at_us)
        .bind(new.officer.to_string())
        .bind(&new.signed_xml)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(request) = &new.request {
            remember(
                &mut tx,
                request,
                &serde_json::json!({ "free_places": id }),
                at_us,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(FreePlaces {
            id,
            region: new.region,
            kindergarten: new.kindergarten,
            group: new.group,
            places: new.places,
            remaining: new.places,
            published_at: new.now,
            officer_iin: new.officer,
        })
    }

    async fn free_places(&self, region: &str, only_open: bool) -> StoreResult<Vec<FreePlaces>> {
        let mut conn = self.readers.acquire().await?;
        offers::free_places(&mut conn, region, only_open).await
    }

    async fn offers(&self, scope: &OfferScope, limit: u32) -> StoreResult<Vec<OfferRecord>> {
        let mut conn = self.readers.acquire().await?;
        offers::list(&mut conn, scope, limit).await
    }

    async fn interleave(&self, cohort: &Cohort) -> StoreResult<Interleave> {
        let mut conn = self.readers.acquire().await?;
        offers::interleave(&mut conn, cohort).await
    }

    async fn months(&self, region: &str) -> StoreResult<Vec<MonthFigures>> {
        let mut conn = self.readers.acquire().await?;
        offers::months(&mut conn, region).await
    }
}

/// The FROM and WHERE of a journal, after `select`.
fn journal_query(select: &str, filter: &JournalFilter) -> QueryBuilder<sqlx::Sqlite> {
    let mut query = QueryBuilder::new(format!("{select} FROM applications WHERE "));
    match &filter.scope {
        JournalScope::Person(iin) => {
            query
                .push("(applicant_iin = ")
                .push_bind(iin.to_string())
                .push(" OR child_iin IN (SELECT child_iin FROM bindings WHERE user_iin = ")
                .push_bind(iin.to_string())
                .push("))");
        }
        JournalScope::Region(region) => {
            query.push("region_code = ").push_bind(region.as_str());
        }
    }
    if let Some(status) = filter.status {
        query.push(" AND status = ").push_bind(status.code());
    }
    if let Some(class) = filter.benefit {
        query
            .push(" AND queue_class = ")
            .push_bind(class_scope(class));
    }
    if let Some(year) = filter.birth_year {
        query.push(" AND birth_year = ").push_bind(year);
    }
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        query.push(" AND (");
        for (i, column) in [
            "number",
            "child_iin",
            "child_name",
            "applicant_iin",
            "applicant_name",
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                query.push(" OR ");
            }
            query
                .push(format!("{column} LIKE "))
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        query.push(")");
    }
    query
}

async fn user_of(conn: &mut SqliteConnection, iin: &Iin) -> StoreResult<Option<User>> {
    let row = sqlx::query(
        "SELECT full_name, email, phone, extra_email, extra_phone, language FROM users \
         WHERE iin = ?",
    )
    .bind(iin.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let language: &str = row.get("language");
        Ok(User {
            iin: *iin,
            full_name: row.get("full_name"),
            contacts: Contacts {
                email: row.get("email"),
                phone: row.get("phone"),
                extra_email: row.get("extra_email"),
                extra_phone: row.get("extra_phone"),
                language: Lang::parse(language)
                    .ok_or_else(|| StoreError::Corrupt(format!("language {language}")))?,
            },
        })
    })
    .transpose()
}

fn decode_attachment(row: &sqlx::sqlite::SqliteRow, size: usize) -> StoreResult<AttachmentInfo> {
    Ok(AttachmentInfo {
        id: row.get("id"),
        owner_iin: parse_iin(row.get::<&str, _>("owner_iin"))?,
        file_name: row.get("file_name"),
        sha256: hash32(row.get::<&[u8], _>("sha256"))?,
        content_type: row.get("content_type"),
        size: size as u64,
        created_at: time(row.get("created_us"))?,
    })
}

fn decode_document(row: &sqlx::sqlite::SqliteRow) -> StoreResult<DocumentInfo> {
    let language: &str = row.get("language");
    Ok(DocumentInfo {
        id: row.get("id"),
        kind: row.get("kind"),
        language: Lang::parse(language)
            .ok_or_else(|| StoreError::Corrupt(format!("language {language}")))?,
        sha256: hash32(row.get::<&[u8], _>("sha256"))?,
        size: row.get::<i64, _>("size") as u64,
        created_at: time(row.get("created_us"))?,
    })
}
