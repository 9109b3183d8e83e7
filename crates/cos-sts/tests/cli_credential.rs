//! CLI tests of `cos-sts credential` against the embedded emulator: every output shape,
//! AssumeRole, keys from flags and from the environment, and bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use std::process::Command;

use cli_support::{BUCKET, REGION, Run, arg, cos_sts, issue_credential, temp_file};
use cos_emulator::{Emulator, Role};

async fn emulator() -> Emulator {
    let policy = format!(
        r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:*"],
        "resource":["qcs::cos:{REGION}:uid/1250000000:{BUCKET}/*"]}}]}}"#
    );
    Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .role(Role::new("uploader", policy))
        .start()
        .await
        .unwrap()
}

/// `credential --emulator … --secret-id … --secret-key …` plus `args`.
fn credential(e: &Emulator, args: &[&str]) -> Run {
    issue_credential(e, None, args)
}

const SCOPE: &[&str] = &[
    "--bucket",
    BUCKET,
    "--region",
    REGION,
    "--allow-prefix",
    "users/alice/*",
    "--allow-action",
    "PutObject",
    "--allow-action",
    "name/cos:GetObject",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    let mut all = SCOPE.to_vec();
    all.extend_from_slice(extra);
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn the_v2_shape_is_the_default() {
    let e = emulator().await;
    let v = credential(&e, &with(&["--duration", "900"]))
        .expect(0)
        .json();
    let id = v["credentials"]["tmpSecretId"].as_str().unwrap();
    assert!(id.starts_with("AKID"), "{v}");
    assert!(
        !v["credentials"]["tmpSecretKey"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    assert!(
        !v["credentials"]["sessionToken"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    let lifetime = v["expiredTime"].as_u64().unwrap() - v["startTime"].as_u64().unwrap();
    assert!((899..=901).contains(&lifetime), "{v}");
    assert!(v["requestId"].is_string());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn api_and_js_shapes() {
    let e = emulator().await;
    let api = credential(&e, &with(&["--format", "api", "--pretty"])).expect(0);
    assert!(api.stdout.contains('\n'));
    let api = api.json();
    assert!(api["Credentials"]["TmpSecretId"].is_string());
    assert!(api["Credentials"]["Token"].is_string());
    let js = credential(&e, &with(&["--format", "js"])).expect(0).json();
    for field in ["TmpSecretId", "TmpSecretKey", "SecurityToken"] {
        assert!(js[field].is_string(), "{field}: {js}");
    }
    assert!(js["ExpiredTime"].as_u64().unwrap() > js["StartTime"].as_u64().unwrap());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_file_and_conditions() {
    let e = emulator().await;
    let policy = temp_file(
        "policy.json",
        &format!(
            r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:GetObject"],
            "resource":["qcs::cos:{REGION}:uid/1250000000:{BUCKET}/shared/*"]}}]}}"#
        ),
    );
    let v = credential(&e, &["--policy", arg(&policy), "--format", "js"])
        .expect(0)
        .json();
    assert!(v["TmpSecretId"].is_string());
    let conditioned = credential(
        &e,
        &with(&[
            "--condition",
            "numeric_less_than_equal:cos:content-length=1048576",
            "--condition",
            "string_equal:cos:content-type=image/png",
        ]),
    );
    conditioned.expect(0);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn assume_role() {
    let e = emulator().await;
    let arn = format!("qcs::cam::uin/{}:roleName/uploader", e.owner_uin());
    let v = credential(
        &e,
        &[
            "--role-arn",
            &arn,
            "--role-session-name",
            "ci-run",
            "--format",
            "api",
        ],
    )
    .expect(0)
    .json();
    assert!(v["Credentials"]["TmpSecretId"].is_string());
    // Scoped down with the scope flags.
    credential(&e, &[&["--role-arn", arn.as_str()][..], SCOPE].concat()).expect(0);
    // An unknown role is the service's answer: exit 1 with its code.
    let missing = format!("qcs::cam::uin/{}:roleName/nobody", e.owner_uin());
    let run = credential(&e, &["--role-arn", &missing]).expect(1);
    assert!(run.stderr.contains("RoleNotFound"), "{}", run.stderr);
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_from_the_environment() {
    let e = emulator().await;
    let root = e.root_credential();
    let mut args = vec!["credential", "--emulator"];
    let sts = e.sts_endpoint();
    args.push(&sts);
    args.extend_from_slice(SCOPE);
    let output = Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .args(&args)
        .env("TENCENTCLOUD_SECRET_ID", root.secret_id())
        .env("TENCENTCLOUD_SECRET_KEY", root.secret_key())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(v["credentials"]["tmpSecretId"].is_string());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_root_key_is_the_service_refusal_without_the_key() {
    let e = emulator().await;
    let run = issue_credential(&e, Some("WRONGSECRETKEYVALUE"), SCOPE).expect(1);
    assert!(run.stderr.contains("AuthFailure"), "{}", run.stderr);
    assert!(!run.stderr.contains("WRONGSECRETKEYVALUE"));
    assert!(run.stdout.is_empty());
    e.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_alice2_neighbour_is_refused_or_shown() {
    let e = emulator().await;
    let scope = |prefix: &'static str| {
        vec![
            "--bucket",
            BUCKET,
            "--region",
            REGION,
            "--allow-prefix",
            prefix,
            "--allow-action",
            "PutObject",
        ]
    };
    // Scope flags: refused before anything is sent, naming the neighbour.
    let run = credential(&e, &scope("users/alice*")).expect(2);
    assert!(run.stderr.contains("users/alice2/"), "{}", run.stderr);
    // Explicitly accepted: the lint still blocks without --allow-lints…
    let mut accepted = scope("users/alice*");
    accepted.push("--allow-partial-segment");
    let run = credential(&e, &accepted).expect(2);
    assert!(
        run.stderr.contains("partial_segment_wildcard"),
        "{}",
        run.stderr
    );
    // …and with it the key is issued and the lint is printed.
    accepted.push("--allow-lints");
    let run = credential(&e, &accepted).expect(0);
    assert!(
        run.stderr.contains("partial_segment_wildcard") && run.stderr.contains("users/alice2/"),
        "{}",
        run.stderr
    );
    // A policy file with the hole: refused unless --allow-lints, shown when accepted.
    let policy = temp_file(
        "alice.json",
        &format!(
            r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:PutObject"],
            "resource":["qcs::cos:{REGION}:uid/1250000000:{BUCKET}/users/alice*"]}}]}}"#
        ),
    );
    let run = credential(&e, &["--policy", arg(&policy)]).expect(2);
    assert!(
        run.stderr.contains("/statement/0/resource/0"),
        "{}",
        run.stderr
    );
    let run = credential(&e, &["--policy", arg(&policy), "--allow-lints"]).expect(0);
    assert!(run.stderr.contains("users/alice2/"), "{}", run.stderr);
    // The bucket and region swapped: a usage error that says so.
    let run = credential(
        &e,
        &[
            "--bucket",
            REGION,
            "--region",
            BUCKET,
            "--allow-prefix",
            "users/alice/",
            "--allow-action",
            "PutObject",
        ],
    )
    .expect(2);
    assert!(
        run.stderr.contains("did you swap bucket and region?"),
        "{}",
        run.stderr
    );
    e.shutdown().await;
}

