//! Driver tests that need the crate's internals, against the emulator (the others are in
//! `tests/driver.rs`).

use std::sync::Arc;
use std::time::Duration;

use crate::StaticProvider;
use cos_emulator::{Action, Emulator, FaultPlan, Faults, Matcher, Rule};

use crate::*;

#[derive(Debug)]
struct ZeroRng;
impl cos_http::Rng for ZeroRng {
    fn next_u64(&self) -> u64 {
        0
    }
}

#[tokio::test]
async fn backoff_draws_from_the_injected_rng() {
    let plan = FaultPlan::new();
    plan.add(Rule::new(Matcher::any(), Action::slow_down()).times(1));
    let emulator = Emulator::builder()
        .bucket("b-1250000000")
        .region("ap-guangzhou")
        .in_memory()
        .faults(Faults::none().plan(plan.clone()))
        .start()
        .await
        .unwrap();
    // A 10 s back-off ceiling, but the injected RNG draws 0: the retry is immediate.
    let client = Client::builder()
        .bucket(&crate::Bucket::new(
            "b-1250000000".parse().unwrap(),
            "ap-guangzhou".parse().unwrap(),
        ))
        .endpoint(Endpoint::default().http().connect_to(emulator.cos_addr()))
        .retry(
            RetryConfig::transfers()
                .initial_backoff(Duration::from_secs(10))
                .max_backoff(Duration::from_secs(10)),
        )
        .rng(Arc::new(ZeroRng))
        .credentials(StaticProvider::new(emulator.root_credential()))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    client.delete_object("a").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    let seen = plan.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].injected(), Some(&Action::slow_down()));
}
