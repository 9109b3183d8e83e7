//! Directory transfers against the emulator: recursive upload and download, sync skipping
//! unchanged files by size and CRC-64, progress, failures reported per file, keys that
//! would escape the target directory refused; and adaptive transfers on a shaped link.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cos_client::{
    Client, DirectoryOptions, DownloadOptions, Endpoint, Progress, PutOptions, UploadOptions,
};
use cos_emulator::{Emulator, EtagMode, Link};
use sts_client::provider::StaticProvider;

const BUCKET: &str = "examplebucket-1250000000";
const REGION: &str = "ap-guangzhou";

async fn emulator(link: Link) -> Emulator {
    Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .etag_mode(EtagMode::Crc64)
        .link(link)
        .start()
        .await
        .unwrap()
}

fn client(e: &Emulator) -> Client {
    Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(StaticProvider::new(e.root_credential()))
        .endpoint(Endpoint::default().http().connect_to(e.cos_addr()))
        .build()
        .unwrap()
}

/// A tree of `count` small files in nested directories plus one multipart-sized file.
fn tree(root: &Path, count: usize) -> u64 {
    let mut total = 0;
    for i in 0..count {
        let dir = root.join(format!("d{}", i % 4)).join(format!("e{}", i % 3));
        std::fs::create_dir_all(&dir).unwrap();
        let body = format!("file {i} ").repeat(1 + i % 50);
        total += body.len() as u64;
        std::fs::write(dir.join(format!("f{i}.txt")), body).unwrap();
    }
    let big: Vec<u8> = (0..3u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
    total += big.len() as u64;
    std::fs::write(root.join("big.bin"), big).unwrap();
    total
}

fn progress() -> (Progress, Arc<AtomicU64>) {
    let done = Arc::new(AtomicU64::new(0));
    let sink = Arc::clone(&done);
    let progress = Progress::new(move |d, total| {
        assert!(d <= total);
        sink.fetch_max(d, Ordering::Relaxed);
    });
    (progress, done)
}

fn same_trees(a: &Path, b: &Path) {
    let mut stack = vec![a.to_path_buf()];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let other = b.join(path.strip_prefix(a).unwrap());
            assert_eq!(
                std::fs::read(&path).unwrap(),
                std::fs::read(&other).unwrap()
            );
            files += 1;
        }
    }
    assert!(files > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_download_and_sync_a_directory() {
    let e = emulator(Link::default()).await;
    let client = client(&e);
    let source = tempfile::tempdir().unwrap();
    let total = tree(source.path(), 60);
    // Multipart above 1 MiB, so that big.bin goes in parts inside the directory transfer.
    let upload = UploadOptions::default().multipart_threshold(1 << 20);
    let (seen, done) = progress();
    let options = DirectoryOptions::default()
        .files_in_flight(16)
        .upload_options(upload)
        .progress(seen);
    // `tree` is a folder: the keys go under `tree/`.
    let up = client
        .upload_directory(source.path(), "tree", &options)
        .await
        .unwrap();
    assert!(up.failures.is_empty(), "{:?}", up.failures);
    assert_eq!((up.files, up.transferred, up.skipped), (61, 61, 0));
    assert_eq!(up.bytes, total);
    assert_eq!(done.load(Ordering::Relaxed), total);
    let head = client.head_object("tree/d1/e1/f1.txt").await.unwrap();
    assert_eq!(head.content_length, "file 1 ".len() as u64 * 2);

    let target = tempfile::tempdir().unwrap();
    let (seen, done) = progress();
    let down = client
        .download_directory(
            "tree/",
            target.path(),
            &DirectoryOptions::default().progress(seen),
        )
        .await
        .unwrap();
    assert!(down.failures.is_empty(), "{:?}", down.failures);
    assert_eq!((down.transferred, down.bytes), (61, total));
    assert_eq!(done.load(Ordering::Relaxed), total);
    same_trees(source.path(), target.path());

    // Sync: nothing changed, nothing moves, but progress still reaches the total.
    let sync = DirectoryOptions::default().skip_unchanged(true);
    let (seen, done) = progress();
    let again = client
        .upload_directory(source.path(), "tree/", &sync.clone().progress(seen))
        .await
        .unwrap();
    assert_eq!((again.transferred, again.skipped, again.bytes), (0, 61, 0));
    assert_eq!(done.load(Ordering::Relaxed), total);

    // Same size, other bytes: only the CRC-64 tells, and only that file moves.
    let changed = source.path().join("d0/e0/f0.txt");
    let before = std::fs::read(&changed).unwrap();
    std::fs::write(&changed, before.to_ascii_uppercase()).unwrap();
    std::fs::write(source.path().join("new.txt"), "new").unwrap();
    let up = client
        .upload_directory(source.path(), "tree/", &sync)
        .await
        .unwrap();
    assert_eq!((up.files, up.transferred, up.skipped), (62, 2, 60));
    let down = client
        .download_directory("tree/", target.path(), &sync)
        .await
        .unwrap();
    assert_eq!((down.transferred, down.skipped), (2, 60));
    same_trees(source.path(), target.path());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_that_escape_the_directory_are_failures_and_nothing_is_written_outside() {
    let e = emulator(Link::default()).await;
    let client = client(&e);
    for key in ["in/ok.txt", "in/../escape.txt", "in/a//b.txt", "in/folder/"] {
        client
            .put_object(key, "x".into(), &PutOptions::default())
            .await
            .unwrap();
    }
    let outer = tempfile::tempdir().unwrap();
    let target = outer.path().join("target");
    std::fs::create_dir(&target).unwrap();
    let summary = client
        .download_directory("in/", &target, &DirectoryOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.transferred, 1);
    let mut refused: Vec<_> = summary.failures.iter().map(|f| f.key.as_str()).collect();
    refused.sort_unstable();
    assert_eq!(refused, ["in/../escape.txt", "in/a//b.txt"]);
    assert!(!outer.path().join("escape.txt").exists());
    assert!(target.join("ok.txt").is_file());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_fails_is_reported_and_the_others_go_on() {
    let e = emulator(Link::default()).await;
    let client = client(&e);
    let source = tempfile::tempdir().unwrap();
    std::fs::write(source.path().join("good.txt"), "good").unwrap();
    std::fs::write(source.path().join("also-good.txt"), "fine").unwrap();
    // A key longer than COS allows fails alone.
    let long = "n".repeat(200);
    let deep = source
        .path()
        .join(&long)
        .join(&long)
        .join(&long)
        .join(&long);
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join(&long), "too long a key").unwrap();
    let summary = client
        .upload_directory(source.path(), "", &DirectoryOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.transferred, 2);
    assert_eq!(summary.failures.len(), 1, "{:?}", summary.failures);
    assert!(summary.failures[0].key.ends_with(&long));
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_defaults_transfer_correctly_on_a_shaped_link() {
    // Round trips and per-connection limits change the timing of every part; the bytes
    // and their CRC-64 must come out the same.
    let e = emulator("rtt=5ms,per-conn=8MiB/s,total=32MiB/s".parse().unwrap()).await;
    let client = client(&e);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("object.bin");
    let data: Vec<u8> = (0..(24u32 << 20)).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    let out = client
        .upload_file(&path, "shaped/object.bin", &UploadOptions::default())
        .await
        .unwrap();
    assert!(out.server_crc_verified);
    assert!(out.parts_uploaded > 8, "{} parts", out.parts_uploaded);
    let back = dir.path().join("back.bin");
    let down = client
        .download_file("shaped/object.bin", &back, &DownloadOptions::default())
        .await
        .unwrap();
    assert!(down.crc_verified);
    assert_eq!(std::fs::read(&back).unwrap(), data);
    e.shutdown().await;
}
