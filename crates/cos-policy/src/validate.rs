//! Validation (what STS would reject) and least-privilege lints.

use crate::catalogue::{self, ActionInfo};
use crate::condition::{ConditionValue, OperatorKind, ValueType};
use crate::finding::{Code, Finding, Report, pointer};
use crate::prefix::partial_segment;
use crate::wildcard::has_wildcard;
use crate::{Action, Effect, Policy, Resource, Statement};

/// CAM's limit on the policy text, in characters.
///
/// ```
/// assert_eq!(cos_policy::MAX_POLICY_CHARS, 4096);
/// ```
pub const MAX_POLICY_CHARS: usize = 4096;

/// Whether every request carries condition key `key` (so it may be combined with wildcard
/// actions). Undocumented keys count as request-specific.
fn is_universal(key: &str) -> bool {
    catalogue::condition_key(key).is_some_and(|k| k.universal)
}

/// Checks a policy for everything STS would reject (errors) and for least-privilege problems
/// (lints), returning every finding, never stopping at the first.
///
/// Errors: wrong `version`, `principal` (policy- or statement-level), no statement, empty
/// `action` / `resource`, unknown COS action names (with a "did you mean"), and a canonical
/// text over 4096 characters. Problems the typed model cannot hold (malformed resources,
/// APPID mismatches, unknown operators, mistyped condition values, unknown elements) are
/// reported with paths by [`Policy::from_json`] and [`validate_json`].
///
/// Lints: wildcard actions, `*` / all-bucket / whole-bucket resources on allow statements with
/// write or delete actions, request-specific condition keys combined with `*` actions,
/// header-derived conditions on statements that also cover multipart actions whose requests
/// never carry the header, `..` segments or control characters in keys, wildcard action
/// patterns that match no COS action, operators COS does not document as evaluated.
///
/// ```
/// use cos_policy::{validate, Policy};
///
/// let policy = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
///     "action":["name/cos:putobject", "name/cos:DeleteObject"],
///     "resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/*"]}]}"#)?;
/// let report = validate(&policy);
/// let error = report.errors().next().unwrap();
/// assert_eq!(error.code(), "unknown_action");
/// assert_eq!(error.path(), "/statement/0/action/0");
/// assert!(error.message().contains("did you mean `name/cos:PutObject`"));
/// assert!(report.lints().any(|l| l.code() == "broad_write_resource"));
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[must_use]
pub fn validate(policy: &Policy) -> Report {
    validate_sized(policy, canonical_size(policy))
}

/// [`validate`] and [`Policy::to_json`] in one: the report and the canonical text, serialising
/// the policy once (the size check measures the same text). For callers that send the policy
/// after validating it.
///
/// ```
/// use cos_policy::{validate, validate_with_json, Policy};
///
/// let policy = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
///     "action":["name/cos:GetObject"],
///     "resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/docs/*"]}]}"#)?;
/// let (report, json) = validate_with_json(&policy);
/// assert_eq!(report, validate(&policy));
/// assert_eq!(json, policy.to_json());
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[must_use]
pub fn validate_with_json(policy: &Policy) -> (Report, String) {
    let json = policy.to_json();
    let report = validate_sized(policy, json.chars().count());
    (report, json)
}

/// [`validate`] given the character count of the canonical text.
fn validate_sized(policy: &Policy, size: usize) -> Report {
    let mut report = Report::default();
    if policy.version() != Policy::VERSION {
        report.push(Finding::new(
            Code::UnsupportedVersion,
            "/version",
            format!("version must be \"2.0\", not {:?}", policy.version()),
        ));
    }
    if policy.principal().is_some() {
        report.push(Finding::new(
            Code::PrincipalNotAllowed,
            "/principal",
            "a temporary-key policy cannot contain `principal`",
        ));
    }
    if policy.statements().is_empty() {
        report.push(Finding::new(
            Code::EmptyStatement,
            "/statement",
            "the policy has no statement",
        ));
    }
    for (index, statement) in policy.statements().iter().enumerate() {
        check_statement(&mut report, index, statement);
    }
    if size > MAX_POLICY_CHARS {
        report.push(Finding::new(
            Code::PolicyTooLarge,
            "",
            format!(
                "the canonical policy is {size} characters; CAM allows at most {MAX_POLICY_CHARS}"
            ),
        ));
    }
    let mut findings = report.into_findings();
    crate::finding::sort_by_document_order(&mut findings);
    Report::new(findings)
}

