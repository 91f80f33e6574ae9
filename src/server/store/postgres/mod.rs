//! PostgreSQL behind the [`Store`] trait, for several servers on one database: the shared body
//! (`store/sql/`) with PostgreSQL's own pieces of SQL (the [`Backend`] impl below), its own
//! migrations (`migrations/postgres/`, `connection.rs`), the rate limits' counters (`rate.rs`)
//! and the move of a SQLite city (`import.rs`).
//!
//! Every write transaction takes one advisory lock first (`connection::WRITE_LOCK`), so writes
//! of all servers run one at a time, as SQLite's `BEGIN IMMEDIATE` makes them: queue numbers,
//! application sequences, event ids and each region's hash chain are read and written inside
//! the transaction that holds it, and come out as if one process wrote. Submissions and
//! transitions share transactions in batches (`writer.rs`, group commit). Reads take no lock,
//! nor do the writes whose statements decide by themselves under their row locks (nonces,
//! sessions, users, the desk's sessions and audit, delivery and leases, rendered documents).
//! Sessions, nonces, idempotency keys, leases and rate-limit counters are rows here, so every
//! server sees them. docs/design-store.md, «PostgreSQL».

mod connection;
pub mod import;
mod rate;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres};

use crate::server::store::StoreResult;
use crate::server::store::sql::{Backend, Specific, SqlStore, Tx};

/// PostgreSQL behind the [`Store`](crate::server::store::Store) trait.
pub type PostgresStore = SqlStore<Postgres>;

impl Backend for Postgres {
    crate::server::store::sql::sqlx_binds!();

    async fn begin_write(pool: &PgPool) -> StoreResult<Tx<Self>> {
        connection::begin_write(pool).await
    }

    async fn begin_own(pool: &PgPool) -> StoreResult<Tx<Self>> {
        Ok(pool.begin().await?)
    }

    /// REPEATABLE READ: READ COMMITTED would take a snapshot per statement.
    async fn begin_snapshot(pool: &PgPool) -> StoreResult<Tx<Self>> {
        Ok(pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }

    fn is_unique_violation(error: &sqlx::Error, index: &str, _columns: &str) -> bool {
        error
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation() && e.constraint() == Some(index))
    }

    const TRUE: &'static str = "TRUE";

    const BYTE_LENGTH: &'static str = "octet_length";

    const LEAST: &'static str = "LEAST";

    fn json_text(column: &str, path: &[&str]) -> String {
        format!("{column}::jsonb #>> '{{{}}}'", path.join(","))
    }

    fn json_rows(columns: &str, from: &str, order: &str) -> String {
        format!(
            "(SELECT COALESCE(json_agg(json_build_array({columns}) ORDER BY {order}), '[]')::TEXT \
             FROM {from})"
        )
    }
}

impl Specific for Postgres {
    async fn take_rate(
        store: &PostgresStore,
        key: &str,
        interval: std::time::Duration,
        tolerance: std::time::Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Result<(), std::time::Duration>>> {
        rate::take_rate(store, key, interval, tolerance, now)
            .await
            .map(Some)
    }
}
