//! Typed errors: what COS said, or what went wrong before or after it could say anything.

use std::fmt;
use std::time::Duration;

use cos_core::provider::CredentialsError;
use tc3_signer::SignError;

/// An error answered by COS: the HTTP status, the `<Error>` body and the request headers that
/// identify it.
///
/// ```
/// use cos_client::ServiceError;
///
/// let error = ServiceError::new(503, "SlowDown");
/// assert!(error.is_retryable());
/// assert_eq!(error.code(), "SlowDown");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
    pub(crate) trace_id: Option<String>,
    pub(crate) resource: Option<String>,
    pub(crate) bucket: Option<String>,
    pub(crate) key: Option<String>,
    pub(crate) server_date: Option<String>,
}

impl ServiceError {
    /// An error with a status and a COS code, and nothing else known.
    ///
    /// ```
    /// let error = cos_client::ServiceError::new(404, "NoSuchKey");
    /// assert_eq!(error.status(), 404);
    /// ```
    pub fn new(status: u16, code: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: String::new(),
            request_id: None,
            trace_id: None,
            resource: None,
            bucket: None,
            key: None,
            server_date: None,
        }
    }

    /// The HTTP status code.
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(403, "AccessDenied").status(), 403);
    /// ```
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The COS error code (`NoSuchKey`, `AccessDenied`, …); for a body-less answer (HEAD), a
    /// code derived from the status (`NoSuchKey` for 404, `AccessDenied` for 403, else
    /// `Http<status>`).
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(404, "NoSuchKey").code(), "NoSuchKey");
    /// ```
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The `<Message>` text (may be empty).
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(404, "NoSuchKey").message(), "");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `x-cos-request-id` (or `<RequestId>`), to quote to support.
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(500, "InternalError").request_id(), None);
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The `x-cos-trace-id` (or `<TraceId>`).
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(500, "InternalError").trace_id(), None);
    /// ```
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// The `<Resource>` COS names in the error body, if any.
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(500, "InternalError").resource(), None);
    /// ```
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The bucket of the failed request.
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(500, "InternalError").bucket(), None);
    /// ```
    pub fn bucket(&self) -> Option<&str> {
        self.bucket.as_deref()
    }

    /// The object key of the failed request (none for bucket-level operations).
    ///
    /// ```
    /// assert_eq!(cos_client::ServiceError::new(500, "InternalError").key(), None);
    /// ```
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// Whether COS asks to try again later: 500, 502, 503, 504, 429, `SlowDown`,
    /// `InternalError`, `ServiceUnavailable`, `RequestTimeout`, and any `<Error>` carried by a
    /// 200 answer (Complete Multipart Upload fails that way after it started answering).
    ///
    /// ```
    /// assert!(cos_client::ServiceError::new(500, "InternalError").is_retryable());
    /// assert!(!cos_client::ServiceError::new(403, "AccessDenied").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        // 200: an `<Error>` in a 2xx answer (CompleteMultipartUpload) is a server failure.
        self.status == 200
            || http::StatusCode::from_u16(self.status).is_ok_and(cos_http::status_is_retryable)
            || matches!(
                self.code.as_str(),
                "SlowDown" | "InternalError" | "ServiceUnavailable" | "RequestTimeout"
            )
    }

    /// Whether this is a clock-skew refusal: `RequestTimeTooSkewed`, or `AccessDenied` with
    /// "Request has expired".
    ///
    /// ```
    /// assert!(cos_client::ServiceError::new(403, "RequestTimeTooSkewed").is_clock_skew());
    /// ```
    pub fn is_clock_skew(&self) -> bool {
        self.code == "RequestTimeTooSkewed"
            || (self.code == "AccessDenied" && self.message.contains("Request has expired"))
    }

    /// Whether the temporary key's token has expired (`ExpiredToken`).
    ///
    /// ```
    /// assert!(cos_client::ServiceError::new(400, "ExpiredToken").is_expired_token());
    /// ```
    pub fn is_expired_token(&self) -> bool {
        self.code == "ExpiredToken"
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "COS error {} (HTTP {})", self.code, self.status)?;
        match (&self.bucket, &self.key) {
            (Some(bucket), Some(key)) => write!(f, " on {bucket}/{key}")?,
            (Some(bucket), None) => write!(f, " on bucket {bucket}")?,
            _ => {}
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        if let Some(id) = &self.trace_id {
            write!(f, " (trace id {id})")?;
        }
        Ok(())
    }
}

