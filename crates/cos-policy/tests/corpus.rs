//! Data-driven evaluation corpus: every case in `tests/corpus/*.json` is parsed, evaluated and
//! round-tripped, and all failures are reported together.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cos_policy::{Policy, Request, evaluate};
use serde::Deserialize;
use serde_json::Value;

/// The smallest corpus the project accepts.
const MIN_CASES: usize = 150;

/// Every condition operator of cos-api.md 1.5; each must appear in at least one case.
const OPERATORS: &[&str] = &[
    "string_equal",
    "string_not_equal",
    "string_equal_ignore_case",
    "string_not_equal_ignore_case",
    "string_like",
    "string_not_like",
    "binary_equal",
    "date_equal",
    "date_not_equal",
    "date_greater_than",
    "date_greater_than_equal",
    "date_less_than",
    "date_less_than_equal",
    "ip_equal",
    "ip_not_equal",
    "numeric_equal",
    "numeric_not_equal",
    "numeric_greater_than",
    "numeric_greater_than_equal",
    "numeric_less_than",
    "numeric_less_than_equal",
    "bool_equal",
    "null_equal",
];

/// One `tests/corpus/<topic>.json` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorpusFile {
    cases: Vec<Case>,
}

/// One case: a wire-form policy, a request and the expected decision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    description: String,
    policy: Value,
    request: Value,
    expected: String,
    #[serde(default)]
    expected_statements: Option<Vec<u64>>,
}

/// A case together with the file it came from.
struct Loaded {
    file: String,
    case: Case,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("corpus")
}

fn load_corpus() -> Vec<Loaded> {
    let dir = corpus_dir();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no corpus files in {}", dir.display());
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let file: CorpusFile = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not a corpus file: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!file.cases.is_empty(), "{name} has no cases");
        out.extend(file.cases.into_iter().map(|case| Loaded {
            file: name.clone(),
            case,
        }));
    }
    out
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Reads one entry of the decision's `statements` array as a statement index.
fn statement_index(entry: &Value) -> Option<u64> {
    match entry {
        Value::Number(n) => n.as_u64(),
        Value::Object(map) => ["index", "statement", "statement_index"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_u64)),
        _ => None,
    }
}

/// Evaluates one case; `Err` holds a one-line description of the mismatch.
fn check_case(case: &Case) -> Result<(), String> {
    let policy_text = serde_json::to_string(&case.policy).unwrap();
    let policy =
        Policy::from_json(&policy_text).map_err(|e| format!("policy does not parse: {e}"))?;
    let request: Request = serde_json::from_value(case.request.clone())
        .map_err(|e| format!("request does not deserialise: {e}"))?;
    let decision = evaluate(&policy, &request);
    let kind = serde_json::to_value(decision.kind()).unwrap();
    let got = kind.as_str().unwrap_or("<not a string>").to_owned();
    let json = serde_json::to_value(&decision).unwrap();
    if json["decision"] != kind {
        return Err(format!(
            "decision JSON {} disagrees with kind() {kind}",
            json["decision"]
        ));
    }
    // Every corpus value is well formed, so nothing may be left unevaluated.
    if json["unevaluable"].as_array().is_none_or(|u| !u.is_empty()) {
        return Err(format!("unexpected unevaluable conditions: {json}"));
    }
    if got != case.expected {
        return Err(format!(
            "expected {}, got {got} (decision: {json})",
            case.expected
        ));
    }
    if let Some(want) = &case.expected_statements {
        let entries = json["statements"]
            .as_array()
            .ok_or_else(|| format!("decision has no statements array: {json}"))?;
        let got_idx: Option<BTreeSet<u64>> = entries.iter().map(statement_index).collect();
        let want_idx: BTreeSet<u64> = want.iter().copied().collect();
        if got_idx.as_ref() != Some(&want_idx) {
            return Err(format!(
                "expected deciding statements {want_idx:?}, got {}",
                json["statements"]
            ));
        }
    }
    Ok(())
}

#[test]
fn corpus_is_large_well_formed_and_uniquely_named() {
    let corpus = load_corpus();
    assert!(
        corpus.len() >= MIN_CASES,
        "corpus has {} cases, at least {MIN_CASES} required",
        corpus.len()
    );
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut problems = Vec::new();
    for Loaded { file, case } in &corpus {
        if let Some(first) = seen.insert(&case.name, file) {
            problems.push(format!("{}: duplicate name (also in {first})", case.name));
        }
        if !is_kebab(&case.name) {
            problems.push(format!("{}: name is not kebab-case", case.name));
        }
        if case.description.trim().is_empty() {
            problems.push(format!("{}: empty description", case.name));
        }
        if !["allow", "explicit_deny", "implicit_deny"].contains(&case.expected.as_str()) {
            problems.push(format!(
                "{}: unknown expected {:?}",
                case.name, case.expected
            ));
        }
        if case.expected == "explicit_deny"
            && case.expected_statements.as_ref().is_some_and(Vec::is_empty)
        {
            problems.push(format!(
                "{}: an explicit deny must name its deny statement",
                case.name
            ));
        }
        if !case.policy.is_object() || !case.request.is_object() {
            problems.push(format!("{}: policy and request must be objects", case.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn corpus_covers_every_operator_and_every_outcome() {
    let corpus = load_corpus();
    let text: String = corpus
        .iter()
        .map(|l| serde_json::to_string(&l.case.policy).unwrap())
        .collect();
    let missing: Vec<&str> = OPERATORS
        .iter()
        .copied()
        .filter(|op| !text.contains(&format!("\"{op}\"")))
        .collect();
    assert!(missing.is_empty(), "operators without a case: {missing:?}");
    for qualifier in ["for_any_value:", "for_all_value:", "_if_exist\""] {
        assert!(text.contains(qualifier), "no case uses {qualifier}");
    }
    for outcome in ["allow", "explicit_deny", "implicit_deny"] {
        assert!(
            corpus.iter().any(|l| l.case.expected == outcome),
            "no case expects {outcome}"
        );
    }
}

#[test]
fn corpus_cases_evaluate_as_expected() {
    let corpus = load_corpus();
    let failures: Vec<String> = corpus
        .iter()
        .filter_map(|Loaded { file, case }| {
            check_case(case)
                .err()
                .map(|why| format!("{file} / {}: {why}", case.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus cases failed:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_policies_round_trip_through_to_json() {
    let corpus = load_corpus();
    let failures: Vec<String> = corpus
        .iter()
        .filter_map(|Loaded { file, case }| {
            let text = serde_json::to_string(&case.policy).unwrap();
            // Parse failures are reported by `corpus_cases_evaluate_as_expected`.
            let policy = Policy::from_json(&text).ok()?;
            let emitted = policy.to_json();
            match Policy::from_json(&emitted) {
                Ok(again) if again == policy => None,
                Ok(again) => Some(format!(
                    "{file} / {}: round trip changed the policy\n  emitted: {emitted}\n  before: {policy:?}\n  after:  {again:?}",
                    case.name
                )),
                Err(e) => Some(format!(
                    "{file} / {}: emitted JSON does not parse: {e}\n  emitted: {emitted}",
                    case.name
                )),
            }
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} policies failed to round-trip:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}
