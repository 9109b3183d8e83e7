//! Issued credentials, reused per (subject, scope) until shortly before they expire.
//!
//! Concurrent requests for the same entry wait for one STS call (single flight); different
//! entries never wait for each other.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use sts_client::TemporaryCredentials;

/// What a cached credential was issued for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    /// The caller.
    pub(crate) subject: String,
    /// A canonical description of the granted scope (`*` for the whole prefix).
    pub(crate) scope: String,
}

type Slot = Arc<tokio::sync::Mutex<Option<TemporaryCredentials>>>;

/// The cache.
#[derive(Debug)]
pub(crate) struct CredentialCache {
    slots: Mutex<HashMap<CacheKey, Slot>>,
    refresh_before: u64,
    max_entries: usize,
    enabled: bool,
}

/// Whether an answer came from the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Reused.
    Hit,
    /// Issued now.
    Miss,
    /// The cache is disabled.
    Bypass,
}

impl Lookup {
    /// For logs.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Bypass => "bypass",
        }
    }
}

impl CredentialCache {
    /// A cache replacing entries `refresh_before` seconds (at most half their lifetime) before
    /// they expire, holding at most `max_entries`.
    pub(crate) fn new(enabled: bool, refresh_before: u64, max_entries: usize) -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            refresh_before,
            max_entries: max_entries.max(1),
            enabled,
        }
    }

    /// Whether `issued` may still be handed out at `now` (Unix seconds).
    fn is_fresh(&self, issued: &TemporaryCredentials, now: u64) -> bool {
        let margin = self.refresh_before.min(issued.lifetime_secs() / 2);
        now.saturating_add(margin) < issued.expired_time()
    }

    /// Number of entries (for tests and logs).
    #[cfg_attr(not(test), allow(dead_code))] // the error convention; exercised by the tests
    pub(crate) fn len(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn slot(&self, key: &CacheKey, now: u64) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(key) {
            return slot.clone();
        }
        if slots.len() >= self.max_entries {
            // Drop stale or empty entries nobody is filling, then anything idle.
            slots.retain(|_, slot| match slot.try_lock() {
                Ok(entry) => entry.as_ref().is_some_and(|c| self.is_fresh(c, now)),
                Err(_) => true,
            });
            let excess = (slots.len() + 1).saturating_sub(self.max_entries);
            let idle: Vec<CacheKey> = slots
                .iter()
                .filter(|(_, slot)| slot.try_lock().is_ok())
                .map(|(key, _)| key.clone())
                .take(excess)
                .collect();
            for key in idle {
                slots.remove(&key);
            }
        }
        let slot = Slot::default();
        slots.insert(key.clone(), slot.clone());
        slot
    }

    /// The cached credential for `key` if fresh at `now`, else the result of `issue` (stored
    /// when it succeeds).
    pub(crate) async fn get_or_issue<F, Fut, E>(
        &self,
        key: CacheKey,
        now: impl Fn() -> u64,
        issue: F,
    ) -> Result<(TemporaryCredentials, Lookup), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<TemporaryCredentials, E>>,
    {
        if !self.enabled {
            return issue().await.map(|c| (c, Lookup::Bypass));
        }
        let slot = self.slot(&key, now());
        let mut entry = slot.lock().await;
        if let Some(cached) = entry.as_ref()
            && self.is_fresh(cached, now())
        {
            return Ok((cached.clone(), Lookup::Hit));
        }
        let issued = issue().await?;
        *entry = Some(issued.clone());
        Ok((issued, Lookup::Miss))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use tc3_signer::Credential;

    fn issued(id: &str, start: u64, end: u64) -> TemporaryCredentials {
        TemporaryCredentials::new(Credential::new(id, "k"), start, end, None, "r")
    }

    fn key(subject: &str, scope: &str) -> CacheKey {
        CacheKey {
            subject: subject.into(),
            scope: scope.into(),
        }
    }

    #[tokio::test]
    async fn reuses_until_shortly_before_expiry() {
        let cache = CredentialCache::new(true, 300, 10);
        let clock = AtomicU64::new(1000);
        let calls = AtomicUsize::new(0);
        let get = |subject: &'static str| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let now = clock.load(Ordering::SeqCst);
            async move { Ok::<_, ()>(issued(&format!("{subject}{n}"), now, now + 1800)) }
        };
        let now = || clock.load(Ordering::SeqCst);
        let (a, first) = cache
            .get_or_issue(key("alice", "*"), now, || get("a"))
            .await
            .unwrap();
        assert_eq!(first, Lookup::Miss);
        clock.store(1000 + 1800 - 301, Ordering::SeqCst);
        let (b, second) = cache
            .get_or_issue(key("alice", "*"), now, || get("a"))
            .await
            .unwrap();
        assert_eq!(second, Lookup::Hit);
        assert_eq!(a, b);
        // Other subjects and scopes are separate entries.
        let (_, other) = cache
            .get_or_issue(key("bob", "*"), now, || get("b"))
            .await
            .unwrap();
        assert_eq!(other, Lookup::Miss);
        let (_, scoped) = cache
            .get_or_issue(key("alice", "k"), now, || get("a"))
            .await
            .unwrap();
        assert_eq!(scoped, Lookup::Miss);
        // Within the margin: replaced.
        clock.store(1000 + 1800 - 300, Ordering::SeqCst);
        let (c, third) = cache
            .get_or_issue(key("alice", "*"), now, || get("a"))
            .await
            .unwrap();
        assert_eq!(third, Lookup::Miss);
        assert_ne!(a, c);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn short_lifetimes_use_half_as_margin_and_errors_are_not_cached() {
        let cache = CredentialCache::new(true, 300, 10);
        let now = || 100;
        let (_, first) = cache
            .get_or_issue(key("a", "*"), now, || async {
                Ok::<_, ()>(issued("x", 100, 160))
            })
            .await
            .unwrap();
        assert_eq!(first, Lookup::Miss);
        let (_, second) = cache
            .get_or_issue(key("a", "*"), now, || async {
                Ok::<_, ()>(issued("y", 100, 160))
            })
            .await
            .unwrap();
        assert_eq!(second, Lookup::Hit, "margin is 30 s, not 300 s");
        let failed = cache
            .get_or_issue(key("e", "*"), now, || async {
                Err::<TemporaryCredentials, _>("sts down")
            })
            .await;
        assert_eq!(failed.unwrap_err(), "sts down");
        let (_, retried) = cache
            .get_or_issue(key("e", "*"), now, || async {
                Ok::<_, ()>(issued("z", 100, 2000))
            })
            .await
            .unwrap();
        assert_eq!(retried, Lookup::Miss);
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_issue() {
        let cache = Arc::new(CredentialCache::new(true, 300, 10));
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_issue(
                        key("a", "*"),
                        || 0,
                        || async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Ok::<_, ()>(issued("x", 0, 1800))
                        },
                    )
                    .await
                    .unwrap()
                    .0
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().credential().secret_id(), "x");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn size_is_bounded_and_disabled_cache_bypasses() {
        let cache = CredentialCache::new(true, 0, 3);
        for i in 0..10 {
            cache
                .get_or_issue(
                    key(&format!("s{i}"), "*"),
                    || 0,
                    || async { Ok::<_, ()>(issued("x", 0, 1800)) },
                )
                .await
                .unwrap();
            assert!(cache.len() <= 3);
        }
        let off = CredentialCache::new(false, 0, 3);
        for _ in 0..2 {
            let (_, lookup) = off
                .get_or_issue(
                    key("a", "*"),
                    || 0,
                    || async { Ok::<_, ()>(issued("x", 0, 1800)) },
                )
                .await
                .unwrap();
            assert_eq!(lookup, Lookup::Bypass);
            assert_eq!(lookup.as_str(), "bypass");
        }
        assert_eq!(off.len(), 0);
    }
}