/// Every way a `cos-client` call can fail. Secrets never appear in it.
///
/// ```
/// use cos_client::{Error, ServiceError};
///
/// let error = Error::from(ServiceError::new(503, "ServiceUnavailable"));
/// assert!(error.is_retryable());
/// assert_eq!(error.service().map(|e| e.code()), Some("ServiceUnavailable"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// COS answered with an error.
    #[error("{0}")]
    Service(Box<ServiceError>),
    /// An argument was refused before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which argument.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The connection failed or broke (DNS, connect, reset, cut body).
    #[error("transport error during {operation}: {message}")]
    Transport {
        /// The COS operation.
        operation: &'static str,
        /// What happened.
        message: String,
        /// Whether the request surely never reached the server (connect failure).
        not_sent: bool,
    },
    /// No answer within the configured timeout.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// The COS operation.
        operation: &'static str,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The credential provider failed.
    #[error("credential provider failed: {0}")]
    Credentials(#[from] CredentialsError),
    /// The request could not be signed.
    #[error("signing failed: {0}")]
    Sign(#[from] SignError),
    /// COS answered something this client cannot understand.
    #[error("malformed response to {operation}: {message}")]
    MalformedResponse {
        /// The COS operation.
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
    /// A CRC-64 computed locally differs from the one COS reported.
    #[error("CRC-64 mismatch for {what}: local {local}, server {server}")]
    ChecksumMismatch {
        /// What was checked (`part 3`, `object`, `download`).
        what: String,
        /// The local CRC-64/XZ.
        local: u64,
        /// The value of `x-cos-hash-crc64ecma`.
        server: u64,
    },
    /// A local file operation failed.
    #[error("I/O error ({context}): {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the same call may succeed if tried again later: retryable COS errors,
    /// transport errors, time-outs and retryable provider failures.
    ///
    /// ```
    /// let error = cos_client::Error::InvalidInput { field: "key", reason: "empty".into() };
    /// assert!(!error.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Service(e) => e.is_retryable(),
            Self::Transport { .. } | Self::Timeout { .. } => true,
            Self::Credentials(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// The COS error, when COS answered with one.
    ///
    /// ```
    /// let error = cos_client::Error::from(cos_client::ServiceError::new(404, "NoSuchKey"));
    /// assert_eq!(error.service().map(|e| e.status()), Some(404));
    /// ```
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Self::Service(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn malformed(operation: &'static str, message: impl Into<String>) -> Self {
        Self::MalformedResponse {
            operation,
            message: message.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<ServiceError> for Error {
    fn from(error: ServiceError) -> Self {
        Self::Service(Box::new(error))
    }
}

/// A bucket name or region that breaks its rule is invalid input.
///
/// ```
/// let error: cos_client::Error = "ap-guangzhou".parse::<cos_client::BucketName>().unwrap_err().into();
/// assert!(error.to_string().contains("did you swap bucket and region?"));
/// ```
impl From<cos_core::NameError> for Error {
    fn from(error: cos_core::NameError) -> Self {
        let field = match &error {
            cos_core::NameError::Region { .. } => "region",
            cos_core::NameError::AppId { .. } => "appid",
            _ => "bucket",
        };
        Self::invalid(field, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_carries_every_identifier() {
        let mut e = ServiceError::new(404, "NoSuchKey");
        e.message = "The specified key does not exist.".into();
        e.request_id = Some("req-1".into());
        e.trace_id = Some("trace-1".into());
        e.bucket = Some("b-125".into());
        e.key = Some("a/b.txt".into());
        let text = Error::from(e).to_string();
        for part in [
            "NoSuchKey",
            "404",
            "b-125/a/b.txt",
            "does not exist",
            "req-1",
            "trace-1",
        ] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
    }

    #[test]
    fn classification() {
        assert!(ServiceError::new(429, "TooManyRequests").is_retryable());
        assert!(ServiceError::new(200, "InternalError").is_retryable());
        assert!(!ServiceError::new(404, "NoSuchKey").is_retryable());
        let mut expired = ServiceError::new(403, "AccessDenied");
        assert!(!expired.is_clock_skew());
        expired.message = "Request has expired".into();
        assert!(expired.is_clock_skew());
        assert!(
            Error::Transport {
                operation: "GetObject",
                message: "reset".into(),
                not_sent: false
            }
            .is_retryable()
        );
    }
}
