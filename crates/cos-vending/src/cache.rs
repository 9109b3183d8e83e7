//! Issued credentials, reused per (role, subject, scope, duration) until shortly before they
//! expire.
//!
//! [`CredentialStore`] is the seam: [`MemoryStore`] (moka) keeps entries in this process,
//! with each entry expiring at its key's `ExpiredTime` minus the refresh margin, and runs one
//! STS call per entry however many callers ask at once (single flight); different entries
//! never wait for each other. A shared store (Redis) implements the same trait.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sts_client::TemporaryCredentials;

use crate::limit::LimitCheck;
#[cfg(doc)]
use crate::limit::Limiter;
use crate::shape::Answers;
use crate::vending::IssueError;

/// A boxed future, the currency of the store and limiter traits (object safe, `Send`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a cached credential was issued for.
///
/// ```
/// let key = cos_vending::CacheKey::new("default", "alice", "*", 1800);
/// assert_eq!(key.subject(), "alice");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    role: String,
    subject: String,
    scope: String,
    duration: u64,
}

impl CacheKey {
    /// The entry of `subject` in `role`, for a canonical scope description (`*` for the
    /// whole prefix) and a lifetime.
    pub fn new(
        role: impl Into<String>,
        subject: impl Into<String>,
        scope: impl Into<String>,
        duration: u64,
    ) -> Self {
        Self {
            role: role.into(),
            subject: subject.into(),
            scope: scope.into(),
            duration,
        }
    }

    /// The role.
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The caller.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The canonical scope.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The requested lifetime.
    pub fn duration(&self) -> u64 {
        self.duration
    }
}

/// Whether an answer came from the cache.
///
/// ```
/// assert_eq!(cos_vending::Lookup::Hit.as_str(), "hit");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lookup {
    /// Reused.
    Hit,
    /// Issued now.
    Miss,
    /// Not cached (the cache is disabled, or the key is server-chosen).
    Bypass,
}

impl Lookup {
    /// For logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Miss => "miss",
            Self::Bypass => "bypass",
        }
    }
}

/// A key as the store keeps it: the credentials, what the audit log says about them, and
/// the answers already rendered from them.
///
/// ```
/// let c = sts_client::TemporaryCredentials::new(tc3_signer::Credential::new("id", "k"), 1, 2, None, "r");
/// let minted = cos_vending::Minted::new(c, "ab".repeat(32), "alice.1");
/// assert_eq!(minted.session_name, "alice.1");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Minted {
    /// The key.
    pub credentials: TemporaryCredentials,
    /// Hex SHA-256 of the policy it was issued with.
    pub policy_sha256: String,
    /// The `RoleSessionName` or federated `Name` it was issued under.
    pub session_name: String,
    /// The answers rendered from it so far (shared by every copy).
    pub answers: Answers,
}

impl Minted {
    /// A key issued with a policy of this hash under this session name.
    pub fn new(
        credentials: TemporaryCredentials,
        policy_sha256: impl Into<String>,
        session_name: impl Into<String>,
    ) -> Self {
        Self {
            credentials,
            policy_sha256: policy_sha256.into(),
            session_name: session_name.into(),
            answers: Answers::default(),
        }
    }
}

/// The STS call a store runs when it has no fresh entry.
pub type IssueFuture<'a> = BoxFuture<'a, Result<Minted, IssueError>>;

