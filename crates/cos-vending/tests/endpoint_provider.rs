//! `sts_client::provider::VendingEndpointProvider` against a running vending service:
//! cos-client uploads with keys fetched (with a bearer JWT) in every answer shape.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::time::Duration;

use cos_client::{Client, Endpoint, PutOptions, RetryConfig};
use sts_client::provider::{CredentialsCache, ProvideCredentials as _, VendingEndpointProvider};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cos_client_uploads_with_keys_from_the_vending_endpoint_in_every_shape() {
    let e = emulator().await;
    let config = format!("{}{}", base(""), hs256_auth());
    let settings = settings(&config);
    let limits = *settings.limits();
    let service = service(vending(settings, &e, e.root_credential()), None);
    let running = Running::start(&service, limits).await;
    let addr = running.addr;
    let token = hs256(&claims("alice"));

    for format in ["sts", "js", "api"] {
        let provider = VendingEndpointProvider::new(format!("http://{addr}/sts?format={format}"))
            .unwrap()
            .bearer_token(token.clone());
        let provided = provider.provide_credentials().await.unwrap();
        assert!(provided.expires_at().unwrap() > now() + 1000, "{format}");
        assert!(provided.credential().token().is_some());
        let client = Client::builder()
            .bucket(&cos_client::Bucket::new(
                BUCKET.parse().unwrap(),
                REGION.parse().unwrap(),
            ))
            .credentials(CredentialsCache::new(provider))
            .endpoint(Endpoint::default().http().connect_to(e.cos_addr()))
            .retry(RetryConfig::disabled())
            .request_timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let key = format!("users/alice/{format}.txt");
        client
            .put_object(&key, format.to_owned().into(), &PutOptions::default())
            .await
            .unwrap();
        assert_eq!(
            client.get_object_bytes(&key).await.unwrap(),
            format.as_bytes()
        );
        assert!(
            client
                .put_object("users/bob/x", "x".into(), &PutOptions::default())
                .await
                .is_err()
        );
    }

    // A refused token is a clear, non-retryable error naming the status.
    let refused = VendingEndpointProvider::new(format!("http://{addr}/sts"))
        .unwrap()
        .bearer_token("not-a-token")
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("401"), "{refused}");
    assert!(!refused.is_retryable());
    running.stop().await;
    e.shutdown().await;
}
