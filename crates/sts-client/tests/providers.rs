//! Providers against a fake environment, filesystem and loopback metadata/STS servers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use common::{MockServer, credentials_body};
use sts_client::provider::{
    AssumeRoleProvider, CredentialsError, EnvironmentProvider, FederationTokenProvider,
    InstanceMetadataProvider, MapEnv, MapFs, ProfileProvider, ProvideCredentials, ProviderChain,
    WebIdentityProvider,
};
use sts_client::{AssumeRole, CredentialRequest, Endpoint, ProxyConfig, StsClient};
use tc3_signer::Credential;

fn metadata_doc(id: &str) -> String {
    format!(
        r#"{{"TmpSecretId":"{id}","TmpSecretKey":"mdkey","ExpiredTime":1700007200,"Expiration":"x","Token":"mdtoken","Code":"Success"}}"#
    )
}

#[tokio::test]
async fn instance_metadata_discovers_the_role() {
    let server = MockServer::start().await;
    server.push_json(200, "cos-role\n");
    server.push_json(200, &metadata_doc("AKIDMD"));
    let provider =
        InstanceMetadataProvider::with_endpoint(&format!("{}meta/creds", server.url())).unwrap();
    let provided = provider.provide_credentials().await.unwrap();
    assert_eq!(provided.credential().secret_id(), "AKIDMD");
    assert_eq!(provided.credential().token(), Some("mdtoken"));
    assert_eq!(provided.expires_at(), Some(1_700_007_200));
    assert_eq!(provided.provider(), "instance-metadata");
    let seen = server.seen();
    assert_eq!(seen[0].path, "/meta/creds/");
    assert_eq!(seen[1].path, "/meta/creds/cos-role");
}

#[tokio::test]
async fn instance_metadata_without_role_or_server_declines() {
    let server = MockServer::start().await;
    server.push_json(404, "");
    let provider = InstanceMetadataProvider::with_endpoint(&server.url()).unwrap();
    assert!(
        provider
            .provide_credentials()
            .await
            .unwrap_err()
            .is_not_loaded()
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let unreachable = InstanceMetadataProvider::with_endpoint(&url).unwrap();
    assert!(
        unreachable
            .provide_credentials()
            .await
            .unwrap_err()
            .is_not_loaded()
    );
}

#[tokio::test]
async fn instance_metadata_errors_are_typed() {
    let server = MockServer::start().await;
    server.push_json(
        200,
        r#"{"Code":"Failed","TmpSecretId":"a","TmpSecretKey":"b","Token":"c","ExpiredTime":1}"#,
    );
    let provider = InstanceMetadataProvider::with_endpoint(&server.url())
        .unwrap()
        .role("r");
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::ProviderError { .. }),
        "{error:?}"
    );
    server.push_json(200, "not json");
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(
        matches!(error, CredentialsError::Unhandled { .. }),
        "{error:?}"
    );
    server.push_json(503, "");
    assert!(
        provider
            .provide_credentials()
            .await
            .unwrap_err()
            .is_retryable()
    );
}

fn sts(server: &MockServer) -> StsClient {
    StsClient::builder()
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .proxy(ProxyConfig::Disabled)
        .credential(Credential::new("AKIDPERM", common::SECRET_KEY))
        .build()
        .unwrap()
}

