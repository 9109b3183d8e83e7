//! A small HTTP(S) GET client on the STS transport (rustls with ring, proxies from the
//! environment, timeouts, a body cap): for JSON documents such as key sets, OpenID discovery
//! documents and credential-vending endpoints.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request};
use http_body_util::Full;

use crate::StsError;
use crate::provider::ProcessEnv;
use crate::transport::{ProxyConfig, Transport, TransportConfig};

/// A GET client.
///
/// ```
/// let client = sts_client::HttpGet::new(std::time::Duration::from_secs(5), 1 << 20).unwrap();
/// # let _ = client;
/// ```
#[derive(Debug)]
pub struct HttpGet {
    transport: Transport,
}

impl HttpGet {
    /// A client whose requests time out after `timeout` and whose answers may be at most
    /// `max_body_bytes` long; proxies come from the environment.
    pub fn new(timeout: Duration, max_body_bytes: usize) -> Result<Self, StsError> {
        let transport = Transport::new(
            TransportConfig {
                connect_timeout: timeout.min(Duration::from_secs(5)),
                request_timeout: timeout,
                max_body_bytes,
            },
            &ProxyConfig::FromEnv,
            &ProcessEnv,
        )?;
        Ok(Self { transport })
    }

    /// GETs `url` with extra `headers`; returns the status and the body.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), sts_client::StsError> {
    /// let client = sts_client::HttpGet::new(std::time::Duration::from_secs(5), 1 << 20)?;
    /// let (status, body) = client.get("https://login.example.com/jwks.json", &[]).await?;
    /// # let _ = (status, body); Ok(()) }
    /// ```
    pub async fn get(
        &self,
        url: &str,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<(u16, Bytes), StsError> {
        let mut request = Request::get(url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::new()))
            .map_err(|e| StsError::invalid(format!("GET {url}: {e}")))?;
        let response = self.transport.send(request).await?;
        Ok((response.status().as_u16(), response.into_body()))
    }
}
