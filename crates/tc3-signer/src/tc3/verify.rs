//! Server-side verification of a TC3 signature against the raw incoming request.

use std::time::Duration;

use crate::{IncomingRequest, VerifyError};

use super::authorization::Tc3Authorization;
use super::canonical::{UNSIGNED_PAYLOAD, canonical_headers, canonical_request, hashed_payload};
use super::date::utc_date;
use super::freshness::{DEFAULT_TOLERANCE, check_freshness, parse_timestamp};
use super::keys::DerivedKeys;
use super::mac::sha256_hex;
use super::scope::string_to_sign;
use super::sign::checked_method;
use super::validate::trim_ows;

/// What the verifier expects: the service, its clock and the allowed clock skew.
///
/// ```
/// use std::time::Duration;
/// use tc3_signer::tc3::VerifyParams;
///
/// let params = VerifyParams::new("sts", 1_700_000_000).with_tolerance(Duration::from_secs(60));
/// assert_eq!(params.tolerance().as_secs(), 60);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyParams<'a> {
    service: &'a str,
    now: u64,
    tolerance: Duration,
}

impl<'a> VerifyParams<'a> {
    /// Expects `service` in the credential scope; `now` is the verifier's time (Unix seconds).
    /// The tolerance defaults to [`DEFAULT_TOLERANCE`] (five minutes).
    ///
    /// ```
    /// let params = tc3_signer::tc3::VerifyParams::new("sts", 1_700_000_000);
    /// assert_eq!(params.service(), "sts");
    /// assert_eq!(params.now(), 1_700_000_000);
    /// ```
    pub fn new(service: &'a str, now: u64) -> Self {
        Self {
            service,
            now,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// Sets how far `X-TC-Timestamp` may be from `now`, either way.
    ///
    /// ```
    /// let params = tc3_signer::tc3::VerifyParams::new("sts", 0).with_tolerance(std::time::Duration::ZERO);
    /// assert!(params.tolerance().is_zero());
    /// ```
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// The expected service.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::VerifyParams::new("cvm", 0).service(), "cvm");
    /// ```
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The verifier's time, Unix seconds.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::VerifyParams::new("cvm", 7).now(), 7);
    /// ```
    pub fn now(&self) -> u64 {
        self.now
    }

    /// The allowed clock skew.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::VerifyParams::new("cvm", 0).tolerance().as_secs(), 300);
    /// ```
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }
}

/// A request whose TC3 signature checked out.
///
/// ```
/// # use tc3_signer::{Credential, IncomingRequest, SignableRequest, tc3::*};
/// # let sent = [("Content-Type", "application/json")];
/// # let request = SignableRequest::new("POST", "/").with_host("sts.tencentcloudapi.com").with_headers(&sent).with_body(b"{}");
/// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
/// # let signed = sign(&request, &params, &Credential::new("AKID", "SECRETKEY")).unwrap();
/// # let received: Vec<_> = signed.headers_to_send().iter().collect();
/// # let incoming = IncomingRequest::new("POST", "/", "", &received).with_body(b"{}");
/// # let Authorization::Tc3(presented) = authorization_of(&incoming).unwrap() else { unreachable!() };
/// let verified = verify(&incoming, &presented, "SECRETKEY", &VerifyParams::new("sts", 1_700_000_010))?;
/// assert_eq!(verified.secret_id(), "AKID");
/// assert_eq!(verified.timestamp(), 1_700_000_000);
/// assert!(verified.payload_signed());
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    secret_id: String,
    timestamp: u64,
    payload_signed: bool,
}

