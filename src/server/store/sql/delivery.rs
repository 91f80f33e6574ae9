//! Delivery of the outbox (issue 14, docs/design-notices.md): the lease, messages due, each
//! channel marked as it is sent, attempts settled, and the messages as people read them.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::codec::{micros, optional_time, parse_lang, parse_number, time};
use super::{Affected, Backend, Bind, Cells, Exec};
use crate::api::notices::{DeliveryState, Message};
use crate::domain::Iin;
use crate::server::store::{
    Channel, Delivery, MessagePage, MessageScope, Settle, StoreError, StoreResult,
};

pub(super) async fn take_lease<B: Backend>(
    store: &SqlStore<B>,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_own().await?;
    // The upsert changes the row only when it is ours or has run out: one statement, so two
    // servers asking at once cannot both win.
    let taken = sqlx::query::<B>(
        "INSERT INTO leases (name, holder, until_us) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_us = excluded.until_us \
         WHERE leases.holder = excluded.holder OR leases.until_us <= $4",
    )
    .arg(name)
    .arg(holder)
    .arg(micros(until))
    .arg(micros(now))
    .execute(tx.ex())
    .await?
    .rows_affected()
        == 1;
    tx.commit().await?;
    Ok(taken)
}

pub(super) async fn due_messages<B: Backend>(
    store: &SqlStore<B>,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let mut conn = store.readers.acquire().await?;
    let rows = sqlx::query::<B>(
        "SELECT id, to_email, to_phone, language, subject, body, COALESCE(sms, subject) AS sms, \
                attempts, email_sent_us, sms_sent_us, created_us \
         FROM outbox WHERE state IN ('queued', 'failed') AND next_attempt_us <= $1 \
         ORDER BY next_attempt_us, id LIMIT $2",
    )
    .arg(micros(now))
    .arg(i64::from(limit))
    .fetch_all(conn.ex())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Delivery {
                id: row.get("id"),
                to_email: row.get("to_email"),
                to_phone: row.get("to_phone"),
                lang: parse_lang(row.get("language"))?,
                subject: row.get("subject"),
                body: row.get("body"),
                sms: row.get("sms"),
                attempts: row.get::<i64, _>("attempts").try_into().unwrap_or(u32::MAX),
                email_sent: row.get::<Option<i64>, _>("email_sent_us").is_some(),
                sms_sent: row.get::<Option<i64>, _>("sms_sent_us").is_some(),
                created_at: time(row.get("created_us"))?,
            })
        })
        .collect()
}

