//! AssumeRole (role policy ∩ session policy) and GetCallerIdentity with permanent and
//! temporary keys.

use cos_emulator::{Emulator, Role};
use sts_client::provider::{AssumeRoleProvider, ProvideCredentials};
use sts_client::{
    AssumeRole, CredentialRequest, GetFederationToken, PolicyDocument, SignatureMethod,
};

use crate::common;

/// A role that may put and get under `shared/`.
fn uploader_role() -> Role {
    let resource = "qcs::cos:ap-guangzhou:uid/1250000000:media-1250000000/shared/*".to_owned();
    Role::new(
        "uploader",
        common::allow_policy(&["name/cos:PutObject", "name/cos:GetObject"], &[resource]),
    )
}

fn role_arn(e: &Emulator, role: &str) -> String {
    format!("qcs::cam::uin/{}:roleName/{role}", e.owner_uin())
}

fn document(policy: &str) -> PolicyDocument {
    PolicyDocument::from_policy(&cos_policy::Policy::from_json(policy).unwrap(), false).unwrap()
}

#[tokio::test]
async fn assume_role_key_is_the_intersection_of_role_and_session_policy() {
    let e = common::emulator_with(&[uploader_role()], 0).await;
    common::put(&e, &e.root_credential(), "shared/seed.txt", &[], "seed")
        .await
        .assert_ok("root put");
    for method in common::METHODS {
        let client = common::sts(&e, e.root_credential(), method);
        // The session policy allows PutObject on shared/ and private/; the role allows Put and
        // Get on shared/ only. Only PutObject on shared/ is in both.
        let session = common::allow_policy(
            &["name/cos:PutObject"],
            &[
                common::resource(&e, "shared/*"),
                common::resource(&e, "private/*"),
            ],
        );
        let issued = client
            .assume_role(
                &AssumeRole::new(role_arn(&e, "uploader"), "session-1")
                    .policy(document(&session))
                    .duration_seconds(3600),
            )
            .await
            .unwrap();
        assert!(
            (3599..=3601).contains(&issued.lifetime_secs()),
            "{method:?}"
        );
        let key = issued.into_credential();
        common::put(&e, &key, "shared/a.txt", &[], "a")
            .await
            .assert_ok(&format!("{method:?}: allowed by both"));
        common::call(&e, &key, "GET", "shared/seed.txt")
            .await
            .assert_denied(&format!(
                "{method:?}: role allows GetObject, session does not"
            ));
        common::put(&e, &key, "private/a.txt", &[], "a")
            .await
            .assert_denied(&format!(
                "{method:?}: session allows private/, role does not"
            ));

        // Without a session policy the role's own policy applies.
        let role_only = client
            .assume_role(&AssumeRole::new(role_arn(&e, "uploader"), "session-2"))
            .await
            .unwrap()
            .into_credential();
        let got = common::call(&e, &role_only, "GET", "shared/seed.txt").await;
        got.assert_ok(&format!("{method:?}: role policy alone allows GetObject"));
        assert_eq!(&got.body[..], b"seed");
        common::put(&e, &role_only, "private/a.txt", &[], "a")
            .await
            .assert_denied(&format!("{method:?}: role policy alone, outside shared/"));
    }
    e.shutdown().await;
}

#[tokio::test]
async fn assume_role_provider_and_temporary_callers() {
    let e = common::emulator_with(&[uploader_role()], 0).await;
    // AssumeRoleProvider through a root-signed client.
    let provider = AssumeRoleProvider::new(
        common::sts(&e, e.root_credential(), SignatureMethod::Tc3),
        AssumeRole::new(role_arn(&e, "uploader"), "provider-session"),
    );
    let provided = provider.provide_credentials().await.unwrap();
    assert!(provided.expires_at().unwrap() > common::now());
    common::put(&e, provided.credential(), "shared/p.txt", &[], "p")
        .await
        .assert_ok("provider key");

    // AssumeRole called with a temporary (federation) key, as the API allows, when the key's
    // policy grants `name/sts:AssumeRole` on the role; a key without that grant is refused.
    let plain = common::federated_key(&e, "inbox/*").await;
    let grant = common::allow_policy(&["name/sts:AssumeRole"], &[role_arn(&e, "uploader")]);
    let granted = common::sts(&e, e.root_credential(), SignatureMethod::Tc3)
        .get_federation_token(&GetFederationToken::new("chainer", document(&grant)))
        .await
        .unwrap()
        .into_credential();
    for method in common::METHODS {
        let refused = common::sts(&e, plain.clone(), method)
            .assume_role(&AssumeRole::new(role_arn(&e, "uploader"), "chained"))
            .await
            .unwrap_err();
        assert_eq!(
            refused.api_error().map(|a| a.code.as_str()),
            Some("AuthFailure.UnauthorizedOperation"),
            "{method:?}: {refused}"
        );
        let chained = common::sts(&e, granted.clone(), method)
            .assume_role(&AssumeRole::new(role_arn(&e, "uploader"), "chained"))
            .await
            .unwrap()
            .into_credential();
        common::put(&e, &chained, "shared/chained.txt", &[], "c")
            .await
            .assert_ok(&format!(
                "{method:?}: role key obtained with a temporary key"
            ));
    }
    e.shutdown().await;
}

