//! Bucket-level operations: GET Bucket (List Objects), HEAD Bucket, DELETE Multiple Objects.

use crate::clock::iso8601_millis;
use crate::cos::error::CosError;
use crate::cos::headers;
use crate::cos::request::{Req, read_required_document};
use crate::cos::response::{io_error, set_header, xml_response};
use crate::cos::xml::{Xml, field, parse_items};
use crate::http::body::RequestBody;
use crate::http::body::{self, ResBody};
use crate::state::State;
use cos_core::encoding::{EncodeSet, encode};
use http::Response;

/// Encodes a key when `encoding-type=url` was requested (RFC 3986 unreserved and `/` kept).
pub(crate) fn encode_key(value: &str, url: bool) -> String {
    if url {
        encode(value, EncodeSet::PATH)
    } else {
        value.to_string()
    }
}

/// Parses `encoding-type` (only `url` is valid).
pub(crate) fn encoding(req: &Req) -> Result<bool, CosError> {
    match req.q("encoding-type") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("url") => Ok(true),
        Some(_) => Err(CosError::invalid_argument(
            "Invalid Encoding Method specified in Request",
        )),
    }
}

/// Parses a `max-*` parameter: default and maximum 1000.
pub(crate) fn max_param(req: &Req, name: &str) -> Result<usize, CosError> {
    match req.q(name) {
        None | Some("") => Ok(1000),
        Some(v) => v.parse::<usize>().map(|n| n.min(1000)).map_err(|_| {
            CosError::invalid_argument(format!(
                "Argument {name} must be an integer between 0 and 1000."
            ))
        }),
    }
}

/// GET Bucket.
pub(crate) fn list_objects(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let url = encoding(req)?;
    let prefix = req.q("prefix").unwrap_or_default();
    let marker = req.q("marker").unwrap_or_default();
    let delimiter = req.q("delimiter").filter(|d| !d.is_empty());
    if delimiter.is_some_and(|d| d.chars().count() != 1) {
        return Err(CosError::bad_request(
            "InvalidDelimiter",
            "The delimiter must be one character.",
        ));
    }
    let max_keys = max_param(req, "max-keys")?;
    let page = state
        .store
        .list_objects(&req.target.bucket, prefix, delimiter, marker, max_keys)
        .map_err(io_error)?;
    let mut x = Xml::new();
    x.open("ListBucketResult").elem("Name", &req.target.bucket);
    if url {
        x.elem("EncodingType", "url");
    }
    x.elem("Prefix", &encode_key(prefix, url))
        .elem("Marker", &encode_key(marker, url))
        .elem("MaxKeys", &max_keys.to_string());
    if let Some(d) = delimiter {
        x.elem("Delimiter", &encode_key(d, url));
    }
    x.elem("IsTruncated", if page.truncated { "true" } else { "false" });
    if let Some(next) = page.next_marker.as_deref().filter(|_| page.truncated) {
        x.elem("NextMarker", &encode_key(next, url));
    }
    for cp in &page.common_prefixes {
        x.open("CommonPrefixes")
            .elem("Prefix", &encode_key(cp, url))
            .close("CommonPrefixes");
    }
    for meta in &page.contents {
        x.open("Contents")
            .elem("Key", &encode_key(&meta.key, url))
            .elem("LastModified", &iso8601_millis(meta.last_modified_ms))
            .elem("ETag", &meta.etag)
            .elem("Size", &meta.size.to_string())
            .open("Owner")
            .elem("ID", &state.cos.appid)
            .elem("DisplayName", &state.cos.appid)
            .close("Owner")
            .elem("StorageClass", &meta.storage_class)
            .close("Contents");
    }
    x.close("ListBucketResult");
    let mut response = xml_response(x.finish());
    set_header(
        response.headers_mut(),
        "x-cos-bucket-region",
        &state.cos.region,
    );
    Ok(response)
}

/// HEAD Bucket.
pub(crate) fn head_bucket(state: &State, _req: &Req) -> Result<Response<ResBody>, CosError> {
    let mut response = Response::new(body::empty());
    set_header(
        response.headers_mut(),
        "x-cos-bucket-region",
        &state.cos.region,
    );
    set_header(response.headers_mut(), "content-length", "0");
    Ok(response)
}

/// DELETE Multiple Objects: each key authorized with `authorize_key`; failures are
/// `<Error>` entries.
pub(crate) async fn delete_multiple(
    state: &State,
    req: &Req,
    authorize_key: &(dyn Fn(&str) -> Result<(), CosError> + Sync),
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let doc = read_required_document(state, req, body).await?;
    let parsed = parse_items(&doc, "Object", 1000).ok_or_else(CosError::malformed_xml)?;
    if parsed.root != "Delete" || parsed.items.is_empty() {
        return Err(CosError::malformed_xml());
    }
    let quiet =
        field(&parsed.fields, "Quiet").is_some_and(|q| q.trim().eq_ignore_ascii_case("true"));
    let mut x = Xml::new();
    x.open("DeleteResult");
    for item in &parsed.items {
        let key = field(item, "Key").unwrap_or_default();
        let outcome = headers::check_key(key)
            .and_then(|()| authorize_key(key))
            .and_then(|()| {
                state
                    .store
                    .delete_object(&req.target.bucket, key)
                    .map_err(io_error)
            });
        match outcome {
            Ok(_) if quiet => {}
            Ok(_) => {
                x.open("Deleted").elem("Key", key).close("Deleted");
            }
            Err(e) => {
                x.open("Error")
                    .elem("Key", key)
                    .elem("Code", e.code)
                    .elem("Message", &e.message)
                    .close("Error");
            }
        }
    }
    x.close("DeleteResult");
    Ok(xml_response(x.finish()))
}
