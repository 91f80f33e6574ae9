//! Applications read with their live queue numbers: one, a child's, the due ones, and the
//! journal's filtered and sorted pages.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::codec::{decode_json, micros, parse_iin};
use super::queue::positions;
use super::{Backend, Bind, Cells, Exec, PushBind, decoded};
use super::{SqlStore, only};
use crate::domain::{ApplicationNumber, Iin, QueuePosition};
use crate::server::store::queue_tree::{QueueKey, QueueSlot, class_scope};
use crate::server::store::{
    JournalColumn, JournalFilter, JournalPage, JournalScope, ServiceCentre, StateAt, StoreError,
    StoreResult, StoredApplication,
};

const APPLICATION_COLUMNS: &str = "id, revision, state, child_iin, child_name, applicant_iin, \
     applicant_name, request_number, operator_iin, details, cohort_id, registered_us, order_key, \
     queued, queue_class, region_code";

/// An application row with its live queue numbers.
async fn load_application<B: Backend>(
    conn: &mut B::Connection,
    row: B::Row,
) -> StoreResult<StoredApplication> {
    only(load_applications::<B>(conn, vec![row]).await?)
}

/// Application rows with their live queue numbers, counted in one statement.
async fn load_applications<B: Backend>(
    conn: &mut B::Connection,
    rows: Vec<B::Row>,
) -> StoreResult<Vec<StoredApplication>> {
    let decoded = rows
        .iter()
        .map(decode_application::<B>)
        .collect::<StoreResult<Vec<_>>>()?;
    let keys: Vec<_> = decoded.iter().map(|&(_, key, slot)| (key, slot)).collect();
    let positions = positions::<B>(conn, &keys, false).await?;
    Ok(decoded
        .into_iter()
        .zip(positions)
        .map(|((stored, _, _), position)| StoredApplication { position, ..stored })
        .collect())
}

pub(super) fn decode_application<B: Backend>(
    row: &B::Row,
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

/// Numbers asked for in one statement by [`states`].
const NUMBERS_PER_STATEMENT: usize = 500;

pub(super) async fn states<B: Backend>(
    store: &SqlStore<B>,
    numbers: &[ApplicationNumber],
) -> StoreResult<Vec<StateAt>> {
    let mut conn = store.readers.acquire().await?;
    let mut found = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(NUMBERS_PER_STATEMENT) {
        let mut query =
            QueryBuilder::<B>::new("SELECT revision, state FROM applications WHERE number IN (");
        let mut list = query.separated(", ");
        for number in chunk {
            list.push_arg(number.to_string());
        }
        query.push(")");
        let rows: Vec<(i64, String)> = decoded(&query.build().fetch_all(conn.ex()).await?)?;
        for (revision, state) in rows {
            found.push(StateAt {
                revision,
                state: decode_json(&state)?,
            });
        }
    }
    Ok(found)
}

/// The rows of many applications, in any order; numbers not found are left out.
pub(super) async fn application_rows<B: Backend>(
    conn: &mut B::Connection,
    numbers: &[ApplicationNumber],
) -> StoreResult<Vec<B::Row>> {
    let mut rows = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(NUMBERS_PER_STATEMENT) {
        let mut query = QueryBuilder::<B>::new(format!(
            "SELECT number, {APPLICATION_COLUMNS} FROM applications WHERE number IN ("
        ));
        let mut list = query.separated(", ");
        for number in chunk {
            list.push_arg(number.to_string());
        }
        query.push(")");
        rows.extend(query.build().fetch_all(conn.ex()).await?);
    }
    Ok(rows)
}

pub(super) async fn application_row<B: Backend>(
    conn: &mut B::Connection,
    number: ApplicationNumber,
) -> StoreResult<B::Row> {
    let sql = format!("SELECT {APPLICATION_COLUMNS} FROM applications WHERE number = $1");
    sqlx::query::<B>(sqlx::AssertSqlSafe(sql))
        .arg(number.to_string())
        .fetch_optional(conn.ex())
        .await?
        .ok_or(StoreError::NotFound)
}

/// The FROM and WHERE of a journal, after `select`.
fn journal_query<B: Backend>(select: &str, filter: &JournalFilter) -> QueryBuilder<B> {
    let mut query = QueryBuilder::<B>::new(format!("{select} FROM applications WHERE "));
    match &filter.scope {
        JournalScope::Person(iin) => {
            query
                .push("(applicant_iin = ")
                .push_arg(iin.to_string())
                .push(" OR child_iin IN (SELECT child_iin FROM bindings WHERE user_iin = ")
                .push_arg(iin.to_string())
                .push("))");
        }
        JournalScope::Region(region) => {
            query.push("region_code = ").push_arg(region.as_str());
        }
    }
    if let Some(status) = filter.status {
        query.push(" AND status = ").push_arg(status.code());
    }
    if let Some(class) = filter.benefit {
        query
            .push(" AND queue_class = ")
            .push_arg(class_scope(class));
    }
    if let Some(year) = filter.birth_year {
        query.push(" AND birth_year = ").push_arg(year);
    }
    if let Some(code) = &filter.kindergarten {
        query
            .push(
                " AND id IN (SELECT application_id FROM application_kindergartens \
                 WHERE kindergarten_code = ",
            )
            .push_arg(code.clone())
            .push(")");
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
                .push_arg(pattern.clone())
                .push(" ESCAPE '\\'");
        }
        query.push(")");
    }
    query
}

