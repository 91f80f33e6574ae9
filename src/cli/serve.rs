//! `kezek serve`: the backend until Ctrl-C or SIGTERM; SIGHUP rereads the revocation lists.

use rust_i18n::t;

use super::{Exit, Failure, Outcome, ServeArgs};
use crate::server::config::{Config, demo_keystores};

pub fn serve(args: ServeArgs) -> Outcome {
    let base = if args.demo {
        Config::demo(&demo_keystores(), args.demo_applications)
    } else {
        Config::default()
    };
    // With --demo a configuration file changes the demo set-up rather than replacing it.
    let mut config = match &args.config {
        Some(path) => {
            Config::load_over(path, &base).map_err(|e| Failure::bad_input(e.translated()))?
        }
        None => base,
    };
    if args.demo {
        config.demo = Some(args.demo_applications);
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(db) = args.db {
        config.database = db;
    }
    if let Some(smtp) = args.smtp {
        config.notifications.smtp = Some(smtp);
    }
    if let Some(url) = args.sms_url {
        config.notifications.sms_url = Some(url);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Failure::bad_input(t!("server.error.runtime", reason = e.to_string())))?;
    runtime.block_on(async move {
        let handle = crate::server::run(config)
            .await
            .map_err(|e| Failure::bad_input(e.translated()))?;
        // Scripts and tests read the bound address (port 0 picks a free one) from this line.
        println!("{}", t!("server.listening", url = handle.url()));
        let stop = handle.stopper();
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        reload_on_hangup(handle.state.clone());
        handle.wait().await;
        Ok(Exit::Success)
    })
}

/// SIGHUP reads the revocation lists again, as daemons reread their files.
fn reload_on_hangup(state: crate::server::AppState) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(mut hangups) => {
                tokio::spawn(async move {
                    while hangups.recv().await.is_some() {
                        tracing::info!("SIGHUP: reloading the revocation lists");
                        state.reload_crls().await;
                    }
                });
            }
            Err(e) => tracing::warn!(error = %e, "SIGHUP cannot reload the revocation lists"),
        }
    }
    #[cfg(not(unix))]
    let _ = state;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
