//! Composite blobs: the bytes of a completed multipart upload, kept as its ordered part
//! blobs instead of a concatenated copy, and the arithmetic that maps a byte range of the
//! object onto runs of those parts.

use super::blob::Blob;
use bytes::Bytes;
use std::io::{self, Read as _, Seek as _};
use std::sync::atomic::{AtomicBool, Ordering};

/// The ordered part blobs of one object. Immutable once built; its part files are unlinked
/// when it has been [released](Composite::release) and its last handle is dropped, so a
/// reader that still holds one (a GET streaming it) never loses a file under its feet.
pub(crate) struct Composite {
    /// Each part blob (in memory or a file, never composite) with its length.
    pieces: Vec<(Blob, u64)>,
    /// Offset of each piece in the object.
    starts: Vec<u64>,
    /// Total length.
    len: u64,
    /// Set once no object references this any more.
    released: AtomicBool,
}

/// One run of a range: `len` bytes of piece `index` from `offset` inside that piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Index of the piece.
    pub(crate) index: usize,
    /// Offset inside the piece.
    pub(crate) offset: u64,
    /// Bytes to take.
    pub(crate) len: u64,
}

/// The bytes of one [`Segment`], ready to read.
pub(crate) enum SegmentData {
    /// A slice of an in-memory piece.
    Memory(Bytes),
    /// A piece's file, positioned at the segment and limited to its length.
    File(io::Take<std::fs::File>),
}

impl Composite {
    /// Builds a composite of `pieces` (blob, length), in order. Fails on a composite piece,
    /// an in-memory piece whose length differs, or a total beyond `u64`.
    pub(crate) fn new(pieces: Vec<(Blob, u64)>) -> io::Result<Self> {
        let mut starts = Vec::with_capacity(pieces.len());
        let mut len = 0u64;
        for (blob, piece_len) in &pieces {
            match blob {
                Blob::Composite(_) => {
                    return Err(io::Error::other("a composite blob cannot nest another"));
                }
                Blob::Memory(bytes) if bytes.len() as u64 != *piece_len => {
                    return Err(io::Error::other("in-memory piece of the wrong length"));
                }
                Blob::Memory(_) | Blob::File { .. } => {}
            }
            starts.push(len);
            len = len
                .checked_add(*piece_len)
                .ok_or_else(|| io::Error::other("composite blob too large"))?;
        }
        Ok(Self {
            pieces,
            starts,
            len,
            released: AtomicBool::new(false),
        })
    }

    /// Total length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The pieces in order, each with its length.
    pub(crate) fn pieces(&self) -> &[(Blob, u64)] {
        &self.pieces
    }

    /// The piece at `index`.
    pub(crate) fn piece(&self, index: usize) -> Option<&Blob> {
        self.pieces.get(index).map(|(blob, _)| blob)
    }

    /// Marks the composite unreferenced: its part files are removed when the last handle
    /// to it is dropped.
    pub(crate) fn release(&self) {
        self.released.store(true, Ordering::Release);
    }

    /// The run starting at byte `pos` that ends at `end` (exclusive) or at the end of the
    /// piece holding `pos`, whichever comes first; `None` when `pos` is not before `end`
    /// and the object's end.
    pub(crate) fn segment_at(&self, pos: u64, end: u64) -> Option<Segment> {
        let end = end.min(self.len);
        if pos >= end {
            return None;
        }
        // The last piece starting at or before `pos`: empty pieces share their start with
        // the next one, so this skips them.
        let index = self.starts.partition_point(|&s| s <= pos).checked_sub(1)?;
        let start = *self.starts.get(index)?;
        let piece_len = self.pieces.get(index)?.1;
        let offset = pos - start;
        let len = piece_len.checked_sub(offset)?.min(end - pos);
        (len > 0).then_some(Segment { index, offset, len })
    }

    /// Opens the bytes of `segment` (a file piece is opened and positioned here).
    pub(crate) fn open_segment(&self, segment: Segment) -> io::Result<SegmentData> {
        let invalid = || io::Error::other("segment outside its piece");
        let end = segment
            .offset
            .checked_add(segment.len)
            .ok_or_else(invalid)?;
        match self.piece(segment.index).ok_or_else(invalid)? {
            Blob::Memory(bytes) => {
                let from = usize::try_from(segment.offset).map_err(|_| invalid())?;
                let to = usize::try_from(end).map_err(|_| invalid())?;
                if from > to || to > bytes.len() {
                    return Err(invalid());
                }
                Ok(SegmentData::Memory(bytes.slice(from..to)))
            }
            Blob::File { path, .. } => {
                let mut file = std::fs::File::open(path)?;
                file.seek(io::SeekFrom::Start(segment.offset))?;
                Ok(SegmentData::File(file.take(segment.len)))
            }
            Blob::Composite(_) => Err(invalid()),
        }
    }
}

impl Drop for Composite {
    fn drop(&mut self) {
        if !*self.released.get_mut() {
            return;
        }
        for (blob, _) in &self.pieces {
            if let Blob::File { path, .. } = blob {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// A position in a byte range of a composite, advanced run by run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cursor {
    pos: u64,
    end: u64,
}

impl Cursor {
    /// The range `start..start + len`.
    pub(crate) fn new(start: u64, len: u64) -> Self {
        Self {
            pos: start,
            end: start.saturating_add(len),
        }
    }

    /// The next run of the range, consumed; `None` at its end (or past the object's end).
    pub(crate) fn next_segment(&mut self, composite: &Composite) -> Option<Segment> {
        let segment = composite.segment_at(self.pos, self.end)?;
        self.pos += segment.len;
        Some(segment)
    }
}

/// Test helpers.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use std::sync::Arc;

    /// A composite of pieces of `sizes` bytes (every other one a file in `dir`, named
    /// `p<i>`) and the bytes it holds.
    pub(crate) fn sample(dir: &std::path::Path, sizes: &[usize]) -> (Arc<Composite>, Vec<u8>) {
        let mut all = Vec::new();
        let mut pieces = Vec::new();
        for (i, &size) in sizes.iter().enumerate() {
            let data: Vec<u8> = (0..size).map(|j| ((i * 31 + j * 7) % 251) as u8).collect();
            all.extend_from_slice(&data);
            let blob = if i % 2 == 0 {
                let id = format!("p{i}");
                let path = dir.join(&id);
                std::fs::write(&path, &data).unwrap();
                Blob::File { id, path }
            } else {
                Blob::Memory(Bytes::from(data))
            };
            pieces.push((blob, size as u64));
        }
        (Arc::new(Composite::new(pieces).unwrap()), all)
    }
}
