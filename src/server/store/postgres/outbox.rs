//! Outbox messages, written in the transaction of the change they report.

use sqlx::PgConnection;

use super::insert_rows;
use super::people::users_of;
use crate::domain::{Iin, Notice};
use crate::server::notify::OutboxMessage;
use crate::server::store::{StoreResult, StoredApplication};

/// Writes what the notices tell each application's applicant to the outbox, in the
/// transaction of the change they report.
pub(super) async fn notify(
    conn: &mut PgConnection,
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
    let users = users_of(conn, &told).await?;
    let mut messages = Vec::new();
    for &(application, notices, at_us) in changes {
        let applicant = users.get(&application.applicant_iin);
        for message in application.messages(notices, applicant) {
            messages.push((application, message, at_us));
        }
    }
    insert_rows(
        &mut *conn,
        "INSERT INTO outbox (application_id, to_email, to_phone, language, subject, body, \
                 created_us, sms, user_iin) ",
        &messages,
        "",
        |mut row, (application, message, at_us)| {
            row.push_bind(application.id)
                .push_bind(&message.to_email)
                .push_bind(&message.to_phone)
                .push_bind(message.lang.code())
                .push_bind(&message.subject)
                .push_bind(&message.body)
                .push_bind(*at_us)
                .push_bind(&message.sms)
                .push_bind(application.applicant_iin.to_string());
        },
    )
    .await?;
    Ok(())
}

/// Writes one message about no application (of `kind`, such as the desk's one-time code), in
/// the caller's transaction.
pub(super) async fn enqueue(
    conn: &mut PgConnection,
    kind: &str,
    message: &OutboxMessage,
    at_us: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO outbox (kind, to_email, to_phone, language, subject, body, sms, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(kind)
    .bind(&message.to_email)
    .bind(&message.to_phone)
    .bind(message.lang.code())
    .bind(&message.subject)
    .bind(&message.body)
    .bind(&message.sms)
    .bind(at_us)
    .execute(conn)
    .await?;
    Ok(())
}
