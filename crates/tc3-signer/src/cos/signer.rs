//! The COS request signer and its one entry point, [`Signer::sign_request`]: one
//! [`SignableRequest`] signed into headers or into a presigned URL as the
//! [`SigningSettings`] choose (the `http::Request` forms are conveniences over the same core).

use zeroize::Zeroizing;

use super::canonical::{CanonicalList, CanonicalPairs, canonical_params, trim_header_value};
use super::http_string::{is_valid_method, sign_key};
use super::query::decode_query;
use super::signature::SignatureInput;
use super::signed_headers::{HeaderText, SignedHeaders};
use super::{
    HeaderPolicy, KeyTime, PresignedUrl, RequestSignature, SignableRequest, SignatureLocation,
    TokenHeader, http_request, presign,
};
use crate::{Credential, SignError};

/// Whether a presigned URL's session token is signed (spec section 6, choice 7).
///
/// ```
/// use tc3_signer::cos::PresignToken;
///
/// assert_eq!(PresignToken::default(), PresignToken::Signed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PresignToken {
    /// The token is a signed query parameter (listed in `q-url-param-list`, Go SDK v2 style),
    /// so it cannot be swapped without breaking the signature.
    #[default]
    Signed,
    /// The token is appended after `q-signature` without being signed (doc share-link and
    /// Node SDK style).
    Unsigned,
}

/// How a COS request is signed (the aws-sigv4 `SigningSettings` shape): where the signature
/// goes ([`SignatureLocation::Header`] or [`SignatureLocation::Query`]), which headers are
/// signed, which header carries the session token, and whether a presigned URL's token is
/// signed.
///
/// ```
/// use tc3_signer::cos::{HeaderPolicy, SignatureLocation, SigningSettings};
///
/// let settings = SigningSettings::default()
///     .location(SignatureLocation::Query)
///     .header_policy(HeaderPolicy::All);
/// assert_eq!(settings.signature_location(), SignatureLocation::Query);
/// assert_eq!(SigningSettings::default().signature_location(), SignatureLocation::Header);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SigningSettings {
    location: SignatureLocation,
    header_policy: HeaderPolicy,
    token_header: TokenHeader,
    presign_token: PresignToken,
}

impl SigningSettings {
    /// Where the signature goes: the `Authorization` header (default) or the query string.
    ///
    /// ```
    /// use tc3_signer::cos::{SignatureLocation, SigningSettings};
    /// let query = SigningSettings::default().location(SignatureLocation::Query);
    /// # let _ = query;
    /// ```
    #[must_use]
    pub fn location(mut self, location: SignatureLocation) -> Self {
        self.location = location;
        self
    }

    /// Which headers are signed (see [`Signer::header_policy`]).
    ///
    /// ```
    /// use tc3_signer::cos::{HeaderPolicy, SigningSettings};
    /// let all = SigningSettings::default().header_policy(HeaderPolicy::All);
    /// # let _ = all;
    /// ```
    #[must_use]
    pub fn header_policy(mut self, policy: HeaderPolicy) -> Self {
        self.header_policy = policy;
        self
    }

    /// Which header carries the session token (see [`Signer::token_header`]).
    ///
    /// ```
    /// use tc3_signer::cos::{SigningSettings, TokenHeader};
    /// let ci = SigningSettings::default().token_header(TokenHeader::Ci);
    /// # let _ = ci;
    /// ```
    #[must_use]
    pub fn token_header(mut self, token_header: TokenHeader) -> Self {
        self.token_header = token_header;
        self
    }

    /// Whether a presigned URL's token is signed (see [`Signer::presign_token`]).
    ///
    /// ```
    /// use tc3_signer::cos::{PresignToken, SigningSettings};
    /// let unsigned = SigningSettings::default().presign_token(PresignToken::Unsigned);
    /// # let _ = unsigned;
    /// ```
    #[must_use]
    pub fn presign_token(mut self, presign_token: PresignToken) -> Self {
        self.presign_token = presign_token;
        self
    }

    /// Where the signature goes.
    ///
    /// ```
    /// use tc3_signer::cos::{SignatureLocation, SigningSettings};
    /// assert_eq!(SigningSettings::default().signature_location(), SignatureLocation::Header);
    /// ```
    pub fn signature_location(&self) -> SignatureLocation {
        self.location
    }
}

