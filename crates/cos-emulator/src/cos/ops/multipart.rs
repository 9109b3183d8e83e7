//! Multipart upload: Initiate, Upload Part, Complete, Abort, List Parts, List Multipart Uploads.

use super::bucket::{encode_key, encoding, max_param};
use crate::clock::iso8601_millis;
use crate::cos::error::CosError;
use crate::cos::headers;
use crate::cos::request::{Req, read_checked_document};
use crate::cos::response::{io_error, set_header, xml_response};
use crate::cos::xml::{Xml, field, parse_items};
use crate::http::body::RequestBody;
use crate::http::body::{self, ResBody};
use crate::state::State;
use crate::storage::{CompleteError, MAX_PART_NUMBER, PartMeta, UploadMeta};
use http::{Response, StatusCode};

fn upload_id(req: &Req) -> Result<&str, CosError> {
    req.q("uploadId")
        .filter(|u| !u.is_empty())
        .ok_or_else(CosError::no_such_upload)
}

/// The `partNumber` parameter, 1 to 10000.
pub(crate) fn part_number(req: &Req) -> Result<u32, CosError> {
    req.q("partNumber")
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            CosError::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
        })
}

/// The `uploadId` parameter, naming an open upload of the request's object.
pub(crate) fn open_upload_id<'r>(state: &State, req: &'r Req) -> Result<&'r str, CosError> {
    let upload_id = upload_id(req)?;
    if state
        .store
        .upload(&req.target.bucket, &req.target.key, upload_id)
        .map_err(io_error)?
        .is_none()
    {
        return Err(CosError::no_such_upload());
    }
    Ok(upload_id)
}

/// Initiate Multipart Upload.
pub(crate) fn initiate(
    state: &State,
    req: &Req,
    initiator: &str,
) -> Result<Response<ResBody>, CosError> {
    let stored = headers::stored_from_request(&req.headers)?;
    let storage_class = headers::storage_class(req.header("x-cos-storage-class"))?;
    if headers::forbid_overwrite(&req.headers)?
        && state
            .store
            .head_object(&req.target.bucket, &req.target.key)
            .map_err(io_error)?
            .is_some()
    {
        // Refused early; Complete checks again, atomically, when it carries the header.
        return Err(CosError::file_already_exists());
    }
    let attrs = super::attrs::from_request(req)?;
    let upload_id = crate::ids::upload_id(state.clock.unix());
    state
        .store
        .create_upload(UploadMeta {
            upload_id: upload_id.clone(),
            bucket: req.target.bucket.clone(),
            key: req.target.key.clone(),
            initiated_ms: state.clock.unix_millis(),
            headers: stored,
            storage_class,
            initiator: initiator.to_string(),
            attrs: attrs.clone(),
        })
        .map_err(io_error)?;
    let xml = Xml::new()
        .open("InitiateMultipartUploadResult")
        .elem("Bucket", &req.target.bucket)
        .elem("Key", &req.target.key)
        .elem("UploadId", &upload_id)
        .close("InitiateMultipartUploadResult")
        .finish();
    let mut response = xml_response(xml);
    super::attrs::echo_sse(response.headers_mut(), &attrs);
    Ok(response)
}

/// Upload Part.
pub(crate) async fn upload_part(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let number = part_number(req)?;
    let upload_id = open_upload_id(state, req)?;
    if req.header("content-length").is_none() {
        return Err(CosError::new(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
        ));
    }
    // An SSE-C upload needs its key with every part, as on COS.
    let upload = state
        .store
        .upload(&req.target.bucket, &req.target.key, upload_id)
        .map_err(io_error)?
        .ok_or_else(CosError::no_such_upload)?;
    super::attrs::check_read_key(&upload.attrs, &req.headers, "x-cos-")?;
    let (blob, digests) = super::object::receive(state, req, body).await?;
    let part = PartMeta {
        number,
        size: digests.len,
        md5: digests.md5,
        crc64: digests.crc64,
        last_modified_ms: state.clock.unix_millis(),
    };
    let etag = part.etag();
    let stored = state
        .store
        .put_part(&req.target.bucket, &req.target.key, upload_id, part, blob)
        .map_err(io_error)?;
    if !stored {
        return Err(CosError::no_such_upload());
    }
    let mut response = Response::new(body::empty());
    let h = response.headers_mut();
    set_header(h, "etag", &etag);
    set_header(h, "x-cos-hash-crc64ecma", &digests.crc64.to_string());
    set_header(h, "content-length", "0");
    super::attrs::echo_sse(h, &upload.attrs);
    Ok(response)
}

