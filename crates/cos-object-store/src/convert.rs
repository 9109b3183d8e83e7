//! Translations between `object_store`'s vocabulary and `cos-client`'s: errors, options,
//! metadata, attributes, paths.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use cos_client::{ByteRange, ListObjectsPage, ObjectMetadata, ObjectSummary};
use object_store::path::Path;
use object_store::{
    Attribute, AttributeValue, Attributes, Error, GetOptions, GetRange, ListResult, ObjectMeta,
    PutPayload, Result,
};

/// The store name in `object_store` errors.
pub(crate) const STORE: &str = "COS";

/// The implementer named in `NotImplemented` errors.
const IMPLEMENTER: &str = "CosObjectStore";

/// A `cos-client` error as the `object_store` error a caller matches on: 404 → `NotFound`,
/// 409 `FileAlreadyExists` → `AlreadyExists`, 412 → `Precondition`, 304 → `NotModified`,
/// 403 → `PermissionDenied` (or `Unauthenticated` when the key itself was refused), anything
/// else → `Generic` with the whole `cos-client` error as its source.
pub(crate) fn error(e: cos_client::Error, path: &str) -> Error {
    let path = path.to_owned();
    let kind = e.service().map(|s| (s.status(), s.code().to_owned()));
    let source = Box::new(e);
    let Some((status, code)) = kind else {
        return Error::Generic {
            store: STORE,
            source,
        };
    };
    match (status, code.as_str()) {
        (404, _) => Error::NotFound { path, source },
        (409, "FileAlreadyExists") => Error::AlreadyExists { path, source },
        (412, _) => Error::Precondition { path, source },
        (304, _) => Error::NotModified { path, source },
        (403, "InvalidAccessKeyId" | "SignatureDoesNotMatch") | (400, "ExpiredToken") => {
            Error::Unauthenticated { path, source }
        }
        (403, _) => Error::PermissionDenied { path, source },
        _ => Error::Generic {
            store: STORE,
            source,
        },
    }
}

/// An operation or option COS cannot carry out, named with the reason.
pub(crate) fn not_implemented(operation: impl Into<String>) -> Error {
    Error::NotImplemented {
        operation: operation.into(),
        implementer: IMPLEMENTER.to_owned(),
    }
}

/// A failure that is neither COS's nor the caller's path.
pub(crate) fn generic(message: impl Into<String>) -> Error {
    let message: String = message.into();
    Error::Generic {
        store: STORE,
        source: message.into(),
    }
}

/// The object's bytes in one buffer (no copy when the payload is one chunk), so a failed
/// attempt can be sent again.
pub(crate) fn payload_bytes(payload: PutPayload) -> Bytes {
    Bytes::from(payload)
}

/// The headers of a new object for `attributes`. COS stores `Content-Type`,
/// `Cache-Control`, `Content-Disposition`, `Content-Encoding`, the storage class and
/// `x-cos-meta-*` whose names use only `a-z`, `0-9` and `-`; anything else is refused with
/// `NotImplemented` rather than silently dropped.
pub(crate) fn put_options(attributes: &Attributes) -> Result<cos_client::PutOptions> {
    let mut options = cos_client::PutOptions::default();
    for (attribute, value) in attributes {
        let value = value.as_ref().to_owned();
        options = match attribute {
            Attribute::ContentType => options.content_type(value),
            Attribute::CacheControl => options.cache_control(value),
            Attribute::ContentDisposition => options.content_disposition(value),
            Attribute::ContentEncoding => options.content_encoding(value),
            Attribute::StorageClass => options.storage_class(value),
            Attribute::Metadata(name) if is_cos_metadata_name(name) => {
                options.metadata(name.as_ref(), value)
            }
            Attribute::Metadata(name) => {
                return Err(not_implemented(format!(
                    "metadata name {name:?}: COS allows only a-z, 0-9 and - after x-cos-meta-"
                )));
            }
            Attribute::ContentLanguage => {
                return Err(not_implemented(
                    "Content-Language: COS stores no Content-Language with an object",
                ));
            }
            other => return Err(not_implemented(format!("attribute {other:?}"))),
        };
    }
    Ok(options)
}

