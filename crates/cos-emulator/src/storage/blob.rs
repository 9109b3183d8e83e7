//! Object and part bytes: where they live and how they are written.

use super::composite::Composite;
use crate::crc64::Crc64;
use bytes::{Bytes, BytesMut};
use md5::{Digest as _, Md5};
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

/// Finished, immutable bytes of an object or a part.
#[derive(Clone)]
pub(crate) enum Blob {
    /// Held in memory.
    Memory(Bytes),
    /// A file in the data directory, identified by `id` (its file name under `blobs/`).
    File {
        /// File name under `blobs/`.
        id: String,
        /// Full path.
        path: PathBuf,
    },
    /// The ordered parts of a completed multipart upload, not concatenated.
    Composite(Arc<Composite>),
}

impl Blob {
    /// The file id of a file blob.
    pub(crate) fn file_id(&self) -> Option<&str> {
        match self {
            Blob::Memory(_) | Blob::Composite(_) => None,
            Blob::File { id, .. } => Some(id),
        }
    }
}

/// Bytes opened for reading (a file is opened while the index lock is held, so a concurrent
/// overwrite that unlinks it cannot make the read fail).
pub(crate) enum BlobSource {
    /// In-memory bytes.
    Memory(Bytes),
    /// An open file.
    File(std::fs::File),
    /// A composite: its part files are opened one at a time as they are read, and stay
    /// on disk while this handle lives.
    Composite(Arc<Composite>),
}

impl BlobSource {
    /// Opens a blob for reading.
    pub(crate) fn open(blob: &Blob) -> io::Result<Self> {
        Ok(match blob {
            Blob::Memory(b) => BlobSource::Memory(b.clone()),
            Blob::File { path, .. } => BlobSource::File(std::fs::File::open(path)?),
            Blob::Composite(composite) => BlobSource::Composite(Arc::clone(composite)),
        })
    }
}

/// Digests of a finished blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Digests {
    /// MD5 of the bytes.
    pub(crate) md5: [u8; 16],
    /// CRC-64/XZ of the bytes.
    pub(crate) crc64: u64,
    /// Length in bytes.
    pub(crate) len: u64,
}

enum Sink {
    Memory(BytesMut),
    File {
        file: std::fs::File,
        tmp: PathBuf,
        id: String,
        final_path: PathBuf,
        durable: bool,
    },
}

/// Accumulates the bytes of a new blob, computing MD5 and CRC-64 on the way. Nothing is
/// visible to readers until the finished blob is committed to the index; a dropped writer
/// removes its temporary file.
pub(crate) struct BlobWriter {
    sink: Option<Sink>,
    md5: Option<Md5>,
    crc: Option<Crc64>,
    len: u64,
}

impl BlobWriter {
    /// A writer that keeps the bytes in memory (`capacity` is a hint, already bounded).
    pub(crate) fn memory(capacity: usize) -> Self {
        Self::with_sink(Sink::Memory(BytesMut::with_capacity(capacity)))
    }

    /// A writer into a temporary file that becomes `final_path` when finished.
    pub(crate) fn file(
        tmp: PathBuf,
        id: String,
        final_path: PathBuf,
        durable: bool,
    ) -> io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        Ok(Self::with_sink(Sink::File {
            file,
            tmp,
            id,
            final_path,
            durable,
        }))
    }

    fn with_sink(sink: Sink) -> Self {
        Self {
            sink: Some(sink),
            md5: Some(Md5::new()),
            crc: Some(Crc64::new()),
            len: 0,
        }
    }

    /// Skips the MD5 (when the ETag will not be an MD5).
    pub(crate) fn without_md5(mut self) -> Self {
        self.md5 = None;
        self
    }

    /// Skips MD5 and CRC-64 (the caller computes them elsewhere, such as on a
    /// [`DigestPipe`](super::DigestPipe)); [`BlobWriter::finish`] then reports zeros for both.
    pub(crate) fn without_digests(mut self) -> Self {
        self.md5 = None;
        self.crc = None;
        self
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Appends bytes.
    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match self.sink.as_mut() {
            Some(Sink::Memory(buf)) => buf.extend_from_slice(data),
            Some(Sink::File { file, .. }) => file.write_all(data)?,
            None => return Err(io::Error::other("blob writer already finished")),
        }
        if let Some(md5) = self.md5.as_mut() {
            md5.update(data);
        }
        if let Some(crc) = self.crc.as_mut() {
            crc.update(data);
        }
        self.len = self.len.saturating_add(data.len() as u64);
        Ok(())
    }

    /// Seals the blob: flushes (and for durable files syncs) and moves it to its final name.
    pub(crate) fn finish(mut self) -> io::Result<(Blob, Digests)> {
        let digests = Digests {
            md5: self
                .md5
                .take()
                .map(|m| m.finalize().into())
                .unwrap_or_default(),
            crc64: self.crc.as_ref().map_or(0, Crc64::finish),
            len: self.len,
        };
        let blob = match self.sink.take() {
            Some(Sink::Memory(buf)) => Blob::Memory(buf.freeze()),
            Some(Sink::File {
                mut file,
                tmp,
                id,
                final_path,
                durable,
            }) => {
                let result = (|| {
                    file.flush()?;
                    if durable {
                        file.sync_data()?;
                    }
                    drop(file);
                    std::fs::rename(&tmp, &final_path)
                })();
                if let Err(e) = result {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e);
                }
                Blob::File {
                    id,
                    path: final_path,
                }
            }
            None => return Err(io::Error::other("blob writer already finished")),
        };
        Ok((blob, digests))
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if let Some(Sink::File { tmp, .. }) = self.sink.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_writer_digests_match() {
        let mut w = BlobWriter::memory(4);
        w.write(b"hello ").unwrap();
        w.write(b"world").unwrap();
        assert_eq!(w.len(), 11);
        let (blob, d) = w.finish().unwrap();
        assert_eq!(hex::encode(d.md5), "5eb63bbbe01eeed093cb22bb8f5acdc3");
        assert_eq!(d.crc64, 5_981_764_153_023_615_706);
        match BlobSource::open(&blob).unwrap() {
            BlobSource::Memory(b) => assert_eq!(&b[..], b"hello world"),
            _ => panic!("memory blob opened as something else"),
        }
    }

    #[test]
    fn dropped_file_writer_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("t");
        let mut w = BlobWriter::file(tmp.clone(), "x".into(), dir.path().join("x"), false).unwrap();
        w.write(b"partial").unwrap();
        drop(w);
        assert!(!tmp.exists());
        assert!(!dir.path().join("x").exists());
    }
}
