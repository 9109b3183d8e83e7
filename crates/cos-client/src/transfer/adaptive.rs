//! How many parts a transfer keeps in flight, and how large they are, chosen from the
//! object's size and the throughput it observes.
//!
//! Parts are sized so that an object has enough of them to spread over many connections
//! (about 256, between 1 and 8 MiB, larger only when COS's 10 000-part limit asks for it:
//! 4 MiB for 1 GiB, large enough that a round trip per part costs little, small enough that
//! the parts a far link needs in flight hold well under the memory budget).
//! Concurrency starts at 32 and is judged once per *round* (as many finished parts as were
//! in flight): while a round's aggregate rate beats the previous round's by 10 %, it
//! doubles (by 16 at most, so that a probe past the link's ceiling stays small); when a
//! step buys less than that, growth stops, and if the rate even fell it goes back to the
//! previous concurrency; when the client had to retry during the round (COS throttling with
//! 503 `SlowDown`, errors, broken connections) it halves and stops growing; with a target
//! throughput it grows only below the target and shrinks in proportion when well above
//! it. It never exceeds the memory budget (part size × concurrency for uploads), the number
//! of parts or the maximum (48 by default, so that 4 MiB parts stay under 200 MiB).

use std::time::Instant;

/// Concurrency a transfer starts with before it has observed anything: enough to fill a
/// far link from the first round (at 50 ms and 20 MiB/s per connection, 320 MiB/s needs
/// about 20 parts of 4 MiB in flight; starting at 16 left the first round below the
/// ceiling).
pub(crate) const INITIAL_CONCURRENCY: usize = 32;

/// Default most parts in flight at once.
pub(crate) const DEFAULT_MAX_CONCURRENCY: usize = 48;

/// Default memory budget of one transfer: part size × concurrency stays below it.
pub(crate) const DEFAULT_MEMORY_BUDGET: u64 = 256 << 20;

/// Most parts added to the concurrency in one step.
const MAX_STEP: usize = 16;

/// Largest part chosen automatically.
const AUTO_PART_MAX: u64 = 8 << 20;

/// Parts an automatically sized object is cut into (at most).
const AUTO_PARTS: u64 = 256;

/// A part size for an object of `size` bytes when none was configured: about 256 parts,
/// between 1 MiB and 8 MiB, rounded up to a whole MiB (small parts keep the memory of many
/// parts in flight low, which a far link needs).
///
/// ```ignore
/// assert_eq!(auto_part_size(1 << 30), 8 << 20);
/// ```
pub(crate) fn auto_part_size(size: u64) -> u64 {
    const MIB: u64 = 1 << 20;
    size.div_ceil(AUTO_PARTS)
        .div_ceil(MIB)
        .saturating_mul(MIB)
        .clamp(MIB, AUTO_PART_MAX)
}

/// How many parts a transfer keeps in flight: adaptive by default (start at 32, grow while
/// the aggregate rate grows, back off when requests are retried), or fixed; bounded by a
/// maximum and a memory budget, optionally aiming at a target throughput. Set it with
/// [`UploadOptions::parallelism`](crate::UploadOptions::parallelism) or
/// [`DownloadOptions::parallelism`](crate::DownloadOptions::parallelism).
///
/// ```
/// let parallelism = cos_client::Parallelism::default()
///     .max_concurrency(32)
///     .memory_budget(128 << 20)
///     .target_throughput(200 << 20);
/// let options = cos_client::UploadOptions::default().parallelism(parallelism);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Parallelism {
    /// A fixed concurrency (no adaptation), if configured.
    pub(crate) fixed: Option<usize>,
    /// The most parts in flight when adapting.
    pub(crate) max: usize,
    /// Bytes of memory a transfer may hold.
    pub(crate) memory_budget: u64,
    /// Bytes per second above which concurrency stops growing.
    pub(crate) target: Option<u64>,
}

impl Default for Parallelism {
    fn default() -> Self {
        Self {
            fixed: None,
            max: DEFAULT_MAX_CONCURRENCY,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            target: None,
        }
    }
}

impl Parallelism {
    /// A fixed number of parts in flight (at least 1) instead of adapting.
    ///
    /// ```
    /// let p = cos_client::Parallelism::default().fixed(4);
    /// # let _ = p;
    /// ```
    pub fn fixed(mut self, parts: usize) -> Self {
        self.fixed = Some(parts.max(1));
        self
    }

    /// The most parts in flight the adaptive concurrency may reach (default 48).
    ///
    /// ```
    /// let p = cos_client::Parallelism::default().max_concurrency(16);
    /// # let _ = p;
    /// ```
    pub fn max_concurrency(mut self, parts: usize) -> Self {
        self.max = parts.max(1);
        self
    }

