//! Entry points for the fuzz targets (not a stable API).

/// Runs arbitrary bytes through the request-parsing and routing code a COS request meets
/// before storage: host/path routing, query decoding, `Range`, `Content-MD5`, the multipart
/// form boundary, the XML bodies of Delete Multiple and Complete Multipart Upload, the copy
/// source and source range of the copy operations, and AssumeRole's JSON session tags.
/// It must never panic.
///
/// The input is split on the first three `\n` into host, raw path + query, a header value,
/// and a body.
///
/// ```
/// cos_emulator::fuzzing::parse_request(b"b-1.cos.ap-guangzhou.myqcloud.com\n/a%2Fb?prefix=x\nbytes=0-1\n<Delete/>");
/// cos_emulator::fuzzing::parse_request(&[0xff, b'\n', b'%']);
/// ```
pub fn parse_request(data: &[u8]) {
    let mut parts = data.splitn(4, |&b| b == b'\n');
    let host = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let target = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let header = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let buckets = [
        "examplebucket-1250000000".to_string(),
        "other-1250000000".to_string(),
    ];
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if let Ok(t) = crate::cos::route::route(&host, path, &buckets, "examplebucket-1250000000") {
        // A configured bucket, the service (no bucket), or the bucket the host names
        // (PUT Bucket creates it; anything else answers NoSuchBucket).
        let named_by_host = !t.bucket.is_empty() && host.starts_with(&format!("{}.", t.bucket));
        assert!(
            buckets.contains(&t.bucket) || t.bucket.is_empty() || named_by_host,
            "routed to a bucket nothing named"
        );
    }
    let _ = crate::cos::route::parse_query(Some(query));
    let size = u64::from(body.first().copied().unwrap_or(0)) * 977;
    if let Ok(Some(range)) = crate::cos::headers::parse_range(Some(&header), size) {
        assert!(
            range.start <= range.end && range.end < size,
            "range outside the object"
        );
    }
    let _ = crate::cos::headers::content_md5(Some(&header));
    let _ = crate::cos::headers::check_key(&target);
    let _ = crate::cos::ops::post_object::boundary(&header);
    let _ = crate::cos::xml::parse_items(body, "Object", 1000);
    let _ = crate::cos::xml::parse_items(body, "Part", 10_000);
    let _ = crate::cos::xml::parse_groups(body, "Tag", 50);
    let _ =
        crate::cos::ops::attrs::tags_from_document(body, crate::cos::ops::attrs::TagOwner::Bucket);
    if let Ok((start, len)) = crate::cos::ops::part_copy::copy_range(Some(&header), size) {
        assert!(
            start.checked_add(len).is_some_and(|end| end <= size),
            "copy range outside the source"
        );
    }
    if let Ok(source) = crate::cos::ops::copy::parse_source(&header, &buckets) {
        assert!(
            buckets.contains(&source.bucket),
            "copy from an unknown bucket"
        );
    }
    let _ = crate::sts::role_params::json_tags(&header);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Header values near the grammars the parsers accept.
    fn header() -> impl Strategy<Value = String> {
        prop_oneof![
            "bytes=[0-9]{0,4}-[0-9]{0,4}",
            "bytes=-[0-9]{0,4}",
            "[a-z-]{1,30}\\.cos\\.ap-guangzhou\\.myqcloud\\.com/[a-z%/]{0,12}",
            "/(examplebucket|other)-1250000000/[a-z%/.]{0,12}(\\?versionId=[a-z0-9]{0,4})?",
            "\\[(\\{\"Key\":\"[a-z]{0,3}\",\"Value\":\"[a-z]{0,3}\"\\},?){0,3}\\]",
            ".{0,40}",
        ]
    }

    proptest! {
        // The stable twin of the `emulator_request` fuzz target: arbitrary bytes never panic.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            parse_request(&data);
        }

        #[test]
        fn structured_requests_never_panic(
            host in "[a-z0-9.-]{0,40}",
            target in "/[a-zA-Z0-9%/?=&._-]{0,40}",
            header in header(),
            body in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut data = format!("{host}\n{target}\n{header}\n").into_bytes();
            data.extend_from_slice(&body);
            parse_request(&data);
        }
    }
}
