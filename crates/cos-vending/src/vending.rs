//! The vending pipeline without HTTP: role → duration → scope check → per-subject limit →
//! keyed single-flight cache → issuer → an answer ready to be shaped.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use sts_client::{StsError, TemporaryCredentials};

use crate::auth::Authenticator;
use crate::cache::{CacheKey, CredentialStore, Lookup, MemoryStore, Minted};
use crate::config::Settings;
use crate::grant::{GrantError, Grants, Target};
use crate::identity::Identity;
use crate::issuer::{IssueCall, Issuer};
use crate::limit::{LimitCheck, LimitKind, Limiter, MemoryLimiter};
use crate::role::RoleSpec;
use crate::scope::{self, Allowed, ScopeError, ScopeItem};
use crate::shape::{Answers, ChosenKey, Format};
use crate::template::is_safe_extension;

/// What a caller asks for.
///
/// ```
/// let request = cos_vending::IssueRequest::default().role("admin").duration_seconds(900);
/// assert_eq!(request.role.as_deref(), Some("admin"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssueRequest {
    /// The role (default: the configuration's `default_role`).
    pub role: Option<String>,
    /// A lifetime shorter than the role's maximum (default: the role's duration).
    pub duration_seconds: Option<u64>,
    /// cos-js-sdk-v5's `Scope` list: narrows the key to these keys and actions.
    pub scope: Option<Vec<ScopeItem>>,
    /// A server-chosen key with this extension (`Some("")` when the pattern has none).
    pub chosen_key_extension: Option<String>,
}

impl IssueRequest {
    /// Chooses a role.
    #[must_use]
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Asks for a shorter lifetime.
    #[must_use]
    pub fn duration_seconds(mut self, seconds: u64) -> Self {
        self.duration_seconds = Some(seconds);
        self
    }

    /// Narrows the key to a `Scope` list.
    #[must_use]
    pub fn scope(mut self, scope: Vec<ScopeItem>) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Asks the server to choose the object key (with this extension).
    #[must_use]
    pub fn chosen_key(mut self, extension: impl Into<String>) -> Self {
        self.chosen_key_extension = Some(extension.into());
        self
    }
}

/// An issued (or reused) key and what the audit log says about it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Granted {
    /// The key.
    pub credentials: TemporaryCredentials,
    /// The role it was issued for.
    pub role: String,
    /// Whether it came from the cache.
    pub lookup: Lookup,
    /// Whether it is narrowed to a scope or a chosen key (`ScopeLimit: true`).
    pub narrowed: bool,
    /// The server-chosen key, if any.
    pub chosen: Option<ChosenKey>,
    /// Hex SHA-256 of the policy it was issued with.
    pub policy_sha256: String,
    /// The `RoleSessionName` or federated `Name` it was issued under.
    pub session_name: String,
    /// The answers already rendered for this key (cached with it).
    pub answers: Answers,
}

impl Granted {
    /// The JSON answer in `format` (rendered once per cached key and format).
    pub fn answer(&self, format: Format) -> bytes::Bytes {
        match &self.chosen {
            None => self.answers.get(&self.credentials, format, self.narrowed),
            Some(chosen) => serde_json::to_vec(&crate::shape::render(
                &self.credentials,
                format,
                Some(chosen),
                self.narrowed,
            ))
            .unwrap_or_default()
            .into(),
        }
    }
}

