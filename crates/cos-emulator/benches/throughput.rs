//! Single-stream PUT and GET throughput of a 256 MiB object over loopback, in memory mode
//! (issue target: the emulator should not limit a client; at least 1 GB/s).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

const SIZE: usize = 256 * 1024 * 1024;

fn throughput(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime
        .block_on(
            cos_emulator::Emulator::builder()
                .allow_anonymous(true)
                .start(),
        )
        .unwrap();
    let url = format!("{}/bench.bin", emulator.cos_endpoint());
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let data = Bytes::from(vec![0x5au8; SIZE]);

    let mut group = c.benchmark_group("emulator_256MiB");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("put", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let req = http::Request::put(&url)
                        .body(Full::new(data.clone()))
                        .unwrap();
                    let resp = client.request(req).await.unwrap();
                    assert_eq!(resp.status(), 200);
                    resp.into_body().collect().await.unwrap();
                }
                start.elapsed()
            })
        })
    });
    group.bench_function("get", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let req = http::Request::get(&url)
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
        })
    });
    // The ceiling for PUT: the ETag is the MD5 of the body, and MD5 cannot be parallelised.
    group.bench_function("bare_md5_256mib", |b| {
        use md5::Digest as _;
        b.iter(|| md5::Md5::digest(std::hint::black_box(&data[..])))
    });
    group.finish();
    runtime.block_on(emulator.shutdown());
}

criterion_group!(benches, throughput);
criterion_main!(benches);
