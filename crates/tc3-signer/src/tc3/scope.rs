//! The TC3 credential scope and `StringToSign`.

use super::keys::TERMINATOR;

/// The algorithm name that starts the string to sign and the `Authorization` value.
///
/// ```
/// assert_eq!(tc3_signer::tc3::ALGORITHM, "TC3-HMAC-SHA256");
/// ```
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// `CredentialScope = Date + "/" + Service + "/tc3_request"`.
///
/// ```
/// assert_eq!(tc3_signer::tc3::credential_scope("2019-02-25", "cvm"), "2019-02-25/cvm/tc3_request");
/// ```
pub fn credential_scope(date: &str, service: &str) -> String {
    format!("{date}/{service}/{TERMINATOR}")
}

/// `StringToSign = "TC3-HMAC-SHA256\n" + Timestamp + "\n" + CredentialScope + "\n" + HashedCanonicalRequest`,
/// with no trailing newline.
///
/// ```
/// let string_to_sign = tc3_signer::tc3::string_to_sign(1_551_113_065, "2019-02-25/cvm/tc3_request", "5ffe");
/// assert_eq!(string_to_sign, "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe");
/// ```
pub fn string_to_sign(
    timestamp: u64,
    credential_scope: &str,
    hashed_canonical_request: &str,
) -> String {
    format!("{ALGORITHM}\n{timestamp}\n{credential_scope}\n{hashed_canonical_request}")
}