/// Parses `text` and validates it: every parse finding (unknown elements, malformed resources,
/// APPID mismatches, unknown operators, mistyped values, …) plus every [`validate`] finding
/// for the parts that could be understood.
///
/// ```
/// let report = cos_policy::validate_json(r#"{"version":"2.0","principal":{"qcs":["*"]},"statement":[{
///     "effect":"allow","action":"cos:GetObject",
///     "resource":"qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000001/*",
///     "condition":{"string_equals":{"cos:x-cos-acl":"private"}}}]}"#);
/// let codes: Vec<_> = report.errors().map(|f| (f.code().as_str(), f.path())).collect();
/// assert_eq!(codes, [
///     ("principal_not_allowed", "/principal"),
///     ("appid_mismatch", "/statement/0/resource/0"),
///     ("unknown_operator", "/statement/0/condition/string_equals"),
/// ]);
/// ```
#[must_use]
pub fn validate_json(text: &str) -> Report {
    let parsed = crate::wire::parse(text);
    let mut findings = parsed.findings;
    if let Some(policy) = parsed.policy {
        let parse_paths: Vec<String> = findings.iter().map(|f| format!("{}/", f.path())).collect();
        for finding in validate(&policy).into_findings() {
            // An element emptied because its entries were rejected is already reported.
            let prefix = format!("{}/", finding.path());
            // The size is measured on the submitted text below.
            let redundant = (matches!(
                finding.code(),
                Code::EmptyAction | Code::EmptyResource | Code::EmptyStatement
            ) && parse_paths.iter().any(|p| p.starts_with(&prefix)))
                || finding.code() == Code::PolicyTooLarge;
            if !redundant {
                findings.push(finding);
            }
        }
    }
    let size = submitted_size(text);
    if size > MAX_POLICY_CHARS {
        findings.push(Finding::new(
            Code::PolicyTooLarge,
            "",
            format!(
                "the policy is {size} characters (whitespace outside strings not counted); CAM allows at most {MAX_POLICY_CHARS}"
            ),
        ));
    }
    crate::finding::sort_by_document_order(&mut findings);
    Report::new(findings)
}

/// The character count of [`Policy::to_json`], measured without building the text.
fn canonical_size(policy: &Policy) -> usize {
    let mut counter = CharCounter(0);
    match serde_json::to_writer(&mut counter, policy) {
        Ok(()) => counter.0,
        // Unreachable (see `wire::emit`); fall back to the text itself.
        Err(_) => policy.to_json().chars().count(),
    }
}

/// Counts the characters of the UTF-8 text written to it (bytes that start a character).
struct CharCounter(usize);

impl std::io::Write for CharCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.iter().filter(|&&b| b & 0xC0 != 0x80).count();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The character count CAM limits: the text without JSON whitespace outside strings.
fn submitted_size(text: &str) -> usize {
    let mut in_string = false;
    let mut escaped = false;
    let mut count = 0;
    for c in text.chars() {
        if in_string {
            count += 1;
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            count += 1;
            in_string = c == '"';
        }
    }
    count
}

