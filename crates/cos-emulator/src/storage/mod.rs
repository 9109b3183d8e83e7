//! Object storage: an in-memory index (one ordered map per bucket plus open uploads) over
//! blobs that live in memory or in a data directory ([`persist`]).
//!
//! All methods are synchronous and hold locks only for short, non-blocking sections (a
//! metadata file write at most), never across an `await`.

mod blob;
mod bucket;
mod complete;
mod composite;
mod composite_reader;
mod digest_pipe;
mod model;
mod persist;

pub(crate) use blob::{Blob, BlobSource, BlobWriter, Digests};
pub(crate) use bucket::{ALL_USERS_URI, Acl, AclGrant, BucketMeta, CorsRule, Grantee, Permission};
pub(crate) use complete::CompleteError;
#[cfg(test)]
pub(crate) use composite::testing::sample as sample_composite;
pub(crate) use composite::{Composite, Cursor, SegmentData};
use composite_reader::CompositeReader;
pub(crate) use digest_pipe::DigestPipe;
pub(crate) use model::{ObjectAttrs, ObjectMeta, PartMeta, Sse, UploadMeta};

use md5::{Digest as _, Md5};
use persist::Persistence;
use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

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

/// One bucket: its record and its objects.
struct BucketEntry {
    meta: RwLock<BucketMeta>,
    objects: RwLock<BTreeMap<String, StoredObject>>,
}

impl BucketEntry {
    fn new(meta: BucketMeta) -> Arc<Self> {
        Arc::new(Self {
            meta: RwLock::new(meta),
            objects: RwLock::new(BTreeMap::new()),
        })
    }
}

/// Why DELETE Bucket did not delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BucketDeletion {
    /// Deleted.
    Deleted,
    /// No such bucket.
    Missing,
    /// It still holds objects or open multipart uploads.
    NotEmpty,
}

/// The name of the state document holding every bucket record.
const BUCKETS_DOCUMENT: &str = "buckets";

/// The storage of all buckets.
pub(crate) struct Store {
    persistence: Box<dyn Persistence>,
    buckets: RwLock<HashMap<String, Arc<BucketEntry>>>,
    uploads: RwLock<HashMap<String, OpenUpload>>,
    /// Serialises writes of the bucket document.
    bucket_document: Mutex<()>,
}

fn poisoned<T>(_: T) -> io::Error {
    io::Error::other("storage lock poisoned")
}

/// Why an object was not committed.
#[derive(Debug)]
pub(crate) enum Refused {
    /// The object the write would replace failed its expectation: `x-cos-forbid-overwrite`
    /// was asked for and the key holds an object, or an append's position/ETag moved on.
    Exists,
    /// Storage failed.
    Io(io::Error),
}

impl Store {
    /// Memory-only storage for `buckets`.
    pub(crate) fn in_memory(buckets: &[String]) -> Self {
        Self::with(Box::new(persist::InMemory), buckets)
    }

