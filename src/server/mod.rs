//! The backend: the queue, signature checks and durable storage behind the HTTP API.
//!
//! [`app`] builds the axum router over an [`AppState`]; [`run`] opens the database, loads the
//! trust roots, binds the listener (port 0 is fine: the TUI embeds the server on 127.0.0.1:0),
//! starts the scheduler and the document renderer, and answers a [`ServerHandle`] with the
//! bound address.

pub mod allocation;
pub mod auth;
pub mod catalogue;
pub mod config;
pub mod demo;
pub mod documents;
pub mod http;
pub mod notify;
pub mod openapi;
pub mod problem;
pub mod registry;
pub mod renderer;
pub mod scheduler;
pub mod signed;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::pki::trust::TrustStore;
use crate::server::auth::LoginLimiter;
use crate::server::config::Config;
use crate::server::registry::{DemoRegistry, PopulationRegistry};
use crate::server::store::Store;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Config(#[from] config::ConfigError),
    #[error("cannot load the trust roots: {0}")]
    Trust(String),
    #[error("cannot open the database: {0}")]
    Store(String),
    #[error("cannot listen on {address}: {reason}")]
    Listen { address: String, reason: String },
}

impl ServerError {
    pub fn translated(&self) -> String {
        use rust_i18n::t;
        match self {
            ServerError::Config(e) => e.translated(),
            ServerError::Trust(reason) => t!("server.error.trust", reason = reason).into_owned(),
            ServerError::Store(reason) => t!("server.error.store", reason = reason).into_owned(),
            ServerError::Listen { address, reason } => {
                t!("server.error.listen", address = address, reason = reason).into_owned()
            }
        }
    }
}

/// The server's clock. Real time plus an offset that tests move forward to reach deadlines.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// What every handler shares.
pub struct Shared {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub trust: TrustStore,
    pub registry: Arc<dyn PopulationRegistry>,
    pub login_limiter: LoginLimiter,
    pub clock: Clock,
    /// Held from reading the registration time to queueing the submission with the store, which
    /// commits in queue order: the time orders the queue, so it must follow commit order, or a
    /// submission that read the clock earlier but committed later would move the position
    /// already answered to another.
    pub registration: tokio::sync::Mutex<()>,
}

/// Cheap to clone: one `Arc`.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl AppState {
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        trust: TrustStore,
        registry: Arc<dyn PopulationRegistry>,
    ) -> AppState {
        let login_limiter = LoginLimiter::new(config.limits.login_attempts_per_minute);
        AppState(Arc::new(Shared {
            config,
            store,
            trust,
            registry,
            login_limiter,
            clock: Clock::default(),
            registration: tokio::sync::Mutex::new(()),
        }))
    }

    pub fn store(&self) -> &dyn Store {
        &*self.0.store
    }

    pub fn registry(&self) -> &dyn PopulationRegistry {
        &*self.0.registry
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.clock.now()
    }
}

/// The HTTP application over a state.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}

/// A running server: its bound address, and a way to stop it.
pub struct ServerHandle {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The base URL clients use, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, stops the scheduler.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Waits until the server stops (Ctrl-C for `kezek serve`).
    pub async fn wait(self) {
        let _ = self.task.await;
    }

    /// A sender that stops the server when `true` is sent (e.g. from a signal handler).
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Opens the database (migrations, demo seeding), loads the trust roots, binds, serves.
pub async fn run(config: Config) -> Result<ServerHandle, ServerError> {
    let trust = TrustStore::from_files(&config.trust.roots, &config.trust.crls)
        .map_err(|e| ServerError::Trust(e.to_string()))?;
    let store = store::open(&config.database)
        .await
        .map_err(|e| ServerError::Store(e.translated()))?;
    let registry = match config.demo {
        Some(applications) => demo::seed(&*store, &config, applications).await?,
        None => DemoRegistry::key_holders().map_err(|e| ServerError::Store(e.to_string()))?,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServerError::Listen {
            address: config.listen.to_string(),
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServerError::Listen {
        address: config.listen.to_string(),
        reason: e.to_string(),
    })?;
    let state = AppState::new(config, store, trust, Arc::new(registry));
    let (shutdown, mut stopped) = watch::channel(false);
    let scheduler = tokio::spawn(scheduler::run(state.clone(), shutdown.subscribe()));
    let renderer = tokio::spawn(renderer::run(state.clone(), shutdown.subscribe()));
    let router = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server stopped");
        }
        let _ = scheduler.await;
        let _ = renderer.await;
    });
    tracing::info!(%addr, "serving");
    Ok(ServerHandle {
        addr,
        state,
        shutdown,
        task,
    })
}
