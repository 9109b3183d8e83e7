//! Rate limits: a token bucket (GCRA, governor) per key — a client IP before authentication,
//! a subject after.
//!
//! [`Limiter`] is the seam: [`MemoryLimiter`] keeps the buckets in this process; a shared
//! limiter (Redis) implements the same trait.

use std::any::Any;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{Quota, RateLimiter};

use crate::cache::BoxFuture;
#[cfg(doc)]
use crate::cache::CredentialStore;
use crate::vending::IssueError;

/// Above this many tracked keys, full (idle) buckets are forgotten.
const PRUNE_ABOVE: usize = 100_000;

/// Takes one token for a key, or says how long until one is available.
pub trait Limiter: Send + Sync + fmt::Debug {
    /// `Ok` when `key` may proceed, else how long to wait.
    fn check<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Duration>>;

    /// Whether the limiter can serve now (`/readyz`); an in-process limiter always can.
    fn check_ready(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// `Err(wait)` when `key` is already known to be refused for `wait` (a shared limiter
    /// remembers the waits its buckets answered: until then every check would be refused),
    /// without taking a token or asking anyone; `Ok` when not known.
    fn known_refused(&self, _key: &str) -> Result<(), Duration> {
        Ok(())
    }

    /// Whether a credential store may take this limiter's token in the same round trip as
    /// its lookup ([`CredentialStore::get_or_issue_limited`]), so that a caller gains by
    /// deferring the check until the lookup.
    fn joins_lookup(&self) -> bool {
        false
    }

    /// The concrete limiter, for a store that takes its tokens itself.
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }
}

/// Which limit refused a request.
///
/// ```
/// assert_eq!(cos_vending::LimitKind::Ip.as_str(), "ip");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// The per-IP limit (taken before authentication, or with the lookup).
    Ip,
    /// The per-subject limit.
    Subject,
}

impl LimitKind {
    /// The `limit` label of the metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ip => "ip",
            Self::Subject => "subject",
        }
    }

    /// The error refusing a request for `wait`.
    pub fn refusal(self, wait: Duration) -> IssueError {
        match self {
            Self::Ip => IssueError::IpRateLimited(wait),
            Self::Subject => IssueError::RateLimited(wait),
        }
    }
}

/// One rate-limit check a request must pass before a store answers it.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use cos_vending::{LimitCheck, LimitKind, MemoryLimiter};
/// let per_ip = MemoryLimiter::new(1.0, 1);
/// let check = LimitCheck { kind: LimitKind::Ip, limiter: &per_ip, key: "192.0.2.1" };
/// assert!(LimitCheck::run_all(&[check]).await.is_ok());
/// assert!(LimitCheck::run_all(&[check]).await.is_err());
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct LimitCheck<'a> {
    /// Which limit.
    pub kind: LimitKind,
    /// Its limiter.
    pub limiter: &'a dyn Limiter,
    /// The key it limits (an IP address, a subject).
    pub key: &'a str,
}

impl LimitCheck<'_> {
    /// Takes each check's token in order; the first refusal stops (later limits keep their
    /// tokens).
    pub async fn run_all(checks: &[LimitCheck<'_>]) -> Result<(), IssueError> {
        for check in checks {
            check
                .limiter
                .check(check.key)
                .await
                .map_err(|wait| check.kind.refusal(wait))?;
        }
        Ok(())
    }
}

type Keyed =
    RateLimiter<String, governor::state::keyed::DefaultKeyedStateStore<String>, DefaultClock>;

/// The in-process limiter.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use cos_vending::Limiter as _;
/// let limiter = cos_vending::MemoryLimiter::new(1.0, 2);
/// assert!(limiter.check("alice").await.is_ok());
/// assert!(limiter.check("alice").await.is_ok());
/// assert!(limiter.check("alice").await.is_err());
/// assert!(limiter.check("bob").await.is_ok());
/// # });
/// ```
pub struct MemoryLimiter {
    limiter: Keyed,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl fmt::Debug for MemoryLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLimiter")
            .field("keys", &self.limiter.len())
            .finish()
    }
}

impl MemoryLimiter {
    /// `rate` tokens per second, at most `burst` stored.
    pub fn new(rate: f64, burst: u32) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        let period = Duration::from_secs_f64((1.0 / rate).max(1e-9));
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: RateLimiter::keyed(quota),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    fn check_now(&self, key: &str) -> Result<(), Duration> {
        if self
            .checks
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(4096)
            && self.limiter.len() > PRUNE_ABOVE
        {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

impl Limiter for MemoryLimiter {
    fn check<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Duration>> {
        let result = self.check_now(key);
        Box::pin(std::future::ready(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn burst_then_wait_per_key() {
        let limiter = MemoryLimiter::new(2.0, 3);
        for _ in 0..3 {
            assert!(limiter.check("a").await.is_ok());
        }
        let wait = limiter.check("a").await.unwrap_err();
        assert!(wait <= Duration::from_millis(500), "{wait:?}");
        assert!(limiter.check("b").await.is_ok(), "keys are independent");
        tokio::time::sleep(Duration::from_millis(520)).await;
        assert!(limiter.check("a").await.is_ok(), "refilled");
    }

    #[tokio::test]
    async fn odd_rates_are_sane() {
        let limiter = MemoryLimiter::new(f64::NAN, 0);
        assert!(limiter.check("a").await.is_ok());
        assert!(limiter.check("a").await.is_err());
        let slow = MemoryLimiter::new(0.1, 1);
        assert!(slow.check("a").await.is_ok());
        assert!(slow.check("a").await.unwrap_err() > Duration::from_secs(5));
    }
}
