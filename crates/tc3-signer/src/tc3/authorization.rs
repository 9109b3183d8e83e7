//! Parsing the TC3 `Authorization` header, so a server can look up the secret key by id.

use std::fmt;

use crate::{IncomingRequest, VerifyError};

use super::date::looks_like_date;
use super::keys::TERMINATOR;
use super::scope::{ALGORITHM, credential_scope};
use super::sign::SKIP;
use super::validate::{excerpt, is_token, trim_ows};

/// What a request's `Authorization` header presents.
///
/// ```
/// use tc3_signer::tc3::{Authorization, parse_authorization};
///
/// assert_eq!(parse_authorization("SKIP")?, Authorization::Skip);
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authorization {
    /// `Authorization: SKIP`: the request is deliberately unsigned
    /// (`AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`); the server decides whether the
    /// action allows that.
    Skip,
    /// A `TC3-HMAC-SHA256` signature, to check with [`verify`](super::verify).
    Tc3(Tc3Authorization),
}

/// A parsed `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request,
/// SignedHeaders=<a;b>, Signature=<hex>` header value.
///
/// ```
/// use tc3_signer::tc3::Tc3Authorization;
///
/// let parsed = Tc3Authorization::parse(
///     "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, \
///      SignedHeaders=content-type;host, \
///      Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
/// )?;
/// assert_eq!(parsed.secret_id(), "AKIDEXAMPLE");
/// assert_eq!(parsed.service(), "cvm");
/// assert_eq!(parsed.signed_headers(), ["content-type", "host"]);
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tc3Authorization {
    secret_id: String,
    date: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn malformed(reason: impl Into<String>) -> VerifyError {
    VerifyError::Malformed {
        reason: reason.into(),
    }
}

impl Tc3Authorization {
    /// Parses a `TC3-HMAC-SHA256` header value. Spaces around the fields are tolerated; every
    /// field must appear exactly once; `SignedHeaders` must be lower-case, without repeats,
    /// and include `content-type` and `host`; the signature must be 64 lower-case hex digits.
    ///
    /// ```
    /// use tc3_signer::{VerifyError, tc3::Tc3Authorization};
    ///
    /// assert!(matches!(
    ///     Tc3Authorization::parse("HMAC-SHA1 Credential=x"),
    ///     Err(VerifyError::UnknownAlgorithm { .. })
    /// ));
    /// assert!(matches!(
    ///     Tc3Authorization::parse("TC3-HMAC-SHA256 Credential=x"),
    ///     Err(VerifyError::Malformed { .. })
    /// ));
    /// ```
    pub fn parse(value: &str) -> Result<Self, VerifyError> {
        let value = trim_ows(value);
        let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
        if algorithm != ALGORITHM {
            return Err(VerifyError::UnknownAlgorithm {
                algorithm: excerpt(algorithm),
            });
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for field in rest.split(',') {
            let field = trim_ows(field);
            let (key, field_value) = field
                .split_once('=')
                .ok_or_else(|| malformed(format!("field `{}` has no `=`", excerpt(field))))?;
            let slot = match key {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(malformed(format!("unknown field `{}`", excerpt(key)))),
            };
            if slot.replace(field_value).is_some() {
                return Err(malformed(format!("field `{key}` appears more than once")));
            }
        }
        let credential = credential.ok_or_else(|| malformed("missing `Credential`"))?;
        let signed_headers = signed_headers.ok_or_else(|| malformed("missing `SignedHeaders`"))?;
        let signature = signature.ok_or_else(|| malformed("missing `Signature`"))?;

        let mut scope = credential.split('/');
        let (Some(secret_id), Some(date), Some(service), Some(terminator), None) = (
            scope.next(),
            scope.next(),
            scope.next(),
            scope.next(),
            scope.next(),
        ) else {
            return Err(malformed(
                "`Credential` must be `<secret id>/<date>/<service>/tc3_request`",
            ));
        };
        if secret_id.is_empty() || secret_id.contains([' ', '\t']) {
            return Err(malformed("empty or blank secret id"));
        }
        if !looks_like_date(date) {
            return Err(malformed(format!(
                "credential date `{}` is not YYYY-MM-DD",
                excerpt(date)
            )));
        }
        if service.is_empty() {
            return Err(malformed("empty service in `Credential`"));
        }
        if terminator != TERMINATOR {
            return Err(malformed("credential scope must end with `tc3_request`"));
        }

        let mut names: Vec<String> = Vec::new();
        for name in signed_headers.split(';') {
            if !is_token(name) || name.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(malformed(format!(
                    "signed header `{}` is not a lower-case header name",
                    excerpt(name)
                )));
            }
            if names.iter().any(|known| known == name) {
                return Err(malformed(format!("signed header `{name}` is listed twice")));
            }
            names.push(name.to_owned());
        }
        for required in ["content-type", "host"] {
            if !names.iter().any(|name| name == required) {
                return Err(malformed(format!(
                    "`SignedHeaders` must include `{required}`"
                )));
            }
        }
        if signature.len() != 64
            || !signature
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(malformed("`Signature` must be 64 lower-case hex digits"));
        }
        Ok(Self {
            secret_id: secret_id.to_owned(),
            date: date.to_owned(),
            service: service.to_owned(),
            signed_headers: names,
            signature: signature.to_owned(),
        })
    }

    /// The secret id, to look the secret key up with.
    ///
    /// ```
    /// # let parsed = tc3_signer::tc3::Tc3Authorization::parse("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000").unwrap();
    /// assert_eq!(parsed.secret_id(), "AKID");
    /// ```
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The date of the credential scope, `YYYY-MM-DD`.
    ///
    /// ```
    /// # let parsed = tc3_signer::tc3::Tc3Authorization::parse("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000").unwrap();
    /// assert_eq!(parsed.date(), "2023-11-14");
    /// ```
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The service of the credential scope.
    ///
    /// ```
    /// # let parsed = tc3_signer::tc3::Tc3Authorization::parse("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000").unwrap();
    /// assert_eq!(parsed.service(), "sts");
    /// ```
    pub fn service(&self) -> &str {
        &self.service
    }

    /// `date/service/tc3_request`.
    ///
    /// ```
    /// # let parsed = tc3_signer::tc3::Tc3Authorization::parse("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000").unwrap();
    /// assert_eq!(parsed.credential_scope(), "2023-11-14/sts/tc3_request");
    /// ```
    pub fn credential_scope(&self) -> String {
        credential_scope(&self.date, &self.service)
    }

    /// The signed header names, in the order presented.
    ///
    /// ```
    /// # let parsed = tc3_signer::tc3::Tc3Authorization::parse("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000").unwrap();
    /// assert_eq!(parsed.signed_headers().len(), 2);
    /// ```
    pub fn signed_headers(&self) -> &[String] {
        &self.signed_headers
    }

    /// The presented signature, lower-case hex.
    ///
    /// ```
    /// # let parsed = tc3_signer::tc3::Tc3Authorization::parse("TC3-HMAC-SHA256 Credential=AKID/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, Signature=0000000000000000000000000000000000000000000000000000000000000000").unwrap();
    /// assert_eq!(parsed.signature(), "0".repeat(64));
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }
}