#[test]
fn missing_scope_flags_are_named() {
    let scope_without = |flag: &str| -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut skip = false;
        for item in SCOPE {
            if skip {
                skip = false;
                continue;
            }
            if *item == flag {
                skip = true;
                continue;
            }
            out.push(*item);
        }
        out
    };
    for flag in ["--bucket", "--region", "--allow-prefix"] {
        let mut args = vec!["credential", "--secret-id", "AKIDX", "--secret-key", "k"];
        args.extend(scope_without(flag));
        let run = cos_sts(&args, None).expect(2);
        assert!(run.stderr.contains(flag), "{flag}: {}", run.stderr);
    }
    let run = cos_sts(
        &[
            "credential",
            "--bucket",
            BUCKET,
            "--region",
            REGION,
            "--allow-prefix",
            "a/*",
        ],
        None,
    )
    .expect(2);
    assert!(run.stderr.contains("--allow-action"), "{}", run.stderr);
}

#[test]
fn malformed_input_is_a_usage_error() {
    let bad_json = temp_file("bad.json", "{\"version\":");
    let run = cos_sts(&["credential", "--policy", arg(&bad_json)], None).expect(2);
    assert!(run.stderr.contains("policy"), "{}", run.stderr);

    let run = cos_sts(&["credential", "--condition", "no-operator"], None).expect(2);
    assert!(run.stderr.contains("OPERATOR:KEY=VALUE"), "{}", run.stderr);

    let run = cos_sts(&["credential", "--format", "yaml"], None).expect(2);
    assert!(run.stderr.contains("yaml"), "{}", run.stderr);

    // --policy replaces the scope flags.
    let policy = temp_file("p.json", "{}");
    cos_sts(
        &["credential", "--policy", arg(&policy), "--bucket", BUCKET],
        None,
    )
    .expect(2);

    let mut args = vec![
        "credential",
        "--emulator",
        "ftp://127.0.0.1:1",
        "--secret-id",
        "AKIDX",
        "--secret-key",
        "k",
    ];
    args.extend_from_slice(SCOPE);
    let run = cos_sts(&args, None).expect(2);
    assert!(run.stderr.contains("--emulator"), "{}", run.stderr);

    // A policy that grants everything is refused before anything is sent.
    let mut args = vec![
        "credential",
        "--emulator",
        "http://127.0.0.1:1",
        "--secret-id",
        "AKIDX",
        "--secret-key",
        "k",
    ];
    args.extend_from_slice(&[
        "--bucket",
        BUCKET,
        "--region",
        REGION,
        "--allow-prefix",
        "*",
        "--allow-action",
        "*",
    ]);
    let run = cos_sts(&args, None).expect(2);
    assert!(run.stderr.contains("policy"), "{}", run.stderr);

    // A secret id without its key.
    cos_sts(&["credential", "--secret-id", "AKIDX"], None).expect(2);
}
