//! Transport behaviour against the emulator: the signed host override, timeouts and a closed
//! port.

use std::time::{Duration, Instant};

use cos_emulator::Faults;
use sts_client::{Endpoint, RetryConfig, StsClient, StsError};

use crate::common;

fn builder(e: &cos_emulator::Emulator, url: &str) -> sts_client::StsClientBuilder {
    StsClient::builder()
        .endpoint(Endpoint::custom(url).unwrap())
        .region(e.region())
        .credential(e.root_credential())
}

/// Connecting to the loopback address while signing (and sending as `Host`) the public STS
/// name, as when STS is reached through an IP or a private link.
#[tokio::test]
async fn signed_host_override_and_trailing_slash() {
    let e = common::emulator().await;
    for method in common::METHODS {
        let client = builder(&e, &format!("{}/", e.sts_endpoint()))
            .signature_method(method)
            .signed_host("sts.tencentcloudapi.com")
            .build()
            .unwrap();
        let identity = client.get_caller_identity().await.unwrap();
        assert_eq!(identity.account_id, e.owner_uin(), "{method:?}");
    }
    e.shutdown().await;
}

#[tokio::test]
async fn slow_sts_times_out_with_a_typed_retryable_error() {
    let e = common::emulator().await;
    e.set_faults(Faults::none().latency(Duration::from_secs(2)));
    let client = builder(&e, &e.sts_endpoint())
        .request_timeout(Duration::from_millis(200))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.get_caller_identity().await.unwrap_err();
    assert!(
        matches!(error, StsError::Timeout { .. }),
        "expected a timeout, got {error:?}"
    );
    assert!(error.is_retryable());
    assert!(started.elapsed() < Duration::from_millis(1500));
    e.set_faults(Faults::none());
    assert!(client.get_caller_identity().await.is_ok());
    e.shutdown().await;
}

#[tokio::test]
async fn closed_port_is_a_retryable_transport_error() {
    let e = common::emulator().await;
    let url = e.sts_endpoint();
    let client = builder(&e, &url)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    e.shutdown().await;
    let error = client.get_caller_identity().await.unwrap_err();
    assert!(
        matches!(error, StsError::Transport { .. }),
        "expected a transport error, got {error:?}"
    );
    assert!(error.is_retryable());
}