impl Verified {
    /// The secret id that signed the request.
    ///
    /// ```
    /// # use tc3_signer::{Credential, IncomingRequest, SignableRequest, tc3::*};
    /// # let sent = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/").with_host("sts.tencentcloudapi.com").with_headers(&sent).with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "A", "2018-08-13", 100);
    /// # let signed = sign(&request, &params, &Credential::new("AKID", "k")).unwrap();
    /// # let received: Vec<_> = signed.headers_to_send().iter().collect();
    /// # let incoming = IncomingRequest::new("POST", "/", "", &received).with_body(b"{}");
    /// # let Authorization::Tc3(presented) = authorization_of(&incoming).unwrap() else { unreachable!() };
    /// let verified = verify(&incoming, &presented, "k", &VerifyParams::new("sts", 100))?;
    /// assert_eq!(verified.secret_id(), "AKID");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The `X-TC-Timestamp` of the request.
    ///
    /// ```
    /// # use tc3_signer::{Credential, IncomingRequest, SignableRequest, tc3::*};
    /// # let sent = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/").with_host("sts.tencentcloudapi.com").with_headers(&sent).with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "A", "2018-08-13", 100);
    /// # let signed = sign(&request, &params, &Credential::new("AKID", "k")).unwrap();
    /// # let received: Vec<_> = signed.headers_to_send().iter().collect();
    /// # let incoming = IncomingRequest::new("POST", "/", "", &received).with_body(b"{}");
    /// # let Authorization::Tc3(presented) = authorization_of(&incoming).unwrap() else { unreachable!() };
    /// assert_eq!(verify(&incoming, &presented, "k", &VerifyParams::new("sts", 100))?.timestamp(), 100);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Whether the body was covered by the signature (`false` with
    /// `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`; the server may refuse such requests).
    ///
    /// ```
    /// # use tc3_signer::{Credential, IncomingRequest, SignableRequest, tc3::*};
    /// # let sent = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/").with_host("sts.tencentcloudapi.com").with_headers(&sent).with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "A", "2018-08-13", 100).with_payload(PayloadMode::Unsigned);
    /// # let signed = sign(&request, &params, &Credential::new("AKID", "k")).unwrap();
    /// # let received: Vec<_> = signed.headers_to_send().iter().collect();
    /// # let incoming = IncomingRequest::new("POST", "/", "", &received).with_body(b"{}");
    /// # let Authorization::Tc3(presented) = authorization_of(&incoming).unwrap() else { unreachable!() };
    /// assert!(!verify(&incoming, &presented, "k", &VerifyParams::new("sts", 100))?.payload_signed());
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn payload_signed(&self) -> bool {
        self.payload_signed
    }
}

fn malformed(reason: impl Into<String>) -> VerifyError {
    VerifyError::Malformed {
        reason: reason.into(),
    }
}

