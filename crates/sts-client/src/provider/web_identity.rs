//! TKE OIDC web identity: exchange a projected service-account token for a role key.
//!
//! | Variable | Required | Meaning |
//! |---|---|---|
//! | `TKE_REGION` (or `TENCENTCLOUD_REGION`) | yes | region sent to STS |
//! | `TKE_PROVIDER_ID` (or `TENCENTCLOUD_PROVIDER_ID`) | yes | OIDC identity provider id |
//! | `TKE_WEB_IDENTITY_TOKEN_FILE`, `TKE_IDENTITY_TOKEN_FILE` (older SDKs) or `TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE` | yes | token file, **re-read at every refresh** |
//! | `TKE_ROLE_ARN` (or `TENCENTCLOUD_ROLE_ARN`) | yes | role to assume |
//! | `TENCENTCLOUD_ROLE_SESSION_NAME` | no | session name (default `tencentcloud-rust-sdk-<µs>`) |

use std::path::PathBuf;
use std::sync::Arc;

use super::{BoxFuture, CredentialsError, Env, Fs, ProvideCredentials, ProvidedCredential};
use crate::{AssumeRoleWithWebIdentity, StsClient};

const REGION: [&str; 2] = ["TKE_REGION", "TENCENTCLOUD_REGION"];
const PROVIDER_ID: [&str; 2] = ["TKE_PROVIDER_ID", "TENCENTCLOUD_PROVIDER_ID"];
const TOKEN_FILE: [&str; 3] = [
    "TKE_WEB_IDENTITY_TOKEN_FILE",
    "TKE_IDENTITY_TOKEN_FILE",
    "TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE",
];
const ROLE_ARN: [&str; 2] = ["TKE_ROLE_ARN", "TENCENTCLOUD_ROLE_ARN"];
const SESSION_NAME: &str = "TENCENTCLOUD_ROLE_SESSION_NAME";

/// Reads the TKE OIDC configuration and calls
/// `AssumeRoleWithWebIdentity` (unsigned). Variables (all required, `TKE_*` first):
/// region `TKE_REGION`/`TENCENTCLOUD_REGION`; provider `TKE_PROVIDER_ID`/`TENCENTCLOUD_PROVIDER_ID`;
/// token file `TKE_WEB_IDENTITY_TOKEN_FILE`, `TKE_IDENTITY_TOKEN_FILE` (older SDKs) or
/// `TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE`, **re-read at every load**; role `TKE_ROLE_ARN`/
/// `TENCENTCLOUD_ROLE_ARN`; optional session name `TENCENTCLOUD_ROLE_SESSION_NAME`. Declines when none of the variables is set; a
/// partial configuration or an unreadable token file is an error.
///
/// ```
/// use std::sync::Arc;
/// use sts_client::provider::{MapEnv, MapFs, ProvideCredentials, WebIdentityProvider};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let provider = WebIdentityProvider::from_env(Arc::new(MapEnv::default()), Arc::new(MapFs::default()));
/// assert!(provider.provide_credentials().await.unwrap_err().is_not_loaded());
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct WebIdentityProvider {
    env: Arc<dyn Env>,
    fs: Arc<dyn Fs>,
    client: Option<StsClient>,
    duration_seconds: Option<u64>,
}

struct Config {
    region: String,
    provider_id: String,
    token_file: PathBuf,
    role_arn: String,
    session_name: String,
}

impl WebIdentityProvider {
    /// Reads configuration from `env` and the token from `fs` at every load; talks to the
    /// nearest STS endpoint with the configured region.
    ///
    /// ```
    /// let p = sts_client::provider::WebIdentityProvider::from_env(
    ///     std::sync::Arc::new(sts_client::provider::ProcessEnv),
    ///     std::sync::Arc::new(sts_client::provider::RealFs));
    /// # let _ = p;
    /// ```
    pub fn from_env(env: Arc<dyn Env>, fs: Arc<dyn Fs>) -> Self {
        Self {
            env,
            fs,
            client: None,
            duration_seconds: None,
        }
    }

    /// Uses `client` (its endpoint, timeouts and retries) instead of a default one.
    ///
    /// ```
    /// let p = sts_client::provider::WebIdentityProvider::from_env(
    ///     std::sync::Arc::new(sts_client::provider::ProcessEnv),
    ///     std::sync::Arc::new(sts_client::provider::RealFs))
    ///     .with_client(sts_client::StsClient::builder().build().unwrap());
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn with_client(mut self, client: StsClient) -> Self {
        self.client = Some(client);
        self
    }

