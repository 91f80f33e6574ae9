//! The store implementations the conformance suite (`suite.rs`) runs against, a fresh database
//! of each for every test, and the macro that makes one test per case and implementation:
//! `suite::sqlite::<case>` and `suite::postgres::<case>`. PostgreSQL runs when
//! `KEZEK_TEST_POSTGRES_URL` names a server (`.ci/run` sets it): each test gets its own schema
//! there, dropped when it ends, so tests run in parallel. Without the variable those tests
//! skip loudly, and fail under CI=true.

use std::sync::Arc;

use kezek::server::store::{self, Store};

pub use crate::postgres::{PgSchema, postgres_url};
use sqlx::Connection;

/// An implementation of [`Store`] the suite can make fresh databases for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A new, empty database of this implementation, removed when the test ends; `None` when
    /// this implementation's server is not configured (said on stderr; a failure under
    /// CI=true).
    pub async fn fresh(self) -> Option<TestDb> {
        let dir = tempfile::tempdir().unwrap();
        match self {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("kezek.db").display());
                Some(TestDb {
                    backend: self,
                    url,
                    schema: None,
                    _dir: dir,
                })
            }
            Backend::Postgres => {
                let server = postgres_url()?;
                let schema = PgSchema::create(&server).await;
                Some(TestDb {
                    backend: self,
                    url: schema.url(),
                    schema: Some(schema),
                    _dir: dir,
                })
            }
        }
    }
}

/// One test's database: its address and the means to reach past the store, as someone with
/// access to the database could.
pub struct TestDb {
    pub backend: Backend,
    /// What `store::open` and `kezek … --db` take.
    pub url: String,
    schema: Option<PgSchema>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// The store at this database, opened (and migrated) through `store::open` as the server
    /// opens it; call again to reopen after `close`.
    pub async fn open(&self) -> Arc<dyn Store> {
        store::open(&self.url).await.unwrap()
    }

    /// An address of the same implementation where no database exists.
    pub fn missing_url(&self) -> String {
        match (self.backend, &self.schema) {
            (Backend::Postgres, Some(schema)) => schema.missing_database_url(),
            _ => format!("{}-missing", self.url),
        }
    }

    /// Runs one SQL statement on the database behind the store's back.
    pub async fn execute(&self, sql: &'static str) -> Result<(), sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
                conn.close().await
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.url).await?;
                sqlx::raw_sql(sql).execute(&mut conn).await?;
                conn.close().await
            }
        }
    }

    /// The statement that removes the guard refusing updates of history events.
    pub fn drop_event_update_guard(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "DROP TRIGGER events_are_append_only_update",
            Backend::Postgres => "DROP TRIGGER events_are_append_only_update ON events",
        }
    }
}

/// Makes each case of the suite a test for each backend: `async` cases take a fresh
/// [`TestDb`], `sync` ones (property tests, which make a database per case) the [`Backend`].
/// A case written but not listed is dead code, which the lints refuse.
macro_rules! conformance {
    (backends: [$($module:ident => $backend:expr),+ $(,)?], async: $async:tt, sync: $sync:tt $(,)?) => {
        $(conformance!(@backend $module, $backend, $async, $sync);)+
    };
    (@backend $module:ident, $backend:expr, [$($case:ident),* $(,)?], [$($sync_case:ident),* $(,)?]) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test]
                async fn $case() {
                    if let Some(db) = $backend.fresh().await {
                        super::$case(db).await
                    }
                }
            )*
            $(
                #[test]
                fn $sync_case() {
                    super::$sync_case($backend)
                }
            )*
        }
    };
}

pub(crate) use conformance;
