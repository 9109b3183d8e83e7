//! A real `redis-server` on a free loopback port, persistence off, for tests of shared state.
//!
//! A harness that cannot start fails the test using it: this module panics on purpose.
#![allow(clippy::panic)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A `redis-server` child process (killed when dropped).
///
/// ```no_run
/// let Some(redis) = test_servers::RedisServer::start() else { return }; // skipped loudly
/// assert!(redis.url().starts_with("redis://127.0.0.1:"));
/// redis.kill();
/// redis.restart();
/// ```
#[derive(Debug)]
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    child: Mutex<Option<Child>>,
}

/// Where `redis-server` is: `$REDIS_SERVER`, else the first `redis-server` on `PATH`, else
/// `/usr/bin/redis-server`.
fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REDIS_SERVER") {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    });
    on_path.or_else(|| {
        let fixed = PathBuf::from("/usr/bin/redis-server");
        fixed.is_file().then_some(fixed)
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

impl RedisServer {
    /// Starts a server, or returns `None` after printing why when `redis-server` is not
    /// installed. With `CI=true` a missing binary panics instead: CI never skips silently.
    pub fn start() -> Option<Self> {
        let Some(binary) = find_binary() else {
            let message = "redis-server is not installed (apt-get install -y redis-server, or set REDIS_SERVER); this test needs a real Redis";
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("{message}");
            }
            eprintln!("SKIPPED: {message}");
            return None;
        };
        let server = Self {
            binary,
            port: free_port(),
            child: Mutex::new(None),
        };
        server.spawn();
        Some(server)
    }

    fn spawn(&self) {
        let child = Command::new(&self.binary)
            .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .args(["--port", &self.port.to_string()])
            .args(["--protected-mode", "yes", "--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.binary.display()));
        *self.child.lock().unwrap_or_else(PoisonError::into_inner) = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.ping() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server on port {} did not answer PING within 10 s",
            self.port
        );
    }

    /// Whether the server answers `PING`.
    pub fn ping(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut buf = [0_u8; 7];
        stream.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (SIGKILL: no goodbye to clients), keeping its port for
    /// [`RedisServer::restart`].
    pub fn kill(&self) {
        let taken = self
            .child
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut child) = taken {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port (empty: persistence is off).
    pub fn restart(&self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
