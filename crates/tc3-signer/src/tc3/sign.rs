//! Signing: from request parts and parameters to the headers to send.

use std::collections::BTreeSet;
use std::fmt;

use crate::{Credential, SignError, SignableRequest};

use super::canonical::{UNSIGNED_PAYLOAD, canonical_headers, canonical_request, hashed_payload};
use super::date::utc_date;
use super::headers::{HeadersToSend, names};
use super::keys::DerivedKeys;
use super::mac::sha256_hex;
use super::params::{PayloadMode, Tc3Params};
use super::scope::{ALGORITHM, credential_scope, string_to_sign};
use super::validate::{check_header_value, has_control, is_token};
use crate::incoming::{DuplicateHeader, unique_value};

/// The value of `Authorization` for the unsigned STS actions.
///
/// ```
/// use tc3_signer::tc3::{Authorization, SKIP, parse_authorization};
/// assert_eq!(parse_authorization(SKIP).unwrap(), Authorization::Skip);
/// ```
pub const SKIP: &str = "SKIP";

/// A computed TC3 signature with every intermediate string, and the headers to send.
///
/// `Debug` shows neither the canonical request nor the token (a caller may sign `x-tc-token`).
///
/// ```
/// use tc3_signer::{Credential, SignableRequest};
/// use tc3_signer::tc3::{Tc3Params, sign};
///
/// let body = br#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
/// let headers = [("Content-Type", "application/json; charset=utf-8")];
/// let request = SignableRequest::new("POST", "/")
///     .with_host("cvm.tencentcloudapi.com")
///     .with_headers(&headers)
///     .with_body(body);
/// let params = Tc3Params::new("cvm", "DescribeInstances", "2017-03-12", 1_551_113_065)
///     .with_region("ap-guangzhou");
/// let credential = Credential::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
/// let signed = sign(&request, &params, &credential)?;
/// assert_eq!(signed.signature(), "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
/// assert_eq!(signed.credential_scope(), "2019-02-25/cvm/tc3_request");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Tc3Signature {
    hashed_payload: String,
    canonical_headers: String,
    signed_headers: String,
    canonical_request: String,
    hashed_canonical_request: String,
    date: String,
    credential_scope: String,
    string_to_sign: String,
    signature: String,
    authorization: String,
    headers: HeadersToSend,
}

impl Tc3Signature {
    /// `HashedRequestPayload`, lower-case hex.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert_eq!(signed.hashed_payload().len(), 64);
    /// ```
    pub fn hashed_payload(&self) -> &str {
        &self.hashed_payload
    }

    /// `CanonicalHeaders`: one `name:value\n` line per signed header.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert!(signed.canonical_headers().starts_with("content-type:"));
    /// ```
    pub fn canonical_headers(&self) -> &str {
        &self.canonical_headers
    }

    /// `SignedHeaders`, for example `content-type;host`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert_eq!(signed.signed_headers(), "content-type;host");
    /// ```
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// The full `CanonicalRequest`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert!(signed.canonical_request().starts_with("POST\n/\n\n"));
    /// ```
    pub fn canonical_request(&self) -> &str {
        &self.canonical_request
    }

    /// `hex(SHA256(CanonicalRequest))`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert!(signed.string_to_sign().ends_with(signed.hashed_canonical_request()));
    /// ```
    pub fn hashed_canonical_request(&self) -> &str {
        &self.hashed_canonical_request
    }

    /// The UTC date of the timestamp, `YYYY-MM-DD`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert_eq!(signed.date(), "2023-11-14");
    /// ```
    pub fn date(&self) -> &str {
        &self.date
    }

    /// `Date/Service/tc3_request`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert_eq!(signed.credential_scope(), "2023-11-14/sts/tc3_request");
    /// ```
    pub fn credential_scope(&self) -> &str {
        &self.credential_scope
    }

