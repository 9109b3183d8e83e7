//! The policy model: [`Policy`], [`Statement`], [`Effect`].

use std::fmt;

use crate::{Action, Condition, Resource};

/// `allow` or `deny`.
///
/// ```
/// assert_eq!(cos_policy::Effect::Deny.to_string(), "deny");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Grants the matching requests (unless a deny matches too).
    Allow,
    /// Refuses the matching requests, whatever else allows them.
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
        })
    }
}

/// One statement: effect, actions, resources and an optional condition block.
///
/// Conditions are kept in canonical order (operator, then key) and merged per
/// (operator, key), so the model has exactly one representation per meaning.
///
/// ```
/// use cos_policy::{Action, Condition, CosResource, Statement};
///
/// # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let statement = Statement::allow()
///     .with_action(Action::cos("GetObject"))
///     .with_resource(CosResource::prefix(&bucket, "doc/")?)
///     .with_condition(Condition::parse("ip_equal", "qcs:ip", &["10.0.0.0/8"])?);
/// assert_eq!(statement.actions().len(), 1);
/// assert_eq!(statement.conditions()[0].key(), "qcs:ip");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    effect: Effect,
    actions: Vec<Action>,
    resources: Vec<Resource>,
    conditions: Vec<Condition>,
    principal: Option<serde_json::Value>,
}

impl Statement {
    /// An empty statement with `effect`.
    ///
    /// ```
    /// use cos_policy::{Effect, Statement};
    /// assert_eq!(Statement::new(Effect::Deny).effect(), Effect::Deny);
    /// ```
    #[must_use]
    pub fn new(effect: Effect) -> Self {
        Self {
            effect,
            actions: Vec::new(),
            resources: Vec::new(),
            conditions: Vec::new(),
            principal: None,
        }
    }

    /// An empty `allow` statement.
    ///
    /// ```
    /// assert_eq!(cos_policy::Statement::allow().effect(), cos_policy::Effect::Allow);
    /// ```
    #[must_use]
    pub fn allow() -> Self {
        Self::new(Effect::Allow)
    }

    /// An empty `deny` statement.
    ///
    /// ```
    /// assert_eq!(cos_policy::Statement::deny().effect(), cos_policy::Effect::Deny);
    /// ```
    #[must_use]
    pub fn deny() -> Self {
        Self::new(Effect::Deny)
    }

    /// Adds an action (kept in insertion order; duplicates are kept).
    ///
    /// ```
    /// let s = cos_policy::Statement::allow().with_action(cos_policy::Action::Any);
    /// assert_eq!(s.actions(), [cos_policy::Action::Any]);
    /// ```
    #[must_use]
    pub fn with_action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }

    /// Adds several actions.
    ///
    /// ```
    /// use cos_policy::{Action, Statement};
    /// let s = Statement::allow().with_actions(["GetObject", "HeadObject"].map(Action::cos));
    /// assert_eq!(s.actions().len(), 2);
    /// ```
    #[must_use]
    pub fn with_actions(mut self, actions: impl IntoIterator<Item = Action>) -> Self {
        self.actions.extend(actions);
        self
    }

    /// Adds a resource.
    ///
    /// ```
    /// let s = cos_policy::Statement::allow().with_resource(cos_policy::Resource::Any);
    /// assert_eq!(s.resources(), [cos_policy::Resource::Any]);
    /// ```
    #[must_use]
    pub fn with_resource(mut self, resource: impl Into<Resource>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Adds several resources.
    ///
    /// ```
    /// let s = cos_policy::Statement::allow().with_resources([cos_policy::Resource::Any]);
    /// assert_eq!(s.resources().len(), 1);
    /// ```
    #[must_use]
    pub fn with_resources<R: Into<Resource>>(
        mut self,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        self.resources.extend(resources.into_iter().map(Into::into));
        self
    }

    /// Adds a condition, merging its values into an existing condition with the same
    /// operator and key, and keeping canonical order.
    ///
    /// ```
    /// use cos_policy::{Condition, Statement};
    /// let s = Statement::allow()
    ///     .with_condition(Condition::parse("ip_equal", "qcs:ip", &["10.0.0.0/8"]).unwrap())
    ///     .with_condition(Condition::parse("ip_equal", "qcs:ip", &["192.168.0.0/16"]).unwrap());
    /// assert_eq!(s.conditions().len(), 1);
    /// assert_eq!(s.conditions()[0].values().len(), 2);
    /// ```
    #[must_use]
    pub fn with_condition(mut self, condition: Condition) -> Self {
        self.add_condition(condition);
        self
    }

    pub(crate) fn add_condition(&mut self, condition: Condition) {
        let key = condition.sort_key();
        match self.conditions.binary_search_by(|c| c.sort_key().cmp(&key)) {
            Ok(index) => {
                if let Some(existing) = self.conditions.get_mut(index) {
                    existing.merge_values(condition.values().to_vec());
                }
            }
            Err(index) => self.conditions.insert(index, condition),
        }
    }

    /// Sets a statement-level `principal` (bucket-policy syntax; rejected by [`validate`](crate::validate)
    /// for temporary-key policies).
    ///
    /// ```
    /// let s = cos_policy::Statement::allow().with_principal(serde_json::json!({"qcs": ["*"]}));
    /// assert!(s.principal().is_some());
    /// ```
    #[must_use]
    pub fn with_principal(mut self, principal: serde_json::Value) -> Self {
        self.principal = Some(principal);
        self
    }

    /// The effect.
    ///
    /// ```
    /// assert_eq!(cos_policy::Statement::allow().effect(), cos_policy::Effect::Allow);
    /// ```
    #[must_use]
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The actions.
    ///
    /// ```
    /// assert!(cos_policy::Statement::allow().actions().is_empty());
    /// ```
    #[must_use]
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The resources.
    ///
    /// ```
    /// assert!(cos_policy::Statement::allow().resources().is_empty());
    /// ```
    #[must_use]
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The conditions, in canonical order.
    ///
    /// ```
    /// assert!(cos_policy::Statement::allow().conditions().is_empty());
    /// ```
    #[must_use]
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The statement-level principal, if any.
    ///
    /// ```
    /// assert!(cos_policy::Statement::allow().principal().is_none());
    /// ```
    #[must_use]
    pub fn principal(&self) -> Option<&serde_json::Value> {
        self.principal.as_ref()
    }
}

