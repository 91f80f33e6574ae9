//! PostgreSQL for the tests: the server `KEZEK_TEST_POSTGRES_URL` names (`.ci/run` sets it;
//! without it the PostgreSQL tests skip loudly, and fail under CI=true), and a schema of its
//! own for each test, dropped when the test ends, so tests run in parallel on one database.
#![allow(dead_code)] // each test binary uses its own part

use sqlx::Connection;

/// The PostgreSQL server the tests use (`KEZEK_TEST_POSTGRES_URL`); `None` (skip) without it,
/// a failure under CI=true.
pub fn postgres_url() -> Option<String> {
    match std::env::var("KEZEK_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "KEZEK_TEST_POSTGRES_URL is required under CI=true (.ci/run sets it)"
            );
            eprintln!(
                "SKIPPED: KEZEK_TEST_POSTGRES_URL is not set; set it (e.g. \
                 postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL tests"
            );
            None
        }
    }
}

/// One test's own schema on the PostgreSQL server, dropped with everything in it on drop.
pub struct PgSchema {
    server: String,
    name: String,
}

impl PgSchema {
    pub async fn create(server: &str) -> PgSchema {
        let name = format!(
            "kezek_test_{}_{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        let mut conn = sqlx::PgConnection::connect(server).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        PgSchema {
            server: server.to_owned(),
            name,
        }
    }

    /// The server's address with this schema first on the search path.
    pub fn url(&self) -> String {
        let joint = if self.server.contains('?') { '&' } else { '?' };
        format!(
            "{}{joint}options=-c%20search_path%3D{}",
            self.server, self.name
        )
    }
}

impl PgSchema {
    /// The same server, a database that does not exist.
    pub fn missing_database_url(&self) -> String {
        let (head, _) = self.server.split_once('?').unwrap_or((&self.server, ""));
        let (server, _) = head.rsplit_once('/').unwrap_or((head, ""));
        format!("{server}/{}_missing", self.name)
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime: the clean-up gets a runtime of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let mut conn = sqlx::PgConnection::connect(&server).await?;
                    // A server of the test still in a transaction must not hang the drop.
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS {name} CASCADE"
                    )))
                    .execute(&mut conn)
                    .await?;
                    conn.close().await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test schema {}: {dropped:?}", self.name);
        }
    }
}
