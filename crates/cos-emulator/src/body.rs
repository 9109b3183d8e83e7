//! Response body types and bounded request-body reading.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Full, combinators::UnsyncBoxBody};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, ReadBuf};

/// The body of every response.
pub(crate) type ResBody = UnsyncBoxBody<Bytes, io::Error>;

/// A complete in-memory body.
pub(crate) fn full(data: impl Into<Bytes>) -> ResBody {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub(crate) fn empty() -> ResBody {
    Empty::<Bytes>::new()
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// Streams `len` bytes of a file from its current position.
pub(crate) struct FileBody {
    file: tokio::fs::File,
    remaining: u64,
    buf: Vec<u8>,
}

const FILE_CHUNK: usize = 256 * 1024;

impl FileBody {
    /// A body of the next `len` bytes of `file`.
    pub(crate) fn new(file: std::fs::File, len: u64) -> Self {
        Self {
            file: tokio::fs::File::from_std(file),
            remaining: len,
            buf: Vec::new(),
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(this.remaining)
            .unwrap_or(FILE_CHUNK)
            .min(FILE_CHUNK);
        this.buf.resize(want, 0);
        let mut read_buf = ReadBuf::new(&mut this.buf);
        match Pin::new(&mut this.file).poll_read(cx, &mut read_buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
            Poll::Ready(Ok(())) => {
                let n = read_buf.filled().len();
                if n == 0 {
                    return Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "object file shorter than its metadata",
                    ))));
                }
                this.remaining = this.remaining.saturating_sub(n as u64);
                let chunk = Bytes::copy_from_slice(read_buf.filled());
                Poll::Ready(Some(Ok(Frame::data(chunk))))
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

/// Passes `limit` bytes of the inner body through, then fails, so that the connection is cut
/// mid-body (fault injection).
pub(crate) struct CutBody {
    inner: ResBody,
    limit: u64,
    sent: u64,
    /// Gives the server time to flush what was sent before the connection is cut.
    flush_delay: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl CutBody {
    /// Cuts `inner` after `limit` bytes.
    pub(crate) fn new(inner: ResBody, limit: u64) -> Self {
        Self {
            inner,
            limit,
            sent: 0,
            flush_delay: None,
        }
    }
}

impl Body for CutBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        if this.sent >= this.limit {
            let delay = this
                .flush_delay
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
            if delay.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            return Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "fault injection: body cut",
            ))));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(mut data) => {
                    let room = usize::try_from(this.limit - this.sent).unwrap_or(usize::MAX);
                    if data.len() > room {
                        data.truncate(room);
                    }
                    this.sent += data.len() as u64;
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            other => other,
        }
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Why a request body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// More than the allowed number of bytes.
    TooLarge,
    /// The client stopped sending.
    Timeout,
    /// The connection failed or the body was shorter than announced.
    Incomplete,
}

/// Reads the next data chunk of a request body, waiting at most `idle` for it.
pub(crate) async fn next_chunk(
    body: &mut Incoming,
    idle: Duration,
) -> Result<Option<Bytes>, BodyError> {
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => return Err(BodyError::Timeout),
            Ok(None) => return Ok(None),
            Ok(Some(Err(_))) => return Err(BodyError::Incomplete),
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            return Ok(Some(data));
        }
    }
}

/// Reads a whole request body of at most `limit` bytes into memory.
pub(crate) async fn read_limited(
    body: &mut Incoming,
    limit: usize,
    idle: Duration,
) -> Result<Bytes, BodyError> {
    let mut out = Vec::new();
    while let Some(chunk) = next_chunk(body, idle).await? {
        if out.len().saturating_add(chunk.len()) > limit {
            return Err(BodyError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}
