//! Uploaded scans in SQLite beyond storing and reading them: the uploader's quota, checked in
//! the transaction that stores a scan; links of scans to an application (a registration's, a
//! benefit change's); and the clean-up of scans no application references.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::sqlite::micros;
use super::{AttachmentInfo, AttachmentQuota, StoreError, StoreResult};

/// Scans of `owner` that no application references: how many and their bytes.
async fn unreferenced_of(conn: &mut SqliteConnection, owner: &str) -> StoreResult<(u64, u64)> {
    let (count, bytes): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(length(t.bytes)), 0) FROM attachments t \
         WHERE t.owner_iin = ? AND NOT EXISTS \
             (SELECT 1 FROM application_attachments l WHERE l.attachment_id = t.id)",
    )
    .bind(owner)
    .fetch_one(&mut *conn)
    .await?;
    Ok((count.max(0) as u64, bytes.max(0) as u64))
}

/// Stores a scan unless its owner's unreferenced scans would go over `quota`; run inside the
/// write transaction, so two uploads at once cannot both slip under it.
pub(super) async fn insert_within_quota(
    tx: &mut SqliteConnection,
    info: &AttachmentInfo,
    bytes: Vec<u8>,
    quota: AttachmentQuota,
) -> StoreResult<()> {
    let owner = info.owner_iin.to_string();
    let (count, held) = unreferenced_of(tx, &owner).await?;
    if count.saturating_add(1) > u64::from(quota.count)
        || held.saturating_add(info.size) > quota.bytes
    {
        return Err(StoreError::AttachmentQuota);
    }
    sqlx::query(
        "INSERT INTO attachments (id, owner_iin, file_name, sha256, content_type, bytes, \
             created_us) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&info.id)
    .bind(owner)
    .bind(&info.file_name)
    .bind(&info.sha256[..])
    .bind(&info.content_type)
    .bind(bytes)
    .bind(micros(info.created_at))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Links scans to an application (its benefit's evidence); a scan linked before stays linked
/// once.
pub(super) async fn link(
    tx: &mut SqliteConnection,
    application_id: i64,
    attachments: &[String],
) -> StoreResult<()> {
    for attachment in attachments {
        sqlx::query(
            "INSERT OR IGNORE INTO application_attachments (application_id, attachment_id) \
             VALUES (?, ?)",
        )
        .bind(application_id)
        .bind(attachment)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Deletes the scans uploaded before `before` that no application references; how many.
pub(super) async fn delete_unreferenced(
    tx: &mut SqliteConnection,
    before: DateTime<Utc>,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "DELETE FROM attachments WHERE created_us < ? AND NOT EXISTS \
             (SELECT 1 FROM application_attachments l WHERE l.attachment_id = attachments.id)",
    )
    .bind(micros(before))
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}
