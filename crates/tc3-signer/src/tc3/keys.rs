//! TC3 key derivation (`SecretDate` → `SecretService` → `SecretSigning`) and the final HMAC.

use std::fmt;

use hmac::Mac;
use zeroize::Zeroizing;

use super::mac::{hmac_sha256, hmac_sha256_keyed};

/// The last element of every TC3 credential scope.
///
/// ```
/// assert!(tc3_signer::tc3::credential_scope("2023-11-14", "sts").ends_with(tc3_signer::tc3::TERMINATOR));
/// ```
pub const TERMINATOR: &str = "tc3_request";

/// The three derived TC3 keys for one secret key, UTC date and service.
///
/// They are secrets: they are wiped on drop and never shown by `Debug`.
///
/// ```
/// use tc3_signer::tc3::DerivedKeys;
///
/// let keys = DerivedKeys::derive("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm");
/// assert_eq!(
///     hex::encode(keys.secret_signing()),
///     "ac658d5dde49e9bfdd14e04e062f66b05d9f637d44b8a8d845327d4a77f666b1"
/// );
/// assert_eq!(format!("{keys:?}"), "DerivedKeys { .. }");
/// ```
#[derive(Clone)]
pub struct DerivedKeys {
    secret_date: Zeroizing<[u8; 32]>,
    secret_service: Zeroizing<[u8; 32]>,
    secret_signing: Zeroizing<[u8; 32]>,
}

impl DerivedKeys {
    /// Derives the keys: `SecretDate = HMAC-SHA256("TC3" + secret_key, date)`,
    /// `SecretService = HMAC-SHA256(SecretDate, service)`,
    /// `SecretSigning = HMAC-SHA256(SecretService, "tc3_request")`.
    ///
    /// ```
    /// let keys = tc3_signer::tc3::DerivedKeys::derive("secret", "2023-11-14", "sts");
    /// assert_eq!(keys.secret_date().len(), 32);
    /// ```
    pub fn derive(secret_key: &str, date: &str, service: &str) -> Self {
        let mut prefixed = Zeroizing::new(Vec::with_capacity(3 + secret_key.len()));
        prefixed.extend_from_slice(b"TC3");
        prefixed.extend_from_slice(secret_key.as_bytes());
        let secret_date = Zeroizing::new(hmac_sha256(&prefixed, date.as_bytes()));
        let secret_service = Zeroizing::new(hmac_sha256(&*secret_date, service.as_bytes()));
        let secret_signing = Zeroizing::new(hmac_sha256(&*secret_service, TERMINATOR.as_bytes()));
        Self {
            secret_date,
            secret_service,
            secret_signing,
        }
    }

    /// `SecretDate`, the first derived key.
    ///
    /// ```
    /// let keys = tc3_signer::tc3::DerivedKeys::derive("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm");
    /// assert!(hex::encode(keys.secret_date()).starts_with("d1308c81"));
    /// ```
    pub fn secret_date(&self) -> &[u8; 32] {
        &self.secret_date
    }

    /// `SecretService`, the second derived key.
    ///
    /// ```
    /// let keys = tc3_signer::tc3::DerivedKeys::derive("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm");
    /// assert!(hex::encode(keys.secret_service()).starts_with("3c7cb7c7"));
    /// ```
    pub fn secret_service(&self) -> &[u8; 32] {
        &self.secret_service
    }

    /// `SecretSigning`, the key that signs the string to sign.
    ///
    /// ```
    /// let keys = tc3_signer::tc3::DerivedKeys::derive("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm");
    /// assert!(hex::encode(keys.secret_signing()).starts_with("ac658d5d"));
    /// ```
    pub fn secret_signing(&self) -> &[u8; 32] {
        &self.secret_signing
    }

    /// `hex(HMAC-SHA256(SecretSigning, string_to_sign))`, the TC3 signature.
    ///
    /// ```
    /// let keys = tc3_signer::tc3::DerivedKeys::derive("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm");
    /// let string_to_sign = "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
    ///                       5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031";
    /// assert_eq!(
    ///     keys.sign(string_to_sign),
    ///     "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    /// );
    /// ```
    pub fn sign(&self, string_to_sign: &str) -> String {
        hex::encode(hmac_sha256(
            &*self.secret_signing,
            string_to_sign.as_bytes(),
        ))
    }

    /// Whether `presented` (raw signature bytes) is the signature of `string_to_sign`, compared
    /// in constant time.
    pub(crate) fn matches(&self, string_to_sign: &str, presented: &[u8]) -> bool {
        let mut mac = hmac_sha256_keyed(&*self.secret_signing);
        mac.update(string_to_sign.as_bytes());
        mac.verify_slice(presented).is_ok()
    }
}

impl fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedKeys").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_accepts_own_signature_and_rejects_others() {
        let keys = DerivedKeys::derive("k", "2023-11-14", "sts");
        let signature = hex::decode(keys.sign("abc")).unwrap();
        assert!(keys.matches("abc", &signature));
        assert!(!keys.matches("abd", &signature));
        assert!(!keys.matches("abc", &signature[..31]));
    }

    #[test]
    fn debug_shows_no_key_bytes() {
        let keys = DerivedKeys::derive("k", "2023-11-14", "sts");
        let shown = format!("{keys:?} {keys:#?}");
        assert!(!shown.contains(&hex::encode(keys.secret_signing())));
        assert!(!shown.contains(&format!("{:?}", keys.secret_signing())));
    }
}
