//! `[cluster]`: where the shared state lives and what happens when it is unreachable.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::config::ConfigError;

/// What a request does while Redis cannot be reached.
///
/// ```
/// assert_eq!(cos_vending::OnRedisError::default(), cos_vending::OnRedisError::Local);
/// ```
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OnRedisError {
    /// Fall back to this process's cache and limits (each instance alone, as without
    /// `[cluster]`), until Redis answers again.
    #[default]
    Local,
    /// Answer 503 with `Retry-After`.
    Refuse,
}

/// `[cluster]`: vending state shared by every instance through Redis.
///
/// ```
/// let s = cos_vending::Settings::parse(
///     "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[cluster]\nredis_url = \"redis://127.0.0.1:6379/0\"\nencryption_key_env = \"K\"\n",
///     std::path::Path::new("."),
/// ).unwrap();
/// assert_eq!(s.cluster().unwrap().lock_ttl().as_millis(), 10_000);
/// ```
#[derive(Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// `redis://[user:pass@]host:port/db`, `rediss://…` (TLS) or `redis+unix:///path`.
    pub redis_url: String,
    /// Prefix of every key written (several deployments may share one Redis).
    #[serde(default = "default_prefix")]
    pub key_prefix: String,
    /// `local` (default) or `refuse`.
    #[serde(default)]
    pub on_redis_error: OnRedisError,
    /// The longest one Redis command may take before the instance counts Redis as down.
    #[serde(default = "default_command_timeout")]
    pub command_timeout_ms: u64,
    /// How long the single-flight lock of an STS call lives (a crashed holder delays the
    /// others by at most this).
    #[serde(default = "default_lock_ttl")]
    pub lock_ttl_ms: u64,
    /// After a Redis failure, requests use the fallback for this long before Redis is
    /// tried again.
    #[serde(default = "default_retry")]
    pub retry_after_ms: u64,
    /// A file of encryption keys, one per line (64 hex digits = 32 bytes); the first
    /// encrypts, every one decrypts (rotation). Resolved against the configuration's
    /// directory.
    pub encryption_key_file: Option<PathBuf>,
    /// An environment variable holding the same list, comma-separated.
    pub encryption_key_env: Option<String>,
    /// Fleet-wide STS calls per second by action (`GetFederationToken`, `AssumeRole`); a
    /// burst of one second's worth. Unset: no budget.
    #[serde(default)]
    pub sts_budget: BTreeMap<String, f64>,
}

impl std::fmt::Debug for ClusterConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("redis_url", &redacted_url(&self.redis_url))
            .field("key_prefix", &self.key_prefix)
            .field("on_redis_error", &self.on_redis_error)
            .field("command_timeout_ms", &self.command_timeout_ms)
            .field("lock_ttl_ms", &self.lock_ttl_ms)
            .field("retry_after_ms", &self.retry_after_ms)
            .field("encryption_key_file", &self.encryption_key_file)
            .field("encryption_key_env", &self.encryption_key_env)
            .field("sts_budget", &self.sts_budget)
            .finish()
    }
}

/// The URL with its password (if any) replaced by `***`, for logs and `Debug`.
pub(crate) fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(p)));
    let host = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or("", |(user, _)| user);
            format!("{user}:***@{host}")
        }
        None => authority.to_owned(),
    };
    match path {
        Some(path) => format!("{scheme}://{host}/{path}"),
        None => format!("{scheme}://{host}"),
    }
}

fn default_prefix() -> String {
    "cos-vending:".to_owned()
}

fn default_command_timeout() -> u64 {
    250
}

fn default_lock_ttl() -> u64 {
    10_000
}

fn default_retry() -> u64 {
    1_000
}

/// The STS actions a budget may name.
pub(crate) const BUDGET_ACTIONS: [&str; 2] = ["GetFederationToken", "AssumeRole"];

