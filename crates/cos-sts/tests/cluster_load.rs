//! Bounded loopback load of 1 and 3 `cos-sts serve --emulator` processes sharing one real
//! `redis-server` (`[cluster]`), with metrics on: 64 clients spreading requests over the
//! instances, in two phases per topology:
//!
//! * cache hits: each client is one subject; after the fleet's first STS call for it, every
//!   answer is a shared-cache hit (on any instance);
//! * cold users: every request is a new subject, so every answer is one STS call.
//!
//! Prints requests/s, p50/p99 and the STS calls summed over the fleet's `/metrics`, per
//! distinct (subject, scope); fails unless that ratio is exactly 1 whatever the instance
//! count. Each process runs its own emulator (keys are shared, not checked against another
//! emulator here: `cos-vending`'s `cluster` tests check validity).
//!
//! `cargo test --release -p cos-sts --test cluster_load -- --ignored --nocapture`
//!
//! Also, not ignored: two processes wired together, proving `serve` reads `[cluster]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod serve_support;

use serve_support::load::{run, sts_calls};
use serve_support::*;
use test_servers::RedisServer;

const HIT_REQUESTS_PER_CLIENT: usize = 300;
const COLD_REQUESTS_PER_CLIENT: usize = 20;

fn fleet_calls(servers: &[Server]) -> u64 {
    servers.iter().map(sts_calls).sum()
}

/// The bucket bound (ms) under which 99 % of `op`'s Redis commands finished, summed over
/// the fleet's `/metrics` histograms.
fn redis_p99_ms(servers: &[Server], op: &str) -> f64 {
    let mut buckets: Vec<(f64, u64)> = Vec::new();
    let prefix = "cos_vending_redis_command_duration_seconds_bucket{le=\"";
    let label = format!("\",op=\"{op}\"}}");
    for server in servers {
        let text = server.request("GET", "/metrics", &[], b"").text();
        for line in text
            .lines()
            .filter(|l| l.starts_with(prefix) && l.contains(&label))
        {
            let le = &line[prefix.len()..line.find(&label).unwrap()];
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            let count: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
            match buckets.iter_mut().find(|(b, _)| *b == le) {
                Some((_, c)) => *c += count,
                None => buckets.push((le, count)),
            }
        }
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total = buckets.last().map_or(0, |b| b.1);
    buckets
        .iter()
        .find(|(_, c)| *c as f64 >= total as f64 * 0.99)
        .map_or(f64::NAN, |(le, _)| le * 1e3)
}

/// The configuration of a fleet member: generous limits, no audit, `[cluster]` on `redis`.
fn config(redis: &RedisServer, prefix: &str) -> String {
    let keys = temp_dir("cluster-keys").join("cache.keys");
    std::fs::write(&keys, "3c".repeat(32)).unwrap();
    format!(
        "{}{}[rate_limit]\nrequests_per_second = 1000000.0\nburst = 1000000\n[limits]\nper_ip_requests_per_second = 1000000.0\nper_ip_burst = 1000000\n[audit]\nenabled = false\n[cluster]\nredis_url = \"{}\"\nkey_prefix = \"{prefix}\"\nencryption_key_file = \"{}\"\n",
        base_config(),
        hs256_auth(),
        redis.url(),
        keys.display()
    )
}

/// Not a load test: `cos-sts serve` wires `[cluster]` (two processes share their cache
/// through Redis, `/metrics` shows Redis, `/readyz` pings it).
#[test]
fn two_serve_processes_share_one_sts_call_per_subject() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let config = config(&redis, "wiring:");
    let servers = [Server::start(&config, &[]), Server::start(&config, &[])];
    for n in 0..8 {
        let token = hs256(&claims(&format!("w{}", n % 4)), HS_SECRET);
        let reply = servers[n / 4].get_with_bearer("/sts", &token);
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    assert_eq!(
        fleet_calls(&servers),
        4,
        "one STS call per subject for both processes"
    );
    let metrics = servers[1].request("GET", "/metrics", &[], b"").text();
    assert!(
        metrics.contains("cos_vending_shared_cache_total{result=\"hit\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("cos_vending_redis_up 1"), "{metrics}");
    assert_eq!(servers[0].request("GET", "/readyz", &[], b"").status, 200);
    for server in servers {
        server.stop();
    }
}

#[test]
#[ignore = "load test: run explicitly, preferably with --release"]
fn one_and_three_instances_sharing_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    for instances in [1_usize, 3] {
        let config = config(&redis, &format!("bench{instances}:"));
        let servers: Vec<Server> = (0..instances)
            .map(|_| Server::start(&config, &[]))
            .collect();
        let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
        let hits = run(&addrs, HIT_REQUESTS_PER_CLIENT, |client, _| {
            format!("user{client}")
        });
        let after_hits = fleet_calls(&servers);
        let lookup_p99 = redis_p99_ms(&servers, "lookup");
        let cold = run(&addrs, COLD_REQUESTS_PER_CLIENT, |client, n| {
            format!("cold{client}-{n}")
        });
        let cold_calls = fleet_calls(&servers) - after_hits;
        let what = format!("{instances} instance(s) + Redis");
        println!(
            "{}; {:.2} STS calls per distinct subject",
            hits.line(&format!("{what}, cache hits"), after_hits),
            after_hits as f64 / 64.0
        );
        println!(
            "serve load: {what}, cache hits: Redis commands p99 ≤ {lookup_p99} ms (one round trip per hit: both limits and the shared-cache GET)"
        );
        println!(
            "{}; {:.2} STS calls per distinct subject",
            cold.line(&format!("{what}, cold users"), cold_calls),
            cold_calls as f64 / cold.total as f64
        );
        assert_eq!(hits.errors + cold.errors, 0);
        assert_eq!(after_hits, 64, "one STS call per subject for the fleet");
        assert_eq!(
            cold_calls, cold.total as u64,
            "one STS call per cold subject"
        );
        for server in servers {
            server.stop();
        }
    }
}
