//! Parsing a presented COS signature: the `Authorization` header or presigned query fields.

use std::borrow::Cow;
use std::fmt;

use super::KeyTime;
use super::key_time::shorten;
use super::query::decode_query;
use crate::VerifyError;

/// Where a request carried its signature.
///
/// ```
/// use tc3_signer::cos::{Authorization, SignatureLocation};
///
/// let auth = Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=host&q-url-param-list=&q-signature=0123456789abcdef0123456789abcdef01234567")?;
/// assert_eq!(auth.location(), SignatureLocation::Header);
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureLocation {
    /// The `Authorization` header.
    #[default]
    Header,
    /// The query string (a presigned URL).
    Query,
}

/// A parsed COS signature (`q-sign-algorithm=sha1&q-ak=…&q-signature=…`).
///
/// A server parses it first, looks up the secret key by [`Authorization::secret_id`], then
/// calls [`verify`](super::verify). `Debug` does not show the signature.
///
/// ```
/// use tc3_signer::cos::Authorization;
///
/// let auth = Authorization::parse(
///     "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989753;1557996953\
///      &q-key-time=1557989753;1557996953&q-header-list=date;host\
///      &q-url-param-list=response-cache-control;response-content-type\
///      &q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012",
/// )?;
/// assert_eq!(auth.secret_id(), "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q");
/// assert_eq!(auth.header_list(), ["date", "host"]);
/// assert_eq!(auth.key_time().end(), 1557996953);
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    secret_id: String,
    sign_time_text: String,
    key_time_text: String,
    sign_time: KeyTime,
    key_time: KeyTime,
    header_list: Vec<String>,
    url_param_list: Vec<String>,
    signature: String,
    location: SignatureLocation,
}

const ALGORITHM: &str = "q-sign-algorithm";
const AK: &str = "q-ak";
const SIGN_TIME: &str = "q-sign-time";
const KEY_TIME: &str = "q-key-time";
const HEADER_LIST: &str = "q-header-list";
const URL_PARAM_LIST: &str = "q-url-param-list";
const SIGNATURE: &str = "q-signature";

/// The `q-*` fields as found, before validation.
#[derive(Default)]
struct Fields<'a> {
    algorithm: Option<Cow<'a, str>>,
    ak: Option<Cow<'a, str>>,
    sign_time: Option<Cow<'a, str>>,
    key_time: Option<Cow<'a, str>>,
    header_list: Option<Cow<'a, str>>,
    url_param_list: Option<Cow<'a, str>>,
    signature: Option<Cow<'a, str>>,
}

impl<'a> Fields<'a> {
    /// Records one field; `Ok(false)` when the name is not a signature field.
    fn set(&mut self, name: &[u8], value: Cow<'a, str>) -> Result<bool, VerifyError> {
        let (slot, label) = match name {
            n if n == ALGORITHM.as_bytes() => (&mut self.algorithm, ALGORITHM),
            n if n == AK.as_bytes() => (&mut self.ak, AK),
            n if n == SIGN_TIME.as_bytes() => (&mut self.sign_time, SIGN_TIME),
            n if n == KEY_TIME.as_bytes() => (&mut self.key_time, KEY_TIME),
            n if n == HEADER_LIST.as_bytes() => (&mut self.header_list, HEADER_LIST),
            n if n == URL_PARAM_LIST.as_bytes() => (&mut self.url_param_list, URL_PARAM_LIST),
            n if n == SIGNATURE.as_bytes() => (&mut self.signature, SIGNATURE),
            _ => return Ok(false),
        };
        if slot.is_some() {
            return Err(malformed(format!("`{label}` appears more than once")));
        }
        *slot = Some(value);
        Ok(true)
    }
}

