//! PUT, GET, HEAD and DELETE Object.

use super::attrs;
use super::composite_body::CompositeBody;
use crate::clock::http_date_millis;
use crate::cos::error::CosError;
use crate::cos::headers::{self, ByteRange};
use crate::cos::request::Req;
use crate::cos::response::{io_error, set_header};
use crate::etag::crc64_etag_digest;
use crate::http::body::RequestBody;
use crate::http::body::{self, FileBody, FrameSource as _, ResBody};
use crate::state::State;
use crate::storage::{
    Blob, BlobSource, BlobWriter, DigestPipe, Digests, ObjectAttrs, ObjectMeta, Refused,
};
use http::{Response, StatusCode};

/// Query parameters GET/HEAD Object accepts besides the signature ones.
pub(crate) const GET_PARAMS: &[&str] = &["versionId"];

/// Bodies at least this large (or of unknown length) are hashed on a separate thread while
/// they are received; smaller ones inline, where a thread hand-off would cost more.
const PIPELINE_FROM: u64 = 256 * 1024;

/// Streams a request body into a new blob, enforcing the size limit and Content-MD5. The
/// returned `md5` is the ETag digest: the MD5, or in [`crate::EtagMode::Crc64`] (when no
/// Content-MD5 was sent) the CRC-64 and length.
pub(crate) async fn receive(
    state: &State,
    req: &Req,
    mut body: RequestBody,
) -> Result<(crate::storage::Blob, Digests), CosError> {
    let declared = headers::content_length(&req.headers)?;
    let max = state.limits.max_object_size;
    if declared.is_some_and(|len| len > max) {
        return Err(CosError::entity_too_large(
            "Your proposed upload exceeds the maximum allowed object size.",
        ));
    }
    let expected_md5 = headers::content_md5(req.header("content-md5"))?;
    let mut writer: BlobWriter = state
        .store
        .writer(declared.unwrap_or(0).min(1 << 30))
        .map_err(io_error)?;
    let md5_needed = state.cos.etag_mode.needs_md5(expected_md5.is_some());
    let mut pipe = if !md5_needed {
        // CRC-64 alone runs at many GB/s: inline, no hand-off.
        writer = writer.without_md5();
        None
    } else if declared.is_none_or(|len| len >= PIPELINE_FROM) {
        writer = writer.without_digests();
        Some(DigestPipe::start())
    } else {
        None
    };
    let broken = |_| CosError::internal("the digest thread stopped");
    while let Some(chunk) = body
        .next_chunk()
        .await
        .map_err(|e| CosError::from_body(e, "object"))?
    {
        if writer.len().saturating_add(chunk.len() as u64) > max {
            return Err(CosError::entity_too_large(
                "Your proposed upload exceeds the maximum allowed object size.",
            ));
        }
        writer.write(&chunk).map_err(io_error)?;
        if let Some(pipe) = pipe.as_mut() {
            pipe.feed(chunk).await.map_err(broken)?;
        }
    }
    if declared.is_some_and(|len| len != writer.len()) {
        return Err(CosError::incomplete_body());
    }
    let (blob, mut digests) = writer.finish().map_err(io_error)?;
    if let Some(pipe) = pipe {
        match pipe.finish().await {
            Ok(piped) => {
                digests.md5 = piped.md5;
                digests.crc64 = piped.crc64;
            }
            Err(e) => {
                state.store.discard(&blob);
                return Err(broken(e));
            }
        }
    }
    if !md5_needed {
        digests.md5 = crc64_etag_digest(digests.crc64, digests.len);
    }
    if expected_md5.is_some_and(|m| m != digests.md5) {
        state.store.discard(&blob);
        return Err(headers::bad_digest());
    }
    Ok((blob, digests))
}

/// What a write stores with the bytes: headers, storage class and attributes.
pub(crate) struct Description {
    /// Stored response headers and user metadata.
    pub(crate) headers: Vec<(String, String)>,
    /// The storage class.
    pub(crate) storage_class: String,
    /// ACL, tags, encryption.
    pub(crate) attrs: ObjectAttrs,
}

