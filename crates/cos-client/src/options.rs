//! Request options: object headers for writes, ranges and conditions for reads.

use std::time::SystemTime;

use http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_ENCODING, CONTENT_TYPE, HeaderName, IF_MATCH,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE,
};

use crate::Error;
use crate::client::Op;

/// The create-only header of PUT Object and multipart uploads.
pub(crate) const FORBID_OVERWRITE: &str = "x-cos-forbid-overwrite";

/// Headers of a new object (PUT, Initiate Multipart Upload, Copy): content type, caching
/// headers, storage class, ACL and `x-cos-meta-*` metadata.
///
/// ```
/// use cos_client::PutOptions;
///
/// let options = PutOptions::default()
///     .content_type("image/png")
///     .storage_class("STANDARD_IA")
///     .acl("private")
///     .metadata("owner", "alice");
/// assert_eq!(options.get_metadata(), [("owner".to_owned(), "alice".to_owned())]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    content_type: Option<String>,
    cache_control: Option<String>,
    content_disposition: Option<String>,
    content_encoding: Option<String>,
    storage_class: Option<String>,
    acl: Option<String>,
    metadata: Vec<(String, String)>,
    forbid_overwrite: bool,
}

impl PutOptions {
    /// `Content-Type`.
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().content_type("text/plain");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.content_type = Some(value.into());
        self
    }

    /// `Cache-Control`.
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().cache_control("max-age=60");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }

    /// `Content-Disposition`.
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().content_disposition("attachment");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn content_disposition(mut self, value: impl Into<String>) -> Self {
        self.content_disposition = Some(value.into());
        self
    }

    /// `Content-Encoding`.
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().content_encoding("gzip");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn content_encoding(mut self, value: impl Into<String>) -> Self {
        self.content_encoding = Some(value.into());
        self
    }

    /// `x-cos-storage-class` (`STANDARD`, `STANDARD_IA`, `ARCHIVE`, …).
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().storage_class("ARCHIVE");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn storage_class(mut self, value: impl Into<String>) -> Self {
        self.storage_class = Some(value.into());
        self
    }

    /// `x-cos-acl` (`private`, `public-read`, `default`).
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().acl("public-read");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn acl(mut self, value: impl Into<String>) -> Self {
        self.acl = Some(value.into());
        self
    }

    /// Adds `x-cos-meta-<name>: value` (the name is lowercased).
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().metadata("Project", "x");
    /// assert_eq!(o.get_metadata()[0].0, "project");
    /// ```
    #[must_use]
    pub fn metadata(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata
            .push((name.into().to_ascii_lowercase(), value.into()));
        self
    }

    /// Create only: sends `x-cos-forbid-overwrite: true`, so COS refuses with 409
    /// `FileAlreadyExists` when the key already holds an object (PUT Object, Initiate and
    /// Complete Multipart Upload; COS ignores the header on versioned buckets). PUT Object -
    /// Copy does not document the header, so [`crate::Client::copy_object`] refuses it.
    ///
    /// A retried create-only PUT whose earlier attempt created the object but lost its
    /// answer is not reported as refused: after a 409 on a resent request the client reads
    /// the object's CRC-64, and the PUT succeeds when it is exactly that of the bytes sent.
    ///
    /// ```
    /// let o = cos_client::PutOptions::default().forbid_overwrite(true);
    /// assert!(o.get_forbid_overwrite());
    /// ```
    #[must_use]
    pub fn forbid_overwrite(mut self, forbid: bool) -> Self {
        self.forbid_overwrite = forbid;
        self
    }

    /// Whether [`PutOptions::forbid_overwrite`] is set.
    ///
    /// ```
    /// assert!(!cos_client::PutOptions::default().get_forbid_overwrite());
    /// ```
    pub fn get_forbid_overwrite(&self) -> bool {
        self.forbid_overwrite
    }

    /// The metadata pairs.
    ///
    /// ```
    /// assert!(cos_client::PutOptions::default().get_metadata().is_empty());
    /// ```
    pub fn get_metadata(&self) -> &[(String, String)] {
        &self.metadata
    }

    pub(crate) fn has_metadata(&self) -> bool {
        !self.metadata.is_empty()
    }

    pub(crate) fn apply(&self, mut op: Op) -> Result<Op, Error> {
        let pairs = [
            (CONTENT_TYPE, &self.content_type),
            (CACHE_CONTROL, &self.cache_control),
            (CONTENT_DISPOSITION, &self.content_disposition),
            (CONTENT_ENCODING, &self.content_encoding),
            (
                HeaderName::from_static("x-cos-storage-class"),
                &self.storage_class,
            ),
            (HeaderName::from_static("x-cos-acl"), &self.acl),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                op = op.header(name, value)?;
            }
        }
        if self.forbid_overwrite {
            op = op.header(HeaderName::from_static(FORBID_OVERWRITE), "true")?;
        }
        for (name, value) in &self.metadata {
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid {
                return Err(Error::invalid(
                    "metadata name",
                    "only a-z, 0-9 and `-` after `x-cos-meta-`",
                ));
            }
            let header = HeaderName::from_bytes(format!("x-cos-meta-{name}").as_bytes())
                .map_err(|_| Error::invalid("metadata name", "not a header name"))?;
            op = op.header(header, value)?;
        }
        Ok(op)
    }
}

