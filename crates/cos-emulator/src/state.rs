//! Shared state of a running emulator.

use crate::clock::Clock;
use crate::faults::Faults;
use crate::identity::Identities;
use crate::storage::Store;
use crate::sts::Role;
use std::sync::RwLock;
use std::time::Duration;

/// Size and time limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Largest simple PUT / part / POST file, bytes.
    pub(crate) max_object_size: u64,
    /// Largest XML or JSON request body buffered in memory, bytes.
    pub(crate) max_document: usize,
    /// How long a request body may take.
    pub(crate) body: crate::http::body::BodyDeadline,
    /// How long the request line and headers may take.
    pub(crate) header_timeout: Duration,
}

/// Everything handlers need.
pub(crate) struct State {
    pub(crate) region: String,
    pub(crate) appid: String,
    pub(crate) buckets: Vec<String>,
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    pub(crate) faults: RwLock<Faults>,
    /// The root account, sub-accounts and temporary keys.
    pub(crate) identities: Identities,
    pub(crate) roles: Vec<Role>,
    /// Identity providers for AssumeRoleWithWebIdentity.
    pub(crate) oidc_providers: Vec<crate::OidcProvider>,
    /// MFA devices for GetSessionToken.
    pub(crate) mfa_devices: Vec<crate::MfaDevice>,
    pub(crate) sts_public_host: String,
    pub(crate) allow_anonymous: bool,
    pub(crate) limits: Limits,
    /// How PUT Object and Upload Part compute ETags.
    pub(crate) etag_mode: crate::EtagMode,
}

impl State {
    /// The bucket used when neither the host nor the path names one.
    pub(crate) fn default_bucket(&self) -> &str {
        self.buckets.first().map_or("", String::as_str)
    }

    /// The current fault configuration.
    pub(crate) fn faults(&self) -> Faults {
        self.faults.read().map(|f| *f).unwrap_or_default()
    }

    /// The CAM resource prefix `qcs::cos:<region>:uid/<appid>:`.
    pub(crate) fn resource_prefix(&self) -> String {
        format!("qcs::cos:{}:uid/{}:", self.region, self.appid)
    }
}
