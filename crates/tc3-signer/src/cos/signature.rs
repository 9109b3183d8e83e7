//! The result of signing: the values to add to the request and every intermediate string.

use std::fmt;
use std::ops::Range;

use zeroize::Zeroizing;

use super::KeyTime;
use super::canonical::CanonicalPairs;
use super::crypto::{HmacKeyRejected, hmac_sha1, push_hex40};
use super::http_string::{
    http_string_len_bound, push_string_to_sign, sha1, string_to_sign_len, write_http_string,
};

/// A computed COS request signature: what to add to the request, and every intermediate
/// string of spec section 1 for inspection and debugging.
///
/// `Debug` shows neither the sign key (derived from the secret key) nor the session token,
/// nor the http string (which contains the token when it is signed), nor the signature
/// (replayable within the window).
///
/// ```
/// use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
///
/// let credential = Credential::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let headers = [("Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com")];
/// let parts = SignableRequest::new("GET", "/exampleobject").with_headers(&headers);
/// let signed = Signer::new(&credential).sign(&parts, KeyTime::new(1700000000, 1700003600)?)?;
/// assert_eq!(signed.header_list(), "host");
/// assert!(signed.authorization().starts_with("q-sign-algorithm=sha1&q-ak=AKIDQjz3"));
/// assert!(!format!("{signed:?}").contains(signed.sign_key()));
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Clone)]
pub struct RequestSignature {
    key_time: KeyTime,
    /// Lowercase hex (ASCII).
    sign_key: Zeroizing<[u8; 40]>,
    /// The http string, the string to sign and the `Authorization` value, back to back (one
    /// allocation); the ranges below point into it.
    text: String,
    http_string: Range<usize>,
    http_parameters: Range<usize>,
    http_headers: Range<usize>,
    string_to_sign: Range<usize>,
    authorization: Range<usize>,
    header_list: Range<usize>,
    url_param_list: Range<usize>,
    key_time_text: Range<usize>,
    token: Option<(&'static str, Zeroizing<String>)>,
}

/// What a signature is computed from: canonical, sorted parameters and headers, and the
/// already checked method and path.
pub(crate) struct SignatureInput<'a, P, H> {
    pub(crate) secret_id: &'a str,
    pub(crate) key_time: KeyTime,
    /// `"<start>;<end>"`, both `q-sign-time` and `q-key-time`.
    pub(crate) key_time_text: &'a str,
    pub(crate) sign_key: Zeroizing<[u8; 40]>,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) params: &'a P,
    pub(crate) headers: &'a H,
    pub(crate) token: Option<(&'static str, Zeroizing<String>)>,
}

/// The fixed parts of the `Authorization` value.
const ALGORITHM_AND_AK: &str = "q-sign-algorithm=sha1&q-ak=";
const SIGN_TIME: &str = "&q-sign-time=";
const KEY_TIME: &str = "&q-key-time=";
const HEADER_LIST: &str = "&q-header-list=";
const URL_PARAM_LIST: &str = "&q-url-param-list=";
const SIGNATURE: &str = "&q-signature=";