/// Why no key was issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The role does not exist.
    #[error("no role `{0}`")]
    NoSuchRole(String),
    /// The caller's claims do not satisfy the role's rules.
    #[error("role `{role}` is not available to this caller: {reason}")]
    RoleDenied {
        /// The role.
        role: String,
        /// Which rule failed (never a claim's value).
        reason: String,
    },
    /// The requested lifetime is out of range.
    #[error("duration_seconds must be within {min}..={max} for role `{role}`")]
    Duration {
        /// The role.
        role: String,
        /// The shortest accepted.
        min: u64,
        /// The role's maximum.
        max: u64,
    },
    /// The scope list is malformed or asks too much.
    #[error(transparent)]
    Scope(#[from] ScopeError),
    /// The role has no `[keys]`.
    #[error("server-chosen keys are not enabled for role `{0}` (add [keys] to the configuration)")]
    KeysNotEnabled(String),
    /// The extension is not a safe one.
    #[error("`ext` must be 1 to 16 ASCII letters or digits")]
    BadExtension,
    /// The extension is not in the role's list.
    #[error("extension not allowed (allowed: {0})")]
    ExtensionDenied(String),
    /// The subject's rate limit is spent.
    #[error("too many requests for this identity; retry in {0:?}")]
    RateLimited(Duration),
    /// The client address's rate limit is spent (see [`Vending::issue_from`]).
    #[error("too many requests from this address; retry later")]
    IpRateLimited(Duration),
    /// The policy could not be built (or is too large: see [`GrantError::TooLarge`]).
    #[error(transparent)]
    Grant(#[from] GrantError),
    /// STS refused or failed.
    #[error("the STS call failed: {0}")]
    Sts(#[from] StsError),
    /// The shared state (Redis) is unreachable in `refuse` mode, the fleet-wide STS budget
    /// is spent with no valid key to reuse, or another instance's STS call did not finish
    /// in time: 503 with `Retry-After`.
    #[error("temporarily unavailable: {reason}")]
    Unavailable {
        /// Why (no secret).
        reason: String,
        /// When to retry.
        retry_after: Duration,
    },
    /// The failure of one STS call shared by several waiting callers.
    #[error(transparent)]
    Shared(Arc<IssueError>),
}

impl IssueError {
    /// Whether the same request may succeed later (rate limits, STS outages).
    ///
    /// ```
    /// assert!(!cos_vending::IssueError::NoSuchRole("x".into()).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited(_) | Self::IpRateLimited(_) | Self::Unavailable { .. } => true,
            Self::Sts(error) => error.is_retryable(),
            Self::Shared(inner) => inner.is_retryable(),
            _ => false,
        }
    }

    /// The HTTP status this error answers with.
    ///
    /// ```
    /// assert_eq!(cos_vending::IssueError::NoSuchRole("x".into()).status(), 400);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            Self::NoSuchRole(_) | Self::Duration { .. } | Self::BadExtension => 400,
            Self::Scope(error) if error.is_denial() => 403,
            Self::Scope(_) => 400,
            Self::RoleDenied { .. } | Self::ExtensionDenied(_) => 403,
            Self::KeysNotEnabled(_) => 404,
            Self::RateLimited(_) | Self::IpRateLimited(_) => 429,
            Self::Unavailable { .. } => 503,
            Self::Grant(GrantError::TooLarge { .. }) => 400,
            Self::Grant(_) => 500,
            Self::Sts(error) if error.is_retryable() => 503,
            Self::Sts(_) => 502,
            Self::Shared(inner) => inner.status(),
        }
    }

    /// A short machine-readable code.
    ///
    /// ```
    /// assert_eq!(cos_vending::IssueError::BadExtension.code(), "bad_request");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchRole(_) => "unknown_role",
            Self::RoleDenied { .. } => "role_denied",
            Self::Duration { .. } | Self::BadExtension => "bad_request",
            Self::Scope(error) if error.is_denial() => "scope_denied",
            Self::Scope(_) => "bad_request",
            Self::KeysNotEnabled(_) => "not_found",
            Self::ExtensionDenied(_) => "extension_denied",
            Self::RateLimited(_) | Self::IpRateLimited(_) => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Grant(GrantError::TooLarge { .. }) => "scope_too_large",
            Self::Grant(_) => "policy_error",
            Self::Sts(_) => "sts_error",
            Self::Shared(inner) => inner.code(),
        }
    }

    /// How long the caller should wait before retrying, when known (rate limits and
    /// unavailability).
    ///
    /// ```
    /// let e = cos_vending::IssueError::RateLimited(std::time::Duration::from_secs(2));
    /// assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(2)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited(wait) | Self::IpRateLimited(wait) => Some(*wait),
            Self::Unavailable { retry_after, .. } => Some(*retry_after),
            Self::Shared(inner) => inner.retry_after(),
            _ => None,
        }
    }

    /// The message for the caller: this error's text, except for server-side failures
    /// (policy, STS), whose details stay in the server log.
    pub fn public_message(&self) -> String {
        match self {
            Self::Grant(GrantError::TooLarge { .. }) => self.to_string(),
            Self::Grant(_) => "the server could not build a valid policy for this request".into(),
            Self::Sts(_) => "the STS call failed; see the server log".into(),
            Self::Shared(inner) => inner.public_message(),
            other => other.to_string(),
        }
    }
}

