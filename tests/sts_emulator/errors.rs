//! Error paths: policies and durations rejected locally before anything is sent, the same
//! mistakes sent anyway and rejected by the emulator (code and RequestId in `StsError::Api`),
//! and authentication failures.

use std::sync::atomic::Ordering;

use serde_json::json;
use sts_client::provider::StaticProvider;
use sts_client::{
    AssumeRole, CredentialRequest, GetFederationToken, PolicyDocument, SignatureMethod, StsError,
};
use tc3_signer::Credential;

use crate::common::{self, Counting};

/// The API error code of `error`, failing the test if it is not `StsError::Api`.
fn api_code(error: &StsError) -> String {
    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("expected StsError::Api, got {error:?}"));
    assert!(!api.request_id.is_empty(), "no RequestId: {error:?}");
    assert_eq!(error.request_id(), Some(api.request_id.as_str()));
    assert!(!api.message.is_empty());
    assert!(!error.is_retryable(), "{error:?}");
    api.code.as_str().to_owned()
}

fn policy_with_principal(e: &cos_emulator::Emulator) -> String {
    json!({
        "version": "2.0",
        "principal": {"qcs": ["qcs::cam::anyone:anyone"]},
        "statement": [{
            "effect": "allow",
            "action": ["name/cos:PutObject"],
            "resource": [common::resource(e, "uploads/*")],
        }],
    })
    .to_string()
}

#[tokio::test]
async fn principal_is_rejected_locally_then_by_the_emulator() {
    let e = common::emulator().await;
    for method in common::METHODS {
        let signer = Counting::new(StaticProvider::new(e.root_credential()));
        let signed = signer.counter();
        let client = common::sts_with(&e, signer, method);
        let policy = cos_policy::Policy::from_json(&policy_with_principal(&e)).unwrap();

        // Locally: an error finding, not a lint, so allow_lints does not help.
        for request in [
            CredentialRequest::from_policy(policy.clone()),
            CredentialRequest::from_policy(policy.clone()).allow_lints(),
        ] {
            let error = client.get_credential(&request).await.unwrap_err();
            match &error {
                StsError::PolicyRejected { findings } => {
                    assert!(findings.contains("principal_not_allowed"), "{findings}");
                }
                other => panic!("{method:?}: expected PolicyRejected, got {other:?}"),
            }
            assert!(!error.is_retryable());
        }
        assert_eq!(signed.load(Ordering::SeqCst), 0, "{method:?}: nothing sent");

        // Sent anyway as raw JSON (PolicyDocument::from_json does not validate).
        let raw = PolicyDocument::from_json(&policy_with_principal(&e)).unwrap();
        let error = client
            .get_federation_token(&GetFederationToken::new("raw", raw))
            .await
            .unwrap_err();
        assert_eq!(
            api_code(&error),
            "InvalidParameter.StrategyFormatError",
            "{method:?}"
        );
        assert!(error.to_string().contains(error.request_id().unwrap()));
        assert_eq!(signed.load(Ordering::SeqCst), 1, "{method:?}: one request");
    }
    e.shutdown().await;
}

#[tokio::test]
async fn over_long_durations_are_rejected_locally_or_by_the_emulator() {
    let e = common::emulator().await;
    let scoped = || {
        CredentialRequest::new(&common::location(&e))
            .allow_prefix("uploads/*")
            .allow_actions(["PutObject"])
    };
    for method in common::METHODS {
        let signer = Counting::new(StaticProvider::new(e.root_credential()));
        let signed = signer.counter();
        let client = common::sts_with(&e, signer, method);

        // Over every account's maximum: rejected before sending.
        let error = client
            .get_credential(&scoped().duration_seconds(129_601))
            .await
            .unwrap_err();
        assert!(
            matches!(error, StsError::InvalidRequest { ref reason } if reason.contains("DurationSeconds")),
            "{method:?}: {error:?}"
        );
        let error = client
            .assume_role(
                &AssumeRole::new("qcs::cam::uin/1:roleName/r", "s1").duration_seconds(43_201),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, StsError::InvalidRequest { .. }),
            "{error:?}"
        );
        assert_eq!(signed.load(Ordering::SeqCst), 0, "{method:?}: nothing sent");

        // Within the sub-account maximum but over the root account's 7200 s: the client cannot
        // know which kind of key it holds, so the emulator rejects it.
        let error = client
            .get_credential(&scoped().duration_seconds(7201))
            .await
            .unwrap_err();
        assert_eq!(
            api_code(&error),
            "InvalidParameter.OverTimeError",
            "{method:?}"
        );
        assert!(
            client
                .get_credential(&scoped().duration_seconds(7200))
                .await
                .is_ok()
        );
    }
    e.shutdown().await;
}