fn is_cos_metadata_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The attributes COS reported for an object (the headers [`put_options`] can set).
pub(crate) fn attributes(metadata: &ObjectMetadata) -> Attributes {
    let mut out = Attributes::new();
    let headers = [
        (Attribute::ContentType, &metadata.content_type),
        (Attribute::CacheControl, &metadata.cache_control),
        (Attribute::ContentDisposition, &metadata.content_disposition),
        (Attribute::ContentEncoding, &metadata.content_encoding),
        (Attribute::StorageClass, &metadata.storage_class),
    ];
    for (attribute, value) in headers {
        if let Some(value) = value {
            out.insert(attribute, AttributeValue::from(value.clone()));
        }
    }
    for (name, value) in &metadata.metadata {
        out.insert(
            Attribute::Metadata(name.clone().into()),
            AttributeValue::from(value.clone()),
        );
    }
    out
}

/// The headers of a copy made by multipart copy: the source's, as PUT Object - Copy keeps
/// them.
pub(crate) fn put_options_of(metadata: &ObjectMetadata) -> cos_client::PutOptions {
    let mut options = cos_client::PutOptions::default();
    if let Some(v) = &metadata.content_type {
        options = options.content_type(v.clone());
    }
    if let Some(v) = &metadata.cache_control {
        options = options.cache_control(v.clone());
    }
    if let Some(v) = &metadata.content_disposition {
        options = options.content_disposition(v.clone());
    }
    if let Some(v) = &metadata.content_encoding {
        options = options.content_encoding(v.clone());
    }
    if let Some(v) = &metadata.storage_class {
        options = options.storage_class(v.clone());
    }
    for (name, value) in &metadata.metadata {
        options = options.metadata(name.clone(), value.clone());
    }
    options
}

/// The GET/HEAD request for `options`.
pub(crate) fn get_options(options: &GetOptions) -> Result<cos_client::GetOptions> {
    let mut out = cos_client::GetOptions::default();
    if let Some(etag) = &options.if_match {
        out = out.if_match(etag.clone());
    }
    if let Some(etag) = &options.if_none_match {
        out = out.if_none_match(etag.clone());
    }
    if let Some(time) = options.if_modified_since {
        out = out.if_modified_since(time.into());
    }
    if let Some(time) = options.if_unmodified_since {
        out = out.if_unmodified_since(time.into());
    }
    if let Some(version) = &options.version {
        out = out.version_id(version.clone());
    }
    if let Some(range) = &options.range {
        out = out.range(byte_range(range)?);
    }
    Ok(out)
}

fn byte_range(range: &GetRange) -> Result<ByteRange> {
    match range {
        GetRange::Bounded(r) if r.start < r.end => Ok(ByteRange::new(r.start, Some(r.end - 1))),
        GetRange::Bounded(r) => Err(generic(format!("empty range {}..{}", r.start, r.end))),
        GetRange::Offset(first) => Ok(ByteRange::new(*first, None)),
        GetRange::Suffix(len) => Ok(ByteRange::suffix(*len)),
    }
}

/// `ObjectMeta` from the headers of a GET or HEAD.
pub(crate) fn object_meta(location: &Path, metadata: &ObjectMetadata) -> Result<ObjectMeta> {
    let last_modified = metadata
        .last_modified
        .as_deref()
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .map(DateTime::<Utc>::from)
        .ok_or_else(|| generic("COS sent no valid Last-Modified"))?;
    Ok(ObjectMeta {
        location: location.clone(),
        last_modified,
        size: metadata.object_size,
        e_tag: metadata.etag.clone(),
        version: metadata.version_id.clone(),
    })
}

/// `ObjectMeta` of a listed object; `None` for a "directory marker" (a key ending in `/`,
/// which COS consoles create and which is no `object_store` path).
pub(crate) fn summary_meta(summary: ObjectSummary) -> Option<Result<ObjectMeta>> {
    if summary.key.ends_with('/') {
        return None;
    }
    let meta = (|| {
        let last_modified = DateTime::parse_from_rfc3339(&summary.last_modified)
            .map_err(|e| generic(format!("listed LastModified: {e}")))?
            .with_timezone(&Utc);
        Ok(ObjectMeta {
            location: Path::parse(&summary.key)?,
            last_modified,
            size: summary.size,
            e_tag: Some(summary.etag),
            version: None,
        })
    })();
    Some(meta)
}

