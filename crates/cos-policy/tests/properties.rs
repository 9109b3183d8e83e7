//! Property tests: wire round trip, wildcard matcher vs a regex oracle, presets allow exactly
//! their intended requests, and the parser never panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cos_policy::preset::{DOWNLOAD_ACTIONS, Preset, UPLOAD_ACTIONS};
use cos_policy::{
    Action, Bucket, Condition, ConditionValue, DecisionKind, IpNet, Operator, OperatorKind, Policy,
    Request, Resource, SetQualifier, Statement, Timestamp, ValueType, catalogue, evaluate,
    validate, validate_json, wildcard_match,
};
use proptest::prelude::*;

const REGION: &str = "ap-guangzhou";
const BUCKET: &str = "examplebucket-1250000000";

// ---------------------------------------------------------------- generators

fn key_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9/._*\\-: 文件]{0,16}").unwrap()
}

fn action() -> impl Strategy<Value = Action> {
    let names: Vec<&'static str> = catalogue::all().iter().map(|a| a.name).collect();
    prop_oneof![
        Just(Action::Any),
        proptest::sample::select(names).prop_map(Action::cos),
        proptest::string::string_regex("[A-Za-z*]{1,10}")
            .unwrap()
            .prop_map(Action::cos),
        Just("name/ci:CreateMediaJobs".parse().unwrap()),
        Just("name/*:*".parse().unwrap()),
    ]
}

fn resource() -> impl Strategy<Value = Resource> {
    prop_oneof![
        Just(Resource::Any),
        (
            prop_oneof![Just(REGION), Just(""), Just("ap-*")],
            key_text()
        )
            .prop_map(|(region, key)| {
                format!("qcs::cos:{region}:uid/1250000000:{BUCKET}/{key}")
                    .parse()
                    .unwrap()
            }),
        Just(
            format!("qcs::cos:{REGION}:uid/1250000000:*")
                .parse()
                .unwrap()
        ),
        Just(
            format!("qcs::cos:{REGION}:uid/1250000000:{BUCKET}")
                .parse()
                .unwrap()
        ),
        key_text().prop_map(
            |key| format!("qcs::ci:{REGION}:uid/1250000000:bucket/{BUCKET}/{key}")
                .parse()
                .unwrap()
        ),
    ]
}

fn value_of(ty: ValueType) -> BoxedStrategy<ConditionValue> {
    match ty {
        ValueType::String => any::<String>().prop_map(ConditionValue::String).boxed(),
        ValueType::Binary => proptest::string::string_regex("[A-Za-z0-9+/=]{0,12}")
            .unwrap()
            .prop_map(ConditionValue::String)
            .boxed(),
        ValueType::Numeric => prop_oneof![
            any::<u32>().prop_map(f64::from),
            any::<f64>().prop_filter("finite", |n| n.is_finite()),
        ]
        .prop_map(ConditionValue::Number)
        .boxed(),
        ValueType::Date => (-62_000_000_000i64..250_000_000_000)
            .prop_map(|s| ConditionValue::Date(Timestamp::from_unix_seconds(s)))
            .boxed(),
        ValueType::Ip => prop_oneof![
            (any::<[u8; 4]>(), 0u8..=32).prop_map(|(a, l)| IpNet::new(
                std::net::IpAddr::from(a),
                l
            )
            .unwrap()),
            (any::<[u8; 16]>(), 0u8..=128).prop_map(|(a, l)| IpNet::new(
                std::net::IpAddr::from(a),
                l
            )
            .unwrap()),
        ]
        .prop_map(ConditionValue::Ip)
        .boxed(),
        _ => any::<bool>().prop_map(ConditionValue::Bool).boxed(),
    }
}

fn condition() -> impl Strategy<Value = Condition> {
    let kinds = OperatorKind::ALL.to_vec();
    (
        proptest::sample::select(kinds),
        proptest::option::of(prop_oneof![
            Just(SetQualifier::ForAnyValue),
            Just(SetQualifier::ForAllValue)
        ]),
        any::<bool>(),
        proptest::string::string_regex("[a-z]{1,4}:[a-z_\\-]{1,12}").unwrap(),
    )
        .prop_flat_map(|(kind, qualifier, if_exist, key)| {
            let mut operator = Operator::new(kind);
            operator.qualifier = qualifier;
            operator.if_exist = if_exist && kind != OperatorKind::NullEqual;
            proptest::collection::vec(value_of(kind.value_type()), 1..4)
                .prop_map(move |values| Condition::new(operator, &key, values).unwrap())
        })
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        any::<bool>(),
        proptest::collection::vec(action(), 0..4),
        proptest::collection::vec(resource(), 0..4),
        proptest::collection::vec(condition(), 0..4),
        proptest::option::of(Just(serde_json::json!({"qcs": ["qcs::cam::uin/1:uin/2"]}))),
    )
        .prop_map(|(allow, actions, resources, conditions, principal)| {
            let mut s = if allow {
                Statement::allow()
            } else {
                Statement::deny()
            }
            .with_actions(actions)
            .with_resources(resources);
            for c in conditions {
                s = s.with_condition(c);
            }
            if let Some(p) = principal {
                s = s.with_principal(p);
            }
            s
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        proptest::collection::vec(statement(), 0..4),
        prop_oneof![
            Just("2.0".to_owned()),
            Just("1.0".to_owned()),
            Just(String::new())
        ],
        proptest::option::of(Just(serde_json::json!({"qcs": "*"}))),
    )
        .prop_map(|(statements, version, principal)| {
            let mut p = statements
                .into_iter()
                .fold(Policy::new().with_version(version), Policy::with_statement);
            if let Some(principal) = principal {
                p = p.with_principal(principal);
            }
            p
        })
}

