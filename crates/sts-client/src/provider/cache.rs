//! A single-flight, refresh-ahead cache around any provider.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::{
    BoxFuture, Clock, CredentialsError, ProvideCredentials, ProvidedCredential, SystemClock,
};
use cos_http::{Jitter, Rng};

/// How a [`CredentialsCache`] decides when to refresh.
///
/// A credential expiring at `E` and loaded at `L` is refreshed from
/// `E − buffer − jitter`, where `buffer = max(refresh_buffer, lifetime_fraction × (E − L))`
/// capped at half the lifetime, and `jitter` is uniform in `[0, jitter_fraction × buffer]`.
/// It is served until `E − expiry_margin`; after that callers wait for a refresh.
///
/// ```
/// use std::time::Duration;
/// let config = sts_client::provider::CacheConfig::default();
/// assert_eq!(config.refresh_buffer, Duration::from_secs(300));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CacheConfig {
    /// Minimum time before expiry at which a refresh starts (default 300 s).
    pub refresh_buffer: Duration,
    /// Fraction of the lifetime used as buffer when larger (default 0.1).
    pub lifetime_fraction: f64,
    /// Random extra advance, as a fraction of the buffer (default 0.5).
    pub jitter_fraction: f64,
    /// A credential this close to expiry is no longer handed out (default 10 s).
    pub expiry_margin: Duration,
    /// How long one load may take before failing with `ProviderTimedOut` (default 30 s).
    pub load_timeout: Duration,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            refresh_buffer: Duration::from_secs(300),
            lifetime_fraction: 0.1,
            jitter_fraction: 0.5,
            expiry_margin: Duration::from_secs(10),
            load_timeout: Duration::from_secs(30),
        }
    }
}

impl CacheConfig {
    /// Sets [`CacheConfig::refresh_buffer`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = sts_client::provider::CacheConfig::default().refresh_buffer(Duration::from_secs(60));
    /// assert_eq!(c.refresh_buffer.as_secs(), 60);
    /// ```
    #[must_use]
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.refresh_buffer = buffer;
        self
    }

    /// Sets [`CacheConfig::jitter_fraction`] (0 disables jitter).
    ///
    /// ```
    /// let c = sts_client::provider::CacheConfig::default().jitter_fraction(0.0);
    /// assert_eq!(c.jitter_fraction, 0.0);
    /// ```
    #[must_use]
    pub fn jitter_fraction(mut self, fraction: f64) -> Self {
        self.jitter_fraction = fraction.clamp(0.0, 1.0);
        self
    }

    /// Sets [`CacheConfig::lifetime_fraction`].
    ///
    /// ```
    /// let c = sts_client::provider::CacheConfig::default().lifetime_fraction(0.0);
    /// assert_eq!(c.lifetime_fraction, 0.0);
    /// ```
    #[must_use]
    pub fn lifetime_fraction(mut self, fraction: f64) -> Self {
        self.lifetime_fraction = fraction.clamp(0.0, 1.0);
        self
    }

    /// Sets [`CacheConfig::expiry_margin`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = sts_client::provider::CacheConfig::default().expiry_margin(Duration::ZERO);
    /// assert!(c.expiry_margin.is_zero());
    /// ```
    #[must_use]
    pub fn expiry_margin(mut self, margin: Duration) -> Self {
        self.expiry_margin = margin;
        self
    }

    /// Sets [`CacheConfig::load_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = sts_client::provider::CacheConfig::default().load_timeout(Duration::from_secs(5));
    /// assert_eq!(c.load_timeout.as_secs(), 5);
    /// ```
    #[must_use]
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }
}

#[derive(Debug)]
struct Entry {
    value: Arc<ProvidedCredential>,
    refresh_at: u64,
    usable_until: u64,
}

#[derive(Debug, Default)]
struct State {
    entry: Option<Entry>,
    /// Incremented after every load attempt, successful or not.
    generation: u64,
    /// The error of the last attempt if it failed, with that attempt's generation.
    last_error: Option<(u64, CredentialsError)>,
}

