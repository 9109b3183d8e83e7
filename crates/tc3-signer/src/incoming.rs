//! The one incoming request: what a server received, as every verifier of the crate reads it
//! (COS and `TC3-HMAC-SHA256`).

use std::fmt;

use crate::request::RedactedPairs;

/// A request as a server received it: method, **raw** (percent-encoded) path, raw query
/// (the text after `?`, `""` if none), headers and, for TC3, the body.
///
/// The host the signature is checked against is the `Host` header, unless
/// [`IncomingRequest::with_host`] names the host the client is expected to have signed
/// (whatever address the request really reached): then that value replaces every `Host`
/// header for verification.
///
/// ```
/// use tc3_signer::IncomingRequest;
///
/// let headers = [("Host", "b-1250000000.cos.ap-beijing.myqcloud.com")];
/// let request = IncomingRequest::new("GET", "/a%20b.txt", "acl", &headers);
/// assert_eq!(request.raw_path(), "/a%20b.txt");
/// assert_eq!(request.host(), Some(&b"b-1250000000.cos.ap-beijing.myqcloud.com"[..]));
/// ```
#[derive(Clone, Copy)]
pub struct IncomingRequest<'a> {
    method: &'a str,
    raw_path: &'a str,
    raw_query: &'a str,
    headers: Headers<'a>,
    host: Option<&'a str>,
    body: &'a [u8],
}

#[derive(Clone, Copy)]
enum Headers<'a> {
    Pairs(&'a [(&'a str, &'a str)]),
    Map(&'a http::HeaderMap),
}

/// The same header name appears more than once.
pub(crate) struct DuplicateHeader;

/// The value of the only header called `name` among `headers` (names compared
/// case-insensitively, surrounding spaces ignored); `Err` when it appears more than once.
pub(crate) fn unique_value<'a, V>(
    headers: impl IntoIterator<Item = (&'a str, V)>,
    name: &str,
) -> Result<Option<V>, DuplicateHeader> {
    let mut found = None;
    for (candidate, value) in headers {
        if candidate.trim().eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(DuplicateHeader);
            }
            found = Some(value);
        }
    }
    Ok(found)
}

impl<'a> IncomingRequest<'a> {
    /// A request from its raw parts, with an empty body.
    ///
    /// ```
    /// let request = tc3_signer::IncomingRequest::new("PUT", "/k", "", &[]);
    /// assert_eq!(request.method(), "PUT");
    /// ```
    pub fn new(
        method: &'a str,
        raw_path: &'a str,
        raw_query: &'a str,
        headers: &'a [(&'a str, &'a str)],
    ) -> Self {
        Self {
            method,
            raw_path,
            raw_query,
            headers: Headers::Pairs(headers),
            host: None,
            body: &[],
        }
    }

    /// A request from `http::request::Parts` (what a hyper server receives).
    ///
    /// ```
    /// let (parts, _body) = http::Request::get("/a?acl").header("host", "h").body(()).unwrap().into_parts();
    /// let request = tc3_signer::IncomingRequest::from_parts(&parts);
    /// assert_eq!(request.raw_query(), "acl");
    /// ```
    pub fn from_parts(parts: &'a http::request::Parts) -> Self {
        Self::from_components(&parts.method, &parts.uri, &parts.headers)
    }

    /// A request from an `http::Request` (its body is not read: see
    /// [`IncomingRequest::with_body`]).
    ///
    /// ```
    /// let request = http::Request::get("/a%2Bb").body(()).unwrap();
    /// let incoming = tc3_signer::IncomingRequest::from_http(&request);
    /// assert_eq!(incoming.raw_path(), "/a%2Bb");
    /// ```
    pub fn from_http<B>(request: &'a http::Request<B>) -> Self {
        Self::from_components(request.method(), request.uri(), request.headers())
    }

    fn from_components(
        method: &'a http::Method,
        uri: &'a http::Uri,
        headers: &'a http::HeaderMap,
    ) -> Self {
        Self {
            method: method.as_str(),
            raw_path: uri.path(),
            raw_query: uri.query().unwrap_or_default(),
            headers: Headers::Map(headers),
            host: None,
            body: &[],
        }
    }

    /// Verifies against `host` instead of the `Host` header: the host the client is
    /// expected to have signed.
    ///
    /// ```
    /// let headers = [("Host", "127.0.0.1:9000")];
    /// let request = tc3_signer::IncomingRequest::new("POST", "/", "", &headers)
    ///     .with_host("sts.tencentcloudapi.com");
    /// assert_eq!(request.host(), Some(&b"sts.tencentcloudapi.com"[..]));
    /// ```
    #[must_use]
    pub fn with_host(mut self, host: &'a str) -> Self {
        self.host = Some(host);
        self
    }

