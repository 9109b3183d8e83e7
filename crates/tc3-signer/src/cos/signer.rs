//! The COS request signer: header signatures for borrowed parts or an `http::Request`.

use zeroize::Zeroizing;

use super::canonical::{CanonicalList, CanonicalPairs, canonical_params, trim_header_value};
use super::http_string::{is_valid_method, sign_key};
use super::signature::SignatureInput;
use super::signed_headers::{HeaderText, SignedHeaders};
use super::{HeaderPolicy, KeyTime, RequestParts, RequestSignature, TokenHeader};
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

/// Signs COS requests with one credential (spec section 1).
///
/// The time is always an argument ([`KeyTime`]); the signer never reads the clock. Options:
/// [`HeaderPolicy`] (default: the SDKs' allow-list), [`TokenHeader`] (default: by host) and
/// [`PresignToken`] (default: signed).
///
/// ```
/// use tc3_signer::{Credential, cos::{HeaderPolicy, KeyTime, RequestParts, Signer}};
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
/// let parts = RequestParts::new("GET", "/exampleobject(腾讯云)")
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
    header_policy: HeaderPolicy,
    token_header: TokenHeader,
    presign_token: PresignToken,
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
            header_policy: HeaderPolicy::default(),
            token_header: TokenHeader::default(),
            presign_token: PresignToken::default(),
        }
    }

    /// Chooses which headers are signed.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{HeaderPolicy, KeyTime, RequestParts, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let headers = [("Date", "Thu, 16 May 2019 06:55:53 GMT")];
    /// let parts = RequestParts::new("GET", "/").with_headers(&headers);
    /// let window = KeyTime::new(1, 2)?;
    /// assert_eq!(Signer::new(&credential).sign(&parts, window)?.header_list(), "");
    /// let all = Signer::new(&credential).header_policy(HeaderPolicy::All);
    /// assert_eq!(all.sign(&parts, window)?.header_list(), "date");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn header_policy(mut self, policy: HeaderPolicy) -> Self {
        self.header_policy = policy;
        self
    }

    /// Chooses the header (or presigned parameter) that carries the session token.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, RequestParts, Signer, TokenHeader}};
    /// let credential = Credential::new("AKID", "key").with_token("tok");
    /// let signer = Signer::new(&credential).token_header(TokenHeader::Ci);
    /// let signed = signer.sign(&RequestParts::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.token_header(), Some(("x-ci-security-token", "tok")));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn token_header(mut self, token_header: TokenHeader) -> Self {
        self.token_header = token_header;
        self
    }

    /// Chooses whether a presigned URL's session token is signed.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, PresignRequest, PresignToken, Signer}};
    /// let credential = Credential::new("AKID", "key").with_token("tok");
    /// let request = PresignRequest::new("GET", "https", "b-1250000000.cos.ap-beijing.myqcloud.com", "a.txt");
    /// let signer = Signer::new(&credential).presign_token(PresignToken::Unsigned);
    /// let url = signer.presign(&request, KeyTime::new(1, 2)?)?;
    /// assert_eq!(url.signature().url_param_list(), "");
    /// assert!(url.url().ends_with("&x-cos-security-token=tok"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn presign_token(mut self, presign_token: PresignToken) -> Self {
        self.presign_token = presign_token;
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
        self.header_policy
    }

    pub(crate) fn presign_token_mode(&self) -> PresignToken {
        self.presign_token
    }

    pub(crate) fn token_name(&self, host: Option<&str>) -> &'static str {
        self.token_header.name_for_host(host)
    }

    /// Signs decoded request parts for the `Authorization` header.
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
    /// use tc3_signer::{Credential, cos::{KeyTime, RequestParts, Signer}};
    ///
    /// let credential = Credential::new("AKID", "key").with_token("session");
    /// let headers = [("Host", "b-1250000000.cos.ap-beijing.myqcloud.com"), ("Content-Length", "13")];
    /// let parts = RequestParts::new("PUT", "/a.txt").with_headers(&headers);
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
        request: &RequestParts<'_>,
        key_time: KeyTime,
    ) -> Result<RequestSignature, SignError> {
        let params = request
            .params()
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()));
        let headers = request
            .headers()
            .iter()
            .map(|(n, v)| (*n, HeaderText::Str(v)));
        self.sign_decoded(
            request.method(),
            request.path(),
            canonical_params(params),
            headers,
            key_time,
        )
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
            if self.header_policy.signs_canonical(name) {
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
    fn token_header_already_present_with_same_value_is_not_duplicated() {
        let credential = Credential::new("AKID", "key").with_token("tok");
        let headers = [("X-Cos-Security-Token", " tok ")];
        let signed = Signer::new(&credential)
            .sign(
                &RequestParts::new("GET", "/").with_headers(&headers),
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
                &RequestParts::new("GET", "/").with_headers(&headers),
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
                &RequestParts::new("GET", "/").with_headers(&headers),
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
                .sign(&RequestParts::new("G T", "/"), window())
                .is_err()
        );
        assert!(
            signer
                .sign(&RequestParts::new("GET", "a"), window())
                .is_err()
        );
        assert!(
            signer
                .sign(&RequestParts::new("GET", ""), window())
                .is_err()
        );
        let params = [("", "v")];
        assert!(
            signer
                .sign(
                    &RequestParts::new("GET", "/").with_params(&params),
                    window()
                )
                .is_err()
        );
        let headers = [(" ", "v")];
        let all = Signer::new(&credential).header_policy(HeaderPolicy::All);
        assert!(
            all.sign(
                &RequestParts::new("GET", "/").with_headers(&headers),
                window()
            )
            .is_err()
        );
    }

    #[test]
    fn debug_of_signature_hides_sign_key_token_and_http_string() {
        let credential = Credential::new("AKID", "SECRETKEY").with_token("SECRETTOKEN");
        let signed = Signer::new(&credential)
            .sign(&RequestParts::new("GET", "/"), window())
            .unwrap();
        let shown = format!("{signed:?} {signed:#?} {:?}", Signer::new(&credential));
        assert!(!shown.contains(signed.sign_key()));
        assert!(!shown.contains("SECRETTOKEN"));
        assert!(!shown.contains("SECRETKEY"));
    }
}
