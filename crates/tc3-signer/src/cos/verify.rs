//! Server-side verification of a COS signature against the raw incoming request.

use std::time::Duration;

use super::Authorization;
use super::canonical::{
    CanonicalList, canonical_name, canonical_params, trim_header_name, trim_header_value,
};
use super::crypto::constant_time_eq;
use super::http_string::{DigestInput, compute, is_valid_method};
use super::query::{decode_path, decode_query};
use crate::{IncomingRequest, VerifyError};

impl Authorization {
    /// Finds the signature of an incoming request: the `Authorization` header if present,
    /// otherwise the presigned query fields.
    ///
    /// # Errors
    /// As [`Authorization::parse`] / [`Authorization::from_query`].
    ///
    /// ```
    /// use tc3_signer::cos::{Authorization, IncomingRequest};
    ///
    /// let query = "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1%3B2&q-key-time=1%3B2&q-signature=0123456789abcdef0123456789abcdef01234567";
    /// let auth = Authorization::from_request(&IncomingRequest::new("GET", "/k", query, &[]))?;
    /// assert_eq!(auth.secret_id(), "AKID");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn from_request(request: &IncomingRequest<'_>) -> Result<Self, VerifyError> {
        match request.authorization_header() {
            Some(header) => Self::parse(header),
            None => Self::from_query(request.raw_query()),
        }
    }
}

/// Verifies a parsed COS signature against the raw incoming request.
///
/// Checks, in order: `q-sign-time` and `q-key-time` contain `now` (± `tolerance`); every
/// header in `q-header-list` is present exactly once and every parameter in
/// `q-url-param-list` at least once; then recomputes the signature over exactly the listed
/// headers and parameters (path and query decoded once) and compares it in constant time.
///
/// # Errors
/// [`VerifyError::Expired`], [`VerifyError::NotYetValid`],
/// [`VerifyError::MissingSignedHeader`], [`VerifyError::MissingSignedParameter`],
/// [`VerifyError::Malformed`] (invalid method, repeated signed header),
/// [`VerifyError::SignatureMismatch`] carrying the server's string to sign.
///
/// ```
/// use std::time::Duration;
/// use tc3_signer::{Credential, cos::{self, KeyTime, SignableRequest, Signer}};
///
/// // Client side.
/// let credential = Credential::new("AKID", "secret");
/// let headers = [("Host", "b-1250000000.cos.ap-beijing.myqcloud.com")];
/// let params = [("prefix", "a b/")];
/// let parts = SignableRequest::new("GET", "/").with_params(&params).with_headers(&headers);
/// let signed = Signer::new(&credential).sign(&parts, KeyTime::new(1000, 2000)?)?;
///
/// // Server side: raw request as received.
/// let received = [("host", headers[0].1), ("authorization", signed.authorization())];
/// let incoming = cos::IncomingRequest::new("GET", "/", "prefix=a%20b%2F", &received);
/// let auth = cos::Authorization::from_request(&incoming)?;
/// assert_eq!(auth.secret_id(), "AKID"); // look the secret key up by this
/// cos::verify(&auth, "secret", &incoming, 1500, Duration::from_secs(60))?;
/// assert!(cos::verify(&auth, "wrong", &incoming, 1500, Duration::ZERO).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(
    auth: &Authorization,
    secret_key: &str,
    request: &IncomingRequest<'_>,
    now: u64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    auth.sign_time().check(now, tolerance)?;
    auth.key_time().check(now, tolerance)?;
    if !is_valid_method(request.method()) {
        return Err(VerifyError::Malformed {
            reason: "the method is not an HTTP token".into(),
        });
    }
    let headers = listed_headers(auth, request)?;
    let params = listed_params(auth, request.raw_query())?;
    let path = decode_path(request.raw_path());
    let digests = compute(&DigestInput {
        secret_key: secret_key.as_bytes(),
        sign_time: auth.sign_time_text(),
        key_time: auth.key_time_text(),
        method: request.method(),
        path: &path,
        params: &params,
        headers: &headers,
    })
    .map_err(|_| VerifyError::Malformed {
        reason: "the secret key was rejected by HMAC-SHA1".into(),
    })?;
    if constant_time_eq(&digests.signature, auth.signature().as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch {
            string_to_sign: digests.string_to_sign,
        })
    }
}

/// The canonical form of exactly the headers in `q-header-list`, sorted.
fn listed_headers(
    auth: &Authorization,
    request: &IncomingRequest<'_>,
) -> Result<CanonicalList, VerifyError> {
    let mut list = CanonicalList::with_capacity(auth.header_list().len(), 256);
    if auth.header_list().is_empty() {
        return Ok(list);
    }
    let present: Vec<(String, &[u8])> = request
        .header_values()
        .map(|(name, value)| (canonical_name(trim_header_name(name).as_bytes()), value))
        .collect();
    for listed in auth.header_list() {
        let mut matches = present.iter().filter(|(name, _)| name == listed);
        let (_, value) = matches
            .next()
            .ok_or_else(|| VerifyError::MissingSignedHeader {
                name: listed.clone(),
            })?;
        if matches.next().is_some() {
            return Err(VerifyError::Malformed {
                reason: format!("signed header `{listed}` appears more than once"),
            });
        }
        list.push_canonical_name(listed, trim_header_value(value));
    }
    list.sort();
    Ok(list)
}

