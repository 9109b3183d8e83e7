//! Accept loop and per-connection HTTP/1.1 serving with graceful shutdown.

use crate::http::body::ResBody;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// A connection's byte stream: plain TCP, or TLS over it.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// Serves `listener` until `shutdown` turns `true`, then lets open connections finish their
/// current request and returns once they are all closed. With `tls`, each connection first
/// completes a TLS handshake (within [`crate::tls::HANDSHAKE_TIMEOUT`]) and its requests carry
/// the [`crate::tls::Secure`] extension.
pub(crate) async fn serve<F, Fut>(
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
    header_timeout: Duration,
    link: Option<crate::link::Shaper>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    handler: F,
) where
    F: Fn(SocketAddr, Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<ResBody>> + Send + 'static,
{
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    // `ETag`, `Content-Length`… as COS spells them (title case if that is unavailable).
    let spellings = crate::http::header_case::cos_spellings().await;
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(pair) => pair,
            Err(_) => {
                // Out of descriptors or similar: back off briefly instead of spinning.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let stream = crate::link::Shaper::wrap(link.as_ref(), stream);
        let handler = handler.clone();
        let mut conn_shutdown = shutdown.clone();
        let alive = alive_tx.clone();
        let spellings = spellings.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let secure = tls.is_some();
            let stream: Box<dyn Io> = match tls {
                None => Box::new(stream),
                Some(acceptor) => {
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(crate::tls::HANDSHAKE_TIMEOUT, handshake).await {
                        Ok(Ok(tls_stream)) => Box::new(tls_stream),
                        _ => return,
                    }
                }
            };
            let title_case = spellings.is_none();
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                if secure {
                    req.extensions_mut().insert(crate::tls::Secure);
                }
                let fut = handler(remote, req);
                let spellings = spellings.clone();
                async move {
                    let mut response = fut.await;
                    if response
                        .extensions()
                        .get::<crate::faults::DropConnection>()
                        .is_some()
                    {
                        return Err(std::io::Error::other("fault injection: reply dropped"));
                    }
                    if let Some(spellings) = spellings {
                        response.extensions_mut().extend(spellings);
                    }
                    Ok(response)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .title_case_headers(title_case)
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .max_buf_size(1 << 20)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = conn_shutdown.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(10), conn.as_mut()).await;
                }
            }
            drop(alive);
        });
    }
    drop(alive_tx);
    let _ = alive_rx.recv().await;
}
