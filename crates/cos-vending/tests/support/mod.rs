//! Shared helpers of the `cos-vending` integration tests: an emulator, settings files, the
//! service driven in-process, tokens and COS clients.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use cos_client::{Client, Endpoint, RetryConfig};
use cos_emulator::Emulator;
use cos_vending::{
    AuditLog, Authenticator, Metrics, PeerAddr, Settings, StsIssuer, Vending, VendingService,
};
use http_body_util::BodyExt as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sts_client::provider::StaticProvider;
use sts_client::{Endpoint as StsEndpoint, StsClient};
use tc3_signer::Credential;
use tower::ServiceExt as _;

pub(crate) const BUCKET: &str = "examplebucket-1250000000";
pub(crate) const REGION: &str = "ap-guangzhou";
pub(crate) const ISSUER: &str = "https://login.example.test/";
pub(crate) const AUDIENCE: &str = "cos-vending-test";
pub(crate) const HS_SECRET: &str = "hs256-test-secret-0123456789-abcdefghijklmnop";
pub(crate) const ROLE_NAME: &str = "cos-vending";
pub(crate) const ARCHIVE: &str = "archive-1250000000";

pub(crate) fn role_arn(e: &Emulator) -> String {
    format!("qcs::cam::uin/{}:roleName/{ROLE_NAME}", e.owner_uin())
}

/// An emulator with the test bucket and a role allowed every object action on it.
pub(crate) async fn emulator() -> Emulator {
    // The role's sessions may also assume the role again: that is the identity the vending
    // server runs with in the assume_role tests (CAM asks for `name/sts:AssumeRole` in the
    // caller's own policy; the default trust policy admits the owner account's identities).
    let policy = format!(
        r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:*"],"resource":["qcs::cos:{REGION}:uid/1250000000:{BUCKET}/*"]}},{{"effect":"allow","action":["name/sts:AssumeRole"],"resource":["qcs::cam::uin/*:roleName/{ROLE_NAME}"]}}]}}"#
    );
    Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .bucket(ARCHIVE)
        .in_memory()
        .role(cos_emulator::Role::new(ROLE_NAME, policy))
        .start()
        .await
        .unwrap()
}

pub(crate) fn sts(e: &Emulator, credential: Credential) -> StsClient {
    StsClient::builder()
        .endpoint(StsEndpoint::custom(&e.sts_endpoint()).unwrap())
        .region(REGION)
        .credential(credential)
        .build()
        .unwrap()
}

/// A fresh directory holding the HS256 secret.
pub(crate) fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cos-vending-{}-{tag}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hs256.secret"), HS_SECRET).unwrap();
    dir
}

pub(crate) fn hs256_auth() -> String {
    format!(
        "[auth.jwt]\nalgorithm = \"HS256\"\nsecret_file = \"hs256.secret\"\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\nleeway_seconds = 5\n"
    )
}

pub(crate) fn base(extra_top: &str) -> String {
    format!(
        "bucket = \"{BUCKET}\"\nregion = \"{REGION}\"\nformat = \"js\"\nactions = [\"PutObject\", \"GetObject\", \"HeadObject\", \"InitiateMultipartUpload\", \"UploadPart\", \"CompleteMultipartUpload\"]\n{extra_top}"
    )
}

pub(crate) fn settings(text: &str) -> Settings {
    let dir = temp_dir("settings");
    Settings::parse(text, &dir).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub(crate) fn claims(sub: &str) -> serde_json::Value {
    serde_json::json!({"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600, "iat": now()})
}

pub(crate) fn hs256(claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(HS_SECRET.as_bytes()),
    )
    .unwrap()
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A vending pipeline issuing from `e` with `credential` as the server's identity.
pub(crate) fn vending(settings: Settings, e: &Emulator, credential: Credential) -> Vending {
    let issuer = Arc::new(StsIssuer::new(sts(e, credential), settings.issuer()));
    let auth = Authenticator::from_config(settings.auth(), settings.auth().is_none()).unwrap();
    Vending::new(settings, auth, issuer).unwrap()
}

/// The service around `vending`, with its metrics and an audit log into `audit` (a file).
pub(crate) fn service(vending: Vending, audit: Option<&std::path::Path>) -> Arc<VendingService> {
    let log = match audit {
        Some(path) => AuditLog::file(path).unwrap(),
        None => AuditLog::disabled(),
    };
    VendingService::new(vending, Arc::new(Metrics::new()), Arc::new(log))
}

/// One answer of the router.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request through `router` as if from `peer`.
pub(crate) async fn call(
    router: &axum::Router,
    method: &str,
    target: &str,
    token: Option<&str>,
    body: &str,
    peer: &str,
) -> Reply {
    let mut request = http::Request::builder().method(method).uri(target);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut request = request.body(Body::from(body.to_owned())).unwrap();
    request
        .extensions_mut()
        .insert(PeerAddr(peer.parse().unwrap()));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// A COS client using the `js`-shaped key `key`.
pub(crate) fn cos(e: &Emulator, key: &serde_json::Value) -> Client {
    cos_in(e, key, BUCKET)
}

/// A COS client of `bucket` using the `js`-shaped key `key`.
pub(crate) fn cos_in(e: &Emulator, key: &serde_json::Value, bucket: &str) -> Client {
    let credential = Credential::new(
        key["TmpSecretId"].as_str().unwrap(),
        key["TmpSecretKey"].as_str().unwrap(),
    )
    .with_token(key["SecurityToken"].as_str().unwrap());
    Client::builder()
        .bucket(&cos_client::Bucket::new(
            bucket.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(StaticProvider::new(credential))
        .endpoint(Endpoint::default().http().connect_to(e.cos_addr()))
        .retry(RetryConfig::disabled())
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// `service` served on a loopback port with `limits`; stop it with [`Running::stop`].
pub(crate) struct Running {
    pub(crate) addr: std::net::SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub(crate) async fn start(
        service: &Arc<VendingService>,
        limits: cos_vending::LimitsConfig,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(cos_vending::serve(
            listener,
            service.router(),
            limits,
            stop_rx,
        ));
        Self { addr, stop, task }
    }

    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        self.task.await.unwrap();
    }
}
