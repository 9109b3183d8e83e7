//! Byte sizes: parsed from flags (`24MiB`, `8M`, `1048576`) and shown to people (`24.0 MiB`).

/// Parses a size: a number of bytes with an optional unit `K`/`KiB`/`KB`, `M`…, `G`…
/// (all binary: `1K` is 1024 bytes), case-insensitive.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(digits_end);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (expected e.g. 24MiB, 512K or 1048576)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("`{text}`: unknown unit `{other}` (use K, M or G)")),
    };
    number
        .checked_mul(1_u64 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// `24.0 MiB`, `512 B`: binary units with one decimal.
pub(crate) fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = "KiB";
    for next in UNITS.iter().skip(1) {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("24MiB"), Ok(24 << 20));
        assert_eq!(parse_size("8M"), Ok(8 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2 GB"), Ok(2 << 30));
        for bad in [
            "",
            "MiB",
            "1.5M",
            "-1",
            "3X",
            "99999999999999999999G",
            "20000000000G",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(24 << 20), "24.0 MiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }

    proptest! {
        #[test]
        fn plain_numbers_round_trip(n in any::<u64>()) {
            prop_assert_eq!(parse_size(&n.to_string()), Ok(n));
        }

        #[test]
        fn human_sizes_never_panic_and_carry_a_unit(n in any::<u64>()) {
            let text = human_bytes(n);
            prop_assert!(text.ends_with('B'));
        }
    }
}
