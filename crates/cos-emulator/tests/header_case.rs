//! Response header names on the wire, read from a raw TCP socket: `ETag`, `Content-Length`
//! and the other standard names as COS spells them, `x-cos-*` lower-case.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cos_emulator::Emulator;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Sends one raw HTTP/1.1 request and returns the response head (status line and headers).
async fn raw_head(e: &Emulator, request: String) -> String {
    let mut stream = TcpStream::connect(e.cos_addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let end = text.find("\r\n\r\n").expect("a complete response head");
    text[..end + 2].to_string()
}

/// The header lines of a head, as sent (name case kept).
fn names(head: &str) -> Vec<&str> {
    head.lines()
        .skip(1)
        .filter_map(|line| line.split_once(':').map(|(name, _)| name))
        .collect()
}

#[tokio::test]
async fn header_names_are_spelled_like_cos() {
    let e = Emulator::builder()
        .allow_anonymous(true)
        .start()
        .await
        .unwrap();
    let host = e.cos_addr();
    let put = raw_head(
        &e,
        format!(
            "PUT /case.txt HTTP/1.1\r\nHost: {host}\r\nContent-Length: 5\r\n\
             x-cos-meta-color: red\r\nConnection: close\r\n\r\nhello"
        ),
    )
    .await;
    assert!(put.starts_with("HTTP/1.1 200 OK\r\n"), "{put}");
    let put_names = names(&put);
    for expected in [
        "ETag",
        "Content-Length",
        "Date",
        "Server",
        "x-cos-request-id",
        "x-cos-hash-crc64ecma",
    ] {
        assert!(put_names.contains(&expected), "{expected} in {put}");
    }
    assert!(
        put.contains("\r\nETag: \"5d41402abc4b2a76b9719d911017c592\"\r\n"),
        "{put}"
    );

    let get = raw_head(
        &e,
        format!("GET /case.txt HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    let get_names = names(&get);
    for expected in [
        "ETag",
        "Content-Length",
        "Content-Type",
        "Last-Modified",
        "Accept-Ranges",
        "x-cos-meta-color",
        "x-cos-request-id",
    ] {
        assert!(get_names.contains(&expected), "{expected} in {get}");
    }
    assert!(get.contains("\r\nContent-Length: 5\r\n"), "{get}");
    assert!(
        !get_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case("etag") && *n != "ETag"),
        "{get}"
    );

    // Error responses too (no bucket-level PUT): the XML error carries the same spellings.
    let error = raw_head(
        &e,
        format!("GET /missing HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert!(error.starts_with("HTTP/1.1 404"), "{error}");
    let error_names = names(&error);
    assert!(error_names.contains(&"Content-Type"), "{error}");
    assert!(error_names.contains(&"x-cos-request-id"), "{error}");
    e.shutdown().await;
}

#[tokio::test]
async fn sts_responses_use_the_same_spellings() {
    let e = Emulator::builder().start().await.unwrap();
    let host = e.sts_addr();
    let mut stream = TcpStream::connect(host).await.unwrap();
    stream
        .write_all(
            format!(
                "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
                 Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("\r\nContent-Type: "), "{text}");
    assert!(text.contains("\r\nContent-Length: "), "{text}");
    e.shutdown().await;
}
