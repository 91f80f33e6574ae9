//! SQLite behind the [`Store`] trait: the shared body (`store/sql/`) with SQLite's own pieces of
//! SQL (the [`Backend`] impl below). WAL, `synchronous=FULL` (a commit is on disk before the
//! answer), foreign keys, a busy timeout, migrations at open (`connection.rs`).
//!
//! Writes go through one connection and start with `BEGIN IMMEDIATE`, so that writers in other
//! processes wait for the lock instead of failing half-way; submissions and transitions share
//! transactions in small batches (`store/sql/writer.rs`, group commit). Reads use a small pool
//! of their own and never block behind a writer (WAL).

mod connection;

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqlitePool};

use crate::server::store::StoreResult;
use crate::server::store::sql::{Backend, Specific, SqlStore, Tx};

/// SQLite behind the [`Store`](crate::server::store::Store) trait.
pub type SqliteStore = SqlStore<Sqlite>;

impl Backend for Sqlite {
    crate::server::store::sql::sqlx_binds!();

    async fn begin_write(pool: &SqlitePool) -> StoreResult<Tx<Self>> {
        Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The same as every write: one writer connection, `BEGIN IMMEDIATE`.
    async fn begin_own(pool: &SqlitePool) -> StoreResult<Tx<Self>> {
        Self::begin_write(pool).await
    }

    /// A read transaction sees one WAL snapshot.
    async fn begin_snapshot(pool: &SqlitePool) -> StoreResult<Tx<Self>> {
        Ok(pool.begin().await?)
    }

    fn is_unique_violation(error: &sqlx::Error, _index: &str, columns: &str) -> bool {
        error
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation() && e.message().contains(columns))
    }

    const TRUE: &'static str = "1";

    const BYTE_LENGTH: &'static str = "length";

    const LEAST: &'static str = "MIN";

    fn json_text(column: &str, path: &[&str]) -> String {
        format!("json_extract({column}, '$.{}')", path.join("."))
    }

    fn json_rows(columns: &str, from: &str, order: &str) -> String {
        format!(
            "(SELECT json_group_array(json_array({columns})) FROM \
                 (SELECT {columns} FROM {from} ORDER BY {order}))"
        )
    }
}

impl Specific for Sqlite {
    /// One server per file: the counters stay in its memory.
    async fn take_rate(
        _store: &SqliteStore,
        _key: &str,
        _interval: std::time::Duration,
        _tolerance: std::time::Duration,
        _now: DateTime<Utc>,
    ) -> StoreResult<Option<Result<(), std::time::Duration>>> {
        Ok(None)
    }
}