/// The catalogued COS actions a statement's actions cover, in catalogue order.
fn covered_actions(actions: &[Action]) -> Vec<&'static ActionInfo> {
    let catalogue = catalogue::all();
    let literal = actions.iter().all(|a| !a.is_wildcard());
    if !literal {
        return catalogue
            .iter()
            .filter(|info| actions.iter().any(|a| a.matches("cos", info.name)))
            .collect();
    }
    // Without wildcards an action covers exactly the catalogue entry of the same name.
    let mut indices: Vec<usize> = actions
        .iter()
        .filter_map(|action| match action {
            Action::Api { service, name } if service == "cos" => catalogue::position(name),
            _ => None,
        })
        .collect();
    indices.sort_unstable();
    indices.dedup();
    indices
        .into_iter()
        .filter_map(|index| catalogue.get(index))
        .collect()
}

fn check_statement(report: &mut Report, index: usize, statement: &Statement) {
    // Paths are built only when a finding is reported.
    let path = || format!("/statement/{index}");
    if statement.principal().is_some() {
        report.push(Finding::new(
            Code::PrincipalNotAllowed,
            pointer(&path(), "principal"),
            "a temporary-key policy cannot contain `principal`",
        ));
    }
    let action_path = || pointer(&path(), "action");
    if statement.actions().is_empty() {
        report.push(Finding::new(
            Code::EmptyAction,
            action_path(),
            "the statement lists no action",
        ));
    }
    let resource_path = || pointer(&path(), "resource");
    if statement.resources().is_empty() {
        report.push(Finding::new(
            Code::EmptyResource,
            resource_path(),
            "the statement lists no resource",
        ));
    }
    for (action_index, action) in statement.actions().iter().enumerate() {
        check_action(
            report,
            || format!("{}/{action_index}", action_path()),
            action,
        );
    }
    let covered = covered_actions(statement.actions());
    let writes = covered.iter().any(|info| info.writes);
    for (resource_index, resource) in statement.resources().iter().enumerate() {
        let here = || format!("{}/{resource_index}", resource_path());
        if statement.effect() == Effect::Allow && writes {
            let broad = match resource {
                Resource::Any => true,
                Resource::Cos(cos) => cos.is_whole_bucket_or_more(),
                Resource::Ci(_) | Resource::Cam(_) => false,
            };
            if broad {
                report.push(Finding::new(
                    Code::BroadWriteResource,
                    here(),
                    format!("`{resource}` lets write or delete actions touch every object; grant a prefix specific to one user"),
                ));
            }
        }
        if statement.effect() == Effect::Allow
            && let Some(found) = resource.cos_key().and_then(partial_segment)
        {
            report.push(Finding::new(
                Code::PartialSegmentWildcard,
                here(),
                found.to_string(),
            ));
        }
        if let Some(key) = resource.cos_key() {
            let dot_dot = key.split('/').any(|segment| segment == "..");
            let control = key.chars().any(char::is_control);
            if dot_dot || control {
                report.push(Finding::new(
                    Code::SuspiciousPath,
                    here(),
                    format!(
                        "the key pattern {key:?} contains {}; COS does not normalise keys, so this never means a parent directory",
                        if dot_dot { "a `..` segment" } else { "a control character" }
                    ),
                ));
            }
        }
    }
    check_conditions(report, &path, statement, &covered);
}

fn check_action(report: &mut Report, path: impl Fn() -> String, action: &Action) {
    if action.is_all_cos() {
        report.push(Finding::new(
            Code::WildcardAction,
            path(),
            format!("`{action}` grants every COS action, including re-authorising and deleting; list the actions needed"),
        ));
        return;
    }
    let Action::Api { service, name } = action else {
        return;
    };
    if service != "cos" {
        if service.eq_ignore_ascii_case("cos") {
            report.push(Finding::new(
                Code::MiscasedService,
                path(),
                format!(
                    "`{action}`: the service is written `cos` (did you mean `name/cos:{name}`?)"
                ),
            ));
        }
        return;
    }
    if has_wildcard(name) {
        if catalogue::matching(name).next().is_none() {
            report.push(Finding::new(
                Code::ActionMatchesNothing,
                path(),
                format!("`{action}` matches no COS action (names are case-sensitive)"),
            ));
        }
    } else if catalogue::lookup(name).is_none() {
        let hint = catalogue::suggest(name)
            .map(|s| format!("; did you mean `name/cos:{s}`?"))
            .unwrap_or_default();
        report.push(Finding::new(
            Code::UnknownAction,
            path(),
            format!("`{action}` is not a COS action (names are case-sensitive){hint}"),
        ));
    }
}

