//! STS (TC3 and v1) → temporary key → COS with policy enforcement, token binding and clock
//! checks, through real HTTP on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::{Cos, now, policy, send, sts_tc3, sts_v1, temp_credential};
use cos_emulator::{Emulator, Role};
use std::time::Duration;
use tc3_signer::Credential;
use tc3_signer::cos::KeyTime;

fn upload_policy(e: &Emulator, prefix: &str) -> String {
    let bucket = &e.buckets()[0];
    policy(
        &["name/cos:PutObject", "name/cos:GetObject"],
        &[format!(
            "qcs::cos:{}:uid/{}:{bucket}/{prefix}*",
            e.region(),
            e.appid()
        )],
    )
}

async fn federation(e: &Emulator, prefix: &str, seconds: u64) -> Credential {
    let body = serde_json::json!({"Name": "test", "Policy": upload_policy(e, prefix), "DurationSeconds": seconds});
    let r = sts_tc3(e, &e.root_credential(), "GetFederationToken", &body, None).await;
    assert_eq!(r.status, 200);
    temp_credential(&r)
}

#[tokio::test]
async fn temporary_key_inside_prefix_ok_outside_denied() {
    let e = Emulator::builder().start().await.unwrap();
    let r = sts_tc3(
        &e,
        &e.root_credential(),
        "GetFederationToken",
        &serde_json::json!({"Name": "t", "Policy": upload_policy(&e, "users/alice/"), "DurationSeconds": 1800}),
        None,
    )
    .await;
    let v = r.json();
    assert!(v["Response"]["RequestId"].is_string());
    assert!(v["Response"]["ExpiredTime"].as_u64().unwrap() >= now() + 1790);
    assert!(v["Response"]["Expiration"].as_str().unwrap().ends_with('Z'));
    let cos = Cos::with(&e, Some(temp_credential(&r)));
    let inside = cos.put("users/alice/a.txt", "ok").await;
    assert_eq!(inside.status, 200, "{}", inside.text());
    assert_eq!(&cos.get("users/alice/a.txt").await.body[..], b"ok");
    let outside = cos.put("users/bob/a.txt", "no").await;
    assert_eq!(
        (outside.status, outside.code().as_str()),
        (403, "AccessDenied")
    );
    let not_granted = cos
        .request("DELETE", "/users/alice/a.txt", &[], &[], Bytes::new())
        .await;
    assert_eq!(not_granted.code(), "AccessDenied");
    e.shutdown().await;
}

