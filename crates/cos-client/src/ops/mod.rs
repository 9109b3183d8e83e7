//! Object, bucket-listing and multipart operations, one module per concern, and the
//! helpers they share.

use base64::Engine;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName};
use http_body_util::BodyExt;
use md5::{Digest, Md5};

use crate::client::{Answer, Client, Op, header_string};
use crate::crc64;
use crate::model::{ObjectMetadata, PutObjectOutput};
use crate::options::FORBID_OVERWRITE;
use crate::{Error, key};

mod body;
mod listing;
pub(crate) mod multipart;
mod object;
mod stream_upload;

pub use listing::ObjectLister;
pub use multipart::UploadedPart;
pub use object::{CopySource, GetObjectResponse};
pub use stream_upload::StreamUploadOptions;

/// The next frame of a response body, failing when none arrives within `idle_timeout`.
pub(crate) async fn next_frame(
    body: &mut hyper::body::Incoming,
    idle_timeout: std::time::Duration,
) -> Result<Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>, Error> {
    tokio::time::timeout(idle_timeout, body.frame())
        .await
        .map_err(|_| Error::Timeout {
            operation: "GetObject",
            after: idle_timeout,
        })
}

pub(crate) fn object_metadata(headers: &http::HeaderMap) -> ObjectMetadata {
    let content_length = header_string(headers, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let content_range = header_string(headers, "content-range");
    let object_size = content_range
        .as_deref()
        .and_then(|v| v.rsplit_once('/').and_then(|(_, total)| total.parse().ok()))
        .unwrap_or(content_length);
    let metadata = headers
        .iter()
        .filter_map(|(name, value)| {
            let suffix = name.as_str().strip_prefix("x-cos-meta-")?;
            Some((suffix.to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    ObjectMetadata {
        content_length,
        object_size,
        content_range: content_range.as_deref().and_then(parse_content_range),
        content_type: header_string(headers, "content-type"),
        cache_control: header_string(headers, "cache-control"),
        content_disposition: header_string(headers, "content-disposition"),
        content_encoding: header_string(headers, "content-encoding"),
        etag: header_string(headers, "etag"),
        last_modified: header_string(headers, "last-modified"),
        crc64: crc64::parse_header(headers),
        storage_class: header_string(headers, "x-cos-storage-class"),
        version_id: header_string(headers, "x-cos-version-id"),
        metadata,
    }
}

/// `bytes <first>-<last>/<size>` as `first..=last`.
fn parse_content_range(value: &str) -> Option<std::ops::RangeInclusive<u64>> {
    let (span, _) = value.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let (first, last) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (first <= last).then_some(first..=last)
}

pub(crate) fn verify_crc(
    what: impl Into<String>,
    local: u64,
    answer: &Answer,
) -> Result<Option<u64>, Error> {
    match crc64::parse_header(&answer.headers) {
        Some(server) if server != local => Err(Error::ChecksumMismatch {
            what: what.into(),
            local,
            server,
        }),
        other => Ok(other),
    }
}

fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

pub(crate) fn xml_op(op: Op, body: String) -> Result<Op, Error> {
    let md5 = content_md5(body.as_bytes());
    Ok(op
        .header(CONTENT_TYPE, "application/xml")?
        .header(HeaderName::from_static("content-md5"), &md5)?
        .body(Bytes::from(body)))
}

pub(crate) fn checked_key(key: &str) -> Result<Option<&str>, Error> {
    key::validate(key)?;
    Ok(Some(key))
}

/// A create-only PUT that was sent more than once and refused with 409 `FileAlreadyExists`
/// may have been refused because of its own earlier attempt, whose answer was lost on the
/// way back. When the object now under `key` has exactly the CRC-64 of the bytes sent, that
/// earlier attempt created it: the PUT succeeded. Otherwise the refusal stands.
pub(crate) async fn own_earlier_create(
    client: &Client,
    op: &Op,
    error: Error,
    key: &str,
    local: Option<u64>,
) -> Result<PutObjectOutput, Error> {
    let refused_as_existing = error
        .service()
        .is_some_and(|s| s.status() == 409 && s.code() == "FileAlreadyExists");
    let create_only = op
        .headers
        .iter()
        .any(|(name, _)| name.as_str() == FORBID_OVERWRITE);
    let resent = op.attempts.load(std::sync::atomic::Ordering::Relaxed) > 1;
    if !(refused_as_existing && create_only && resent) {
        return Err(error);
    }
    match (client.head_object(key).await, local) {
        (Ok(head), Some(local)) if head.crc64 == Some(local) => {
            tracing::debug!(
                key,
                "create-only PUT: the lost earlier attempt created the object"
            );
            Ok(PutObjectOutput {
                etag: head.etag,
                crc64: head.crc64,
                version_id: head.version_id,
                request_id: None,
            })
        }
        _ => Err(error),
    }
}

pub(crate) fn put_output(answer: &Answer, local: u64) -> Result<PutObjectOutput, Error> {
    let crc64 = verify_crc("object", local, answer)?;
    Ok(PutObjectOutput {
        etag: answer.header("etag"),
        crc64,
        version_id: answer.header("x-cos-version-id"),
        request_id: answer.header("x-cos-request-id"),
    })
}