    /// The `StringToSign`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert!(signed.string_to_sign().starts_with("TC3-HMAC-SHA256\n1700000000\n"));
    /// ```
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signature, lower-case hex.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert_eq!(signed.signature().len(), 64);
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The `Authorization` header value.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert!(signed.authorization().starts_with("TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/sts/tc3_request, "));
    /// ```
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// Every header the request must carry: `Authorization`, `Content-Type`, `Host`,
    /// `X-TC-Action`, `X-TC-Timestamp`, `X-TC-Version`, and when set `X-TC-Region`,
    /// `X-TC-Token`, `X-TC-Language`, `X-TC-Content-SHA256`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, tc3::{Tc3Params, sign}};
    /// # let headers = [("Content-Type", "application/json")];
    /// # let request = SignableRequest::new("POST", "/")
    /// #     .with_host("sts.tencentcloudapi.com")
    /// #     .with_headers(&headers)
    /// #     .with_body(b"{}");
    /// # let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// # let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE")).unwrap();
    /// assert_eq!(signed.headers_to_send().get("X-TC-Version"), Some("2018-08-13"));
    /// ```
    pub fn headers_to_send(&self) -> &HeadersToSend {
        &self.headers
    }
}

impl fmt::Debug for Tc3Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tc3Signature")
            .field("signed_headers", &self.signed_headers)
            .field("hashed_payload", &self.hashed_payload)
            .field("credential_scope", &self.credential_scope)
            .field("string_to_sign", &self.string_to_sign)
            .field("signature", &self.signature)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Signs `request` with `TC3-HMAC-SHA256` for `params`, using `credential` (its token, if
/// any, is sent as `X-TC-Token`, unsigned unless named with [`Tc3Params::sign_header`]).
///
/// The request must carry a `Content-Type` header and a host ([`SignableRequest::with_host`]
/// or a `Host` header). The path and the raw query ([`SignableRequest::with_query`]) are
/// signed exactly as given (decoded parameters are refused: they cannot reproduce the bytes
/// sent); the body's SHA-256 is signed unless [`PayloadMode::Unsigned`]. Header values are
/// signed lower-cased and trimmed.
///
/// ```
/// use tc3_signer::{Credential, SignableRequest};
/// use tc3_signer::tc3::{Tc3Params, sign};
///
/// let headers = [("Content-Type", "application/x-www-form-urlencoded")];
/// let request = SignableRequest::new("GET", "/")
///     .with_host("cvm.tencentcloudapi.com")
///     .with_query("Limit=10&Offset=0")
///     .with_headers(&headers);
/// let params = Tc3Params::new("cvm", "DescribeInstances", "2017-03-12", 1_551_113_065)
///     .with_region("ap-guangzhou");
/// let credential = Credential::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
/// let signed = sign(&request, &params, &credential)?;
/// assert_eq!(signed.signature(), "9867b291561db17491c01f0d7f06be3ccd45e91ecd3ce5434330e00ece036f64");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
pub fn sign(
    request: &SignableRequest<'_>,
    params: &Tc3Params<'_>,
    credential: &Credential,
) -> Result<Tc3Signature, SignError> {
    let method = checked_method(request.method())?;
    let target = Target::of(request)?;
    check_service(params.service())?;
    let content_type = content_type(request)?;
    let common = common_headers(params, credential.token())?;
    let signed_values = signed_header_values(request, target.host, params, content_type, &common)?;
    let headers = canonical_headers(
        signed_values
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let hashed_payload = hashed_payload(request.body(), params.payload() == PayloadMode::Unsigned);
    let canonical_request = canonical_request(
        &method,
        request.path(),
        target.query,
        &headers,
        &hashed_payload,
    );
    let hashed_canonical_request = sha256_hex(canonical_request.as_bytes());
    let date = utc_date(params.timestamp());
    let credential_scope = credential_scope(&date, params.service());
    let string_to_sign = string_to_sign(
        params.timestamp(),
        &credential_scope,
        &hashed_canonical_request,
    );
    let signature =
        DerivedKeys::derive(credential.secret_key(), &date, params.service()).sign(&string_to_sign);
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={}, Signature={signature}",
        credential.secret_id(),
        headers.signed
    );
    check_header_value("secret id", credential.secret_id())?;
    let mut to_send = Vec::with_capacity(common.len() + 3);
    to_send.push((names::AUTHORIZATION, authorization.clone()));
    to_send.push((names::CONTENT_TYPE, content_type.to_owned()));
    to_send.push((names::HOST, target.host.to_owned()));
    to_send.extend(common);
    Ok(Tc3Signature {
        hashed_payload,
        canonical_headers: headers.canonical,
        signed_headers: headers.signed,
        canonical_request,
        hashed_canonical_request,
        date,
        credential_scope,
        string_to_sign,
        signature,
        authorization,
        headers: HeadersToSend::new(to_send),
    })
}

/// Signs an `http::Request` (its body is the bytes sent) and sets every header to send on
/// it, replacing the `Host` and `X-TC-*` headers of an earlier attempt; the credential
/// headers of an earlier attempt (`Authorization`, `X-TC-Token`) are neither signed nor
/// kept, so a retry with a credential without token sends none. The host is the `Host`
/// header if present, else the URI's host; the path and raw query are the URI's, signed as
/// they are. On error the request is left unchanged.
///
/// ```
/// use tc3_signer::Credential;
/// use tc3_signer::tc3::{Tc3Params, sign_http};
///
/// let mut request = http::Request::post("https://sts.tencentcloudapi.com/")
///     .header("Content-Type", "application/json")
///     .body(b"{}".to_vec())
///     .unwrap();
/// let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
/// let signed = sign_http(&mut request, &params, &Credential::new("AKID", "key"))?;
/// assert_eq!(request.headers()["authorization"], signed.authorization());
/// assert_eq!(request.headers()["host"], "sts.tencentcloudapi.com");
/// assert_eq!(request.headers()["x-tc-timestamp"], "1700000000");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
pub fn sign_http<B: AsRef<[u8]>>(
    request: &mut http::Request<B>,
    params: &Tc3Params<'_>,
    credential: &Credential,
) -> Result<Tc3Signature, SignError> {
    let signed = {
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .filter(|(name, _)| !is_credential_header(name.as_str()))
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let uri = request.uri();
        let mut signable = SignableRequest::new(request.method().as_str(), uri.path())
            .with_query(uri.query().unwrap_or_default())
            .with_headers(&headers)
            .with_body(request.body().as_ref());
        if let Some(host) = uri.host() {
            signable = signable.with_host(host);
        }
        sign(&signable, params, credential)?
    };
    // Every value is checked before the request changes.
    let mut scratch = http::Request::new(());
    signed.headers_to_send().apply_to(&mut scratch)?;
    let headers = request.headers_mut();
    headers.remove(http::header::AUTHORIZATION);
    headers.remove(names::TOKEN);
    for (name, value) in scratch.headers() {
        let mut value = value.clone();
        value.set_sensitive(is_credential_header(name.as_str()));
        headers.insert(name.clone(), value);
    }
    Ok(signed)
}

/// `Authorization` and `X-TC-Token`: bound to one credential, never carried to the next.
fn is_credential_header(name: &str) -> bool {
    name.eq_ignore_ascii_case(names::AUTHORIZATION) || name.eq_ignore_ascii_case(names::TOKEN)
}

/// The headers of an unsigned request (`Authorization: SKIP`), as used by
/// `AssumeRoleWithWebIdentity` and `AssumeRoleWithSAML`. No `X-TC-Token` is sent.
///
/// ```
/// use tc3_signer::SignableRequest;
/// use tc3_signer::tc3::{Tc3Params, skip};
///
/// let headers = [("Content-Type", "application/json")];
/// let request = SignableRequest::new("POST", "/")
///     .with_host("sts.tencentcloudapi.com")
///     .with_headers(&headers);
/// let params = Tc3Params::new("sts", "AssumeRoleWithWebIdentity", "2018-08-13", 1_700_000_000)
///     .with_region("ap-guangzhou");
/// let headers = skip(&request, &params)?;
/// assert_eq!(headers.get("Authorization"), Some("SKIP"));
/// assert_eq!(headers.get("X-TC-Region"), Some("ap-guangzhou"));
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
pub fn skip(
    request: &SignableRequest<'_>,
    params: &Tc3Params<'_>,
) -> Result<HeadersToSend, SignError> {
    checked_method(request.method())?;
    let target = Target::of(request)?;
    let content_type = content_type(request)?;
    let common = common_headers(params, None)?;
    let mut to_send = Vec::with_capacity(common.len() + 3);
    to_send.push((names::AUTHORIZATION, SKIP.to_owned()));
    to_send.push((names::CONTENT_TYPE, content_type.to_owned()));
    to_send.push((names::HOST, target.host.to_owned()));
    to_send.extend(common);
    Ok(HeadersToSend::new(to_send))
}

/// The method, upper-cased, once checked to be an HTTP token.
pub(crate) fn checked_method(method: &str) -> Result<String, SignError> {
    if !is_token(method) {
        return Err(SignError::InvalidInput {
            field: "method",
            reason: "must be a non-empty HTTP token".into(),
        });
    }
    Ok(method.to_ascii_uppercase())
}

/// The host and raw query TC3 signs, once checked.
struct Target<'a> {
    host: &'a str,
    query: &'a str,
}