impl RequestSignature {
    /// Writes the http string, hashes it, writes the string to sign, signs it and writes the
    /// `Authorization` value, all into one buffer sized up front.
    pub(crate) fn compute<P: CanonicalPairs, H: CanonicalPairs>(
        input: SignatureInput<'_, P, H>,
    ) -> Result<Self, HmacKeyRejected> {
        let SignatureInput {
            secret_id,
            key_time,
            key_time_text,
            sign_key,
            method,
            path,
            params,
            headers,
            token,
        } = input;
        let authorization_len = ALGORITHM_AND_AK.len()
            + secret_id.len()
            + SIGN_TIME.len()
            + KEY_TIME.len()
            + 2 * key_time_text.len()
            + HEADER_LIST.len()
            + headers.names_len()
            + headers.len()
            + URL_PARAM_LIST.len()
            + params.names_len()
            + params.len()
            + SIGNATURE.len()
            + 40;
        let mut text = String::with_capacity(
            http_string_len_bound(method, path.len(), params, headers)
                + string_to_sign_len(key_time_text)
                + authorization_len,
        );

        let http = write_http_string(&mut text, method, path, params, headers);
        let digest = sha1(text.as_bytes());
        let start = text.len();
        push_string_to_sign(&mut text, key_time_text, &digest);
        let string_to_sign = start..text.len();
        let signature = hmac_sha1(
            &sign_key[..],
            text.as_bytes()
                .get(string_to_sign.clone())
                .unwrap_or_default(),
        )?;

        let authorization_start = text.len();
        text.push_str(ALGORITHM_AND_AK);
        text.push_str(secret_id);
        text.push_str(SIGN_TIME);
        let start = text.len();
        text.push_str(key_time_text);
        let key_time_range = start..text.len();
        text.push_str(KEY_TIME);
        text.push_str(key_time_text);
        text.push_str(HEADER_LIST);
        let start = text.len();
        headers.write_names(&mut text);
        let header_list = start..text.len();
        text.push_str(URL_PARAM_LIST);
        let start = text.len();
        params.write_names(&mut text);
        let url_param_list = start..text.len();
        text.push_str(SIGNATURE);
        push_hex40(&mut text, &signature);
        Ok(Self {
            key_time,
            sign_key,
            authorization: authorization_start..text.len(),
            text,
            http_string: http.whole,
            http_parameters: http.parameters,
            http_headers: http.headers,
            string_to_sign,
            header_list,
            url_param_list,
            key_time_text: key_time_range,
            token,
        })
    }

    fn part(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or_default()
    }

    /// The validity window (`q-sign-time` = `q-key-time`).
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let window = KeyTime::new(1, 2)?;
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/"), window)?;
    /// assert_eq!(signed.key_time(), window);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// `"<start>;<end>"` as signed.
    pub(crate) fn key_time_text(&self) -> &str {
        self.part(&self.key_time_text)
    }