pub(super) async fn application<B: Backend>(
    store: &SqlStore<B>,
    number: ApplicationNumber,
) -> StoreResult<StoredApplication> {
    let mut conn = store.readers.acquire().await?;
    let row = application_row::<B>(&mut conn, number).await?;
    load_application::<B>(&mut conn, row).await
}

pub(super) async fn open_application_of_child<B: Backend>(
    store: &SqlStore<B>,
    child: &Iin,
) -> StoreResult<Option<StoredApplication>> {
    let mut conn = store.readers.acquire().await?;
    let sql = format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications WHERE child_iin = $1 AND open = {}",
        B::TRUE
    );
    let row = sqlx::query::<B>(sqlx::AssertSqlSafe(sql))
        .arg(child.to_string())
        .fetch_optional(conn.ex())
        .await?;
    match row {
        Some(row) => Ok(Some(load_application::<B>(&mut conn, row).await?)),
        None => Ok(None),
    }
}

pub(super) async fn applications_of_child<B: Backend>(
    store: &SqlStore<B>,
    child: &Iin,
) -> StoreResult<Vec<StoredApplication>> {
    let mut conn = store.readers.acquire().await?;
    let sql = format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications WHERE child_iin = $1 ORDER BY id DESC"
    );
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(sql))
        .arg(child.to_string())
        .fetch_all(conn.ex())
        .await?;
    load_applications::<B>(&mut conn, rows).await
}

pub(super) async fn due<B: Backend>(
    store: &SqlStore<B>,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<StoredApplication>> {
    let mut conn = store.readers.acquire().await?;
    let sql = format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications WHERE next_due_us <= $1 \
         ORDER BY next_due_us LIMIT $2"
    );
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(sql))
        .arg(micros(now))
        .arg(i64::from(limit))
        .fetch_all(conn.ex())
        .await?;
    load_applications::<B>(&mut conn, rows).await
}

pub(super) async fn journal<B: Backend>(
    store: &SqlStore<B>,
    filter: &JournalFilter,
) -> StoreResult<JournalPage> {
    let mut conn = store.readers.acquire().await?;
    let total: i64 = journal_query::<B>("SELECT COUNT(*)", filter)
        .build()
        .fetch_one(conn.ex())
        .await?
        .try_get(0)?;
    let mut query = journal_query::<B>(&format!("SELECT {APPLICATION_COLUMNS}"), filter);
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
        .push_arg(i64::from(filter.limit))
        .push(" OFFSET ")
        .push_arg(filter.offset as i64);
    let rows = query.build().fetch_all(conn.ex()).await?;
    let out = load_applications::<B>(&mut conn, rows).await?;
    Ok(JournalPage {
        rows: out,
        total: total as u64,
    })
}

/// Issue 13: the region's open applications whose benefit documents await an officer's review,
/// in queue order, and how many there are.
pub(super) async fn pending_benefits<B: Backend>(
    store: &SqlStore<B>,
    region: &str,
    offset: u64,
    limit: u32,
) -> StoreResult<JournalPage> {
    let mut conn = store.readers.acquire().await?;
    let condition = format!(
        "region_code = $1 AND open = {} AND {} = 'pending'",
        B::TRUE,
        B::json_text("state", &["benefit", "review", "status"])
    );
    let total: i64 = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM applications WHERE {condition}"
    )))
    .arg(region)
    .fetch_one(conn.ex())
    .await?
    .try_get(0)?;
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT {APPLICATION_COLUMNS} FROM applications WHERE {condition} \
         ORDER BY registered_us, order_key LIMIT $2 OFFSET $3"
    )))
    .arg(region)
    .arg(i64::from(limit))
    .arg(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(conn.ex())
    .await?;
    let rows = load_applications::<B>(&mut conn, rows).await?;
    Ok(JournalPage {
        rows,
        total: total as u64,
    })
}