impl fmt::Display for Tc3Authorization {
    /// The header value in its canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Credential={}/{}/{}/{TERMINATOR}, SignedHeaders={}, Signature={}",
            self.secret_id,
            self.date,
            self.service,
            self.signed_headers.join(";"),
            self.signature
        )
    }
}

/// Parses an `Authorization` header value: `SKIP` or a `TC3-HMAC-SHA256` signature.
///
/// ```
/// use tc3_signer::tc3::{Authorization, parse_authorization};
///
/// let value = "TC3-HMAC-SHA256 Credential=AKID/2023-11-14/sts/tc3_request, \
///              SignedHeaders=content-type;host, Signature=".to_owned() + &"ab".repeat(32);
/// match parse_authorization(&value)? {
///     Authorization::Tc3(parsed) => assert_eq!(parsed.secret_id(), "AKID"),
///     other => panic!("unexpected {other:?}"),
/// }
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
pub fn parse_authorization(value: &str) -> Result<Authorization, VerifyError> {
    if trim_ows(value) == SKIP {
        return Ok(Authorization::Skip);
    }
    Tc3Authorization::parse(value).map(Authorization::Tc3)
}

/// Finds and parses the `Authorization` header of `request`.
///
/// ```
/// use tc3_signer::IncomingRequest;
/// use tc3_signer::tc3::{Authorization, authorization_of};
///
/// let headers = [("Authorization", "SKIP")];
/// let request = IncomingRequest::new("POST", "/", "", &headers);
/// assert_eq!(authorization_of(&request)?, Authorization::Skip);
/// assert!(authorization_of(&IncomingRequest::new("POST", "/", "", &[])).is_err());
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
pub fn authorization_of(request: &IncomingRequest<'_>) -> Result<Authorization, VerifyError> {
    let raw = request
        .unique_header("authorization")
        .map_err(|_| malformed("more than one Authorization header"))?
        .ok_or_else(|| malformed("missing Authorization header"))?;
    let value =
        std::str::from_utf8(raw).map_err(|_| malformed("Authorization header is not UTF-8"))?;
    parse_authorization(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168";

    #[test]
    fn round_trips_through_display() {
        let parsed = Tc3Authorization::parse(GOOD).unwrap();
        assert_eq!(parsed.to_string(), GOOD);
        assert_eq!(parsed.date(), "2019-02-25");
    }

    #[test]
    fn tolerates_compact_separators() {
        let compact = GOOD.replace(", ", ",");
        assert_eq!(Tc3Authorization::parse(&compact).unwrap().to_string(), GOOD);
    }

    #[test]
    fn rejects_malformed_values() {
        let cases = [
            GOOD.replace("Credential=", "Credentials="),
            GOOD.replace("/tc3_request", "/tc4_request"),
            GOOD.replace("/cvm/", "//"),
            GOOD.replace("2019-02-25", "2019-2-25"),
            GOOD.replace("content-type;host", "host"),
            GOOD.replace("content-type;host", "content-type;host;host"),
            GOOD.replace("content-type;host", "Content-Type;host"),
            GOOD.replace("content-type;host", "content-type;;host"),
            GOOD.replace("72e494ea", "72E494EA"),
            GOOD.replace("72e494ea", "72e494e"),
            format!("{GOOD}, Signature=00"),
            "TC3-HMAC-SHA256".to_owned(),
            "TC3-HMAC-SHA256 ".to_owned(),
            GOOD.replace("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", ""),
        ];
        for case in cases {
            assert!(
                matches!(
                    Tc3Authorization::parse(&case),
                    Err(VerifyError::Malformed { .. })
                ),
                "{case}"
            );
        }
        assert!(matches!(
            parse_authorization("TC3-HMAC-SHA1 Credential=x"),
            Err(VerifyError::UnknownAlgorithm { .. })
        ));
        assert!(matches!(
            parse_authorization(""),
            Err(VerifyError::UnknownAlgorithm { .. })
        ));
        assert!(matches!(
            parse_authorization(" SKIP "),
            Ok(Authorization::Skip)
        ));
    }
}
