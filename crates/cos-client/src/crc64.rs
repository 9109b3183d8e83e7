//! CRC-64/XZ, the checksum COS reports as `x-cos-hash-crc64ecma`, and its combination
//! (`cos-core`'s, re-exported), and the header it travels in.
//!
//! ```
//! use cos_client::crc64::{checksum, combine};
//! assert_eq!(combine(checksum(b"1234"), checksum(b"56789"), 5), checksum(b"123456789"));
//! ```

pub use cos_core::crc64::{Crc64, checksum, combine};

/// Parses the decimal `x-cos-hash-crc64ecma` header value.
pub(crate) fn parse_header(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get("x-cos-hash-crc64ecma")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_parsing() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(parse_header(&headers), None);
        headers.insert(
            "x-cos-hash-crc64ecma",
            "16749565679157681890".parse().unwrap(),
        );
        assert_eq!(parse_header(&headers), Some(16749565679157681890));
        headers.insert("x-cos-hash-crc64ecma", "-1".parse().unwrap());
        assert_eq!(parse_header(&headers), None);
    }
}
