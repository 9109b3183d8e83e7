//! Credentials and where they come from: the [`ProvideCredentials`] trait both clients sign
//! with, what a provider answers ([`ProvidedCredential`]: a [`Credential`] with its expiry) and
//! why it may not ([`CredentialsError`]), and the one provider that needs no IO
//! ([`StaticProvider`]).
//!
//! The trait returns a boxed future and names no runtime, so a crate that implements or
//! consumes it pulls in no async runtime and no HTTP client. The providers that do IO
//! (environment, profile, instance metadata, STS, vending endpoints), the chain and the
//! single-flight cache live in `sts-client`.
//!
//! ```
//! use cos_core::Credential;
//! use cos_core::provider::{ProvideCredentials, StaticProvider};
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//!
//! # block_on(async {
//! let provider = StaticProvider::new(Credential::new("AKIDEXAMPLE", "secret"));
//! let provided = provider.provide_credentials().await.unwrap();
//! assert_eq!(provided.credential().secret_id(), "AKIDEXAMPLE");
//! # });
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Credential;

mod error;
mod static_provider;

pub use error::CredentialsError;
pub use static_provider::StaticProvider;

/// A boxed, sendable future, the return type of [`ProvideCredentials::provide_credentials`].
///
/// ```
/// use cos_core::provider::BoxFuture;
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
/// use cos_core::Credential;
/// use cos_core::provider::ProvidedCredential;
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
    /// let p = cos_core::provider::ProvidedCredential::new(
    ///     cos_core::Credential::new("id", "key"), None, "test");
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
    /// let p = cos_core::provider::ProvidedCredential::new(
    ///     cos_core::Credential::new("id", "key"), None, "test");
    /// assert_eq!(p.credential().secret_key(), "key");
    /// ```
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Expiry in Unix seconds, if the credential is temporary.
    ///
    /// ```
    /// let p = cos_core::provider::ProvidedCredential::new(
    ///     cos_core::Credential::new("id", "key"), Some(5), "test");
    /// assert_eq!(p.expires_at(), Some(5));
    /// ```
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// Name of the provider that supplied it (`environment`, `profile`, `instance-metadata`…).
    ///
    /// ```
    /// let p = cos_core::provider::ProvidedCredential::new(
    ///     cos_core::Credential::new("id", "key"), None, "profile");
    /// assert_eq!(p.provider(), "profile");
    /// ```
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// Whether the credential is still usable at `now` (Unix seconds).
    ///
    /// ```
    /// let p = cos_core::provider::ProvidedCredential::new(
    ///     cos_core::Credential::new("id", "key"), Some(10), "test");
    /// assert!(p.is_valid_at(9));
    /// assert!(!p.is_valid_at(10));
    /// ```
    pub fn is_valid_at(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|expiry| now < expiry)
    }
}

/// Something that can supply a credential: implemented by [`StaticProvider`], by every
/// provider of `sts-client` (its cache and chain included), and consumed by both clients as
/// `Arc<dyn ProvideCredentials>`.
///
/// ```
/// use cos_core::Credential;
/// use cos_core::provider::{BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential};
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
///
/// #[derive(Debug)]
/// struct Fixed;
/// impl ProvideCredentials for Fixed {
///     fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
///         Box::pin(async { Ok(ProvidedCredential::new(Credential::new("id", "key"), None, "fixed")) })
///     }
/// }
/// # block_on(async {
/// assert_eq!(Fixed.provide_credentials().await.unwrap().provider(), "fixed");
/// # });
/// Fixed.invalidate(); // nothing cached: a no-op
/// ```
pub trait ProvideCredentials: Send + Sync + std::fmt::Debug {
    /// Loads (or returns a cached) credential.
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>>;

    /// Forgets a cached credential, so that the next call loads a fresh one (a client calls it
    /// when the server answers that the token expired). Providers without a cache do nothing,
    /// the default.
    ///
    /// ```
    /// use cos_core::provider::{ProvideCredentials, StaticProvider};
    /// StaticProvider::new(cos_core::Credential::new("i", "k")).invalidate();
    /// ```
    fn invalidate(&self) {}
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Arc<T> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        (**self).provide_credentials()
    }

    fn invalidate(&self) {
        (**self).invalidate();
    }
}

impl<T: ProvideCredentials + ?Sized> ProvideCredentials for Box<T> {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        (**self).provide_credentials()
    }

    fn invalidate(&self) {
        (**self).invalidate();
    }
}

/// One provider of a chain that declined, and why.
///
/// ```
/// let d = cos_core::provider::Declined { provider: "environment".into(), reason: "unset".into() };
/// assert_eq!(d.to_string(), "environment: unset");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declined {
    /// The provider (its `Debug` name).
    pub provider: String,
    /// Why it declined.
    pub reason: String,
}

impl Declined {
    fn summary(attempts: &[Declined]) -> String {
        attempts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.provider, self.reason)
    }
}
