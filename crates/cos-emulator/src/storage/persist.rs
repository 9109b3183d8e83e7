//! Where the index and blobs are kept: nowhere (memory) or a data directory.
//!
//! Data directory layout (every file is written to `tmp/` and renamed into place, so a crash
//! leaves either the old or the new version, never a torn one):
//!
//! ```text
//! blobs/<id>                              object and part bytes
//! tmp/                                    files being written
//! objects/<bucket>/<md5(key)>.json        object metadata + blob id, or the ordered
//!                                         part blob ids of a completed multipart upload
//! uploads/<upload id>/upload.json         an open multipart upload
//! uploads/<upload id>/part-<n>.json       one uploaded part + blob id
//! state/<name>.json                       other state (root key, temporary credentials)
//! ```

use super::blob::{Blob, BlobWriter};
use super::composite::Composite;
use super::model::{ObjectMeta, PartMeta, UploadMeta};
use md5::{Digest as _, Md5};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything restored from a data directory.
#[derive(Default)]
pub(crate) struct Loaded {
    /// `(bucket, metadata, blob)` for every object.
    pub(crate) objects: Vec<(String, ObjectMeta, Blob)>,
    /// Every open upload with its parts.
    pub(crate) uploads: Vec<(UploadMeta, Vec<(PartMeta, Blob)>)>,
}

/// Persistence of the storage index and blobs.
pub(crate) trait Persistence: Send + Sync {
    /// A writer for a new blob; `size_hint` is already bounded by the caller.
    fn blob_writer(&self, size_hint: u64) -> io::Result<BlobWriter>;
    /// Records an object (after its blob is finished).
    fn save_object(&self, bucket: &str, meta: &ObjectMeta, blob: &Blob) -> io::Result<()>;
    /// Forgets an object record.
    fn remove_object(&self, bucket: &str, key: &str) -> io::Result<()>;
    /// Records a new upload.
    fn save_upload(&self, upload: &UploadMeta) -> io::Result<()>;
    /// Records a part of an upload.
    fn save_part(&self, upload_id: &str, part: &PartMeta, blob: &Blob) -> io::Result<()>;
    /// Forgets an upload and its part records.
    fn remove_upload(&self, upload_id: &str) -> io::Result<()>;
    /// Deletes a blob nobody references any more.
    fn release_blob(&self, blob: &Blob);
    /// Stores a named document atomically.
    fn save_document(&self, name: &str, bytes: &[u8]) -> io::Result<()>;
    /// Whether saved documents are kept (false for memory storage, whose `save_document`
    /// drops them): callers skip rendering a document nobody will read.
    fn keeps_documents(&self) -> bool {
        true
    }
    /// Reads a named document.
    fn load_document(&self, name: &str) -> io::Result<Option<Vec<u8>>>;
    /// Restores the index, removing unreferenced blobs and stale temporary files.
    fn load(&self, buckets: &[String]) -> io::Result<Loaded>;
}

/// In-memory storage: nothing survives the process.
pub(crate) struct InMemory;

