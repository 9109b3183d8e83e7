//! Transfers on realistic links: `cos-client` with its defaults against the official Python
//! SDK (`cos-python-sdk-v5`, defaults and its best thread count), the official Node SDK
//! (`cos-nodejs-sdk-v5`, `sliceUploadFile`/`downloadFile` defaults) and `coscmd`, every
//! client a child process of this one, against `cos-emulator` (in memory, CRC-64 ETags) in
//! another child process whose COS listener is shaped like a network link.
//!
//! ```text
//! cargo run --release -p cos-client --example link_throughput -- [size MiB, default 1024]
//! ```
//!
//! * 1 GiB upload and download on a **near** link (5 ms, 100 MiB/s per connection, 800 MiB/s
//!   in all) and a **far** link (50 ms, 20 MiB/s per connection, 320 MiB/s in all);
//! * on plain loopback, each client's **CPU seconds per GiB** (user + system of the client
//!   process alone, from `wait4`) and peak RSS; peak RSS is also taken on every link;
//! * 10 000 objects of 16 KiB uploaded on the far link: `upload_directory` against
//!   `coscmd upload -r`.
//!
//! Environment: `COS_BENCH_PYTHON` (a Python with `cos-python-sdk-v5` and `coscmd`; `cargo
//! xtask bench` passes its venv; default `python3`), `COS_BENCH_NODE_MODULES` (a
//! `node_modules` holding `cos-nodejs-sdk-v5`; Node rows are left out without it),
//! `COS_BENCH_SMALL` (objects of the small-object run, default 10000), `COS_BENCH_ONLY`
//! (comma-separated subset of `near,far,loopback,small`), `COS_BENCH_WORKDIR` (where the
//! files go; default `/dev/shm` when present, so that no client waits on a disk).
//! Client processes are measured by a few lines of Python around `os.wait4`; a client that
//! is not installed is left out of the tables.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use cos_client::{Client, DirectoryOptions, DownloadOptions, Endpoint, UploadOptions};
use sts_client::provider::StaticProvider;
use tc3_signer::Credential;

#[path = "bench_support/mod.rs"]
mod bench_support;

use bench_support::{BUCKET, ID, KEY, REGION};

/// The link shapes: name, `--link` value, aggregate ceiling in MiB/s.
const LINKS: [(&str, &str, f64); 2] = [
    ("near", "rtt=5ms,per-conn=100MiB/s,total=800MiB/s", 800.0),
    ("far", "rtt=50ms,per-conn=20MiB/s,total=320MiB/s", 320.0),
];

/// Runs a command and reports its exit status, wall time, user and system CPU seconds and
/// peak RSS (KiB) from `os.wait4`, then the command's own standard output.
const MEASURE: &str = r#"
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
out = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
print(status, time.perf_counter() - started, usage.ru_utime, usage.ru_stime, usage.ru_maxrss)
sys.stdout.write(out.decode(errors="replace"))
"#;

/// The official Python SDK; `default` part size or threads leave the SDK's own defaults.
const PYTHON_SDK: &str = r#"
import sys, time
from qcloud_cos import CosConfig, CosS3Client
addr, bucket, region, sid, skey, path, key, mode, part, threads = sys.argv[1:11]
client = CosS3Client(CosConfig(Region=region, SecretId=sid, SecretKey=skey, Scheme="http", Domain=addr))
tuning = {}
if part != "default":
    tuning["PartSize"] = int(part)
if threads != "default":
    tuning["MAXThread"] = int(threads)
started = time.perf_counter()
if mode == "upload":
    client.upload_file(Bucket=bucket, Key=key, LocalFilePath=path, **tuning)
else:
    client.download_file(Bucket=bucket, Key=key, DestFilePath=path, **tuning)
print(time.perf_counter() - started)
"#;

/// The official Node SDK with its defaults.
const NODE_SDK: &str = r#"
const COS = require('cos-nodejs-sdk-v5');
const [addr, Bucket, Region, SecretId, SecretKey, FilePath, Key, mode] = process.argv.slice(1);
const cos = new COS({ SecretId, SecretKey, Protocol: 'http:', Domain: addr });
const started = process.hrtime.bigint();
const done = (err) => {
  if (err) { console.error(err); process.exit(1); }
  console.log(Number(process.hrtime.bigint() - started) / 1e9);
};
if (mode === 'upload') cos.sliceUploadFile({ Bucket, Region, Key, FilePath }, done);
else cos.downloadFile({ Bucket, Region, Key, FilePath }, done);
"#;

