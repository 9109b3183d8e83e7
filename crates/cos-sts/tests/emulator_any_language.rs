//! `cos-sts emulator` as other languages start it: fixed root keys from the environment, an
//! admin token, a fault plan file, HTTPS with the CA's path in the start-up line, and a stop
//! when the parent closes standard input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start(args: &[&str], envs: &[(&str, &str)]) -> (Child, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .arg("emulator")
        .args(args)
        .envs(envs.iter().copied())
        .env_remove("COS_EMULATOR_ADMIN_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line.is_empty() {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("no ready line; stderr: {err}");
    }
    (child, serde_json::from_str(line.trim()).unwrap())
}

/// One plain HTTP/1.1 request; the whole response as text.
fn http(endpoint: &str, request_line: &str, headers: &[&str], body: &str) -> String {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut text = format!("{request_line} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Closes the child's standard input and waits (bounded) for it to exit on its own.
fn stop_by_closing_stdin(mut child: Child) {
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the emulator did not stop when its standard input closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn fixed_keys_from_the_environment_admin_token_and_fault_plan_file() {
    let dir = std::env::temp_dir().join(format!("cos-sts-anylang-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("plan.json");
    std::fs::write(
        &plan,
        r#"{"rules": [{"match": {"key_prefix": "flaky/"}, "action": "slow_down"}]}"#,
    )
    .unwrap();
    let (child, ready) = start(
        &[
            "--admin-token",
            "ci-admin-token",
            "--fault-plan",
            plan.to_str().unwrap(),
            "--clock-offset",
            "-30",
            "--stop-on-stdin-eof",
        ],
        &[
            ("COS_EMULATOR_ROOT_SECRET_ID", "AKIDFROMENV"),
            ("COS_EMULATOR_ROOT_SECRET_KEY", "secret-from-env"),
        ],
    );
    assert_eq!(ready["secret_id"], "AKIDFROMENV");
    assert_eq!(ready["secret_key"], "secret-from-env");
    assert_eq!(ready["admin_token"], "ci-admin-token");
    assert!(ready["ca_cert_path"].is_null());
    let cos = ready["cos_endpoint"].as_str().unwrap();
    let health = http(cos, "GET /_emulator/health", &[], "");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let clock = http(
        cos,
        "GET /_emulator/clock",
        &["Authorization: Bearer ci-admin-token"],
        "",
    );
    assert!(clock.contains(r#""offset_seconds":-30"#), "{clock}");
    // The plan from the file answers before authentication.
    let flaky = http(cos, "GET /flaky/x", &[], "");
    assert!(flaky.starts_with("HTTP/1.1 503"), "{flaky}");
    stop_by_closing_stdin(child);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn https_writes_the_ca_where_the_ready_line_says_and_removes_it_at_exit() {
    let (child, ready) = start(&["--https", "--stop-on-stdin-eof"], &[]);
    assert!(
        ready["sts_endpoint"]
            .as_str()
            .unwrap()
            .starts_with("https://127.0.0.1:")
    );
    let path = std::path::PathBuf::from(ready["ca_cert_path"].as_str().unwrap());
    let pem = std::fs::read_to_string(&path).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    // A client given only that CA file reaches, at its COS host name, a bucket nobody
    // configured at start (the certificate names `*.cos.<region>.myqcloud.com`): curl, as a
    // team's own test in any language would, with the name pinned to the emulator's address.
    let endpoint = ready["cos_endpoint"].as_str().unwrap();
    let port = endpoint.rsplit(':').next().unwrap().trim_end_matches('/');
    let host = format!(
        "created-later-{}.cos.{}.myqcloud.com",
        ready["appid"].as_str().unwrap(),
        ready["region"].as_str().unwrap()
    );
    let curl = |ca: &std::path::Path| {
        Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
            .arg(ca)
            .arg("--resolve")
            .arg(format!("{host}:{port}:127.0.0.1"))
            .arg(format!("https://{host}:{port}/"))
            .output()
            .expect("curl is needed by this test (Debian package curl); it is not skipped")
    };
    let trusted = curl(&path);
    assert!(
        trusted.status.success(),
        "TLS with the start-up CA failed for {host}: {trusted:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&trusted.stdout),
        "404",
        "NoSuchBucket, over TLS"
    );
    // The public roots do not vouch for it (curl's 60: certificate problem).
    let untrusted = curl(std::path::Path::new("/etc/ssl/certs/ca-certificates.crt"));
    assert_eq!(
        untrusted.status.code(),
        Some(60),
        "public roots must not trust it: {untrusted:?}"
    );
    stop_by_closing_stdin(child);
    assert!(!path.exists(), "the temporary CA file is removed at exit");
}

#[test]
fn bad_options_fail_with_a_reason() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cos-sts"))
            .arg("emulator")
            .args(args)
            .env_remove("COS_EMULATOR_ROOT_SECRET_ID")
            .env_remove("COS_EMULATOR_ROOT_SECRET_KEY")
            .output()
            .unwrap()
    };
    let half_key = run(&["--root-secret-id", "AKIDX"]);
    assert!(!half_key.status.success());
    assert!(String::from_utf8_lossy(&half_key.stderr).contains("root-secret-key"));
    let missing_plan = run(&["--fault-plan", "/nonexistent/plan.json"]);
    assert!(!missing_plan.status.success());
    assert!(String::from_utf8_lossy(&missing_plan.stderr).contains("--fault-plan"));
    let ca_without_https = run(&["--ca-cert-out", "/tmp/ca.pem"]);
    assert!(!ca_without_https.status.success());
}
