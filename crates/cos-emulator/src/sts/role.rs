//! The CAM roles that AssumeRole and AssumeRoleWithWebIdentity hand out keys of.

/// A CAM role that `AssumeRole` can assume, with the policy the role grants.
///
/// ```
/// let role = cos_emulator::Role::new("uploader", r#"{"version":"2.0","statement":[]}"#);
/// assert_eq!(role.name(), "uploader");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    name: String,
    policy: String,
    external_id: Option<String>,
    trust: Option<String>,
}

impl Role {
    /// A role called `name` whose permissions are the CAM policy `policy_json`.
    ///
    /// ```
    /// let role = cos_emulator::Role::new("r", "{}");
    /// assert_eq!(role.policy_json(), "{}");
    /// ```
    pub fn new(name: impl Into<String>, policy_json: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            policy: policy_json.into(),
            external_id: None,
            trust: None,
        }
    }

    /// The role's trust policy (role carrier): who may assume it. Each statement names
    /// `principal: {"qcs": [...]}` (`qcs::cam::uin/<owner>:root` for every identity of the
    /// account, `…:uin/<uin>` for one user, `…:roleName/<name>` for a role's sessions) and
    /// may carry conditions such as `{"string_equal": {"sts:external_id": "..."}}`.
    /// Without one, the role trusts the owner account (`qcs::cam::uin/<owner>:root`). Either
    /// way the caller also needs `name/sts:AssumeRole` on the role in its own policies.
    ///
    /// ```
    /// let role = cos_emulator::Role::new("r", "{}").trust_policy(r#"{"version":"2.0","statement":[
    ///     {"effect":"allow","action":["name/sts:AssumeRole"],
    ///      "principal":{"qcs":["qcs::cam::uin/100000000001:uin/100000000011"]}}]}"#);
    /// assert!(role.trust_policy_json().is_some());
    /// ```
    #[must_use]
    pub fn trust_policy(mut self, trust_json: impl Into<String>) -> Self {
        self.trust = Some(trust_json.into());
        self
    }

    /// The trust policy given with [`Role::trust_policy`], if any.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Role::new("r", "{}").trust_policy_json(), None);
    /// ```
    pub fn trust_policy_json(&self) -> Option<&str> {
        self.trust.as_deref()
    }

    /// Requires AssumeRole callers to send this `ExternalId`, as a role whose trust policy
    /// has an `sts:external_id` condition does; others get `UnauthorizedOperation`.
    ///
    /// ```
    /// let role = cos_emulator::Role::new("partner", "{}").external_id("partner-42");
    /// assert_eq!(role.required_external_id(), Some("partner-42"));
    /// ```
    #[must_use]
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The `ExternalId` AssumeRole must carry, if any.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Role::new("r", "{}").required_external_id(), None);
    /// ```
    pub fn required_external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    /// The role name (as in `qcs::cam::uin/<uin>:roleName/<name>`).
    ///
    /// ```
    /// assert_eq!(cos_emulator::Role::new("r", "{}").name(), "r");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role's policy document.
    ///
    /// ```
    /// assert_eq!(cos_emulator::Role::new("r", "{}").policy_json(), "{}");
    /// ```
    pub fn policy_json(&self) -> &str {
        &self.policy
    }
}
