//! The STS client: configuration, signing, sending and retrying.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{AUTHORIZATION, HeaderValue};
use http_body_util::Full;
use serde_json::Value;
use tc3_signer::tc3::Tc3Params;
use tc3_signer::{Credential, SignableRequest};
use tracing::Instrument;

use crate::provider::{Clock, Env, ProcessEnv, ProvideCredentials, StaticProvider, SystemClock};
use crate::transport::{Transport, TransportConfig};
use crate::wire::{self, Params, VERSION};
use crate::{Endpoint, ProxyConfig, RetryConfig, StsError};
use cos_http::{Backoff, Jitter, Rng};

/// How signed requests are signed.
///
/// ```
/// assert_eq!(sts_client::SignatureMethod::default(), sts_client::SignatureMethod::Tc3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `TC3-HMAC-SHA256` with a JSON body (the default).
    #[default]
    Tc3,
    /// Legacy v1 `HmacSHA1`, form-encoded body (what the official STS SDKs send).
    V1HmacSha1,
    /// Legacy v1 `HmacSHA256`, form-encoded body.
    V1HmacSha256,
}

/// Whether an action is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    Signed,
    /// `Authorization: SKIP` (AssumeRoleWithWebIdentity, AssumeRoleWithSAML).
    Unsigned,
}

/// What the transport learned about a successful call.
///
/// ```
/// let meta = sts_client::ResponseMeta::new("req", 2, 1_700_000_000, Some(1_700_000_001));
/// assert_eq!(meta.attempts(), 2);
/// assert_eq!(meta.start_time(), 1_700_000_001);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseMeta {
    request_id: String,
    attempts: u32,
    sent_at: u64,
    server_date: Option<u64>,
}

impl ResponseMeta {
    /// Builds the metadata (useful for tests).
    ///
    /// ```
    /// let meta = sts_client::ResponseMeta::new("r", 1, 5, None);
    /// assert_eq!(meta.start_time(), 5);
    /// ```
    pub fn new(
        request_id: impl Into<String>,
        attempts: u32,
        sent_at: u64,
        server_date: Option<u64>,
    ) -> Self {
        Self {
            request_id: request_id.into(),
            attempts,
            sent_at,
            server_date,
        }
    }

    /// `Response.RequestId`.
    ///
    /// ```
    /// assert_eq!(sts_client::ResponseMeta::new("r", 1, 5, None).request_id(), "r");
    /// ```
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// How many attempts the call took (1 = no retry).
    ///
    /// ```
    /// assert_eq!(sts_client::ResponseMeta::new("r", 3, 5, None).attempts(), 3);
    /// ```
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The local time the successful attempt was sent (Unix seconds).
    ///
    /// ```
    /// assert_eq!(sts_client::ResponseMeta::new("r", 1, 5, None).sent_at(), 5);
    /// ```
    pub fn sent_at(&self) -> u64 {
        self.sent_at
    }

    /// The response `Date` header (Unix seconds), if present and parseable.
    ///
    /// ```
    /// assert_eq!(sts_client::ResponseMeta::new("r", 1, 5, Some(6)).server_date(), Some(6));
    /// ```
    pub fn server_date(&self) -> Option<u64> {
        self.server_date
    }

    /// The truthful start of a key issued by this call: the server `Date`, else the send time.
    ///
    /// ```
    /// assert_eq!(sts_client::ResponseMeta::new("r", 1, 5, None).start_time(), 5);
    /// ```
    pub fn start_time(&self) -> u64 {
        self.server_date.unwrap_or(self.sent_at)
    }

    /// Server clock minus local clock, in seconds, when the server sent a `Date`.
    ///
    /// ```
    /// assert_eq!(sts_client::ResponseMeta::new("r", 1, 100, Some(90)).clock_offset(), Some(-10));
    /// ```
    pub fn clock_offset(&self) -> Option<i64> {
        self.server_date
            .map(|date| date as i64 - self.sent_at as i64)
    }
}