#[tokio::test]
async fn expired_token_tampered_signature_wrong_token_unknown_key() {
    let e = Emulator::builder().start().await.unwrap();
    let short = federation(&e, "", 1).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let expired = Cos::with(&e, Some(short)).put("a", "x").await;
    assert_eq!(
        (expired.status, expired.code().as_str()),
        (400, "ExpiredToken"),
        "{}",
        expired.text()
    );

    let good = federation(&e, "", 1800).await;
    // Tampered: sign with the right id but a different secret.
    let tampered =
        Credential::new(good.secret_id(), "not-the-secret").with_token(good.token().unwrap());
    let r = Cos::with(&e, Some(tampered)).put("a", "x").await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "SignatureDoesNotMatch")
    );
    assert!(r.text().contains("<StringToSign>"));
    // Signed correctly, then the body's signed header changed in transit.
    let cos = Cos::with(&e, Some(good.clone()));
    let wrong_token = Credential::new(good.secret_id(), good.secret_key()).with_token("forged");
    let r = Cos::with(&e, Some(wrong_token)).put("a", "x").await;
    assert_eq!((r.status, r.code().as_str()), (403, "AccessDenied"));
    let no_token = Credential::new(good.secret_id(), good.secret_key());
    assert_eq!(
        Cos::with(&e, Some(no_token)).put("a", "x").await.code(),
        "AccessDenied"
    );
    let unknown = Credential::new("AKIDunknown", "whatever");
    assert_eq!(
        Cos::with(&e, Some(unknown)).put("a", "x").await.code(),
        "InvalidAccessKeyId"
    );
    assert_eq!(cos.put("a", "x").await.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn clock_checks_request_expired_and_skew() {
    let e = Emulator::builder().start().await.unwrap();
    let mut cos = Cos::root(&e);
    cos.key_time = Some(KeyTime::new(now() - 7200, now() - 3600).unwrap());
    let r = cos.put("k", "x").await;
    assert_eq!((r.status, r.code().as_str()), (403, "AccessDenied"));
    assert!(
        r.text().contains("<Message>Request has expired</Message>"),
        "{}",
        r.text()
    );
    assert!(r.header("date").is_some());
    cos.key_time = Some(KeyTime::new(now() + 3600, now() + 7200).unwrap());
    let r = cos.put("k", "x").await;
    assert_eq!((r.status, r.code().as_str()), (403, "RequestTimeTooSkewed"));
    e.shutdown().await;

    // The emulator's clock runs an hour behind: a fresh signature looks like it is from the future.
    let behind = Emulator::builder()
        .clock_offset(-3600)
        .start()
        .await
        .unwrap();
    let r = Cos::root(&behind).put("k", "x").await;
    assert_eq!(r.code(), "RequestTimeTooSkewed");
    behind.shutdown().await;
}

#[tokio::test]
async fn presigned_url_with_temporary_key() {
    let e = Emulator::builder().start().await.unwrap();
    Cos::root(&e).put("shared/pic.jpg", "picture").await;
    let key = federation(&e, "shared/", 1800).await;
    let host = e.cos_addr().to_string();
    let request = tc3_signer::SignableRequest::new("GET", "/shared/pic.jpg")
        .with_scheme("http")
        .with_host(&host);
    let presigned = tc3_signer::cos::Signer::new(&key)
        .presign(
            &request,
            KeyTime::starting_at(now() - 10, Duration::from_secs(600)),
        )
        .unwrap();
    let r = send("GET", presigned.url(), &[], Bytes::new()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(&r.body[..], b"picture");
    let tampered = presigned.url().replace("pic.jpg", "other.jpg");
    assert_eq!(
        send("GET", &tampered, &[], Bytes::new()).await.code(),
        "SignatureDoesNotMatch"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn presigned_put_with_temporary_key_stores_the_object() {
    let e = Emulator::builder().start().await.unwrap();
    let key = federation(&e, "shared/", 1800).await;
    let host = e.cos_addr().to_string();
    let presign = |object: &str| {
        let path = format!("/{object}");
        let request = tc3_signer::SignableRequest::new("PUT", &path)
            .with_scheme("http")
            .with_host(&host);
        tc3_signer::cos::Signer::new(&key)
            .presign(
                &request,
                KeyTime::starting_at(now() - 10, Duration::from_secs(600)),
            )
            .unwrap()
    };
    let presigned = presign("shared/upload.bin");
    assert!(presigned.url().contains("q-sign-algorithm=sha1"));
    assert!(presigned.url().contains("x-cos-security-token="));
    let r = send("PUT", presigned.url(), &[], "uploaded through a URL").await;
    assert_eq!(r.status, 200, "{}", r.text());
    use md5::Digest as _;
    let md5 = hex::encode(md5::Md5::digest(b"uploaded through a URL"));
    assert_eq!(r.header("etag"), Some(format!("\"{md5}\"").as_str()));
    let stored = Cos::root(&e).get("shared/upload.bin").await;
    assert_eq!(&stored.body[..], b"uploaded through a URL");
    assert_eq!(stored.header("etag"), r.header("etag"));
    // The URL is bound to its key, and the policy still applies to presigned writes.
    let tampered = presigned.url().replace("upload.bin", "other.bin");
    assert_eq!(
        send("PUT", &tampered, &[], "x").await.code(),
        "SignatureDoesNotMatch"
    );
    let outside = presign("private/upload.bin");
    let r = send("PUT", outside.url(), &[], "x").await;
    assert_eq!((r.status, r.code().as_str()), (403, "AccessDenied"));
    // A sub-resource is still not mistaken for PUT Object.
    let acl = send("PUT", &format!("{}&acl", presigned.url()), &[], "x").await;
    assert_ne!(acl.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn sts_v1_public_host_and_errors() {
    let e = Emulator::builder().start().await.unwrap();
    let root = e.root_credential();
    let p = upload_policy(&e, "");
    let r = sts_v1(
        &e,
        &root,
        "GetFederationToken",
        &[("Name", "v1"), ("Policy", &p)],
    )
    .await;
    let key = temp_credential(&r);
    assert_eq!(
        Cos::with(&e, Some(key)).put("v1.txt", "x").await.status,
        200
    );

    // Connect to the IP, sign the public host name.
    let body = serde_json::json!({"Name": "pub", "Policy": p});
    let r = sts_tc3(
        &e,
        &root,
        "GetFederationToken",
        &body,
        Some("sts.tencentcloudapi.com"),
    )
    .await;
    temp_credential(&r);

    let bad = sts_tc3(
        &e,
        &Credential::new(root.secret_id(), "wrong"),
        "GetFederationToken",
        &body,
        None,
    )
    .await;
    assert_eq!(
        bad.json()["Response"]["Error"]["Code"],
        "AuthFailure.SignatureFailure"
    );
    assert!(bad.json()["Response"]["RequestId"].is_string());
    let unknown = sts_tc3(
        &e,
        &Credential::new("AKIDnobody", "k"),
        "GetCallerIdentity",
        &serde_json::json!({}),
        None,
    )
    .await;
    assert_eq!(
        unknown.json()["Response"]["Error"]["Code"],
        "AuthFailure.SecretIdNotFound"
    );
    let too_long = serde_json::json!({"Name": "t", "Policy": p, "DurationSeconds": 7201});
    let r = sts_tc3(&e, &root, "GetFederationToken", &too_long, None).await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "InvalidParameter.OverTimeError"
    );
    let with_principal = common::encode(
        r#"{"version":"2.0","principal":{"qcs":["*"]},"statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["*"]}]}"#,
    );
    let r = sts_tc3(
        &e,
        &root,
        "GetFederationToken",
        &serde_json::json!({"Name": "t", "Policy": with_principal}),
        None,
    )
    .await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "InvalidParameter.StrategyFormatError"
    );
    let missing = sts_tc3(
        &e,
        &root,
        "GetFederationToken",
        &serde_json::json!({"Name": "t"}),
        None,
    )
    .await;
    assert_eq!(
        missing.json()["Response"]["Error"]["Code"],
        "MissingParameter"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn assume_role_and_caller_identity() {
    let role_policy = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:*"],"resource":["*"]}]}"#;
    let e = Emulator::builder()
        .role(Role::new("uploader", role_policy))
        .start()
        .await
        .unwrap();
    let root = e.root_credential();
    let arn = format!("qcs::cam::uin/{}:roleName/uploader", e.owner_uin());
    let session_policy = upload_policy(&e, "in/");
    let body = serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1", "Policy": session_policy, "DurationSeconds": 3600});
    let r = sts_tc3(&e, &root, "AssumeRole", &body, None).await;
    let key = temp_credential(&r);
    let cos = Cos::with(&e, Some(key.clone()));
    assert_eq!(cos.put("in/a", "x").await.status, 200);
    assert_eq!(
        cos.put("out/a", "x").await.code(),
        "AccessDenied",
        "role ∩ session policy"
    );

    let who = sts_tc3(&e, &key, "GetCallerIdentity", &serde_json::json!({}), None).await;
    assert!(
        who.json()["Response"]["Arn"]
            .as_str()
            .unwrap()
            .ends_with(":assumed-role/uploader/s1"),
        "{}",
        who.text()
    );
    let forged = Credential::new(key.secret_id(), key.secret_key()).with_token("forged");
    let who = sts_tc3(
        &e,
        &forged,
        "GetCallerIdentity",
        &serde_json::json!({}),
        None,
    )
    .await;
    assert_eq!(
        who.json()["Response"]["Error"]["Code"],
        "AuthFailure.TokenFailure"
    );
    let me = sts_tc3(&e, &root, "GetCallerIdentity", &serde_json::json!({}), None).await;
    assert_eq!(me.json()["Response"]["AccountId"], e.owner_uin());

    let fed = serde_json::json!({"Name": "x", "Policy": upload_policy(&e, "")});
    let r = sts_tc3(&e, &key, "GetFederationToken", &fed, None).await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "FailedOperation.TempKeyNotAllowed"
    );
    // The role key's policy (name/cos:*) grants no sts:AssumeRole: it cannot chain itself.
    let again = serde_json::json!({"RoleArn": arn, "RoleSessionName": "s2"});
    let r = sts_tc3(&e, &key, "AssumeRole", &again, None).await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "AuthFailure.UnauthorizedOperation"
    );

    let unknown = serde_json::json!({"RoleArn": format!("qcs::cam::uin/{}:roleName/nope", e.owner_uin()), "RoleSessionName": "s1"});
    let r = sts_tc3(&e, &root, "AssumeRole", &unknown, None).await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "ResourceNotFound.RoleNotFound"
    );
    let too_long =
        serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1", "DurationSeconds": 43201});
    let r = sts_tc3(&e, &root, "AssumeRole", &too_long, None).await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "InvalidParameter.OverTimeError"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn assume_role_checks_external_id_and_session_tags() {
    let role_policy = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:*"],"resource":["*"]}]}"#;
    let e = Emulator::builder()
        .role(Role::new("partner", role_policy).external_id("partner-42"))
        .start()
        .await
        .unwrap();
    let root = e.root_credential();
    let arn = format!("qcs::cam::uin/{}:roleName/partner", e.owner_uin());
    let code = |r: &common::Reply| r.json()["Response"]["Error"]["Code"].clone();

    // TC3 (JSON): tags as an array, the right ExternalId.
    let ok = serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1", "ExternalId": "partner-42",
        "Tags": [{"Key": "team", "Value": "media"}]});
    let key = temp_credential(&sts_tc3(&e, &root, "AssumeRole", &ok, None).await);
    assert_eq!(Cos::with(&e, Some(key)).put("a", "x").await.status, 200);
    // Legacy v1 (form): Tags.N.Key / Tags.N.Value.
    let r = sts_v1(
        &e,
        &root,
        "AssumeRole",
        &[
            ("RoleArn", &arn),
            ("RoleSessionName", "s2"),
            ("ExternalId", "partner-42"),
            ("Tags.0.Key", "team"),
            ("Tags.0.Value", "media"),
        ],
    )
    .await;
    temp_credential(&r);

    for (body, expected) in [
        (
            serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1"}),
            "UnauthorizedOperation",
        ),
        (
            serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1", "ExternalId": ""}),
            "UnauthorizedOperation",
        ),
        (
            serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1", "ExternalId": "partner-43"}),
            "UnauthorizedOperation",
        ),
        (
            serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1", "ExternalId": "x"}),
            "InvalidParameter.ParamError",
        ),
        (
            serde_json::json!({"RoleArn": arn, "RoleSessionName": "s1", "ExternalId": "partner-42",
            "Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}),
            "InvalidParameter.ParamError",
        ),
    ] {
        let r = sts_tc3(&e, &root, "AssumeRole", &body, None).await;
        assert_eq!(code(&r), expected, "{body}");
    }
    e.shutdown().await;
}

#[tokio::test]
async fn only_web_identity_may_be_called_unsigned() {
    let e = Emulator::builder()
        .role(Role::new("r", r#"{"version":"2.0","statement":[]}"#))
        .oidc_provider(cos_emulator::OidcProvider::hs256(
            "p",
            "https://issuer",
            b"secret",
        ))
        .start()
        .await
        .unwrap();
    let code = |r: &common::Reply| r.json()["Response"]["Error"]["Code"].clone();
    let fed = serde_json::json!({"Name": "x", "Policy": upload_policy(&e, "")});
    for action in ["GetFederationToken", "AssumeRole", "GetCallerIdentity"] {
        let r = common::sts_unsigned(&e, action, &fed).await;
        assert_eq!(
            code(&r),
            "AuthFailure.InvalidAuthorization",
            "{action}: {}",
            r.text()
        );
    }
    let arn = format!("qcs::cam::uin/{}:roleName/r", e.owner_uin());
    let call = |provider: &str, token: &str| {
        serde_json::json!({"ProviderId": provider, "WebIdentityToken": token,
                           "RoleArn": arn, "RoleSessionName": "s1"})
    };
    let r = common::sts_unsigned(&e, "AssumeRoleWithWebIdentity", &call("p", "not-a-jwt")).await;
    assert_eq!(
        code(&r),
        "InvalidParameter.WebIdentityTokenError",
        "{}",
        r.text()
    );
    let r = common::sts_unsigned(&e, "AssumeRoleWithWebIdentity", &call("unknown", "x")).await;
    assert_eq!(
        code(&r),
        "InvalidParameter.WebIdentityTokenError",
        "{}",
        r.text()
    );
    let missing = serde_json::json!({"ProviderId": "p", "RoleArn": arn, "RoleSessionName": "s1"});
    let r = common::sts_unsigned(&e, "AssumeRoleWithWebIdentity", &missing).await;
    assert_eq!(code(&r), "MissingParameter", "{}", r.text());
    e.shutdown().await;
}

#[tokio::test]
async fn policy_conditions_use_the_request_context() {
    let e = Emulator::builder().start().await.unwrap();
    let resource = format!(
        "qcs::cos:{}:uid/{}:{}/*",
        e.region(),
        e.appid(),
        e.buckets()[0]
    );
    let issue = |statement: serde_json::Value| {
        let json = serde_json::json!({"version": "2.0", "statement": [statement]}).to_string();
        let body = serde_json::json!({"Name": "c", "Policy": common::encode(&json)});
        let e = &e;
        async move {
            temp_credential(
                &sts_tc3(e, &e.root_credential(), "GetFederationToken", &body, None).await,
            )
        }
    };
    let png_only = issue(serde_json::json!({
        "effect": "allow", "action": ["name/cos:PutObject"], "resource": [resource],
        "condition": {"string_equal": {"cos:content-type": "image/png"}}
    }))
    .await;
    let cos = Cos::with(&e, Some(png_only));
    assert_eq!(
        cos.request("PUT", "/a.png", &[], &[("content-type", "image/png")], "x")
            .await
            .status,
        200
    );
    assert_eq!(
        cos.request("PUT", "/a.txt", &[], &[("content-type", "text/plain")], "x")
            .await
            .code(),
        "AccessDenied"
    );

    let other_network = issue(serde_json::json!({
        "effect": "allow", "action": ["name/cos:PutObject"], "resource": [resource],
        "condition": {"ip_equal": {"qcs:ip": "10.0.0.0/8"}}
    }))
    .await;
    assert_eq!(
        Cos::with(&e, Some(other_network))
            .put("a", "x")
            .await
            .code(),
        "AccessDenied"
    );
    let loopback = issue(serde_json::json!({
        "effect": "allow", "action": ["name/cos:PutObject"], "resource": [resource],
        "condition": {"ip_equal": {"qcs:ip": "127.0.0.0/8"}}
    }))
    .await;
    assert_eq!(
        Cos::with(&e, Some(loopback)).put("a", "x").await.status,
        200
    );

    let https_only = issue(serde_json::json!({
        "effect": "allow", "action": ["name/cos:PutObject"], "resource": [resource],
        "condition": {"bool_equal": {"cos:secure-transport": "true"}}
    }))
    .await;
    assert_eq!(
        Cos::with(&e, Some(https_only)).put("a", "x").await.code(),
        "AccessDenied",
        "the emulator speaks plain http"
    );

    let bucket_root = format!(
        "qcs::cos:{}:uid/{}:{}/docs/*",
        e.region(),
        e.appid(),
        e.buckets()[0]
    );
    let lister = issue(serde_json::json!({"effect": "allow", "action": ["name/cos:GetBucket"], "resource": [bucket_root]})).await;
    let cos = Cos::with(&e, Some(lister));
    assert_eq!(
        cos.request("GET", "/", &[("prefix", "docs/")], &[], Bytes::new())
            .await
            .status,
        200
    );
    assert_eq!(
        cos.request("GET", "/", &[("prefix", "private/")], &[], Bytes::new())
            .await
            .code(),
        "AccessDenied"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn malformed_policies_are_rejected_by_sts() {
    let e = Emulator::builder().start().await.unwrap();
    let root = e.root_credential();
    for bad in [
        "not json",
        r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["qcs::cos:ap-guangzhou:bad"]}]}"#,
        r#"{"version":"2.0","statement":[]}"#,
    ] {
        let body = serde_json::json!({"Name": "m", "Policy": common::encode(bad)});
        let r = sts_tc3(&e, &root, "GetFederationToken", &body, None).await;
        let code = r.json()["Response"]["Error"]["Code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(code.starts_with("InvalidParameter."), "{bad}: {}", r.text());
    }
    e.shutdown().await;
}

#[tokio::test]
async fn delete_multiple_authorizes_each_key() {
    let e = Emulator::builder().start().await.unwrap();
    let root = Cos::root(&e);
    root.put("mine/a", "1").await;
    root.put("theirs/b", "2").await;
    let resource = format!(
        "qcs::cos:{}:uid/{}:{}/mine/*",
        e.region(),
        e.appid(),
        e.buckets()[0]
    );
    let p = policy(&["name/cos:DeleteObject"], &[resource]);
    let r = sts_tc3(
        &e,
        &e.root_credential(),
        "GetFederationToken",
        &serde_json::json!({"Name": "d", "Policy": p}),
        None,
    )
    .await;
    let cos = Cos::with(&e, Some(temp_credential(&r)));
    let body =
        "<Delete><Object><Key>mine/a</Key></Object><Object><Key>theirs/b</Key></Object></Delete>";
    let r = cos.request("POST", "/", &[("delete", "")], &[], body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    assert!(
        text.contains("<Deleted><Key>mine/a</Key></Deleted>"),
        "{text}"
    );
    assert!(
        text.contains("<Error><Key>theirs/b</Key><Code>AccessDenied</Code>"),
        "{text}"
    );
    assert_eq!(root.get("mine/a").await.status, 404);
    assert_eq!(root.get("theirs/b").await.status, 200);
    e.shutdown().await;
}

#[tokio::test]
async fn sub_accounts_get_the_longer_federation_limit() {
    let e = Emulator::builder()
        .sub_account("100000000011", "AKIDSUBACCOUNT", "sub-secret")
        .start()
        .await
        .unwrap();
    let sub = Credential::new("AKIDSUBACCOUNT", "sub-secret");
    let p = upload_policy(&e, "");
    let long = serde_json::json!({"Name": "s", "Policy": p, "DurationSeconds": 129_600});
    let r = sts_tc3(&e, &sub, "GetFederationToken", &long, None).await;
    let v = r.json();
    assert!(
        v["Response"]["ExpiredTime"].as_u64().unwrap() >= now() + 129_500,
        "{}",
        r.text()
    );
    let too_long = serde_json::json!({"Name": "s", "Policy": p, "DurationSeconds": 129_601});
    let r = sts_tc3(&e, &sub, "GetFederationToken", &too_long, None).await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "InvalidParameter.OverTimeError"
    );
    let root_long = sts_tc3(&e, &e.root_credential(), "GetFederationToken", &long, None).await;
    assert_eq!(
        root_long.json()["Response"]["Error"]["Code"],
        "InvalidParameter.OverTimeError",
        "root: 7200 s"
    );
    let who = sts_tc3(&e, &sub, "GetCallerIdentity", &serde_json::json!({}), None).await;
    assert_eq!(who.json()["Response"]["UserId"], "100000000011");
    assert_eq!(Cos::with(&e, Some(sub)).put("k", "x").await.status, 200);
    e.shutdown().await;
}

/// Without the `saml` feature AssumeRoleWithSAML is not a token exchange the emulator knows:
/// unsigned, it is refused like any other action (docs/emulator-fidelity.md says so).
#[cfg(not(feature = "saml"))]
#[tokio::test]
async fn without_the_saml_feature_assume_role_with_saml_is_refused_unsigned() {
    let e = Emulator::builder().start().await.unwrap();
    let body = serde_json::json!({"SAMLAssertion": "PHg+", "RoleSessionName": "s",
        "PrincipalArn": format!("qcs::cam::uin/{}:saml-provider/p", e.owner_uin()),
        "RoleArn": format!("qcs::cam::uin/{}:roleName/r", e.owner_uin())});
    let r = common::sts_unsigned(&e, "AssumeRoleWithSAML", &body).await;
    assert_eq!(
        r.json()["Response"]["Error"]["Code"],
        "AuthFailure.InvalidAuthorization",
        "{}",
        r.text()
    );
    e.shutdown().await;
}
