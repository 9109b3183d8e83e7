//! AssumeRole is authorized as CAM does it: the caller's own policies must allow
//! `name/sts:AssumeRole` on the role, and the role's trust policy must admit the caller.
//! Issue 13, finding 1: a federation key limited to `users/alice/*` used to obtain an
//! admin role key that wrote anywhere; role keys chained themselves to a longer life.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Cos, policy, sts_tc3, temp_credential};
use cos_emulator::{Emulator, Role, SubAccount};
use tc3_signer::Credential;

const OWNER: &str = "100000000001";
const SUB_WITH: (&str, &str, &str) = ("100000000011", "AKIDSUBWITHASSUME", "sub-with-secret");
const SUB_WITHOUT: (&str, &str, &str) = ("100000000012", "AKIDSUBNOASSUME", "sub-without-secret");

fn admin_policy() -> String {
    r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:*"],"resource":["*"]}]}"#
        .to_string()
}

/// `name/sts:AssumeRole` on every role of the account, plus COS reads.
fn assume_any_role() -> String {
    serde_json::json!({"version": "2.0", "statement": [
        {"effect": "allow", "action": ["name/sts:AssumeRole"],
         "resource": [format!("qcs::cam::uin/{OWNER}:roleName/*")]},
        {"effect": "allow", "action": ["name/cos:GetObject"], "resource": ["*"]}
    ]})
    .to_string()
}

fn cos_only() -> String {
    r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:*"],"resource":["*"]}]}"#
        .to_string()
}

/// Trusts an account that is not the emulator's.
fn foreign_trust() -> String {
    r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/sts:AssumeRole"],
        "principal":{"qcs":["qcs::cam::uin/200000000001:root"]}}]}"#
        .to_string()
}

async fn emulator() -> Emulator {
    Emulator::builder()
        .owner_uin(OWNER)
        // `open` trusts the owner account (the default), `closed` another account only.
        .role(Role::new("open", admin_policy()))
        .role(Role::new("closed", admin_policy()).trust_policy(foreign_trust()))
        // A role whose sessions may assume the other roles (role chaining).
        .role(Role::new("chain", assume_any_role()))
        .role(Role::new("dead-end", cos_only()))
        .cam_user(SubAccount::new(SUB_WITH.0, SUB_WITH.1, SUB_WITH.2).policy(assume_any_role()))
        .cam_user(SubAccount::new(SUB_WITHOUT.0, SUB_WITHOUT.1, SUB_WITHOUT.2).policy(cos_only()))
        .start()
        .await
        .unwrap()
}

fn arn(role: &str) -> String {
    format!("qcs::cam::uin/{OWNER}:roleName/{role}")
}

fn alice_only(e: &Emulator) -> String {
    policy(
        &[
            "name/cos:PutObject",
            "name/cos:GetObject",
            "name/cos:DeleteObject",
        ],
        &[format!(
            "qcs::cos:{}:uid/{}:{}/users/alice/*",
            e.region(),
            e.appid(),
            e.buckets()[0]
        )],
    )
}

async fn federation(e: &Emulator, caller: &Credential, policy: &str, seconds: u64) -> Credential {
    let body = serde_json::json!({"Name": "alice", "Policy": policy, "DurationSeconds": seconds});
    temp_credential(&sts_tc3(e, caller, "GetFederationToken", &body, None).await)
}

async fn assume(e: &Emulator, caller: &Credential, role: &str, seconds: u64) -> common::Reply {
    let body = serde_json::json!({"RoleArn": arn(role), "RoleSessionName": "s1",
        "DurationSeconds": seconds});
    sts_tc3(e, caller, "AssumeRole", &body, None).await
}