/// Caches the credential of any provider.
///
/// * Reading is one `Arc` clone under a read lock: a reader gets a whole
///   [`ProvidedCredential`], never a new id with an old key.
/// * One load at a time: however many callers find the cache empty or expired, the inner
///   provider is called once and they all get its result (or its error).
/// * Refresh ahead: once inside the refresh window (see [`CacheConfig`]) one caller refreshes
///   while the others keep getting the current credential.
/// * Serve stale: if that refresh fails while the current credential is still usable, the
///   current one is returned (and the failure logged); it is retried on the next call.
///
/// ```
/// use sts_client::provider::{CredentialsCache, ProvideCredentials, StaticProvider};
/// use tc3_signer::Credential;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let cache = CredentialsCache::new(StaticProvider::new(Credential::new("id", "key")));
/// assert_eq!(cache.provide_credentials().await.unwrap().credential().secret_id(), "id");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct CredentialsCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    provider: Box<dyn ProvideCredentials>,
    clock: Arc<dyn Clock>,
    config: CacheConfig,
    jitter: Jitter,
    state: RwLock<State>,
    load_lock: tokio::sync::Mutex<()>,
}

enum Lookup {
    Fresh(Arc<ProvidedCredential>),
    /// Usable, but due for a refresh.
    Due(Arc<ProvidedCredential>),
    Missing(u64),
}

impl CredentialsCache {
    /// Caches `provider` with the default [`CacheConfig`] and the system clock.
    ///
    /// ```
    /// use sts_client::provider::{CredentialsCache, EnvironmentProvider};
    /// let cache = CredentialsCache::new(EnvironmentProvider::new());
    /// # let _ = cache;
    /// ```
    pub fn new(provider: impl ProvideCredentials + 'static) -> Self {
        Self::with_config(provider, CacheConfig::default(), Arc::new(SystemClock))
    }

    /// Caches `provider` with an explicit configuration and clock.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use sts_client::provider::{CacheConfig, CredentialsCache, ManualClock, StaticProvider};
    /// let cache = CredentialsCache::with_config(
    ///     StaticProvider::new(tc3_signer::Credential::new("i", "k")),
    ///     CacheConfig::default().jitter_fraction(0.0),
    ///     Arc::new(ManualClock::new(0)),
    /// );
    /// # let _ = cache;
    /// ```
    pub fn with_config(
        provider: impl ProvideCredentials + 'static,
        config: CacheConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                provider: Box::new(provider),
                clock,
                config,
                jitter: Jitter::new(),
                state: RwLock::new(State::default()),
                load_lock: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Drops the cached credential so the next call loads a new one.
    ///
    /// ```
    /// let cache = sts_client::provider::CredentialsCache::new(
    ///     sts_client::provider::StaticProvider::new(tc3_signer::Credential::new("i", "k")));
    /// cache.invalidate();
    /// ```
    pub fn invalidate(&self) {
        if let Ok(mut state) = self.inner.state.write() {
            state.entry = None;
        }
    }

    fn lookup(&self) -> Lookup {
        let now = self.inner.clock.now_unix();
        let Ok(state) = self.inner.state.read() else {
            return Lookup::Missing(0);
        };
        match &state.entry {
            Some(entry) if now < entry.usable_until => {
                if now < entry.refresh_at {
                    Lookup::Fresh(entry.value.clone())
                } else {
                    Lookup::Due(entry.value.clone())
                }
            }
            _ => Lookup::Missing(state.generation),
        }
    }

    async fn get(&self) -> Result<ProvidedCredential, CredentialsError> {
        match self.lookup() {
            Lookup::Fresh(value) => Ok((*value).clone()),
            Lookup::Due(current) => {
                // Someone else is refreshing: keep serving the current credential.
                let Ok(_guard) = self.inner.load_lock.try_lock() else {
                    return Ok((*current).clone());
                };
                // Re-check: a refresh may have completed between lookup and lock.
                if let Lookup::Fresh(value) = self.lookup() {
                    return Ok((*value).clone());
                }
                match self.load().await {
                    Ok(value) => Ok(value),
                    Err(error) => {
                        tracing::warn!(%error, "credential refresh failed; serving the current credential until it expires");
                        Ok((*current).clone())
                    }
                }
            }
            Lookup::Missing(seen_generation) => {
                let _guard = self.inner.load_lock.lock().await;
                // A load that finished while we waited answers us too.
                if let Ok(state) = self.inner.state.read()
                    && state.generation != seen_generation
                {
                    let now = self.inner.clock.now_unix();
                    if let Some(entry) = &state.entry
                        && now < entry.usable_until
                    {
                        return Ok((*entry.value).clone());
                    }
                    if let Some((generation, error)) = &state.last_error
                        && *generation == state.generation
                    {
                        return Err(error.clone());
                    }
                }
                self.load().await
            }
        }
    }

    /// Calls the provider (the caller holds `load_lock`) and records the outcome.
    async fn load(&self) -> Result<ProvidedCredential, CredentialsError> {
        let timeout = self.inner.config.load_timeout;
        let result =
            match tokio::time::timeout(timeout, self.inner.provider.provide_credentials()).await {
                Ok(result) => result,
                Err(_) => Err(CredentialsError::ProviderTimedOut(timeout)),
            };
        let now = self.inner.clock.now_unix();
        let Ok(mut state) = self.inner.state.write() else {
            return result;
        };
        state.generation = state.generation.wrapping_add(1);
        match &result {
            Ok(value) => {
                let (refresh_at, usable_until) = self.schedule(now, value.expires_at());
                tracing::debug!(
                    provider = value.provider(),
                    refresh_at,
                    usable_until,
                    "credential cached"
                );
                state.entry = Some(Entry {
                    value: Arc::new(value.clone()),
                    refresh_at,
                    usable_until,
                });
                state.last_error = None;
            }
            Err(error) => {
                state.last_error = Some((state.generation, error.clone()));
            }
        }
        result
    }

    /// When to start refreshing and until when to serve a credential loaded at `now`.
    fn schedule(&self, now: u64, expires_at: Option<u64>) -> (u64, u64) {
        let Some(expiry) = expires_at else {
            return (u64::MAX, u64::MAX);
        };
        let config = &self.inner.config;
        let lifetime = expiry.saturating_sub(now);
        let fraction_secs = (lifetime as f64 * config.lifetime_fraction) as u64;
        let buffer = config
            .refresh_buffer
            .as_secs()
            .max(fraction_secs)
            .min(lifetime / 2);
        let jitter_max = (buffer as f64 * config.jitter_fraction) as u64;
        let jitter = self.inner.jitter.below(jitter_max.saturating_add(1));
        let refresh_at = expiry.saturating_sub(buffer).saturating_sub(jitter);
        let usable_until = expiry.saturating_sub(config.expiry_margin.as_secs());
        (refresh_at.min(usable_until), usable_until)
    }
}

impl ProvideCredentials for CredentialsCache {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        Box::pin(self.get())
    }

