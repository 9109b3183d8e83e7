//! The two v1 signature algorithms.

use std::fmt;

/// The v1 `SignatureMethod`: which HMAC signs the source string.
///
/// ```
/// use tc3_signer::v1::SignatureMethod;
///
/// assert_eq!(SignatureMethod::default(), SignatureMethod::HmacSha1);
/// assert_eq!(SignatureMethod::parse("HmacSHA256"), Some(SignatureMethod::HmacSha256));
/// assert_eq!(SignatureMethod::HmacSha256.to_string(), "HmacSHA256");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SignatureMethod {
    /// `HmacSHA1`, the default when no `SignatureMethod` parameter is sent.
    #[default]
    HmacSha1,
    /// `HmacSHA256`, selected by sending `SignatureMethod=HmacSHA256`.
    HmacSha256,
}

impl SignatureMethod {
    /// The parameter value: `HmacSHA1` or `HmacSHA256`.
    ///
    /// ```
    /// assert_eq!(tc3_signer::v1::SignatureMethod::HmacSha1.as_str(), "HmacSHA1");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HmacSHA1",
            Self::HmacSha256 => "HmacSHA256",
        }
    }

    /// Parses a `SignatureMethod` parameter value (exact spelling).
    ///
    /// ```
    /// use tc3_signer::v1::SignatureMethod;
    /// assert_eq!(SignatureMethod::parse("HmacSHA1"), Some(SignatureMethod::HmacSha1));
    /// assert_eq!(SignatureMethod::parse("hmacsha1"), None);
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "HmacSHA1" => Some(Self::HmacSha1),
            "HmacSHA256" => Some(Self::HmacSha256),
            _ => None,
        }
    }
}

impl fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
