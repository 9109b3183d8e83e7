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
    /// `redis://[user:pass@]host:port/db`, `rediss://…` (TLS), `redis+unix:///path`,
    /// Redis Sentinel: `redis+sentinel://[user:pass@]host[:port][,host[:port]…]/master[/db]`
    /// (`rediss+sentinel://` for TLS to the sentinels and the master; the port defaults to
    /// 26379; user and password authenticate to the master, the sentinels are asked without
    /// them), or Redis Cluster: `redis+cluster://[user:pass@]host[:port][,host[:port]…]`
    /// (`rediss+cluster://`; seed nodes, port 6379 by default). With Sentinel every
    /// connection is made to the master the sentinels name, and asked for again after a
    /// failure, so a failover needs no restart. With Cluster every key written carries one
    /// hash tag (the key prefix in braces), so all of them live on one shard.
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

/// The port sentinels listen on unless told otherwise.
const SENTINEL_PORT: u16 = 26379;

/// The port Redis listens on unless told otherwise.
const REDIS_PORT: u16 = 6379;

/// Which servers a many-node URL lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodesKind {
    /// `redis+sentinel://`: sentinels, asked for the primary of a named group.
    Sentinel,
    /// `redis+cluster://`: seed nodes of a Redis Cluster.
    Cluster,
}

/// A parsed `redis+sentinel://`, `redis+cluster://` URL or their `rediss+` forms (grammar in
/// [`ClusterConfig::redis_url`]).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct NodesUrl {
    pub(crate) kind: NodesKind,
    /// TLS to every node.
    pub(crate) tls: bool,
    /// The nodes' addresses, in the order given.
    pub(crate) nodes: Vec<(String, u16)>,
    /// Sentinel: the name the sentinels monitor the primary under.
    pub(crate) master: String,
    pub(crate) db: i64,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
}

