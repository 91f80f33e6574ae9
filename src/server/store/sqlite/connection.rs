//! Opening a SQLite database: WAL, `synchronous=FULL` (a commit is on disk before the answer),
//! foreign keys, a busy timeout, and the migrations (`migrations/*.sql`, embedded in the
//! binary) run at open.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::SqliteStore;
use crate::server::store::sql::{SqlStore, migrator as embedded};
use crate::server::store::{StoreError, StoreResult};

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const READERS: u32 = 4;

/// The writer's page cache: 64 MiB (a negative `cache_size` is KiB), grown only as used.
const WRITER_CACHE: &str = "-65536";

/// The schema, embedded in the binary and applied at open.
fn migrator() -> Migrator {
    // A list, not an array of fixed length, so that migrations added side by side merge cleanly.
    let steps: Vec<(i64, &str, &'static str)> = vec![
        (
            1,
            "schema",
            include_str!("../../../../migrations/0001_schema.sql"),
        ),
        (
            2,
            "offers",
            include_str!("../../../../migrations/0002_offers.sql"),
        ),
        (
            3,
            "attachment names",
            include_str!("../../../../migrations/0003_attachment_names.sql"),
        ),
        (
            4,
            "documents on demand",
            include_str!("../../../../migrations/0004_documents_on_demand.sql"),
        ),
        (
            5,
            "documents unrendered",
            include_str!("../../../../migrations/0005_documents_unrendered.sql"),
        ),
        (
            6,
            "attachment limits",
            include_str!("../../../../migrations/0006_attachment_limits.sql"),
        ),
        // --- the ЦОН desk (issue 12) ---
        (
            7,
            "service sessions",
            include_str!("../../../../migrations/0007_service_sessions.sql"),
        ),
        (
            8,
            "audit log",
            include_str!("../../../../migrations/0008_audit_log.sql"),
        ),
        (
            13,
            "stats aggregates",
            include_str!("../../../../migrations/0013_stats_aggregates.sql"),
        ),
        (
            14,
            "places documents",
            include_str!("../../../../migrations/0014_places_documents.sql"),
        ),
        (
            15,
            "offers by place",
            include_str!("../../../../migrations/0015_offers_by_place.sql"),
        ),
        (
            16,
            "delivery",
            include_str!("../../../../migrations/0016_delivery.sql"),
        ),
        (
            10,
            "kindergartens",
            include_str!("../../../../migrations/0010_kindergartens.sql"),
        ),
        (
            23,
            "report aggregates",
            include_str!("../../../../migrations/0023_report_aggregates.sql"),
        ),
        (
            24,
            "journal kindergartens",
            include_str!("../../../../migrations/0024_journal_kindergartens.sql"),
        ),
        // --- notices (issue 14) ---
        (
            26,
            "outbox before delivery",
            include_str!("../../../../migrations/0026_outbox_before_delivery.sql"),
        ),
        (
            27,
            "contact preference",
            include_str!("../../../../migrations/0027_contact_preference.sql"),
        ),
        // --- issue 15: documents rendered on demand ---
        (
            30,
            "documents fingerprinted",
            include_str!("../../../../migrations/0030_documents_fingerprinted.sql"),
        ),
    ];
    embedded(steps)
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`, `sqlite:path` or a
    /// plain path) and brings its schema up to date.
    pub async fn open(url: &str) -> StoreResult<SqliteStore> {
        SqliteStore::connect(url, true).await
    }

    /// Opens an existing database only (checks and tools must not create an empty one).
    pub async fn open_existing(url: &str) -> StoreResult<SqliteStore> {
        SqliteStore::connect(url, false).await
    }

    async fn connect(url: &str, create: bool) -> StoreResult<SqliteStore> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // The writer touches rows all over the applications table (a season's allocation
        // offers thousands at random places in it): a page cache of SQLite's default 2 MB made
        // it read most pages again from the file for every batch.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone().pragma("cache_size", WRITER_CACHE))
            .await?;
        migrator()
            .run(&writer)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options)
            .await?;
        Ok(SqlStore::new(writer, readers))
    }

    /// Creates a database at `url` with the schema as it was at migration `version`, as an
    /// older release left it: upgrade tests fill it the old way, then [`SqliteStore::open`]
    /// brings it up to date.
    pub async fn create_at_version(url: &str, version: i64) -> StoreResult<()> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{url}"))?
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        migrator()
            .run_to(version, &pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        pool.close().await;
        Ok(())
    }

    /// The durability settings in force, as SQLite reports them: `(journal_mode, synchronous,
    /// foreign_keys)`, for the tests.
    pub async fn durability(&self) -> StoreResult<(String, i64, i64)> {
        let mut conn = self.writer.acquire().await?;
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?;
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await?;
        Ok((journal, synchronous, foreign_keys))
    }
}
