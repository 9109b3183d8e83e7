//! The HTTP transport: `cos-http`'s pooled hyper-rustls client (proxies from
//! `HTTPS_PROXY`/`NO_PROXY`), with this crate's timeouts, response size cap and errors.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cos_http::{HttpsClient, describe};
use http::{Request, Response};
use http_body_util::{BodyExt, Full, Limited};

use crate::StsError;
use crate::provider::Env;

pub use cos_http::ProxyConfig;

/// Timeouts and limits of the transport.
#[derive(Debug, Clone)]
pub(crate) struct TransportConfig {
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) max_body_bytes: usize,
}

/// A pooled HTTP(S) client.
#[derive(Clone)]
pub(crate) struct Transport {
    client: HttpsClient<Full<Bytes>>,
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
    pub(crate) fn new(
        config: TransportConfig,
        proxy: &ProxyConfig,
        env: &dyn Env,
    ) -> Result<Self, StsError> {
        let client = cos_http::Transport::new()
            .connect_timeout(config.connect_timeout)
            .proxy_with_env(proxy, &|name| env.var(name))
            .build()
            .map_err(|e| StsError::invalid(e.to_string()))?;
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
