//! Users (names, contacts, language) and the children bound to them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;

use super::codec::{micros, parse_iin, parse_lang};
use super::{Affected, Backend, Bind, Cells, Exec, PushBind};
use super::{ROWS_PER_STATEMENT, SqlStore};
use crate::domain::{ContactPreference, Iin};
use crate::i18n::Lang;
use crate::server::store::{Contacts, StoreError, StoreResult, User};

/// The users among `iins`, by IIN, in one statement.
pub(super) async fn users_of<B: Backend>(
    conn: &mut B::Connection,
    iins: &[Iin],
) -> StoreResult<HashMap<Iin, User>> {
    let mut users = HashMap::with_capacity(iins.len());
    for chunk in iins.chunks(ROWS_PER_STATEMENT) {
        let mut query = QueryBuilder::<B>::new(
            "SELECT iin, full_name, email, phone, extra_email, extra_phone, language, notify_by \
             FROM users \
             WHERE iin IN (",
        );
        let mut list = query.separated(", ");
        for iin in chunk {
            list.push_arg(iin.to_string());
        }
        query.push(")");
        for row in query.build().fetch_all(conn.ex()).await? {
            let iin = parse_iin(row.get::<&str, _>("iin"))?;
            let contacts = Contacts {
                email: row.get("email"),
                phone: row.get("phone"),
                extra_email: row.get("extra_email"),
                extra_phone: row.get("extra_phone"),
                language: parse_lang(row.get("language"))?,
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

pub(super) async fn record_login<B: Backend>(
    store: &SqlStore<B>,
    iin: &Iin,
    full_name: &str,
    language: Lang,
    now: DateTime<Utc>,
) -> StoreResult<User> {
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>(
        "INSERT INTO users (iin, full_name, language, created_us, updated_us) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (iin) DO UPDATE SET full_name = excluded.full_name",
    )
    .arg(iin.to_string())
    .arg(full_name)
    .arg(language.code())
    .arg(micros(now))
    .execute(tx.ex())
    .await?;
    let user = users_of::<B>(&mut tx, &[*iin])
        .await?
        .remove(iin)
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

pub(super) async fn user<B: Backend>(store: &SqlStore<B>, iin: &Iin) -> StoreResult<Option<User>> {
    let mut conn = store.readers.acquire().await?;
    Ok(users_of::<B>(&mut conn, &[*iin]).await?.remove(iin))
}

pub(super) async fn update_contacts<B: Backend>(
    store: &SqlStore<B>,
    iin: &Iin,
    contacts: &Contacts,
    now: DateTime<Utc>,
) -> StoreResult<User> {
    let mut tx = store.begin_own().await?;
    let updated = sqlx::query::<B>(
        "UPDATE users SET email = $1, phone = $2, extra_email = $3, extra_phone = $4, \
             language = $5, updated_us = $6, notify_by = $7 WHERE iin = $8",
    )
    .arg(&contacts.email)
    .arg(&contacts.phone)
    .arg(&contacts.extra_email)
    .arg(&contacts.extra_phone)
    .arg(contacts.language.code())
    .arg(micros(now))
    .arg(contacts.notify_by.code())
    .arg(iin.to_string())
    .execute(tx.ex())
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    let user = users_of::<B>(&mut tx, &[*iin])
        .await?
        .remove(iin)
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(user)
}

pub(super) async fn bind_child<B: Backend>(
    store: &SqlStore<B>,
    user: &Iin,
    child: &Iin,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>(
        "INSERT INTO bindings (user_iin, child_iin, created_us) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .arg(user.to_string())
    .arg(child.to_string())
    .arg(micros(now))
    .execute(tx.ex())
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn bound_children<B: Backend>(
    store: &SqlStore<B>,
    user: &Iin,
) -> StoreResult<Vec<Iin>> {
    let mut conn = store.readers.acquire().await?;
    let rows: Vec<String> = sqlx::query::<B>(
        "SELECT child_iin FROM bindings WHERE user_iin = $1 ORDER BY created_us, child_iin",
    )
    .arg(user.to_string())
    .fetch_all(conn.ex())
    .await?
    .iter()
    .map(|row| row.try_get(0))
    .collect::<Result<_, _>>()?;
    rows.iter().map(|iin| parse_iin(iin)).collect()
}