/// Configures an [`StsClient`].
///
/// Defaults: [`Endpoint::Nearest`], region `ap-guangzhou`, TC3 signing, connect timeout 5 s,
/// request timeout 30 s, [`RetryConfig::default`], 1 MiB response cap, proxy from the
/// environment, no credentials (unsigned actions still work).
///
/// ```
/// use std::time::Duration;
/// use sts_client::{Endpoint, StsClient};
/// use tc3_signer::Credential;
///
/// let client = StsClient::builder()
///     .endpoint(Endpoint::Internal)
///     .region("ap-shanghai")
///     .credential(Credential::new("AKIDEXAMPLE", "secret"))
///     .request_timeout(Duration::from_secs(10))
///     .build()
///     .unwrap();
/// assert_eq!(client.region(), "ap-shanghai");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct StsClientBuilder {
    endpoint: Endpoint,
    region: String,
    signed_host: Option<String>,
    method: SignatureMethod,
    language: Option<String>,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_body_bytes: usize,
    retry: RetryConfig,
    proxy: ProxyConfig,
    env: Arc<dyn Env>,
    clock: Arc<dyn Clock>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
}

impl Default for StsClientBuilder {
    fn default() -> Self {
        Self {
            endpoint: Endpoint::Nearest,
            region: "ap-guangzhou".to_owned(),
            signed_host: None,
            method: SignatureMethod::Tc3,
            language: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            retry: RetryConfig::default(),
            proxy: ProxyConfig::FromEnv,
            env: Arc::new(ProcessEnv),
            clock: Arc::new(SystemClock),
            credentials: None,
        }
    }
}

impl StsClientBuilder {
    /// Sets the endpoint.
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().endpoint(sts_client::Endpoint::International);
    /// # let _ = b;
    /// ```
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Sets the `Region` common parameter (required by the API; it does not limit the policy).
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().region("ap-beijing");
    /// # let _ = b;
    /// ```
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Signs (and sends as `Host`) this host instead of the endpoint's, for connecting to an
    /// IP or a private link while the server expects `sts.tencentcloudapi.com`.
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().signed_host("sts.tencentcloudapi.com");
    /// # let _ = b;
    /// ```
    pub fn signed_host(mut self, host: impl Into<String>) -> Self {
        self.signed_host = Some(host.into());
        self
    }

