//! Entry points for the fuzz targets (not a stable API).

/// Runs arbitrary bytes through every COS XML response parser and the `<Error>` body parser.
/// It must never panic, whatever the bytes.
///
/// ```
/// cos_client::fuzzing::parse_responses(b"<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult>");
/// cos_client::fuzzing::parse_responses(&[0xff, b'<', b'&']);
/// ```
pub fn parse_responses(data: &[u8]) {
    let _ = crate::xml::parse_list_objects(data);
    let _ = crate::xml::parse_initiate(data);
    let _ = crate::xml::parse_complete(data);
    let _ = crate::xml::parse_list_parts(data);
    let _ = crate::xml::parse_list_uploads(data);
    let _ = crate::xml::parse_delete_result(data);
    let _ = crate::xml::parse_copy(data, &http::HeaderMap::new());
    let _ = crate::xml::parse_copy_part(data, &http::HeaderMap::new());
    let _ = crate::xml::is_error_body(data);
    let _ = crate::xml::service_error(403, &http::HeaderMap::new(), data);
}
