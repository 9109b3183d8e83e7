//! The shared credential store: one sealed entry per (role, subject, scope, duration) in
//! Redis, living until the key's `ExpiredTime` minus the refresh margin, and one STS call per
//! entry across every instance (a lock with an owner token; the others wait, bounded, and
//! read the result).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use sts_client::TemporaryCredentials;
use tc3_signer::Credential;

use super::backend::{Admitted, Backend, Rate, RedisDown};
use super::config::OnRedisError;
use super::limit::RedisLimiter;
use super::seal::SealKeys;
use crate::cache::{
    BoxFuture, CacheKey, CredentialStore, IssueFuture, Lookup, MemoryStore, Minted,
};
use crate::limit::LimitCheck;
use crate::vending::IssueError;

/// How often a waiter looks for the lock holder's result.
const POLL: Duration = Duration::from_millis(15);

/// A key handed out when the STS budget is spent must stay valid at least this long.
const MIN_STALE_VALIDITY: u64 = 60;

/// An entry as sealed in Redis.
#[derive(Serialize, Deserialize)]
struct Entry {
    id: String,
    key: String,
    token: Option<String>,
    start: u64,
    expired: u64,
    expiration: Option<String>,
    request_id: String,
    policy_sha256: String,
    session_name: String,
}

impl Entry {
    fn from_minted(m: &Minted) -> Self {
        let c = m.credentials.credential();
        Self {
            id: c.secret_id().to_owned(),
            key: c.secret_key().to_owned(),
            token: c.token().map(str::to_owned),
            start: m.credentials.start_time(),
            expired: m.credentials.expired_time(),
            expiration: m.credentials.expiration().map(str::to_owned),
            request_id: m.credentials.request_id().to_owned(),
            policy_sha256: m.policy_sha256.clone(),
            session_name: m.session_name.clone(),
        }
    }