/// One measured client process.
#[derive(Debug, Clone, Copy)]
struct Measured {
    /// The transfer's own time when the client reports one, else the process's wall time.
    seconds: f64,
    cpu: f64,
    rss_mib: f64,
}

fn python() -> String {
    std::env::var("COS_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Runs `program args` under [`MEASURE`]; `None` when it fails.
fn measure(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Option<Measured> {
    let output = Command::new(python())
        .args(["-c", MEASURE, program])
        .args(args)
        .envs(envs.iter().copied())
        .stderr(Stdio::inherit())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let fields: Vec<f64> = lines
        .next()?
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let [status, wall, user, system, rss_kib] = fields[..] else {
        return None;
    };
    if status != 0.0 {
        eprintln!("{program} {args:?} failed (status {status})");
        return None;
    }
    let reported = lines.last().and_then(|l| l.trim().parse::<f64>().ok());
    Some(Measured {
        seconds: reported.unwrap_or(wall),
        cpu: user + system,
        rss_mib: rss_kib / 1024.0,
    })
}

fn client_for(addr: &str) -> Client {
    Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(StaticProvider::new(Credential::new(ID, KEY)))
        .endpoint(Endpoint::default().http().connect_to(addr.parse().unwrap()))
        .build()
        .unwrap()
}

/// `--client MODE ADDR LOCAL KEY`: one cos-client transfer with its defaults; prints seconds.
fn client_process(mode: &str, addr: &str, local: &str, key: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = client_for(addr);
        let started = Instant::now();
        match mode {
            "upload" => {
                let out = client
                    .upload_file(Path::new(local), key, &UploadOptions::default())
                    .await
                    .unwrap();
                assert!(out.server_crc_verified);
            }
            "download" => {
                let out = client
                    .download_file(key, Path::new(local), &DownloadOptions::default())
                    .await
                    .unwrap();
                assert!(out.crc_verified);
            }
            "upload-dir" => {
                let out = client
                    .upload_directory(Path::new(local), key, &DirectoryOptions::default())
                    .await
                    .unwrap();
                assert!(out.failures.is_empty(), "{:?}", out.failures);
            }
            other => panic!("unknown mode {other}"),
        }
        println!("{}", started.elapsed().as_secs_f64());
    });
}

/// An emulator child process, shut down when dropped.
struct Served {
    child: std::process::Child,
    addr: String,
}

impl Served {
    fn start(link: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--serve", link])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut addr = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut addr)
            .unwrap();
        Self {
            child,
            addr: addr.trim().to_owned(),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The clients of one run.
struct Peers {
    python: bool,
    node: Option<String>,
    coscmd: Option<PathBuf>,
}

impl Peers {
    fn find() -> Self {
        let has_sdk = Command::new(python())
            .args(["-c", "import qcloud_cos"])
            .status()
            .is_ok_and(|s| s.success());
        let node = std::env::var("COS_BENCH_NODE_MODULES")
            .ok()
            .filter(|p| Path::new(p).join("cos-nodejs-sdk-v5").is_dir());
        let coscmd = Path::new(&python())
            .parent()
            .map(|bin| bin.join("coscmd"))
            .filter(|p| p.is_file());
        Self {
            python: has_sdk,
            node,
            coscmd,
        }
    }
}

/// A client's row: its label and the upload and download it measured.
struct Row {
    label: String,
    up: Option<Measured>,
    down: Option<Measured>,
}

/// The work of one link (or of loopback): each client uploads the source to its own key
/// and downloads the object cos-client uploaded.
struct Run<'a> {
    served: Served,
    source: &'a Path,
    work: &'a Path,
    peers: &'a Peers,
    coscmd_conf: PathBuf,
}

impl Run<'_> {
    fn target(&self) -> PathBuf {
        self.work.join("download.bin")
    }

    fn cos_client(&self, mode: &str, local: &Path, key: &str) -> Option<Measured> {
        let exe = std::env::current_exe().unwrap();
        measure(
            exe.to_str().unwrap(),
            &[
                "--client",
                mode,
                &self.served.addr,
                local.to_str().unwrap(),
                key,
            ],
            &[],
        )
    }

    fn python_sdk(
        &self,
        mode: &str,
        local: &Path,
        key: &str,
        part: &str,
        threads: &str,
    ) -> Option<Measured> {
        if !self.peers.python {
            return None;
        }
        let mut args = self.sdk_args("-c", PYTHON_SDK, mode, local, key);
        args.extend([part, threads]);
        measure(&python(), &args, &[])
    }

    /// `FLAG SCRIPT ADDR BUCKET REGION ID KEY LOCAL OBJECT-KEY MODE`, as both SDK scripts read.
    fn sdk_args<'a>(
        &'a self,
        flag: &'a str,
        script: &'a str,
        mode: &'a str,
        local: &'a Path,
        key: &'a str,
    ) -> Vec<&'a str> {
        vec![
            flag,
            script,
            &self.served.addr,
            BUCKET,
            REGION,
            ID,
            KEY,
            local.to_str().unwrap(),
            key,
            mode,
        ]
    }

    fn node_sdk(&self, mode: &str, local: &Path, key: &str) -> Option<Measured> {
        let modules = self.peers.node.as_deref()?;
        let args = self.sdk_args("-e", NODE_SDK, mode, local, key);
        measure("node", &args, &[("NODE_PATH", modules)])
    }

    fn coscmd(&self, args: &[&str]) -> Option<Measured> {
        let coscmd = self.peers.coscmd.as_ref()?;
        let mut all = vec!["-s", "-c", self.coscmd_conf.to_str().unwrap()];
        all.extend_from_slice(args);
        // coscmd has no plain-HTTP domain setting that keeps the bucket routable: send it
        // through the emulator as an HTTP proxy (absolute-form requests, routed by host).
        let proxy = format!("http://{}", self.served.addr);
        measure(
            coscmd.to_str().unwrap(),
            &all,
            &[
                ("HTTP_PROXY", &proxy),
                ("http_proxy", &proxy),
                ("NO_PROXY", ""),
            ],
        )
    }

    /// One transfer by `peer`.
    fn transfer(&self, peer: Peer, mode: &str, local: &Path, key: &str) -> Option<Measured> {
        match peer {
            Peer::Ours => self.cos_client(mode, local, key),
            Peer::Python { part, threads } => self.python_sdk(mode, local, key, part, threads),
            Peer::Node => self.node_sdk(mode, local, key),
            Peer::Coscmd if mode == "upload" => {
                self.coscmd(&["upload", local.to_str().unwrap(), key])
            }
            Peer::Coscmd => self.coscmd(&["download", "-f", key, local.to_str().unwrap()]),
        }
    }

    /// `peer` uploads the source (cos-client to `bench/object.bin`, which every peer then
    /// downloads; the others to a key deleted again, as the emulator keeps objects in
    /// memory) and downloads `bench/object.bin`, checking its size.
    fn row(&self, peer: Peer, client: &Client, runtime: &tokio::runtime::Runtime) -> Row {
        let label = peer.label();
        let key = match peer {
            Peer::Ours => "bench/object.bin".to_owned(),
            _ => format!(
                "bench/{}.bin",
                label.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
            ),
        };
        let up = self.transfer(peer, "upload", self.source, &key);
        if peer != Peer::Ours {
            let _ = runtime.block_on(client.delete_object(&key));
        }
        let down = self.transfer(peer, "download", &self.target(), "bench/object.bin");
        if down.is_some() {
            let size = std::fs::metadata(self.target())
                .map(|m| m.len())
                .unwrap_or(0);
            assert_eq!(
                size,
                std::fs::metadata(self.source).unwrap().len(),
                "{label}: short download"
            );
        }
        let _ = std::fs::remove_file(self.target());
        Row { label, up, down }
    }
}

