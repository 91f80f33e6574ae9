//! The store implementations the conformance suite (`suite.rs`) runs against, a fresh database
//! of each for every test, and the macro that makes one test per case and implementation:
//! `suite::sqlite::<case>` today; another implementation is one more line in the suite's
//! `conformance!` list and a variant here.

use std::sync::Arc;

use kezek::server::store::{self, Store};
use sqlx::Connection;

/// An implementation of [`Store`] the suite can make fresh databases for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
}

impl Backend {
    /// A new, empty database of this implementation, removed when the test ends.
    pub async fn fresh(self) -> TestDb {
        match self {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("kezek.db").display());
                TestDb {
                    backend: self,
                    url,
                    _dir: dir,
                }
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
        match self.backend {
            Backend::Sqlite => format!("{}-missing", self.url),
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
        }
    }

    /// The statement that removes the guard refusing updates of history events.
    pub fn drop_event_update_guard(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "DROP TRIGGER events_are_append_only_update",
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
                    super::$case($backend.fresh().await).await
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
