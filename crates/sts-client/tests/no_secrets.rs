//! No secret in any Debug/Display/log output: a full run is traced at TRACE level into a buffer,
//! every secret-holding type is formatted, and the output is searched for the secrets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{MockServer, SECRET_KEY, TMP_KEY, TMP_TOKEN, credentials_body, error_body};
use sts_client::provider::{
    CacheConfig, CredentialsCache, EnvironmentProvider, FederationTokenProvider, ManualClock,
    MapEnv, MapFs, ProfileProvider, ProvideCredentials, ProviderChain, StaticProvider,
    WebIdentityProvider,
};
use sts_client::{
    AssumeRole, AssumeRoleWithSaml, AssumeRoleWithWebIdentity, CredentialRequest, Endpoint,
    GetFederationToken, GetSessionToken, PolicyDocument, ProxyConfig, RetryConfig, StsClient,
};
use tc3_signer::Credential;

const CALLER_TOKEN: &str = "CALLERSESSIONTOKENqrs";
const JWT: &str = "WEBIDENTITYJWTtuv";
const SAML: &str = "SAMLASSERTIONwxy";
const MFA: &str = "987654";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(text: &str) {
    for secret in [SECRET_KEY, TMP_KEY, TMP_TOKEN, CALLER_TOKEN, JWT, SAML, MFA] {
        assert!(!text.contains(secret), "secret {secret} leaked in:\n{text}");
    }
}

#[tokio::test]
async fn full_run_logs_and_formats_no_secret() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    server.push_json(200, &error_body("RequestLimitExceeded", "r0"));
    for i in 1..=8 {
        server.push_json(200, &credentials_body(&format!("r{i}")));
    }
    let env = Arc::new(MapEnv::new([
        ("TENCENTCLOUD_SECRET_ID", "AKIDENV"),
        ("TENCENTCLOUD_SECRET_KEY", SECRET_KEY),
        ("TENCENTCLOUD_TOKEN", CALLER_TOKEN),
        ("TKE_REGION", "ap-guangzhou"),
        ("TKE_PROVIDER_ID", "OIDC"),
        ("TKE_WEB_IDENTITY_TOKEN_FILE", "/t"),
        ("TKE_ROLE_ARN", "qcs::cam::uin/1:roleName/r"),
    ]));
    let fs = Arc::new(MapFs::new([
        ("/t", JWT),
        (
            "/c",
            &*format!("[default]\nsecret_id=AKIDP\nsecret_key={SECRET_KEY}\n"),
        ),
    ]));
    let cache = CredentialsCache::with_config(
        ProviderChain::new()
            .with(EnvironmentProvider::with_env(env.clone()))
            .with(ProfileProvider::with_env_and_fs(env.clone(), fs.clone())),
        CacheConfig::default(),
        Arc::new(ManualClock::new(1_700_000_000)),
    );
    let client = StsClient::builder()
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .proxy(ProxyConfig::Disabled)
        .credentials(cache.clone())
        .retry(RetryConfig::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let policy = PolicyDocument::from_json(r#"{"version":"2.0","statement":[]}"#).unwrap();
    let issued = client
        .get_federation_token(&GetFederationToken::new("n", policy.clone()))
        .await
        .unwrap();
    let role_request = AssumeRole::new("qcs::cam::uin/1:roleName/r", "s1").mfa("sn", MFA);
    let role = client.assume_role(&role_request).await.unwrap();
    let web_request =
        AssumeRoleWithWebIdentity::new("OIDC", JWT, "qcs::cam::uin/1:roleName/r", "s1");
    client
        .assume_role_with_web_identity(&web_request)
        .await
        .unwrap();
    let saml_request = AssumeRoleWithSaml::new(SAML, "p", "qcs::cam::uin/1:roleName/r", "s1");
    client.assume_role_with_saml(&saml_request).await.unwrap();
    let session_request = GetSessionToken::new("sn", MFA);
    client.get_session_token(&session_request).await.unwrap();
    let web_provider =
        WebIdentityProvider::from_env(env.clone(), fs.clone()).with_client(client.clone());
    let from_web = web_provider.provide_credentials().await.unwrap();
    let credential_request = CredentialRequest::new(&sts_client::Bucket::new(
        "b-1250000000".parse().unwrap(),
        "ap-guangzhou".parse().unwrap(),
    ))
    .allow_prefix("a/*")
    .allow_actions(["GetObject"]);
    let federation =
        FederationTokenProvider::new(client.clone(), credential_request.clone()).unwrap();
    let from_federation = federation.provide_credentials().await.unwrap();
    let provided = cache.provide_credentials().await.unwrap();
    let static_provider =
        StaticProvider::new(Credential::new("AKID", SECRET_KEY).with_token(CALLER_TOKEN));
    assert_eq!(
        issued.credential().secret_key(),
        TMP_KEY,
        "the run really handled secrets"
    );

    // Format everything that holds a secret, both ways.
    let mut formatted = String::new();
    let (sdk, api, cos_js) = (
        issued.sdk_shape(),
        issued.api_shape(),
        issued.cos_js_shape(),
    );
    let items: Vec<&dyn std::fmt::Debug> = vec![
        &issued,
        &role,
        &sdk,
        &api,
        &cos_js,
        &role_request,
        &web_request,
        &saml_request,
        &session_request,
        &provided,
        &from_web,
        &from_federation,
        &cache,
        &client,
        &env,
        &fs,
        &web_provider,
        &federation,
        &static_provider,
        &credential_request,
    ];
    for item in items {
        formatted.push_str(&format!("{item:?}\n{item:#?}\n"));
    }
    assert_clean(&formatted);

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("GetFederationToken"),
        "tracing captured the run:\n{logs}"
    );
    assert!(
        logs.contains("retrying"),
        "the throttled attempt was logged:\n{logs}"
    );
    assert_clean(&logs);
}
