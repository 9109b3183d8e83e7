//! Link shaping holds: per-connection bandwidth, the aggregate cap and the added round-trip
//! time each come out within 10 % of what the link says, on transfers of a few MiB (a few
//! seconds in all; this measures the shaper's accuracy, not our code's speed).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use cos_emulator::{Emulator, EtagMode, Link};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

const MIB: u64 = 1 << 20;

async fn shaped(link: &str) -> Emulator {
    Emulator::builder()
        .allow_anonymous(true)
        .etag_mode(EtagMode::Crc64)
        .link(link.parse::<Link>().unwrap())
        .start()
        .await
        .unwrap()
}

fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn put(client: &Client<HttpConnector, Full<Bytes>>, endpoint: &str, key: &str, len: u64) {
    let request = http::Request::put(format!("{endpoint}/{key}"))
        .body(Full::new(Bytes::from(vec![7u8; len as usize])))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    response.into_body().collect().await.unwrap();
}

async fn get(client: &Client<HttpConnector, Full<Bytes>>, endpoint: &str, key: &str) -> usize {
    let request = http::Request::get(format!("{endpoint}/{key}"))
        .body(Full::default())
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .len()
}

fn assert_within_10_percent(what: &str, measured: Duration, expected: Duration) {
    let ratio = measured.as_secs_f64() / expected.as_secs_f64();
    assert!(
        (0.9..=1.1).contains(&ratio),
        "{what}: took {measured:?}, the link says {expected:?} ({:.0} %)",
        ratio * 100.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_runs_at_the_per_connection_rate_both_ways() {
    let e = shaped("per-conn=8MiB/s").await;
    let client = client();
    let started = Instant::now();
    put(&client, &e.cos_endpoint(), "up", 4 * MIB).await;
    assert_within_10_percent("4 MiB PUT", started.elapsed(), Duration::from_millis(500));
    let started = Instant::now();
    assert_eq!(get(&client, &e.cos_endpoint(), "up").await as u64, 4 * MIB);
    assert_within_10_percent("4 MiB GET", started.elapsed(), Duration::from_millis(500));
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_together_stay_under_the_aggregate_cap() {
    // Four connections could do 32 MiB/s; the link carries 8 MiB/s in each direction.
    let e = shaped("per-conn=8MiB/s,total=8MiB/s").await;
    let client = client();
    let started = Instant::now();
    let mut uploads = tokio::task::JoinSet::new();
    for i in 0..4 {
        let (client, endpoint) = (client.clone(), e.cos_endpoint());
        uploads.spawn(async move { put(&client, &endpoint, &format!("part-{i}"), MIB).await });
    }
    uploads.join_all().await;
    assert_within_10_percent(
        "4 x 1 MiB PUT",
        started.elapsed(),
        Duration::from_millis(500),
    );
    let started = Instant::now();
    let mut downloads = tokio::task::JoinSet::new();
    for i in 0..4 {
        let (client, endpoint) = (client.clone(), e.cos_endpoint());
        downloads.spawn(async move { get(&client, &endpoint, &format!("part-{i}")).await });
    }
    assert_eq!(downloads.join_all().await, [MIB as usize; 4]);
    assert_within_10_percent(
        "4 x 1 MiB GET",
        started.elapsed(),
        Duration::from_millis(500),
    );
    e.shutdown().await;
}

/// Sends `GET /small` on `stream` and reads the whole answer (16 bytes of body).
async fn get_raw(stream: &mut tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    stream
        .write_all(b"GET /small HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed");
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some(end) = text.find("\r\n\r\n") {
            assert!(text.starts_with("HTTP/1.1 200"), "{text}");
            if answer.len() >= end + 4 + 16 {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_exchange_costs_one_round_trip_and_a_new_connection_one_more() {
    let e = shaped("rtt=100ms").await;
    put(&client(), &e.cos_endpoint(), "small", 16).await;
    // One connection, four exchanges: four round trips, plus one for the handshake.
    let started = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(e.cos_addr()).await.unwrap();
    get_raw(&mut stream).await;
    assert_within_10_percent(
        "GET on a new connection",
        started.elapsed(),
        Duration::from_millis(200),
    );
    let started = Instant::now();
    for _ in 0..4 {
        get_raw(&mut stream).await;
    }
    assert_within_10_percent("4 GETs", started.elapsed(), Duration::from_millis(400));
    e.shutdown().await;
}