impl ClusterConfig {
    /// Checks ranges and resolves the key file against `base`.
    pub(crate) fn check(mut self, base: &std::path::Path) -> Result<Self, ConfigError> {
        let invalid = |m: String| ConfigError::Invalid(format!("[cluster] {m}"));
        let scheme = self.redis_url.split("://").next().unwrap_or_default();
        if !matches!(scheme, "redis" | "rediss" | "redis+unix" | "unix") {
            return Err(invalid(format!(
                "redis_url must start with redis://, rediss:// or redis+unix:// (got `{scheme}://…`; Sentinel and Cluster URLs are not supported yet)"
            )));
        }
        if self.key_prefix.len() > 64 {
            return Err(invalid("key_prefix is longer than 64 bytes".into()));
        }
        if !(1..=10_000).contains(&self.command_timeout_ms) {
            return Err(invalid(
                "command_timeout_ms must be within 1..=10000".into(),
            ));
        }
        if !(100..=120_000).contains(&self.lock_ttl_ms) {
            return Err(invalid("lock_ttl_ms must be within 100..=120000".into()));
        }
        if !(10..=60_000).contains(&self.retry_after_ms) {
            return Err(invalid("retry_after_ms must be within 10..=60000".into()));
        }
        match (&self.encryption_key_file, &self.encryption_key_env) {
            (None, None) => {
                return Err(invalid(
                    "needs encryption_key_file or encryption_key_env: keys are encrypted at rest in Redis".into(),
                ));
            }
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "set encryption_key_file or encryption_key_env, not both".into(),
                ));
            }
            _ => {}
        }
        if let Some(file) = &self.encryption_key_file
            && file.is_relative()
        {
            self.encryption_key_file = Some(base.join(file));
        }
        for (action, rate) in &self.sts_budget {
            if !BUDGET_ACTIONS.contains(&action.as_str()) {
                return Err(invalid(format!(
                    "sts_budget names `{action}`; known actions: {}",
                    BUDGET_ACTIONS.join(", ")
                )));
            }
            if !(rate.is_finite() && *rate > 0.0) {
                return Err(invalid(format!(
                    "sts_budget.{action} must be a positive number of calls per second"
                )));
            }
        }
        Ok(self)
    }

    /// [`ClusterConfig::command_timeout_ms`].
    pub fn command_timeout(&self) -> Duration {
        Duration::from_millis(self.command_timeout_ms)
    }

    /// [`ClusterConfig::lock_ttl_ms`].
    pub fn lock_ttl(&self) -> Duration {
        Duration::from_millis(self.lock_ttl_ms)
    }

    /// [`ClusterConfig::retry_after_ms`].
    pub fn retry_after(&self) -> Duration {
        Duration::from_millis(self.retry_after_ms)
    }
}

#[cfg(test)]
mod tests {
    use crate::Settings;
    use std::path::Path;

    fn parse(cluster: &str) -> Result<Settings, String> {
        Settings::parse(
            &format!("bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[cluster]\n{cluster}"),
            Path::new("/etc/cos-sts"),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn passwords_stay_out_of_debug() {
        let s =
            parse("redis_url = \"rediss://app:s3cret-pw@r:6380/1\"\nencryption_key_env = \"K\"\n")
                .unwrap();
        let debug = format!("{:?}", s.cluster().unwrap());
        assert!(!debug.contains("s3cret-pw"), "{debug}");
        assert!(debug.contains("rediss://app:***@r:6380/1"), "{debug}");
        assert!(!format!("{s:?}").contains("s3cret-pw"));
        assert_eq!(super::redacted_url("redis://:pw@h"), "redis://:***@h");
        assert_eq!(super::redacted_url("redis://h:1/0"), "redis://h:1/0");
        assert_eq!(super::redacted_url("garbage"), "***");
    }

    #[test]
    fn cluster_sections_are_checked() {
        let ok = parse("redis_url = \"rediss://:pw@r:6380/1\"\nencryption_key_file = \"k\"\n[cluster.sts_budget]\nAssumeRole = 100\n").unwrap();
        let cluster = ok.cluster().unwrap();
        assert_eq!(
            cluster.encryption_key_file.as_deref(),
            Some(Path::new("/etc/cos-sts/k"))
        );
        assert_eq!(cluster.on_redis_error, super::OnRedisError::Local);
        assert_eq!(cluster.sts_budget["AssumeRole"], 100.0);
        for (bad, says) in [
            (
                "redis_url = \"http://r\"\nencryption_key_env = \"K\"",
                "redis://",
            ),
            ("redis_url = \"redis://r\"", "encryption_key"),
            (
                "redis_url = \"redis://r\"\nencryption_key_env = \"K\"\nencryption_key_file = \"k\"",
                "not both",
            ),
            (
                "redis_url = \"redis://r\"\nencryption_key_env = \"K\"\n[cluster.sts_budget]\nGetObject = 1",
                "known actions",
            ),
            (
                "redis_url = \"redis://r\"\nencryption_key_env = \"K\"\n[cluster.sts_budget]\nAssumeRole = -1",
                "positive",
            ),
            (
                "redis_url = \"redis://r\"\nencryption_key_env = \"K\"\nlock_ttl_ms = 1",
                "lock_ttl_ms",
            ),
            (
                "redis_url = \"redis://r\"\nencryption_key_env = \"K\"\non_redis_error = \"ignore\"",
                "on_redis_error",
            ),
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
        assert!(
            parse("redis_url = \"redis://r\"\nencryption_key_env = \"K\"\nredis_password = \"x\"")
                .is_err()
        );
    }
}
