//! MFA devices for `GetSessionToken`: software tokens whose codes are TOTP (RFC 6238:
//! HMAC-SHA1, 30-second steps, 6 digits), checked on the emulator's clock.

use std::fmt;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha1::Sha1;

/// Seconds per TOTP step.
const STEP: u64 = 30;
/// Steps of clock drift tolerated on either side.
const DRIFT_STEPS: u64 = 1;

/// A CAM MFA device (a software token): its serial number, as in
/// `qcs::cam:uin/<owner>::mfa/softToken`, and the TOTP seed it shares with the
/// authenticator app.
///
/// ```
/// let device = cos_emulator::MfaDevice::new("qcs::cam:uin/100000000001::mfa/softToken", b"12345678901234567890");
/// assert_eq!(device.code_at(59), "287082"); // RFC 6238's test seed at T = 59 s
/// assert!(!format!("{device:?}").contains("1234567890"));
/// ```
#[derive(Clone)]
pub struct MfaDevice {
    serial: String,
    seed: Vec<u8>,
}

impl fmt::Debug for MfaDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaDevice")
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

impl MfaDevice {
    /// A device with serial number `serial` and TOTP seed `seed` (the raw bytes, not base32).
    ///
    /// ```
    /// let d = cos_emulator::MfaDevice::new("serial", b"seed");
    /// assert_eq!(d.serial(), "serial");
    /// ```
    pub fn new(serial: impl Into<String>, seed: &[u8]) -> Self {
        Self {
            serial: serial.into(),
            seed: seed.to_vec(),
        }
    }

    /// The serial number.
    ///
    /// ```
    /// assert_eq!(cos_emulator::MfaDevice::new("s", b"k").serial(), "s");
    /// ```
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The 6-digit code the device shows at Unix time `unix_seconds` (what a test types in).
    ///
    /// ```
    /// let d = cos_emulator::MfaDevice::new("s", b"12345678901234567890");
    /// assert_eq!(d.code_at(1_111_111_109), "081804");
    /// ```
    pub fn code_at(&self, unix_seconds: u64) -> String {
        format!("{:06}", self.totp(unix_seconds / STEP))
    }

    /// Whether `code` is the device's code at `now`, one step of drift allowed either way.
    pub(crate) fn accepts(&self, code: &str, now: u64) -> bool {
        let step = now / STEP;
        code.len() == 6
            && code.bytes().all(|b| b.is_ascii_digit())
            && (step.saturating_sub(DRIFT_STEPS)..=step.saturating_add(DRIFT_STEPS))
                .any(|s| format!("{:06}", self.totp(s)) == code)
    }

    /// RFC 4226 HOTP of `counter`, truncated to 6 digits.
    fn totp(&self, counter: u64) -> u32 {
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.seed) else {
            return 0;
        };
        mac.update(&counter.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest.last().copied().unwrap_or(0) & 0x0f);
        let word = digest
            .get(offset..offset + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, u32::from_be_bytes);
        (word & 0x7fff_ffff) % 1_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 seed, low 6 digits of the 8-digit values.
    #[test]
    fn rfc_6238_vectors() {
        let device = MfaDevice::new("s", b"12345678901234567890");
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(device.code_at(time), code, "T = {time}");
        }
    }

    #[test]
    fn one_step_of_drift_either_way() {
        let device = MfaDevice::new("s", b"12345678901234567890");
        let now = 1_111_111_111;
        let code = device.code_at(now);
        assert!(device.accepts(&code, now));
        assert!(device.accepts(&code, now + STEP));
        assert!(device.accepts(&code, now - STEP));
        assert!(!device.accepts(&code, now + 3 * STEP));
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert!(!device.accepts(bad, now), "{bad}");
        }
    }
}