impl Persistence for InMemory {
    fn blob_writer(&self, size_hint: u64) -> io::Result<BlobWriter> {
        Ok(BlobWriter::memory(usize::try_from(size_hint).unwrap_or(0)))
    }
    fn save_object(&self, _: &str, _: &ObjectMeta, _: &Blob) -> io::Result<()> {
        Ok(())
    }
    fn remove_object(&self, _: &str, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn save_upload(&self, _: &UploadMeta) -> io::Result<()> {
        Ok(())
    }
    fn save_part(&self, _: &str, _: &PartMeta, _: &Blob) -> io::Result<()> {
        Ok(())
    }
    fn remove_upload(&self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn release_blob(&self, _: &Blob) {}
    fn save_document(&self, _: &str, _: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn keeps_documents(&self) -> bool {
        false
    }
    fn load_document(&self, _: &str) -> io::Result<Option<Vec<u8>>> {
        Ok(None)
    }
    fn load(&self, _: &[String]) -> io::Result<Loaded> {
        Ok(Loaded::default())
    }
}

/// A data directory on disk.
pub(crate) struct DataDir {
    root: PathBuf,
    durable: bool,
}

/// An object's record: a single blob id in `blob`, or (a completed multipart upload) the
/// part blobs in `parts`, in order. Records written before composites existed have `blob`.
#[derive(Serialize, Deserialize)]
struct ObjectRecord {
    meta: ObjectMeta,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    blob: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    parts: Vec<PieceRecord>,
}

/// One part blob of a composite object.
#[derive(Serialize, Deserialize)]
struct PieceRecord {
    blob: String,
    size: u64,
}

#[derive(Serialize, Deserialize)]
struct PartRecord {
    meta: PartMeta,
    blob: String,
}

impl DataDir {
    /// Opens (creating) a data directory. `durable` syncs data before each rename.
    pub(crate) fn open(root: &Path, durable: bool) -> io::Result<Self> {
        for sub in ["blobs", "tmp", "objects", "uploads", "state"] {
            std::fs::create_dir_all(root.join(sub))?;
        }
        // The root key and the temporary keys are secrets: owner-only, also when an older
        // version wrote them world-readable.
        owner_only(&root.join("state"), 0o700)?;
        for file in read_dir_files(&root.join("state")) {
            owner_only(&file, 0o600)?;
        }
        Ok(Self {
            root: root.to_path_buf(),
            durable,
        })
    }

    /// Moves a damaged file or directory aside to `quarantine/` (never deleting it) and logs
    /// one line with its path and the reason.
    fn quarantine(&self, path: &Path, reason: &str) {
        let relative = path.strip_prefix(&self.root).unwrap_or(path);
        let flat = relative.to_string_lossy().replace(['/', '\\'], "_");
        let dir = self.root.join("quarantine");
        let target = dir.join(format!("{}-{flat}", crate::ids::random_hex(6)));
        let moved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::rename(path, &target));
        match moved {
            Ok(()) => tracing::warn!(
                "cos-emulator: quarantined {} as {}: {reason}",
                path.display(),
                target.display()
            ),
            Err(e) => tracing::warn!(
                "cos-emulator: left damaged {} in place ({reason}); moving it aside failed: {e}",
                path.display()
            ),
        }
    }

    fn key_file(&self, bucket: &str, key: &str) -> PathBuf {
        let digest: [u8; 16] = Md5::digest(key.as_bytes()).into();
        self.root
            .join("objects")
            .join(bucket)
            .join(format!("{}.json", hex::encode(digest)))
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        use std::io::Write as _;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = self.root.join("tmp").join(crate::ids::random_hex(12));
        let result = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp)?;
            f.write_all(bytes)?;
            if self.durable {
                f.sync_data()?;
            }
            drop(f);
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn blob_from_id(&self, id: &str) -> Option<Blob> {
        let valid = !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| Blob::File {
            id: id.to_string(),
            path: self.root.join("blobs").join(id),
        })
    }

    /// The blob of an object record; `None` for an invalid record (a bad id, or part sizes
    /// that do not add up to the object's).
    fn object_blob(&self, record: &ObjectRecord) -> Option<Blob> {
        if record.parts.is_empty() {
            return self.blob_from_id(&record.blob);
        }
        let pieces = record
            .parts
            .iter()
            .map(|p| Some((self.blob_from_id(&p.blob)?, p.size)))
            .collect::<Option<Vec<_>>>()?;
        let composite = Composite::new(pieces).ok()?;
        (composite.len() == record.meta.size).then(|| Blob::Composite(Arc::new(composite)))
    }

    fn load_parts(&self, dir: &Path, damaged: &mut bool) -> Vec<(PartMeta, Blob)> {
        let mut parts = Vec::new();
        for entry in read_dir_files(dir) {
            let is_part = entry
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("part-"));
            if !is_part {
                continue;
            }
            let record = match read_json::<PartRecord>(&entry) {
                Ok(record) => record,
                Err(reason) => {
                    self.quarantine(&entry, &reason);
                    *damaged = true;
                    continue;
                }
            };
            match self.blob_from_id(&record.blob) {
                Some(blob) => parts.push((record.meta, blob)),
                None => {
                    self.quarantine(&entry, "the part's blob id is not valid");
                    *damaged = true;
                }
            }
        }
        parts
    }
}

/// The file ids a blob references.
fn blob_ids(blob: &Blob) -> Vec<String> {
    let pieces = match blob {
        Blob::Composite(composite) => composite.pieces().iter().map(|(p, _)| p).collect(),
        Blob::Memory(_) | Blob::File { .. } => vec![blob],
    };
    pieces
        .into_iter()
        .filter_map(|p| p.file_id().map(str::to_string))
        .collect()
}

fn read_dir_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("unreadable: {e}"))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("not a valid record: {e}"))
}

/// Restricts `path` to its owner (`mode`); a no-op where permissions are not Unix modes.
fn owner_only(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

fn to_json<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(io::Error::other)
}

