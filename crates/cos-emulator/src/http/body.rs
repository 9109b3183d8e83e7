//! Response body types and bounded request-body reading.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Full, combinators::UnsyncBoxBody};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, ReadBuf};

/// The body of every response.
pub(crate) type ResBody = UnsyncBoxBody<Bytes, io::Error>;

/// What a response body's `poll_frame` answers.
pub(crate) type FramePoll = Poll<Option<Result<Frame<Bytes>, io::Error>>>;

/// A response body the emulator streams itself (files, composites, fault-injected cuts): it
/// polls through `&mut self` (every such body is `Unpin`), and [`FrameSource::into_body`]
/// makes it a [`ResBody`] — the one place hyper's `Body` is implemented for them.
pub(crate) trait FrameSource: Send + Unpin + Sized + 'static {
    /// The next frame, as [`Body::poll_frame`].
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> FramePoll;

    /// As [`Body::is_end_stream`].
    fn is_end_stream(&self) -> bool {
        false
    }

    /// As [`Body::size_hint`].
    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }

    /// The response body that streams this source.
    fn into_body(self) -> ResBody {
        Frames(self).boxed_unsync()
    }
}

/// Adapts a [`FrameSource`] to hyper's [`Body`].
struct Frames<S>(S);

impl<S: FrameSource> Body for Frames<S> {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> FramePoll {
        self.get_mut().0.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0.size_hint()
    }
}

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

impl FrameSource for FileBody {
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> FramePoll {
        let this = self;
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

impl FrameSource for CutBody {
    fn poll_frame(&mut self, cx: &mut Context<'_>) -> FramePoll {
        let this = self;
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

/// How long a request body may take: each chunk arrives within `idle`, and after `grace`
/// the body must have averaged at least `min_rate` bytes per second (0: no rate), so a body
/// trickling a byte every few seconds is cut shortly after `grace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyDeadline {
    /// Longest wait for the next chunk.
    pub(crate) idle: Duration,
    /// Time allowed before the rate counts.
    pub(crate) grace: Duration,
    /// Smallest average rate, bytes per second.
    pub(crate) min_rate: u64,
}

/// A request body read under a [`BodyDeadline`] that starts when the handler receives it.
pub(crate) struct RequestBody {
    incoming: Incoming,
    deadline: BodyDeadline,
    started: Instant,
    received: u64,
}

impl RequestBody {
    /// Starts the clock for `incoming`.
    pub(crate) fn new(incoming: Incoming, deadline: BodyDeadline) -> Self {
        Self {
            incoming,
            deadline,
            started: Instant::now(),
            received: 0,
        }
    }

    /// How long the next chunk may take.
    fn wait(&self) -> Duration {
        let idle = self.deadline.idle;
        if self.deadline.min_rate == 0 {
            return idle;
        }
        let earned =
            Duration::from_millis(self.received.saturating_mul(1000) / self.deadline.min_rate);
        let allowed = self.deadline.grace.saturating_add(earned);
        allowed.saturating_sub(self.started.elapsed()).min(idle)
    }

    /// The next data chunk; `None` at the end of the body.
    pub(crate) async fn next_chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        loop {
            let wait = self.wait();
            if wait.is_zero() {
                return Err(BodyError::Timeout);
            }
            let frame = match tokio::time::timeout(wait, self.incoming.frame()).await {
                Err(_) => return Err(BodyError::Timeout),
                Ok(None) => return Ok(None),
                Ok(Some(Err(_))) => return Err(BodyError::Incomplete),
                Ok(Some(Ok(frame))) => frame,
            };
            if let Ok(data) = frame.into_data() {
                self.received = self.received.saturating_add(data.len() as u64);
                return Ok(Some(data));
            }
        }
    }

    /// Reads the whole body of at most `limit` bytes into memory.
    pub(crate) async fn read_limited(&mut self, limit: usize) -> Result<Bytes, BodyError> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk().await? {
            if out.len().saturating_add(chunk.len()) > limit {
                return Err(BodyError::TooLarge);
            }
            out.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(out))
    }
}
