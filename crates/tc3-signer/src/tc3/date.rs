//! The UTC calendar date of a Unix timestamp, as TC3's credential scope needs it.
//!
//! A 20-line civil-from-days conversion (the proleptic Gregorian algorithm of Howard Hinnant's
//! `chrono`-compatible date paper) avoids a date/time dependency in the library; the `time`
//! crate serves as an oracle in the tests.

const SECONDS_PER_DAY: u64 = 86_400;

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
    let (year, month, day) = civil_from_days(timestamp / SECONDS_PER_DAY);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Year, month (1..=12) and day (1..=31) of the day `days` after 1970-01-01.
///
/// Works in eras of 400 years (146 097 days) counted from 0000-03-01, so that the leap day is
/// the last day of each computed year. All arithmetic is on `u64` and cannot overflow: `days`
/// is at most `u64::MAX / 86 400`.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Days from 0000-03-01 to 1970-01-01.
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097; // 0..=146_096
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // 0..=399
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // 0..=365
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11, March is 0
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