    /// Sets `DurationSeconds` (default 7200 server-side).
    ///
    /// ```
    /// let p = sts_client::provider::WebIdentityProvider::from_env(
    ///     std::sync::Arc::new(sts_client::provider::ProcessEnv),
    ///     std::sync::Arc::new(sts_client::provider::RealFs)).duration_seconds(3600);
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn duration_seconds(mut self, secs: u64) -> Self {
        self.duration_seconds = Some(secs);
        self
    }

    fn first(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| self.env.non_empty(name))
    }

    fn config(&self) -> Result<Config, CredentialsError> {
        let region = self.first(&REGION);
        let provider_id = self.first(&PROVIDER_ID);
        let token_file = self.first(&TOKEN_FILE);
        let role_arn = self.first(&ROLE_ARN);
        match (region, provider_id, token_file, role_arn) {
            (Some(region), Some(provider_id), Some(token_file), Some(role_arn)) => {
                let session_name = self.env.non_empty(SESSION_NAME).unwrap_or_else(|| {
                    let micros = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_micros())
                        .unwrap_or(0);
                    format!("tencentcloud-rust-sdk-{micros}")
                });
                Ok(Config {
                    region,
                    provider_id,
                    token_file: PathBuf::from(token_file),
                    role_arn,
                    session_name,
                })
            }
            (None, None, None, None) => Err(CredentialsError::not_loaded(
                "TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE and TKE_ROLE_ARN are not set",
            )),
            (region, provider_id, token_file, role_arn) => {
                let missing: Vec<&str> = [
                    (region.is_none(), "TKE_REGION"),
                    (provider_id.is_none(), "TKE_PROVIDER_ID"),
                    (token_file.is_none(), "TKE_WEB_IDENTITY_TOKEN_FILE"),
                    (role_arn.is_none(), "TKE_ROLE_ARN"),
                ]
                .into_iter()
                .filter_map(|(missing, name)| missing.then_some(name))
                .collect();
                Err(CredentialsError::invalid(format!(
                    "web identity is partly configured; missing {}",
                    missing.join(", ")
                )))
            }
        }
    }

    async fn load(&self) -> Result<ProvidedCredential, CredentialsError> {
        let config = self.config()?;
        let token = self.fs.read_to_string(&config.token_file).map_err(|e| {
            CredentialsError::invalid(format!(
                "web identity token file {} cannot be read: {e}",
                config.token_file.display()
            ))
        })?;
        let client = match &self.client {
            Some(client) => client.clone(),
            None => StsClient::builder()
                .region(&config.region)
                .build()
                .map_err(|e| super::error_from_sts("web-identity", &e))?,
        };
        let mut request = AssumeRoleWithWebIdentity::new(
            config.provider_id,
            token.trim(),
            config.role_arn,
            config.session_name,
        );
        if let Some(secs) = self.duration_seconds {
            request = request.duration_seconds(secs);
        }
        let issued = client
            .assume_role_with_web_identity(&request)
            .await
            .map_err(|e| super::error_from_sts("web-identity", &e))?;
        let expires_at = issued.expired_time();
        Ok(ProvidedCredential::new(
            issued.into_credential(),
            Some(expires_at),
            "web-identity",
        ))
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(self.load())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{MapEnv, MapFs};

    #[test]
    fn both_token_file_variable_names_work() {
        for name in TOKEN_FILE {
            let env = MapEnv::new([
                ("TKE_REGION", "ap-guangzhou"),
                ("TKE_PROVIDER_ID", "p"),
                (name, "/t"),
                ("TKE_ROLE_ARN", "qcs::cam::uin/1:roleName/r"),
            ]);
            let provider = WebIdentityProvider::from_env(Arc::new(env), Arc::new(MapFs::default()));
            let config = provider.config().unwrap();
            assert_eq!(config.token_file, PathBuf::from("/t"), "{name}");
            assert!(config.session_name.starts_with("tencentcloud-rust-sdk-"));
        }
    }

    #[test]
    fn partial_configuration_names_what_is_missing() {
        let env = MapEnv::new([("TKE_REGION", "ap-guangzhou")]);
        let provider = WebIdentityProvider::from_env(Arc::new(env), Arc::new(MapFs::default()));
        let error = provider.config().err().unwrap();
        assert!(!error.is_not_loaded());
        assert!(error.to_string().contains("TKE_ROLE_ARN"));
    }
}