/// Where issued credentials are kept.
pub trait CredentialStore: Send + Sync + fmt::Debug {
    /// The fresh credential for `key`, else the result of `issue` (stored when it succeeds);
    /// concurrent callers for one key share one `issue`.
    fn get_or_issue<'a>(
        &'a self,
        key: CacheKey,
        issue: IssueFuture<'a>,
    ) -> BoxFuture<'a, Result<(Minted, Lookup), Arc<IssueError>>>;

    /// [`CredentialStore::get_or_issue`] once `checks` pass (taken in order; the first
    /// refusal answers). A shared store takes the tokens of limiters that
    /// [join its lookup](Limiter::joins_lookup) in the same round trip as the lookup.
    fn get_or_issue_limited<'a>(
        &'a self,
        checks: &'a [LimitCheck<'a>],
        key: CacheKey,
        issue: IssueFuture<'a>,
    ) -> BoxFuture<'a, Result<(Minted, Lookup), Arc<IssueError>>> {
        Box::pin(async move {
            LimitCheck::run_all(checks).await.map_err(Arc::new)?;
            self.get_or_issue(key, issue).await
        })
    }

    /// Number of entries (approximate).
    fn len(&self) -> u64;

    /// Whether the store can serve now (`/readyz`); an in-process store always can.
    fn check_ready(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Whether the store is empty (approximate).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Unix seconds now, as the store sees it.
type UnixClock = Arc<dyn Fn() -> u64 + Send + Sync>;

fn system_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The refresh margin of `issued`: `refresh_before`, at most half its lifetime.
fn margin(issued: &TemporaryCredentials, refresh_before: u64) -> u64 {
    refresh_before.min(issued.lifetime_secs() / 2)
}

struct ExpireWithKey {
    refresh_before: u64,
    clock: UnixClock,
}

impl moka::Expiry<CacheKey, Minted> for ExpireWithKey {
    fn expire_after_create(
        &self,
        _key: &CacheKey,
        value: &Minted,
        _created_at: Instant,
    ) -> Option<Duration> {
        let value = &value.credentials;
        let until = value
            .expired_time()
            .saturating_sub(margin(value, self.refresh_before));
        Some(Duration::from_secs(until.saturating_sub((self.clock)())))
    }
}

/// The in-process store (moka).
///
/// ```
/// let store = cos_vending::MemoryStore::new(true, 300, 10_000);
/// assert_eq!(cos_vending::CredentialStore::len(&store), 0);
/// ```
pub struct MemoryStore {
    cache: moka::future::Cache<CacheKey, Minted>,
    refresh_before: u64,
    enabled: bool,
    clock: UnixClock,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.cache.entry_count())
            .field("refresh_before", &self.refresh_before)
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl MemoryStore {
    /// A store replacing entries `refresh_before` seconds (at most half their lifetime)
    /// before they expire, holding at most `max_entries`; disabled, it never stores.
    pub fn new(enabled: bool, refresh_before: u64, max_entries: usize) -> Self {
        Self::with_clock(enabled, refresh_before, max_entries, Arc::new(system_unix))
    }

    fn with_clock(
        enabled: bool,
        refresh_before: u64,
        max_entries: usize,
        clock: UnixClock,
    ) -> Self {
        let cache = moka::future::Cache::builder()
            .max_capacity(u64::try_from(max_entries.max(1)).unwrap_or(u64::MAX))
            .expire_after(ExpireWithKey {
                refresh_before,
                clock: clock.clone(),
            })
            .build();
        Self {
            cache,
            refresh_before,
            enabled,
            clock,
        }
    }

    fn is_fresh(&self, minted: &Minted) -> bool {
        let issued = &minted.credentials;
        (self.clock)().saturating_add(margin(issued, self.refresh_before)) < issued.expired_time()
    }
}

impl CredentialStore for MemoryStore {
    fn get_or_issue<'a>(
        &'a self,
        key: CacheKey,
        issue: IssueFuture<'a>,
    ) -> BoxFuture<'a, Result<(Minted, Lookup), Arc<IssueError>>> {
        Box::pin(async move {
            if !self.enabled {
                return issue.await.map(|c| (c, Lookup::Bypass)).map_err(Arc::new);
            }
            if let Some(cached) = self.cache.get(&key).await {
                if self.is_fresh(&cached) {
                    return Ok((cached, Lookup::Hit));
                }
                self.cache.invalidate(&key).await;
            }
            let entry = self.cache.entry(key).or_try_insert_with(issue).await?;
            let lookup = if entry.is_fresh() {
                Lookup::Miss
            } else {
                Lookup::Hit
            };
            Ok((entry.into_value(), lookup))
        })
    }

    fn len(&self) -> u64 {
        self.cache.entry_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use tc3_signer::Credential;

    fn issued(id: &str, start: u64, end: u64) -> Minted {
        Minted::new(
            TemporaryCredentials::new(Credential::new(id, "k"), start, end, None, "r"),
            "p",
            "s",
        )
    }

    fn key(subject: &str, scope: &str) -> CacheKey {
        CacheKey::new("default", subject, scope, 1800)
    }

    fn ok(c: Minted) -> IssueFuture<'static> {
        Box::pin(async move { Ok(c) })
    }

    #[tokio::test]
    async fn reuses_until_shortly_before_expiry() {
        let clock = Arc::new(AtomicU64::new(1000));
        let c = clock.clone();
        let store =
            MemoryStore::with_clock(true, 300, 10, Arc::new(move || c.load(Ordering::SeqCst)));
        let calls = AtomicUsize::new(0);
        let get = |subject: &str| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let now = clock.load(Ordering::SeqCst);
            ok(issued(&format!("{subject}{n}"), now, now + 1800))
        };
        let (a, first) = store
            .get_or_issue(key("alice", "*"), get("a"))
            .await
            .unwrap();
        assert_eq!(first, Lookup::Miss);
        clock.store(1000 + 1800 - 301, Ordering::SeqCst);
        let (b, second) = store
            .get_or_issue(key("alice", "*"), get("a"))
            .await
            .unwrap();
        assert_eq!(second, Lookup::Hit);
        assert_eq!(a, b);
        // Other subjects, scopes, roles and durations are separate entries.
        let (_, other) = store.get_or_issue(key("bob", "*"), get("b")).await.unwrap();
        assert_eq!(other, Lookup::Miss);
        let (_, scoped) = store
            .get_or_issue(key("alice", "k"), get("a"))
            .await
            .unwrap();
        assert_eq!(scoped, Lookup::Miss);
        let (_, role) = store
            .get_or_issue(CacheKey::new("admin", "alice", "*", 1800), get("a"))
            .await
            .unwrap();
        assert_eq!(role, Lookup::Miss);
        let (_, shorter) = store
            .get_or_issue(CacheKey::new("default", "alice", "*", 900), get("a"))
            .await
            .unwrap();
        assert_eq!(shorter, Lookup::Miss);
        // Within the margin: replaced.
        clock.store(1000 + 1800 - 300, Ordering::SeqCst);
        let (c, third) = store
            .get_or_issue(key("alice", "*"), get("a"))
            .await
            .unwrap();
        assert_eq!(third, Lookup::Miss);
        assert_ne!(a, c);
    }

    #[tokio::test]
    async fn short_lifetimes_use_half_as_margin_and_errors_are_not_cached() {
        let store = MemoryStore::with_clock(true, 300, 10, Arc::new(|| 100));
        let (_, first) = store
            .get_or_issue(key("a", "*"), ok(issued("x", 100, 160)))
            .await
            .unwrap();
        assert_eq!(first, Lookup::Miss);
        let (_, second) = store
            .get_or_issue(key("a", "*"), ok(issued("y", 100, 160)))
            .await
            .unwrap();
        assert_eq!(second, Lookup::Hit, "margin is 30 s, not 300 s");
        let failed = store
            .get_or_issue(
                key("e", "*"),
                Box::pin(async { Err(IssueError::NoSuchRole("x".into())) }),
            )
            .await;
        assert!(matches!(*failed.unwrap_err(), IssueError::NoSuchRole(_)));
        let (_, retried) = store
            .get_or_issue(key("e", "*"), ok(issued("z", 100, 2000)))
            .await
            .unwrap();
        assert_eq!(retried, Lookup::Miss);
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_issue() {
        let store = Arc::new(MemoryStore::new(true, 300, 10));
        let calls = Arc::new(AtomicUsize::new(0));
        let now = system_unix();
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let store = store.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                let (c, _) = store
                    .get_or_issue(
                        key("a", "*"),
                        Box::pin(async move {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(issued("x", now, now + 1800))
                        }),
                    )
                    .await
                    .unwrap();
                c
            }));
        }
        for task in tasks {
            assert_eq!(
                task.await.unwrap().credentials.credential().secret_id(),
                "x"
            );
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn size_is_bounded_and_disabled_cache_bypasses() {
        let store = MemoryStore::new(true, 0, 3);
        let now = system_unix();
        for i in 0..10 {
            store
                .get_or_issue(key(&format!("s{i}"), "*"), ok(issued("x", now, now + 1800)))
                .await
                .unwrap();
        }
        store.cache.run_pending_tasks().await;
        assert!(store.len() <= 3, "{}", store.len());
        let off = MemoryStore::new(false, 0, 3);
        for _ in 0..2 {
            let (_, lookup) = off
                .get_or_issue(key("a", "*"), ok(issued("x", now, now + 1800)))
                .await
                .unwrap();
            assert_eq!(lookup, Lookup::Bypass);
            assert_eq!(lookup.as_str(), "bypass");
        }
        assert!(off.is_empty());
    }
}
