//! `cos-sts policy build|lint|eval|fmt`, run as a user would, including bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{arg, cos_sts, temp_file};
use serde_json::json;

const BUCKET: &str = "examplebucket-1250000000";
const OBJECT: &str = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";

fn build(extra: &[&str]) -> cli_support::Run {
    let mut args = vec![
        "policy",
        "build",
        "--bucket",
        BUCKET,
        "--region",
        "ap-guangzhou",
    ];
    args.extend_from_slice(extra);
    cos_sts(&args, None)
}

#[test]
fn build_from_get_credential_flags_prints_canonical_json() {
    let run = build(&[
        "--allow-prefix",
        "users/alice/*",
        "--allow-action",
        "name/cos:PutObject",
        "--allow-action",
        "GetObject",
    ])
    .expect(0);
    assert_eq!(
        run.stdout,
        format!(
            "{{\"version\":\"2.0\",\"statement\":[{{\"effect\":\"allow\",\"action\":[\"name/cos:PutObject\",\"name/cos:GetObject\"],\"resource\":[\"{OBJECT}/users/alice/*\"]}}]}}\n"
        )
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn build_groups_repeated_conditions_into_one_key() {
    let run = build(&[
        "--allow-prefix",
        "a/*",
        "--allow-action",
        "GetObject",
        "--condition",
        "ip_equal:qcs:ip=10.0.0.0/8",
        "--condition",
        "ip_equal:qcs:ip=192.168.1.1",
        "--condition",
        "string_equal:cos:x-cos-acl=private",
    ])
    .expect(0);
    let policy = run.json();
    let condition = &policy["statement"][0]["condition"];
    assert_eq!(
        condition["ip_equal"]["qcs:ip"],
        json!(["10.0.0.0/8", "192.168.1.1"])
    );
    assert_eq!(
        condition["string_equal"]["cos:x-cos-acl"],
        json!(["private"])
    );
}

#[test]
fn build_preset_with_options_pretty_is_canonical_when_reformatted() {
    let run = build(&[
        "--preset",
        "upload-only",
        "--prefix",
        "users/alice/",
        "--content-type",
        "image/*",
        "--max-content-length",
        "10485760",
        "--source-ip",
        "10.0.0.0/8",
        "--https-only",
        "--pretty",
    ])
    .expect(0);
    assert!(run.stdout.lines().count() > 10, "{}", run.stdout);
    let text = &run.stdout;
    for needle in [
        "string_not_like_if_exist",
        "numeric_greater_than_if_exist",
        "ip_not_equal",
        "cos:secure-transport",
        "users/alice/*",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
    // The pretty output is already in (pretty) canonical form.
    cos_sts(&["policy", "fmt", "--pretty", "--check", "-"], Some(text)).expect(0);
    // And it evaluates: a PNG upload under the prefix over HTTPS from the network is allowed.
    let policy = temp_file("preset.json", text);
    let request = temp_file(
        "preset-request.json",
        &json!({
            "action": "name/cos:PutObject",
            "resource": format!("{OBJECT}/users/alice/a.png"),
            "context": {
                "cos:content-type": "image/png",
                "cos:content-length": "2048",
                "qcs:ip": "10.1.2.3",
                "cos:secure-transport": "true"
            }
        })
        .to_string(),
    );
    let decision = cos_sts(
        &[
            "policy",
            "eval",
            "--policy",
            arg(&policy),
            "--request",
            arg(&request),
        ],
        None,
    )
    .expect(0)
    .json();
    assert_eq!(decision["decision"], "allow");
}

#[test]
fn build_every_preset() {
    for (preset, target) in [
        ("download-only", ["--prefix", "d/"]),
        ("read-write", ["--prefix", "rw/"]),
        ("exact-key", ["--key", "uploads/x.png"]),
    ] {
        let run = build(&["--preset", preset, target[0], target[1]]).expect(0);
        let policy = run.json();
        let resource = policy["statement"][0]["resource"][0]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(resource.starts_with(OBJECT), "{resource}");
    }
}

#[test]
fn build_shows_lints_on_stderr() {
    let run = build(&["--allow-prefix", "*", "--allow-action", "name/cos:*"]).expect(0);
    assert!(run.stderr.contains("wildcard_action"), "{}", run.stderr);
    assert!(run.stdout.starts_with("{\"version\":\"2.0\""));
}

#[test]
fn build_bad_input_exits_2_with_a_clear_message() {
    // (case, command line split at spaces, what stderr must name)
    let mut cases = vec![
        (
            "missing --bucket",
            "policy build --region ap-guangzhou --allow-prefix a/* --allow-action GetObject"
                .to_owned(),
            "--bucket",
        ),
        (
            "missing --allow-action",
            format!("policy build --bucket {BUCKET} --region ap-guangzhou --allow-prefix a/*"),
            "--allow-action",
        ),
        (
            "condition without OP:KEY=VALUE",
            format!(
                "policy build --bucket {BUCKET} --region ap-guangzhou --allow-prefix a/* \
                 --allow-action GetObject --condition ip_equal"
            ),
            "OP:KEY=VALUE",
        ),
        (
            "action in the wrong case",
            format!(
                "policy build --bucket {BUCKET} --region ap-guangzhou --allow-prefix a/* \
                 --allow-action getobject"
            ),
            "did you mean `name/cos:GetObject`",
        ),
        (
            "bucket without appid",
            "policy build --bucket nobucketappid --region ap-guangzhou --allow-prefix a/* \
             --allow-action GetObject"
                .to_owned(),
            "nobucketappid",
        ),
        (
            "preset without --prefix",
            format!("policy build --bucket {BUCKET} --region ap-guangzhou --preset upload-only"),
            "--prefix",
        ),
        (
            "preset with --allow-action",
            format!(
                "policy build --bucket {BUCKET} --region ap-guangzhou --preset upload-only \
                 --prefix u/ --allow-action GetObject"
            ),
            "--allow-action",
        ),
        (
            "preset with a `..` prefix",
            format!(
                "policy build --bucket {BUCKET} --region ap-guangzhou --preset upload-only \
                 --prefix ../etc/"
            ),
            "..",
        ),
    ];
    cases.push((
        "bucket and region swapped",
        format!(
            "policy build --bucket ap-guangzhou --region {BUCKET} --allow-prefix a/* \
             --allow-action GetObject"
        ),
        "did you swap bucket and region?",
    ));
    cases.push((
        "preset prefix inside a path segment",
        format!(
            "policy build --bucket {BUCKET} --region ap-guangzhou --preset read-write \
             --prefix users/alice"
        ),
        "users/alice2/",
    ));
    cases.push((
        "allow-prefix with a partial-segment wildcard",
        format!(
            "policy build --bucket {BUCKET} --region ap-guangzhou --allow-prefix users/alice* \
             --allow-action GetObject"
        ),
        "users/alice2/",
    ));
    assert_eq!(cases.len(), 11, "one case per bad input");
    for (case, line, needle) in &cases {
        let args: Vec<&str> = line.split_whitespace().collect();
        let run = cos_sts(&args, None);
        assert_eq!(run.code, 2, "{case}: {args:?}: {run:?}");
        assert!(
            run.stderr.contains(needle),
            "{case}: {args:?}: stderr lacks {needle:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{case}: {args:?}: {}", run.stdout);
    }
    for option in [
        &["--content-type", "image/*"][..],
        &["--https-only"],
        &["--prefix", "a/"],
    ] {
        let mut args = vec!["--allow-prefix", "a/*", "--allow-action", "GetObject"];
        args.extend_from_slice(option);
        let run = build(&args).expect(2);
        assert!(
            run.stderr
                .contains(&format!("{} is an option of --preset", option[0])),
            "{}",
            run.stderr
        );
    }
}

const CLEAN: &str = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/a/*"]}]}"#;

#[test]
fn lint_clean_policy_exits_0() {
    let file = temp_file("clean.json", CLEAN);
    let run = cos_sts(&["policy", "lint", arg(&file)], None).expect(0);
    assert_eq!(run.stdout, "ok: no errors, no lints\n");
}

#[test]
fn lint_errors_exit_1_with_json_paths() {
    let bad = r#"{"version":"1.0","statement":[{"effect":"allow","action":[],"resource":"*"}]}"#;
    let run = cos_sts(&["policy", "lint", "-"], Some(bad)).expect(1);
    assert!(
        run.stdout.contains("error unsupported_version at /version"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("/statement/0/action"), "{}", run.stdout);
    assert!(run.stderr.contains("errors"), "{}", run.stderr);

    let run = cos_sts(&["policy", "lint", "--json", "-"], Some(bad)).expect(1);
    let report = run.json();
    assert_eq!(report["valid"], false);
    assert!(report["errors"].as_u64().unwrap() >= 2);
    assert_eq!(report["findings"][0]["path"], "/version");
    assert_eq!(report["findings"][0]["severity"], "error");
    assert_eq!(report["findings"][0]["code"], "unsupported_version");
}

#[test]
fn lint_malformed_json_is_an_error_finding() {
    let run = cos_sts(&["policy", "lint", "-"], Some("{\"version\":")).expect(1);
    assert!(run.stdout.contains("invalid_json"), "{}", run.stdout);
}

#[test]
fn lint_shows_the_partial_segment_wildcard_and_its_neighbour() {
    let alice = format!(
        r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:PutObject"],
        "resource":["qcs::cos:ap-guangzhou:uid/1250000000:{BUCKET}/users/alice*"]}}]}}"#
    );
    let run = cos_sts(&["policy", "lint", "-"], Some(&alice)).expect(0);
    assert!(
        run.stdout
            .contains("lint partial_segment_wildcard at /statement/0/resource/0"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("`users/alice2/`"), "{}", run.stdout);
    let run = cos_sts(&["policy", "lint", "--json", "-"], Some(&alice)).expect(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["findings"][0]["code"], "partial_segment_wildcard");
    assert_eq!(json["findings"][0]["path"], "/statement/0/resource/0");
    assert_eq!(json["findings"][0]["severity"], "lint");
    cos_sts(&["policy", "lint", "--deny-lints", "-"], Some(&alice)).expect(1);
    // Asked for explicitly, the builder makes it and still warns.
    let run = build(&[
        "--allow-prefix",
        "users/alice*",
        "--allow-action",
        "GetObject",
        "--allow-partial-segment",
    ])
    .expect(0);
    assert!(
        run.stderr.contains("partial_segment_wildcard"),
        "{}",
        run.stderr
    );
    // Both spellings of a prefix are the same grant.
    let slash = build(&[
        "--allow-prefix",
        "users/alice/",
        "--allow-action",
        "GetObject",
    ])
    .expect(0);
    let star = build(&[
        "--allow-prefix",
        "users/alice/*",
        "--allow-action",
        "GetObject",
    ])
    .expect(0);
    assert_eq!(slash.stdout, star.stdout);
}

#[test]
fn lints_exit_0_unless_denied() {
    let wide = r#"{"version":"2.0","statement":[{"effect":"allow","action":"name/cos:*","resource":"*"}]}"#;
    let run = cos_sts(&["policy", "lint", "-"], Some(wide)).expect(0);
    assert!(
        run.stdout
            .contains("lint wildcard_action at /statement/0/action/0"),
        "{}",
        run.stdout
    );
    let run = cos_sts(&["policy", "lint", "--deny-lints", "-"], Some(wide)).expect(1);
    assert!(run.stderr.contains("--deny-lints"), "{}", run.stderr);
}

#[test]
fn lint_missing_file_exits_2() {
    let run = cos_sts(&["policy", "lint", "/nonexistent/policy.json"], None).expect(2);
    assert!(
        run.stderr
            .contains("cannot read the policy `/nonexistent/policy.json`"),
        "{}",
        run.stderr
    );
    cos_sts(&["policy", "lint"], None).expect(2);
}

fn eval(policy: &str, request: &serde_json::Value) -> cli_support::Run {
    let policy_file = temp_file(&format!("eval-{}.json", policy.len()), policy);
    cos_sts(
        &[
            "policy",
            "eval",
            "--policy",
            arg(&policy_file),
            "--request",
            "-",
        ],
        Some(&request.to_string()),
    )
}

#[test]
fn eval_prints_each_decision_kind() {
    let policy = format!(
        r#"{{"version":"2.0","statement":[
            {{"effect":"allow","action":"cos:GetObject","resource":"{OBJECT}/a/*"}},
            {{"effect":"deny","action":"cos:GetObject","resource":"{OBJECT}/a/secret/*"}}]}}"#
    );
    let request =
        |key: &str| json!({"action": "name/cos:GetObject", "resource": format!("{OBJECT}/{key}")});
    let run = eval(&policy, &request("a/x.txt")).expect(0);
    assert_eq!(
        run.stdout,
        "{\"decision\":\"allow\",\"statements\":[0],\"unevaluable\":[]}\n"
    );
    let run = eval(&policy, &request("a/secret/x.txt")).expect(0);
    assert_eq!(run.json()["decision"], "explicit_deny");
    assert_eq!(run.json()["statements"], json!([1]));
    let run = eval(&policy, &request("b/x.txt")).expect(0);
    assert_eq!(run.json()["decision"], "implicit_deny");
    assert_eq!(run.json()["statements"], json!([]));
}

#[test]
fn eval_bad_input_exits_2() {
    let file = temp_file("eval-clean.json", CLEAN);
    // Malformed request JSON.
    let run = cos_sts(
        &["policy", "eval", "--policy", arg(&file), "--request", "-"],
        Some("{\"action\":"),
    )
    .expect(2);
    assert!(run.stderr.contains("malformed request"), "{}", run.stderr);
    // Unknown request field.
    let run = cos_sts(
        &["policy", "eval", "--policy", arg(&file), "--request", "-"],
        Some(r#"{"action":"cos:GetObject","resource":"*","contxt":{}}"#),
    )
    .expect(2);
    assert!(run.stderr.contains("contxt"), "{}", run.stderr);
    // A policy with errors.
    let invalid = temp_file("eval-invalid.json", r#"{"version":"1.0","statement":[]}"#);
    let run = cos_sts(
        &[
            "policy",
            "eval",
            "--policy",
            arg(&invalid),
            "--request",
            "-",
        ],
        Some(r#"{"action":"cos:GetObject","resource":"*"}"#),
    )
    .expect(2);
    assert!(
        run.stderr.contains("the policy has errors"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("at /version"), "{}", run.stderr);
    // Missing --request, and both inputs on stdin.
    cos_sts(&["policy", "eval", "--policy", arg(&file)], None).expect(2);
    let run = cos_sts(
        &["policy", "eval", "--policy", "-", "--request", "-"],
        Some(CLEAN),
    )
    .expect(2);
    assert!(run.stderr.contains("standard input"), "{}", run.stderr);
}

#[test]
fn fmt_canonicalises_and_checks() {
    let messy = r#"{ "Statement": { "Resource": "*", "Action": "cos:GetObject", "Effect": "Allow" }, "Version": "2.0" }"#;
    let run = cos_sts(&["policy", "fmt", "-"], Some(messy)).expect(0);
    let canonical = r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["*"]}]}"#;
    assert_eq!(run.stdout, format!("{canonical}\n"));

    let run = cos_sts(&["policy", "fmt", "--check", "-"], Some(messy)).expect(1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("not in canonical form"),
        "{}",
        run.stderr
    );
    cos_sts(&["policy", "fmt", "--check", "-"], Some(canonical)).expect(0);
    cos_sts(
        &["policy", "fmt", "--check", "-"],
        Some(&format!("{canonical}\n")),
    )
    .expect(0);

    let pretty = cos_sts(&["policy", "fmt", "--pretty", "-"], Some(messy))
        .expect(0)
        .stdout;
    assert!(pretty.contains("\n  \"statement\": ["), "{pretty}");
    cos_sts(
        &["policy", "fmt", "--pretty", "--check", "-"],
        Some(&pretty),
    )
    .expect(0);
    cos_sts(&["policy", "fmt", "--check", "-"], Some(&pretty)).expect(1);
    // Formatting is idempotent.
    cos_sts(&["policy", "fmt", "-"], Some(&pretty)).expect(0);
}

#[test]
fn fmt_policy_that_does_not_parse_exits_2_with_paths() {
    let run = cos_sts(
        &["policy", "fmt", "-"],
        Some(r#"{"version":"2.0","statement":[{"effect":"maybe","action":"cos:GetObject","resource":"*"}]}"#),
    )
    .expect(2);
    assert!(run.stderr.contains("/statement/0/effect"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn every_policy_command_has_help_with_an_example() {
    for command in ["build", "lint", "eval", "fmt"] {
        let run = cos_sts(&["policy", command, "--help"], None).expect(0);
        assert!(
            run.stdout.contains("Examples:"),
            "{command}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("cos-sts policy {command}")),
            "{command}"
        );
        assert!(run.stdout.contains("Exit status"), "{command}");
    }
    cos_sts(&["policy"], None).expect(2);
}
