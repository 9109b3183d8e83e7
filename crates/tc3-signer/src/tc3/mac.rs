//! Infallible HMAC and hash helpers over the RustCrypto primitives, shared by TC3 and v1.
//!
//! `Hmac::new_from_slice` returns a `Result` although HMAC accepts keys of any length. To keep
//! library code free of `unwrap`/`expect`, the key is turned into the HMAC key block here
//! exactly as RFC 2104 does (hashed when longer than the block, then zero-padded) and passed
//! to the infallible fixed-size constructor. Comparison of a computed tag with a presented one
//! goes through `Mac::verify_slice`, which is constant-time (`subtle::ConstantTimeEq` inside
//! `digest`), so no hand-written comparison is needed.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// SHA-1 and SHA-256 both work on 64-byte blocks.
const BLOCK_LEN: usize = 64;

/// The RFC 2104 key block `K0` for a hash `D` with a 64-byte block.
fn key_block<D: Digest>(key: &[u8]) -> Zeroizing<[u8; BLOCK_LEN]> {
    let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
    if key.len() > BLOCK_LEN {
        let mut hashed = D::digest(key);
        block
            .iter_mut()
            .zip(hashed.iter())
            .for_each(|(b, k)| *b = *k);
        hashed.as_mut_slice().zeroize();
    } else {
        block.iter_mut().zip(key).for_each(|(b, k)| *b = *k);
    }
    block
}

/// A keyed HMAC-SHA256 instance.
pub(crate) fn hmac_sha256_keyed(key: &[u8]) -> Hmac<Sha256> {
    let block = key_block::<Sha256>(key);
    <Hmac<Sha256> as KeyInit>::new(&(*block).into())
}

/// A keyed HMAC-SHA1 instance.
pub(crate) fn hmac_sha1_keyed(key: &[u8]) -> Hmac<Sha1> {
    let block = key_block::<Sha1>(key);
    <Hmac<Sha1> as KeyInit>::new(&(*block).into())
}

/// `HMAC-SHA256(key, message)` as raw bytes.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = hmac_sha256_keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `hex(SHA256(data))`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn keyed_constructors_match_new_from_slice(
            key in proptest::collection::vec(any::<u8>(), 0..200),
            message in proptest::collection::vec(any::<u8>(), 0..100),
        ) {
            let mut reference = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
            reference.update(&message);
            let expected: [u8; 32] = reference.finalize().into_bytes().into();
            prop_assert_eq!(hmac_sha256(&key, &message), expected);

            let mut reference1 = <Hmac<Sha1> as KeyInit>::new_from_slice(&key).unwrap();
            reference1.update(&message);
            let mut ours1 = hmac_sha1_keyed(&key);
            ours1.update(&message);
            prop_assert_eq!(ours1.finalize().into_bytes(), reference1.finalize().into_bytes());
        }
    }

    #[test]
    fn rfc4231_case_1() {
        let key = [0x0bu8; 20];
        assert_eq!(
            hex::encode(hmac_sha256(&key, b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn sha256_of_empty() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
