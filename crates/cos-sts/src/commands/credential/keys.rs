//! Where the caller's own key comes from: flags, a credentials file written by
//! `cos-sts credential`, or the provider chain (environment, profile, TKE OIDC, CVM role).

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use serde_json::Value;
use sts_client::provider::{ProvideCredentials, StaticProvider, default_provider};
use tc3_signer::Credential;

use crate::commands::outcome::{self, Failure};

/// The key a command signs with. `Debug` redacts the secret key and the token.
#[derive(Args)]
pub(crate) struct KeyArgs {
    /// Secret id to sign with (default: the provider chain: `TENCENTCLOUD_SECRET_ID`/`_KEY`,
    /// the profile file, TKE OIDC, CVM instance role).
    #[arg(long, requires = "secret_key", conflicts_with = "credentials")]
    secret_id: Option<String>,
    /// Secret key matching `--secret-id` (prefer the environment: flags show in `ps`).
    #[arg(long, requires = "secret_id")]
    secret_key: Option<String>,
    /// Session token of a temporary `--secret-id`.
    #[arg(long, requires = "secret_id")]
    token: Option<String>,
    /// A temporary key as printed by `cos-sts credential` (any `--format`), or `-` for stdin.
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
}

impl std::fmt::Debug for KeyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("KeyArgs")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &redacted(&self.secret_key))
            .field("token", &redacted(&self.token))
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl KeyArgs {
    /// The provider for these options: a static key (flags, file) or the default chain.
    pub(crate) fn provider(&self) -> Result<Arc<dyn ProvideCredentials>, Failure> {
        if let Some(credential) = self.explicit()? {
            return Ok(Arc::new(StaticProvider::new(credential)));
        }
        Ok(Arc::new(default_provider()))
    }

    /// Whether the key is read from standard input (`--credentials -`).
    pub(crate) fn reads_stdin(&self) -> bool {
        self.credentials.as_deref().is_some_and(outcome::is_stdin)
    }

    /// The key given on the command line or in a file, if any.
    pub(crate) fn explicit(&self) -> Result<Option<Credential>, Failure> {
        if let Some(file) = &self.credentials {
            let text = outcome::read_input(file, "credentials file")?;
            return parse_credentials(&text).map(Some);
        }
        Ok(match (&self.secret_id, &self.secret_key) {
            (Some(id), Some(key)) => {
                let credential = Credential::new(id, key);
                Some(match &self.token {
                    Some(token) => credential.with_token(token),
                    None => credential,
                })
            }
            _ => None,
        })
    }
}

/// Reads a temporary key from JSON in any of the shapes `cos-sts credential` prints:
/// `v2` (`credentials.tmpSecretId`…), `api` (`Credentials.TmpSecretId`…) or `js`
/// (`TmpSecretId`, `SecurityToken` at the top level).
pub(crate) fn parse_credentials(text: &str) -> Result<Credential, Failure> {
    let value: Value = outcome::parse_json(text, "credentials file")?;
    let holder = value
        .get("credentials")
        .or_else(|| value.get("Credentials"))
        .unwrap_or(&value);
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| holder.get(*name).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
    };
    let id = field(&["tmpSecretId", "TmpSecretId"]);
    let key = field(&["tmpSecretKey", "TmpSecretKey"]);
    let token = field(&["sessionToken", "Token", "SecurityToken"]);
    match (id, key) {
        (Some(id), Some(key)) => {
            let credential = Credential::new(id, key);
            Ok(match token {
                Some(token) => credential.with_token(token),
                None => credential,
            })
        }
        _ => Err(Failure::input(
            "the credentials file has no TmpSecretId/TmpSecretKey (expected the output of \
             `cos-sts credential`)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Credential {
        parse_credentials(text).unwrap()
    }

    #[test]
    fn every_output_shape_is_read() {
        let v2 = ok(
            r#"{"credentials":{"tmpSecretId":"AKIDa","tmpSecretKey":"k","sessionToken":"t"},"expiredTime":2}"#,
        );
        let api = ok(r#"{"Credentials":{"Token":"t","TmpSecretId":"AKIDa","TmpSecretKey":"k"}}"#);
        let js = ok(r#"{"TmpSecretId":"AKIDa","TmpSecretKey":"k","SecurityToken":"t"}"#);
        for credential in [v2, api, js] {
            assert_eq!(credential.secret_id(), "AKIDa");
            assert_eq!(credential.secret_key(), "k");
            assert_eq!(credential.token(), Some("t"));
        }
    }

    #[test]
    fn malformed_or_incomplete_files_are_bad_input() {
        for text in [
            "{",
            "[]",
            r#"{"TmpSecretId":"a"}"#,
            r#"{"TmpSecretId":"","TmpSecretKey":"k"}"#,
        ] {
            assert!(
                matches!(parse_credentials(text), Err(Failure::BadInput(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn debug_redacts_the_secret_key_and_token() {
        let args = KeyArgs {
            secret_id: Some("AKIDVISIBLE".into()),
            secret_key: Some("SECRETKEY123".into()),
            token: Some("TOKEN456".into()),
            credentials: None,
        };
        let text = format!("{args:?}");
        assert!(text.contains("AKIDVISIBLE"), "{text}");
        assert!(!text.contains("SECRETKEY123"), "{text}");
        assert!(!text.contains("TOKEN456"), "{text}");
        // Also through the parsed command line that holds it.
        let cli = <crate::commands::Cli as clap::Parser>::parse_from([
            "cos-sts",
            "presign",
            "k",
            "--bucket",
            "b-1250000000",
            "--region",
            "ap-guangzhou",
            "--secret-id",
            "AKIDVISIBLE",
            "--secret-key",
            "SECRETKEY123",
            "--token",
            "TOKEN456",
        ]);
        let text = format!("{cli:?}");
        assert!(
            !text.contains("SECRETKEY123") && !text.contains("TOKEN456"),
            "{text}"
        );
    }

    #[test]
    fn errors_never_echo_the_file() {
        let Err(Failure::BadInput(message)) =
            parse_credentials(r#"{"TmpSecretKey":"SECRETKEY123"}"#)
        else {
            panic!("accepted");
        };
        assert!(!message.contains("SECRETKEY123"), "{message}");
    }
}