    /// `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`. **Secret-derived**: whoever holds it
    /// can sign any request in the window. Never log it.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// let credential = Credential::new("AKID", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
    /// let signed = Signer::new(&credential)
    ///     .sign(&SignableRequest::new("GET", "/"), KeyTime::new(1557989151, 1557996351)?)?;
    /// assert_eq!(signed.sign_key(), "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign_key(&self) -> &str {
        std::str::from_utf8(&self.sign_key[..]).unwrap_or_default()
    }

    /// `HttpString = lower(method)\npath\nHttpParameters\nHttpHeaders\n`. Contains the session
    /// token when the token header is signed.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/exampleobject"), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.http_string(), "get\n/exampleobject\n\n\n");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn http_string(&self) -> &str {
        self.part(&self.http_string)
    }

    /// `HttpParameters`: the signed query parameters, `n=v&…`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let params = [("prefix", "a/"), ("acl", "")];
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/").with_params(&params), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.http_parameters(), "acl=&prefix=a%2F");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn http_parameters(&self) -> &str {
        self.part(&self.http_parameters)
    }

    /// `HttpHeaders`: the signed headers, `n=v&…`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let headers = [("Content-Type", "text/plain"), ("User-Agent", "x")];
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("PUT", "/a").with_headers(&headers), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.http_headers(), "content-type=text%2Fplain");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn http_headers(&self) -> &str {
        self.part(&self.http_headers)
    }

    /// `UrlParamList` (`q-url-param-list`): the signed parameter names, `n;…`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let params = [("partNumber", "1"), ("uploadId", "X")];
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("PUT", "/b").with_params(&params), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.url_param_list(), "partnumber;uploadid");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn url_param_list(&self) -> &str {
        self.part(&self.url_param_list)
    }

    /// `HeaderList` (`q-header-list`): the signed header names, `n;…`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let headers = [("Range", "bytes=0-3"), ("Host", "h")];
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/t").with_headers(&headers), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.header_list(), "host;range");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn header_list(&self) -> &str {
        self.part(&self.header_list)
    }

    /// The signed header names, in signing order.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let headers = [("Range", "bytes=0-3"), ("Host", "h")];
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/t").with_headers(&headers), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.signed_headers().collect::<Vec<_>>(), ["host", "range"]);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> {
        self.header_list().split(';').filter(|n| !n.is_empty())
    }

    /// The signed query parameter names, in signing order (repeated names repeated).
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let params = [("b", ""), ("a", "")];
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/").with_params(&params), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.signed_params().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn signed_params(&self) -> impl Iterator<Item = &str> {
        self.url_param_list().split(';').filter(|n| !n.is_empty())
    }

    /// `hex(SHA1(HttpString))`, the last line of the string to sign.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.sha1_http_string().len(), 40);
    /// assert!(signed.string_to_sign().contains(signed.sha1_http_string()));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sha1_http_string(&self) -> &str {
        let text = self.string_to_sign().trim_end_matches('\n');
        text.rsplit('\n').next().unwrap_or_default()
    }

    /// `StringToSign = "sha1\n" + KeyTime + "\n" + hex(SHA1(HttpString)) + "\n"`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert!(signed.string_to_sign().starts_with("sha1\n1;2\n"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn string_to_sign(&self) -> &str {
        self.part(&self.string_to_sign)
    }

    /// `q-signature`: `hex(HMAC-SHA1(SignKey, StringToSign))`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert!(signed.authorization().ends_with(signed.signature()));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn signature(&self) -> &str {
        // The authorization value ends with the 40 hex digits.
        let end = self.authorization.end;
        self.part(&(end.saturating_sub(40).max(self.authorization.start)..end))
    }

    /// The `Authorization` header value (spec 1.8).
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// # let credential = Credential::new("AKID", "key");
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert!(signed.authorization().starts_with(
    ///     "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=&q-url-param-list=&q-signature="));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn authorization(&self) -> &str {
        self.part(&self.authorization)
    }

    /// The session token header to send, `(lower-case name, token)`, when the credential
    /// is temporary and the signature is a header signature. It was signed.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// let credential = Credential::new("AKID", "key").with_token("tok");
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// assert_eq!(signed.token_header(), Some(("x-cos-security-token", "tok")));
    /// assert_eq!(signed.header_list(), "x-cos-security-token");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn token_header(&self) -> Option<(&'static str, &str)> {
        self.token
            .as_ref()
            .map(|(name, value)| (*name, value.as_str()))
    }

    /// Every header to add to the request: `authorization`, then the token header if any.
    ///
    /// ```
    /// # use tc3_signer::{Credential, cos::{KeyTime, SignableRequest, Signer}};
    /// let credential = Credential::new("AKID", "key").with_token("tok");
    /// let signed = Signer::new(&credential).sign(&SignableRequest::new("GET", "/"), KeyTime::new(1, 2)?)?;
    /// let names: Vec<_> = signed.headers_to_add().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["authorization", "x-cos-security-token"]);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn headers_to_add(&self) -> impl Iterator<Item = (&'static str, &str)> {
        std::iter::once(("authorization", self.authorization())).chain(self.token_header())
    }
}

impl fmt::Debug for RequestSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSignature")
            .field("key_time", &self.key_time)
            .field("sign_key", &"<redacted>")
            .field("header_list", &self.header_list())
            .field("url_param_list", &self.url_param_list())
            .field("string_to_sign", &self.string_to_sign())
            .field("signature", &"<redacted: replayable>")
            .field(
                "token_header",
                &self.token.as_ref().map(|(name, _)| (name, "<redacted>")),
            )
            .finish_non_exhaustive()
    }
}