/// Verifies the TC3 signature `authorization` (parsed from the request, see
/// [`authorization_of`](super::authorization_of)) against the raw `request`, with the
/// secret key looked up by [`Tc3Authorization::secret_id`].
///
/// The host checked is the request's `Host` header, or the host the client is expected to
/// have signed when the server sets it ([`IncomingRequest::with_host`]). Checks, in order:
/// `X-TC-Timestamp` present and within `now ± tolerance`; the scope's service and date (the
/// UTC date of the timestamp); every signed header present exactly once; then the signature,
/// compared in constant time.
///
/// ```
/// use tc3_signer::{Credential, IncomingRequest, SignableRequest, VerifyError};
/// use tc3_signer::tc3::{Authorization, Tc3Params, VerifyParams, authorization_of, sign, verify};
///
/// // Client side.
/// let body = br#"{"Name":"cos-sts","DurationSeconds":1800}"#;
/// let headers = [("Content-Type", "application/json")];
/// let request = SignableRequest::new("POST", "/")
///     .with_host("sts.tencentcloudapi.com")
///     .with_headers(&headers)
///     .with_body(body);
/// let params = Tc3Params::new("sts", "GetFederationToken", "2018-08-13", 1_700_000_000);
/// let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEY"))?;
///
/// // Server side: the request as received (`Host` among the headers sent).
/// let received: Vec<(&str, &str)> = signed.headers_to_send().iter().collect();
/// let incoming = IncomingRequest::new("POST", "/", "", &received).with_body(body);
/// let Authorization::Tc3(presented) = authorization_of(&incoming)? else { unreachable!() };
/// assert_eq!(presented.secret_id(), "AKIDEXAMPLE"); // look the key up by id
/// verify(&incoming, &presented, "SECRETKEY", &VerifyParams::new("sts", 1_700_000_100))?;
/// assert!(matches!(
///     verify(&incoming, &presented, "WRONG", &VerifyParams::new("sts", 1_700_000_100)),
///     Err(VerifyError::Tc3SignatureMismatch { .. })
/// ));
/// assert!(matches!(
///     verify(&incoming, &presented, "SECRETKEY", &VerifyParams::new("sts", 1_700_000_301)),
///     Err(VerifyError::Expired { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(
    request: &IncomingRequest<'_>,
    authorization: &Tc3Authorization,
    secret_key: &str,
    params: &VerifyParams<'_>,
) -> Result<Verified, VerifyError> {
    let timestamp = request_timestamp(request)?;
    check_freshness(timestamp, params.now(), params.tolerance())?;
    if authorization.service() != params.service() {
        return Err(VerifyError::ScopeMismatch {
            field: "service",
            presented: authorization.service().to_owned(),
            expected: params.service().to_owned(),
        });
    }
    let date = utc_date(timestamp);
    if authorization.date() != date {
        return Err(VerifyError::ScopeMismatch {
            field: "date",
            presented: authorization.date().to_owned(),
            expected: date,
        });
    }
    let method = checked_method(request.method()).map_err(|_| malformed("invalid method"))?;
    let entries = signed_header_values(request, authorization)?;
    let payload_signed = !matches!(
        request.unique_header("x-tc-content-sha256"),
        Ok(Some(value)) if trim_ows(&String::from_utf8_lossy(value)) == UNSIGNED_PAYLOAD
    );
    let payload_hash = hashed_payload(request.body(), !payload_signed);
    let build = |entries: &[(&str, String)]| {
        let headers =
            canonical_headers(entries.iter().map(|(name, value)| (*name, value.as_str())));
        canonical_request(
            &method,
            request.raw_path(),
            request.raw_query(),
            &headers,
            &payload_hash,
        )
    };
    let canonical = build(&entries);
    let string_to_sign = string_to_sign(
        timestamp,
        &authorization.credential_scope(),
        &sha256_hex(canonical.as_bytes()),
    );
    let presented =
        hex::decode(authorization.signature()).map_err(|_| malformed("signature is not hex"))?;
    let keys = DerivedKeys::derive(secret_key, &date, params.service());
    if !keys.matches(&string_to_sign, &presented) {
        let redacted: Vec<(&str, String)> = entries
            .into_iter()
            .map(|(name, value)| match name {
                "x-tc-token" => (name, "<redacted>".to_owned()),
                _ => (name, value),
            })
            .collect();
        return Err(VerifyError::Tc3SignatureMismatch {
            canonical_request: build(&redacted),
            string_to_sign,
        });
    }
    Ok(Verified {
        secret_id: authorization.secret_id().to_owned(),
        timestamp,
        payload_signed,
    })
}

fn request_timestamp(request: &IncomingRequest<'_>) -> Result<u64, VerifyError> {
    let raw = request
        .unique_header("x-tc-timestamp")
        .map_err(|_| malformed("more than one X-TC-Timestamp header"))?
        .ok_or_else(|| malformed("missing X-TC-Timestamp header"))?;
    std::str::from_utf8(raw)
        .ok()
        .and_then(|value| parse_timestamp(trim_ows(value)))
        .ok_or_else(|| malformed("X-TC-Timestamp is not a decimal Unix time"))
}

