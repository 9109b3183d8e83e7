//! Least privilege from recorded access: the access-log record the emulator writes, and the
//! smallest policy that allows exactly the recorded requests.

use std::collections::BTreeMap;

use crate::{
    Action, Condition, ConditionValue, ContextValue, Operator, OperatorKind, Policy, Request,
    Resource, SetQualifier, Statement, canonical_key,
};

/// One authorisation decision as the emulator records it in its access log (one JSON object
/// per line): who asked, for which action on which resource, with which condition context,
/// and whether it was allowed.
///
/// ```
/// use cos_policy::analysis::AccessRecord;
/// use cos_policy::Request;
///
/// let line = r#"{"caller":"AKIDEXAMPLE","action":"name/cos:GetObject","resource":"qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000/a.txt","context":{"qcs:ip":"127.0.0.1"},"allowed":true}"#;
/// let record: AccessRecord = serde_json::from_str(line)?;
/// assert_eq!(record.caller(), "AKIDEXAMPLE");
/// assert!(record.allowed());
/// assert_eq!(record.request().action(), "name/cos:GetObject");
/// assert_eq!(serde_json::to_string(&record)?, line);
///
/// let built = AccessRecord::new("AKIDEXAMPLE", &record.request(), true);
/// assert_eq!(built, record);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRecord {
    caller: String,
    action: String,
    resource: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    context: BTreeMap<String, ContextValue>,
    allowed: bool,
}

impl AccessRecord {
    /// A record of `request` made by the key with SecretId `caller`.
    ///
    /// ```
    /// let r = cos_policy::analysis::AccessRecord::new("AKID", &cos_policy::Request::new("cos:GetService", "*"), false);
    /// assert!(!r.allowed());
    /// ```
    #[must_use]
    pub fn new(caller: impl Into<String>, request: &Request, allowed: bool) -> Self {
        Self {
            caller: caller.into(),
            action: request.action().to_owned(),
            resource: request.resource().to_owned(),
            context: request.context().clone(),
            allowed,
        }
    }

    /// The caller's SecretId (never its secret key).
    ///
    /// ```
    /// let r = cos_policy::analysis::AccessRecord::new("AKID", &cos_policy::Request::new("cos:GetService", "*"), true);
    /// assert_eq!(r.caller(), "AKID");
    /// ```
    #[must_use]
    pub fn caller(&self) -> &str {
        &self.caller
    }

    /// Whether the emulator allowed the request.
    ///
    /// ```
    /// let r = cos_policy::analysis::AccessRecord::new("AKID", &cos_policy::Request::new("cos:GetService", "*"), true);
    /// assert!(r.allowed());
    /// ```
    #[must_use]
    pub fn allowed(&self) -> bool {
        self.allowed
    }

    /// The request, as [`evaluate`](crate::evaluate) takes it.
    ///
    /// ```
    /// let r = cos_policy::analysis::AccessRecord::new("AKID", &cos_policy::Request::new("cos:GetService", "*"), true);
    /// assert_eq!(r.request().resource(), "*");
    /// ```
    #[must_use]
    pub fn request(&self) -> Request {
        self.context
            .iter()
            .fold(Request::new(&self.action, &self.resource), |r, (k, v)| {
                r.with_context(k.clone(), v.clone())
            })
    }

    /// Whether granting this record's resource grants more than it: the resource holds a `*`,
    /// which a CAM resource cannot name literally (`*` alone, GetService's resource, is exact).
    ///
    /// ```
    /// use cos_policy::{Request, analysis::AccessRecord};
    /// let starred = Request::new("cos:GetObject", "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/a*b");
    /// assert!(AccessRecord::new("AKID", &starred, true).widens());
    /// assert!(!AccessRecord::new("AKID", &Request::new("cos:GetService", "*"), true).widens());
    /// ```
    #[must_use]
    pub fn widens(&self) -> bool {
        self.resource != "*" && self.resource.contains('*')
    }

    /// Parses an access log: one record per non-blank line.
    ///
    /// ```
    /// use cos_policy::analysis::AccessRecord;
    /// let log = "{\"caller\":\"A\",\"action\":\"cos:GetService\",\"resource\":\"*\",\"allowed\":true}\n\n";
    /// assert_eq!(AccessRecord::parse_log(log)?.len(), 1);
    /// let err = AccessRecord::parse_log("{}\n").unwrap_err();
    /// assert!(err.to_string().starts_with("line 1:"));
    /// # Ok::<(), cos_policy::analysis::GenerateError>(())
    /// ```
    pub fn parse_log(text: &str) -> Result<Vec<Self>, GenerateError> {
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                serde_json::from_str(line).map_err(|e| GenerateError::Log {
                    line: i + 1,
                    message: e.to_string(),
                })
            })
            .collect()
    }
}

