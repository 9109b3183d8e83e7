//! The emulator every `cos-client` test talks to, with a scripted fault plan, and the clients
//! and credentials the tests use.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cos_client::{Client, ClientBuilder, Endpoint, RetryConfig};
use cos_emulator::{Emulator, FaultPlan, Faults};
use sts_client::provider::{
    BoxFuture, CredentialsError, FederationTokenProvider, ProvideCredentials, ProvidedCredential,
    StaticProvider,
};
use sts_client::{CredentialRequest, Endpoint as StsEndpoint, StsClient};
use tc3_signer::Credential;

pub const BUCKET: &str = "b-1250000000";
pub const REGION: &str = "ap-guangzhou";
pub const HOST: &str = "b-1250000000.cos.ap-guangzhou.myqcloud.com";

/// The tests' bucket and region as one validated location.
pub fn location() -> cos_client::Bucket {
    cos_client::Bucket::new(BUCKET.parse().unwrap(), REGION.parse().unwrap())
}

/// Every action a test's temporary key may need.
pub const ALL: &[&str] = &[
    "PutObject",
    "GetObject",
    "HeadObject",
    "DeleteObject",
    "GetBucket",
    "InitiateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
    "ListParts",
    "ListMultipartUploads",
];

/// A running emulator with a fault plan installed (empty: it only records requests).
pub struct Cos {
    pub emulator: Emulator,
    pub plan: FaultPlan,
}

impl Cos {
    pub async fn start() -> Self {
        Self::with_clock_offset(0).await
    }

    /// An emulator whose clock runs `seconds` ahead (negative: behind).
    pub async fn with_clock_offset(seconds: i64) -> Self {
        let plan = FaultPlan::new();
        let emulator = Emulator::builder()
            .region(REGION)
            .bucket(BUCKET)
            .in_memory()
            .clock_offset(seconds)
            .faults(Faults::none().plan(plan.clone()))
            .start()
            .await
            .unwrap();
        Self { emulator, plan }
    }

    /// A client builder with fast retries (3) and a 5 s request timeout, no credentials yet.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder()
            .bucket(&location())
            .endpoint(
                Endpoint::default()
                    .http()
                    .connect_to(self.emulator.cos_addr()),
            )
            .retry(
                RetryConfig::transfers()
                    .max_attempts(4)
                    .initial_backoff(Duration::from_millis(1))
                    .max_backoff(Duration::from_millis(5)),
            )
            .request_timeout(Duration::from_secs(5))
    }

    fn sts(&self) -> StsClient {
        StsClient::builder()
            .endpoint(StsEndpoint::custom(&self.emulator.sts_endpoint()).unwrap())
            .region(REGION)
            .credential(self.emulator.root_credential())
            .build()
            .unwrap()
    }

    /// A provider issuing a new federation key (under `prefix`, for `actions`) at every call.
    /// The tests' keys may span the whole bucket or end inside a segment (`a*`), so the
    /// least-privilege lints and the partial-segment refusal are waived.
    pub fn federation(&self, prefix: &str, actions: &[&str]) -> FederationTokenProvider {
        let request = CredentialRequest::new(&location())
            .allow_partial_segment()
            .allow_prefix(prefix)
            .allow_actions(actions.iter().copied())
            .allow_lints()
            .duration_seconds(1800);
        FederationTokenProvider::new(self.sts(), request).unwrap()
    }

    /// One temporary key (with a token) for every action in [`ALL`] on every key.
    pub async fn temporary_key(&self) -> Credential {
        self.federation("*", ALL)
            .provide_credentials_for_test()
            .await
    }

    /// A client signing with one fixed temporary key.
    pub async fn static_client(&self) -> Client {
        let key = self.temporary_key().await;
        self.builder()
            .credentials(StaticProvider::new(key))
            .build()
            .unwrap()
    }

    /// A client signing with the emulator's root key, for setting up and inspecting state.
    pub fn root_client(&self) -> Client {
        self.builder()
            .credentials(StaticProvider::new(self.emulator.root_credential()))
            .build()
            .unwrap()
    }

    /// An object's bytes (`None` if it does not exist), read with the root key.
    pub async fn object(&self, key: &str) -> Option<Vec<u8>> {
        self.root_client().get_object_bytes(key).await.ok()
    }

    /// Stores an object with the root key.
    pub async fn put(&self, key: &str, data: &[u8]) {
        self.root_client()
            .put_object(key, data.to_vec().into(), &Default::default())
            .await
            .unwrap();
    }

    /// The multipart uploads in progress, as `(key, upload id)`.
    pub async fn uploads(&self) -> Vec<(String, String)> {
        self.root_client()
            .list_multipart_uploads("", None, None)
            .await
            .unwrap()
            .uploads
            .into_iter()
            .map(|u| (u.key, u.upload_id))
            .collect()
    }
}

/// The first key a provider hands out.
pub trait FirstKey {
    fn provide_credentials_for_test(&self) -> impl std::future::Future<Output = Credential>;
}

impl<P: ProvideCredentials> FirstKey for P {
    async fn provide_credentials_for_test(&self) -> Credential {
        self.provide_credentials()
            .await
            .unwrap()
            .credential()
            .clone()
    }
}

/// A provider that hands out a new key at every call and remembers each one, in order.
#[derive(Debug)]
pub struct Rotating {
    inner: FederationTokenProvider,
    issued: Arc<Mutex<Vec<Credential>>>,
}

impl Rotating {
    pub fn new(cos: &Cos) -> (Self, Arc<Mutex<Vec<Credential>>>) {
        let issued = Arc::new(Mutex::new(Vec::new()));
        let provider = Self {
            inner: cos.federation("*", ALL),
            issued: issued.clone(),
        };
        (provider, issued)
    }
}

impl ProvideCredentials for Rotating {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(async move {
            let provided = self.inner.provide_credentials().await?;
            self.issued
                .lock()
                .unwrap()
                .push(provided.credential().clone());
            Ok(provided)
        })
    }
}

/// `q-ak` of a COS `Authorization` header.
pub fn q_ak(auth: &str) -> &str {
    auth.split('&')
        .find_map(|p| p.strip_prefix("q-ak="))
        .unwrap()
}

/// The start of `q-sign-time`.
pub fn sign_start(auth: &str) -> u64 {
    let time = auth
        .split('&')
        .find_map(|p| p.strip_prefix("q-sign-time="))
        .unwrap();
    time.split(';').next().unwrap().parse().unwrap()
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
