//! Bounded retries with jittered exponential back-off.

use std::time::Duration;

use crate::jitter::Jitter;

/// How failed STS calls are retried. Only retryable errors
/// ([`StsError::is_retryable`](crate::StsError::is_retryable)) are retried: transport errors,
/// time-outs, HTTP 5xx/429, `RequestLimitExceeded*` and `InternalError`. Each attempt is
/// signed afresh. The delay before retry *n* (1-based) is uniform in
/// `[0, min(max_backoff, initial_backoff × 2^(n−1))]` ("full jitter").
///
/// ```
/// use std::time::Duration;
/// use sts_client::RetryConfig;
///
/// let retry = RetryConfig::default();
/// assert_eq!(retry.max_attempts, 3);
/// let none = RetryConfig::disabled();
/// assert_eq!(none.max_attempts, 1);
/// let custom = RetryConfig::default().max_attempts(5).initial_backoff(Duration::from_millis(10));
/// assert_eq!(custom.max_attempts, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryConfig {
    /// Total attempts including the first (at least 1; default 3).
    pub max_attempts: u32,
    /// Upper bound of the first delay (default 200 ms).
    pub initial_backoff: Duration,
    /// Upper bound of any delay (default 5 s).
    pub max_backoff: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryConfig {
    /// One attempt, no retry.
    ///
    /// ```
    /// assert_eq!(sts_client::RetryConfig::disabled().max_attempts, 1);
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
    /// assert_eq!(sts_client::RetryConfig::default().max_attempts(0).max_attempts, 1);
    /// ```
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first delay's upper bound.
    ///
    /// ```
    /// use std::time::Duration;
    /// let r = sts_client::RetryConfig::default().initial_backoff(Duration::from_millis(1));
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
    /// let r = sts_client::RetryConfig::default().max_backoff(Duration::from_secs(1));
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
    /// let retry = sts_client::RetryConfig::default();
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
    /// let retry = sts_client::RetryConfig::default();
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

    /// The delay before retry number `retry` (1-based), jittered by `jitter`.
    pub(crate) fn delay(&self, retry: u32, jitter: &Jitter) -> Duration {
        self.backoff(retry, jitter.unit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_bounded_and_grow() {
        let retry = RetryConfig::default();
        let jitter = Jitter::new();
        for n in 1..40 {
            let cap = Duration::from_millis(200)
                .saturating_mul(1 << (n - 1).min(20))
                .min(Duration::from_secs(5));
            for _ in 0..20 {
                assert!(retry.delay(n, &jitter) <= cap);
            }
        }
        let late: Duration = (0..200).map(|_| retry.delay(6, &jitter)).sum();
        let early: Duration = (0..200).map(|_| retry.delay(1, &jitter)).sum();
        assert!(late > early);
    }
}
