//! The three hash primitives of the COS signatures, and a constant-time comparison.

use hmac::{Hmac, KeyInit, Mac};
use sha1::{Digest, Sha1};

type HmacSha1 = Hmac<Sha1>;

/// HMAC-SHA1 was given a key it refused. HMAC accepts keys of any length, so this never
/// happens with the RustCrypto implementation; it exists so that no code path can panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HmacKeyRejected;

/// `hex(HMAC-SHA1(key, message))`, lowercase.
pub(crate) fn hmac_sha1_hex(key: &[u8], message: &[u8]) -> Result<String, HmacKeyRejected> {
    let mut mac = HmacSha1::new_from_slice(key).map_err(|_| HmacKeyRejected)?;
    mac.update(message);
    Ok(lower_hex(&mac.finalize().into_bytes()))
}

/// `HMAC-SHA1(key, message)`, the 20-byte digest.
pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> Result<[u8; 20], HmacKeyRejected> {
    let mut mac = HmacSha1::new_from_slice(key).map_err(|_| HmacKeyRejected)?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().into())
}

/// `hex(HMAC-SHA1(key, message))` as 40 lowercase hex bytes on the stack.
pub(crate) fn hmac_sha1_hex40(key: &[u8], message: &[u8]) -> Result<[u8; 40], HmacKeyRejected> {
    let mut mac = HmacSha1::new_from_slice(key).map_err(|_| HmacKeyRejected)?;
    mac.update(message);
    Ok(hex40(&mac.finalize().into_bytes()))
}

/// Lowercase hex of a 20-byte digest.
pub(crate) fn hex40(digest: &[u8]) -> [u8; 40] {
    let mut out = [0u8; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        if let [high, low] = pair {
            *high = hex_lower(byte >> 4);
            *low = hex_lower(*byte);
        }
    }
    out
}

/// `hex(SHA1(message))`, lowercase.
pub(crate) fn sha1_hex(message: &[u8]) -> String {
    lower_hex(&Sha1::digest(message))
}

/// Lowercase hex of `bytes` (a table lookup per nibble; `hex::encode` goes through `char`
/// iterators and was a visible share of the signing time).
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    push_lower_hex(&mut out, bytes);
    out
}

/// Appends the lowercase hex of a 20-byte digest.
pub(crate) fn push_hex40(out: &mut String, digest: &[u8]) {
    let hex = hex40(digest);
    // 40 hex digits are ASCII; checking 40 bytes costs less than 40 `String::push` calls.
    out.push_str(std::str::from_utf8(&hex).unwrap_or_default());
}

/// Appends the lowercase hex of `bytes`.
pub(crate) fn push_lower_hex(out: &mut String, bytes: &[u8]) {
    for byte in bytes {
        out.push(char::from(hex_lower(byte >> 4)));
        out.push(char::from(hex_lower(*byte)));
    }
}

/// The lower-case hex digit of the low nibble of `value`.
fn hex_lower(value: u8) -> u8 {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    DIGITS
        .get(usize::from(value & 0x0f))
        .copied()
        .unwrap_or(b'0')
}

/// Compares two byte strings in time that depends only on their lengths.
///
/// Used to compare a presented signature with the recomputed one. Both are 40 hex digits,
/// so the length is public; the content is compared without an early exit so that the time
/// taken does not reveal how long a matching prefix is. A dependency (`subtle`) would give the
/// same guarantee; this is six lines, and `black_box` keeps the optimiser from turning the
/// fold back into an early-exit loop.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_sign_key_matches_spec_1_2() {
        let key = hmac_sha1_hex(
            b"BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            b"1557989151;1557996351",
        );
        assert_eq!(key.unwrap(), "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
    }

    #[test]
    fn hex40_matches_hex_crate() {
        let bytes: Vec<u8> = (100..120).collect();
        assert_eq!(&hex40(&bytes)[..], hex::encode(&bytes).as_bytes());
        let key = hmac_sha1_hex40(
            b"BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            b"1557989151;1557996351",
        )
        .unwrap();
        assert_eq!(&key[..], b"eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
    }

    #[test]
    fn push_hex40_matches_hex_crate() {
        let bytes: Vec<u8> = (200..220).collect();
        let mut out = String::from("x");
        push_hex40(&mut out, &bytes);
        assert_eq!(out, format!("x{}", hex::encode(&bytes)));
    }

    #[test]
    fn lower_hex_matches_hex_crate() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&bytes), hex::encode(&bytes));
    }

    #[test]
    fn sha1_of_empty_string() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
