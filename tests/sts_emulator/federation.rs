//! GetFederationToken with TC3 and both v1 algorithms: the issued key works inside its
//! prefix, and only for the allowed action.

use sts_client::{GetFederationToken, PolicyDocument, SignatureMethod};

use crate::common::{self, Token};

async fn issued_key_is_scoped(method: SignatureMethod) {
    let e = common::emulator().await;
    let client = common::sts(&e, e.root_credential(), method);
    let policy = common::allow_policy(
        &["name/cos:PutObject"],
        &[common::resource(&e, "uploads/alice/*")],
    );
    let document =
        PolicyDocument::from_policy(&cos_policy::Policy::from_json(&policy).unwrap(), false)
            .unwrap();
    let before = common::now();
    let issued = client
        .get_federation_token(&GetFederationToken::new("alice", document).duration_seconds(900))
        .await
        .unwrap();
    let after = common::now();

    let key = issued.credential().clone();
    assert!(key.secret_id().starts_with("AKID"), "{method:?}");
    assert_ne!(key.secret_id(), e.root_credential().secret_id());
    let token = key.token().expect("a temporary key has a token").to_owned();
    assert!(!token.is_empty());
    assert!(!issued.request_id().is_empty());
    assert!((before.saturating_sub(1)..=after + 1).contains(&issued.start_time()));
    assert!(
        (899..=901).contains(&issued.lifetime_secs()),
        "{}",
        issued.lifetime_secs()
    );
    let shown = format!("{issued:?} {:?}", issued.credential());
    assert!(!shown.contains(key.secret_key()) && !shown.contains(&token));

    // Allowed: PutObject inside the prefix, and the token travels in x-cos-security-token.
    let ok = common::put(&e, &key, "uploads/alice/a.txt", &[], "hello").await;
    ok.assert_ok("put inside the prefix");
    assert_eq!(ok.sent_token.as_deref(), Some(token.as_str()));
    let stored = common::call(&e, &e.root_credential(), "GET", "uploads/alice/a.txt").await;
    stored.assert_ok("the object was stored");
    assert_eq!(&stored.body[..], b"hello");

    // Denied: outside the prefix (nothing stored), and actions the policy does not allow.
    common::put(&e, &key, "uploads/bob/a.txt", &[], "x")
        .await
        .assert_denied("put outside the prefix");
    common::put(&e, &key, "uploads/alice", &[], "x")
        .await
        .assert_denied("put on the prefix itself, without the slash");
    assert_eq!(
        common::call(&e, &e.root_credential(), "GET", "uploads/bob/a.txt")
            .await
            .status,
        404
    );
    common::call(&e, &key, "DELETE", "uploads/alice/a.txt")
        .await
        .assert_denied("delete (only PutObject allowed)");
    common::call(&e, &key, "GET", "uploads/alice/a.txt")
        .await
        .assert_denied("get (only PutObject allowed)");
    common::call(&e, &e.root_credential(), "HEAD", "uploads/alice/a.txt")
        .await
        .assert_ok("the denied delete deleted nothing");

    // The token is required: the same signed request without it is refused.
    let stripped = common::cos_request(
        &e,
        &key,
        "PUT",
        "uploads/alice/b.txt",
        &[],
        "x",
        Token::Stripped,
    )
    .await;
    assert_eq!(stripped.sent_token, None);
    stripped.assert_denied("put without the token");
    e.shutdown().await;
}

#[tokio::test]
async fn federation_token_tc3_key_is_scoped_to_prefix_and_action() {
    issued_key_is_scoped(SignatureMethod::Tc3).await;
}

#[tokio::test]
async fn federation_token_v1_hmac_sha1_key_is_scoped_to_prefix_and_action() {
    issued_key_is_scoped(SignatureMethod::V1HmacSha1).await;
}

#[tokio::test]
async fn federation_token_v1_hmac_sha256_key_is_scoped_to_prefix_and_action() {
    issued_key_is_scoped(SignatureMethod::V1HmacSha256).await;
}

/// Characters that change meaning when a policy is URL-decoded twice (or not at all) reach the
/// emulator intact with every signature method: `+` and `%` in a key pattern.
#[tokio::test]
async fn policy_is_url_encoded_exactly_once_with_every_method() {
    let e = common::emulator().await;
    for method in common::METHODS {
        let client = common::sts(&e, e.root_credential(), method);
        let policy = common::allow_policy(
            &["name/cos:PutObject"],
            &[common::resource(&e, "a+b%20c/*")],
        );
        let document =
            PolicyDocument::from_policy(&cos_policy::Policy::from_json(&policy).unwrap(), true)
                .unwrap();
        let key = client
            .get_federation_token(&GetFederationToken::new("enc", document))
            .await
            .unwrap()
            .into_credential();
        common::put(&e, &key, "a+b%20c/x.txt", &[], "x")
            .await
            .assert_ok(&format!("{method:?}: literal `+` and `%20` in the prefix"));
        common::put(&e, &key, "a b c/x.txt", &[], "x")
            .await
            .assert_denied(&format!("{method:?}: decoded-twice form of the prefix"));
        common::put(&e, &key, "a+b c/x.txt", &[], "x")
            .await
            .assert_denied(&format!("{method:?}: decoded-once form of the prefix"));
    }
    e.shutdown().await;
}