/// A role and its policy builder.
#[derive(Debug)]
struct Role {
    spec: RoleSpec,
    grants: Grants,
}

/// Credential vending without HTTP: one [`Vending::issue`] call per caller.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// let settings = cos_vending::Settings::parse(
///     "bucket = \"examplebucket-1250000000\"\nregion = \"ap-guangzhou\"\n",
///     std::path::Path::new("."),
/// ).unwrap();
/// let client = sts_client::StsClient::builder()
///     .credential(tc3_signer::Credential::new("AKIDEXAMPLE", "secret"))
///     .build().unwrap();
/// let issuer = Arc::new(cos_vending::StsIssuer::new(client, settings.issuer()));
/// let auth = cos_vending::Authenticator::from_config(None, true).unwrap();
/// let vending = cos_vending::Vending::new(settings, auth, issuer).unwrap();
/// let who = cos_vending::Identity::new(cos_vending::Subject::parse("alice").unwrap());
/// // vending.issue(&who, &cos_vending::IssueRequest::default()).await → a key for users/alice/*
/// # let _ = (vending, who);
/// # });
/// ```
#[derive(Debug)]
pub struct Vending {
    settings: Settings,
    roles: Vec<Role>,
    auth: Authenticator,
    issuer: Arc<dyn Issuer>,
    store: Arc<dyn CredentialStore>,
    limiter: Arc<dyn Limiter>,
    ip_limiter: Arc<dyn Limiter>,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The canonical cache description of checked targets.
fn canonical_scope(targets: &[Target]) -> String {
    let mut parts: Vec<String> = targets
        .iter()
        .map(|t| {
            let mut actions = t.actions.clone();
            actions.sort_unstable();
            format!(
                "{}\u{2}{}\u{1}{}",
                t.bucket.as_deref().unwrap_or("*"),
                t.key,
                actions.join(",")
            )
        })
        .collect();
    parts.sort();
    parts.join("\u{0}")
}

impl Vending {
    /// Vending for `settings`, with in-process cache and limiter; every role's policy is
    /// built once for a sample subject so that a configuration that cannot produce a valid
    /// policy fails here.
    pub fn new(
        settings: Settings,
        auth: Authenticator,
        issuer: Arc<dyn Issuer>,
    ) -> Result<Self, GrantError> {
        let store = Arc::new(MemoryStore::new(
            settings.cache.enabled,
            settings.cache.refresh_before_expiry_seconds,
            settings.cache.max_entries,
        ));
        let limiter = Arc::new(MemoryLimiter::new(
            settings.rate_limit.requests_per_second,
            settings.rate_limit.burst,
        ));
        let ip_limiter = Arc::new(MemoryLimiter::new(
            settings.limits.per_ip_requests_per_second,
            settings.limits.per_ip_burst,
        ));
        let mut roles = Vec::new();
        for spec in &settings.roles {
            let grants = Grants::new(spec);
            grants.for_prefix(&spec.prefix.render_str("probe"))?;
            roles.push(Role {
                spec: spec.clone(),
                grants,
            });
        }
        Ok(Self {
            settings,
            roles,
            auth,
            issuer,
            store,
            limiter,
            ip_limiter,
        })
    }

    /// Replaces the credential store (e.g. a shared one).
    #[must_use]
    pub fn with_store(mut self, store: Arc<dyn CredentialStore>) -> Self {
        self.store = store;
        self
    }

    /// Replaces the per-subject limiter (e.g. a shared one).
    #[must_use]
    pub fn with_limiter(mut self, limiter: Arc<dyn Limiter>) -> Self {
        self.limiter = limiter;
        self
    }

