//! The full-screen terminal client.
//!
//! # Shape
//! State → view is pure; key events become effects; effects update the app; requests run in
//! tokio tasks whose replies come back as actions.
//!
//! - [`app`]: the [`app::App`] (stack of screens, context, global keys F2 / `?` / Esc / Ctrl-Q,
//!   status bar, hint line ranked so help, back and language always show, help overlay, the
//!   question before quitting with unsaved input, [`screen::Screen::unsaved`]) and the event loop.
//! - [`screen`]: the [`screen::Screen`] trait, the read-only [`screen::Ctx`] and the
//!   [`screen::Effect`]s a screen returns (push/pop/replace screens, start a request, …).
//! - [`effects`]: [`effects::Call`] (every request: HTTP through `crate::client`, keystores,
//!   signing, files), [`effects::Reply`] and the runner that executes them.
//! - [`keymap`]: per-screen keymap tables, Cyrillic layout, config rebinds.
//! - [`widgets`]: form fields, lists, tabs, buttons, dialogs, spinner, file browser, key window.
//! - [`screens`]: one module per screen; [`screens::open`] maps menu destinations to screens.
//!
//! # Adding a screen
//! 1. `src/tui/screens/<name>.rs`: a struct with the screen's state and a
//!    `Keymap<Command>` built from a `const KEYS: &[Binding<Command>]` table (key, command,
//!    config name, i18n description). Implement [`screen::Screen`]: `on_key` maps keys through the
//!    keymap (pass `typing = true` while a text field has focus so letters stay text), changes
//!    state and returns effects; `view` only reads state and `ctx` and calls `t!()` at draw time,
//!    so F2 re-words everything live. Keep errors as i18n keys or error values, not strings.
//! 2. Requests: return `Effect::Call(Call::…)`; add the variant to [`effects::Call`] and
//!    [`effects::Reply`] with its arm in [`effects::Runner::run`]; the reply arrives in
//!    `on_reply`. Never call the client from a screen.
//! 3. Register it: `pub mod` in `screens/mod.rs` and, if a menu leads there, an arm in
//!    [`screens::open`].
//! 4. Tests: drive `on_key`/`on_reply` with [`screen::Ctx::for_tests`]; snapshot `view` with
//!    ratatui's `TestBackend` (see `tests/tui/basics.rs`) in kk, ru, en at 80x24 and 120x40.

pub mod app;
pub mod config;
pub mod effects;
pub mod format;
pub mod keymap;
pub mod keyring;
pub mod sample;
pub mod screen;
pub mod screens;
pub mod showcase;
pub mod svg;
pub mod terminal;
pub mod theme;
pub mod widgets;

use std::sync::Arc;

use rust_i18n::t;

use crate::client::{Client, ClientError};
use crate::i18n::Lang;
use crate::tui::app::App;
use crate::tui::config::{Config, ConfigError, Dirs};
use crate::tui::effects::Runner;
use crate::tui::keyring::OsKeyring;
use crate::tui::screen::{Connection, Ctx, Remembered};
use crate::tui::terminal::TerminalGuard;
use crate::tui::theme::Theme;

/// How `kezek` without a subcommand was started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--server URL`: a remote backend instead of the embedded one.
    pub server: Option<String>,
    /// `--lang`: wins over the config file and the locale.
    pub lang: Option<Lang>,
    /// `--server-ca FILE`: roots trusted for the server, besides the config's `server_ca`.
    pub server_ca: Vec<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Client(ClientError),
    #[error(transparent)]
    EmbeddedServer(crate::server::ServerError),
}

impl TuiError {
    /// The message for standard error, in the current language.
    pub fn message(&self) -> String {
        match self {
            TuiError::Config(e) => e.message(),
            TuiError::Terminal(e) => t!("tui.error.terminal", reason = e).into_owned(),
            TuiError::Client(e) => e.translated(),
            TuiError::EmbeddedServer(e) => {
                t!("tui.error.embedded_server", reason = e.translated()).into_owned()
            }
        }
    }
}

