//! Complete Multipart Upload: the chosen parts become the object as they are, in order (a
//! [`Composite`] blob), without copying a byte.

use super::{Blob, Composite, MIN_PART_SIZE, ObjectMeta, OpenUpload, PartMeta, Refused, Store};
use md5::{Digest as _, Md5};
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

/// Why a Complete Multipart Upload was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CompleteError {
    /// Unknown upload id.
    NoSuchUpload,
    /// The part list is empty.
    NoParts,
    /// Part numbers are not strictly ascending.
    InvalidPartOrder,
    /// A listed part does not exist or its ETag differs.
    InvalidPart(u32),
    /// A part other than the last is below the minimum size.
    EntityTooSmall(u32),
    /// `x-cos-forbid-overwrite` was sent and the key holds an object.
    AlreadyExists,
    /// Storage failed.
    Io(String),
}

fn io_err(e: io::Error) -> CompleteError {
    CompleteError::Io(e.to_string())
}

impl Store {
    /// Completes an upload from the listed `(part number, etag)` pairs; returns the new
    /// object's metadata. The listed parts' blobs move into the object; parts not listed
    /// are released.
    ///
    /// The uploads lock is held from validation to commit, so no Upload Part, Abort or
    /// other Complete can replace or release a chosen part in between (lock order: uploads,
    /// then a bucket). The object record is written before the upload's records are
    /// removed: after a crash in between, the next start sees an upload whose parts an
    /// object references and drops it.
    #[cfg(test)]
    pub(crate) fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        listed: &[(u32, String)],
        now_ms: u64,
    ) -> Result<ObjectMeta, CompleteError> {
        self.complete_upload_checked(bucket, key, upload_id, listed, now_ms, false)
    }

    /// [`Store::complete_upload`]; with `forbid_overwrite`, fails with
    /// [`CompleteError::AlreadyExists`] when the key holds an object (checked under the
    /// bucket lock of the commit), leaving the upload open.
    pub(crate) fn complete_upload_checked(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        listed: &[(u32, String)],
        now_ms: u64,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta, CompleteError> {
        let mut uploads = self
            .uploads
            .write()
            .map_err(|_| CompleteError::Io("lock".into()))?;
        let upload = uploads
            .get(upload_id)
            .filter(|u| u.meta.bucket == bucket && u.meta.key == key)
            .ok_or(CompleteError::NoSuchUpload)?;
        let chosen = validate_parts(&upload.parts, listed)?;
        // The parts' digests were computed when they were received and their blobs are
        // immutable: the ETag and CRC-64 are combined from them.
        let mut etag_md5 = Md5::new();
        let mut crc = 0u64;
        for (part, _) in &chosen {
            etag_md5.update(part.md5);
            crc = crate::crc64::combine(crc, part.crc64, part.size);
        }
        let md5: [u8; 16] = etag_md5.finalize().into();
        let etag = format!("\"{}-{}\"", hex::encode(md5), chosen.len());
        let pieces = chosen.into_iter().map(|(p, blob)| (blob, p.size)).collect();
        let composite = Composite::new(pieces).map_err(io_err)?;
        let meta = ObjectMeta {
            key: key.to_string(),
            size: composite.len(),
            etag,
            crc64: crc,
            last_modified_ms: now_ms,
            headers: upload.meta.headers.clone(),
            storage_class: upload.meta.storage_class.clone(),
            attrs: upload.meta.attrs.clone(),
        };
        // On failure the composite comes back unreleased: the upload still owns its parts.
        self.commit_object(
            bucket,
            meta.clone(),
            Blob::Composite(Arc::new(composite)),
            forbid_overwrite,
        )
        .map_err(|(refused, _)| match refused {
            Refused::Exists => CompleteError::AlreadyExists,
            Refused::Io(e) => io_err(e),
        })?;
        let open = uploads.remove(upload_id);
        drop(uploads);
        let removed = self.persistence.remove_upload(upload_id);
        for (number, (_, blob)) in open.into_iter().flat_map(|u: OpenUpload| u.parts) {
            let is_listed = listed.binary_search_by_key(&number, |(n, _)| *n).is_ok();
            if !is_listed {
                self.persistence.release_blob(&blob);
            }
        }
        removed.map_err(io_err)?;
        Ok(meta)
    }
}

/// The listed parts with their blobs, in order, after every COS check.
fn validate_parts(
    parts: &BTreeMap<u32, (PartMeta, Blob)>,
    listed: &[(u32, String)],
) -> Result<Vec<(PartMeta, Blob)>, CompleteError> {
    if listed.is_empty() {
        return Err(CompleteError::NoParts);
    }
    if listed.windows(2).any(|w| matches!(w, [a, b] if a.0 >= b.0)) {
        return Err(CompleteError::InvalidPartOrder);
    }
    let mut chosen = Vec::with_capacity(listed.len());
    for (number, etag) in listed {
        let (part, blob) = parts
            .get(number)
            .ok_or(CompleteError::InvalidPart(*number))?;
        if etag.trim().trim_matches('"') != hex::encode(part.md5) {
            return Err(CompleteError::InvalidPart(*number));
        }
        chosen.push((part.clone(), blob.clone()));
    }
    let last = chosen.len().saturating_sub(1);
    for (i, (part, _)) in chosen.iter().enumerate() {
        if i != last && part.size < MIN_PART_SIZE {
            return Err(CompleteError::EntityTooSmall(part.number));
        }
    }
    Ok(chosen)
}
