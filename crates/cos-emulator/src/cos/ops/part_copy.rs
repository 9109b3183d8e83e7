//! Upload Part - Copy: a part of a multipart upload taken from an existing object (all of it,
//! or the bytes `x-cos-copy-source-range: bytes=first-last` names), copied inside the
//! emulator. As on COS, a temporary key needs `PutObject` (not `UploadPart`) on the
//! destination and `GetObject` on the source; the `x-cos-copy-source-If-*` preconditions
//! apply. The answer is `<CopyPartResult>` with the part's ETag, LastModified and CRC64.

use super::copy::{CopySource, copy_result, open_source};
use super::multipart::{open_upload_id, part_number};
use crate::cos::error::CosError;
use crate::cos::request::Req;
use crate::cos::response::io_error;
use crate::etag::crc64_etag_digest;
use crate::http::body::ResBody;
use crate::state::State;
use crate::storage::PartMeta;
use http::Response;
use std::sync::Arc;

/// The largest part COS accepts (5 GB).
const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// `(first byte, length)` of the range to copy from an object of `size` bytes. An absent
/// or empty header copies the whole object: cos-python-sdk-v5's `upload_part_copy` always
/// sends `x-cos-copy-source-range`, empty unless a range is given, and COS copies the whole
/// source then.
pub(crate) fn copy_range(value: Option<&str>, size: u64) -> Result<(u64, u64), CosError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok((0, size));
    };
    let invalid = || {
        CosError::invalid_argument(
            "The x-cos-copy-source-range value must be of the form bytes=first-last where \
             first and last are the zero-based offsets of the first and last bytes to copy.",
        )
    };
    let (first, last) = value
        .trim()
        .strip_prefix("bytes=")
        .and_then(|r| r.split_once('-'))
        .ok_or_else(invalid)?;
    let digits = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let (first, last) = digits(first).zip(digits(last)).ok_or_else(invalid)?;
    if first > last {
        return Err(invalid());
    }
    if last >= size {
        return Err(CosError::new(
            http::StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The requested range is not satisfiable.",
        ));
    }
    Ok((first, last - first + 1))
}

/// Upload Part - Copy.
pub(crate) async fn upload_part_copy(
    state: &Arc<State>,
    req: &Req,
    source: CopySource,
) -> Result<Response<ResBody>, CosError> {
    let number = part_number(req)?;
    let upload_id = open_upload_id(state, req)?.to_owned();
    let upload = state
        .store
        .upload(&req.target.bucket, &req.target.key, &upload_id)
        .map_err(io_error)?
        .ok_or_else(CosError::no_such_upload)?;
    super::attrs::check_read_key(&upload.attrs, &req.headers, "x-cos-")?;
    let (source_meta, opened) = open_source(state, req, &source)?;
    let (start, len) = copy_range(req.header("x-cos-copy-source-range"), source_meta.size)?;
    if len > MAX_PART_SIZE {
        return Err(CosError::entity_too_large(
            "Your proposed upload exceeds the maximum allowed part size.",
        ));
    }
    let with_md5 = state.cos.etag_mode.needs_md5(false);
    let copier = Arc::clone(state);
    let (blob, mut digests) =
        tokio::task::spawn_blocking(move || copier.store.copy_range(opened, start, len, with_md5))
            .await
            .map_err(|_| CosError::internal("the copy was interrupted"))?
            .map_err(io_error)?;
    if !with_md5 {
        digests.md5 = crc64_etag_digest(digests.crc64, digests.len);
    }
    let part = PartMeta {
        number,
        size: digests.len,
        md5: digests.md5,
        crc64: digests.crc64,
        last_modified_ms: state.clock.unix_millis(),
    };
    let (etag, crc64, modified) = (part.etag(), part.crc64, part.last_modified_ms);
    let stored = state
        .store
        .put_part(&req.target.bucket, &req.target.key, &upload_id, part, blob)
        .map_err(io_error)?;
    if !stored {
        return Err(CosError::no_such_upload());
    }
    Ok(copy_result("CopyPartResult", &etag, modified, crc64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ranges() {
        assert_eq!(copy_range(None, 10).unwrap(), (0, 10));
        assert_eq!(copy_range(None, 0).unwrap(), (0, 0));
        assert_eq!(copy_range(Some(""), 10).unwrap(), (0, 10));
        assert_eq!(copy_range(Some(" "), 10).unwrap(), (0, 10));
        assert_eq!(copy_range(Some("bytes=0-0"), 10).unwrap(), (0, 1));
        assert_eq!(copy_range(Some("bytes=3-9"), 10).unwrap(), (3, 7));
        assert_eq!(copy_range(Some(" bytes=3-9 "), 10).unwrap(), (3, 7));
        for bad in [
            "bytes=5-4",
            "bytes=-4",
            "bytes=4-",
            "3-9",
            "bytes=a-b",
            "bytes=+1-2",
        ] {
            assert_eq!(
                copy_range(Some(bad), 10).unwrap_err().code,
                "InvalidArgument",
                "{bad}"
            );
        }
        assert_eq!(
            copy_range(Some("bytes=0-10"), 10).unwrap_err().code,
            "InvalidRange"
        );
    }

    proptest! {
        #[test]
        fn any_header_value_gives_a_range_inside_or_an_error(value in ".{0,40}", size in 0u64..1000) {
            if let Ok((start, len)) = copy_range(Some(&value), size) {
                if value.trim().is_empty() {
                    prop_assert_eq!((start, len), (0, size));
                } else {
                    prop_assert!(len >= 1 && start + len <= size);
                }
            }
        }
    }
}
