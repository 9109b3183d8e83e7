//! Issue 13, finding 2: a 400 MB unsigned POST Object is refused before its file is read,
//! and the emulator's memory does not grow with it. One test in this binary, so that the
//! process's resident set is the emulator's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cos_emulator::Emulator;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const BOUNDARY: &str = "----memoryBoundary";
const FILE_SIZE: u64 = 400 * 1000 * 1000;
const CHUNK: usize = 256 * 1024;

/// Resident set size of this process, bytes (Linux `/proc/self/status`).
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_mb_unsigned_form_is_refused_before_its_file_is_read() {
    let e = Emulator::builder().start().await.unwrap();
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nbig.bin\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let length = head.len() as u64 + FILE_SIZE + tail.len() as u64;
    let before = rss();

    let stream = tokio::net::TcpStream::connect(e.cos_addr()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let request_head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n{head}",
        e.cos_addr()
    );
    // The body is generated as it is sent: one reused chunk, never 400 MB in memory.
    let sender = tokio::spawn(async move {
        writer.write_all(request_head.as_bytes()).await?;
        let chunk = vec![b'x'; CHUNK];
        let mut sent = 0u64;
        while sent < FILE_SIZE {
            let n = CHUNK.min(usize::try_from(FILE_SIZE - sent).unwrap());
            writer.write_all(&chunk[..n]).await?;
            sent += n as u64;
        }
        writer.write_all(tail.as_bytes()).await?;
        Ok::<u64, std::io::Error>(sent)
    });
    let started = Instant::now();
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&response).contains("</Error>") {
        match tokio::time::timeout(Duration::from_secs(30), reader.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => response.extend_from_slice(&buf[..n]),
            Err(_) => panic!("no response within 30 s"),
        }
    }
    let answered_after = started.elapsed();
    let text = String::from_utf8_lossy(&response).into_owned();
    assert!(text.starts_with("HTTP/1.1 403"), "{text}");
    assert!(text.contains("AccessDenied"), "{text}");
    // Refused at the file's part headers: the sender cannot have pushed the whole file
    // through a connection nobody reads (it fails or is still blocked).
    drop(reader);
    let sent = tokio::time::timeout(Duration::from_secs(30), sender)
        .await
        .expect("the sender must be stopped by the closed connection")
        .unwrap();
    assert!(
        sent.is_err() || answered_after < Duration::from_secs(5),
        "the whole file was accepted: {sent:?}"
    );
    let grown = rss().saturating_sub(before);
    println!(
        "RSS grew by {} KiB; answered after {answered_after:?}",
        grown / 1024
    );
    assert!(grown <= 16 * 1024 * 1024, "RSS grew by {grown} bytes");
    assert_eq!(common::Cos::root(&e).get("big.bin").await.status, 404);
    e.shutdown().await;
}
