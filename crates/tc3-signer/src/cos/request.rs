//! The borrowed, decoded request parts a COS signature is computed over.

use std::fmt;

/// The parts of a request that a COS signature covers, borrowed and **decoded**: the path
/// and the query parameters as the server will decode them from the URL (`/a b.txt`, not
/// `/a%20b.txt`), and the headers as sent. The signer encodes them exactly once.
///
/// A parameter without `=` (such as `?acl`) has the value `""`. Header names are compared
/// case-insensitively; two headers with the same name are rejected when both are signed.
///
/// ```
/// use tc3_signer::cos::RequestParts;
///
/// let params = [("response-content-type", "application/octet-stream")];
/// let headers = [("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com")];
/// let parts = RequestParts::new("GET", "/exampleobject(腾讯云)")
///     .with_params(&params)
///     .with_headers(&headers);
/// assert_eq!(parts.method(), "GET");
/// assert_eq!(parts.params().len(), 1);
/// ```
#[derive(Clone, Copy)]
pub struct RequestParts<'a> {
    method: &'a str,
    path: &'a str,
    params: &'a [(&'a str, &'a str)],
    headers: &'a [(&'a str, &'a str)],
}

impl<'a> RequestParts<'a> {
    /// A request with a method (any case) and a decoded path starting with `/`, without
    /// parameters or headers.
    ///
    /// ```
    /// let parts = tc3_signer::cos::RequestParts::new("PUT", "/photos/2024/a.jpg");
    /// assert_eq!(parts.path(), "/photos/2024/a.jpg");
    /// ```
    pub fn new(method: &'a str, path: &'a str) -> Self {
        Self {
            method,
            path,
            params: &[],
            headers: &[],
        }
    }

    /// Sets the decoded query parameters; every one is signed.
    ///
    /// ```
    /// let params = [("uploads", "")];
    /// let parts = tc3_signer::cos::RequestParts::new("POST", "/big.bin").with_params(&params);
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
    /// let parts = tc3_signer::cos::RequestParts::new("GET", "/").with_headers(&headers);
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
    /// assert_eq!(tc3_signer::cos::RequestParts::new("Put", "/").method(), "Put");
    /// ```
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The decoded path.
    ///
    /// ```
    /// assert_eq!(tc3_signer::cos::RequestParts::new("GET", "/a b").path(), "/a b");
    /// ```
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The decoded query parameters.
    ///
    /// ```
    /// assert!(tc3_signer::cos::RequestParts::new("GET", "/").params().is_empty());
    /// ```
    pub fn params(&self) -> &'a [(&'a str, &'a str)] {
        self.params
    }

    /// The headers.
    ///
    /// ```
    /// assert!(tc3_signer::cos::RequestParts::new("GET", "/").headers().is_empty());
    /// ```
    pub fn headers(&self) -> &'a [(&'a str, &'a str)] {
        self.headers
    }
}

impl fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("params", &RedactedPairs(self.params))
            .field("headers", &RedactedPairs(self.headers))
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
        let parts = RequestParts::new("GET", "/")
            .with_headers(&headers)
            .with_params(&params);
        let shown = format!("{parts:?}");
        assert!(shown.contains("visible.example"));
        for secret in ["SECRETTOKEN", "SECRETAUTH", "SECRETPARAM"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
