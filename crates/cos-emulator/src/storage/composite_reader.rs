//! Blocking reads of a byte range of a composite blob, part after part.

use super::composite::{Composite, Cursor, SegmentData};
use std::io::{self, Read};
use std::sync::Arc;

/// Reads `start..start + len` of a composite, opening one part file at a time. Holding the
/// composite keeps its files on disk until the reader is dropped.
pub(crate) struct CompositeReader {
    composite: Arc<Composite>,
    cursor: Cursor,
    current: Option<SegmentData>,
}

impl CompositeReader {
    /// A reader of `len` bytes from `start` (clamped to the composite's end).
    pub(crate) fn new(composite: Arc<Composite>, start: u64, len: u64) -> Self {
        Self {
            composite,
            cursor: Cursor::new(start, len),
            current: None,
        }
    }
}

impl Read for CompositeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.current.as_mut() {
                Some(SegmentData::Memory(bytes)) if !bytes.is_empty() => {
                    let n = bytes.len().min(buf.len());
                    let chunk = bytes.split_to(n);
                    if let Some(dest) = buf.get_mut(..n) {
                        dest.copy_from_slice(&chunk);
                    }
                    return Ok(n);
                }
                Some(SegmentData::File(file)) if file.limit() > 0 => {
                    let n = file.read(buf)?;
                    if n == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "part file shorter than its metadata",
                        ));
                    }
                    return Ok(n);
                }
                _ => {}
            }
            let Some(segment) = self.cursor.next_segment(&self.composite) else {
                self.current = None;
                return Ok(0);
            };
            self.current = Some(self.composite.open_segment(segment)?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::blob::Blob;
    use super::super::composite::testing::sample as composite;
    use super::*;
    use bytes::Bytes;
    use proptest::prelude::*;

    fn read_range(c: &Arc<Composite>, start: u64, len: u64, chunk: usize) -> io::Result<Vec<u8>> {
        let mut reader = CompositeReader::new(Arc::clone(c), start, len);
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn segments_skip_empty_pieces_and_stop_at_piece_ends() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = composite(dir.path(), &[5, 0, 3, 0]);
        assert_eq!(c.len(), 8);
        let mut cursor = Cursor::new(3, 4);
        let runs: Vec<_> = std::iter::from_fn(|| cursor.next_segment(&c))
            .map(|s| (s.index, s.offset, s.len))
            .collect();
        assert_eq!(runs, [(0, 3, 2), (2, 0, 2)]);
        assert_eq!(c.segment_at(8, 100), None);
        assert_eq!(c.segment_at(7, 100).map(|s| s.len), Some(1));
    }

    #[test]
    fn nested_and_mislabelled_pieces_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = composite(dir.path(), &[1]);
        assert!(Composite::new(vec![(Blob::Composite(c), 1)]).is_err());
        assert!(Composite::new(vec![(Blob::Memory(Bytes::from_static(b"ab")), 3)]).is_err());
    }

    #[test]
    fn a_short_part_file_is_an_error_not_a_short_read() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = composite(dir.path(), &[10, 4]);
        std::fs::write(dir.path().join("p0"), b"short").unwrap();
        let err = read_range(&c, 0, 14, 64).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn part_files_go_only_after_release_and_the_last_handle() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = composite(dir.path(), &[3, 3, 3]);
        let part = dir.path().join("p0");
        let other = tempfile::tempdir().unwrap();
        drop(composite(other.path(), &[3]));
        assert!(
            other.path().join("p0").exists(),
            "an unreleased composite keeps its files"
        );
        let reader = CompositeReader::new(Arc::clone(&c), 0, 9);
        c.release();
        drop(c);
        assert!(part.exists(), "a reader keeps the files");
        drop(reader);
        assert!(!part.exists());
        assert!(!dir.path().join("p2").exists());
    }

    proptest! {
        #[test]
        fn any_range_reads_like_the_concatenation(
            sizes in proptest::collection::vec(0usize..300, 1..7),
            start in 0u64..2000,
            len in 0u64..2000,
            chunk in 1usize..200,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let (c, all) = composite(dir.path(), &sizes);
            let total = all.len() as u64;
            let from = start.min(total) as usize;
            let to = start.saturating_add(len).min(total) as usize;
            let got = read_range(&c, start, len, chunk).unwrap();
            prop_assert_eq!(&got[..], &all[from..to.max(from)]);
        }
    }
}
