//! Credentials from `GetFederationToken`, for servers that keep a scoped key fresh.

use super::{BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential};
use crate::{CredentialRequest, StsClient};

/// Calls `getCredential` ([`StsClient::get_credential`]) on every load; wrap it in a
/// [`CredentialsCache`](super::CredentialsCache) so a server hands out one scoped key until it
/// nears expiry. The policy is validated at construction.
///
/// ```
/// use sts_client::provider::{CredentialsCache, FederationTokenProvider, EnvironmentProvider};
/// use sts_client::{CredentialRequest, StsClient};
///
/// let client = StsClient::builder().credentials(EnvironmentProvider::new()).build().unwrap();
/// # let bucket = sts_client::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let request = CredentialRequest::new(&bucket)
///     .allow_prefix("reports/*")
///     .allow_actions(["GetObject"]);
/// let provider = CredentialsCache::new(FederationTokenProvider::new(client, request).unwrap());
/// # let _ = provider;
/// ```
#[derive(Debug, Clone)]
pub struct FederationTokenProvider {
    client: StsClient,
    request: CredentialRequest,
}

impl FederationTokenProvider {
    /// A provider issuing keys for `request` through `client`; fails if the policy is invalid.
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// // No prefix and no action: refused at construction.
    /// let bad = sts_client::CredentialRequest::new(&bucket);
    /// assert!(sts_client::provider::FederationTokenProvider::new(
    ///     sts_client::StsClient::builder().build().unwrap(), bad).is_err());
    /// ```
    pub fn new(client: StsClient, request: CredentialRequest) -> Result<Self, crate::StsError> {
        request.policy_document()?;
        Ok(Self { client, request })
    }
}

impl ProvideCredentials for FederationTokenProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(async move {
            let issued = self
                .client
                .get_credential(&self.request)
                .await
                .map_err(|e| super::error_from_sts("federation-token", &e))?;
            let expires_at = issued.expired_time();
            Ok(ProvidedCredential::new(
                issued.into_credential(),
                Some(expires_at),
                "federation-token",
            ))
        })
    }
}
