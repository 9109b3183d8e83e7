//! The client's plumbing from `cos-core` and `cos-http` against the emulator: requests through
//! an `HTTPS_PROXY`-style `CONNECT` proxy, and signatures dated by an injected clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use common::{Cos, HOST, location, now, sign_start};
use cos_client::{Client, Endpoint, ManualClock, ProxyConfig, StaticProvider};
use test_servers::ConnectProxy;

#[tokio::test]
async fn requests_reach_cos_through_the_proxy() {
    let cos = Cos::start().await;
    let proxy = ConnectProxy::start(cos.emulator.cos_addr()).await;
    // No connect-to address: the COS host does not resolve here, only the proxy can reach it.
    let client = Client::builder()
        .bucket(&location())
        .endpoint(Endpoint::default().http())
        .proxy(ProxyConfig::url(proxy.url()))
        .credentials(StaticProvider::new(cos.emulator.root_credential()))
        .build()
        .unwrap();
    client
        .put_object("via-proxy", "hello".into(), &Default::default())
        .await
        .unwrap();
    assert_eq!(
        client.get_object_bytes("via-proxy").await.unwrap(),
        b"hello"
    );
    let host_port = format!("{HOST}:80");
    assert!(!proxy.targets().is_empty());
    assert!(
        proxy.targets().iter().all(|t| *t == host_port),
        "{:?}",
        proxy.targets()
    );
    // NO_PROXY-style exclusions bypass it (and then the unresolvable host fails to connect).
    let direct = Client::builder()
        .bucket(&location())
        .endpoint(Endpoint::default().http())
        .proxy(ProxyConfig::url(proxy.url()).no_proxy(".myqcloud.com"))
        .retry(cos_client::RetryConfig::disabled())
        .credentials(StaticProvider::new(cos.emulator.root_credential()))
        .build()
        .unwrap();
    let before = proxy.targets().len();
    assert!(direct.head_object("via-proxy").await.is_err());
    assert_eq!(proxy.targets().len(), before);
}

#[tokio::test]
async fn signatures_are_dated_by_the_injected_clock() {
    let cos = Cos::start().await;
    // A clock 30 minutes slow: the first signature has expired at the emulator, the client
    // learns the offset from `Date` and re-signs, still reading its injected clock.
    let clock = ManualClock::new(now() - 1800);
    let client = cos
        .builder()
        .clock(Arc::new(clock.clone()))
        .credentials(StaticProvider::new(cos.emulator.root_credential()))
        .build()
        .unwrap();
    cos.plan.clear_seen();
    client.delete_object("a").await.unwrap();
    let seen = cos.plan.seen();
    assert_eq!(seen.len(), 2);
    let first = sign_start(seen[0].header("authorization").unwrap());
    assert!(first.abs_diff(now() - 1800) <= 120, "{first}");
    assert!((1795..=1805).contains(&client.clock_offset()));
    // Moving the injected clock moves the next signature by as much.
    clock.advance(100);
    cos.plan.clear_seen();
    client.delete_object("b").await.unwrap();
    let next = sign_start(cos.plan.seen()[0].header("authorization").unwrap());
    let expected = now() + 100;
    assert!(next.abs_diff(expected) <= 120, "{next} vs {expected}");
}
