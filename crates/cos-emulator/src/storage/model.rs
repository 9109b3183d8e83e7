//! Metadata records of objects, uploads and parts.

use super::bucket::Acl;
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
    /// ACL, tags, encryption and kind (absent in records of older versions).
    #[serde(default)]
    pub(crate) attrs: ObjectAttrs,
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
    /// ACL, tags and encryption given at initiation, applied to the completed object.
    #[serde(default)]
    pub(crate) attrs: ObjectAttrs,
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

/// What an object carries besides its bytes and stored headers: its ACL, tags, server-side
/// encryption and whether it is appendable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ObjectAttrs {
    /// The object's own ACL; `None`: `default`, the object follows its bucket's.
    #[serde(default)]
    pub(crate) acl: Option<Acl>,
    /// Object tags in the order given.
    #[serde(default)]
    pub(crate) tags: Vec<(String, String)>,
    /// Server-side encryption, if requested.
    #[serde(default)]
    pub(crate) sse: Option<Sse>,
    /// Created by APPEND Object (`x-cos-object-type: appendable`).
    #[serde(default)]
    pub(crate) appendable: bool,
}

/// Server-side encryption of an object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Sse {
    /// SSE-COS: `x-cos-server-side-encryption: AES256`.
    Cos,
    /// SSE-C: only the customer key's MD5 (base64) is kept, never the key.
    Customer {
        /// The base64 MD5 of the customer key.
        key_md5: String,
    },
}
