//! The UTC calendar date of a Unix timestamp, as TC3's credential scope needs it.
//!
//! Through `cos-core`'s one calendar (`cos_core::date`, on the `time` crate).

use cos_core::date::CivilTime;

/// The UTC date of `timestamp` (Unix seconds) as `YYYY-MM-DD`.
///
/// TC3 uses the **UTC** date of `X-TC-Timestamp`, never the local (UTC+8) one.
///
/// ```
/// use tc3_signer::tc3::utc_date;
///
/// assert_eq!(utc_date(1_551_113_065), "2019-02-25"); // already 2019-02-26 in Beijing
/// assert_eq!(utc_date(1_551_139_199), "2019-02-25");
/// assert_eq!(utc_date(1_551_139_200), "2019-02-26");
/// assert_eq!(utc_date(0), "1970-01-01");
/// ```
pub fn utc_date(timestamp: u64) -> String {
    // `cos-core`'s one calendar (the `time` crate) covers the years up to 9999; a timestamp
    // beyond is signed with the last day it knows, the same in signing and verification.
    let last = 253_402_300_799;
    let seconds = i64::try_from(timestamp).unwrap_or(last).min(last);
    CivilTime::from_unix(seconds).map_or_else(|| "9999-12-31".to_owned(), |t| t.date())
}

/// Whether `date` has the `YYYY-MM-DD` shape (four or more year digits, two-digit month and day).
pub(crate) fn looks_like_date(date: &str) -> bool {
    let mut parts = date.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    year.len() >= 4
        && month.len() == 2
        && day.len() == 2
        && digits(year)
        && digits(month)
        && digits(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(951_868_800), "2000-03-01");
        assert_eq!(utc_date(4_107_542_400), "2100-03-01");
        assert_eq!(utc_date(1_700_000_000), "2023-11-14");
        assert_eq!(utc_date(253_402_300_799), "9999-12-31");
    }

    #[test]
    fn extreme_timestamp_does_not_panic() {
        let date = utc_date(u64::MAX);
        assert!(looks_like_date(&date), "{date}");
    }

    #[test]
    fn date_shape() {
        assert!(looks_like_date("2019-02-25"));
        assert!(!looks_like_date("2019-2-25"));
        assert!(!looks_like_date("2019-02-25-01"));
        assert!(!looks_like_date("20a9-02-25"));
        assert!(!looks_like_date(""));
    }

    proptest! {
        #[test]
        fn matches_the_time_crate(timestamp in 0u64..=253_402_300_799) {
            let oracle = time::OffsetDateTime::from_unix_timestamp(i64::try_from(timestamp).unwrap())
                .unwrap();
            let expected = format!(
                "{:04}-{:02}-{:02}",
                oracle.year(),
                u8::from(oracle.month()),
                oracle.day()
            );
            prop_assert_eq!(utc_date(timestamp), expected);
        }

        #[test]
        fn day_boundaries_match_the_time_crate(day in 0u64..=2_932_896) {
            for timestamp in [day * 86_400, day * 86_400 + 86_399] {
                let oracle =
                    time::OffsetDateTime::from_unix_timestamp(i64::try_from(timestamp).unwrap()).unwrap();
                prop_assert_eq!(
                    utc_date(timestamp),
                    format!("{:04}-{:02}-{:02}", oracle.year(), u8::from(oracle.month()), oracle.day())
                );
            }
        }
    }
}
