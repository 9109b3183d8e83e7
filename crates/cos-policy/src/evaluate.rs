//! Policy evaluation: explicit deny beats allow beats implicit deny.

use std::net::IpAddr;

use crate::action::split_request_action;
use crate::condition::{
    ConditionValue, OperatorKind, SetQualifier, ValueType, parse_bool, parse_number,
};
use crate::finding::pointer;
use crate::resource::parse_target;
use crate::{Condition, Effect, Policy, Request, Resource, Statement, Timestamp, wildcard_match};

/// The outcome of an evaluation.
///
/// ```
/// use cos_policy::DecisionKind;
/// assert_eq!(serde_json::to_string(&DecisionKind::ExplicitDeny).unwrap(), r#""explicit_deny""#);
/// assert!(DecisionKind::Allow.is_allowed());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Some allow statement matches and no deny statement does.
    Allow,
    /// Some deny statement matches.
    ExplicitDeny,
    /// No statement matches.
    ImplicitDeny,
}

impl DecisionKind {
    /// Whether the request is allowed.
    ///
    /// ```
    /// assert!(!cos_policy::DecisionKind::ImplicitDeny.is_allowed());
    /// ```
    #[must_use]
    pub fn is_allowed(self) -> bool {
        self == Self::Allow
    }
}

/// A condition that could not be evaluated against the request (for example a
/// `numeric_*` operator and a context value that is not a number).
///
/// Unevaluable conditions **fail closed**: they make an allow statement not match and a deny
/// statement match (unless another condition of the statement is plainly false).
///
/// ```
/// use cos_policy::{evaluate, Policy, Request};
///
/// let policy = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow","action":"*","resource":"*",
///     "condition":{"numeric_less_than":{"cos:content-length":10}}}]}"#)?;
/// let decision = evaluate(&policy, &Request::new("cos:PutObject", "*").with_context("cos:content-length", "ten"));
/// let u = &decision.unevaluable()[0];
/// assert_eq!(u.statement(), 0);
/// assert_eq!(u.path(), "/statement/0/condition/numeric_less_than/cos:content-length");
/// assert!(u.reason().contains("ten"));
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unevaluable {
    statement: usize,
    path: String,
    reason: String,
}

impl Unevaluable {
    /// Index of the statement holding the condition.
    ///
    /// ```
    /// # use cos_policy::*;
    /// # let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"deny","action":"*","resource":"*","condition":{"ip_equal":{"qcs:ip":"1.2.3.4"}}}]}"#).unwrap();
    /// let d = evaluate(&p, &Request::new("cos:GetObject", "*").with_context("qcs:ip", "nope"));
    /// assert_eq!(d.unevaluable()[0].statement(), 0);
    /// ```
    #[must_use]
    pub fn statement(&self) -> usize {
        self.statement
    }

    /// JSON path of the condition key in the canonical policy form.
    ///
    /// ```
    /// # use cos_policy::*;
    /// # let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"deny","action":"*","resource":"*","condition":{"ip_equal":{"qcs:ip":"1.2.3.4"}}}]}"#).unwrap();
    /// let d = evaluate(&p, &Request::new("cos:GetObject", "*").with_context("qcs:ip", "nope"));
    /// assert_eq!(d.unevaluable()[0].path(), "/statement/0/condition/ip_equal/qcs:ip");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Why it could not be evaluated.
    ///
    /// ```
    /// # use cos_policy::*;
    /// # let p = Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"deny","action":"*","resource":"*","condition":{"ip_equal":{"qcs:ip":"1.2.3.4"}}}]}"#).unwrap();
    /// let d = evaluate(&p, &Request::new("cos:GetObject", "*").with_context("qcs:ip", "nope"));
    /// assert!(d.unevaluable()[0].reason().contains("nope"));
    /// ```
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The result of [`evaluate`]: the kind, the indices of the statements that decided it
/// (the matching deny statements for an explicit deny, the matching allow statements for an
/// allow, none for an implicit deny) and the conditions that could not be evaluated.
///
/// Serialises as `{"decision": "allow", "statements": [0], "unevaluable": []}`.
///
/// ```
/// use cos_policy::{evaluate, DecisionKind, Policy, Request};
///
/// let policy = Policy::from_json(r#"{"version":"2.0","statement":[
///     {"effect":"allow","action":"cos:GetObject","resource":"*"}]}"#)?;
/// let decision = evaluate(&policy, &Request::new("cos:GetObject", "*"));
/// assert_eq!(decision.kind(), DecisionKind::Allow);
/// assert_eq!(decision.statements(), [0]);
/// assert_eq!(
///     serde_json::to_string(&decision).unwrap(),
///     r#"{"decision":"allow","statements":[0],"unevaluable":[]}"#
/// );
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Decision {
    #[serde(rename = "decision")]
    kind: DecisionKind,
    statements: Vec<usize>,
    unevaluable: Vec<Unevaluable>,
}

impl Decision {
    /// Allow, explicit deny or implicit deny.
    ///
    /// ```
    /// use cos_policy::{evaluate, DecisionKind, Policy, Request};
    /// let d = evaluate(&Policy::new(), &Request::new("cos:GetObject", "*"));
    /// assert_eq!(d.kind(), DecisionKind::ImplicitDeny);
    /// ```
    #[must_use]
    pub fn kind(&self) -> DecisionKind {
        self.kind
    }

