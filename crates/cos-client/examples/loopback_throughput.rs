//! Loopback throughput of `upload_file` / `download_file` against `cos-emulator` running in a
//! child process in memory mode (so this process's peak RSS is the client's alone, and no
//! client waits on the emulator's disk writeback), side by side with a raw
//! `curl` PUT/GET of the same bytes through presigned URLs as the ceiling.
//!
//! ```text
//! cargo run --release -p cos-client --example loopback_throughput -- [size MiB, default 1024]
//! ```
//!
//! cos-client runs with its defaults (part size and concurrency adaptive) and a tuned setting.
//!
//! Environment: `COS_BENCH_PART_MIB` and `COS_BENCH_CONCURRENCY` (the tuned setting,
//! default 16 MiB x 4),
//! `COS_BENCH_ETAG` (`md5`, the default, as COS does, or `crc64`: the emulator's opt-in
//! ETags without MD5, so that the emulator is not what limits an upload),
//! `COS_BENCH_RUNS` (default 3: each transfer is run that many times and the fastest run
//! is kept, for every client alike), `COS_BENCH_PYTHON` (the Python with `cos-python-sdk-v5`, default `python3`; `cargo xtask
//! bench` passes its venv). The Python SDK rows are left out when it is not installed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cos_client::{Client, DownloadOptions, Endpoint, UploadOptions};
use sts_client::provider::StaticProvider;
use tc3_signer::Credential;
use tc3_signer::cos::{KeyTime, SignableRequest, Signer};

#[path = "bench_support/mod.rs"]
mod bench_support;

use bench_support::{BUCKET, ID, KEY, REGION};

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn curl(args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = Command::new("curl").args(args).status().expect("curl runs");
    assert!(status.success(), "curl failed");
    started.elapsed()
}

/// Times the official Python SDK (`cos-python-sdk-v5`) when it is installed.
const PYTHON_SDK: &str = r#"
import sys, time
from qcloud_cos import CosConfig, CosS3Client
from requests.structures import CaseInsensitiveDict
# The SDK looks up `Content-Length` with that exact case; hyper (the emulator) sends lower-case
# names, which real COS does not. Harness shim only: make the lookup case-insensitive.
_head = CosS3Client.head_object
CosS3Client.head_object = lambda self, *a, **kw: CaseInsensitiveDict(_head(self, *a, **kw))
addr, bucket, region, sid, skey, path, mode, part, threads = sys.argv[1:10]
client = CosS3Client(CosConfig(Region=region, SecretId=sid, SecretKey=skey, Scheme="http", Domain=addr))
started = time.perf_counter()
if mode == "upload":
    client.upload_file(Bucket=bucket, Key="bench/python.bin", LocalFilePath=path, PartSize=int(part), MAXThread=int(threads))
else:
    client.download_file(Bucket=bucket, Key="bench/python.bin", DestFilePath=path, PartSize=int(part), MAXThread=int(threads))
print(time.perf_counter() - started)
"#;

