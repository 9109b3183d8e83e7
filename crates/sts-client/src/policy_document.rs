//! A policy as sent to STS: compact JSON, URL-encoded exactly once.

use crate::StsError;

/// A CAM policy in its compact JSON form, ready to send.
///
/// STS URL-decodes the `Policy` parameter, so raw JSON containing `%` or `+` would be
/// corrupted; [`PolicyDocument::encoded`] is what goes on the wire (in the JSON body for TC3,
/// and form-encoded once more as a value for v1, as the API expects).
///
/// ```
/// use sts_client::PolicyDocument;
///
/// let policy = PolicyDocument::from_json(r#"{ "version": "2.0", "statement": [] }"#).unwrap();
/// assert_eq!(policy.as_json(), r#"{"statement":[],"version":"2.0"}"#);
/// assert_eq!(policy.encoded(), "%7B%22statement%22%3A%5B%5D%2C%22version%22%3A%222.0%22%7D");
/// assert!(PolicyDocument::from_json("not json").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    json: String,
    /// `json` URL-encoded once, computed when the document is made.
    encoded: String,
}

impl PolicyDocument {
    /// Parses a JSON object and keeps its compact form. This does **not** validate the policy
    /// (use [`PolicyDocument::from_policy`] for that).
    ///
    /// ```
    /// assert!(sts_client::PolicyDocument::from_json("[1]").is_err());
    /// ```
    pub fn from_json(json: &str) -> Result<Self, StsError> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| StsError::invalid(format!("policy is not JSON: {e}")))?;
        if !value.is_object() {
            return Err(StsError::invalid("policy must be a JSON object"));
        }
        let json = serde_json::to_string(&value)
            .map_err(|e| StsError::invalid(format!("policy cannot be serialised: {e}")))?;
        Ok(Self::new(json))
    }

    /// Validates a typed policy with `cos-policy` and keeps its canonical compact form.
    /// Validation errors always reject it; least-privilege lints reject it unless
    /// `allow_lints` is true.
    ///
    /// ```
    /// let policy = cos_policy::Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
    ///   "action":["name/cos:GetObject"],
    ///   "resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/docs/*"]}]}"#).unwrap();
    /// let document = sts_client::PolicyDocument::from_policy(&policy, false).unwrap();
    /// assert!(document.as_json().contains("name/cos:GetObject"));
    /// ```
    pub fn from_policy(policy: &cos_policy::Policy, allow_lints: bool) -> Result<Self, StsError> {
        let json = crate::validation::check(policy, allow_lints)?;
        Ok(Self::new(json))
    }

    fn new(json: String) -> Self {
        let encoded = uri_encode(&json);
        Self { json, encoded }
    }

    /// The compact JSON.
    ///
    /// ```
    /// let p = sts_client::PolicyDocument::from_json("{}").unwrap();
    /// assert_eq!(p.as_json(), "{}");
    /// ```
    pub fn as_json(&self) -> &str {
        &self.json
    }

    /// The JSON URL-encoded once (RFC 3986 unreserved characters kept), the `Policy` value.
    ///
    /// ```
    /// let p = sts_client::PolicyDocument::from_json(r#"{"a":"b+c%"}"#).unwrap();
    /// assert_eq!(p.encoded(), "%7B%22a%22%3A%22b%2Bc%25%22%7D");
    /// ```
    pub fn encoded(&self) -> &str {
        &self.encoded
    }
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set (`A-Z a-z 0-9 - _ . ~`) as
/// upper-case `%XX`: the same output as `tc3_signer::uri_encode`, in one pass over the bytes
/// into a buffer sized up front (the policy is the largest value a request carries).
fn uri_encode(input: &str) -> String {
    let mut out = Vec::with_capacity(input.len() * 3);
    for &byte in input.as_bytes() {
        if is_unreserved(byte) {
            out.push(byte);
        } else {
            out.extend_from_slice(&[b'%', hex_digit(byte >> 4), hex_digit(byte & 0x0F)]);
        }
    }
    // Every byte written is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Whether `byte` is RFC 3986 unreserved, tested against a 128-bit set (bit `n` for byte `n`).
fn is_unreserved(byte: u8) -> bool {
    const fn set(bytes: &[u8]) -> u128 {
        let mut set = 0u128;
        let mut rest = bytes;
        while let [first, tail @ ..] = rest {
            set |= 1 << *first;
            rest = tail;
        }
        set
    }
    const UNRESERVED: u128 =
        set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~");
    byte < 128 && (UNRESERVED >> (byte & 0x7F)) & 1 == 1
}

/// The upper-case hexadecimal digit of a nibble (`0..=15`).
fn hex_digit(nibble: u8) -> u8 {
    nibble + if nibble < 10 { b'0' } else { b'A' - 10 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encodes_like_the_signer() {
        for text in [
            "",
            "-_.~",
            "a b+c%d&e=f/g?h#i",
            "文件夹/ü",
            "\u{0}\u{7f}\u{10ffff}",
        ] {
            assert_eq!(uri_encode(text), tc3_signer::uri_encode(text), "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn encodes_like_the_signer_for_any_text(text in any::<String>()) {
            prop_assert_eq!(uri_encode(&text), tc3_signer::uri_encode(&text));
        }
    }
}