impl<'a> Target<'a> {
    /// Rejects a missing host, decoded parameters (TC3 signs the query exactly as sent), and
    /// a host, path or query that cannot appear in a request line or canonical request.
    fn of(request: &SignableRequest<'a>) -> Result<Self, SignError> {
        let bad =
            |s: &str, extra: &[char]| has_control(s, false) || s.contains(' ') || s.contains(extra);
        let host = request.effective_host().unwrap_or_default();
        if host.is_empty() || bad(host, &['/', '?', '#']) {
            return Err(SignError::InvalidInput {
                field: "host",
                reason: "must be a non-empty host name (`SignableRequest::with_host` or a `Host` \
                         header) without spaces, control characters, `/`, `?` or `#`"
                    .into(),
            });
        }
        if !(request.path().is_empty() || request.path().starts_with('/'))
            || bad(request.path(), &['?', '#'])
        {
            return Err(SignError::InvalidInput {
                field: "path",
                reason: "must start with `/` and contain no spaces, control characters, `?` or `#`"
                    .into(),
            });
        }
        if !request.params().is_empty() {
            return Err(SignError::InvalidInput {
                field: "query",
                reason:
                    "TC3 signs the raw query exactly as sent: use `SignableRequest::with_query`, \
                         not decoded parameters"
                        .into(),
            });
        }
        let query = request.query().unwrap_or_default();
        if bad(query, &['#']) {
            return Err(SignError::InvalidInput {
                field: "query",
                reason: "must contain no spaces, control characters or `#`".into(),
            });
        }
        Ok(Self { host, query })
    }
}