impl Authorization {
    /// Parses an `Authorization` header value. Fields may come in any order; unknown fields
    /// are ignored; `q-header-list` and `q-url-param-list` may be absent (empty).
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] for a missing, repeated or invalid field,
    /// [`VerifyError::UnknownAlgorithm`] for an algorithm other than `sha1`.
    ///
    /// ```
    /// use tc3_signer::{VerifyError, cos::Authorization};
    ///
    /// assert!(matches!(Authorization::parse("garbage"), Err(VerifyError::Malformed { .. })));
    /// assert!(matches!(
    ///     Authorization::parse("q-sign-algorithm=md5&q-ak=a&q-sign-time=1;2&q-key-time=1;2&q-signature=00"),
    ///     Err(VerifyError::UnknownAlgorithm { .. })
    /// ));
    /// ```
    pub fn parse(value: &str) -> Result<Self, VerifyError> {
        let mut fields = Fields::default();
        for pair in value.trim().split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| malformed(format!("field `{}` has no `=`", shorten(pair))))?;
            fields.set(name.as_bytes(), Cow::Borrowed(value))?;
        }
        Self::from_fields(fields, SignatureLocation::Header)
    }

    /// Parses the signature fields of a presigned URL's raw query (the text after `?`).
    /// Values are percent-decoded once; other parameters are ignored here.
    ///
    /// # Errors
    /// As [`Authorization::parse`]; [`VerifyError::Malformed`] also when a field is not
    /// UTF-8 once decoded.
    ///
    /// ```
    /// use tc3_signer::cos::Authorization;
    ///
    /// let auth = Authorization::from_query(
    ///     "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1700000000%3B1700003600\
    ///      &q-key-time=1700000000%3B1700003600&q-header-list=content-type%3Bhost\
    ///      &q-url-param-list=&q-signature=b0a2ccdd212eda6fc4f7d3ba56ed9d5857ba061d&x-cos-security-token=t",
    /// )?;
    /// assert_eq!(auth.header_list(), ["content-type", "host"]);
    /// assert_eq!(auth.sign_time().start(), 1700000000);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn from_query(raw_query: &str) -> Result<Self, VerifyError> {
        let mut fields = Fields::default();
        for (name, value) in decode_query(raw_query) {
            let value = match value {
                Cow::Borrowed(bytes) => std::str::from_utf8(bytes).map(Cow::Borrowed),
                Cow::Owned(bytes) => String::from_utf8(bytes)
                    .map(Cow::Owned)
                    .map_err(|e| e.utf8_error()),
            };
            let Ok(value) = value else {
                if is_field(&name) {
                    return Err(malformed("a signature field is not UTF-8".into()));
                }
                continue;
            };
            fields.set(&name, value)?;
        }
        if fields.signature.is_none() && fields.algorithm.is_none() {
            return Err(malformed("the query carries no signature".into()));
        }
        Self::from_fields(fields, SignatureLocation::Query)
    }

    fn from_fields(fields: Fields<'_>, location: SignatureLocation) -> Result<Self, VerifyError> {
        let algorithm = required(fields.algorithm, ALGORITHM)?;
        if !algorithm.eq_ignore_ascii_case("sha1") {
            return Err(VerifyError::UnknownAlgorithm {
                algorithm: shorten(&algorithm),
            });
        }
        let secret_id = required(fields.ak, AK)?.into_owned();
        if secret_id.is_empty() {
            return Err(malformed("`q-ak` is empty".into()));
        }
        let sign_time_text = required(fields.sign_time, SIGN_TIME)?.into_owned();
        let key_time_text = required(fields.key_time, KEY_TIME)?.into_owned();
        let sign_time = KeyTime::parse(&sign_time_text)?;
        let key_time = KeyTime::parse(&key_time_text)?;
        let header_list = parse_list(fields.header_list.as_deref(), HEADER_LIST)?;
        let url_param_list = parse_list(fields.url_param_list.as_deref(), URL_PARAM_LIST)?;
        let signature = required(fields.signature, SIGNATURE)?;
        if signature.len() != 40 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(malformed("`q-signature` is not 40 hex digits".into()));
        }
        Ok(Self {
            secret_id,
            sign_time_text,
            key_time_text,
            sign_time,
            key_time,
            header_list,
            url_param_list,
            signature: signature.to_ascii_lowercase(),
            location,
        })
    }

    /// `q-ak`: the secret id to look the secret key up by.
    ///
    /// ```
    /// # let auth = tc3_signer::cos::Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-signature=0123456789abcdef0123456789abcdef01234567")?;
    /// assert_eq!(auth.secret_id(), "AKID");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// `q-sign-time`, parsed.
    ///
    /// ```
    /// # let auth = tc3_signer::cos::Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;3&q-signature=0123456789abcdef0123456789abcdef01234567")?;
    /// assert_eq!(auth.sign_time().end(), 2);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn sign_time(&self) -> KeyTime {
        self.sign_time
    }

    /// `q-key-time`, parsed.
    ///
    /// ```
    /// # let auth = tc3_signer::cos::Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;3&q-signature=0123456789abcdef0123456789abcdef01234567")?;
    /// assert_eq!(auth.key_time().end(), 3);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn key_time(&self) -> KeyTime {
        self.key_time
    }

    /// `q-header-list`, lower-cased, in the presented order.
    ///
    /// ```
    /// # let auth = tc3_signer::cos::Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-header-list=Host;range&q-signature=0123456789abcdef0123456789abcdef01234567")?;
    /// assert_eq!(auth.header_list(), ["host", "range"]);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn header_list(&self) -> &[String] {
        &self.header_list
    }

    /// `q-url-param-list`, lower-cased, in the presented order.
    ///
    /// ```
    /// # let auth = tc3_signer::cos::Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-url-param-list=acl&q-signature=0123456789abcdef0123456789abcdef01234567")?;
    /// assert_eq!(auth.url_param_list(), ["acl"]);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn url_param_list(&self) -> &[String] {
        &self.url_param_list
    }

    /// `q-signature`, lower-case hex.
    ///
    /// ```
    /// # let auth = tc3_signer::cos::Authorization::parse("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1;2&q-key-time=1;2&q-signature=0123456789ABCDEF0123456789abcdef01234567")?;
    /// assert_eq!(auth.signature(), "0123456789abcdef0123456789abcdef01234567");
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// Whether the signature came from the header or the query.
    ///
    /// ```
    /// # let auth = tc3_signer::cos::Authorization::from_query("q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1%3B2&q-key-time=1%3B2&q-signature=0123456789abcdef0123456789abcdef01234567")?;
    /// assert_eq!(auth.location(), tc3_signer::cos::SignatureLocation::Query);
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn location(&self) -> SignatureLocation {
        self.location
    }

    pub(crate) fn sign_time_text(&self) -> &str {
        &self.sign_time_text
    }

    pub(crate) fn key_time_text(&self) -> &str {
        &self.key_time_text
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("secret_id", &self.secret_id)
            .field("sign_time", &self.sign_time_text)
            .field("key_time", &self.key_time_text)
            .field("header_list", &self.header_list)
            .field("url_param_list", &self.url_param_list)
            .field("signature", &"<redacted>")
            .field("location", &self.location)
            .finish()
    }
}