/// A byte range of a GET: `first..=last`, from `first` to the end, or the last `n` bytes.
///
/// ```
/// use cos_client::ByteRange;
/// assert_eq!(ByteRange::new(0, Some(99)).header_value(), "bytes=0-99");
/// assert_eq!(ByteRange::new(100, None).header_value(), "bytes=100-");
/// assert_eq!(ByteRange::suffix(10).header_value(), "bytes=-10");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    first: u64,
    last: Option<u64>,
    /// `Some(n)`: the last `n` bytes (`first` and `last` unused).
    suffix: Option<u64>,
}

impl ByteRange {
    /// A range from `first` to `last` inclusive (to the end when `None`).
    ///
    /// ```
    /// let r = cos_client::ByteRange::new(8, Some(14));
    /// assert_eq!(r.header_value(), "bytes=8-14");
    /// ```
    pub fn new(first: u64, last: Option<u64>) -> Self {
        Self {
            first,
            last,
            suffix: None,
        }
    }

    /// The last `len` bytes of the object (the whole object when it is shorter); COS answers
    /// 416 `InvalidRange` for `len` 0 or an empty object.
    ///
    /// ```
    /// assert_eq!(cos_client::ByteRange::suffix(2).header_value(), "bytes=-2");
    /// ```
    pub fn suffix(len: u64) -> Self {
        Self {
            first: 0,
            last: None,
            suffix: Some(len),
        }
    }

    /// The `Range` header value.
    ///
    /// ```
    /// assert_eq!(cos_client::ByteRange::new(1, Some(1)).header_value(), "bytes=1-1");
    /// ```
    pub fn header_value(&self) -> String {
        match (self.suffix, self.last) {
            (Some(len), _) => format!("bytes=-{len}"),
            (None, Some(last)) => format!("bytes={}-{}", self.first, last),
            (None, None) => format!("bytes={}-", self.first),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.last.is_some_and(|last| last < self.first) {
            return Err(Error::invalid("range", "last byte before first byte"));
        }
        Ok(())
    }
}

/// Options of a GET or HEAD Object: a range, the conditions (`If-Match`, `If-None-Match`,
/// `If-Modified-Since`, `If-Unmodified-Since`), a version.
///
/// COS answers a failed `If-Match`/`If-Unmodified-Since` with 412 `PreconditionFailed` and
/// a failed `If-None-Match`/`If-Modified-Since` with 304 (reported as a [`crate::ServiceError`]
/// with status 304 and code `NotModified`).
///
/// ```
/// use cos_client::{ByteRange, GetOptions};
/// let options = GetOptions::default().range(ByteRange::new(0, Some(1023))).if_match("\"etag\"");
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetOptions {
    pub(crate) range: Option<ByteRange>,
    pub(crate) if_match: Option<String>,
    pub(crate) if_none_match: Option<String>,
    pub(crate) if_modified_since: Option<SystemTime>,
    pub(crate) if_unmodified_since: Option<SystemTime>,
    pub(crate) version_id: Option<String>,
}

impl GetOptions {
    /// Only this range (answered with 206).
    ///
    /// ```
    /// let o = cos_client::GetOptions::default().range(cos_client::ByteRange::new(0, None));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }

    /// Fails with 412 unless the object's ETag is this one.
    ///
    /// ```
    /// let o = cos_client::GetOptions::default().if_match("\"abc\"");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Fails with 304 when the object's ETag is one of these (`*` matches any).
    ///
    /// ```
    /// let o = cos_client::GetOptions::default().if_none_match("\"abc\"");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn if_none_match(mut self, etag: impl Into<String>) -> Self {
        self.if_none_match = Some(etag.into());
        self
    }

    /// Fails with 304 unless the object was modified after `time` (second precision, as
    /// HTTP dates have).
    ///
    /// ```
    /// let o = cos_client::GetOptions::default().if_modified_since(std::time::UNIX_EPOCH);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn if_modified_since(mut self, time: SystemTime) -> Self {
        self.if_modified_since = Some(time);
        self
    }

    /// Fails with 412 when the object was modified after `time`.
    ///
    /// ```
    /// let o = cos_client::GetOptions::default().if_unmodified_since(std::time::SystemTime::now());
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn if_unmodified_since(mut self, time: SystemTime) -> Self {
        self.if_unmodified_since = Some(time);
        self
    }

    /// The conditional headers to send, in a fixed order.
    pub(crate) fn apply_conditions(&self, mut op: Op) -> Result<Op, Error> {
        if let Some(etag) = &self.if_match {
            op = op.header(IF_MATCH, etag)?;
        }
        if let Some(etag) = &self.if_none_match {
            op = op.header(IF_NONE_MATCH, etag)?;
        }
        if let Some(time) = self.if_modified_since {
            op = op.header(IF_MODIFIED_SINCE, &httpdate::fmt_http_date(time))?;
        }
        if let Some(time) = self.if_unmodified_since {
            op = op.header(IF_UNMODIFIED_SINCE, &httpdate::fmt_http_date(time))?;
        }
        Ok(op)
    }

    /// A specific version.
    ///
    /// ```
    /// let o = cos_client::GetOptions::default().version_id("v1");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn version_id(mut self, version: impl Into<String>) -> Self {
        self.version_id = Some(version.into());
        self
    }
}

/// Options of a listing: prefix, delimiter, start marker and page size.
///
/// ```
/// use cos_client::ListOptions;
/// let options = ListOptions::default().prefix("photos/").delimiter("/").max_keys(100);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    pub(crate) prefix: Option<String>,
    pub(crate) delimiter: Option<String>,
    pub(crate) marker: Option<String>,
    pub(crate) max_keys: Option<u32>,
}

impl ListOptions {
    /// Only keys starting with `prefix`.
    ///
    /// ```
    /// let o = cos_client::ListOptions::default().prefix("a/");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Roll keys up to the first `delimiter` after the prefix into common prefixes.
    ///
    /// ```
    /// let o = cos_client::ListOptions::default().delimiter("/");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Start after this key.
    ///
    /// ```
    /// let o = cos_client::ListOptions::default().marker("a/5");
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = Some(marker.into());
        self
    }

    /// Page size (1–1000).
    ///
    /// ```
    /// let o = cos_client::ListOptions::default().max_keys(10);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn max_keys(mut self, max_keys: u32) -> Self {
        self.max_keys = Some(max_keys);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn headers_are_applied_and_bad_metadata_names_refused() {
        let op = PutOptions::default()
            .content_type("text/plain")
            .cache_control("no-cache")
            .content_disposition("inline")
            .content_encoding("gzip")
            .storage_class("ARCHIVE")
            .acl("public-read")
            .metadata("A-b-1", "v")
            .apply(Op::new("PutObject", Method::PUT, Some("k")))
            .unwrap();
        let names: Vec<&str> = op.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "content-type",
                "cache-control",
                "content-disposition",
                "content-encoding",
                "x-cos-storage-class",
                "x-cos-acl",
                "x-cos-meta-a-b-1"
            ]
        );
        for bad in ["", "a b", "a_b", "ü"] {
            let result = PutOptions::default().metadata(bad, "v").apply(Op::new(
                "PutObject",
                Method::PUT,
                Some("k"),
            ));
            assert!(result.is_err(), "{bad:?}");
        }
        let newline = PutOptions::default().content_type("a\nb").apply(Op::new(
            "PutObject",
            Method::PUT,
            Some("k"),
        ));
        assert!(newline.is_err());
    }

    #[test]
    fn inverted_range_is_refused() {
        assert!(ByteRange::new(5, Some(4)).validate().is_err());
        assert!(ByteRange::new(5, Some(5)).validate().is_ok());
        assert!(ByteRange::new(5, None).validate().is_ok());
    }
}
