//! Presigned URLs: the signature carried in the query string (spec 1.10).

use std::fmt;

use cos_core::encoding::{self, EncodeSet};

use super::canonical::{ascii_string, canonical_headers, canonical_params, encode_bytes};
use super::request::RedactedPairs;
use super::signer::find_header;
use super::{KeyTime, PresignToken, RequestSignature, Signer};
use crate::SignError;

/// What a presigned URL is made for: method, scheme, bucket host, object key, extra query
/// parameters and headers the URL pins (for example `Content-Type` on a presigned PUT).
///
/// The `host` header is always signed (from `host`); do not pass it in the headers. The key
/// is the decoded object key; one leading `/` is ignored (`a.txt` and `/a.txt` both sign
/// `/a.txt`, as the SDKs do).
///
/// ```
/// use tc3_signer::cos::PresignRequest;
///
/// let params = [("response-content-type", "application/pdf")];
/// let request = PresignRequest::new("GET", "https", "b-1250000000.cos.ap-beijing.myqcloud.com", "docs/a.pdf")
///     .with_params(&params);
/// assert_eq!(request.key(), "docs/a.pdf");
/// ```
#[derive(Clone, Copy)]
pub struct PresignRequest<'a> {
    method: &'a str,
    scheme: &'a str,
    host: &'a str,
    key: &'a str,
    params: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
}

impl<'a> PresignRequest<'a> {
    /// A presigned request without extra parameters or headers.
    ///
    /// ```
    /// let request = tc3_signer::cos::PresignRequest::new("PUT", "https", "h.example", "a.png");
    /// assert_eq!(request.method(), "PUT");
    /// ```
    pub fn new(method: &'a str, scheme: &'a str, host: &'a str, key: &'a str) -> Self {
        Self {
            method,
            scheme,
            host,
            key,
            params: &[],
            headers: &[],
        }
    }

    /// Sets decoded query parameters; they are signed and written after the signature
    /// fields, in this order.
    ///
    /// ```
    /// let params = [("versionId", "v1")];
    /// let request = tc3_signer::cos::PresignRequest::new("GET", "https", "h", "k").with_params(&params);
    /// assert_eq!(request.params().len(), 1);
    /// ```
    #[must_use]
    pub fn with_params(mut self, params: &'a [(&'a str, &'a str)]) -> Self {
        self.params = params;
        self
    }

    /// Sets headers the client will send; those the header policy selects are signed and
    /// must then be sent exactly so.
    ///
    /// ```
    /// let headers = [("Content-Type", "image/png")];
    /// let request = tc3_signer::cos::PresignRequest::new("PUT", "https", "h", "k").with_headers(&headers);
    /// assert_eq!(request.headers().len(), 1);
    /// ```
    #[must_use]
    pub fn with_headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The HTTP method.
    ///
    /// ```
    /// assert_eq!(tc3_signer::cos::PresignRequest::new("GET", "https", "h", "k").method(), "GET");
    /// ```
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The object key as given.
    ///
    /// ```
    /// assert_eq!(tc3_signer::cos::PresignRequest::new("GET", "https", "h", "/k").key(), "/k");
    /// ```
    pub fn key(&self) -> &'a str {
        self.key
    }

    /// The extra query parameters.
    ///
    /// ```
    /// assert!(tc3_signer::cos::PresignRequest::new("GET", "https", "h", "k").params().is_empty());
    /// ```
    pub fn params(&self) -> &'a [(&'a str, &'a str)] {
        self.params
    }

    /// The pinned headers.
    ///
    /// ```
    /// assert!(tc3_signer::cos::PresignRequest::new("GET", "https", "h", "k").headers().is_empty());
    /// ```
    pub fn headers(&self) -> &'a [(&'a str, &'a str)] {
        self.headers
    }
}

impl fmt::Debug for PresignRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresignRequest")
            .field("method", &self.method)
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("key", &self.key)
            .field("params", &RedactedPairs(self.params))
            .field("headers", &RedactedPairs(self.headers))
            .finish()
    }
}

/// A presigned URL and the signature it carries.
///
/// The URL is a bearer credential for its validity window, so `Debug` does not show it.
///
/// ```
/// use tc3_signer::{Credential, cos::{KeyTime, PresignRequest, Signer}};
///
/// let credential = Credential::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let request = PresignRequest::new("GET", "https", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com", "exampleobject.jpg");
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
    /// # use tc3_signer::{Credential, cos::{KeyTime, PresignRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let request = PresignRequest::new("GET", "https", "h.example", "a b.txt");
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
    /// # use tc3_signer::{Credential, cos::{KeyTime, PresignRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let request = PresignRequest::new("GET", "https", "h.example", "a.txt");
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
    /// # use tc3_signer::{Credential, cos::{KeyTime, PresignRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let request = PresignRequest::new("GET", "https", "h.example", "a.txt");
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