fn required<'v>(value: Option<Cow<'v, str>>, name: &str) -> Result<Cow<'v, str>, VerifyError> {
    value.ok_or_else(|| malformed(format!("`{name}` is missing")))
}

fn is_field(name: &[u8]) -> bool {
    [
        ALGORITHM,
        AK,
        SIGN_TIME,
        KEY_TIME,
        HEADER_LIST,
        URL_PARAM_LIST,
        SIGNATURE,
    ]
    .iter()
    .any(|field| field.as_bytes() == name)
}

fn parse_list(value: Option<&str>, name: &str) -> Result<Vec<String>, VerifyError> {
    match value {
        None | Some("") => Ok(Vec::new()),
        Some(list) => list
            .split(';')
            .map(|entry| {
                if entry.is_empty() {
                    Err(malformed(format!("`{name}` has an empty entry")))
                } else {
                    Ok(entry.to_ascii_lowercase())
                }
            })
            .collect(),
    }
}

fn malformed(reason: String) -> VerifyError {
    VerifyError::Malformed { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn rejects_repeated_missing_and_invalid_fields() {
        let base = format!(
            "q-sign-algorithm=sha1&q-ak=A&q-sign-time=1;2&q-key-time=1;2&q-signature={SIG}"
        );
        assert!(Authorization::parse(&base).is_ok());
        for bad in [
            format!("{base}&q-ak=B"),
            base.replace("q-ak=A&", ""),
            base.replace("q-ak=A", "q-ak="),
            base.replace("q-sign-time=1;2", "q-sign-time=2;1"),
            base.replace(SIG, "xyz"),
            format!("{base}&q-header-list=host;;range"),
            format!("{base}&noequals"),
        ] {
            assert!(Authorization::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_without_signature_is_malformed() {
        assert!(matches!(
            Authorization::from_query("prefix=a"),
            Err(VerifyError::Malformed { .. })
        ));
    }

    #[test]
    fn debug_hides_signature() {
        let auth = Authorization::parse(&format!(
            "q-sign-algorithm=sha1&q-ak=A&q-sign-time=1;2&q-key-time=1;2&q-signature={SIG}"
        ))
        .unwrap();
        assert!(!format!("{auth:?}").contains(SIG));
    }
}