    /// Replaces the issuer (e.g. one wrapped with more checks).
    #[must_use]
    pub fn with_issuer(mut self, issuer: Arc<dyn Issuer>) -> Self {
        self.issuer = issuer;
        self
    }

    /// Replaces the per-IP limiter the HTTP service checks before authentication (e.g. a
    /// shared one).
    #[must_use]
    pub fn with_ip_limiter(mut self, limiter: Arc<dyn Limiter>) -> Self {
        self.ip_limiter = limiter;
        self
    }

    /// The per-IP limiter (used by the HTTP service before authentication).
    pub fn ip_limiter(&self) -> &Arc<dyn Limiter> {
        &self.ip_limiter
    }

    /// Whether keys can be issued now: the issuer (credentials load, STS answers), the store
    /// and the limiters.
    pub async fn check_ready(&self) -> Result<(), String> {
        self.issuer.check_ready().await?;
        self.store.check_ready().await?;
        self.limiter.check_ready().await?;
        self.ip_limiter.check_ready().await
    }

    /// The configuration.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Caller authentication.
    pub fn authenticator(&self) -> &Authenticator {
        &self.auth
    }

    /// The issuer.
    pub fn issuer(&self) -> &Arc<dyn Issuer> {
        &self.issuer
    }

    /// The credential store.
    pub fn store(&self) -> &Arc<dyn CredentialStore> {
        &self.store
    }

    fn role(&self, identity: &Identity, name: Option<&str>) -> Result<&Role, IssueError> {
        let name = name.unwrap_or(&self.settings.default_role);
        let role = self
            .roles
            .iter()
            .find(|r| r.spec.name == name)
            .ok_or_else(|| IssueError::NoSuchRole(name.to_owned()))?;
        role.spec
            .admits(identity.claims())
            .map_err(|reason| IssueError::RoleDenied {
                role: name.to_owned(),
                reason,
            })?;
        Ok(role)
    }

    /// Issues (or reuses) a key for `identity`.
    pub async fn issue(
        &self,
        identity: &Identity,
        request: &IssueRequest,
    ) -> Result<Granted, IssueError> {
        self.issue_from(None, identity, request).await
    }

    /// [`Vending::issue`] for a caller at `ip` whose per-IP token is still owed (the HTTP
    /// service defers it when the per-IP limiter [joins the lookup](Limiter::joins_lookup)):
    /// the token is taken before any answer, refused requests included, and on a shared
    /// store in the same round trip as the subject's token and the cache lookup.
    pub async fn issue_from(
        &self,
        ip: Option<&str>,
        identity: &Identity,
        request: &IssueRequest,
    ) -> Result<Granted, IssueError> {
        let ip_check = ip.map(|key| LimitCheck {
            kind: LimitKind::Ip,
            limiter: &*self.ip_limiter,
            key,
        });
        let (role, duration, prefix, targets) = match self.check_request(identity, request) {
            Ok(checked) => checked,
            Err(error) => {
                LimitCheck::run_all(ip_check.as_slice()).await?;
                return Err(error);
            }
        };
        let spec = &role.spec;
        let subject = identity.subject();
        let subject_check = LimitCheck {
            kind: LimitKind::Subject,
            limiter: &*self.limiter,
            key: subject.as_str(),
        };
        let checks: Vec<LimitCheck<'_>> = ip_check.into_iter().chain([subject_check]).collect();
        if let Some(ext) = &request.chosen_key_extension {
            LimitCheck::run_all(&checks).await?;
            return self
                .chosen_key(role, subject.as_str(), &prefix, ext, duration)
                .await;
        }
        let key = CacheKey::new(
            spec.name.clone(),
            subject.as_str(),
            targets
                .as_deref()
                .map_or_else(|| "*".to_owned(), canonical_scope),
            duration,
        );
        let mint = async {
            let policy = match &targets {
                None => role.grants.for_prefix(&prefix)?,
                Some(targets) => role.grants.for_targets(&prefix, targets)?,
            };
            self.mint(policy, duration, subject.as_str()).await
        };
        match self
            .store
            .get_or_issue_limited(&checks, key, Box::pin(mint))
            .await
        {
            Ok((minted, lookup)) => Ok(Granted {
                credentials: minted.credentials,
                role: spec.name.clone(),
                lookup,
                narrowed: targets.is_some(),
                chosen: None,
                policy_sha256: minted.policy_sha256,
                session_name: minted.session_name,
                answers: minted.answers,
            }),
            Err(shared) => Err(Arc::try_unwrap(shared).unwrap_or_else(IssueError::Shared)),
        }
    }

