//! The one random source of the workspace's back-off and refresh jitter.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A source of uniformly distributed numbers for jitter; injectable so that tests are
/// deterministic. Not cryptographic.
///
/// ```
/// use cos_http::Rng;
///
/// #[derive(Debug)]
/// struct Fixed(u64);
/// impl Rng for Fixed {
///     fn next_u64(&self) -> u64 { self.0 }
/// }
/// assert_eq!(Fixed(7).below(5), 2);
/// assert_eq!(Fixed(0).unit(), 0.0);
/// ```
pub trait Rng: Send + Sync + fmt::Debug {
    /// A uniformly distributed `u64`.
    fn next_u64(&self) -> u64;

    /// Uniform in `0..bound` (0 when `bound` is 0).
    ///
    /// ```
    /// use cos_http::{Jitter, Rng};
    /// assert!(Jitter::new().below(10) < 10);
    /// assert_eq!(Jitter::new().below(0), 0);
    /// ```
    fn below(&self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next_u64() % bound
        }
    }

    /// Uniform in `[0, 1)`.
    ///
    /// ```
    /// use cos_http::{Jitter, Rng};
    /// assert!((0.0..1.0).contains(&Jitter::new().unit()));
    /// ```
    fn unit(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// SplitMix64 seeded from the standard library's per-process random hasher keys: the
/// default [`Rng`].
///
/// ```
/// use cos_http::{Jitter, Rng};
/// let jitter = Jitter::new();
/// assert_ne!(jitter.next_u64(), jitter.next_u64());
/// assert_eq!(Jitter::seeded(1).next_u64(), Jitter::seeded(1).next_u64());
/// ```
#[derive(Debug)]
pub struct Jitter(AtomicU64);

impl Jitter {
    /// A generator seeded from process entropy.
    ///
    /// ```
    /// let jitter = cos_http::Jitter::new();
    /// # let _ = jitter;
    /// ```
    pub fn new() -> Self {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(0x5eed);
        Self::seeded(hasher.finish())
    }

    /// A generator with a fixed seed (reproducible sequences for tests).
    ///
    /// ```
    /// use cos_http::Rng;
    /// assert_eq!(cos_http::Jitter::seeded(3).below(100), cos_http::Jitter::seeded(3).below(100));
    /// ```
    pub fn seeded(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }
}

impl Default for Jitter {
    fn default() -> Self {
        Self::new()
    }
}

impl Rng for Jitter {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_in_range_and_vary() {
        let jitter = Jitter::new();
        let values: Vec<u64> = (0..100).map(|_| jitter.below(10)).collect();
        assert!(values.iter().all(|v| *v < 10));
        assert!(values.iter().any(|v| *v != values[0]));
        assert!(
            (0..100)
                .map(|_| jitter.unit())
                .all(|u| (0.0..1.0).contains(&u))
        );
    }
}
