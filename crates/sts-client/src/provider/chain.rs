//! Try providers in order; report why each one declined.

use std::sync::Arc;

use tracing::Instrument;

use super::{BoxFuture, CredentialsError, Declined, ProvideCredentials, ProvidedCredential};

/// Tries providers in order. A provider that is not configured
/// ([`CredentialsError::is_not_loaded`]) is skipped and its reason recorded; the first
/// credential wins; any other error stops the chain and is returned as is. When all decline,
/// the error is [`CredentialsError::ChainExhausted`] with every reason.
///
/// ```
/// use std::sync::Arc;
/// use sts_client::provider::{
///     CredentialsError, EnvironmentProvider, MapEnv, ProviderChain, ProvideCredentials, StaticProvider,
/// };
/// use tc3_signer::Credential;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let chain = ProviderChain::new()
///     .with(EnvironmentProvider::with_env(Arc::new(MapEnv::default())))
///     .with(StaticProvider::new(Credential::new("fallback", "key")));
/// assert_eq!(chain.provide_credentials().await.unwrap().credential().secret_id(), "fallback");
///
/// let empty = ProviderChain::new().with(EnvironmentProvider::with_env(Arc::new(MapEnv::default())));
/// match empty.provide_credentials().await {
///     Err(CredentialsError::ChainExhausted { attempts }) => assert_eq!(attempts.len(), 1),
///     other => panic!("{other:?}"),
/// }
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProviderChain {
    providers: Vec<(String, Arc<dyn ProvideCredentials>)>,
}

impl ProviderChain {
    /// An empty chain.
    ///
    /// ```
    /// let chain = sts_client::provider::ProviderChain::new();
    /// # let _ = chain;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a provider.
    ///
    /// ```
    /// use sts_client::provider::{ProviderChain, StaticProvider};
    /// let chain = ProviderChain::new().with(StaticProvider::new(tc3_signer::Credential::new("i", "k")));
    /// # let _ = chain;
    /// ```
    #[must_use]
    pub fn with(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        let name = short_name(&format!("{provider:?}"));
        self.providers.push((name, Arc::new(provider)));
        self
    }
}

fn short_name(debug: &str) -> String {
    let end = debug
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(debug.len());
    debug.get(..end).unwrap_or(debug).to_owned()
}

impl ProvideCredentials for ProviderChain {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(async move {
            let mut attempts = Vec::new();
            for (name, provider) in &self.providers {
                let span = tracing::debug_span!("credential_provider", provider = %name);
                match provider.provide_credentials().instrument(span).await {
                    Ok(provided) => {
                        tracing::debug!(provider = %name, "credentials loaded");
                        return Ok(provided);
                    }
                    Err(error) if error.is_not_loaded() => {
                        tracing::debug!(provider = %name, reason = %error, "provider declined");
                        attempts.push(Declined {
                            provider: name.clone(),
                            reason: error.to_string(),
                        });
                    }
                    Err(error) => {
                        tracing::warn!(provider = %name, %error, "provider failed; chain stops");
                        return Err(error);
                    }
                }
            }
            Err(CredentialsError::ChainExhausted { attempts })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{EnvironmentProvider, MapEnv, StaticProvider};
    use tc3_signer::Credential;

    #[tokio::test]
    async fn a_real_error_stops_the_chain() {
        let half = EnvironmentProvider::with_env(Arc::new(MapEnv::new([(
            "TENCENTCLOUD_SECRET_ID",
            "id",
        )])));
        let chain = ProviderChain::new()
            .with(half)
            .with(StaticProvider::new(Credential::new("never", "k")));
        let error = chain.provide_credentials().await.unwrap_err();
        assert!(matches!(
            error,
            CredentialsError::InvalidConfiguration { .. }
        ));
    }

    #[tokio::test]
    async fn exhausted_chain_lists_every_reason() {
        let chain = ProviderChain::new()
            .with(EnvironmentProvider::with_env(Arc::new(MapEnv::default())))
            .with(EnvironmentProvider::with_env(Arc::new(MapEnv::default())));
        let error = chain.provide_credentials().await.unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("EnvironmentProvider: credentials not loaded"),
            "{text}"
        );
        match error {
            CredentialsError::ChainExhausted { attempts } => assert_eq!(attempts.len(), 2),
            other => panic!("{other:?}"),
        }
    }
}
