//! Who may call, and what each caller may do: the registry of identities (the root
//! account, CAM sub-accounts with their own policies, and the temporary keys issued by STS)
//! and the one place that evaluates CAM policies, always with `cos-policy`.
//!
//! A caller's permissions are a list of policy sets that must **all** allow a request:
//!
//! * root: no restriction;
//! * a sub-account: one set, the union of its attached policies (an explicit deny in any of
//!   them wins, as in CAM or cedar's `PolicySet`);
//! * a temporary key: every policy it was issued with (a federation key: the policy passed
//!   to GetFederationToken ∩ its holder's permissions; a role key: the role's policy ∩ the
//!   session policy).

mod sub_account;
mod temporary;

pub use sub_account::SubAccount;
pub(crate) use temporary::{CredentialStore, Issue, TempKey};

use std::sync::Arc;
use tc3_signer::Credential;

/// An authenticated caller.
#[derive(Debug, Clone)]
pub(crate) enum Identity {
    /// The root account's permanent key (or an anonymous request when allowed).
    Root,
    /// A CAM sub-account's permanent key.
    SubAccount(Arc<SubAccount>),
    /// A temporary key issued by the STS side.
    Temporary(Arc<TempKey>),
}

/// Why a presented key was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyError {
    /// No identity has this secret id.
    Unknown,
    /// A temporary key presented without its token.
    TokenMissing,
    /// A temporary key presented with another token.
    TokenInvalid,
    /// A temporary key past its expiry.
    Expired,
}

/// Every identity of the account.
pub(crate) struct Identities {
    /// The root account's UIN.
    pub(crate) owner_uin: String,
    /// The root account's permanent key.
    pub(crate) root: Credential,
    sub_accounts: Vec<Arc<SubAccount>>,
    /// Temporary keys issued by the STS side.
    pub(crate) temporary: CredentialStore,
}

impl Identities {
    /// The registry of one account.
    pub(crate) fn new(
        owner_uin: String,
        root: Credential,
        sub_accounts: Vec<SubAccount>,
        temporary: CredentialStore,
    ) -> Self {
        Self {
            owner_uin,
            root,
            sub_accounts: sub_accounts.into_iter().map(Arc::new).collect(),
            temporary,
        }
    }

    /// The identity owning `secret_id` and its secret key, after checking a temporary
    /// key's token and expiry against `now`.
    pub(crate) fn authenticate(
        &self,
        secret_id: &str,
        token: Option<&str>,
        now: u64,
    ) -> Result<(Identity, String), KeyError> {
        if secret_id == self.root.secret_id() {
            return Ok((Identity::Root, self.root.secret_key().to_string()));
        }
        if let Some(user) = self
            .sub_accounts
            .iter()
            .find(|u| u.credential().secret_id() == secret_id)
        {
            let secret = user.credential().secret_key().to_string();
            return Ok((Identity::SubAccount(user.clone()), secret));
        }
        let key = self.temporary.get(secret_id).ok_or(KeyError::Unknown)?;
        let token = token.ok_or(KeyError::TokenMissing)?;
        if !key.token_matches(token) {
            return Err(KeyError::TokenInvalid);
        }
        if key.expired_time <= now {
            return Err(KeyError::Expired);
        }
        let secret = key.secret_key().to_string();
        Ok((Identity::Temporary(key), secret))
    }

    /// `qcs::cam::uin/<owner>:uin/<uin>`: a permanent identity of the account.
    pub(crate) fn user_arn(&self, uin: &str) -> String {
        format!("qcs::cam::uin/{}:uin/{uin}", self.owner_uin)
    }

    /// `qcs::cam::uin/<owner>:roleName/<name>`: a role of the account.
    pub(crate) fn role_arn(&self, name: &str) -> String {
        format!("qcs::cam::uin/{}:roleName/{name}", self.owner_uin)
    }
}

impl Identity {
    /// The caller's ARN (`Initiator`, GetCallerIdentity).
    pub(crate) fn arn(&self, ids: &Identities) -> String {
        match self {
            Identity::Root => ids.user_arn(&ids.owner_uin),
            Identity::SubAccount(user) => ids.user_arn(user.uin()),
            Identity::Temporary(key) => key.principal.clone(),
        }
    }

    /// The CAM identity a trust policy's principal must name to admit this caller.
    pub(crate) fn trust_principal(&self, ids: &Identities) -> String {
        match self {
            Identity::Temporary(key) => key.holder.clone(),
            permanent => permanent.arn(ids),
        }
    }

    /// The caller's permissions as policy documents that must all allow (none: root).
    pub(crate) fn policy_documents(&self) -> Vec<String> {
        match self {
            Identity::Root => Vec::new(),
            Identity::SubAccount(user) => vec![user.permissions().to_json()],
            Identity::Temporary(key) => key.policies().map(cos_policy::Policy::to_json).collect(),
        }
    }

    /// Whether the caller may do `action` (`name/<service>:<Action>`) on `resource` with the
    /// condition `context`.
    pub(crate) fn allows(
        &self,
        action: &str,
        resource: &str,
        context: &[(&'static str, String)],
    ) -> bool {
        match self {
            Identity::Root => true,
            Identity::SubAccount(user) => allows(user.permissions(), action, resource, context),
            Identity::Temporary(key) => {
                key.policies().all(|p| allows(p, action, resource, context))
            }
        }
    }

    /// Unix seconds at which the caller's key stops working (permanent keys: never).
    pub(crate) fn expires_at(&self) -> Option<u64> {
        match self {
            Identity::Temporary(key) => Some(key.expired_time),
            _ => None,
        }
    }
}

/// Whether `policy` allows `action` on `resource` with `context` (explicit deny wins; no
/// matching allow is an implicit deny).
pub(crate) fn allows(
    policy: &cos_policy::Policy,
    action: &str,
    resource: &str,
    context: &[(&'static str, String)],
) -> bool {
    decide(policy, None, action, resource, context) == cos_policy::DecisionKind::Allow
}

/// How `policy` decides `action` on `resource` with `context`, sent by `principal` (for
/// resource policies whose statements name principals; `None`: identity-based). The one
/// call into the `cos-policy` evaluator.
pub(crate) fn decide(
    policy: &cos_policy::Policy,
    principal: Option<&str>,
    action: &str,
    resource: &str,
    context: &[(&'static str, String)],
) -> cos_policy::DecisionKind {
    let mut request = cos_policy::Request::new(action, resource);
    if let Some(principal) = principal {
        request = request.with_principal(principal);
    }
    for (key, value) in context {
        request = request.with_context(*key, value.clone());
    }
    cos_policy::evaluate(policy, &request).kind()
}
