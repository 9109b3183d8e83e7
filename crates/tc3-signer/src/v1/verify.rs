//! Server-side verification of a v1 signature.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::VerifyError;
use crate::tc3::{DEFAULT_TOLERANCE, check_freshness, parse_timestamp};

use super::SignatureMethod;
use super::form::parse_form;
use super::redact::redact_token;
use super::sign::source_of_sorted;
use super::source::signature_matches;

/// Where and when the verifier received a v1 request.
///
/// ```
/// use tc3_signer::v1::V1VerifyParams;
///
/// let params = V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 1_700_000_000);
/// assert_eq!(params.path(), "/");
/// assert_eq!(params.tolerance().as_secs(), 300);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1VerifyParams<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    now: u64,
    tolerance: Duration,
}

impl<'a> V1VerifyParams<'a> {
    /// A request received with `method` for `host` (the host the client signed) at `now`
    /// (Unix seconds), path `/`, tolerance five minutes.
    ///
    /// ```
    /// let params = tc3_signer::v1::V1VerifyParams::new("GET", "cvm.tencentcloudapi.com", 0);
    /// assert_eq!(params.method(), "GET");
    /// ```
    pub fn new(method: &'a str, host: &'a str, now: u64) -> Self {
        Self {
            method,
            host,
            path: "/",
            now,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Sets the path the request was received on.
    ///
    /// ```
    /// let params = tc3_signer::v1::V1VerifyParams::new("GET", "h", 0).with_path("/v2/index.php");
    /// assert_eq!(params.path(), "/v2/index.php");
    /// ```
    #[must_use]
    pub fn with_path(mut self, path: &'a str) -> Self {
        self.path = path;
        self
    }

    /// Sets how far `Timestamp` may be from `now`, either way.
    ///
    /// ```
    /// let params = tc3_signer::v1::V1VerifyParams::new("GET", "h", 0).with_tolerance(std::time::Duration::ZERO);
    /// assert!(params.tolerance().is_zero());
    /// ```
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The method.
    ///
    /// ```
    /// assert_eq!(tc3_signer::v1::V1VerifyParams::new("POST", "h", 0).method(), "POST");
    /// ```
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The host the client signed.
    ///
    /// ```
    /// assert_eq!(tc3_signer::v1::V1VerifyParams::new("POST", "h", 0).host(), "h");
    /// ```
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The path.
    ///
    /// ```
    /// assert_eq!(tc3_signer::v1::V1VerifyParams::new("POST", "h", 0).path(), "/");
    /// ```
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The verifier's time, Unix seconds.
    ///
    /// ```
    /// assert_eq!(tc3_signer::v1::V1VerifyParams::new("POST", "h", 9).now(), 9);
    /// ```
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The allowed clock skew.
    ///
    /// ```
    /// assert_eq!(tc3_signer::v1::V1VerifyParams::new("POST", "h", 0).tolerance().as_secs(), 300);
    /// ```
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }
}

/// The parameters of a received v1 request, parsed so the server can look the secret key up by
/// [`V1Presented::secret_id`] before calling [`V1Presented::verify`].
///
/// `Debug` redacts the `Token` parameter.
///
/// ```
/// use tc3_signer::Credential;
/// use tc3_signer::v1::{V1Params, V1Presented, V1VerifyParams};
///
/// let signed = V1Params::new("GetFederationToken", "2018-08-13", 1_700_000_000, 42)
///     .with_region("ap-guangzhou")
///     .with_param("Name", "cos-sts")
///     .sign("sts.tencentcloudapi.com", &Credential::new("AKIDEXAMPLE", "SECRETKEY"))?;
/// let body = signed.form_body();
///
/// let presented = V1Presented::from_form(&body)?;
/// assert_eq!(presented.secret_id(), "AKIDEXAMPLE");
/// presented.verify("SECRETKEY", &V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 1_700_000_030))?;
/// assert!(presented.verify("OTHER", &V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 1_700_000_030)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct V1Presented {
    params: Vec<(String, String)>,
    signature: String,
    secret_id: String,
    timestamp: u64,
    signature_method: SignatureMethod,
}

fn malformed(reason: impl Into<String>) -> VerifyError {
    VerifyError::Malformed {
        reason: reason.into(),
    }
}

