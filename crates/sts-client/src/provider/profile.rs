//! Credentials from an INI profile file (`~/.tencentcloud/credentials`).
//!
//! ```ini
//! [default]
//! secret_id = AKID...
//! secret_key = ...
//! token = ...        ; optional
//! ```
//!
//! The file is `TENCENTCLOUD_CREDENTIALS_FILE` when set (then it must exist), otherwise
//! `$HOME/.tencentcloud/credentials` (`%USERPROFILE%` on Windows), then
//! `/etc/tencentcloud/credentials`.

use std::path::PathBuf;
use std::sync::Arc;

use tc3_signer::Credential;

use super::{
    BoxFuture, CredentialsError, Env, Fs, ProcessEnv, ProvideCredentials, ProvidedCredential,
    RealFs,
};

/// The variable naming an explicit credentials file.
pub(crate) const CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";

/// Reads a profile (default `default`) from the credentials file. Declines when no file
/// exists at the default locations or the profile is absent; an explicitly configured file
/// that cannot be read, or a profile with only one of `secret_id`/`secret_key`, is an error.
///
/// ```
/// use std::sync::Arc;
/// use sts_client::provider::{MapEnv, MapFs, ProfileProvider, ProvideCredentials};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let env = MapEnv::new([("TENCENTCLOUD_CREDENTIALS_FILE", "/creds")]);
/// let fs = MapFs::new([("/creds", "[ci]\nsecret_id = AKIDCI\nsecret_key = k\n")]);
/// let provider = ProfileProvider::with_env_and_fs(Arc::new(env), Arc::new(fs)).profile("ci");
/// let provided = provider.provide_credentials().await.unwrap();
/// assert_eq!(provided.credential().secret_id(), "AKIDCI");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct ProfileProvider {
    env: Arc<dyn Env>,
    fs: Arc<dyn Fs>,
    profile: String,
}

impl Default for ProfileProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl ProfileProvider {
    /// Uses the real environment and filesystem, profile `default`.
    ///
    /// ```
    /// let p = sts_client::provider::ProfileProvider::new();
    /// # let _ = p;
    /// ```
    pub fn new() -> Self {
        Self::with_env_and_fs(Arc::new(ProcessEnv), Arc::new(RealFs))
    }

    /// Uses the given environment and filesystem, profile `default`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sts_client::provider::{MapEnv, MapFs, ProfileProvider};
    /// let p = ProfileProvider::with_env_and_fs(Arc::new(MapEnv::default()), Arc::new(MapFs::default()));
    /// # let _ = p;
    /// ```
    pub fn with_env_and_fs(env: Arc<dyn Env>, fs: Arc<dyn Fs>) -> Self {
        Self {
            env,
            fs,
            profile: "default".to_owned(),
        }
    }

    /// Selects another profile section.
    ///
    /// ```
    /// let p = sts_client::provider::ProfileProvider::new().profile("prod");
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = name.into();
        self
    }

    fn candidate_files(&self) -> (Vec<PathBuf>, bool) {
        if let Some(path) = self.env.non_empty(CREDENTIALS_FILE) {
            return (vec![PathBuf::from(path)], true);
        }
        let mut files = Vec::new();
        if let Some(home) = self
            .env
            .non_empty("HOME")
            .or_else(|| self.env.non_empty("USERPROFILE"))
        {
            files.push(
                PathBuf::from(home)
                    .join(".tencentcloud")
                    .join("credentials"),
            );
        }
        files.push(PathBuf::from("/etc/tencentcloud/credentials"));
        (files, false)
    }

    fn load(&self) -> Result<ProvidedCredential, CredentialsError> {
        let (files, explicit) = self.candidate_files();
        let mut tried = Vec::new();
        for path in files {
            match self.fs.read_to_string(&path) {
                Ok(text) => return self.parse_file(&text, &path),
                Err(error) if explicit => {
                    return Err(CredentialsError::invalid(format!(
                        "{CREDENTIALS_FILE}={} cannot be read: {error}",
                        path.display()
                    )));
                }
                Err(_) => tried.push(path.display().to_string()),
            }
        }
        Err(CredentialsError::not_loaded(format!(
            "no credentials file at {}",
            tried.join(" or ")
        )))
    }

    fn parse_file(
        &self,
        text: &str,
        path: &std::path::Path,
    ) -> Result<ProvidedCredential, CredentialsError> {
        let Some(section) = ini_section(text, &self.profile) else {
            return Err(CredentialsError::not_loaded(format!(
                "profile [{}] not found in {}",
                self.profile,
                path.display()
            )));
        };
        let get = |key: &str| {
            section
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        match (get("secret_id"), get("secret_key")) {
            (Some(id), Some(key)) => {
                let mut credential = Credential::new(id, key);
                if let Some(token) = get("token") {
                    credential = credential.with_token(token);
                }
                Ok(ProvidedCredential::new(credential, None, "profile"))
            }
            (None, None) => Err(CredentialsError::not_loaded(format!(
                "profile [{}] in {} has no secret_id/secret_key",
                self.profile,
                path.display()
            ))),
            _ => Err(CredentialsError::invalid(format!(
                "profile [{}] in {} sets only one of secret_id and secret_key",
                self.profile,
                path.display()
            ))),
        }
    }
}

