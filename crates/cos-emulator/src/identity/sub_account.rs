//! CAM sub-accounts: a UIN, a permanent key and the policies attached to it.

use tc3_signer::Credential;

/// A CAM sub-account (a user of the owner's account) with a permanent key and its own CAM
/// policies. Like a new CAM user it may do nothing until a policy is attached; its
/// permissions are the union of its policies (an explicit deny in any of them wins).
/// GetFederationToken needs `name/sts:GetFederationToken` (resource `*`) and the key it
/// obtains is limited to those permissions ∩ the policy it passes; AssumeRole needs
/// `name/sts:AssumeRole` on the role (`qcs::cam::uin/<owner>:roleName/<name>`).
///
/// ```
/// let reader = cos_emulator::SubAccount::new("100000000011", "AKIDREADER", "reader-secret")
///     .policy(r#"{"version":"2.0","statement":[{"effect":"allow",
///         "action":["name/cos:GetObject"],"resource":["*"]}]}"#);
/// assert_eq!(reader.uin(), "100000000011");
/// # let _ = cos_emulator::Emulator::builder().cam_user(reader);
/// ```
#[derive(Clone)]
pub struct SubAccount {
    uin: String,
    credential: Credential,
    documents: Vec<String>,
    permissions: cos_policy::Policy,
}

impl std::fmt::Debug for SubAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubAccount")
            .field("uin", &self.uin)
            .field("secret_id", &self.credential.secret_id())
            .field("policies", &self.documents.len())
            .finish_non_exhaustive()
    }
}

/// Everything on everything: CAM's `AdministratorAccess`.
const ADMINISTRATOR: &str =
    r#"{"version":"2.0","statement":[{"effect":"allow","action":["*"],"resource":["*"]}]}"#;

impl SubAccount {
    /// A sub-account with UIN `uin`, a permanent key and no policy.
    ///
    /// ```
    /// let user = cos_emulator::SubAccount::new("100000000011", "AKIDSUB", "secret");
    /// assert_eq!(user.policies().count(), 0);
    /// ```
    pub fn new(
        uin: impl Into<String>,
        secret_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        Self {
            uin: uin.into(),
            credential: Credential::new(secret_id, secret_key),
            documents: Vec::new(),
            permissions: cos_policy::Policy::new(),
        }
    }

    /// Attaches a CAM policy (JSON). A document that does not parse is reported by
    /// [`EmulatorBuilder::start`](crate::EmulatorBuilder::start).
    ///
    /// ```
    /// let user = cos_emulator::SubAccount::new("1", "AKIDSUB", "secret").policy("{}");
    /// assert_eq!(user.policies().collect::<Vec<_>>(), ["{}"]);
    /// ```
    #[must_use]
    pub fn policy(mut self, policy_json: impl Into<String>) -> Self {
        self.documents.push(policy_json.into());
        self
    }

    /// Attaches `AdministratorAccess` (every action on every resource).
    ///
    /// ```
    /// let admin = cos_emulator::SubAccount::new("1", "AKIDSUB", "secret").administrator();
    /// assert_eq!(admin.policies().count(), 1);
    /// ```
    #[must_use]
    pub fn administrator(self) -> Self {
        self.policy(ADMINISTRATOR)
    }

    /// The sub-account's UIN.
    ///
    /// ```
    /// assert_eq!(cos_emulator::SubAccount::new("7", "AKID", "s").uin(), "7");
    /// ```
    pub fn uin(&self) -> &str {
        &self.uin
    }

    /// The attached policy documents, in order.
    ///
    /// ```
    /// let user = cos_emulator::SubAccount::new("7", "AKID", "s");
    /// assert!(user.policies().next().is_none());
    /// ```
    pub fn policies(&self) -> impl Iterator<Item = &str> {
        self.documents.iter().map(String::as_str)
    }

    pub(crate) fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The union of the attached policies as one policy: a policy's statements are judged
    /// together (any deny wins, else any allow), so concatenating them is their union.
    pub(crate) fn permissions(&self) -> &cos_policy::Policy {
        &self.permissions
    }

    /// Parses the attached documents into [`SubAccount::permissions`].
    pub(crate) fn compiled(mut self) -> Result<Self, String> {
        let mut union = cos_policy::Policy::new();
        for (index, document) in self.documents.iter().enumerate() {
            let policy = cos_policy::Policy::from_json(document)
                .map_err(|e| format!("sub-account {}: policy {}: {e}", self.uin, index + 1))?;
            for statement in policy.statements() {
                union = union.with_statement(statement.clone());
            }
        }
        self.permissions = union;
        Ok(self)
    }
}
