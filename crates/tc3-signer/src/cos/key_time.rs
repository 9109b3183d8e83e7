//! The `q-key-time` / `q-sign-time` validity window.

use std::fmt;
use std::time::Duration;

use crate::{SignError, VerifyError};

/// A signature's validity window, `"<start>;<end>"` in Unix seconds.
///
/// The same value is used for `q-sign-time` and `q-key-time`, as every SDK does. The time is
/// always given by the caller; this crate never reads the clock.
///
/// ```
/// use std::time::Duration;
/// use tc3_signer::cos::KeyTime;
///
/// // Back-dated by 60 s (clock skew), valid for 15 minutes.
/// let window = KeyTime::starting_at(1_700_000_000, Duration::from_secs(900));
/// assert_eq!(window.to_string(), "1699999940;1700000900");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyTime {
    start: u64,
    end: u64,
}

impl KeyTime {
    /// How far [`KeyTime::starting_at`] moves the start into the past, to tolerate a server
    /// clock that is behind the client's (the Python SDK's choice).
    ///
    /// ```
    /// assert_eq!(tc3_signer::cos::KeyTime::DEFAULT_BACKDATE.as_secs(), 60);
    /// ```
    pub const DEFAULT_BACKDATE: Duration = Duration::from_secs(60);

    /// A window from `start` to `end` (Unix seconds, both inclusive).
    ///
    /// # Errors
    /// [`SignError::InvalidKeyTime`] when `start` is after `end`.
    ///
    /// ```
    /// use tc3_signer::cos::KeyTime;
    ///
    /// let window = KeyTime::new(1557989151, 1557996351)?;
    /// assert_eq!(window.to_string(), "1557989151;1557996351");
    /// assert!(KeyTime::new(2, 1).is_err());
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn new(start: u64, end: u64) -> Result<Self, SignError> {
        if start > end {
            return Err(SignError::InvalidKeyTime { start, end });
        }
        Ok(Self { start, end })
    }

    /// The window `now - 60 s ; now + validity`: back-dated by [`KeyTime::DEFAULT_BACKDATE`].
    ///
    /// Saturates instead of overflowing at the ends of the `u64` range.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tc3_signer::cos::KeyTime;
    ///
    /// let window = KeyTime::starting_at(1000, Duration::from_secs(3600));
    /// assert_eq!((window.start(), window.end()), (940, 4600));
    /// ```
    pub fn starting_at(now: u64, validity: Duration) -> Self {
        Self::with_backdate(now, Self::DEFAULT_BACKDATE, validity)
    }

    /// The window `now - backdate ; now + validity`, saturating at the ends of the `u64` range.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tc3_signer::cos::KeyTime;
    ///
    /// let window = KeyTime::with_backdate(1000, Duration::ZERO, Duration::from_secs(10));
    /// assert_eq!(window.to_string(), "1000;1010");
    /// ```
    pub fn with_backdate(now: u64, backdate: Duration, validity: Duration) -> Self {
        Self {
            start: now.saturating_sub(backdate.as_secs()),
            end: now.saturating_add(validity.as_secs()),
        }
    }

    /// Parses `"<start>;<end>"`: two runs of ASCII digits, nothing else, start not after end.
    ///
    /// # Errors
    /// [`VerifyError::Malformed`] for anything else.
    ///
    /// ```
    /// use tc3_signer::cos::KeyTime;
    ///
    /// let window = KeyTime::parse("1700000000;1700003600")?;
    /// assert_eq!(window.end(), 1_700_003_600);
    /// assert!(KeyTime::parse("+1;2").is_err());
    /// # Ok::<(), tc3_signer::VerifyError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, VerifyError> {
        let malformed = || VerifyError::Malformed {
            reason: format!("key time `{}` is not `<start>;<end>`", shorten(text)),
        };
        let (start, end) = text.split_once(';').ok_or_else(malformed)?;
        let start = parse_seconds(start).ok_or_else(malformed)?;
        let end = parse_seconds(end).ok_or_else(malformed)?;
        if start > end {
            return Err(malformed());
        }
        Ok(Self { start, end })
    }

    /// Start of validity, Unix seconds.
    ///
    /// ```
    /// assert_eq!(tc3_signer::cos::KeyTime::new(1, 2).unwrap().start(), 1);
    /// ```
    pub fn start(&self) -> u64 {
        self.start
    }

    /// End of validity, Unix seconds.
    ///
    /// ```
    /// assert_eq!(tc3_signer::cos::KeyTime::new(1, 2).unwrap().end(), 2);
    /// ```
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Checks that `now` lies in the window, widened by `tolerance` on both sides.
    ///
    /// # Errors
    /// [`VerifyError::NotYetValid`] or [`VerifyError::Expired`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use tc3_signer::{cos::KeyTime, VerifyError};
    ///
    /// let window = KeyTime::new(100, 200).unwrap();
    /// assert!(window.check(150, Duration::ZERO).is_ok());
    /// assert!(window.check(205, Duration::from_secs(10)).is_ok());
    /// assert_eq!(window.check(205, Duration::ZERO), Err(VerifyError::Expired { end: 200, now: 205 }));
    /// ```
    pub fn check(&self, now: u64, tolerance: Duration) -> Result<(), VerifyError> {
        let tolerance = tolerance.as_secs();
        if now.saturating_add(tolerance) < self.start {
            return Err(VerifyError::NotYetValid {
                start: self.start,
                now,
            });
        }
        if now > self.end.saturating_add(tolerance) {
            return Err(VerifyError::Expired { end: self.end, now });
        }
        Ok(())
    }
}

