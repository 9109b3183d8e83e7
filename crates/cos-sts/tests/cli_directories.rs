//! CLI tests of `upload -r`, `download -r` and `sync` against the embedded emulator: the
//! JSON summary, unchanged files skipped by size and CRC-64, bad arguments.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use std::path::Path;

use cli_support::{BUCKET, REGION, Run, arg, cos_sts};
use cos_emulator::Emulator;

/// `cos-sts <command> <args>` against `e` with its root key.
fn run(e: &Emulator, command: &str, args: &[&str]) -> Run {
    let endpoint = e.cos_endpoint();
    let root = e.root_credential();
    let mut all = vec![command];
    all.extend_from_slice(args);
    all.extend([
        "--bucket",
        BUCKET,
        "--region",
        REGION,
        "--endpoint",
        &endpoint,
        "--secret-id",
        root.secret_id(),
        "--secret-key",
        root.secret_key(),
    ]);
    cos_sts(&all, None)
}

async fn emulator() -> Emulator {
    Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .start()
        .await
        .unwrap()
}

fn write_tree(root: &Path) {
    for (path, body) in [
        ("index.html", "<h1>home</h1>"),
        ("css/site.css", "h1 { color: red }"),
        ("img/a/logo.svg", "<svg/>"),
        ("img/a/b/deep.txt", "deep"),
    ] {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_r_download_r_and_sync() {
    let e = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    write_tree(&site);

    let up = run(&e, "upload", &["-r", arg(&site), "web/"])
        .expect(0)
        .json();
    assert_eq!(up["direction"], "upload");
    assert_eq!(
        (up["files"].as_u64(), up["transferred"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(up["failed"], 0);

    let listed = run(&e, "ls", &["web/"]).expect(0).stdout;
    assert!(listed.contains("web/img/a/b/deep.txt"), "{listed}");

    let copy = dir.path().join("copy");
    let down = run(&e, "download", &["-r", "web/", arg(&copy)])
        .expect(0)
        .json();
    assert_eq!(down["transferred"], 4);
    assert_eq!(
        std::fs::read_to_string(copy.join("img/a/b/deep.txt")).unwrap(),
        "deep"
    );

    // Nothing changed: sync moves nothing either way.
    let dest = format!("cos:{}", "web/");
    let same = run(&e, "sync", &[arg(&site), &dest]).expect(0).json();
    assert_eq!(
        (same["transferred"].as_u64(), same["skipped"].as_u64()),
        (Some(0), Some(4))
    );
    // One file changed (same size), one added: only those two go up, then come down.
    std::fs::write(site.join("index.html"), "<h1>HOME</h1>").unwrap();
    std::fs::write(site.join("new.txt"), "new").unwrap();
    let changed = run(&e, "sync", &[arg(&site), &dest]).expect(0).json();
    assert_eq!(
        (changed["transferred"].as_u64(), changed["skipped"].as_u64()),
        (Some(2), Some(3))
    );
    let back = run(&e, "sync", &[&dest, arg(&copy)]).expect(0).json();
    assert_eq!(back["direction"], "download");
    assert_eq!(
        (back["transferred"].as_u64(), back["skipped"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(
        std::fs::read_to_string(copy.join("index.html")).unwrap(),
        "<h1>HOME</h1>"
    );
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_directory_arguments_are_usage_errors() {
    let e = emulator().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, "x").unwrap();
    let not_a_dir = run(&e, "upload", &["-r", arg(&file), "p/"]).expect(2);
    assert!(
        not_a_dir.stderr.contains("not a directory"),
        "{}",
        not_a_dir.stderr
    );
    let both_local = run(&e, "sync", &[arg(dir.path()), arg(dir.path())]).expect(2);
    assert!(
        both_local.stderr.contains("cos:PREFIX"),
        "{}",
        both_local.stderr
    );
    run(&e, "sync", &["cos:a/", "cos:b/"]).expect(2);
    e.shutdown().await;
}
