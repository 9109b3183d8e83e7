//! [`ClientBuilder`]: bucket, region, credentials, endpoint, timeouts and retry policy.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use cos_core::Bucket;
use cos_core::Credential;
use cos_core::clock::{SharedClock, SystemClock};
use cos_core::provider::{ProvideCredentials, StaticProvider};

use crate::Error;
use crate::client::{Client, Inner};
use crate::endpoint::Endpoint;
use cos_http::{Jitter, ProxyConfig, RetryConfig, Rng};

/// Builds a [`Client`]: the bucket (name and region) and credentials are required.
///
/// ```
/// use std::time::Duration;
/// use cos_client::{Bucket, Client, Credential, Endpoint, RetryConfig};
///
/// let bucket = Bucket::new("b-1250000000".parse()?, "ap-guangzhou".parse()?);
/// let client = Client::builder()
///     .bucket(&bucket)
///     .credential(Credential::new("AKID", "key").with_token("session-token"))
///     .endpoint(Endpoint::default().http().connect_to("127.0.0.1:9000".parse().unwrap()))
///     .request_timeout(Duration::from_secs(30))
///     .retry(RetryConfig::transfers().max_attempts(4))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), cos_client::Error>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    bucket: Option<Bucket>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    clock: Option<SharedClock>,
    endpoint: Endpoint,
    retry: Option<RetryConfig>,
    proxy: ProxyConfig,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    sign_validity: Option<Duration>,
    rng: Option<Arc<dyn Rng>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The bucket: its name (`<name>-<APPID>`) and its region.
    ///
    /// ```
    /// let bucket = cos_client::Bucket::new("b-1250000000".parse()?, "ap-guangzhou".parse()?);
    /// let b = cos_client::Client::builder().bucket(&bucket);
    /// # let _ = b;
    /// # Ok::<(), cos_client::NameError>(())
    /// ```
    #[must_use]
    pub fn bucket(mut self, bucket: &Bucket) -> Self {
        self.bucket = Some(bucket.clone());
        self
    }

    /// A fixed key, typically a temporary key handed over by a backend (secret ID, secret
    /// key and session token). It is used until the client is dropped: when it expires, COS
    /// answers `ExpiredToken`; for keys that refresh, use [`ClientBuilder::credentials`] with
    /// a refreshing provider.
    ///
    /// ```
    /// use cos_client::Credential;
    /// let b = cos_client::Client::builder()
    ///     .credential(Credential::new("AKIDtmp", "tmp-key").with_token("session-token"));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn credential(self, credential: Credential) -> Self {
        self.credentials(StaticProvider::new(credential))
    }

    /// Any credential provider. Refreshing providers (`sts_client::provider`) are best
    /// wrapped in a cache (`sts_client::provider::CredentialsCache`): on `ExpiredToken` the
    /// client calls [`ProvideCredentials::invalidate`] and asks again, once.
    ///
    /// ```
    /// use cos_client::{Credential, StaticProvider};
    /// let b = cos_client::Client::builder()
    ///     .credentials(StaticProvider::new(Credential::new("i", "k")));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn credentials(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Same as [`ClientBuilder::credentials`], which now invalidates any provider's cache
    /// through [`ProvideCredentials::invalidate`].
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// let b = cos_client::Client::builder()
    ///     .credentials_cache(cos_client::StaticProvider::new(cos_client::Credential::new("i", "k")));
    /// # let _ = b;
    /// ```
    #[deprecated(note = "use `credentials`: every provider's cache is invalidated on ExpiredToken")]
    #[must_use]
    pub fn credentials_cache(self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials(provider)
    }

    /// The clock signatures are dated by (default [`SystemClock`]); the learnt clock-skew
    /// correction is added to it. Tests pass a [`ManualClock`](crate::ManualClock).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let b = cos_client::Client::builder().clock(Arc::new(cos_client::ManualClock::new(1_700_000_000)));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The endpoint (default: virtual-hosted, HTTPS).
    ///
    /// ```
    /// let b = cos_client::Client::builder().endpoint(cos_client::Endpoint::default().accelerate());
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// The retry policy (default [`RetryConfig::transfers`]: 9 attempts within 3 minutes).
    ///
    /// ```
    /// let b = cos_client::Client::builder().retry(cos_client::RetryConfig::disabled());
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The proxy (default [`ProxyConfig::FromEnv`]: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`
    /// and `NO_PROXY`). A fixed [`Endpoint::connect_to`] address always goes direct.
    ///
    /// ```
    /// let b = cos_client::Client::builder()
    ///     .proxy(cos_client::ProxyConfig::url("http://proxy.internal:3128").no_proxy(".internal"));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// TCP connect timeout (default 10 s).
    ///
    /// ```
    /// let b = cos_client::Client::builder().connect_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Per-attempt timeout until the response headers (and, for XML answers, the body)
    /// arrive (default 60 s). Streamed downloads are not bounded by it once the headers
    /// have arrived.
    ///
    /// ```
    /// let b = cos_client::Client::builder().request_timeout(std::time::Duration::from_secs(20));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// How long each signature is valid (default 15 min; the start is backdated 60 s).
    ///
    /// ```
    /// let b = cos_client::Client::builder().sign_validity(std::time::Duration::from_secs(600));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn sign_validity(mut self, validity: Duration) -> Self {
        self.sign_validity = Some(validity);
        self
    }

    #[cfg(test)]
    pub(crate) fn rng(mut self, rng: Arc<dyn Rng>) -> Self {
        self.rng = Some(rng);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the bucket or credentials are missing, or the endpoint is
    /// malformed.
    ///
    /// ```
    /// let bucket = cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?);
    /// let err = cos_client::Client::builder().bucket(&bucket).build().unwrap_err();
    /// assert!(err.to_string().contains("credentials"));
    /// # Ok::<(), cos_client::NameError>(())
    /// ```
    pub fn build(self) -> Result<Client, Error> {
        let bucket = self
            .bucket
            .ok_or_else(|| Error::invalid("bucket", "not set"))?;
        let credentials = self
            .credentials
            .ok_or_else(|| Error::invalid("credentials", "not set"))?;
        let target = self.endpoint.target(&bucket)?;
        let http = cos_http::Transport::new()
            .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
            .pool_idle_timeout(Duration::from_secs(50))
            .proxy(&self.proxy)
            .connect_to(target.connect_to())
            .build()
            .map_err(|e| Error::invalid("TLS configuration", e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                target,
                location: bucket,
                credentials,
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                retry: self.retry.unwrap_or_else(RetryConfig::transfers),
                rng: self.rng.unwrap_or_else(|| Arc::new(Jitter::new())),
                request_timeout: self.request_timeout.unwrap_or(Duration::from_secs(60)),
                sign_validity: self.sign_validity.unwrap_or(Duration::from_secs(900)),
                clock_offset: AtomicI64::new(0),
                retries: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }
}