/// Commits a freshly received blob as object `key` of the request's bucket, last modified
/// now, with the ETag (quoted hex MD5), size and CRC-64 taken from `digests`; returns the
/// ETag. Shared by PUT Object and POST Object. With `x-cos-forbid-overwrite: true` an
/// existing key is answered 409 `FileAlreadyExists` (checked atomically with the commit).
pub(crate) fn store_new_object(
    state: &State,
    req: &Req,
    key: String,
    digests: &Digests,
    blob: Blob,
    description: Description,
) -> Result<String, CosError> {
    let forbid_overwrite = match headers::forbid_overwrite(&req.headers) {
        Ok(forbid) => forbid,
        Err(e) => {
            state.store.discard(&blob);
            return Err(e);
        }
    };
    let Description {
        headers,
        storage_class,
        attrs,
    } = description;
    let meta = ObjectMeta {
        key,
        size: digests.len,
        etag: format!("\"{}\"", hex::encode(digests.md5)),
        crc64: digests.crc64,
        last_modified_ms: state.clock.unix_millis(),
        headers,
        storage_class,
        attrs,
    };
    let etag = meta.etag.clone();
    state
        .store
        .put_object_checked(&req.target.bucket, meta, blob, forbid_overwrite)
        .map_err(|refused| match refused {
            Refused::Exists => CosError::file_already_exists(),
            Refused::Io(e) => io_error(e),
        })?;
    Ok(etag)
}

/// PUT Object.
pub(crate) async fn put_object(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let stored = headers::stored_from_request(&req.headers)?;
    let storage_class = headers::storage_class(req.header("x-cos-storage-class"))?;
    headers::forbid_overwrite(&req.headers)?;
    let attrs = attrs::from_request(req)?;
    let (blob, digests) = receive(state, req, body).await?;
    let etag = store_new_object(
        state,
        req,
        req.target.key.clone(),
        &digests,
        blob,
        Description {
            headers: stored,
            storage_class,
            attrs: attrs.clone(),
        },
    )?;
    let mut response = Response::new(body::empty());
    let h = response.headers_mut();
    attrs::echo_sse(h, &attrs);
    set_header(h, "etag", &etag);
    set_header(h, "x-cos-hash-crc64ecma", &digests.crc64.to_string());
    set_header(h, "content-length", "0");
    Ok(response)
}

fn precondition(req: &Req, meta: &ObjectMeta) -> Result<Option<StatusCode>, CosError> {
    let etag_matches = |list: &str| {
        list.split(',')
            .map(|e| e.trim().trim_start_matches("W/"))
            .any(|e| e == "*" || e.trim_matches('"') == meta.etag.trim_matches('"'))
    };
    let modified_secs = meta.last_modified_ms / 1000;
    let parse_date = |v: &str| {
        httpdate::parse_http_date(v)
            .ok()
            .map(crate::clock::unix_seconds)
    };
    let failed = || {
        CosError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold.",
        )
    };
    if let Some(v) = req.header("if-match") {
        if !etag_matches(v) {
            return Err(failed());
        }
    } else if let Some(since) = req.header("if-unmodified-since").and_then(parse_date)
        && modified_secs > since
    {
        return Err(failed());
    }
    if let Some(v) = req.header("if-none-match") {
        if etag_matches(v) {
            return Ok(Some(StatusCode::NOT_MODIFIED));
        }
    } else if let Some(since) = req.header("if-modified-since").and_then(parse_date)
        && modified_secs <= since
    {
        return Ok(Some(StatusCode::NOT_MODIFIED));
    }
    Ok(None)
}

