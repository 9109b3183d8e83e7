//! UTC calendar dates, the workspace's one calendar: every conversion between Unix time and a
//! proleptic Gregorian date goes through the `time` crate, here. Formats built on it: the
//! ISO 8601 forms COS, STS and CAM policies use (`2018-12-04T09:06:16Z`, with milliseconds
//! `2019-08-30T09:38:12.414Z`) and TC3's `YYYY-MM-DD`.
//!
//! ```
//! use cos_core::date::CivilTime;
//!
//! let t = CivilTime::from_unix(1_543_914_376).unwrap();
//! assert_eq!(t.iso8601(), "2018-12-04T09:06:16Z");
//! assert_eq!(t.date(), "2018-12-04");
//! assert_eq!(t.to_unix(), Some(1_543_914_376));
//! ```

use time::{Date, Month, OffsetDateTime};

/// A UTC instant split into calendar fields (the second may be 60, a leap second, when parsed;
/// it then counts as the next second).
///
/// ```
/// let t = cos_core::date::CivilTime { year: 2000, month: 2, day: 29, hour: 0, minute: 0, second: 0 };
/// assert_eq!(t.to_unix(), Some(951_782_400));
/// let bad = cos_core::date::CivilTime { day: 30, ..t };
/// assert_eq!(bad.to_unix(), None); // no 30 February
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    /// The year (proleptic Gregorian; the `time` crate's range, ±9999).
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// 1 to the month's length.
    pub day: u8,
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
    /// 0 to 60.
    pub second: u8,
}

impl CivilTime {
    /// The UTC calendar fields of `unix` seconds; `None` outside the years ±9999.
    ///
    /// ```
    /// let t = cos_core::date::CivilTime::from_unix(0).unwrap();
    /// assert_eq!((t.year, t.month, t.day), (1970, 1, 1));
    /// assert!(cos_core::date::CivilTime::from_unix(i64::MAX).is_none());
    /// ```
    pub fn from_unix(unix: i64) -> Option<Self> {
        let t = OffsetDateTime::from_unix_timestamp(unix).ok()?;
        Some(Self {
            year: t.year(),
            month: u8::from(t.month()),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
        })
    }

    /// Unix seconds of these fields; `None` when a field is out of range (a 31 April, hour 24).
    ///
    /// ```
    /// let t = cos_core::date::CivilTime { year: 1970, month: 1, day: 2, hour: 0, minute: 0, second: 0 };
    /// assert_eq!(t.to_unix(), Some(86_400));
    /// ```
    pub fn to_unix(&self) -> Option<i64> {
        if self.hour > 23 || self.minute > 59 || self.second > 60 {
            return None;
        }
        let month = Month::try_from(self.month).ok()?;
        let date = Date::from_calendar_date(self.year, month, self.day).ok()?;
        let midnight = date.midnight().assume_utc().unix_timestamp();
        Some(
            midnight
                + i64::from(self.hour) * 3600
                + i64::from(self.minute) * 60
                + i64::from(self.second),
        )
    }

    /// `YYYY-MM-DD`.
    ///
    /// ```
    /// assert_eq!(cos_core::date::CivilTime::from_unix(1_551_113_065).unwrap().date(), "2019-02-25");
    /// ```
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    ///
    /// ```
    /// assert_eq!(cos_core::date::CivilTime::from_unix(0).unwrap().iso8601(), "1970-01-01T00:00:00Z");
    /// ```
    pub fn iso8601(&self) -> String {
        format!(
            "{}T{:02}:{:02}:{:02}Z",
            self.date(),
            self.hour,
            self.minute,
            self.second
        )
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` with `millis` (taken modulo 1000).
    ///
    /// ```
    /// let t = cos_core::date::CivilTime::from_unix(1_607_571_450).unwrap();
    /// assert_eq!(t.iso8601_millis(7), "2020-12-10T03:37:30.007Z");
    /// ```
    pub fn iso8601_millis(&self, millis: u16) -> String {
        format!(
            "{}T{:02}:{:02}:{:02}.{:03}Z",
            self.date(),
            self.hour,
            self.minute,
            self.second,
            millis % 1000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{any, prop_assert_eq, proptest};

    #[test]
    fn known_instants() {
        let t = |unix| CivilTime::from_unix(unix).unwrap().iso8601();
        assert_eq!(t(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(t(-1), "1969-12-31T23:59:59Z");
        assert_eq!(t(253_402_300_799), "9999-12-31T23:59:59Z");
        assert!(CivilTime::from_unix(253_402_300_800).is_none());
        let leap = CivilTime {
            year: 2016,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 60,
        };
        assert_eq!(leap.to_unix(), Some(1_483_228_800));
        assert_eq!(CivilTime { hour: 24, ..leap }.to_unix(), None);
        assert_eq!(CivilTime { month: 13, ..leap }.to_unix(), None);
    }

    proptest! {
        #[test]
        fn round_trips(unix in -62_000_000_000i64..253_402_300_800) {
            let t = CivilTime::from_unix(unix).unwrap();
            prop_assert_eq!(t.to_unix(), Some(unix));
        }

        #[test]
        fn never_panics(unix in any::<i64>(), month in any::<u8>(), day in any::<u8>()) {
            if let Some(t) = CivilTime::from_unix(unix) {
                let _ = CivilTime { month, day, ..t }.to_unix();
            }
        }
    }
}