fn check_conditions(
    report: &mut Report,
    path: &dyn Fn() -> String,
    statement: &Statement,
    covered: &[&'static ActionInfo],
) {
    if statement.conditions().is_empty() {
        return;
    }
    let condition_path = || pointer(&path(), "condition");
    let wildcard = statement.actions().iter().any(Action::is_all_cos);
    let mut flagged_wildcard = false;
    for condition in statement.conditions() {
        let operator = condition.operator();
        let here = || {
            pointer(
                &pointer(&condition_path(), &operator.to_string()),
                condition.key(),
            )
        };
        let key_info = catalogue::condition_key(condition.key());
        if key_info.is_none()
            && (condition.key().starts_with("cos:") || condition.key().starts_with("qcs:"))
        {
            report.push(Finding::new(
                Code::UnknownConditionKey,
                here(),
                format!(
                    "`{}` is not a documented COS condition key; requests never carry it",
                    condition.key()
                ),
            ));
        }
        if let Some(info) = key_info {
            let ty = operator.kind.value_type();
            if !matches!(ty, ValueType::Null | ValueType::Binary) && ty != info.value_type {
                report.push(Finding::new(
                    Code::OperatorTypeMismatch,
                    here(),
                    format!(
                        "`{}` compares {ty} values but `{}` is {}",
                        operator.kind.as_str(),
                        info.name,
                        info.value_type
                    ),
                ));
            }
            if !info.universal
                && !wildcard
                && !covered.is_empty()
                && !covered.iter().any(|a| a.carries(info.name))
            {
                report.push(Finding::new(
                    Code::ConditionKeyNotApplicable,
                    here(),
                    format!(
                        "none of the statement's actions carries `{}` ({})",
                        info.name, info.source
                    ),
                ));
            }
            if info.query
                && condition
                    .values()
                    .iter()
                    .any(|v| matches!(v, ConditionValue::String(s) if s.contains('/')))
            {
                report.push(Finding::new(
                    Code::UnencodedQueryValue,
                    here(),
                    format!("`{}` comes from a query parameter and is compared URL-encoded: write `/` as `%2F`", info.name),
                ));
            }
        }
        if wildcard && !flagged_wildcard && !is_universal(condition.key()) {
            flagged_wildcard = true;
            report.push(Finding::new(
                Code::ConditionWithWildcardAction,
                here(),
                format!(
                    "`{}` applies only to some requests; with a wildcard action, every other request lacks it and fails the condition",
                    condition.key()
                ),
            ));
        }
        if catalogue::HEADER_KEYS.contains(&condition.key())
            && operator.kind != OperatorKind::NullEqual
        {
            let missing: Vec<&str> = covered
                .iter()
                .filter(|info| info.multipart && !info.carries(condition.key()))
                .map(|info| info.name)
                .collect();
            if !missing.is_empty() {
                report.push(Finding::new(
                    Code::HeaderConditionBreaksMultipart,
                    here(),
                    format!(
                        "`{}` is never sent by {}; this condition makes multipart uploads fail. Put it on a statement with only the actions that send the header",
                        condition.key(),
                        missing.join(", ")
                    ),
                ));
            }
        }
        if !operator.kind.evaluated_by_cos() {
            report.push(Finding::new(
                Code::OperatorNotEvaluatedByCos,
                here(),
                format!(
                    "COS does not document `{}` as an operator it evaluates",
                    operator.kind.as_str()
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&'static str, String)> {
        validate_json(text)
            .findings()
            .iter()
            .map(|f| (f.code().as_str(), f.path().to_owned()))
            .collect()
    }

    const BUCKET: &str = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";

    #[test]
    fn clean_policy_is_clean() {
        let text = format!(
            r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:GetObject"],"resource":["{BUCKET}/users/alice/*"],"condition":{{"ip_equal":{{"qcs:ip":"10.0.0.0/8"}}}}}}]}}"#
        );
        assert_eq!(found(&text), []);
    }

    #[test]
    fn structural_errors() {
        assert_eq!(
            found(
                r#"{"version":"1.0","principal":{"qcs":["*"]},"statement":[{"effect":"allow","principal":"*","action":[],"resource":[]}]}"#
            ),
            [
                ("unsupported_version", "/version".to_owned()),
                ("principal_not_allowed", "/principal".to_owned()),
                ("principal_not_allowed", "/statement/0/principal".to_owned()),
                ("empty_action", "/statement/0/action".to_owned()),
                ("empty_resource", "/statement/0/resource".to_owned()),
            ]
        );
        assert_eq!(
            found(r#"{"version":"2.0"}"#),
            [("empty_statement", "/statement".to_owned())]
        );
    }

    #[test]
    fn emptied_elements_are_not_double_reported() {
        assert_eq!(
            found(
                r#"{"version":"2.0","statement":[{"effect":"allow","action":"GetObject","resource":"junk"}]}"#
            ),
            [
                ("malformed_action", "/statement/0/action/0".to_owned()),
                ("malformed_resource", "/statement/0/resource/0".to_owned()),
            ]
        );
    }

    #[test]
    fn least_privilege_lints() {
        let text = format!(
            r#"{{"version":"2.0","statement":[
              {{"effect":"allow","action":"*","resource":"*","condition":{{"string_equal":{{"cos:x-cos-acl":"private"}}}}}},
              {{"effect":"allow","action":["name/cos:PutObject","name/cos:UploadPart","name/cos:ListParts"],"resource":["{BUCKET}/a/../b/*","{BUCKET}/*"],
               "condition":{{"string_equal":{{"cos:content-type":"image/png"}},"numeric_less_than":{{"cos:content-length":10}}}}}},
              {{"effect":"deny","action":["name/cos:*"],"resource":["*"]}},
              {{"effect":"allow","action":["name/cos:Frob*"],"resource":["{BUCKET}/x\u0001"],"condition":{{"date_less_than":{{"qcs:current_time":"2026-01-01"}}}}}}
            ]}}"#
        );
        let got = found(&text);
        let expected = [
            ("wildcard_action", "/statement/0/action/0"),
            ("broad_write_resource", "/statement/0/resource/0"),
            (
                "condition_with_wildcard_action",
                "/statement/0/condition/string_equal/cos:x-cos-acl",
            ),
            (
                "header_condition_breaks_multipart",
                "/statement/0/condition/string_equal/cos:x-cos-acl",
            ),
            ("suspicious_path", "/statement/1/resource/0"),
            ("broad_write_resource", "/statement/1/resource/1"),
            (
                "header_condition_breaks_multipart",
                "/statement/1/condition/numeric_less_than/cos:content-length",
            ),
            (
                "header_condition_breaks_multipart",
                "/statement/1/condition/string_equal/cos:content-type",
            ),
            ("wildcard_action", "/statement/2/action/0"),
            ("action_matches_nothing", "/statement/3/action/0"),
            ("suspicious_path", "/statement/3/resource/0"),
            (
                "operator_not_evaluated_by_cos",
                "/statement/3/condition/date_less_than/qcs:current_time",
            ),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(c, p)| (*c, (*p).to_owned()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn partial_segment_wildcard_names_the_neighbour() {
        let policy = Policy::from_json(
            r#"{"version":"2.0","statement":[
            {"effect":"allow","action":["name/cos:GetObject"],"resource":[
              "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/users/bob/*",
              "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/users/alice*"]},
            {"effect":"deny","action":["name/cos:GetObject"],"resource":[
              "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/users/carol*"]}]}"#,
        )
        .unwrap();
        let report = validate(&policy);
        let lints: Vec<_> = report
            .lints()
            .filter(|f| f.code() == Code::PartialSegmentWildcard)
            .collect();
        assert_eq!(lints.len(), 1, "{report}");
        assert_eq!(lints[0].path(), "/statement/0/resource/1");
        assert_eq!(lints[0].code().as_str(), "partial_segment_wildcard");
        assert!(lints[0].message().contains("`users/alice2/`"), "{report}");
        assert!(report.is_valid());
    }

    #[test]
    fn condition_key_lints() {
        let text = format!(
            r#"{{"version":"2.0","statement":[
              {{"effect":"allow","action":["name/cos:PutObject"],"resource":["{BUCKET}/u/*"],
               "condition":{{"string_equal":{{"cos:content_type":"image/png","qcs:ip":"10.0.0.1","cos:prefix":"a"}}}}}},
              {{"effect":"allow","action":["name/cos:GetBucket"],"resource":["{BUCKET}/u/*"],
               "condition":{{"string_equal":{{"cos:prefix":"u/a"}},"string_like":{{"custom:key":"x"}}}}}},
              {{"effect":"allow","action":["COS:GetObject"],"resource":["{BUCKET}/u/*"]}}
            ]}}"#
        );
        let expected = [
            (
                "unknown_condition_key",
                "/statement/0/condition/string_equal/cos:content_type",
            ),
            (
                "condition_key_not_applicable",
                "/statement/0/condition/string_equal/cos:prefix",
            ),
            (
                "operator_type_mismatch",
                "/statement/0/condition/string_equal/qcs:ip",
            ),
            (
                "unencoded_query_value",
                "/statement/1/condition/string_equal/cos:prefix",
            ),
            ("miscased_service", "/statement/2/action/0"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(c, p)| (*c, (*p).to_owned()))
            .collect();
        assert_eq!(found(&text), expected);
    }

    #[test]
    fn ip_conditions_are_fine_with_wildcards() {
        let text = r#"{"version":"2.0","statement":[{"effect":"deny","action":"*","resource":"*","condition":{"ip_not_equal":{"qcs:ip":"10.0.0.0/8"}}}]}"#;
        assert_eq!(
            found(text),
            [("wildcard_action", "/statement/0/action/0".to_owned())]
        );
    }

    #[test]
    fn multipart_lint_spares_carrying_actions() {
        let text = format!(
            r#"{{"version":"2.0","statement":[{{"effect":"allow","action":["name/cos:PutObject","name/cos:PostObject","name/cos:InitiateMultipartUpload"],"resource":["{BUCKET}/u/*"],"condition":{{"string_equal":{{"cos:content-type":"image/png"}}}}}}]}}"#
        );
        assert_eq!(found(&text), []);
    }

    #[test]
    fn submitted_size_ignores_whitespace_outside_strings() {
        assert_eq!(submitted_size("{ \"a b\" :\n [ 1 , \"\\\" x\" ] }"), 18);
        assert_eq!(submitted_size(""), 0);
    }

    #[test]
    fn size_limit() {
        let resources: Vec<String> = (0..60)
            .map(|i| format!(r#""{BUCKET}/users/user-{i:04}/*""#))
            .collect();
        let text = format!(
            r#"{{"version":"2.0","statement":[{{"effect":"allow","action":"cos:GetObject","resource":[{}]}}]}}"#,
            resources.join(",")
        );
        let report = validate_json(&text);
        let finding = report.errors().next().unwrap();
        assert_eq!(finding.code(), Code::PolicyTooLarge);
        assert!(
            finding.message().contains("characters"),
            "{}",
            finding.message()
        );
    }
}