fn python_sdk(
    addr: std::net::SocketAddr,
    path: &str,
    mode: &str,
    part_mib: u64,
    threads: u32,
) -> Option<Duration> {
    let python = std::env::var("COS_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let output = Command::new(python)
        .args([
            "-c",
            PYTHON_SDK,
            &addr.to_string(),
            BUCKET,
            REGION,
            ID,
            KEY,
            path,
            mode,
        ])
        .args([part_mib.to_string(), threads.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "python SDK {mode} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let seconds: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(seconds))
}

/// Runs `measure` `runs` times and keeps the shortest time (the least disturbed run).
fn best_of(runs: u32, mut measure: impl FnMut() -> Duration) -> Duration {
    (0..runs.max(1))
        .map(|_| measure())
        .min()
        .unwrap_or_default()
}

/// Async [`best_of`].
async fn best_of_async<F, Fut>(runs: u32, mut measure: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Duration>,
{
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        best = best.min(measure().await);
    }
    best
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        bench_support::serve(&args[2], "none");
        return;
    }
    let mib: u64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1024);
    // cos-client runs with its defaults and with a setting tuned for a small machine on
    // loopback (fewer parts in flight than cores can serve makes no sense; more only adds
    // contention), as the Python SDK runs with its defaults and its best thread count.
    let tuned_part: u64 = env_or("COS_BENCH_PART_MIB", 16);
    let tuned_concurrency: usize = env_or("COS_BENCH_CONCURRENCY", 4);
    let tuned_label = format!("{tuned_part} MiB x {tuned_concurrency}");
    // `0` leaves cos-client's own choice (adaptive part size and concurrency).
    let settings: [(&str, u64, usize); 2] = [
        ("defaults, adaptive", 0, 0),
        (&tuned_label, tuned_part, tuned_concurrency),
    ];
    let runs: u32 = env_or("COS_BENCH_RUNS", 3);
    let etag = std::env::var("COS_BENCH_ETAG").unwrap_or_else(|_| "md5".to_string());

    let work = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--serve", &etag])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut addr = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut addr)
        .unwrap();
    let addr: std::net::SocketAddr = addr.trim().parse().unwrap();

    let source = work.path().join("source.bin");
    bench_support::write_source(&source, mib);
    let bytes = (mib << 20) as f64;
    let rate = |d: Duration| bytes / d.as_secs_f64() / (1 << 20) as f64;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = Client::builder()
            .bucket(&cos_client::Bucket::new(BUCKET.parse().unwrap(), REGION.parse().unwrap()))
            .credentials(StaticProvider::new(Credential::new(ID, KEY)))
            .endpoint(Endpoint::default().http().connect_to(addr))
            .build()
            .unwrap();
        let crc = std::cell::Cell::new(0u64);
        let mut upload_times = Vec::new();
        for (_, part_mib, concurrency) in settings {
            let mut upload = UploadOptions::default();
            if concurrency > 0 {
                upload = upload.part_size(part_mib << 20).concurrency(concurrency);
            }
            upload_times.push(
                best_of_async(runs, || async {
                    let started = Instant::now();
                    let up = client
                        .upload_file(&source, "bench/object.bin", &upload)
                        .await
                        .unwrap();
                    let elapsed = started.elapsed();
                    assert!(up.server_crc_verified);
                    crc.set(up.crc64);
                    elapsed
                })
                .await,
            );
        }
        let upload_rss = peak_rss_mib();
        // Reset the peak so the download is measured on its own.
        let _ = std::fs::write("/proc/self/clear_refs", "5");

        let single_time = best_of_async(runs, || async {
            let started = Instant::now();
            client
                .put_object_from_file("bench/single.bin", &source, &Default::default())
                .await
                .unwrap();
            started.elapsed()
        })
        .await;

        let target = work.path().join("download.bin");
        let mut download_times = Vec::new();
        for (_, part_mib, concurrency) in settings {
            let mut download = DownloadOptions::default();
            if concurrency > 0 {
                download = download.part_size(part_mib << 20).concurrency(concurrency);
            }
            download_times.push(
                best_of_async(runs, || async {
                    let started = Instant::now();
                    let down = client
                        .download_file("bench/object.bin", &target, &download)
                        .await
                        .unwrap();
                    let elapsed = started.elapsed();
                    assert!(down.crc_verified && down.crc64 == crc.get());
                    std::fs::remove_file(&target).unwrap();
                    elapsed
                })
                .await,
            );
        }

        let stream_time = best_of_async(runs, || async {
            let started = Instant::now();
            let mut file = tokio::fs::File::create(&target).await.unwrap();
            let object = client
                .get_object("bench/object.bin", &Default::default())
                .await
                .unwrap();
            object.write_to(&mut file).await.unwrap();
            let elapsed = started.elapsed();
            std::fs::remove_file(&target).unwrap();
            elapsed
        })
        .await;
        let rss = peak_rss_mib();

        let host = client.host().to_owned();
        let connect = format!("{host}:80:{}:{}", addr.ip(), addr.port());
        // The ceiling: one curl stream with a header signature (same host, same signer).
        let auth = |method: &str| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let headers = [("host", host.as_str())];
            let parts = SignableRequest::new(method, "/bench/curl.bin").with_headers(&headers);
            let credential = Credential::new(ID, KEY);
            let signed = Signer::new(&credential)
                .sign(&parts, KeyTime::starting_at(now, Duration::from_secs(3600)))
                .unwrap();
            format!("Authorization: {}", signed.authorization())
        };
        let url = format!("http://{host}/bench/curl.bin");
        let src = source.to_str().unwrap().to_owned();
        let curl_put = best_of(runs, || {
            curl(&[
                "-sS",
                "--fail",
                "-o",
                "/dev/null",
                "-H",
                "Expect:",
                "-H",
                &auth("PUT"),
                "--connect-to",
                &connect,
                "-T",
                &src,
                &url,
            ])
        });
        let out = work.path().join("curl.bin");
        let curl_get = best_of(runs, || {
            curl(&[
                "-sS",
                "--fail",
                "-H",
                &auth("GET"),
                "--connect-to",
                &connect,
                "-o",
                out.to_str().unwrap(),
                &url,
            ])
        });
        assert_eq!(std::fs::metadata(&out).unwrap().len(), mib << 20);

        // The official Python SDK: its defaults (upload PartSize 1 MiB / download 20 MiB, 5
        // threads) and a tuned setting (16 MiB parts, 16 threads).
        let src_path = source.to_str().unwrap().to_owned();
        let py_target = work.path().join("python.bin");
        let py_target = py_target.to_str().unwrap().to_owned();
        let mut python = Vec::new();
        for (label, up_part, down_part, threads) in
            [("defaults", 1, 20, 5), ("16 MiB x 16 threads", 16, 16, 16)]
        {
            let mut up = None;
            let mut down = None;
            for _ in 0..runs.max(1) {
                let u = python_sdk(addr, &src_path, "upload", up_part, threads);
                let d = python_sdk(addr, &py_target, "download", down_part, threads);
                let _ = std::fs::remove_file(&py_target);
                up = up.min(u).or(up).or(u);
                down = down.min(d).or(down).or(d);
            }
            python.push((label, up, down));
        }

        println!(
            "object: {mib} MiB; emulator ETags: {etag}; best of {runs} runs each"
        );
        println!();
        println!("| transfer | seconds | MiB/s | of the curl ceiling |");
        println!("| --- | --- | --- | --- |");
        let row = |name: &str, time: Duration, ceiling: Duration| {
            let share = 100.0 * ceiling.as_secs_f64() / time.as_secs_f64();
            println!(
                "| {name} | {:.2} | {:.0} | {share:.0} % |",
                time.as_secs_f64(),
                rate(time)
            );
        };
        for ((label, _, _), time) in settings.iter().zip(&upload_times) {
            row(&format!("cos-client upload_file ({label})"), *time, curl_put);
        }
        row(
            "cos-client put_object_from_file (one stream)",
            single_time,
            curl_put,
        );
        row("curl PUT", curl_put, curl_put);
        for ((label, _, _), time) in settings.iter().zip(&download_times) {
            row(&format!("cos-client download_file ({label})"), *time, curl_get);
        }
        row(
            "cos-client get_object → file (one stream)",
            stream_time,
            curl_get,
        );
        row("curl GET", curl_get, curl_get);
        for (label, up, down) in &python {
            if let Some(up) = up {
                row(&format!("python SDK upload_file ({label})"), *up, curl_put);
            }
            if let Some(down) = down {
                row(
                    &format!("python SDK download_file ({label})"),
                    *down,
                    curl_get,
                );
            }
        }
        println!();
        let ratio = |ours: Duration, theirs: Option<Duration>| {
            theirs.map_or(f64::NAN, |t| t.as_secs_f64() / ours.as_secs_f64())
        };
        let fastest = |times: &[Duration]| times.iter().copied().min().unwrap_or_default();
        if let Some((_, up, down)) = python.first() {
            println!(
                "defaults against defaults: upload_file {:.2}x, download_file {:.2}x the Python SDK",
                ratio(upload_times[0], *up),
                ratio(download_times[0], *down)
            );
        }
        let python_best_up = python.iter().filter_map(|p| p.1).min();
        let python_best_down = python.iter().filter_map(|p| p.2).min();
        println!(
            "best against best: upload_file {:.2}x, download_file {:.2}x the Python SDK",
            ratio(fastest(&upload_times), python_best_up),
            ratio(fastest(&download_times), python_best_down)
        );
        println!("client peak RSS: upload {upload_rss:.0} MiB, download {rss:.0} MiB");
    });
    drop(child.stdin.take());
    let _ = child.wait();
}
