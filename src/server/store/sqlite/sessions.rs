//! Login nonces (single use) and sessions (only the token's hash is stored).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::SqliteStore;
use super::codec::{decode_json, micros, parse_iin, time};
use crate::server::store::{NonceUse, Session, StoreResult};

pub(super) async fn issue_nonce(
    store: &SqliteStore,
    nonce: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin().await?;
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

pub(super) async fn take_nonce(
    store: &SqliteStore,
    nonce: &str,
    now: DateTime<Utc>,
) -> StoreResult<NonceUse> {
    let mut tx = store.begin().await?;
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

pub(super) async fn create_session(store: &SqliteStore, session: &Session) -> StoreResult<()> {
    let mut tx = store.begin().await?;
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

pub(super) async fn session(
    store: &SqliteStore,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> StoreResult<Option<Session>> {
    let mut conn = store.readers.acquire().await?;
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

pub(super) async fn end_session(store: &SqliteStore, token_hash: &[u8; 32]) -> StoreResult<()> {
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
        .bind(&token_hash[..])
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
