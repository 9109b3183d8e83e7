//! Vending across many instances: the credential cache, single flight, the per-subject and
//! per-IP limits and a fleet-wide STS budget shared through Redis (`[cluster]`).
//!
//! [`Cluster::install`] puts the shared implementations of the crate's seams
//! ([`crate::CredentialStore`], [`crate::Limiter`], [`crate::Issuer`] readiness) into a
//! [`Vending`]; without `[cluster]` nothing changes. Everything written to Redis is listed in
//! `docs/guides/cluster.md`; credentials are sealed ([`SealKeys`]) before they are written.

mod backend;
mod config;
mod connection;
mod limit;
mod metrics;
mod seal;
mod store;

use std::sync::Arc;
use std::time::Duration;

use sts_client::StsError;

pub use config::{ClusterConfig, OnRedisError};
pub use seal::{KeyError, SealKeys};

use crate::cache::{BoxFuture, MemoryStore};
use crate::config::{IssuerKind, Settings};
use crate::issuer::{IssueCall, Issued, Issuer};
use crate::limit::MemoryLimiter;
use crate::metrics::Metrics;
use crate::vending::Vending;
use backend::{Backend, Rate};

tokio::task_local! {
    /// Set while the shared store runs an STS call it has already taken budget for.
    static BUDGET_TAKEN: bool;
}

/// Why the cluster could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// The encryption keys could not be loaded.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// Called outside a Tokio runtime (the Redis client's reconnection runs on it).
    #[error("the cluster must be set up inside a Tokio runtime")]
    NoRuntime,
    /// The Redis URL is not usable (the password, if any, is not repeated here).
    #[error("[cluster] redis_url is not usable: {0}")]
    Url(String),
}

/// The shared state of a fleet of vending instances (one per process, shared by reloads).
///
/// ```
/// let dir = std::env::temp_dir().join(format!("cluster-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// std::fs::write(dir.join("cache.keys"), "00".repeat(32)).unwrap();
/// let settings = cos_vending::Settings::parse(
///     "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[cluster]\nredis_url = \"redis://127.0.0.1:1\"\nencryption_key_file = \"cache.keys\"\n",
///     &dir,
/// ).unwrap();
/// assert!(matches!(
///     cos_vending::Cluster::connect(settings.cluster().unwrap()),
///     Err(cos_vending::ClusterError::NoRuntime)
/// ));
/// tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
///     let cluster = cos_vending::Cluster::connect(settings.cluster().unwrap()).unwrap();
///     assert!(!format!("{cluster:?}").contains("00000000"), "no key in Debug");
///     assert!(cluster.ping().await.is_err(), "nothing listens on port 1");
/// });
/// ```
#[derive(Debug, Clone)]
pub struct Cluster {
    backend: Arc<Backend>,
    keys: Arc<SealKeys>,
    config: ClusterConfig,
}

