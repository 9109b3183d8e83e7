//! Presigned URLs: the signature carried in the query string (spec 1.10).

use std::fmt;

use cos_core::encoding::{self, EncodeSet};

use super::canonical::{ascii_string, canonical_headers, canonical_params, encode_bytes};
use super::signer::find_header;
use super::{KeyTime, PresignToken, RequestSignature, SignableRequest, Signer};
use crate::SignError;

/// A presigned URL and the signature it carries.
///
/// The URL is a bearer credential for its validity window, so `Debug` does not show it.
///
/// ```
/// use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
///
/// let credential = Credential::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let request = SignableRequest::new("GET", "/exampleobject.jpg").with_host("examplebucket-1250000000.cos.ap-beijing.myqcloud.com");
/// let presigned = Signer::new(&credential).presign(&request, KeyTime::new(1700000000, 1700003600)?)?;
/// assert!(presigned.url().starts_with("https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject.jpg?q-sign-algorithm=sha1&"));
/// assert!(presigned.query().contains("&q-sign-time=1700000000%3B1700003600&"));
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Clone)]
pub struct PresignedUrl {
    signature: RequestSignature,
    url: String,
    query_start: usize,
}

impl PresignedUrl {
    /// The complete URL: `scheme://host/path?query`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let request = SignableRequest::new("GET", "/a b.txt").with_host("h.example");
    /// let presigned = Signer::new(&credential).presign(&request, KeyTime::new(1, 2)?)?;
    /// assert!(presigned.url().starts_with("https://h.example/a%20b.txt?"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The query string, without the `?`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let request = SignableRequest::new("GET", "/a.txt").with_host("h.example");
    /// let presigned = Signer::new(&credential).presign(&request, KeyTime::new(1, 2)?)?;
    /// assert!(presigned.query().starts_with("q-sign-algorithm=sha1&q-ak=AKID&"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn query(&self) -> &str {
        self.url.get(self.query_start..).unwrap_or_default()
    }

    /// The signature with every intermediate string.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let request = SignableRequest::new("GET", "/a.txt").with_host("h.example");
    /// let presigned = Signer::new(&credential).presign(&request, KeyTime::new(1, 2)?)?;
    /// assert_eq!(presigned.signature().header_list(), "host");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn signature(&self) -> &RequestSignature {
        &self.signature
    }
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignedUrl")
            .field("url", &"<redacted: bearer credential>")
            .field("signature", &self.signature)
            .finish()
    }
}

/// The query form of [`Signer::sign_request`]; see [`Signer::presign`].
pub(crate) fn presign(
    signer: &Signer<'_>,
    request: &SignableRequest<'_>,
    key_time: KeyTime,
) -> Result<PresignedUrl, SignError> {
    {
        let host = request.host().ok_or_else(|| SignError::InvalidInput {
            field: "host",
            reason: "a presigned URL needs the request's host (`SignableRequest::with_host`)"
                .into(),
        })?;
        if request.query().is_some() {
            return Err(SignError::InvalidInput {
                field: "query",
                reason: "a presigned URL is built from decoded parameters \
                         (`SignableRequest::with_params`), not a raw query"
                    .into(),
            });
        }
        validate_scheme(request.scheme())?;
        validate_host(host)?;
        let path = request.path();
        let token_name = signer.token_name(Some(host));
        if request
            .params()
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(token_name))
        {
            return Err(SignError::InvalidInput {
                field: "query parameter",
                reason: format!("`{token_name}` is added by the signer from the credential"),
            });
        }
        if find_header(pairs_as_bytes(request.headers()), "host").is_some() {
            return Err(SignError::InvalidInput {
                field: "header",
                reason: "`host` is signed from the presign request's host".into(),
            });
        }
        let token = signer.credential().token();
        let signed_token = match signer.presign_token_mode() {
            PresignToken::Signed => token,
            PresignToken::Unsigned => None,
        };

        let params = canonical_params(
            request
                .params()
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
                .chain(signed_token.map(|t| (token_name.as_bytes(), t.as_bytes()))),
        );
        let raw_len = 5
            + host.len()
            + request
                .headers()
                .iter()
                .map(|(name, value)| name.len() + value.len() + 1)
                .sum::<usize>();
        let headers = canonical_headers(
            std::iter::once(("host", host.as_bytes())).chain(
                pairs_as_bytes(request.headers()).filter(|(name, _)| signer.policy().signs(name)),
            ),
            raw_len,
        )?;
        let signature = signer.finish(request.method(), path, &params, &headers, key_time, None)?;

        let mut url: Vec<u8> =
            Vec::with_capacity(request.scheme().len() + host.len() + path.len() * 3 + 256);
        url.extend_from_slice(request.scheme().as_bytes());
        url.extend_from_slice(b"://");
        url.extend_from_slice(host.as_bytes());
        encoding::encode_bytes_into(&mut url, path.as_bytes(), EncodeSet::PATH);
        url.push(b'?');
        let query_start = url.len();
        let credential = signer.credential();
        // Names and the fixed or hex values need no encoding; the rest is UriEncoded.
        url.extend_from_slice(b"q-sign-algorithm=sha1&q-ak=");
        encode_bytes(&mut url, credential.secret_id().as_bytes());
        for name in ["&q-sign-time=", "&q-key-time="] {
            url.extend_from_slice(name.as_bytes());
            encode_bytes(&mut url, signature.key_time_text().as_bytes());
        }
        url.extend_from_slice(b"&q-header-list=");
        encode_bytes(&mut url, signature.header_list().as_bytes());
        url.extend_from_slice(b"&q-url-param-list=");
        encode_bytes(&mut url, signature.url_param_list().as_bytes());
        url.extend_from_slice(b"&q-signature=");
        url.extend_from_slice(signature.signature().as_bytes());
        if let Some(token) = token {
            push_field(&mut url, token_name, token);
        }
        for (name, value) in request.params() {
            push_field(&mut url, name, value);
        }
        let url = ascii_string(url);
        Ok(PresignedUrl {
            signature,
            url,
            query_start,
        })
    }
}

