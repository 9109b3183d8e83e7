//! Credential providers: where a [`Credential`] comes from, and how it is kept fresh.
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

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tc3_signer::Credential;

mod assume_role;
mod cache;
mod chain;
mod clock;
mod environment;
mod error;
mod federation;
mod io;
mod metadata;
mod profile;
mod static_provider;
mod vending;
mod web_identity;

pub use assume_role::AssumeRoleProvider;
pub use cache::{CacheConfig, CredentialsCache};
pub use chain::{Declined, ProviderChain};
pub use clock::{Clock, ManualClock, SystemClock};
pub use environment::EnvironmentProvider;
pub use error::CredentialsError;
pub use federation::FederationTokenProvider;
pub use io::{Env, Fs, MapEnv, MapFs, ProcessEnv, RealFs};
pub use metadata::InstanceMetadataProvider;
pub use profile::ProfileProvider;
pub use static_provider::StaticProvider;
pub use vending::VendingEndpointProvider;
pub use web_identity::WebIdentityProvider;

/// A boxed, sendable future, the return type of [`ProvideCredentials::provide_credentials`].
///
/// ```
/// use sts_client::provider::BoxFuture;
///
/// fn answer() -> BoxFuture<'static, u32> {
///     Box::pin(async { 42 })
/// }
/// # let _ = answer();
/// ```
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A credential together with when it expires and which provider supplied it.
///
/// The whole value is replaced at once by a cache, so a reader never sees a new secret id
/// with an old key.
///
/// ```
/// use sts_client::provider::ProvidedCredential;
/// use tc3_signer::Credential;
///
/// let provided = ProvidedCredential::new(Credential::new("id", "key"), Some(100), "static");
/// assert_eq!(provided.expires_at(), Some(100));
/// assert_eq!(provided.provider(), "static");
/// assert!(!format!("{provided:?}").contains("key\""));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvidedCredential {
    credential: Credential,
    expires_at: Option<u64>,
    provider: &'static str,
}

impl ProvidedCredential {
    /// Wraps a credential. `expires_at` is in Unix seconds; `None` means it does not expire.
    ///
    /// ```
    /// let p = sts_client::provider::ProvidedCredential::new(
    ///     tc3_signer::Credential::new("id", "key"), None, "test");
    /// assert_eq!(p.expires_at(), None);
    /// ```
    pub fn new(credential: Credential, expires_at: Option<u64>, provider: &'static str) -> Self {
        Self {
            credential,
            expires_at,
            provider,
        }
    }

    /// The credential (id, key, optional token).
    ///
    /// ```
    /// let p = sts_client::provider::ProvidedCredential::new(
    ///     tc3_signer::Credential::new("id", "key"), None, "test");
    /// assert_eq!(p.credential().secret_key(), "key");
    /// ```
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Expiry in Unix seconds, if the credential is temporary.
    ///
    /// ```
    /// let p = sts_client::provider::ProvidedCredential::new(
    ///     tc3_signer::Credential::new("id", "key"), Some(5), "test");
    /// assert_eq!(p.expires_at(), Some(5));
    /// ```
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// Name of the provider that supplied it (`environment`, `profile`, `instance-metadata`…).
    ///
    /// ```
    /// let p = sts_client::provider::ProvidedCredential::new(
    ///     tc3_signer::Credential::new("id", "key"), None, "profile");
    /// assert_eq!(p.provider(), "profile");
    /// ```
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Whether the credential is still usable at `now` (Unix seconds).
    ///
    /// ```
    /// let p = sts_client::provider::ProvidedCredential::new(
    ///     tc3_signer::Credential::new("id", "key"), Some(10), "test");
    /// assert!(p.is_valid_at(9));
    /// assert!(!p.is_valid_at(10));
    /// ```
    pub fn is_valid_at(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|expiry| now < expiry)
    }
}

/// Something that can supply a credential: implemented by every provider in this module, by
/// [`CredentialsCache`] and by [`ProviderChain`], and usable by other crates (such as
/// `cos-client`) as `Arc<dyn ProvideCredentials>`.
///
/// ```
/// use sts_client::provider::{BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential};
/// use tc3_signer::Credential;
///
/// #[derive(Debug)]
/// struct Fixed;
/// impl ProvideCredentials for Fixed {
///     fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
///         Box::pin(async { Ok(ProvidedCredential::new(Credential::new("id", "key"), None, "fixed")) })
///     }
/// }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert_eq!(Fixed.provide_credentials().await.unwrap().provider(), "fixed");
/// # });
/// ```
pub trait ProvideCredentials: Send + Sync + std::fmt::Debug {
    /// Loads (or returns a cached) credential.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>>;
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        (**self).provide_credentials()
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Box<T> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        (**self).provide_credentials()
    }
}

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
