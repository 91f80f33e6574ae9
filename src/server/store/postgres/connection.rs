//! Opening a PostgreSQL database: the pool, the migrations (`migrations/postgres/*.sql`,
//! embedded in the binary, run at open under sqlx's migration lock, so servers starting
//! together migrate once), and the write lock every write transaction takes first.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use super::PostgresStore;
use crate::server::store::sql::{SqlStore, Tx, migrator as embedded};
use crate::server::store::{StoreError, StoreResult};

/// Connections of one server's pool: the writer, the short write transactions and the reads.
const CONNECTIONS: u32 = 16;

/// How long a statement may wait for a connection of the pool.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The key of the transaction-level advisory lock every write transaction takes before its
/// first statement: writes of every server on the database run one at a time, as SQLite's
/// `BEGIN IMMEDIATE` makes them (docs/design-store.md, «PostgreSQL»).
pub(super) const WRITE_LOCK: i64 = 0x4b65_7a65_6b00_0001;

/// The SQLSTATE of a connection to a database that does not exist.
const NO_SUCH_DATABASE: &str = "3D000";

/// The schema, embedded in the binary and applied at open.
fn migrator() -> Migrator {
    // A list, so that migrations added side by side merge cleanly.
    let steps: Vec<(i64, &str, &'static str)> = vec![
        (
            1,
            "schema",
            include_str!("../../../../migrations/postgres/0001_schema.sql"),
        ),
        (
            2,
            "report and notices",
            include_str!("../../../../migrations/postgres/0002_report_and_notices.sql"),
        ),
        (
            5,
            "documents fingerprinted",
            include_str!("../../../../migrations/postgres/0005_documents_fingerprinted.sql"),
        ),
    ];
    embedded(steps)
}

impl PostgresStore {
    /// Opens the database at `url` (`postgres://…` or `postgresql://…`), creating it when
    /// missing, and brings its schema up to date.
    pub async fn open(url: &str) -> StoreResult<PostgresStore> {
        PostgresStore::connect(url, true).await
    }

    /// Opens an existing database only (checks and tools must not create an empty one).
    pub async fn open_existing(url: &str) -> StoreResult<PostgresStore> {
        PostgresStore::connect(url, false).await
    }

    async fn connect(url: &str, create: bool) -> StoreResult<PostgresStore> {
        let options = PgConnectOptions::from_str(url)?;
        if create {
            create_database_if_missing(&options).await?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        migrator()
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(SqlStore::new(pool.clone(), pool))
    }
}

/// A write transaction on `pool` that has taken [`WRITE_LOCK`]: `BEGIN` and the lock go as one
/// simple query, one round trip (every write transaction of every server waits its turn here,
/// so what it spends holding the lock is what the servers share).
pub(super) async fn begin_write(pool: &sqlx::PgPool) -> StoreResult<Tx<sqlx::Postgres>> {
    let begin = format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})");
    Ok(pool.begin_with(sqlx::AssertSqlSafe(begin)).await?)
}

/// Creates the database `options` names when the server says it does not exist.
async fn create_database_if_missing(options: &PgConnectOptions) -> StoreResult<()> {
    let missing = match options.connect().await {
        Ok(conn) => {
            conn.close().await?;
            return Ok(());
        }
        Err(error) => error
            .as_database_error()
            .and_then(|e| e.code())
            .is_some_and(|code| code == NO_SUCH_DATABASE),
    };
    let name = options.get_database().unwrap_or_default().to_owned();
    if !missing || name.is_empty() {
        // Not a missing database: let the pool report what is wrong.
        return Ok(());
    }
    let mut admin = options.clone().database("postgres").connect().await?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    let created = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
        .execute(&mut admin)
        .await;
    admin.close().await?;
    match created {
        // Another server created it meanwhile.
        Err(e) if e.as_database_error().and_then(|d| d.code()).as_deref() == Some("42P04") => {
            Ok(())
        }
        other => other.map(|_| ()).map_err(StoreError::from),
    }
}
