//! Object storage: an in-memory index (one ordered map per bucket plus open uploads) over
//! blobs that live in memory or in a data directory ([`persist`]).
//!
//! All methods are synchronous and hold locks only for short, non-blocking sections (a
//! metadata file write at most), never across an `await`.

mod blob;
mod digest_pipe;
mod model;
mod persist;

pub(crate) use blob::{Blob, BlobSource, BlobWriter, Digests};
pub(crate) use digest_pipe::DigestPipe;
pub(crate) use model::{ObjectMeta, PartMeta, UploadMeta};

use md5::{Digest as _, Md5};
use persist::Persistence;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// Smallest size of every part but the last, in bytes.
pub(crate) const MIN_PART_SIZE: u64 = 1024 * 1024;
/// Highest part number.
pub(crate) const MAX_PART_NUMBER: u32 = 10_000;

#[derive(Clone)]
struct StoredObject {
    meta: Arc<ObjectMeta>,
    blob: Blob,
}

struct OpenUpload {
    meta: UploadMeta,
    parts: BTreeMap<u32, (PartMeta, Blob)>,
}

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
    /// Storage failed.
    Io(String),
}

/// One page of a bucket listing.
#[derive(Debug, Default)]
pub(crate) struct ObjectPage {
    /// Objects in key order.
    pub(crate) contents: Vec<Arc<ObjectMeta>>,
    /// Rolled-up common prefixes in order.
    pub(crate) common_prefixes: Vec<String>,
    /// More entries follow.
    pub(crate) truncated: bool,
    /// Key or prefix to continue after (set when truncated).
    pub(crate) next_marker: Option<String>,
}

/// Summary of one open upload for List Multipart Uploads.
#[derive(Debug, Clone)]
pub(crate) struct UploadSummary {
    /// Its metadata.
    pub(crate) meta: UploadMeta,
}

/// The storage of all buckets.
pub(crate) struct Store {
    persistence: Box<dyn Persistence>,
    buckets: HashMap<String, RwLock<BTreeMap<String, StoredObject>>>,
    uploads: RwLock<HashMap<String, OpenUpload>>,
}

fn poisoned<T>(_: T) -> io::Error {
    io::Error::other("storage lock poisoned")
}

impl Store {
    /// Memory-only storage for `buckets`.
    pub(crate) fn in_memory(buckets: &[String]) -> Self {
        Self::with(Box::new(persist::InMemory), buckets)
    }

    /// Storage in `dir`, restoring what an earlier run left there.
    pub(crate) fn open(dir: &Path, buckets: &[String], durable: bool) -> io::Result<Self> {
        let persistence = persist::DataDir::open(dir, durable)?;
        let loaded = persistence.load(buckets)?;
        let store = Self::with(Box::new(persistence), buckets);
        for (bucket, meta, blob) in loaded.objects {
            if let Some(lock) = store.buckets.get(&bucket) {
                let mut map = lock.write().map_err(poisoned)?;
                map.insert(
                    meta.key.clone(),
                    StoredObject {
                        meta: Arc::new(meta),
                        blob,
                    },
                );
            }
        }
        let mut uploads = store.uploads.write().map_err(poisoned)?;
        for (meta, parts) in loaded.uploads {
            let parts = parts.into_iter().map(|(p, b)| (p.number, (p, b))).collect();
            uploads.insert(meta.upload_id.clone(), OpenUpload { meta, parts });
        }
        drop(uploads);
        Ok(store)
    }

    fn with(persistence: Box<dyn Persistence>, buckets: &[String]) -> Self {
        Self {
            persistence,
            buckets: buckets
                .iter()
                .map(|b| (b.clone(), RwLock::new(BTreeMap::new())))
                .collect(),
            uploads: RwLock::new(HashMap::new()),
        }
    }

    /// Whether the bucket exists.
    pub(crate) fn has_bucket(&self, bucket: &str) -> bool {
        self.buckets.contains_key(bucket)
    }

    /// A writer for new bytes.
    pub(crate) fn writer(&self, size_hint: u64) -> io::Result<BlobWriter> {
        self.persistence.blob_writer(size_hint)
    }