    /// The checks that need no IO: role, duration, prefix and scope.
    #[allow(clippy::type_complexity)]
    fn check_request(
        &self,
        identity: &Identity,
        request: &IssueRequest,
    ) -> Result<(&Role, u64, String, Option<Vec<Target>>), IssueError> {
        let role = self.role(identity, request.role.as_deref())?;
        let spec = &role.spec;
        let duration = request.duration_seconds.unwrap_or(spec.duration_seconds);
        if !(60..=spec.max_duration_seconds).contains(&duration) {
            return Err(IssueError::Duration {
                role: spec.name.clone(),
                min: 60,
                max: spec.max_duration_seconds,
            });
        }
        let prefix = spec.prefix.render(identity.subject());
        if request.chosen_key_extension.is_some() {
            return Ok((role, duration, prefix, None));
        }
        let targets = match &request.scope {
            None => None,
            Some(list) => {
                if list.len() > scope::MAX_SCOPES {
                    return Err(ScopeError::TooMany.into());
                }
                let allowed = Allowed {
                    buckets: &spec.buckets,
                    region: &spec.region,
                    actions: &spec.actions,
                    prefix: &prefix,
                };
                Some(scope::check(list, allowed)?)
            }
        };
        Ok((role, duration, prefix, targets))
    }

    async fn mint(
        &self,
        policy: cos_policy::Policy,
        duration: u64,
        subject: &str,
    ) -> Result<Minted, IssueError> {
        let policy_sha256 = hex::encode(Sha256::digest(policy.to_json().as_bytes()));
        let call = IssueCall {
            policy,
            duration_seconds: duration,
            subject: subject.to_owned(),
        };
        let issued = self.issuer.issue(&call).await?;
        Ok(Minted::new(
            issued.credentials,
            policy_sha256,
            issued.session_name,
        ))
    }

    async fn chosen_key(
        &self,
        role: &Role,
        subject: &str,
        prefix: &str,
        ext: &str,
        duration: u64,
    ) -> Result<Granted, IssueError> {
        let spec = &role.spec;
        let keys = spec
            .keys
            .as_ref()
            .ok_or_else(|| IssueError::KeysNotEnabled(spec.name.clone()))?;
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        if keys.pattern.uses_extension() {
            if !is_safe_extension(&ext) {
                return Err(IssueError::BadExtension);
            }
            if !keys.extensions.is_empty() && !keys.extensions.contains(&ext) {
                return Err(IssueError::ExtensionDenied(keys.extensions.join(", ")));
            }
        }
        let key = keys.pattern.render(prefix, unix_now(), &ext);
        let policy = role.grants.for_key(prefix, &spec.bucket, &key)?;
        let minted = self.mint(policy, duration, subject).await?;
        Ok(Granted {
            credentials: minted.credentials,
            role: spec.name.clone(),
            lookup: Lookup::Bypass,
            narrowed: true,
            chosen: Some(ChosenKey {
                bucket: spec.bucket.clone(),
                region: spec.region.clone(),
                key,
            }),
            policy_sha256: minted.policy_sha256,
            session_name: minted.session_name,
            answers: minted.answers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_scope_ignores_order() {
        let a = Target {
            bucket: None,
            key: "k1".into(),
            actions: vec!["PutObject", "UploadPart"],
        };
        let b = Target {
            bucket: None,
            key: "k2".into(),
            actions: vec!["GetObject"],
        };
        let mut a2 = a.clone();
        a2.actions.reverse();
        assert_eq!(
            canonical_scope(&[a.clone(), b.clone()]),
            canonical_scope(&[b.clone(), a2])
        );
        assert_ne!(canonical_scope(&[a]), canonical_scope(&[b]));
    }
}
