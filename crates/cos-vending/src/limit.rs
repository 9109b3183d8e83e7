//! Rate limits: a token bucket (GCRA, governor) per key — a client IP before authentication,
//! a subject after.
//!
//! [`Limiter`] is the seam: [`MemoryLimiter`] keeps the buckets in this process; a shared
//! limiter (Redis) implements the same trait.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{Quota, RateLimiter};

use crate::cache::BoxFuture;

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