/// A generalisation the user chooses: the generated policy allows more than the log shows,
/// in a named, reviewable way.
///
/// ```
/// use cos_policy::analysis::Generalisation;
/// let g = Generalisation::CollapsePrefix("users/alice".into());
/// assert_eq!(g.to_string(), "collapse keys under users/alice/ to users/alice/*");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Generalisation {
    /// Every object key under this prefix (a `/` is added when missing) becomes
    /// `<prefix>/*`.
    CollapsePrefix(String),
    /// Requests are not pinned to their values of this condition key.
    DropCondition(String),
    /// Requests are not pinned to any condition key.
    DropAllConditions,
}

impl std::fmt::Display for Generalisation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CollapsePrefix(p) => {
                let p = folder(p);
                write!(f, "collapse keys under {p} to {p}*")
            }
            Self::DropCondition(k) => write!(f, "drop the condition on {}", canonical_key(k)),
            Self::DropAllConditions => f.write_str("drop every condition"),
        }
    }
}

fn folder(prefix: &str) -> String {
    let prefix = prefix.trim_start_matches('/');
    if prefix.ends_with('/') {
        prefix.to_owned()
    } else {
        format!("{prefix}/")
    }
}

/// The log could not be read or turned into a policy.
///
/// ```
/// use cos_policy::analysis::{generate, AccessRecord, GenerateError};
/// let bad = AccessRecord::new("A", &cos_policy::Request::new("GetObject", "*"), true);
/// let err = generate(&[bad], &[]).unwrap_err();
/// assert!(matches!(err, GenerateError::Record { index: 0, .. }));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// A line of the log is not a record.
    #[error("line {line}: not an access record: {message}")]
    Log {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A record's action or resource does not parse.
    #[error("record {index}: {message}")]
    Record {
        /// 0-based index among the records.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// No record was allowed, so there is nothing to grant.
    #[error("the log holds no allowed request")]
    Empty,
}

impl GenerateError {
    /// Always `false`: the same log fails the same way.
    ///
    /// ```
    /// assert!(!cos_policy::analysis::GenerateError::Empty.is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// The conditions pinning a request to its recorded context.
fn pins(
    context: &BTreeMap<String, ContextValue>,
    generalisations: &[Generalisation],
) -> Vec<Condition> {
    if generalisations.contains(&Generalisation::DropAllConditions) {
        return Vec::new();
    }
    let mut by_key: BTreeMap<String, &ContextValue> = BTreeMap::new();
    for (k, v) in context {
        by_key.insert(canonical_key(k), v);
    }
    by_key
        .into_iter()
        .filter(|(k, _)| {
            !generalisations
                .iter()
                .any(|g| matches!(g, Generalisation::DropCondition(d) if canonical_key(d) == *k))
        })
        .filter_map(|(k, v)| {
            let values: Vec<ConditionValue> = v
                .as_slice()
                .iter()
                .map(|s| ConditionValue::String(s.clone()))
                .collect();
            let mut operator = Operator::new(OperatorKind::StringEqual);
            if matches!(v, ContextValue::Many(_)) {
                operator = operator.with_qualifier(SetQualifier::ForAllValue);
            }
            Condition::new(operator, &k, values).ok()
        })
        .collect()
}

fn collapse(resource: Resource, generalisations: &[Generalisation]) -> Resource {
    let Resource::Cos(cos) = &resource else {
        return resource;
    };
    let (Some(bucket), Some(key)) = (cos.bucket(), cos.key()) else {
        return resource;
    };
    for g in generalisations {
        if let Generalisation::CollapsePrefix(prefix) = g {
            let prefix = folder(prefix);
            if key.starts_with(&prefix)
                && let (Ok(name), Ok(region)) = (bucket.parse(), cos.region().parse())
                && let Ok(r) =
                    crate::CosResource::prefix(&crate::Bucket::new(name, region), &prefix)
            {
                return Resource::Cos(r);
            }
        }
    }
    resource
}

/// Statements of one shape (actions, resources, condition operators and keys) whose
/// conditions differ in the values of one key only: one statement, the values OR-ed — the same
/// requests, fewer statements.
fn merge_values(statements: &mut Vec<(Vec<Action>, Vec<Condition>, Vec<Resource>)>) {
    let mut i = 0;
    while i < statements.len() {
        let mut j = i + 1;
        while j < statements.len() {
            let mergeable = match (statements.get(i), statements.get(j)) {
                (Some((a1, c1, r1)), Some((a2, c2, r2))) => {
                    a1 == a2
                        && r1 == r2
                        && c1.len() == c2.len()
                        && c1
                            .iter()
                            .zip(c2)
                            .all(|(x, y)| x.operator() == y.operator() && x.key() == y.key())
                        && c1.iter().zip(c2).filter(|(x, y)| x != y).count() == 1
                        && c1.iter().all(|c| c.operator().qualifier.is_none())
                }
                _ => false,
            };
            if mergeable {
                let (_, extra, _) = statements.remove(j);
                if let Some((_, conditions, _)) = statements.get_mut(i) {
                    for (c, e) in conditions.iter_mut().zip(extra) {
                        let mut values = c.values().to_vec();
                        for v in e.values() {
                            if !values.contains(v) {
                                values.push(v.clone());
                            }
                        }
                        if let Ok(merged) = Condition::new(c.operator(), c.key(), values) {
                            *c = merged;
                        }
                    }
                }
            } else {
                j += 1;
            }
        }
        i += 1;
    }
}

/// The least-privilege policy for `records`: it allows exactly their allowed requests, widened
/// only by the chosen `generalisations`, in few statements.
///
/// Each request becomes its exact action, its exact resource (or its collapsed prefix) and a
/// `string_equal` condition per recorded context key (a multi-valued key becomes
/// `for_all_value:string_equal`, which also allows any non-empty subset of the values); requests
/// that share resource and conditions share a statement, then statements that share actions
/// and conditions, then statements that differ only in one key's values (OR-ed). Keys a
/// request did not carry are not constrained, and a request on `*` (GetService) can only be
/// granted on `*`. CAM has no escape for `*`, so an object key that holds one is granted as a
/// pattern ([`AccessRecord::widens`] tells which records do).
///
/// ```
/// use cos_policy::{evaluate, Request};
/// use cos_policy::analysis::{generate, AccessRecord, Generalisation};
///
/// let bucket = "qcs::cos:ap-guangzhou:uid/1250000000:b-1250000000";
/// let get = |key: &str| Request::new("name/cos:GetObject", format!("{bucket}/{key}"))
///     .with_context("qcs:ip", "10.0.0.7");
/// let log = [
///     AccessRecord::new("AKID", &get("users/alice/a.txt"), true),
///     AccessRecord::new("AKID", &get("users/alice/b.txt"), true),
/// ];
/// let exact = generate(&log, &[])?;
/// assert!(evaluate(&exact, &get("users/alice/a.txt")).is_allowed());
/// assert!(!evaluate(&exact, &get("users/alice/c.txt")).is_allowed());
/// assert_eq!(exact.statements().len(), 1);
///
/// let wider = generate(&log, &[
///     Generalisation::CollapsePrefix("users/alice/".into()),
///     Generalisation::DropCondition("qcs:ip".into()),
/// ])?;
/// assert!(evaluate(&wider, &Request::new("name/cos:GetObject", format!("{bucket}/users/alice/c.txt"))).is_allowed());
/// assert!(!evaluate(&wider, &get("users/bob/a.txt")).is_allowed());
/// # Ok::<(), cos_policy::analysis::GenerateError>(())
/// ```
pub fn generate(
    records: &[AccessRecord],
    generalisations: &[Generalisation],
) -> Result<Policy, GenerateError> {
    // (resource, conditions) -> actions, in first-seen order.
    type Group = (Resource, Vec<Condition>, Vec<Action>);
    let mut groups: Vec<Group> = Vec::new();
    for (index, record) in records.iter().enumerate() {
        if !record.allowed {
            continue;
        }
        let bad = |message: String| GenerateError::Record { index, message };
        let action: Action = record.action.parse().map_err(|e| bad(format!("{e}")))?;
        let resource: Resource = record.resource.parse().map_err(|e| bad(format!("{e}")))?;
        let resource = collapse(resource, generalisations);
        let conditions = pins(&record.context, generalisations);
        match groups
            .iter_mut()
            .find(|(r, c, _)| *r == resource && *c == conditions)
        {
            Some((_, _, actions)) => {
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
            None => groups.push((resource, conditions, vec![action])),
        }
    }
    if groups.is_empty() {
        return Err(GenerateError::Empty);
    }
    // (actions, conditions) -> resources.
    let mut statements: Vec<(Vec<Action>, Vec<Condition>, Vec<Resource>)> = Vec::new();
    for (resource, conditions, mut actions) in groups {
        actions.sort_by_key(ToString::to_string);
        match statements
            .iter_mut()
            .find(|(a, c, _)| *a == actions && *c == conditions)
        {
            Some((_, _, resources)) => resources.push(resource),
            None => statements.push((actions, conditions, vec![resource])),
        }
    }
    merge_values(&mut statements);
    Ok(statements
        .into_iter()
        .fold(Policy::new(), |policy, (actions, conditions, resources)| {
            let statement = conditions.into_iter().fold(
                Statement::allow()
                    .with_actions(actions)
                    .with_resources(resources),
                Statement::with_condition,
            );
            policy.with_statement(statement)
        }))
}
