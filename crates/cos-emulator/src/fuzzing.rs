//! Entry points for the fuzz targets (not a stable API).

/// Runs arbitrary bytes through the request-parsing and routing code a COS request meets
/// before storage: host/path routing, query decoding, `Range`, `Content-MD5`, the multipart
/// form boundary, and the XML bodies of Delete Multiple and Complete Multipart Upload.
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
        assert!(buckets.contains(&t.bucket), "routed to an unknown bucket");
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
    let _ = crate::post_object::boundary(&header);
    let _ = crate::cos::xml::parse_items(body, "Object", 1000);
    let _ = crate::cos::xml::parse_items(body, "Part", 10_000);
}
