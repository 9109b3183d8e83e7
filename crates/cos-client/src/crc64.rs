//! CRC-64/XZ, the checksum COS reports as `x-cos-hash-crc64ecma`, and its combination.

use std::fmt;

use crc_fast::CrcAlgorithm;

/// CRC-64/XZ of `data` (ECMA-182 polynomial, reflected, init and xorout all ones).
///
/// ```
/// assert_eq!(cos_client::crc64::checksum(b"123456789"), 0x995D_C9BB_DF19_39FA);
/// assert_eq!(cos_client::crc64::checksum(b""), 0);
/// ```
pub fn checksum(data: &[u8]) -> u64 {
    crc_fast::checksum(CrcAlgorithm::Crc64Xz, data)
}

/// The CRC of `a ‖ b` from `crc(a)`, `crc(b)` and the length of `b` in bytes: how the CRC
/// of a multipart object follows from its parts' CRCs (see [`cos_core::crc64::combine`]).
///
/// ```
/// use cos_client::crc64::{checksum, combine};
/// assert_eq!(combine(checksum(b"1234"), checksum(b"56789"), 5), checksum(b"123456789"));
/// ```
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    cos_core::crc64::combine(crc_a, crc_b, len_b)
}

/// An incremental CRC-64/XZ.
///
/// ```
/// let mut crc = cos_client::crc64::Crc64::new();
/// crc.update(b"1234");
/// crc.update(b"56789");
/// assert_eq!(crc.finish(), 0x995D_C9BB_DF19_39FA);
/// ```
pub struct Crc64 {
    digest: crc_fast::Digest,
}

impl Crc64 {
    /// A CRC over no bytes yet.
    ///
    /// ```
    /// assert_eq!(cos_client::crc64::Crc64::new().finish(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            digest: crc_fast::Digest::new(CrcAlgorithm::Crc64Xz),
        }
    }

    /// Adds bytes.
    ///
    /// ```
    /// let mut crc = cos_client::crc64::Crc64::new();
    /// crc.update(b"a");
    /// assert_eq!(crc.finish(), 3675645893302102789);
    /// ```
    pub fn update(&mut self, data: &[u8]) {
        self.digest.update(data);
    }

    /// The CRC of everything added so far.
    ///
    /// ```
    /// let mut crc = cos_client::crc64::Crc64::new();
    /// crc.update(b"hello world");
    /// assert_eq!(crc.finish(), 5981764153023615706);
    /// ```
    pub fn finish(&self) -> u64 {
        self.digest.finalize()
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Crc64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crc64")
            .field("crc", &self.finish())
            .finish()
    }
}

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
    use proptest::prelude::*;

    const ORACLE: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

    #[test]
    fn reference_check_values() {
        assert_eq!(checksum(b"a"), 3675645893302102789);
        assert_eq!(checksum(b"123456789"), 11051210869376104954);
        assert_eq!(checksum(b"hello world"), 5981764153023615706);
    }

    proptest! {
        #[test]
        fn matches_the_crc_crate(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
            prop_assert_eq!(checksum(&data), ORACLE.checksum(&data));
        }

        /// cos-core checks `combine` against concatenations; this, against `crc-fast`'s
        /// (slow) combination for lengths no concatenation test reaches.
        #[test]
        fn combine_agrees_with_crc_fast_for_any_length(a: u64, b: u64, len in 1u64..u64::MAX) {
            prop_assert_eq!(
                combine(a, b, len),
                crc_fast::checksum_combine(CrcAlgorithm::Crc64Xz, a, b, len)
            );
        }

        #[test]
        fn incremental_equals_one_shot(data in proptest::collection::vec(any::<u8>(), 0..4096), cut in 0usize..4096) {
            let cut = cut.min(data.len());
            let mut crc = Crc64::new();
            crc.update(&data[..cut]);
            crc.update(&data[cut..]);
            prop_assert_eq!(crc.finish(), ORACLE.checksum(&data));
        }
    }

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
