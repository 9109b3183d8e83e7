//! Credentials from a credential-vending endpoint (the analogue of AWS's container
//! credentials provider): `GET <url>` with `Authorization: Bearer <token>`, any answer
//! shape of [`TemporaryCredentials::from_vended_json`]. Wrap it in a
//! [`CredentialsCache`](super::CredentialsCache) to refresh ahead of expiry.

use std::fmt;
use std::time::Duration;

use http::{HeaderName, HeaderValue};
use zeroize::Zeroizing;

use super::{BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential};
use crate::{HttpGet, StsError, TemporaryCredentials};

/// The provider's name in [`ProvidedCredential::provider`].
const NAME: &str = "vending-endpoint";

/// The largest answer read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Fetches keys from a vending URL.
///
/// ```
/// use sts_client::provider::{CredentialsCache, VendingEndpointProvider};
/// let provider = VendingEndpointProvider::new("https://vend.example.com/sts")
///     .unwrap()
///     .bearer_token("a-token");
/// assert!(!format!("{provider:?}").contains("a-token"));
/// let cached = CredentialsCache::new(provider);
/// # let _ = cached;
/// ```
pub struct VendingEndpointProvider {
    url: String,
    token: Option<Zeroizing<String>>,
    client: HttpGet,
}

impl fmt::Debug for VendingEndpointProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VendingEndpointProvider")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl VendingEndpointProvider {
    /// Fetches from `url` (http or https), with a 10 s timeout.
    pub fn new(url: impl Into<String>) -> Result<Self, StsError> {
        let url = url.into();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(StsError::invalid(format!(
                "vending URL `{url}` must be http(s)"
            )));
        }
        Ok(Self {
            url,
            token: None,
            client: HttpGet::new(Duration::from_secs(10), MAX_ANSWER_BYTES)?,
        })
    }

    /// Sends `Authorization: Bearer <token>` (a JWT or a static token).
    #[must_use]
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Zeroizing::new(token.into()));
        self
    }

    async fn load(&self) -> Result<ProvidedCredential, CredentialsError> {
        let mut headers = Vec::new();
        if let Some(token) = &self.token {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.as_str()))
                .map_err(|_| CredentialsError::invalid("the bearer token is not a header value"))?;
            value.set_sensitive(true);
            headers.push((HeaderName::from_static("authorization"), value));
        }
        let (status, body) = self
            .client
            .get(&self.url, &headers)
            .await
            .map_err(|e| super::error_from_sts(NAME, &e))?;
        if status != 200 {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
                .unwrap_or_default();
            return Err(CredentialsError::ProviderError {
                provider: NAME,
                message: format!("{} answered HTTP {status} {message}", self.url)
                    .trim_end()
                    .to_owned(),
                retryable: status >= 500 || status == 429,
            });
        }
        let issued = TemporaryCredentials::from_vended_json(&body).map_err(|e| {
            CredentialsError::Unhandled {
                provider: NAME,
                message: e.to_string(),
            }
        })?;
        let expires = issued.expired_time();
        Ok(ProvidedCredential::new(
            issued.into_credential(),
            Some(expires),
            NAME,
        ))
    }
}

impl ProvideCredentials for VendingEndpointProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(self.load())
    }
}
