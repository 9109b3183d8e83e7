//! One Redis connection shared by the store and the limiters: every command bounded by the
//! command timeout, timed and counted; a failure marks Redis down for `retry_after` (the
//! fallback answers meanwhile, logged once per transition), after which the next request
//! probes it again.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::config::{ClusterConfig, OnRedisError};
use super::connection::Connection;
use super::metrics::ClusterMetrics;

/// Redis did not answer (or answered an error); the caller falls back or refuses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RedisDown;

/// Compare-and-delete: releases a lock only if this owner still holds it.
const RELEASE: &str = r"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// GCRA buckets taken in order, then optionally a `GET`, in one atomic step (one round trip
/// for a cache hit: the per-IP and per-subject tokens and the entry).
///
/// ARGV[1] is the number of buckets n; KEYS[1..n] hold their theoretical arrival times (µs,
/// on Redis's clock) and ARGV[2i], ARGV[2i+1] the emission interval and burst tolerance (µs)
/// of bucket i; KEYS[n+1], if present, is read once every bucket admitted. Returns
/// `{0, i, µs until admission, nil}` when bucket i refuses (the buckets before it keep their
/// tokens, the ones after it are not touched), else `{1, 0, 0, value or nil}`.
const ADMIT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = tonumber(ARGV[1])
for i = 1, n do
  local interval = tonumber(ARGV[2 * i])
  local tolerance = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local allow_at = tat - tolerance
  if now < allow_at then return {0, i, allow_at - now, false} end
  local new_tat = tat + interval
  redis.call('SET', KEYS[i], string.format('%d', new_tat), 'PX', math.floor((new_tat - now) / 1000) + 1)
end
local value = false
if #KEYS > n then value = redis.call('GET', KEYS[n + 1]) end
return {1, 0, 0, value}
";

/// What [`Backend::admit`] found.
#[derive(Debug)]
pub(crate) enum Admitted {
    /// Bucket `index` (0-based) refused for this long.
    Refused { index: usize, wait: Duration },
    /// Every bucket admitted; the value read, if one was asked for and exists.
    Admitted(Option<String>),
}

/// A GCRA rate: one token every `interval`, `burst` stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rate {
    interval_us: u64,
    tolerance_us: u64,
}

impl Rate {
    /// `per_second` tokens per second, at most `burst` at once.
    pub(crate) fn new(per_second: f64, burst: u32) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let interval_us = ((1_000_000.0 / per_second).ceil() as u64).max(1);
        Self {
            interval_us,
            tolerance_us: interval_us.saturating_mul(u64::from(burst.max(1) - 1)),
        }
    }
}

pub(crate) struct Backend {
    conn: Connection,
    pub(crate) prefix: String,
    timeout: Duration,
    retry_after: Duration,
    pub(crate) mode: OnRedisError,
    last_failure: Mutex<Option<Instant>>,
    up: AtomicBool,
    pub(crate) metrics: ClusterMetrics,
    release: redis::Script,
    admit: redis::Script,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("prefix", &self.prefix)
            .field("mode", &self.mode)
            .field("up", &self.up.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// A lazily connecting backend (the first command connects; a dead Redis at start is
    /// a fallback, not a start failure).
    pub(crate) fn new(config: &ClusterConfig) -> Result<Self, redis::RedisError> {
        let conn = Connection::new(config)?;
        let metrics = ClusterMetrics::new();
        metrics.set_up(true);
        Ok(Self {
            conn,
            prefix: config.effective_prefix(),
            timeout: config.command_timeout(),
            retry_after: config.retry_after(),
            mode: config.on_redis_error,
            last_failure: Mutex::new(None),
            up: AtomicBool::new(true),
            metrics,
            release: redis::Script::new(RELEASE),
            admit: redis::Script::new(ADMIT),
        })
    }

    /// The Redis key of the STS budget of `action`.
    pub(crate) fn budget_key(&self, action: &str) -> String {
        format!("{}budget:{action}", self.prefix)
    }

    /// Whether Redis may be tried now (not within `retry_after` of a failure).
    pub(crate) fn available(&self) -> bool {
        let last = self.last_failure.lock().map(|g| *g).unwrap_or(None);
        last.is_none_or(|at| at.elapsed() >= self.retry_after)
    }

    /// Whether the last command succeeded.
    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    fn failed(&self, op: &'static str, error: &str) {
        self.conn.forget();
        if let Ok(mut last) = self.last_failure.lock() {
            *last = Some(Instant::now());
        }
        self.metrics.error(op);
        if self.up.swap(false, Ordering::SeqCst) {
            self.metrics.set_up(false);
            self.metrics.transition(match self.mode {
                OnRedisError::Local => "local",
                OnRedisError::Refuse => "refuse",
            });
            tracing::warn!(target: "cos_vending::cluster", op, error, mode = ?self.mode, "Redis unreachable; falling back until it answers again");
        }
    }

    fn succeeded(&self) {
        if !self.up.load(Ordering::Relaxed) && !self.up.swap(true, Ordering::SeqCst) {
            if let Ok(mut last) = self.last_failure.lock() {
                *last = None;
            }
            self.metrics.set_up(true);
            self.metrics.transition("redis");
            tracing::info!(target: "cos_vending::cluster", "Redis answers again; shared state resumes");
        }
    }

    /// Runs one command, bounded by the command timeout.
    async fn run<T, F>(&self, op: &'static str, command: F) -> Result<T, RedisDown>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        if !self.available() {
            return Err(RedisDown);
        }
        let started = Instant::now();
        let result = tokio::time::timeout(self.timeout, command).await;
        self.metrics.latency(op, started.elapsed());
        match result {
            Ok(Ok(value)) => {
                self.succeeded();
                Ok(value)
            }
            Ok(Err(error)) => {
                self.failed(op, &error.to_string());
                Err(RedisDown)
            }
            Err(_) => {
                self.failed(op, "timed out");
                Err(RedisDown)
            }
        }
    }

