//! Uploaded scans and the applications that reference them.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::SqliteStore;
use super::codec::{hash32, micros, parse_iin, time};
use crate::domain::{ApplicationNumber, Iin};
use crate::server::store::{AttachmentInfo, StoreError, StoreResult};

fn decode_attachment(row: &sqlx::sqlite::SqliteRow, size: usize) -> StoreResult<AttachmentInfo> {
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

pub(super) async fn put_attachment(
    store: &SqliteStore,
    owner: &Iin,
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
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
    sqlx::query(
        "INSERT INTO attachments (id, owner_iin, file_name, sha256, content_type, bytes, \
             created_us) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&info.id)
    .bind(owner.to_string())
    .bind(file_name)
    .bind(&info.sha256[..])
    .bind(content_type)
    .bind(bytes)
    .bind(micros(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(info)
}

pub(super) async fn attachment(
    store: &SqliteStore,
    id: &str,
) -> StoreResult<(AttachmentInfo, Vec<u8>)> {
    let mut conn = store.readers.acquire().await?;
    let row = sqlx::query(
        "SELECT id, owner_iin, file_name, sha256, content_type, created_us, bytes \
         FROM attachments \
         WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let bytes: Vec<u8> = row.get("bytes");
    Ok((decode_attachment(&row, bytes.len())?, bytes))
}

pub(super) async fn attachments_of(
    store: &SqliteStore,
    number: ApplicationNumber,
) -> StoreResult<Vec<AttachmentInfo>> {
    let mut conn = store.readers.acquire().await?;
    let rows = sqlx::query(
        "SELECT t.id, t.owner_iin, t.file_name, t.sha256, t.content_type, t.created_us, \
             length(t.bytes) AS size FROM attachments t \
         JOIN application_attachments l ON l.attachment_id = t.id \
         JOIN applications a ON a.id = l.application_id \
         WHERE a.number = ? ORDER BY t.created_us, t.id",
    )
    .bind(number.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| decode_attachment(row, row.get::<i64, _>("size") as usize))
        .collect()
}