    /// Memory the transfer may hold (default 256 MiB): an upload part holds its size, a
    /// ranged GET up to 2 MiB on its way to the file; concurrency is capped at budget ÷ that.
    ///
    /// ```
    /// let p = cos_client::Parallelism::default().memory_budget(64 << 20);
    /// # let _ = p;
    /// ```
    pub fn memory_budget(mut self, bytes: u64) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// A throughput to aim for, bytes per second (default none: as fast as the link
    /// allows): concurrency stops growing once it is reached and gives back parts when the
    /// transfer runs well above it.
    ///
    /// ```
    /// let p = cos_client::Parallelism::default().target_throughput(100 << 20);
    /// # let _ = p;
    /// ```
    pub fn target_throughput(mut self, bytes_per_second: u64) -> Self {
        self.target = Some(bytes_per_second).filter(|&t| t > 0);
        self
    }
}

/// The live concurrency of one transfer.
#[derive(Debug)]
pub(crate) struct Concurrency {
    limit: usize,
    max: usize,
    adaptive: bool,
    target: Option<f64>,
    /// Whether growing still pays off.
    growing: bool,
    previous: Option<(usize, f64)>,
    round_started: Instant,
    round_bytes: u64,
    round_parts: usize,
    retries_at_round_start: u64,
}

impl Concurrency {
    /// The concurrency of a transfer of `parts` parts, each holding `memory_per_part` bytes
    /// while in flight; `retries` is the client's retry count now.
    pub(crate) fn new(
        policy: &Parallelism,
        parts: u64,
        memory_per_part: u64,
        retries: u64,
    ) -> Self {
        let by_memory = policy.memory_budget / memory_per_part.max(1);
        let by_parts = usize::try_from(parts).unwrap_or(usize::MAX);
        let by_memory = usize::try_from(by_memory).unwrap_or(usize::MAX);
        let ceiling = policy
            .fixed
            .unwrap_or(policy.max)
            .min(by_memory)
            .min(by_parts)
            .max(1);
        let limit = policy
            .fixed
            .unwrap_or(INITIAL_CONCURRENCY)
            .clamp(1, ceiling);
        Self {
            limit,
            max: ceiling,
            adaptive: policy.fixed.is_none(),
            target: policy.target.map(|t| t as f64),
            growing: true,
            previous: None,
            round_started: Instant::now(),
            round_bytes: 0,
            round_parts: 0,
            retries_at_round_start: retries,
        }
    }

    /// The most parts this transfer will ever have in flight.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Parts that may be in flight now.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Records a finished part of `bytes`; `retries` is the client's retry count now.
    pub(crate) fn part_done(&mut self, bytes: u64, retries: u64) {
        self.part_done_at(bytes, retries, Instant::now());
    }

    fn part_done_at(&mut self, bytes: u64, retries: u64, now: Instant) {
        self.round_bytes += bytes;
        self.round_parts += 1;
        if !self.adaptive || self.round_parts < self.limit {
            return;
        }
        let seconds = now
            .saturating_duration_since(self.round_started)
            .as_secs_f64()
            .max(1e-6);
        let rate = self.round_bytes as f64 / seconds;
        let throttled = retries > self.retries_at_round_start;
        self.decide(rate, throttled);
        self.round_started = now;
        self.round_bytes = 0;
        self.round_parts = 0;
        self.retries_at_round_start = retries;
    }

