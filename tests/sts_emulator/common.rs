//! Shared fixtures: an in-memory emulator, an `StsClient` pointed at it, a minimal signed COS
//! client (hyper-util + `tc3_signer::cos`), and a provider wrapper that counts loads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cos_emulator::{Emulator, Role};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sts_client::provider::{
    BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential, StaticProvider,
};
use sts_client::{Endpoint, RetryConfig, SignatureMethod, StsClient};
use tc3_signer::Credential;
use tc3_signer::cos::{KeyTime, Signer};

/// The region every fixture uses.
pub(crate) const REGION: &str = "ap-guangzhou";

/// Local Unix time in seconds.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An in-memory emulator with one bucket (`media-1250000000`) and the given roles.
pub(crate) async fn emulator_with(roles: &[Role], clock_offset: i64) -> Emulator {
    let mut builder = Emulator::builder()
        .in_memory()
        .region(REGION)
        .appid("1250000000")
        .bucket("media")
        .clock_offset(clock_offset);
    for role in roles {
        builder = builder.role(role.clone());
    }
    builder.start().await.unwrap()
}

/// An in-memory emulator with one bucket and no roles.
pub(crate) async fn emulator() -> Emulator {
    emulator_with(&[], 0).await
}

/// The (default) bucket of `emulator`.
pub(crate) fn bucket(emulator: &Emulator) -> String {
    emulator.buckets()[0].clone()
}

/// The emulator's first bucket and its region.
pub(crate) fn location(emulator: &Emulator) -> sts_client::Bucket {
    sts_client::Bucket::new(
        bucket(emulator).parse().unwrap(),
        emulator.region().parse().unwrap(),
    )
}

/// The CAM resource of `key_pattern` in the emulator's bucket.
pub(crate) fn resource(emulator: &Emulator, key_pattern: &str) -> String {
    format!(
        "qcs::cos:{}:uid/{}:{}/{key_pattern}",
        emulator.region(),
        emulator.appid(),
        bucket(emulator)
    )
}

/// A one-statement allow policy as JSON text.
pub(crate) fn allow_policy(actions: &[&str], resources: &[String]) -> String {
    serde_json::json!({
        "version": "2.0",
        "statement": [{"effect": "allow", "action": actions, "resource": resources}],
    })
    .to_string()
}

/// The three signature methods of `StsClient`.
pub(crate) const METHODS: [SignatureMethod; 3] = [
    SignatureMethod::Tc3,
    SignatureMethod::V1HmacSha1,
    SignatureMethod::V1HmacSha256,
];

/// An `StsClient` for the emulator's STS port that signs with `provider`; retries are off
/// so that every call is exactly one request.
pub(crate) fn sts_with(
    emulator: &Emulator,
    provider: impl ProvideCredentials + 'static,
    method: SignatureMethod,
) -> StsClient {
    StsClient::builder()
        .endpoint(Endpoint::custom(&emulator.sts_endpoint()).unwrap())
        .region(emulator.region())
        .signature_method(method)
        .retry(RetryConfig::disabled())
        .request_timeout(Duration::from_secs(10))
        .credentials(provider)
        .build()
        .unwrap()
}

/// An `StsClient` for the emulator's STS port that signs with `credential`.
pub(crate) fn sts(
    emulator: &Emulator,
    credential: Credential,
    method: SignatureMethod,
) -> StsClient {
    sts_with(emulator, StaticProvider::new(credential), method)
}

/// A provider that counts how often it is asked, then delegates.
#[derive(Debug, Clone)]
pub(crate) struct Counting<P> {
    inner: P,
    calls: Arc<AtomicUsize>,
}

impl<P> Counting<P> {
    /// Wraps `inner`; the counter is shared by clones.
    pub(crate) fn new(inner: P) -> Self {
        Self {
            inner,
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A handle on the counter.
    pub(crate) fn counter(&self) -> Arc<AtomicUsize> {
        self.calls.clone()
    }
}

impl<P: ProvideCredentials> ProvideCredentials for Counting<P> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.provide_credentials()
    }
}

/// A COS response as the tests look at it.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    /// The `x-cos-security-token` the request carried, if any.
    pub(crate) sent_token: Option<String>,
}

impl Reply {
    /// The `<Code>` of a COS XML error body (empty when there is none).
    pub(crate) fn code(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code.to_owned())
            .unwrap_or_default()
    }

    /// Asserts a 403 `AccessDenied`.
    pub(crate) fn assert_denied(&self, what: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (403, "AccessDenied"),
            "{what}: {}",
            String::from_utf8_lossy(&self.body)
        );
    }

    /// Asserts a 200.
    pub(crate) fn assert_ok(&self, what: &str) {
        assert_eq!(
            self.status,
            200,
            "{what}: {}",
            String::from_utf8_lossy(&self.body)
        );
    }
}

/// How a COS request is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    /// As `tc3_signer::cos` does it: the token in `x-cos-security-token`, signed.
    Sent,
    /// The token header removed after signing (the emulator must refuse the request).
    Stripped,
}

/// Sends a COS request for `key` in the default bucket, signed with `credential` (header
/// signature, window starting a minute ago), with extra `headers`.
pub(crate) async fn cos_request(
    emulator: &Emulator,
    credential: &Credential,
    method: &str,
    key: &str,
    headers: &[(&str, &str)],
    body: &'static str,
    token: Token,
) -> Reply {
    let url = format!(
        "{}/{}",
        emulator.cos_endpoint(),
        tc3_signer::uri_encode(key)
    );
    let mut builder = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap();
    let key_time = KeyTime::starting_at(now() - 60, Duration::from_secs(900));
    Signer::new(credential)
        .sign_http_in_place(&mut request, key_time)
        .unwrap();
    if token == Token::Stripped {
        request.headers_mut().remove("x-cos-security-token");
    }
    let sent_token = request
        .headers()
        .get("x-cos-security-token")
        .map(|v| v.to_str().unwrap().to_owned());
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        body,
        sent_token,
    }
}

/// `PUT key` with `body` and the token sent.
pub(crate) async fn put(
    emulator: &Emulator,
    credential: &Credential,
    key: &str,
    headers: &[(&str, &str)],
    body: &'static str,
) -> Reply {
    cos_request(emulator, credential, "PUT", key, headers, body, Token::Sent).await
}

/// `method key` without a body, the token sent.
pub(crate) async fn call(
    emulator: &Emulator,
    credential: &Credential,
    method: &str,
    key: &str,
) -> Reply {
    cos_request(emulator, credential, method, key, &[], "", Token::Sent).await
}

/// A federation key (getCredential, TC3, root-signed) allowed PutObject under `prefix`.
pub(crate) async fn federated_key(emulator: &Emulator, prefix: &str) -> Credential {
    sts(emulator, emulator.root_credential(), SignatureMethod::Tc3)
        .get_credential(
            &sts_client::CredentialRequest::new(&location(emulator))
                .allow_prefix(prefix)
                .allow_actions(["PutObject"]),
        )
        .await
        .unwrap()
        .into_credential()
}
