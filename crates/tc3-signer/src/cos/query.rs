//! Decoding of raw (percent-encoded) paths and queries, exactly once.

use std::borrow::Cow;

use percent_encoding::{percent_decode, percent_decode_str};

/// Percent-decodes a raw request path. `+` stays `+` in a path.
pub(crate) fn decode_path(raw: &str) -> Cow<'_, [u8]> {
    percent_decode_str(raw).into()
}

/// One decoded query pair, as bytes (a decoded value need not be UTF-8).
pub(crate) type DecodedPair<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// Splits a raw query (the text after `?`, without `#fragment`) into decoded pairs.
///
/// Pairs are separated by `&`; empty pairs are skipped; a pair without `=` has the value
/// `""`. In a query `+` means a space (HTML form encoding, which the Python SDK's presigned
/// URLs rely on); this crate itself never writes a bare `+`, it writes `%2B` and `%20`.
pub(crate) fn decode_query(raw: &str) -> Vec<DecodedPair<'_>> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(name), decode_component(value))
        })
        .collect()
}

fn decode_component(raw: &str) -> Cow<'_, [u8]> {
    if raw.contains('+') {
        let spaced = raw.replace('+', " ");
        Cow::Owned(percent_decode(spaced.as_bytes()).collect())
    } else {
        percent_decode_str(raw).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_once() {
        let pairs = decode_query("acl&prefix=a%2Fb&x=%2525&&sp=a+b%20c&eq=a=b");
        let pairs: Vec<(&[u8], &[u8])> = pairs.iter().map(|(n, v)| (&n[..], &v[..])).collect();
        assert_eq!(
            pairs,
            [
                (&b"acl"[..], &b""[..]),
                (b"prefix", b"a/b"),
                (b"x", b"%25"),
                (b"sp", b"a b c"),
                (b"eq", b"a=b"),
            ]
        );
        assert!(decode_query("").is_empty());
    }

    #[test]
    fn path_keeps_plus() {
        assert_eq!(&decode_path("/a+b%20c%2F")[..], b"/a+b c/");
    }
}