/// Least-privilege lints block a policy unless the caller opts out; opted out, the key is
/// issued and works.
#[tokio::test]
async fn lints_block_unless_allowed_explicitly() {
    let e = common::emulator().await;
    let client = common::sts(&e, e.root_credential(), SignatureMethod::Tc3);
    let wildcard = CredentialRequest::new(&common::location(&e))
        .allow_prefix("scratch/*")
        .allow_actions(["name/cos:*"]);
    let error = client.get_credential(&wildcard).await.unwrap_err();
    match &error {
        StsError::PolicyRejected { findings } => {
            assert!(findings.contains("wildcard_action"), "{findings}");
        }
        other => panic!("expected PolicyRejected, got {other:?}"),
    }
    let key = client
        .get_credential(&wildcard.allow_lints())
        .await
        .unwrap()
        .into_credential();
    common::put(&e, &key, "scratch/a.txt", &[], "a")
        .await
        .assert_ok("put");
    assert_eq!(
        common::call(&e, &key, "DELETE", "scratch/a.txt")
            .await
            .status,
        204,
        "delete is within name/cos:*"
    );
    common::put(&e, &key, "elsewhere/a.txt", &[], "a")
        .await
        .assert_denied("outside the prefix");
    e.shutdown().await;
}

#[tokio::test]
async fn authentication_failures_are_typed_and_keep_secrets_out() {
    let e = common::emulator_with(&[], 0).await;
    let root_id = e.root_credential().secret_id().to_owned();
    let federated = common::federated_key(&e, "uploads/*").await;
    let wrong_token = Credential::new(federated.secret_id(), federated.secret_key())
        .with_token("NOT-THE-TOKEN-0123456789");
    let cases = [
        (
            Credential::new(root_id.as_str(), "WRONG-SECRET-KEY-0123456789"),
            "AuthFailure.SignatureFailure",
        ),
        (
            Credential::new(
                "AKIDUNKNOWN0000000000000000000000000",
                "WRONG-SECRET-KEY-0123456789",
            ),
            "AuthFailure.SecretIdNotFound",
        ),
        (wrong_token, "AuthFailure.TokenFailure"),
    ];
    for method in common::METHODS {
        for (credential, expected) in &cases {
            let error = common::sts(&e, credential.clone(), method)
                .get_caller_identity()
                .await
                .unwrap_err();
            assert_eq!(api_code(&error), *expected, "{method:?}");
            assert!(error.api_error().unwrap().code.is_auth_failure());
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(credential.secret_key()), "{shown}");
            if let Some(token) = credential.token() {
                assert!(!shown.contains(token), "{shown}");
            }
        }

        // GetFederationToken needs a permanent key.
        let error = common::sts(&e, federated.clone(), method)
            .get_credential(
                &CredentialRequest::new(&common::location(&e))
                    .allow_prefix("uploads/*")
                    .allow_actions(["PutObject"]),
            )
            .await
            .unwrap_err();
        assert_eq!(
            api_code(&error),
            "FailedOperation.TempKeyNotAllowed",
            "{method:?}"
        );

        // An unknown role.
        let error = common::sts(&e, e.root_credential(), method)
            .assume_role(&AssumeRole::new(
                format!("qcs::cam::uin/{}:roleName/missing", e.owner_uin()),
                "s1",
            ))
            .await
            .unwrap_err();
        assert_eq!(
            api_code(&error),
            "ResourceNotFound.RoleNotFound",
            "{method:?}"
        );
    }
    e.shutdown().await;
}
