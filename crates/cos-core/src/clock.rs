//! Time sources, injectable so that expiry, refresh, signing times and clock-skew correction
//! can be tested: [`SystemClock`] (the one place the workspace's clients read the wall clock)
//! and [`ManualClock`] (fixed until moved).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time in Unix seconds.
///
/// ```
/// use cos_core::clock::{Clock, SystemClock};
/// assert!(SystemClock.now_unix() > 1_600_000_000);
/// ```
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;

    /// The current time as a [`SystemTime`] (by default `now_unix` whole seconds).
    ///
    /// ```
    /// use cos_core::clock::{Clock, ManualClock};
    /// use std::time::{Duration, UNIX_EPOCH};
    /// assert_eq!(ManualClock::new(7).now(), UNIX_EPOCH + Duration::from_secs(7));
    /// ```
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.now_unix())
    }
}

/// A clock shared by a client and its clones.
///
/// ```
/// use std::sync::Arc;
/// use cos_core::clock::{SharedClock, SystemClock};
/// let clock: SharedClock = Arc::new(SystemClock);
/// assert!(clock.now_unix() > 1_600_000_000);
/// ```
pub type SharedClock = Arc<dyn Clock>;

/// The system clock.
///
/// ```
/// use cos_core::clock::{Clock, SystemClock};
/// let now = SystemClock.now_unix();
/// assert!(SystemClock.now_unix() >= now);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to; clones share the same time.
///
/// ```
/// use cos_core::clock::{Clock, ManualClock};
/// let clock = ManualClock::new(100);
/// let shared = clock.clone();
/// clock.advance(5);
/// assert_eq!(shared.now_unix(), 105);
/// clock.set(7);
/// assert_eq!(shared.now_unix(), 7);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock stopped at `now` (Unix seconds).
    ///
    /// ```
    /// use cos_core::clock::{Clock, ManualClock};
    /// assert_eq!(ManualClock::new(3).now_unix(), 3);
    /// ```
    pub fn new(now: u64) -> Self {
        Self(Arc::new(AtomicU64::new(now)))
    }

    /// Moves the clock forward by `secs`.
    ///
    /// ```
    /// use cos_core::clock::{Clock, ManualClock};
    /// let c = ManualClock::new(1);
    /// c.advance(1);
    /// assert_eq!(c.now_unix(), 2);
    /// ```
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets the clock to `now`.
    ///
    /// ```
    /// use cos_core::clock::{Clock, ManualClock};
    /// let c = ManualClock::new(1);
    /// c.set(9);
    /// assert_eq!(c.now_unix(), 9);
    /// ```
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}
