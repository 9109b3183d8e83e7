//! Starts `cos-sts serve --emulator` as a child process and talks HTTP/1.1 to it over
//! loopback, with a tiny keep-alive client (responses carry `Content-Length`).
#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};

pub(crate) mod load;

pub(crate) const BUCKET: &str = "examplebucket-1250000000";
pub(crate) const REGION: &str = "ap-guangzhou";
pub(crate) const ISSUER: &str = "https://login.example.test/";
pub(crate) const AUDIENCE: &str = "cos-sts-test";
pub(crate) const HS_SECRET: &str = "hs256-test-secret-0123456789-abcdefghijklmnop";
pub(crate) const ALICE_TOKEN: &str = "bearer-token-alice-0123456789abcdef";
pub(crate) const BOB_TOKEN: &str = "bearer-token-bob-0123456789abcdef";

/// A fresh directory for one server's files.
pub(crate) fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cos-sts-serve-{}-{tag}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Standard claims for `sub`, valid for ten minutes.
pub(crate) fn claims(sub: &str) -> serde_json::Value {
    serde_json::json!({"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600, "iat": now()})
}

pub(crate) fn hs256(claims: &serde_json::Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

pub(crate) fn rs256(claims: &serde_json::Value) -> String {
    let pem = std::fs::read(fixture("serve_jwt_rs256_private.pem")).unwrap();
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        claims,
        &EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap()
}

/// The `[auth]` sections the tests use; `{dir}` files are written by [`Server::start`].
pub(crate) fn hs256_auth() -> String {
    format!(
        "[auth.jwt]\nalgorithm = \"HS256\"\nsecret_file = \"hs256.secret\"\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\nleeway_seconds = 5\n"
    )
}

pub(crate) fn rs256_auth() -> String {
    format!(
        "[auth.jwt]\nalgorithm = \"RS256\"\npublic_key_file = \"{}\"\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\nleeway_seconds = 5\n",
        fixture("serve_jwt_rs256_public.pem").display()
    )
}

pub(crate) fn bearer_auth() -> String {
    "[auth.bearer]\ntokens_file = \"tokens.txt\"\n".to_owned()
}

/// The base configuration: bucket, region, upload + download actions.
pub(crate) fn base_config() -> String {
    format!(
        "bucket = \"{BUCKET}\"\nregion = \"{REGION}\"\nformat = \"js\"\nduration_seconds = 1800\nprefix_template = \"users/{{sub}}/*\"\nactions = [\"PutObject\", \"InitiateMultipartUpload\", \"UploadPart\", \"CompleteMultipartUpload\", \"ListParts\", \"AbortMultipartUpload\", \"GetObject\", \"HeadObject\"]\n"
    )
}

/// A parsed HTTP response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {:?} (status {})",
                String::from_utf8_lossy(&self.body),
                self.status
            )
        })
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive HTTP/1.1 connection.
pub(crate) struct Conn {
    host: String,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub(crate) fn open(addr: &str) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Self {
            host: addr.to_owned(),
            reader: BufReader::new(stream),
        }
    }

    pub(crate) fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut head = format!("{method} {target} HTTP/1.1\r\n");
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: {}\r\n", self.host));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method == "POST" || method == "PUT" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        self.read_reply(method == "HEAD")
    }

    fn read_reply(&mut self, head_only: bool) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .unwrap_or_else(|| panic!("bad status line {line:?}"))
            .parse()
            .unwrap();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(0);
        let mut body = vec![0; if head_only { 0 } else { length }];
        self.reader.read_exact(&mut body).unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }
}

/// A running `cos-sts serve --emulator`.
pub(crate) struct Server {
    child: Option<Child>,
    pub(crate) addr: String,
    pub(crate) ready: serde_json::Value,
    logs: Arc<Mutex<String>>,
    log_thread: Option<std::thread::JoinHandle<()>>,
    pub(crate) dir: PathBuf,
}

