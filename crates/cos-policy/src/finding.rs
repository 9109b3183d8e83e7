//! Findings (errors and lints) with JSON paths and stable codes, and the [`Report`] that
//! collects them.

use std::fmt;

/// How serious a [`Finding`] is.
///
/// ```
/// use cos_policy::Severity;
/// assert_eq!(Severity::Error.to_string(), "error");
/// assert_eq!(Severity::Lint.to_string(), "lint");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// STS would reject the policy, or the policy cannot be represented.
    Error,
    /// The policy is accepted but grants more than it likely should, or silently misbehaves.
    Lint,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Lint => "lint",
        })
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $severity:ident; )*) => {
        /// The stable machine-readable code of a [`Finding`]; its text form (snake case) never
        /// changes between releases.
        ///
        /// ```
        /// use cos_policy::{Code, Severity};
        /// assert_eq!(Code::WildcardAction.as_str(), "wildcard_action");
        /// assert_eq!(Code::WildcardAction.severity(), Severity::Lint);
        /// assert_eq!(Code::PrincipalNotAllowed, "principal_not_allowed");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            ///
            /// ```
            /// assert!(cos_policy::Code::ALL.contains(&cos_policy::Code::UnknownAction));
            /// ```
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable snake-case text of the code.
            ///
            /// ```
            /// assert_eq!(cos_policy::Code::PolicyTooLarge.as_str(), "policy_too_large");
            /// ```
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// The severity findings with this code always have.
            ///
            /// ```
            /// use cos_policy::{Code, Severity};
            /// assert_eq!(Code::UnknownOperator.severity(), Severity::Error);
            /// ```
            #[must_use]
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    /// The text is not JSON.
    InvalidJson = "invalid_json", Error;
    /// An element name that the policy language does not define (or a mis-cased one).
    UnknownField = "unknown_field", Error;
    /// The same element given twice (e.g. `action` and `Action`).
    DuplicateField = "duplicate_field", Error;
    /// An element of the wrong JSON type (e.g. a number where a string or array belongs).
    InvalidType = "invalid_type", Error;
    /// A statement without `effect`.
    MissingEffect = "missing_effect", Error;
    /// An `effect` other than `allow` / `deny`.
    InvalidEffect = "invalid_effect", Error;
    /// `version` is not `"2.0"`.
    UnsupportedVersion = "unsupported_version", Error;
    /// `principal` appears; temporary-key policies may not contain it. STS's API reference
    /// says so of the `Policy` of GetFederationToken and AssumeRole ("the policy cannot
    /// contain the `principal` element", repeated in the official API SDKs' request models
    /// and tccli's help), although the Node STS SDK's `getPolicy` adds one: such policies
    /// are refused, not accepted.
    PrincipalNotAllowed = "principal_not_allowed", Error;
    /// The policy has no statement.
    EmptyStatement = "empty_statement", Error;
    /// A statement lists no action.
    EmptyAction = "empty_action", Error;
    /// A statement lists no resource.
    EmptyResource = "empty_resource", Error;
    /// An action string that is not `*`, `name/<service>:<api>` or `<service>:<api>`.
    MalformedAction = "malformed_action", Error;
    /// A COS action name that is not in the catalogue (case matters).
    UnknownAction = "unknown_action", Error;
    /// A resource string that is not `*` or a well-formed COS / CI resource.
    MalformedResource = "malformed_resource", Error;
    /// The bucket's `-APPID` suffix differs from the resource's `uid/APPID`.
    AppidMismatch = "appid_mismatch", Error;
    /// A condition operator that CAM does not define.
    UnknownOperator = "unknown_operator", Error;
    /// A condition key that is empty or not a string.
    InvalidConditionKey = "invalid_condition_key", Error;
    /// A condition value that does not fit the operator's type.
    InvalidConditionValue = "invalid_condition_value", Error;
    /// A condition key with an empty list of values.
    EmptyConditionValues = "empty_condition_values", Error;
    /// The canonical policy text exceeds CAM's 4096-character limit.
    PolicyTooLarge = "policy_too_large", Error;
    /// `*`, `name/*:*` or `name/cos:*` grants every COS action.
    WildcardAction = "wildcard_action", Lint;
    /// `*`, all-buckets or whole-bucket resource on an allow with write or delete actions.
    BroadWriteResource = "broad_write_resource", Lint;
    /// Condition keys on a statement whose action is a wildcard: requests the key does not
    /// apply to lack it and fail the condition.
    ConditionWithWildcardAction = "condition_with_wildcard_action", Lint;
    /// A header-derived condition (content-type, content-length, x-cos-acl) on a statement that
    /// also covers multipart actions whose requests never carry that header.
    HeaderConditionBreaksMultipart = "header_condition_breaks_multipart", Lint;
    /// A resource path with a `..` segment or a control character.
    SuspiciousPath = "suspicious_path", Lint;
    /// A wildcard COS action pattern that matches no catalogued action.
    ActionMatchesNothing = "action_matches_nothing", Lint;
    /// An operator that CAM accepts but COS does not document as evaluated.
    OperatorNotEvaluatedByCos = "operator_not_evaluated_by_cos", Lint;
    /// A `cos:` / `qcs:` condition key that is not documented (often a typo such as
    /// `cos:content_type`): no request carries it.
    UnknownConditionKey = "unknown_condition_key", Lint;
    /// An operator whose type differs from the key's (e.g. `string_equal` on `qcs:ip`).
    OperatorTypeMismatch = "operator_type_mismatch", Lint;
    /// A request-specific condition key that none of the statement's actions carries.
    ConditionKeyNotApplicable = "condition_key_not_applicable", Lint;
    /// A query-parameter condition value with a `/`: COS compares URL-encoded values
    /// (`image%2Fjpeg`).
    UnencodedQueryValue = "unencoded_query_value", Lint;
    /// A resource whose `*` follows a partial path segment (`users/alice*`): it also admits
    /// neighbours such as `users/alice2/`.
    PartialSegmentWildcard = "partial_segment_wildcard", Lint;
    /// A service name spelt with other letter case than CAM's (`COS:` instead of `cos:`).
    MiscasedService = "miscased_service", Error;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One problem found in a policy: a code, the JSON path of the offending element in the
/// canonical form (as [`Policy::to_json`](crate::Policy::to_json) writes it, so actions,
/// resources and values are always arrays), and a human-readable message.
///
/// ```
/// use cos_policy::{validate, Policy};
///
/// let policy = Policy::from_json(r#"{"version":"2.0","statement":[
///     {"effect":"allow","action":"name/cos:*","resource":"*"}]}"#)?;
/// let report = validate(&policy);
/// let lint = report.lints().next().unwrap();
/// assert_eq!(lint.code(), "wildcard_action");
/// assert_eq!(lint.path(), "/statement/0/action/0");
/// assert!(!lint.message().is_empty());
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    code: Code,
    severity: Severity,
    path: String,
    message: String,
}

