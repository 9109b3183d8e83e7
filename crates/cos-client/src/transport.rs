//! The HTTP transport: a pooled hyper client over rustls (ring provider, webpki roots), with
//! an optional fixed connect-to address, and the request body type.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Frame};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;

use crate::Error;

/// The body type every request is sent with.
pub(crate) type RequestBody = BoxBody<Bytes, io::Error>;

/// The pooled client.
pub(crate) type HttpClient = Client<HttpsConnector<HttpConnector<Resolver>>, RequestBody>;

/// DNS resolution, or a fixed address (connect-to).
#[derive(Clone, Debug)]
pub(crate) enum Resolver {
    System(GaiResolver),
    Fixed(SocketAddr),
}

type ResolveFuture =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, io::Error>> + Send>>;

impl tower_service::Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = io::Error;
    type Future = ResolveFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), io::Error>> {
        match self {
            Self::System(gai) => gai.poll_ready(cx),
            Self::Fixed(_) => Poll::Ready(Ok(())),
        }
    }

    fn call(&mut self, name: Name) -> ResolveFuture {
        match self {
            Self::System(gai) => {
                let lookup = gai.call(name);
                Box::pin(async move {
                    let addrs = lookup.await?;
                    Ok(addrs.collect::<Vec<_>>().into_iter())
                })
            }
            Self::Fixed(address) => {
                let address = *address;
                Box::pin(async move { Ok(vec![address].into_iter()) })
            }
        }
    }
}

/// Builds the pooled client.
pub(crate) fn build_client(
    connect_to: Option<SocketAddr>,
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
) -> Result<HttpClient, Error> {
    let resolver = match connect_to {
        Some(address) => Resolver::Fixed(address),
        None => Resolver::System(GaiResolver::new()),
    };
    let mut http = HttpConnector::new_with_resolver(resolver);
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    let provider = cos_http::crypto_provider()
        .map_err(|e| Error::invalid("TLS configuration", e.to_string()))?;
    let https = HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(provider)
        .map_err(|e| Error::invalid("TLS configuration", e.to_string()))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(pool_idle_timeout)
        .build(https))
}

/// A body of bytes already in memory (cheap to clone for a retry).
pub(crate) fn full(bytes: Bytes) -> RequestBody {
    http_body_util::Full::new(bytes)
        .map_err(|never| match never {})
        .boxed()
}

/// A body fed by a channel (streamed file uploads).
pub(crate) struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, io::Error>>,
    remaining: u64,
}

impl ChannelBody {
    pub(crate) fn new(rx: mpsc::Receiver<Result<Bytes, io::Error>>, len: u64) -> Self {
        Self { rx, remaining: len }
    }
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                self.remaining = self.remaining.saturating_sub(bytes.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.remaining)
    }
}
