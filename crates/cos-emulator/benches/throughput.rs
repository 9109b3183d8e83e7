//! Single-stream PUT and GET throughput of a 256 MiB object over loopback, in memory mode
//! (issue target: the emulator should not limit a client; at least 1 GB/s). PUT is measured
//! with COS's MD5 ETags (the default) and with the opt-in CRC-64 ETags, beside bare MD5 on
//! the same bytes, which bounds the first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use bytes::Bytes;
use cos_emulator::{Emulator, EtagMode};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

const SIZE: usize = 256 * 1024 * 1024;

type HttpClient = Client<HttpConnector, Full<Bytes>>;

fn start(runtime: &Runtime, mode: EtagMode) -> Emulator {
    runtime
        .block_on(
            Emulator::builder()
                .allow_anonymous(true)
                .etag_mode(mode)
                .start(),
        )
        .unwrap()
}

fn put(runtime: &Runtime, client: &HttpClient, url: &str, data: &Bytes, iters: u64) -> Duration {
    runtime.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            let req = http::Request::put(url)
                .body(Full::new(data.clone()))
                .unwrap();
            let resp = client.request(req).await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.into_body().collect().await.unwrap();
        }
        start.elapsed()
    })
}

fn get(runtime: &Runtime, client: &HttpClient, url: &str, iters: u64) -> Duration {
    runtime.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            let req = http::Request::get(url)
                .body(Full::new(Bytes::new()))
                .unwrap();
            let resp = client.request(req).await.unwrap();
            assert_eq!(resp.status(), 200);
            let mut body = resp.into_body();
            let mut n = 0usize;
            while let Some(frame) = body.frame().await {
                n += frame.unwrap().data_ref().map_or(0, |d| d.len());
            }
            assert_eq!(n, SIZE);
        }
        start.elapsed()
    })
}

fn throughput(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let emulator = start(&runtime, EtagMode::Md5);
    let fast = start(&runtime, EtagMode::Crc64);
    let url = format!("{}/bench.bin", emulator.cos_endpoint());
    let fast_url = format!("{}/bench.bin", fast.cos_endpoint());
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let data = Bytes::from(vec![0x5au8; SIZE]);

    let mut group = c.benchmark_group("emulator_256MiB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("put", |b| {
        b.iter_custom(|iters| put(&runtime, &client, &url, &data, iters))
    });
    group.bench_function("put_etag_crc64", |b| {
        b.iter_custom(|iters| put(&runtime, &client, &fast_url, &data, iters))
    });
    group.bench_function("get", |b| {
        b.iter_custom(|iters| get(&runtime, &client, &url, iters))
    });
    // The ceiling for an MD5-ETag PUT: MD5 cannot be parallelised.
    group.bench_function("bare_md5_256mib", |b| {
        use md5::Digest as _;
        b.iter(|| md5::Md5::digest(std::hint::black_box(&data[..])))
    });
    group.finish();
    runtime.block_on(emulator.shutdown());
    runtime.block_on(fast.shutdown());
}

criterion_group!(benches, throughput);
criterion_main!(benches);
