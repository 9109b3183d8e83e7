//! The HTTP transport: a pooled hyper client with rustls (ring, chosen explicitly), timeouts,
//! a response size cap and HTTP CONNECT proxies.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

use crate::StsError;
use crate::provider::Env;

/// Where proxy settings come from.
///
/// Proxies are used through HTTP `CONNECT` tunnels, for `https://` and `http://` targets
/// alike. `NO_PROXY` entries (host names, domain suffixes, IPs/CIDRs, `*`) bypass the proxy.
///
/// ```
/// use sts_client::ProxyConfig;
/// let explicit = ProxyConfig::url("http://proxy.internal:3128").no_proxy("localhost,127.0.0.1");
/// assert!(format!("{explicit:?}").contains("proxy.internal"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyConfig {
    /// `HTTPS_PROXY`/`https_proxy`, `HTTP_PROXY`/`http_proxy`, `ALL_PROXY`/`all_proxy` and
    /// `NO_PROXY`/`no_proxy` from the environment (the default).
    #[default]
    FromEnv,
    /// Never use a proxy.
    Disabled,
    /// An explicit proxy for every request, except hosts matched by `no_proxy`.
    Url {
        /// The proxy URL (`http://[user:pass@]host:port`).
        url: String,
        /// A `NO_PROXY`-style list.
        no_proxy: String,
    },
}

impl ProxyConfig {
    /// An explicit proxy.
    ///
    /// ```
    /// let p = sts_client::ProxyConfig::url("http://127.0.0.1:3128");
    /// # let _ = p;
    /// ```
    pub fn url(url: impl Into<String>) -> Self {
        Self::Url {
            url: url.into(),
            no_proxy: String::new(),
        }
    }

    /// Adds a `NO_PROXY`-style exclusion list to an explicit proxy (ignored otherwise).
    ///
    /// ```
    /// let p = sts_client::ProxyConfig::url("http://p:1").no_proxy(".internal");
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn no_proxy(self, list: impl Into<String>) -> Self {
        match self {
            Self::Url { url, .. } => Self::Url {
                url,
                no_proxy: list.into(),
            },
            other => other,
        }
    }

    pub(crate) fn matcher(&self, env: &dyn Env) -> Option<Matcher> {
        let pick = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| env.non_empty(name))
                .unwrap_or_default()
        };
        match self {
            Self::Disabled => None,
            Self::Url { url, no_proxy } => Some(
                Matcher::builder()
                    .all(url.clone())
                    .no(no_proxy.clone())
                    .build(),
            ),
            Self::FromEnv => {
                let all = pick(&["ALL_PROXY", "all_proxy"]);
                let https = pick(&["HTTPS_PROXY", "https_proxy"]);
                let http = pick(&["HTTP_PROXY", "http_proxy"]);
                if all.is_empty() && https.is_empty() && http.is_empty() {
                    return None;
                }
                Some(
                    Matcher::builder()
                        .all(all)
                        .https(https)
                        .http(http)
                        .no(pick(&["NO_PROXY", "no_proxy"]))
                        .build(),
                )
            }
        }
    }
}

/// Timeouts and limits of the transport.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_body_bytes: usize,
}

/// Connects directly, or through a CONNECT tunnel when the proxy matcher says so.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut direct = self.direct.clone();
        let intercept = self.matcher.as_ref().and_then(|m| m.intercept(&dst));
        Box::pin(async move {
            match intercept {
                Some(intercept) => {
                    tracing::debug!(proxy = %redacted_proxy(intercept.uri()), "connecting through proxy");
                    let mut tunnel = Tunnel::new(intercept.uri().clone(), direct);
                    if let Some(auth) = intercept.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    tunnel.call(dst).await.map_err(|e| Box::new(e) as BoxError)
                }
                None => direct.call(dst).await.map_err(|e| Box::new(e) as BoxError),
            }
        })
    }
}

/// The proxy URI without user information (which may hold a password).
fn redacted_proxy(uri: &Uri) -> String {
    format!(
        "{}://{}:{}",
        uri.scheme_str().unwrap_or("http"),
        uri.host().unwrap_or_default(),
        uri.port_u16().unwrap_or(80)
    )
}

