//! Credentials from environment variables.
//!
//! | Variable | Required | Meaning |
//! |---|---|---|
//! | `TENCENTCLOUD_SECRET_ID` | yes | secret id (every official SDK) |
//! | `TKE_SECRET_ID` | — | secret id (reqsign-tencent-cos fallback) |
//! | `TENCENTCLOUD_SECRET_KEY` | yes | secret key (every official SDK) |
//! | `TKE_SECRET_KEY` | — | secret key (reqsign-tencent-cos fallback) |
//! | `TENCENTCLOUD_SESSION_TOKEN` | no | session token (Node SDK name) |
//! | `TENCENTCLOUD_TOKEN` | no | session token (tccli, reqsign name) |
//! | `TENCENTCLOUD_SECURITY_TOKEN` | no | session token (Terraform, reqsign name) |
//! | `QCLOUD_SECRET_TOKEN` | no | session token (reqsign-tencent-cos's last fallback) |
//!
//! Each list is tried in that order; the first non-empty variable wins.

use std::sync::Arc;

use tc3_signer::Credential;

use super::{BoxFuture, CredentialsError, Env, ProcessEnv, ProvideCredentials, ProvidedCredential};

/// The secret id variable.
pub(crate) const SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// The secret key variable.
pub(crate) const SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// Secret-id variable names, in order of precedence.
pub(crate) const SECRET_ID_ALIASES: [&str; 2] = [SECRET_ID, "TKE_SECRET_ID"];
/// Secret-key variable names, in order of precedence.
pub(crate) const SECRET_KEY_ALIASES: [&str; 2] = [SECRET_KEY, "TKE_SECRET_KEY"];
/// Session-token variable names, in order of precedence (`sts.md` §6.2).
pub(crate) const TOKEN_ALIASES: [&str; 4] = [
    "TENCENTCLOUD_SESSION_TOKEN",
    "TENCENTCLOUD_TOKEN",
    "TENCENTCLOUD_SECURITY_TOKEN",
    "QCLOUD_SECRET_TOKEN",
];

/// Reads `TENCENTCLOUD_SECRET_ID` (else `TKE_SECRET_ID`), `TENCENTCLOUD_SECRET_KEY` (else
/// `TKE_SECRET_KEY`) and the first non-empty session-token alias of
/// `TENCENTCLOUD_SESSION_TOKEN` (Node SDK), `TENCENTCLOUD_TOKEN` (tccli),
/// `TENCENTCLOUD_SECURITY_TOKEN` (Terraform), `QCLOUD_SECRET_TOKEN` (reqsign), in that order. Declines (not loaded) when neither id nor key is set;
/// a half-set pair is a configuration error.
///
/// ```
/// use std::sync::Arc;
/// use sts_client::provider::{EnvironmentProvider, MapEnv, ProvideCredentials};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let env = MapEnv::new([
///     ("TENCENTCLOUD_SECRET_ID", "AKIDENV"),
///     ("TENCENTCLOUD_SECRET_KEY", "key"),
///     ("TENCENTCLOUD_SECURITY_TOKEN", "token"),
/// ]);
/// let provided = EnvironmentProvider::with_env(Arc::new(env)).provide_credentials().await.unwrap();
/// assert_eq!(provided.credential().token(), Some("token"));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct EnvironmentProvider {
    env: Arc<dyn Env>,
}

impl Default for EnvironmentProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl EnvironmentProvider {
    /// Reads the real process environment.
    ///
    /// ```
    /// let provider = sts_client::provider::EnvironmentProvider::new();
    /// # let _ = provider;
    /// ```
    pub fn new() -> Self {
        Self::with_env(Arc::new(ProcessEnv))
    }

    /// Reads the given environment.
    ///
    /// ```
    /// use std::sync::Arc;
    /// let p = sts_client::provider::EnvironmentProvider::with_env(
    ///     Arc::new(sts_client::provider::MapEnv::default()));
    /// # let _ = p;
    /// ```
    pub fn with_env(env: Arc<dyn Env>) -> Self {
        Self { env }
    }