/// Adds a listing page's common prefixes (as paths, without the `delimiter`) and objects
/// (without directory markers) to `result`.
pub(crate) fn extend_list(
    result: &mut ListResult,
    page: ListObjectsPage,
    delimiter: &str,
) -> Result<()> {
    for prefix in &page.common_prefixes {
        result.common_prefixes.push(prefix_path(prefix, delimiter)?);
    }
    for summary in page.objects {
        if let Some(meta) = summary_meta(summary) {
            result.objects.push(meta?);
        }
    }
    Ok(())
}

/// An empty listing result.
pub(crate) fn empty_list() -> ListResult {
    ListResult {
        common_prefixes: Vec::new(),
        objects: Vec::new(),
        #[cfg(feature = "object-store-0-14")]
        extensions: Default::default(),
    }
}

/// A common prefix (`a/b/`) as the path of its "directory" (`a/b`).
pub(crate) fn prefix_path(prefix: &str, delimiter: &str) -> Result<Path> {
    Ok(Path::parse(
        prefix.strip_suffix(delimiter).unwrap_or(prefix),
    )?)
}

/// The listing prefix of `prefix`: its segments and a trailing `/`, or nothing for the root.
pub(crate) fn list_prefix(prefix: Option<&Path>) -> Option<String> {
    prefix
        .map(Path::as_ref)
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}/"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn service_errors_map_to_the_variants_callers_match() {
        type Check = fn(&Error) -> bool;
        let cases: [(u16, &str, Check); 7] = [
            (404, "NoSuchKey", |e| matches!(e, Error::NotFound { .. })),
            (409, "FileAlreadyExists", |e| {
                matches!(e, Error::AlreadyExists { .. })
            }),
            (409, "PathConflict", |e| matches!(e, Error::Generic { .. })),
            (412, "PreconditionFailed", |e| {
                matches!(e, Error::Precondition { .. })
            }),
            (304, "NotModified", |e| {
                matches!(e, Error::NotModified { .. })
            }),
            (403, "AccessDenied", |e| {
                matches!(e, Error::PermissionDenied { .. })
            }),
            (403, "SignatureDoesNotMatch", |e| {
                matches!(e, Error::Unauthenticated { .. })
            }),
        ];
        for (status, code, check) in cases {
            let e = cos_client::Error::from(cos_client::ServiceError::new(status, code));
            let mapped = error(e, "a/b");
            assert!(check(&mapped), "{status} {code}: {mapped:?}");
        }
    }

    #[test]
    fn attributes_cos_cannot_store_are_refused() {
        let ok = Attributes::from_iter([
            (Attribute::ContentType, "text/plain"),
            (Attribute::Metadata("owner-1".into()), "x"),
        ]);
        assert!(put_options(&ok).is_ok());
        for bad in [
            Attributes::from_iter([(Attribute::Metadata("under_score".into()), "x")]),
            Attributes::from_iter([(Attribute::Metadata("Upper".into()), "x")]),
            Attributes::from_iter([(Attribute::ContentLanguage, "en")]),
        ] {
            let e = put_options(&bad).unwrap_err();
            assert!(matches!(e, Error::NotImplemented { .. }), "{e:?}");
        }
    }

    #[test]
    fn ranges_and_prefixes() {
        assert_eq!(
            byte_range(&GetRange::Bounded(2..5)).unwrap().header_value(),
            "bytes=2-4"
        );
        assert_eq!(
            byte_range(&GetRange::Suffix(3)).unwrap().header_value(),
            "bytes=-3"
        );
        assert!(byte_range(&GetRange::Bounded(5..5)).is_err());
        assert_eq!(
            list_prefix(Some(&Path::from("a/b"))).as_deref(),
            Some("a/b/")
        );
        assert_eq!(list_prefix(Some(&Path::from("/"))), None);
        assert_eq!(prefix_path("a/b/", "/").unwrap(), Path::from("a/b"));
    }
}