pub(super) async fn mark_channel_sent<B: Backend>(
    store: &SqlStore<B>,
    id: i64,
    channel: Channel,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let sql = match channel {
        Channel::Email => {
            "UPDATE outbox SET email_sent_us = $1 WHERE id = $2 AND email_sent_us IS NULL"
        }
        Channel::Sms => "UPDATE outbox SET sms_sent_us = $1 WHERE id = $2 AND sms_sent_us IS NULL",
    };
    let mut tx = store.begin_own().await?;
    sqlx::query::<B>(sql)
        .arg(micros(now))
        .arg(id)
        .execute(tx.ex())
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn settle_delivery<B: Backend>(
    store: &SqlStore<B>,
    id: i64,
    settle: &Settle,
    sent: &[Channel],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // The channels sent in this attempt are marked in the same row version as the outcome:
    // on PostgreSQL every UPDATE leaves a dead copy of the row (its text included) until
    // VACUUM, so one write per attempt rather than one per channel plus one.
    macro_rules! settle_sql {
        ($outcome:literal) => {
            concat!(
                "UPDATE outbox SET email_sent_us = CASE WHEN $1 THEN \
                 COALESCE(email_sent_us, $3) ELSE email_sent_us END, sms_sent_us = CASE WHEN $2 \
                 THEN COALESCE(sms_sent_us, $3) ELSE sms_sent_us END, ",
                $outcome,
                " WHERE id = $4"
            )
        };
    }
    let sql = match settle {
        Settle::Sent => settle_sql!("sent_us = $3, last_error = NULL, state = 'sent'"),
        Settle::Retry { .. } => settle_sql!(
            "state = 'failed', attempts = attempts + 1, last_error = $5, next_attempt_us = $6"
        ),
        Settle::Dead { .. } => {
            settle_sql!("state = 'dead', attempts = attempts + 1, last_error = $5")
        }
    };
    let mut query = sqlx::query::<B>(sql)
        .arg(sent.contains(&Channel::Email))
        .arg(sent.contains(&Channel::Sms))
        .arg(micros(now))
        .arg(id);
    match settle {
        Settle::Sent => {}
        Settle::Retry { error, at } => query = query.arg(error).arg(micros(*at)),
        Settle::Dead { error } => query = query.arg(error),
    }
    let mut tx = store.begin_own().await?;
    let updated = query.execute(tx.ex()).await?.rows_affected();
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

const MESSAGE_COLUMNS: &str = "SELECT o.id, a.number, o.language, o.subject, o.body, o.state, \
     o.attempts, o.last_error, o.to_email, o.to_phone, o.created_us, o.sent_us, o.read_us \
     FROM outbox o LEFT JOIN applications a ON a.id = o.application_id ";

fn message<B: Backend>(row: &B::Row) -> StoreResult<Message> {
    let state: &str = row.get("state");
    let number: Option<&str> = row.get("number");
    let at = |column: &str| optional_time(row.get(column));
    Ok(Message {
        id: row.get("id"),
        number: number.map(parse_number).transpose()?,
        language: parse_lang(row.get("language"))?,
        subject: row.get("subject"),
        body: row.get("body"),
        state: DeliveryState::parse(state)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery state {state}")))?,
        attempts: row.get::<i64, _>("attempts").try_into().unwrap_or(u32::MAX),
        last_error: row.get("last_error"),
        to_email: row.get("to_email"),
        to_phone: row.get("to_phone"),
        created_at: time(row.get("created_us"))?,
        sent_at: at("sent_us")?,
        read_at: at("read_us")?,
    })
}

pub(super) async fn messages<B: Backend>(
    store: &SqlStore<B>,
    scope: &MessageScope,
    limit: u32,
) -> StoreResult<MessagePage> {
    let mut conn = store.readers.acquire().await?;
    let limit = i64::from(limit);
    let rows = match scope {
        MessageScope::User(iin) => {
            sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
                "{MESSAGE_COLUMNS} WHERE o.user_iin = $1 ORDER BY o.id DESC LIMIT $2"
            )))
            .arg(iin.to_string())
            .arg(limit)
            .fetch_all(conn.ex())
            .await?
        }
        MessageScope::Application(id) => {
            sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
                "{MESSAGE_COLUMNS} WHERE o.application_id = $1 ORDER BY o.id LIMIT $2"
            )))
            .arg(id)
            .arg(limit)
            .fetch_all(conn.ex())
            .await?
        }
        MessageScope::DeadInRegion(region) => {
            sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
                "{MESSAGE_COLUMNS} WHERE o.state = 'dead' AND a.region_code = $1 \
                 ORDER BY o.id DESC LIMIT $2"
            )))
            .arg(region)
            .arg(limit)
            .fetch_all(conn.ex())
            .await?
        }
    };
    let unread = match scope {
        MessageScope::User(iin) => {
            let count: i64 = sqlx::query::<B>(
                "SELECT COUNT(*) FROM outbox WHERE user_iin = $1 AND read_us IS NULL",
            )
            .arg(iin.to_string())
            .fetch_one(conn.ex())
            .await?
            .try_get(0)?;
            u64::try_from(count).unwrap_or_default()
        }
        _ => 0,
    };
    Ok(MessagePage {
        messages: rows.iter().map(message::<B>).collect::<StoreResult<_>>()?,
        unread,
    })
}

pub(super) async fn mark_message_read<B: Backend>(
    store: &SqlStore<B>,
    user: &Iin,
    id: i64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut tx = store.begin_own().await?;
    // Read once: the first opening's time stays.
    let found: Option<i64> = sqlx::query::<B>(
        "UPDATE outbox SET read_us = COALESCE(read_us, $1) WHERE id = $2 AND user_iin = $3 \
         RETURNING id",
    )
    .arg(micros(now))
    .arg(id)
    .arg(user.to_string())
    .fetch_optional(tx.ex())
    .await?
    .map(|row| row.try_get(0))
    .transpose()?;
    tx.commit().await?;
    Ok(found.is_some())
}