fn regex_oracle(pattern: &str) -> regex::Regex {
    let parts: Vec<String> = pattern.split('*').map(regex::escape).collect();
    regex::Regex::new(&format!("(?s)^{}$", parts.join(".*"))).unwrap()
}

// ---------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_of_emit_is_identity(p in policy()) {
        let text = p.to_json();
        let parsed = Policy::from_json(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed, &p);
        prop_assert_eq!(parsed.to_json(), text);
    }

    #[test]
    fn wildcard_agrees_with_regex(pattern in "[ab/*é]{0,8}", text in "[ab/é]{0,12}") {
        prop_assert_eq!(wildcard_match(&pattern, &text), regex_oracle(&pattern).is_match(&text));
    }

    #[test]
    fn wildcard_matches_its_instantiations(pattern in "[ab/*]{0,8}", fills in proptest::collection::vec("[ab/*]{0,4}", 8)) {
        let mut fills = fills.into_iter();
        let text: String = pattern
            .chars()
            .map(|c| if c == '*' { fills.next().unwrap_or_default() } else { c.to_string() })
            .collect();
        prop_assert!(wildcard_match(&pattern, &text), "{} vs {}", pattern, text);
    }

    #[test]
    fn presets_allow_exactly_their_requests(
        user in "[a-z]{1,8}",
        name in proptest::collection::vec("[a-z0-9][a-z0-9_.-]{0,6}", 1..4).prop_map(|segments| segments.join("/")),
        kind in 0usize..4,
        content_type in proptest::option::of(prop_oneof![Just("image/png"), Just("image/*")]),
        max_len in proptest::option::of(1u64..1_000_000),
        ip in any::<bool>(),
        https in any::<bool>(),
        star in any::<bool>(),
    ) {
        let bucket = Bucket::new(BUCKET.parse().unwrap(), REGION.parse().unwrap());
        let prefix = format!("users/{user}/");
        let exact = format!("{prefix}{name}");
        // `users/alice/` and `users/alice/*` are the same prefix.
        let written = if star { format!("{prefix}*") } else { prefix.clone() };
        let mut preset = match kind {
            0 => Preset::upload_only(&bucket, &written),
            1 => Preset::download_only(&bucket, &written),
            2 => Preset::read_write(&bucket, &written),
            _ => Preset::exact_key(&bucket, &exact),
        };
        // Without the trailing `/` the prefix would reach `users/<user>2/`: refused.
        let partial = match kind {
            0 => Preset::upload_only(&bucket, &format!("users/{user}")),
            1 => Preset::download_only(&bucket, &format!("users/{user}*")),
            _ => Preset::read_write(&bucket, &format!("users/{user}")),
        };
        let refused = matches!(partial.build(), Err(cos_policy::BuildError::PartialSegment { .. }));
        prop_assert!(refused);
        // Header conditions make sense only for presets that upload.
        let uploads = kind != 1;
        if let Some(ct) = content_type {
            if uploads {
                preset = preset.content_type(ct);
            } else {
                let err = preset.clone().content_type(ct).build().unwrap_err();
                let not_applicable = matches!(err, cos_policy::BuildError::NotApplicable { .. });
                prop_assert!(not_applicable, "{:?}", err);
            }
        }
        if let Some(n) = max_len.filter(|_| uploads) { preset = preset.max_content_length(n); }
        if ip { preset = preset.source_ip("10.0.0.0/8"); }
        if https { preset = preset.https_only(); }
        let policy = preset.build().unwrap();
        let report = validate(&policy);
        prop_assert!(report.is_clean(), "{}\n{}", report, policy.to_json());

        let intended: Vec<&str> = match kind {
            1 => DOWNLOAD_ACTIONS.to_vec(),
            2 => UPLOAD_ACTIONS.iter().chain(DOWNLOAD_ACTIONS).copied().collect(),
            _ => UPLOAD_ACTIONS.to_vec(),
        };
        let object = |key: &str| format!("qcs::cos:{REGION}:uid/1250000000:{BUCKET}/{key}");
        // A realistic request: only the headers the action sends.
        let request = |action: &str, key: &str| {
            let info = catalogue::lookup(action).unwrap();
            let mut r = Request::new(format!("name/cos:{action}"), object(key))
                .with_context("qcs:ip", "10.1.2.3")
                .with_context("cos:secure-transport", "true");
            if info.carries("cos:content-type") { r = r.with_context("cos:content-type", "image/png"); }
            if info.carries("cos:content-length") { r = r.with_context("cos:content-length", "1"); }
            r
        };
        for action in catalogue::all().iter().map(|a| a.name) {
            let allowed = evaluate(&policy, &request(action, &exact)).kind() == DecisionKind::Allow;
            prop_assert_eq!(allowed, intended.contains(&action), "{} on {}", action, exact);
            // The neighbouring prefix users/<user>2/ is never covered.
            let neighbour = format!("users/{user}2/{name}");
            prop_assert_ne!(evaluate(&policy, &request(action, &neighbour)).kind(), DecisionKind::Allow);
        }
        if kind == 3 {
            let sibling = format!("{exact}x");
            prop_assert_ne!(evaluate(&policy, &request("PutObject", &sibling)).kind(), DecisionKind::Allow);
        }
        if content_type.is_some() && kind != 1 {
            let r = request("PutObject", &exact).with_context("cos:content-type", "text/html");
            prop_assert_eq!(evaluate(&policy, &r).kind(), DecisionKind::ExplicitDeny);
        }
        if let Some(n) = max_len.filter(|_| kind != 1) {
            let r = request("PutObject", &exact).with_context("cos:content-length", (n + 1).to_string());
            prop_assert_eq!(evaluate(&policy, &r).kind(), DecisionKind::ExplicitDeny);
        }
        if ip {
            let r = request(intended[0], &exact).with_context("qcs:ip", "11.1.2.3");
            prop_assert_eq!(evaluate(&policy, &r).kind(), DecisionKind::ExplicitDeny);
        }
        if https {
            let r = request(intended[0], &exact).with_context("cos:secure-transport", "false");
            prop_assert_eq!(evaluate(&policy, &r).kind(), DecisionKind::ExplicitDeny);
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Policy::from_json(&text);
        let _ = validate_json(&text);
        let _ = text.parse::<Resource>();
        let _ = text.parse::<Action>();
        let _ = text.parse::<Operator>();
        let _ = text.parse::<Timestamp>();
        let _ = text.parse::<IpNet>();
        let _ = serde_json::from_str::<Request>(&text);
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Policy::from_json(&text);
        let _ = validate_json(&text);
    }

    #[test]
    fn parsing_policy_shaped_json_never_panics(value in json_value(), request in request_value()) {
        let text = value.to_string();
        let _ = validate_json(&text);
        if let Ok(policy) = Policy::from_json(&text) {
            let _ = validate(&policy);
            prop_assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy.clone());
            if let Ok(request) = serde_json::from_value::<Request>(request) {
                let _ = evaluate(&policy, &request);
            }
        }
    }
}