    /// Releases a finished blob that will not be committed.
    pub(crate) fn discard(&self, blob: &Blob) {
        self.persistence.release_blob(blob);
    }

    /// Named state documents (credentials, root key).
    pub(crate) fn save_document(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.persistence.save_document(name, bytes)
    }

    /// Reads a named state document.
    pub(crate) fn load_document(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        self.persistence.load_document(name)
    }

    fn bucket(&self, bucket: &str) -> io::Result<&RwLock<BTreeMap<String, StoredObject>>> {
        self.buckets
            .get(bucket)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such bucket"))
    }

    /// Makes `blob` the object `meta.key`, replacing (and releasing) any older version.
    pub(crate) fn put_object(&self, bucket: &str, meta: ObjectMeta, blob: Blob) -> io::Result<()> {
        let lock = self.bucket(bucket)?;
        let mut map = lock.write().map_err(poisoned)?;
        if let Err(e) = self.persistence.save_object(bucket, &meta, &blob) {
            drop(map);
            self.persistence.release_blob(&blob);
            return Err(e);
        }
        let old = map.insert(
            meta.key.clone(),
            StoredObject {
                meta: Arc::new(meta),
                blob,
            },
        );
        drop(map);
        if let Some(old) = old {
            self.persistence.release_blob(&old.blob);
        }
        Ok(())
    }

    /// New bytes equal to `source`, the opened bytes of the object `meta` (PUT Object - Copy).
    /// In-memory bytes are shared (they are immutable); a file is copied into a new blob. The
    /// MD5 is taken from a plain (non-multipart) ETag instead of being computed again.
    /// Blocking: call it off the async runtime for large objects.
    pub(crate) fn duplicate(
        &self,
        source: BlobSource,
        meta: &ObjectMeta,
    ) -> io::Result<(Blob, Digests)> {
        match source {
            BlobSource::Memory(bytes) => {
                let md5 = plain_md5(&meta.etag).unwrap_or_else(|| Md5::digest(&bytes).into());
                let digests = Digests {
                    md5,
                    crc64: meta.crc64,
                    len: bytes.len() as u64,
                };
                Ok((Blob::Memory(bytes), digests))
            }
            file @ BlobSource::File(_) => {
                let mut writer = self.writer(meta.size)?;
                copy_source(file, &mut writer)?;
                writer.finish()
            }
        }
    }

    /// The object's metadata.
    pub(crate) fn head_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> io::Result<Option<Arc<ObjectMeta>>> {
        let map = self.bucket(bucket)?.read().map_err(poisoned)?;
        Ok(map.get(key).map(|o| o.meta.clone()))
    }

    /// The object's metadata and its bytes, opened for reading.
    pub(crate) fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> io::Result<Option<(Arc<ObjectMeta>, BlobSource)>> {
        let map = self.bucket(bucket)?.read().map_err(poisoned)?;
        match map.get(key) {
            None => Ok(None),
            Some(o) => Ok(Some((o.meta.clone(), BlobSource::open(&o.blob)?))),
        }
    }

    /// Deletes an object; `Ok(false)` when it did not exist.
    pub(crate) fn delete_object(&self, bucket: &str, key: &str) -> io::Result<bool> {
        let lock = self.bucket(bucket)?;
        let mut map = lock.write().map_err(poisoned)?;
        if !map.contains_key(key) {
            return Ok(false);
        }
        self.persistence.remove_object(bucket, key)?;
        let old = map.remove(key);
        drop(map);
        if let Some(old) = old {
            self.persistence.release_blob(&old.blob);
        }
        Ok(true)
    }

