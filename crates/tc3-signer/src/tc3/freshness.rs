//! The timestamp window shared by the TC3 and v1 verifiers.

use std::time::Duration;

use crate::VerifyError;

/// How far a request's timestamp may be from the verifier's clock: the real API allows five
/// minutes either way.
///
/// ```
/// assert_eq!(tc3_signer::tc3::DEFAULT_TOLERANCE.as_secs(), 300);
/// ```
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Accepts `timestamp` when `now - tolerance <= timestamp <= now + tolerance`.
pub(crate) fn check_freshness(
    timestamp: u64,
    now: u64,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let tolerance = tolerance.as_secs();
    let end = timestamp.saturating_add(tolerance);
    if end < now {
        return Err(VerifyError::Expired { end, now });
    }
    if timestamp > now.saturating_add(tolerance) {
        return Err(VerifyError::NotYetValid {
            start: timestamp.saturating_sub(tolerance),
            now,
        });
    }
    Ok(())
}

/// Parses a decimal Unix timestamp (digits only, no sign, no spaces).
pub(crate) fn parse_timestamp(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_edges() {
        let tolerance = Duration::from_secs(300);
        assert!(check_freshness(1000, 1300, tolerance).is_ok());
        assert!(check_freshness(1000, 700, tolerance).is_ok());
        assert_eq!(
            check_freshness(1000, 1301, tolerance),
            Err(VerifyError::Expired {
                end: 1300,
                now: 1301
            })
        );
        assert_eq!(
            check_freshness(1000, 699, tolerance),
            Err(VerifyError::NotYetValid {
                start: 700,
                now: 699
            })
        );
        assert!(check_freshness(u64::MAX, u64::MAX, Duration::MAX).is_ok());
        assert!(check_freshness(0, u64::MAX, Duration::ZERO).is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_timestamp("+1"), None);
        assert_eq!(parse_timestamp(" 1"), None);
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(parse_timestamp("99999999999999999999999"), None);
    }
}