impl Server {
    /// Writes `config` (plus the HS256 secret and a bearer tokens file) to a fresh directory
    /// and starts the server on `127.0.0.1:0` with `--emulator` and `extra` arguments.
    pub(crate) fn start(config: &str, extra: &[&str]) -> Self {
        let dir = temp_dir("server");
        std::fs::write(dir.join("hs256.secret"), format!("{HS_SECRET}\n")).unwrap();
        std::fs::write(
            dir.join("tokens.txt"),
            format!("# test tokens\n{ALICE_TOKEN} alice\n{BOB_TOKEN} bob\n"),
        )
        .unwrap();
        let path = dir.join("serve.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cos-sts"))
            .args(["serve", "--config"])
            .arg(&path)
            .args(["--listen", "127.0.0.1:0", "--emulator"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let logs = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        let log_thread = std::thread::spawn(move || {
            let mut buf = [0_u8; 4096];
            loop {
                match stderr.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => sink
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n])),
                }
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            let _ = child.wait();
            let _ = log_thread.join();
            panic!("serve did not start: {}", logs.lock().unwrap());
        }
        let ready: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        let addr = ready["listen"].as_str().unwrap().to_owned();
        Self {
            child: Some(child),
            addr,
            ready,
            logs,
            log_thread: Some(log_thread),
            dir,
        }
    }

    /// Sends `signal` (`HUP`, `TERM`, …) to the server.
    pub(crate) fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub(crate) fn conn(&self) -> Conn {
        Conn::open(&self.addr)
    }

    /// One request on a new connection.
    pub(crate) fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        self.conn().send(method, target, headers, body)
    }

    pub(crate) fn get_with_bearer(&self, target: &str, token: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.request("GET", target, &[("Authorization", &auth)], b"")
    }

    pub(crate) fn post_with_bearer(&self, target: &str, token: &str, body: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.request(
            "POST",
            target,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    }

    /// The emulator's COS address (`127.0.0.1:port`).
    pub(crate) fn cos_addr(&self) -> String {
        self.ready["emulator"]["cos_endpoint"]
            .as_str()
            .unwrap()
            .trim_start_matches("http://")
            .to_owned()
    }

    /// SIGTERM, wait for a clean exit, and return everything logged.
    pub(crate) fn stop(mut self) -> String {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = child.wait().unwrap();
        assert!(exit.success(), "graceful exit on SIGTERM: {exit:?}");
        if let Some(thread) = self.log_thread.take() {
            thread.join().unwrap();
        }
        self.logs.lock().unwrap().clone()
    }

    pub(crate) fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Signs and sends a COS request with a temporary key from a `js`-shaped response; returns
/// the emulator's status.
pub(crate) fn cos_request(
    cos_addr: &str,
    js: &serde_json::Value,
    method: &str,
    key: &str,
    body: &[u8],
) -> Reply {
    use tc3_signer::Credential;
    use tc3_signer::cos::{KeyTime, SignableRequest, Signer};
    let credential = Credential::new(
        js["TmpSecretId"].as_str().unwrap(),
        js["TmpSecretKey"].as_str().unwrap(),
    )
    .with_token(js["SecurityToken"].as_str().unwrap());
    let path = format!("/{key}");
    let length = body.len().to_string();
    let with_body = [("Host", cos_addr), ("Content-Length", length.as_str())];
    let headers: &[(&str, &str)] = if method == "GET" || method == "HEAD" {
        &with_body[..1]
    } else {
        &with_body
    };
    let parts = SignableRequest::new(method, &path).with_headers(headers);
    let signed = Signer::new(&credential)
        .sign(
            &parts,
            KeyTime::starting_at(now(), Duration::from_secs(600)),
        )
        .unwrap();
    let mut all: Vec<(&str, &str)> = vec![("Host", cos_addr)];
    all.extend(signed.headers_to_add());
    let mut conn = Conn::open(cos_addr);
    if method == "GET" || method == "HEAD" {
        conn.send(method, &path, &all, b"")
    } else {
        all.push(("Content-Type", "text/plain"));
        conn.send(method, &path, &all, body)
    }
}
