//! A real `redis-server` on a free loopback port, persistence off, for tests of shared state.
//!
//! A harness that cannot start fails the test using it: this module panics on purpose.
#![allow(clippy::panic)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A `redis-server` child process in its own temporary directory (killed, and the
/// directory removed, when dropped).
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
    /// Arguments after the defaults (a replica's `--replicaof`).
    extra: Vec<String>,
    /// Its working directory (a replica's copy of the data, a cluster node's state), fresh
    /// and removed when dropped: nothing is loaded from or left in the test's directory.
    dir: PathBuf,
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

/// The binary, or `None` after printing why it is missing (with `CI=true`, a panic: CI
/// never skips silently).
fn installed_binary() -> Option<PathBuf> {
    let binary = find_binary();
    if binary.is_none() {
        let message = "redis-server is not installed (apt-get install -y redis-server, or set REDIS_SERVER); this test needs a real Redis";
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("{message}");
        }
        eprintln!("SKIPPED: {message}");
    }
    binary
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
        Self::start_with(Vec::new())
    }

    /// [`RedisServer::start`] with more command-line arguments.
    fn start_with(extra: Vec<String>) -> Option<Self> {
        let port = free_port();
        let server = Self {
            binary: installed_binary()?,
            port,
            extra,
            dir: fresh_dir(&format!("redis-{port}")),
            child: Mutex::new(None),
        };
        server.spawn();
        Some(server)
    }

    fn spawn(&self) {
        let child = Command::new(&self.binary)
            .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
            .args(["--port", &self.port.to_string()])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.extra)
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
        ping(self.port)
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
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A new empty directory under the system's temporary directory.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("test-servers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// Whether something on loopback `port` answers `PING` with `PONG`.
fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0_u8; 7];
    stream.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// Sends one command (arguments without spaces) to loopback `port` and reads its reply
/// flattened: simple strings, numbers and bulk strings in order, an error as `-message`,
/// a nil as the empty string.
fn command(port: u16, args: &[&str]) -> Vec<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connecting to 127.0.0.1:{port}: {e}"));
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    stream
        .write_all(format!("{}\r\n", args.join(" ")).as_bytes())
        .unwrap_or_else(|e| panic!("writing to 127.0.0.1:{port}: {e}"));
    let mut reader = BufReader::new(stream);
    let mut out = Vec::new();
    read_reply(&mut reader, &mut out);
    out
}

fn read_reply(reader: &mut BufReader<TcpStream>, out: &mut Vec<String>) {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        panic!("Redis closed the connection without a reply");
    }
    let line = line.trim_end();
    let (kind, rest) = line.split_at(line.len().min(1));
    let number = || rest.parse::<i64>().unwrap_or(-1);
    match kind {
        "*" => (0..number().max(0)).for_each(|_| read_reply(reader, out)),
        "$" if number() < 0 => out.push(String::new()),
        "$" => {
            let mut bulk = vec![0_u8; usize::try_from(number()).unwrap_or(0) + 2];
            reader
                .read_exact(&mut bulk)
                .unwrap_or_else(|e| panic!("reading a bulk reply: {e}"));
            bulk.truncate(bulk.len() - 2);
            out.push(String::from_utf8_lossy(&bulk).into_owned());
        }
        "-" => out.push(line.to_owned()),
        _ => out.push(rest.to_owned()),
    }
}

/// A Redis Sentinel group on loopback: a master, a replica of it, and one sentinel
/// monitoring them as `mymaster` (quorum 1, persistence off, the sentinel's configuration
/// in a fresh temporary directory); every process is killed when dropped.
///
/// ```no_run
/// let Some(group) = test_servers::RedisSentinel::start() else { return }; // skipped loudly
/// assert!(group.url().starts_with("redis+sentinel://127.0.0.1:"));
/// let before = group.master_port();
/// group.failover();
/// assert_ne!(group.master_port(), before);
/// ```
#[derive(Debug)]
pub struct RedisSentinel {
    servers: Vec<RedisServer>,
    sentinel: Child,
    port: u16,
    dir: PathBuf,
}

/// The name the sentinel monitors the group under.
const MASTER_NAME: &str = "mymaster";

