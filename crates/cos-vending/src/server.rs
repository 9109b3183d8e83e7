//! The accept loop: HTTP/1.1 connections (at most `max_connections` at once; more wait in
//! the listen backlog), each request head read within the header deadline, served until
//! shutdown, then drained.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};
use tower::ServiceExt as _;

use crate::config::LimitsConfig;
use crate::http::PeerAddr;

/// How long open connections may take to finish after shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request head read.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Serves `router` on `listener` until `shutdown` turns `true` (or its sender is dropped),
/// then lets open connections finish their current request and returns once they are
/// closed.
///
/// ```no_run
/// # async fn run(router: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let (_stop, stop_rx) = tokio::sync::watch::channel(false);
/// cos_vending::serve(listener, router, cos_vending::LimitsConfig::default(), stop_rx).await;
/// # Ok(()) }
/// ```
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: LimitsConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let header_timeout = limits.header_timeout();
    loop {
        let permit = tokio::select! {
            _ = shutdown.changed() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                tracing::warn!(target: "cos_vending", %error, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut conn_shutdown = shutdown.clone();
        let alive = alive_tx.clone();
        tokio::spawn(async move {
            let service = tower::service_fn(
                move |mut request: axum::extract::Request<hyper::body::Incoming>| {
                    request.extensions_mut().insert(PeerAddr(remote));
                    router.clone().oneshot(request.map(axum::body::Body::new))
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = conn_shutdown.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(DRAIN_TIMEOUT, conn.as_mut()).await;
                }
            }
            drop(permit);
            drop(alive);
        });
    }
    drop(alive_tx);
    let _ = alive_rx.recv().await;
}
