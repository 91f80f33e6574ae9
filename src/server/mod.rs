//! The backend: the queue, signature checks and durable storage behind the HTTP API.
//!
//! [`app`] builds the axum router over an [`AppState`]; [`run`] opens the database, loads the
//! trust roots, binds the listener (port 0 is fine: the TUI embeds the server on 127.0.0.1:0),
//! starts the scheduler, the document renderer, the clean-up of unreferenced scans and the
//! delivery of the outbox (`delivery`), and
//! answers a [`ServerHandle`] with the bound address. Connections are accepted by
//! [`listener::serve`] (header-read timeout, connection cap).

pub mod allocation;
pub mod auth;
pub mod catalogue;
pub mod cleanup;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod desk;
pub mod documents;
pub mod http;
pub mod kindergartens;
pub mod kinship;
pub mod limits;
pub mod listener;
pub mod notify;
pub mod openapi;
pub mod problem;
pub mod proxies;
pub mod registry;
pub mod renderer;
pub mod renderer_cache;
pub mod report;
pub mod scheduler;
pub mod signed;
pub mod store;
pub mod trust;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::pki::trust::{TrustError, TrustStore};
use crate::server::config::Config;
use crate::server::registry::synthetic::DemoChild;
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
    #[error("{0}")]
    Delivery(#[from] delivery::DeliveryConfigError),
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
            ServerError::Delivery(e) => e.translated(),
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

    /// A clock `days` ahead of real time (a demo's `clock_ahead_days`).
    pub fn days_ahead(days: u32) -> Clock {
        let clock = Clock::default();
        clock.advance(chrono::Duration::days(i64::from(days)));
        clock
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
    /// Swapped whole when the CRLs are reloaded: use [`AppState::trust`].
    pub trust: trust::Trust,
    pub registry: Arc<dyn PopulationRegistry>,
    pub limits: limits::RateLimits,
    /// Signature checks: policy, certificate cache, permits (blocking threads).
    pub signatures: signed::Checks,
    /// A demo server's synthetic children, in the order their families were made (empty
    /// otherwise): whom `GET /demo/unqueued-children` picks from.
    pub demo_children: Vec<DemoChild>,
    pub clock: Clock,
    /// Held from reading the registration time to queueing the submission with the store, which
    /// commits in queue order: the time orders the queue, so it must follow commit order, or a
    /// submission that read the clock earlier but committed later would move the position
    /// already answered to another.
    pub registration: tokio::sync::Mutex<()>,
    /// The generated documents this server rendered last (issue 15).
    pub documents: renderer_cache::DocumentCache,
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
        demo_children: Vec<DemoChild>,
    ) -> AppState {
        let limits = limits::RateLimits::new(&config.limits);
        let signatures = signed::Checks::new(&config);
        // A demo server's clock may run ahead (`clock_ahead_days`); zero otherwise.
        let clock = Clock::days_ahead(config.clock_ahead_days);
        let documents = renderer_cache::DocumentCache::new(config.documents.cache_bytes);
        AppState(Arc::new(Shared {
            config,
            store,
            trust: trust::Trust::new(trust),
            registry,
            limits,
            signatures,
            demo_children,
            clock,
            registration: tokio::sync::Mutex::new(()),
            documents,
        }))
    }

    pub fn store(&self) -> &dyn Store {
        &*self.0.store
    }

    /// The cache of generated documents rendered on demand.
    pub fn documents(&self) -> &renderer_cache::DocumentCache {
        &self.0.documents
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

    /// The trust store in use now (the CRLs are reloaded while the server runs).
    pub fn trust(&self) -> Arc<TrustStore> {
        self.0.trust.current()
    }

    /// Reads the CRL files again and puts them in use; answers the files that failed, which
    /// keep their previous lists.
    pub async fn reload_crls(&self) -> Vec<TrustError> {
        trust::reload(self).await
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
        .map_err(|e| ServerError::Trust(e.to_string()))?
        .soft_fail_stale_crls(config.trust.soft_fail_stale_crl);
    let channels = delivery::Channels::from_config(&config.notifications, config.demo.is_some())?;
    let store = store::open(&config.database)
        .await
        .map_err(|e| ServerError::Store(e.translated()))?;
    kindergartens::seed(&*store, Utc::now())
        .await
        .map_err(|e| ServerError::Store(e.translated()))?;
    let (registry, demo_children) = match config.demo {
        Some(applications) => demo::seed(&*store, &config, applications).await?,
        None => (
            DemoRegistry::key_holders().map_err(|e| ServerError::Store(e.to_string()))?,
            Vec::new(),
        ),
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
    let state = AppState::new(config, store, trust, Arc::new(registry), demo_children);
    let (shutdown, _) = watch::channel(false);
    let scheduler = tokio::spawn(scheduler::run(state.clone(), shutdown.subscribe()));
    let renderer = tokio::spawn(renderer::run(state.clone(), shutdown.subscribe()));
    let crl_reloads = tokio::spawn(trust::run(state.clone(), shutdown.subscribe()));
    let cleanup = tokio::spawn(cleanup::run(state.clone(), shutdown.subscribe()));
    let deliveries = tokio::spawn(delivery::run(state.clone(), channels, shutdown.subscribe()));
    let limits = listener::ConnectionLimits {
        header_read_timeout: state.config().limits.header_read_timeout(),
        max_connections: state.config().limits.max_connections.get(),
    };
    let router = app(state.clone());
    let stopped = shutdown.subscribe();
    let task = tokio::spawn(async move {
        listener::serve(listener, router, limits, stopped).await;
        let _ = scheduler.await;
        let _ = renderer.await;
        let _ = crl_reloads.await;
        let _ = cleanup.await;
        let _ = deliveries.await;
    });
    tracing::info!(%addr, "serving");
    Ok(ServerHandle {
        addr,
        state,
        shutdown,
        task,
    })
}
