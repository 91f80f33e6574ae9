//! The full-screen terminal client.
//!
//! # Shape
//! State → view is pure; key events become [`app::Message`]s; screens answer with effects; the
//! app carries them out; requests run in tokio tasks whose replies come back as messages.
//! `src/tui` depends only on `client`, `api`, `pki` and `domain`: the binary (`src/cli`) starts
//! the embedded backend, when there is one, and hands [`run`] its URL ([`Backend`]).
//!
//! - [`app`]: the [`app::App`] (stack of screens, context, global keys F2 / `?` / Esc / Ctrl-Q,
//!   status bar, hint line ranked so help, back and language always show, help overlay, the
//!   question before quitting with unsaved input, [`screen::Screen::unsaved`]) and the event loop.
//! - [`screen`]: the [`screen::Screen`] trait, the read-only [`screen::Ctx`] and the
//!   [`screen::Effect`]s a screen returns (push/pop/replace screens, start a request, …).
//! - [`session`]: who is logged in ([`session::Session`] with the server's roles), the
//!   keystores remembered per [`session::Purpose`], passwords ([`session::Secret`]).
//! - [`protocol`]: [`protocol::Call`] (every request: HTTP through `crate::client`, keystores,
//!   signing, files) and [`protocol::Reply`]; [`runner`]: the [`runner::Runner`] that executes
//!   them.
//! - [`keymap`]: per-screen keymap tables, Cyrillic layout, config rebinds.
//! - [`widgets`]: form fields, lists, tabs, buttons, dialogs, spinner, file browser, key window.
//! - [`screens`]: one module per screen; [`screens::open`] maps menu destinations to screens;
//!   [`screens::main_menu::menu_items`] builds the main page from the session's roles.
//!
//! # Adding a screen
//! 1. `src/tui/screens/<name>.rs`: a struct with the screen's state and a
//!    `Keymap<Command>` built from a `const KEYS: &[Binding<Command>]` table (key, command,
//!    config name, i18n description). Implement [`screen::Screen`]: `on_key` maps keys through the
//!    keymap (pass `typing = true` while a text field has focus so letters stay text), changes
//!    state and returns effects; `view` only reads state and `ctx` and calls `t!()` at draw time,
//!    so F2 re-words everything live. Keep errors as i18n keys or error values, not strings.
//! 2. Requests: return `Effect::Call(Call::…)`; add the variant to [`protocol::Call`] and
//!    [`protocol::Reply`] with its arm in [`runner::Runner::run`]; the reply arrives in
//!    `on_reply`. Never call the client from a screen.
//! 3. Register it: `pub mod` in `screens/mod.rs` and, if a menu leads there, an arm in
//!    [`screens::open`] and an item in the list of the role that sees it
//!    ([`screens::main_menu::menu_items`]).
//! 4. Tests: drive `on_key`/`on_reply` with [`screen::Ctx::for_tests`]; snapshot `view` with
//!    ratatui's `TestBackend` (see `tests/tui/basics.rs`) in kk, ru, en at 80x24 and 120x40.

pub mod app;
pub mod config;
pub mod format;
pub mod graphics;
pub mod keymap;
pub mod keyring;
pub mod protocol;
pub mod runner;
pub mod sample;
pub mod screen;
pub mod screens;
pub mod session;
pub mod showcase;
pub mod signing_key;
pub mod svg;
pub mod terminal;
pub mod theme;
pub mod widgets;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rust_i18n::t;

use crate::client::{Client, ClientError};
use crate::i18n::Lang;
use crate::tui::app::App;
use crate::tui::config::{Config, ConfigError, Dirs};
use crate::tui::keyring::OsKeyring;
use crate::tui::runner::Runner;
use crate::tui::screen::{Connection, Ctx};
use crate::tui::session::Remembered;
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
    pub server_ca: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error(transparent)]
    Client(ClientError),
}

impl TuiError {
    /// The message for standard error, in the current language.
    pub fn message(&self) -> String {
        match self {
            TuiError::Config(e) => e.message(),
            TuiError::Terminal(e) => t!("tui.error.terminal", reason = e).into_owned(),
            TuiError::Client(e) => e.translated(),
        }
    }
}

/// What the client read before a backend is chosen: the folders, the config file (its log
/// opened, its key rebinds installed) and the language (activated).
#[derive(Debug)]
pub struct Setup {
    /// When the process began, for the log's first-frame time.
    pub started: Instant,
    pub dirs: Dirs,
    pub config: Config,
    pub lang: Lang,
    /// Roots trusted for the server: `--server-ca` and the config's `server_ca`.
    pub server_ca: Vec<PathBuf>,
}

impl Setup {
    pub fn load(options: &Options) -> Result<Setup, TuiError> {
        let started = Instant::now();
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
        let server_ca = options
            .server_ca
            .iter()
            .cloned()
            .chain(config.server_ca.iter().map(|p| config::expand_home(p)))
            .collect();
        Ok(Setup {
            started,
            dirs,
            config,
            lang,
            server_ca,
        })
    }

    /// The backend the user asked for: `--server`, else the config's `server`.
    pub fn remote(&self, options: &Options) -> Option<String> {
        options.server.clone().or(self.config.server.clone())
    }
}

/// The backend the client talks to, as the binary chose it.
#[derive(Debug, Clone)]
pub struct Backend {
    pub url: String,
    /// Whose the OS keyring's entries are: the embedded backend's data folder, or the URL.
    pub keyring_scope: String,
    /// Whether the session token is kept in the OS keyring for the next run: not for the
    /// embedded backend, whose sessions are throw-away (each run may use a fresh data folder).
    pub keep_sessions: bool,
    /// The folders «Выбрать сертификат» opens first.
    pub key_folders: Vec<PathBuf>,
}

/// Runs the client against `backend` until the user quits (inside the binary's runtime).
pub async fn run(setup: Setup, backend: Backend) -> Result<(), TuiError> {
    let Setup {
        started,
        dirs,
        config,
        lang,
        server_ca,
    } = setup;
    let (keyring, remembered, token) =
        open_keyring(backend.keyring_scope.clone(), backend.keep_sessions).await;
    let ctx = Ctx {
        lang,
        theme: Theme::new(config.colours),
        session: None,
        region: None,
        connection: Connection::Unknown,
        server: backend.url.clone(),
        now: chrono::Utc::now(),
        key_folders: backend.key_folders,
        downloads: config
            .downloads
            .as_deref()
            .map(config::expand_home)
            .unwrap_or(dirs.downloads.clone()),
        remembered,
        notice: keyring.is_none().then_some("tui.notice.no_keyring"),
        tick: 0,
        pkcs11: config.pkcs11_modules(|name| std::env::var(name).ok()),
        key_store: crate::tui::widgets::key_window::Store::Computer,
        unread: None,
        serving: None,
        picker: None,
    };
    let client = Client::with_server_ca(&ctx.server, &server_ca).map_err(TuiError::Client)?;
    let runner = match keyring {
        Some(keyring) => Runner::new(client).with_keyring(keyring, token),
        None => Runner::new(client),
    };
    let runner = if backend.keep_sessions {
        runner
    } else {
        runner.without_kept_sessions()
    };
    let runner = runner.with_printer(config.desk.printer_command.clone());
    let mut guard = TerminalGuard::enter(config.mouse)?;
    // Asked once, before the loop reads keys: the answer must not arrive as key presses.
    let mut ctx = ctx;
    ctx.picker = graphics::detect(config.images);
    let first = screens::start(&ctx);
    let app = App::new(ctx, first);
    app::run_loop(guard.terminal(), app, runner, started).await?;
    Ok(())
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
