//! `HttpString`, `StringToSign`, `SignKey` and `Signature` (spec 1.2 and 1.5 to 1.7): the
//! part of the computation shared by the signer and the verifier.

use std::ops::Range;

use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::canonical::{CanonicalList, CanonicalPairs};
use super::crypto::{HmacKeyRejected, hex40, hmac_sha1, hmac_sha1_hex40, push_hex40};

/// `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))` (spec 1.2), lowercase hex (ASCII).
pub(crate) fn sign_key(
    secret_key: &[u8],
    key_time: &str,
) -> Result<Zeroizing<[u8; 40]>, HmacKeyRejected> {
    hmac_sha1_hex40(secret_key, key_time.as_bytes()).map(Zeroizing::new)
}

/// Where the http string and its two lists were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpStringRanges {
    /// The whole http string.
    pub(crate) whole: Range<usize>,
    /// `HttpParameters`.
    pub(crate) parameters: Range<usize>,
    /// `HttpHeaders`.
    pub(crate) headers: Range<usize>,
}

/// An upper bound of the length of the http string.
pub(crate) fn http_string_len_bound(
    method: &str,
    path_len: usize,
    params: &impl CanonicalPairs,
    headers: &impl CanonicalPairs,
) -> usize {
    method.len() + path_len + params.pairs_len_bound() + headers.pairs_len_bound() + 4
}

/// Appends `HttpString = lower(method)\npath\nHttpParameters\nHttpHeaders\n` (spec 1.5).
pub(crate) fn write_http_string(
    out: &mut String,
    method: &str,
    path: &str,
    params: &impl CanonicalPairs,
    headers: &impl CanonicalPairs,
) -> HttpStringRanges {
    let start = out.len();
    out.push_str(method);
    if let Some(method) = out.get_mut(start..) {
        method.make_ascii_lowercase();
    }
    out.push('\n');
    out.push_str(path);
    out.push('\n');
    let params_start = out.len();
    params.write_pairs(out);
    let parameters = params_start..out.len();
    out.push('\n');
    let headers_start = out.len();
    headers.write_pairs(out);
    let headers = headers_start..out.len();
    out.push('\n');
    HttpStringRanges {
        whole: start..out.len(),
        parameters,
        headers,
    }
}

/// The length of the string to sign for this `q-sign-time`.
pub(crate) fn string_to_sign_len(sign_time: &str) -> usize {
    5 + sign_time.len() + 1 + 40 + 1
}

/// Appends `StringToSign = "sha1\n" + sign_time + "\n" + hex(SHA1(HttpString)) + "\n"` (spec
/// 1.6), given the SHA-1 of the http string.
pub(crate) fn push_string_to_sign(out: &mut String, sign_time: &str, http_string_sha1: &[u8]) {
    out.push_str("sha1\n");
    out.push_str(sign_time);
    out.push('\n');
    push_hex40(out, http_string_sha1);
    out.push('\n');
}

/// `SHA1(message)`.
pub(crate) fn sha1(message: &[u8]) -> [u8; 20] {
    Sha1::digest(message).into()
}

/// Everything the verifier recomputes a signature from, already canonical.
pub(crate) struct DigestInput<'a> {
    /// Secret key, as UTF-8 bytes.
    pub(crate) secret_key: &'a [u8],
    /// `q-sign-time`, the second line of the string to sign.
    pub(crate) sign_time: &'a str,
    /// `q-key-time`, the message of the sign key.
    pub(crate) key_time: &'a str,
    /// The HTTP method, any case.
    pub(crate) method: &'a str,
    /// The decoded path, as bytes (not necessarily UTF-8).
    pub(crate) path: &'a [u8],
    /// Canonical, sorted query parameters.
    pub(crate) params: &'a CanonicalList,
    /// Canonical, sorted headers.
    pub(crate) headers: &'a CanonicalList,
}

/// The verifier's string to sign and signature.
pub(crate) struct Digests {
    pub(crate) string_to_sign: String,
    /// Lowercase hex, ASCII.
    pub(crate) signature: [u8; 40],
}

/// Computes `SignKey`, `HttpString`, `StringToSign` and `Signature` for the verifier, whose
/// decoded path may not be UTF-8.
pub(crate) fn compute(input: &DigestInput<'_>) -> Result<Digests, HmacKeyRejected> {
    let sign_key = sign_key(input.secret_key, input.key_time)?;
    // Everything but the path is ASCII text; the path bytes are put in afterwards.
    let mut text = String::with_capacity(http_string_len_bound(
        input.method,
        0,
        input.params,
        input.headers,
    ));
    write_http_string(&mut text, input.method, "", input.params, input.headers);
    let (head, tail) = text
        .as_bytes()
        .split_at_checked(input.method.len() + 1)
        .unwrap_or_default();
    let mut http_string = Vec::with_capacity(text.len() + input.path.len());
    http_string.extend_from_slice(head);
    http_string.extend_from_slice(input.path);
    http_string.extend_from_slice(tail);

    let mut string_to_sign = String::with_capacity(string_to_sign_len(input.sign_time));
    push_string_to_sign(&mut string_to_sign, input.sign_time, &sha1(&http_string));
    let signature = hmac_sha1(&sign_key[..], string_to_sign.as_bytes())?;
    Ok(Digests {
        string_to_sign,
        signature: hex40(&signature),
    })
}

/// Whether `method` is a non-empty HTTP token (RFC 9110), so that it cannot break the
/// line structure of the http string.
pub(crate) fn is_valid_method(method: &str) -> bool {
    !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_components_keep_their_line_breaks() {
        let mut text = String::from("prefix");
        let ranges = write_http_string(
            &mut text,
            "GET",
            "/exampleobject",
            &CanonicalList::default(),
            &CanonicalList::default(),
        );
        assert_eq!(&text[ranges.whole.clone()], "get\n/exampleobject\n\n\n");
        assert!(ranges.parameters.is_empty() && ranges.headers.is_empty());
        assert!(
            ranges.whole.len()
                <= http_string_len_bound(
                    "GET",
                    14,
                    &CanonicalList::default(),
                    &CanonicalList::default()
                )
        );
        let mut string_to_sign = String::new();
        push_string_to_sign(&mut string_to_sign, "1;2", &sha1(b""));
        assert_eq!(
            string_to_sign,
            "sha1\n1;2\nda39a3ee5e6b4b0d3255bfef95601890afd80709\n"
        );
        assert_eq!(string_to_sign.len(), string_to_sign_len("1;2"));
    }

    #[test]
    fn verifier_hashes_a_path_that_is_not_utf8() {
        let digests = |path: &[u8]| {
            compute(&DigestInput {
                secret_key: b"k",
                sign_time: "1;2",
                key_time: "1;2",
                method: "GET",
                path,
                params: &CanonicalList::default(),
                headers: &CanonicalList::default(),
            })
            .unwrap()
        };
        let binary = digests(b"/\xff");
        let mut expected = String::new();
        push_string_to_sign(&mut expected, "1;2", &sha1(b"get\n/\xff\n\n\n"));
        assert_eq!(binary.string_to_sign, expected);
        assert_ne!(binary.signature, digests(b"/").signature);
        assert_eq!(binary.signature.len(), 40);
    }

    #[test]
    fn method_must_be_a_token() {
        assert!(is_valid_method("PUT"));
        assert!(!is_valid_method(""));
        assert!(!is_valid_method("GET\n"));
        assert!(!is_valid_method("G T"));
    }
}