#[tokio::test]
async fn web_identity_rereads_the_token_file_at_every_load() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r1"));
    server.push_json(200, &credentials_body("r2"));
    let env = MapEnv::new([
        ("TKE_REGION", "ap-guangzhou"),
        ("TKE_PROVIDER_ID", "OIDC"),
        ("TKE_IDENTITY_TOKEN_FILE", "/var/run/token"),
        ("TKE_ROLE_ARN", "qcs::cam::uin/1:roleName/pod"),
    ]);
    let fs = MapFs::new([("/var/run/token", "first-jwt\n")]);
    let provider = WebIdentityProvider::from_env(Arc::new(env), Arc::new(fs.clone()))
        .with_client(sts(&server));
    let provided = provider.provide_credentials().await.unwrap();
    assert_eq!(provided.provider(), "web-identity");
    assert_eq!(provided.expires_at(), Some(1_700_001_800));
    fs.insert("/var/run/token", "second-jwt");
    provider.provide_credentials().await.unwrap();
    let seen = server.seen();
    assert!(
        seen[0].body.contains(r#""WebIdentityToken":"first-jwt""#),
        "{}",
        seen[0].body
    );
    assert!(seen[1].body.contains(r#""WebIdentityToken":"second-jwt""#));
    assert_eq!(seen[0].header("authorization"), Some("SKIP"));
    assert!(seen[0].body.contains(r#""ProviderId":"OIDC""#));
}

#[tokio::test]
async fn web_identity_with_missing_token_file_is_an_error() {
    let env = MapEnv::new([
        ("TKE_REGION", "ap-guangzhou"),
        ("TKE_PROVIDER_ID", "OIDC"),
        ("TKE_WEB_IDENTITY_TOKEN_FILE", "/missing"),
        ("TKE_ROLE_ARN", "qcs::cam::uin/1:roleName/pod"),
    ]);
    let provider = WebIdentityProvider::from_env(Arc::new(env), Arc::new(MapFs::default()));
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(!error.is_not_loaded());
    assert!(error.to_string().contains("/missing"));
}

#[tokio::test]
async fn assume_role_and_federation_providers_report_expiry() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r1"));
    server.push_json(200, &credentials_body("r2"));
    let role = AssumeRoleProvider::new(
        sts(&server),
        AssumeRole::new("qcs::cam::uin/1:roleName/r", "svc-1"),
    );
    let provided = role.provide_credentials().await.unwrap();
    assert_eq!(provided.provider(), "assume-role");
    assert_eq!(provided.expires_at(), Some(1_700_001_800));
    let request = CredentialRequest::new(&sts_client::Bucket::new(
        "examplebucket-1250000000".parse().unwrap(),
        "ap-guangzhou".parse().unwrap(),
    ))
    .allow_prefix("a/*")
    .allow_actions(["GetObject"]);
    let federation = FederationTokenProvider::new(sts(&server), request).unwrap();
    assert_eq!(
        federation.provide_credentials().await.unwrap().provider(),
        "federation-token"
    );
    assert_eq!(
        server.seen()[1].header("x-tc-action"),
        Some("GetFederationToken")
    );
}

#[tokio::test]
async fn sts_errors_become_provider_errors_that_stop_a_chain() {
    let server = MockServer::start().await;
    server.push_json(
        200,
        &common::error_body("ResourceNotFound.RoleNotFound", "r"),
    );
    let chain = ProviderChain::new()
        .with(EnvironmentProvider::with_env(Arc::new(MapEnv::default())))
        .with(AssumeRoleProvider::new(
            sts(&server),
            AssumeRole::new("qcs::cam::uin/1:roleName/r", "svc-1"),
        ))
        .with(EnvironmentProvider::with_env(Arc::new(MapEnv::new([
            ("TENCENTCLOUD_SECRET_ID", "never"),
            ("TENCENTCLOUD_SECRET_KEY", "never"),
        ]))));
    let error = chain.provide_credentials().await.unwrap_err();
    match error {
        CredentialsError::ProviderError {
            provider,
            message,
            retryable,
        } => {
            assert_eq!(provider, "assume-role");
            assert!(message.contains("ResourceNotFound.RoleNotFound"));
            assert!(!retryable);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn default_style_chain_reports_every_reason() {
    let env: Arc<MapEnv> = Arc::new(MapEnv::new([("HOME", "/home/nobody")]));
    let fs = Arc::new(MapFs::default());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let chain = ProviderChain::new()
        .with(EnvironmentProvider::with_env(env.clone()))
        .with(ProfileProvider::with_env_and_fs(env.clone(), fs.clone()))
        .with(WebIdentityProvider::from_env(env, fs))
        .with(InstanceMetadataProvider::with_endpoint(&url).unwrap());
    let error = chain.provide_credentials().await.unwrap_err();
    let CredentialsError::ChainExhausted { attempts } = &error else {
        panic!("{error:?}")
    };
    let names: Vec<&str> = attempts.iter().map(|a| a.provider.as_str()).collect();
    assert_eq!(
        names,
        [
            "EnvironmentProvider",
            "ProfileProvider",
            "WebIdentityProvider",
            "InstanceMetadataProvider"
        ]
    );
    let text = error.to_string();
    assert!(text.contains("TENCENTCLOUD_SECRET_ID"), "{text}");
    assert!(
        text.contains("/home/nobody/.tencentcloud/credentials"),
        "{text}"
    );
    assert!(text.contains("TKE_ROLE_ARN"), "{text}");
    assert!(text.contains("metadata"), "{text}");
}
