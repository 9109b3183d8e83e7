//! `HttpString`, `StringToSign`, `SignKey` and `Signature` (spec 1.2 and 1.5 to 1.7): the
//! part of the computation shared by the signer and the verifier.

use std::ops::Range;

use zeroize::Zeroizing;

use super::canonical::CanonicalList;
use sha1::{Digest, Sha1};

use super::crypto::{HmacKeyRejected, hex40, hmac_sha1_hex40};

/// Everything the digests are computed from, already canonical.
pub(crate) struct DigestInput<'a> {
    /// Secret key, as UTF-8 bytes.
    pub(crate) secret_key: &'a [u8],
    /// `q-sign-time`, the second line of the string to sign.
    pub(crate) sign_time: &'a str,
    /// `q-key-time`, the message of the sign key.
    pub(crate) key_time: &'a str,
    /// The HTTP method, any case.
    pub(crate) method: &'a str,
    /// The decoded path, as bytes.
    pub(crate) path: &'a [u8],
    /// Canonical, sorted query parameters.
    pub(crate) params: &'a CanonicalList,
    /// Canonical, sorted headers.
    pub(crate) headers: &'a CanonicalList,
}

/// The intermediate strings and the signature.
pub(crate) struct Digests {
    /// Lowercase hex, ASCII.
    pub(crate) sign_key: Zeroizing<[u8; 40]>,
    pub(crate) http_string: Vec<u8>,
    pub(crate) http_parameters: Range<usize>,
    pub(crate) http_headers: Range<usize>,
    pub(crate) string_to_sign: String,
    /// Lowercase hex, ASCII.
    pub(crate) signature: [u8; 40],
}

/// Computes `SignKey`, `HttpString`, `StringToSign` and `Signature`.
pub(crate) fn compute(input: &DigestInput<'_>) -> Result<Digests, HmacKeyRejected> {
    let sign_key = Zeroizing::new(hmac_sha1_hex40(
        input.secret_key,
        input.key_time.as_bytes(),
    )?);

    let estimate = input.method.len()
        + input.path.len()
        + input.params.pairs_len()
        + input.headers.pairs_len()
        + 4;
    let mut http_string = Vec::with_capacity(estimate);
    http_string.extend(input.method.bytes().map(|b| b.to_ascii_lowercase()));
    http_string.push(b'\n');
    http_string.extend_from_slice(input.path);
    http_string.push(b'\n');
    let params_start = http_string.len();
    input.params.write_pairs(&mut http_string);
    let http_parameters = params_start..http_string.len();
    http_string.push(b'\n');
    let headers_start = http_string.len();
    input.headers.write_pairs(&mut http_string);
    let http_headers = headers_start..http_string.len();
    http_string.push(b'\n');

    let mut string_to_sign = String::with_capacity(5 + input.sign_time.len() + 1 + 40 + 1);
    string_to_sign.push_str("sha1\n");
    string_to_sign.push_str(input.sign_time);
    string_to_sign.push('\n');
    let digest = hex40(&Sha1::digest(&http_string));
    string_to_sign.push_str(std::str::from_utf8(&digest).unwrap_or_default());
    string_to_sign.push('\n');

    let signature = hmac_sha1_hex40(&sign_key[..], string_to_sign.as_bytes())?;
    Ok(Digests {
        sign_key,
        http_string,
        http_parameters,
        http_headers,
        string_to_sign,
        signature,
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
        let digests = compute(&DigestInput {
            secret_key: b"k",
            sign_time: "1;2",
            key_time: "1;2",
            method: "GET",
            path: b"/exampleobject",
            params: &CanonicalList::default(),
            headers: &CanonicalList::default(),
        })
        .unwrap();
        assert_eq!(digests.http_string, b"get\n/exampleobject\n\n\n");
        assert!(digests.http_parameters.is_empty() && digests.http_headers.is_empty());
        assert!(digests.string_to_sign.starts_with("sha1\n1;2\n"));
        assert_eq!(digests.signature.len(), 40);
    }

    #[test]
    fn method_must_be_a_token() {
        assert!(is_valid_method("PUT"));
        assert!(!is_valid_method(""));
        assert!(!is_valid_method("GET\n"));
        assert!(!is_valid_method("G T"));
    }
}
