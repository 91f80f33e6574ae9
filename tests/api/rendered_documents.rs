//! Generated documents rendered on demand over HTTP (issue 15, docs/design-docs.md «Generated
//! documents»): every download renders the document again and is the first rendering byte for
//! byte; one that would differ is refused with `document_changed`, never given out.

use kezek::api::problem::ProblemCode;
use sqlx::Connection;

use crate::common::*;

/// Runs one statement on the server's database behind its back.
async fn execute(w: &World, sql: &str) {
    let url = w.database_path();
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{url}"))
            .await
            .unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    }
}

#[tokio::test]
async fn downloads_render_the_first_rendering_again_and_a_changed_one_is_refused() {
    // No cache: every download renders again.
    let w = world_with(|config| config.documents.cache_bytes = 0).await;
    let aigerim = w.login(AIGERIM).await;
    let number = w.submit(&aigerim, &application(AIGERIM, ARUZHAN)).await;
    let documents = aigerim.documents(&number).await.unwrap();
    assert_eq!(documents.len(), 3);
    let mut first = Vec::new();
    for document in &documents {
        let pdf = aigerim
            .download_document(&number, &document.id)
            .await
            .unwrap();
        assert!(pdf.bytes.starts_with(b"%PDF"));
        first.push(pdf.bytes);
    }
    // Listed with the first rendering's size, and the same bytes again.
    let listed = aigerim.documents(&number).await.unwrap();
    for ((document, bytes), listed) in documents.iter().zip(&first).zip(&listed) {
        assert_eq!(listed.size, Some(bytes.len() as u64));
        let again = aigerim
            .download_document(&number, &document.id)
            .await
            .unwrap();
        assert_eq!(&again.bytes, bytes);
    }
    // Hostile ids and another parent's token: nothing given out.
    for id in [
        "' OR 1=1 --",
        "../../../etc/passwd",
        "x".repeat(5000).as_str(),
    ] {
        assert_eq!(
            code(aigerim.download_document(&number, id).await),
            ProblemCode::NotFound,
            "{id:.20}"
        );
    }
    let dauren = w.login(DAUREN).await;
    assert!(
        dauren
            .download_document(&number, &documents[0].id)
            .await
            .is_err()
    );
    // The kept fingerprint changed behind the server's back: refused, loudly.
    let id = &documents[0].id;
    execute(
        &w,
        &format!("UPDATE documents SET size = size + 1 WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(
        code(aigerim.download_document(&number, id).await),
        ProblemCode::DocumentChanged
    );
    // The content changed: refused as well; the third still downloads as it was.
    let id = &documents[1].id;
    execute(
        &w,
        &format!(
            "UPDATE documents SET content = replace(content, 'Аружан', 'Аружана') \
             WHERE id = '{id}'"
        ),
    )
    .await;
    assert_eq!(
        code(aigerim.download_document(&number, id).await),
        ProblemCode::DocumentChanged
    );
    let third = aigerim
        .download_document(&number, &documents[2].id)
        .await
        .unwrap();
    assert_eq!(third.bytes, first[2]);
}