impl KeyTime {
    /// `"<start>;<end>"` on the stack, without going through `fmt` (it is on the signing hot
    /// path).
    pub(crate) fn text(&self) -> KeyTimeText {
        let mut text = KeyTimeText {
            bytes: [0; 41],
            len: 0,
        };
        text.push_decimal(self.start);
        text.push(b';');
        text.push_decimal(self.end);
        text
    }
}

/// The text of a [`KeyTime`]: at most 20 + 1 + 20 ASCII bytes.
#[derive(Clone, Copy)]
pub(crate) struct KeyTimeText {
    bytes: [u8; 41],
    len: usize,
}

impl KeyTimeText {
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn push_decimal(&mut self, value: u64) {
        let digits = value.checked_ilog10().map_or(1, |log| log as usize + 1);
        let end = self.len + digits;
        let Some(slots) = self.bytes.get_mut(self.len..end) else {
            return;
        };
        // Two digits per division, from the right.
        const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
            2021222324252627282930313233343536373839\
            4041424344454647484950515253545556575859\
            6061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899";
        let mut rest = value;
        for pair in slots.rchunks_mut(2) {
            // `rest % 100` is below 100, so the cast keeps it whole.
            let index = 2 * (rest % 100) as usize;
            rest /= 100;
            match pair {
                [high, low] => {
                    *high = PAIRS.get(index).copied().unwrap_or(b'0');
                    *low = PAIRS.get(index + 1).copied().unwrap_or(b'0');
                }
                [single] => *single = PAIRS.get(index + 1).copied().unwrap_or(b'0'),
                _ => {}
            }
        }
        self.len = end;
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..self.len).unwrap_or_default();
        // Only ASCII digits and `;` were written.
        std::str::from_utf8(bytes).unwrap_or_default()
    }
}

impl fmt::Display for KeyTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{};{}", self.start, self.end)
    }
}

fn parse_seconds(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// At most 64 characters of untrusted text, for error messages.
pub(crate) fn shorten(text: &str) -> String {
    const LIMIT: usize = 64;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_everything_but_two_digit_runs() {
        for bad in [
            "",
            ";",
            "1;",
            ";1",
            "1;2;3",
            "a;1",
            "1 ;2",
            "-1;2",
            "2;1",
            "99999999999999999999;1",
        ] {
            assert!(KeyTime::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(KeyTime::parse("0;0").unwrap(), KeyTime::new(0, 0).unwrap());
    }

    #[test]
    fn saturates_at_the_ends() {
        let window = KeyTime::starting_at(10, Duration::from_secs(u64::MAX));
        assert_eq!((window.start(), window.end()), (0, u64::MAX));
    }

    #[test]
    fn check_reports_not_yet_valid() {
        let window = KeyTime::new(100, 200).unwrap();
        assert_eq!(
            window.check(50, Duration::from_secs(10)),
            Err(VerifyError::NotYetValid {
                start: 100,
                now: 50
            })
        );
        assert!(window.check(90, Duration::from_secs(10)).is_ok());
    }

    #[test]
    fn text_matches_display() {
        for (start, end) in [
            (0, 0),
            (9, 10),
            (99, 100),
            (101, 12_345),
            (999_999, 1_000_000),
            (1_700_000_000, u64::MAX),
            (u64::MAX, u64::MAX),
        ] {
            let window = KeyTime::new(start, end).unwrap();
            assert_eq!(window.text().as_str(), window.to_string());
        }
    }

    #[test]
    fn shorten_cuts_long_text() {
        assert_eq!(shorten("abc"), "abc");
        assert_eq!(shorten(&"x".repeat(100)).chars().count(), 65);
    }
}
