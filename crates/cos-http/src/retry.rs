//! The one retry policy: jittered exponential back-off bounded in attempts and in time.

use std::sync::Arc;
use std::time::Duration;

use crate::jitter::{Jitter, Rng};

/// How failed requests are retried, by both clients: at most `max_attempts` attempts (the
/// first included), no retry started once `budget` has passed since the first attempt, and
/// before retry *n* (1-based) a delay uniform in
/// `[0, min(max_backoff, initial_backoff × 2^(n−1))]` ("full jitter"). Which errors are
/// retried is each client's classification (throttling, 5xx, transport failures of requests
/// not sent or idempotent, see [`status_is_retryable`]); every attempt is rebuilt and signed
/// afresh by the client.
///
/// Two presets: [`RetryConfig::default`] (3 attempts, 200 ms to 5 s, a 2 min budget that leaves
/// room for three 30 s request time-outs: API calls such as STS) and
/// [`RetryConfig::transfers`] (9 attempts, 100 ms to 15 s, a 3 min budget: `cos-client`'s
/// default, for data transfers that must survive throttling).
///
/// ```
/// use std::time::Duration;
/// use cos_http::RetryConfig;
///
/// let retry = RetryConfig::default();
/// assert_eq!(retry.max_attempts, 3);
/// assert_eq!(RetryConfig::disabled().max_attempts, 1);
/// let custom = RetryConfig::transfers().max_attempts(5).budget(Duration::from_secs(20));
/// assert_eq!((custom.max_attempts, custom.budget), (5, Duration::from_secs(20)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Total attempts including the first (at least 1).
    pub max_attempts: u32,
    /// No retry starts (nor sleeps past) this long after the first attempt started.
    pub budget: Duration,
    /// Upper bound of the first delay.
    pub initial_backoff: Duration,
    /// Upper bound of any delay.
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            budget: Duration::from_secs(120),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryConfig {
    /// The preset for data transfers (`cos-client`'s default): 9 attempts, 100 ms to 15 s,
    /// a 3 minute budget.
    ///
    /// ```
    /// let r = cos_http::RetryConfig::transfers();
    /// assert_eq!((r.max_attempts, r.budget.as_secs()), (9, 180));
    /// ```
    pub fn transfers() -> Self {
        Self {
            max_attempts: 9,
            budget: Duration::from_secs(180),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(15),
        }
    }

    /// One attempt, no retry.
    ///
    /// ```
    /// assert_eq!(cos_http::RetryConfig::disabled().max_attempts, 1);
    /// ```
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the total number of attempts (values below 1 count as 1).
    ///
    /// ```
    /// assert_eq!(cos_http::RetryConfig::default().max_attempts(0).max_attempts, 1);
    /// ```
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the time after the first attempt's start after which no retry starts.
    ///
    /// ```
    /// let r = cos_http::RetryConfig::default().budget(std::time::Duration::from_secs(9));
    /// assert_eq!(r.budget.as_secs(), 9);
    /// ```
    #[must_use]
    pub fn budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// Sets the first delay's upper bound (it doubles at each retry).
    ///
    /// ```
    /// use std::time::Duration;
    /// let r = cos_http::RetryConfig::default().initial_backoff(Duration::from_millis(1));
    /// assert_eq!(r.initial_backoff, Duration::from_millis(1));
    /// ```
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the upper bound of any delay.
    ///
    /// ```
    /// use std::time::Duration;
    /// let r = cos_http::RetryConfig::default().max_backoff(Duration::from_secs(1));
    /// assert_eq!(r.max_backoff, Duration::from_secs(1));
    /// ```
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The upper bound of the delay before retry number `retry` (1-based): `initial_backoff`
    /// doubled for each earlier retry (at most 20 doublings, saturating), capped at
    /// `max_backoff`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let retry = cos_http::RetryConfig::default();
    /// assert_eq!(retry.backoff_cap(1), Duration::from_millis(200));
    /// assert_eq!(retry.backoff_cap(3), Duration::from_millis(800));
    /// assert_eq!(retry.backoff_cap(30), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn backoff_cap(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        self.initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff)
    }

    /// The jittered delay before retry number `retry` for a uniform `sample` in `[0, 1]`
    /// (values outside are clamped, NaN counts as 0): `sample` times
    /// [`backoff_cap`](Self::backoff_cap), never more than the cap.
    ///
    /// ```
    /// use std::time::Duration;
    /// let retry = cos_http::RetryConfig::default();
    /// assert_eq!(retry.backoff(2, 0.5), Duration::from_millis(200));
    /// assert_eq!(retry.backoff(2, 7.0), Duration::from_millis(400));
    /// assert_eq!(retry.backoff(2, f64::NAN), Duration::ZERO);
    /// ```
    #[must_use]
    pub fn backoff(&self, retry: u32, sample: f64) -> Duration {
        let cap = self.backoff_cap(retry);
        let sample = if sample.is_nan() {
            0.0
        } else {
            sample.clamp(0.0, 1.0)
        };
        // Near `Duration::MAX` the float product can round past the largest duration.
        Duration::try_from_secs_f64(cap.as_secs_f64() * sample)
            .unwrap_or(cap)
            .min(cap)
    }
}