    fn into_minted(self) -> Minted {
        let mut credential = Credential::new(self.id, self.key);
        if let Some(token) = self.token {
            credential = credential.with_token(token);
        }
        Minted::new(
            TemporaryCredentials::new(
                credential,
                self.start,
                self.expired,
                self.expiration,
                self.request_id,
            ),
            self.policy_sha256,
            self.session_name,
        )
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The instant after which `m` is no longer handed out as fresh.
fn fresh_until(m: &Minted, refresh_before: u64) -> u64 {
    let c = &m.credentials;
    c.expired_time()
        .saturating_sub(refresh_before.min(c.lifetime_secs() / 2))
}

/// A key this instance handed out and the sealed value it was read from or written as.
#[derive(Clone)]
pub(crate) struct Recent {
    sealed: Arc<str>,
    minted: Minted,
}

/// The shared store (see the module documentation).
pub(crate) struct RedisStore {
    pub(crate) backend: Arc<Backend>,
    pub(crate) keys: Arc<SealKeys>,
    /// The fallback while Redis is down (`local` mode).
    pub(crate) local: MemoryStore,
    /// Keys this instance handed out, kept until they expire: what answers when the STS
    /// budget is spent, and, while Redis holds the same sealed value, the entry already
    /// opened (a hit then neither decrypts, parses nor renders again).
    pub(crate) recent: moka::future::Cache<CacheKey, Recent>,
    pub(crate) refresh_before: u64,
    pub(crate) lock_ttl: Duration,
    /// Nobody waits for another caller's STS call longer than this.
    pub(crate) wait_limit: Duration,
    /// The STS action and its fleet-wide rate, if budgeted.
    pub(crate) action: &'static str,
    pub(crate) budget: Option<Rate>,
    /// One in-process gate per key being looked up (see [`RedisStore::gate`]).
    pub(crate) gates: std::sync::Mutex<
        std::collections::HashMap<CacheKey, std::sync::Weak<tokio::sync::Mutex<()>>>,
    >,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("backend", &self.backend)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

type Answer = Result<(Minted, Lookup), Arc<IssueError>>;

/// Redis failed before the STS call ran: the caller still owns it.
struct Fallback<'a>(IssueFuture<'a>);

fn unavailable(reason: &str, retry_after: Duration) -> Arc<IssueError> {
    Arc::new(IssueError::Unavailable {
        reason: reason.to_owned(),
        retry_after,
    })
}

impl RedisStore {
    fn names(&self, key: &CacheKey) -> (String, String) {
        let mut h = Sha256::new();
        for part in [key.role(), key.subject(), key.scope()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(key.duration().to_be_bytes());
        let digest = hex::encode(h.finalize());
        (
            format!("{}cred:{digest}", self.backend.prefix),
            format!("{}lock:{digest}", self.backend.prefix),
        )
    }

    /// The fresh entry of `key` at `name`, if any (an entry that does not open is ignored).
    async fn read(&self, key: &CacheKey, name: &str) -> Result<Option<Minted>, RedisDown> {
        Ok(match self.backend.get(name).await? {
            Some(sealed) => self.opened(key, name, sealed).await,
            None => None,
        })
    }

    /// The fresh entry `sealed` read at `name`: the one already opened when Redis still
    /// holds the same sealed value, else opened now and remembered.
    async fn opened(&self, key: &CacheKey, name: &str, sealed: String) -> Option<Minted> {
        let fresh = |m: &Minted| unix_now() < fresh_until(m, self.refresh_before);
        if let Some(recent) = self.recent.get(key).await
            && *recent.sealed == *sealed
        {
            return Some(recent.minted).filter(fresh);
        }
        let minted = self.open(name, &sealed)?;
        self.recent
            .insert(
                key.clone(),
                Recent {
                    sealed: sealed.into(),
                    minted: minted.clone(),
                },
            )
            .await;
        Some(minted)
    }

    /// The entry sealed as `sealed` at `name`, if it opens and is fresh.
    fn open(&self, name: &str, sealed: &str) -> Option<Minted> {
        self.keys
            .open(name.as_bytes(), sealed)
            .and_then(|plain| serde_json::from_slice::<Entry>(&plain).ok())
            .map(Entry::into_minted)
            .filter(|m| unix_now() < fresh_until(m, self.refresh_before))
    }

    /// The limiters of `checks` when every one is a shared limiter on this store's Redis
    /// (their tokens can then be taken in the lookup's round trip).
    fn shared_limiters<'c>(&self, checks: &'c [LimitCheck<'c>]) -> Option<Vec<&'c RedisLimiter>> {
        checks
            .iter()
            .map(|check| {
                check
                    .limiter
                    .as_any()?
                    .downcast_ref::<RedisLimiter>()
                    .filter(|limiter| Arc::ptr_eq(&limiter.backend, &self.backend))
            })
            .collect()
    }

    /// Seals and writes `minted` at `name`; the sealed value (empty when nothing was
    /// written).
    async fn write(&self, name: &str, minted: &Minted) -> String {
        let ttl = fresh_until(minted, self.refresh_before).saturating_sub(unix_now());
        if ttl == 0 {
            return String::new();
        }
        let Ok(plain) = serde_json::to_vec(&Entry::from_minted(minted)) else {
            return String::new();
        };
        let sealed = self.keys.seal(name.as_bytes(), &plain);
        match self
            .backend
            .set(name, &sealed, Duration::from_secs(ttl))
            .await
        {
            Ok(()) => sealed,
            Err(RedisDown) => String::new(),
        }
    }

    fn hit(&self, minted: Minted) -> Answer {
        self.backend.metrics.shared_cache("hit");
        Ok((minted, Lookup::Hit))
    }

    /// A key this instance handed out that stays valid a while (the STS budget is spent).
    async fn still_valid(&self, key: &CacheKey) -> Option<Minted> {
        self.recent
            .get(key)
            .await
            .map(|recent| recent.minted)
            .filter(|m| m.credentials.expired_time() > unix_now() + MIN_STALE_VALIDITY)
    }

    async fn shared<'a>(
        &'a self,
        key: CacheKey,
        issue: IssueFuture<'a>,
        deadline: Instant,
    ) -> Result<Answer, Fallback<'a>> {
        let (name, lock) = self.names(&key);
        let started = Instant::now();
        let mut waiting = false;
        let token = {
            let mut bytes = [0_u8; 16];
            OsRng.fill_bytes(&mut bytes);
            hex::encode(bytes)
        };
        loop {
            match self.read(&key, &name).await {
                Err(RedisDown) => return Err(Fallback(issue)),
                Ok(Some(minted)) => {
                    if waiting {
                        self.backend.metrics.lock_waited(started.elapsed());
                    }
                    return Ok(self.hit(minted));
                }
                Ok(None) => {}
            }
            match self.backend.lock(&lock, &token, self.lock_ttl).await {
                Err(RedisDown) => return Err(Fallback(issue)),
                Ok(true) => break,
                Ok(false) => {}
            }
            if !waiting {
                waiting = true;
                self.backend.metrics.lock_wait_started();
            }
            if Instant::now() + POLL >= deadline {
                self.backend.metrics.lock_waited(started.elapsed());
                self.backend.metrics.shared_cache("refused");
                return Ok(Err(unavailable(
                    "another instance's STS call for this key did not finish in time",
                    Duration::from_secs(1),
                )));
            }
            tokio::time::sleep(POLL).await;
        }
        if waiting {
            self.backend.metrics.lock_waited(started.elapsed());
        }
        // The lock is ours. The previous holder may have written just before we took it.
        if let Ok(Some(minted)) = self.read(&key, &name).await {
            let _ = self.backend.unlock(&lock, &token).await;
            return Ok(self.hit(minted));
        }
        if let Some(rate) = self.budget {
            match self
                .backend
                .take(&self.backend.budget_key(self.action), rate)
                .await
            {
                Ok(Ok(())) => {}
                Ok(Err(wait)) => {
                    let _ = self.backend.unlock(&lock, &token).await;
                    self.backend.metrics.budget_refused(self.action);
                    if let Some(minted) = self.still_valid(&key).await {
                        return Ok(self.hit(minted));
                    }
                    self.backend.metrics.shared_cache("refused");
                    return Ok(Err(unavailable("the fleet-wide STS budget is spent", wait)));
                }
                Err(RedisDown) => return Err(Fallback(issue)),
            }
        }
        self.backend.metrics.shared_cache("miss");
        let result = super::BUDGET_TAKEN.scope(true, issue).await;
        if let Ok(minted) = &result {
            let sealed = self.write(&name, minted).await;
            self.recent
                .insert(
                    key,
                    Recent {
                        sealed: sealed.into(),
                        minted: minted.clone(),
                    },
                )
                .await;
        }
        let _ = self.backend.unlock(&lock, &token).await;
        Ok(result.map(|m| (m, Lookup::Miss)).map_err(Arc::new))
    }

    async fn fallback<'a>(&'a self, key: CacheKey, issue: IssueFuture<'a>) -> Answer {
        match self.backend.mode {
            OnRedisError::Local => {
                self.backend.metrics.shared_cache("fallback");
                self.local.get_or_issue(key, issue).await
            }
            OnRedisError::Refuse => {
                self.backend.metrics.shared_cache("refused");
                Err(unavailable(
                    "the shared state (Redis) is unreachable",
                    Duration::from_secs(1),
                ))
            }
        }
    }
}

impl RedisStore {
    /// The in-process gate of `key`: callers of one instance go to Redis one at a time per
    /// key (the first issues or waits for another instance; the next ones then read the
    /// entry), so that Redis sees one poller per instance, not one per caller.
    fn gate(&self, key: &CacheKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self
            .gates
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if gates.len() > 1024 {
            gates.retain(|_, gate| gate.strong_count() > 0);
        }
        if let Some(gate) = gates.get(key).and_then(std::sync::Weak::upgrade) {
            return gate;
        }
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        gates.insert(key.clone(), Arc::downgrade(&gate));
        gate
    }
}

impl CredentialStore for RedisStore {
    fn get_or_issue<'a>(&'a self, key: CacheKey, issue: IssueFuture<'a>) -> BoxFuture<'a, Answer> {
        self.get_or_issue_limited(&[], key, issue)
    }

