//! Object key rules and path encoding.

use cos_core::encoding::{EncodeSet, encode_into};

use crate::Error;

/// The longest key COS accepts, in UTF-8 bytes.
pub(crate) const MAX_KEY_BYTES: usize = 850;

/// Checks an object key: 1–850 bytes, not starting with `/` or `\`, no CAN/EM/SUB/ESC
/// control characters, and not collapsing to the bucket root (`.`, `a/..`, …), which would
/// turn an object request into a bucket request.
pub(crate) fn validate(key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::invalid("key", "empty"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::invalid(
            "key",
            format!("longer than {MAX_KEY_BYTES} bytes"),
        ));
    }
    if key.starts_with('/') || key.starts_with('\\') {
        return Err(Error::invalid("key", "must not start with `/` or `\\`"));
    }
    if key.chars().any(|c| ('\u{18}'..='\u{1b}').contains(&c)) {
        return Err(Error::invalid(
            "key",
            "contains a CAN, EM, SUB or ESC character",
        ));
    }
    if simplifies_to_root(key) {
        return Err(Error::invalid("key", "resolves to the bucket root"));
    }
    Ok(())
}

/// The SDKs' "simplify" check: drop empty and `.` segments, pop on `..`.
fn simplifies_to_root(key: &str) -> bool {
    let mut depth = 0usize;
    for segment in key.split('/') {
        match segment {
            "" | "." => {}
            ".." => depth = depth.saturating_sub(1),
            _ => depth += 1,
        }
    }
    depth == 0
}

/// `/` + the key percent-encoded (keeping `/`), with `./` written `.%2F` so no proxy can
/// normalise dot segments away (the server decodes `%2F` as `/`).
pub(crate) fn encode_path(key: &str) -> String {
    // Everything but unreserved characters and `/` is encoded in a request path.
    let mut encoded = String::with_capacity(key.len() + 1);
    encoded.push('/');
    encode_into(&mut encoded, key, EncodeSet::PATH);
    encoded.replace("./", ".%2F")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_what_the_sdks_reject() {
        for bad in [
            "", "/", ".", "./", "..", "a/..", "a/../", "//x", "./.", "\\a", "a\u{1b}b",
        ] {
            assert!(validate(bad).is_err(), "{bad:?}");
        }
        for good in ["../x", "a/./b", "a", "dir/", "中文.txt"] {
            assert!(validate(good).is_ok(), "{good:?}");
        }
        assert!(validate(&"a".repeat(850)).is_ok());
        assert!(validate(&"a".repeat(851)).is_err());
    }

    #[test]
    fn encodes_once_and_protects_dot_segments() {
        assert_eq!(encode_path("a b/c%d"), "/a%20b/c%25d");
        assert_eq!(encode_path("a/./b"), "/a/.%2Fb");
        assert_eq!(encode_path("../x"), "/..%2Fx");
    }

    proptest! {
        #[test]
        fn encoding_round_trips(key in "\\PC{1,40}") {
            let path = encode_path(&key);
            let decoded = percent_encoding::percent_decode_str(&path[1..]).decode_utf8().unwrap();
            prop_assert_eq!(decoded, key.as_str());
            prop_assert!(path.bytes().all(|b| b.is_ascii_graphic()));
        }
    }
}
