//! The response body of a byte range of a composite (multipart) object: its parts streamed
//! one after the other, each file part in chunks by a [`FileBody`].

use crate::http::body::{FileBody, FramePoll, FrameSource};
use crate::storage::{Composite, Cursor, SegmentData};
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Streams `start..start + len` of a composite. A part file is opened (a short blocking
/// call, like the open of a whole-file GET) only when the stream reaches it, so an object
/// of thousands of parts holds one descriptor at a time; the composite handle keeps the
/// files on disk until the body is dropped.
pub(crate) struct CompositeBody {
    composite: Arc<Composite>,
    cursor: Cursor,
    current: Option<FileBody>,
    remaining: u64,
}

impl CompositeBody {
    /// A body of `len` bytes of `composite` from `start`.
    pub(crate) fn new(composite: Arc<Composite>, start: u64, len: u64) -> Self {
        Self {
            composite,
            cursor: Cursor::new(start, len),
            current: None,
            remaining: len,
        }
    }

    fn sent(&mut self, frame: Frame<Bytes>) -> FramePoll {
        if let Some(data) = frame.data_ref() {
            self.remaining = self.remaining.saturating_sub(data.len() as u64);
        }
        Poll::Ready(Some(Ok(frame)))
    }
}

impl FrameSource for CompositeBody {
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> FramePoll {
        let this = self;
        loop {
            if let Some(file) = this.current.as_mut() {
                match file.poll_frame(cx) {
                    Poll::Ready(None) => this.current = None,
                    Poll::Ready(Some(Ok(frame))) => return this.sent(frame),
                    other => return other,
                }
            }
            let Some(segment) = this.cursor.next_segment(&this.composite) else {
                if this.remaining == 0 {
                    return Poll::Ready(None);
                }
                return Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "object parts shorter than its metadata",
                ))));
            };
            match this.composite.open_segment(segment) {
                Err(e) => return Poll::Ready(Some(Err(e))),
                Ok(SegmentData::Memory(bytes)) => return this.sent(Frame::data(bytes)),
                Ok(SegmentData::File(file)) => {
                    let len = file.limit();
                    this.current = Some(FileBody::new(file.into_inner(), len));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sample_composite;
    use proptest::prelude::*;

    fn collect(body: CompositeBody) -> Result<Vec<u8>, io::Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let mut body = body;
            let mut out = Vec::new();
            while let Some(frame) = std::future::poll_fn(|cx| body.poll_frame(cx)).await {
                let data = frame?.into_data().unwrap();
                assert!(data.len() <= 256 * 1024, "streamed in chunks");
                out.extend_from_slice(&data);
                assert_eq!(body.size_hint().exact(), Some(body.remaining));
            }
            Ok(out)
        })
    }

    #[test]
    fn a_large_file_part_is_streamed_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let (c, all) = sample_composite(dir.path(), &[700_000, 3, 600_000]);
        let body = CompositeBody::new(c, 5, all.len() as u64 - 10);
        assert_eq!(body.size_hint().exact(), Some(all.len() as u64 - 10));
        assert_eq!(collect(body).unwrap(), &all[5..all.len() - 5]);
    }

    #[test]
    fn missing_bytes_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (c, _) = sample_composite(dir.path(), &[10, 10]);
        assert!(collect(CompositeBody::new(c.clone(), 0, 21)).is_err());
        std::fs::remove_file(dir.path().join("p0")).unwrap();
        assert!(collect(CompositeBody::new(c, 0, 20)).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_range_streams_like_the_concatenation(
            sizes in proptest::collection::vec(0usize..5000, 1..6),
            start in 0u64..30_000,
            len in 0u64..30_000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let (c, all) = sample_composite(dir.path(), &sizes);
            let total = all.len() as u64;
            let start = start.min(total);
            let len = len.min(total - start);
            let got = collect(CompositeBody::new(c, start, len)).unwrap();
            prop_assert_eq!(&got[..], &all[start as usize..(start + len) as usize]);
        }
    }
}
