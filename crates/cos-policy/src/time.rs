//! ISO 8601 UTC timestamps as used by the `date_*` operators and `qcs:current_time`.

use std::fmt;
use std::str::FromStr;

use cos_core::date::CivilTime;

/// A point in time with one-second resolution, stored as seconds since the Unix epoch.
///
/// Parses `YYYY-MM-DDTHH:MM:SSZ` (the CAM form), with optional fractional seconds (dropped)
/// and an optional `±HH:MM` offset instead of `Z`, and a bare date `YYYY-MM-DD` (midnight UTC).
/// Always displays the canonical `YYYY-MM-DDTHH:MM:SSZ`.
///
/// ```
/// use cos_policy::Timestamp;
///
/// let t: Timestamp = "2016-06-01T00:01:00Z".parse()?;
/// assert_eq!(t.unix_seconds(), 1_464_739_260);
/// let same: Timestamp = "2016-06-01T08:01:00+08:00".parse()?;
/// assert_eq!(t, same);
/// assert_eq!(same.to_string(), "2016-06-01T00:01:00Z");
/// # Ok::<(), cos_policy::TimestampError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// The text is not an ISO 8601 timestamp in a supported form.
///
/// ```
/// let err = "yesterday".parse::<cos_policy::Timestamp>().unwrap_err();
/// assert!(err.to_string().contains("yesterday"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an ISO 8601 timestamp such as 2026-01-01T00:00:00Z")]
#[non_exhaustive]
pub struct TimestampError {
    text: String,
}

impl TimestampError {
    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// assert!(!"x".parse::<cos_policy::Timestamp>().unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

impl Timestamp {
    /// The timestamp `seconds` after 1970-01-01T00:00:00Z.
    ///
    /// ```
    /// use cos_policy::Timestamp;
    /// assert_eq!(Timestamp::from_unix_seconds(0).to_string(), "1970-01-01T00:00:00Z");
    /// ```
    #[must_use]
    pub fn from_unix_seconds(seconds: i64) -> Self {
        Self(seconds)
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    ///
    /// ```
    /// let t: cos_policy::Timestamp = "1970-01-02T00:00:00Z".parse().unwrap();
    /// assert_eq!(t.unix_seconds(), 86_400);
    /// ```
    #[must_use]
    pub fn unix_seconds(&self) -> i64 {
        self.0
    }
}

/// Parses exactly `width` ASCII digits.
fn digits(text: &str, width: usize) -> Option<i64> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn parse(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once(['T', 't']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = digits(parts.next()?, 4)?;
    let month = digits(parts.next()?, 2)?;
    let day = digits(parts.next()?, 2)?;
    if parts.next().is_some() {
        return None;
    }
    let small = |v: i64| u8::try_from(v).ok();
    let mut seconds = CivilTime {
        year: i32::try_from(year).ok()?,
        month: small(month)?,
        day: small(day)?,
        hour: 0,
        minute: 0,
        second: 0,
    }
    .to_unix()?;
    let Some(time) = time else {
        return Some(seconds);
    };
    // Split off the zone designator.
    let (clock, offset) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = zone.get(1..)?.split_once(':')?;
        let (hh, mm) = (digits(hh, 2)?, digits(mm, 2)?);
        if hh > 23 || mm > 59 {
            return None;
        }
        (clock, sign * (hh * 3600 + mm * 60))
    };
    let (clock, fraction) = match clock.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (clock, None),
    };
    if let Some(fraction) = fraction
        && (fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut hms = clock.split(':');
    let hour = digits(hms.next()?, 2)?;
    let minute = digits(hms.next()?, 2)?;
    let second = digits(hms.next()?, 2)?;
    if hms.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    seconds += hour * 3600 + minute * 60 + second - offset;
    Some(seconds)
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse(text.trim()).map(Self).ok_or_else(|| TimestampError {
            text: text.to_owned(),
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match CivilTime::from_unix(self.0) {
            Some(civil) => f.write_str(&civil.iso8601()),
            // Beyond the years ±9999, which no parsed timestamp reaches.
            None => write!(f, "@{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(t.unix_seconds(), 1_767_225_600);
        let t: Timestamp = "2000-02-29T12:34:56Z".parse().unwrap();
        assert_eq!(t.unix_seconds(), 951_827_696);
        assert_eq!(t.to_string(), "2000-02-29T12:34:56Z");
        let t: Timestamp = "2016-06-01".parse().unwrap();
        assert_eq!(t.to_string(), "2016-06-01T00:00:00Z");
        let t: Timestamp = "2016-06-01T00:00:00.999Z".parse().unwrap();
        assert_eq!(t.to_string(), "2016-06-01T00:00:00Z");
        let t: Timestamp = "2016-06-01T00:00:00-01:30".parse().unwrap();
        assert_eq!(t.to_string(), "2016-06-01T01:30:00Z");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2016",
            "2016-13-01T00:00:00Z",
            "2015-02-29T00:00:00Z",
            "2016-06-01T24:00:00Z",
            "2016-06-01T00:00Z",
            "2016-06-01T00:00:00",
            "2016-06-01T00:00:00.Z",
            "2016-06-01T00:00:00+0800",
            "16-06-01T00:00:00Z",
            "２０１６-06-01",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
    }

    #[test]
    fn display_never_panics() {
        assert_eq!(
            Timestamp::from_unix_seconds(-1).to_string(),
            "1969-12-31T23:59:59Z"
        );
        assert_eq!(
            Timestamp::from_unix_seconds(i64::MAX).to_string(),
            format!("@{}", i64::MAX)
        );
    }
}
