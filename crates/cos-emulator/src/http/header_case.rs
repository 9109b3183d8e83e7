//! Response header names spelled as the real services spell them (`ETag`, `Content-Length`,
//! `Last-Modified`…), while `x-cos-*` names stay lower-case.
//!
//! hyper writes header names lower-case unless a response carries its (private) header-case
//! extension, which it records when it parses a message with `preserve_header_case` and is
//! documented to honour on responses ("forward the cases in a proxy-like fashion"). The
//! extension is obtained once, with public API only, by letting hyper parse a request that
//! names every header in the wanted spelling over an in-memory pipe; its extensions are then
//! attached to every response. Names not listed keep hyper's lower case, which is what COS
//! sends for `x-cos-request-id`, `x-cos-hash-crc64ecma` and `x-cos-meta-*`.

use http::{Extensions, Request, Response};
use http_body_util::Empty;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Header names in the spelling COS and the API 3.0 gateway use.
pub(crate) const SPELLINGS: &[&str] = &[
    "Accept-Ranges",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Cache-Control",
    "Connection",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Range",
    "Content-Type",
    "Date",
    "ETag",
    "Expires",
    "Keep-Alive",
    "Last-Modified",
    "Location",
    "Server",
    "Vary",
];

/// Response extensions that make hyper write the names of [`SPELLINGS`] in that spelling;
/// `None` if hyper did not record them (the caller then falls back to title case).
pub(crate) async fn cos_spellings() -> Option<Extensions> {
    let (client, server) = tokio::io::duplex(16 * 1024);
    let captured = std::sync::Arc::new(Mutex::new(None::<Extensions>));
    let sink = captured.clone();
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let sink = sink.clone();
        async move {
            let _ = req.extensions_mut().remove::<hyper::upgrade::OnUpgrade>();
            if let Ok(mut slot) = sink.lock() {
                *slot = Some(std::mem::take(req.extensions_mut()));
            }
            Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .keep_alive(false)
        .serve_connection(TokioIo::new(server), service);
    let mut request = String::from("GET / HTTP/1.1\r\nHost: localhost\r\n");
    for name in SPELLINGS {
        let value = match *name {
            "Content-Length" => "0",
            "Connection" => "close",
            _ => "x",
        };
        request.push_str(name);
        request.push_str(": ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let exchange = async move {
        let mut client = client;
        client.write_all(request.as_bytes()).await.ok()?;
        let mut response = Vec::new();
        client.read_to_end(&mut response).await.ok()?;
        Some(())
    };
    let timeout = Duration::from_secs(5);
    let _ = tokio::time::timeout(timeout, async { tokio::join!(conn, exchange) }).await;
    let extensions = captured.lock().ok()?.take()?;
    (!extensions.is_empty()).then_some(extensions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    /// Serves one response with the captured spellings and returns the raw head.
    async fn raw_head(extensions: Option<Extensions>) -> String {
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let service = hyper::service::service_fn(move |_req: Request<Incoming>| {
            let extensions = extensions.clone();
            async move {
                let mut response = Response::new(
                    http_body_util::Full::new(Bytes::from_static(b"hi"))
                        .map_err(|never| match never {})
                        .boxed(),
                );
                let h = response.headers_mut();
                h.insert("etag", "\"abc\"".parse().unwrap());
                h.insert("content-length", "2".parse().unwrap());
                h.insert("x-cos-request-id", "id".parse().unwrap());
                h.insert("x-cos-meta-color", "red".parse().unwrap());
                if let Some(e) = extensions {
                    response.extensions_mut().extend(e);
                }
                Ok::<_, Infallible>(response)
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .keep_alive(false)
            .serve_connection(TokioIo::new(server), service);
        let exchange = async move {
            client
                .write_all(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                .await
                .unwrap();
            let mut out = Vec::new();
            client.read_to_end(&mut out).await.unwrap();
            String::from_utf8(out).unwrap()
        };
        let (_, text) = tokio::join!(conn, exchange);
        text
    }

    #[tokio::test]
    async fn captured_spellings_are_applied_to_responses() {
        let spellings = cos_spellings().await.expect("hyper recorded the spellings");
        let head = raw_head(Some(spellings)).await;
        assert!(head.contains("\r\nETag: \"abc\"\r\n"), "{head}");
        assert!(head.contains("\r\nContent-Length: 2\r\n"), "{head}");
        assert!(head.contains("\r\nx-cos-request-id: id\r\n"), "{head}");
        assert!(head.contains("\r\nx-cos-meta-color: red\r\n"), "{head}");
    }

    #[tokio::test]
    async fn without_spellings_names_are_lower_case() {
        let head = raw_head(None).await;
        assert!(head.contains("\r\netag: \"abc\"\r\n"), "{head}");
    }
}
