//! CVM / CPM instance metadata: the credentials of the role bound to the instance.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use serde::Deserialize;
use tc3_signer::Credential;

use super::{BoxFuture, CredentialsError, ProvideCredentials, ProvidedCredential};
use crate::StsError;
use crate::transport::{Transport, TransportConfig};

/// The CVM metadata base URL.
pub(crate) const CVM_ENDPOINT: &str =
    "http://metadata.tencentyun.com/latest/meta-data/cam/security-credentials/";
/// The CPM (bare metal) metadata base URL.
pub(crate) const CPM_ENDPOINT: &str =
    "http://bm.metadata.tencentyun.com/meta-data/cam/security-credentials/";

/// Fetches the instance role's temporary key from the metadata server:
/// `GET <base>` lists the role name (discovered unless set with [`InstanceMetadataProvider::role`]),
/// `GET <base><role>` returns `{TmpSecretId, TmpSecretKey, Token, ExpiredTime, Code}`.
/// Declines when the metadata server is unreachable or no role is bound (404).
///
/// ```
/// use sts_client::provider::InstanceMetadataProvider;
/// let provider = InstanceMetadataProvider::new().role("cos-reader");
/// let bare_metal = InstanceMetadataProvider::cpm();
/// let test = InstanceMetadataProvider::with_endpoint("http://127.0.0.1:9999/meta/").unwrap();
/// # let _ = (provider, bare_metal, test);
/// ```
#[derive(Debug, Clone)]
pub struct InstanceMetadataProvider {
    base: String,
    role: Option<String>,
    transport: Option<Transport>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetadataCredentials {
    tmp_secret_id: String,
    tmp_secret_key: String,
    token: String,
    expired_time: u64,
    #[serde(default)]
    code: Option<String>,
}

impl Default for InstanceMetadataProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl InstanceMetadataProvider {
    /// Uses the CVM metadata server.
    ///
    /// ```
    /// let p = sts_client::provider::InstanceMetadataProvider::new();
    /// # let _ = p;
    /// ```
    pub fn new() -> Self {
        Self::at(CVM_ENDPOINT)
    }

    /// Uses the CPM (bare metal) metadata server.
    ///
    /// ```
    /// let p = sts_client::provider::InstanceMetadataProvider::cpm();
    /// # let _ = p;
    /// ```
    pub fn cpm() -> Self {
        Self::at(CPM_ENDPOINT)
    }

    /// Uses another base URL (for tests or proxies); it must be `http(s)://…/`.
    ///
    /// ```
    /// assert!(sts_client::provider::InstanceMetadataProvider::with_endpoint("nope").is_err());
    /// ```
    pub fn with_endpoint(base: &str) -> Result<Self, StsError> {
        let uri: http::Uri = base
            .parse()
            .map_err(|e| StsError::invalid(format!("metadata endpoint `{base}`: {e}")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(StsError::invalid(format!(
                "metadata endpoint `{base}` must be an http(s) URL"
            )));
        }
        let mut base = base.to_owned();
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Self::at(&base))
    }

    fn at(base: &str) -> Self {
        let transport = Transport::new(
            TransportConfig {
                connect_timeout: Duration::from_secs(1),
                request_timeout: Duration::from_secs(5),
                max_body_bytes: 64 * 1024,
            },
            &crate::ProxyConfig::Disabled,
            &super::MapEnv::default(),
        )
        .ok();
        Self {
            base: base.to_owned(),
            role: None,
            transport,
        }
    }

    /// Uses `role` instead of discovering it.
    ///
    /// ```
    /// let p = sts_client::provider::InstanceMetadataProvider::new().role("r");
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    async fn get(&self, url: &str) -> Result<(u16, Bytes), CredentialsError> {
        let transport = self.transport.as_ref().ok_or_else(|| {
            CredentialsError::invalid("the HTTP client for instance metadata could not be built")
        })?;
        let request = http::Request::get(url)
            .body(Full::new(Bytes::new()))
            .map_err(|e| CredentialsError::invalid(format!("metadata URL `{url}`: {e}")))?;
        match transport.send(request).await {
            Ok(response) => Ok((response.status().as_u16(), response.into_body())),
            Err(StsError::Transport { message, .. }) => Err(CredentialsError::not_loaded(format!(
                "instance metadata server unreachable: {message}"
            ))),
            Err(StsError::Timeout { after }) => Err(CredentialsError::not_loaded(format!(
                "instance metadata server did not answer within {after:?}"
            ))),
            Err(other) => Err(CredentialsError::Unhandled {
                provider: "instance-metadata",
                message: other.to_string(),
            }),
        }
    }

    async fn discover_role(&self) -> Result<String, CredentialsError> {
        let (status, body) = self.get(&self.base).await?;
        match status {
            200 => {}
            404 => {
                return Err(CredentialsError::not_loaded(
                    "no CAM role is bound to this instance",
                ));
            }
            other => {
                return Err(CredentialsError::ProviderError {
                    provider: "instance-metadata",
                    message: format!("role discovery answered HTTP {other}"),
                    retryable: other >= 500,
                });
            }
        }
        String::from_utf8_lossy(&body)
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| CredentialsError::not_loaded("no CAM role is bound to this instance"))
    }

    async fn load(&self) -> Result<ProvidedCredential, CredentialsError> {
        let role = match &self.role {
            Some(role) => role.clone(),
            None => self.discover_role().await?,
        };
        let url = format!("{}{}", self.base, tc3_signer::uri_encode(&role));
        let (status, body) = self.get(&url).await?;
        if status == 404 {
            return Err(CredentialsError::invalid(format!(
                "role `{role}` is not bound to this instance"
            )));
        }
        if status != 200 {
            return Err(CredentialsError::ProviderError {
                provider: "instance-metadata",
                message: format!("credentials of role `{role}` answered HTTP {status}"),
                retryable: status >= 500,
            });
        }
        let parsed: MetadataCredentials =
            serde_json::from_slice(&body).map_err(|e| CredentialsError::Unhandled {
                provider: "instance-metadata",
                message: format!("credentials document: {e}"),
            })?;
        if let Some(code) = parsed.code.as_deref()
            && code != "Success"
        {
            return Err(CredentialsError::ProviderError {
                provider: "instance-metadata",
                message: format!("metadata server answered Code `{code}`"),
                retryable: true,
            });
        }
        Ok(ProvidedCredential::new(
            Credential::new(parsed.tmp_secret_id, parsed.tmp_secret_key).with_token(parsed.token),
            Some(parsed.expired_time),
            "instance-metadata",
        ))
    }
}

impl ProvideCredentials for InstanceMetadataProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(self.load())
    }
}
