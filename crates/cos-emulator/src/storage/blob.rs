//! Object and part bytes: where they live and how they are written.

use crate::crc64::Crc64;
use bytes::{Bytes, BytesMut};
use md5::{Digest as _, Md5};
use std::io::{self, Write as _};
use std::path::PathBuf;

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
}

impl Blob {
    /// The file id of a file blob.
    pub(crate) fn file_id(&self) -> Option<&str> {
        match self {
            Blob::Memory(_) => None,
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
}

impl BlobSource {
    /// Opens a blob for reading.
    pub(crate) fn open(blob: &Blob) -> io::Result<Self> {
        Ok(match blob {
            Blob::Memory(b) => BlobSource::Memory(b.clone()),
            Blob::File { path, .. } => BlobSource::File(std::fs::File::open(path)?),
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

    /// Skips the MD5 (used when assembling multipart objects, whose ETag is not an MD5).
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

    /// Appends the whole of `blob`, whose digests the caller already knows: the writer must
    /// have been made [`BlobWriter::without_digests`]. File to file, the kernel copies
    /// (`copy_file_range`), so assembling a multipart object costs no pass through user
    /// space. Returns the number of bytes appended.
    pub(crate) fn append_blob(&mut self, blob: &Blob) -> io::Result<u64> {
        if self.md5.is_some() || self.crc.is_some() {
            return Err(io::Error::other(
                "append_blob needs a writer without digests",
            ));
        }
        let appended = match (self.sink.as_mut(), BlobSource::open(blob)?) {
            (Some(Sink::Memory(buf)), BlobSource::Memory(bytes)) => {
                buf.extend_from_slice(&bytes);
                bytes.len() as u64
            }
            (Some(Sink::File { file, .. }), BlobSource::File(mut source)) => {
                io::copy(&mut source, file)?
            }
            (Some(Sink::File { file, .. }), BlobSource::Memory(bytes)) => {
                file.write_all(&bytes)?;
                bytes.len() as u64
            }
            (Some(Sink::Memory(buf)), BlobSource::File(mut source)) => {
                use bytes::BufMut as _;
                let mut writer = std::mem::take(buf).writer();
                let copied = io::copy(&mut source, &mut writer);
                *buf = writer.into_inner();
                copied?
            }
            (None, _) => return Err(io::Error::other("blob writer already finished")),
        };
        self.len = self.len.saturating_add(appended);
        Ok(appended)
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
            BlobSource::File(_) => panic!("memory blob opened as file"),
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

    fn read_all(blob: &Blob) -> Vec<u8> {
        use std::io::Read as _;
        match BlobSource::open(blob).unwrap() {
            BlobSource::Memory(b) => b.to_vec(),
            BlobSource::File(mut f) => {
                let mut out = Vec::new();
                f.read_to_end(&mut out).unwrap();
                out
            }
        }
    }

    #[test]
    fn append_blob_concatenates_every_source_into_every_sink() {
        let dir = tempfile::tempdir().unwrap();
        let file_blob = |name: &str, data: &[u8]| {
            let mut w = BlobWriter::file(
                dir.path().join(format!("{name}.tmp")),
                name.into(),
                dir.path().join(name),
                false,
            )
            .unwrap();
            w.write(data).unwrap();
            w.finish().unwrap().0
        };
        let parts = [
            file_blob("a", b"file part, "),
            Blob::Memory(Bytes::from_static(b"memory part, ")),
            file_blob("b", &[b'z'; 70_000]),
        ];
        let mut expected = b"file part, memory part, ".to_vec();
        expected.extend_from_slice(&[b'z'; 70_000]);
        let sinks = [
            BlobWriter::memory(0),
            BlobWriter::file(
                dir.path().join("out.tmp"),
                "out".into(),
                dir.path().join("out"),
                false,
            )
            .unwrap(),
        ];
        for sink in sinks {
            let mut w = sink.without_digests();
            let appended: u64 = parts.iter().map(|p| w.append_blob(p).unwrap()).sum();
            assert_eq!(appended, expected.len() as u64);
            assert_eq!(w.len(), appended);
            let (blob, _) = w.finish().unwrap();
            assert_eq!(read_all(&blob), expected);
        }
    }

    #[test]
    fn append_blob_refuses_a_digesting_writer() {
        let mut w = BlobWriter::memory(0);
        assert!(
            w.append_blob(&Blob::Memory(Bytes::from_static(b"x")))
                .is_err()
        );
    }
}
