//! Issue 13, finding 2: connections that trickle a byte at a time are cut by the header
//! and body deadlines instead of being held forever.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cos_emulator::Emulator;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// How a slow client misbehaves.
#[derive(Debug, Clone, Copy)]
enum Slow {
    /// A PUT Object whose body trickles.
    PutBody,
    /// A POST Object whose form fields trickle.
    FormFields,
    /// Request headers that trickle.
    Headers,
}

/// Opens one slow connection and returns how long the emulator kept it open (`None`: still
/// open after `give_up`).
async fn trickle(addr: SocketAddr, kind: Slow, give_up: Duration) -> Option<Duration> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = match kind {
        Slow::PutBody => {
            format!("PUT /slow HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100000\r\n\r\n")
        }
        Slow::FormFields => format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=b\r\n\
             Content-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n"
        ),
        Slow::Headers => "GET /slow HTTP/1.1\r\n".to_string(),
    };
    writer.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let drip = tokio::spawn(async move {
        // One byte every 300 ms: about 3 bytes per second.
        while started.elapsed() < give_up {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if writer.write_all(b"x").await.is_err() {
                break;
            }
        }
    });
    let mut buf = [0u8; 1024];
    let closed = loop {
        match tokio::time::timeout_at((started + give_up).into(), reader.read(&mut buf)).await {
            Err(_) => break None,
            Ok(Ok(0) | Err(_)) => break Some(started.elapsed()),
            Ok(Ok(_)) => {}
        }
    };
    drip.abort();
    closed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_slow_connections_are_closed_within_the_deadlines() {
    let e = Emulator::builder()
        .body_min_rate(Duration::from_secs(1), 1024)
        .header_timeout(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let kinds = [Slow::PutBody, Slow::FormFields, Slow::Headers];
    let give_up = Duration::from_secs(15);
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let kind = kinds[i % kinds.len()];
            let addr = e.cos_addr();
            tokio::spawn(async move { (kind, trickle(addr, kind, give_up).await) })
        })
        .collect();
    for task in tasks {
        let (kind, closed) = task.await.unwrap();
        let after = closed.unwrap_or_else(|| panic!("{kind:?}: still open after {give_up:?}"));
        // Deadline (1 s body grace, 2 s headers) plus scheduling slack.
        assert!(
            after < Duration::from_secs(6),
            "{kind:?}: closed after {after:?}"
        );
    }
    e.shutdown().await;
}