    /// Whether the request is allowed.
    ///
    /// ```
    /// use cos_policy::{evaluate, Policy, Request};
    /// assert!(!evaluate(&Policy::new(), &Request::new("cos:GetObject", "*")).is_allowed());
    /// ```
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.kind.is_allowed()
    }

    /// Indices of the statements that decided.
    ///
    /// ```
    /// use cos_policy::{evaluate, Policy, Request};
    /// assert!(evaluate(&Policy::new(), &Request::new("cos:GetObject", "*")).statements().is_empty());
    /// ```
    #[must_use]
    pub fn statements(&self) -> &[usize] {
        &self.statements
    }

    /// Conditions (of statements whose action and resource matched) that could not be
    /// evaluated.
    ///
    /// ```
    /// use cos_policy::{evaluate, Policy, Request};
    /// assert!(evaluate(&Policy::new(), &Request::new("cos:GetObject", "*")).unevaluable().is_empty());
    /// ```
    #[must_use]
    pub fn unevaluable(&self) -> &[Unevaluable] {
        &self.unevaluable
    }
}

/// The three-valued result of one condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    True,
    False,
    Unevaluable(String),
}

/// Decides `request` under `policy`.
///
/// A statement matches when one of its actions matches the request's action (exact case,
/// `*` wildcards), one of its resources covers the request's resource, and every condition
/// holds. Then: any matching deny → [`DecisionKind::ExplicitDeny`]; else any matching allow
/// → [`DecisionKind::Allow`]; else [`DecisionKind::ImplicitDeny`].
///
/// Condition semantics (CAM): several values under one key are OR-ed; several keys and
/// several operators are AND-ed; a key absent from the context makes the condition false,
/// except with `_if_exist` (true) and `null_equal` (true for `true`). Negated operators
/// (`*_not_*`) hold when the context value matches none of the values. Without a set
/// qualifier or with `for_any_value:`, a multi-valued context key satisfies the operator if
/// any of its values does; with `for_all_value:`, if all do. The evaluator never reads the
/// clock: date conditions test the `qcs:current_time` context value.
///
/// ```
/// use cos_policy::{evaluate, DecisionKind, Policy, Request};
///
/// let policy = Policy::from_json(r#"{"version":"2.0","statement":[
///   {"effect":"allow","action":["name/cos:PutObject"],
///    "resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/*"]},
///   {"effect":"deny","action":["name/cos:PutObject"],"resource":["*"],
///    "condition":{"string_not_equal_if_exist":{"cos:content-type":"image/png"}}}]}"#)?;
/// let key = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.png";
/// let png = Request::new("cos:PutObject", key).with_context("cos:content-type", "image/png");
/// assert_eq!(evaluate(&policy, &png).kind(), DecisionKind::Allow);
/// let gif = Request::new("cos:PutObject", key).with_context("cos:content-type", "image/gif");
/// assert_eq!(evaluate(&policy, &gif).kind(), DecisionKind::ExplicitDeny);
/// assert_eq!(evaluate(&policy, &gif).statements(), [1]);
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[must_use]
pub fn evaluate(policy: &Policy, request: &Request) -> Decision {
    let (service, name) = split_request_action(request.action()).unwrap_or(("", request.action()));
    let target = parse_target(request.resource()).ok();
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    let mut unevaluable = Vec::new();
    for (index, statement) in policy.statements().iter().enumerate() {
        if !statement.actions().iter().any(|a| a.matches(service, name)) {
            continue;
        }
        if let (Some(who), Some(principal)) = (
            request.principal(),
            statement.principal().or(policy.principal()),
        ) && !principal_names(principal, who)
        {
            continue;
        }
        let resource_matches = match &target {
            Some(target) => statement
                .resources()
                .iter()
                .any(|r| r.matches_target(target)),
            None => statement.resources().contains(&Resource::Any),
        };
        if !resource_matches {
            continue;
        }
        if conditions_hold(index, statement, request, &mut unevaluable) {
            match statement.effect() {
                Effect::Allow => allows.push(index),
                Effect::Deny => denies.push(index),
            }
        }
    }
    let (kind, statements) = if !denies.is_empty() {
        (DecisionKind::ExplicitDeny, denies)
    } else if !allows.is_empty() {
        (DecisionKind::Allow, allows)
    } else {
        (DecisionKind::ImplicitDeny, Vec::new())
    };
    Decision {
        kind,
        statements,
        unevaluable,
    }
}