/// What [`Signer::sign_request`] returns: the signature with every intermediate string, and
/// what to add to the request (headers, or the presigned URL).
///
/// ```
/// use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, SignatureLocation, Signer, SigningOutput, SigningSettings}};
///
/// let credential = Credential::new("AKID", "key");
/// let request = SignableRequest::new("GET", "/a.txt").with_host("b-1250000000.cos.ap-beijing.myqcloud.com");
/// let settings = SigningSettings::default().location(SignatureLocation::Query);
/// let output = Signer::new(&credential).with_settings(settings).sign_request(&request, KeyTime::new(1, 2)?)?;
/// assert!(output.url().is_some_and(|url| url.contains("q-signature=")));
/// assert_eq!(output.signature().header_list(), "host");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SigningOutput {
    /// Header signing: add [`RequestSignature::headers_to_add`] to the request.
    Headers(RequestSignature),
    /// Query signing: the presigned URL.
    Query(PresignedUrl),
}

impl SigningOutput {
    /// The signature and its intermediate strings, whichever the location.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let output = Signer::new(&credential).sign_request(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert_eq!(output.signature().http_string(), "get\n/\n\n\n");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn signature(&self) -> &RequestSignature {
        match self {
            Self::Headers(signature) => signature,
            Self::Query(url) => url.signature(),
        }
    }

    /// The presigned URL, for query signing.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let output = Signer::new(&credential).sign_request(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert_eq!(output.url(), None);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Headers(_) => None,
            Self::Query(url) => Some(url.url()),
        }
    }
}

/// Signs COS requests with one credential (spec section 1).
///
/// The time is always an argument ([`KeyTime`]); the signer never reads the clock. Options
/// ([`SigningSettings`]): [`SignatureLocation`] (default: header), [`HeaderPolicy`]
/// (default: the SDKs' allow-list), [`TokenHeader`] (default: by host) and [`PresignToken`]
/// (default: signed).
///
/// ```
/// use tc3_signer::{Credential, SignableRequest, cos::{HeaderPolicy, KeyTime, Signer}};
///
/// let credential = Credential::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let headers = [
///     ("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
///     ("Date", "Thu, 16 May 2019 06:55:53 GMT"),
/// ];
/// let params = [
///     ("response-content-type", "application/octet-stream"),
///     ("response-cache-control", "max-age=600"),
/// ];
/// let parts = SignableRequest::new("GET", "/exampleobject(腾讯云)")
///     .with_params(&params)
///     .with_headers(&headers);
/// let signed = Signer::new(&credential)
///     .header_policy(HeaderPolicy::All) // the doc example signs `Date`
///     .sign(&parts, KeyTime::new(1557989753, 1557996953)?)?;
/// assert_eq!(signed.signature(), "01681b8c9d798a678e43b685a9f1bba0f6c0e012");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Signer<'c> {
    credential: &'c Credential,
    settings: SigningSettings,
}

impl<'c> Signer<'c> {
    /// A signer with the default options.
    ///
    /// ```
    /// let credential = tc3_signer::Credential::new("AKID", "key");
    /// let signer = tc3_signer::cos::Signer::new(&credential);
    /// # let _ = signer;
    /// ```
    pub fn new(credential: &'c Credential) -> Self {
        Self {
            credential,
            settings: SigningSettings::default(),
        }
    }

    /// Replaces every option at once.
    ///
    /// ```
    /// use tc3_signer::{Credential, cos::{SignatureLocation, Signer, SigningSettings}};
    /// let credential = Credential::new("AKID", "key");
    /// let signer = Signer::new(&credential).with_settings(SigningSettings::default().location(SignatureLocation::Query));
    /// assert_eq!(signer.settings().signature_location(), SignatureLocation::Query);
    /// ```
    #[must_use]
    pub fn with_settings(mut self, settings: SigningSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The options.
    ///
    /// ```
    /// let credential = tc3_signer::Credential::new("AKID", "key");
    /// let signer = tc3_signer::cos::Signer::new(&credential);
    /// assert_eq!(signer.settings().signature_location(), tc3_signer::cos::SignatureLocation::Header);
    /// ```
    pub fn settings(&self) -> &SigningSettings {
        &self.settings
    }

    /// Chooses which headers are signed.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{HeaderPolicy, KeyTime, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let headers = [("Date", "Thu, 16 May 2019 06:55:53 GMT")];
    /// let parts = SignableRequest::new("GET", "/").with_headers(&headers);
    /// let window = KeyTime::new(1, 2)?;
    /// assert_eq!(Signer::new(&credential).sign(&parts, window)?.header_list(), "");
    /// let all = Signer::new(&credential).header_policy(HeaderPolicy::All);
    /// assert_eq!(all.sign(&parts, window)?.header_list(), "date");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn header_policy(mut self, policy: HeaderPolicy) -> Self {
        self.settings.header_policy = policy;
        self
    }

