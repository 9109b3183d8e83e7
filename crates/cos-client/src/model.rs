//! What operations return.

/// One object of a [`ListObjectsPage`].
///
/// ```
/// let page = cos_client::ListObjectsPage::default();
/// assert!(page.objects.iter().all(|o: &cos_client::ObjectSummary| o.size < u64::MAX));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectSummary {
    /// The key (decoded when the listing was URL-encoded).
    pub key: String,
    /// `LastModified` as COS wrote it (ISO 8601).
    pub last_modified: String,
    /// The quoted ETag, as COS wrote it.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// Storage class, when given.
    pub storage_class: Option<String>,
}

/// One page of GET Bucket (List Objects v1).
///
/// ```
/// let page = cos_client::ListObjectsPage::default();
/// assert!(!page.is_truncated && page.next_marker.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListObjectsPage {
    /// Objects of this page, in key order.
    pub objects: Vec<ObjectSummary>,
    /// "Directories" rolled up by the delimiter.
    pub common_prefixes: Vec<String>,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// The marker for the next page (the `NextMarker`, or the last key or prefix of this page).
    pub next_marker: Option<String>,
}

/// The answer to PUT Object (and POST-object-like writes).
///
/// ```
/// let out = cos_client::PutObjectOutput::default();
/// assert_eq!(out.crc64, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PutObjectOutput {
    /// The quoted ETag.
    pub etag: Option<String>,
    /// `x-cos-hash-crc64ecma`, verified against the bytes sent when present.
    pub crc64: Option<u64>,
    /// `x-cos-version-id` on versioned buckets.
    pub version_id: Option<String>,
    /// `x-cos-request-id`.
    pub request_id: Option<String>,
}

/// HEAD Object (and GET Object) metadata.
///
/// ```
/// let head = cos_client::ObjectMetadata::default();
/// assert!(head.metadata.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectMetadata {
    /// `Content-Length` of this answer (the range length for a ranged GET).
    pub content_length: u64,
    /// The whole object's size (from `Content-Range` on a 206, else `Content-Length`).
    pub object_size: u64,
    /// The bytes of the object this answer carries, from `Content-Range` (a ranged GET
    /// answered 206 only).
    pub content_range: Option<std::ops::RangeInclusive<u64>>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Encoding`.
    pub content_encoding: Option<String>,
    /// The quoted ETag.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// `x-cos-hash-crc64ecma`: the CRC of the **whole** object, even for a range.
    pub crc64: Option<u64>,
    /// `x-cos-storage-class` (absent for STANDARD).
    pub storage_class: Option<String>,
    /// `x-cos-version-id`.
    pub version_id: Option<String>,
    /// `x-cos-meta-*` headers, name without the prefix, in lowercase.
    pub metadata: Vec<(String, String)>,
}

/// A part as listed by List Parts.
///
/// ```
/// let part = cos_client::PartSummary::default();
/// assert_eq!(part.number, 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartSummary {
    /// Part number.
    pub number: u32,
    /// The quoted ETag.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// A page of List Parts.
///
/// ```
/// let page = cos_client::ListPartsPage::default();
/// assert!(page.parts.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPartsPage {
    /// Parts in number order.
    pub parts: Vec<PartSummary>,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// Where the next page starts.
    pub next_part_number_marker: Option<u32>,
}

/// An in-progress multipart upload as listed by List Multipart Uploads.
///
/// ```
/// let upload = cos_client::UploadSummary::default();
/// assert!(upload.upload_id.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadSummary {
    /// Object key.
    pub key: String,
    /// Upload id.
    pub upload_id: String,
    /// When it started, as COS wrote it.
    pub initiated: String,
}

/// A page of List Multipart Uploads.
///
/// ```
/// let page = cos_client::ListUploadsPage::default();
/// assert!(page.uploads.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListUploadsPage {
    /// Uploads of this page.
    pub uploads: Vec<UploadSummary>,
    /// Prefixes rolled up by the delimiter.
    pub common_prefixes: Vec<String>,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// `NextKeyMarker`.
    pub next_key_marker: Option<String>,
    /// `NextUploadIdMarker`.
    pub next_upload_id_marker: Option<String>,
}

/// The answer to Complete Multipart Upload.
///
/// ```
/// let out = cos_client::CompleteOutput::default();
/// assert_eq!(out.crc64, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompleteOutput {
    /// `Location`.
    pub location: String,
    /// The quoted multipart ETag (`"<hex>-<parts>"`, opaque).
    pub etag: String,
    /// `x-cos-hash-crc64ecma` of the whole object, when COS sent it.
    pub crc64: Option<u64>,
    /// `x-cos-version-id`.
    pub version_id: Option<String>,
}

/// The answer to PUT Object – Copy.
///
/// ```
/// let out = cos_client::CopyOutput::default();
/// assert!(out.etag.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyOutput {
    /// The quoted ETag of the new object.
    pub etag: String,
    /// `LastModified`.
    pub last_modified: String,
    /// The CRC-64 of the new object, when COS sent it.
    pub crc64: Option<u64>,
}

/// A key deleted by DELETE Multiple Objects.
///
/// ```
/// let d = cos_client::DeletedObject::default();
/// assert!(!d.delete_marker);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeletedObject {
    /// The key.
    pub key: String,
    /// Version id, when versioned.
    pub version_id: Option<String>,
    /// Whether a delete marker was created.
    pub delete_marker: bool,
}

/// A key DELETE Multiple Objects could not delete.
///
/// ```
/// let e = cos_client::DeleteFailure::default();
/// assert!(e.code.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteFailure {
    /// The key.
    pub key: String,
    /// The COS error code (`AccessDenied`, …).
    pub code: String,
    /// The message.
    pub message: String,
}

/// The answer to DELETE Multiple Objects.
///
/// ```
/// let out = cos_client::DeleteObjectsOutput::default();
/// assert!(out.deleted.is_empty() && out.failed.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteObjectsOutput {
    /// Deleted keys (empty in quiet mode).
    pub deleted: Vec<DeletedObject>,
    /// Keys that were not deleted.
    pub failed: Vec<DeleteFailure>,
}