fn error_code(reply: &common::Reply) -> Option<String> {
    reply.json()["Response"]["Error"]["Code"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test]
async fn assume_role_matrix() {
    let e = emulator().await;
    let root = e.root_credential();
    let sub_with = Credential::new(SUB_WITH.1, SUB_WITH.2);
    let sub_without = Credential::new(SUB_WITHOUT.1, SUB_WITHOUT.2);
    let fed_plain = federation(&e, &root, &alice_only(&e), 1800).await;
    let fed_granted = federation(&e, &root, &common::encode(&assume_any_role()), 1800).await;
    let role_granted = temp_credential(&assume(&e, &root, "chain", 3600).await);
    let role_plain = temp_credential(&assume(&e, &root, "dead-end", 3600).await);

    // (caller, has sts:AssumeRole in its own policies)
    let callers: [(&str, &Credential, bool); 7] = [
        ("root", &root, true),
        ("sub-account with sts:AssumeRole", &sub_with, true),
        ("sub-account without sts:AssumeRole", &sub_without, false),
        ("federation key without sts:AssumeRole", &fed_plain, false),
        ("federation key granted sts:AssumeRole", &fed_granted, true),
        ("role key without sts:AssumeRole", &role_plain, false),
        ("role key granted sts:AssumeRole", &role_granted, true),
    ];
    for (who, credential, permitted) in callers {
        for (role, trusted) in [("open", true), ("closed", false)] {
            let reply = assume(&e, credential, role, 3600).await;
            let expected_allow = permitted && trusted;
            assert_eq!(
                error_code(&reply).is_none(),
                expected_allow,
                "{who} → role {role}: {}",
                reply.text()
            );
            if !expected_allow {
                let code = error_code(&reply).unwrap();
                let expected = if permitted {
                    "UnauthorizedOperation"
                } else {
                    "AuthFailure.UnauthorizedOperation"
                };
                assert_eq!(code, expected, "{who} → role {role}");
            }
        }
    }
    e.shutdown().await;
}

#[tokio::test]
async fn a_federation_key_limited_to_one_prefix_cannot_escalate_through_a_role() {
    let e = emulator().await;
    let alice = federation(&e, &e.root_credential(), &alice_only(&e), 1800).await;
    let reply = assume(&e, &alice, "open", 7200).await;
    assert_eq!(
        error_code(&reply).as_deref(),
        Some("AuthFailure.UnauthorizedOperation"),
        "{}",
        reply.text()
    );
    // Its own reach is unchanged.
    let cos = Cos::with(&e, Some(alice));
    assert_eq!(cos.put("users/alice/a", "x").await.status, 200);
    assert_eq!(cos.put("users/bob/a", "x").await.code(), "AccessDenied");
    e.shutdown().await;
}

#[tokio::test]
async fn role_chaining_never_outlives_the_calling_key() {
    let e = emulator().await;
    let short = federation(
        &e,
        &e.root_credential(),
        &common::encode(&assume_any_role()),
        600,
    )
    .await;
    let reply = assume(&e, &short, "chain", 43_200).await;
    let first_end = reply.json()["Response"]["ExpiredTime"].as_u64().unwrap();
    assert!(first_end <= common::now() + 601, "{}", reply.text());
    // Chaining again from the role key cannot extend it either.
    let chained = temp_credential(&reply);
    let again = assume(&e, &chained, "chain", 43_200).await;
    let second_end = again.json()["Response"]["ExpiredTime"].as_u64().unwrap();
    assert!(second_end <= first_end, "{}", again.text());
    e.shutdown().await;
}

#[tokio::test]
async fn trust_policy_conditions_check_the_external_id() {
    let trust = format!(
        r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/sts:AssumeRole"],
        "principal":{{"qcs":["qcs::cam::uin/{OWNER}:root"]}},
        "condition":{{"string_equal":{{"sts:external_id":["partner-42"]}}}}}}]}}"#
    );
    let e = Emulator::builder()
        .owner_uin(OWNER)
        .role(Role::new("partner", admin_policy()).trust_policy(trust))
        .start()
        .await
        .unwrap();
    let root = e.root_credential();
    let with = serde_json::json!({"RoleArn": arn("partner"), "RoleSessionName": "s1",
        "ExternalId": "partner-42"});
    let r = sts_tc3(&e, &root, "AssumeRole", &with, None).await;
    assert!(error_code(&r).is_none(), "{}", r.text());
    for id in [None, Some("partner-43")] {
        let mut body = serde_json::json!({"RoleArn": arn("partner"), "RoleSessionName": "s1"});
        if let Some(id) = id {
            body["ExternalId"] = id.into();
        }
        let r = sts_tc3(&e, &root, "AssumeRole", &body, None).await;
        assert_eq!(
            error_code(&r).as_deref(),
            Some("UnauthorizedOperation"),
            "{id:?}"
        );
    }
    e.shutdown().await;
}

#[tokio::test]
async fn a_sub_account_federation_key_is_the_intersection_of_both_policies() {
    let reader = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["*"]}]}"#;
    let may_federate = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/sts:GetFederationToken"],"resource":["*"]}]}"#;
    let e = Emulator::builder()
        .cam_user(
            SubAccount::new("100000000021", "AKIDREADER", "reader-secret")
                .policy(reader)
                .policy(may_federate),
        )
        .cam_user(SubAccount::new("100000000022", "AKIDNOFED", "nofed-secret").policy(reader))
        .start()
        .await
        .unwrap();
    // Without sts:GetFederationToken a sub-account gets no federation key at all.
    let body = serde_json::json!({"Name": "x", "Policy": policy(&["name/cos:GetObject"], &["*".to_string()])});
    let refused = sts_tc3(
        &e,
        &Credential::new("AKIDNOFED", "nofed-secret"),
        "GetFederationToken",
        &body,
        None,
    )
    .await;
    assert_eq!(
        error_code(&refused).as_deref(),
        Some("AuthFailure.UnauthorizedOperation"),
        "{}",
        refused.text()
    );
    Cos::root(&e).put("doc", "hello").await;
    let sub = Credential::new("AKIDREADER", "reader-secret");
    // The sub-account itself may read, not write.
    let own = Cos::with(&e, Some(sub.clone()));
    assert_eq!(own.get("doc").await.status, 200);
    assert_eq!(own.put("doc2", "x").await.code(), "AccessDenied");
    // It passes a policy granting writes too: the key still cannot write.
    let both = policy(
        &["name/cos:PutObject", "name/cos:GetObject"],
        &["*".to_string()],
    );
    let key = federation(&e, &sub, &both, 1800).await;
    let cos = Cos::with(&e, Some(key));
    assert_eq!(cos.get("doc").await.status, 200);
    assert_eq!(cos.put("doc3", "x").await.code(), "AccessDenied");
    e.shutdown().await;
}

#[tokio::test]
async fn bad_trust_policies_and_sub_account_policies_stop_the_start() {
    let bad_trust = Emulator::builder()
        .role(Role::new("r", admin_policy()).trust_policy("not json"))
        .start()
        .await;
    assert!(bad_trust.is_err());
    let bad_user = Emulator::builder()
        .cam_user(SubAccount::new("1", "AKIDX", "s").policy("{"))
        .start()
        .await;
    assert!(bad_user.is_err());
}