    /// `GET name`.
    pub(crate) async fn get(&self, name: &str) -> Result<Option<String>, RedisDown> {
        let mut conn = self.conn.clone();
        self.run(
            "get",
            redis::cmd("GET")
                .arg(name)
                .query_async::<Option<String>>(&mut conn),
        )
        .await
    }

    /// `SET name value PX ttl`.
    pub(crate) async fn set(
        &self,
        name: &str,
        value: &str,
        ttl: Duration,
    ) -> Result<(), RedisDown> {
        let mut conn = self.conn.clone();
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run(
            "set",
            redis::cmd("SET")
                .arg(name)
                .arg(value)
                .arg("PX")
                .arg(ms)
                .query_async::<()>(&mut conn),
        )
        .await
    }

    /// `SET name token NX PX ttl`: whether the lock was taken.
    pub(crate) async fn lock(
        &self,
        name: &str,
        token: &str,
        ttl: Duration,
    ) -> Result<bool, RedisDown> {
        let mut conn = self.conn.clone();
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        self.run(
            "lock",
            redis::cmd("SET")
                .arg(name)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .query_async::<Option<String>>(&mut conn),
        )
        .await
        .map(|ok| ok.is_some())
    }

    /// Releases the lock `name` if `token` still holds it.
    pub(crate) async fn unlock(&self, name: &str, token: &str) -> Result<(), RedisDown> {
        let mut conn = self.conn.clone();
        let mut invocation = self.release.key(name);
        invocation.arg(token);
        self.run("unlock", invocation.invoke_async::<i64>(&mut conn))
            .await
            .map(|_| ())
    }

    /// Takes one token of `rate` from the bucket `name`, or says how long until one is
    /// available.
    pub(crate) async fn take(
        &self,
        name: &str,
        rate: Rate,
    ) -> Result<Result<(), Duration>, RedisDown> {
        Ok(match self.admit("limit", &[(name, rate)], None).await? {
            Admitted::Refused { wait, .. } => Err(wait),
            Admitted::Admitted(_) => Ok(()),
        })
    }

    /// Takes one token from each of `buckets` in order (stopping at the first refusal),
    /// then reads `entry` if every bucket admitted: one round trip.
    pub(crate) async fn admit(
        &self,
        op: &'static str,
        buckets: &[(&str, Rate)],
        entry: Option<&str>,
    ) -> Result<Admitted, RedisDown> {
        let mut conn = self.conn.clone();
        let mut invocation = self.admit.prepare_invoke();
        invocation.arg(buckets.len());
        for (name, rate) in buckets {
            invocation
                .key(*name)
                .arg(rate.interval_us)
                .arg(rate.tolerance_us);
        }
        if let Some(entry) = entry {
            invocation.key(entry);
        }
        let (admitted, index, wait_us, value) = self
            .run(
                op,
                invocation.invoke_async::<(i64, i64, i64, Option<String>)>(&mut conn),
            )
            .await?;
        Ok(if admitted == 1 {
            Admitted::Admitted(value)
        } else {
            Admitted::Refused {
                index: usize::try_from(index - 1).unwrap_or(0),
                wait: Duration::from_micros(u64::try_from(wait_us).unwrap_or(0)),
            }
        })
    }

    /// `PING`, for readiness.
    pub(crate) async fn ping(&self) -> Result<(), String> {
        let mut conn = self.conn.clone();
        let started = Instant::now();
        let result = tokio::time::timeout(
            self.timeout,
            redis::cmd("PING").query_async::<String>(&mut conn),
        )
        .await;
        self.metrics.latency("ping", started.elapsed());
        match result {
            Ok(Ok(_)) => {
                self.succeeded();
                Ok(())
            }
            Ok(Err(error)) => {
                let text = error.to_string();
                self.failed("ping", &text);
                Err(format!("redis: {text}"))
            }
            Err(_) => {
                self.failed("ping", "timed out");
                Err("redis: timed out".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_hold_burst_minus_one_intervals_of_tolerance() {
        let rate = Rate::new(5.0, 10);
        assert_eq!(rate.interval_us, 200_000);
        assert_eq!(rate.tolerance_us, 1_800_000);
        let odd = Rate::new(f64::NAN, 0);
        assert_eq!((odd.interval_us, odd.tolerance_us), (1_000_000, 0));
    }
}
