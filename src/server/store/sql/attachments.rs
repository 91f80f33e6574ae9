//! Uploaded scans and the applications that reference them: the uploader's quota, checked in
//! the transaction that stores a scan; links of scans to an application (a registration's, a
//! benefit change's); and the clean-up of scans no application references.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::SqlStore;
use super::codec::{hash32, micros, parse_iin, time};
use super::{Affected, Backend, Bind, Cells, Exec};
use crate::domain::{ApplicationNumber, Iin};
use crate::server::store::{AttachmentInfo, AttachmentQuota, StoreError, StoreResult};

fn decode_attachment<B: Backend>(row: &B::Row, size: usize) -> StoreResult<AttachmentInfo> {
    Ok(AttachmentInfo {
        id: row.get("id"),
        owner_iin: parse_iin(row.get::<&str, _>("owner_iin"))?,
        file_name: row.get("file_name"),
        sha256: hash32(row.get::<&[u8], _>("sha256"))?,
        content_type: row.get("content_type"),
        size: size as u64,
        created_at: time(row.get("created_us"))?,
    })
}

pub(super) async fn put_attachment<B: Backend>(
    store: &SqlStore<B>,
    owner: &Iin,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
    quota: AttachmentQuota,
) -> StoreResult<AttachmentInfo> {
    let info = AttachmentInfo {
        id: uuid::Uuid::new_v4().to_string(),
        owner_iin: *owner,
        file_name: file_name.to_owned(),
        sha256: Sha256::digest(&bytes).into(),
        content_type: content_type.to_owned(),
        size: bytes.len() as u64,
        created_at: now,
    };
    let mut tx = store.begin().await?;
    insert_within_quota::<B>(&mut tx, &info, bytes, quota).await?;
    tx.commit().await?;
    Ok(info)
}

pub(super) async fn delete_unreferenced_attachments<B: Backend>(
    store: &SqlStore<B>,
    before: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut tx = store.begin().await?;
    let deleted = delete_unreferenced::<B>(&mut tx, before).await?;
    tx.commit().await?;
    Ok(deleted)
}

pub(super) async fn attachment<B: Backend>(
    store: &SqlStore<B>,
    id: &str,
) -> StoreResult<(AttachmentInfo, Vec<u8>)> {
    let mut conn = store.readers.acquire().await?;
    let row = sqlx::query::<B>(
        "SELECT id, owner_iin, file_name, sha256, content_type, created_us, bytes \
         FROM attachments \
         WHERE id = $1",
    )
    .arg(id)
    .fetch_optional(conn.ex())
    .await?
    .ok_or(StoreError::NotFound)?;
    let bytes: Vec<u8> = row.get("bytes");
    Ok((decode_attachment::<B>(&row, bytes.len())?, bytes))
}

pub(super) async fn attachments_of<B: Backend>(
    store: &SqlStore<B>,
    number: ApplicationNumber,
) -> StoreResult<Vec<AttachmentInfo>> {
    let mut conn = store.readers.acquire().await?;
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT t.id, t.owner_iin, t.file_name, t.sha256, t.content_type, t.created_us, \
             CAST({}(t.bytes) AS BIGINT) AS size FROM attachments t \
         JOIN application_attachments l ON l.attachment_id = t.id \
         JOIN applications a ON a.id = l.application_id \
         WHERE a.number = $1 ORDER BY t.created_us, t.id",
        B::BYTE_LENGTH
    )))
    .arg(number.to_string())
    .fetch_all(conn.ex())
    .await?;
    rows.iter()
        .map(|row| decode_attachment::<B>(row, row.get::<i64, _>("size") as usize))
        .collect()
}

/// Scans of `owner` that no application references: how many and their bytes.
async fn unreferenced_of<B: Backend>(
    conn: &mut B::Connection,
    owner: &str,
) -> StoreResult<(u64, u64)> {
    let row = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM({}(t.bytes)), 0) AS BIGINT) FROM attachments t \
         WHERE t.owner_iin = $1 AND NOT EXISTS \
             (SELECT 1 FROM application_attachments l WHERE l.attachment_id = t.id)",
        B::BYTE_LENGTH
    )))
    .arg(owner)
    .fetch_one(conn.ex())
    .await?;
    let (count, bytes): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    Ok((count.max(0) as u64, bytes.max(0) as u64))
}

/// Stores a scan unless its owner's unreferenced scans would go over `quota`; run inside the
/// write transaction, so two uploads at once cannot both slip under it.
pub(super) async fn insert_within_quota<B: Backend>(
    tx: &mut B::Connection,
    info: &AttachmentInfo,
    bytes: Vec<u8>,
    quota: AttachmentQuota,
) -> StoreResult<()> {
    let owner = info.owner_iin.to_string();
    let (count, held) = unreferenced_of::<B>(tx, &owner).await?;
    if count.saturating_add(1) > u64::from(quota.count)
        || held.saturating_add(info.size) > quota.bytes
    {
        return Err(StoreError::AttachmentQuota);
    }
    sqlx::query::<B>(
        "INSERT INTO attachments (id, owner_iin, file_name, sha256, content_type, bytes, \
             created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .arg(&info.id)
    .arg(owner)
    .arg(&info.file_name)
    .arg(&info.sha256[..])
    .arg(&info.content_type)
    .arg(bytes)
    .arg(micros(info.created_at))
    .execute(tx.ex())
    .await?;
    Ok(())
}

/// Links scans to an application (its benefit's evidence); a scan linked before stays linked
/// once.
pub(super) async fn link<B: Backend>(
    tx: &mut B::Connection,
    application_id: i64,
    attachments: &[String],
) -> StoreResult<()> {
    for attachment in attachments {
        sqlx::query::<B>(
            "INSERT INTO application_attachments (application_id, attachment_id) \
             VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .arg(application_id)
        .arg(attachment)
        .execute(tx.ex())
        .await?;
    }
    Ok(())
}

/// Deletes the scans uploaded before `before` that no application references; how many.
pub(super) async fn delete_unreferenced<B: Backend>(
    tx: &mut B::Connection,
    before: DateTime<Utc>,
) -> StoreResult<u64> {
    let done = sqlx::query::<B>(
        "DELETE FROM attachments WHERE created_us < $1 AND NOT EXISTS \
             (SELECT 1 FROM application_attachments l WHERE l.attachment_id = attachments.id)",
    )
    .arg(micros(before))
    .execute(tx.ex())
    .await?;
    Ok(done.rows_affected())
}