/// Runs the client until the user quits.
pub fn run(options: Options) -> Result<(), TuiError> {
    let started = std::time::Instant::now();
    let dirs = Dirs::discover()?;
    let config = Config::load(&dirs.config_file)?;
    let log = config::init_logging(&dirs.state)?;
    let (overrides, bad) = keymap::parse_overrides(&config.keys);
    for spelling in bad {
        tracing::warn!(%spelling, "key in the config file not understood; default kept");
    }
    keymap::install_overrides(overrides);
    let lang = options
        .lang
        .or(config.language)
        .unwrap_or_else(Lang::from_env);
    lang.activate();
    tracing::info!(log = %log.display(), "kezek client starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let remote = options.server.clone().or(config.server.clone());
    runtime.block_on(async {
        let (server, embedded) = match remote {
            Some(url) => (url, None),
            None => {
                let handle = embedded_server(&dirs, config.demo_applications).await?;
                tracing::info!(url = %handle.url(), "embedded backend listening");
                (handle.url(), Some(handle))
            }
        };
        // The keyring's entries belong to this backend: the embedded one's data folder, or the URL.
        let scope = match &embedded {
            Some(_) => format!("embedded:{}", dirs.data.display()),
            None => server.clone(),
        };
        let (keyring, remembered, token) = open_keyring(scope, embedded.is_none()).await;
        let ctx = Ctx {
            lang,
            theme: Theme::new(config.colours),
            session: None,
            region: None,
            connection: Connection::Unknown,
            server,
            now: chrono::Utc::now(),
            key_folders: offered_key_folders(&config, embedded.is_some()),
            downloads: config
                .downloads
                .as_deref()
                .map(config::expand_home)
                .unwrap_or(dirs.downloads.clone()),
            remembered,
            notice: keyring.is_none().then_some("tui.notice.no_keyring"),
            tick: 0,
            unread: None,
        };
        let server_ca: Vec<std::path::PathBuf> = options
            .server_ca
            .iter()
            .cloned()
            .chain(config.server_ca.iter().map(|p| config::expand_home(p)))
            .collect();
        let client = Client::with_server_ca(&ctx.server, &server_ca).map_err(TuiError::Client)?;
        let runner = match keyring {
            Some(keyring) => Runner::new(client).with_keyring(keyring, token),
            None => Runner::new(client),
        };
        let runner = if embedded.is_some() {
            runner.without_kept_sessions()
        } else {
            runner
        };
        let first = screens::start(&ctx);
        let app = App::new(ctx, first);
        let mut guard = TerminalGuard::enter(config.mouse)?;
        let outcome = app::run_loop(guard.terminal(), app, runner, started).await;
        if let Some(handle) = embedded {
            handle.shutdown().await;
        }
        outcome?;
        Ok(())
    })
}

/// The OS keyring with what it kept for `scope` (keystore paths, the session token), opened on
/// a blocking thread with a time limit: a hung D-Bus must not hold up the first frame for long.
/// Without `sessions` (the embedded backend) no token is read, and one an older version left
/// is removed.
async fn open_keyring(
    scope: String,
    sessions: bool,
) -> (
    Option<Arc<OsKeyring>>,
    Remembered,
    Option<zeroize::Zeroizing<String>>,
) {
    let opening = tokio::task::spawn_blocking(move || {
        let keyring = OsKeyring::open(&scope)?;
        let remembered = keyring.remembered().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "kept keystore paths not read");
            Remembered::default()
        });
        let token = if sessions {
            keyring.session_token().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "kept session token not read");
                None
            })
        } else {
            if let Err(e) = keyring.forget_session_token() {
                tracing::warn!(error = %e, "stale session entry not removed");
            }
            None
        };
        Some((keyring, remembered, token))
    });
    match tokio::time::timeout(std::time::Duration::from_secs(3), opening).await {
        Ok(Ok(Some((keyring, remembered, token)))) => (Some(Arc::new(keyring)), remembered, token),
        Ok(Ok(None)) => (None, Remembered::default(), None),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "OS keyring task failed");
            (None, Remembered::default(), None)
        }
        Err(_) => {
            tracing::warn!("OS keyring did not answer in 3 s; going on without it");
            (None, Remembered::default(), None)
        }
    }
}

/// The folders «Выбрать сертификат» opens first: the configured ones, and with the embedded
/// demo backend also the demo keystores it trusts, so a new user can log in at once.
fn offered_key_folders(config: &Config, embedded: bool) -> Vec<std::path::PathBuf> {
    let mut folders = config.key_folders();
    if embedded {
        let demo = crate::server::config::demo_keystores();
        folders.push(std::path::absolute(&demo).unwrap_or(demo));
    }
    folders
}

/// The embedded backend on 127.0.0.1 (a free port): its database in the user's data folder,
/// the demo keystores' CA trusted, the demo data seeded on the first run.
async fn embedded_server(
    dirs: &Dirs,
    demo_applications: u32,
) -> Result<crate::server::ServerHandle, TuiError> {
    std::fs::create_dir_all(&dirs.data)?;
    let mut config = crate::server::config::Config::demo(
        &crate::server::config::demo_keystores(),
        demo_applications,
    );
    config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.database = dirs.data.join("kezek.db").display().to_string();
    crate::server::run(config)
        .await
        .map_err(TuiError::EmbeddedServer)
}
