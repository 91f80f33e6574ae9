//! Exact queue numbers: the order-statistics tree (`queue_tree`) plus a count inside one hour
//! bucket, the moves that change them, the `queue_changes` rows each position history is
//! replayed from, and the queue's reads (candidates for offers, queue sizes).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::codec::{from_code, micros, parse_number, time};
use super::{Backend, Bind, Cells, Exec, PushBind, decoded};
use super::{ROWS_PER_STATEMENT, SqlStore, insert_rows};
use crate::domain::lifecycle::EventKind;
use crate::domain::{ApplicationNumber, BenefitClass, Cohort, PositionCause, QueuePosition};
use crate::server::store::queue_tree::{self, QueueKey, QueueSlot, SCOPE_ALL, class_scope};
use crate::server::store::{Candidate, PositionHistoryEntry, StoreError, StoreResult};

/// A change of one bucket's count in one scope of a cohort's tree.
#[derive(Debug, Clone, Copy)]
pub(super) struct TreeDelta {
    pub cohort_id: i64,
    pub scope: i64,
    pub bucket: i64,
    pub delta: i64,
}

/// Adds each delta to every tree node above its bucket, summed per node, in one statement.
pub(super) async fn tree_add<B: Backend>(
    conn: &mut B::Connection,
    deltas: &[TreeDelta],
) -> StoreResult<()> {
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
    insert_rows::<B, _>(
        conn,
        "INSERT INTO queue_tree (cohort_id, scope, node, queued) ",
        &nodes,
        " ON CONFLICT (cohort_id, scope, node) DO UPDATE SET queued = queue_tree.queued + excluded.queued",
        |mut row, &(cohort_id, scope, node, delta)| {
            row.push_arg(cohort_id)
                .push_arg(scope)
                .push_arg(node)
                .push_arg(delta);
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

/// What follows the keys `k(i, c, s, b, lo, reg, hi, ord, after)` in a queue count's
/// statement, up to its last `SELECT`: each key's tree path and prefix sum.
const AHEAD_PATHS: &str = "), path(i, c, s, node) AS ( \
         SELECT i, c, s, b - 1 + after FROM k WHERE b - 1 + after > 0 \
         UNION ALL \
         SELECT i, c, s, node - (node & -node) FROM path WHERE node - (node & -node) > 0 \
     ), prefix(i, queued) AS ( \
         SELECT path.i, CAST(SUM(t.queued) AS BIGINT) FROM path JOIN queue_tree t \
             ON t.cohort_id = path.c AND t.scope = path.s AND t.node = path.node \
         GROUP BY path.i \
     ) ";

/// Each key's number `i` and the count of the queued ahead of it: the prefix plus (or minus) a
/// count of index entries inside the key's own hour bucket.
fn ahead_counts<B: Backend>() -> String {
    const BEFORE: &str = "a.registered_us >= k.lo AND a.registered_us <= k.reg \
         AND (a.registered_us < k.reg OR a.order_key < k.ord)";
    const AFTER: &str = "a.registered_us >= k.reg AND a.registered_us < k.hi \
         AND (a.registered_us > k.reg OR a.order_key >= k.ord)";
    format!(
        "SELECT k.i, COALESCE(prefix.queued, 0) + CASE \
             WHEN k.after = 0 AND k.s = 0 THEN (SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queued = {TRUE} AND {BEFORE}) \
             WHEN k.after = 0 THEN (SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queue_class = k.s AND a.queued = {TRUE} \
                     AND {BEFORE}) \
             WHEN k.s = 0 THEN -(SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queued = {TRUE} AND {AFTER}) \
             ELSE -(SELECT COUNT(*) FROM applications a \
                 WHERE a.cohort_id = k.c AND a.queue_class = k.s AND a.queued = {TRUE} \
                     AND {AFTER}) \
         END \
         FROM k LEFT JOIN prefix ON prefix.i = k.i",
        TRUE = B::TRUE
    )
}

/// The count of each [`Ahead`], in one statement for all: the tree's prefix sums plus or
/// minus a count of index entries inside each key's own hour bucket.
async fn queued_ahead<B: Backend>(
    conn: &mut B::Connection,
    asks: &[Ahead],
) -> StoreResult<Vec<i64>> {
    let mut counts = Vec::with_capacity(asks.len());
    for chunk in asks.chunks(ROWS_PER_STATEMENT) {
        let mut query =
            QueryBuilder::<B>::new("WITH RECURSIVE k(i, c, s, b, lo, reg, hi, ord, after) AS (");
        query.push_values(chunk.iter().enumerate(), |mut row, (i, ask)| {
            let bucket = queue_tree::bucket(ask.key.registered_us);
            row.push_arg(i as i64)
                .push_arg(ask.key.cohort_id)
                .push_arg(ask.scope)
                .push_arg(bucket)
                .push_arg(queue_tree::bucket_start_us(bucket))
                .push_arg(ask.key.registered_us)
                .push_arg(queue_tree::bucket_end_us(bucket))
                .push_arg(ask.key.order_key)
                .push_arg(i64::from(ask.count_after));
        });
        query.push(AHEAD_PATHS);
        query.push(ahead_counts::<B>());
        query.push(" ORDER BY k.i");
        let rows: Vec<(i64, i64)> = decoded(&query.build().fetch_all(conn.ex()).await?)?;
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
pub(super) async fn positions<B: Backend>(
    conn: &mut B::Connection,
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
    let mut counts = queued_ahead::<B>(conn, &asks).await?.into_iter();
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
pub(super) async fn move_in_queue<B: Backend>(
    conn: &mut B::Connection,
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
    tree_add::<B>(conn, &deltas).await?;
    let keys: Vec<_> = moves.iter().map(|step| (step.key, step.after)).collect();
    let positions = positions::<B>(conn, &keys, newest).await?;
    Ok(positions)
}

/// A `queue_changes` row per move, with its cause and the application's own numbers
/// afterwards, from which every other child's position history is replayed.
pub(super) async fn record_queue_changes<B: Backend>(
    conn: &mut B::Connection,
    changes: &[(QueueMove, QueuePosition)],
) -> StoreResult<()> {
    insert_rows::<B, _>(
        &mut *conn,
        "INSERT INTO queue_changes (cohort_id, at_us, application_id, registered_us, \
                 order_key, was_queued, is_queued, class_before, class_after, cause, \
                 general_after, benefit_after) ",
        changes,
        "",
        |mut row, (step, position)| {
            row.push_arg(step.key.cohort_id)
                .push_arg(step.at_us)
                .push_arg(step.application_id)
                .push_arg(step.key.registered_us)
                .push_arg(step.key.order_key)
                .push_arg(step.before.queued)
                .push_arg(step.after.queued)
                .push_arg(step.before.scope)
                .push_arg(step.after.scope)
                .push_arg(step.kind.code())
                .push_arg(i64::from(position.general))
                .push_arg(i64::from(position.benefit));
        },
    )
    .await?;
    Ok(())
}

/// An application's id, queue key and benefit scope.
pub(super) async fn number_key<B: Backend>(
    conn: &mut B::Connection,
    number: ApplicationNumber,
) -> StoreResult<(i64, QueueKey, i64)> {
    let row = sqlx::query::<B>(
        "SELECT id, cohort_id, registered_us, order_key, queue_class FROM applications \
         WHERE number = $1",
    )
    .arg(number.to_string())
    .fetch_optional(conn.ex())
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

/// The key of the application numbered `$1` as `k`'s rows (one for every class, one for its
/// benefit class), with its bucket and the bucket's bounds computed as `queue_tree` does, and
/// `app` with its one row when the application exists.
fn position_keys<B: Backend>() -> String {
    use queue_tree::{BUCKET_US, EPOCH_US, SIZE};
    let after = format!(
        "CASE WHEN b <= 1 THEN 1 WHEN b >= {SIZE} THEN 0 \
             WHEN reg - lo > hi - reg THEN 1 ELSE 0 END"
    );
    format!(
        "WITH RECURSIVE app AS ( \
             SELECT cohort_id AS c, registered_us AS reg, order_key AS ord, queue_class AS cls, \
                 queued = {TRUE} AS q, \
                 CASE WHEN registered_us < {EPOCH_US} THEN 1 \
                     WHEN (registered_us - {EPOCH_US}) / {BUCKET_US} + 1 > {SIZE} THEN {SIZE} \
                     ELSE (registered_us - {EPOCH_US}) / {BUCKET_US} + 1 END AS b \
             FROM applications WHERE number = $1 \
         ), bounds AS ( \
             SELECT c, reg, ord, cls, b, \
                 CASE WHEN b <= 1 THEN (-9223372036854775807 - 1) \
                     ELSE {EPOCH_US} + (b - 1) * {BUCKET_US} END AS lo, \
                 CASE WHEN b >= {SIZE} THEN 9223372036854775807 \
                     ELSE {EPOCH_US} + b * {BUCKET_US} END AS hi \
             FROM app WHERE q = {TRUE} \
         ), k(i, c, s, b, lo, reg, hi, ord, after) AS ( \
             SELECT CAST(0 AS BIGINT), c, CAST({SCOPE_ALL} AS BIGINT), b, lo, reg, hi, ord, \
                 {after} FROM bounds \
             UNION ALL \
             SELECT CAST(1 AS BIGINT), c, cls, b, lo, reg, hi, ord, {after} FROM bounds \
             WHERE cls <> {SCOPE_ALL} ",
        TRUE = B::TRUE
    )
}

/// `Store::position` in one statement (one round trip): the application's key, the tree's
/// prefix sums and the counts inside its bucket; a row `-1` says the application exists, a row
/// `0` and a row `1` (benefit classes only) carry the counts ahead when it is queued.
fn position_sql<B: Backend>() -> String {
    format!(
        "{}{AHEAD_PATHS}SELECT CAST(-1 AS BIGINT), CAST(0 AS BIGINT) FROM app UNION ALL {}",
        position_keys::<B>(),
        ahead_counts::<B>()
    )
}

pub(super) async fn position<B: Backend>(
    store: &SqlStore<B>,
    number: ApplicationNumber,
) -> StoreResult<QueuePosition> {
    let mut conn = store.readers.acquire().await?;
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(position_sql::<B>()))
        .arg(number.to_string())
        .fetch_all(conn.ex())
        .await?;
    drop(conn);
    let rows: Vec<(i64, i64)> = decoded(&rows)?;
    if !rows.iter().any(|&(i, _)| i == -1) {
        return Err(StoreError::NotFound);
    }
    let number_of = |i| {
        rows.iter()
            .find(|&&(row, _)| row == i)
            .map_or(0, |&(_, ahead)| ahead as u32 + 1)
    };
    Ok(QueuePosition {
        general: number_of(0),
        benefit: number_of(1),
    })
}

pub(super) async fn position_history<B: Backend>(
    store: &SqlStore<B>,
    number: ApplicationNumber,
) -> StoreResult<Vec<PositionHistoryEntry>> {
    let mut conn = store.readers.acquire().await?;
    let (id, key, _) = number_key::<B>(&mut conn, number).await?;
    // The application's own changes reset its numbers; changes of applications ahead of it
    // in the cohort after its registration move them by one.
    let rows = sqlx::query::<B>(
        "SELECT application_id, at_us, was_queued, is_queued, class_before, class_after, \
             cause, general_after, benefit_after FROM queue_changes \
         WHERE cohort_id = $1 \
           AND id >= (SELECT MIN(id) FROM queue_changes WHERE application_id = $2) \
           AND (application_id = $2 OR registered_us < $3 \
                OR (registered_us = $3 AND order_key < $4)) \
         ORDER BY id",
    )
    .arg(key.cohort_id)
    .arg(id)
    .arg(key.registered_us)
    .arg(key.order_key)
    .fetch_all(conn.ex())
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

pub(super) async fn candidates<B: Backend>(
    store: &SqlStore<B>,
    cohort: &Cohort,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<Candidate>> {
    let mut conn = store.readers.acquire().await?;
    let mut out = Vec::new();
    for class in BenefitClass::ALL {
        let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
            "SELECT a.number, a.registered_us FROM applications a \
             JOIN cohorts c ON c.id = a.cohort_id \
             WHERE c.region_code = $1 AND c.birth_year = $2 AND a.queue_class = $3 \
               AND a.queued = {} \
               AND (a.stop_list_until_us IS NULL OR a.stop_list_until_us <= $4) \
             ORDER BY a.registered_us, a.order_key LIMIT $5",
            B::TRUE
        )))
        .arg(&cohort.region)
        .arg(cohort.birth_year)
        .arg(class_scope(class))
        .arg(micros(now))
        .arg(i64::from(limit))
        .fetch_all(conn.ex())
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