/// A pooled HTTP(S) client.
#[derive(Clone)]
pub(crate) struct Transport {
    client: Client<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    config: TransportConfig,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// `cos_http::crypto_provider` with this crate's error type: the rustls
/// [`CryptoProvider`](rustls::crypto::CryptoProvider) of the workspace's HTTPS
/// clients (this crate's and `cos-client`'s), chosen as rustls asks libraries to: the process
/// default the application installed with `CryptoProvider::install_default`, else the provider
/// rustls' crate features name (*ring* in this workspace), which rustls installs as the
/// default. No deprecated constructor is called.
///
/// # Errors
/// [`StsError::InvalidRequest`] when no provider is installed and rustls' features name none
/// or several (an application that compiles in both *ring* and aws-lc-rs must install one);
/// rustls' panic in that case is caught and turned into this error.
///
/// ```
/// let provider = sts_client::crypto_provider()?;
/// assert!(!provider.cipher_suites.is_empty());
/// // The same provider every time: it is the process default from now on.
/// assert!(std::sync::Arc::ptr_eq(&provider, &sts_client::crypto_provider()?));
/// # Ok::<(), sts_client::StsError>(())
/// ```
pub fn crypto_provider() -> Result<Arc<rustls::crypto::CryptoProvider>, StsError> {
    cos_http::crypto_provider().map_err(|e| StsError::invalid(e.to_string()))
}

impl Transport {
    pub(crate) fn new(config: TransportConfig, proxy: Option<Matcher>) -> Result<Self, StsError> {
        let mut direct = HttpConnector::new();
        direct.enforce_http(false);
        direct.set_connect_timeout(Some(config.connect_timeout));
        direct.set_nodelay(true);
        let connector = ProxyConnector {
            direct,
            matcher: proxy.map(Arc::new),
        };
        let provider = crypto_provider()?;
        let builder = HttpsConnectorBuilder::new();
        #[cfg(feature = "native-roots")]
        let builder = builder.with_provider_and_native_roots(provider);
        #[cfg(not(feature = "native-roots"))]
        let builder = builder.with_provider_and_webpki_roots(provider);
        let https = builder
            .map_err(|e| StsError::invalid(format!("TLS configuration: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        Ok(Self { client, config })
    }

    /// Sends a request and reads the whole (size-capped) body, within the request timeout.
    pub(crate) async fn send(
        &self,
        request: Request<Full<Bytes>>,
    ) -> Result<Response<Bytes>, StsError> {
        let timeout = self.config.request_timeout;
        match tokio::time::timeout(timeout, self.send_inner(request)).await {
            Ok(result) => result,
            Err(_) => Err(StsError::Timeout { after: timeout }),
        }
    }

    async fn send_inner(&self, request: Request<Full<Bytes>>) -> Result<Response<Bytes>, StsError> {
        let response = self.client.request(request).await.map_err(|error| {
            let not_sent = error.is_connect();
            StsError::Transport {
                message: describe(&error),
                not_sent,
            }
        })?;
        let (parts, body) = response.into_parts();
        let limit = self.config.max_body_bytes;
        let collected = Limited::new(body, limit).collect().await.map_err(|error| {
            if error.is::<http_body_util::LengthLimitError>() {
                StsError::BodyTooLarge { limit }
            } else {
                StsError::Transport {
                    message: format!("reading response body: {error}"),
                    not_sent: false,
                }
            }
        })?;
        Ok(Response::from_parts(parts, collected.to_bytes()))
    }
}

/// The error and its sources, joined (hyper's top-level message alone is often vague).
fn describe(error: &dyn std::error::Error) -> String {
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
    use crate::provider::MapEnv;

    #[test]
    fn env_proxy_respects_no_proxy() {
        let env = MapEnv::new([
            ("HTTPS_PROXY", "http://user:pw@proxy.example:3128"),
            ("NO_PROXY", "localhost,.internal.tencentcloudapi.com"),
        ]);
        let matcher = ProxyConfig::FromEnv.matcher(&env).unwrap();
        let via = matcher
            .intercept(&"https://sts.tencentcloudapi.com/".parse().unwrap())
            .unwrap();
        assert_eq!(via.uri().host(), Some("proxy.example"));
        assert!(via.basic_auth().is_some());
        assert_eq!(redacted_proxy(via.uri()), "http://proxy.example:3128");
        assert!(
            matcher
                .intercept(&"https://sts.internal.tencentcloudapi.com/".parse().unwrap())
                .is_none()
        );
        assert!(ProxyConfig::FromEnv.matcher(&MapEnv::default()).is_none());
        assert!(ProxyConfig::Disabled.matcher(&env).is_none());
    }

    #[test]
    fn lowercase_variables_are_read() {
        let env = MapEnv::new([("https_proxy", "http://p:1")]);
        let matcher = ProxyConfig::FromEnv.matcher(&env).unwrap();
        assert!(matcher.intercept(&"https://a/".parse().unwrap()).is_some());
    }
}
