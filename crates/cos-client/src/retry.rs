//! Retry policy: jittered exponential back-off bounded in count and total time.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Retry settings: at most `max_retries` retries, none started after `retry_timeout`, with
/// full-jitter exponential back-off between `initial_backoff` and `max_backoff`.
///
/// ```
/// use std::time::Duration;
/// use cos_client::RetryConfig;
///
/// let config = RetryConfig::default().max_retries(3).initial_backoff(Duration::from_millis(50));
/// assert_eq!(config.get_max_retries(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryConfig {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    retry_timeout: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 8,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(15),
            retry_timeout: Duration::from_secs(180),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    ///
    /// ```
    /// assert_eq!(cos_client::RetryConfig::disabled().get_max_retries(), 0);
    /// ```
    pub fn disabled() -> Self {
        Self::default().max_retries(0)
    }

    /// Sets the most retries after the first attempt (default 8).
    ///
    /// ```
    /// assert_eq!(cos_client::RetryConfig::default().max_retries(2).get_max_retries(), 2);
    /// ```
    #[must_use]
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first back-off ceiling (default 100 ms); it doubles at each retry.
    ///
    /// ```
    /// let c = cos_client::RetryConfig::default().initial_backoff(std::time::Duration::ZERO);
    /// # let _ = c;
    /// ```
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the largest back-off (default 15 s).
    ///
    /// ```
    /// let c = cos_client::RetryConfig::default().max_backoff(std::time::Duration::from_secs(1));
    /// # let _ = c;
    /// ```
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the time after the first attempt after which no retry starts (default 3 min).
    ///
    /// ```
    /// let c = cos_client::RetryConfig::default().retry_timeout(std::time::Duration::from_secs(30));
    /// # let _ = c;
    /// ```
    #[must_use]
    pub fn retry_timeout(mut self, timeout: Duration) -> Self {
        self.retry_timeout = timeout;
        self
    }

    /// The configured retry count.
    ///
    /// ```
    /// assert_eq!(cos_client::RetryConfig::default().get_max_retries(), 8);
    /// ```
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The configured retry time bound.
    ///
    /// ```
    /// assert_eq!(cos_client::RetryConfig::default().get_retry_timeout().as_secs(), 180);
    /// ```
    pub fn get_retry_timeout(&self) -> Duration {
        self.retry_timeout
    }
}

/// A source of random numbers for jitter; injectable so tests are deterministic.
pub(crate) trait Rng: Send + Sync + fmt::Debug {
    /// A uniformly distributed `u64`.
    fn next_u64(&self) -> u64;
}

/// SplitMix64 seeded from the standard library's per-process random hasher keys.
#[derive(Debug)]
pub(crate) struct SplitMix(AtomicU64);

impl SplitMix {
    pub(crate) fn from_entropy() -> Self {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0xC05);
        Self(AtomicU64::new(hasher.finish()))
    }
}

impl Rng for SplitMix {
    fn next_u64(&self) -> u64 {
        let mut z = self
            .0
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Back-off state for one logical request.
#[derive(Debug)]
pub(crate) struct Backoff {
    config: RetryConfig,
    rng: Arc<dyn Rng>,
    retries: u32,
}

impl Backoff {
    pub(crate) fn new(config: RetryConfig, rng: Arc<dyn Rng>) -> Self {
        Self {
            config,
            rng,
            retries: 0,
        }
    }

    /// The delay before the next retry, or `None` when the count or time budget is spent.
    /// `elapsed` is the time since the first attempt started.
    pub(crate) fn next_delay(&mut self, elapsed: Duration) -> Option<Duration> {
        if self.retries >= self.config.max_retries {
            return None;
        }
        let exp = self.retries.min(30);
        let ceiling = self
            .config
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.config.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        let delay = Duration::from_nanos(if nanos == 0 {
            0
        } else {
            self.rng.next_u64() % (nanos + 1)
        });
        if elapsed.saturating_add(delay) > self.config.retry_timeout {
            return None;
        }
        self.retries += 1;
        Some(delay)
    }

    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug)]
    struct Fixed(u64);
    impl super::Rng for Fixed {
        fn next_u64(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn deterministic_with_injected_rng() {
        let config = RetryConfig::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350))
            .max_retries(4);
        // The maximum draw yields the ceiling: 100, 200, 350 (capped), 350.
        let mut b = Backoff::new(config, Arc::new(Fixed(u64::MAX)));
        let delays: Vec<_> = std::iter::from_fn(|| b.next_delay(Duration::ZERO)).collect();
        let ms: Vec<u128> = delays.iter().map(Duration::as_millis).collect();
        assert_eq!(ms.len(), 4);
        assert!(ms[0] <= 100 && ms[1] <= 200 && ms[2] <= 350 && ms[3] <= 350);
        assert_eq!(b.retries(), 4);
        let mut zero = Backoff::new(config, Arc::new(Fixed(0)));
        assert_eq!(zero.next_delay(Duration::ZERO), Some(Duration::ZERO));
    }

    #[test]
    fn time_budget_stops_retries() {
        let config = RetryConfig::default().retry_timeout(Duration::from_secs(1));
        let mut b = Backoff::new(config, Arc::new(Fixed(0)));
        assert!(b.next_delay(Duration::from_millis(999)).is_some());
        assert!(b.next_delay(Duration::from_millis(1001)).is_none());
    }

    proptest! {
        #[test]
        fn delays_are_bounded(seed in any::<u64>(), retries in 0u32..20, init_ms in 0u64..1000, max_ms in 0u64..20_000) {
            let config = RetryConfig::default()
                .max_retries(retries)
                .initial_backoff(Duration::from_millis(init_ms))
                .max_backoff(Duration::from_millis(max_ms))
                .retry_timeout(Duration::from_secs(3600));
            let mut b = Backoff::new(config, Arc::new(SplitMix(AtomicU64::new(seed))));
            let mut n = 0;
            while let Some(d) = b.next_delay(Duration::ZERO) {
                prop_assert!(d <= Duration::from_millis(max_ms));
                n += 1;
            }
            prop_assert_eq!(n, retries);
        }
    }
}