#[tokio::test]
async fn get_caller_identity_with_root_and_temporary_keys() {
    let e = common::emulator_with(&[uploader_role()], 0).await;
    let uin = e.owner_uin().to_owned();
    for method in common::METHODS {
        let root = common::sts(&e, e.root_credential(), method)
            .get_caller_identity()
            .await
            .unwrap();
        assert_eq!(
            root.arn,
            format!("qcs::cam::uin/{uin}:uin/{uin}"),
            "{method:?}"
        );
        assert_eq!(root.account_id, uin);
        assert_eq!(root.user_id, uin);
        assert!(!root.request_id.is_empty());

        let federated = common::sts(&e, e.root_credential(), method)
            .get_credential(
                &CredentialRequest::new(&common::location(&e))
                    .allow_prefix("inbox/*")
                    .allow_actions(["PutObject"])
                    .name("web-upload"),
            )
            .await
            .unwrap()
            .into_credential();
        let who = common::sts(&e, federated, method)
            .get_caller_identity()
            .await
            .unwrap();
        assert_eq!(
            who.arn,
            format!("qcs::sts:{uin}:federated-user/{uin}"),
            "{method:?}"
        );
        assert_eq!(who.account_id, uin);
        assert_eq!(who.user_id, format!("{uin}:web-upload"));

        let role_key = common::sts(&e, e.root_credential(), method)
            .assume_role(&AssumeRole::new(role_arn(&e, "uploader"), "who-am-i"))
            .await
            .unwrap()
            .into_credential();
        let who = common::sts(&e, role_key, method)
            .get_caller_identity()
            .await
            .unwrap();
        assert_eq!(
            who.arn,
            format!("qcs::sts:{uin}:assumed-role/uploader/who-am-i")
        );
        assert_eq!(who.user_id, "uploader:who-am-i");
        assert_ne!(who.request_id, root.request_id);
    }
    e.shutdown().await;
}

#[tokio::test]
async fn external_id_and_session_tags_reach_the_emulator_in_every_signature() {
    let e = common::emulator_with(&[uploader_role().external_id("partner-42")], 0).await;
    for method in common::METHODS {
        let client = common::sts(&e, e.root_credential(), method);
        let with_id = AssumeRole::new(role_arn(&e, "uploader"), "tagged")
            .external_id("partner-42")
            .tag("team", "media")
            .tag("env", "test");
        let key = client
            .assume_role(&with_id)
            .await
            .unwrap()
            .into_credential();
        common::put(&e, &key, "shared/t.txt", &[], "t")
            .await
            .assert_ok(&format!("{method:?}: ExternalId and tags accepted"));

        let error = client
            .assume_role(&AssumeRole::new(role_arn(&e, "uploader"), "untagged"))
            .await
            .unwrap_err();
        assert_eq!(
            error.api_error().map(|a| a.code.as_str()),
            Some("UnauthorizedOperation"),
            "{method:?}: {error}"
        );
        let duplicated = AssumeRole::new(role_arn(&e, "uploader"), "dup")
            .external_id("partner-42")
            .tag("team", "a")
            .tag("team", "b");
        // Refused by sts-client before anything is sent (the emulator would answer
        // InvalidParameter.ParamError, as its own tests show).
        let error = client.assume_role(&duplicated).await.unwrap_err();
        assert!(error.api_error().is_none(), "{method:?}: {error}");
        assert!(error.to_string().contains("duplicate tag key"), "{error}");
    }
    e.shutdown().await;
}
