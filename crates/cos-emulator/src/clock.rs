//! The emulator's notion of "now": the system clock plus an offset that the admin API may move
//! while the emulator runs.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cos_core::date::CivilTime;

/// System time shifted by `offset_seconds` (positive: the emulator runs ahead of the host).
#[derive(Debug)]
pub(crate) struct Clock {
    offset_seconds: AtomicI64,
}

impl Clock {
    pub(crate) fn new(offset_seconds: i64) -> Self {
        Self {
            offset_seconds: AtomicI64::new(offset_seconds),
        }
    }

    /// The current offset, seconds.
    pub(crate) fn offset(&self) -> i64 {
        self.offset_seconds.load(Ordering::Relaxed)
    }

    /// Sets the offset, seconds.
    pub(crate) fn set_offset(&self, seconds: i64) {
        self.offset_seconds.store(seconds, Ordering::Relaxed);
    }

    /// Now, as a `SystemTime`.
    pub(crate) fn now(&self) -> SystemTime {
        let base = SystemTime::now();
        let offset = self.offset();
        let delta = Duration::from_secs(offset.unsigned_abs());
        if offset >= 0 {
            base.checked_add(delta).unwrap_or(base)
        } else {
            base.checked_sub(delta).unwrap_or(base)
        }
    }

    /// Now, as Unix seconds.
    pub(crate) fn unix(&self) -> u64 {
        unix_seconds(self.now())
    }

    /// Now, as Unix milliseconds.
    pub(crate) fn unix_millis(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn unix_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `2020-12-10T03:37:30.000Z` from Unix milliseconds.
pub(crate) fn iso8601_millis(unix_millis: u64) -> String {
    let millis = u16::try_from(unix_millis % 1000).unwrap_or(0);
    civil(unix_millis / 1000).iso8601_millis(millis)
}

/// `2018-12-04T09:06:16Z` from Unix seconds.
pub(crate) fn iso8601_seconds(unix: u64) -> String {
    civil(unix).iso8601()
}

/// RFC 1123 HTTP date from Unix milliseconds.
pub(crate) fn http_date_millis(unix_millis: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_millis(unix_millis))
}

/// The UTC calendar fields of Unix seconds (through `cos-core`'s one calendar; the last
/// representable second beyond year 9999).
fn civil(unix: u64) -> CivilTime {
    let last = 253_402_300_799;
    let unix = i64::try_from(unix).unwrap_or(last).min(last);
    CivilTime::from_unix(unix).unwrap_or(CivilTime {
        year: 9999,
        month: 12,
        day: 31,
        hour: 23,
        minute: 59,
        second: 59,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601_seconds(1_543_914_376), "2018-12-04T09:06:16Z");
        assert_eq!(
            iso8601_millis(1_607_571_450_000),
            "2020-12-10T03:37:30.000Z"
        );
        assert_eq!(iso8601_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_seconds(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(http_date_millis(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn offset_moves_now() {
        let ahead = Clock::new(3600).unix();
        let behind = Clock::new(-3600).unix();
        assert!(ahead >= behind + 7190);
        let clock = Clock::new(0);
        let before = clock.unix();
        clock.set_offset(86_400);
        assert_eq!(clock.offset(), 86_400);
        assert!(clock.unix() >= before + 86_400);
    }
}
