//! Request-header parsing shared by the object operations.

use super::error::CosError;
use base64::Engine as _;
use http::HeaderMap;

/// Headers stored with an object and echoed on GET/HEAD.
const STORED: [&str; 6] = [
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// Storage classes COS accepts on upload.
const STORAGE_CLASSES: [&str; 8] = [
    "STANDARD",
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "ARCHIVE",
    "DEEP_ARCHIVE",
    "MAZ_STANDARD",
    "MAZ_STANDARD_IA",
    "MAZ_INTELLIGENT_TIERING",
];

/// A header as text, if present and valid UTF-8.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The content headers and `x-cos-meta-*` of a write request, lower-cased names, in a stable
/// order. User metadata over 2 KB per entry or 4 KB in total is refused.
pub(crate) fn stored_headers(
    get: impl Fn(&str) -> Option<String>,
    all_names: &[String],
) -> Result<Vec<(String, String)>, CosError> {
    let mut out = Vec::new();
    for name in STORED {
        if let Some(v) = get(name) {
            out.push((name.to_string(), v));
        }
    }
    let mut meta_total = 0usize;
    let mut names: Vec<&String> = all_names
        .iter()
        .filter(|n| n.starts_with("x-cos-meta-"))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        if let Some(v) = get(name) {
            let size = name.len() + v.len();
            meta_total += size;
            if size > 2048 || meta_total > 4096 {
                return Err(CosError::bad_request(
                    "MetadataTooLarge",
                    "Your metadata headers exceed the maximum allowed metadata size.",
                ));
            }
            out.push((name.clone(), v));
        }
    }
    Ok(out)
}

/// `stored_headers` for an HTTP request.
pub(crate) fn stored_from_request(headers: &HeaderMap) -> Result<Vec<(String, String)>, CosError> {
    let names: Vec<String> = headers.keys().map(|k| k.as_str().to_string()).collect();
    stored_headers(|n| header(headers, n).map(str::to_string), &names)
}

/// Whether `x-cos-forbid-overwrite` asks for create-only (`true`/`false`, any case; absent is
/// `false`); another value is refused.
pub(crate) fn forbid_overwrite(headers: &HeaderMap) -> Result<bool, CosError> {
    match header(headers, "x-cos-forbid-overwrite").map(str::trim) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(CosError::invalid_argument(
            "x-cos-forbid-overwrite must be true or false.",
        )),
    }
}

/// The requested storage class (default `STANDARD`).
pub(crate) fn storage_class(value: Option<&str>) -> Result<String, CosError> {
    match value {
        None => Ok("STANDARD".into()),
        Some(v) => {
            let upper = v.trim().to_ascii_uppercase();
            if STORAGE_CLASSES.contains(&upper.as_str()) {
                Ok(upper)
            } else {
                Err(CosError::invalid_argument("Invalid storage class."))
            }
        }
    }
}

/// The decoded `Content-MD5`, if present; malformed → `InvalidDigest`.
pub(crate) fn content_md5(value: Option<&str>) -> Result<Option<[u8; 16]>, CosError> {
    let Some(v) = value else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.trim())
        .map_err(|_| {
            CosError::bad_request(
                "InvalidDigest",
                "The Content-MD5 you specified was invalid.",
            )
        })?;
    <[u8; 16]>::try_from(bytes.as_slice())
        .map(Some)
        .map_err(|_| {
            CosError::bad_request(
                "InvalidDigest",
                "The Content-MD5 you specified was invalid.",
            )
        })
}

/// The error for a Content-MD5 that does not match the body.
pub(crate) fn bad_digest() -> CosError {
    CosError::bad_request(
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
    )
}

/// Validates an object key, before anything is stored: at most 850 bytes, not empty, not
/// starting with `\\`, and no character that an XML listing cannot carry. COS forbids the
/// control characters 24–27 in keys and lists other C0 controls only URL-encoded
/// (`encoding-type=url`); the emulator refuses every C0 control character (U+0000–U+001F)
/// and U+FFFE/U+FFFF, so that every listing is well-formed XML for every client.
pub(crate) fn check_key(key: &str) -> Result<(), CosError> {
    if key.len() > 850 {
        return Err(CosError::bad_request("KeyTooLong", "Your key is too long."));
    }
    let bad = key.is_empty() || key.starts_with('\\') || key.bytes().any(|b| matches!(b, 24..=27));
    if bad {
        return Err(CosError::bad_request(
            "InvalidObjectName",
            "The specified object name is invalid.",
        ));
    }
    if key
        .chars()
        .any(|c| (c.is_ascii_control() && c != '\u{7f}') || matches!(c, '\u{fffe}' | '\u{ffff}'))
    {
        return Err(CosError::bad_request(
            "InvalidObjectName",
            "The object key contains a control character (U+0000-U+001F), which an XML \
             listing cannot carry.",
        ));
    }
    Ok(())
}

