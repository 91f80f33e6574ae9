//! `kezek migrate --from sqlite://… --to postgres://…`: a city's SQLite database copied into an
//! empty PostgreSQL one, row for row with the same ids, in one transaction. The history's events
//! keep their ids, hashes and links, so `kezek log verify` passes on the target; applications
//! keep their numbers, queue keys and tree, so every number is the same. The statistics'
//! aggregates are not copied: the target's triggers count them again as the rows go in.

use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Arguments, ConnectOptions, Connection, Row, SqliteConnection, ValueRef};

use super::PostgresStore;
use crate::server::store::{Store, StoreError, StoreResult};

/// The tables copied, parents before children (foreign keys).
const TABLES: &[&str] = &[
    "users",
    "sessions",
    "login_nonces",
    "cohorts",
    "number_sequences",
    "applications",
    "queue_tree",
    "queue_changes",
    "events",
    "chain_heads",
    "attachments",
    "application_attachments",
    "documents",
    "outbox",
    "idempotency",
    "bindings",
    "places_documents",
    "free_places",
    "seed_batches",
    "offers",
    "service_sessions",
    "audit_log",
    "kindergartens",
    "kindergarten_groups",
    "kindergarten_changes",
    "leases",
];

/// Bound values per statement, below PostgreSQL's 65 535.
const VALUES_PER_STATEMENT: usize = 30_000;

/// How a column is carried across.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    BigInt,
    Bool,
    Text,
    Bytes,
}

/// Rows copied per table, in [`TABLES`] order.
pub type Copied = Vec<(&'static str, u64)>;

/// Copies the SQLite database at `from` (brought up to date first) into the empty PostgreSQL
/// database at `to` (created and migrated when missing).
pub async fn from_sqlite(from: &str, to: &str) -> StoreResult<Copied> {
    // Brings the source's schema up to date, so every column the target has is there.
    crate::server::store::SqliteStore::open_existing(from)
        .await?
        .close()
        .await;
    let url = if from.starts_with("sqlite:") {
        from.to_owned()
    } else {
        format!("sqlite://{from}")
    };
    let mut source = url
        .parse::<SqliteConnectOptions>()?
        .read_only(true)
        .connect()
        .await?;
    let target = PostgresStore::open(to).await?;
    let copied = copy(&mut source, &target).await;
    source.close().await?;
    target.writer.close().await;
    copied
}

async fn copy(source: &mut SqliteConnection, target: &PostgresStore) -> StoreResult<Copied> {
    let mut tx = target.begin().await?;
    let present: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM applications) + (SELECT COUNT(*) FROM events)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if present > 0 {
        return Err(StoreError::Migration(
            "the target database already holds applications".into(),
        ));
    }
    // The bundled catalogue seeds kindergartens at a server's start: the source's rows win.
    sqlx::raw_sql("DELETE FROM kindergarten_groups; DELETE FROM kindergartens")
        .execute(&mut *tx)
        .await?;
    let mut copied = Vec::with_capacity(TABLES.len());
    for &table in TABLES {
        let columns = columns(&mut tx, table).await?;
        let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
        let list = names.join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {list} FROM {table}")))
            .fetch_all(&mut *source)
            .await
            .map_err(|e| StoreError::Migration(format!("{table}: {e}")))?;
        let per_statement = (VALUES_PER_STATEMENT / columns.len().max(1)).max(1);
        for chunk in rows.chunks(per_statement) {
            let mut sql = format!("INSERT INTO {table} ({list}) OVERRIDING SYSTEM VALUE VALUES ");
            let mut arguments = PgArguments::default();
            let mut n = 0;
            for (r, row) in chunk.iter().enumerate() {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for (c, (_, kind)) in columns.iter().enumerate() {
                    n += 1;
                    sql.push_str(&format!("{}${n}", if c == 0 { "" } else { ", " }));
                    bind(&mut arguments, row, c, *kind)?;
                }
                sql.push(')');
            }
            sqlx::query_with(sqlx::AssertSqlSafe(sql), arguments)
                .execute(&mut *tx)
                .await?;
        }
        if columns
            .iter()
            .any(|(name, kind)| name == "id" && *kind == Kind::BigInt)
        {
            // Identity columns go on after the highest id copied.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table} \
                 WHERE pg_get_serial_sequence('{table}', 'id') IS NOT NULL HAVING MAX(id) IS NOT NULL"
            )))
            .fetch_optional(&mut *tx)
            .await?;
        }
        copied.push((table, rows.len() as u64));
    }
    tx.commit().await?;
    Ok(copied)
}

/// The target table's columns and how each is carried.
async fn columns(tx: &mut sqlx::PgConnection, table: &str) -> StoreResult<Vec<(String, Kind)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter()
        .map(|(name, data_type)| {
            let kind = match data_type.as_str() {
                "integer" => Kind::Int,
                "bigint" => Kind::BigInt,
                "boolean" => Kind::Bool,
                "text" => Kind::Text,
                "bytea" => Kind::Bytes,
                other => {
                    return Err(StoreError::Migration(format!(
                        "{table}.{name}: no copy for {other}"
                    )));
                }
            };
            Ok((name, kind))
        })
        .collect()
}

/// Binds column `c` of a SQLite row as the target's column `kind` takes it.
fn bind(
    arguments: &mut PgArguments,
    row: &sqlx::sqlite::SqliteRow,
    c: usize,
    kind: Kind,
) -> StoreResult<()> {
    let null = row.try_get_raw(c)?.is_null();
    let added = match kind {
        Kind::Int => arguments.add((!null).then(|| row.get::<i32, _>(c))),
        Kind::BigInt => arguments.add((!null).then(|| row.get::<i64, _>(c))),
        Kind::Bool => arguments.add((!null).then(|| row.get::<i64, _>(c) != 0)),
        Kind::Text => arguments.add((!null).then(|| row.get::<String, _>(c))),
        Kind::Bytes => arguments.add((!null).then(|| row.get::<Vec<u8>, _>(c))),
    };
    added.map_err(|e| StoreError::Migration(e.to_string()))
}
