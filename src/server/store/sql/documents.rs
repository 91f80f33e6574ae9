//! Generated documents: their content fixed at the event, and of their first rendering only
//! the fingerprint (docs/design-docs.md «Generated documents»); bytes only where a release
//! before issue 15 kept them and the content does not render to them again.

use chrono::{DateTime, Utc};

use super::SqlStore;
use super::codec::{micros, parse_lang, time};
use super::{Backend, Bind, Cells, Exec};
use crate::domain::ApplicationNumber;
use crate::server::store::{
    DocumentBody, DocumentInfo, Fingerprint, Fingerprinted, StoreError, StoreResult,
    UnrenderedDocument,
};

fn decode_document<B: Backend>(row: &B::Row) -> StoreResult<DocumentInfo> {
    Ok(DocumentInfo {
        id: row.get("id"),
        kind: row.get("kind"),
        language: parse_lang(row.get("language"))?,
        size: row.get::<Option<i64>, _>("size").map(|size| size as u64),
        created_at: time(row.get("created_us"))?,
    })
}

/// The listed size: the first rendering's, else that of the bytes kept.
fn size_column<B: Backend>() -> String {
    format!(
        "CAST(COALESCE(d.size, {}(d.bytes)) AS BIGINT) AS size",
        B::BYTE_LENGTH
    )
}

pub(super) async fn documents_of<B: Backend>(
    store: &SqlStore<B>,
    number: ApplicationNumber,
) -> StoreResult<Vec<DocumentInfo>> {
    let mut conn = store.readers.acquire().await?;
    let rows = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, d.kind, d.language, {}, d.created_us \
         FROM documents d JOIN applications a ON a.id = d.application_id \
         WHERE a.number = $1 ORDER BY d.created_us, d.id",
        size_column::<B>()
    )))
    .arg(number.to_string())
    .fetch_all(conn.ex())
    .await?;
    rows.iter().map(decode_document::<B>).collect()
}

pub(super) async fn document<B: Backend>(
    store: &SqlStore<B>,
    id: &str,
) -> StoreResult<(DocumentInfo, DocumentBody)> {
    let mut conn = store.readers.acquire().await?;
    let row = sqlx::query::<B>(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, d.kind, d.language, {}, d.created_us, d.bytes, d.content, \
         d.rendered_sha256 FROM documents d WHERE d.id = $1",
        size_column::<B>()
    )))
    .arg(id)
    .fetch_optional(conn.ex())
    .await?
    .ok_or(StoreError::NotFound)?;
    let body = match (row.get("bytes"), row.get("content")) {
        (Some(bytes), _) => DocumentBody::Rendered(bytes),
        (None, Some(content)) => DocumentBody::Content {
            content,
            first: Fingerprint::from_columns(row.get("rendered_sha256"), row.get("size"))?,
        },
        (None, None) => return Err(StoreError::Corrupt(format!("document {id} is empty"))),
    };
    Ok((decode_document::<B>(&row)?, body))
}

pub(super) async fn unrendered_documents<B: Backend>(
    store: &SqlStore<B>,
    after: Option<(DateTime<Utc>, String)>,
    limit: u32,
) -> StoreResult<Vec<UnrenderedDocument>> {
    let (after_us, after_id) = after.map_or((i64::MIN, String::new()), |(at, id)| (micros(at), id));
    let mut conn = store.readers.acquire().await?;
    let rows = sqlx::query::<B>(
        "SELECT id, kind, language, CAST(NULL AS BIGINT) AS size, created_us, content, bytes \
         FROM documents \
         WHERE rendered_sha256 IS NULL AND content IS NOT NULL AND (created_us, id) > ($1, $2) \
         ORDER BY created_us, id LIMIT $3",
    )
    .arg(after_us)
    .arg(after_id)
    .arg(i64::from(limit))
    .fetch_all(conn.ex())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(UnrenderedDocument {
                info: decode_document::<B>(row)?,
                content: row.get("content"),
                kept: row.get("bytes"),
            })
        })
        .collect()
}

pub(super) async fn keep_fingerprints<B: Backend>(
    store: &SqlStore<B>,
    found: &[(String, Fingerprinted)],
) -> StoreResult<()> {
    let mut tx = store.begin_own().await?;
    let keep_bytes = format!(
        "UPDATE documents SET rendered_sha256 = sha256, size = {}(bytes) \
         WHERE id = $1 AND rendered_sha256 IS NULL AND bytes IS NOT NULL",
        B::BYTE_LENGTH
    );
    for (id, found) in found {
        match found {
            // Kept bytes go only when they are what was rendered.
            Fingerprinted::Rendered(fingerprint) => sqlx::query::<B>(
                "UPDATE documents SET rendered_sha256 = $1, size = $2, bytes = NULL, sha256 = NULL \
                 WHERE id = $3 AND rendered_sha256 IS NULL AND (bytes IS NULL OR sha256 = $1)",
            )
            .arg(&fingerprint.sha256[..])
            .arg(fingerprint.size as i64)
            .arg(id.as_str()),
            Fingerprinted::KeepBytes => {
                sqlx::query::<B>(sqlx::AssertSqlSafe(keep_bytes.as_str())).arg(id.as_str())
            }
        }
        .execute(tx.ex())
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