/// The declared `Content-Length`; `Ok(None)` for chunked bodies.
pub(crate) fn content_length(headers: &HeaderMap) -> Result<Option<u64>, CosError> {
    match header(headers, "content-length") {
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| CosError::invalid_argument("Invalid Content-Length.")),
        None => {
            let chunked = header(headers, "transfer-encoding")
                .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
            if chunked { Ok(None) } else { Ok(Some(0)) }
        }
    }
}

/// A byte range `[start, end]` (inclusive) within an object of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteRange {
    pub(crate) start: u64,
    pub(crate) end: u64,
}

/// Parses a `Range` header: `Ok(None)` when absent or not a single `bytes=` range (served
/// whole, as S3/COS do), `Err(InvalidRange)` when unsatisfiable.
pub(crate) fn parse_range(value: Option<&str>, size: u64) -> Result<Option<ByteRange>, CosError> {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let unsatisfiable = || {
        CosError::new(
            http::StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The requested range is not satisfiable.",
        )
    };
    let range = if a.is_empty() {
        let Ok(n) = b.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 || size == 0 {
            return Err(unsatisfiable());
        }
        ByteRange {
            start: size.saturating_sub(n),
            end: size - 1,
        }
    } else {
        let Ok(start) = a.parse::<u64>() else {
            return Ok(None);
        };
        let end = if b.is_empty() {
            u64::MAX
        } else {
            match b.parse::<u64>() {
                Ok(e) if e >= start => e,
                _ => return Ok(None),
            }
        };
        if start >= size {
            return Err(unsatisfiable());
        }
        ByteRange {
            start,
            end: end.min(size - 1),
        }
    };
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranges() {
        assert_eq!(
            parse_range(Some("bytes=8-14"), 16).unwrap(),
            Some(ByteRange { start: 8, end: 14 })
        );
        assert_eq!(
            parse_range(Some("bytes=8-"), 16).unwrap(),
            Some(ByteRange { start: 8, end: 15 })
        );
        assert_eq!(
            parse_range(Some("bytes=-4"), 16).unwrap(),
            Some(ByteRange { start: 12, end: 15 })
        );
        assert_eq!(
            parse_range(Some("bytes=0-100"), 16).unwrap(),
            Some(ByteRange { start: 0, end: 15 })
        );
        assert_eq!(
            parse_range(Some("bytes=16-20"), 16).unwrap_err().code,
            "InvalidRange"
        );
        assert_eq!(parse_range(Some("bytes=0-1,3-4"), 16).unwrap(), None);
        assert_eq!(parse_range(Some("items=0-1"), 16).unwrap(), None);
        assert_eq!(parse_range(Some("bytes=5-2"), 16).unwrap(), None);
        assert_eq!(parse_range(None, 16).unwrap(), None);
    }

    #[test]
    fn md5_header() {
        assert_eq!(
            hex::encode(
                content_md5(Some("7o3pGNBWQBRbGPcPTDqmAg=="))
                    .unwrap()
                    .unwrap()
            ),
            "ee8de918d05640145b18f70f4c3aa602"
        );
        assert_eq!(content_md5(Some("abc")).unwrap_err().code, "InvalidDigest");
        assert_eq!(content_md5(Some("YWJj")).unwrap_err().code, "InvalidDigest");
        assert_eq!(content_md5(None).unwrap(), None);
    }

    #[test]
    fn keys_and_classes() {
        assert!(check_key("a/b.txt").is_ok());
        assert_eq!(check_key(&"k".repeat(851)).unwrap_err().code, "KeyTooLong");
        assert_eq!(check_key("a\u{1b}b").unwrap_err().code, "InvalidObjectName");
        assert_eq!(storage_class(Some("standard_ia")).unwrap(), "STANDARD_IA");
        assert!(storage_class(Some("GOLD")).is_err());
    }

    #[test]
    fn metadata_limits() {
        let mut h = HeaderMap::new();
        h.insert("x-cos-meta-a", "1".parse().unwrap());
        h.insert("content-type", "text/plain".parse().unwrap());
        h.insert("x-other", "no".parse().unwrap());
        let s = stored_from_request(&h).unwrap();
        assert_eq!(
            s,
            vec![
                ("content-type".into(), "text/plain".into()),
                ("x-cos-meta-a".into(), "1".into())
            ]
        );
        h.insert("x-cos-meta-big", "x".repeat(3000).parse().unwrap());
        assert_eq!(
            stored_from_request(&h).unwrap_err().code,
            "MetadataTooLarge"
        );
    }

    proptest! {
        #[test]
        fn ranges_stay_inside_the_object(spec in "bytes=[0-9]{0,4}-[0-9]{0,4}", size in 0u64..5000) {
            if let Ok(Some(r)) = parse_range(Some(&spec), size) {
                prop_assert!(r.start <= r.end && r.end < size);
            }
        }
    }
}
