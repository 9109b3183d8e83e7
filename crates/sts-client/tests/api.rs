//! STS actions and error paths against a loopback mock server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{MockServer, Reply, credentials_body, error_body};
use sts_client::provider::ManualClock;
use sts_client::{
    AssumeRole, AssumeRoleWithSaml, AssumeRoleWithWebIdentity, CredentialRequest, Endpoint,
    GetFederationToken, GetSessionToken, PolicyDocument, ProxyConfig, QueryApiKey, RetryConfig,
    SignatureMethod, StsClient, StsError,
};
use tc3_signer::Credential;

fn client(server: &MockServer) -> StsClient {
    builder(server).build().unwrap()
}

fn builder(server: &MockServer) -> sts_client::StsClientBuilder {
    StsClient::builder()
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .proxy(ProxyConfig::Disabled)
        .credential(Credential::new("AKIDPERM", common::SECRET_KEY))
        .retry(
            RetryConfig::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5)),
        )
        .clock(Arc::new(ManualClock::new(1_700_000_000)))
}

fn policy() -> PolicyDocument {
    PolicyDocument::from_json(
        r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/a+b%c/*"]}]}"#,
    )
    .unwrap()
}

#[tokio::test]
async fn get_federation_token_signs_tc3_and_encodes_policy_once() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("req-ok"));
    let issued = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()).duration_seconds(1800))
        .await
        .unwrap();
    assert_eq!(issued.credential().secret_id(), "AKIDTMP");
    assert_eq!(issued.credential().secret_key(), common::TMP_KEY);
    assert_eq!(issued.credential().token(), Some(common::TMP_TOKEN));
    assert_eq!(issued.expired_time(), 1_700_001_800);
    assert_eq!(issued.request_id(), "req-ok");
    // No Date header from this reply: start time is the send time, not expiredTime - duration.
    assert_eq!(issued.start_time(), 1_700_000_000);

    let seen = &server.seen()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.header("x-tc-action"), Some("GetFederationToken"));
    assert_eq!(seen.header("x-tc-version"), Some("2018-08-13"));
    assert_eq!(seen.header("x-tc-region"), Some("ap-guangzhou"));
    assert_eq!(seen.header("x-tc-timestamp"), Some("1700000000"));
    assert_eq!(
        seen.header("host"),
        Some(server.addr().to_string().as_str())
    );
    let auth = seen.header("authorization").unwrap();
    assert!(auth.starts_with("TC3-HMAC-SHA256 Credential=AKIDPERM/2023-11-14/sts/tc3_request"));
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    let sent_policy = body["Policy"].as_str().unwrap();
    assert!(sent_policy.starts_with("%7B%22"), "{sent_policy}");
    assert!(
        sent_policy.contains("a%2Bb%25c"),
        "encoded once: {sent_policy}"
    );
    assert!(!sent_policy.contains("%25252"), "not encoded twice");
    assert_eq!(body["Name"], "web");
    assert_eq!(body["DurationSeconds"], 1800);
}

#[tokio::test]
async fn start_time_comes_from_the_response_date() {
    let server = MockServer::start().await;
    server.push(Reply::JsonWithDate(
        "Tue, 14 Nov 2023 22:13:25 GMT".into(),
        credentials_body("r"),
    ));
    let issued = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap();
    assert_eq!(issued.start_time(), 1_700_000_005);
}

#[tokio::test]
async fn throttling_then_success_is_retried() {
    let server = MockServer::start().await;
    server.push_json(200, &error_body("RequestLimitExceeded", "r1"));
    server.push_json(
        200,
        &error_body("RequestLimitExceeded.UinLimitExceeded", "r2"),
    );
    server.push_json(200, &credentials_body("r3"));
    let issued = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap();
    assert_eq!(issued.request_id(), "r3");
    assert_eq!(server.hits(), 3);
    // Every attempt is signed afresh (same clock here, so only the nonce-free TC3 repeats).
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.header("authorization").is_some())
    );
}

#[tokio::test]
async fn server_errors_then_success_are_retried() {
    let server = MockServer::start().await;
    server.push_json(503, "service unavailable");
    server.push_json(200, &error_body("InternalError", "r2"));
    server.push_json(200, &credentials_body("r3"));
    let issued = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap();
    assert_eq!(issued.request_id(), "r3");
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start().await;
    for i in 0..5 {
        server.push_json(200, &error_body("RequestLimitExceeded", &format!("r{i}")));
    }
    let error = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap_err();
    assert_eq!(
        error.api_error().unwrap().code.as_str(),
        "RequestLimitExceeded"
    );
    assert_eq!(error.request_id(), Some("r2"));
    assert_eq!(server.hits(), 3, "max_attempts = 3");
}

#[tokio::test]
async fn error_envelope_in_http_200_is_a_typed_error_and_not_retried() {
    let server = MockServer::start().await;
    server.push_json(
        200,
        &error_body("InvalidParameter.GrantOtherResource", "req-e"),
    );
    let error = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap_err();
    let api = error.api_error().unwrap();
    assert_eq!(api.code.as_str(), "InvalidParameter.GrantOtherResource");
    assert_eq!(api.request_id, "req-e");
    assert_eq!(api.message, "scripted InvalidParameter.GrantOtherResource");
    assert!(!error.is_retryable());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn malformed_body_is_a_typed_error() {
    let server = MockServer::start().await;
    server.push_json(200, "<html>gateway</html>");
    let error = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StsError::MalformedResponse { .. }),
        "{error:?}"
    );
    assert_eq!(server.hits(), 1);

    server.push_json(
        200,
        r#"{"Response":{"RequestId":"r","ExpiredTime":"soon"}}"#,
    );
    let error = client(&server)
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap_err();
    assert!(
        matches!(error, StsError::MalformedResponse { .. }),
        "{error:?}"
    );
    assert_eq!(error.request_id(), Some("r"));
}

#[tokio::test]
async fn timeout_is_a_typed_error_after_bounded_retries() {
    let server = MockServer::start().await;
    for _ in 0..2 {
        server.push(Reply::Delay(
            Duration::from_millis(500),
            credentials_body("slow"),
        ));
    }
    let client = builder(&server)
        .request_timeout(Duration::from_millis(100))
        .retry(
            RetryConfig::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let error = client
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap_err();
    assert!(matches!(error, StsError::Timeout { after } if after == Duration::from_millis(100)));
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn oversized_body_is_rejected() {
    let server = MockServer::start().await;
    server.push_json(200, &"x".repeat(10_000));
    let client = builder(&server).max_body_bytes(1_000).build().unwrap();
    let error = client.get_caller_identity().await.unwrap_err();
    assert!(matches!(error, StsError::BodyTooLarge { limit: 1_000 }));
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let client = StsClient::builder()
        .endpoint(Endpoint::custom(&url).unwrap())
        .proxy(ProxyConfig::Disabled)
        .credential(Credential::new("AKID", "k"))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let error = client.get_caller_identity().await.unwrap_err();
    assert!(
        matches!(error, StsError::Transport { not_sent: true, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn signed_host_override_is_sent_and_signed() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r"));
    let client = builder(&server)
        .signed_host("sts.tencentcloudapi.com")
        .build()
        .unwrap();
    client
        .get_federation_token(&GetFederationToken::new("web", policy()))
        .await
        .unwrap();
    assert_eq!(
        server.seen()[0].header("host"),
        Some("sts.tencentcloudapi.com")
    );
}

#[tokio::test]
async fn temporary_credentials_send_the_token() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r"));
    let client = builder(&server)
        .credential(Credential::new("AKIDTMP", "k").with_token("caller-token"))
        .build()
        .unwrap();
    client
        .assume_role(&AssumeRole::new("qcs::cam::uin/1:roleName/r", "session-1"))
        .await
        .unwrap();
    assert_eq!(server.seen()[0].header("x-tc-token"), Some("caller-token"));
}

#[tokio::test]
async fn assume_role_sends_every_parameter() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r"));
    client(&server)
        .assume_role(
            &AssumeRole::new("qcs::cam::uin/1:roleName/r", "session-1")
                .external_id("ext-1")
                .tag("team", "media")
                .source_identity("alice")
                .mfa("qcs::cam:uin/1::mfa/softToken", "123456")
                .duration_seconds(3600)
                .policy(policy()),
        )
        .await
        .unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.header("x-tc-action"), Some("AssumeRole"));
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(body["RoleArn"], "qcs::cam::uin/1:roleName/r");
    assert_eq!(body["RoleSessionName"], "session-1");
    assert_eq!(body["ExternalId"], "ext-1");
    assert_eq!(body["Tags"][0]["Key"], "team");
    assert_eq!(body["Tags"][0]["Value"], "media");
    assert_eq!(body["SourceIdentity"], "alice");
    assert_eq!(body["SerialNumber"], "qcs::cam:uin/1::mfa/softToken");
    assert_eq!(body["TokenCode"], "123456");
    assert_eq!(body["DurationSeconds"], 3600);
    assert!(body["Policy"].as_str().unwrap().starts_with("%7B"));
}

#[tokio::test]
async fn unsigned_actions_send_skip_and_need_no_credentials() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r1"));
    server.push_json(200, &credentials_body("r2"));
    let client = StsClient::builder()
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .proxy(ProxyConfig::Disabled)
        .build()
        .unwrap();
    client
        .assume_role_with_web_identity(&AssumeRoleWithWebIdentity::new(
            "OIDC",
            "jwt-token",
            "qcs::cam::uin/1:roleName/r",
            "s1",
        ))
        .await
        .unwrap();
    client
        .assume_role_with_saml(&AssumeRoleWithSaml::new(
            "PHNhbWw+",
            "qcs::cam::uin/1:saml-provider/p",
            "qcs::cam::uin/1:roleName/r",
            "s1",
        ))
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen[0].header("authorization"), Some("SKIP"));
    assert_eq!(
        seen[0].header("x-tc-action"),
        Some("AssumeRoleWithWebIdentity")
    );
    assert!(seen[0].header("x-tc-token").is_none());
    assert!(seen[0].body.contains(r#""WebIdentityToken":"jwt-token""#));
    assert_eq!(seen[1].header("authorization"), Some("SKIP"));
    assert_eq!(seen[1].header("x-tc-action"), Some("AssumeRoleWithSAML"));
    assert!(seen[1].body.contains(r#""SAMLAssertion":"PHNhbWw+""#));
}

#[tokio::test]
async fn signed_action_without_credentials_fails_before_sending() {
    let server = MockServer::start().await;
    let client = StsClient::builder()
        .endpoint(Endpoint::custom(&server.url()).unwrap())
        .proxy(ProxyConfig::Disabled)
        .build()
        .unwrap();
    let error = client.get_caller_identity().await.unwrap_err();
    assert!(matches!(error, StsError::Credentials(_)));
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn caller_identity_session_token_and_api_keys() {
    let server = MockServer::start().await;
    server.push_json(
        200,
        r#"{"Response":{"Arn":"qcs::sts:1:federated-user/1","AccountId":"1","UserId":"1","PrincipalId":"1","Type":"CAMUser","RequestId":"r1"}}"#,
    );
    server.push_json(200, &credentials_body("r2"));
    server.push_json(
        200,
        r#"{"Response":{"IdKeys":[{"SecretId":"AKID1","CreateTime":1700000000,"Status":2}],"RequestId":"r3"}}"#,
    );
    let client = client(&server);
    let identity = client.get_caller_identity().await.unwrap();
    assert_eq!(identity.arn, "qcs::sts:1:federated-user/1");
    assert_eq!(identity.kind, "CAMUser");
    let issued = client
        .get_session_token(&GetSessionToken::new("serial", "123456"))
        .await
        .unwrap();
    assert_eq!(issued.request_id(), "r2");
    let keys = client
        .query_api_key(&QueryApiKey::new().target_uin(100))
        .await
        .unwrap();
    assert!(keys.id_keys[0].is_valid());
    let seen = server.seen();
    assert_eq!(seen[0].header("x-tc-action"), Some("GetCallerIdentity"));
    assert_eq!(seen[1].header("x-tc-action"), Some("GetSessionToken"));
    assert_eq!(seen[2].header("x-tc-action"), Some("QueryApiKey"));
    assert!(seen[2].body.contains(r#""TargetUin":100"#));
}

#[tokio::test]
async fn v1_signing_sends_a_form_body() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r1"));
    server.push_json(200, &credentials_body("r2"));
    for method in [SignatureMethod::V1HmacSha1, SignatureMethod::V1HmacSha256] {
        builder(&server)
            .signature_method(method)
            .build()
            .unwrap()
            .get_federation_token(&GetFederationToken::new("web", policy()))
            .await
            .unwrap();
    }
    let seen = server.seen();
    for request in &seen {
        assert_eq!(
            request.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let form = tc3_signer::v1::parse_form(&request.body).unwrap();
        let get = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        assert_eq!(get("Action").as_deref(), Some("GetFederationToken"));
        assert_eq!(get("SecretId").as_deref(), Some("AKIDPERM"));
        assert_eq!(get("Timestamp").as_deref(), Some("1700000000"));
        // After form decoding, the Policy value is the once-encoded JSON.
        let policy = get("Policy").unwrap();
        assert!(
            policy.starts_with("%7B%22") && policy.contains("a%2Bb%25c"),
            "{policy}"
        );
        assert!(get("Signature").is_some());
        assert!(request.header("authorization").is_none());
    }
    assert!(!seen[0].body.contains("SignatureMethod"));
    assert!(seen[1].body.contains("SignatureMethod=HmacSHA256"));
}

#[tokio::test]
async fn get_credential_builds_validates_and_sends() {
    let server = MockServer::start().await;
    server.push_json(200, &credentials_body("r"));
    let request = CredentialRequest::new("examplebucket-1250000000", "ap-guangzhou")
        .allow_prefix("/uploads/alice/*")
        .allow_actions(["PutObject", "name/cos:PostObject"])
        .duration_seconds(900);
    let issued = client(&server).get_credential(&request).await.unwrap();
    assert_eq!(issued.credential().secret_id(), "AKIDTMP");
    let body: serde_json::Value = serde_json::from_str(&server.seen()[0].body).unwrap();
    let encoded = body["Policy"].as_str().unwrap();
    let decoded = percent_decode(encoded);
    let policy: serde_json::Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(
        policy["statement"][0]["resource"][0],
        "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/alice/*"
    );
    assert_eq!(body["DurationSeconds"], 900);
    assert_eq!(body["Name"], "cos-sts-rust");
}

#[tokio::test]
async fn invalid_get_credential_requests_never_reach_the_server() {
    let server = MockServer::start().await;
    let client = client(&server);
    for request in [
        CredentialRequest::new("nobucketappid", "ap-guangzhou")
            .allow_prefix("a/*")
            .allow_actions(["GetObject"]),
        CredentialRequest::new("b-1250000000", "ap-guangzhou").allow_actions(["GetObject"]),
        CredentialRequest::new("b-1250000000", "ap-guangzhou").allow_prefix("a/*"),
    ] {
        assert!(client.get_credential(&request).await.is_err());
    }
    assert_eq!(server.hits(), 0);
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