fn check_service(service: &str) -> Result<(), SignError> {
    if service.is_empty()
        || service.contains('/')
        || has_control(service, false)
        || service.contains(' ')
    {
        return Err(SignError::InvalidInput {
            field: "service",
            reason: "must be a non-empty name without `/`, spaces or control characters".into(),
        });
    }
    Ok(())
}

/// The request's only `Content-Type` value.
fn content_type<'a>(request: &SignableRequest<'a>) -> Result<&'a str, SignError> {
    let value = unique_header(request, "content-type")?.ok_or_else(|| SignError::InvalidInput {
        field: "content-type",
        reason: "the request has no Content-Type header; TC3 always signs it".into(),
    })?;
    check_header_value("content-type", value)?;
    Ok(value)
}

/// The `X-TC-*` headers, in the order they are sent.
fn common_headers(
    params: &Tc3Params<'_>,
    token: Option<&str>,
) -> Result<Vec<(&'static str, String)>, SignError> {
    let mut headers = Vec::with_capacity(7);
    for (field, name, value) in [
        ("action", names::ACTION, Some(params.action())),
        ("timestamp", names::TIMESTAMP, None),
        ("version", names::VERSION, Some(params.version())),
    ] {
        match value {
            Some(value) => {
                if value.is_empty() {
                    return Err(SignError::InvalidInput {
                        field,
                        reason: "must not be empty".into(),
                    });
                }
                check_header_value(field, value)?;
                headers.push((name, value.to_owned()));
            }
            None => headers.push((name, params.timestamp().to_string())),
        }
    }
    for (field, name, value) in [
        ("region", names::REGION, params.region()),
        (
            "token",
            names::TOKEN,
            token.filter(|token| !token.is_empty()),
        ),
        ("language", names::LANGUAGE, params.language()),
    ] {
        if let Some(value) = value {
            check_header_value(field, value)?;
            headers.push((name, value.to_owned()));
        }
    }
    if params.payload() == PayloadMode::Unsigned {
        headers.push((names::CONTENT_SHA256, UNSIGNED_PAYLOAD.to_owned()));
    }
    Ok(headers)
}

