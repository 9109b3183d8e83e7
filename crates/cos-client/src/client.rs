//! The client, its builder and the request driver: sign at every attempt, retry, correct the
//! clock, refresh an expired temporary key.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use cos_core::Bucket;
use cos_core::Credential;
use cos_core::clock::SharedClock;
use cos_core::provider::ProvideCredentials;
use http::Method;
use http::header::{CONTENT_LENGTH, HOST, HeaderName, HeaderValue};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use tc3_signer::cos::{KeyTime, Signer};

use crate::builder::ClientBuilder;
use crate::endpoint::Target;
use crate::transport::{self, HttpClient, RequestBody};
use crate::xml;
use crate::{Error, ServiceError};
use cos_http::{Backoff, RetryConfig, Rng};

/// Error bodies are read up to this size.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Success bodies of XML operations are read up to this size.
const MAX_XML_BODY: usize = 32 * 1024 * 1024;

/// A COS client for one bucket, signing every attempt with the current credential of a
/// provider ([`ProvideCredentials`]). Cheap to clone; clones share the connection pool.
///
/// ```
/// use cos_client::Client;
/// use cos_client::StaticProvider;
/// use tc3_signer::Credential;
///
/// let client = Client::builder()
///     .bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-beijing".parse()?))
///     .credentials(StaticProvider::new(Credential::new("AKID", "key").with_token("token")))
///     .build()?;
/// assert_eq!(client.host(), "examplebucket-1250000000.cos.ap-beijing.myqcloud.com");
/// # Ok::<(), cos_client::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: HttpClient,
    pub(crate) target: Target,
    pub(crate) location: Bucket,
    pub(crate) credentials: Arc<dyn ProvideCredentials>,
    pub(crate) clock: SharedClock,
    pub(crate) retry: RetryConfig,
    pub(crate) rng: Arc<dyn Rng>,
    pub(crate) request_timeout: Duration,
    pub(crate) sign_validity: Duration,
    pub(crate) clock_offset: AtomicI64,
    /// Requests retried so far (throttling, errors): adaptive transfers back off on it.
    pub(crate) retries: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("bucket", &self.inner.location.name().as_str())
            .field("region", &self.inner.location.region().as_str())
            .field("target", &self.inner.target)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a builder.
    ///
    /// ```
    /// assert!(cos_client::Client::builder().build().is_err()); // bucket, region, credentials missing
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The host requests are signed for and sent to.
    ///
    /// ```
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(cos_client::Credential::new("i", "k")))
    /// #     .build()?;
    /// assert_eq!(client.host(), "b-1.cos.ap-beijing.myqcloud.com");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn host(&self) -> &str {
        self.inner.target.host()
    }

    /// The bucket.
    ///
    /// ```
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(cos_client::Credential::new("i", "k")))
    /// #     .build()?;
    /// assert_eq!(client.bucket(), "b-1");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn bucket(&self) -> &str {
        self.inner.location.name().as_str()
    }

    /// The bucket and its region, e.g. for a [`CopySource`](crate::CopySource) in it.
    ///
    /// ```
    /// let bucket = cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?);
    /// let client = cos_client::Client::builder().bucket(&bucket)
    ///     .credential(cos_client::Credential::new("i", "k")).build()?;
    /// assert_eq!(client.location(), &bucket);
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn location(&self) -> &Bucket {
        &self.inner.location
    }

    /// The region.
    ///
    /// ```
    /// # let bucket = cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?);
    /// # let client = cos_client::Client::builder().bucket(&bucket)
    /// #     .credential(cos_client::Credential::new("i", "k"))
    /// #     .build()?;
    /// assert_eq!(client.region(), "ap-beijing");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn region(&self) -> &str {
        self.inner.location.region().as_str()
    }

    /// The current clock correction in seconds (server time minus local time), learnt from
    /// a `RequestTimeTooSkewed` / "Request has expired" answer.
    ///
    /// ```
    /// # let client = cos_client::Client::builder().bucket(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))
    /// #     .credentials(cos_client::StaticProvider::new(cos_client::Credential::new("i", "k")))
    /// #     .build()?;
    /// assert_eq!(client.clock_offset(), 0);
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }
}

/// One COS operation, before signing.
#[derive(Debug)]
pub(crate) struct Op {
    pub(crate) name: &'static str,
    pub(crate) method: Method,
    /// `None` for bucket-level operations.
    pub(crate) key: Option<String>,
    /// Query parameters; an empty value is written as a bare name (`?uploads`).
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    pub(crate) body: OpBody,
    /// Whether a transport failure after sending may be retried.
    pub(crate) idempotent: bool,
    /// Whether a 2xx answer may carry an `<Error>` body.
    pub(crate) error_in_200: bool,
    /// How many times the request was sent (set by the driver).
    pub(crate) attempts: std::sync::atomic::AtomicU32,
}

