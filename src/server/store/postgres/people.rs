//! Users (names, contacts, language) and the children bound to them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::{QueryBuilder, Row};

use super::codec::{micros, parse_iin};
use super::{PostgresStore, ROWS_PER_STATEMENT};
use crate::domain::{ContactPreference, Iin};
use crate::i18n::Lang;
use crate::server::store::{Contacts, StoreError, StoreResult, User};

/// The users among `iins`, by IIN, in one statement.
pub(super) async fn users_of(
    conn: &mut PgConnection,
    iins: &[Iin],
) -> StoreResult<HashMap<Iin, User>> {
    let mut users = HashMap::with_capacity(iins.len());
    for chunk in iins.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::new(
            "SELECT iin, full_name, email, phone, extra_email, extra_phone, language, notify_by \
             FROM users \
             WHERE iin IN (",
        );
        let mut list = query.separated(", ");
        for iin in chunk {
            list.push_bind(iin.to_string());
        }
        query.push(")");
        for row in query.build().fetch_all(&mut *conn).await? {
            let iin = parse_iin(row.get::<&str, _>("iin"))?;
            let language: &str = row.get("language");
            let contacts = Contacts {
                email: row.get("email"),
                phone: row.get("phone"),
                extra_email: row.get("extra_email"),
                extra_phone: row.get("extra_phone"),
                language: Lang::parse(language)
                    .ok_or_else(|| StoreError::Corrupt(format!("language {language}")))?,
                notify_by: {
                    let code: &str = row.get("notify_by");
                    ContactPreference::parse(code)
                        .ok_or_else(|| StoreError::Corrupt(format!("notify_by {code}")))?
                },
            };
            let full_name = row.get("full_name");
            users.insert(
                iin,
                User {
                    iin,
                    full_name,
                    contacts,
                },
            );
        }
    }
    Ok(users)
}

pub(super) async fn record_login(
    store: &PostgresStore,
    iin: &Iin,
    full_name: &str,
    language: Lang,
    now: DateTime<Utc>,
) -> StoreResult<User> {
    let mut tx = store.pool.begin().await?;
    sqlx::query(
        "INSERT INTO users (iin, full_name, language, created_us, updated_us) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (iin) DO UPDATE SET full_name = excluded.full_name",
    )
    .bind(iin.to_string())
    .bind(full_name)
    .bind(language.code())
    .bind(micros(now))
    .execute(&mut *tx)
    .await?;
    let user = users_of(&mut tx, &[*iin])
        .await?
        .remove(iin)
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

pub(super) async fn user(store: &PostgresStore, iin: &Iin) -> StoreResult<Option<User>> {
    let mut conn = store.pool.acquire().await?;
    Ok(users_of(&mut conn, &[*iin]).await?.remove(iin))
}

pub(super) async fn update_contacts(
    store: &PostgresStore,
    iin: &Iin,
    contacts: &Contacts,
    now: DateTime<Utc>,
) -> StoreResult<User> {
    let mut tx = store.pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE users SET email = $1, phone = $2, extra_email = $3, extra_phone = $4, \
             language = $5, updated_us = $6, notify_by = $7 WHERE iin = $8",
    )
    .bind(&contacts.email)
    .bind(&contacts.phone)
    .bind(&contacts.extra_email)
    .bind(&contacts.extra_phone)
    .bind(contacts.language.code())
    .bind(micros(now))
    .bind(contacts.notify_by.code())
    .bind(iin.to_string())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    let user = users_of(&mut tx, &[*iin])
        .await?
        .remove(iin)
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

pub(super) async fn bind_child(
    store: &PostgresStore,
    user: &Iin,
    child: &Iin,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    sqlx::query(
        "INSERT INTO bindings (user_iin, child_iin, created_us) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(user.to_string())
    .bind(child.to_string())
    .bind(micros(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn bound_children(store: &PostgresStore, user: &Iin) -> StoreResult<Vec<Iin>> {
    let mut conn = store.pool.acquire().await?;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT child_iin FROM bindings WHERE user_iin = $1 ORDER BY created_us, child_iin",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|iin| parse_iin(iin)).collect()
}
