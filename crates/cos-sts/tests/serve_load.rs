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

use serve_support::load::{CLIENTS, run, sts_calls};
use serve_support::*;

const HIT_REQUESTS_PER_CLIENT: usize = 1000;
const COLD_REQUESTS_PER_CLIENT: usize = 50;

#[test]
#[ignore = "load test: run explicitly, preferably with --release"]
fn sixty_four_clients_on_loopback() {
    let config = format!(
        "{}{}[rate_limit]\nrequests_per_second = 1000000.0\nburst = 1000000\n[limits]\nper_ip_requests_per_second = 1000000.0\nper_ip_burst = 1000000\n[audit]\npath = \"audit.log\"\n",
        base_config(),
        hs256_auth()
    );
    let server = Server::start(&config, &[]);
    let hits = run(
        std::slice::from_ref(&server.addr),
        HIT_REQUESTS_PER_CLIENT,
        |client, _| format!("user{client}"),
    );
    let after_hits = sts_calls(&server);
    println!("{}", hits.line("cache hits", after_hits));
    let cold = run(
        std::slice::from_ref(&server.addr),
        COLD_REQUESTS_PER_CLIENT,
        |client, n| format!("cold{client}-{n}"),
    );
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
    // The audit lines are written by a thread of their own, as soon as its queue is empty.
    let expected = hits.total + cold.total;
    let started = std::time::Instant::now();
    let mut lines = 0;
    while started.elapsed() < std::time::Duration::from_secs(5) {
        let audit = std::fs::read_to_string(server.dir.join("audit.log")).unwrap();
        lines = audit.lines().count();
        if lines >= expected {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(lines, expected, "one audit line per answer");
    let logs = server.stop();
    assert!(logs.contains("\"cache\":\"hit\""));
}