    /// Chooses TC3 (default) or legacy v1 signing.
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().signature_method(sts_client::SignatureMethod::V1HmacSha1);
    /// # let _ = b;
    /// ```
    pub fn signature_method(mut self, method: SignatureMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets `X-TC-Language` (`zh-CN` or `en-US`) for error messages.
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().language("en-US");
    /// # let _ = b;
    /// ```
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets the TCP connect timeout (default 5 s).
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().connect_timeout(std::time::Duration::from_secs(1));
    /// # let _ = b;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the timeout of one attempt, connect to last body byte (default 30 s).
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().request_timeout(std::time::Duration::from_secs(3));
    /// # let _ = b;
    /// ```
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Caps the response body size (default 1 MiB).
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().max_body_bytes(64 * 1024);
    /// # let _ = b;
    /// ```
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Sets the retry policy.
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().retry(sts_client::RetryConfig::disabled());
    /// # let _ = b;
    /// ```
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the proxy configuration (default: from the environment).
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().proxy(sts_client::ProxyConfig::Disabled);
    /// # let _ = b;
    /// ```
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// The environment proxy variables are read from (default: the process environment).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let b = sts_client::StsClient::builder().env(Arc::new(sts_client::provider::MapEnv::default()));
    /// # let _ = b;
    /// ```
    pub fn env(mut self, env: Arc<dyn Env>) -> Self {
        self.env = env;
        self
    }

    /// The clock used for signing timestamps (default: the system clock).
    ///
    /// ```
    /// use std::sync::Arc;
    /// let b = sts_client::StsClient::builder().clock(Arc::new(sts_client::provider::ManualClock::new(0)));
    /// # let _ = b;
    /// ```
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Signs with credentials from `provider` (fetched for every attempt; wrap slow
    /// providers in a [`CredentialsCache`](crate::provider::CredentialsCache)).
    ///
    /// ```
    /// let b = sts_client::StsClient::builder()
    ///     .credentials(sts_client::provider::EnvironmentProvider::new());
    /// # let _ = b;
    /// ```
    pub fn credentials(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// Signs with a fixed credential (permanent, or temporary with a token).
    ///
    /// ```
    /// let b = sts_client::StsClient::builder().credential(tc3_signer::Credential::new("id", "key"));
    /// # let _ = b;
    /// ```
    pub fn credential(self, credential: Credential) -> Self {
        self.credentials(StaticProvider::new(credential))
    }

    /// Builds the client (creates the connection pool; no network traffic).
    ///
    /// ```
    /// assert!(sts_client::StsClient::builder().region("").build().is_err());
    /// ```
    pub fn build(self) -> Result<StsClient, StsError> {
        if self.region.is_empty()
            || !self
                .region
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(StsError::invalid(format!(
                "invalid region `{}`",
                self.region
            )));
        }
        let uri = self.endpoint.uri()?;
        let host = match &self.signed_host {
            Some(host) => host.clone(),
            None => self.endpoint.host_header()?,
        };
        HeaderValue::from_str(&host)
            .map_err(|_| StsError::invalid(format!("invalid signed host `{host}`")))?;
        let transport = Transport::new(
            TransportConfig {
                connect_timeout: self.connect_timeout,
                request_timeout: self.request_timeout,
                max_body_bytes: self.max_body_bytes,
            },
            &self.proxy,
            self.env.as_ref(),
        )?;
        Ok(StsClient {
            inner: Arc::new(Inner {
                uri,
                host,
                region: self.region,
                method: self.method,
                language: self.language,
                retry: self.retry,
                clock: self.clock,
                credentials: self.credentials,
                transport,
                jitter: Arc::new(Jitter::new()),
            }),
        })
    }
}

/// A Tencent Cloud STS client. Cheap to clone (shares the connection pool).
///
/// ```no_run
/// use sts_client::{GetFederationToken, PolicyDocument, StsClient};
/// use tc3_signer::Credential;
///
/// # async fn run() -> Result<(), sts_client::StsError> {
/// let client = StsClient::builder()
///     .credential(Credential::new("AKID…", "…"))
///     .build()?;
/// let policy = PolicyDocument::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
///     "action":["name/cos:GetObject"],
///     "resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/docs/*"]}]}"#)?;
/// let issued = client.get_federation_token(&GetFederationToken::new("web", policy)).await?;
/// println!("{}", serde_json::to_string(&issued.sdk_shape()).unwrap());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct StsClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    uri: http::Uri,
    host: String,
    region: String,
    method: SignatureMethod,
    language: Option<String>,
    retry: RetryConfig,
    clock: Arc<dyn Clock>,
    credentials: Option<Arc<dyn ProvideCredentials>>,
    transport: Transport,
    jitter: Arc<Jitter>,
}

impl StsClient {
    /// Starts configuring a client.
    ///
    /// ```
    /// let client = sts_client::StsClient::builder().build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn builder() -> StsClientBuilder {
        StsClientBuilder::default()
    }

