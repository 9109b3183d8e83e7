//! `Vending::issue` without HTTP, against the emulator: the assume-role backend with a
//! temporary server identity, roles with claim rules, duration caps, scope narrowing and
//! merging.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use cos_client::PutOptions;
use cos_vending::{Identity, IssueRequest, Lookup, ScopeItem, Settings, Subject};
use serde_json::json;
use sts_client::AssumeRole;
use support::*;

fn who(sub: &str) -> Identity {
    Identity::new(Subject::parse(sub).unwrap())
}

fn js(granted: &cos_vending::Granted) -> serde_json::Value {
    cos_vending::render(
        &granted.credentials,
        cos_vending::Format::Js,
        None,
        granted.narrowed,
    )
}

/// The server runs with a temporary key (as on CVM/TKE): GetFederationToken refuses it, the
/// assume_role backend issues per-user keys that work only inside the user's prefix.
// TODO(sec): once the emulator enforces role trust policies, give `cos-vending` a trust
// policy admitting the server's identity (here: a session of the same role).
#[tokio::test]
async fn assume_role_works_with_a_temporary_server_identity() {
    let e = emulator().await;
    let root = sts(&e, e.root_credential());
    let server_key = root
        .assume_role(&AssumeRole::new(role_arn(&e), "vending-server").duration_seconds(3600))
        .await
        .unwrap()
        .into_credential();
    assert!(
        server_key.token().is_some(),
        "the server's identity is temporary"
    );

    let federation = vending(settings(&base("")), &e, server_key.clone());
    let refused = federation
        .issue(&who("alice"), &IssueRequest::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "sts_error", "{refused}");
    assert!(
        refused.to_string().contains("TempKeyNotAllowed"),
        "{refused}"
    );

    let config = format!(
        "{}[issuer]\nkind = \"assume_role\"\nrole_arn = \"{}\"\n",
        base(""),
        role_arn(&e)
    );
    let assume = vending(settings(&config), &e, server_key);
    let granted = assume
        .issue(&who("alice"), &IssueRequest::default())
        .await
        .unwrap();
    assert_eq!(granted.lookup, Lookup::Miss);
    assert!(
        granted.session_name.starts_with("alice."),
        "{}",
        granted.session_name
    );
    assert_eq!(granted.policy_sha256.len(), 64);
    let key = js(&granted);
    let client = cos(&e, &key);
    client
        .put_object("users/alice/a.txt", "hello".into(), &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(
        client.get_object_bytes("users/alice/a.txt").await.unwrap(),
        b"hello"
    );
    for outside in ["users/bob/a.txt", "users/alice2/a.txt", "a.txt"] {
        let denied = client
            .put_object(outside, "x".into(), &PutOptions::default())
            .await
            .unwrap_err();
        assert!(
            denied.to_string().contains("AccessDenied"),
            "{outside}: {denied}"
        );
    }
    // Cached per subject.
    let again = assume
        .issue(&who("alice"), &IssueRequest::default())
        .await
        .unwrap();
    assert_eq!(again.lookup, Lookup::Hit);
    assert_eq!(
        again.credentials.credential().secret_id(),
        granted.credentials.credential().secret_id()
    );
    e.shutdown().await;
}

const ROLES: &str = r#"
default_role = "uploader"
max_duration_seconds = 3600

[[roles]]
name = "uploader"

[[roles]]
name = "admin"
claims = [{ claim = "groups", contains = "admin" }]
prefix_template = "tenants/{sub}/"
actions = ["GetObject", "PutObject"]
duration_seconds = 900
max_duration_seconds = 1200
"#;

#[tokio::test]
async fn roles_claim_rules_and_duration_caps() {
    let e = emulator().await;
    let v = vending(settings(&base(ROLES)), &e, e.root_credential());
    let plain = who("carol");
    let admin = who("dave").with_claims(
        json!({"groups": ["dev", "admin"]})
            .as_object()
            .unwrap()
            .clone(),
    );

    // The default role.
    let default = v.issue(&plain, &IssueRequest::default()).await.unwrap();
    assert_eq!(default.role, "uploader");
    assert!((1700..=1800).contains(&default.credentials.lifetime_secs()));
    cos(&e, &js(&default))
        .put_object("users/carol/x", "x".into(), &PutOptions::default())
        .await
        .unwrap();

    // A role whose claims do not match: 403 with the reason.
    let denied = v
        .issue(&plain, &IssueRequest::default().role("admin"))
        .await
        .unwrap_err();
    assert_eq!(denied.status(), 403);
    assert!(denied.to_string().contains("groups"), "{denied}");
    let unknown = v
        .issue(&plain, &IssueRequest::default().role("root"))
        .await
        .unwrap_err();
    assert_eq!(unknown.status(), 400);

    // The admin role: its own prefix and default duration.
    let granted = v
        .issue(&admin, &IssueRequest::default().role("admin"))
        .await
        .unwrap();
    assert_eq!(granted.role, "admin");
    assert!((800..=900).contains(&granted.credentials.lifetime_secs()));
    let client = cos(&e, &js(&granted));
    client
        .put_object("tenants/dave/y", "y".into(), &PutOptions::default())
        .await
        .unwrap();
    assert!(
        client
            .put_object("users/dave/y", "y".into(), &PutOptions::default())
            .await
            .is_err()
    );

    // Shorter is allowed, longer than the role's maximum never.
    let short = v
        .issue(&plain, &IssueRequest::default().duration_seconds(600))
        .await
        .unwrap();
    assert!((500..=600).contains(&short.credentials.lifetime_secs()));
    assert_ne!(
        short.credentials.credential().secret_id(),
        default.credentials.credential().secret_id(),
        "another duration is another cache entry"
    );
    let too_long = v
        .issue(
            &admin,
            &IssueRequest::default().role("admin").duration_seconds(1201),
        )
        .await
        .unwrap_err();
    assert_eq!(too_long.status(), 400);
    assert!(too_long.to_string().contains("1200"), "{too_long}");
    assert_eq!(
        v.issue(&plain, &IssueRequest::default().duration_seconds(30))
            .await
            .unwrap_err()
            .status(),
        400
    );
    e.shutdown().await;
}

fn scope_item(key: &str) -> ScopeItem {
    serde_json::from_value(json!({
        "action": "name/cos:PutObject", "bucket": BUCKET, "region": REGION, "prefix": key
    }))
    .unwrap()
}

#[tokio::test]
async fn scope_lists_are_narrowed_merged_exactly_or_refused_with_the_limit() {
    let e = emulator().await;
    let v = vending(settings(&base("")), &e, e.root_credential());
    let alice = who("alice");

    // Ten keys: one statement per action group, several resources: it fits.
    let ten: Vec<ScopeItem> = (0..10)
        .map(|i| scope_item(&format!("users/alice/photos/{i:02}.png")))
        .collect();
    let granted = v
        .issue(&alice, &IssueRequest::default().scope(ten))
        .await
        .unwrap();
    assert!(granted.narrowed);
    let client = cos(&e, &js(&granted));
    client
        .put_object(
            "users/alice/photos/03.png",
            "x".into(),
            &PutOptions::default(),
        )
        .await
        .unwrap();
    assert!(
        client
            .put_object(
                "users/alice/photos/10.png",
                "x".into(),
                &PutOptions::default()
            )
            .await
            .is_err(),
        "only the listed keys"
    );

    // Keys covered by a listed wildcard merge into it (the grant is unchanged).
    let mut covered: Vec<ScopeItem> = (0..63)
        .map(|i| scope_item(&format!("users/alice/batch/{i}.bin")))
        .collect();
    covered.push(scope_item("users/alice/batch/*"));
    let merged = v
        .issue(&alice, &IssueRequest::default().scope(covered))
        .await
        .unwrap();
    cos(&e, &js(&merged))
        .put_object(
            "users/alice/batch/anything",
            "x".into(),
            &PutOptions::default(),
        )
        .await
        .unwrap();

    // 64 distinct keys cannot fit CAM's limit exactly: 400 with the limit and the size.
    let many: Vec<ScopeItem> = (0..64)
        .map(|i| {
            scope_item(&format!(
                "users/alice/many/{i:03}-a-rather-long-file-name.png"
            ))
        })
        .collect();
    let error = v
        .issue(&alice, &IssueRequest::default().scope(many))
        .await
        .unwrap_err();
    assert_eq!(error.status(), 400, "{error}");
    assert_eq!(error.code(), "scope_too_large");
    let message = error.public_message();
    assert!(message.contains("4096"), "{message}");
    assert!(message.chars().any(|c| c.is_ascii_digit()), "{message}");
    e.shutdown().await;
}

/// Moved from `cos-sts serve`'s handler and backend tests: after issuing, `Debug` of the
/// pipeline and of the service shows neither the issued secret key and token nor the
/// server's own key nor the JWT secret.
#[tokio::test]
async fn debug_output_holds_no_secret() {
    let e = emulator().await;
    let config = format!("{}{}", base(""), hs256_auth());
    let v = vending(settings(&config), &e, e.root_credential());
    let granted = v
        .issue(&who("alice"), &IssueRequest::default())
        .await
        .unwrap();
    let service = service(vending(settings(&config), &e, e.root_credential()), None);
    let root = e.root_credential();
    for debug in [
        format!("{v:?}"),
        format!("{service:?}"),
        format!("{granted:?}"),
    ] {
        for secret in [
            granted.credentials.credential().secret_key(),
            granted.credentials.credential().token().unwrap(),
            root.secret_key(),
            HS_SECRET,
        ] {
            assert!(!debug.contains(secret), "a secret in {debug}");
        }
    }
    assert!(format!("{v:?}").contains("MemoryStore"));
    e.shutdown().await;
}

#[tokio::test]
async fn a_role_may_grant_several_buckets_and_a_scope_picks_one() {
    let e = emulator().await;
    let config = format!(
        "{}[[roles]]\nname = \"both\"\nbuckets = [\"{BUCKET}\", \"{ARCHIVE}\"]\n",
        base("")
    );
    let v = vending(settings(&config), &e, e.root_credential());
    let whole = v
        .issue(&who("alice"), &IssueRequest::default())
        .await
        .unwrap();
    let key = js(&whole);
    for bucket in [BUCKET, ARCHIVE] {
        let client = cos_in(&e, &key, bucket);
        client
            .put_object("users/alice/f", "x".into(), &PutOptions::default())
            .await
            .unwrap_or_else(|err| panic!("{bucket}: {err}"));
        assert!(
            client
                .put_object("users/bob/f", "x".into(), &PutOptions::default())
                .await
                .is_err()
        );
    }
    let item: ScopeItem = serde_json::from_value(json!({
        "action": "PutObject", "bucket": ARCHIVE, "region": REGION, "prefix": "users/alice/only-here"
    }))
    .unwrap();
    let scoped = v
        .issue(&who("alice"), &IssueRequest::default().scope(vec![item]))
        .await
        .unwrap();
    let key = js(&scoped);
    cos_in(&e, &key, ARCHIVE)
        .put_object("users/alice/only-here", "x".into(), &PutOptions::default())
        .await
        .unwrap();
    assert!(
        cos_in(&e, &key, BUCKET)
            .put_object("users/alice/only-here", "x".into(), &PutOptions::default())
            .await
            .is_err(),
        "the scope named the archive bucket only"
    );
    let mismatch = Settings::parse(
        &format!(
            "{}[[roles]]\nname = \"x\"\nbucket = \"{BUCKET}\"\nbuckets = [\"{ARCHIVE}\"]\n",
            base("")
        ),
        std::path::Path::new("."),
    );
    assert!(mismatch.unwrap_err().to_string().contains("not both"));
    e.shutdown().await;
}
