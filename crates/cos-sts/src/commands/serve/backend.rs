//! Where credentials come from: the real STS (with credentials from the provider chain), or an
//! in-process emulator (`--emulator`) whose root key signs the calls.

use cos_emulator::Emulator;
use cos_policy::Policy;
use sts_client::{CredentialRequest, Endpoint, StsClient, StsError, TemporaryCredentials};

use super::config::Settings;

/// The federated user name sent to GetFederationToken.
const FEDERATION_NAME: &str = "cos-sts-serve";

/// The STS backend.
#[derive(Debug)]
pub(crate) struct Backend {
    client: StsClient,
    emulator: Option<Emulator>,
}

impl Backend {
    /// The real STS: `[sts].endpoint` or the default host, credentials from the provider chain
    /// (environment, profile file, TKE OIDC, instance metadata).
    pub(crate) fn real(settings: &Settings) -> Result<Self, StsError> {
        let mut builder = StsClient::builder()
            .region(settings.sts.region.as_deref().unwrap_or(&settings.region))
            .credentials(sts_client::provider::default_provider());
        if let Some(url) = &settings.sts.endpoint {
            builder = builder.endpoint(Endpoint::custom(url)?);
        }
        Ok(Self {
            client: builder.build()?,
            emulator: None,
        })
    }

    /// Starts an in-process emulator serving the configured bucket and region on loopback.
    pub(crate) async fn emulator(settings: &Settings) -> Result<Self, String> {
        let appid = settings
            .bucket
            .rsplit_once('-')
            .map(|(_, appid)| appid.to_owned())
            .unwrap_or_default();
        // The page's origins may call the emulator's bucket as they may call this server.
        let emulator = settings
            .cors
            .allowed_origins
            .iter()
            .fold(Emulator::builder(), |b, origin| b.cors_origin(origin))
            .region(&settings.region)
            .appid(appid)
            .bucket(&settings.bucket)
            .in_memory()
            .start()
            .await
            .map_err(|e| format!("starting the emulator: {e}"))?;
        let client = StsClient::builder()
            .endpoint(Endpoint::custom(&emulator.sts_endpoint()).map_err(|e| e.to_string())?)
            .region(&settings.region)
            .credential(emulator.root_credential())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            emulator: Some(emulator),
        })
    }

    /// The emulator's COS and STS endpoints, when there is one.
    pub(crate) fn emulator_endpoints(&self) -> Option<(String, String)> {
        self.emulator
            .as_ref()
            .map(|e| (e.cos_endpoint(), e.sts_endpoint()))
    }

    /// Issues a temporary key for `policy` (validated again by `sts-client`).
    pub(crate) async fn issue(
        &self,
        policy: Policy,
        duration_seconds: u64,
    ) -> Result<TemporaryCredentials, StsError> {
        let request = CredentialRequest::from_policy(policy)
            .duration_seconds(duration_seconds)
            .name(FEDERATION_NAME);
        self.client.get_credential(&request).await
    }

    /// Stops the emulator, if any.
    pub(crate) async fn shutdown(self) {
        if let Some(emulator) = self.emulator {
            emulator.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn emulator_backend_issues_keys_and_debug_hides_the_root_key() {
        let settings = super::super::config::parse(
            "bucket = \"examplebucket-1250000000\"\nregion = \"ap-guangzhou\"\n",
            std::path::Path::new("."),
        )
        .unwrap();
        let backend = Backend::emulator(&settings).await.unwrap();
        let (cos, sts) = backend.emulator_endpoints().unwrap();
        assert!(cos.starts_with("http://127.0.0.1:") && sts.starts_with("http://127.0.0.1:"));
        let root = backend
            .emulator
            .as_ref()
            .unwrap()
            .root_credential()
            .secret_key()
            .to_owned();
        assert!(!format!("{backend:?}").contains(&root));
        let bucket = cos_policy::Bucket::new(
            "examplebucket-1250000000".parse().unwrap(),
            "ap-guangzhou".parse().unwrap(),
        );
        let policy = cos_policy::preset::Preset::upload_only(&bucket, "users/a/")
            .build()
            .unwrap();
        let issued = backend.issue(policy, 900).await.unwrap();
        assert!(issued.lifetime_secs() > 800 && issued.lifetime_secs() <= 900);
        backend.shutdown().await;
    }

    #[test]
    fn real_backend_builds_without_network() {
        let settings = super::super::config::parse(
            "bucket = \"examplebucket-1250000000\"\nregion = \"ap-guangzhou\"\n[sts]\nendpoint = \"https://sts.example.test\"\n",
            std::path::Path::new("."),
        )
        .unwrap();
        let backend = Backend::real(&settings).unwrap();
        assert!(backend.emulator_endpoints().is_none());
    }
}
