//! CRC-64/XZ (what COS calls `crc64ecma`), streaming and combinable.

use crc_fast::{CrcAlgorithm, Digest};

/// A running CRC-64/XZ over the bytes fed so far.
pub(crate) struct Crc64 {
    digest: Digest,
}

impl Crc64 {
    /// A digest over zero bytes.
    pub(crate) fn new() -> Self {
        Self {
            digest: Digest::new(CrcAlgorithm::Crc64Xz),
        }
    }

    /// Feeds more bytes.
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.digest.update(data);
    }

    /// The CRC of everything fed so far.
    pub(crate) fn finish(&self) -> u64 {
        self.digest.finalize()
    }
}

/// The CRC of `a ‖ b` from `crc(a)`, `crc(b)` and `len(b)`.
pub(crate) fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    cos_core::crc64::combine(crc_a, crc_b, len_b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn crc(data: &[u8]) -> u64 {
        let mut c = Crc64::new();
        c.update(data);
        c.finish()
    }

    #[test]
    fn check_values_match_the_reference() {
        assert_eq!(crc(b""), 0);
        assert_eq!(crc(b"a"), 3_675_645_893_302_102_789);
        assert_eq!(crc(b"123456789"), 0x995D_C9BB_DF19_39FA);
        assert_eq!(crc(b"hello world"), 5_981_764_153_023_615_706);
    }

    proptest! {
        #[test]
        fn combine_equals_crc_of_concatenation(a in proptest::collection::vec(any::<u8>(), 0..300),
                                               b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut joined = a.clone();
            joined.extend_from_slice(&b);
            prop_assert_eq!(combine(crc(&a), crc(&b), b.len() as u64), crc(&joined));
        }

        #[test]
        fn chunked_updates_equal_one_update(data in proptest::collection::vec(any::<u8>(), 0..500), cut in 0usize..500) {
            let cut = cut.min(data.len());
            let mut c = Crc64::new();
            c.update(&data[..cut]);
            c.update(&data[cut..]);
            prop_assert_eq!(c.finish(), crc(&data));
        }
    }
}
