//! XML request bodies (built by hand, escaped) and response bodies (parsed with quick-xml's
//! serde support after checking the root element).

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use quick_xml::events::Event;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::model::{
    CompleteOutput, CopyOutput, DeleteFailure, DeleteObjectsOutput, DeletedObject, ListObjectsPage,
    ListPartsPage, ListUploadsPage, ObjectSummary, PartSummary, UploadSummary,
};
use crate::{Error, ServiceError};

/// The name of the first element, skipping the declaration, whitespace and comments.
pub(crate) fn root_name(body: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(body);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                return Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn parse<T: DeserializeOwned>(
    operation: &'static str,
    root: &str,
    body: &[u8],
) -> Result<T, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::malformed(operation, "body is not UTF-8"))?
        .trim_start();
    match root_name(text) {
        Some(name) if name == root => {}
        Some(name) => {
            return Err(Error::malformed(
                operation,
                format!("expected <{root}>, got <{name}>"),
            ));
        }
        None => {
            return Err(Error::malformed(
                operation,
                format!("expected <{root}>, got no XML"),
            ));
        }
    }
    quick_xml::de::from_str(text).map_err(|e| Error::malformed(operation, e.to_string()))
}

/// Whether a body is a COS `<Error>` document.
pub(crate) fn is_error_body(body: &[u8]) -> bool {
    std::str::from_utf8(body)
        .ok()
        .and_then(|t| root_name(t.trim_start()))
        .is_some_and(|n| n == "Error")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message")]
    message: String,
    #[serde(rename = "Resource")]
    resource: Option<String>,
    #[serde(rename = "RequestId")]
    request_id: Option<String>,
    #[serde(rename = "TraceId")]
    trace_id: Option<String>,
}

/// Builds a [`ServiceError`] from a status, the response headers and a (possibly empty or
/// non-XML) body.
pub(crate) fn service_error(status: u16, headers: &http::HeaderMap, body: &[u8]) -> ServiceError {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let parsed: Option<ErrorBody> = if is_error_body(body) {
        std::str::from_utf8(body)
            .ok()
            .and_then(|t| quick_xml::de::from_str(t.trim_start()).ok())
    } else {
        None
    };
    let fallback_code = match status {
        304 => "NotModified".to_owned(),
        404 => "NoSuchKey".to_owned(),
        403 => "AccessDenied".to_owned(),
        412 => "PreconditionFailed".to_owned(),
        other => format!("Http{other}"),
    };
    let body = parsed.unwrap_or_default();
    ServiceError {
        status,
        code: if body.code.is_empty() {
            fallback_code
        } else {
            body.code
        },
        message: body.message,
        request_id: header("x-cos-request-id").or(body.request_id),
        trace_id: header("x-cos-trace-id").or(body.trace_id),
        resource: body.resource,
        bucket: None,
        key: None,
        server_date: header("date"),
    }
}

/// Escapes text content: the five markup characters as entities, and the characters XML
/// parsers would rewrite (line ends, tabs, NEL, LINE SEPARATOR, other controls) as character
/// references, which parsers keep verbatim.
pub(crate) fn escape_text(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c < ' ' || c == '\u{85}' || c == '\u{2028}' => {
                let _ = write!(out, "&#x{:X};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// `<Delete>` body of DELETE Multiple Objects.
pub(crate) fn delete_body(keys: &[&str], quiet: bool) -> String {
    let mut out = String::with_capacity(64 + keys.len() * 48);
    out.push_str("<Delete><Quiet>");
    out.push_str(if quiet { "true" } else { "false" });
    out.push_str("</Quiet>");
    for key in keys {
        out.push_str("<Object><Key>");
        out.push_str(&escape_text(key));
        out.push_str("</Key></Object>");
    }
    out.push_str("</Delete>");
    out
}

/// `<CompleteMultipartUpload>` body; `parts` must be in ascending order.
pub(crate) fn complete_body(parts: &[(u32, String)]) -> String {
    let mut out = String::with_capacity(40 + parts.len() * 80);
    out.push_str("<CompleteMultipartUpload>");
    for (number, etag) in parts {
        out.push_str("<Part><PartNumber>");
        out.push_str(&number.to_string());
        out.push_str("</PartNumber><ETag>");
        out.push_str(&escape_text(etag));
        out.push_str("</ETag></Part>");
    }
    out.push_str("</CompleteMultipartUpload>");
    out
}

fn decode(encoded: bool, text: String) -> String {
    if !encoded {
        return text;
    }
    match percent_decode_str(&text).decode_utf8() {
        Ok(Cow::Borrowed(_)) => text,
        Ok(Cow::Owned(decoded)) => decoded,
        Err(_) => text,
    }
}

fn is_url(encoding: &Option<String>) -> bool {
    encoding
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case("url"))
}

#[derive(Deserialize)]
struct Prefix {
    #[serde(rename = "Prefix", default)]
    prefix: String,
}

#[derive(Deserialize)]
struct RawListBucket {
    #[serde(
        rename = "EncodingType",
        alias = "Encoding-Type",
        alias = "Encoding-type",
        default
    )]
    encoding: Option<String>,
    #[serde(rename = "IsTruncated", default)]
    is_truncated: bool,
    #[serde(rename = "NextMarker", default)]
    next_marker: Option<String>,
    #[serde(rename = "Contents", default)]
    contents: Vec<RawContents>,
    #[serde(rename = "CommonPrefixes", default)]
    common_prefixes: Vec<Prefix>,
}