/// Complete Multipart Upload.
pub(crate) async fn complete(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let upload_id = upload_id(req)?.to_string();
    let forbid_overwrite = headers::forbid_overwrite(&req.headers)?;
    let doc = read_checked_document(state, req, body).await?;
    let parsed =
        parse_items(&doc, "Part", MAX_PART_NUMBER as usize).ok_or_else(CosError::malformed_xml)?;
    if parsed.root != "CompleteMultipartUpload" {
        return Err(CosError::malformed_xml());
    }
    let mut listed = Vec::with_capacity(parsed.items.len());
    for item in &parsed.items {
        let number = field(item, "PartNumber")
            .and_then(|n| n.trim().parse::<u32>().ok())
            .ok_or_else(CosError::malformed_xml)?;
        let etag = field(item, "ETag").ok_or_else(CosError::malformed_xml)?;
        listed.push((number, etag.to_string()));
    }
    let meta = state
        .store
        .complete_upload_checked(
            &req.target.bucket,
            &req.target.key,
            &upload_id,
            &listed,
            state.clock.unix_millis(),
            forbid_overwrite,
        )
        .map_err(|e| match e {
            CompleteError::NoSuchUpload => CosError::no_such_upload(),
            CompleteError::NoParts => CosError::malformed_xml(),
            CompleteError::InvalidPartOrder => CosError::bad_request(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            ),
            CompleteError::InvalidPart(n) => CosError::bad_request(
                "InvalidPart",
                format!("One or more of the specified parts could not be found or the ETag did not match (part {n})."),
            ),
            CompleteError::EntityTooSmall(n) => CosError::bad_request(
                "EntityTooSmall",
                format!("Your proposed upload is smaller than the minimum allowed object size (part {n})."),
            ),
            CompleteError::AlreadyExists => CosError::file_already_exists(),
            CompleteError::Io(m) => CosError::internal(m),
        })?;
    let location = format!(
        "http://{}/{}",
        req.target.host,
        encode_key(&req.target.key, true)
    );
    let xml = Xml::new()
        .open_with(
            "CompleteMultipartUploadResult",
            "xmlns=\"http://www.qcloud.com/document/product/436/7751\"",
        )
        .elem("Location", &location)
        .elem("Bucket", &req.target.bucket)
        .elem("Key", &req.target.key)
        .elem("ETag", &meta.etag)
        .close("CompleteMultipartUploadResult")
        .finish();
    let mut response = xml_response(xml);
    set_header(
        response.headers_mut(),
        "x-cos-hash-crc64ecma",
        &meta.crc64.to_string(),
    );
    super::attrs::echo_sse(response.headers_mut(), &meta.attrs);
    Ok(response)
}

