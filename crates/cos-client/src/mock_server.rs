//! In-process loopback HTTP server for tests: canned replies in a queue (or a handler),
//! every received request recorded.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: http::Method,
    pub(crate) uri: http::Uri,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub(crate) fn query_has(&self, name: &str) -> bool {
        self.query(name).is_some()
    }
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        let query = self.uri.query()?;
        query.split('&').find_map(|pair| {
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            (n == name).then(|| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }
}

/// A response body as the mock server sends it.
pub(crate) type MockBody = http_body_util::combinators::BoxBody<Bytes, std::io::Error>;

/// A body that announces `announced` bytes, sends `data`, then fails (the connection breaks).
pub(crate) struct Broken {
    data: Option<Bytes>,
    announced: u64,
}

impl hyper::body::Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(Some(match self.data.take() {
            Some(data) => Ok(hyper::body::Frame::data(data)),
            None => Err(std::io::Error::other("connection cut mid-body")),
        }))
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::SizeHint::with_exact(self.announced)
    }
}

/// A reply whose body breaks after `data` although `announced` bytes were promised.
pub(crate) fn broken_reply(
    status: u16,
    headers: &[(&str, &str)],
    data: Vec<u8>,
    announced: u64,
) -> Reply {
    let mut builder = http::Response::builder()
        .status(status)
        .header("x-cos-request-id", "mock-request-id");
    for (n, v) in headers {
        builder = builder.header(*n, *v);
    }
    let body = Broken {
        data: Some(Bytes::from(data)),
        announced,
    };
    Reply::Respond(builder.body(body.boxed()).unwrap())
}

/// What the server does with one request.
pub(crate) enum Reply {
    Respond(http::Response<MockBody>),
    /// Close the connection without answering.
    Cut,
}

type Canned = Box<dyn FnOnce(&Recorded) -> Reply + Send>;
type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

#[derive(Default)]
struct State {
    queue: VecDeque<Canned>,
    handler: Option<Handler>,
    received: Vec<Recorded>,
}

pub(crate) struct MockServer {
    pub(crate) addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub(crate) fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Reply {
    let mut builder = http::Response::builder()
        .status(status)
        .header("x-cos-request-id", "mock-request-id")
        .header(
            "date",
            httpdate::fmt_http_date(std::time::SystemTime::now()),
        );
    for (n, v) in headers {
        builder = builder.header(*n, *v);
    }
    Reply::Respond(
        builder
            .body(
                Full::new(body.into())
                    .map_err(|never| match never {})
                    .boxed(),
            )
            .unwrap(),
    )
}

pub(crate) fn error_reply(status: u16, code: &str, message: &str) -> Reply {
    let body = format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>{code}</Code><Message>{message}</Message><Resource>r</Resource><RequestId>body-id</RequestId><TraceId>trace-1</TraceId></Error>"
    );
    reply(
        status,
        &[
            ("content-type", "application/xml"),
            ("x-cos-trace-id", "trace-1"),
        ],
        body,
    )
}

impl MockServer {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state: Arc<Mutex<State>> = Arc::default();
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = shared.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: http::Request<hyper::body::Incoming>| {
                            let state = state.clone();
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body
                                    .collect()
                                    .await
                                    .map(|c| c.to_bytes())
                                    .unwrap_or_default();
                                let recorded = Recorded {
                                    method: parts.method,
                                    uri: parts.uri,
                                    headers: parts.headers,
                                    body,
                                };
                                let action = {
                                    let mut state = state.lock().unwrap();
                                    state.received.push(recorded.clone());
                                    state
                                        .queue
                                        .pop_front()
                                        .map(|c| c(&recorded))
                                        .or_else(|| state.handler.clone().map(|h| h(&recorded)))
                                };
                                match action {
                                    Some(Reply::Respond(response)) => {
                                        Ok::<_, std::io::Error>(response)
                                    }
                                    Some(Reply::Cut) => Err(std::io::Error::other("cut")),
                                    None => {
                                        match error_reply(599, "NoCannedReply", "queue empty") {
                                            Reply::Respond(r) => Ok(r),
                                            Reply::Cut => Err(std::io::Error::other("cut")),
                                        }
                                    }
                                }
                            }
                        });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { addr, state, task }
    }

    pub(crate) fn push(&self, reply: impl FnOnce(&Recorded) -> Reply + Send + 'static) {
        self.state.lock().unwrap().queue.push_back(Box::new(reply));
    }

    pub(crate) fn push_reply(&self, canned: Reply) {
        self.push(move |_| canned);
    }

    pub(crate) fn set_handler(&self, handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) {
        self.state.lock().unwrap().handler = Some(Arc::new(handler));
    }

    pub(crate) fn received(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().received.clone()
    }
}