/// The `key = value` pairs of section `[name]`, or `None` if there is no such section.
fn ini_section(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let mut in_section = false;
    let mut found = false;
    let mut pairs = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_section = header.trim() == name;
            found |= in_section;
            continue;
        }
        if in_section && let Some((key, value)) = line.split_once('=') {
            pairs.push((key.trim().to_owned(), value.trim().to_owned()));
        }
    }
    found.then_some(pairs)
}

impl ProvideCredentials for ProfileProvider {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        let result = self.load();
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{MapEnv, MapFs};

    fn provider(env: &[(&str, &str)], files: &[(&str, &str)]) -> ProfileProvider {
        ProfileProvider::with_env_and_fs(
            Arc::new(MapEnv::new(env.iter().copied())),
            Arc::new(MapFs::new(files.iter().copied())),
        )
    }

    #[test]
    fn reads_home_file_with_token_and_comments() {
        let p = provider(
            &[("HOME", "/home/u")],
            &[(
                "/home/u/.tencentcloud/credentials",
                "# comment\n[other]\nsecret_id=X\nsecret_key=Y\n[default]\n secret_id = AKID1 \nsecret_key= key1\ntoken = tok\n",
            )],
        );
        let got = p.load().unwrap();
        assert_eq!(got.credential().secret_id(), "AKID1");
        assert_eq!(got.credential().secret_key(), "key1");
        assert_eq!(got.credential().token(), Some("tok"));
    }

    #[test]
    fn falls_back_to_etc() {
        let p = provider(
            &[("HOME", "/home/u")],
            &[(
                "/etc/tencentcloud/credentials",
                "[default]\nsecret_id=E\nsecret_key=K\n",
            )],
        );
        assert_eq!(p.load().unwrap().credential().secret_id(), "E");
    }

    #[test]
    fn declines_and_errors_with_reasons() {
        let none = provider(&[("HOME", "/h")], &[]).load().unwrap_err();
        assert!(none.is_not_loaded());
        assert!(none.to_string().contains("/h/.tencentcloud/credentials"));

        let explicit = provider(&[(CREDENTIALS_FILE, "/missing")], &[])
            .load()
            .unwrap_err();
        assert!(!explicit.is_not_loaded());
        assert!(explicit.to_string().contains("/missing"));

        let no_section = provider(&[(CREDENTIALS_FILE, "/c")], &[("/c", "[x]\n")])
            .load()
            .unwrap_err();
        assert!(no_section.is_not_loaded());

        let half = provider(
            &[(CREDENTIALS_FILE, "/c")],
            &[("/c", "[default]\nsecret_id=a\n")],
        )
        .load()
        .unwrap_err();
        assert!(matches!(
            half,
            CredentialsError::InvalidConfiguration { .. }
        ));
    }
}
