//! Login nonces (single use), sessions (only the token's hash is stored) and the rate limits'
//! counters, shared by every server of the database.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::PostgresStore;
use super::codec::{decode_json, micros, parse_iin, time};
use crate::server::store::{NonceUse, Session, StoreResult};

pub(super) async fn issue_nonce(
    store: &PostgresStore,
    nonce: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    // Expired nonces are of no use to anyone: forget them as new ones come.
    sqlx::query("DELETE FROM login_nonces WHERE expires_us < $1")
        .bind(micros(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO login_nonces (nonce, created_us, expires_us) VALUES ($1, $2, $3)")
        .bind(nonce)
        .bind(micros(now))
        .bind(micros(expires_at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn take_nonce(
    store: &PostgresStore,
    nonce: &str,
    now: DateTime<Utc>,
) -> StoreResult<NonceUse> {
    let mut tx = store.pool.begin().await?;
    let taken = sqlx::query(
        "UPDATE login_nonces SET used_us = $1 \
         WHERE nonce = $2 AND used_us IS NULL AND expires_us > $1",
    )
    .bind(micros(now))
    .bind(nonce)
    .execute(&mut *tx)
    .await?;
    let found = if taken.rows_affected() == 1 {
        NonceUse::Taken
    } else {
        let row: Option<(Option<i64>, i64)> =
            sqlx::query_as("SELECT used_us, expires_us FROM login_nonces WHERE nonce = $1")
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

pub(super) async fn create_session(store: &PostgresStore, session: &Session) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE expires_us < $1")
        .bind(micros(session.created_at))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_iin, payload, created_us, expires_us) \
         VALUES ($1, $2, $3, $4, $5)",
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

pub(super) async fn session(
    store: &PostgresStore,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> StoreResult<Option<Session>> {
    let mut conn = store.pool.acquire().await?;
    let row = sqlx::query(
        "SELECT user_iin, payload, created_us, expires_us FROM sessions \
         WHERE token_hash = $1 AND expires_us > $2",
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

pub(super) async fn end_session(store: &PostgresStore, token_hash: &[u8; 32]) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&token_hash[..])
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

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
    let mut conn = store.pool.acquire().await?;
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
