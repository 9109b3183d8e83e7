//! Runs the built `cos-sts` binary for the CLI tests.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bucket the emulator-backed CLI tests use.
pub(crate) const BUCKET: &str = "examplebucket-1250000000";
/// The region the emulator-backed CLI tests use.
pub(crate) const REGION: &str = "ap-guangzhou";

/// What one run of the binary produced.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Stdout parsed as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }

    /// Asserts the exit status, showing the output otherwise.
    pub(crate) fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `cos-sts <args>` with `stdin` (empty if `None`).
pub(crate) fn cos_sts(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // The child may exit before reading (usage errors): a broken pipe is fine.
    let _ = pipe.write_all(stdin.unwrap_or_default().as_bytes());
    drop(pipe);
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Writes `contents` to a new file (unique per call, so parallel tests never share one)
/// whose name ends with `name`, and returns its path.
pub(crate) fn temp_file(name: &str, contents: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("cos-sts-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{name}", NEXT.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&path, contents).unwrap();
    path
}

/// The path as a `&str` argument.
pub(crate) fn arg(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

/// The `vectors` (or another array) of a signer vector file.
pub(crate) fn vectors(file: &str, key: &str) -> Vec<serde_json::Value> {
    let path = format!(
        "{}/../tc3-signer/tests/vectors/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    parsed[key].as_array().unwrap().clone()
}

/// `cos-sts credential --emulator <sts> --secret-id <root id> --secret-key <key>` plus
/// `args`, where `key` is `secret_key` or, if `None`, the emulator's root secret key.
pub(crate) fn issue_credential(
    e: &cos_emulator::Emulator,
    secret_key: Option<&str>,
    args: &[&str],
) -> Run {
    let root = e.root_credential();
    let sts = e.sts_endpoint();
    let mut all = vec![
        "credential",
        "--emulator",
        &sts,
        "--secret-id",
        root.secret_id(),
        "--secret-key",
        secret_key.unwrap_or(root.secret_key()),
    ];
    all.extend_from_slice(args);
    cos_sts(&all, None)
}

/// A plain HTTP/1.1 GET of `url` over loopback: (status line, body).
pub(crate) fn http_get(url: &str) -> (String, Vec<u8>) {
    use std::io::Read as _;
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.lines().next().unwrap().to_owned();
    (status, response[split + 4..].to_vec())
}