    /// Chooses the header (or presigned parameter) that carries the session token.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer, TokenHeader}};
    /// let credential = Credential::new("AKID", "key").with_token("tok");
    /// let signer = Signer::new(&credential).token_header(TokenHeader::Ci);
    /// let signed = signer.sign(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.token_header(), Some(("x-ci-security-token", "tok")));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn token_header(mut self, token_header: TokenHeader) -> Self {
        self.settings.token_header = token_header;
        self
    }

    /// Chooses whether a presigned URL's session token is signed.
    ///
    /// ```
    /// # use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, PresignToken, Signer}};
    /// let credential = Credential::new("AKID", "key").with_token("tok");
    /// let request = SignableRequest::new("GET", "/a.txt").with_host("b-1250000000.cos.ap-beijing.myqcloud.com");
    /// let signer = Signer::new(&credential).presign_token(PresignToken::Unsigned);
    /// let url = signer.presign(&request, KeyTime::new(1, 2)?)?;
    /// assert_eq!(url.signature().url_param_list(), "");
    /// assert!(url.url().ends_with("&x-cos-security-token=tok"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn presign_token(mut self, presign_token: PresignToken) -> Self {
        self.settings.presign_token = presign_token;
        self
    }

    /// The credential this signer uses.
    ///
    /// ```
    /// let credential = tc3_signer::Credential::new("AKID", "key");
    /// assert_eq!(tc3_signer::cos::Signer::new(&credential).credential().secret_id(), "AKID");
    /// ```
    pub fn credential(&self) -> &'c Credential {
        self.credential
    }

    pub(crate) fn policy(&self) -> HeaderPolicy {
        self.settings.header_policy
    }

    pub(crate) fn presign_token_mode(&self) -> PresignToken {
        self.settings.presign_token
    }

    pub(crate) fn token_name(&self, host: Option<&str>) -> &'static str {
        self.settings.token_header.name_for_host(host)
    }

    /// Signs `request` as the settings choose: into headers ([`SigningOutput::Headers`],
    /// as [`Signer::sign`]) or into a presigned URL ([`SigningOutput::Query`], as
    /// [`Signer::presign`]). This is the one COS signing entry point; the other methods are
    /// its two typed forms and the `http::Request` conveniences.
    ///
    /// # Errors
    /// As [`Signer::sign`] or [`Signer::presign`].
    ///
    /// ```
    /// use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer, SigningOutput}};
    ///
    /// let credential = Credential::new("AKID", "key").with_token("session");
    /// let request = SignableRequest::new("PUT", "/a.txt").with_host("b-1250000000.cos.ap-beijing.myqcloud.com");
    /// let SigningOutput::Headers(signed) = Signer::new(&credential).sign_request(&request, KeyTime::new(1, 2)?)? else {
    ///     unreachable!("header signing is the default")
    /// };
    /// assert_eq!(signed.header_list(), "host;x-cos-security-token");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign_request(
        &self,
        request: &SignableRequest<'_>,
        key_time: KeyTime,
    ) -> Result<SigningOutput, SignError> {
        match self.settings.location {
            SignatureLocation::Query => self.presign(request, key_time).map(SigningOutput::Query),
            SignatureLocation::Header => self.sign(request, key_time).map(SigningOutput::Headers),
        }
    }

    /// Presigns a request: every `Authorization` field becomes a query parameter,
    /// everything UriEncoded (spec 1.10, choice 8), on the request's scheme and host (the
    /// `host` header is always signed from it and must not be among the headers). With a
    /// temporary credential the token is added as `x-cos-security-token` (or
    /// `x-ci-security-token` for CI hosts), encoded, signed or not per [`PresignToken`]
    /// (choice 7). The query form of [`Signer::sign_request`].
    ///
    /// # Errors
    /// [`SignError::InvalidInput`] for a missing, empty or malformed host, a malformed
    /// scheme, a `host` header or token parameter passed by the caller, or what
    /// [`Signer::sign`] rejects.
    ///
    /// ```
    /// use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
    ///
    /// let credential = Credential::new("AKID", "key").with_token("tok en");
    /// let request = SignableRequest::new("GET", "/a.txt").with_host("b-1250000000.cos.ap-beijing.myqcloud.com");
    /// let presigned = Signer::new(&credential).presign(&request, KeyTime::new(1, 2)?)?;
    /// assert_eq!(presigned.signature().url_param_list(), "x-cos-security-token");
    /// assert!(presigned.url().ends_with("&x-cos-security-token=tok%20en"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn presign(
        &self,
        request: &SignableRequest<'_>,
        key_time: KeyTime,
    ) -> Result<PresignedUrl, SignError> {
        presign::presign(self, request, key_time)
    }

    /// Signs an `http::Request` without changing it.
    ///
    /// The URI's path and query are percent-decoded once (`+` in the query is a space) and
    /// then encoded once by the signer. When the request has no `Host` header, the URI's
    /// authority is signed as `host`: the request must then be sent with exactly that
    /// `Host` (hyper and most clients derive it the same way).
    ///
    /// # Errors
    /// As [`Signer::sign`]; also [`SignError::InvalidInput`] when the decoded path is not
    /// UTF-8.
    ///
    /// ```
    /// use tc3_signer::{Credential, cos::{KeyTime, Signer}};
    ///
    /// let credential = Credential::new("AKID", "key");
    /// let request = http::Request::get(
    ///     "https://b-1250000000.cos.ap-beijing.myqcloud.com/a%20b.txt?prefix=x%2Fy&acl",
    /// )
    /// .body(())
    /// .unwrap();
    /// let signed = Signer::new(&credential).sign_http(&request, KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.http_string(),
    ///     "get\n/a b.txt\nacl=&prefix=x%2Fy\nhost=b-1250000000.cos.ap-beijing.myqcloud.com\n");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign_http<B>(
        &self,
        request: &http::Request<B>,
        key_time: KeyTime,
    ) -> Result<RequestSignature, SignError> {
        http_request::sign_http_parts(self, request, key_time, false)
    }

    /// Signs an `http::Request` and adds the `Authorization` header, the session token
    /// header (temporary credentials) and, when missing, the `Host` header. The new headers
    /// are marked sensitive. Any `Authorization` and token header already present (from an
    /// earlier attempt) are replaced, not signed. On error the request is left unchanged.
    ///
    /// # Errors
    /// As [`Signer::sign_http`]; also [`SignError::InvalidInput`] when a value cannot be a
    /// header value (for example a secret id with non-ASCII characters).
    ///
    /// ```
    /// use tc3_signer::{Credential, cos::{KeyTime, Signer}};
    ///
    /// let credential = Credential::new("AKID", "key").with_token("token");
    /// let mut request = http::Request::put("https://b-1250000000.cos.ap-beijing.myqcloud.com/a.txt")
    ///     .header("Content-Type", "text/plain")
    ///     .body(())
    ///     .unwrap();
    /// let signed = Signer::new(&credential).sign_http_in_place(&mut request, KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.header_list(), "content-type;host;x-cos-security-token");
    /// assert_eq!(request.headers()["authorization"], signed.authorization());
    /// assert_eq!(request.headers()["x-cos-security-token"], "token");
    /// assert_eq!(request.headers()["host"], "b-1250000000.cos.ap-beijing.myqcloud.com");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign_http_in_place<B>(
        &self,
        request: &mut http::Request<B>,
        key_time: KeyTime,
    ) -> Result<RequestSignature, SignError> {
        http_request::sign_http_in_place(self, request, key_time)
    }

    /// Signs a request for the `Authorization` header: the header form of
    /// [`Signer::sign_request`].
    ///
    /// When the request has a host ([`SignableRequest::with_host`]) and its headers carry no
    /// `Host`, the host is signed as `host`.
    ///
    /// With a temporary credential, the token header (`x-cos-security-token`, or
    /// `x-ci-security-token` for CI hosts) is added **before** signing, so it is signed
    /// (spec section 6, choice 6), and returned by [`RequestSignature::headers_to_add`]. If
    /// the parts already carry that header with the same token, it is not added twice.
    ///
    /// # Errors
    /// [`SignError::DuplicateHeader`] when two signed headers have the same name,
    /// [`SignError::InvalidInput`] for a method that is not an HTTP token, a path that does
    /// not start with `/`, an empty parameter or header name, or a token header that differs
    /// from the credential's token.
    ///
    /// ```
    /// use tc3_signer::{Credential, SignableRequest, cos::{KeyTime, Signer}};
    ///
    /// let credential = Credential::new("AKID", "key").with_token("session");
    /// let headers = [("Host", "b-1250000000.cos.ap-beijing.myqcloud.com"), ("Content-Length", "13")];
    /// let parts = SignableRequest::new("PUT", "/a.txt").with_headers(&headers);
    /// let signed = Signer::new(&credential).sign(&parts, KeyTime::new(1700000000, 1700003600)?)?;
    /// assert_eq!(signed.header_list(), "content-length;host;x-cos-security-token");
    /// for (name, value) in signed.headers_to_add() {
    ///     // request.headers_mut().insert(name, value.parse()?);
    ///     # let _ = (name, value);
    /// }
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign(
        &self,
        request: &SignableRequest<'_>,
        key_time: KeyTime,
    ) -> Result<RequestSignature, SignError> {
        let params = match request.query() {
            None => canonical_params(
                request
                    .params()
                    .iter()
                    .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            ),
            Some(_) if !request.params().is_empty() => {
                return Err(SignError::InvalidInput {
                    field: "query",
                    reason: "give either the raw query or decoded parameters, not both".into(),
                });
            }
            Some(raw) => {
                let decoded = decode_query(raw);
                canonical_params(decoded.iter().map(|(n, v)| (&n[..], &v[..])))
            }
        };
        let implied_host = request.host().filter(|_| {
            find_header(
                request.headers().iter().map(|(n, v)| (*n, v.as_bytes())),
                "host",
            )
            .is_none()
        });
        let headers = request
            .headers()
            .iter()
            .map(|(n, v)| (*n, HeaderText::Str(v)));
        let (method, path) = (request.method(), request.path());
        // Two calls rather than one chained iterator: the common case (no implied host)
        // iterates the headers alone.
        match implied_host {
            None => self.sign_decoded(method, path, params, headers, key_time),
            Some(host) => {
                let host = std::iter::once(("host", HeaderText::Str(host)));
                self.sign_decoded(method, path, params, headers.chain(host), key_time)
            }
        }
    }

    /// Signs canonical parameters and raw headers; adds the token header.
    ///
    /// One pass over the headers canonicalises each name once, notes the first `host` and
    /// token headers, and keeps the names the policy signs.
    pub(crate) fn sign_decoded<'h>(
        &self,
        method: &str,
        path: &str,
        params: CanonicalList,
        headers: impl Iterator<Item = (&'h str, HeaderText<'h>)> + Clone,
        key_time: KeyTime,
    ) -> Result<RequestSignature, SignError> {
        const COS_TOKEN: &str = "x-cos-security-token";
        const CI_TOKEN: &str = "x-ci-security-token";
        let names_len: usize = headers.clone().map(|(name, _)| name.len()).sum();
        let mut signed = SignedHeaders::with_capacity(names_len + COS_TOKEN.len());
        let mut host = None;
        let mut cos_token = None;
        let mut ci_token = None;
        for (name, value) in headers {
            let name = signed.stage(name);
            let first = |slot: &mut Option<HeaderText<'h>>| {
                if slot.is_none() {
                    *slot = Some(value);
                }
            };
            match name {
                "host" => first(&mut host),
                COS_TOKEN => first(&mut cos_token),
                CI_TOKEN => first(&mut ci_token),
                _ => {}
            }
            if self.settings.header_policy.signs_canonical(name) {
                signed.keep(value);
            } else {
                signed.drop_staged();
            }
        }
        let token = match self.credential.token() {
            Some(token) => {
                let name = self.token_name(host.and_then(HeaderText::as_str));
                let present = if name == CI_TOKEN {
                    ci_token
                } else {
                    cos_token
                };
                match present {
                    Some(present) if trim_header_value(present.as_bytes()) == token.as_bytes() => {
                        None
                    }
                    Some(_) => {
                        return Err(SignError::InvalidInput {
                            field: "session token header",
                            reason: format!(
                                "the request already carries a `{name}` that differs from the credential's token"
                            ),
                        });
                    }
                    None => {
                        signed.push_canonical(name, HeaderText::Str(token));
                        Some((name, Zeroizing::new(token.to_owned())))
                    }
                }
            }
            None => None,
        };
        signed.sort()?;
        self.finish(method, path, &params, &signed, key_time, token)
    }

    /// Checks the method, path and names, computes the digests and assembles the result
    /// from canonical parts.
    pub(crate) fn finish(
        &self,
        method: &str,
        path: &str,
        params: &impl CanonicalPairs,
        headers: &impl CanonicalPairs,
        key_time: KeyTime,
        token: Option<(&'static str, Zeroizing<String>)>,
    ) -> Result<RequestSignature, SignError> {
        if !is_valid_method(method) {
            return Err(SignError::InvalidInput {
                field: "method",
                reason: "not an HTTP token".into(),
            });
        }
        if !path.starts_with('/') {
            return Err(SignError::InvalidInput {
                field: "path",
                reason: "the decoded path must start with `/`".into(),
            });
        }
        if params.has_empty_name() || headers.has_empty_name() {
            return Err(SignError::InvalidInput {
                field: "name",
                reason: "a query parameter or header has an empty name".into(),
            });
        }
        let rejected = |_| SignError::InvalidInput {
            field: "secret key",
            reason: "rejected by HMAC-SHA1".into(),
        };
        let key_time_text = key_time.text();
        let key_time_text = key_time_text.as_str();
        let sign_key =
            sign_key(self.credential.secret_key().as_bytes(), key_time_text).map_err(rejected)?;
        RequestSignature::compute(SignatureInput {
            secret_id: self.credential.secret_id(),
            key_time,
            key_time_text,
            sign_key,
            method,
            path,
            params,
            headers,
            token,
        })
        .map_err(rejected)
    }
}

