//! A fixed credential.

use crate::Credential;

use super::{BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential};

/// Always supplies the same credential (permanent keys, or temporary keys with a known expiry).
///
/// ```
/// use cos_core::provider::{ProvideCredentials, StaticProvider};
/// use cos_core::Credential;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// # block_on(async {
/// let provider = StaticProvider::new(Credential::new("id", "key")).expiring_at(1_900_000_000);
/// let provided = provider.provide_credentials().await.unwrap();
/// assert_eq!(provided.expires_at(), Some(1_900_000_000));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct StaticProvider {
    credential: Credential,
    expires_at: Option<u64>,
}

impl StaticProvider {
    /// A provider of `credential`, which never expires.
    ///
    /// ```
    /// let p = cos_core::provider::StaticProvider::new(cos_core::Credential::new("i", "k"));
    /// # let _ = p;
    /// ```
    pub fn new(credential: Credential) -> Self {
        Self {
            credential,
            expires_at: None,
        }
    }

    /// Declares when the credential expires (Unix seconds).
    ///
    /// ```
    /// let p = cos_core::provider::StaticProvider::new(cos_core::Credential::new("i", "k"))
    ///     .expiring_at(10);
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn expiring_at(mut self, expires_at: u64) -> Self {
        self.expires_at = Some(expires_at);
        self
    }
}

impl ProvideCredentials for StaticProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        let provided = ProvidedCredential::new(self.credential.clone(), self.expires_at, "static");
        Box::pin(async move { Ok(provided) })
    }
}
