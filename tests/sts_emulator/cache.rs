//! `CredentialsCache` around `FederationTokenProvider` against the emulator: one STS call
//! however many callers wait.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cos_emulator::Faults;
use sts_client::provider::{
    CredentialsCache, FederationTokenProvider, ProvideCredentials, StaticProvider,
};
use sts_client::{CredentialRequest, SignatureMethod};

use crate::common::{self, Counting};

const CALLERS: usize = 50;

/// Starts `CALLERS` tasks that call the cache at the same moment; returns their secret ids.
async fn concurrent_secret_ids(cache: &CredentialsCache) -> HashSet<String> {
    let barrier = Arc::new(tokio::sync::Barrier::new(CALLERS));
    let tasks: Vec<_> = (0..CALLERS)
        .map(|_| {
            let cache = cache.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                cache.provide_credentials().await.unwrap()
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        let provided = task.await.unwrap();
        assert_eq!(provided.provider(), "federation-token");
        ids.insert(provided.credential().secret_id().to_owned());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_callers_cause_exactly_one_sts_call() {
    let e = common::emulator().await;
    // Counts signed STS requests (the client asks its provider once per request).
    let signer = Counting::new(StaticProvider::new(e.root_credential()));
    let sts_requests = signer.counter();
    let client = common::sts_with(&e, signer, SignatureMethod::Tc3);
    let request = CredentialRequest::new(&common::location(&e))
        .allow_prefix("cache/*")
        .allow_actions(["PutObject"]);
    // Counts loads of the federation-token provider.
    let provider = Counting::new(FederationTokenProvider::new(client, request).unwrap());
    let loads = provider.counter();
    let cache = CredentialsCache::new(provider);

    // Every STS answer takes 100 ms, so all callers arrive while the first load is in flight.
    e.set_faults(Faults::none().latency(Duration::from_millis(100)));
    let ids = concurrent_secret_ids(&cache).await;
    e.set_faults(Faults::none());
    assert_eq!(ids.len(), 1, "every caller got the same key: {ids:?}");
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    assert_eq!(sts_requests.load(Ordering::SeqCst), 1);

    // A second wave is served from the cache.
    assert_eq!(concurrent_secret_ids(&cache).await, ids);
    assert_eq!(loads.load(Ordering::SeqCst), 1);
    assert_eq!(sts_requests.load(Ordering::SeqCst), 1);

    // The cached key works on COS within its scope.
    let key = cache.provide_credentials().await.unwrap();
    assert!(key.expires_at().unwrap() > common::now());
    common::put(&e, key.credential(), "cache/a.txt", &[], "a")
        .await
        .assert_ok("cached key");
    common::put(&e, key.credential(), "other/a.txt", &[], "a")
        .await
        .assert_denied("cached key outside its prefix");

    // After invalidation the next wave triggers exactly one more call, and a new key.
    cache.invalidate();
    let fresh = concurrent_secret_ids(&cache).await;
    assert_eq!(fresh.len(), 1);
    assert_ne!(fresh, ids, "the emulator issued a new key");
    assert_eq!(loads.load(Ordering::SeqCst), 2);
    assert_eq!(sts_requests.load(Ordering::SeqCst), 2);
    e.shutdown().await;
}