fn valid_upload_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl Persistence for DataDir {
    fn blob_writer(&self, _size_hint: u64) -> io::Result<BlobWriter> {
        let id = crate::ids::random_hex(16);
        BlobWriter::file(
            self.root.join("tmp").join(format!("{id}.blob")),
            id.clone(),
            self.root.join("blobs").join(&id),
            self.durable,
        )
    }

    fn save_object(&self, bucket: &str, meta: &ObjectMeta, blob: &Blob) -> io::Result<()> {
        let parts = match blob {
            Blob::Composite(composite) => composite
                .pieces()
                .iter()
                .map(|(piece, size)| PieceRecord {
                    blob: piece.file_id().unwrap_or_default().to_string(),
                    size: *size,
                })
                .collect(),
            Blob::Memory(_) | Blob::File { .. } => Vec::new(),
        };
        let record = ObjectRecord {
            meta: meta.clone(),
            blob: blob.file_id().unwrap_or_default().to_string(),
            parts,
        };
        self.write_atomic(&self.key_file(bucket, &meta.key), &to_json(&record)?)
    }

    fn remove_object(&self, bucket: &str, key: &str) -> io::Result<()> {
        match std::fs::remove_file(self.key_file(bucket, key)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn save_upload(&self, upload: &UploadMeta) -> io::Result<()> {
        if !valid_upload_id(&upload.upload_id) {
            return Err(io::Error::other("invalid upload id"));
        }
        let path = self
            .root
            .join("uploads")
            .join(&upload.upload_id)
            .join("upload.json");
        self.write_atomic(&path, &to_json(upload)?)
    }

    fn save_part(&self, upload_id: &str, part: &PartMeta, blob: &Blob) -> io::Result<()> {
        if !valid_upload_id(upload_id) {
            return Err(io::Error::other("invalid upload id"));
        }
        let record = PartRecord {
            meta: part.clone(),
            blob: blob.file_id().unwrap_or_default().to_string(),
        };
        let path = self
            .root
            .join("uploads")
            .join(upload_id)
            .join(format!("part-{}.json", part.number));
        self.write_atomic(&path, &to_json(&record)?)
    }

    fn remove_upload(&self, upload_id: &str) -> io::Result<()> {
        if !valid_upload_id(upload_id) {
            return Ok(());
        }
        match std::fs::remove_dir_all(self.root.join("uploads").join(upload_id)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn release_blob(&self, blob: &Blob) {
        match blob {
            Blob::Memory(_) => {}
            Blob::File { path, .. } => {
                let _ = std::fs::remove_file(path);
            }
            // Its files go when the last reader is done with it.
            Blob::Composite(composite) => composite.release(),
        }
    }

    fn save_document(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.write_atomic(&self.root.join("state").join(format!("{name}.json")), bytes)
    }

    fn load_document(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.root.join("state").join(format!("{name}.json"))) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn load(&self, buckets: &[String]) -> io::Result<Loaded> {
        let mut loaded = Loaded::default();
        let mut keep = HashSet::new();
        // Damaged records are quarantined, never deleted; then the blobs nobody references
        // may be theirs, so they are quarantined too instead of collected.
        let mut damaged = false;
        for bucket in buckets {
            for path in read_dir_files(&self.root.join("objects").join(bucket)) {
                let record = match read_json::<ObjectRecord>(&path) {
                    Ok(record) => record,
                    Err(reason) => {
                        self.quarantine(&path, &reason);
                        damaged = true;
                        continue;
                    }
                };
                match self.object_blob(&record) {
                    Some(blob) => {
                        keep.extend(blob_ids(&blob));
                        loaded.objects.push((bucket.clone(), record.meta, blob));
                    }
                    None => {
                        self.quarantine(
                            &path,
                            "its blob ids are not valid or its parts do not add up to its size",
                        );
                        damaged = true;
                    }
                }
            }
        }
        let objects_keep = keep.clone();
        for dir in read_dir_files(&self.root.join("uploads")) {
            let upload = match read_json::<UploadMeta>(&dir.join("upload.json")) {
                Ok(upload) => upload,
                Err(reason) => {
                    self.quarantine(&dir, &format!("upload.json: {reason}"));
                    damaged = true;
                    continue;
                }
            };
            let parts = self.load_parts(&dir, &mut damaged);
            let ids: Vec<String> = parts.iter().flat_map(|(_, b)| blob_ids(b)).collect();
            if ids.iter().any(|id| objects_keep.contains(id)) {
                // A crash between Complete's object record and the removal of the upload:
                // the object owns the listed parts, the others are collected below.
                let _ = std::fs::remove_dir_all(&dir);
                continue;
            }
            keep.extend(ids);
            loaded.uploads.push((upload, parts));
        }
        // Blobs no record points to are leftovers of a crash between blob and record writes.
        for path in read_dir_files(&self.root.join("blobs")) {
            let referenced = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| keep.contains(n));
            if referenced {
                continue;
            }
            if damaged {
                self.quarantine(&path, "no readable record references this blob");
            } else {
                let _ = std::fs::remove_file(path);
            }
        }
        for path in read_dir_files(&self.root.join("tmp")) {
            let _ = std::fs::remove_file(path);
        }
        Ok(loaded)
    }
}