    /// Lists keys after `marker` starting with `prefix`, rolling up at `delimiter`, at most
    /// `max_keys` entries (objects + prefixes).
    pub(crate) fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: Option<&str>,
        marker: &str,
        max_keys: usize,
    ) -> io::Result<ObjectPage> {
        let map = self.bucket(bucket)?.read().map_err(poisoned)?;
        let mut page = ObjectPage::default();
        let start = if marker.as_bytes() > prefix.as_bytes() {
            marker
        } else {
            prefix
        };
        let range =
            map.range::<str, _>((std::ops::Bound::Included(start), std::ops::Bound::Unbounded));
        let mut count = 0usize;
        let mut last: Option<String> = None;
        for (key, object) in range {
            if key.as_str() <= marker {
                continue;
            }
            if !key.starts_with(prefix) {
                break;
            }
            let rolled = delimiter.filter(|d| !d.is_empty()).and_then(|d| {
                let rest = key.get(prefix.len()..)?;
                rest.find(d)
                    .map(|i| key.get(..prefix.len() + i + d.len()).map(str::to_string))
            });
            let entry_name = match &rolled {
                Some(Some(cp)) => {
                    if page.common_prefixes.last() == Some(cp) || cp.as_str() <= marker {
                        continue;
                    }
                    cp.clone()
                }
                _ => key.clone(),
            };
            if count == max_keys {
                page.truncated = true;
                page.next_marker = last;
                return Ok(page);
            }
            count += 1;
            match rolled {
                Some(Some(cp)) => page.common_prefixes.push(cp),
                _ => page.contents.push(object.meta.clone()),
            }
            last = Some(entry_name);
        }
        Ok(page)
    }

    /// Opens a multipart upload.
    pub(crate) fn create_upload(&self, meta: UploadMeta) -> io::Result<()> {
        self.bucket(&meta.bucket)?;
        let mut uploads = self.uploads.write().map_err(poisoned)?;
        self.persistence.save_upload(&meta)?;
        uploads.insert(
            meta.upload_id.clone(),
            OpenUpload {
                meta,
                parts: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// The upload, if it exists and belongs to `bucket`/`key`.
    pub(crate) fn upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> io::Result<Option<UploadMeta>> {
        let uploads = self.uploads.read().map_err(poisoned)?;
        Ok(uploads
            .get(upload_id)
            .filter(|u| u.meta.bucket == bucket && u.meta.key == key)
            .map(|u| u.meta.clone()))
    }

    /// Stores a part (replacing one with the same number). `Ok(false)`: no such upload.
    pub(crate) fn put_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part: PartMeta,
        blob: Blob,
    ) -> io::Result<bool> {
        let mut uploads = self.uploads.write().map_err(poisoned)?;
        let Some(upload) = uploads
            .get_mut(upload_id)
            .filter(|u| u.meta.bucket == bucket && u.meta.key == key)
        else {
            drop(uploads);
            self.persistence.release_blob(&blob);
            return Ok(false);
        };
        if let Err(e) = self.persistence.save_part(upload_id, &part, &blob) {
            drop(uploads);
            self.persistence.release_blob(&blob);
            return Err(e);
        }
        let old = upload.parts.insert(part.number, (part, blob));
        drop(uploads);
        if let Some((_, old)) = old {
            self.persistence.release_blob(&old);
        }
        Ok(true)
    }

    /// The parts of an upload in number order.
    pub(crate) fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> io::Result<Option<(UploadMeta, Vec<PartMeta>)>> {
        let uploads = self.uploads.read().map_err(poisoned)?;
        Ok(uploads
            .get(upload_id)
            .filter(|u| u.meta.bucket == bucket && u.meta.key == key)
            .map(|u| {
                (
                    u.meta.clone(),
                    u.parts.values().map(|(p, _)| p.clone()).collect(),
                )
            }))
    }

    /// Open uploads of a bucket whose key starts with `prefix`, ordered by (key, upload id).
    pub(crate) fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> io::Result<Vec<UploadSummary>> {
        let uploads = self.uploads.read().map_err(poisoned)?;
        let mut list: Vec<UploadSummary> = uploads
            .values()
            .filter(|u| u.meta.bucket == bucket && u.meta.key.starts_with(prefix))
            .map(|u| UploadSummary {
                meta: u.meta.clone(),
            })
            .collect();
        list.sort_by(|a, b| {
            (a.meta.key.as_str(), a.meta.upload_id.as_str())
                .cmp(&(b.meta.key.as_str(), b.meta.upload_id.as_str()))
        });
        Ok(list)
    }

    /// Aborts an upload; `Ok(false)` when unknown.
    pub(crate) fn abort_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> io::Result<bool> {
        let mut uploads = self.uploads.write().map_err(poisoned)?;
        let exists = uploads
            .get(upload_id)
            .is_some_and(|u| u.meta.bucket == bucket && u.meta.key == key);
        if !exists {
            return Ok(false);
        }
        self.persistence.remove_upload(upload_id)?;
        let removed = uploads.remove(upload_id);
        drop(uploads);
        for (_, blob) in removed.into_iter().flat_map(|u| u.parts.into_values()) {
            self.persistence.release_blob(&blob);
        }
        Ok(true)
    }

    /// Completes an upload from the listed `(part number, etag)` pairs; returns the new
    /// object's metadata. Parts not listed are discarded.
    pub(crate) fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        listed: &[(u32, String)],
        now_ms: u64,
    ) -> Result<ObjectMeta, CompleteError> {
        let io_err = |e: io::Error| CompleteError::Io(e.to_string());
        // Validate and take a snapshot of the chosen parts without holding the lock while copying.
        let (upload, chosen) = {
            let uploads = self
                .uploads
                .read()
                .map_err(|_| CompleteError::Io("lock".into()))?;
            let upload = uploads
                .get(upload_id)
                .filter(|u| u.meta.bucket == bucket && u.meta.key == key)
                .ok_or(CompleteError::NoSuchUpload)?;
            let chosen = validate_parts(&upload.parts, listed)?;
            (upload.meta.clone(), chosen)
        };
        let total: u64 = chosen.iter().map(|(p, _)| p.size).sum();
        // The parts' digests were computed when they were received and their blobs are
        // immutable: the object's CRC-64 is combined from them, and the bytes are appended
        // without another pass (file to file, in the kernel).
        let mut writer = self.writer(total).map_err(io_err)?.without_digests();
        let mut etag_md5 = Md5::new();
        let mut crc = 0u64;
        for (part, blob) in &chosen {
            let appended = writer.append_blob(blob).map_err(io_err)?;
            if appended != part.size {
                return Err(CompleteError::Io(format!(
                    "part {} holds {appended} bytes, not {}",
                    part.number, part.size
                )));
            }
            etag_md5.update(part.md5);
            crc = crate::crc64::combine(crc, part.crc64, part.size);
        }
        let (blob, digests) = writer.finish().map_err(io_err)?;
        let md5: [u8; 16] = etag_md5.finalize().into();
        let meta = ObjectMeta {
            key: key.to_string(),
            size: digests.len,
            etag: format!("\"{}-{}\"", hex::encode(md5), chosen.len()),
            crc64: crc,
            last_modified_ms: now_ms,
            headers: upload.headers.clone(),
            storage_class: upload.storage_class.clone(),
        };
        // The upload must still exist (a concurrent Abort or Complete wins otherwise).
        let mut uploads = self
            .uploads
            .write()
            .map_err(|_| CompleteError::Io("lock".into()))?;
        let Some(open) = uploads.remove(upload_id) else {
            drop(uploads);
            self.persistence.release_blob(&blob);
            return Err(CompleteError::NoSuchUpload);
        };
        drop(uploads);
        self.put_object(bucket, meta.clone(), blob)
            .map_err(io_err)?;
        self.persistence.remove_upload(upload_id).map_err(io_err)?;
        for (_, part_blob) in open.parts.into_values() {
            self.persistence.release_blob(&part_blob);
        }
        Ok(meta)
    }
}

/// The MD5 in a quoted single-part ETag (`"<32 hex>"`); `None` for multipart ETags.
fn plain_md5(etag: &str) -> Option<[u8; 16]> {
    let hex_digits = etag.trim_matches('"');
    let mut md5 = [0u8; 16];
    hex::decode_to_slice(hex_digits, &mut md5).ok()?;
    Some(md5)
}

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

fn copy_source(source: BlobSource, writer: &mut BlobWriter) -> io::Result<()> {
    match source {
        BlobSource::Memory(bytes) => writer.write(&bytes),
        BlobSource::File(mut file) => {
            use std::io::Read as _;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                writer.write(buf.get(..n).unwrap_or_default())?;
            }
        }
    }
}

#[cfg(test)]
mod tests;