/// Whether an HTTP status alone says "try again": 429 and the 5xx answers a server gives
/// when it is overloaded or restarting (500, 502, 503, 504).
///
/// ```
/// use http::StatusCode;
/// assert!(cos_http::status_is_retryable(StatusCode::SERVICE_UNAVAILABLE));
/// assert!(cos_http::status_is_retryable(StatusCode::TOO_MANY_REQUESTS));
/// assert!(!cos_http::status_is_retryable(StatusCode::FORBIDDEN));
/// ```
pub fn status_is_retryable(status: http::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// Whether a request that failed in transport may be sent again: always when it never left
/// (connection refused, DNS), otherwise only when repeating it is harmless (idempotent).
///
/// ```
/// assert!(cos_http::transport_failure_is_retryable(true, false));
/// assert!(cos_http::transport_failure_is_retryable(false, true));
/// assert!(!cos_http::transport_failure_is_retryable(false, false));
/// ```
pub fn transport_failure_is_retryable(not_sent: bool, idempotent: bool) -> bool {
    not_sent || idempotent
}

/// The retry state of one logical request: counts retries, draws the jittered delays and
/// stops at the attempt or time budget.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use cos_http::{Backoff, Jitter, RetryConfig};
///
/// let mut backoff = Backoff::new(RetryConfig::default(), Arc::new(Jitter::new()));
/// assert!(backoff.next_delay(Duration::ZERO).is_some()); // attempt 2
/// assert!(backoff.next_delay(Duration::ZERO).is_some()); // attempt 3
/// assert!(backoff.next_delay(Duration::ZERO).is_none()); // 3 attempts made
/// assert_eq!(backoff.retries(), 2);
/// ```
#[derive(Debug)]
pub struct Backoff {
    config: RetryConfig,
    rng: Arc<dyn Rng>,
    retries: u32,
}

impl Backoff {
    /// Fresh state for a request about to make its first attempt.
    ///
    /// ```
    /// let b = cos_http::Backoff::new(cos_http::RetryConfig::disabled(), std::sync::Arc::new(cos_http::Jitter::new()));
    /// assert_eq!(b.retries(), 0);
    /// ```
    pub fn new(config: RetryConfig, rng: Arc<dyn Rng>) -> Self {
        Self {
            config,
            rng,
            retries: 0,
        }
    }

    /// With the default random source.
    ///
    /// ```
    /// let b = cos_http::Backoff::with_jitter(cos_http::RetryConfig::default());
    /// # let _ = b;
    /// ```
    pub fn with_jitter(config: RetryConfig) -> Self {
        Self::new(config, Arc::new(Jitter::new()))
    }

    /// The delay before the next retry, or `None` when the attempts or the time budget are
    /// spent (the delay would end past it). `elapsed` is the time since the first attempt
    /// started.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut b = cos_http::Backoff::with_jitter(cos_http::RetryConfig::default());
    /// assert!(b.next_delay(Duration::from_secs(121)).is_none()); // past the 2 min budget
    /// ```
    pub fn next_delay(&mut self, elapsed: Duration) -> Option<Duration> {
        if self.retries.saturating_add(1) >= self.config.max_attempts {
            return None;
        }
        let delay = self
            .config
            .backoff(self.retries.saturating_add(1), self.rng.unit());
        if elapsed.saturating_add(delay) > self.config.budget {
            return None;
        }
        self.retries += 1;
        Some(delay)
    }

    /// Retries granted so far (attempts made minus one, once the next attempt starts).
    ///
    /// ```
    /// let b = cos_http::Backoff::with_jitter(cos_http::RetryConfig::default());
    /// assert_eq!(b.retries(), 0);
    /// ```
    pub fn retries(&self) -> u32 {
        self.retries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jitter::Rng;
    use proptest::prelude::{any, prop_assert, prop_assert_eq, proptest};

    #[derive(Debug)]
    struct Fixed(u64);
    impl Rng for Fixed {
        fn next_u64(&self) -> u64 {
            self.0
        }
    }

    #[test]
    fn deterministic_with_injected_rng() {
        let config = RetryConfig::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350))
            .max_attempts(5);
        // The maximum draw yields the ceiling: 100, 200, 350 (capped), 350.
        let mut b = Backoff::new(config, Arc::new(Fixed(u64::MAX)));
        let ms: Vec<u128> = std::iter::from_fn(|| b.next_delay(Duration::ZERO))
            .map(|d| d.as_millis())
            .collect();
        assert_eq!(ms, [100, 200, 350, 350]);
        assert_eq!(b.retries(), 4);
        let mut zero = Backoff::new(config, Arc::new(Fixed(0)));
        assert_eq!(zero.next_delay(Duration::ZERO), Some(Duration::ZERO));
    }

    #[test]
    fn time_budget_stops_retries() {
        let config = RetryConfig::transfers().budget(Duration::from_secs(1));
        let mut b = Backoff::new(config, Arc::new(Fixed(0)));
        assert!(b.next_delay(Duration::from_millis(999)).is_some());
        assert!(b.next_delay(Duration::from_millis(1001)).is_none());
    }

    #[test]
    fn delays_grow_on_average() {
        let retry = RetryConfig::default();
        let jitter = Jitter::new();
        let late: Duration = (0..200).map(|_| retry.backoff(6, jitter.unit())).sum();
        let early: Duration = (0..200).map(|_| retry.backoff(1, jitter.unit())).sum();
        assert!(late > early);
    }

    proptest! {
        #[test]
        fn delays_are_bounded(seed in any::<u64>(), attempts in 1u32..20, init_ms in 0u64..1000, max_ms in 0u64..20_000) {
            let config = RetryConfig::default()
                .max_attempts(attempts)
                .initial_backoff(Duration::from_millis(init_ms))
                .max_backoff(Duration::from_millis(max_ms))
                .budget(Duration::from_secs(3600));
            let mut b = Backoff::new(config, Arc::new(Jitter::seeded(seed)));
            let mut n = 0;
            while let Some(d) = b.next_delay(Duration::ZERO) {
                prop_assert!(d <= Duration::from_millis(max_ms));
                n += 1;
            }
            prop_assert_eq!(n, attempts - 1);
        }
    }
}
