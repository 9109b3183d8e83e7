//! Errors of STS calls: API errors (`Response.Error`), transport failures, malformed responses
//! and requests rejected before sending.

use std::time::Duration;

/// An error code returned by STS in `Response.Error.Code`.
///
/// Codes this crate knows are parsed into [`ErrorCode::known`] families through
/// [`ErrorCode::as_str`] and the classification helpers; every code, known or not, is kept
/// verbatim so nothing is lost.
///
/// ```
/// use sts_client::ErrorCode;
///
/// let code = ErrorCode::new("RequestLimitExceeded.UinLimitExceeded");
/// assert!(code.is_throttling());
/// assert!(code.is_retryable());
/// assert_eq!(code.as_str(), "RequestLimitExceeded.UinLimitExceeded");
/// assert!(!ErrorCode::new("AuthFailure.SignatureFailure").is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ErrorCode(String);

impl ErrorCode {
    /// Codes documented for STS (`tencentcloud-sdk-python-sts` `errorcodes.py`) and the common
    /// API 3.0 codes that matter for it. Unknown codes are still accepted by [`ErrorCode::new`].
    ///
    /// ```
    /// assert!(sts_client::ErrorCode::KNOWN.contains(&"InvalidParameter.ResouceError"));
    /// ```
    pub const KNOWN: &'static [&'static str] = &[
        "AuthFailure.AccessKeyIllegal",
        "AuthFailure.InvalidAuthorization",
        "AuthFailure.InvalidSecretId",
        "AuthFailure.MFAFailure",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.SignatureExpire",
        "AuthFailure.SignatureFailure",
        "AuthFailure.TokenFailure",
        "FailedOperation.CheckMFAError",
        "FailedOperation.MFATypeNotSupported",
        "FailedOperation.TempKeyNotAllowed",
        "InternalError",
        "InternalError.DbError",
        "InternalError.EncryptError",
        "InternalError.GetAppIdError",
        "InternalError.GetRoleError",
        "InternalError.GetSeedTokenError",
        "InternalError.IllegalRole",
        "InternalError.PbSerializeError",
        "InternalError.SystemError",
        "InternalError.UnknownError",
        "InvalidParameter.AccessKeyNotSupport",
        "InvalidParameter.AccountNotAvaliable",
        "InvalidParameter.ExtendStrategyOverSize",
        "InvalidParameter.GrantOtherResource",
        "InvalidParameter.OverLimit",
        "InvalidParameter.OverTimeError",
        "InvalidParameter.ParamError",
        "InvalidParameter.PolicyTooLong",
        "InvalidParameter.ResouceError",
        "InvalidParameter.StrategyFormatError",
        "InvalidParameter.StrategyInvalid",
        "InvalidParameter.TempCodeNotAvaliable",
        "InvalidParameter.WebIdentityTokenError",
        "InvalidParameterValue",
        "MissingParameter",
        "RequestLimitExceeded",
        "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
        "RequestLimitExceeded.UinLimitExceeded",
        "ResourceNotFound.RoleNotFound",
        "UnauthorizedOperation",
        "UnsupportedOperation",
        "ActionOffline",
        "NoSuchVersion",
    ];

    /// Wraps a code as returned by the server (kept verbatim, known or not).
    ///
    /// ```
    /// assert_eq!(sts_client::ErrorCode::new("Whatever.New").as_str(), "Whatever.New");
    /// ```
    pub fn new(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    /// The code exactly as the server sent it.
    ///
    /// ```
    /// assert_eq!(sts_client::ErrorCode::new("InternalError").as_str(), "InternalError");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the code is one of [`ErrorCode::KNOWN`].
    ///
    /// ```
    /// assert!(sts_client::ErrorCode::new("MissingParameter").known());
    /// assert!(!sts_client::ErrorCode::new("Brand.NewCode").known());
    /// ```
    pub fn known(&self) -> bool {
        Self::KNOWN.contains(&self.0.as_str())
    }

    /// `RequestLimitExceeded` or one of its sub-codes.
    ///
    /// ```
    /// assert!(sts_client::ErrorCode::new("RequestLimitExceeded").is_throttling());
    /// ```
    pub fn is_throttling(&self) -> bool {
        self.0 == "RequestLimitExceeded" || self.0.starts_with("RequestLimitExceeded.")
    }

    /// An `AuthFailure.*` code: the credential or the signature was rejected.
    ///
    /// ```
    /// assert!(sts_client::ErrorCode::new("AuthFailure.SignatureExpire").is_auth_failure());
    /// ```
    pub fn is_auth_failure(&self) -> bool {
        self.0.starts_with("AuthFailure")
    }

    /// Whether a retry with back-off may succeed: throttling, `InternalError`,
    /// `InternalError.SystemError` and `InternalError.UnknownError`. Other `InternalError.*`
    /// codes (such as `GetRoleError`) describe the request and are not retried.
    ///
    /// ```
    /// assert!(sts_client::ErrorCode::new("InternalError").is_retryable());
    /// assert!(!sts_client::ErrorCode::new("InternalError.IllegalRole").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.is_throttling()
            || matches!(
                self.0.as_str(),
                "InternalError" | "InternalError.SystemError" | "InternalError.UnknownError"
            )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An error the STS API returned in `Response.Error` (HTTP status is usually 200).
///
/// ```
/// use sts_client::{ApiError, ErrorCode};
///
/// let error = ApiError::new("InvalidParameter.ResouceError", "bad resource", "req-1");
/// assert_eq!(error.code.as_str(), "InvalidParameter.ResouceError");
/// assert!(error.to_string().contains("req-1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("STS error {code}: {message} (RequestId {request_id})")]
#[non_exhaustive]
pub struct ApiError {
    /// `Response.Error.Code`, kept verbatim.
    pub code: ErrorCode,
    /// `Response.Error.Message`.
    pub message: String,
    /// `Response.RequestId` (empty if the server sent none).
    pub request_id: String,
}

impl ApiError {
    /// Builds an API error (mostly useful in tests and mock servers).
    ///
    /// ```
    /// let error = sts_client::ApiError::new("InternalError", "oops", "r");
    /// assert!(error.is_retryable());
    /// ```
    pub fn new(
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        Self {
            code: ErrorCode::new(code),
            message: message.into(),
            request_id: request_id.into(),
        }
    }

    /// See [`ErrorCode::is_retryable`].
    ///
    /// ```
    /// assert!(!sts_client::ApiError::new("MissingParameter", "", "").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        self.code.is_retryable()
    }
}