fn pairs_as_bytes<'h>(
    pairs: &'h [(&'h str, &'h str)],
) -> impl Iterator<Item = (&'h str, &'h [u8])> + Clone {
    pairs.iter().map(|(n, v)| (*n, v.as_bytes()))
}

fn push_field(url: &mut Vec<u8>, name: &str, value: &str) {
    url.push(b'&');
    encode_bytes(url, name.as_bytes());
    url.push(b'=');
    encode_bytes(url, value.as_bytes());
}

fn validate_scheme(scheme: &str) -> Result<(), SignError> {
    let mut bytes = scheme.bytes();
    let valid = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(SignError::InvalidInput {
            field: "scheme",
            reason: "not a URI scheme".into(),
        })
    }
}

fn validate_host(host: &str) -> Result<(), SignError> {
    let valid = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'[' | b']')
        });
    if valid {
        Ok(())
    } else {
        Err(SignError::InvalidInput {
            field: "host",
            reason: "not a host name (with optional port)".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credential;

    fn window() -> KeyTime {
        KeyTime::new(1, 2).unwrap()
    }

    fn at<'a>(scheme: &'a str, host: &'a str, path: &'a str) -> SignableRequest<'a> {
        SignableRequest::new("GET", path)
            .with_scheme(scheme)
            .with_host(host)
    }

    #[test]
    fn path_is_signed_and_written_as_given() {
        let credential = Credential::new("AKID", "key");
        let signer = Signer::new(&credential);
        let c = signer
            .presign(&at("https", "h", "//a b.txt"), window())
            .unwrap();
        assert!(c.url().starts_with("https://h//a%20b.txt?"));
        assert!(c.signature().http_string().starts_with("get\n//a b.txt\n"));
        assert!(
            signer
                .presign(&at("https", "h", "a.txt"), window())
                .is_err()
        );
        let no_host = SignableRequest::new("GET", "/a.txt");
        assert!(signer.presign(&no_host, window()).is_err());
    }

    #[test]
    fn rejects_bad_scheme_host_and_caller_token() {
        let credential = Credential::new("AKID", "key").with_token("t");
        let signer = Signer::new(&credential);
        for request in [
            at("", "h", "/k"),
            at("https", "", "/k"),
            at("https", "h/evil", "/k"),
        ] {
            assert!(signer.presign(&request, window()).is_err());
        }
        let params = [("X-Cos-Security-Token", "t")];
        let request = at("https", "h", "/k").with_params(&params);
        assert!(signer.presign(&request, window()).is_err());
        let headers = [("Host", "h")];
        let request = at("https", "h", "/k").with_headers(&headers);
        assert!(signer.presign(&request, window()).is_err());
    }

    #[test]
    fn debug_hides_url_and_token() {
        let credential = Credential::new("AKID", "key").with_token("SECRETTOKEN");
        let presigned = Signer::new(&credential)
            .presign(&at("https", "h", "/k"), window())
            .unwrap();
        let shown = format!("{presigned:?}");
        assert!(!shown.contains("SECRETTOKEN"));
        assert!(!shown.contains(presigned.signature().sign_key()));
    }
}