impl RedisSentinel {
    /// Starts the group and waits until the sentinel knows the replica; `None` (after
    /// printing why) when `redis-server` is not installed, a panic with `CI=true`.
    pub fn start() -> Option<Self> {
        let master = RedisServer::start()?;
        let replica = RedisServer::start_with(vec![
            "--replicaof".into(),
            "127.0.0.1".into(),
            master.port().to_string(),
        ])?;
        wait_for(&format!("replica {} in sync", replica.port()), || {
            command(replica.port(), &["INFO", "replication"])
                .concat()
                .contains("master_link_status:up")
        });
        let port = free_port();
        let dir = fresh_dir(&format!("sentinel-{port}"));
        let conf = dir.join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor {MASTER_NAME} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {MASTER_NAME} 1000\nsentinel failover-timeout {MASTER_NAME} 10000\n",
                dir.display(),
                master.port()
            ),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", conf.display()));
        let sentinel = Command::new(&master.binary)
            .arg(&conf)
            .args(["--sentinel", "--loglevel", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting a sentinel: {e}"));
        let group = Self {
            servers: vec![master, replica],
            sentinel,
            port,
            dir,
        };
        wait_for("the sentinel", || ping(port));
        wait_for("the sentinel to see the replica", || {
            command(port, &["SENTINEL", "REPLICAS", MASTER_NAME])
                .iter()
                .any(|field| field == "slave")
        });
        Some(group)
    }

    /// `redis+sentinel://127.0.0.1:<sentinel port>/mymaster`.
    pub fn url(&self) -> String {
        format!("redis+sentinel://127.0.0.1:{}/{MASTER_NAME}", self.port)
    }

    /// The port of the server the sentinel currently names master.
    pub fn master_port(&self) -> u16 {
        let reply = command(
            self.port,
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME],
        );
        reply
            .get(1)
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the sentinel names no master: {reply:?}"))
    }

    /// `redis://127.0.0.1:<port>/0` of the current master (to read what was written).
    pub fn master_url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.master_port())
    }

    /// `SENTINEL FAILOVER mymaster`, then waits until the replica is master, is named so
    /// by the sentinel, and the old master has become its replica.
    pub fn failover(&self) {
        let before = self.master_port();
        wait_for("SENTINEL FAILOVER to be accepted", || {
            command(self.port, &["SENTINEL", "FAILOVER", MASTER_NAME])
                .first()
                .is_some_and(|reply| reply == "OK")
        });
        wait_for("the failover", || {
            let now = self.master_port();
            now != before
                && command(now, &["ROLE"])
                    .first()
                    .is_some_and(|r| r == "master")
                && command(before, &["ROLE"])
                    .first()
                    .is_some_and(|r| r == "slave")
        });
    }
}

/// Polls `done` every 50 ms for up to 30 s, else panics naming `what`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("waited 30 s for {what}");
}

impl Drop for RedisSentinel {
    fn drop(&mut self) {
        let _ = self.sentinel.kill();
        let _ = self.sentinel.wait();
        self.servers.iter().for_each(RedisServer::kill);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Redis Cluster on loopback: three masters (no replicas), every slot assigned by
/// `redis-cli --cluster create`, persistence off, each node in its own fresh temporary
/// directory; every process is killed when dropped.
///
/// ```no_run
/// let Some(cluster) = test_servers::RedisCluster::start() else { return }; // skipped loudly
/// assert!(cluster.url().starts_with("redis+cluster://127.0.0.1:"));
/// assert_eq!(cluster.node_urls().len(), 3);
/// ```
#[derive(Debug)]
pub struct RedisCluster {
    servers: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three nodes, creates the cluster and waits until every node reports
    /// `cluster_state:ok`; `None` (after printing why) when `redis-server` is not installed,
    /// a panic with `CI=true` or when `redis-cli` is missing beside it.
    pub fn start() -> Option<Self> {
        let mut servers = Vec::new();
        for _ in 0..3 {
            servers.push(RedisServer::start_with(vec![
                "--cluster-enabled".into(),
                "yes".into(),
                "--cluster-node-timeout".into(),
                "2000".into(),
            ])?);
        }
        let cli = servers
            .first()
            .map(|s| s.binary.with_file_name("redis-cli"))
            .unwrap_or_default();
        let cluster = Self { servers };
        let status = Command::new(&cli)
            .args(["--cluster", "create"])
            .args(
                cluster
                    .servers
                    .iter()
                    .map(|s| format!("127.0.0.1:{}", s.port())),
            )
            .arg("--cluster-yes")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", cli.display()));
        assert!(
            status.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&status.stdout),
            String::from_utf8_lossy(&status.stderr)
        );
        for server in &cluster.servers {
            wait_for("cluster_state:ok", || {
                command(server.port(), &["CLUSTER", "INFO"])
                    .concat()
                    .contains("cluster_state:ok")
            });
        }
        Some(cluster)
    }

    /// `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>`.
    pub fn url(&self) -> String {
        let nodes: Vec<String> = self
            .servers
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port()))
            .collect();
        format!("redis+cluster://{}", nodes.join(","))
    }

    /// `redis://127.0.0.1:<port>/0` of every node (to look at each shard alone).
    pub fn node_urls(&self) -> Vec<String> {
        self.servers.iter().map(RedisServer::url).collect()
    }
}