/// A client under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Peer {
    Ours,
    /// The Python SDK; `default` leaves the SDK's own part size or thread count.
    Python {
        part: &'static str,
        threads: &'static str,
    },
    Node,
    Coscmd,
}

impl Peer {
    const PYTHON_DEFAULTS: Self = Self::Python {
        part: "default",
        threads: "default",
    };

    fn label(self) -> String {
        match self {
            Self::Ours => "cos-client (defaults)".to_owned(),
            Self::PYTHON_DEFAULTS => "Python SDK (defaults)".to_owned(),
            Self::Python { part, threads } => {
                format!("Python SDK ({part} MiB x {threads} threads)")
            }
            Self::Node => "Node SDK (defaults)".to_owned(),
            Self::Coscmd => "coscmd (defaults)".to_owned(),
        }
    }
}

fn write_coscmd_conf(path: &Path) {
    let conf = format!(
        "[common]\nsecret_id = {ID}\nsecret_key = {KEY}\nbucket = {BUCKET}\nregion = {REGION}\n\
         max_thread = 5\npart_size = 1\nschema = http\nverify = md5\nanonymous = False\n"
    );
    std::fs::write(path, conf).unwrap();
}

fn mib_per_s(bytes: f64, m: Option<Measured>) -> Option<f64> {
    m.map(|m| bytes / m.seconds / f64::from(1 << 20))
}

