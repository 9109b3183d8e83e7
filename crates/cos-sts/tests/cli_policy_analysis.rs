//! `cos-sts policy compare|explain|check|generate`, run as a user would: exit status 0 when
//! the property holds, 1 with a witness when it does not, 2 on bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{arg, cos_sts, temp_file};

const OBJECT: &str = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";

fn policy(statements: &str) -> std::path::PathBuf {
    temp_file(
        "policy.json",
        &format!(r#"{{"version":"2.0","statement":[{statements}]}}"#),
    )
}

fn get_on(prefix: &str) -> std::path::PathBuf {
    policy(&format!(
        r#"{{"effect":"allow","action":["name/cos:GetObject","name/cos:HeadObject"],"resource":["{OBJECT}/{prefix}*"]}}"#
    ))
}

#[test]
fn compare_equal_policies_exits_0() {
    let a = get_on("doc/");
    let b = policy(&format!(
        r#"{{"effect":"allow","action":"name/cos:HeadObject","resource":"{OBJECT}/doc/*"}},
           {{"effect":"allow","action":"name/cos:GetObject","resource":"{OBJECT}/doc/*"}}"#
    ));
    let run = cos_sts(&["policy", "compare", arg(&a), arg(&b)], None).expect(0);
    assert!(run.stdout.contains("exactly the same"), "{}", run.stdout);
}

#[test]
fn compare_different_policies_exits_1_with_a_witness() {
    let narrow = get_on("doc/");
    let wide = get_on("doc");
    let run = cos_sts(&["policy", "compare", arg(&narrow), arg(&wide)], None).expect(1);
    assert!(
        run.stdout.contains("only the second allows"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("/doc"), "{}", run.stdout);
    // The narrow policy is within the wide one.
    cos_sts(
        &[
            "policy",
            "compare",
            "--expect",
            "a-within-b",
            arg(&narrow),
            arg(&wide),
        ],
        None,
    )
    .expect(0);
    cos_sts(
        &[
            "policy",
            "compare",
            "--expect",
            "b-within-a",
            arg(&narrow),
            arg(&wide),
        ],
        None,
    )
    .expect(1);
    let run = cos_sts(
        &[
            "policy",
            "compare",
            "--json",
            "--expect",
            "any",
            arg(&narrow),
            arg(&wide),
        ],
        None,
    )
    .expect(0);
    let json = run.json();
    assert_eq!(json["verdict"], "a_subset_b");
    let request: cos_policy::Request =
        serde_json::from_value(json["only_b"]["request"].clone()).unwrap();
    let wide_policy =
        cos_policy::Policy::from_json(&std::fs::read_to_string(&wide).unwrap()).unwrap();
    assert!(cos_policy::evaluate(&wide_policy, &request).is_allowed());
}

#[test]
fn compare_bad_input_exits_2() {
    let good = get_on("doc/");
    let run = cos_sts(
        &["policy", "compare", arg(&good), "/nonexistent/p.json"],
        None,
    )
    .expect(2);
    assert!(run.stderr.contains("policy B"), "{}", run.stderr);
    let bad = temp_file(
        "bad.json",
        r#"{"version":"2.0","statement":[{"effect":"maybe"}]}"#,
    );
    cos_sts(&["policy", "compare", arg(&bad), arg(&good)], None).expect(2);
    cos_sts(&["policy", "compare", "-", "-"], Some("{}")).expect(2);
}

#[test]
fn explain_prints_regions_and_emits_an_equivalent_policy() {
    let p = policy(&format!(
        r#"{{"effect":"allow","action":"name/cos:GetObject","resource":"{OBJECT}/doc/*"}},
           {{"effect":"allow","action":"name/cos:GetObject","resource":"{OBJECT}/doc/a.txt"}},
           {{"effect":"deny","action":"name/cos:DeleteObject","resource":"*"}}"#
    ));
    let run = cos_sts(&["policy", "explain", arg(&p)], None).expect(0);
    assert_eq!(
        run.stdout,
        "- allow GetObject on examplebucket-1250000000/doc/* (ap-guangzhou)\n"
    );
    let run = cos_sts(&["policy", "explain", "--emit", arg(&p)], None).expect(0);
    let emitted = temp_file("emitted.json", &run.stdout);
    cos_sts(&["policy", "compare", arg(&p), arg(&emitted)], None).expect(0);
    cos_sts(&["policy", "explain", "-"], Some("nope")).expect(2);
}

#[test]
fn check_never_and_within() {
    let upload = cos_sts(
        &[
            "policy",
            "build",
            "--bucket",
            "examplebucket-1250000000",
            "--region",
            "ap-guangzhou",
            "--preset",
            "upload-only",
            "--prefix",
            "users/alice/",
        ],
        None,
    )
    .expect(0);
    let upload = temp_file("upload.json", &upload.stdout);
    let run = cos_sts(
        &[
            "policy",
            "check",
            arg(&upload),
            "--never",
            "name/cos:Delete*",
        ],
        None,
    )
    .expect(0);
    assert!(run.stdout.starts_with("holds:"), "{}", run.stdout);
    let other = format!("{OBJECT}/users/alice2/*");
    cos_sts(
        &[
            "policy",
            "check",
            arg(&upload),
            "--never",
            "*",
            "--on",
            &other,
        ],
        None,
    )
    .expect(0);
    let run = cos_sts(
        &[
            "policy",
            "check",
            arg(&upload),
            "--never",
            "name/cos:PutObject",
        ],
        None,
    )
    .expect(1);
    assert!(
        run.stdout.contains("witness: name/cos:PutObject on"),
        "{}",
        run.stdout
    );
    // Within: the upload policy grants nothing a read-write policy on the prefix does not.
    let read_write = policy(&format!(
        r#"{{"effect":"allow","action":"name/cos:*","resource":"{OBJECT}/users/alice/*"}}"#
    ));
    cos_sts(
        &[
            "policy",
            "check",
            arg(&upload),
            "--within",
            arg(&read_write),
        ],
        None,
    )
    .expect(0);
    cos_sts(
        &[
            "policy",
            "check",
            arg(&read_write),
            "--within",
            arg(&upload),
        ],
        None,
    )
    .expect(1);
    // Bad input.
    cos_sts(&["policy", "check", arg(&upload)], None).expect(2);
    cos_sts(
        &["policy", "check", arg(&upload), "--never", "Delete"],
        None,
    )
    .expect(2);
    cos_sts(&["policy", "check", arg(&upload), "--on", "*"], None).expect(2);
}

#[test]
fn generate_from_a_log() {
    let line = |key: &str, allowed: bool| {
        format!(
            r#"{{"caller":"AKIDA","action":"name/cos:GetObject","resource":"{OBJECT}/users/alice/{key}","context":{{"qcs:ip":"127.0.0.1"}},"allowed":{allowed}}}"#
        )
    };
    let log = temp_file(
        "access.jsonl",
        &[
            line("a.txt", true),
            line("b.txt", true),
            line("c.txt", false),
        ]
        .join("\n"),
    );
    let run = cos_sts(&["policy", "generate", "--from-log", arg(&log)], None).expect(0);
    let generated = cos_policy::Policy::from_json(run.stdout.trim()).unwrap();
    assert_eq!(generated.statements().len(), 1);
    assert_eq!(generated.statements()[0].resources().len(), 2);
    assert!(run.stderr.contains("1 denied"), "{}", run.stderr);
    let run = cos_sts(
        &[
            "policy",
            "generate",
            "--from-log",
            arg(&log),
            "--collapse",
            "users/alice",
            "--drop-condition",
            "qcs:ip",
        ],
        None,
    )
    .expect(0);
    assert_eq!(
        run.stdout.trim(),
        format!(
            r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:GetObject"],"resource":["{OBJECT}/users/alice/*"]}}]}}"#
        )
    );
    // A key holding `*` is granted as a pattern, and the user is told.
    let starred = temp_file("starred.jsonl", &line("a*b.txt", true));
    let run = cos_sts(&["policy", "generate", "--from-log", arg(&starred)], None).expect(0);
    assert!(run.stderr.contains("cannot name exactly"), "{}", run.stderr);
    // Another caller's log holds nothing allowed; a malformed line is bad input.
    cos_sts(
        &[
            "policy",
            "generate",
            "--from-log",
            arg(&log),
            "--caller",
            "AKIDB",
        ],
        None,
    )
    .expect(2);
    let run = cos_sts(&["policy", "generate", "--from-log", "-"], Some("{}\n")).expect(2);
    assert!(run.stderr.contains("line 1"), "{}", run.stderr);
}
