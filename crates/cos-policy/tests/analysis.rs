//! Property tests of the exact analysis: every verdict agrees with `evaluate` on sampled
//! requests, every witness separates, `summarize` round-trips, `generate` allows exactly its
//! log; and each preset against a hand-written expectation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cos_policy::analysis::{
    AccessRecord, ActionScope, Generalisation, Options, Verdict, check_access_not_granted,
    check_no_new_access, compare, compare_with, generate, summarize,
};
use cos_policy::preset::Preset;
use cos_policy::{Policy, Request, assert_access_not_granted, evaluate};
use proptest::prelude::*;

const B: &str = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";

// ---------------------------------------------------------------- generators

const ACTIONS: &[&str] = &[
    "*",
    "name/cos:GetObject",
    "name/cos:Get*",
    "name/cos:PutObject",
    "name/cos:*Object",
    "name/cos:DeleteObject",
    "name/ci:*",
    "name/cos:GetBucket",
];

fn example_bucket() -> cos_policy::Bucket {
    cos_policy::Bucket::new(
        "examplebucket-1250000000".parse().unwrap(),
        "ap-guangzhou".parse().unwrap(),
    )
}

fn resources() -> Vec<String> {
    vec![
        "*".into(),
        format!("{B}/users/alice/*"),
        format!("{B}/users/*"),
        format!("{B}/users/alice/a.txt"),
        format!("{B}/users/alice*"),
        format!("{B}/"),
        "qcs::cos:ap-guangzhou:uid/1250000000:other-1250000000/*".into(),
        "qcs::cos::uid/1250000000:*".into(),
        "qcs::cos:ap-*:uid/1250000000:examplebucket-1250000000/*".into(),
        "qcs::ci:ap-guangzhou:uid/1250000000:bucket/examplebucket-1250000000/*".into(),
        "qcs::ci::uid/1250000000:*".into(),
    ]
}

const CONDITIONS: &[&str] = &[
    r#""string_like":{"cos:content-type":"image/*"}"#,
    r#""string_equal":{"cos:content-type":["image/png","text/plain"]}"#,
    r#""string_not_equal_if_exist":{"cos:content-type":"image/png"}"#,
    r#""string_equal_ignore_case":{"cos:content-type":"IMAGE/PNG"}"#,
    r#""numeric_less_than_equal":{"cos:content-length":1024}"#,
    r#""numeric_greater_than_if_exist":{"cos:content-length":2048}"#,
    r#""numeric_not_equal":{"cos:content-length":[0,1024]}"#,
    r#""ip_equal":{"qcs:ip":"10.0.0.0/8"}"#,
    r#""ip_not_equal":{"qcs:ip":["10.1.0.0/16","192.168.0.1"]}"#,
    r#""bool_equal":{"cos:secure-transport":"true"}"#,
    r#""null_equal":{"cos:x-cos-acl":"true"}"#,
    r#""for_any_value:string_equal":{"qcs:request_tag":["a&1","b&2"]}"#,
    r#""for_all_value:string_equal":{"qcs:request_tag":["a&1","b&2"]}"#,
    r#""date_less_than":{"qcs:current_time":"2026-01-01T00:00:00Z"}"#,
];