/// The value of the first header named `name` (ASCII case-insensitive, trimmed name).
pub(crate) fn find_header<'h>(
    mut headers: impl Iterator<Item = (&'h str, &'h [u8])>,
    name: &str,
) -> Option<&'h [u8]> {
    headers
        .find(|(n, _)| n.trim_ascii().eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window() -> KeyTime {
        KeyTime::new(1_700_000_000, 1_700_003_600).unwrap()
    }

    #[test]
    fn raw_query_is_decoded_once_for_header_signing_and_refused_where_it_cannot_be_signed() {
        let credential = Credential::new("AKID", "key");
        let host = "b-1250000000.cos.ap-beijing.myqcloud.com";
        let params = [("prefix", "a b/c"), ("acl", "")];
        let decoded = SignableRequest::new("GET", "/")
            .with_host(host)
            .with_params(&params);
        let raw = SignableRequest::new("GET", "/")
            .with_host(host)
            .with_query("prefix=a+b%2Fc&acl");
        let signer = Signer::new(&credential);
        assert_eq!(
            signer.sign(&raw, window()).unwrap().http_string(),
            signer.sign(&decoded, window()).unwrap().http_string()
        );
        for refused in [
            signer
                .sign(&decoded.with_query("acl"), window())
                .map(|_| ()),
            signer.presign(&raw, window()).map(|_| ()),
        ] {
            assert!(matches!(
                refused,
                Err(SignError::InvalidInput { field: "query", .. })
            ));
        }
    }

    #[test]
    fn one_request_signs_into_headers_or_query_as_the_settings_choose() {
        let credential = Credential::new("AKID", "key").with_token("tok");
        let host = "b-1250000000.cos.ap-beijing.myqcloud.com";
        let params = [("versionId", "v 1")];
        let request = SignableRequest::new("GET", "/a b.txt")
            .with_host(host)
            .with_params(&params);
        let signer = Signer::new(&credential);
        let SigningOutput::Headers(headers) = signer.sign_request(&request, window()).unwrap()
        else {
            panic!("header signing is the default")
        };
        assert_eq!(
            headers.authorization(),
            signer.sign(&request, window()).unwrap().authorization()
        );
        // The host is signed as if it were the Host header.
        let explicit = [("Host", host)];
        let with_header = SignableRequest::new("GET", "/a b.txt")
            .with_params(&params)
            .with_headers(&explicit);
        assert_eq!(
            headers.http_string(),
            signer.sign(&with_header, window()).unwrap().http_string()
        );

        let query =
            signer.with_settings(SigningSettings::default().location(SignatureLocation::Query));
        let output = query.sign_request(&request, window()).unwrap();
        let presigned = query.presign(&request, window()).unwrap();
        assert_eq!(output.url(), Some(presigned.url()));
        assert_eq!(
            output.signature().http_string(),
            presigned.signature().http_string()
        );
        // In a presigned URL the token is a signed parameter, not a header.
        assert_eq!(
            output.signature().url_param_list(),
            "versionid;x-cos-security-token"
        );
        assert_eq!(output.signature().header_list(), "host");
        assert!(
            presigned
                .url()
                .starts_with(&format!("https://{host}/a%20b.txt?q-sign-algorithm=sha1&"))
        );
    }

    #[test]
    fn token_header_already_present_with_same_value_is_not_duplicated() {
        let credential = Credential::new("AKID", "key").with_token("tok");
        let headers = [("X-Cos-Security-Token", " tok ")];
        let signed = Signer::new(&credential)
            .sign(
                &SignableRequest::new("GET", "/").with_headers(&headers),
                window(),
            )
            .unwrap();
        assert_eq!(signed.header_list(), "x-cos-security-token");
    }

    #[test]
    fn token_header_with_another_value_is_rejected_without_showing_it() {
        let credential = Credential::new("AKID", "key").with_token("tok");
        let headers = [("x-cos-security-token", "OTHERTOKEN")];
        let error = Signer::new(&credential)
            .sign(
                &SignableRequest::new("GET", "/").with_headers(&headers),
                window(),
            )
            .unwrap_err();
        assert!(matches!(error, SignError::InvalidInput { .. }));
        assert!(!error.to_string().contains("OTHERTOKEN"));
        assert!(!error.to_string().contains("tok\""));
    }

    #[test]
    fn ci_host_gets_ci_token_header() {
        let credential = Credential::new("AKID", "key").with_token("tok");
        let headers = [("Host", "b-1250000000.ci.ap-beijing.myqcloud.com")];
        let signed = Signer::new(&credential)
            .sign(
                &SignableRequest::new("GET", "/").with_headers(&headers),
                window(),
            )
            .unwrap();
        assert_eq!(signed.header_list(), "host;x-ci-security-token");
    }

    #[test]
    fn invalid_method_and_path_are_rejected() {
        let credential = Credential::new("AKID", "key");
        let signer = Signer::new(&credential);
        assert!(
            signer
                .sign(&SignableRequest::new("G T", "/"), window())
                .is_err()
        );
        assert!(
            signer
                .sign(&SignableRequest::new("GET", "a"), window())
                .is_err()
        );
        assert!(
            signer
                .sign(&SignableRequest::new("GET", ""), window())
                .is_err()
        );
        let params = [("", "v")];
        assert!(
            signer
                .sign(
                    &SignableRequest::new("GET", "/").with_params(&params),
                    window()
                )
                .is_err()
        );
        let headers = [(" ", "v")];
        let all = Signer::new(&credential).header_policy(HeaderPolicy::All);
        assert!(
            all.sign(
                &SignableRequest::new("GET", "/").with_headers(&headers),
                window()
            )
            .is_err()
        );
    }

    #[test]
    fn debug_of_signature_hides_sign_key_token_and_http_string() {
        let credential = Credential::new("AKID", "SECRETKEY").with_token("SECRETTOKEN");
        let signed = Signer::new(&credential)
            .sign(&SignableRequest::new("GET", "/"), window())
            .unwrap();
        let shown = format!("{signed:?} {signed:#?} {:?}", Signer::new(&credential));
        assert!(!shown.contains(signed.sign_key()));
        assert!(!shown.contains("SECRETTOKEN"));
        assert!(!shown.contains("SECRETKEY"));
    }
}
