//! Builders that mirror the official STS SDKs: `getCredential` input (bucket, region, allowed
//! prefixes, allowed actions, conditions) and `getPolicy(scopes)`.
//!
//! ```
//! use cos_policy::builder::{policy_for_scopes, CredentialPolicy, Scope};
//! use cos_policy::Bucket;
//!
//! let bucket = Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
//! let from_credential = CredentialPolicy::new(&bucket)
//!     .allow_prefix("users/alice/*")
//!     .allow_action("name/cos:GetObject")
//!     .build()?;
//! let from_scopes = policy_for_scopes(&[Scope::new("name/cos:GetObject", &bucket, "users/alice/*")])?;
//! assert_eq!(from_credential, from_scopes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::prefix::{Partial, key_pattern};
use crate::{
    Action, ActionError, Bucket, Condition, ConditionError, CosResource, NameError, Policy, Report,
    ResourceError, Statement, catalogue,
};

/// Why a policy could not be built.
///
/// ```
/// use cos_policy::builder::CredentialPolicy;
///
/// # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let err = CredentialPolicy::new(&bucket)
///     .allow_prefix("users/alice*")
///     .allow_action("name/cos:PutObject")
///     .build()
///     .unwrap_err();
/// assert!(err.to_string().contains("would also grant `users/alice2/`"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A bucket name, region or APPID given as text breaks its rule.
    #[error(transparent)]
    Name(#[from] NameError),
    /// A resource could not be formed.
    #[error(transparent)]
    Resource(#[from] ResourceError),
    /// An action string is malformed.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// A COS action name is not in the catalogue.
    #[error("`{name}` is not a COS action{}", suggestion.map(|s| format!(" (did you mean `name/cos:{s}`?)")).unwrap_or_default())]
    UnknownAction {
        /// The rejected name.
        name: String,
        /// The closest catalogued name.
        suggestion: Option<&'static str>,
    },
    /// A condition could not be built.
    #[error(transparent)]
    Condition(#[from] ConditionError),
    /// No action was given.
    #[error("no action was given")]
    NoActions,
    /// No prefix or key was given.
    #[error("no prefix or key was given")]
    NoPrefixes,
    /// A prefix or key is unsafe or unusable.
    #[error("prefix or key {prefix:?} {reason}")]
    InvalidPrefix {
        /// The rejected prefix or key.
        prefix: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `*` would follow a partial path segment (`users/alice` or `users/alice*`), granting
    /// neighbours such as `users/alice2/`; refused unless `allow_partial_segment` is called.
    #[error(
        "prefix {prefix:?} ends inside the path segment `{segment}`, so it would also grant `{neighbour}` (another user's keys); end it with `/`, or call allow_partial_segment() if that is intended"
    )]
    PartialSegment {
        /// The refused prefix or key pattern.
        prefix: String,
        /// The partial segment the `*` follows.
        segment: String,
        /// A neighbouring key it would also grant.
        neighbour: String,
    },
    /// A preset condition applies to none of the preset's actions (for example a
    /// content-type requirement on a download-only preset).
    #[error("the `{key}` condition applies to none of the preset's actions")]
    NotApplicable {
        /// The condition key.
        key: &'static str,
    },
    /// The built policy does not validate (for example it exceeds 4096 characters).
    #[error("the built policy is invalid:\n{0}")]
    Invalid(Report),
}

impl BuildError {
    /// Always `false`: the same input fails the same way.
    ///
    /// ```
    /// assert!(!cos_policy::BuildError::NoActions.is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// Parses an action given as `name/cos:X`, `cos:X` or a bare COS name `X`, checking COS
/// names against the catalogue.
pub(crate) fn parse_action(text: &str) -> Result<Action, BuildError> {
    let action: Action = if text.contains(':') || text == "*" {
        text.parse()?
    } else {
        format!("cos:{text}").parse()?
    };
    if let Action::Api { service, name } = &action
        && service == "cos"
        && !name.contains('*')
        && catalogue::lookup(name).is_none()
    {
        return Err(BuildError::UnknownAction {
            name: text.to_owned(),
            suggestion: catalogue::suggest(name),
        });
    }
    Ok(action)
}

/// Checks a key or key pattern for `..` segments, control characters and a second leading
/// `/`, and strips one leading `/`.
pub(crate) fn clean_key(prefix: &str) -> Result<&str, BuildError> {
    let bad = |reason| BuildError::InvalidPrefix {
        prefix: prefix.to_owned(),
        reason,
    };
    let key = prefix.strip_prefix('/').unwrap_or(prefix);
    // One leading `/` is the path's, not the key's; a second would make the pattern mean a
    // key that itself starts with `/`, which resources then read differently.
    if key.starts_with('/') {
        return Err(bad("starts with `//`: an object key cannot begin with `/`"));
    }
    if key.split('/').any(|segment| segment == "..") {
        return Err(bad("contains a `..` segment"));
    }
    if key.chars().any(char::is_control) {
        return Err(bad("contains a control character"));
    }
    Ok(key)
}

pub(crate) fn finish_checked(policy: Policy) -> Result<Policy, BuildError> {
    let report = crate::validate(&policy);
    if report.is_valid() {
        Ok(policy)
    } else {
        Err(BuildError::Invalid(report))
    }
}

/// The `getCredential` input of the official STS SDKs: one statement granting
/// `allow_actions` on `qcs::cos:<region>:uid/<appid>:<bucket>/<prefix>` for each allowed
/// prefix (taken verbatim as a key pattern, e.g. `dir/*` or `exampleobject`), with the given
/// conditions. The APPID comes from the bucket name.
///
/// Unlike the SDKs, unknown action names and unsafe prefixes are rejected, and the result is
/// validated. Conditions apply to every action, as in the SDKs; for conditions placed so
/// they do not break multipart uploads use [`crate::preset`].
///
/// ```
/// use cos_policy::builder::CredentialPolicy;
///
/// # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let policy = CredentialPolicy::new(&bucket)
///     .allow_prefix("users/alice/*")
///     .allow_actions(["name/cos:PutObject", "cos:GetObject"])
///     .build()?;
/// assert_eq!(
///     policy.to_json(),
///     r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:PutObject","name/cos:GetObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/*"]}]}"#
/// );
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialPolicy {
    bucket: Bucket,
    partial: Partial,
    allow_prefixes: Vec<String>,
    allow_actions: Vec<String>,
    conditions: Vec<(String, String, Vec<String>)>,
    typed_conditions: Vec<Condition>,
}

impl CredentialPolicy {
    /// Starts a policy for `bucket` (its name and region).
    ///
    /// ```
    /// let bucket = cos_policy::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// let b = cos_policy::builder::CredentialPolicy::new(&bucket);
    /// assert!(b.build().is_err()); // no prefix, no action yet
    /// # Ok::<(), cos_policy::NameError>(())
    /// ```
    #[must_use]
    pub fn new(bucket: &Bucket) -> Self {
        Self {
            bucket: bucket.clone(),
            partial: Partial::Refuse,
            allow_prefixes: Vec::new(),
            allow_actions: Vec::new(),
            conditions: Vec::new(),
            typed_conditions: Vec::new(),
        }
    }

    /// Adds an allowed key pattern (`allowPrefix`): a key (`a.txt`), or a prefix written
    /// `users/alice/` or `users/alice/*` (the same grant). A `*` after a partial path segment
    /// (`users/alice*`, which also grants `users/alice2/`) is refused by
    /// [`CredentialPolicy::build`] unless [`CredentialPolicy::allow_partial_segment`] is called.
    ///
    /// ```
    /// let bucket = cos_policy::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// let err = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("users/alice*").allow_action("GetObject").build().unwrap_err();
    /// assert!(err.to_string().contains("users/alice2/"));
    /// # Ok::<(), cos_policy::NameError>(())
    /// ```
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let b = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("a.txt").allow_action("GetObject");
    /// assert!(b.build().is_ok());
    /// ```
    #[must_use]
    pub fn allow_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.allow_prefixes.push(prefix.into());
        self
    }

    /// Accepts a `*` that follows a partial path segment (`users/alice*`), knowingly granting
    /// every key that starts with that text (`users/alice2/…` too).
    ///
    /// ```
    /// let bucket = cos_policy::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// let p = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("logs/2026-*").allow_action("GetObject").allow_partial_segment().build();
    /// assert!(p.is_ok());
    /// # Ok::<(), cos_policy::NameError>(())
    /// ```
    #[must_use]
    pub fn allow_partial_segment(mut self) -> Self {
        self.partial = Partial::Allow;
        self
    }

    /// Adds several allowed key patterns (`allowPrefixes`).
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let b = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefixes(["a/*", "b/*"]).allow_action("GetObject");
    /// assert_eq!(b.build().unwrap().statements()[0].resources().len(), 2);
    /// ```
    #[must_use]
    pub fn allow_prefixes<S: Into<String>>(
        mut self,
        prefixes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.allow_prefixes
            .extend(prefixes.into_iter().map(Into::into));
        self
    }

    /// Adds an allowed action (`name/cos:X`, `cos:X` or `X`).
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let err = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("a/*").allow_action("getobject").build().unwrap_err();
    /// assert!(err.to_string().contains("did you mean `name/cos:GetObject`"));
    /// ```
    #[must_use]
    pub fn allow_action(mut self, action: impl Into<String>) -> Self {
        self.allow_actions.push(action.into());
        self
    }

    /// Adds several allowed actions (`allowActions`).
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("a/*").allow_actions(["GetObject", "HeadObject"]).build().unwrap();
    /// assert_eq!(p.statements()[0].actions().len(), 2);
    /// ```
    #[must_use]
    pub fn allow_actions<S: Into<String>>(mut self, actions: impl IntoIterator<Item = S>) -> Self {
        self.allow_actions
            .extend(actions.into_iter().map(Into::into));
        self
    }

    /// Adds a condition from text, as the SDKs' `condition` object does:
    /// `{"<operator>": {"<key>": [values]}}`.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("a/*").allow_action("GetObject")
    ///     .condition("ip_equal", "qcs:ip", ["10.0.0.0/8"])
    ///     .build().unwrap();
    /// assert_eq!(p.statements()[0].conditions().len(), 1);
    /// ```
    #[must_use]
    pub fn condition<S: Into<String>>(
        mut self,
        operator: impl Into<String>,
        key: impl Into<String>,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.conditions.push((
            operator.into(),
            key.into(),
            values.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// Adds an already-built condition.
    ///
    /// ```
    /// use cos_policy::Condition;
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("a/*").allow_action("GetObject")
    ///     .with_condition(Condition::parse("bool_equal", "cos:secure-transport", &["true"]).unwrap())
    ///     .build().unwrap();
    /// assert_eq!(p.statements()[0].conditions().len(), 1);
    /// ```
    #[must_use]
    pub fn with_condition(mut self, condition: Condition) -> Self {
        self.typed_conditions.push(condition);
        self
    }

    /// Builds and validates the policy.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let p = cos_policy::builder::CredentialPolicy::new(&bucket)
    ///     .allow_prefix("*").allow_action("GetObject").build().unwrap();
    /// assert!(cos_policy::validate(&p).is_clean());
    /// ```
    pub fn build(&self) -> Result<Policy, BuildError> {
        if self.allow_actions.is_empty() {
            return Err(BuildError::NoActions);
        }
        if self.allow_prefixes.is_empty() {
            return Err(BuildError::NoPrefixes);
        }
        let mut statement = Statement::allow();
        for action in &self.allow_actions {
            statement = statement.with_action(parse_action(action)?);
        }
        for prefix in &self.allow_prefixes {
            let pattern = key_pattern(prefix, self.partial)?;
            statement = statement.with_resource(CosResource::object(&self.bucket, &pattern));
        }
        for (operator, key, values) in &self.conditions {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            statement = statement.with_condition(Condition::parse(operator, key, &values)?);
        }
        for condition in &self.typed_conditions {
            statement = statement.with_condition(condition.clone());
        }
        finish_checked(Policy::new().with_statement(statement))
    }
}

/// One `getPolicy` scope: an action on a key pattern of a bucket.
///
/// ```
/// use cos_policy::builder::Scope;
/// # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let scope = Scope::new("name/cos:PutObject", &bucket, "users/alice/a.png");
/// assert_eq!(scope.prefix, "users/alice/a.png");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The action (`name/cos:X`, `cos:X` or `X`).
    pub action: String,
    /// The bucket and its region.
    pub bucket: Bucket,
    /// The key or key pattern (empty for bucket-level actions; `dir/` means `dir/*`).
    pub prefix: String,
}

impl Scope {
    /// A scope.
    ///
    /// ```
    /// # let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// let s = cos_policy::builder::Scope::new("GetBucketACL", &bucket, "");
    /// assert!(s.prefix.is_empty());
    /// ```
    #[must_use]
    pub fn new(action: impl Into<String>, bucket: &Bucket, prefix: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            bucket: bucket.clone(),
            prefix: prefix.into(),
        }
    }
}

/// `getPolicy(scopes)`: one statement per distinct resource, listing the actions scoped to
/// it (the SDKs cross-multiply every action with every resource in one statement, which
/// grants more than asked; this does not).
///
/// ```
/// use cos_policy::builder::{policy_for_scopes, Scope};
/// use cos_policy::{evaluate, DecisionKind, Request};
///
/// # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let policy = policy_for_scopes(&[
///     Scope::new("name/cos:PutObject", &bucket, "upload/a.png"),
///     Scope::new("name/cos:GetObject", &bucket, "public/*"),
/// ])?;
/// assert_eq!(policy.statements().len(), 2);
/// let r = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/public/a.png";
/// assert_eq!(evaluate(&policy, &Request::new("cos:PutObject", r)).kind(), DecisionKind::ImplicitDeny);
/// # Ok::<(), cos_policy::BuildError>(())
/// ```
pub fn policy_for_scopes(scopes: &[Scope]) -> Result<Policy, BuildError> {
    if scopes.is_empty() {
        return Err(BuildError::NoActions);
    }
    let mut groups: Vec<(CosResource, Vec<Action>)> = Vec::new();
    for scope in scopes {
        let action = parse_action(&scope.action)?;
        let pattern = if scope.prefix.is_empty() {
            String::new()
        } else {
            key_pattern(&scope.prefix, Partial::Refuse)?
        };
        let resource = CosResource::object(&scope.bucket, &pattern);
        match groups.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, actions)) => {
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
            None => groups.push((resource, vec![action])),
        }
    }
    let policy = groups
        .into_iter()
        .fold(Policy::new(), |policy, (resource, actions)| {
            policy.with_statement(
                Statement::allow()
                    .with_actions(actions)
                    .with_resource(resource),
            )
        });
    finish_checked(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket() -> Bucket {
        Bucket::new(
            "b-1250000000".parse().unwrap(),
            "ap-beijing".parse().unwrap(),
        )
    }

    #[test]
    fn credential_policy_errors() {
        let base = || CredentialPolicy::new(&bucket());
        assert_eq!(
            base().allow_prefix("a/*").build().unwrap_err(),
            BuildError::NoActions
        );
        assert_eq!(
            base().allow_action("GetObject").build().unwrap_err(),
            BuildError::NoPrefixes
        );
        assert!(matches!(
            base()
                .allow_prefix("a/../b")
                .allow_action("GetObject")
                .build()
                .unwrap_err(),
            BuildError::InvalidPrefix { .. }
        ));
        assert!(matches!(
            base()
                .allow_prefix("a\n")
                .allow_action("GetObject")
                .build()
                .unwrap_err(),
            BuildError::InvalidPrefix { .. }
        ));
        assert!(matches!(
            base()
                .allow_prefix("a/*")
                .allow_action("Frobnicate")
                .build()
                .unwrap_err(),
            BuildError::UnknownAction {
                suggestion: None,
                ..
            }
        ));
        assert!(matches!(
            base()
                .allow_prefix("a/*")
                .allow_action("GetObject")
                .condition("numeric_equal", "cos:content-length", ["x"])
                .build()
                .unwrap_err(),
            BuildError::Condition(_)
        ));
        assert!("b".parse::<crate::BucketName>().is_err());
    }

    #[test]
    fn allow_prefix_never_reaches_alice2_silently() {
        let reaches = |policy: &Policy, key: &str| {
            crate::evaluate(
                policy,
                &crate::Request::new(
                    "name/cos:PutObject",
                    format!("qcs::cos:ap-beijing:uid/1250000000:b-1250000000/{key}"),
                ),
            )
            .is_allowed()
        };
        for prefix in ["users/alice*", "/users/alice*"] {
            let err = CredentialPolicy::new(&bucket())
                .allow_prefix(prefix)
                .allow_action("PutObject")
                .build()
                .unwrap_err();
            assert!(
                matches!(&err, BuildError::PartialSegment { neighbour, .. } if neighbour == "users/alice2/"),
                "{err}"
            );
        }
        // Both spellings of the prefix are the same grant, and it stops at alice/.
        let slash = CredentialPolicy::new(&bucket())
            .allow_prefix("users/alice/")
            .allow_action("PutObject")
            .build()
            .unwrap();
        let star = CredentialPolicy::new(&bucket())
            .allow_prefix("users/alice/*")
            .allow_action("PutObject")
            .build()
            .unwrap();
        assert_eq!(slash, star);
        assert!(reaches(&slash, "users/alice/x"));
        assert!(!reaches(&slash, "users/alice2/x"));
        // Asked for explicitly: built, and the lint still reports it.
        let partial = CredentialPolicy::new(&bucket())
            .allow_prefix("users/alice*")
            .allow_action("PutObject")
            .allow_partial_segment()
            .build()
            .unwrap();
        assert!(reaches(&partial, "users/alice2/x"));
        assert!(crate::validate(&partial).has(crate::Code::PartialSegmentWildcard));
        // Scopes follow the same convention.
        assert!(matches!(
            policy_for_scopes(&[Scope::new("GetObject", &bucket(), "users/alice*")]),
            Err(BuildError::PartialSegment { .. })
        ));
        assert_eq!(
            policy_for_scopes(&[Scope::new("PutObject", &bucket(), "users/alice/")]).unwrap(),
            slash
        );
    }

    #[test]
    fn leading_slash_is_dropped_and_ci_actions_pass() {
        let policy = CredentialPolicy::new(&bucket())
            .allow_prefix("/dir/*")
            .allow_actions(["name/ci:CreateMediaJobs", "cos:GetObject"])
            .build()
            .unwrap();
        assert!(policy.to_json().contains("b-1250000000/dir/*"));
        assert!(policy.to_json().contains("name/ci:CreateMediaJobs"));
    }

    #[test]
    fn oversized_policies_are_rejected() {
        let prefixes: Vec<String> = (0..100).map(|i| format!("users/user-{i:04}/*")).collect();
        let err = CredentialPolicy::new(&bucket())
            .allow_prefixes(prefixes)
            .allow_action("GetObject")
            .build()
            .unwrap_err();
        let BuildError::Invalid(report) = err else {
            panic!("{err:?}")
        };
        assert!(report.has(crate::Code::PolicyTooLarge));
    }

    #[test]
    fn scopes_group_by_resource() {
        let policy = policy_for_scopes(&[
            Scope::new("PutObject", &bucket(), "k"),
            Scope::new("InitiateMultipartUpload", &bucket(), "k"),
            Scope::new("PutObject", &bucket(), "k"),
            Scope::new("GetBucketACL", &bucket(), ""),
        ])
        .unwrap();
        assert_eq!(policy.statements().len(), 2);
        assert_eq!(policy.statements()[0].actions().len(), 2);
        assert!(policy.to_json().contains("b-1250000000/\""));
        assert_eq!(policy_for_scopes(&[]).unwrap_err(), BuildError::NoActions);
    }
}
