//! Opening a store: the database address picks the implementation (PostgreSQL when
//! `KEZEK_TEST_POSTGRES_URL` is set); and what only the SQLite implementation has, its
//! durability settings. Everything the trait promises is in the
//! conformance suite (`suite.rs`).

use kezek::server::store::{self, SqliteStore};

#[tokio::test]
async fn durability_settings_are_wal_full_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("kezek.db").to_str().unwrap())
        .await
        .unwrap();
    let (journal, synchronous, foreign_keys) = store.durability().await.unwrap();
    assert_eq!(journal.to_lowercase(), "wal");
    assert_eq!(synchronous, 2, "synchronous=FULL");
    assert_eq!(foreign_keys, 1);
}

#[tokio::test]
async fn the_address_picks_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let mut urls = vec![
        format!("sqlite://{}", path("a.db")),
        format!("sqlite:{}", path("b.db")),
        path("c.db"),
    ];
    let schema = match crate::backends::postgres_url() {
        Some(server) => Some(crate::backends::PgSchema::create(&server).await),
        None => None,
    };
    urls.extend(schema.as_ref().map(|schema| schema.url()));
    for url in urls {
        let store = store::open(&url).await.unwrap();
        store
            .submit(
                crate::suite::new_application(1, crate::suite::at(0), None),
                store::no_effects(),
            )
            .await
            .unwrap();
        store.close().await;
    }
    let refused =
        |url: &'static str| async move { store::open(url).await.err().map(|e| e.message_key()) };
    // Nothing listens on port 1: the address is PostgreSQL's, the server is not there.
    for url in [
        "postgres://127.0.0.1:1/test",
        "postgresql://127.0.0.1:1/test",
    ] {
        assert_eq!(refused(url).await, Some("store.error.database"), "{url}");
    }
    assert_eq!(
        refused("mysql://127.0.0.1/test").await,
        Some("store.error.unknown_scheme")
    );
    // Said in the user's language by the commands that open a database.
    for (lang, args, expected) in [
        (
            "ru",
            vec![
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                "mysql://127.0.0.1/test",
            ],
            "Неизвестный вид базы данных «mysql»",
        ),
        (
            "kk",
            vec!["log", "verify", "--db", "postgresql://127.0.0.1:1/test"],
            "Дерекқор қатесі",
        ),
        (
            "en",
            vec!["log", "verify", "--db", "mysql://127.0.0.1/test"],
            "Unknown kind of database «mysql»",
        ),
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_kezek"))
            .args(["--lang", lang])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
