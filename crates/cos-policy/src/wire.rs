//! The JSON wire form: a tolerant parser that reports every problem with a JSON path, and the
//! canonical compact writer.

use serde_json::{Map, Value};

use crate::condition::{ConditionValue, Operator};
use crate::finding::{Code, Finding, pointer};
use crate::{Action, Condition, Effect, Policy, Resource, Statement};

/// The result of the tolerant parse: a best-effort model (elements that could not be
/// understood are left out) and every finding, in document order.
pub(crate) struct Parsed {
    pub(crate) policy: Option<Policy>,
    pub(crate) findings: Vec<Finding>,
}

/// Matches a wire element name against the canonical lowercase `names`, accepting the
/// all-lowercase and the Capitalised spelling only.
fn element(key: &str, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|name| {
        key == *name || {
            let mut chars = name.chars();
            chars.next().is_some_and(|first| {
                let capitalised: String = first.to_ascii_uppercase().to_string() + chars.as_str();
                key == capitalised
            })
        }
    })
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Parser {
    findings: Vec<Finding>,
}

/// The recognised fields of one JSON object, by canonical name, with unknown and duplicate
/// names reported.
fn fields<'v>(
    parser: &mut Parser,
    object: &'v Map<String, Value>,
    names: &[&'static str],
    path: &str,
) -> Vec<(&'static str, &'v Value)> {
    let mut found: Vec<(&'static str, &'v Value)> = Vec::new();
    for (key, value) in object {
        match element(key, names) {
            Some(name) if found.iter().any(|(n, _)| *n == name) => {
                parser.push(
                    Code::DuplicateField,
                    pointer(path, name),
                    format!("`{name}` is given more than once (as `{key}`)"),
                );
            }
            Some(name) => found.push((name, value)),
            None => {
                let hint = names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(key))
                    .map(|n| format!("; element names must be `{n}` or Capitalised"))
                    .unwrap_or_else(|| format!("; expected one of {}", names.join(", ")));
                parser.push(
                    Code::UnknownField,
                    pointer(path, key),
                    format!("unknown element `{key}`{hint}"),
                );
            }
        }
    }
    found
}

impl Parser {
    fn push(&mut self, code: Code, path: String, message: String) {
        self.findings.push(Finding::new(code, path, message));
    }

    fn policy(&mut self, root: &Value) -> Option<Policy> {
        let Value::Object(object) = root else {
            self.push(
                Code::InvalidType,
                String::new(),
                format!("a policy must be a JSON object, not {}", type_name(root)),
            );
            return None;
        };
        let mut version = String::new();
        let mut principal = None;
        let mut statements = Vec::new();
        for (name, value) in fields(self, object, &["version", "principal", "statement"], "") {
            match name {
                "version" => match value {
                    Value::String(text) => version.clone_from(text),
                    other => self.push(
                        Code::InvalidType,
                        "/version".into(),
                        format!(
                            "`version` must be the string \"2.0\", not {}",
                            type_name(other)
                        ),
                    ),
                },
                "principal" => principal = Some(value.clone()),
                _ => match value {
                    Value::Array(items) => {
                        for (index, item) in items.iter().enumerate() {
                            if let Some(statement) =
                                self.statement(item, &format!("/statement/{index}"))
                            {
                                statements.push(statement);
                            }
                        }
                    }
                    Value::Object(_) => statements.extend(self.statement(value, "/statement/0")),
                    other => self.push(
                        Code::InvalidType,
                        "/statement".into(),
                        format!(
                            "`statement` must be an array or object, not {}",
                            type_name(other)
                        ),
                    ),
                },
            }
        }
        Some(Policy::from_parts(version, principal, statements))
    }

    fn statement(&mut self, value: &Value, path: &str) -> Option<Statement> {
        let Value::Object(object) = value else {
            self.push(
                Code::InvalidType,
                path.to_owned(),
                format!("a statement must be an object, not {}", type_name(value)),
            );
            return None;
        };
        let fields = fields(
            self,
            object,
            &["effect", "action", "resource", "condition", "principal"],
            path,
        );
        let effect = match fields.iter().find(|(n, _)| *n == "effect") {
            None => {
                self.push(
                    Code::MissingEffect,
                    pointer(path, "effect"),
                    "the statement has no `effect`".into(),
                );
                Effect::Deny
            }
            Some((_, Value::String(text))) if text.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some((_, Value::String(text))) if text.eq_ignore_ascii_case("deny") => Effect::Deny,
            Some((_, other)) => {
                self.push(
                    Code::InvalidEffect,
                    pointer(path, "effect"),
                    format!("`effect` must be \"allow\" or \"deny\", not {other}"),
                );
                Effect::Deny
            }
        };
        let mut statement = Statement::new(effect);
        for (name, value) in fields {
            let here = pointer(path, name);
            match name {
                "action" => {
                    for (index, text) in self.strings(value, &here, "action") {
                        match text.parse::<Action>() {
                            Ok(action) => statement = statement.with_action(action),
                            Err(err) => self.push(
                                Code::MalformedAction,
                                format!("{here}/{index}"),
                                err.to_string(),
                            ),
                        }
                    }
                }
                "resource" => {
                    for (index, text) in self.strings(value, &here, "resource") {
                        match text.parse::<Resource>() {
                            Ok(resource) => statement = statement.with_resource(resource),
                            Err(err) => {
                                self.push(err.code(), format!("{here}/{index}"), err.to_string())
                            }
                        }
                    }
                }
                "condition" => self.conditions(value, &here, &mut statement),
                "principal" => statement = statement.with_principal(value.clone()),
                _ => {}
            }
        }
        Some(statement)
    }

