//! The combination of CRC-64/XZ checksums (what COS reports as `x-cos-hash-crc64ecma`):
//! the CRC of a multipart object from its parts' CRCs, shared by the client and the
//! emulator. Computing checksums is left to `crc-fast`; its own combination squares a 64×64
//! bit matrix once per bit of the length, about a thousand times slower than this one,
//! which showed as tens of milliseconds at the end of every 1 GiB multipart transfer.

/// The CRC of `a ‖ b` from `crc(a)`, `crc(b)` and the length of `b` in bytes: how the CRC
/// of a multipart object follows from its parts' CRCs.
///
/// ```
/// use cos_core::crc64::combine;
/// // CRC-64/XZ of "1234", of "56789" and of "123456789".
/// assert_eq!(combine(0xCE4E_8793_66B8_C328, 0x6971_A807_C348_604B, 5), 0x995D_C9BB_DF19_39FA);
/// ```
///
/// `crc_a` is multiplied by x^(8·len_b) in GF(2)\[x\] modulo the polynomial, x^(8·len_b)
/// being a product of entries of a table of x^(2^k): at most 68 multiplications.
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ORACLE: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);

    #[test]
    fn combines_the_check_value() {
        let whole = ORACLE.checksum(b"123456789");
        for cut in 0..=9 {
            let (a, b) = b"123456789".split_at(cut);
            let combined = combine(ORACLE.checksum(a), ORACLE.checksum(b), b.len() as u64);
            assert_eq!(combined, whole, "cut at {cut}");
        }
    }

    proptest! {
        #[test]
        fn combine_equals_crc_of_concatenation(
            a in proptest::collection::vec(any::<u8>(), 0..3000),
            b in proptest::collection::vec(any::<u8>(), 0..3000),
        ) {
            let mut joined = a.clone();
            joined.extend_from_slice(&b);
            prop_assert_eq!(
                combine(ORACLE.checksum(&a), ORACLE.checksum(&b), b.len() as u64),
                ORACLE.checksum(&joined)
            );
        }
    }
}
