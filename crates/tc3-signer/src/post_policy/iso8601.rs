//! The policy's `expiration`: ISO 8601 UTC with milliseconds (`2019-08-30T09:38:12.414Z`).

use cos_core::date::CivilTime;

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (through `cos-core`'s one
/// calendar; beyond the year 9999, its last millisecond).
pub(crate) fn format_millis(unix_millis: u64) -> String {
    let last = 253_402_300_799;
    let seconds = i64::try_from(unix_millis / 1000).unwrap_or(last).min(last);
    let millis = u16::try_from(unix_millis % 1000).unwrap_or(0);
    CivilTime::from_unix(seconds).map_or_else(
        || "9999-12-31T23:59:59.999Z".to_owned(),
        |t| t.iso8601_millis(millis),
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (a `+00:00` suffix is also accepted) into Unix
/// seconds, dropping the fraction. `None` for anything else or a date before 1970.
pub(crate) fn parse_seconds(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = bytes.get(range)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|(i, c)| bytes.get(*i) != Some(c)) {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let mut rest = bytes.get(19..)?;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = fraction.get(digits..)?;
    }
    if rest != b"Z" && rest != b"+00:00" {
        return None;
    }
    if !(1970..=9999).contains(&year) {
        return None;
    }
    let small = |v: u64| u8::try_from(v).ok();
    let civil = CivilTime {
        year: i32::try_from(year).ok()?,
        month: small(month)?,
        day: small(day)?,
        hour: small(hour)?,
        minute: small(minute)?,
        second: small(second)?,
    };
    u64::try_from(civil.to_unix()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_vector_expirations() {
        assert_eq!(format_millis(1_700_003_600_000), "2023-11-14T23:13:20.000Z");
        assert_eq!(format_millis(1_700_001_800_000), "2023-11-14T22:43:20.000Z");
        assert_eq!(format_millis(1_567_157_892_414), "2019-08-30T09:38:12.414Z");
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for millis in [0, 951_782_400_000, 1_567_157_892_414, 4_102_444_799_999] {
            assert_eq!(parse_seconds(&format_millis(millis)), Some(millis / 1000));
        }
        assert_eq!(parse_seconds("2019-08-30T09:38:12Z"), Some(1_567_157_892));
        assert_eq!(
            parse_seconds("2019-08-30T09:38:12+00:00"),
            Some(1_567_157_892)
        );
    }

    #[test]
    fn rejects_malformed_dates() {
        for bad in [
            "",
            "2019-08-30",
            "2019-08-30T09:38:12",
            "2019-08-30T09:38:12.Z",
            "2019-02-29T00:00:00Z",
            "2019-13-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2019-08-30T24:00:00Z",
            "２019-08-30T09:38:12Z",
            "2019-08-30T09:38:12.414Zjunk",
        ] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
    }
}
