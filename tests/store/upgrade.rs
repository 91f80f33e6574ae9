//! Upgrading a database an older release left (issue 14): the outbox of the days before
//! delivery existed is not all sent at the first start with delivery on
//! (docs/design-notices.md, «Upgrading»).

use chrono::{Duration, Utc};
use kezek::server::store::{SqliteStore, Store};
use sqlx::Connection;

/// The last migration before delivery (0016).
const BEFORE_DELIVERY: i64 = 15;

#[tokio::test]
async fn old_outbox_rows_are_skipped_and_recent_ones_still_go_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db").display().to_string();
    SqliteStore::create_at_version(&path, BEFORE_DELIVERY)
        .await
        .unwrap();
    // Written by the old release: no SMS text, no state; nothing was ever sent.
    let now = Utc::now();
    let rows = [
        ("old@example.kz", now - Duration::days(200)),
        ("month@example.kz", now - Duration::days(30)),
        ("yesterday@example.kz", now - Duration::days(1)),
    ];
    {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        for (email, at) in rows {
            sqlx::query(
                "INSERT INTO outbox (to_email, language, subject, body, created_us) \
                 VALUES (?, 'ru', 'Kezek', 'Текст', ?)",
            )
            .bind(email)
            .bind(at.timestamp_micros())
            .execute(&mut conn)
            .await
            .unwrap();
        }
        conn.close().await.unwrap();
    }

    let store = SqliteStore::open(&path).await.unwrap();
    let due = store.due_messages(Utc::now(), 50).await.unwrap();
    let to: Vec<_> = due.iter().filter_map(|d| d.to_email.as_deref()).collect();
    assert_eq!(to, ["yesterday@example.kz"], "only the recent one goes out");
    store.close().await;

    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    let states: Vec<(String, String, Option<i64>)> =
        sqlx::query_as("SELECT to_email, state, read_us FROM outbox ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    assert_eq!(states[0].1, "skipped");
    assert_eq!(states[1].1, "skipped");
    assert_eq!(states[2].1, "queued");
    assert!(
        states[0].2.is_some() && states[2].2.is_none(),
        "a skipped message counts as read: {states:?}"
    );
    // A store opened again changes nothing: the upgrade ran once.
    conn.close().await.unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.due_messages(Utc::now(), 50).await.unwrap().len(), 1);
    store.close().await;
}
