//! Login nonces (single use) and sessions (only the token's hash is stored), shared by every
//! server of the database.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::codec::{decode_json, micros, parse_iin, time};
use super::{Affected, Backend, Bind, Cells, Decoded, Exec};
use crate::server::store::{NonceUse, Session, StoreResult};

pub(super) async fn issue_nonce<B: Backend>(
    store: &SqlStore<B>,
    nonce: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    // Expired nonces are of no use to anyone: forget them as new ones come.
    sqlx::query::<B>("DELETE FROM login_nonces WHERE expires_us < $1")
        .arg(micros(now))
        .execute(tx.ex())
        .await?;
    sqlx::query::<B>(
        "INSERT INTO login_nonces (nonce, created_us, expires_us) VALUES ($1, $2, $3)",
    )
    .arg(nonce)
    .arg(micros(now))
    .arg(micros(expires_at))
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn take_nonce<B: Backend>(
    store: &SqlStore<B>,
    nonce: &str,
    now: DateTime<Utc>,
) -> StoreResult<NonceUse> {
    let mut tx = store.begin_own().await?;
    let taken = sqlx::query::<B>(
        "UPDATE login_nonces SET used_us = $1 \
         WHERE nonce = $2 AND used_us IS NULL AND expires_us > $1",
    )
    .arg(micros(now))
    .arg(nonce)
    .execute(tx.ex())
    .await?;
    let found = if taken.rows_affected() == 1 {
        NonceUse::Taken
    } else {
        let row: Option<(Option<i64>, i64)> =
            sqlx::query::<B>("SELECT used_us, expires_us FROM login_nonces WHERE nonce = $1")
                .arg(nonce)
                .fetch_optional(tx.ex())
                .await?
                .map(|row| Decoded::decode(&row))
                .transpose()?;
        match row {
            None => NonceUse::Unknown,
            Some((Some(_), _)) => NonceUse::Reused,
            Some((None, _)) => NonceUse::Expired,
        }
    };
    tx.commit().await?;
    Ok(found)
}

pub(super) async fn create_session<B: Backend>(
    store: &SqlStore<B>,
    session: &Session,
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>("DELETE FROM sessions WHERE expires_us < $1")
        .arg(micros(session.created_at))
        .execute(tx.ex())
        .await?;
    sqlx::query::<B>(
        "INSERT INTO sessions (token_hash, user_iin, payload, created_us, expires_us) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .arg(&session.token_hash[..])
    .arg(session.user_iin.to_string())
    .arg(session.payload.to_string())
    .arg(micros(session.created_at))
    .arg(micros(session.expires_at))
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn session<B: Backend>(
    store: &SqlStore<B>,
    token_hash: &[u8; 32],
    now: DateTime<Utc>,
) -> StoreResult<Option<Session>> {
    let mut conn = store.readers.acquire().await?;
    let row = sqlx::query::<B>(
        "SELECT user_iin, payload, created_us, expires_us FROM sessions \
         WHERE token_hash = $1 AND expires_us > $2",
    )
    .arg(&token_hash[..])
    .arg(micros(now))
    .fetch_optional(conn.ex())
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

pub(super) async fn end_session<B: Backend>(
    store: &SqlStore<B>,
    token_hash: &[u8; 32],
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>("DELETE FROM sessions WHERE token_hash = $1")
        .arg(&token_hash[..])
        .execute(tx.ex())
        .await?;
    tx.commit().await?;
    Ok(())
}
