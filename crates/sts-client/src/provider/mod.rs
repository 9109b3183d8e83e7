//! Credential providers: where a [`Credential`](cos_core::Credential) comes from, and how it is kept fresh.
//!
//! A provider implements [`ProvideCredentials`]. Providers that are not configured (no
//! environment variables, no profile file, no instance role…) answer
//! [`CredentialsError::NotLoaded`], which lets a [`ProviderChain`] try the next one; any other
//! error stops the chain. Wrap any provider in a [`CredentialsCache`] to share one refresh among
//! all callers.
//!
//! ```
//! use sts_client::provider::{ProvideCredentials, StaticProvider};
//! use tc3_signer::Credential;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let provider = StaticProvider::new(Credential::new("AKIDEXAMPLE", "secret"));
//! let provided = provider.provide_credentials().await.unwrap();
//! assert_eq!(provided.credential().secret_id(), "AKIDEXAMPLE");
//! # });
//! ```

use std::sync::Arc;

mod assume_role;
mod cache;
mod chain;
mod environment;
mod federation;
mod io;
mod metadata;
mod profile;
mod vending;
mod web_identity;

pub use assume_role::AssumeRoleProvider;
pub use cache::{CacheConfig, CredentialsCache};
pub use chain::ProviderChain;
/// The credential, the provider trait and the clock are the foundation's (`cos-core`), shared
/// with `cos-client`; they are re-exported here so `sts_client::provider::…` paths keep working.
pub use cos_core::clock::{Clock, ManualClock, SharedClock, SystemClock};
/// Re-exported from `cos-core`.
pub use cos_core::provider::{
    BoxFuture, CredentialsError, Declined, ProvideCredentials, ProvidedCredential, StaticProvider,
};
pub use environment::EnvironmentProvider;
pub use federation::FederationTokenProvider;
pub use io::{Env, Fs, MapEnv, MapFs, ProcessEnv, RealFs};
pub use metadata::InstanceMetadataProvider;
pub use profile::ProfileProvider;
pub use vending::VendingEndpointProvider;
pub use web_identity::WebIdentityProvider;

/// The default chain: environment → profile file → TKE OIDC web identity → CVM instance
/// metadata, all read from the real process environment and filesystem, wrapped in a cache.
///
/// ```
/// let provider = sts_client::provider::default_provider();
/// assert!(format!("{provider:?}").contains("EnvironmentProvider"));
/// ```
pub fn default_provider() -> CredentialsCache {
    let env: Arc<dyn Env> = Arc::new(ProcessEnv);
    let fs: Arc<dyn Fs> = Arc::new(RealFs);
    let chain = ProviderChain::new()
        .with(EnvironmentProvider::with_env(env.clone()))
        .with(ProfileProvider::with_env_and_fs(env.clone(), fs.clone()))
        .with(WebIdentityProvider::from_env(env, fs))
        .with(InstanceMetadataProvider::new());
    CredentialsCache::new(chain)
}

/// The credential error of a provider whose STS call failed: a malformed answer is
/// `Unhandled`, a refused request `InvalidConfiguration`, a time-out `ProviderTimedOut`, and
/// anything else a `ProviderError` as retryable as the STS error.
pub(crate) fn error_from_sts(provider: &'static str, error: &crate::StsError) -> CredentialsError {
    match error {
        crate::StsError::MalformedResponse { .. } => CredentialsError::Unhandled {
            provider,
            message: error.to_string(),
        },
        crate::StsError::InvalidRequest { .. } | crate::StsError::PolicyRejected { .. } => {
            CredentialsError::invalid(format!("{provider}: {error}"))
        }
        crate::StsError::Timeout { after } => CredentialsError::ProviderTimedOut(*after),
        _ => CredentialsError::ProviderError {
            provider,
            message: error.to_string(),
            retryable: error.is_retryable(),
        },
    }
}
