//! Percent-encoding shared by every signature (RFC 3986 unreserved set kept as is).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Every byte except the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~`.
pub(crate) const URI_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `input` as COS `UriEncode` and TC3 do: UTF-8 bytes, every byte outside
/// `A-Z a-z 0-9 - _ . ~` as `%XX` with upper-case hex. A space becomes `%20`, never `+`.
///
/// ```
/// assert_eq!(tc3_signer::uri_encode("a b/腾"), "a%20b%2F%E8%85%BE");
/// assert_eq!(tc3_signer::uri_encode("-_.~"), "-_.~");
/// ```
pub fn uri_encode(input: &str) -> String {
    utf8_percent_encode(input, URI_ENCODE_SET).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_keeps_unreserved() {
        assert_eq!(uri_encode("~*'()!+% ;"), "~%2A%27%28%29%21%2B%25%20%3B");
        assert_eq!(uri_encode(""), "");
    }
}