/// Abort Multipart Upload.
pub(crate) fn abort(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let upload_id = upload_id(req)?;
    if !state
        .store
        .abort_upload(&req.target.bucket, &req.target.key, upload_id)
        .map_err(io_error)?
    {
        return Err(CosError::no_such_upload());
    }
    let mut response = Response::new(body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}

fn initiator(x: &mut Xml, state: &State, id: &str) {
    x.open("Initiator")
        .elem("ID", id)
        .elem("DisplayName", id.rsplit('/').next().unwrap_or(id))
        .close("Initiator");
    x.open("Owner")
        .elem("ID", &state.cos.appid)
        .elem("DisplayName", &state.cos.appid)
        .close("Owner");
}

/// List Parts.
pub(crate) fn list_parts(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let url = encoding(req)?;
    let upload_id = upload_id(req)?;
    let max_parts = max_param(req, "max-parts")?;
    let marker: u32 = match req.q("part-number-marker") {
        None | Some("") => 0,
        Some(v) => v
            .parse()
            .map_err(|_| CosError::invalid_argument("Invalid part-number-marker."))?,
    };
    let (upload, parts) = state
        .store
        .list_parts(&req.target.bucket, &req.target.key, upload_id)
        .map_err(io_error)?
        .ok_or_else(CosError::no_such_upload)?;
    let remaining: Vec<&PartMeta> = parts.iter().filter(|p| p.number > marker).collect();
    let truncated = remaining.len() > max_parts;
    let page: Vec<&PartMeta> = remaining.into_iter().take(max_parts).collect();
    let mut x = Xml::new();
    x.open("ListPartsResult").elem("Bucket", &req.target.bucket);
    if url {
        x.elem("EncodingType", "url");
    }
    x.elem("Key", &encode_key(&upload.key, url))
        .elem("UploadId", &upload.upload_id);
    initiator(&mut x, state, &upload.initiator);
    x.elem("PartNumberMarker", &marker.to_string());
    for p in &page {
        x.open("Part")
            .elem("PartNumber", &p.number.to_string())
            .elem("LastModified", &iso8601_millis(p.last_modified_ms))
            .elem("ETag", &p.etag())
            .elem("Size", &p.size.to_string())
            .close("Part");
    }
    x.elem("StorageClass", &upload.storage_class)
        .elem("MaxParts", &max_parts.to_string())
        .elem("IsTruncated", if truncated { "true" } else { "false" });
    if let Some(last) = page.last().filter(|_| truncated) {
        x.elem("NextPartNumberMarker", &last.number.to_string());
    }
    x.close("ListPartsResult");
    Ok(xml_response(x.finish()))
}

/// List Multipart Uploads.
pub(crate) fn list_uploads(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let url = encoding(req)?;
    let prefix = req.q("prefix").unwrap_or_default();
    let delimiter = req.q("delimiter").filter(|d| !d.is_empty());
    let key_marker = req.q("key-marker").unwrap_or_default();
    let id_marker = req.q("upload-id-marker").unwrap_or_default();
    let max = max_param(req, "max-uploads")?;
    let all = state
        .store
        .list_uploads(&req.target.bucket, prefix)
        .map_err(io_error)?;
    let mut uploads = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut truncated = false;
    let mut next: Option<(String, String)> = None;
    for u in all {
        let (k, id) = (u.meta.key.as_str(), u.meta.upload_id.as_str());
        let after = if id_marker.is_empty() {
            k > key_marker
        } else {
            (k, id) > (key_marker, id_marker)
        };
        if !key_marker.is_empty() && !after {
            continue;
        }
        let rolled = delimiter.and_then(|d| {
            let rest = k.get(prefix.len()..)?;
            rest.find(d)
                .and_then(|i| k.get(..prefix.len() + i + d.len()))
        });
        if let Some(cp) = rolled
            && prefixes.last().map(String::as_str) == Some(cp)
        {
            continue;
        }
        if uploads.len() + prefixes.len() == max {
            truncated = true;
            break;
        }
        match rolled {
            Some(cp) => {
                prefixes.push(cp.to_string());
                next = Some((cp.to_string(), String::new()));
            }
            None => {
                next = Some((k.to_string(), id.to_string()));
                uploads.push(u.meta);
            }
        }
    }
    let mut x = Xml::new();
    x.open("ListMultipartUploadsResult")
        .elem("Bucket", &req.target.bucket);
    if url {
        x.elem("EncodingType", "url");
    }
    x.elem("KeyMarker", &encode_key(key_marker, url))
        .elem("UploadIdMarker", id_marker);
    if let Some((k, id)) = next.as_ref().filter(|_| truncated) {
        x.elem("NextKeyMarker", &encode_key(k, url))
            .elem("NextUploadIdMarker", id);
    }
    x.elem("MaxUploads", &max.to_string())
        .elem("IsTruncated", if truncated { "true" } else { "false" })
        .elem("Prefix", &encode_key(prefix, url));
    if let Some(d) = delimiter {
        x.elem("Delimiter", d);
    }
    for u in &uploads {
        x.open("Upload")
            .elem("Key", &encode_key(&u.key, url))
            .elem("UploadId", &u.upload_id)
            .elem("StorageClass", &u.storage_class);
        initiator(&mut x, state, &u.initiator);
        x.elem("Initiated", &iso8601_millis(u.initiated_ms))
            .close("Upload");
    }
    for cp in &prefixes {
        x.open("CommonPrefixes")
            .elem("Prefix", &encode_key(cp, url))
            .close("CommonPrefixes");
    }
    x.close("ListMultipartUploadsResult");
    Ok(xml_response(x.finish()))
}