/// Whether a `principal` element (`"*"` or `{"qcs": "…" | ["…", …]}`) names `who`, a CAM
/// ARN: an entry `*` or `qcs::cam::anyone:anyone` (everybody, anonymous callers included),
/// an entry equal to `who` (`*` wildcards allowed), or `qcs::cam::uin/<owner>:root` for any
/// identity of that account (never the anonymous `qcs::cam::anonymous:anonymous`).
///
/// ```
/// use serde_json::json;
/// let sub = "qcs::cam::uin/100000000001:uin/100000000011";
/// assert!(cos_policy::principal_names(&json!({"qcs": [sub]}), sub));
/// assert!(cos_policy::principal_names(&json!({"qcs": "qcs::cam::uin/100000000001:root"}), sub));
/// assert!(cos_policy::principal_names(&json!({"qcs": ["*"]}), "qcs::cam::anonymous:anonymous"));
/// assert!(!cos_policy::principal_names(&json!({"qcs": [sub]}), "qcs::cam::anonymous:anonymous"));
/// ```
#[must_use]
pub fn principal_names(principal: &serde_json::Value, who: &str) -> bool {
    use serde_json::Value;
    let entries: Vec<&str> = match principal {
        Value::String(one) => vec![one.as_str()],
        Value::Object(map) => match map.get("qcs") {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    entries.iter().any(|entry| {
        let account_root = entry
            .strip_suffix("root")
            .filter(|account| account.starts_with("qcs::cam::uin/") && account.ends_with(':'));
        *entry == "*"
            || *entry == "qcs::cam::anyone:anyone"
            || crate::wildcard_match(entry, who)
            || account_root.is_some_and(|account| who.starts_with(account))
    })
}

/// Whether the statement's condition block holds, failing closed on unevaluable conditions.
fn conditions_hold(
    index: usize,
    statement: &Statement,
    request: &Request,
    unevaluable: &mut Vec<Unevaluable>,
) -> bool {
    let mut any_false = false;
    let mut any_unevaluable = false;
    for condition in statement.conditions() {
        match condition_outcome(condition, request) {
            Outcome::True => {}
            Outcome::False => any_false = true,
            Outcome::Unevaluable(reason) => {
                any_unevaluable = true;
                let path = pointer(
                    &pointer(
                        &format!("/statement/{index}/condition"),
                        &condition.operator().to_string(),
                    ),
                    condition.key(),
                );
                unevaluable.push(Unevaluable {
                    statement: index,
                    path,
                    reason,
                });
            }
        }
    }
    if any_false {
        return false;
    }
    !any_unevaluable || statement.effect() == Effect::Deny
}

pub(crate) fn condition_outcome(condition: &Condition, request: &Request) -> Outcome {
    let operator = condition.operator();
    let mut present = request.context_values(condition.key()).peekable();
    if operator.kind == OperatorKind::NullEqual {
        let is_absent = present.peek().is_none();
        let holds = condition.values().iter().any(
            |v| matches!(v, ConditionValue::Bool(expect_absent) if *expect_absent == is_absent),
        );
        return if holds { Outcome::True } else { Outcome::False };
    }
    if present.peek().is_none() {
        return if operator.if_exist {
            Outcome::True
        } else {
            Outcome::False
        };
    }
    let all = operator.qualifier == Some(SetQualifier::ForAllValue);
    let mut seen_true = false;
    let mut seen_false = false;
    let mut problem = None;
    for context in present {
        match value_satisfies(operator.kind, condition.values(), context) {
            Ok(true) => seen_true = true,
            Ok(false) => seen_false = true,
            Err(reason) => {
                problem.get_or_insert(reason);
            }
        }
    }
    match (all, problem) {
        (false, _) if seen_true => Outcome::True,
        (true, _) if seen_false => Outcome::False,
        (_, Some(reason)) => Outcome::Unevaluable(reason),
        (false, None) => Outcome::False,
        (true, None) => Outcome::True,
    }
}

/// Whether one context value satisfies the operator against the listed values.
fn value_satisfies(
    kind: OperatorKind,
    values: &[ConditionValue],
    context: &str,
) -> Result<bool, String> {
    let matched = match kind.value_type() {
        ValueType::String | ValueType::Binary => {
            let test: fn(&str, &str) -> bool = match kind {
                OperatorKind::StringEqualIgnoreCase | OperatorKind::StringNotEqualIgnoreCase => {
                    eq_ignore_case
                }
                OperatorKind::StringLike | OperatorKind::StringNotLike => wildcard_match,
                _ => |a, b| a == b,
            };
            values
                .iter()
                .any(|v| matches!(v, ConditionValue::String(s) if test(s, context)))
        }
        ValueType::Numeric => {
            let n = parse_number(context)
                .ok_or_else(|| format!("context value `{context}` is not a number"))?;
            values.iter().any(|v| match v {
                ConditionValue::Number(limit) => compare(kind, n.partial_cmp(limit)),
                _ => false,
            })
        }
        ValueType::Date => {
            let t: Timestamp = context
                .parse()
                .map_err(|_| format!("context value `{context}` is not an ISO 8601 timestamp"))?;
            values.iter().any(|v| match v {
                ConditionValue::Date(limit) => compare(kind, Some(t.cmp(limit))),
                _ => false,
            })
        }
        ValueType::Ip => {
            let ip: IpAddr = context
                .trim()
                .parse()
                .map_err(|_| format!("context value `{context}` is not an IP address"))?;
            values
                .iter()
                .any(|v| matches!(v, ConditionValue::Ip(net) if net.contains(ip)))
        }
        ValueType::Bool | ValueType::Null => {
            let b = parse_bool(context)
                .ok_or_else(|| format!("context value `{context}` is not true or false"))?;
            values
                .iter()
                .any(|v| matches!(v, ConditionValue::Bool(expected) if *expected == b))
        }
    };
    Ok(matched != kind.is_negated())
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// Applies an ordering operator to `context.cmp(limit)`; negated kinds are inverted later,
/// so `*_not_equal` tests equality here.
fn compare(kind: OperatorKind, ordering: Option<std::cmp::Ordering>) -> bool {
    use OperatorKind as K;
    use std::cmp::Ordering::{Equal, Greater, Less};
    let Some(ordering) = ordering else {
        return false;
    };
    match kind {
        K::NumericEqual | K::NumericNotEqual | K::DateEqual | K::DateNotEqual => ordering == Equal,
        K::NumericLessThan | K::DateLessThan => ordering == Less,
        K::NumericLessThanEqual | K::DateLessThanEqual => ordering != Greater,
        K::NumericGreaterThan | K::DateGreaterThan => ordering == Greater,
        K::NumericGreaterThanEqual | K::DateGreaterThanEqual => ordering != Less,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.txt";

    fn policy(statements: &str) -> Policy {
        Policy::from_json(&format!(
            r#"{{"version":"2.0","statement":[{statements}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn cam_role_resources_are_matched_for_sts_actions() {
        let grant = policy(
            r#"{"effect":"allow","action":"name/sts:AssumeRole","resource":"qcs::cam::uin/100000000001:roleName/up*"}"#,
        );
        let role = |name: &str| format!("qcs::cam::uin/100000000001:roleName/{name}");
        let assume = |name: &str| Request::new("name/sts:AssumeRole", role(name));
        assert_eq!(
            evaluate(&grant, &assume("uploader")).kind(),
            DecisionKind::Allow
        );
        assert_eq!(
            evaluate(&grant, &assume("admin")).kind(),
            DecisionKind::ImplicitDeny
        );
        let other_account = Request::new(
            "name/sts:AssumeRole",
            "qcs::cam::uin/200000000001:roleName/uploader",
        );
        assert_eq!(
            evaluate(&grant, &other_account).kind(),
            DecisionKind::ImplicitDeny
        );
        // A CAM resource never matches a COS request, nor the reverse.
        let cos = Request::new("name/sts:AssumeRole", KEY);
        assert_eq!(evaluate(&grant, &cos).kind(), DecisionKind::ImplicitDeny);
        for bad in [
            "qcs::cam:ap-guangzhou:uin/1:roleName/r",
            "qcs::cam::uid/1:roleName/r",
            "qcs::cam::uin/1:",
        ] {
            assert!(bad.parse::<Resource>().is_err(), "{bad}");
        }
    }

    fn with_condition(effect: &str, condition: &str) -> Policy {
        policy(&format!(
            r#"{{"effect":"{effect}","action":"*","resource":"*","condition":{condition}}}"#
        ))
    }

    fn decide(policy: &Policy, context: &[(&str, &str)]) -> DecisionKind {
        let mut request = Request::new("name/cos:PutObject", KEY);
        for (k, v) in context {
            request = request.with_context(*k, *v);
        }
        evaluate(policy, &request).kind()
    }

    use DecisionKind::{Allow, ExplicitDeny, ImplicitDeny};

    #[test]
    fn principals_apply_only_to_requests_that_name_one() {
        let p = Policy::from_json(
            r#"{"version":"2.0","statement":[
            {"principal":{"qcs":["*"]},"effect":"allow","action":["name/cos:GetObject"],"resource":["*"]},
            {"principal":{"qcs":["qcs::cam::uin/1:uin/2"]},"effect":"deny","action":["name/cos:GetObject"],"resource":["*"]}]}"#,
        )
        .unwrap();
        let r = |who: &str| Request::new("name/cos:GetObject", "*").with_principal(who);
        assert_eq!(
            evaluate(&p, &r("qcs::cam::anonymous:anonymous")).kind(),
            DecisionKind::Allow
        );
        assert_eq!(
            evaluate(&p, &r("qcs::cam::uin/1:uin/2")).kind(),
            DecisionKind::ExplicitDeny
        );
        // Identity-based evaluation (no principal on the request) is unchanged.
        let plain = Request::new("name/cos:GetObject", "*");
        assert_eq!(evaluate(&p, &plain).kind(), DecisionKind::ExplicitDeny);
        assert!(!principal_names(
            &serde_json::json!({"qcs": "qcs::cam::uin/1:root"}),
            "qcs::cam::anonymous:anonymous"
        ));
        assert!(!principal_names(&serde_json::json!(["*"]), "x"));
    }

    #[test]
    fn precedence() {
        let p = policy(
            r#"{"effect":"allow","action":"*","resource":"*"},{"effect":"deny","action":"cos:PutObject","resource":"*"}"#,
        );
        let d = evaluate(&p, &Request::new("cos:PutObject", KEY));
        assert_eq!(d.kind(), ExplicitDeny);
        assert_eq!(d.statements(), [1]);
        let d = evaluate(&p, &Request::new("cos:GetObject", KEY));
        assert_eq!(d.kind(), Allow);
        assert_eq!(d.statements(), [0]);
        assert_eq!(
            evaluate(
                &policy(r#"{"effect":"allow","action":"cos:GetObject","resource":"*"}"#),
                &Request::new("cos:PutObject", KEY)
            )
            .kind(),
            ImplicitDeny
        );
    }

    #[test]
    fn action_and_resource_matching() {
        let p = policy(
            r#"{"effect":"allow","action":"name/cos:Put*","resource":"qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/*"}"#,
        );
        assert_eq!(
            evaluate(&p, &Request::new("cos:PutObject", KEY)).kind(),
            Allow
        );
        assert_eq!(
            evaluate(&p, &Request::new("cos:putobject", KEY)).kind(),
            ImplicitDeny
        );
        assert_eq!(
            evaluate(&p, &Request::new("PutObject", KEY)).kind(),
            ImplicitDeny
        );
        let other =
            "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice2/a.txt";
        assert_eq!(
            evaluate(&p, &Request::new("cos:PutObject", other)).kind(),
            ImplicitDeny
        );
        let legacy = "qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/examplebucket/users/alice/a.txt";
        assert_eq!(
            evaluate(&p, &Request::new("cos:PutObject", legacy)).kind(),
            Allow
        );
        assert_eq!(
            evaluate(&p, &Request::new("cos:PutObject", "garbage")).kind(),
            ImplicitDeny
        );
        let any = policy(r#"{"effect":"allow","action":"*","resource":"*"}"#);
        assert_eq!(
            evaluate(&any, &Request::new("garbage", "garbage")).kind(),
            Allow
        );
    }

    #[test]
    fn absent_keys_and_if_exist() {
        let p = with_condition(
            "allow",
            r#"{"string_equal":{"cos:content-type":"image/png"}}"#,
        );
        assert_eq!(decide(&p, &[]), ImplicitDeny);
        assert_eq!(decide(&p, &[("cos:content-type", "image/png")]), Allow);
        assert_eq!(decide(&p, &[("COS:Content-Type", "image/png")]), Allow);
        let p = with_condition(
            "allow",
            r#"{"string_equal_if_exist":{"cos:content-type":"image/png"}}"#,
        );
        assert_eq!(decide(&p, &[]), Allow);
        assert_eq!(
            decide(&p, &[("cos:content-type", "image/gif")]),
            ImplicitDeny
        );
        let p = with_condition(
            "deny",
            r#"{"string_not_equal_if_exist":{"cos:content-type":"image/png"}}"#,
        );
        assert_eq!(decide(&p, &[]), ExplicitDeny);
        assert_eq!(
            decide(&p, &[("cos:content-type", "image/png")]),
            ImplicitDeny
        );
    }

    #[test]
    fn null_equal() {
        let p = with_condition("allow", r#"{"null_equal":{"cos:x-cos-acl":"true"}}"#);
        assert_eq!(decide(&p, &[]), Allow);
        assert_eq!(decide(&p, &[("cos:x-cos-acl", "private")]), ImplicitDeny);
        let p = with_condition("allow", r#"{"null_equal":{"cos:x-cos-acl":"false"}}"#);
        assert_eq!(decide(&p, &[]), ImplicitDeny);
        assert_eq!(decide(&p, &[("cos:x-cos-acl", "private")]), Allow);
    }

    #[test]
    fn typed_operators() {
        let p = with_condition(
            "allow",
            r#"{"numeric_less_than_equal":{"cos:content-length":1024}}"#,
        );
        assert_eq!(decide(&p, &[("cos:content-length", "1024")]), Allow);
        assert_eq!(decide(&p, &[("cos:content-length", "1025")]), ImplicitDeny);
        assert_eq!(decide(&p, &[("cos:content_length", "10")]), Allow);
        let p = with_condition(
            "allow",
            r#"{"ip_equal":{"qcs:ip":["192.168.1.0/24","101.226.100.185"]}}"#,
        );
        assert_eq!(decide(&p, &[("qcs:ip", "192.168.1.9")]), Allow);
        assert_eq!(decide(&p, &[("qcs:ip", "101.226.100.185")]), Allow);
        assert_eq!(decide(&p, &[("qcs:ip", "10.0.0.1")]), ImplicitDeny);
        let p = with_condition(
            "allow",
            r#"{"ip_not_equal":{"qcs:ip":["192.168.1.0/24","10.0.0.0/8"]}}"#,
        );
        assert_eq!(decide(&p, &[("qcs:ip", "10.1.1.1")]), ImplicitDeny);
        assert_eq!(decide(&p, &[("qcs:ip", "8.8.8.8")]), Allow);
        let p = with_condition("allow", r#"{"bool_equal":{"cos:secure-transport":"true"}}"#);
        assert_eq!(decide(&p, &[("cos:secure-transport", "TRUE")]), Allow);
        assert_eq!(
            decide(&p, &[("cos:secure-transport", "false")]),
            ImplicitDeny
        );
        let p = with_condition(
            "allow",
            r#"{"date_less_than":{"qcs:current_time":"2026-06-01T00:00:00Z"}}"#,
        );
        assert_eq!(
            decide(&p, &[("qcs:current_time", "2026-01-01T00:00:00Z")]),
            Allow
        );
        assert_eq!(
            decide(&p, &[("qcs:current_time", "2026-07-01T00:00:00Z")]),
            ImplicitDeny
        );
        let p = with_condition("allow", r#"{"string_like":{"cos:content-type":"image/*"}}"#);
        assert_eq!(decide(&p, &[("cos:content-type", "image/jpeg")]), Allow);
        assert_eq!(
            decide(&p, &[("cos:content-type", "text/plain")]),
            ImplicitDeny
        );
        let p = with_condition(
            "allow",
            r#"{"string_equal_ignore_case":{"cos:x-cos-acl":"PRIVATE"}}"#,
        );
        assert_eq!(decide(&p, &[("cos:x-cos-acl", "private")]), Allow);
        let p = with_condition(
            "allow",
            r#"{"string_not_equal":{"cos:x-cos-acl":["public-read","public-read-write"]}}"#,
        );
        assert_eq!(decide(&p, &[("cos:x-cos-acl", "private")]), Allow);
        assert_eq!(
            decide(&p, &[("cos:x-cos-acl", "public-read")]),
            ImplicitDeny
        );
        let p = with_condition("allow", r#"{"binary_equal":{"k":"aGk="}}"#);
        assert_eq!(decide(&p, &[("k", "aGk=")]), Allow);
    }

    #[test]
    fn set_qualifiers() {
        let tags = |values: &[&str]| {
            Request::new("cos:PutBucket", KEY).with_context(
                "qcs:request_tag",
                values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>(),
            )
        };
        let any = with_condition(
            "allow",
            r#"{"for_any_value:string_equal":{"qcs:request_tag":["a&b","c&d"]}}"#,
        );
        assert_eq!(evaluate(&any, &tags(&["x&y", "c&d"])).kind(), Allow);
        assert_eq!(evaluate(&any, &tags(&["x&y"])).kind(), ImplicitDeny);
        let all = with_condition(
            "allow",
            r#"{"for_all_value:string_equal":{"qcs:request_tag":["a&b","c&d"]}}"#,
        );
        assert_eq!(evaluate(&all, &tags(&["a&b", "c&d"])).kind(), Allow);
        assert_eq!(
            evaluate(&all, &tags(&["a&b", "c&d", "e&f"])).kind(),
            ImplicitDeny
        );
        assert_eq!(
            evaluate(&all, &Request::new("cos:PutBucket", KEY)).kind(),
            ImplicitDeny
        );
    }

    #[test]
    fn unevaluable_fails_closed() {
        let allow = with_condition(
            "allow",
            r#"{"numeric_less_than":{"cos:content-length":10}}"#,
        );
        let d = evaluate(
            &allow,
            &Request::new("cos:PutObject", KEY).with_context("cos:content-length", "abc"),
        );
        assert_eq!(d.kind(), ImplicitDeny);
        assert_eq!(d.unevaluable().len(), 1);
        let deny = policy(
            r#"{"effect":"allow","action":"*","resource":"*"},{"effect":"deny","action":"*","resource":"*","condition":{"numeric_greater_than":{"cos:content-length":10}}}"#,
        );
        let d = evaluate(
            &deny,
            &Request::new("cos:PutObject", KEY).with_context("cos:content-length", "abc"),
        );
        assert_eq!(d.kind(), ExplicitDeny);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["decision"], "explicit_deny");
        assert_eq!(
            json["unevaluable"][0]["path"],
            "/statement/1/condition/numeric_greater_than/cos:content-length"
        );
        // A plainly false sibling condition wins over an unevaluable one.
        let mixed = with_condition(
            "deny",
            r#"{"numeric_greater_than":{"cos:content-length":10},"ip_equal":{"qcs:ip":"1.1.1.1"}}"#,
        );
        let d = evaluate(
            &mixed,
            &Request::new("cos:PutObject", KEY)
                .with_context("cos:content-length", "abc")
                .with_context("qcs:ip", "2.2.2.2"),
        );
        assert_eq!(d.kind(), ImplicitDeny);
    }
}
