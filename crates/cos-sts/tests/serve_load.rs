//! Bounded loopback load test of `cos-sts serve --emulator`: 64 concurrent keep-alive clients,
//! each authenticating with its own HS256 JWT, a fixed number of requests (stopping early at a
//! time limit); prints requests/s and latency percentiles and fails on any non-200 answer.
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
const REQUESTS_PER_CLIENT: usize = 1000;
const TIME_LIMIT: Duration = Duration::from_secs(60);

#[test]
#[ignore = "load test: run explicitly, preferably with --release"]
fn sixty_four_clients_on_loopback() {
    let config = format!(
        "{}{}[rate_limit]\nrequests_per_second = 1000000.0\nburst = 1000000\n[limits]\nper_ip_requests_per_second = 1000000.0\nper_ip_burst = 1000000\n[audit]\npath = \"audit.log\"\n",
        base_config(),
        hs256_auth()
    );
    let server = Server::start(&config, &[]);
    let started = Instant::now();
    let deadline = started + TIME_LIMIT;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let auth = format!(
                    "Bearer {}",
                    hs256(&claims(&format!("user{client}")), HS_SECRET)
                );
                let mut conn = serve_support::Conn::open(&addr);
                let mut latencies = Vec::with_capacity(REQUESTS_PER_CLIENT);
                let mut errors = 0_usize;
                for _ in 0..REQUESTS_PER_CLIENT {
                    if Instant::now() > deadline {
                        break;
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
    let pct = |p: f64| {
        let index = ((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        latencies[index.min(latencies.len() - 1)]
    };
    let total = latencies.len();
    println!(
        "serve load: {CLIENTS} clients, {total} requests in {:.2} s = {:.0} req/s; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; errors {errors}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies[total - 1].as_secs_f64() * 1e3,
    );
    assert_eq!(errors, 0);
    assert!(total >= CLIENTS, "every client made at least one request");
    let logs = server.stop();
    assert!(logs.contains("\"cache\":\"hit\""));
}
