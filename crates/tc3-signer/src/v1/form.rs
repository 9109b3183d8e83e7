//! `application/x-www-form-urlencoded` bodies and queries for v1 requests.

use crate::{VerifyError, uri_encode};

/// The content type of a v1 POST body.
///
/// ```
/// assert_eq!(tc3_signer::v1::FORM_CONTENT_TYPE, "application/x-www-form-urlencoded");
/// ```
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Encodes `name=value` pairs joined by `&`, each part with [`uri_encode`] (space as `%20`).
pub(crate) fn encode_form<'x>(pairs: impl IntoIterator<Item = (&'x str, &'x str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&uri_encode(name));
        out.push('=');
        out.push_str(&uri_encode(value));
    }
    out
}

/// Decodes a form body or query string into `(name, value)` pairs, in order: `+` is a space,
/// `%XX` a byte; the result must be UTF-8. Empty segments (`a=1&&b=2`) are skipped; a segment
/// without `=` has an empty value.
///
/// ```
/// let pairs = tc3_signer::v1::parse_form("Action=GetFederationToken&Policy=%257B%2522&Name=a+b")?;
/// assert_eq!(pairs[1], ("Policy".to_owned(), "%7B%22".to_owned()));
/// assert_eq!(pairs[2].1, "a b");
/// assert!(tc3_signer::v1::parse_form("a=%zz").is_err());
/// # Ok::<(), tc3_signer::VerifyError>(())
/// ```
pub fn parse_form(raw: &str) -> Result<Vec<(String, String)>, VerifyError> {
    raw.split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            Ok((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

fn decode_component(component: &str) -> Result<String, VerifyError> {
    let malformed = |reason: &str| VerifyError::Malformed {
        reason: format!("form field: {reason}"),
    };
    let mut bytes = Vec::with_capacity(component.len());
    let mut input = component.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = input.next().and_then(hex_value);
                let low = input.next().and_then(hex_value);
                match (high, low) {
                    (Some(high), Some(low)) => bytes.push(high << 4 | low),
                    _ => return Err(malformed("`%` is not followed by two hex digits")),
                }
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| malformed("not UTF-8 once decoded"))
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_parse_round_trips() {
        let pairs = [
            ("Policy", "{\"a\": \"b/c+d\"}"),
            ("Name", "腾 讯"),
            ("Empty", ""),
        ];
        let encoded = encode_form(pairs);
        assert_eq!(
            encoded,
            "Policy=%7B%22a%22%3A%20%22b%2Fc%2Bd%22%7D&Name=%E8%85%BE%20%E8%AE%AF&Empty="
        );
        let decoded = parse_form(&encoded).unwrap();
        let expected: Vec<(String, String)> = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn rejects_bad_escapes_and_invalid_utf8() {
        assert!(parse_form("a=%4").is_err());
        assert!(parse_form("a=%ff").is_err());
        assert_eq!(parse_form("a&&b=").unwrap().len(), 2);
    }
}
