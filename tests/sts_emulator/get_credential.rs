//! `get_credential` (the `getCredential` equivalent): prefixes, actions and conditions that the
//! emulator enforces on the issued key.

use serde_json::json;
use sts_client::CredentialRequest;

use crate::common;

#[tokio::test]
async fn get_credential_conditions_hold_against_the_emulator() {
    let e = common::emulator().await;
    for method in common::METHODS {
        let client = common::sts(&e, e.root_credential(), method);
        let request = CredentialRequest::new(&common::location(&e))
            .allow_prefix("avatars/alice/*")
            .allow_prefix("/avatars/shared/*")
            .allow_actions(["PutObject"])
            .condition("string_equal", "cos:content-type", json!("image/png"))
            .condition("numeric_less_than_equal", "cos:content-length", json!(10))
            .duration_seconds(600)
            .name("alice");
        let issued = client.get_credential(&request).await.unwrap();
        assert!((599..=601).contains(&issued.lifetime_secs()), "{method:?}");
        let key = issued.into_credential();
        let png = [("content-type", "image/png")];

        common::put(&e, &key, "avatars/alice/me.png", &png, "png")
            .await
            .assert_ok(&format!("{method:?}: png inside the first prefix"));
        common::put(&e, &key, "avatars/shared/logo.png", &png, "png")
            .await
            .assert_ok(&format!("{method:?}: png inside the second prefix"));
        common::put(
            &e,
            &key,
            "avatars/alice/me.png",
            &[("content-type", "text/plain")],
            "png",
        )
        .await
        .assert_denied(&format!("{method:?}: other content-type"));
        common::put(&e, &key, "avatars/alice/none.png", &[], "png")
            .await
            .assert_denied(&format!(
                "{method:?}: no content-type (condition key absent)"
            ));
        common::put(
            &e,
            &key,
            "avatars/alice/big.png",
            &png,
            "more than ten bytes",
        )
        .await
        .assert_denied(&format!("{method:?}: content-length over the limit"));
        common::put(&e, &key, "avatars/bob/me.png", &png, "png")
            .await
            .assert_denied(&format!("{method:?}: outside the prefixes"));
        common::call(&e, &key, "GET", "avatars/alice/me.png")
            .await
            .assert_denied(&format!("{method:?}: GetObject not allowed"));
    }
    e.shutdown().await;
}

/// A whole `cos-policy` value instead of prefixes and actions.
#[tokio::test]
async fn get_credential_from_a_policy_value() {
    let e = common::emulator().await;
    let policy = cos_policy::Policy::from_json(&common::allow_policy(
        &["name/cos:GetObject", "name/cos:HeadObject"],
        &[common::resource(&e, "public/*")],
    ))
    .unwrap();
    common::put(&e, &e.root_credential(), "public/a.txt", &[], "public")
        .await
        .assert_ok("root put");
    common::put(&e, &e.root_credential(), "private/a.txt", &[], "private")
        .await
        .assert_ok("root put");
    let client = common::sts(&e, e.root_credential(), sts_client::SignatureMethod::Tc3);
    let key = client
        .get_credential(&CredentialRequest::from_policy(policy).name("reader"))
        .await
        .unwrap()
        .into_credential();
    let got = common::call(&e, &key, "GET", "public/a.txt").await;
    got.assert_ok("get inside");
    assert_eq!(&got.body[..], b"public");
    common::call(&e, &key, "GET", "private/a.txt")
        .await
        .assert_denied("get outside");
    common::put(&e, &key, "public/b.txt", &[], "x")
        .await
        .assert_denied("put not allowed");
    e.shutdown().await;
}
