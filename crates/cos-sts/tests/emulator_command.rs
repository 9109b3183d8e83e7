//! `cos-sts emulator` prints exactly one JSON line once ready and stops on SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Command, Stdio};

#[cfg(unix)]
#[test]
fn prints_one_ready_line_then_serves_until_sigterm() {
    let dir = std::env::temp_dir().join(format!("cos-sts-emulator-test-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--bucket",
            "demo-1250000000",
            "--region",
            "ap-beijing",
        ])
        .arg("--data-dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(v["region"], "ap-beijing");
    assert_eq!(v["appid"], "1250000000");
    assert_eq!(v["buckets"], serde_json::json!(["demo-1250000000"]));
    let cos = v["cos_endpoint"].as_str().unwrap();
    assert!(cos.starts_with("http://127.0.0.1:"));
    assert!(
        v["sts_endpoint"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    assert!(v["secret_id"].as_str().unwrap().starts_with("AKID"));
    // It serves: a raw unsigned request gets a COS error with a request id.
    let addr = cos.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    use std::io::Write as _;
    stream
        .write_all(b"GET /k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    assert!(response.to_ascii_lowercase().contains("x-cos-request-id"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful exit on SIGTERM: {exit:?}");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(rest.is_empty(), "exactly one line on stdout, then: {rest}");
    let _ = std::fs::remove_dir_all(dir);
}
