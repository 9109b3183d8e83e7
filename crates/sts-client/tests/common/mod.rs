//! A loopback mock HTTP server answering from a queue of scripted responses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(dead_code, unreachable_pub)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

/// What the mock answers to one request.
#[derive(Clone)]
pub enum Reply {
    Json(u16, String),
    JsonWithDate(String, String),
    Delay(Duration, String),
}

/// A recorded request.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
pub struct MockServer {
    pub addr: SocketAddr,
    replies: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl MockServer {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = Self {
            addr,
            replies: Arc::default(),
            seen: Arc::default(),
        };
        let shared = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let shared = shared.clone();
                            async move {
                                let (parts, body) = request.into_parts();
                                let body = body.collect().await.unwrap().to_bytes();
                                shared.seen.lock().unwrap().push(Seen {
                                    method: parts.method.to_string(),
                                    path: parts.uri.to_string(),
                                    headers: parts
                                        .headers
                                        .iter()
                                        .map(|(n, v)| {
                                            (n.to_string(), v.to_str().unwrap_or("").to_owned())
                                        })
                                        .collect(),
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                });
                                let reply = shared.replies.lock().unwrap().pop_front();
                                let reply =
                                    reply.unwrap_or(Reply::Json(500, "no scripted reply".into()));
                                let response = match reply {
                                    Reply::Json(status, body) => hyper::Response::builder()
                                        .status(status)
                                        .header("content-type", "application/json")
                                        .body(Full::new(Bytes::from(body))),
                                    Reply::JsonWithDate(date, body) => hyper::Response::builder()
                                        .header("date", date)
                                        .body(Full::new(Bytes::from(body))),
                                    Reply::Delay(delay, body) => {
                                        tokio::time::sleep(delay).await;
                                        hyper::Response::builder()
                                            .body(Full::new(Bytes::from(body)))
                                    }
                                };
                                Ok::<_, std::convert::Infallible>(response.unwrap())
                            }
                        });
                    // No automatic Date header: tests choose whether the reply has one.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .auto_date_header(false)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn push(&self, reply: Reply) {
        self.replies.lock().unwrap().push_back(reply);
    }

    pub fn push_json(&self, status: u16, body: &str) {
        self.push(Reply::Json(status, body.to_owned()));
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

pub const SECRET_KEY: &str = "PERMANENTSECRETKEYxyz";
pub const TMP_KEY: &str = "TEMPORARYSECRETKEYabc";
pub const TMP_TOKEN: &str = "TEMPORARYSESSIONTOKENdef";

pub fn credentials_body(request_id: &str) -> String {
    format!(
        r#"{{"Response":{{"Credentials":{{"Token":"{TMP_TOKEN}","TmpSecretId":"AKIDTMP","TmpSecretKey":"{TMP_KEY}"}},"ExpiredTime":1700001800,"Expiration":"2023-11-14T22:43:20Z","RequestId":"{request_id}"}}}}"#
    )
}

pub fn error_body(code: &str, request_id: &str) -> String {
    format!(
        r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"scripted {code}"}},"RequestId":"{request_id}"}}}}"#
    )
}
