//! The one signable request: borrowed, decoded request parts every COS signature is computed
//! over, whether the signature goes into the `Authorization` header or the query string.

use std::fmt;

/// A request to sign, borrowed and **decoded** (the aws-sigv4 `SignableRequest` shape): the
/// method, the path and the query parameters as the server will decode them from the URL
/// (`/a b.txt`, not `/a%20b.txt`), the headers as sent, and the host and scheme the request
/// goes to. The signer encodes everything exactly once.
///
/// The same value is signed either way the [`SigningSettings`](super::SigningSettings)
/// choose: into headers ([`Signer::sign`](super::Signer::sign)) or into a presigned URL
/// ([`Signer::presign`](super::Signer::presign)), both through
/// [`Signer::sign_request`](super::Signer::sign_request).
///
/// A parameter without `=` (such as `?acl`) has the value `""`. Header names are compared
/// case-insensitively; two headers with the same name are rejected when both are signed.
///
/// ```
/// use tc3_signer::SignableRequest;
///
/// let params = [("response-content-type", "application/octet-stream")];
/// let headers = [("Content-Type", "image/jpeg")];
/// let request = SignableRequest::new("GET", "/exampleobject(腾讯云)")
///     .with_host("examplebucket-1250000000.cos.ap-beijing.myqcloud.com")
///     .with_params(&params)
///     .with_headers(&headers);
/// assert_eq!(request.method(), "GET");
/// assert_eq!(request.params().len(), 1);
/// ```
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    method: &'a str,
    path: &'a str,
    params: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
    host: Option<&'a str>,
    scheme: &'a str,
}

impl<'a> SignableRequest<'a> {
    /// A request with a method (any case) and a decoded path starting with `/`, without
    /// parameters or headers.
    ///
    /// ```
    /// let parts = tc3_signer::SignableRequest::new("PUT", "/photos/2024/a.jpg");
    /// assert_eq!(parts.path(), "/photos/2024/a.jpg");
    /// ```
    pub fn new(method: &'a str, path: &'a str) -> Self {
        Self {
            method,
            path,
            params: &[],
            headers: &[],
            host: None,
            scheme: "https",
        }
    }

    /// Sets the host the request goes to (`host[:port]`). Header signing signs it as `host`
    /// when the headers carry no `Host`; query signing builds the URL on it (and then the
    /// headers must not carry `Host`).
    ///
    /// ```
    /// let request = tc3_signer::SignableRequest::new("GET", "/a.txt").with_host("h.example");
    /// assert_eq!(request.host(), Some("h.example"));
    /// ```
    #[must_use]
    pub fn with_host(mut self, host: &'a str) -> Self {
        self.host = Some(host);
        self
    }

    /// Sets the scheme of a presigned URL (default `https`).
    ///
    /// ```
    /// let request = tc3_signer::SignableRequest::new("GET", "/a.txt").with_scheme("http");
    /// assert_eq!(request.scheme(), "http");
    /// ```
    #[must_use]
    pub fn with_scheme(mut self, scheme: &'a str) -> Self {
        self.scheme = scheme;
        self
    }

    /// The host, if set.
    ///
    /// ```
    /// assert_eq!(tc3_signer::SignableRequest::new("GET", "/").host(), None);
    /// ```
    pub fn host(&self) -> Option<&'a str> {
        self.host
    }

    /// The scheme of a presigned URL.
    ///
    /// ```
    /// assert_eq!(tc3_signer::SignableRequest::new("GET", "/").scheme(), "https");
    /// ```
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// Sets the decoded query parameters; every one is signed.
    ///
    /// ```
    /// let params = [("uploads", "")];
    /// let parts = tc3_signer::SignableRequest::new("POST", "/big.bin").with_params(&params);
    /// assert_eq!(parts.params(), &[("uploads", "")]);
    /// ```
    #[must_use]
    pub fn with_params(mut self, params: &'a [(&'a str, &'a str)]) -> Self {
        self.params = params;
        self
    }

    /// Sets the request headers; the signer's [`HeaderPolicy`](super::HeaderPolicy) picks
    /// the ones that are signed.
    ///
    /// ```
    /// let headers = [("Host", "b-1250000000.cos.ap-beijing.myqcloud.com")];
    /// let parts = tc3_signer::SignableRequest::new("GET", "/").with_headers(&headers);
    /// assert_eq!(parts.headers().len(), 1);
    /// ```
    #[must_use]
    pub fn with_headers(mut self, headers: &'a [(&'a str, &'a str)]) -> Self {
        self.headers = headers;
        self
    }

    /// The HTTP method as given.
    ///
    /// ```
    /// assert_eq!(tc3_signer::SignableRequest::new("Put", "/").method(), "Put");
    /// ```
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The decoded path.
    ///
    /// ```
    /// assert_eq!(tc3_signer::SignableRequest::new("GET", "/a b").path(), "/a b");
    /// ```
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The decoded query parameters.
    ///
    /// ```
    /// assert!(tc3_signer::SignableRequest::new("GET", "/").params().is_empty());
    /// ```
    pub fn params(&self) -> &'a [(&'a str, &'a str)] {
        self.params
    }

    /// The headers.
    ///
    /// ```
    /// assert!(tc3_signer::SignableRequest::new("GET", "/").headers().is_empty());
    /// ```
    pub fn headers(&self) -> &'a [(&'a str, &'a str)] {
        self.headers
    }
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("params", &RedactedPairs(self.params))
            .field("headers", &RedactedPairs(self.headers))
            .field("host", &self.host)
            .field("scheme", &self.scheme)
            .finish()
    }
}

/// Shows `(name, value)` pairs with the values of credential-bearing names redacted.
pub(crate) struct RedactedPairs<'a>(pub(crate) &'a [(&'a str, &'a str)]);

impl fmt::Debug for RedactedPairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, value)| {
                if is_sensitive(name) {
                    (*name, "<redacted>")
                } else {
                    (*name, *value)
                }
            }))
            .finish()
    }
}

/// Names whose values are credentials: the session token and the Authorization header.
pub(crate) fn is_sensitive(name: &str) -> bool {
    let name = name.trim();
    [
        "authorization",
        "x-cos-security-token",
        "x-ci-security-token",
        "q-signature",
    ]
    .iter()
    .any(|s| s.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_token_and_authorization() {
        let headers = [
            ("X-Cos-Security-Token", "SECRETTOKEN"),
            ("Authorization", "SECRETAUTH"),
            ("Host", "visible.example"),
        ];
        let params = [("x-cos-security-token", "SECRETPARAM")];
        let parts = SignableRequest::new("GET", "/")
            .with_headers(&headers)
            .with_params(&params);
        let shown = format!("{parts:?}");
        assert!(shown.contains("visible.example"));
        for secret in ["SECRETTOKEN", "SECRETAUTH", "SECRETPARAM"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
