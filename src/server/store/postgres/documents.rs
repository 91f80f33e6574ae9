//! Generated documents: their content fixed at the event, their bytes kept once rendered.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::PostgresStore;
use super::codec::{micros, time};
use crate::domain::ApplicationNumber;
use crate::i18n::Lang;
use crate::server::store::{DocumentBody, DocumentInfo, StoreError, StoreResult};

fn decode_document(row: &sqlx::postgres::PgRow) -> StoreResult<DocumentInfo> {
    let language: &str = row.get("language");
    Ok(DocumentInfo {
        id: row.get("id"),
        kind: row.get("kind"),
        language: Lang::parse(language)
            .ok_or_else(|| StoreError::Corrupt(format!("language {language}")))?,
        size: row.get::<Option<i64>, _>("size").map(|size| size as u64),
        created_at: time(row.get("created_us"))?,
    })
}

pub(super) async fn documents_of(
    store: &PostgresStore,
    number: ApplicationNumber,
) -> StoreResult<Vec<DocumentInfo>> {
    let mut conn = store.pool.acquire().await?;
    let rows = sqlx::query(
        "SELECT d.id, d.kind, d.language, octet_length(d.bytes)::BIGINT AS size, d.created_us \
         FROM documents d JOIN applications a ON a.id = d.application_id \
         WHERE a.number = $1 ORDER BY d.created_us, d.id",
    )
    .bind(number.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(decode_document).collect()
}

pub(super) async fn document(
    store: &PostgresStore,
    id: &str,
) -> StoreResult<(DocumentInfo, DocumentBody)> {
    let mut conn = store.pool.acquire().await?;
    let row = sqlx::query(
        "SELECT id, kind, language, octet_length(bytes)::BIGINT AS size, created_us, bytes, content \
         FROM documents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let body = match (row.get("bytes"), row.get("content")) {
        (Some(bytes), _) => DocumentBody::Rendered(bytes),
        (None, Some(content)) => DocumentBody::Content(content),
        (None, None) => return Err(StoreError::Corrupt(format!("document {id} is empty"))),
    };
    Ok((decode_document(&row)?, body))
}

pub(super) async fn unrendered_documents(
    store: &PostgresStore,
    after: Option<(DateTime<Utc>, String)>,
    limit: u32,
) -> StoreResult<Vec<(DocumentInfo, String)>> {
    let (after_us, after_id) = after.map_or((i64::MIN, String::new()), |(at, id)| (micros(at), id));
    let mut conn = store.pool.acquire().await?;
    let rows = sqlx::query(
        "SELECT id, kind, language, NULL::BIGINT AS size, created_us, content FROM documents \
         WHERE bytes IS NULL AND (created_us, id) > ($1, $2) \
         ORDER BY created_us, id LIMIT $3",
    )
    .bind(after_us)
    .bind(after_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((decode_document(row)?, row.get("content"))))
        .collect()
}

pub(super) async fn keep_rendered(
    store: &PostgresStore,
    rendered: &[(String, Vec<u8>)],
) -> StoreResult<()> {
    let mut tx = store.pool.begin().await?;
    for (id, bytes) in rendered {
        let sha256 = Sha256::digest(bytes);
        sqlx::query("UPDATE documents SET bytes = $1, sha256 = $2 WHERE id = $3 AND bytes IS NULL")
            .bind(bytes)
            .bind(&sha256[..])
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
