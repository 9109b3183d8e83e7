//! Bounded loopback load test of `cos-sts serve --emulator`, with the audit log (to a file)
//! and metrics on: 64 concurrent keep-alive clients, a fixed number of requests each
//! (stopping early at a time limit), in two phases:
//!
//! * cache hits: each client authenticates with its own HS256 JWT, so after its first request
//!   every answer comes from the cache;
//! * cold users: every request is a new subject, so every answer is an STS call.
//!
//! Prints requests/s, latency percentiles and the STS calls counted by `/metrics`, and fails
//! on any non-200 answer.
//!
//! `cargo test --release -p cos-sts --test serve_load -- --ignored --nocapture`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod serve_support;

use std::time::{Duration, Instant};

use serve_support::*;

const CLIENTS: usize = 64;
const HIT_REQUESTS_PER_CLIENT: usize = 1000;
const COLD_REQUESTS_PER_CLIENT: usize = 50;
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What one phase measured.
struct Phase {
    total: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

impl Phase {
    fn pct(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies[index.min(self.latencies.len() - 1)]
    }

    fn line(&self, what: &str, sts_calls: u64) -> String {
        format!(
            "serve load: {what}: {CLIENTS} clients, {} requests in {:.2} s = {:.0} req/s; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {sts_calls} STS calls; errors {}",
            self.total,
            self.elapsed.as_secs_f64(),
            self.total as f64 / self.elapsed.as_secs_f64(),
            self.pct(0.50).as_secs_f64() * 1e3,
            self.pct(0.99).as_secs_f64() * 1e3,
            self.latencies[self.total - 1].as_secs_f64() * 1e3,
            self.errors,
        )
    }
}

/// `per_client` requests from each of [`CLIENTS`] clients; `subject(client, n)` names the
/// caller of the n-th request.
fn run(addr: &str, per_client: usize, subject: fn(usize, usize) -> String) -> Phase {
    let started = Instant::now();
    let deadline = started + TIME_LIMIT;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let addr = addr.to_owned();
            std::thread::spawn(move || {
                let mut conn = serve_support::Conn::open(&addr);
                let mut latencies = Vec::with_capacity(per_client);
                let mut errors = 0_usize;
                let mut auth = String::new();
                let mut current = String::new();
                for n in 0..per_client {
                    if Instant::now() > deadline {
                        break;
                    }
                    let sub = subject(client, n);
                    if sub != current {
                        auth = format!("Bearer {}", hs256(&claims(&sub), HS_SECRET));
                        current = sub;
                    }
                    let t = Instant::now();
                    let reply = conn.send("GET", "/sts", &[("Authorization", &auth)], b"");
                    latencies.push(t.elapsed());
                    if reply.status != 200 {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for thread in threads {
        let (l, e) = thread.join().unwrap();
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Phase {
        total: latencies.len(),
        elapsed,
        latencies,
        errors,
    }
}

/// The STS calls `/metrics` has counted so far.
fn sts_calls(server: &Server) -> u64 {
    let text = server.request("GET", "/metrics", &[], b"").text();
    text.lines()
        .filter(|l| l.starts_with("cos_vending_sts_calls_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

#[test]
#[ignore = "load test: run explicitly, preferably with --release"]
fn sixty_four_clients_on_loopback() {
    let config = format!(
        "{}{}[rate_limit]\nrequests_per_second = 1000000.0\nburst = 1000000\n[limits]\nper_ip_requests_per_second = 1000000.0\nper_ip_burst = 1000000\n[audit]\npath = \"audit.log\"\n",
        base_config(),
        hs256_auth()
    );
    let server = Server::start(&config, &[]);
    let hits = run(&server.addr, HIT_REQUESTS_PER_CLIENT, |client, _| {
        format!("user{client}")
    });
    let after_hits = sts_calls(&server);
    println!("{}", hits.line("cache hits", after_hits));
    let cold = run(&server.addr, COLD_REQUESTS_PER_CLIENT, |client, n| {
        format!("cold{client}-{n}")
    });
    let after_cold = sts_calls(&server);
    println!("{}", cold.line("cold users", after_cold - after_hits));
    assert_eq!(hits.errors + cold.errors, 0);
    assert!(
        hits.total >= CLIENTS,
        "every client made at least one request"
    );
    assert_eq!(after_hits, CLIENTS as u64, "one STS call per subject");
    assert_eq!(
        after_cold - after_hits,
        cold.total as u64,
        "one STS call per cold subject"
    );
    let audit = std::fs::read_to_string(server.dir.join("audit.log")).unwrap();
    assert_eq!(
        audit.lines().count(),
        hits.total + cold.total,
        "one audit line per answer"
    );
    let logs = server.stop();
    assert!(logs.contains("\"cache\":\"hit\""));
}