    /// A string or array of strings, with each string's index in the canonical array form.
    fn strings<'v>(&mut self, value: &'v Value, path: &str, what: &str) -> Vec<(usize, &'v str)> {
        match value {
            Value::String(text) => vec![(0, text.as_str())],
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| match item {
                    Value::String(text) => Some((index, text.as_str())),
                    other => {
                        self.push(
                            Code::InvalidType,
                            format!("{path}/{index}"),
                            format!("each {what} must be a string, not {}", type_name(other)),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                self.push(
                    Code::InvalidType,
                    path.to_owned(),
                    format!(
                        "`{what}` must be a string or an array of strings, not {}",
                        type_name(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    fn conditions(&mut self, value: &Value, path: &str, statement: &mut Statement) {
        let Value::Object(operators) = value else {
            self.push(
                Code::InvalidType,
                path.to_owned(),
                format!("`condition` must be an object, not {}", type_name(value)),
            );
            return;
        };
        for (operator_text, keys) in operators {
            let operator: Operator = match operator_text.parse() {
                Ok(operator) => operator,
                Err(err) => {
                    self.push(
                        Code::UnknownOperator,
                        pointer(path, operator_text),
                        err.to_string(),
                    );
                    continue;
                }
            };
            let operator_path = pointer(path, &operator.to_string());
            let Value::Object(keys) = keys else {
                self.push(
                    Code::InvalidType,
                    operator_path,
                    format!(
                        "the value of `{operator}` must be an object of condition keys, not {}",
                        type_name(keys)
                    ),
                );
                continue;
            };
            for (key, values) in keys {
                let canonical = crate::canonical_key(key);
                let key_path = pointer(&operator_path, &canonical);
                if canonical.is_empty() {
                    self.push(
                        Code::InvalidConditionKey,
                        key_path,
                        "condition key is empty".into(),
                    );
                    continue;
                }
                if let Some(values) = self.values(operator, values, &key_path) {
                    match Condition::new(operator, &canonical, values) {
                        Ok(condition) => statement.add_condition(condition),
                        Err(err) => self.push(err.code(), key_path, err.to_string()),
                    }
                }
            }
        }
    }

    fn values(
        &mut self,
        operator: Operator,
        value: &Value,
        path: &str,
    ) -> Option<Vec<ConditionValue>> {
        let items: Vec<(usize, &Value)> = match value {
            Value::Array(items) if items.is_empty() => {
                self.push(
                    Code::EmptyConditionValues,
                    path.to_owned(),
                    "the condition lists no value".into(),
                );
                return None;
            }
            Value::Array(items) => items.iter().enumerate().collect(),
            single => vec![(0, single)],
        };
        let ty = operator.kind.value_type();
        let mut values = Vec::with_capacity(items.len());
        let mut ok = true;
        for (index, item) in items {
            let text = match item {
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                other => {
                    self.push(
                        Code::InvalidConditionValue,
                        format!("{path}/{index}"),
                        format!(
                            "a condition value must be a string, number or boolean, not {}",
                            type_name(other)
                        ),
                    );
                    ok = false;
                    continue;
                }
            };
            match ConditionValue::parse(ty, &text) {
                Ok(value) => values.push(value),
                Err(err) => {
                    self.push(
                        Code::InvalidConditionValue,
                        format!("{path}/{index}"),
                        format!("{err} (operator `{operator}`)"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(values)
    }
}

/// Parses the tolerant wire form, collecting every finding.
pub(crate) fn parse(text: &str) -> Parsed {
    let mut parser = Parser {
        findings: Vec::new(),
    };
    let policy = match serde_json::from_str::<Value>(text) {
        Ok(root) => parser.policy(&root),
        Err(err) => {
            parser.push(Code::InvalidJson, String::new(), format!("not JSON: {err}"));
            None
        }
    };
    let mut findings = parser.findings;
    crate::finding::sort_by_document_order(&mut findings);
    Parsed { policy, findings }
}

/// Writes the canonical compact form (see `serde_impl` for the element order).
pub(crate) fn emit(policy: &Policy) -> String {
    // Serialising to a string cannot fail: every map key is a string and every number finite.
    // Sized for a typical statement up front so the buffer rarely grows.
    let mut out = Vec::with_capacity(64 + 320 * policy.statements().len());
    if serde_json::to_writer(&mut out, policy).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<(String, String)> {
        parse(text)
            .findings
            .iter()
            .map(|f| (f.code().as_str().to_owned(), f.path().to_owned()))
            .collect()
    }

    #[test]
    fn element_names_lowercase_or_capitalised() {
        assert_eq!(element("action", &["action"]), Some("action"));
        assert_eq!(element("Action", &["action"]), Some("action"));
        assert_eq!(element("ACTION", &["action"]), None);
        assert_eq!(element("aCtion", &["action"]), None);
    }

    #[test]
    fn reports_every_problem_with_paths() {
        let found = codes(
            r#"{"Version":"2.0","sid":"x","statement":[
                {"effect":"allow","action":["cos:GetObject", 3, "PutObject"],
                 "resource":["*","qcs::cos:ap-beijing:uid/1250000000:b-1250000001/*","junk"],
                 "condition":{"string_equals":{"k":"v"},"numeric_equal":{"cos:content-length":["x",1]},
                              "ip_equal":{"qcs:ip":[]}}},
                {"Effect":"maybe","action":"*","resource":"*","Action":"*"},
                {"action":"*","resource":"*"}
            ]}"#,
        );
        let expected = [
            ("unknown_field", "/sid"),
            ("invalid_type", "/statement/0/action/1"),
            ("malformed_action", "/statement/0/action/2"),
            ("appid_mismatch", "/statement/0/resource/1"),
            ("malformed_resource", "/statement/0/resource/2"),
            (
                "empty_condition_values",
                "/statement/0/condition/ip_equal/qcs:ip",
            ),
            (
                "invalid_condition_value",
                "/statement/0/condition/numeric_equal/cos:content-length/0",
            ),
            ("unknown_operator", "/statement/0/condition/string_equals"),
            ("duplicate_field", "/statement/1/action"),
            ("invalid_effect", "/statement/1/effect"),
            ("missing_effect", "/statement/2/effect"),
        ];
        let mut found_sorted = found.clone();
        found_sorted.sort();
        let mut expected: Vec<(String, String)> = expected
            .iter()
            .map(|(c, p)| ((*c).to_owned(), (*p).to_owned()))
            .collect();
        expected.sort();
        assert_eq!(found_sorted, expected, "{found:#?}");
    }

    #[test]
    fn rejects_non_json_and_non_objects() {
        assert_eq!(codes("{"), [("invalid_json".to_owned(), String::new())]);
        assert_eq!(codes("[]"), [("invalid_type".to_owned(), String::new())]);
        assert_eq!(
            codes(r#"{"statement":3}"#),
            [("invalid_type".to_owned(), "/statement".to_owned())]
        );
        assert_eq!(
            codes(r#"{"version":2}"#),
            [("invalid_type".to_owned(), "/version".to_owned())]
        );
    }

    #[test]
    fn single_statement_and_scalar_forms() {
        let parsed = parse(
            r#"{"version":"2.0","statement":{"effect":"Allow","action":"cos:PutObject","resource":"*",
               "condition":{"numeric_less_than_equal":{"cos:content_length":10},"bool_equal":{"cos:secure-transport":true}}}}"#,
        );
        assert!(parsed.findings.is_empty());
        let policy = parsed.policy.unwrap();
        assert_eq!(
            emit(&policy),
            r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject"],"resource":["*"],"condition":{"bool_equal":{"cos:secure-transport":["true"]},"numeric_less_than_equal":{"cos:content-length":[10]}}}]}"#
        );
    }

    #[test]
    fn emits_principal_and_fractional_numbers() {
        let parsed = parse(
            r#"{"version":"2.0","principal":{"qcs":["*"]},"statement":[{"effect":"deny","principal":{"qcs":["x"]},"action":[],"resource":[],
               "condition":{"numeric_less_than":{"cos:tls-version":1.2,"a":[1e300]}}}]}"#,
        );
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        let policy = parsed.policy.unwrap();
        let text = emit(&policy);
        assert!(text.contains(r#""principal":{"qcs":["*"]}"#), "{text}");
        assert!(
            text.contains(r#""numeric_less_than":{"a":[1e+300],"cos:tls-version":[1.2]}"#),
            "{text}"
        );
        assert_eq!(parse(&text).policy.unwrap(), policy);
    }
}