impl Cluster {
    /// Loads the encryption keys and prepares the (lazily connecting) Redis client: a
    /// Redis that is down at start is a fallback, not a start failure. Call it inside a
    /// Tokio runtime.
    pub fn connect(config: &ClusterConfig) -> Result<Self, ClusterError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ClusterError::NoRuntime);
        }
        let keys = match (&config.encryption_key_file, &config.encryption_key_env) {
            (Some(file), _) => SealKeys::from_file(file)?,
            (None, Some(var)) => SealKeys::from_env(var)?,
            (None, None) => {
                return Err(KeyError::Empty {
                    source_name: "[cluster]".into(),
                }
                .into());
            }
        };
        let backend =
            Backend::new(config).map_err(|e| ClusterError::Url(format!("{:?}", e.kind())))?;
        Ok(Self {
            backend: Arc::new(backend),
            keys: Arc::new(keys),
            config: config.clone(),
        })
    }

    /// `vending` with the shared cache, limits, budget and Redis readiness.
    pub fn install(&self, vending: Vending) -> Vending {
        let settings = vending.settings().clone();
        let issuer = vending.issuer().clone();
        let action = match settings.issuer().kind {
            IssuerKind::Federation => "GetFederationToken",
            IssuerKind::AssumeRole => "AssumeRole",
        };
        let budget = self.config.sts_budget.get(action).map(|per_second| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let burst = per_second.ceil().clamp(1.0, f64::from(u32::MAX)) as u32;
            Rate::new(*per_second, burst)
        });
        let mut vending = vending
            .with_issuer(Arc::new(ClusterIssuer {
                inner: issuer,
                backend: self.backend.clone(),
                action,
                budget,
            }))
            .with_limiter(Arc::new(self.limiter("subject", &settings)))
            .with_ip_limiter(Arc::new(self.limiter("ip", &settings)));
        let cache = settings.cache();
        if cache.enabled {
            vending = vending.with_store(Arc::new(store::RedisStore {
                backend: self.backend.clone(),
                keys: self.keys.clone(),
                local: MemoryStore::new(
                    true,
                    cache.refresh_before_expiry_seconds,
                    cache.max_entries,
                ),
                recent: moka::future::Cache::builder()
                    .max_capacity(u64::try_from(cache.max_entries.max(1)).unwrap_or(u64::MAX))
                    .time_to_live(Duration::from_secs(12 * 3600))
                    .build(),
                refresh_before: cache.refresh_before_expiry_seconds,
                lock_ttl: self.config.lock_ttl(),
                wait_limit: settings.limits().request_timeout().mul_f64(0.9),
                action,
                budget,
                gates: std::sync::Mutex::default(),
            }));
        }
        vending
    }

    fn limiter(&self, kind: &'static str, settings: &Settings) -> limit::RedisLimiter {
        let (rate, burst) = match kind {
            "ip" => (
                settings.limits().per_ip_requests_per_second,
                settings.limits().per_ip_burst,
            ),
            _ => (
                settings.rate_limit().requests_per_second,
                settings.rate_limit().burst,
            ),
        };
        limit::RedisLimiter::new(
            self.backend.clone(),
            kind,
            Rate::new(rate, burst),
            MemoryLimiter::new(rate, burst),
        )
    }

    /// Adds the cluster's metrics (Redis latency, errors, state and fallbacks, lock waits,
    /// shared-cache results, budget refusals) to `metrics`' `/metrics` text.
    pub fn attach_metrics(&self, metrics: &Metrics) {
        let backend = self.backend.clone();
        metrics.attach(Arc::new(move |out: &mut String| {
            backend.metrics.encode(out)
        }));
    }

    /// Whether the last Redis command succeeded.
    pub fn redis_up(&self) -> bool {
        self.backend.is_up()
    }

    /// Sends `PING` (bounded by the command timeout).
    pub async fn ping(&self) -> Result<(), String> {
        self.backend.ping().await
    }
}

/// The issuer of a cluster member: STS calls the shared store did not already budget (a
/// disabled cache, server-chosen keys, the `local` fallback) take their token of the
/// fleet-wide budget here, and refuse without Redis in `refuse` mode; readiness also says
/// whether Redis answers (`refuse` mode: not ready without Redis; `local` mode: ready, the
/// fallback serves).
#[derive(Debug)]
struct ClusterIssuer {
    inner: Arc<dyn Issuer>,
    backend: Arc<Backend>,
    action: &'static str,
    budget: Option<Rate>,
}

fn refused(message: &str) -> StsError {
    StsError::Transport {
        message: message.to_owned(),
        not_sent: true,
    }
}

impl ClusterIssuer {
    async fn admit(&self) -> Result<(), StsError> {
        if BUDGET_TAKEN.try_with(|taken| *taken).unwrap_or(false) {
            return Ok(());
        }
        let refuse = self.backend.mode == OnRedisError::Refuse;
        let Some(rate) = self.budget else {
            if refuse && !self.backend.available() {
                return Err(refused("the shared state (Redis) is unreachable"));
            }
            return Ok(());
        };
        match self
            .backend
            .take(&self.backend.budget_key(self.action), rate)
            .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => {
                self.backend.metrics.budget_refused(self.action);
                Err(refused("the fleet-wide STS budget is spent"))
            }
            Err(_) if refuse => Err(refused("the shared state (Redis) is unreachable")),
            Err(_) => Ok(()),
        }
    }
}

impl Issuer for ClusterIssuer {
    fn issue<'a>(&'a self, call: &'a IssueCall) -> BoxFuture<'a, Result<Issued, StsError>> {
        Box::pin(async move {
            self.admit().await?;
            self.inner.issue(call).await
        })
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let redis = self.backend.ping().await;
            if let Err(reason) = &redis {
                if self.backend.mode == OnRedisError::Refuse {
                    return Err(reason.clone());
                }
                tracing::warn!(target: "cos_vending::cluster", %reason, "not ready on Redis; serving from the in-process fallback");
            }
            self.inner.check_ready().await
        })
    }
}