    fn decide(&mut self, rate: f64, throttled: bool) {
        let current = (self.limit, rate);
        if throttled {
            self.limit = (self.limit / 2).max(1);
            self.growing = false;
            self.previous = None;
            tracing::debug!(
                limit = self.limit,
                "retries during the round: concurrency halved"
            );
            return;
        }
        if let Some(target) = self.target {
            if rate > target * 1.1 && self.limit > 1 {
                // Fewer parts in proportion: the rate per part stays about the same.
                let scaled = (self.limit as f64 * target / rate).ceil() as usize;
                self.limit = scaled.clamp(1, self.limit - 1);
                return;
            }
            if rate >= target {
                return;
            }
        }
        if !self.growing {
            return;
        }
        match self.previous {
            Some((limit, previous)) if rate < previous * 1.1 => {
                // The last step bought less than 10 %: the link is full. If it even cost
                // throughput, the previous concurrency was better.
                self.growing = false;
                if rate < previous {
                    self.limit = limit;
                }
                tracing::debug!(limit = self.limit, "aggregate rate stopped growing");
            }
            _ => {
                self.previous = Some(current);
                self.limit = (self.limit + self.limit.min(MAX_STEP)).min(self.max);
                if self.limit == current.0 {
                    self.growing = false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    /// Feeds rounds at the rate `rate_of(limit)` and returns the limits seen.
    fn run(policy: Parallelism, rate_of: impl Fn(usize) -> f64, rounds: usize) -> Vec<usize> {
        let mut c = Concurrency::new(&policy, 10_000, 8 << 20, 0);
        let mut now = c.round_started;
        let mut seen = vec![c.limit()];
        for _ in 0..rounds {
            let limit = c.limit();
            let part = 8u64 << 20;
            let seconds = (limit as u64 * part) as f64 / rate_of(limit);
            for _ in 0..limit {
                now += Duration::from_secs_f64(seconds / limit as f64);
                c.part_done_at(part, 0, now);
            }
            seen.push(c.limit());
        }
        seen
    }

    #[test]
    fn part_size_follows_object_size() {
        assert_eq!(auto_part_size(0), 1 << 20);
        assert_eq!(auto_part_size(64 << 20), 1 << 20);
        assert_eq!(auto_part_size(512 << 20), 2 << 20);
        assert_eq!(auto_part_size(1 << 30), 4 << 20);
        assert_eq!(auto_part_size(3 << 30), 8 << 20);
        assert_eq!(auto_part_size(100 << 30), 8 << 20);
    }

    #[test]
    fn grows_while_the_rate_grows_and_settles_at_the_ceiling() {
        // 10 MiB/s per connection, 640 MiB/s in all: 64 connections fill the link.
        let link = |limit: usize| (limit as f64 * 10.0).min(640.0) * 1048576.0;
        let policy = Parallelism::default()
            .memory_budget(u64::MAX)
            .max_concurrency(128);
        let seen = run(policy, link, 10);
        assert_eq!(
            seen[..6],
            [32, 48, 64, 80, 80, 80],
            "grows, then holds: {seen:?}"
        );
    }

    #[test]
    fn steps_back_when_more_parts_cost_throughput() {
        let congested = |limit: usize| if limit > 32 { 200.0 } else { 300.0 } * 1048576.0;
        let policy = Parallelism::default().memory_budget(u64::MAX);
        let seen = run(policy, congested, 6);
        assert_eq!(seen, [32, 48, 32, 32, 32, 32, 32], "{seen:?}");
    }

    #[test]
    fn the_memory_budget_and_the_maximum_bound_growth() {
        let unlimited = |limit: usize| limit as f64 * 1e9;
        let policy = Parallelism {
            memory_budget: 64 << 20,
            ..Parallelism::default()
        };
        assert!(run(policy, unlimited, 10).iter().all(|&l| l <= 8));
        let seen = run(Parallelism::default(), unlimited, 20);
        assert!(seen.iter().all(|&l| l <= 32), "256 MiB / 8 MiB: {seen:?}");
        let policy = Parallelism::default().memory_budget(u64::MAX);
        let seen = run(policy, unlimited, 20);
        assert!(
            seen.iter().all(|&l| l <= 48),
            "the default maximum: {seen:?}"
        );
        let policy = Parallelism {
            max: 12,
            memory_budget: u64::MAX,
            ..Parallelism::default()
        };
        assert_eq!(*run(policy, unlimited, 10).last().unwrap(), 12);
    }

    #[test]
    fn retries_halve_and_stop_growth() {
        let mut c = Concurrency::new(&Parallelism::default(), 1000, 1 << 20, 0);
        assert_eq!(c.limit(), 32);
        for _ in 0..32 {
            c.part_done(1 << 20, 3);
        }
        assert_eq!(c.limit(), 16);
        for _ in 0..16 {
            c.part_done(1 << 20, 3);
        }
        assert_eq!(c.limit(), 16, "no growth after throttling");
    }

    #[test]
    fn a_target_caps_growth() {
        let link = |limit: usize| limit as f64 * 10.0 * 1048576.0;
        let policy = Parallelism {
            target: Some(50 << 20),
            ..Parallelism::default()
        };
        let seen = run(policy, link, 6);
        assert_eq!(seen, [32, 5, 5, 5, 5, 5, 5], "{seen:?}");
    }

    #[test]
    fn a_fixed_concurrency_never_moves() {
        let policy = Parallelism {
            fixed: Some(3),
            ..Parallelism::default()
        };
        let seen = run(policy, |l| l as f64 * 1e6, 5);
        assert!(seen.iter().all(|&l| l == 3), "{seen:?}");
    }
}
