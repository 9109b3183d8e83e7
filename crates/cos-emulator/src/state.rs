//! Shared state of a running emulator, in three parts: the COS side's configuration, the
//! STS side's configuration, and the identities both authenticate against; plus what every
//! layer shares (clock, storage, limits, faults).

use crate::clock::Clock;
use crate::cos::CosConfig;
use crate::faults::Faults;
use crate::identity::Identities;
use crate::storage::Store;
use crate::sts::StsConfig;
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
    /// The COS side: region, APPID, buckets, addressing and ETag options.
    pub(crate) cos: CosConfig,
    /// The STS side: roles, identity providers, MFA devices, public host.
    pub(crate) sts: StsConfig,
    /// The root account, sub-accounts and temporary keys.
    pub(crate) identities: Identities,
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    pub(crate) faults: RwLock<Faults>,
    pub(crate) limits: Limits,
    /// Where authorization decisions are recorded, when asked for.
    pub(crate) access_log: Option<crate::access_log::AccessLog>,
    /// The emulated network link of the COS listener (`None`: unshaped).
    pub(crate) link: Option<crate::link::Shaper>,
    /// The admin API's token and logs.
    pub(crate) admin: crate::admin::Admin,
}

impl State {
    /// The current fault configuration.
    pub(crate) fn faults(&self) -> Faults {
        self.faults.read().map(|f| f.clone()).unwrap_or_default()
    }
}