    fn load(&self) -> Result<ProvidedCredential, CredentialsError> {
        let first = |names: &[&str]| names.iter().find_map(|name| self.env.non_empty(name));
        let id = first(&SECRET_ID_ALIASES);
        let key = first(&SECRET_KEY_ALIASES);
        let (id, key) = match (id, key) {
            (Some(id), Some(key)) => (id, key),
            (None, None) => {
                return Err(CredentialsError::not_loaded(format!(
                    "{SECRET_ID} and {SECRET_KEY} are not set"
                )));
            }
            (Some(_), None) => {
                return Err(CredentialsError::invalid(format!(
                    "{SECRET_ID} is set but {SECRET_KEY} is not"
                )));
            }
            (None, Some(_)) => {
                return Err(CredentialsError::invalid(format!(
                    "{SECRET_KEY} is set but {SECRET_ID} is not"
                )));
            }
        };
        let mut credential = Credential::new(id.trim(), key.trim());
        if let Some(token) = TOKEN_ALIASES
            .iter()
            .find_map(|name| self.env.non_empty(name))
        {
            credential = credential.with_token(token.trim());
        }
        Ok(ProvidedCredential::new(credential, None, "environment"))
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::MapEnv;

    fn load(vars: &[(&str, &str)]) -> Result<ProvidedCredential, CredentialsError> {
        EnvironmentProvider::with_env(Arc::new(MapEnv::new(vars.iter().copied()))).load()
    }

    #[test]
    fn reqsign_id_and_key_fallbacks_are_read() {
        let got = load(&[("TKE_SECRET_ID", "tke-id"), ("TKE_SECRET_KEY", "tke-key")]).unwrap();
        assert_eq!(got.credential().secret_id(), "tke-id");
        let both = load(&[
            ("TKE_SECRET_ID", "tke-id"),
            (SECRET_ID, "id"),
            (SECRET_KEY, "key"),
            ("QCLOUD_SECRET_TOKEN", "q"),
        ])
        .unwrap();
        assert_eq!(
            both.credential().secret_id(),
            "id",
            "the official name wins"
        );
        assert_eq!(both.credential().token(), Some("q"));
    }

    #[test]
    fn every_token_alias_is_read_in_order() {
        for alias in TOKEN_ALIASES {
            let got = load(&[(SECRET_ID, "id"), (SECRET_KEY, "key"), (alias, "tok")]).unwrap();
            assert_eq!(got.credential().token(), Some("tok"), "{alias}");
        }
        let got = load(&[
            (SECRET_ID, "id"),
            (SECRET_KEY, "key"),
            ("TENCENTCLOUD_TOKEN", "second"),
            ("TENCENTCLOUD_SESSION_TOKEN", "first"),
            ("TENCENTCLOUD_SECURITY_TOKEN", "third"),
        ])
        .unwrap();
        assert_eq!(got.credential().token(), Some("first"));
        let got = load(&[
            (SECRET_ID, "id"),
            (SECRET_KEY, "key"),
            ("TENCENTCLOUD_SESSION_TOKEN", " "),
        ])
        .unwrap();
        assert_eq!(got.credential().token(), None);
    }

    #[test]
    fn unset_declines_and_half_set_is_an_error() {
        assert!(load(&[]).unwrap_err().is_not_loaded());
        assert!(
            load(&[(SECRET_ID, ""), (SECRET_KEY, "  ")])
                .unwrap_err()
                .is_not_loaded()
        );
        let half = load(&[(SECRET_ID, "id")]).unwrap_err();
        assert!(matches!(
            half,
            CredentialsError::InvalidConfiguration { .. }
        ));
        let half = load(&[(SECRET_KEY, "key")]).unwrap_err();
        assert!(!half.is_not_loaded());
    }

    #[test]
    fn values_are_trimmed() {
        let got = load(&[(SECRET_ID, " id\n"), (SECRET_KEY, "key\n")]).unwrap();
        assert_eq!(got.credential().secret_id(), "id");
        assert_eq!(got.credential().secret_key(), "key");
        assert_eq!(got.provider(), "environment");
    }
}