/// JSON values built from the policy vocabulary, so that parsing gets deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let words = prop_oneof![
        Just("version"),
        Just("Version"),
        Just("statement"),
        Just("Statement"),
        Just("effect"),
        Just("action"),
        Just("Action"),
        Just("resource"),
        Just("condition"),
        Just("principal"),
        Just("allow"),
        Just("deny"),
        Just("2.0"),
        Just("*"),
        Just("cos:PutObject"),
        Just("name/cos:Get*"),
        Just("qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/a/*"),
        Just("qcs::cos::uid/1250000000:prefix//1250000000/examplebucket/"),
        Just("string_equal"),
        Just("for_all_value:numeric_less_than_if_exist"),
        Just("null_equal"),
        Just("ip_equal"),
        Just("date_less_than"),
        Just("qcs:ip"),
        Just("cos:content-length"),
        Just("10.0.0.0/8"),
        Just("2026-01-01T00:00:00Z"),
        Just("true"),
        Just("12"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        words.clone().prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((words.clone(), inner), 0..5).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

fn request_value() -> impl Strategy<Value = serde_json::Value> {
    (
        prop_oneof![Just("name/cos:PutObject"), Just("cos:GetObject"), Just("x")],
        prop_oneof![
            Just("qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/a/b"),
            Just("*"),
            Just("junk"),
        ],
        proptest::collection::btree_map(
            prop_oneof![Just("qcs:ip"), Just("cos:content-length"), Just("qcs:current_time"), Just("k")],
            prop_oneof![Just("10.1.2.3"), Just("12"), Just("2026-01-01T00:00:00Z"), Just("x")],
            0..4,
        ),
    )
        .prop_map(|(action, resource, context)| serde_json::json!({"action": action, "resource": resource, "context": context}))
}

#[test]
fn documented_scenario_policy_round_trips_and_validates() {
    let text = r#"{"version":"2.0","statement":[
     {"effect":"allow","action":["name/cos:PutObject","name/cos:PostObject","name/cos:InitiateMultipartUpload",
       "name/cos:ListMultipartUploads","name/cos:ListParts","name/cos:UploadPart","name/cos:CompleteMultipartUpload",
       "name/cos:AbortMultipartUpload"],
      "resource":["qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/doc/*"]},
     {"effect":"allow","action":["name/cos:GetObject"],
      "resource":["qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/doc2/*"]}]}"#;
    let policy = Policy::from_json(text).unwrap();
    assert!(validate(&policy).is_clean());
    assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy);
}
