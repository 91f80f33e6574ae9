//! The SQLite implementation of [`Store`]: WAL, `synchronous=FULL` (a commit is on disk before
//! the answer), foreign keys, a busy timeout, migrations at open.
//!
//! Writes go through one connection and start with `BEGIN IMMEDIATE`, so that writers in other
//! processes wait for the lock instead of failing half-way; submissions and transitions share
//! transactions in small batches (`writer.rs`, group commit). Reads use a small pool of their
//! own and never block behind a writer (WAL).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, DurationRound, TimeDelta, Utc};
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::query_builder::Separated;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, SqlSafeStr, Sqlite};

use super::chain::{ChainVerifier, ChainedEvent, GENESIS};
use super::queue_tree::{self, QueueKey, QueueSlot, SCOPE_ALL, class_scope, order_key};
use super::writer::{Change, Writer};
use super::{
    AttachmentInfo, Candidate, ChainBreak, ChainReport, Completion, Contacts, DocumentBody,
    DocumentInfo, FreePlaces, HistoryEntry, JournalColumn, JournalFilter, JournalPage,
    JournalScope, MonthFigures, NewApplication, NewEvent, NewFreePlaces, NonceUse, OfferRecord,
    OfferScope, Pending, PositionHistoryEntry, QueueSize, Recorded, RequestKey, SeedApplication,
    ServiceCentre, Session, Store, StoreError, StoreResult, StoredAnswer, StoredApplication,
    TransitionRecord, User,
};
use super::{offers, seed};
use crate::domain::allocation::{Interleave, OfferStatus};
use crate::domain::lifecycle::{EventKind, wake_at};
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
    let steps: [(i64, &str, &'static str); 5] = [
        (
            1,
            "schema",
            include_str!("../../../migrations/0001_schema.sql"),
        ),
        (
            2,
            "offers",
            include_str!("../../../migrations/0002_offers.sql"),
        ),
        (
            3,
            "attachment names",
            include_str!("../../../migrations/0003_attachment_names.sql"),
        ),
        (
            4,
            "documents on demand",
            include_str!("../../../migrations/0004_documents_on_demand.sql"),
        ),
        (
            5,
            "documents unrendered",
            include_str!("../../../migrations/0005_documents_unrendered.sql"),
        ),
    ];
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

/// Rows per multi-row statement: far below SQLite's 32 766 bound parameters even for the
/// widest row (an application's 25 columns).
const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows` with one multi-row statement per [`ROWS_PER_STATEMENT`] of them: `head` is
/// the `INSERT INTO table (columns) `, `bind` binds one row's values in that order, `tail`
/// follows the values (an upsert clause, or nothing).
async fn insert_rows<T>(
    conn: &mut SqliteConnection,
    head: &str,
    rows: &[T],
    tail: &str,
    mut bind: impl FnMut(Separated<'_, Sqlite, &'static str>, &T),
) -> StoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut insert = QueryBuilder::new(head);
        insert.push_values(chunk, &mut bind);
        insert.push(tail);
        insert.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// A change of one bucket's count in one scope of a cohort's tree.
#[derive(Debug, Clone, Copy)]
pub(super) struct TreeDelta {
    pub cohort_id: i64,
    pub scope: i64,
    pub bucket: i64,
    pub delta: i64,
}

/// Adds each delta to every tree node above its bucket, summed per node, in one statement.
pub(super) async fn tree_add(conn: &mut SqliteConnection, deltas: &[TreeDelta]) -> StoreResult<()> {
    let mut per_scope: BTreeMap<(i64, i64), Vec<(i64, i64)>> = BTreeMap::new();
    for delta in deltas {
        per_scope
            .entry((delta.cohort_id, delta.scope))
            .or_default()
            .push((delta.bucket, delta.delta));
    }
    let nodes: Vec<(i64, i64, i64, i64)> = per_scope
        .into_iter()
        .flat_map(|((cohort_id, scope), buckets)| {
            queue_tree::build(buckets)
                .into_iter()
                .map(move |(node, delta)| (cohort_id, scope, node, delta))
        })
        .collect();
    insert_rows(
        conn,
        "INSERT INTO queue_tree (cohort_id, scope, node, queued) ",
        &nodes,
        " ON CONFLICT (cohort_id, scope, node) DO UPDATE SET queued = queued + excluded.queued",
        |mut row, &(cohort_id, scope, node, delta)| {
            row.push_bind(cohort_id)
                .push_bind(scope)
                .push_bind(node)
                .push_bind(delta);
        },
    )
    .await
}

/// One count for [`queued_ahead`]: the applications of `scope` queued ahead of `key`.
#[derive(Debug, Clone, Copy)]
struct Ahead {
    key: QueueKey,
    scope: i64,
    /// Count those of the key's bucket that come after it and subtract them from the prefix
    /// through the bucket, rather than add those before it to the prefix before the bucket:
    /// cheaper when fewer come after (an hour's bucket can hold thousands).
    count_after: bool,
}

/// What follows the keys' `VALUES` in [`queued_ahead`]'s statement: the same text every time,
/// made once.
static QUEUED_AHEAD_TAIL: LazyLock<String> = LazyLock::new(|| {
    const BEFORE: &str = "a.registered_us >= k.lo AND a.registered_us <= k.reg \
         AND (a.registered_us < k.reg OR a.order_key < k.ord)";
    const AFTER: &str = "a.registered_us >= k.reg AND a.registered_us < k.hi \
         AND (a.registered_us > k.reg OR a.order_key >= k.ord)";
    format!(
        "), path(i, c, s, node) AS ( \
             SELECT i, c, s, b - 1 + after FROM k WHERE b - 1 + after > 0 \
             UNION ALL \
             SELECT i, c, s, node - (node & -node) FROM path WHERE node - (node & -node) > 0 \
         ), prefix(i, queued) AS ( \
             SELECT path.i, SUM(t.queued) FROM path JOIN queue_tree t \
                 ON t.cohort_id = path.c AND t.scope = path.s AND t.node = path.node \
             GROUP BY path.i \
         ) \
         SELECT k.i, COALESCE(prefix.queued, 0) + CASE \
             WHEN k.after = 0 AND k.s = 0 THEN (SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queued = 1 AND {BEFORE}) \
             WHEN k.after = 0 THEN (SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queue_class = k.s AND a.queued = 1 AND {BEFORE}) \
             WHEN k.s = 0 THEN -(SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queued = 1 AND {AFTER}) \
             ELSE -(SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queue_class = k.s AND a.queued = 1 AND {AFTER}) \
         END \
         FROM k LEFT JOIN prefix ON prefix.i = k.i ORDER BY k.i"
    )
});

/// The count of each [`Ahead`], in one statement for all: the tree's prefix sums plus or
/// minus a count of index entries inside each key's own hour bucket.
async fn queued_ahead(conn: &mut SqliteConnection, asks: &[Ahead]) -> StoreResult<Vec<i64>> {
    let mut counts = Vec::with_capacity(asks.len());
    for chunk in asks.chunks(ROWS_PER_STATEMENT) {
        let mut query =
            QueryBuilder::new("WITH RECURSIVE k(i, c, s, b, lo, reg, hi, ord, after) AS (");
        query.push_values(chunk.iter().enumerate(), |mut row, (i, ask)| {
            let bucket = queue_tree::bucket(ask.key.registered_us);
            row.push_bind(i as i64)
                .push_bind(ask.key.cohort_id)
                .push_bind(ask.scope)
                .push_bind(bucket)
                .push_bind(queue_tree::bucket_start_us(bucket))
                .push_bind(ask.key.registered_us)
                .push_bind(queue_tree::bucket_end_us(bucket))
                .push_bind(ask.key.order_key)
                .push_bind(i64::from(ask.count_after));
        });
        query.push(&*QUEUED_AHEAD_TAIL);
        let rows: Vec<(i64, i64)> = query.build_query_as().fetch_all(&mut *conn).await?;
        if rows.len() != chunk.len() {
            return Err(StoreError::Corrupt("a queue count went missing".into()));
        }
        counts.extend(rows.into_iter().map(|(_, count)| count));
    }
    Ok(counts)
}

/// The two queue numbers of each application at its key in its slot (zeros when not queued),
/// in one statement. `newest`: the applications were registered just now, so in their buckets
/// only each other can come after them.
pub(super) async fn positions(
    conn: &mut SqliteConnection,
    of: &[(QueueKey, QueueSlot)],
    newest: bool,
) -> StoreResult<Vec<QueuePosition>> {
    let mut asks = Vec::with_capacity(of.len() * 2);
    for &(key, slot) in of.iter().filter(|(_, slot)| slot.queued) {
        let count_after = newest || queue_tree::in_later_half(key.registered_us);
        let mut ask = |scope| {
            asks.push(Ahead {
                key,
                scope,
                count_after,
            })
        };
        ask(SCOPE_ALL);
        if slot.scope != SCOPE_ALL {
            ask(slot.scope);
        }
    }
    let mut counts = queued_ahead(conn, &asks).await?.into_iter();
    let mut next = || counts.next().map_or(0, |ahead| ahead as u32 + 1);
    Ok(of
        .iter()
        .map(|&(_, slot)| match slot.queued {
            false => QueuePosition::default(),
            true => QueuePosition {
                general: next(),
                benefit: if slot.scope == SCOPE_ALL { 0 } else { next() },
            },
        })
        .collect())
}

/// An application's move between queue slots, and why.
#[derive(Debug, Clone, Copy)]
pub(super) struct QueueMove {
    pub application_id: i64,
    pub key: QueueKey,
    pub before: QueueSlot,
    pub after: QueueSlot,
    pub kind: EventKind,
    pub at_us: i64,
}

/// Moves applications between queue slots in the tree; returns each application's numbers
/// afterwards.
async fn move_in_queue(
    conn: &mut SqliteConnection,
    moves: &[QueueMove],
    newest: bool,
) -> StoreResult<Vec<QueuePosition>> {
    let mut deltas = Vec::new();
    for step in moves.iter().filter(|step| step.before != step.after) {
        let bucket = queue_tree::bucket(step.key.registered_us);
        for (slot, delta) in [(step.before, -1), (step.after, 1)] {
            if !slot.queued {
                continue;
            }
            let mut add = |scope| {
                deltas.push(TreeDelta {
                    cohort_id: step.key.cohort_id,
                    scope,
                    bucket,
                    delta,
                })
            };
            add(SCOPE_ALL);
            if slot.scope != SCOPE_ALL {
                add(slot.scope);
            }
        }
    }
    tree_add(conn, &deltas).await?;
    let keys: Vec<_> = moves.iter().map(|step| (step.key, step.after)).collect();
    let positions = positions(conn, &keys, newest).await?;
    Ok(positions)
}

/// A `queue_changes` row per move, with its cause and the application's own numbers
/// afterwards, from which every other child's position history is replayed.
async fn record_queue_changes(
    conn: &mut SqliteConnection,
    changes: &[(QueueMove, QueuePosition)],
) -> StoreResult<()> {
    insert_rows(
        &mut *conn,
        "INSERT INTO queue_changes (cohort_id, at_us, application_id, registered_us, \
                 order_key, was_queued, is_queued, class_before, class_after, cause, \
                 general_after, benefit_after) ",
        changes,
        "",
        |mut row, (step, position)| {
            row.push_bind(step.key.cohort_id)
                .push_bind(step.at_us)
                .push_bind(step.application_id)
                .push_bind(step.key.registered_us)
                .push_bind(step.key.order_key)
                .push_bind(step.before.queued)
                .push_bind(step.after.queued)
                .push_bind(step.before.scope)
                .push_bind(step.after.scope)
                .push_bind(step.kind.code())
                .push_bind(i64::from(position.general))
                .push_bind(i64::from(position.benefit));
        },
    )
    .await?;
    Ok(())
}

/// Where an event goes in the history and what it records about the status.
pub(super) struct EventPlace<'a> {
    pub region: &'a str,
    pub application_id: i64,
    pub at_us: i64,
    pub kind: EventKind,
    pub from: Option<Status>,
    pub to: Option<Status>,
}

/// Appends events to their regions' chains, in order; returns their ids.
pub(super) async fn append_events(
    conn: &mut SqliteConnection,
    events: &[(EventPlace<'_>, &NewEvent)],
) -> StoreResult<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let regions: BTreeSet<&str> = events.iter().map(|(place, _)| place.region).collect();
    let mut heads_query =
        QueryBuilder::new("SELECT region_code, hash FROM chain_heads WHERE region_code IN (");
    let mut list = heads_query.separated(", ");
    for region in &regions {
        list.push_bind(*region);
    }
    heads_query.push(")");
    let mut heads: HashMap<String, (i64, Vec<u8>)> = heads_query
        .build_query_as::<(String, Vec<u8>)>()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(region, hash)| (region, (0, hash)))
        .collect();
    let first_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM events")
        .fetch_one(&mut *conn)
        .await?;
    let mut chained = Vec::with_capacity(events.len());
    for ((place, event), id) in events.iter().zip(first_id..) {
        let (actor_iin, actor_role) = actor_columns(&event.actor);
        let prev_hash = heads
            .get(place.region)
            .map_or_else(|| GENESIS.to_vec(), |(_, hash)| hash.clone());
        let link = ChainedEvent {
            id,
            region_code: place.region.to_owned(),
            application_id: Some(place.application_id),
            at_us: place.at_us,
            actor_iin,
            actor_role,
            kind: place.kind.code().to_owned(),
            old_status: place.from.map(|s| s.code().to_owned()),
            new_status: place.to.map(|s| s.code().to_owned()),
            comment: event.comment.clone(),
            signed_xml: event.signed_xml.clone(),
            prev_hash,
        };
        let hash = link.hash();
        heads.insert(place.region.to_owned(), (id, hash.to_vec()));
        chained.push((link, hash));
    }
    insert_rows(
        &mut *conn,
        "INSERT INTO events (id, region_code, application_id, at_us, actor_iin, actor_role, \
                 kind, old_status, new_status, comment, signed_xml, prev_hash, hash) ",
        &chained,
        "",
        |mut row, (link, hash)| {
            row.push_bind(link.id)
                .push_bind(&link.region_code)
                .push_bind(link.application_id)
                .push_bind(link.at_us)
                .push_bind(&link.actor_iin)
                .push_bind(&link.actor_role)
                .push_bind(&link.kind)
                .push_bind(&link.old_status)
                .push_bind(&link.new_status)
                .push_bind(&link.comment)
                .push_bind(&link.signed_xml)
                .push_bind(&link.prev_hash)
                .push_bind(&hash[..]);
        },
    )
    .await?;
    // Every head read above belongs to a region that just had an event.
    let heads: Vec<_> = heads.into_iter().collect();
    insert_rows(
        &mut *conn,
        "INSERT INTO chain_heads (region_code, event_id, hash) ",
        &heads,
        " ON CONFLICT (region_code) DO UPDATE SET event_id = excluded.event_id, \
             hash = excluded.hash",
        |mut row, (region, (id, hash))| {
            row.push_bind(region).push_bind(id).push_bind(hash);
        },
    )
    .await?;
    Ok(chained.iter().map(|(link, _)| link.id).collect())
}

/// The answers already given to request ids, by id.
async fn stored_answers(
    conn: &mut SqliteConnection,
    request_ids: &[&str],
) -> StoreResult<HashMap<String, StoredAnswer>> {
    let mut answers = HashMap::new();
    for chunk in request_ids.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::new(
            "SELECT request_id, document_hash, answer FROM idempotency WHERE request_id IN (",
        );
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        query.push(")");
        for row in query.build().fetch_all(&mut *conn).await? {
            answers.insert(
                row.get::<String, _>(0),
                StoredAnswer {
                    document_hash: hash32(row.get::<&[u8], _>(1))?,
                    answer: decode_json(row.get::<&str, _>(2))?,
                },
            );
        }
    }
    Ok(answers)
}

/// Refuses a request id answered before: the same document gets that answer back
/// ([`StoreError::Replayed`]), another document is refused.
fn check_request(answers: &HashMap<String, StoredAnswer>, request: &RequestKey) -> StoreResult<()> {
    match answers.get(&request.request_id) {
        None => Ok(()),
        Some(answer) if answer.document_hash == request.document_hash => {
            Err(StoreError::Replayed(answer.clone()))
        }
        Some(_) => Err(StoreError::RequestReused),
    }
}

/// A write's completion with what it completes.
struct Completing<'a> {
    recorded: &'a Recorded,
    request: Option<&'a RequestKey>,
    completion: &'a Completion,
    at_us: i64,
}

/// Runs the writes' completions and stores what they made: documents and the answers to
/// their request ids. Returns each write's documents as listed.
async fn complete(
    conn: &mut SqliteConnection,
    writes: &[Completing<'_>],
) -> StoreResult<Vec<Vec<DocumentInfo>>> {
    let mut documents = Vec::new();
    let mut answers = Vec::new();
    let mut listed = Vec::with_capacity(writes.len());
    for write in writes {
        // A panicking completion must not take the store's writer task down with it.
        let effects = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (write.completion)(write.recorded)
        }))
        .unwrap_or_else(|_| Err("the completion panicked".into()))
        .map_err(StoreError::Completion)?;
        if let Some(request) = write.request {
            answers.push((request, effects.answer.to_string(), write.at_us));
        }
        let mut made: Vec<DocumentInfo> = Vec::with_capacity(effects.documents.len());
        for document in effects.documents {
            let info = DocumentInfo {
                id: uuid::Uuid::new_v4().to_string(),
                kind: document.kind.clone(),
                language: document.language,
                size: None,
                created_at: time(write.at_us)?,
            };
            made.push(info.clone());
            documents.push((write.recorded, info, document.content, write.at_us));
        }
        // As `documents_of` lists them.
        made.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        listed.push(made);
    }
    insert_rows(
        &mut *conn,
        "INSERT INTO documents (id, application_id, event_id, kind, language, content, \
                 created_us) ",
        &documents,
        "",
        |mut row, (recorded, info, content, at_us)| {
            row.push_bind(&info.id)
                .push_bind(recorded.application.id)
                .push_bind(recorded.event_id)
                .push_bind(&info.kind)
                .push_bind(info.language.code())
                .push_bind(content)
                .push_bind(*at_us);
        },
    )
    .await?;
    remember(conn, &answers).await?;
    Ok(listed)
}

/// Stores the first answers to request ids, with when they were given.
async fn remember(
    conn: &mut SqliteConnection,
    answers: &[(&RequestKey, String, i64)],
) -> StoreResult<()> {
    insert_rows(
        &mut *conn,
        "INSERT INTO idempotency (request_id, document_hash, answer, created_us) ",
        answers,
        "",
        |mut row, (request, answer, at_us)| {
            row.push_bind(&request.request_id)
                .push_bind(&request.document_hash[..])
                .push_bind(answer)
                .push_bind(*at_us);
        },
    )
    .await?;
    Ok(())
}

/// Writes what the notices tell each application's applicant to the outbox, in the
/// transaction of the change they report.
async fn notify(
    conn: &mut SqliteConnection,
    changes: &[(&StoredApplication, &[Notice], i64)],
) -> StoreResult<()> {
    let told: Vec<Iin> = changes
        .iter()
        .filter(|(_, notices, _)| !notices.is_empty())
        .map(|(application, _, _)| application.applicant_iin)
        .collect();
    if told.is_empty() {
        return Ok(());
    }
    let users = users_of(conn, &told).await?;
    let mut messages = Vec::new();
    for &(application, notices, at_us) in changes {
        let applicant = users.get(&application.applicant_iin);
        for message in application.messages(notices, applicant) {
            messages.push((application.id, message, at_us));
        }
    }
    insert_rows(
        &mut *conn,
        "INSERT INTO outbox (application_id, to_email, to_phone, language, subject, body, \
                 created_us) ",
        &messages,
        "",
        |mut row, (application_id, message, at_us)| {
            row.push_bind(*application_id)
                .push_bind(&message.to_email)
                .push_bind(&message.to_phone)
                .push_bind(message.lang.code())
                .push_bind(&message.subject)
                .push_bind(&message.body)
                .push_bind(*at_us);
        },
    )
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
    only(load_applications(conn, vec![row]).await?)
}

/// Application rows with their live queue numbers, counted in one statement.
async fn load_applications(
    conn: &mut SqliteConnection,
    rows: Vec<sqlx::sqlite::SqliteRow>,
) -> StoreResult<Vec<StoredApplication>> {
    let decoded = rows
        .iter()
        .map(decode_application)
        .collect::<StoreResult<Vec<_>>>()?;
    let keys: Vec<_> = decoded.iter().map(|&(_, key, slot)| (key, slot)).collect();
    let positions = positions(conn, &keys, false).await?;
    Ok(decoded
        .into_iter()
        .zip(positions)
        .map(|((stored, _, _), position)| StoredApplication { position, ..stored })
        .collect())
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

/// The ids of cohorts, each created on first use, in one statement.
pub(super) async fn cohort_ids(
    conn: &mut SqliteConnection,
    cohorts: &[&Cohort],
) -> StoreResult<HashMap<(String, i32), i64>> {
    let distinct: BTreeSet<(&str, i32)> = cohorts
        .iter()
        .map(|cohort| (cohort.region.as_str(), cohort.birth_year))
        .collect();
    let mut ids = HashMap::with_capacity(distinct.len());
    let distinct: Vec<_> = distinct.into_iter().collect();
    for chunk in distinct.chunks(ROWS_PER_STATEMENT) {
        let mut upsert = QueryBuilder::new("INSERT INTO cohorts (region_code, birth_year) ");
        upsert.push_values(chunk, |mut row, &(region, birth_year)| {
            row.push_bind(region).push_bind(birth_year);
        });
        upsert.push(
            " ON CONFLICT (region_code, birth_year) DO UPDATE SET birth_year = excluded.birth_year \
             RETURNING region_code, birth_year, id",
        );
        let rows: Vec<(String, i32, i64)> = upsert.build_query_as().fetch_all(&mut *conn).await?;
        ids.extend(
            rows.into_iter()
                .map(|(region, year, id)| ((region, year), id)),
        );
    }
    Ok(ids)
}

/// The id of `cohort` among those [`cohort_ids`] returned.
pub(super) fn cohort_of(ids: &HashMap<(String, i32), i64>, cohort: &Cohort) -> StoreResult<i64> {
    ids.get(&(cohort.region.clone(), cohort.birth_year))
        .copied()
        .ok_or_else(|| StoreError::Corrupt(format!("cohort {cohort:?} has no id")))
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

/// Inserts applications at revision 1, their registration times the states'; returns their
/// ids in order.
pub(super) async fn insert_applications(
    conn: &mut SqliteConnection,
    rows: &[ApplicationRow<'_>],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut states = Vec::with_capacity(chunk.len());
        for row in chunk {
            states.push(state_json(row.state).map_err(|e| sqlx::Error::Encode(e.into()))?);
        }
        let mut insert = QueryBuilder::new(
            "INSERT INTO applications (revision, number, year, year_seq, version, order_key, \
                 region_code, cohort_id, birth_year, child_iin, child_name, applicant_iin, \
                 applicant_name, benefit_code, queue_class, status, queued, open, registered_us, \
                 updated_us, stop_list_until_us, next_due_us, request_number, operator_iin, \
                 state, details) ",
        );
        insert.push_values(chunk.iter().zip(states), |mut values, (row, state_json)| {
            let state = row.state;
            let slot = QueueSlot::of(state);
            values
                .push_bind(1_i64)
                .push_bind(state.number.to_string())
                .push_bind(state.number.year)
                .push_bind(i64::from(state.number.sequence))
                .push_bind(i64::from(state.number.version))
                .push_bind(row.order_key)
                .push_bind(&state.cohort.region)
                .push_bind(row.cohort_id)
                .push_bind(state.cohort.birth_year)
                .push_bind(row.child_iin.to_string())
                .push_bind(row.child_name)
                .push_bind(row.applicant_iin.to_string())
                .push_bind(row.applicant_name)
                .push_bind(state.benefit.as_ref().map(|b| b.category.clone()))
                .push_bind(slot.scope)
                .push_bind(state.status.code())
                .push_bind(slot.queued)
                .push_bind(!state.status.is_final())
                .push_bind(micros(state.registered_at))
                .push_bind(micros(state.last_change_at))
                .push_bind(state.stop_list_until.map(micros))
                .push_bind(row.wake_at.map(micros))
                .push_bind(row.service_centre.map(|s| s.request_number.clone()))
                .push_bind(row.service_centre.map(|s| s.operator_iin.to_string()))
                .push_bind(state_json)
                .push_bind(row.details.to_string());
        });
        // RETURNING does not promise the order of the VALUES; the number says which is which.
        insert.push(" RETURNING number, id");
        let returned: HashMap<String, i64> = insert
            .build_query_as::<(String, i64)>()
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
        for row in chunk {
            let number = row.state.number.to_string();
            let id = returned
                .get(&number)
                .copied()
                .ok_or_else(|| sqlx::Error::Protocol(format!("no id came back for {number}")))?;
            ids.push(id);
        }
    }
    Ok(ids)
}

fn is_unique_violation(error: &sqlx::Error, what: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.message().contains(what))
}

/// A write queued with the writer: what it changes and what completes it.
pub(super) struct Queued {
    pub change: Change,
    pub completion: Completion,
}

/// What a write of a run did before the parts every write shares (history, position
/// changes, outbox, documents, answers) are stored for the whole run at its end.
struct Done<'a> {
    /// With its numbers right after its own change.
    application: StoredApplication,
    step: QueueMove,
    region: String,
    from: Option<Status>,
    to: Status,
    notices: Vec<Notice>,
    queued: &'a Queued,
}

/// Records a run of writes inside the writer's transaction (see [`Store::submit`] and
/// [`Store::record_transition`]), all of them or none, in queue order. What every write shares
/// (the idempotency lookup, cohorts and numbers, history events, position changes, outbox,
/// documents and answers) goes in one statement for the whole run, and consecutive submissions
/// are inserted and counted together, so a run takes a few statements per transition and per
/// stretch of submissions instead of a dozen per write: every statement is a round trip to the
/// connection's thread. When a run fails the writer tries its writes one by one, so each
/// refusal reaches its own caller.
pub(super) async fn write_run(
    tx: &mut SqliteConnection,
    run: &[Queued],
) -> StoreResult<Vec<Recorded>> {
    let requests: Vec<&RequestKey> = run.iter().filter_map(|q| q.change.request()).collect();
    if !requests.is_empty() {
        let ids: Vec<&str> = requests.iter().map(|r| r.request_id.as_str()).collect();
        let answers = stored_answers(tx, &ids).await?;
        for request in &requests {
            check_request(&answers, request)?;
        }
    }
    let mut numbered = number_submissions(tx, run).await?.into_iter();
    let mut done: Vec<Done> = Vec::with_capacity(run.len());
    let mut next = 0;
    while next < run.len() {
        let stretch = run[next..]
            .iter()
            .take_while(|q| matches!(q.change, Change::Submit(_)))
            .count();
        if stretch > 0 {
            let states = numbered.by_ref().take(stretch).collect();
            done.extend(register(tx, &run[next..next + stretch], states).await?);
            next += stretch;
        } else {
            done.push(transit(tx, &run[next]).await?);
            next += 1;
        }
    }
    let changes: Vec<(QueueMove, QueuePosition)> = done
        .iter()
        .filter(|d| d.step.before != d.step.after || d.step.kind == EventKind::Registered)
        .map(|d| (d.step, d.application.position))
        .collect();
    record_queue_changes(tx, &changes).await?;
    let places: Vec<(EventPlace, &NewEvent)> = done
        .iter()
        .map(|d| {
            let place = EventPlace {
                region: &d.region,
                application_id: d.application.id,
                at_us: d.step.at_us,
                kind: d.step.kind,
                from: d.from,
                to: Some(d.to),
            };
            (place, d.queued.change.event())
        })
        .collect();
    let event_ids = append_events(tx, &places).await?;
    let (recorded, rest): (Vec<Recorded>, Vec<_>) = done
        .into_iter()
        .zip(event_ids)
        .map(|(d, event_id)| {
            let recorded = Recorded {
                application: d.application,
                event_id,
                documents: Vec::new(),
            };
            (recorded, (d.notices, d.queued, d.step.at_us))
        })
        .unzip();
    let told: Vec<(&StoredApplication, &[Notice], i64)> = recorded
        .iter()
        .zip(&rest)
        .map(|(r, (notices, _, at_us))| (&r.application, &notices[..], *at_us))
        .collect();
    notify(tx, &told).await?;
    let completing: Vec<Completing> = recorded
        .iter()
        .zip(&rest)
        .map(|(recorded, &(_, queued, at_us))| Completing {
            recorded,
            request: queued.change.request(),
            completion: &queued.completion,
            at_us,
        })
        .collect();
    let documents = complete(tx, &completing).await?;
    let mut recorded = recorded;
    for (recorded, documents) in recorded.iter_mut().zip(documents) {
        recorded.documents = documents;
    }
    Ok(recorded)
}

/// The registration time (to the microsecond the columns keep), number and queue key of every
/// submission of a run, in order: one statement for the cohorts, one per year for the numbers.
async fn number_submissions(
    tx: &mut SqliteConnection,
    run: &[Queued],
) -> StoreResult<Vec<(ApplicationState, QueueKey)>> {
    let submissions: Vec<&NewApplication> =
        run.iter().filter_map(|q| q.change.submission()).collect();
    if submissions.is_empty() {
        return Ok(Vec::new());
    }
    let nows: Vec<DateTime<Utc>> = submissions
        .iter()
        .map(|new| {
            new.now
                .duration_trunc(TimeDelta::microseconds(1))
                .unwrap_or(new.now)
        })
        .collect();
    let cohorts: Vec<&Cohort> = submissions.iter().map(|new| &new.cohort).collect();
    let cohort_ids = cohort_ids(tx, &cohorts).await?;
    let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
    for now in &nows {
        *per_year.entry(now.year()).or_default() += 1;
    }
    let mut next_in_year = BTreeMap::new();
    for (year, count) in per_year {
        next_in_year.insert(year, next_sequence(tx, year, count).await?);
    }
    let mut numbered = Vec::with_capacity(submissions.len());
    for (new, &now) in submissions.iter().zip(&nows) {
        let sequence = next_in_year
            .get_mut(&now.year())
            .expect("every year was counted above");
        let number = ApplicationNumber::new(now.year(), *sequence as u32, 1)
            .ok_or(StoreError::NumbersExhausted)?;
        *sequence += 1;
        let state = ApplicationState::registered(
            number,
            new.cohort.clone(),
            new.benefit.clone(),
            now,
            &new.settings,
        );
        let key = QueueKey {
            cohort_id: cohort_of(&cohort_ids, &new.cohort)?,
            registered_us: micros(now),
            order_key: order_key(number),
        };
        numbered.push((state, key));
    }
    Ok(numbered)
}

/// Inserts a stretch of consecutive submissions with their numbered states and counts their
/// queue numbers, in a few statements for all of them.
async fn register<'a>(
    tx: &mut SqliteConnection,
    stretch: &'a [Queued],
    states: Vec<(ApplicationState, QueueKey)>,
) -> StoreResult<Vec<Done<'a>>> {
    let news: Vec<&NewApplication> = stretch
        .iter()
        .filter_map(|q| q.change.submission())
        .collect();
    let rows: Vec<ApplicationRow> = news
        .iter()
        .zip(&states)
        .map(|(new, (state, key))| ApplicationRow {
            cohort_id: key.cohort_id,
            order_key: key.order_key,
            state,
            child_iin: &new.child_iin,
            child_name: &new.child_name,
            applicant_iin: &new.applicant_iin,
            applicant_name: &new.applicant_name,
            service_centre: new.service_centre.as_ref(),
            details: &new.details,
            wake_at: wake_at(state, &new.settings),
        })
        .collect();
    let ids = match insert_applications(tx, &rows).await {
        Err(e) if is_unique_violation(&e, "child_iin") => {
            return Err(StoreError::ChildHasOpenApplication);
        }
        other => other?,
    };
    let attached: Vec<(i64, &String)> = news
        .iter()
        .zip(&ids)
        .flat_map(|(new, &id)| new.attachments.iter().map(move |a| (id, a)))
        .collect();
    insert_rows(
        &mut *tx,
        "INSERT INTO application_attachments (application_id, attachment_id) ",
        &attached,
        "",
        |mut row, (id, attachment)| {
            row.push_bind(*id).push_bind(*attachment);
        },
    )
    .await?;
    let steps: Vec<QueueMove> = states
        .iter()
        .zip(&ids)
        .map(|((state, key), &application_id)| {
            let slot = QueueSlot::of(state);
            QueueMove {
                application_id,
                key: *key,
                before: QueueSlot {
                    queued: false,
                    scope: slot.scope,
                },
                after: slot,
                kind: EventKind::Registered,
                at_us: key.registered_us,
            }
        })
        .collect();
    let positions = move_in_queue(tx, &steps, true).await?;
    Ok(stretch
        .iter()
        .zip(news)
        .zip(states)
        .zip(steps.into_iter().zip(positions))
        .map(|(((queued, new), (state, _)), (step, position))| Done {
            notices: vec![Notice::of_registration(&state)],
            to: state.status,
            application: StoredApplication {
                id: step.application_id,
                revision: 1,
                state,
                child_iin: new.child_iin,
                child_name: new.child_name.clone(),
                applicant_iin: new.applicant_iin,
                applicant_name: new.applicant_name.clone(),
                service_centre: new.service_centre.clone(),
                details: new.details.clone(),
                position,
            },
            step,
            region: new.cohort.region.clone(),
            from: None,
            queued,
        })
        .collect())
}

/// Applies one transition of a run: the revision check, the offer and place it settles or
/// takes, the application row and the queue tree, and its numbers afterwards.
async fn transit<'a>(tx: &mut SqliteConnection, queued: &'a Queued) -> StoreResult<Done<'a>> {
    let Change::Transition(record) = &queued.change else {
        return Err(StoreError::Corrupt(
            "a submission taken for a transition".into(),
        ));
    };
    let row = application_row(tx, record.number).await?;
    let (stored, key, before) = decode_application(&row)?;
    if stored.revision != record.revision || record.transition.state.number != record.number {
        return Err(StoreError::Conflict);
    }
    let region: String = row.get("region_code");
    let transition = &record.transition;
    let state = transition.state.clone();
    let at_us = micros(record.now);
    let after = QueueSlot::of(&state);
    if let Some(status) = OfferStatus::settled_by(transition) {
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
    let step = QueueMove {
        application_id: stored.id,
        key,
        before,
        after,
        kind: transition.event,
        at_us,
    };
    let position = only(move_in_queue(tx, &[step], false).await?)?;
    Ok(Done {
        application: StoredApplication {
            revision,
            state,
            position,
            ..stored
        },
        step,
        region,
        from: Some(transition.from),
        to: transition.to,
        notices: transition.notices.clone(),
        queued,
    })
}

/// The one result of a statement made for one item.
fn only<T>(items: Vec<T>) -> StoreResult<T> {
    let mut items = items.into_iter();
    match (items.next(), items.next()) {
        (Some(item), None) => Ok(item),
        _ => Err(StoreError::Corrupt("one row was expected".into())),
    }
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
        load_applications(&mut conn, rows).await
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
        only(positions(&mut conn, &[(key, slot)], false).await?)
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
        Ok(stored_answers(&mut conn, &[request_id])
            .await?
            .remove(request_id))
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
        load_applications(&mut conn, rows).await
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
            "SELECT d.id, d.kind, d.language, length(d.bytes) AS size, d.created_us \
             FROM documents d JOIN applications a ON a.id = d.application_id \
             WHERE a.number = ? ORDER BY d.created_us, d.id",
        )
        .bind(number.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.iter().map(decode_document).collect()
    }

    async fn document(&self, id: &str) -> StoreResult<(DocumentInfo, DocumentBody)> {
        let mut conn = self.readers.acquire().await?;
        let row = sqlx::query(
            "SELECT id, kind, language, length(bytes) AS size, created_us, bytes, content \
             FROM documents WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let body = match (row.get("bytes"), row.get("content")) {
            (Some(bytes), _) => DocumentBody::Rendered(bytes),
            (None, Some(content)) => DocumentBody::Content(content),
            (None, None) => return Err(StoreError::Corrupt(format!("document {id} is empty"))),
        };
        Ok((decode_document(&row)?, body))
    }

    async fn unrendered_documents(
        &self,
        after: Option<(DateTime<Utc>, String)>,
        limit: u32,
    ) -> StoreResult<Vec<(DocumentInfo, String)>> {
        let (after_us, after_id) =
            after.map_or((i64::MIN, String::new()), |(at, id)| (micros(at), id));
        let mut conn = self.readers.acquire().await?;
        let rows = sqlx::query(
            "SELECT id, kind, language, NULL AS size, created_us, content FROM documents \
             WHERE bytes IS NULL AND (created_us, id) > (?, ?) \
             ORDER BY created_us, id LIMIT ?",
        )
        .bind(after_us)
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| Ok((decode_document(row)?, row.get("content"))))
            .collect()
    }

    async fn keep_rendered(&self, rendered: &[(String, Vec<u8>)]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for (id, bytes) in rendered {
            let sha256 = Sha256::digest(bytes);
            sqlx::query(
                "UPDATE documents SET bytes = ?, sha256 = ? WHERE id = ? AND bytes IS NULL",
            )
            .bind(bytes)
            .bind(&sha256[..])
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn verify_history(&self) -> StoreResult<Result<ChainReport, ChainBreak>> {
        // One read transaction: the events and the heads from the same snapshot, even while the
        // server keeps writing.
        let mut conn = self.readers.begin().await?;
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
        let user = users_of(&mut tx, &[*iin])
            .await?
            .remove(iin)
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(user)
    }

    async fn user(&self, iin: &Iin) -> StoreResult<Option<User>> {
        let mut conn = self.readers.acquire().await?;
        Ok(users_of(&mut conn, &[*iin]).await?.remove(iin))
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
        let user = users_of(&mut tx, &[*iin])
            .await?
            .remove(iin)
            .ok_or(StoreError::NotFound)?;
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
        let out = load_applications(&mut conn, rows).await?;
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
            let answers = stored_answers(&mut tx, &[request.request_id.as_str()]).await?;
            check_request(&answers, request)?;
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
            let answer = serde_json::json!({ "free_places": id }).to_string();
            remember(&mut tx, &[(request, answer, at_us)]).await?;
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

    async fn seed_applications(
        &self,
        name: &str,
        applications: Vec<SeedApplication>,
        settings: &(dyn for<'r> Fn(&'r str) -> RegionSettings + Sync),
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        seed::seed_applications(self, name, applications, settings, now).await
    }

    async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
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

/// The users among `iins`, by IIN, in one statement.
async fn users_of(conn: &mut SqliteConnection, iins: &[Iin]) -> StoreResult<HashMap<Iin, User>> {
    let mut users = HashMap::with_capacity(iins.len());
    for chunk in iins.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::new(
            "SELECT iin, full_name, email, phone, extra_email, extra_phone, language FROM users \
             WHERE iin IN (",
        );
        let mut list = query.separated(", ");
        for iin in chunk {
            list.push_bind(iin.to_string());
        }
        query.push(")");
        for row in query.build().fetch_all(&mut *conn).await? {
            let iin = parse_iin(row.get::<&str, _>("iin"))?;
            let language: &str = row.get("language");
            let contacts = Contacts {
                email: row.get("email"),
                phone: row.get("phone"),
                extra_email: row.get("extra_email"),
                extra_phone: row.get("extra_phone"),
                language: Lang::parse(language)
                    .ok_or_else(|| StoreError::Corrupt(format!("language {language}")))?,
            };
            let full_name = row.get("full_name");
            users.insert(
                iin,
                User {
                    iin,
                    full_name,
                    contacts,
                },
            );
        }
    }
    Ok(users)
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
        size: row.get::<Option<i64>, _>("size").map(|size| size as u64),
        created_at: time(row.get("created_us"))?,
    })
}
