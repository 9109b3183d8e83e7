//! The one transport: a pooled hyper client over rustls (the workspace's crypto provider,
//! webpki roots), direct or through a `CONNECT` proxy, with an optional fixed connect-to
//! address.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::proxy::{ProxyConfig, process_env, redacted_proxy};
use crate::tls::{TlsError, crypto_provider};

/// The pooled HTTPS (and plain HTTP) client both clients send with, for a body type `B`.
pub type HttpsClient<B> = Client<HttpsConnector<Connector>, B>;

/// How to reach servers: timeouts, proxy, and an optional fixed address.
///
/// ```
/// use std::time::Duration;
/// use cos_http::{ProxyConfig, Transport};
///
/// let client: cos_http::HttpsClient<http_body_util::Empty<bytes::Bytes>> = Transport::new()
///     .connect_timeout(Duration::from_secs(3))
///     .proxy(&ProxyConfig::Disabled)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), cos_http::TlsError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Transport {
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    connect_to: Option<SocketAddr>,
    proxy: Option<Arc<Matcher>>,
}

impl Default for Transport {
    fn default() -> Self {
        Self::new()
    }
}

impl Transport {
    /// Defaults: 10 s to connect, idle connections kept 60 s, DNS, proxies from the process
    /// environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`).
    ///
    /// ```
    /// let t = cos_http::Transport::new();
    /// # let _ = t;
    /// ```
    pub fn new() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            pool_idle_timeout: Duration::from_secs(60),
            connect_to: None,
            proxy: ProxyConfig::FromEnv.matcher(&process_env).map(Arc::new),
        }
    }

    /// Time allowed to open a TCP connection.
    ///
    /// ```
    /// let t = cos_http::Transport::new().connect_timeout(std::time::Duration::from_secs(1));
    /// # let _ = t;
    /// ```
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept.
    ///
    /// ```
    /// let t = cos_http::Transport::new().pool_idle_timeout(std::time::Duration::from_secs(5));
    /// # let _ = t;
    /// ```
    #[must_use]
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Connect every request to this address whatever its host says (TLS and `Host` still
    /// use the host), as for a local emulator. Requests then go direct: no proxy applies.
    ///
    /// ```
    /// let t = cos_http::Transport::new().connect_to(Some("127.0.0.1:9000".parse().unwrap()));
    /// # let _ = t;
    /// ```
    #[must_use]
    pub fn connect_to(mut self, address: Option<SocketAddr>) -> Self {
        self.connect_to = address;
        self
    }

    /// The proxy settings, environment variables read from the process environment.
    ///
    /// ```
    /// let t = cos_http::Transport::new().proxy(&cos_http::ProxyConfig::url("http://127.0.0.1:3128"));
    /// # let _ = t;
    /// ```
    #[must_use]
    pub fn proxy(self, config: &ProxyConfig) -> Self {
        self.proxy_with_env(config, &process_env)
    }

    /// The proxy settings, environment variables read through `env` (`None` = unset), so that
    /// tests and embedders can inject an environment.
    ///
    /// ```
    /// let env = |name: &str| (name == "HTTPS_PROXY").then(|| "http://127.0.0.1:3128".to_owned());
    /// let t = cos_http::Transport::new().proxy_with_env(&cos_http::ProxyConfig::FromEnv, &env);
    /// # let _ = t;
    /// ```
    #[must_use]
    pub fn proxy_with_env(
        mut self,
        config: &ProxyConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        self.proxy = config.matcher(env).map(Arc::new);
        self
    }

    /// Builds the pooled client (HTTP/1.1, `https://` and `http://` URIs).
    ///
    /// # Errors
    /// [`TlsError`] when no rustls crypto provider can be chosen or the roots cannot be loaded.
    ///
    /// ```
    /// let client: cos_http::HttpsClient<http_body_util::Full<bytes::Bytes>> =
    ///     cos_http::Transport::new().build()?;
    /// # let _ = client;
    /// # Ok::<(), cos_http::TlsError>(())
    /// ```
    pub fn build<B>(self) -> Result<HttpsClient<B>, TlsError>
    where
        B: hyper::body::Body + Send + 'static,
        B::Data: Send,
    {
        let resolver = match self.connect_to {
            Some(address) => Resolver::Fixed(address),
            None => Resolver::System(GaiResolver::new()),
        };
        let mut direct = HttpConnector::new_with_resolver(resolver);
        direct.enforce_http(false);
        direct.set_nodelay(true);
        direct.set_connect_timeout(Some(self.connect_timeout));
        let connector = Connector {
            direct,
            proxy: if self.connect_to.is_some() {
                None
            } else {
                self.proxy
            },
        };
        let provider = crypto_provider()?;
        let builder = HttpsConnectorBuilder::new();
        #[cfg(feature = "native-roots")]
        let builder = builder.with_provider_and_native_roots(provider);
        #[cfg(not(feature = "native-roots"))]
        let builder = builder.with_provider_and_webpki_roots(provider);
        let https = builder
            .map_err(|e| TlsError(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        Ok(Client::builder(TokioExecutor::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .build(https))
    }
}

/// DNS resolution, or a fixed address (connect-to).
#[derive(Clone, Debug)]
pub enum Resolver {
    /// The system resolver.
    System(GaiResolver),
    /// Every name resolves to this address.
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

/// Connects directly, or through a `CONNECT` tunnel when the proxy settings say so.
#[derive(Clone, Debug)]
pub struct Connector {
    direct: HttpConnector<Resolver>,
    proxy: Option<Arc<Matcher>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut direct = self.direct.clone();
        let intercept = self.proxy.as_ref().and_then(|m| m.intercept(&dst));
        Box::pin(async move {
            match intercept {
                Some(intercept) => {
                    tracing::debug!(proxy = %redacted_proxy(intercept.uri()), "connecting through proxy");
                    let mut tunnel = Tunnel::new(intercept.uri().clone(), direct);
                    if let Some(auth) = intercept.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    tunnel
                        .call(with_default_port(dst))
                        .await
                        .map_err(|e| Box::new(e) as BoxError)
                }
                None => direct.call(dst).await.map_err(|e| Box::new(e) as BoxError),
            }
        })
    }
}

/// `dst` with its scheme's default port written out: hyper-util's tunnel asks the proxy for
/// port 443 when the URI names none, which is wrong for `http://` targets.
fn with_default_port(dst: Uri) -> Uri {
    if dst.port().is_some() || dst.scheme() != Some(&http::uri::Scheme::HTTP) {
        return dst;
    }
    let Some(host) = dst.host() else {
        return dst;
    };
    let authority = format!("{host}:80");
    let mut parts = dst.clone().into_parts();
    match authority.parse() {
        Ok(authority) => {
            parts.authority = Some(authority);
            Uri::from_parts(parts).unwrap_or(dst)
        }
        Err(_) => dst,
    }
}

/// An error and its sources, joined (hyper's top-level message alone is often vague).
///
/// ```
/// let error = std::io::Error::other("refused");
/// assert_eq!(cos_http::describe(&error), "refused");
/// ```
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_targets_get_port_80_for_the_tunnel() {
        let with = |u: &str| with_default_port(u.parse().unwrap()).to_string();
        assert_eq!(with("http://a.example/x?y"), "http://a.example:80/x?y");
        assert_eq!(with("http://a.example:8080/"), "http://a.example:8080/");
        assert_eq!(with("https://a.example/"), "https://a.example/");
    }
}
