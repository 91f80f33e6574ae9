//! `kezek` without a subcommand: the terminal client. With no `--server` (and none in the
//! config) the embedded backend starts here on 127.0.0.1 and the client talks to it over HTTP
//! like to any other; `src/tui` never knows which it is.

use rust_i18n::t;

use super::{Exit, Failure, Outcome};
use crate::server::ServerHandle;
use crate::server::config::{Config, demo_keystores};
use crate::tui::config::Dirs;
use crate::tui::{self, Backend, Options, Setup};

pub fn run(options: Options) -> Outcome {
    let failure = |e: tui::TuiError| Failure::bad_input(e.message());
    let setup = Setup::load(&options).map_err(failure)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| failure(e.into()))?;
    let remote = setup.remote(&options);
    runtime.block_on(async {
        let mut key_folders = setup.config.key_folders();
        let (backend, embedded) = match remote {
            Some(url) => (
                Backend {
                    keyring_scope: url.clone(),
                    url,
                    keep_sessions: true,
                    key_folders,
                },
                None,
            ),
            None => {
                let handle = embedded_server(&setup.dirs, setup.config.demo_applications).await?;
                tracing::info!(url = %handle.url(), "embedded backend listening");
                // The demo keystores the embedded backend trusts, so a new user can log in at once.
                let demo = demo_keystores();
                key_folders.push(std::path::absolute(&demo).unwrap_or(demo));
                let backend = Backend {
                    url: handle.url(),
                    keyring_scope: format!("embedded:{}", setup.dirs.data.display()),
                    keep_sessions: false,
                    key_folders,
                };
                (backend, Some(handle))
            }
        };
        let outcome = tui::run(setup, backend).await;
        if let Some(handle) = embedded {
            handle.shutdown().await;
        }
        outcome.map_err(failure)?;
        Ok(Exit::Success)
    })
}

/// The embedded backend on 127.0.0.1 (a free port): its database in the user's data folder,
/// the demo keystores' CA trusted, the demo data seeded on the first run.
async fn embedded_server(dirs: &Dirs, demo_applications: u32) -> Result<ServerHandle, Failure> {
    std::fs::create_dir_all(&dirs.data).map_err(|e| {
        Failure::bad_input(t!(
            "cli.error.write_file",
            path = dirs.data.display(),
            reason = e
        ))
    })?;
    let mut config = Config::demo(&demo_keystores(), demo_applications);
    config.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.database = dirs.data.join("kezek.db").display().to_string();
    crate::server::run(config).await.map_err(|e| {
        Failure::bad_input(t!("tui.error.embedded_server", reason = e.translated()).into_owned())
    })
}
