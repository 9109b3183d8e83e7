//! Shared state of a running emulator.

use crate::builder::Role;
use crate::clock::Clock;
use crate::faults::Faults;
use crate::storage::Store;
use crate::sts::CredentialStore;
use std::sync::RwLock;
use std::time::Duration;
use tc3_signer::Credential;

/// Size and time limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Largest simple PUT / part / POST file, bytes.
    pub(crate) max_object_size: u64,
    /// Largest XML or JSON request body buffered in memory, bytes.
    pub(crate) max_document: usize,
    /// Longest wait for the next chunk of a request body.
    pub(crate) idle: Duration,
}

/// Everything handlers need.
pub(crate) struct State {
    pub(crate) region: String,
    pub(crate) appid: String,
    pub(crate) owner_uin: String,
    pub(crate) buckets: Vec<String>,
    pub(crate) root: Credential,
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    pub(crate) faults: RwLock<Faults>,
    pub(crate) credentials: CredentialStore,
    pub(crate) roles: Vec<Role>,
    /// Identity providers for AssumeRoleWithWebIdentity.
    pub(crate) oidc_providers: Vec<crate::OidcProvider>,
    /// MFA devices for GetSessionToken.
    pub(crate) mfa_devices: Vec<crate::MfaDevice>,
    /// `(uin, permanent key)` of CAM sub-accounts.
    pub(crate) sub_accounts: Vec<(String, Credential)>,
    pub(crate) sts_public_host: String,
    pub(crate) allow_anonymous: bool,
    pub(crate) limits: Limits,
    /// How PUT Object and Upload Part compute ETags.
    pub(crate) etag_mode: crate::EtagMode,
    /// The admin API's token and logs.
    pub(crate) admin: crate::admin::Admin,
}

impl State {
    /// The bucket used when neither the host nor the path names one.
    pub(crate) fn default_bucket(&self) -> &str {
        self.buckets.first().map_or("", String::as_str)
    }

    /// The current fault configuration.
    pub(crate) fn faults(&self) -> Faults {
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// The sub-account owning `secret_id`, as `(uin, key)`.
    pub(crate) fn sub_account(&self, secret_id: &str) -> Option<&(String, Credential)> {
        self.sub_accounts
            .iter()
            .find(|(_, c)| c.secret_id() == secret_id)
    }

    /// The CAM resource prefix `qcs::cos:<region>:uid/<appid>:`.
    pub(crate) fn resource_prefix(&self) -> String {
        format!("qcs::cos:{}:uid/{}:", self.region, self.appid)
    }
}
