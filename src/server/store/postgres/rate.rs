//! The rate limits' counters, shared by every server of the database (only PostgreSQL keeps
//! them; a SQLite server counts in its memory).

use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::server::store::StoreResult;
use crate::server::store::sql::codec::micros;

/// Counters whose allowance is whole again are forgotten about once in this many requests.
const FORGET_EVERY: u32 = 1024;

pub(super) async fn take_rate(
    store: &PostgresStore,
    key: &str,
    interval: std::time::Duration,
    tolerance: std::time::Duration,
    now: DateTime<Utc>,
) -> StoreResult<Result<(), std::time::Duration>> {
    let micros_of = |d: std::time::Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    let (now_us, interval_us, tolerance_us) =
        (micros(now), micros_of(interval), micros_of(tolerance));
    let mut conn = store.readers.acquire().await?;
    if rand::random::<u32>() % FORGET_EVERY == 0 {
        sqlx::query("DELETE FROM rate_limits WHERE whole_at_us < $1")
            .bind(now_us)
            .execute(&mut *conn)
            .await?;
    }
    // One statement: the row's lock orders two servers counting the same key at once.
    let counted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO rate_limits AS r (key, whole_at_us) VALUES ($1, $2 + $3) \
         ON CONFLICT (key) DO UPDATE SET whole_at_us = GREATEST(r.whole_at_us, $2) + $3 \
         WHERE GREATEST(r.whole_at_us, $2) - $2 <= $4 \
         RETURNING whole_at_us",
    )
    .bind(key)
    .bind(now_us)
    .bind(interval_us)
    .bind(tolerance_us)
    .fetch_optional(&mut *conn)
    .await?;
    if counted.is_some() {
        return Ok(Ok(()));
    }
    let whole_at: i64 = sqlx::query_scalar("SELECT whole_at_us FROM rate_limits WHERE key = $1")
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    let wait = whole_at
        .saturating_sub(now_us)
        .saturating_sub(tolerance_us)
        .max(0);
    Ok(Err(std::time::Duration::from_micros(wait as u64)))
}
