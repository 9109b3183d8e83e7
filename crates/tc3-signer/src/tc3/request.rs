//! The borrowed parts of an API 3.0 request, as the signer and the verifier see them.

use std::fmt;

use super::validate::trim_ows;

/// A request to sign or verify, borrowed from the caller: method, host, path, raw query,
/// headers and body bytes. Nothing is copied.
///
/// `host` is the bare host name the signature covers (for example
/// `sts.tencentcloudapi.com`); a verifier sets it to the host the client is expected to have
/// signed, whatever address the request really reached.
///
/// ```
/// use tc3_signer::tc3::Tc3Request;
///
/// let body = br#"{"Limit":1}"#;
/// let request = Tc3Request::new("POST", "cvm.tencentcloudapi.com")
///     .with_header("Content-Type", "application/json")
///     .with_body(body);
/// assert_eq!(request.path(), "/");
/// assert_eq!(request.header("content-type"), Some(&b"application/json"[..]));
/// ```
#[derive(Clone)]
pub struct Tc3Request<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a str,
    headers: Vec<(&'a str, &'a [u8])>,
    body: &'a [u8],
}

/// The same header name appears more than once.
pub(crate) struct DuplicateHeader;

impl<'a> Tc3Request<'a> {
    /// A request with path `/`, no query, no headers and an empty body.
    ///
    /// ```
    /// let request = tc3_signer::tc3::Tc3Request::new("GET", "cvm.tencentcloudapi.com");
    /// assert_eq!(request.method(), "GET");
    /// assert_eq!(request.query(), "");
    /// ```
    pub fn new(method: &'a str, host: &'a str) -> Self {
        Self {
            method,
            host,
            path: "/",
            query: "",
            headers: Vec::new(),
            body: &[],
        }
    }

    /// Borrows the parts of an `http::Request`: method, path, query, headers and body. The
    /// host is the URI's host if it has one, else the `Host` header (as is, port included).
    ///
    /// ```
    /// let request = http::Request::post("https://sts.tencentcloudapi.com/")
    ///     .header("Content-Type", "application/json")
    ///     .body(b"{}".to_vec())
    ///     .unwrap();
    /// let parts = tc3_signer::tc3::Tc3Request::from_http(&request);
    /// assert_eq!(parts.host(), "sts.tencentcloudapi.com");
    /// assert_eq!(parts.body(), b"{}");
    /// ```
    pub fn from_http<B: AsRef<[u8]>>(request: &'a http::Request<B>) -> Self {
        let uri = request.uri();
        let host = uri.host().unwrap_or_else(|| {
            request
                .headers()
                .get(http::header::HOST)
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default()
        });
        Self {
            method: request.method().as_str(),
            host,
            path: uri.path(),
            query: uri.query().unwrap_or_default(),
            headers: request
                .headers()
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_bytes()))
                .collect(),
            body: request.body().as_ref(),
        }
    }

    /// Replaces the host the signature covers.
    ///
    /// ```
    /// let request = tc3_signer::tc3::Tc3Request::new("POST", "127.0.0.1")
    ///     .with_host("sts.tencentcloudapi.com");
    /// assert_eq!(request.host(), "sts.tencentcloudapi.com");
    /// ```
    #[must_use]
    pub fn with_host(mut self, host: &'a str) -> Self {
        self.host = host;
        self
    }

    /// Sets the path (API 3.0 always uses `/`).
    ///
    /// ```
    /// let request = tc3_signer::tc3::Tc3Request::new("POST", "h").with_path("/");
    /// assert_eq!(request.path(), "/");
    /// ```
    #[must_use]
    pub fn with_path(mut self, path: &'a str) -> Self {
        self.path = path;
        self
    }

    /// Sets the query, the bytes after `?` exactly as sent (signed verbatim, never re-encoded).
    ///
    /// ```
    /// let request = tc3_signer::tc3::Tc3Request::new("GET", "h").with_query("Limit=10&Offset=0");
    /// assert_eq!(request.query(), "Limit=10&Offset=0");
    /// ```
    #[must_use]
    pub fn with_query(mut self, query: &'a str) -> Self {
        self.query = query;
        self
    }

    /// Adds a header (name in any case).
    ///
    /// ```
    /// let request = tc3_signer::tc3::Tc3Request::new("POST", "h").with_header("X-Custom", "v");
    /// assert_eq!(request.header("x-custom"), Some(&b"v"[..]));
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: &'a str, value: &'a str) -> Self {
        self.headers.push((name, value.as_bytes()));
        self
    }

    /// Sets the body bytes (exactly the bytes sent).
    ///
    /// ```
    /// let request = tc3_signer::tc3::Tc3Request::new("POST", "h").with_body(b"{}");
    /// assert_eq!(request.body(), b"{}");
    /// ```
    #[must_use]
    pub fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// The method as given.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Request::new("POST", "h").method(), "POST");
    /// ```
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The host the signature covers.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Request::new("POST", "h").host(), "h");
    /// ```
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The path.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Request::new("POST", "h").path(), "/");
    /// ```
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The raw query, without `?`.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Request::new("GET", "h").with_query("a=1").query(), "a=1");
    /// ```
    pub fn query(&self) -> &'a str {
        self.query
    }

    /// The body bytes.
    ///
    /// ```
    /// assert!(tc3_signer::tc3::Tc3Request::new("GET", "h").body().is_empty());
    /// ```
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The value of the first header called `name` (compared case-insensitively, surrounding
    /// spaces ignored).
    ///
    /// ```
    /// let request = tc3_signer::tc3::Tc3Request::new("GET", "h").with_header("A", "1");
    /// assert_eq!(request.header("a"), Some(&b"1"[..]));
    /// assert_eq!(request.header("b"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers
            .iter()
            .find(|(candidate, _)| trim_ows(candidate).eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }

    /// The value of the only header called `name`; `Err` when it appears more than once.
    pub(crate) fn unique_header(&self, name: &str) -> Result<Option<&'a [u8]>, DuplicateHeader> {
        let mut found = None;
        for (candidate, value) in &self.headers {
            if trim_ows(candidate).eq_ignore_ascii_case(name) {
                if found.is_some() {
                    return Err(DuplicateHeader);
                }
                found = Some(*value);
            }
        }
        Ok(found)
    }
}

impl fmt::Debug for Tc3Request<'_> {
    /// Shows header names and the body length only: header values may hold a token or a
    /// signature, and the body may hold anything.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Tc3Request")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_header_detects_duplicates_case_insensitively() {
        let request = Tc3Request::new("POST", "h")
            .with_header("Content-Type", "a")
            .with_header("content-type", "b");
        assert!(request.unique_header("content-type").is_err());
        assert!(matches!(request.unique_header("host"), Ok(None)));
    }

    #[test]
    fn from_http_falls_back_to_host_header() {
        let request = http::Request::get("/?a=1")
            .header("Host", "example.com")
            .body(Vec::<u8>::new())
            .unwrap();
        let parts = Tc3Request::from_http(&request);
        assert_eq!(parts.host(), "example.com");
        assert_eq!(parts.query(), "a=1");
        assert_eq!(parts.path(), "/");
    }

    #[test]
    fn debug_hides_header_values() {
        let request = Tc3Request::new("POST", "h").with_header("X-TC-Token", "SECRETTOKEN");
        assert!(!format!("{request:?}").contains("SECRETTOKEN"));
    }
}