fn statement() -> impl Strategy<Value = String> {
    (
        prop_oneof![3 => Just("allow"), 1 => Just("deny")],
        proptest::sample::subsequence(ACTIONS.to_vec(), 1..3),
        proptest::sample::subsequence(resources(), 1..3),
        proptest::sample::subsequence(CONDITIONS.to_vec(), 0..3),
    )
        .prop_map(|(effect, actions, resources, conditions)| {
            let condition = if conditions.is_empty() {
                String::new()
            } else {
                format!(r#","condition":{{{}}}"#, conditions.join(","))
            };
            format!(
                r#"{{"effect":"{effect}","action":{},"resource":{}{condition}}}"#,
                serde_json::to_string(&actions).unwrap(),
                serde_json::to_string(&resources).unwrap()
            )
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    proptest::collection::vec(statement(), 0..4).prop_map(|statements| {
        Policy::from_json(&format!(
            r#"{{"version":"2.0","statement":[{}]}}"#,
            statements.join(",")
        ))
        .unwrap()
    })
}

const REQUEST_ACTIONS: &[&str] = &[
    "name/cos:GetObject",
    "name/cos:PutObject",
    "name/cos:DeleteObject",
    "name/cos:HeadObject",
    "cos:GetBucket",
    "name/ci:CreateMediaJobs",
    "name/cos:Nope",
    "garbage",
];

fn request_resources() -> Vec<String> {
    vec![
        format!("{B}/users/alice/a.txt"),
        format!("{B}/users/alice/b/c"),
        format!("{B}/users/alice2/x"),
        format!("{B}/users/bob/x"),
        format!("{B}/"),
        format!("{B}/other"),
        "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/users/alice/a.txt".into(),
        "qcs::cos:ap-guangzhou:uid/1250000000:other-1250000000/k".into(),
        "qcs::cos:ap-guangzhou:uid/1250000001:other-1250000001/k".into(),
        "qcs::ci:ap-guangzhou:uid/1250000000:bucket/examplebucket-1250000000/x.jpg".into(),
        "qcs::ci:ap-guangzhou:uid/1250000000:job/1".into(),
        "*".into(),
        "garbage".into(),
    ]
}

fn context_entry() -> impl Strategy<Value = (&'static str, Vec<&'static str>)> {
    prop_oneof![
        proptest::sample::subsequence(
            vec!["image/png", "image/gif", "text/plain", "IMAGE/PNG"],
            1..3
        )
        .prop_map(|v| ("cos:content-type", v)),
        proptest::sample::subsequence(vec!["0", "1024", "1025", "2049", "abc"], 1..3)
            .prop_map(|v| ("cos:content-length", v)),
        proptest::sample::subsequence(
            vec![
                "10.0.0.1",
                "10.1.2.3",
                "192.168.0.1",
                "::ffff:10.0.0.1",
                "bad",
                "2001:db8::1"
            ],
            1..3
        )
        .prop_map(|v| ("qcs:ip", v)),
        proptest::sample::select(vec!["true", "false", "x"])
            .prop_map(|v| ("cos:secure-transport", vec![v])),
        Just(("cos:x-cos-acl", vec!["private"])),
        proptest::sample::subsequence(vec!["a&1", "b&2", "c&3"], 1..3)
            .prop_map(|v| ("qcs:request_tag", v)),
        proptest::sample::select(vec!["2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z", "x"])
            .prop_map(|v| ("qcs:current_time", vec![v])),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (
        proptest::sample::select(REQUEST_ACTIONS.to_vec()),
        proptest::sample::select(request_resources()),
        proptest::collection::vec(context_entry(), 0..4),
    )
        .prop_map(|(action, resource, context)| {
            context
                .into_iter()
                .fold(Request::new(action, resource), |r, (k, v)| {
                    if v.len() == 1 {
                        r.with_context(k, v[0])
                    } else {
                        r.with_context(k, v.as_slice())
                    }
                })
        })
}

fn allowed(policy: &Policy, request: &Request) -> bool {
    evaluate(policy, request).is_allowed()
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every sampled request that separates the policies is allowed for by the verdict, and
    /// every witness separates them in the direction it claims.
    #[test]
    fn verdicts_agree_with_evaluate(
        a in policy(),
        b in policy(),
        requests in proptest::collection::vec(request(), 100),
    ) {
        let result = compare(&a, &b);
        prop_assert!(result.is_exact(), "{result}");
        if let Some(w) = result.only_a() {
            prop_assert!(allowed(&a, w.request()) && !allowed(&b, w.request()), "{w}");
        }
        if let Some(w) = result.only_b() {
            prop_assert!(!allowed(&a, w.request()) && allowed(&b, w.request()), "{w}");
        }
        for r in &requests {
            let (x, y) = (allowed(&a, r), allowed(&b, r));
            if x && !y {
                prop_assert!(result.only_a().is_some(), "missed {r:?}\n{}\n{}\n{result}", a.to_json(), b.to_json());
            }
            if y && !x {
                prop_assert!(result.only_b().is_some(), "missed {r:?}\n{}\n{}\n{result}", a.to_json(), b.to_json());
            }
        }
        // A policy is equal to itself, and the verdict flips with the arguments.
        prop_assert_eq!(compare(&a, &a).verdict(), Verdict::Equal);
        let flipped = match result.verdict() {
            Verdict::ASubsetB => Verdict::BSubsetA,
            Verdict::BSubsetA => Verdict::ASubsetB,
            v => v,
        };
        prop_assert_eq!(compare(&b, &a).verdict(), flipped);
    }

    /// Over the catalogue only, witnesses use catalogued actions.
    #[test]
    fn catalogue_scope_witnesses_are_catalogued(a in policy(), b in policy()) {
        let result = compare_with(&a, &b, Options::default().actions(ActionScope::CosCatalogue));
        for w in result.only_a().into_iter().chain(result.only_b()) {
            let name = w.request().action().trim_start_matches("name/cos:");
            prop_assert!(cos_policy::catalogue::lookup(name).is_some(), "{w}");
            prop_assert!(allowed(&a, w.request()) != allowed(&b, w.request()));
        }
    }

    /// The summary's policy allows exactly what the policy allows.
    #[test]
    fn summaries_round_trip(p in policy(), requests in proptest::collection::vec(request(), 50)) {
        let summary = summarize(&p);
        prop_assert_eq!(compare(&p, summary.policy()).verdict(), Verdict::Equal);
        prop_assert!(summary.regions().len() <= p.statements().len());
        for r in &requests {
            prop_assert_eq!(allowed(&p, r), allowed(summary.policy(), r));
        }
    }

    /// A generated policy allows every logged request and nothing outside the log.
    #[test]
    fn generated_policies_allow_exactly_the_log(log in proptest::collection::vec(request(), 1..12)) {
        let log: Vec<Request> = log
            .into_iter()
            .filter(|r| r.action().contains(':') && r.resource() != "*" && r.resource().parse::<cos_policy::Resource>().is_ok())
            .collect();
        prop_assume!(!log.is_empty());
        let records: Vec<AccessRecord> = log.iter().map(|r| AccessRecord::new("AKID", r, true)).collect();
        let policy = generate(&records, &[]).unwrap();
        for r in &log {
            prop_assert!(allowed(&policy, r), "{r:?}\n{}", policy.to_json());
        }
        let outside = Request::new("name/cos:GetObject", format!("{B}/never/logged"));
        prop_assert!(!allowed(&policy, &outside));
        let dropped = generate(&records, &[Generalisation::DropAllConditions]).unwrap();
        prop_assert!(check_no_new_access(&dropped, &policy).holds());
    }
}

// ---------------------------------------------------------------- presets

fn user_prefix(user: &str) -> String {
    format!("{B}/users/{user}/*")
}

#[test]
fn upload_preset_never_deletes_or_reaches_another_user() {
    let upload = Preset::upload_only(&example_bucket(), "users/alice/")
        .content_type("image/*")
        .max_content_length(10 * 1024 * 1024)
        .build()
        .unwrap();
    assert_access_not_granted!(&upload, ["name/cos:Delete*", "name/cos:*Bucket*"], ["*"]);
    assert_access_not_granted!(&upload, ["*"], [user_prefix("alice2").as_str()]);
    assert_access_not_granted!(&upload, ["*"], [format!("{B}/users/alice").as_str()]);
    assert_access_not_granted!(
        &upload,
        ["name/cos:GetObject", "name/cos:HeadObject"],
        ["*"]
    );
    // Hand-written envelope: the upload set on the user's prefix, nothing else.
    let envelope = Policy::from_json(&format!(
        r#"{{"version":"2.0","statement":[
        {{"effect":"allow","action":["name/cos:PutObject","name/cos:PostObject","name/cos:InitiateMultipartUpload",
          "name/cos:UploadPart","name/cos:CompleteMultipartUpload","name/cos:AbortMultipartUpload",
          "name/cos:ListParts","name/cos:ListMultipartUploads"],
          "resource":["{B}/users/alice/*"]}}]}}"#
    ))
    .unwrap();
    let check = check_no_new_access(&envelope, &upload);
    assert!(check.holds(), "{check}");
    // The preset is strictly tighter: the envelope lets a non-image through.
    let verdict = compare(&upload, &envelope);
    assert_eq!(verdict.verdict(), Verdict::ASubsetB, "{verdict}");
    let own = check_access_not_granted(
        &upload,
        &["name/cos:PutObject"],
        &[user_prefix("alice").as_str()],
    )
    .unwrap();
    assert!(!own.holds());
    let w = own.witness().unwrap().request();
    assert!(
        w.context_values("cos:content-type")
            .all(|v| v.starts_with("image/")),
        "{w:?}"
    );
}

#[test]
fn download_preset_only_reads_its_prefix() {
    let download = Preset::download_only(&example_bucket(), "doc/")
        .build()
        .unwrap();
    assert_access_not_granted!(
        &download,
        [
            "name/cos:Put*",
            "name/cos:Post*",
            "name/cos:Delete*",
            "name/cos:*Multipart*",
            "name/cos:UploadPart*"
        ],
        ["*"]
    );
    assert_access_not_granted!(
        &download,
        ["*"],
        [
            format!("{B}/doc2/*").as_str(),
            format!("{B}/other/*").as_str()
        ]
    );
    let expected = Policy::from_json(&format!(
        r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:GetObject","name/cos:HeadObject"],"resource":["{B}/doc/*"]}}]}}"#
    ))
    .unwrap();
    let verdict = compare(&download, &expected);
    assert_eq!(
        verdict.verdict(),
        Verdict::Equal,
        "{}\n{verdict}",
        download.to_json()
    );
}

#[test]
fn read_write_and_exact_key_presets() {
    let rw = Preset::read_write(&example_bucket(), "team/")
        .build()
        .unwrap();
    assert_access_not_granted!(
        &rw,
        ["*"],
        [format!("{B}/team2/*").as_str(), format!("{B}/").as_str()]
    );
    assert!(
        !check_access_not_granted(
            &rw,
            &["name/cos:GetObject"],
            &[format!("{B}/team/*").as_str()]
        )
        .unwrap()
        .holds()
    );
    assert!(
        !check_access_not_granted(
            &rw,
            &["name/cos:PutObject"],
            &[format!("{B}/team/*").as_str()]
        )
        .unwrap()
        .holds()
    );
    let exact = Preset::exact_key(&example_bucket(), "team/report.pdf")
        .build()
        .unwrap();
    assert_access_not_granted!(
        &exact,
        ["*"],
        [
            format!("{B}/team/report.pdf?*").as_str(),
            format!("{B}/team/report.pdf*x").as_str(),
            format!("{B}/team/other").as_str()
        ]
    );
    // The exact-key policy grants nothing the read-write one does not.
    assert!(
        check_no_new_access(&rw, &exact).holds(),
        "{}",
        check_no_new_access(&rw, &exact)
    );
}

#[test]
fn long_value_lists_stay_exact() {
    let types: Vec<String> = (0..40).map(|i| format!("application/x-type-{i}")).collect();
    let allow = |types: &[String]| {
        Policy::from_json(&format!(
            r#"{{"version":"2.0","statement":[{{"effect":"allow","action":"name/cos:PutObject","resource":"{B}/*",
            "condition":{{"string_equal":{{"cos:content-type":{}}},"ip_equal":{{"qcs:ip":["10.0.0.0/8","192.168.0.0/16","172.16.0.0/12"]}}}}}}]}}"#,
            serde_json::to_string(types).unwrap()
        ))
        .unwrap()
    };
    let all = allow(&types);
    let fewer = allow(&types[1..]);
    let result = compare(&all, &fewer);
    assert!(result.is_exact(), "{result}");
    assert_eq!(result.verdict(), Verdict::BSubsetA);
    let w = result.only_a().unwrap().request();
    assert_eq!(
        w.context_values("cos:content-type").collect::<Vec<_>>(),
        ["application/x-type-0"]
    );
}