    /// The `Region` parameter sent.
    ///
    /// ```
    /// assert_eq!(sts_client::StsClient::builder().build().unwrap().region(), "ap-guangzhou");
    /// ```
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The host that is signed and sent as `Host`.
    ///
    /// ```
    /// let client = sts_client::StsClient::builder().build().unwrap();
    /// assert_eq!(client.host(), "sts.tencentcloudapi.com");
    /// ```
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// Runs an action with retries; returns the `Response` object and metadata.
    pub(crate) async fn execute(
        &self,
        action: &'static str,
        params: &Params,
        auth: Auth,
    ) -> Result<(Value, ResponseMeta), StsError> {
        let span = tracing::info_span!("sts_call", action, host = %self.inner.host);
        async {
            let started = std::time::Instant::now();
            let mut backoff = Backoff::new(self.inner.retry, self.inner.jitter.clone());
            loop {
                let attempt = backoff.retries() + 1;
                let error = match self.attempt(action, params, auth, attempt).await {
                    Ok(ok) => return Ok(ok),
                    Err(error) => error,
                };
                if error.is_retryable()
                    && let Some(delay) = backoff.next_delay(started.elapsed())
                {
                    tracing::warn!(attempt, ?delay, %error, "STS call failed; retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
                tracing::warn!(attempt, %error, "STS call failed");
                return Err(error);
            }
        }
        .instrument(span)
        .await
    }

    async fn attempt(
        &self,
        action: &'static str,
        params: &Params,
        auth: Auth,
        attempt: u32,
    ) -> Result<(Value, ResponseMeta), StsError> {
        let credential = match auth {
            Auth::Unsigned => None,
            Auth::Signed => {
                let provider = self.inner.credentials.as_ref().ok_or_else(|| {
                    StsError::Credentials(crate::provider::CredentialsError::not_loaded(
                        "no credentials configured on this StsClient",
                    ))
                })?;
                Some(provider.provide_credentials().await?)
            }
        };
        let now = self.inner.clock.now_unix();
        let request = self.build_request(
            action,
            params,
            credential.as_ref().map(|p| p.credential()),
            now,
        )?;
        tracing::debug!(attempt, "sending STS request");
        let response = self.inner.transport.send(request.map(Full::new)).await?;
        let status = response.status().as_u16();
        let server_date = response
            .headers()
            .get(http::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        let (value, request_id) = wire::parse_envelope(status, response.body())?;
        tracing::debug!(attempt, status, request_id = %request_id, "STS call succeeded");
        Ok((
            value,
            ResponseMeta::new(request_id, attempt, now, server_date),
        ))
    }

    /// Builds one signed (or `SKIP`) request at time `now`.
    pub(crate) fn build_request(
        &self,
        action: &'static str,
        params: &Params,
        credential: Option<&Credential>,
        now: u64,
    ) -> Result<http::Request<Bytes>, StsError> {
        let inner = &self.inner;
        match (credential, inner.method) {
            (Some(credential), SignatureMethod::V1HmacSha1 | SignatureMethod::V1HmacSha256) => {
                crate::v1_form::build(&crate::v1_form::V1Input {
                    uri: &inner.uri,
                    host: &inner.host,
                    region: &inner.region,
                    action,
                    params,
                    credential,
                    now,
                    nonce: 10_000 + inner.jitter.below(1_000_000_000),
                    method: inner.method,
                })
            }
            (credential, _) => {
                let body = params.to_json();
                let headers = [("Content-Type", "application/json")];
                let tc3_request = SignableRequest::new("POST", inner.uri.path())
                    .with_host(&inner.host)
                    .with_headers(&headers)
                    .with_body(&body);
                let mut tc3_params =
                    Tc3Params::new("sts", action, VERSION, now).with_region(&inner.region);
                if let Some(language) = &inner.language {
                    tc3_params = tc3_params.with_language(language);
                }
                let headers = match credential {
                    Some(credential) => {
                        tc3_signer::tc3::sign(&tc3_request, &tc3_params, credential)?
                            .headers_to_send()
                            .clone()
                    }
                    None => tc3_signer::tc3::skip(&tc3_request, &tc3_params)?,
                };
                let mut request = http::Request::post(inner.uri.clone())
                    .body(Bytes::from(body))
                    .map_err(|e| StsError::invalid(format!("building request: {e}")))?;
                headers.apply_to(&mut request)?;
                mark_sensitive(&mut request);
                Ok(request)
            }
        }
    }
}

/// Keeps `Authorization` and `X-TC-Token` out of HTTP/2 tables and debug output of headers.
pub(crate) fn mark_sensitive<B>(request: &mut http::Request<B>) {
    for (name, value) in request.headers_mut().iter_mut() {
        if name == AUTHORIZATION || name.as_str().eq_ignore_ascii_case("x-tc-token") {
            value.set_sensitive(true);
        }
    }
}