#[derive(Deserialize)]
struct RawContents {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "LastModified", default)]
    last_modified: String,
    #[serde(rename = "ETag", default)]
    etag: String,
    #[serde(rename = "Size", default)]
    size: u64,
    #[serde(rename = "StorageClass", default)]
    storage_class: Option<String>,
}

pub(crate) fn parse_list_objects(body: &[u8]) -> Result<ListObjectsPage, Error> {
    let raw: RawListBucket = parse("ListObjects", "ListBucketResult", body)?;
    let url = is_url(&raw.encoding);
    let objects: Vec<ObjectSummary> = raw
        .contents
        .into_iter()
        .map(|c| ObjectSummary {
            key: decode(url, c.key),
            last_modified: c.last_modified,
            etag: c.etag,
            size: c.size,
            storage_class: c.storage_class,
        })
        .collect();
    let common_prefixes: Vec<String> = raw
        .common_prefixes
        .into_iter()
        .map(|p| decode(url, p.prefix))
        .collect();
    let next_marker = match raw.next_marker.filter(|m| !m.is_empty()) {
        Some(marker) => Some(decode(url, marker)),
        // Without a NextMarker (no delimiter), the last key of the page continues the listing.
        None if raw.is_truncated => objects
            .iter()
            .map(|o| o.key.as_str())
            .chain(common_prefixes.iter().map(String::as_str))
            .max()
            .map(str::to_owned),
        None => None,
    };
    Ok(ListObjectsPage {
        objects,
        common_prefixes,
        is_truncated: raw.is_truncated,
        next_marker,
    })
}

#[derive(Deserialize)]
struct RawInitiate {
    #[serde(rename = "UploadId")]
    upload_id: String,
}

pub(crate) fn parse_initiate(body: &[u8]) -> Result<String, Error> {
    let raw: RawInitiate = parse(
        "InitiateMultipartUpload",
        "InitiateMultipartUploadResult",
        body,
    )?;
    if raw.upload_id.trim().is_empty() {
        return Err(Error::malformed(
            "InitiateMultipartUpload",
            "empty UploadId",
        ));
    }
    Ok(raw.upload_id.trim().to_owned())
}

#[derive(Deserialize)]
struct RawComplete {
    #[serde(rename = "Location", default)]
    location: String,
    #[serde(rename = "ETag", default)]
    etag: String,
}

pub(crate) fn parse_complete(body: &[u8]) -> Result<CompleteOutput, Error> {
    let raw: RawComplete = parse(
        "CompleteMultipartUpload",
        "CompleteMultipartUploadResult",
        body,
    )?;
    Ok(CompleteOutput {
        location: raw.location,
        etag: raw.etag,
        crc64: None,
        version_id: None,
    })
}

