//! A loopback HTTP/1.1 server answering from a queue of scripted replies and recording every
//! request.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// What the server answers to one request.
///
/// ```
/// use std::time::Duration;
/// use test_servers::Reply;
/// let replies = [
///     Reply::Json(400, r#"{"Response":{"Error":{"Code":"X"}}}"#.into()),
///     Reply::JsonWithDate("Tue, 14 Nov 2023 22:13:20 GMT".into(), "{}".into()),
///     Reply::Delay(Duration::from_millis(50), "{}".into()),
/// ];
/// # let _ = replies;
/// ```
#[derive(Debug, Clone)]
pub enum Reply {
    /// This status and JSON body, without a `Date` header.
    Json(u16, String),
    /// 200 with this `Date` header and body.
    JsonWithDate(String, String),
    /// 200 with this body, after waiting this long.
    Delay(Duration, String),
}

/// A request as the server received it.
///
/// ```
/// let seen = test_servers::Seen {
///     method: "POST".into(),
///     path: "/".into(),
///     headers: vec![("Content-Type".into(), "application/json".into())],
///     body: "{}".into(),
/// };
/// assert_eq!(seen.header("content-type"), Some("application/json"));
/// ```
#[derive(Debug, Clone)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The request target as sent.
    pub path: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body, as text (lossy).
    pub body: String,
}

impl Seen {
    /// A header, by case-insensitive name.
    ///
    /// ```
    /// let seen = test_servers::Seen {
    ///     method: "GET".into(), path: "/".into(), headers: vec![("X-A".into(), "1".into())],
    ///     body: String::new(),
    /// };
    /// assert_eq!(seen.header("x-a"), Some("1"));
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback server answering each request with the next scripted [`Reply`] (500 "no
/// scripted reply" when the queue is empty). It never adds a `Date` header of its own, so a
/// test decides whether an answer has one. It stops when the test's runtime does.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let server = test_servers::ScriptedServer::start().await;
/// server.push_json(200, "{}");
/// assert!(server.seen().is_empty());
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ScriptedServer {
    addr: SocketAddr,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ScriptedServer {
    /// Binds `127.0.0.1:0` and serves in the background.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound (a test cannot run without one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = test_servers::ScriptedServer::start().await;
    /// assert!(server.addr().ip().is_loopback());
    /// # }
    /// ```
    #[allow(clippy::expect_used)]
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let server = Self {
            addr,
            replies: Arc::default(),
            seen: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = shared.clone();
                        async move { shared.answer(request).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .auto_date_header(false)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        server
    }

    async fn answer(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, http::Error> {
        let (parts, body) = request.into_parts();
        let body = body
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        lock(&self.seen).push(Seen {
            method: parts.method.to_string(),
            path: parts.uri.to_string(),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let reply = lock(&self.replies).pop_front();
        match reply.unwrap_or(Reply::Json(500, "no scripted reply".into())) {
            Reply::Json(status, body) => hyper::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body))),
            Reply::JsonWithDate(date, body) => hyper::Response::builder()
                .header("date", date)
                .body(Full::new(Bytes::from(body))),
            Reply::Delay(delay, body) => {
                tokio::time::sleep(delay).await;
                hyper::Response::builder().body(Full::new(Bytes::from(body)))
            }
        }
    }

    /// The bound address.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = test_servers::ScriptedServer::start().await;
    /// assert_ne!(server.addr().port(), 0);
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>/`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = test_servers::ScriptedServer::start().await;
    /// assert!(server.url().ends_with('/'));
    /// # }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Queues a reply.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = test_servers::ScriptedServer::start().await;
    /// server.push(test_servers::Reply::Json(200, "{}".into()));
    /// # }
    /// ```
    pub fn push(&self, reply: Reply) {
        lock(&self.replies).push_back(reply);
    }

    /// Queues a JSON reply with this status.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = test_servers::ScriptedServer::start().await;
    /// server.push_json(503, "{}");
    /// # }
    /// ```
    pub fn push_json(&self, status: u16, body: &str) {
        self.push(Reply::Json(status, body.to_owned()));
    }

    /// Every request received so far.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert!(test_servers::ScriptedServer::start().await.seen().is_empty());
    /// # }
    /// ```
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }

    /// How many requests were received.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// assert_eq!(test_servers::ScriptedServer::start().await.hits(), 0);
    /// # }
    /// ```
    pub fn hits(&self) -> usize {
        lock(&self.seen).len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn exchange(server: &ScriptedServer, request: &str) -> String {
        let mut socket = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        socket.read_to_end(&mut answer).await.unwrap();
        String::from_utf8(answer).unwrap()
    }

    #[tokio::test]
    async fn answers_in_order_records_requests_and_adds_no_date() {
        let server = ScriptedServer::start().await;
        server.push_json(418, r#"{"a":1}"#);
        let answer = exchange(
            &server,
            "POST /x HTTP/1.1\r\nhost: h\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi",
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 418"), "{answer}");
        assert!(answer.ends_with(r#"{"a":1}"#), "{answer}");
        assert!(
            !answer.to_ascii_lowercase().contains("\r\ndate:"),
            "{answer}"
        );
        let answer = exchange(
            &server,
            "GET / HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n",
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 500"),
            "an empty queue answers 500"
        );
        let seen = server.seen();
        assert_eq!(
            (seen[0].method.as_str(), seen[0].path.as_str()),
            ("POST", "/x")
        );
        assert_eq!(seen[0].body, "hi");
        assert_eq!(seen[0].header("HOST"), Some("h"));
        assert_eq!(server.hits(), 2);
    }
}