fn cell(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--serve") => return bench_support::serve("crc64", &args[2]),
        Some("--client") => return client_process(&args[2], &args[3], &args[4], &args[5]),
        _ => {}
    }
    let mib: u64 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1024);
    let small: usize = std::env::var("COS_BENCH_SMALL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let only = std::env::var("COS_BENCH_ONLY").unwrap_or_else(|_| "near,far,loopback,small".into());
    let wanted = |name: &str| only.split(',').any(|o| o.trim() == name);
    let base = std::env::var_os("COS_BENCH_WORKDIR")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/dev/shm")).filter(|p| p.is_dir()))
        .unwrap_or_else(std::env::temp_dir);
    let work = tempfile::tempdir_in(&base).unwrap();
    let source = work.path().join("source.bin");
    bench_support::write_source(&source, mib);
    let bytes = (mib << 20) as f64;
    let peers = Peers::find();
    let coscmd_conf = work.path().join("cos.conf");
    write_coscmd_conf(&coscmd_conf);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rss_max: Vec<(String, f64)> = Vec::new();
    let mut note_rss = |label: &str, m: Option<Measured>| {
        if let Some(m) = m {
            match rss_max.iter_mut().find(|(l, _)| l == label) {
                Some((_, rss)) => *rss = rss.max(m.rss_mib),
                None => rss_max.push((label.to_owned(), m.rss_mib)),
            }
        }
    };

    // An emulator shaped like `link` (or `none`) and what every client needs to use it.
    let start_run = |link: &str| Run {
        served: Served::start(link),
        source: &source,
        work: work.path(),
        peers: &peers,
        coscmd_conf: coscmd_conf.clone(),
    };
    println!(
        "object: {mib} MiB; emulator in memory with CRC-64 ETags; one run each; every client a separate process"
    );
    println!();
    for (name, link, ceiling) in LINKS {
        if !wanted(name) {
            continue;
        }
        let run = start_run(link);
        let client = client_for(&run.served.addr);
        let mut rows = Vec::new();
        let mut best_up: Option<(String, Measured)> = None;
        let mut best_down: Option<(String, Measured)> = None;
        for peer in [
            Peer::Ours,
            Peer::PYTHON_DEFAULTS,
            Peer::Python {
                part: "8",
                threads: "16",
            },
            Peer::Python {
                part: "8",
                threads: "32",
            },
            Peer::Node,
            Peer::Coscmd,
        ] {
            let row = run.row(peer, &client, &runtime);
            if matches!(peer, Peer::Python { .. }) {
                for (best, measured) in [(&mut best_up, row.up), (&mut best_down, row.down)] {
                    if let Some(m) = measured
                        && best.as_ref().is_none_or(|(_, b)| m.seconds < b.seconds)
                    {
                        *best = Some((row.label.clone(), m));
                    }
                }
            }
            rows.push(row);
        }
        println!("#### {name} link: `{link}` (aggregate ceiling {ceiling:.0} MiB/s each way)");
        println!();
        println!(
            "| client | upload MiB/s | of the ceiling | download MiB/s | of the ceiling | peak RSS MiB |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for row in &rows {
            let up = mib_per_s(bytes, row.up);
            let down = mib_per_s(bytes, row.down);
            let rss = [row.up, row.down]
                .iter()
                .flatten()
                .map(|m| m.rss_mib)
                .reduce(f64::max);
            note_rss(&row.label, row.up);
            note_rss(&row.label, row.down);
            println!(
                "| {} | {} | {} % | {} | {} % | {} |",
                row.label,
                cell(up, 0),
                cell(up.map(|r| 100.0 * r / ceiling), 0),
                cell(down, 0),
                cell(down.map(|r| 100.0 * r / ceiling), 0),
                cell(rss, 0)
            );
        }
        let ours = &rows[0];
        let py = &rows[1];
        let ratio = |a: Option<Measured>, b: Option<Measured>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}x", b.seconds / a.seconds),
            _ => "–".to_owned(),
        };
        println!();
        println!(
            "{name} link, defaults against defaults: upload {}, download {} the Python SDK; against its best ({} / {}): upload {}, download {}",
            ratio(ours.up, py.up),
            ratio(ours.down, py.down),
            best_up.as_ref().map_or("–", |(l, _)| l.as_str()),
            best_down.as_ref().map_or("–", |(l, _)| l.as_str()),
            ratio(ours.up, best_up.as_ref().map(|(_, m)| *m)),
            ratio(ours.down, best_down.as_ref().map(|(_, m)| *m)),
        );
        println!();
    }

    if wanted("loopback") {
        let run = start_run("none");
        let client = client_for(&run.served.addr);
        let rows: Vec<Row> = [Peer::Ours, Peer::PYTHON_DEFAULTS, Peer::Node, Peer::Coscmd]
            .into_iter()
            .map(|peer| run.row(peer, &client, &runtime))
            .collect();
        let gib = bytes / f64::from(1 << 30);
        println!(
            "#### Client CPU per GiB on plain loopback (user + system of the client process, start-up included)"
        );
        println!();
        println!(
            "| client | upload CPU s/GiB | download CPU s/GiB | upload MiB/s | download MiB/s | peak RSS MiB |"
        );
        println!("| --- | ---: | ---: | ---: | ---: | ---: |");
        for row in &rows {
            note_rss(&row.label, row.up);
            note_rss(&row.label, row.down);
            let rss = [row.up, row.down]
                .iter()
                .flatten()
                .map(|m| m.rss_mib)
                .reduce(f64::max);
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                row.label,
                cell(row.up.map(|m| m.cpu / gib), 2),
                cell(row.down.map(|m| m.cpu / gib), 2),
                cell(mib_per_s(bytes, row.up), 0),
                cell(mib_per_s(bytes, row.down), 0),
                cell(rss, 0)
            );
        }
        let share = |a: Option<Measured>, b: Option<Measured>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.0} %", 100.0 * a.cpu / b.cpu),
            _ => "–".to_owned(),
        };
        println!();
        println!(
            "cos-client CPU per GiB as a share of the Python SDK's: upload {}, download {}",
            share(rows[0].up, rows[1].up),
            share(rows[0].down, rows[1].down)
        );
        println!();
    }

    if wanted("small") {
        let (_, link, _) = LINKS[1];
        let run = start_run(link);
        let dir = work.path().join("small");
        std::fs::create_dir_all(&dir).unwrap();
        let body: Vec<u8> = (0..16 << 10).map(|i: u32| (i % 251) as u8).collect();
        for i in 0..small {
            let sub = dir.join(format!("d{:02}", i % 100));
            if i < 100 {
                std::fs::create_dir_all(&sub).unwrap();
            }
            std::fs::write(sub.join(format!("f{i:05}.bin")), &body).unwrap();
        }
        let exe = std::env::current_exe().unwrap();
        let ours = measure(
            exe.to_str().unwrap(),
            &[
                "--client",
                "upload-dir",
                &run.served.addr,
                dir.to_str().unwrap(),
                "small/ours/",
            ],
            &[],
        );
        let theirs = run.coscmd(&["upload", "-r", dir.to_str().unwrap(), "small/coscmd/"]);
        println!("#### {small} objects of 16 KiB on the far link: `{link}`");
        println!();
        println!("| client | seconds | objects/s | peak RSS MiB |");
        println!("| --- | ---: | ---: | ---: |");
        for (label, m) in [
            ("cos-client upload_directory (defaults)", ours),
            ("coscmd upload -r (defaults)", theirs),
        ] {
            note_rss(label, m);
            println!(
                "| {label} | {} | {} | {} |",
                cell(m.map(|m| m.seconds), 1),
                cell(m.map(|m| small as f64 / m.seconds), 0),
                cell(m.map(|m| m.rss_mib), 0)
            );
        }
        if let (Some(a), Some(b)) = (ours, theirs) {
            println!();
            println!("cos-client: {:.1}x coscmd's rate", b.seconds / a.seconds);
        }
        println!();
    }
    print!("peak RSS over every run:");
    for (label, rss) in &rss_max {
        print!(" {label} {rss:.0} MiB;");
    }
    println!();
}