/// The canonical form of the query parameters named in `q-url-param-list`, sorted.
fn listed_params(auth: &Authorization, raw_query: &str) -> Result<CanonicalList, VerifyError> {
    if auth.url_param_list().is_empty() {
        return Ok(CanonicalList::default());
    }
    let decoded = decode_query(raw_query);
    let mut all = canonical_params(decoded.iter().map(|(n, v)| (&n[..], &v[..])));
    let mut listed: Vec<&[u8]> = auth.url_param_list().iter().map(String::as_bytes).collect();
    listed.sort_unstable();
    listed.dedup();
    if let Some(missing) = listed
        .iter()
        .find(|name| !all.names().any(|present| present == **name))
    {
        return Err(VerifyError::MissingSignedParameter {
            name: String::from_utf8_lossy(missing).into_owned(),
        });
    }
    all.retain_names(|name| listed.binary_search(&name).is_ok());
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credential;
    use crate::cos::{KeyTime, SignableRequest, Signer};

    const HOST: &str = "b-1250000000.cos.ap-beijing.myqcloud.com";

    fn signed_auth(params: &[(&str, &str)], headers: &[(&str, &str)]) -> Authorization {
        let credential = Credential::new("AKID", "secret");
        let parts = SignableRequest::new("PUT", "/a b")
            .with_params(params)
            .with_headers(headers);
        let signed = Signer::new(&credential)
            .sign(&parts, KeyTime::new(1000, 2000).unwrap())
            .unwrap();
        Authorization::parse(signed.authorization()).unwrap()
    }

    #[test]
    fn with_host_verifies_the_expected_host_not_the_one_received() {
        let auth = signed_auth(&[], &[("Host", HOST)]);
        let received = [("Host", "127.0.0.1:9000")];
        let request = IncomingRequest::new("PUT", "/a%20b", "", &received);
        assert!(matches!(
            verify(&auth, "secret", &request, 1500, Duration::ZERO),
            Err(VerifyError::SignatureMismatch { .. })
        ));
        let request = request.with_host(HOST);
        assert_eq!(
            verify(&auth, "secret", &request, 1500, Duration::ZERO),
            Ok(())
        );
        let request = request.with_host("other.example");
        assert!(verify(&auth, "secret", &request, 1500, Duration::ZERO).is_err());
    }

    #[test]
    fn missing_header_and_param_are_named() {
        let auth = signed_auth(&[("acl", "")], &[("Host", HOST), ("Content-Type", "a/b")]);
        let only_host = [("host", HOST)];
        let request = IncomingRequest::new("PUT", "/a%20b", "acl", &only_host);
        assert_eq!(
            verify(&auth, "secret", &request, 1500, Duration::ZERO),
            Err(VerifyError::MissingSignedHeader {
                name: "content-type".into()
            })
        );
        let both = [("host", HOST), ("content-type", "a/b")];
        let request = IncomingRequest::new("PUT", "/a%20b", "", &both);
        assert_eq!(
            verify(&auth, "secret", &request, 1500, Duration::ZERO),
            Err(VerifyError::MissingSignedParameter { name: "acl".into() })
        );
        let request = IncomingRequest::new("PUT", "/a%20b", "acl&unsigned=1", &both);
        assert_eq!(
            verify(&auth, "secret", &request, 1500, Duration::ZERO),
            Ok(())
        );
    }

    #[test]
    fn repeated_signed_header_is_malformed() {
        let auth = signed_auth(&[], &[("Host", HOST)]);
        let twice = [("host", HOST), ("Host", HOST)];
        let request = IncomingRequest::new("PUT", "/a%20b", "", &twice);
        assert!(matches!(
            verify(&auth, "secret", &request, 1500, Duration::ZERO),
            Err(VerifyError::Malformed { .. })
        ));
    }

    #[test]
    fn mismatch_carries_server_string_to_sign_and_time_is_checked() {
        let auth = signed_auth(&[], &[("Host", HOST)]);
        let headers = [("host", HOST)];
        let request = IncomingRequest::new("PUT", "/other", "", &headers);
        match verify(&auth, "secret", &request, 1500, Duration::ZERO) {
            Err(VerifyError::SignatureMismatch { string_to_sign }) => {
                assert!(string_to_sign.starts_with("sha1\n1000;2000\n"));
            }
            other => panic!("{other:?}"),
        }
        let request = IncomingRequest::new("PUT", "/a%20b", "", &headers);
        assert_eq!(
            verify(&auth, "secret", &request, 2001, Duration::ZERO),
            Err(VerifyError::Expired {
                end: 2000,
                now: 2001
            })
        );
        assert_eq!(
            verify(&auth, "secret", &request, 900, Duration::from_secs(60)),
            Err(VerifyError::NotYetValid {
                start: 1000,
                now: 900
            })
        );
        assert_eq!(
            verify(&auth, "secret", &request, 2001, Duration::from_secs(1)),
            Ok(())
        );
    }

    #[test]
    fn verifies_http_request_parts() {
        let credential = Credential::new("AKID", "secret").with_token("SECRETTOKEN");
        let mut request = http::Request::put(format!(
            "https://{HOST}/%E4%B8%AD?partNumber=1&uploadId=x%2By"
        ))
        .header("Content-Type", "text/plain")
        .body(())
        .unwrap();
        Signer::new(&credential)
            .sign_http_in_place(&mut request, KeyTime::new(1000, 2000).unwrap())
            .unwrap();
        let (mut parts, ()) = request.into_parts();
        // A server sees origin-form URIs.
        parts.uri = "/%E4%B8%AD?partNumber=1&uploadId=x%2By".parse().unwrap();
        let incoming = IncomingRequest::from_parts(&parts);
        let auth = Authorization::from_request(&incoming).unwrap();
        assert_eq!(auth.url_param_list(), ["partnumber", "uploadid"]);
        assert_eq!(
            verify(&auth, "secret", &incoming, 1500, Duration::ZERO),
            Ok(())
        );
        assert!(!format!("{incoming:?}").contains("SECRETTOKEN"));
    }
}