impl V1Presented {
    /// Takes decoded `(name, value)` parameters (from the body or the query). Names must be
    /// unique; `Signature`, `SecretId` and a decimal `Timestamp` are required;
    /// `SignatureMethod`, when present, must be `HmacSHA1` or `HmacSHA256`.
    ///
    /// ```
    /// use tc3_signer::{VerifyError, v1::V1Presented};
    ///
    /// let params = vec![
    ///     ("SecretId".to_owned(), "AKID".to_owned()),
    ///     ("Timestamp".to_owned(), "1".to_owned()),
    ///     ("Signature".to_owned(), "x".to_owned()),
    ///     ("SignatureMethod".to_owned(), "HmacMD5".to_owned()),
    /// ];
    /// assert!(matches!(V1Presented::from_params(params), Err(VerifyError::UnknownAlgorithm { .. })));
    /// ```
    pub fn from_params(mut params: Vec<(String, String)>) -> Result<Self, VerifyError> {
        params.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for pair in params.windows(2) {
            if let [(first, _), (second, _)] = pair
                && first == second
            {
                return Err(malformed(format!(
                    "parameter `{}` appears more than once",
                    crate::tc3::excerpt(first)
                )));
            }
        }
        let take = |params: &mut Vec<(String, String)>, name: &str| {
            params
                .iter()
                .position(|(candidate, _)| candidate == name)
                .map(|index| params.remove(index).1)
        };
        let signature =
            take(&mut params, "Signature").ok_or_else(|| malformed("missing `Signature`"))?;
        let find = |name: &str| {
            params
                .iter()
                .find(|(candidate, _)| candidate == name)
                .map(|(_, value)| value.as_str())
        };
        let secret_id = find("SecretId")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| malformed("missing `SecretId`"))?
            .to_owned();
        let timestamp = find("Timestamp")
            .and_then(parse_timestamp)
            .ok_or_else(|| malformed("missing or non-decimal `Timestamp`"))?;
        let signature_method = match find("SignatureMethod") {
            None => SignatureMethod::HmacSha1,
            Some(value) => {
                SignatureMethod::parse(value).ok_or_else(|| VerifyError::UnknownAlgorithm {
                    algorithm: crate::tc3::excerpt(value),
                })?
            }
        };
        Ok(Self {
            params,
            signature,
            secret_id,
            timestamp,
            signature_method,
        })
    }

    /// Parses a form body or a query string, then [`V1Presented::from_params`].
    ///
    /// ```
    /// let presented = tc3_signer::v1::V1Presented::from_form("SecretId=AKID&Timestamp=5&Signature=abc%3D")?;
    /// assert_eq!(presented.timestamp(), 5);
    /// assert_eq!(presented.signature(), "abc=");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn from_form(raw: &str) -> Result<Self, VerifyError> {
        Self::from_params(parse_form(raw)?)
    }

    /// The `SecretId`, to look the secret key up with.
    ///
    /// ```
    /// let presented = tc3_signer::v1::V1Presented::from_form("SecretId=AKID&Timestamp=5&Signature=x")?;
    /// assert_eq!(presented.secret_id(), "AKID");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The `Timestamp`, Unix seconds.
    ///
    /// ```
    /// let presented = tc3_signer::v1::V1Presented::from_form("SecretId=AKID&Timestamp=5&Signature=x")?;
    /// assert_eq!(presented.timestamp(), 5);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The algorithm named by `SignatureMethod` (`HmacSHA1` when absent).
    ///
    /// ```
    /// use tc3_signer::v1::{SignatureMethod, V1Presented};
    /// let presented = V1Presented::from_form("SecretId=AKID&Timestamp=5&Signature=x")?;
    /// assert_eq!(presented.signature_method(), SignatureMethod::HmacSha1);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn signature_method(&self) -> SignatureMethod {
        self.signature_method
    }

    /// The presented `Signature` (base64).
    ///
    /// ```
    /// let presented = tc3_signer::v1::V1Presented::from_form("SecretId=AKID&Timestamp=5&Signature=x")?;
    /// assert_eq!(presented.signature(), "x");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The value of parameter `name` (`Signature` excluded).
    ///
    /// ```
    /// let presented = tc3_signer::v1::V1Presented::from_form("SecretId=AKID&Timestamp=5&Signature=x&Action=AssumeRole")?;
    /// assert_eq!(presented.param("Action"), Some("AssumeRole"));
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(candidate, _)| candidate == name)
            .map(|(_, value)| value.as_str())
    }

    /// Checks the `Timestamp` against `now ± tolerance`, then recomputes the signature over
    /// the received method, host and path and compares it in constant time.
    ///
    /// ```
    /// use tc3_signer::{VerifyError, v1::{V1Presented, V1VerifyParams}};
    ///
    /// let presented = V1Presented::from_form("SecretId=AKID&Timestamp=1000&Signature=AAAA")?;
    /// let params = V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 2000);
    /// assert!(matches!(presented.verify("k", &params), Err(VerifyError::Expired { .. })));
    /// let params = V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 1000);
    /// assert!(matches!(presented.verify("k", &params), Err(VerifyError::SignatureMismatch { .. })));
    /// # Ok::<(), VerifyError>(())
    /// ```
    pub fn verify(&self, secret_key: &str, params: &V1VerifyParams<'_>) -> Result<(), VerifyError> {
        check_freshness(self.timestamp, params.now(), params.tolerance())?;
        let source = source_of_sorted(params.method(), params.host(), params.path(), &self.params)
            .map_err(|error| malformed(error.to_string()))?;
        let presented = STANDARD
            .decode(self.signature.as_bytes())
            .map_err(|_| malformed("`Signature` is not base64"))?;
        if signature_matches(secret_key, &source, self.signature_method, &presented) {
            return Ok(());
        }
        let redacted: Vec<(String, String)> = redact_token(&self.params)
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let string_to_sign =
            source_of_sorted(params.method(), params.host(), params.path(), &redacted)
                .unwrap_or_default();
        Err(VerifyError::SignatureMismatch { string_to_sign })
    }
}

impl fmt::Debug for V1Presented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params = redact_token(&self.params);
        f.debug_struct("V1Presented")
            .field("secret_id", &self.secret_id)
            .field("timestamp", &self.timestamp)
            .field("signature_method", &self.signature_method)
            .field("signature", &self.signature)
            .field("params", &params)
            .finish()
    }
}