impl Finding {
    /// A finding with `code`'s severity.
    ///
    /// ```
    /// use cos_policy::{Code, Finding, Severity};
    /// let f = Finding::new(Code::EmptyAction, "/statement/0/action", "no action");
    /// assert_eq!(f.severity(), Severity::Error);
    /// ```
    #[must_use]
    pub fn new(code: Code, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            path: path.into(),
            message: message.into(),
        }
    }

    /// The stable code.
    ///
    /// ```
    /// use cos_policy::{Code, Finding};
    /// assert_eq!(Finding::new(Code::EmptyAction, "", "").code(), Code::EmptyAction);
    /// ```
    #[must_use]
    pub fn code(&self) -> Code {
        self.code
    }

    /// Error or lint.
    ///
    /// ```
    /// use cos_policy::{Code, Finding, Severity};
    /// assert_eq!(Finding::new(Code::WildcardAction, "", "").severity(), Severity::Lint);
    /// ```
    #[must_use]
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// JSON pointer (RFC 6901) into the canonical form, e.g. `/statement/0/resource/1`.
    ///
    /// ```
    /// use cos_policy::{Code, Finding};
    /// assert_eq!(Finding::new(Code::EmptyAction, "/statement/0/action", "").path(), "/statement/0/action");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Human-readable explanation, with a suggestion where one exists.
    ///
    /// ```
    /// use cos_policy::{Code, Finding};
    /// assert_eq!(Finding::new(Code::EmptyAction, "", "no action").message(), "no action");
    /// ```
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(
            f,
            "{} {} at {}: {}",
            self.severity, self.code, path, self.message
        )
    }
}

