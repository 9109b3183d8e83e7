//! Bounded loopback load against one or several `serve` instances: [`CLIENTS`] keep-alive
//! clients, each spreading its requests over the instances in turn, stopping early at a time
//! limit; shared by `serve_load` and `cluster_load`.

use std::time::{Duration, Instant};

use super::{Conn, HS_SECRET, Server, claims, hs256};

/// Concurrent clients.
pub(crate) const CLIENTS: usize = 64;

/// No phase runs longer than this.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// What one phase measured.
pub(crate) struct Phase {
    pub(crate) total: usize,
    pub(crate) elapsed: Duration,
    latencies: Vec<Duration>,
    pub(crate) errors: usize,
}

impl Phase {
    /// The `p` quantile of latency.
    pub(crate) fn pct(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1);
        self.latencies[index.min(self.latencies.len() - 1)]
    }

    /// The report line (`serve load: …`, collected by `cargo xtask bench`).
    pub(crate) fn line(&self, what: &str, sts_calls: u64) -> String {
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

/// `per_client` requests from each of [`CLIENTS`] clients, the n-th of client c to
/// `addrs[(c + n) % addrs.len()]`; `subject(client, n)` names its caller.
pub(crate) fn run(
    addrs: &[String],
    per_client: usize,
    subject: fn(usize, usize) -> String,
) -> Phase {
    let started = Instant::now();
    let deadline = started + TIME_LIMIT;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let addrs = addrs.to_vec();
            std::thread::spawn(move || {
                let mut conns: Vec<Conn> = addrs.iter().map(|a| Conn::open(a)).collect();
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
                    let i = (client + n) % conns.len();
                    let t = Instant::now();
                    let reply = conns[i].send("GET", "/sts", &[("Authorization", &auth)], b"");
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
pub(crate) fn sts_calls(server: &Server) -> u64 {
    let text = server.request("GET", "/metrics", &[], b"").text();
    text.lines()
        .filter(|l| l.starts_with("cos_vending_sts_calls_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}