/// A CAM policy: version, optional principal (not allowed in temporary-key policies, kept so
/// [`validate`](crate::validate) can report it) and statements.
///
/// `Policy` implements `serde::Serialize` (the canonical form, identical to
/// [`Policy::to_json`] when written with `serde_json`) and `serde::Deserialize` (the tolerant
/// wire form of [`Policy::from_json`]).
///
/// ```
/// use cos_policy::{Action, CosResource, Policy, Statement};
///
/// # let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let policy = Policy::new().with_statement(
///     Statement::allow()
///         .with_action(Action::cos("GetObject"))
///         .with_resource(CosResource::prefix(&bucket, "doc/")?),
/// );
/// assert_eq!(
///     policy.to_json(),
///     r#"{"version":"2.0","statement":[{"effect":"allow","action":["name/cos:GetObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/doc/*"]}]}"#
/// );
/// assert_eq!(Policy::from_json(&policy.to_json())?, policy);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    version: String,
    principal: Option<serde_json::Value>,
    statements: Vec<Statement>,
}

impl Default for Policy {
    fn default() -> Self {
        Self::new()
    }
}

impl Policy {
    /// The only valid version.
    ///
    /// ```
    /// assert_eq!(cos_policy::Policy::VERSION, "2.0");
    /// ```
    pub const VERSION: &'static str = "2.0";

    /// An empty version-2.0 policy.
    ///
    /// ```
    /// assert!(cos_policy::Policy::new().statements().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            version: Self::VERSION.to_owned(),
            principal: None,
            statements: Vec::new(),
        }
    }

    /// Appends a statement.
    ///
    /// ```
    /// let p = cos_policy::Policy::new().with_statement(cos_policy::Statement::allow());
    /// assert_eq!(p.statements().len(), 1);
    /// ```
    #[must_use]
    pub fn with_statement(mut self, statement: Statement) -> Self {
        self.statements.push(statement);
        self
    }

    /// Sets the version text (anything but `"2.0"` is reported by [`validate`](crate::validate)).
    ///
    /// ```
    /// let p = cos_policy::Policy::new().with_version("1.0");
    /// assert_eq!(p.version(), "1.0");
    /// ```
    #[must_use]
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// Sets a policy-level principal (reported by [`validate`](crate::validate)).
    ///
    /// ```
    /// let p = cos_policy::Policy::new().with_principal(serde_json::json!({"qcs": "*"}));
    /// assert!(p.principal().is_some());
    /// ```
    #[must_use]
    pub fn with_principal(mut self, principal: serde_json::Value) -> Self {
        self.principal = Some(principal);
        self
    }

    /// The version text.
    ///
    /// ```
    /// assert_eq!(cos_policy::Policy::new().version(), "2.0");
    /// ```
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The policy-level principal, if any.
    ///
    /// ```
    /// assert!(cos_policy::Policy::new().principal().is_none());
    /// ```
    #[must_use]
    pub fn principal(&self) -> Option<&serde_json::Value> {
        self.principal.as_ref()
    }

    /// The statements, in order.
    ///
    /// ```
    /// assert!(cos_policy::Policy::new().statements().is_empty());
    /// ```
    #[must_use]
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    pub(crate) fn from_parts(
        version: String,
        principal: Option<serde_json::Value>,
        statements: Vec<Statement>,
    ) -> Self {
        Self {
            version,
            principal,
            statements,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Condition, CosResource};

    #[test]
    fn conditions_stay_sorted_and_merged() {
        let s = Statement::allow()
            .with_condition(
                Condition::parse("string_equal", "cos:x-cos-acl", &["private"]).unwrap(),
            )
            .with_condition(Condition::parse("ip_equal", "qcs:ip", &["10.0.0.0/8"]).unwrap())
            .with_condition(
                Condition::parse("bool_equal", "cos:secure-transport", &["true"]).unwrap(),
            )
            .with_condition(
                Condition::parse("ip_equal", "qcs:ip", &["10.0.0.0/8", "1.2.3.4"]).unwrap(),
            );
        let ops: Vec<String> = s
            .conditions()
            .iter()
            .map(|c| c.operator().to_string())
            .collect();
        assert_eq!(ops, ["bool_equal", "ip_equal", "string_equal"]);
        assert_eq!(s.conditions()[1].values().len(), 2);
    }

    #[test]
    fn built_policies_round_trip() {
        let policy = Policy::new()
            .with_principal(serde_json::json!({"qcs": ["*"]}))
            .with_statement(
                Statement::deny()
                    .with_action(Action::cos("DeleteObject"))
                    .with_resource(
                        CosResource::prefix(
                            &crate::Bucket::new(
                                "b-1250000000".parse().unwrap(),
                                "ap-beijing".parse().unwrap(),
                            ),
                            "keep/",
                        )
                        .unwrap(),
                    )
                    .with_condition(
                        Condition::parse("string_like", "cos:prefix", &["keep*"]).unwrap(),
                    ),
            );
        assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy);
        assert_eq!(Policy::default(), Policy::new());
        assert_eq!(Effect::Allow.to_string(), "allow");
    }
}