impl Signer<'_> {
    /// Presigns a request: every `Authorization` field becomes a query parameter,
    /// everything UriEncoded (spec 1.10, choice 8). With a temporary credential the token is
    /// added as `x-cos-security-token` (or `x-ci-security-token` for CI hosts), encoded,
    /// signed or not per [`PresignToken`] (choice 7).
    ///
    /// # Errors
    /// [`SignError::InvalidInput`] for an empty or malformed scheme or host, a `host` header
    /// or token parameter passed by the caller, or what [`Signer::sign`] rejects.
    ///
    /// ```
    /// use tc3_signer::{Credential, cos::{KeyTime, PresignRequest, Signer}};
    ///
    /// let credential = Credential::new("AKID", "key").with_token("tok en");
    /// let request = PresignRequest::new("GET", "https", "b-1250000000.cos.ap-beijing.myqcloud.com", "a.txt");
    /// let presigned = Signer::new(&credential).presign(&request, KeyTime::new(1, 2)?)?;
    /// assert_eq!(presigned.signature().url_param_list(), "x-cos-security-token");
    /// assert!(presigned.url().ends_with("&x-cos-security-token=tok%20en"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn presign(
        &self,
        request: &PresignRequest<'_>,
        key_time: KeyTime,
    ) -> Result<PresignedUrl, SignError> {
        validate_scheme(request.scheme)?;
        validate_host(request.host)?;
        let key = request.key.strip_prefix('/').unwrap_or(request.key);
        let mut path = String::with_capacity(1 + key.len());
        path.push('/');
        path.push_str(key);
        let token_name = self.token_name(Some(request.host));
        if request
            .params
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(token_name))
        {
            return Err(SignError::InvalidInput {
                field: "query parameter",
                reason: format!("`{token_name}` is added by the signer from the credential"),
            });
        }
        if find_header(pairs_as_bytes(request.headers), "host").is_some() {
            return Err(SignError::InvalidInput {
                field: "header",
                reason: "`host` is signed from the presign request's host".into(),
            });
        }
        let token = self.credential().token();
        let signed_token = match self.presign_token_mode() {
            PresignToken::Signed => token,
            PresignToken::Unsigned => None,
        };

        let params = canonical_params(
            request
                .params
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
                .chain(signed_token.map(|t| (token_name.as_bytes(), t.as_bytes()))),
        );
        let raw_len = 5
            + request.host.len()
            + request
                .headers
                .iter()
                .map(|(name, value)| name.len() + value.len() + 1)
                .sum::<usize>();
        let headers = canonical_headers(
            std::iter::once(("host", request.host.as_bytes())).chain(
                pairs_as_bytes(request.headers).filter(|(name, _)| self.policy().signs(name)),
            ),
            raw_len,
        )?;
        let signature = self.finish(request.method, &path, &params, &headers, key_time, None)?;

        let mut url: Vec<u8> =
            Vec::with_capacity(request.scheme.len() + request.host.len() + path.len() * 3 + 256);
        url.extend_from_slice(request.scheme.as_bytes());
        url.extend_from_slice(b"://");
        url.extend_from_slice(request.host.as_bytes());
        url.push(b'/');
        encoding::encode_bytes_into(&mut url, key.as_bytes(), EncodeSet::PATH);
        url.push(b'?');
        let query_start = url.len();
        let credential = self.credential();
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
        for (name, value) in request.params {
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

    #[test]
    fn leading_slash_of_key_is_ignored() {
        let credential = Credential::new("AKID", "key");
        let signer = Signer::new(&credential);
        let a = signer
            .presign(&PresignRequest::new("GET", "https", "h", "a.txt"), window())
            .unwrap();
        let b = signer
            .presign(
                &PresignRequest::new("GET", "https", "h", "/a.txt"),
                window(),
            )
            .unwrap();
        assert_eq!(a.url(), b.url());
        let c = signer
            .presign(
                &PresignRequest::new("GET", "https", "h", "//a.txt"),
                window(),
            )
            .unwrap();
        assert!(c.url().starts_with("https://h//a.txt?"));
        assert!(c.signature().http_string().starts_with("get\n//a.txt\n"));
    }

    #[test]
    fn rejects_bad_scheme_host_and_caller_token() {
        let credential = Credential::new("AKID", "key").with_token("t");
        let signer = Signer::new(&credential);
        for request in [
            PresignRequest::new("GET", "", "h", "k"),
            PresignRequest::new("GET", "https", "", "k"),
            PresignRequest::new("GET", "https", "h/evil", "k"),
        ] {
            assert!(signer.presign(&request, window()).is_err());
        }
        let params = [("X-Cos-Security-Token", "t")];
        let request = PresignRequest::new("GET", "https", "h", "k").with_params(&params);
        assert!(signer.presign(&request, window()).is_err());
        let headers = [("Host", "h")];
        let request = PresignRequest::new("GET", "https", "h", "k").with_headers(&headers);
        assert!(signer.presign(&request, window()).is_err());
    }

    #[test]
    fn debug_hides_url_and_token() {
        let credential = Credential::new("AKID", "key").with_token("SECRETTOKEN");
        let presigned = Signer::new(&credential)
            .presign(&PresignRequest::new("GET", "https", "h", "k"), window())
            .unwrap();
        let shown = format!("{presigned:?}");
        assert!(!shown.contains("SECRETTOKEN"));
        assert!(!shown.contains(presigned.signature().sign_key()));
    }
}