/// Every finding about a policy, in document order, errors and lints together.
///
/// ```
/// use cos_policy::{validate, Policy};
///
/// let policy = Policy::from_json(r#"{"version":"1.0","statement":[]}"#)?;
/// let report = validate(&policy);
/// assert!(!report.is_clean());
/// let codes: Vec<_> = report.errors().map(|f| f.code().as_str()).collect();
/// assert_eq!(codes, ["unsupported_version", "empty_statement"]);
/// assert_eq!(report.lints().count(), 0);
/// # Ok::<(), cos_policy::ParseError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    findings: Vec<Finding>,
}

impl Report {
    /// A report holding `findings`.
    ///
    /// ```
    /// use cos_policy::{Code, Finding, Report};
    /// let report = Report::new(vec![Finding::new(Code::EmptyAction, "/statement/0/action", "")]);
    /// assert_eq!(report.errors().count(), 1);
    /// ```
    #[must_use]
    pub fn new(findings: Vec<Finding>) -> Self {
        Self { findings }
    }

    /// All findings.
    ///
    /// ```
    /// assert!(cos_policy::Report::default().findings().is_empty());
    /// ```
    #[must_use]
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The findings of severity [`Severity::Error`].
    ///
    /// ```
    /// assert_eq!(cos_policy::Report::default().errors().count(), 0);
    /// ```
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The findings of severity [`Severity::Lint`].
    ///
    /// ```
    /// assert_eq!(cos_policy::Report::default().lints().count(), 0);
    /// ```
    pub fn lints(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Lint)
    }

    /// Whether there is no finding at all (no error and no lint).
    ///
    /// ```
    /// assert!(cos_policy::Report::default().is_clean());
    /// ```
    #[must_use]
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// Whether there is no error (lints allowed): STS should accept the policy.
    ///
    /// ```
    /// assert!(cos_policy::Report::default().is_valid());
    /// ```
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Whether some finding has `code`.
    ///
    /// ```
    /// use cos_policy::{Code, Report};
    /// assert!(!Report::default().has(Code::WildcardAction));
    /// ```
    #[must_use]
    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    pub(crate) fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        Ok(())
    }
}

/// Sorts findings into the canonical document order of their paths (element order of
/// [`Policy::to_json`](crate::Policy::to_json), indices numerically); stable for equal paths.
pub(crate) fn sort_by_document_order(findings: &mut [Finding]) {
    fn rank(token: &str) -> (u8, u64, &str) {
        let named = match token {
            "version" => Some(0),
            "principal" => Some(1),
            "statement" => Some(2),
            "effect" => Some(3),
            "action" => Some(5),
            "resource" => Some(6),
            "condition" => Some(7),
            _ => None,
        };
        match (named, token.parse::<u64>()) {
            (Some(rank), _) => (rank, 0, ""),
            (None, Ok(index)) => (8, index, ""),
            (None, Err(_)) => (9, 0, token),
        }
    }
    findings.sort_by(|a, b| {
        let a = a.path.split('/').skip(1).map(rank);
        let b = b.path.split('/').skip(1).map(rank);
        a.cmp(b)
    });
}

/// Appends one RFC 6901 reference token (escaping `~` and `/`) to a JSON pointer.
pub(crate) fn pointer(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code}");
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
        }
    }

    #[test]
    fn pointer_escapes_tokens() {
        assert_eq!(pointer("", "statement"), "/statement");
        assert_eq!(pointer("/c", "a/b~c"), "/c/a~1b~0c");
    }

    #[test]
    fn report_partitions_by_severity() {
        let report = Report::new(vec![
            Finding::new(Code::EmptyAction, "/a", "x"),
            Finding::new(Code::WildcardAction, "/b", "y"),
        ]);
        assert_eq!(report.errors().count(), 1);
        assert_eq!(report.lints().count(), 1);
        assert!(!report.is_clean());
        assert!(!report.is_valid());
        assert!(report.to_string().contains("error empty_action at /a: x"));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["findings"][1]["code"], "wildcard_action");
        assert_eq!(json["findings"][1]["severity"], "lint");
    }
}