/// `(lower-case name, value)` of every signed header, sorted by name.
fn signed_header_values(
    request: &SignableRequest<'_>,
    host: &str,
    params: &Tc3Params<'_>,
    content_type: &str,
    common: &[(&'static str, String)],
) -> Result<Vec<(String, String)>, SignError> {
    let mut names_to_sign = BTreeSet::from(["content-type".to_owned(), "host".to_owned()]);
    for extra in params.extra_signed_headers() {
        let name = extra.trim().to_ascii_lowercase();
        if !is_token(&name) || name == "authorization" {
            return Err(SignError::InvalidInput {
                field: "signed header",
                reason: format!("`{}` cannot be signed", super::validate::excerpt(extra)),
            });
        }
        names_to_sign.insert(name);
    }
    let mut values = Vec::with_capacity(names_to_sign.len());
    for name in names_to_sign {
        let value = match name.as_str() {
            "host" => host.to_owned(),
            "content-type" => content_type.to_owned(),
            _ => match common
                .iter()
                .find(|(common_name, _)| common_name.eq_ignore_ascii_case(&name))
            {
                Some((_, value)) => value.clone(),
                None => request_header_value(request, &name)?,
            },
        };
        values.push((name, value));
    }
    Ok(values)
}

fn request_header_value(request: &SignableRequest<'_>, name: &str) -> Result<String, SignError> {
    let value = unique_header(request, name)?.ok_or_else(|| SignError::InvalidInput {
        field: "signed header",
        reason: format!("`{name}` is to be signed but the request does not carry it"),
    })?;
    check_header_value("header value", value)?;
    Ok(value.to_owned())
}

/// The value of the only header called `name`; [`SignError::DuplicateHeader`] when it
/// appears more than once.
fn unique_header<'a>(
    request: &SignableRequest<'a>,
    name: &str,
) -> Result<Option<&'a str>, SignError> {
    unique_value(request.headers().iter().copied(), name).map_err(|DuplicateHeader| {
        SignError::DuplicateHeader {
            name: name.to_owned(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

    fn base() -> SignableRequest<'static> {
        SignableRequest::new("POST", "/")
            .with_host("sts.tencentcloudapi.com")
            .with_headers(&JSON)
    }

    #[test]
    fn missing_content_type_is_an_error() {
        let params = Tc3Params::new("sts", "A", "V", 0);
        let error = sign(
            &SignableRequest::new("POST", "/").with_host("h"),
            &params,
            &Credential::new("a", "b"),
        )
        .unwrap_err();
        assert!(matches!(
            error,
            SignError::InvalidInput {
                field: "content-type",
                ..
            }
        ));
    }

    #[test]
    fn duplicate_signed_header_is_rejected() {
        let headers = [JSON[0], ("content-type", "text/plain")];
        let request = base().with_headers(&headers);
        let params = Tc3Params::new("sts", "A", "V", 0);
        assert!(matches!(
            sign(&request, &params, &Credential::new("a", "b")),
            Err(SignError::DuplicateHeader { .. })
        ));
    }

    #[test]
    fn extra_signed_header_from_request_and_missing_one() {
        let headers = [JSON[0], ("X-Custom", " Value ")];
        let request = base().with_headers(&headers);
        let params = Tc3Params::new("sts", "A", "V", 0).sign_header("X-Custom");
        let signed = sign(&request, &params, &Credential::new("a", "b")).unwrap();
        assert_eq!(signed.signed_headers(), "content-type;host;x-custom");
        assert!(signed.canonical_headers().ends_with("x-custom:value\n"));
        let params = Tc3Params::new("sts", "A", "V", 0).sign_header("x-absent");
        assert!(sign(&request, &params, &Credential::new("a", "b")).is_err());
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let credential = Credential::new("a", "b");
        let params = Tc3Params::new("sts", "A", "V", 0);
        let bad_type = [("Content-Type", "x\r\ny: z")];
        let decoded = [("a", "1")];
        let request = |method, host| {
            SignableRequest::new(method, "/")
                .with_host(host)
                .with_headers(&JSON)
        };
        for request in [
            request("PO ST", "h"),
            request("POST", ""),
            request("POST", "h\n"),
            SignableRequest::new("POST", "/").with_headers(&JSON),
            SignableRequest::new("POST", "x")
                .with_host("h")
                .with_headers(&JSON),
            request("POST", "h").with_query("a=\n"),
            request("POST", "h").with_params(&decoded),
            request("POST", "h").with_headers(&bad_type),
        ] {
            assert!(sign(&request, &params, &credential).is_err(), "{request:?}");
        }
        for params in [
            Tc3Params::new("", "A", "V", 0),
            Tc3Params::new("s/t", "A", "V", 0),
            Tc3Params::new("sts", "", "V", 0),
            Tc3Params::new("sts", "A\n", "V", 0),
            Tc3Params::new("sts", "A", "V", 0).sign_header("authorization"),
            Tc3Params::new("sts", "A", "V", 0).sign_header("a;b"),
        ] {
            assert!(sign(&base(), &params, &credential).is_err(), "{params:?}");
        }
        let bad_token = Credential::new("a", "b").with_token("t\nX: y");
        assert!(sign(&base(), &Tc3Params::new("sts", "A", "V", 0), &bad_token).is_err());
    }

    #[test]
    fn skip_sends_no_token_and_no_signature() {
        let params =
            Tc3Params::new("sts", "AssumeRoleWithSAML", "2018-08-13", 5).with_language("zh-CN");
        let headers = skip(&base(), &params).unwrap();
        let names: Vec<&str> = headers.iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "Authorization",
                "Content-Type",
                "Host",
                "X-TC-Action",
                "X-TC-Timestamp",
                "X-TC-Version",
                "X-TC-Language"
            ]
        );
        assert_eq!(headers.get("x-tc-timestamp"), Some("5"));
    }

    #[test]
    fn debug_never_shows_the_token_or_secret() {
        let credential = Credential::new("AKID", "SECRETKEY123").with_token("TOKEN-XYZ-123");
        let params = Tc3Params::new("sts", "A", "V", 0).sign_header("x-tc-token");
        let signed = sign(&base(), &params, &credential).unwrap();
        assert!(
            signed
                .canonical_request()
                .contains("x-tc-token:token-xyz-123")
        );
        let shown = format!("{signed:?} {signed:#?} {:?}", signed.headers_to_send());
        assert!(!shown.contains("TOKEN-XYZ-123"));
        assert!(!shown.to_ascii_lowercase().contains("token-xyz-123"));
        assert!(!shown.contains("SECRETKEY123"));
    }
}