    /// Sets the body as received (TC3 verifies its SHA-256; COS does not sign bodies). A
    /// server reads it, bounded in size, after parsing the `Authorization` header.
    ///
    /// ```
    /// let request = tc3_signer::IncomingRequest::new("POST", "/", "", &[]).with_body(b"{}");
    /// assert_eq!(request.body(), b"{}");
    /// ```
    #[must_use]
    pub fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// The method.
    ///
    /// ```
    /// assert_eq!(tc3_signer::IncomingRequest::new("GET", "/", "", &[]).method(), "GET");
    /// ```
    pub fn method(&self) -> &'a str {
        self.method
    }

    /// The raw path.
    ///
    /// ```
    /// assert_eq!(tc3_signer::IncomingRequest::new("GET", "/%41", "", &[]).raw_path(), "/%41");
    /// ```
    pub fn raw_path(&self) -> &'a str {
        self.raw_path
    }

    /// The raw query.
    ///
    /// ```
    /// assert_eq!(tc3_signer::IncomingRequest::new("GET", "/", "a=1", &[]).raw_query(), "a=1");
    /// ```
    pub fn raw_query(&self) -> &'a str {
        self.raw_query
    }

    /// The body (empty unless set).
    ///
    /// ```
    /// assert!(tc3_signer::IncomingRequest::new("GET", "/", "", &[]).body().is_empty());
    /// ```
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The host verified: [`IncomingRequest::with_host`] if set, else the first `Host`
    /// header.
    ///
    /// ```
    /// assert_eq!(tc3_signer::IncomingRequest::new("GET", "/", "", &[]).host(), None);
    /// ```
    pub fn host(&self) -> Option<&'a [u8]> {
        self.header("host")
    }

    /// The value of the first header called `name` (compared case-insensitively, surrounding
    /// spaces ignored); `host` is [`IncomingRequest::host`].
    ///
    /// ```
    /// let headers = [("Content-Type", "application/json")];
    /// let request = tc3_signer::IncomingRequest::new("POST", "/", "", &headers);
    /// assert_eq!(request.header("content-type"), Some(&b"application/json"[..]));
    /// ```
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.header_values()
            .find(|(candidate, _)| candidate.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The value of the only header called `name`; `Err` when it appears more than once.
    pub(crate) fn unique_header(&self, name: &str) -> Result<Option<&'a [u8]>, DuplicateHeader> {
        unique_value(self.header_values(), name)
    }

    /// The value of the `Authorization` header, if present once and textual.
    ///
    /// ```
    /// let headers = [("Authorization", "q-sign-algorithm=sha1")];
    /// let request = tc3_signer::IncomingRequest::new("GET", "/", "", &headers);
    /// assert_eq!(request.authorization_header(), Some("q-sign-algorithm=sha1"));
    /// ```
    pub fn authorization_header(&self) -> Option<&'a str> {
        self.header("authorization")
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// Every header as verified: with [`IncomingRequest::with_host`], the `Host` headers
    /// received are replaced by one `host` of that value.
    pub(crate) fn header_values(&self) -> Box<dyn Iterator<Item = (&'a str, &'a [u8])> + 'a> {
        let received: Box<dyn Iterator<Item = (&'a str, &'a [u8])> + 'a> = match self.headers {
            Headers::Pairs(pairs) => Box::new(pairs.iter().map(|(n, v)| (*n, v.as_bytes()))),
            Headers::Map(map) => Box::new(map.iter().map(|(n, v)| (n.as_str(), v.as_bytes()))),
        };
        match self.host {
            None => received,
            Some(host) => Box::new(
                received
                    .filter(|(name, _)| !name.trim().eq_ignore_ascii_case("host"))
                    .chain(std::iter::once(("host", host.as_bytes()))),
            ),
        }
    }
}

impl fmt::Debug for IncomingRequest<'_> {
    /// Shows no query (it may carry a token), no credential header value and only the body
    /// length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("IncomingRequest");
        s.field("method", &self.method)
            .field("raw_path", &self.raw_path)
            .field("raw_query", &"<not shown: may carry a token>");
        match self.headers {
            Headers::Pairs(pairs) => s.field("headers", &RedactedPairs(pairs)),
            Headers::Map(map) => s.field("headers", &format_args!("<{} headers>", map.len())),
        };
        s.field("host", &self.host)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_header_detects_duplicates_case_insensitively() {
        let headers = [("Content-Type", "a"), ("content-type", "b")];
        let request = IncomingRequest::new("POST", "/", "", &headers);
        assert!(request.unique_header("content-type").is_err());
        assert!(matches!(request.unique_header("host"), Ok(None)));
    }

    #[test]
    fn with_host_replaces_every_host_header() {
        let headers = [("Host", "a"), ("host", "b")];
        let request = IncomingRequest::new("GET", "/", "", &headers);
        assert!(request.unique_header("host").is_err());
        let request = request.with_host("expected");
        assert!(matches!(
            request.unique_header("host"),
            Ok(Some(b"expected"))
        ));
    }

    #[test]
    fn debug_hides_header_values_query_and_body() {
        let headers = [
            ("X-TC-Token", "SECRETTOKEN"),
            ("Authorization", "SECRETAUTH"),
        ];
        let request = IncomingRequest::new("POST", "/", "x-cos-security-token=SECRETQ", &headers)
            .with_body(b"SECRETBODY");
        let shown = format!("{request:?}");
        for secret in ["SECRETTOKEN", "SECRETAUTH", "SECRETQ", "SECRETBODY"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
