//! Benchmarks: evaluating a 10-statement policy with conditions (target: under 2 µs per
//! decision), and comparing two such policies exactly (target: under 1 ms).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use cos_policy::{Policy, Request, evaluate};
use criterion::{Criterion, criterion_main};

const BUCKET: &str = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";

/// Ten statements in the shapes real temporary-key policies use: prefixes per user, the
/// upload set, content-type / content-length / IP / HTTPS conditions, and denies.
fn policy() -> Policy {
    let mut statements = Vec::new();
    for user in ["alice", "bob", "carol", "dave"] {
        statements.push(format!(
            r#"{{"effect":"allow","action":["name/cos:GetObject","name/cos:HeadObject"],"resource":["{BUCKET}/users/{user}/*","{BUCKET}/shared/{user}/*"],"condition":{{"ip_equal":{{"qcs:ip":["10.0.0.0/8","192.168.0.0/16"]}}}}}}"#
        ));
    }
    statements.push(format!(
        r#"{{"effect":"allow","action":["name/cos:PutObject","name/cos:PostObject"],"resource":["{BUCKET}/users/alice/*"],"condition":{{"string_like":{{"cos:content-type":"image/*"}},"numeric_less_than_equal":{{"cos:content-length":10485760}},"bool_equal":{{"cos:secure-transport":"true"}}}}}}"#
    ));
    statements.push(format!(
        r#"{{"effect":"allow","action":["name/cos:InitiateMultipartUpload"],"resource":["{BUCKET}/users/alice/*"],"condition":{{"string_like":{{"cos:content-type":"image/*"}}}}}}"#
    ));
    statements.push(format!(
        r#"{{"effect":"allow","action":["name/cos:ListMultipartUploads","name/cos:ListParts","name/cos:UploadPart","name/cos:CompleteMultipartUpload","name/cos:AbortMultipartUpload"],"resource":["{BUCKET}/users/alice/*"]}}"#
    ));
    statements.push(format!(
        r#"{{"effect":"deny","action":["name/cos:PutObject","name/cos:PostObject","name/cos:InitiateMultipartUpload"],"resource":["{BUCKET}/users/alice/*"],"condition":{{"string_not_like_if_exist":{{"cos:content-type":"image/*"}}}}}}"#
    ));
    statements.push(format!(
        r#"{{"effect":"deny","action":["name/cos:PutObject","name/cos:PostObject"],"resource":["{BUCKET}/users/alice/*"],"condition":{{"numeric_greater_than_if_exist":{{"cos:content-length":10485760}}}}}}"#
    ));
    statements.push(
        r#"{"effect":"deny","action":["*"],"resource":["*"],"condition":{"bool_equal":{"cos:secure-transport":"false"},"date_greater_than":{"qcs:current_time":"2030-01-01T00:00:00Z"}}}"#
            .to_owned(),
    );
    let text = format!(
        r#"{{"version":"2.0","statement":[{}]}}"#,
        statements.join(",")
    );
    let policy = Policy::from_json(&text).unwrap();
    assert_eq!(policy.statements().len(), 10);
    policy
}

/// The policy of [`policy`] after a plausible edit: bob's shared prefix widened to every
/// user's, the upload limit raised, and the IP range of one statement narrowed.
fn edited() -> Policy {
    let text = policy()
        .to_json()
        .replace("shared/bob/*", "shared/*")
        .replace("10485760", "20971520")
        .replacen("10.0.0.0/8", "10.1.0.0/16", 1);
    Policy::from_json(&text).unwrap()
}

fn bench(c: &mut Criterion) {
    let policy = policy();
    let edited = edited();
    let result = cos_policy::analysis::compare(&policy, &edited);
    assert_eq!(
        result.verdict(),
        cos_policy::analysis::Verdict::Incomparable
    );
    assert!(result.is_exact());
    c.bench_function("analysis/compare/10-statements-with-conditions", |b| {
        b.iter(|| cos_policy::analysis::compare(black_box(&policy), black_box(&edited)));
    });

    let put = Request::new(
        "name/cos:PutObject",
        format!("{BUCKET}/users/alice/photos/2026/a.png"),
    )
    .with_context("qcs:ip", "10.1.2.3")
    .with_context("cos:content-type", "image/png")
    .with_context("cos:content-length", "1048576")
    .with_context("cos:secure-transport", "true")
    .with_context("qcs:current_time", "2026-01-01T00:00:00Z");
    assert!(evaluate(&policy, &put).is_allowed());
    let get_denied = Request::new(
        "name/cos:GetObject",
        format!("{BUCKET}/users/mallory/secret.txt"),
    )
    .with_context("qcs:ip", "10.1.2.3")
    .with_context("cos:secure-transport", "true");
    assert!(!evaluate(&policy, &get_denied).is_allowed());

    c.bench_function("evaluate/10-statements/allow-put-with-conditions", |b| {
        b.iter(|| evaluate(black_box(&policy), black_box(&put)));
    });
    c.bench_function("evaluate/10-statements/implicit-deny-get", |b| {
        b.iter(|| evaluate(black_box(&policy), black_box(&get_denied)));
    });
}

mod group {
    //! The benchmark group (kept in a private module: the macro generates an undocumented
    //! `pub fn`).
    criterion::criterion_group!(benches, super::bench);
}

criterion_main!(group::benches);
