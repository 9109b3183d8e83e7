//! PUT Object - Copy (`x-cos-copy-source`).
//!
//! The source is `<bucket>-<appid>.cos.<region>.myqcloud.com/<key>` (any host whose first
//! label is a configured bucket) or `/<bucket>/<key>`, the key URL-encoded; a `?versionId=`
//! suffix other than `null` gets `NoSuchVersion`. A temporary key needs `PutObject` on the
//! destination and `GetObject` on the source. `x-cos-metadata-directive: Copy` (the default)
//! keeps the source's content headers and user metadata, `Replaced` takes them from the
//! request. The `x-cos-copy-source-If-*` preconditions are checked against the source.

use crate::clock::iso8601_millis;
use crate::cos::error::CosError;
use crate::cos::request::Req;
use crate::cos::response::{io_error, set_header, xml_response};
use crate::cos::xml::Xml;
use crate::cos::{headers, route};
use crate::http::body::ResBody;
use crate::state::State;
use crate::storage::{BlobSource, ObjectMeta};
use http::{Response, StatusCode};
use std::sync::Arc;

/// Where a copy reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CopySource {
    /// The source bucket (`name-appid`).
    pub(crate) bucket: String,
    /// The decoded source key.
    pub(crate) key: String,
}

/// Parses `x-cos-copy-source` against the configured buckets.
pub(crate) fn parse_source(value: &str, buckets: &[String]) -> Result<CopySource, CosError> {
    let invalid = || CosError::invalid_argument("The x-cos-copy-source header is invalid.");
    let value = value.trim();
    let value = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
        .unwrap_or(value);
    let (location, version) = match value.split_once('?') {
        Some((location, query)) => (location, Some(query)),
        None => (value, None),
    };
    if let Some(query) = version {
        let version_id = query
            .split('&')
            .find_map(|p| p.strip_prefix("versionId="))
            .ok_or_else(invalid)?;
        if !version_id.is_empty() && version_id != "null" {
            return Err(CosError::new(
                StatusCode::NOT_FOUND,
                "NoSuchVersion",
                "The specified version does not exist.",
            ));
        }
    }
    let (host, raw_path) = if location.starts_with('/') {
        ("", location)
    } else {
        let slash = location.find('/').ok_or_else(invalid)?;
        location.split_at(slash)
    };
    let first_label = host.split('.').next().unwrap_or_default();
    let path_bucket = raw_path
        .strip_prefix('/')
        .and_then(|p| p.split('/').next())
        .unwrap_or_default();
    let named = if host.is_empty() {
        path_bucket
    } else {
        first_label
    };
    if named.is_empty() || !buckets.iter().any(|b| b == named) {
        return Err(CosError::no_such_bucket());
    }
    // Exactly one configured bucket is addressed; no default bucket applies.
    let target = route::route(&host.to_ascii_lowercase(), raw_path, buckets, named)?;
    if target.bucket != named || target.key.is_empty() {
        return Err(invalid());
    }
    Ok(CopySource {
        bucket: target.bucket,
        key: target.key,
    })
}

/// What `x-cos-metadata-directive` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Copy,
    Replaced,
}

fn directive(value: Option<&str>) -> Result<Directive, CosError> {
    match value.map(str::trim) {
        None => Ok(Directive::Copy),
        Some(v) if v.eq_ignore_ascii_case("copy") => Ok(Directive::Copy),
        Some(v) if v.eq_ignore_ascii_case("replaced") => Ok(Directive::Replaced),
        Some(_) => Err(CosError::invalid_argument(
            "x-cos-metadata-directive and x-cos-tagging-directive must be Copy or Replaced.",
        )),
    }
}

/// `x-cos-copy-source-If-*` against the source object.
fn source_precondition(req: &Req, meta: &ObjectMeta) -> Result<(), CosError> {
    let failed = || {
        CosError::new(
            StatusCode::PRECONDITION_FAILED,
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold.",
        )
    };
    let etag_in = |list: &str| {
        list.split(',')
            .map(|e| e.trim().trim_start_matches("W/").trim_matches('"'))
            .any(|e| e == "*" || e == meta.etag.trim_matches('"'))
    };
    let date = |name: &str| {
        req.header(name)
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .map(crate::clock::unix_seconds)
    };
    let modified = meta.last_modified_ms / 1000;
    if req
        .header("x-cos-copy-source-if-match")
        .is_some_and(|v| !etag_in(v))
        || req
            .header("x-cos-copy-source-if-none-match")
            .is_some_and(etag_in)
        || date("x-cos-copy-source-if-unmodified-since").is_some_and(|d| modified > d)
        || date("x-cos-copy-source-if-modified-since").is_some_and(|d| modified <= d)
    {
        return Err(failed());
    }
    Ok(())
}

/// Opens the source object, checking the `x-cos-copy-source-If-*` preconditions.
pub(crate) fn open_source(
    state: &State,
    req: &Req,
    source: &CopySource,
) -> Result<(Arc<ObjectMeta>, BlobSource), CosError> {
    let (meta, opened) = state
        .store
        .get_object(&source.bucket, &source.key)
        .map_err(io_error)?
        .ok_or_else(|| {
            CosError::new(
                StatusCode::NOT_FOUND,
                "NoSuchCopySource",
                "The specified copy source does not exist.",
            )
        })?;
    source_precondition(req, &meta)?;
    super::attrs::check_read_key(&meta.attrs, &req.headers, "x-cos-copy-source-")?;
    Ok((meta, opened))
}

