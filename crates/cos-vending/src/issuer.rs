//! Where keys come from: an [`Issuer`] turns a policy, a lifetime and a session name into a
//! temporary key. [`StsIssuer`] calls STS with `GetFederationToken` (a permanent key only)
//! or `AssumeRole` (any key of the provider chain, temporary CVM/TKE keys included), with the
//! per-user policy as the session policy.

use std::fmt;

use cos_policy::Policy;
use sha2::{Digest as _, Sha256};
use sts_client::{
    AssumeRole, CredentialRequest, PolicyDocument, StsClient, StsError, TemporaryCredentials,
};

use crate::cache::BoxFuture;
use crate::config::{IssuerConfig, IssuerKind};

/// The longest `RoleSessionName` STS accepts.
const MAX_ROLE_SESSION_NAME: usize = 128;

/// The longest federated user `Name` used.
const MAX_FEDERATION_NAME: usize = 32;

/// One key to issue.
#[derive(Debug, Clone)]
pub struct IssueCall {
    /// The per-user policy (the key's permissions, or the session policy of a role).
    pub policy: Policy,
    /// The key's lifetime.
    pub duration_seconds: u64,
    /// The caller, for the session (or federated user) name.
    pub subject: String,
}

/// Makes temporary keys.
pub trait Issuer: Send + Sync + fmt::Debug {
    /// Issues one key.
    fn issue<'a>(&'a self, call: &'a IssueCall) -> BoxFuture<'a, Result<Issued, StsError>>;

    /// `federation` or `assume_role` (for logs and metrics).
    fn kind(&self) -> &'static str;

    /// Whether keys can be issued now: the server's credentials load and STS answers.
    fn check_ready(&self) -> BoxFuture<'_, Result<(), String>>;
}

/// An issued key and the session name it was issued under.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The key.
    pub credentials: TemporaryCredentials,
    /// The `RoleSessionName` or federated `Name` sent.
    pub session_name: String,
}

/// A name STS accepts (`[\w+=,.@-]`, at most `max` characters, at least 2) that names the
/// subject and cannot collide: the subject with other characters replaced by `_`, cut to
/// fit, then `.` and 8 hex digits of the subject's SHA-256, then `.` and the issue time.
///
/// ```
/// let name = cos_vending::session_name("auth0|5f7c~x", 1_700_000_000, 128);
/// assert!(name.starts_with("auth0_5f7c_x."), "{name}");
/// assert!(name.ends_with(".1700000000"));
/// assert_ne!(name, cos_vending::session_name("auth0_5f7c_x", 1_700_000_000, 128));
/// assert!(cos_vending::session_name(&"a".repeat(300), 1, 32).len() <= 32);
/// ```
pub fn session_name(subject: &str, unix_secs: u64, max: usize) -> String {
    let hash = hex::encode(Sha256::digest(subject.as_bytes()));
    let tail = format!(".{}.{unix_secs}", hash.get(..8).unwrap_or_default());
    let room = max.saturating_sub(tail.len()).max(2);
    let mut name: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(room)
        .collect();
    while name.len() < 2 {
        name.push('_');
    }
    name.push_str(&tail);
    name.truncate(max.max(2));
    name
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The STS backend: federation or assume-role.
///
/// ```
/// let client = sts_client::StsClient::builder()
///     .credential(tc3_signer::Credential::new("AKIDEXAMPLE", "secret"))
///     .build()
///     .unwrap();
/// let issuer = cos_vending::StsIssuer::new(client, &cos_vending::IssuerConfig::default());
/// assert_eq!(cos_vending::Issuer::kind(&issuer), "federation");
/// ```
#[derive(Debug)]
pub struct StsIssuer {
    client: StsClient,
    mode: Mode,
}

#[derive(Debug)]
enum Mode {
    Federation,
    AssumeRole {
        role_arn: String,
        external_id: Option<String>,
    },
}

impl StsIssuer {
    /// An issuer calling STS with `client` as `config` says.
    pub fn new(client: StsClient, config: &IssuerConfig) -> Self {
        let mode = match config.kind {
            IssuerKind::Federation => Mode::Federation,
            IssuerKind::AssumeRole => Mode::AssumeRole {
                role_arn: config.role_arn.clone().unwrap_or_default(),
                external_id: config.external_id.clone(),
            },
        };
        Self { client, mode }
    }

    async fn issue_now(&self, call: &IssueCall) -> Result<Issued, StsError> {
        match &self.mode {
            Mode::Federation => {
                let name = session_name(&call.subject, unix_now(), MAX_FEDERATION_NAME);
                let request = CredentialRequest::from_policy(call.policy.clone())
                    .duration_seconds(call.duration_seconds)
                    .name(name.clone());
                let credentials = self.client.get_credential(&request).await?;
                Ok(Issued {
                    credentials,
                    session_name: name,
                })
            }
            Mode::AssumeRole {
                role_arn,
                external_id,
            } => {
                let name = session_name(&call.subject, unix_now(), MAX_ROLE_SESSION_NAME);
                let mut request = AssumeRole::new(role_arn.clone(), name.clone())
                    .duration_seconds(call.duration_seconds)
                    .policy(PolicyDocument::from_policy(&call.policy, true)?);
                if let Some(id) = external_id {
                    request = request.external_id(id.clone());
                }
                let credentials = self.client.assume_role(&request).await?;
                Ok(Issued {
                    credentials,
                    session_name: name,
                })
            }
        }
    }
}

impl Issuer for StsIssuer {
    fn issue<'a>(&'a self, call: &'a IssueCall) -> BoxFuture<'a, Result<Issued, StsError>> {
        Box::pin(self.issue_now(call))
    }

    fn kind(&self) -> &'static str {
        match self.mode {
            Mode::Federation => "federation",
            Mode::AssumeRole { .. } => "assume_role",
        }
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.client
                .get_caller_identity()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn session_names_are_always_acceptable(subject in any::<String>(), t in any::<u64>(), max in 2_usize..200) {
            let name = session_name(&subject, t, max);
            prop_assert!(name.len() >= 2 && name.len() <= max.max(2));
            prop_assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)));
        }
    }

    #[test]
    fn session_names_are_traceable_and_distinct() {
        let a = session_name("alice", 5, 128);
        assert!(a.starts_with("alice."));
        assert_eq!(
            a,
            session_name("alice", 5, 128),
            "deterministic per subject and time"
        );
        assert_ne!(
            a,
            session_name("alice", 6, 128),
            "a new name per issue time"
        );
        assert_ne!(session_name("a|b", 5, 128), session_name("a~b", 5, 128));
        assert_eq!(session_name("x", 5, 128).split('.').next(), Some("x_"));
    }
}
