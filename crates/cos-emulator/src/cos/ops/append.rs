//! APPEND Object: `POST /<key>?append&position=N`.
//!
//! The first append (position 0, no object yet) creates an appendable object with the
//! request's headers, ACL, tags and storage class; each later one must name the current
//! length (else 409 `AppendPositionErr`) of an appendable object (a normal object:
//! 409 `ObjectNotAppendable`). The stored object is a new blob of the old bytes and the
//! chunk, so its CRC-64 covers the whole object. A PUT Object over it makes it normal again.

use super::{attrs, object};
use crate::cos::error::CosError;
use crate::cos::headers;
use crate::cos::request::Req;
use crate::cos::response::{io_error, set_header};
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use crate::storage::{BlobSource, ObjectMeta};
use http::{Response, StatusCode};
use std::sync::Arc;

fn not_appendable() -> CosError {
    CosError::new(
        StatusCode::CONFLICT,
        "ObjectNotAppendable",
        "The object is not appendable.",
    )
}

/// APPEND Object.
pub(crate) async fn append(
    state: &Arc<State>,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let position: u64 = req
        .q("position")
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| {
            CosError::invalid_argument("The position parameter is missing or invalid.")
        })?;
    let (bucket, key) = (&req.target.bucket, &req.target.key);
    let current = state.store.get_object(bucket, key).map_err(io_error)?;
    match &current {
        Some((meta, _)) if !meta.attrs.appendable => return Err(not_appendable()),
        Some((meta, _)) if meta.size != position => return Err(attrs::position_error()),
        None if position != 0 => return Err(attrs::position_error()),
        _ => {}
    }
    let (headers_to_store, class, attrs) = match &current {
        Some((meta, _)) => (
            meta.headers.clone(),
            meta.storage_class.clone(),
            meta.attrs.clone(),
        ),
        None => {
            let mut attrs = attrs::from_request(req)?;
            attrs.appendable = true;
            (
                headers::stored_from_request(&req.headers)?,
                headers::storage_class(req.header("x-cos-storage-class"))?,
                attrs,
            )
        }
    };
    let (chunk, chunk_digests) = object::receive(state, req, body).await?;
    let opened_chunk = match BlobSource::open(&chunk) {
        Ok(o) => o,
        Err(e) => {
            state.store.discard(&chunk);
            return Err(io_error(e));
        }
    };
    let expected_etag = current.as_ref().map(|(m, _)| m.etag.clone());
    let mut sources: Vec<BlobSource> = current.map(|(_, s)| s).into_iter().collect();
    sources.push(opened_chunk);
    let total = position.saturating_add(chunk_digests.len);
    let store_state = Arc::clone(state);
    let joined =
        tokio::task::spawn_blocking(move || store_state.store.concat(sources, total)).await;
    state.store.discard(&chunk);
    let (blob, digests) = joined
        .map_err(|_| CosError::internal("the append was interrupted"))?
        .map_err(io_error)?;
    let meta = ObjectMeta {
        key: key.clone(),
        size: digests.len,
        etag: format!("\"{}\"", hex::encode(digests.md5)),
        crc64: digests.crc64,
        last_modified_ms: state.clock.unix_millis(),
        headers: headers_to_store,
        storage_class: class,
        attrs,
    };
    let etag = meta.etag.clone();
    let next = meta.size;
    let committed = state
        .store
        .put_object_if(bucket, meta, blob, |now| match (now, &expected_etag) {
            (None, None) => true,
            (Some(now), Some(expected)) => now.etag == *expected && now.size == position,
            _ => false,
        })
        .map_err(io_error)?;
    if !committed {
        return Err(attrs::position_error());
    }
    let mut response = Response::new(body::empty());
    let h = response.headers_mut();
    set_header(h, "etag", &etag);
    set_header(h, "x-cos-next-append-position", &next.to_string());
    set_header(h, "x-cos-content-sha1", &hex::encode(chunk_digests.md5));
    set_header(h, "x-cos-hash-crc64ecma", &digests.crc64.to_string());
    set_header(h, "content-length", "0");
    Ok(response)
}
