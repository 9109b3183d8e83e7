//! The request body types sent over `cos-http`'s transport.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Frame};
use tokio::sync::mpsc;

/// The body type every request is sent with.
pub(crate) type RequestBody = BoxBody<Bytes, io::Error>;

/// The pooled client (`cos-http`'s one transport).
pub(crate) type HttpClient = cos_http::HttpsClient<RequestBody>;

/// A body of bytes already in memory (cheap to clone for a retry).
pub(crate) fn full(bytes: Bytes) -> RequestBody {
    http_body_util::Full::new(bytes)
        .map_err(|never| match never {})
        .boxed()
}

/// A body fed by a channel (streamed file uploads).
pub(crate) struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, io::Error>>,
    remaining: u64,
}

impl ChannelBody {
    pub(crate) fn new(rx: mpsc::Receiver<Result<Bytes, io::Error>>, len: u64) -> Self {
        Self { rx, remaining: len }
    }
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                self.remaining = self.remaining.saturating_sub(bytes.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(bytes))))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.remaining)
    }
}
