//! Bad input gets a COS error (or an HTTP 400 from the parser), never a panic or a hang, and
//! the emulator keeps serving afterwards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::Cos;
use cos_emulator::Emulator;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

async fn raw(e: &Emulator, request: &[u8]) -> String {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(e.cos_addr()).await.unwrap();
        let _ = stream.write_all(request).await;
        let _ = stream.shutdown().await;
        let mut out = Vec::new();
        let _ = stream.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("the emulator hung")
}

#[tokio::test]
async fn garbage_requests_get_http_errors_and_the_server_survives() {
    let e = Emulator::builder()
        .allow_anonymous(true)
        .max_object_size(1024)
        .start()
        .await
        .unwrap();
    let cases: &[&[u8]] = &[
        b"\x00\x01\x02garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n",
        b"PATCH /k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort",
        b"PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n",
        b"PUT /k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /?max-keys=-1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /?encoding-type=base64 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST /?delete HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\nConnection: close\r\n\r\n<Delete>x",
        b"POST /k?uploadId=&x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        b"GET /k HTTP/1.1\r\nHost: x\r\nRange: bytes=-0\r\nConnection: close\r\n\r\n",
    ];
    for case in cases {
        let response = raw(&e, case).await;
        assert!(
            response.is_empty()
                || response.starts_with("HTTP/1.1 4")
                || response.starts_with("HTTP/1.1 5"),
            "{:?} -> {response}",
            String::from_utf8_lossy(case)
        );
        assert!(!response.starts_with("HTTP/1.1 500"), "{response}");
    }
    let r = raw(
        &e,
        b"GET /%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(r.contains("<Code>InvalidURI</Code>"), "{r}");
    let r = raw(
        &e,
        b"PATCH /k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(r.contains("<Code>MethodNotAllowed</Code>"), "{r}");
    let r = raw(
        &e,
        b"PUT /k HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(r.contains("<Code>EntityTooLarge</Code>"), "{r}");
    let r = raw(
        &e,
        b"GET /?encoding-type=base64 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(r.contains("<Code>InvalidArgument</Code>"), "{r}");
    // Still serving.
    let cos = Cos::with(&e, None);
    assert_eq!(cos.put("ok", "fine").await.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_while_streaming() {
    let e = Emulator::builder()
        .allow_anonymous(true)
        .max_object_size(1024)
        .start()
        .await
        .unwrap();
    let cos = Cos::with(&e, None);
    let r = cos.put("big", vec![0u8; 4096]).await;
    assert_eq!((r.status, r.code().as_str()), (400, "EntityTooLarge"));
    let huge_xml = format!(
        "<Delete>{}</Delete>",
        "<Object><Key>k</Key></Object>".repeat(200_000)
    );
    let r = cos
        .request("POST", "/", &[("delete", "")], &[], huge_xml)
        .await;
    assert_eq!(r.code(), "XMLSizeLimit");
    let many = format!(
        "<Delete>{}</Delete>",
        "<Object><Key>k</Key></Object>".repeat(1001)
    );
    let r = cos.request("POST", "/", &[("delete", "")], &[], many).await;
    assert_eq!(r.code(), "MalformedXML");
    e.shutdown().await;
}

#[tokio::test]
async fn a_stalled_body_times_out_with_request_timeout() {
    let e = Emulator::builder()
        .allow_anonymous(true)
        .body_timeout(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(e.cos_addr()).await.unwrap();
    stream
        .write_all(b"PUT /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a little")
        .await
        .unwrap();
    let mut out = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut out))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&out[..n]);
    assert!(text.contains("<Code>RequestTimeout</Code>"), "{text}");
    assert_eq!(
        Cos::with(&e, None).get("slow").await.status,
        404,
        "nothing stored"
    );
    let _ = Bytes::new();
    e.shutdown().await;
}
