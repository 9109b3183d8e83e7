//! CRC-64/XZ, the checksum COS reports as `x-cos-hash-crc64ecma`, and its combination: the
//! one implementation the client and the emulator share (checksums over `crc-fast`, for its
//! SIMD speed; the combination is computed here, a thousand times faster than crc-fast's).

use std::fmt;

use crc_fast::CrcAlgorithm;

/// CRC-64/XZ of `data` (ECMA-182 polynomial, reflected, init and xorout all ones).
///
/// ```
/// assert_eq!(cos_core::crc64::checksum(b"123456789"), 0x995D_C9BB_DF19_39FA);
/// assert_eq!(cos_core::crc64::checksum(b""), 0);
/// ```
pub fn checksum(data: &[u8]) -> u64 {
    crc_fast::checksum(CrcAlgorithm::Crc64Xz, data)
}

/// The CRC of `a ‖ b` from `crc(a)`, `crc(b)` and the length of `b` in bytes: how the CRC
/// of a multipart object follows from its parts' CRCs.
///
/// ```
/// use cos_core::crc64::{checksum, combine};
/// assert_eq!(combine(checksum(b"1234"), checksum(b"56789"), 5), checksum(b"123456789"));
/// ```
///
/// `crc_a` is multiplied by x^(8·len_b) in GF(2)\[x\] modulo the polynomial, x^(8·len_b)
/// being a product of entries of a table of x^(2^k): at most 68 multiplications, where
/// `crc-fast`'s own combination squares a 64×64 bit matrix once per bit of the length
/// (about 0.2 ms a call: tens of milliseconds at the end of every 1 GiB multipart transfer).
pub fn combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    if len_b == 0 {
        return crc_a;
    }
    // CRC-64/XZ starts from and finishes with all ones, so the CRC of a ‖ b is the CRC of
    // a shifted by len_b zero bytes, plus that of b (as zlib's crc32_combine relies on).
    multiply(x_to_the_power_8n(len_b), crc_a) ^ crc_b
}

/// The reflected CRC-64/XZ (ECMA-182) polynomial: bit 63 is x^0.
const POLY: u64 = 0xC96C_5795_D787_0F42;

/// x^0 in the reflected representation.
const ONE: u64 = 1 << 63;

/// `a · b` modulo the polynomial (both reflected).
const fn multiply(a: u64, mut b: u64) -> u64 {
    let mut product = 0;
    let mut bit = ONE;
    while bit != 0 {
        if a & bit != 0 {
            product ^= b;
        }
        bit >>= 1;
        b = if b & 1 == 1 { (b >> 1) ^ POLY } else { b >> 1 };
    }
    product
}

/// x^(2^k) modulo the polynomial, for k = 0..67 (8·n < 2^67 for any 64-bit n).
#[allow(clippy::indexing_slicing)] // evaluated at compile time: an index out of range fails the build
const POWERS: [u64; 67] = {
    let mut table = [0u64; 67];
    let mut power = ONE >> 1; // x^1
    let mut k = 0;
    while k < 67 {
        table[k] = power;
        power = multiply(power, power);
        k += 1;
    }
    table
};

/// x^(8·n) modulo the polynomial: the shift by n zero bytes.
fn x_to_the_power_8n(mut n: u64) -> u64 {
    let mut power = ONE;
    let mut k = 3; // 8·n = n·2^3
    while n != 0 {
        if n & 1 == 1
            && let Some(&factor) = POWERS.get(k)
        {
            power = multiply(factor, power);
        }
        n >>= 1;
        k += 1;
    }
    power
}

/// An incremental CRC-64/XZ.
///
/// ```
/// let mut crc = cos_core::crc64::Crc64::new();
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
    /// assert_eq!(cos_core::crc64::Crc64::new().finish(), 0);
    /// ```
    pub fn new() -> Self {
        Self {
            digest: crc_fast::Digest::new(CrcAlgorithm::Crc64Xz),
        }
    }

    /// Adds bytes.
    ///
    /// ```
    /// let mut crc = cos_core::crc64::Crc64::new();
    /// crc.update(b"a");
    /// assert_eq!(crc.finish(), 3675645893302102789);
    /// ```
    pub fn update(&mut self, data: &[u8]) {
        self.digest.update(data);
    }

    /// The CRC of everything added so far.
    ///
    /// ```
    /// let mut crc = cos_core::crc64::Crc64::new();
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{any, prop_assert_eq, proptest};

    const ORACLE: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

    #[test]
    fn reference_check_values() {
        assert_eq!(checksum(b"a"), 3675645893302102789);
        assert_eq!(checksum(b"123456789"), 11051210869376104954);
        assert_eq!(checksum(b"hello world"), 5981764153023615706);
    }

    #[test]
    fn combines_the_check_value_at_every_cut() {
        let whole = ORACLE.checksum(b"123456789");
        for cut in 0..=9 {
            let (a, b) = b"123456789".split_at(cut);
            let combined = combine(ORACLE.checksum(a), ORACLE.checksum(b), b.len() as u64);
            assert_eq!(combined, whole, "cut at {cut}");
        }
    }

    proptest! {
        /// Against `crc-fast`'s (slow) combination, for lengths no concatenation reaches.
        #[test]
        fn combine_agrees_with_crc_fast_for_any_length(a: u64, b: u64, len in 1u64..u64::MAX) {
            prop_assert_eq!(
                combine(a, b, len),
                crc_fast::checksum_combine(CrcAlgorithm::Crc64Xz, a, b, len)
            );
        }

        #[test]
        fn matches_the_crc_crate(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
            prop_assert_eq!(checksum(&data), ORACLE.checksum(&data));
        }

        #[test]
        fn combine_equals_crc_of_concatenation(
            a in proptest::collection::vec(any::<u8>(), 0..3000),
            b in proptest::collection::vec(any::<u8>(), 0..3000),
        ) {
            let mut joined = a.clone();
            joined.extend_from_slice(&b);
            prop_assert_eq!(combine(checksum(&a), checksum(&b), b.len() as u64), ORACLE.checksum(&joined));
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
}
