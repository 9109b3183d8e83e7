//! The cluster's metrics, appended to `/metrics`: Redis latency, errors and state, fallback
//! transitions, single-flight lock waits, shared-cache results and STS budget refusals.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabel {
    op: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToLabel {
    to: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabel {
    action: &'static str,
}

fn buckets() -> Histogram {
    Histogram::new([
        0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
        2.5, 5.0, 10.0,
    ])
}

pub(crate) struct ClusterMetrics {
    registry: Registry,
    latency: Family<OpLabel, Histogram>,
    errors: Family<OpLabel, Counter>,
    up: Gauge,
    transitions: Family<ToLabel, Counter>,
    lock_waits: Counter,
    lock_wait_seconds: Histogram,
    shared_cache: Family<ResultLabel, Counter>,
    budget_refused: Family<ActionLabel, Counter>,
}

impl ClusterMetrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::default();
        let latency = Family::<OpLabel, Histogram>::new_with_constructor(buckets);
        let errors = Family::<OpLabel, Counter>::default();
        let up = Gauge::default();
        let transitions = Family::<ToLabel, Counter>::default();
        let lock_waits = Counter::default();
        let lock_wait_seconds = buckets();
        let shared_cache = Family::<ResultLabel, Counter>::default();
        let budget_refused = Family::<ActionLabel, Counter>::default();
        registry.register(
            "cos_vending_redis_command_duration_seconds",
            "Redis command latency by operation",
            latency.clone(),
        );
        registry.register(
            "cos_vending_redis_errors",
            "Redis commands that failed or timed out, by operation",
            errors.clone(),
        );
        registry.register(
            "cos_vending_redis_up",
            "Whether the last Redis command succeeded (1) or failed (0)",
            up.clone(),
        );
        registry.register(
            "cos_vending_redis_fallback_transitions",
            "Switches between Redis and the fallback (to=local|refuse|redis)",
            transitions.clone(),
        );
        registry.register(
            "cos_vending_lock_waits",
            "Requests that waited for another caller's STS call (single flight)",
            lock_waits.clone(),
        );
        registry.register(
            "cos_vending_lock_wait_seconds",
            "Time spent waiting for another caller's STS call",
            lock_wait_seconds.clone(),
        );
        registry.register(
            "cos_vending_shared_cache",
            "Shared-cache lookups by result (hit|miss|fallback|refused)",
            shared_cache.clone(),
        );
        registry.register(
            "cos_vending_sts_budget_refused",
            "STS calls not made because the fleet-wide budget was spent",
            budget_refused.clone(),
        );
        Self {
            registry,
            latency,
            errors,
            up,
            transitions,
            lock_waits,
            lock_wait_seconds,
            shared_cache,
            budget_refused,
        }
    }

    pub(crate) fn latency(&self, op: &'static str, took: Duration) {
        self.latency
            .get_or_create(&OpLabel { op })
            .observe(took.as_secs_f64());
    }

    pub(crate) fn error(&self, op: &'static str) {
        self.errors.get_or_create(&OpLabel { op }).inc();
    }

    pub(crate) fn set_up(&self, up: bool) {
        self.up.set(i64::from(up));
    }

    pub(crate) fn transition(&self, to: &'static str) {
        self.transitions.get_or_create(&ToLabel { to }).inc();
    }

    pub(crate) fn lock_wait_started(&self) {
        self.lock_waits.inc();
    }

    pub(crate) fn lock_waited(&self, took: Duration) {
        self.lock_wait_seconds.observe(took.as_secs_f64());
    }

    pub(crate) fn shared_cache(&self, result: &'static str) {
        self.shared_cache
            .get_or_create(&ResultLabel { result })
            .inc();
    }

    pub(crate) fn budget_refused(&self, action: &'static str) {
        self.budget_refused
            .get_or_create(&ActionLabel { action })
            .inc();
    }

    /// Appends the metric families (without the final `# EOF`).
    pub(crate) fn encode(&self, out: &mut String) {
        let _ = prometheus_client::encoding::text::encode_registry(out, &self.registry);
    }
}
