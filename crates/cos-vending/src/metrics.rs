//! Prometheus metrics (`GET /metrics`): requests by route and status, keys issued by role,
//! cache hits and misses, STS calls, errors, rate-limited requests and a latency histogram.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sts_client::StsError;

use crate::cache::{BoxFuture, Lookup};
use crate::issuer::{IssueCall, Issued, Issuer};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabel {
    role: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StsLabel {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabel {
    limit: &'static str,
}

/// The server's metrics.
///
/// ```
/// let metrics = cos_vending::Metrics::new();
/// metrics.request("/sts", 200, std::time::Duration::from_millis(2));
/// assert!(metrics.render().contains("cos_vending_requests_total{route=\"/sts\",status=\"200\"} 1"));
/// ```
pub struct Metrics {
    registry: Registry,
    requests: Family<RouteStatus, Counter>,
    issued: Family<RoleLabel, Counter>,
    cache: Family<ResultLabel, Counter>,
    sts_calls: Family<StsLabel, Counter>,
    errors: Family<CodeLabel, Counter>,
    limited: Family<LimitLabel, Counter>,
    latency: Family<RouteLabel, Histogram>,
    extra: std::sync::RwLock<Vec<ExtraMetrics>>,
}

/// Appends more metric families (OpenMetrics text without `# EOF`) to `/metrics`.
pub type ExtraMetrics = Arc<dyn Fn(&mut String) + Send + Sync>;

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RouteStatus, Counter>::default();
        let issued = Family::<RoleLabel, Counter>::default();
        let cache = Family::<ResultLabel, Counter>::default();
        let sts_calls = Family::<StsLabel, Counter>::default();
        let errors = Family::<CodeLabel, Counter>::default();
        let limited = Family::<LimitLabel, Counter>::default();
        let latency = Family::<RouteLabel, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                2.5, 5.0,
            ])
        });
        registry.register(
            "cos_vending_requests",
            "HTTP answers by route and status",
            requests.clone(),
        );
        registry.register(
            "cos_vending_keys_issued",
            "Keys handed out by role (cached or new)",
            issued.clone(),
        );
        registry.register(
            "cos_vending_cache",
            "Credential cache lookups by result",
            cache.clone(),
        );
        registry.register(
            "cos_vending_sts_calls",
            "STS calls by issuer kind and outcome",
            sts_calls.clone(),
        );
        registry.register(
            "cos_vending_errors",
            "Refused or failed requests by error code",
            errors.clone(),
        );
        registry.register(
            "cos_vending_rate_limited",
            "Requests refused by a rate limit",
            limited.clone(),
        );
        registry.register(
            "cos_vending_request_duration_seconds",
            "Time to answer, by route",
            latency.clone(),
        );
        Self {
            registry,
            requests,
            issued,
            cache,
            sts_calls,
            errors,
            limited,
            latency,
            extra: std::sync::RwLock::new(Vec::new()),
        }
    }

    /// Adds the families `extra` writes to every [`Metrics::render`] (e.g. the cluster's).
    ///
    /// ```
    /// let metrics = cos_vending::Metrics::new();
    /// metrics.attach(std::sync::Arc::new(|out: &mut String| out.push_str("# TYPE extra counter\nextra_total 1\n")));
    /// let text = metrics.render();
    /// assert!(text.contains("extra_total 1\n# EOF"));
    /// ```
    pub fn attach(&self, extra: ExtraMetrics) {
        if let Ok(mut list) = self.extra.write() {
            list.push(extra);
        }
    }

    /// Counts one answer and its latency.
    pub fn request(&self, route: &'static str, status: u16, latency: Duration) {
        self.requests
            .get_or_create(&RouteStatus { route, status })
            .inc();
        self.latency
            .get_or_create(&RouteLabel { route })
            .observe(latency.as_secs_f64());
    }

    /// Counts one key handed out.
    pub fn issued(&self, role: &str, lookup: Lookup) {
        self.issued
            .get_or_create(&RoleLabel {
                role: role.to_owned(),
            })
            .inc();
        self.cache
            .get_or_create(&ResultLabel {
                result: lookup.as_str(),
            })
            .inc();
    }

    /// Counts one refusal.
    pub fn error(&self, code: &'static str) {
        self.errors.get_or_create(&CodeLabel { code }).inc();
    }

    /// Counts one rate-limited request (`ip` or `subject`).
    pub fn rate_limited(&self, limit: &'static str) {
        self.limited.get_or_create(&LimitLabel { limit }).inc();
    }

    fn sts_call(&self, kind: &'static str, ok: bool) {
        self.sts_calls
            .get_or_create(&StsLabel {
                kind,
                outcome: if ok { "ok" } else { "error" },
            })
            .inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        use prometheus_client::encoding::text::{encode_eof, encode_registry};
        if encode_registry(&mut out, &self.registry).is_err() {
            out.clear();
        }
        if let Ok(list) = self.extra.read() {
            for extra in list.iter() {
                extra(&mut out);
            }
        }
        let _ = encode_eof(&mut out);
        out
    }
}

/// An [`Issuer`] that counts its STS calls.
///
/// ```
/// # use std::sync::Arc;
/// let client = sts_client::StsClient::builder()
///     .credential(tc3_signer::Credential::new("AKIDEXAMPLE", "secret"))
///     .build().unwrap();
/// let inner = Arc::new(cos_vending::StsIssuer::new(client, &cos_vending::IssuerConfig::default()));
/// let metered = cos_vending::MeteredIssuer::new(inner, Arc::new(cos_vending::Metrics::new()));
/// assert_eq!(cos_vending::Issuer::kind(&metered), "federation");
/// ```
#[derive(Debug)]
pub struct MeteredIssuer {
    inner: Arc<dyn Issuer>,
    metrics: Arc<Metrics>,
}

impl MeteredIssuer {
    /// Counts the calls of `inner` in `metrics`.
    pub fn new(inner: Arc<dyn Issuer>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }
}

impl Issuer for MeteredIssuer {
    fn issue<'a>(&'a self, call: &'a IssueCall) -> BoxFuture<'a, Result<Issued, StsError>> {
        Box::pin(async move {
            let result = self.inner.issue(call).await;
            self.metrics.sts_call(self.inner.kind(), result.is_ok());
            result
        })
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), String>> {
        self.inner.check_ready()
    }
}
