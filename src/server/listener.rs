//! Accepting and serving connections ourselves instead of `axum::serve`, which offers no
//! header-read timeout and no connection cap: 200 sockets sending half a request line each
//! stayed open for as long as their clients liked.
//!
//! - Each connection is served by hyper's HTTP/1 with a header-read timeout (hyper's timer
//!   starts when the connection waits for a request head, so it also closes a connection that
//!   sends nothing, or idles between keep-alive requests, for that long).
//! - At most `max_connections` are served at once (a semaphore permit held per connection);
//!   one more is answered `503 server_busy` problem+json and closed, so a client learns why.
//! - The whole request, body included, is bounded by the router's request timeout
//!   (`http::router`), so a slow body cannot hold a connection either.
//! - Stopping stops accepting, lets requests in flight finish (bounded by the request timeout)
//!   and closes idle connections, as `axum::serve`'s graceful shutdown did.
//!
//! Plain HTTP/1.1 only: the bundled client speaks HTTP/1.1 to `http://` servers, and TLS (with
//! HTTP/2) ends at a reverse proxy in front. `docs/design-api.md`, «Threats and limits».

use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::Layer;

use crate::api::problem::{PROBLEM_CONTENT_TYPE, Problem, ProblemCode};

/// How connections are bounded.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

/// Refusals being written at once beyond the cap; past this a connection is just closed.
const REFUSALS: usize = 64;
/// How long a refusal may take to write and to read what the client sent meanwhile.
const REFUSAL_TIME: Duration = Duration::from_secs(1);
/// How long accepting rests after an error that is not the client's (out of file descriptors).
const ACCEPT_REST: Duration = Duration::from_millis(100);

/// The whole HTTP answer to a connection over the cap: 503 problem+json `server_busy`.
fn busy_answer() -> Vec<u8> {
    let body = serde_json::to_vec(&Problem::new(ProblemCode::ServerBusy)).unwrap_or_default();
    let mut answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {PROBLEM_CONTENT_TYPE}\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend(body);
    answer
}

/// Whether an accept error concerns only that one connection (the next accept may succeed).
fn connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Answers a connection over the cap and closes it, without waiting on the client for long.
fn refuse(mut stream: TcpStream, answer: Arc<[u8]>, refusals: &Arc<Semaphore>) {
    let Ok(permit) = refusals.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let refusal = async {
            stream.write_all(&answer).await?;
            stream.shutdown().await?;
            // Read what the client sent until it closes: closing a socket with unread data
            // resets it, and the client might lose the answer.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<(), std::io::Error>(())
        };
        let _ = tokio::time::timeout(REFUSAL_TIME, refusal).await;
        drop(permit);
    });
}

/// Serves `router` on `listener` until `stop` turns true, then waits for the connections.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(REFUSALS));
    let answer: Arc<[u8]> = busy_answer().into();
    // Every connection task holds a receiver; when none is left, all are done.
    let (done, connections) = watch::channel(());
    loop {
        // The watch guard is dropped inside the branch (it is not `Send`).
        let accepted = tokio::select! {
            accepted = listener.accept() => Some(accepted),
            _ = stop.wait_for(|stop| *stop) => None,
        };
        let (stream, remote) = match accepted {
            None => break,
            Some(Ok(accepted)) => accepted,
            Some(Err(e)) if connection_error(&e) => continue,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(ACCEPT_REST).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::debug!(%remote, "connection cap reached: refused");
            refuse(stream, answer.clone(), &refusals);
            continue;
        };
        let service = TowerToHyperService::new(
            Extension(ConnectInfo::<SocketAddr>(remote)).layer(router.clone()),
        );
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let mut stop = stop.clone();
        let connections = connections.clone();
        tokio::spawn(async move {
            let mut connection = pin!(connection);
            let stopping = tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(%remote, error = %e, "connection ended");
                    }
                    false
                }
                _ = stop.wait_for(|stop| *stop) => true,
            };
            if stopping {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
            drop(permit);
            drop(connections);
        });
    }
    drop(connections);
    drop(listener);
    done.closed().await;
}