/// A request body that can be produced again for each attempt.
pub(crate) enum OpBody {
    Empty,
    Bytes(Bytes),
    /// A fresh body for each attempt (streamed file upload), with its length.
    Factory(Box<dyn Fn() -> RequestBody + Send + Sync>, u64),
    /// A body that can be sent only once (a caller's stream): never retried.
    Once(std::sync::Mutex<Option<RequestBody>>, u64),
}

impl fmt::Debug for OpBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Bytes(b) => write!(f, "Bytes({})", b.len()),
            Self::Factory(_, len) => write!(f, "Factory({len})"),
            Self::Once(_, len) => write!(f, "Once({len})"),
        }
    }
}

impl Op {
    pub(crate) fn new(name: &'static str, method: Method, key: Option<&str>) -> Self {
        let idempotent = method != Method::POST;
        Self {
            name,
            method,
            key: key.map(str::to_owned),
            query: Vec::new(),
            headers: Vec::new(),
            body: OpBody::Empty,
            idempotent,
            error_in_200: false,
            attempts: std::sync::atomic::AtomicU32::new(0),
        }
    }

    pub(crate) fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    pub(crate) fn header(mut self, name: HeaderName, value: &str) -> Result<Self, Error> {
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid("header value", format!("invalid value for {name}")))?;
        self.headers.push((name, value));
        Ok(self)
    }

    pub(crate) fn body(mut self, body: Bytes) -> Self {
        self.body = OpBody::Bytes(body);
        self
    }

    fn query_string(&self) -> String {
        let mut out = String::new();
        for (i, (name, value)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(&tc3_signer::uri_encode(name));
            if !value.is_empty() {
                out.push('=');
                out.push_str(&tc3_signer::uri_encode(value));
            }
        }
        out
    }
}

/// A fully read answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        header_string(&self.headers, name)
    }
}

