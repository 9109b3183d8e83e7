//! Metadata records of objects, uploads and parts.

use serde::{Deserialize, Serialize};

/// An object's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ObjectMeta {
    /// The decoded object key.
    pub(crate) key: String,
    /// Length in bytes.
    pub(crate) size: u64,
    /// The quoted ETag.
    pub(crate) etag: String,
    /// CRC-64/XZ of the whole object.
    pub(crate) crc64: u64,
    /// Last modification, Unix milliseconds.
    pub(crate) last_modified_ms: u64,
    /// Stored response headers (lower-case names): content type, cache control, user metadata…
    pub(crate) headers: Vec<(String, String)>,
    /// `STANDARD` unless the writer chose another class.
    pub(crate) storage_class: String,
}

/// An open multipart upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UploadMeta {
    /// The upload id.
    pub(crate) upload_id: String,
    /// The bucket.
    pub(crate) bucket: String,
    /// The object key.
    pub(crate) key: String,
    /// Creation, Unix milliseconds.
    pub(crate) initiated_ms: u64,
    /// Headers given at initiation, applied to the completed object.
    pub(crate) headers: Vec<(String, String)>,
    /// Storage class given at initiation.
    pub(crate) storage_class: String,
    /// Who initiated it (a CAM-style principal id).
    pub(crate) initiator: String,
}

/// One uploaded part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PartMeta {
    /// Part number, 1..=10000.
    pub(crate) number: u32,
    /// Length in bytes.
    pub(crate) size: u64,
    /// MD5 of the part (binary).
    pub(crate) md5: [u8; 16],
    /// CRC-64/XZ of the part.
    pub(crate) crc64: u64,
    /// Upload time, Unix milliseconds.
    pub(crate) last_modified_ms: u64,
}

impl PartMeta {
    /// The quoted ETag COS returns for this part.
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", hex::encode(self.md5))
    }
}