fn object_headers(response: &mut Response<ResBody>, meta: &ObjectMeta, req: &Req) {
    let h = response.headers_mut();
    set_header(h, "etag", &meta.etag);
    set_header(h, "last-modified", &http_date_millis(meta.last_modified_ms));
    set_header(h, "x-cos-hash-crc64ecma", &meta.crc64.to_string());
    set_header(h, "accept-ranges", "bytes");
    if meta.storage_class != "STANDARD" {
        set_header(h, "x-cos-storage-class", &meta.storage_class);
    }
    attrs::echo_on_read(h, &meta.attrs, meta.size);
    let mut has_type = false;
    for (name, value) in &meta.headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            has_type |= name == "content-type";
            h.insert(n, v);
        }
    }
    if !has_type {
        set_header(h, "content-type", "application/octet-stream");
    }
    for (param, header) in [
        ("response-cache-control", "cache-control"),
        ("response-content-disposition", "content-disposition"),
        ("response-content-encoding", "content-encoding"),
        ("response-content-language", "content-language"),
        ("response-content-type", "content-type"),
        ("response-expires", "expires"),
    ] {
        if let Some(v) = req.q(param) {
            set_header(h, header, v);
        }
    }
}

/// GET or HEAD Object.
pub(crate) fn get_object(
    state: &State,
    req: &Req,
    head: bool,
) -> Result<Response<ResBody>, CosError> {
    if req
        .q("versionId")
        .is_some_and(|v| !v.is_empty() && v != "null")
    {
        return Err(CosError::new(
            StatusCode::NOT_FOUND,
            "NoSuchVersion",
            "The specified version does not exist.",
        ));
    }
    let (meta, source) = if head {
        let meta = state
            .store
            .head_object(&req.target.bucket, &req.target.key)
            .map_err(io_error)?
            .ok_or_else(CosError::no_such_key)?;
        (meta, None)
    } else {
        let (meta, source) = state
            .store
            .get_object(&req.target.bucket, &req.target.key)
            .map_err(io_error)?
            .ok_or_else(CosError::no_such_key)?;
        (meta, Some(source))
    };
    attrs::check_read_key(&meta.attrs, &req.headers, "x-cos-")?;
    if let Some(status) = precondition(req, &meta)? {
        let mut response = Response::new(body::empty());
        *response.status_mut() = status;
        let h = response.headers_mut();
        set_header(h, "etag", &meta.etag);
        set_header(h, "last-modified", &http_date_millis(meta.last_modified_ms));
        return Ok(response);
    }
    let range = match headers::parse_range(req.header("range"), meta.size) {
        Ok(r) => r,
        Err(mut e) => {
            e.extra.clear();
            return Err(e);
        }
    };
    let ByteRange { start, end } = range.unwrap_or(ByteRange {
        start: 0,
        end: meta.size.saturating_sub(1),
    });
    let len = if meta.size == 0 { 0 } else { end - start + 1 };
    let body = match source {
        None => body::empty(),
        Some(BlobSource::Memory(bytes)) => {
            let from = usize::try_from(start).unwrap_or(usize::MAX);
            let to = usize::try_from(start + len).unwrap_or(usize::MAX);
            if to > bytes.len() || from > to {
                return Err(CosError::internal("object data shorter than its metadata"));
            }
            body::full(bytes.slice(from..to))
        }
        Some(BlobSource::File(mut file)) => {
            use std::io::Seek as _;
            file.seek(std::io::SeekFrom::Start(start))
                .map_err(io_error)?;
            FileBody::new(file, len).into_body()
        }
        Some(BlobSource::Composite(composite)) => {
            CompositeBody::new(composite, start, len).into_body()
        }
    };
    let mut response = Response::new(body);
    object_headers(&mut response, &meta, req);
    set_header(response.headers_mut(), "content-length", &len.to_string());
    if range.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        set_header(
            response.headers_mut(),
            "content-range",
            &format!("bytes {start}-{end}/{}", meta.size),
        );
    }
    Ok(response)
}

/// DELETE Object: 204 whether or not the key existed.
pub(crate) fn delete_object(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    state
        .store
        .delete_object(&req.target.bucket, &req.target.key)
        .map_err(io_error)?;
    let mut response = Response::new(body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}