/// Why an STS call failed.
///
/// ```
/// use sts_client::{ApiError, StsError};
///
/// let error = StsError::from(ApiError::new("RequestLimitExceeded", "slow down", "r"));
/// assert!(error.is_retryable());
/// assert_eq!(error.api_error().map(|e| e.code.as_str()), Some("RequestLimitExceeded"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StsError {
    /// STS answered with `Response.Error`.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request was rejected before anything was sent (bad parameter, invalid policy…).
    #[error("invalid request: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
    /// The policy failed validation (errors, or least-privilege lints not opted out of).
    #[error("policy rejected before sending: {findings}")]
    PolicyRejected {
        /// The findings, one per line, each with its JSON path.
        findings: String,
    },
    /// No credential could be obtained for a signed call.
    #[error("credentials unavailable: {0}")]
    Credentials(#[from] crate::provider::CredentialsError),
    /// The request could not be signed.
    #[error("signing failed: {0}")]
    Signing(#[from] tc3_signer::SignError),
    /// Connecting, TLS, or exchanging bytes failed.
    #[error("transport error: {message}")]
    Transport {
        /// A description of the failure (never contains secrets).
        message: String,
        /// Whether the request is known not to have reached the server.
        not_sent: bool,
    },
    /// The connect or request timeout elapsed.
    #[error("request timed out after {after:?}")]
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The server answered with an HTTP status other than 200 and no API error envelope.
    #[error("unexpected HTTP status {status}")]
    HttpStatus {
        /// The HTTP status code.
        status: u16,
        /// The `RequestId` if the body carried one.
        request_id: Option<String>,
    },
    /// The body was not a valid STS response.
    #[error("malformed STS response: {reason}")]
    MalformedResponse {
        /// What could not be parsed.
        reason: String,
        /// The `RequestId` if it could be read.
        request_id: Option<String>,
    },
    /// The response body exceeded the configured size limit.
    #[error("response body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl StsError {
    /// Whether a retry may succeed: transport errors, timeouts, the HTTP statuses of
    /// `cos_http::status_is_retryable` (429, 500, 502, 503, 504) and retryable
    /// API codes (see [`ErrorCode::is_retryable`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// assert!(sts_client::StsError::Timeout { after: Duration::from_secs(1) }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(error) => error.is_retryable(),
            Self::Transport { .. } | Self::Timeout { .. } => true,
            Self::Credentials(error) => error.is_retryable(),
            Self::HttpStatus { status, .. } => {
                http::StatusCode::from_u16(*status).is_ok_and(cos_http::status_is_retryable)
            }
            Self::InvalidRequest { .. }
            | Self::PolicyRejected { .. }
            | Self::Signing(_)
            | Self::MalformedResponse { .. }
            | Self::BodyTooLarge { .. } => false,
        }
    }

    /// The API error, if STS answered with one.
    ///
    /// ```
    /// let error = sts_client::StsError::InvalidRequest { reason: "x".into() };
    /// assert!(error.api_error().is_none());
    /// ```
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(error) => Some(error),
            _ => None,
        }
    }

    /// The `RequestId` of the failed call, if the server sent one.
    ///
    /// ```
    /// let error = sts_client::StsError::from(sts_client::ApiError::new("X", "", "req-9"));
    /// assert_eq!(error.request_id(), Some("req-9"));
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(error) => Some(error.request_id.as_str()),
            Self::HttpStatus { request_id, .. } | Self::MalformedResponse { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::InvalidRequest {
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        for code in [
            "RequestLimitExceeded",
            "RequestLimitExceeded.UinLimitExceeded",
            "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
            "InternalError",
        ] {
            assert!(ErrorCode::new(code).is_retryable(), "{code}");
        }
        for code in [
            "AuthFailure.SignatureFailure",
            "InvalidParameter.GrantOtherResource",
            "RequestLimitExceededX",
            "Unknown.Code",
        ] {
            assert!(!ErrorCode::new(code).is_retryable(), "{code}");
        }
        assert!(ErrorCode::KNOWN.iter().all(|c| ErrorCode::new(*c).known()));
        assert!(
            StsError::HttpStatus {
                status: 503,
                request_id: None
            }
            .is_retryable()
        );
        assert!(
            !StsError::HttpStatus {
                status: 403,
                request_id: None
            }
            .is_retryable()
        );
        // One classification with cos-client: 501 Not Implemented will not change.
        assert!(
            !StsError::HttpStatus {
                status: 501,
                request_id: None
            }
            .is_retryable()
        );
    }
}