/// PUT Object - Copy.
pub(crate) async fn copy_object(
    state: &Arc<State>,
    req: &Req,
    source: CopySource,
) -> Result<Response<ResBody>, CosError> {
    let tagging_directive = directive(req.header("x-cos-tagging-directive"))?;
    let directive = directive(req.header("x-cos-metadata-directive"))?;
    let requested_class = req
        .header("x-cos-storage-class")
        .map(|c| headers::storage_class(Some(c)))
        .transpose()?;
    let to_itself = source.bucket == req.target.bucket && source.key == req.target.key;
    if to_itself && directive == Directive::Copy && requested_class.is_none() {
        return Err(CosError::bad_request(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself \
             without changing the object's metadata or storage class.",
        ));
    }
    let replaced = match directive {
        Directive::Replaced => Some(headers::stored_from_request(&req.headers)?),
        Directive::Copy => None,
    };
    let mut attrs = super::attrs::from_request(req)?;

    if tagging_directive == Directive::Replaced && req.header("x-cos-tagging").is_none() {
        attrs.tags.clear();
    }
    let (source_meta, opened) = open_source(state, req, &source)?;
    if tagging_directive == Directive::Copy {
        attrs.tags.clone_from(&source_meta.attrs.tags);
    }
    if source_meta.size > state.limits.max_object_size {
        return Err(CosError::entity_too_large(
            "The copy source exceeds the maximum allowed object size.",
        ));
    }
    let copier = Arc::clone(state);
    let meta_for_copy = Arc::clone(&source_meta);
    let (blob, digests) =
        tokio::task::spawn_blocking(move || copier.store.duplicate(opened, &meta_for_copy))
            .await
            .map_err(|_| CosError::internal("the copy was interrupted"))?
            .map_err(io_error)?;
    let meta = ObjectMeta {
        key: req.target.key.clone(),
        size: digests.len,
        etag: format!("\"{}\"", hex::encode(digests.md5)),
        crc64: digests.crc64,
        last_modified_ms: state.clock.unix_millis(),
        headers: replaced.unwrap_or_else(|| source_meta.headers.clone()),
        storage_class: requested_class.unwrap_or_else(|| "STANDARD".to_string()),
        attrs,
    };
    let (etag, modified_ms, crc64) = (meta.etag.clone(), meta.last_modified_ms, meta.crc64);
    let sse = meta.attrs.clone();
    state
        .store
        .put_object(&req.target.bucket, meta, blob)
        .map_err(io_error)?;
    let mut response = copy_result("CopyObjectResult", &etag, modified_ms, crc64);
    super::attrs::echo_sse(response.headers_mut(), &sse);
    Ok(response)
}

/// The answer of a copy: `<root>` (`CopyObjectResult` or `CopyPartResult`) with the new
/// ETag, LastModified and CRC64, and the CRC-64 header.
pub(crate) fn copy_result(
    root: &str,
    etag: &str,
    modified_ms: u64,
    crc64: u64,
) -> Response<ResBody> {
    let result = Xml::new()
        .open(root)
        .elem("ETag", etag)
        .elem("LastModified", &iso8601_millis(modified_ms))
        .elem("CRC64", &crc64.to_string())
        .close(root)
        .finish();
    let mut response = xml_response(result);
    set_header(
        response.headers_mut(),
        "x-cos-hash-crc64ecma",
        &crc64.to_string(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn buckets() -> Vec<String> {
        vec!["photos-1250000000".into(), "docs-1250000000".into()]
    }

    fn source(bucket: &str, key: &str) -> CopySource {
        CopySource {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    #[test]
    fn virtual_hosted_source_with_encoded_key() {
        assert_eq!(
            parse_source(
                "photos-1250000000.cos.ap-guangzhou.myqcloud.com/a/b%20c%2Fd.jpg",
                &buckets()
            )
            .unwrap(),
            source("photos-1250000000", "a/b c/d.jpg")
        );
        assert_eq!(
            parse_source(
                "docs-1250000000.cos.ap-guangzhou.myqcloud.com/%E4%B8%AD.txt?versionId=null",
                &buckets()
            )
            .unwrap(),
            source("docs-1250000000", "\u{4e2d}.txt")
        );
    }

    #[test]
    fn path_style_source() {
        assert_eq!(
            parse_source("/docs-1250000000/x/y", &buckets()).unwrap(),
            source("docs-1250000000", "x/y")
        );
    }

    #[test]
    fn bad_sources_are_refused() {
        let code = |v: &str| parse_source(v, &buckets()).unwrap_err().code;
        assert_eq!(
            code("other-1.cos.ap-guangzhou.myqcloud.com/k"),
            "NoSuchBucket"
        );
        assert_eq!(code("/other-1/k"), "NoSuchBucket");
        assert_eq!(
            code("photos-1250000000.cos.x.myqcloud.com"),
            "InvalidArgument"
        );
        assert_eq!(
            code("photos-1250000000.cos.x.myqcloud.com/"),
            "InvalidArgument"
        );
        assert_eq!(code("/photos-1250000000/"), "InvalidArgument");
        assert_eq!(code(""), "InvalidArgument");
        assert_eq!(code("/docs-1250000000/k?versionId=v1"), "NoSuchVersion");
        assert_eq!(code("/docs-1250000000/%ff"), "InvalidURI");
    }

    #[test]
    fn directive_values() {
        assert_eq!(directive(None).unwrap(), Directive::Copy);
        assert_eq!(directive(Some("Copy")).unwrap(), Directive::Copy);
        assert_eq!(directive(Some("Replaced")).unwrap(), Directive::Replaced);
        assert_eq!(directive(Some("REPLACED")).unwrap(), Directive::Replaced);
        assert_eq!(
            directive(Some("Merge")).unwrap_err().code,
            "InvalidArgument"
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics(value in ".{0,80}") {
            let _ = parse_source(&value, &buckets());
        }
    }
}