    /// Storage in `dir`, restoring what an earlier run left there.
    pub(crate) fn open(dir: &Path, buckets: &[String], durable: bool) -> io::Result<Self> {
        let persistence = persist::DataDir::open(dir, durable)?;
        let mut records: Vec<BucketMeta> = match persistence.load_document(BUCKETS_DOCUMENT)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(io::Error::other)?,
            None => Vec::new(),
        };
        for name in buckets {
            if !records.iter().any(|r| &r.name == name) {
                records.push(BucketMeta::new(name, now_ms()));
            }
        }
        let names: Vec<String> = records.iter().map(|r| r.name.clone()).collect();
        let loaded = persistence.load(&names)?;
        let store = Self::with_records(Box::new(persistence), records);
        store.save_buckets()?;
        for (bucket, meta, blob) in loaded.objects {
            if let Some(entry) = store.entry(&bucket) {
                let mut map = entry.objects.write().map_err(poisoned)?;
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
        let now = now_ms();
        let records = buckets.iter().map(|b| BucketMeta::new(b, now)).collect();
        Self::with_records(persistence, records)
    }

    fn with_records(persistence: Box<dyn Persistence>, records: Vec<BucketMeta>) -> Self {
        Self {
            persistence,
            buckets: RwLock::new(
                records
                    .into_iter()
                    .map(|r| (r.name.clone(), BucketEntry::new(r)))
                    .collect(),
            ),
            uploads: RwLock::new(HashMap::new()),
            bucket_document: Mutex::new(()),
        }
    }

    fn entry(&self, bucket: &str) -> Option<Arc<BucketEntry>> {
        self.buckets.read().ok()?.get(bucket).cloned()
    }

    /// Whether the bucket exists.
    pub(crate) fn has_bucket(&self, bucket: &str) -> bool {
        self.entry(bucket).is_some()
    }

    /// The names of every bucket.
    pub(crate) fn bucket_names(&self) -> Vec<String> {
        self.buckets
            .read()
            .map(|b| b.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The records of every bucket, in name order.
    pub(crate) fn bucket_records(&self) -> Vec<BucketMeta> {
        let entries: Vec<Arc<BucketEntry>> = self
            .buckets
            .read()
            .map(|b| b.values().cloned().collect())
            .unwrap_or_default();
        let mut records: Vec<BucketMeta> = entries
            .iter()
            .filter_map(|e| e.meta.read().ok().map(|m| m.clone()))
            .collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    }

    /// The record of one bucket.
    pub(crate) fn bucket_record(&self, bucket: &str) -> Option<BucketMeta> {
        let entry = self.entry(bucket)?;
        let meta = entry.meta.read().ok()?;
        Some(meta.clone())
    }

    /// Creates a bucket; `Ok(false)` when it already exists.
    pub(crate) fn create_bucket(&self, meta: BucketMeta) -> io::Result<bool> {
        let mut buckets = self.buckets.write().map_err(poisoned)?;
        if buckets.contains_key(&meta.name) {
            return Ok(false);
        }
        buckets.insert(meta.name.clone(), BucketEntry::new(meta));
        drop(buckets);
        self.save_buckets()?;
        Ok(true)
    }

    /// Deletes an empty bucket (no objects, no open multipart uploads).
    pub(crate) fn delete_bucket(&self, bucket: &str) -> io::Result<BucketDeletion> {
        let uploads = self.uploads.read().map_err(poisoned)?;
        let mut buckets = self.buckets.write().map_err(poisoned)?;
        let Some(entry) = buckets.get(bucket) else {
            return Ok(BucketDeletion::Missing);
        };
        let has_objects = !entry.objects.read().map_err(poisoned)?.is_empty();
        if has_objects || uploads.values().any(|u| u.meta.bucket == bucket) {
            return Ok(BucketDeletion::NotEmpty);
        }
        buckets.remove(bucket);
        drop(buckets);
        drop(uploads);
        self.save_buckets()?;
        Ok(BucketDeletion::Deleted)
    }

    /// Changes a bucket's record; `Ok(false)` when the bucket does not exist.
    pub(crate) fn update_bucket(
        &self,
        bucket: &str,
        change: impl FnOnce(&mut BucketMeta),
    ) -> io::Result<bool> {
        let Some(entry) = self.entry(bucket) else {
            return Ok(false);
        };
        change(&mut *entry.meta.write().map_err(poisoned)?);
        self.save_buckets()?;
        Ok(true)
    }

    /// Writes every bucket record to the `buckets` state document.
    fn save_buckets(&self) -> io::Result<()> {
        let _guard = self.bucket_document.lock().map_err(poisoned)?;
        let records = self.bucket_records();
        let bytes = serde_json::to_vec(&records).map_err(io::Error::other)?;
        self.persistence.save_document(BUCKETS_DOCUMENT, &bytes)
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

    /// Whether [`Store::save_document`] keeps what it is given (false in memory mode).
    pub(crate) fn keeps_documents(&self) -> bool {
        self.persistence.keeps_documents()
    }

    /// Reads a named state document.
    pub(crate) fn load_document(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        self.persistence.load_document(name)
    }

    fn bucket(&self, bucket: &str) -> io::Result<Arc<BucketEntry>> {
        self.entry(bucket)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such bucket"))
    }

    /// Makes `blob` the object `meta.key`, replacing (and releasing) any older version; on
    /// failure `blob` is released.
    pub(crate) fn put_object(&self, bucket: &str, meta: ObjectMeta, blob: Blob) -> io::Result<()> {
        self.put_object_checked(bucket, meta, blob, false)
            .map_err(|refused| match refused {
                Refused::Io(e) => e,
                Refused::Exists => io::Error::other("an overwrite was refused unasked"),
            })
    }

    /// [`Store::put_object`]; with `forbid_overwrite`, refuses with [`Refused::Exists`] (and
    /// releases `blob`) when the key holds an object, checked under the same lock as the
    /// insert.
    pub(crate) fn put_object_checked(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        blob: Blob,
        forbid_overwrite: bool,
    ) -> Result<(), Refused> {
        self.commit_object(bucket, meta, blob, forbid_overwrite)
            .map_err(|(refused, blob)| {
                self.persistence.release_blob(&blob);
                refused
            })
    }

    /// Makes `blob` the object `meta.key`, replacing (and releasing) any older version, or
    /// with `forbid_overwrite` refusing when there is one; on failure `blob` is handed back,
    /// not released.
    pub(super) fn commit_object(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        blob: Blob,
        forbid_overwrite: bool,
    ) -> Result<(), (Refused, Blob)> {
        self.commit_object_if(bucket, meta, blob, |now| {
            !(forbid_overwrite && now.is_some())
        })
    }

    /// [`Self::commit_object`] only if `expect` holds for the object it replaces (`None`:
    /// there is none), checked under the bucket's lock: [`Refused::Exists`] with `blob` handed
    /// back (not released) when it does not.
    fn commit_object_if(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        blob: Blob,
        expect: impl FnOnce(Option<&ObjectMeta>) -> bool,
    ) -> Result<(), (Refused, Blob)> {
        let entry = match self.bucket(bucket) {
            Ok(entry) => entry,
            Err(e) => return Err((Refused::Io(e), blob)),
        };
        let mut map = match entry.objects.write() {
            Ok(map) => map,
            Err(e) => return Err((Refused::Io(poisoned(e)), blob)),
        };
        if !expect(map.get(&meta.key).map(|o| o.meta.as_ref())) {
            return Err((Refused::Exists, blob));
        }
        if let Err(e) = self.persistence.save_object(bucket, &meta, &blob) {
            return Err((Refused::Io(e), blob));
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

    /// Makes `blob` the object `meta.key` only if `expect` holds for the object it replaces
    /// (`None`: there is none); `Ok(false)` (and `blob` released) when it does not.
    pub(crate) fn put_object_if(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        blob: Blob,
        expect: impl FnOnce(Option<&ObjectMeta>) -> bool,
    ) -> io::Result<bool> {
        match self.commit_object_if(bucket, meta, blob, expect) {
            Ok(()) => Ok(true),
            Err((refused, blob)) => {
                self.persistence.release_blob(&blob);
                match refused {
                    Refused::Exists => Ok(false),
                    Refused::Io(e) => Err(e),
                }
            }
        }
    }

    /// Changes an existing object's attributes (ACL, tags) in place, keeping its bytes and
    /// last-modified time; `Ok(None)` when there is no such object.
    pub(crate) fn update_attrs<E>(
        &self,
        bucket: &str,
        key: &str,
        change: impl FnOnce(&mut ObjectAttrs) -> Result<(), E>,
    ) -> io::Result<Option<Result<Arc<ObjectMeta>, E>>> {
        let lock = self.bucket(bucket)?;
        let mut map = lock.objects.write().map_err(poisoned)?;
        let Some(object) = map.get_mut(key) else {
            return Ok(None);
        };
        let mut meta = ObjectMeta::clone(&object.meta);
        if let Err(e) = change(&mut meta.attrs) {
            return Ok(Some(Err(e)));
        }
        self.persistence.save_object(bucket, &meta, &object.blob)?;
        object.meta = Arc::new(meta);
        Ok(Some(Ok(object.meta.clone())))
    }

    /// New bytes: the bytes of each source in order, with digests over all of them (APPEND
    /// Object: the object so far, then the appended chunk). Blocking: call it off the async
    /// runtime.
    pub(crate) fn concat(
        &self,
        sources: Vec<BlobSource>,
        size: u64,
    ) -> io::Result<(Blob, Digests)> {
        let mut writer = self.writer(size)?;
        for source in sources {
            copy_source(source, &mut writer)?;
        }
        writer.finish()
    }

    /// New bytes equal to `source`, the opened bytes of the object `meta` (PUT Object - Copy).
    /// In-memory bytes are shared (they are immutable); a file or a composite is copied into
    /// a new single blob, so a part blob always has exactly one owner. The MD5 is taken from
    /// a plain (non-multipart) ETag instead of being computed again.
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
            source @ (BlobSource::File(_) | BlobSource::Composite(_)) => {
                let mut writer = self.writer(meta.size)?;
                copy_source(source, &mut writer)?;
                writer.finish()
            }
        }
    }

    /// A new blob holding `len` bytes of `source` from `start` (Upload Part - Copy), with
    /// its CRC-64 and, when `with_md5`, its MD5 (else zeros). The range must lie inside the
    /// source. Blocking: call it off the async runtime.
    pub(crate) fn copy_range(
        &self,
        source: BlobSource,
        start: u64,
        len: u64,
        with_md5: bool,
    ) -> io::Result<(Blob, Digests)> {
        let mut writer = self.writer(len)?;
        if !with_md5 {
            writer = writer.without_md5();
        }
        match source {
            BlobSource::Memory(bytes) => {
                let range = usize::try_from(start)
                    .ok()
                    .zip(usize::try_from(start.saturating_add(len)).ok())
                    .and_then(|(from, to)| bytes.get(from..to))
                    .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
                writer.write(range)?;
            }
            BlobSource::File(mut file) => {
                use io::{Read as _, Seek as _};
                file.seek(io::SeekFrom::Start(start))?;
                copy_reader(file.take(len), &mut writer)?;
            }
            BlobSource::Composite(composite) => {
                copy_reader(CompositeReader::new(composite, start, len), &mut writer)?;
            }
        }
        if writer.len() != len {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        writer.finish()
    }

    /// The object's metadata.
    pub(crate) fn head_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> io::Result<Option<Arc<ObjectMeta>>> {
        let entry = self.bucket(bucket)?;
        let map = entry.objects.read().map_err(poisoned)?;
        Ok(map.get(key).map(|o| o.meta.clone()))
    }

    /// The object's metadata and its bytes, opened for reading.
    pub(crate) fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> io::Result<Option<(Arc<ObjectMeta>, BlobSource)>> {
        let entry = self.bucket(bucket)?;
        let map = entry.objects.read().map_err(poisoned)?;
        match map.get(key) {
            None => Ok(None),
            Some(o) => Ok(Some((o.meta.clone(), BlobSource::open(&o.blob)?))),
        }
    }

    /// Deletes an object; `Ok(false)` when it did not exist.
    pub(crate) fn delete_object(&self, bucket: &str, key: &str) -> io::Result<bool> {
        let entry = self.bucket(bucket)?;
        let mut map = entry.objects.write().map_err(poisoned)?;
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
        let entry = self.bucket(bucket)?;
        let map = entry.objects.read().map_err(poisoned)?;
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
}

/// The wall clock in Unix milliseconds (creation time of configured buckets).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The MD5 in a quoted single-part ETag (`"<32 hex>"`); `None` for multipart ETags.
fn plain_md5(etag: &str) -> Option<[u8; 16]> {
    let hex_digits = etag.trim_matches('"');
    let mut md5 = [0u8; 16];
    hex::decode_to_slice(hex_digits, &mut md5).ok()?;
    Some(md5)
}

fn copy_source(source: BlobSource, writer: &mut BlobWriter) -> io::Result<()> {
    match source {
        BlobSource::Memory(bytes) => writer.write(&bytes),
        BlobSource::File(file) => copy_reader(file, writer),
        BlobSource::Composite(composite) => {
            let len = composite.len();
            copy_reader(CompositeReader::new(composite, 0, len), writer)
        }
    }
}

fn copy_reader(mut reader: impl io::Read, writer: &mut BlobWriter) -> io::Result<()> {
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        writer.write(buf.get(..n).unwrap_or_default())?;
    }
}

#[cfg(test)]
mod tests;