pub(crate) fn header_string(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

enum Reply {
    Buffered(Answer),
    Streaming(http::Response<Incoming>),
}

impl Client {
    /// Local time corrected by the learnt clock offset, in Unix seconds.
    pub(crate) fn now(&self) -> u64 {
        let local = self.inner.clock.now_unix();
        local.saturating_add_signed(self.clock_offset())
    }

    /// Requests retried so far by this client (and its clones).
    pub(crate) fn retry_count(&self) -> u64 {
        self.inner
            .retries
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends `op` and reads the whole answer.
    pub(crate) async fn send(&self, op: &Op) -> Result<Answer, Error> {
        match self.execute(op, true).await? {
            Reply::Buffered(answer) => Ok(answer),
            Reply::Streaming(_) => Err(Error::malformed(op.name, "unexpected streaming reply")),
        }
    }

    /// Sends `op` exactly once (no retry, no clock or key correction) and reads the whole
    /// answer: for requests that only serve a side effect the caller can do without, such
    /// as opening a pooled connection ahead of need, and that must not count as retries.
    pub(crate) async fn send_once(&self, op: &Op) -> Result<Answer, Error> {
        op.attempts.fetch_add(1, Ordering::Relaxed);
        let provided = self.inner.credentials.provide_credentials().await?;
        let request = self.build_request(op, provided.credential())?;
        match self.attempt(op, request, true).await? {
            Reply::Buffered(answer) => Ok(answer),
            Reply::Streaming(_) => Err(Error::malformed(op.name, "unexpected streaming reply")),
        }
    }

    /// Sends `op`; a successful answer's body is left unread.
    pub(crate) async fn send_streaming(&self, op: &Op) -> Result<http::Response<Incoming>, Error> {
        match self.execute(op, false).await? {
            Reply::Streaming(response) => Ok(response),
            Reply::Buffered(_) => Err(Error::malformed(op.name, "unexpected buffered reply")),
        }
    }

    async fn execute(&self, op: &Op, buffer: bool) -> Result<Reply, Error> {
        let started = Instant::now();
        let mut backoff = Backoff::new(self.inner.retry, self.inner.rng.clone());
        let mut skew_corrected = false;
        let mut token_refreshed = false;
        loop {
            op.attempts.fetch_add(1, Ordering::Relaxed);
            let provided = self.inner.credentials.provide_credentials().await?;
            let credential = provided.credential();
            let request = self.build_request(op, credential)?;
            let error = match self.attempt(op, request, buffer).await {
                Ok(reply) => return Ok(reply),
                Err(error) => error,
            };
            if matches!(op.body, OpBody::Once(..)) {
                // The stream is consumed: nothing can be sent again.
                return Err(error);
            }
            if let Error::Service(service) = &error {
                if service.is_clock_skew() && !skew_corrected && self.correct_clock(service) {
                    skew_corrected = true;
                    tracing::debug!(
                        operation = op.name,
                        offset = self.clock_offset(),
                        "clock skew corrected, re-signing"
                    );
                    continue;
                }
                if service.is_expired_token() && !token_refreshed {
                    token_refreshed = true;
                    self.inner.credentials.invalidate();
                    let fresh = self.inner.credentials.provide_credentials().await?;
                    if fresh.credential() != credential {
                        tracing::debug!(
                            operation = op.name,
                            "expired temporary key replaced, retrying"
                        );
                        continue;
                    }
                }
            }
            let retryable = match &error {
                Error::Service(service) => service.is_retryable(),
                Error::Transport { not_sent, .. } => {
                    cos_http::transport_failure_is_retryable(*not_sent, op.idempotent)
                }
                Error::Timeout { .. } => op.idempotent,
                _ => false,
            };
            if retryable && let Some(delay) = backoff.next_delay(started.elapsed()) {
                self.inner
                    .retries
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(operation = op.name, retry = backoff.retries(), ?delay, %error, "retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            return Err(error);
        }
    }

    /// Learns the offset from the error's `Date`; `false` when it cannot help.
    fn correct_clock(&self, error: &ServiceError) -> bool {
        let Some(server) = error
            .server_date
            .as_deref()
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        else {
            return false;
        };
        let local = self.inner.clock.now_unix();
        let server = i64::try_from(server.as_secs()).unwrap_or(i64::MAX);
        let local = i64::try_from(local).unwrap_or(i64::MAX);
        let offset = server.saturating_sub(local);
        let previous = self.inner.clock_offset.swap(offset, Ordering::Relaxed);
        offset.abs_diff(previous) >= 2
    }

    fn build_request(
        &self,
        op: &Op,
        credential: &Credential,
    ) -> Result<http::Request<RequestBody>, Error> {
        let target = &self.inner.target;
        let path = target.object_path(op.key.as_deref().unwrap_or(""));
        let uri = format!("{}{}{}", target.url_prefix(), path, op.query_string());
        let (body, len) = match &op.body {
            OpBody::Empty => (transport::full(Bytes::new()), 0),
            OpBody::Bytes(bytes) => (transport::full(bytes.clone()), bytes.len() as u64),
            OpBody::Factory(make, len) => (make(), *len),
            OpBody::Once(slot, len) => {
                let body = slot
                    .lock()
                    .ok()
                    .and_then(|mut slot| slot.take())
                    .ok_or_else(|| {
                        Error::invalid("body", "a streamed body cannot be sent twice")
                    })?;
                (body, *len)
            }
        };
        let mut request = http::Request::builder()
            .method(op.method.clone())
            .uri(uri)
            .body(body)
            .map_err(|e| Error::invalid("request", e.to_string()))?;
        let headers = request.headers_mut();
        let host = HeaderValue::from_str(target.host())
            .map_err(|_| Error::invalid("host", "not a header value"))?;
        headers.insert(HOST, host);
        for (name, value) in &op.headers {
            headers.insert(name.clone(), value.clone());
        }
        if matches!(op.method, Method::PUT | Method::POST) || len > 0 {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
        }
        let key_time = KeyTime::starting_at(self.now(), self.inner.sign_validity);
        Signer::new(credential).sign_http_in_place(&mut request, key_time)?;
        Ok(request)
    }

    async fn attempt(
        &self,
        op: &Op,
        request: http::Request<RequestBody>,
        buffer: bool,
    ) -> Result<Reply, Error> {
        let timeout = self.inner.request_timeout;
        let response = match tokio::time::timeout(timeout, self.inner.http.request(request)).await {
            Err(_) => {
                return Err(Error::Timeout {
                    operation: op.name,
                    after: timeout,
                });
            }
            Ok(Err(e)) => {
                return Err(Error::Transport {
                    operation: op.name,
                    not_sent: e.is_connect(),
                    message: cos_http::describe(&e),
                });
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() && !buffer {
            return Ok(Reply::Streaming(response));
        }
        let (parts, body) = response.into_parts();
        let limit = if status.is_success() {
            MAX_XML_BODY
        } else {
            MAX_ERROR_BODY
        };
        let collected = tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await;
        let body = match collected {
            Err(_) => {
                return Err(Error::Timeout {
                    operation: op.name,
                    after: timeout,
                });
            }
            Ok(Err(e)) => {
                return Err(Error::Transport {
                    operation: op.name,
                    not_sent: false,
                    message: format!("reading the body: {e}"),
                });
            }
            Ok(Ok(collected)) => collected.to_bytes(),
        };
        let failed = !status.is_success() || (op.error_in_200 && xml::is_error_body(&body));
        if failed {
            let mut error = xml::service_error(status.as_u16(), &parts.headers, &body);
            error.bucket = Some(self.bucket().to_owned());
            error.key.clone_from(&op.key);
            return Err(error.into());
        }
        Ok(Reply::Buffered(Answer {
            headers: parts.headers,
            body,
        }))
    }
}
