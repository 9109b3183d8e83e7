//! Credentials from `AssumeRole`, called with another provider's credentials.

use super::{BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential};
use crate::{AssumeRole, StsClient};

/// Calls `AssumeRole` with the [`StsClient`]'s own credentials (permanent or temporary) on
/// every load; wrap it in a [`CredentialsCache`](super::CredentialsCache).
///
/// ```
/// use sts_client::provider::{AssumeRoleProvider, CredentialsCache, EnvironmentProvider};
/// use sts_client::{AssumeRole, StsClient};
///
/// let client = StsClient::builder().credentials(EnvironmentProvider::new()).build().unwrap();
/// let provider = CredentialsCache::new(AssumeRoleProvider::new(
///     client,
///     AssumeRole::new("qcs::cam::uin/100000000001:roleName/uploader", "my-service"),
/// ));
/// # let _ = provider;
/// ```
#[derive(Debug, Clone)]
pub struct AssumeRoleProvider {
    client: StsClient,
    request: AssumeRole,
}

impl AssumeRoleProvider {
    /// A provider assuming `request` through `client`.
    ///
    /// ```
    /// let p = sts_client::provider::AssumeRoleProvider::new(
    ///     sts_client::StsClient::builder().build().unwrap(),
    ///     sts_client::AssumeRole::new("qcs::cam::uin/1:roleName/r", "s1"));
    /// # let _ = p;
    /// ```
    pub fn new(client: StsClient, request: AssumeRole) -> Self {
        Self { client, request }
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(async move {
            let issued = self
                .client
                .assume_role(&self.request)
                .await
                .map_err(|e| super::error_from_sts("assume-role", &e))?;
            let expires_at = issued.expired_time();
            Ok(ProvidedCredential::new(
                issued.into_credential(),
                Some(expires_at),
                "assume-role",
            ))
        })
    }
}
