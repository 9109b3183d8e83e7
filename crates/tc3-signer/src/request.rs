//! The one signable request: borrowed request parts every signature of the crate is computed
//! over: COS (header or query signing) and `TC3-HMAC-SHA256`.

use std::fmt;

/// A request to sign, borrowed (the aws-sigv4 `SignableRequest` shape): the method, the path,
/// the query (decoded parameters or the raw query as sent), the headers as sent, the host and
/// scheme the request goes to, and the body. What the request is signed *for* (COS
/// [`SigningSettings`](crate::cos::SigningSettings) and key time, or TC3's
/// [`Tc3Params`](crate::tc3::Tc3Params): service, action, region, timestamp) is not part of
/// it.
///
/// * COS ([`Signer::sign_request`](crate::cos::Signer::sign_request)) signs the **decoded**
///   path and parameters (`/a b.txt`, not `/a%20b.txt`) and encodes everything exactly once;
///   the same value is signed into headers or into a presigned URL as the settings choose. A
///   raw query ([`SignableRequest::with_query`]) is decoded once for header signing. COS does
///   not sign the body.
/// * TC3 ([`tc3::sign`](crate::tc3::sign)) signs the path and the raw query exactly as sent
///   (never re-encoded: `+` stays `+`) and the SHA-256 of the body.
///
/// The host is the [`SignableRequest::with_host`] value unless the headers carry `Host`,
/// which then wins.
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
    query: Option<&'a str>,
    headers: &'a [(&'a str, &'a str)],
    host: Option<&'a str>,
    scheme: &'a str,
    body: &'a [u8],
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
            query: None,
            headers: &[],
            host: None,
            scheme: "https",
            body: &[],
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

    /// Sets the raw query, the bytes after `?` exactly as sent (without `?`). TC3 signs it
    /// verbatim; COS header signing decodes it once (`+` is a space) and must then be given
    /// no decoded parameters; a presigned URL is built from decoded parameters only.
    ///
    /// ```
    /// let request = tc3_signer::SignableRequest::new("GET", "/").with_query("Limit=10&Name=a+b");
    /// assert_eq!(request.query(), Some("Limit=10&Name=a+b"));
    /// ```
    #[must_use]
    pub fn with_query(mut self, query: &'a str) -> Self {
        self.query = Some(query);
        self
    }

    /// The raw query, if set.
    ///
    /// ```
    /// assert_eq!(tc3_signer::SignableRequest::new("GET", "/").query(), None);
    /// ```
    pub fn query(&self) -> Option<&'a str> {
        self.query
    }

    /// Sets the body, exactly the bytes sent (TC3 signs their SHA-256; COS ignores them).
    ///
    /// ```
    /// let request = tc3_signer::SignableRequest::new("POST", "/").with_body(b"{}");
    /// assert_eq!(request.body(), b"{}");
    /// ```
    #[must_use]
    pub fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// The body (empty unless set).
    ///
    /// ```
    /// assert!(tc3_signer::SignableRequest::new("GET", "/").body().is_empty());
    /// ```
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The value of the first header called `name` (compared case-insensitively, surrounding
    /// spaces ignored).
    ///
    /// ```
    /// let headers = [("Content-Type", "application/json")];
    /// let request = tc3_signer::SignableRequest::new("POST", "/").with_headers(&headers);
    /// assert_eq!(request.header("content-type"), Some("application/json"));
    /// assert_eq!(request.header("host"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }

    /// The host the request goes to: the `Host` header if present, else
    /// [`SignableRequest::host`].
    pub(crate) fn effective_host(&self) -> Option<&'a str> {
        self.header("host").or(self.host)
    }

    /// Sets the request headers; the signer's [`HeaderPolicy`](crate::cos::HeaderPolicy) picks
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
            .field(
                "query",
                &self.query.map(|_| "<not shown: may carry a token>"),
            )
            .field("headers", &RedactedPairs(self.headers))
            .field("host", &self.host)
            .field("scheme", &self.scheme)
            .field("body_len", &self.body.len())
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
        "x-tc-token",
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
            .with_params(&params)
            .with_query("x-cos-security-token=SECRETQUERY")
            .with_body(b"SECRETBODY");
        let shown = format!("{parts:?}");
        assert!(shown.contains("visible.example"));
        for secret in [
            "SECRETTOKEN",
            "SECRETAUTH",
            "SECRETPARAM",
            "SECRETQUERY",
            "SECRETBODY",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