impl std::fmt::Debug for NodesUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodesUrl")
            .field("kind", &self.kind)
            .field("tls", &self.tls)
            .field("nodes", &self.nodes)
            .field("master", &self.master)
            .field("db", &self.db)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl NodesUrl {
    /// `None` when `url` is neither a Sentinel nor a Cluster URL; else the parsed URL or
    /// what is wrong with it (never repeating the password).
    pub(crate) fn parse(url: &str) -> Option<Result<Self, String>> {
        let (scheme, rest) = url.split_once("://")?;
        let (kind, tls) = match scheme {
            "redis+sentinel" => (NodesKind::Sentinel, false),
            "rediss+sentinel" => (NodesKind::Sentinel, true),
            "redis+cluster" => (NodesKind::Cluster, false),
            "rediss+cluster" => (NodesKind::Cluster, true),
            _ => return None,
        };
        Some(Self::parse_rest(kind, tls, rest))
    }

    fn parse_rest(kind: NodesKind, tls: bool, rest: &str) -> Result<Self, String> {
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8()
                .map(|t| t.into_owned())
                .map_err(|_| "user or password is not UTF-8 once percent-decoded".to_owned())
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((userinfo, hosts)) => (Some(userinfo), hosts),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(userinfo) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let non_empty = |t: String| (!t.is_empty()).then_some(t);
                (non_empty(decode(user)?), non_empty(decode(password)?))
            }
        };
        let default_port = match kind {
            NodesKind::Sentinel => SENTINEL_PORT,
            NodesKind::Cluster => REDIS_PORT,
        };
        let nodes = hosts
            .split(',')
            .map(|host| Self::parse_host(host, default_port))
            .collect::<Result<Vec<_>, _>>()?;
        if kind == NodesKind::Cluster {
            if !path.is_empty() {
                return Err("a Cluster URL has no path (a Redis Cluster has database 0 only): redis+cluster://host:6379,host:6379".into());
            }
            return Ok(Self {
                kind,
                tls,
                nodes,
                master: String::new(),
                db: 0,
                username,
                password,
            });
        }
        let mut segments = path.split('/');
        let master = segments.next().unwrap_or_default();
        if master.is_empty() {
            return Err("a Sentinel URL names the master after the hosts: redis+sentinel://host:26379/mymaster".into());
        }
        let db = match segments.next() {
            None | Some("") => 0,
            Some(db) => db
                .parse::<i64>()
                .ok()
                .filter(|db| *db >= 0)
                .ok_or_else(|| format!("database `{db}` is not a number"))?,
        };
        if segments.any(|s| !s.is_empty()) || master.contains(['?', '#']) {
            return Err("a Sentinel URL ends with /master or /master/db".into());
        }
        Ok(Self {
            kind,
            tls,
            nodes,
            master: master.to_owned(),
            db,
            username,
            password,
        })
    }

    fn parse_host(host: &str, default_port: u16) -> Result<(String, u16), String> {
        let (name, port) = if let Some(v6) = host.strip_prefix('[') {
            let (name, after) = v6
                .split_once(']')
                .ok_or_else(|| format!("node `{host}`: unclosed ["))?;
            (name, after.strip_prefix(':'))
        } else {
            match host.rsplit_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (host, None),
            }
        };
        if name.is_empty() || name.contains(['/', '@', ' ']) {
            return Err(format!("node `{host}` has no usable host name"));
        }
        let port = match port {
            None => default_port,
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| format!("node `{host}` has no usable port"))?,
        };
        Ok((name.to_owned(), port))
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
        if let Some(nodes) = NodesUrl::parse(&self.redis_url) {
            nodes.map_err(|m| invalid(format!("redis_url: {m}")))?;
        } else if !matches!(scheme, "redis" | "rediss" | "redis+unix" | "unix") {
            return Err(invalid(format!(
                "redis_url must start with redis://, rediss://, redis+unix://, redis+sentinel://, redis+cluster:// (or their rediss+ forms) (got `{scheme}://…`)"
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

    /// The prefix of every key written: [`ClusterConfig::key_prefix`], in braces for a Redis
    /// Cluster unless it already holds a `{hash tag}`, so that every key shares one hash
    /// slot (one lookup script touches the per-IP bucket, the per-subject bucket and the
    /// entry; the per-IP bucket is shared by every subject, so one tag for all).
    pub(crate) fn effective_prefix(&self) -> String {
        let cluster = NodesUrl::parse(&self.redis_url)
            .and_then(Result::ok)
            .is_some_and(|url| url.kind == NodesKind::Cluster);
        let tagged = self
            .key_prefix
            .split_once('{')
            .is_some_and(|(_, rest)| rest.split_once('}').is_some_and(|(tag, _)| !tag.is_empty()));
        if cluster && !tagged {
            format!("{{{}}}", self.key_prefix)
        } else {
            self.key_prefix.clone()
        }
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
    fn sentinel_urls_name_their_sentinels_master_and_database() {
        use super::NodesUrl;
        let url = NodesUrl::parse("redis+sentinel://app:p%40ss@s1:26380,[::1],s3/mymaster/2")
            .unwrap()
            .unwrap();
        assert!(!url.tls);
        assert_eq!(
            url.nodes,
            [
                ("s1".to_owned(), 26380),
                ("::1".to_owned(), 26379),
                ("s3".to_owned(), 26379)
            ]
        );
        assert_eq!((url.master.as_str(), url.db), ("mymaster", 2));
        assert_eq!(url.username.as_deref(), Some("app"));
        assert_eq!(url.password.as_deref(), Some("p@ss"));
        assert!(!format!("{url:?}").contains("p@ss"));
        let tls = NodesUrl::parse("rediss+sentinel://:pw@s1/m")
            .unwrap()
            .unwrap();
        assert!(tls.tls && tls.username.is_none() && tls.db == 0);
        assert!(NodesUrl::parse("redis://h:1/0").is_none());
        let cluster = NodesUrl::parse("rediss+cluster://:pw@n1,n2:7001")
            .unwrap()
            .unwrap();
        assert_eq!(cluster.kind, super::NodesKind::Cluster);
        assert!(cluster.tls && cluster.db == 0 && cluster.password.as_deref() == Some("pw"));
        assert_eq!(
            cluster.nodes,
            [("n1".to_owned(), 6379), ("n2".to_owned(), 7001)]
        );
        let error = NodesUrl::parse("redis+cluster://n1/1")
            .unwrap()
            .unwrap_err();
        assert!(error.contains("no path"), "{error}");
        for (bad, says) in [
            ("redis+sentinel://s1:26379", "names the master"),
            ("redis+sentinel://s1:26379/", "names the master"),
            ("redis+sentinel://s1:0/m", "port"),
            ("redis+sentinel://s1:x/m", "port"),
            ("redis+sentinel://s1,,s2/m", "host name"),
            ("redis+sentinel://s1/m/x", "database"),
            ("redis+sentinel://s1/m/1/2", "ends with"),
            ("redis+sentinel://[::1/m", "unclosed"),
        ] {
            let error = NodesUrl::parse(bad).unwrap().unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
        let error =
            parse("redis_url = \"redis+sentinel://:secret@s1/\"\nencryption_key_env = \"K\"")
                .unwrap_err();
        assert!(
            error.contains("names the master") && !error.contains("secret"),
            "{error}"
        );
        assert!(
            parse("redis_url = \"redis+sentinel://s1,s2/mymaster\"\nencryption_key_env = \"K\"")
                .is_ok()
        );
    }

    #[test]
    fn every_key_of_a_redis_cluster_shares_one_hash_tag() {
        let cluster = |url: &str, prefix: &str| {
            parse(&format!(
                "redis_url = \"{url}\"\nkey_prefix = \"{prefix}\"\nencryption_key_env = \"K\""
            ))
            .unwrap()
            .cluster()
            .unwrap()
            .effective_prefix()
        };
        assert_eq!(
            cluster("redis+cluster://n1,n2", "cos-vending:"),
            "{cos-vending:}"
        );
        assert_eq!(cluster("redis+cluster://n1", "{app}:v:"), "{app}:v:");
        assert_eq!(cluster("redis+cluster://n1", "a{}b"), "{a{}b}");
        assert_eq!(cluster("redis://n1", "cos-vending:"), "cos-vending:");
        assert_eq!(
            cluster("redis+sentinel://n1/m", "cos-vending:"),
            "cos-vending:"
        );
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
