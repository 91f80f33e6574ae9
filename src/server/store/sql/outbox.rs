//! Outbox messages, written in the transaction of the change they report.

use super::insert_rows;
use super::people::users_of;
use super::{Backend, Bind, Exec, PushBind};
use crate::domain::{Iin, Notice};
use crate::server::notify::OutboxMessage;
use crate::server::store::{StoreResult, StoredApplication};

/// Writes what the notices tell each application's applicant to the outbox, in the
/// transaction of the change they report.
pub(super) async fn notify<B: Backend>(
    conn: &mut B::Connection,
    changes: &[(&StoredApplication, &[Notice], i64)],
) -> StoreResult<()> {
    let told: Vec<Iin> = changes
        .iter()
        .filter(|(_, notices, _)| !notices.is_empty())
        .map(|(application, _, _)| application.applicant_iin)
        .collect();
    if told.is_empty() {
        return Ok(());
    }
    let users = users_of::<B>(conn, &told).await?;
    let mut messages = Vec::new();
    for &(application, notices, at_us) in changes {
        let applicant = users.get(&application.applicant_iin);
        for message in application.messages(notices, applicant) {
            messages.push((application, message, at_us));
        }
    }
    insert_rows::<B, _>(
        &mut *conn,
        "INSERT INTO outbox (application_id, to_email, to_phone, language, subject, body, \
                 created_us, sms, user_iin) ",
        &messages,
        "",
        |mut row, (application, message, at_us)| {
            row.push_arg(application.id)
                .push_arg(&message.to_email)
                .push_arg(&message.to_phone)
                .push_arg(message.lang.code())
                .push_arg(&message.subject)
                .push_arg(&message.body)
                .push_arg(*at_us)
                .push_arg(&message.sms)
                .push_arg(application.applicant_iin.to_string());
        },
    )
    .await?;
    Ok(())
}

/// Writes one message about no application (of `kind`, such as the desk's one-time code), in
/// the caller's transaction.
pub(super) async fn enqueue<B: Backend>(
    conn: &mut B::Connection,
    kind: &str,
    message: &OutboxMessage,
    at_us: i64,
) -> StoreResult<()> {
    sqlx::query::<B>(
        "INSERT INTO outbox (kind, to_email, to_phone, language, subject, body, sms, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .arg(kind)
    .arg(&message.to_email)
    .arg(&message.to_phone)
    .arg(message.lang.code())
    .arg(&message.subject)
    .arg(&message.body)
    .arg(&message.sms)
    .arg(at_us)
    .execute(conn.ex())
    .await?;
    Ok(())
}