    /// A hit is one round trip: the limits' tokens and the sealed entry in one script.
    fn get_or_issue_limited<'a>(
        &'a self,
        checks: &'a [LimitCheck<'a>],
        key: CacheKey,
        issue: IssueFuture<'a>,
    ) -> BoxFuture<'a, Answer> {
        Box::pin(async move {
            let Some(limiters) = self.shared_limiters(checks) else {
                LimitCheck::run_all(checks).await.map_err(Arc::new)?;
                return self.get_or_issue(key, issue).await;
            };
            // Without Redis, each limiter falls back on its own (local, or admits in
            // `refuse` mode, where the store then refuses).
            if !self.backend.available() {
                LimitCheck::run_all(checks).await.map_err(Arc::new)?;
                return self.fallback(key, issue).await;
            }
            let deadline = Instant::now() + self.wait_limit;
            let name = self.names(&key).0;
            let buckets: Vec<(String, Rate)> = limiters
                .iter()
                .zip(checks)
                .map(|(limiter, check)| limiter.bucket_of(check.key))
                .collect();
            let buckets: Vec<(&str, Rate)> = buckets
                .iter()
                .map(|(bucket, rate)| (bucket.as_str(), *rate))
                .collect();
            // Hits skip the gate: only misses queue behind each other.
            match self.backend.admit("lookup", &buckets, Some(&name)).await {
                Ok(Admitted::Refused { index, wait }) => {
                    let (Some(limiter), Some(check)) = (limiters.get(index), checks.get(index))
                    else {
                        return Err(unavailable(
                            "the limit script answered an unknown bucket",
                            wait,
                        ));
                    };
                    limiter.remember(check.key, wait);
                    return Err(Arc::new(check.kind.refusal(wait)));
                }
                Ok(Admitted::Admitted(sealed)) => {
                    if let Some(sealed) = sealed
                        && let Some(minted) = self.opened(&key, &name, sealed).await
                    {
                        return self.hit(minted);
                    }
                }
                Err(RedisDown) => {
                    LimitCheck::run_all(checks).await.map_err(Arc::new)?;
                    return self.fallback(key, issue).await;
                }
            }
            let gate = self.gate(&key);
            let Ok(_turn) = tokio::time::timeout(self.wait_limit, gate.lock()).await else {
                self.backend.metrics.shared_cache("refused");
                return Err(unavailable(
                    "another request for this key did not finish in time",
                    Duration::from_secs(1),
                ));
            };
            match self.shared(key.clone(), issue, deadline).await {
                Ok(answer) => answer,
                Err(Fallback(issue)) => self.fallback(key, issue).await,
            }
        })
    }

    fn len(&self) -> u64 {
        self.recent.entry_count()
    }
}