    fn invalidate(&self) {
        CredentialsCache::invalidate(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ManualClock;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tc3_signer::Credential;

    /// A provider that counts loads, takes some time, and answers from a script.
    #[derive(Debug)]
    struct Scripted {
        loads: Arc<AtomicUsize>,
        clock: ManualClock,
        lifetime: u64,
        fail: Arc<Mutex<bool>>,
        delay: Duration,
    }

    impl ProvideCredentials for Scripted {
        fn provide_credentials(
            &self,
        ) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
            Box::pin(async move {
                let n = self.loads.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::time::sleep(self.delay).await;
                if *self.fail.lock().unwrap() {
                    return Err(CredentialsError::ProviderError {
                        provider: "scripted",
                        message: "boom".into(),
                        retryable: true,
                    });
                }
                let now = self.clock.now_unix();
                Ok(ProvidedCredential::new(
                    Credential::new(format!("id{n}"), format!("key{n}")),
                    Some(now + self.lifetime),
                    "scripted",
                ))
            })
        }
    }

    struct Fixture {
        cache: CredentialsCache,
        loads: Arc<AtomicUsize>,
        clock: ManualClock,
        fail: Arc<Mutex<bool>>,
    }

    impl Fixture {
        /// The secret id the cache hands out now; the call must succeed.
        async fn secret_id(&self) -> String {
            let got = self.cache.provide_credentials().await.unwrap();
            got.credential().secret_id().to_owned()
        }

        /// The results of `n` callers asking the cache at once.
        async fn concurrent_calls(
            &self,
            n: usize,
        ) -> Vec<Result<ProvidedCredential, CredentialsError>> {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    let cache = self.cache.clone();
                    tokio::spawn(async move { cache.provide_credentials().await })
                })
                .collect();
            let mut results = Vec::with_capacity(n);
            for task in tasks {
                results.push(task.await.unwrap());
            }
            results
        }
    }

    fn fixture(lifetime: u64, delay_ms: u64) -> Fixture {
        let clock = ManualClock::new(1_000_000);
        let loads = Arc::new(AtomicUsize::new(0));
        let fail = Arc::new(Mutex::new(false));
        let provider = Scripted {
            loads: loads.clone(),
            clock: clock.clone(),
            lifetime,
            fail: fail.clone(),
            delay: Duration::from_millis(delay_ms),
        };
        let config = CacheConfig::default()
            .jitter_fraction(0.0)
            .refresh_buffer(Duration::from_secs(300))
            .lifetime_fraction(0.0);
        let cache = CredentialsCache::with_config(provider, config, Arc::new(clock.clone()));
        Fixture {
            cache,
            loads,
            clock,
            fail,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hundred_concurrent_callers_cause_one_load() {
        let f = fixture(3600, 50);
        for got in f.concurrent_calls(100).await {
            let got = got.unwrap();
            assert_eq!(got.credential().secret_id(), "id1");
            assert_eq!(got.credential().secret_key(), "key1");
        }
        assert_eq!(f.loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hundred_concurrent_callers_share_one_failure() {
        let f = fixture(3600, 50);
        *f.fail.lock().unwrap() = true;
        for got in f.concurrent_calls(100).await {
            assert!(got.is_err());
        }
        assert_eq!(f.loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refreshes_ahead_of_expiry_not_before() {
        let f = fixture(3600, 0);
        assert_eq!(f.secret_id().await, "id1");
        f.clock.advance(3600 - 301);
        assert_eq!(f.secret_id().await, "id1");
        assert_eq!(f.loads.load(Ordering::SeqCst), 1);
        f.clock.advance(1); // now exactly expiry - 300: inside the window
        assert_eq!(f.secret_id().await, "id2");
        assert_eq!(f.loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn serves_stale_while_valid_then_fails_after_expiry() {
        let f = fixture(3600, 0);
        f.cache.provide_credentials().await.unwrap();
        *f.fail.lock().unwrap() = true;
        f.clock.advance(3600 - 100);
        let stale = f.cache.provide_credentials().await.unwrap();
        assert_eq!(stale.credential().secret_id(), "id1");
        assert_eq!(f.loads.load(Ordering::SeqCst), 2, "a refresh was attempted");
        f.clock.advance(95); // 5 s before expiry: inside the 10 s margin, no longer served
        assert!(f.cache.provide_credentials().await.is_err());
        *f.fail.lock().unwrap() = false;
        assert_eq!(f.secret_id().await, "id4");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_in_refresh_window_do_not_wait_for_the_refresh() {
        let f = fixture(3600, 200);
        f.cache.provide_credentials().await.unwrap();
        f.clock.advance(3400);
        let refresher = {
            let cache = f.cache.clone();
            tokio::spawn(async move { cache.provide_credentials().await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let other = f.cache.provide_credentials().await.unwrap();
        assert!(started.elapsed() < Duration::from_millis(100));
        assert_eq!(other.credential().secret_id(), "id1");
        assert_eq!(
            refresher.await.unwrap().unwrap().credential().secret_id(),
            "id2"
        );
    }

    #[tokio::test]
    async fn jitter_stays_inside_the_window() {
        let clock = ManualClock::new(0);
        let cache = CredentialsCache::with_config(
            crate::provider::StaticProvider::new(Credential::new("i", "k")),
            CacheConfig::default().lifetime_fraction(0.0),
            Arc::new(clock),
        );
        for _ in 0..200 {
            let (refresh_at, usable_until) = cache.schedule(0, Some(3600));
            assert!(
                (3600 - 450..=3600 - 300).contains(&refresh_at),
                "{refresh_at}"
            );
            assert_eq!(usable_until, 3590);
        }
        // A short lifetime caps the buffer at half of it.
        let (refresh_at, _) = cache.schedule(0, Some(100));
        assert!(refresh_at >= 25, "{refresh_at}");
        assert_eq!(cache.schedule(0, None), (u64::MAX, u64::MAX));
    }

    #[tokio::test]
    async fn reads_are_whole_snapshots() {
        let f = fixture(3600, 0);
        for round in 1..=20u64 {
            let got = f.cache.provide_credentials().await.unwrap();
            let id = got
                .credential()
                .secret_id()
                .trim_start_matches("id")
                .to_owned();
            let key = got
                .credential()
                .secret_key()
                .trim_start_matches("key")
                .to_owned();
            assert_eq!(id, key);
            assert_eq!(id, round.to_string());
            f.clock.advance(3600);
        }
    }
}
