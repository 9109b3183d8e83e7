//! The policy's `expiration`: ISO 8601 UTC with milliseconds (`2019-08-30T09:38:12.414Z`).

/// Formats Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn format_millis(unix_millis: u64) -> String {
    let seconds = unix_millis / 1000;
    let millis = unix_millis % 1000;
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
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
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

fn is_leap(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (year ≥ 1970).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y / 400;
    let year_of_era = y % 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