/// `(name, value)` of each signed header, in the order the client listed them.
fn signed_header_values<'n>(
    request: &IncomingRequest<'_>,
    authorization: &'n Tc3Authorization,
) -> Result<Vec<(&'n str, String)>, VerifyError> {
    authorization
        .signed_headers()
        .iter()
        .map(|name| {
            let raw = request
                .unique_header(name)
                .map_err(|_| malformed(format!("signed header `{name}` appears more than once")))?
                .ok_or_else(|| VerifyError::MissingSignedHeader { name: name.clone() })?;
            let value = std::str::from_utf8(raw)
                .map_err(|_| malformed(format!("signed header `{name}` is not UTF-8")))?
                .to_owned();
            Ok((name.as_str(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tc3::{Authorization, Tc3Params, authorization_of, sign};
    use crate::{Credential, SignableRequest};

    const HOST: &str = "sts.tencentcloudapi.com";

    /// Signs a request with an extra signed header and returns the headers as received.
    fn received_headers() -> Vec<(&'static str, String)> {
        let sent = [("Content-Type", "application/json"), ("X-Custom", "v")];
        let request = SignableRequest::new("POST", "/")
            .with_host(HOST)
            .with_headers(&sent);
        let params = Tc3Params::new("sts", "AssumeRole", "2018-08-13", 1_700_000_000)
            .sign_header("x-custom");
        let signed = sign(&request, &params, &Credential::new("AKID", "key")).unwrap();
        let mut headers: Vec<(&'static str, String)> = signed
            .headers_to_send()
            .iter()
            .map(|(name, value)| (name, value.to_owned()))
            .collect();
        headers.push(("X-Custom", "v".to_owned()));
        headers
    }

    fn check(
        headers: &[(&'static str, String)],
        service: &str,
        now: u64,
    ) -> Result<Verified, VerifyError> {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let request = IncomingRequest::new("POST", "/", "", &headers).with_host(HOST);
        let Authorization::Tc3(presented) = authorization_of(&request)? else {
            panic!("SKIP");
        };
        verify(
            &request,
            &presented,
            "key",
            &VerifyParams::new(service, now),
        )
    }

    #[test]
    fn accepts_the_signed_request() {
        let verified = check(&received_headers(), "sts", 1_700_000_000).unwrap();
        assert_eq!(verified.secret_id(), "AKID");
        assert!(verified.payload_signed());
    }

    #[test]
    fn reports_scope_mismatches() {
        assert!(matches!(
            check(&received_headers(), "cvm", 1_700_000_000),
            Err(VerifyError::ScopeMismatch {
                field: "service",
                ..
            })
        ));
        let mut headers = received_headers();
        headers[0].1 = headers[0].1.replace("2023-11-14", "2023-11-15");
        assert!(matches!(
            check(&headers, "sts", 1_700_000_000),
            Err(VerifyError::ScopeMismatch { field: "date", .. })
        ));
    }

    #[test]
    fn reports_missing_signed_header_and_timestamp() {
        let mut headers = received_headers();
        headers.retain(|(name, _)| *name != "X-Custom");
        assert_eq!(
            check(&headers, "sts", 1_700_000_000).unwrap_err(),
            VerifyError::MissingSignedHeader {
                name: "x-custom".into()
            }
        );
        let mut headers = received_headers();
        headers.retain(|(name, _)| *name != "X-TC-Timestamp");
        assert!(matches!(
            check(&headers, "sts", 1_700_000_000),
            Err(VerifyError::Malformed { .. })
        ));
        let mut headers = received_headers();
        headers.push(("x-custom", "v".to_owned()));
        assert!(matches!(
            check(&headers, "sts", 1_700_000_000),
            Err(VerifyError::Malformed { .. })
        ));
    }

    #[test]
    fn reports_clock_skew() {
        let error = check(&received_headers(), "sts", 1_699_999_699).unwrap_err();
        assert_eq!(
            error,
            VerifyError::NotYetValid {
                start: 1_699_999_700,
                now: 1_699_999_699
            }
        );
        assert!(error.is_retryable());
        assert!(matches!(
            check(&received_headers(), "sts", 1_700_000_301),
            Err(VerifyError::Expired { .. })
        ));
    }

    #[test]
    fn mismatch_carries_the_server_strings() {
        let mut headers = received_headers();
        let custom = headers
            .iter_mut()
            .find(|(name, _)| *name == "X-Custom")
            .unwrap();
        custom.1 = "changed".into();
        let Err(VerifyError::Tc3SignatureMismatch {
            canonical_request,
            string_to_sign,
        }) = check(&headers, "sts", 1_700_000_000)
        else {
            panic!("expected a mismatch");
        };
        assert!(canonical_request.contains("\nx-custom:changed\n"));
        assert!(
            string_to_sign.starts_with("TC3-HMAC-SHA256\n1700000000\n2023-11-14/sts/tc3_request\n")
        );
    }
}