#[derive(Deserialize)]
struct RawListParts {
    #[serde(
        rename = "EncodingType",
        alias = "Encoding-Type",
        alias = "Encoding-type",
        default
    )]
    _encoding: Option<String>,
    #[serde(rename = "IsTruncated", default)]
    is_truncated: bool,
    #[serde(rename = "NextPartNumberMarker", default)]
    next_marker: Option<String>,
    #[serde(rename = "Part", default)]
    parts: Vec<RawPart>,
}

#[derive(Deserialize)]
struct RawPart {
    #[serde(rename = "PartNumber")]
    number: u32,
    #[serde(rename = "ETag", default)]
    etag: String,
    #[serde(rename = "Size", default)]
    size: u64,
}

pub(crate) fn parse_list_parts(body: &[u8]) -> Result<ListPartsPage, Error> {
    let raw: RawListParts = parse("ListParts", "ListPartsResult", body)?;
    Ok(ListPartsPage {
        parts: raw
            .parts
            .into_iter()
            .map(|p| PartSummary {
                number: p.number,
                etag: p.etag,
                size: p.size,
            })
            .collect(),
        is_truncated: raw.is_truncated,
        next_part_number_marker: raw.next_marker.and_then(|m| m.trim().parse().ok()),
    })
}

#[derive(Deserialize)]
struct RawListUploads {
    #[serde(
        rename = "EncodingType",
        alias = "Encoding-Type",
        alias = "Encoding-type",
        default
    )]
    encoding: Option<String>,
    #[serde(rename = "IsTruncated", default)]
    is_truncated: bool,
    #[serde(rename = "NextKeyMarker", default)]
    next_key_marker: Option<String>,
    #[serde(rename = "NextUploadIdMarker", default)]
    next_upload_id_marker: Option<String>,
    #[serde(rename = "Upload", default)]
    uploads: Vec<RawUpload>,
    #[serde(rename = "CommonPrefixes", default)]
    common_prefixes: Vec<Prefix>,
}

#[derive(Deserialize)]
struct RawUpload {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "UploadId")]
    upload_id: String,
    #[serde(rename = "Initiated", default)]
    initiated: String,
}

pub(crate) fn parse_list_uploads(body: &[u8]) -> Result<ListUploadsPage, Error> {
    let raw: RawListUploads = parse("ListMultipartUploads", "ListMultipartUploadsResult", body)?;
    let url = is_url(&raw.encoding);
    Ok(ListUploadsPage {
        uploads: raw
            .uploads
            .into_iter()
            .map(|u| UploadSummary {
                key: decode(url, u.key),
                upload_id: u.upload_id,
                initiated: u.initiated,
            })
            .collect(),
        common_prefixes: raw
            .common_prefixes
            .into_iter()
            .map(|p| decode(url, p.prefix))
            .collect(),
        is_truncated: raw.is_truncated,
        next_key_marker: raw
            .next_key_marker
            .filter(|m| !m.is_empty())
            .map(|m| decode(url, m)),
        next_upload_id_marker: raw.next_upload_id_marker.filter(|m| !m.is_empty()),
    })
}

#[derive(Deserialize)]
struct RawDeleteResult {
    #[serde(rename = "Deleted", default)]
    deleted: Vec<RawDeleted>,
    #[serde(rename = "Error", default)]
    errors: Vec<RawDeleteError>,
}

#[derive(Deserialize)]
struct RawDeleted {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId", default)]
    version_id: Option<String>,
    #[serde(rename = "DeleteMarker", default)]
    delete_marker: bool,
}

#[derive(Deserialize)]
struct RawDeleteError {
    #[serde(rename = "Key", default)]
    key: String,
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

pub(crate) fn parse_delete_result(body: &[u8]) -> Result<DeleteObjectsOutput, Error> {
    let raw: RawDeleteResult = parse("DeleteMultipleObjects", "DeleteResult", body)?;
    Ok(DeleteObjectsOutput {
        deleted: raw
            .deleted
            .into_iter()
            .map(|d| DeletedObject {
                key: d.key,
                version_id: d.version_id,
                delete_marker: d.delete_marker,
            })
            .collect(),
        failed: raw
            .errors
            .into_iter()
            .map(|e| DeleteFailure {
                key: e.key,
                code: e.code,
                message: e.message,
            })
            .collect(),
    })
}

#[derive(Deserialize)]
struct RawCopy {
    #[serde(rename = "ETag", default)]
    etag: String,
    #[serde(rename = "LastModified", default)]
    last_modified: String,
    #[serde(rename = "CRC64", default)]
    crc64: Option<String>,
}

/// A PUT Object - Copy answer: `<CopyObjectResult>`, the CRC-64 taken from the
/// `x-cos-hash-crc64ecma` header when the body has none.
pub(crate) fn parse_copy(body: &[u8], headers: &http::HeaderMap) -> Result<CopyOutput, Error> {
    parse_copy_result("CopyObject", "CopyObjectResult", body, headers)
}

/// Upload Part - Copy answers `<CopyPartResult>` with the fields of `<CopyObjectResult>`.
pub(crate) fn parse_copy_part(body: &[u8], headers: &http::HeaderMap) -> Result<CopyOutput, Error> {
    parse_copy_result("UploadPartCopy", "CopyPartResult", body, headers)
}

fn parse_copy_result(
    operation: &'static str,
    root: &str,
    body: &[u8],
    headers: &http::HeaderMap,
) -> Result<CopyOutput, Error> {
    let raw: RawCopy = parse(operation, root, body)?;
    Ok(CopyOutput {
        etag: raw.etag,
        last_modified: raw.last_modified,
        crc64: raw
            .crc64
            .and_then(|c| c.trim().parse().ok())
            .or_else(|| crate::crc64::parse_header(headers)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn list_bucket_with_interleaved_contents_and_prefixes() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><Name>b-125</Name><EncodingType>url</EncodingType><Prefix/><Marker/>
<MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><NextMarker>z%2F</NextMarker>
<Contents><Key>a%20b</Key><LastModified>2020-12-10T03:37:30.000Z</LastModified><ETag>&quot;f1&quot;</ETag><Size>37</Size>
<Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>
<CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes>
<Contents><Key>c</Key><LastModified>x</LastModified><ETag>"e"</ETag><Size>1</Size></Contents>
<CommonPrefixes><Prefix>z/</Prefix></CommonPrefixes>
</ListBucketResult>"#;
        let page = parse_list_objects(body).unwrap();
        assert_eq!(page.objects.len(), 2);
        assert_eq!(page.objects[0].key, "a b");
        assert_eq!(page.objects[0].etag, "\"f1\"");
        assert_eq!(page.objects[0].size, 37);
        assert_eq!(page.objects[1].key, "c");
        assert_eq!(page.common_prefixes, ["dir/", "z/"]);
        assert!(page.is_truncated);
        assert_eq!(page.next_marker.as_deref(), Some("z/"));
    }

    #[test]
    fn truncated_without_next_marker_continues_after_last_key() {
        let body = b"<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a</Key></Contents><Contents><Key>b</Key></Contents></ListBucketResult>";
        assert_eq!(
            parse_list_objects(body).unwrap().next_marker.as_deref(),
            Some("b")
        );
    }

    #[test]
    fn text_escaping_survives_line_end_normalisation() {
        assert_eq!(escape_text("a&<>\"'b"), "a&amp;&lt;&gt;&quot;&apos;b");
        assert_eq!(
            escape_text("a\r\nb\u{2028}\tc"),
            "a&#xD;&#xA;b&#x2028;&#x9;c"
        );
        assert_eq!(escape_text("中文/é"), "中文/é");
    }

    #[test]
    fn wrong_root_is_refused() {
        let err = parse_list_objects(b"<ListPartsResult></ListPartsResult>").unwrap_err();
        assert!(
            err.to_string().contains("expected <ListBucketResult>"),
            "{err}"
        );
        assert!(parse_initiate(b"not xml").is_err());
        assert!(parse_initiate(b"<InitiateMultipartUploadResult><UploadId> </UploadId></InitiateMultipartUploadResult>").is_err());
    }

    #[test]
    fn error_body_and_headers() {
        let mut headers = http::HeaderMap::new();
        headers.insert("x-cos-request-id", "hdr-req".parse().unwrap());
        let body = b"<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>NoSuchKey</Code><Message>gone</Message><Resource>r</Resource><RequestId>body-req</RequestId><TraceId>tr</TraceId></Error>";
        let e = service_error(404, &headers, body);
        assert_eq!(
            (e.code(), e.message(), e.request_id(), e.trace_id()),
            ("NoSuchKey", "gone", Some("hdr-req"), Some("tr"))
        );
        assert_eq!(e.resource(), Some("r"));
        let head = service_error(403, &http::HeaderMap::new(), b"");
        assert_eq!(head.code(), "AccessDenied");
        assert!(is_error_body(
            b"   <Error><Code>InternalError</Code></Error>"
        ));
        assert!(!is_error_body(b"<CompleteMultipartUploadResult/>"));
    }

    #[test]
    fn complete_with_leading_whitespace() {
        let body = b"      \n<CompleteMultipartUploadResult xmlns=\"http://www.qcloud.com/document/product/436/7751\"><Location>l</Location><Bucket>b</Bucket><Key>k</Key><ETag>&quot;aa-3&quot;</ETag></CompleteMultipartUploadResult>";
        let out = parse_complete(body).unwrap();
        assert_eq!(out.etag, "\"aa-3\"");
    }

    #[test]
    fn parts_uploads_delete_copy() {
        let parts = parse_list_parts(b"<ListPartsResult><Encoding-type/><Part><PartNumber>1</PartNumber><ETag>&quot;x&quot;</ETag><Size>5</Size></Part><Part><PartNumber>2</PartNumber><ETag>\"y\"</ETag><Size>6</Size></Part><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker></ListPartsResult>").unwrap();
        assert_eq!(parts.parts.len(), 2);
        assert_eq!(parts.parts[1].etag, "\"y\"");
        assert_eq!(parts.next_part_number_marker, Some(2));
        let uploads = parse_list_uploads(b"<ListMultipartUploadsResult><Encoding-Type>url</Encoding-Type><Upload><Key>a%2Fb</Key><UploadId>u1</UploadId><Initiated>t</Initiated></Upload><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>").unwrap();
        assert_eq!(uploads.uploads[0].key, "a/b");
        let deleted = parse_delete_result(b"<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>k</Key><Code>AccessDenied</Code><Message>no</Message></Error><Deleted><Key>b</Key><DeleteMarker>true</DeleteMarker></Deleted></DeleteResult>").unwrap();
        assert_eq!(deleted.deleted.len(), 2);
        assert!(deleted.deleted[1].delete_marker);
        assert_eq!(deleted.failed[0].code, "AccessDenied");
        let no_headers = http::HeaderMap::new();
        let copy = parse_copy(b"<CopyObjectResult><ETag>\"e\"</ETag><LastModified>t</LastModified><CRC64>42</CRC64></CopyObjectResult>", &no_headers).unwrap();
        assert_eq!(copy.crc64, Some(42));
        // Without <CRC64> the header's value is taken; <CopyPartResult> has the same fields.
        let mut headers = http::HeaderMap::new();
        headers.insert("x-cos-hash-crc64ecma", http::HeaderValue::from_static("7"));
        let part = parse_copy_part(
            b"<CopyPartResult><ETag>\"p\"</ETag></CopyPartResult>",
            &headers,
        )
        .unwrap();
        assert_eq!((part.etag.as_str(), part.crc64), ("\"p\"", Some(7)));
        assert!(parse_copy_part(b"<CopyObjectResult/>", &no_headers).is_err());
    }

    proptest! {
        #[test]
        fn bodies_escape_any_key(keys in proptest::collection::vec("(\\PC|[\t\r\n\u{85}\u{2028}]){1,20}", 1..5)) {
            let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
            let body = delete_body(&refs, true);
            #[derive(Deserialize)]
            struct Obj { #[serde(rename = "Key")] key: String }
            #[derive(Deserialize)]
            struct Del { #[serde(rename = "Object")] objects: Vec<Obj> }
            let parsed: Del = quick_xml::de::from_str(&body).unwrap();
            let got: Vec<String> = parsed.objects.into_iter().map(|o| o.key).collect();
            prop_assert_eq!(got, keys);
        }

        #[test]
        fn parsers_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_list_objects(&body);
            let _ = parse_list_parts(&body);
            let _ = parse_complete(&body);
            let _ = service_error(500, &http::HeaderMap::new(), &body);
            crate::fuzzing::parse_responses(&body);
        }
    }
}
