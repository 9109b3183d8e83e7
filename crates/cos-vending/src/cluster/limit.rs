//! Fleet-wide rate limits: one GCRA bucket per key in Redis, taken in one Lua script (atomic
//! across instances, on Redis's clock).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest as _, Sha256};

use super::backend::{Backend, Rate};
use super::config::OnRedisError;
use crate::cache::BoxFuture;
use crate::limit::{Limiter, MemoryLimiter};

/// Above this many remembered refusals, the expired ones are forgotten.
const PRUNE_REFUSALS_ABOVE: usize = 4096;

/// A limiter whose buckets live in Redis; while Redis is down it uses `local` (`local`
/// mode) or admits (`refuse` mode: the credential store then answers 503).
///
/// It remembers until when Redis refused each key: a GCRA bucket that refuses with a wait
/// refuses every take until then (other instances only push it further), so those checks
/// are answered here, exactly and without a round trip (the per-IP limit before
/// authentication reads this).
pub(crate) struct RedisLimiter {
    pub(crate) backend: Arc<Backend>,
    /// `subject` or `ip`: part of the bucket's name.
    pub(crate) kind: &'static str,
    pub(crate) rate: Rate,
    pub(crate) local: MemoryLimiter,
    pub(crate) refused: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("kind", &self.kind)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

impl RedisLimiter {
    pub(crate) fn new(
        backend: Arc<Backend>,
        kind: &'static str,
        rate: Rate,
        local: MemoryLimiter,
    ) -> Self {
        Self {
            backend,
            kind,
            rate,
            local,
            refused: Mutex::default(),
        }
    }

    /// Remembers that Redis refused `key` for `wait`.
    pub(crate) fn remember(&self, key: &str, wait: Duration) {
        let now = Instant::now();
        let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        if refused.len() > PRUNE_REFUSALS_ABOVE {
            refused.retain(|_, until| *until > now);
        }
        refused.insert(key.to_owned(), now + wait);
    }

    /// The bucket of `key` in Redis and its rate.
    pub(crate) fn bucket_of(&self, key: &str) -> (String, Rate) {
        (self.bucket(key), self.rate)
    }

    fn bucket(&self, key: &str) -> String {
        let digest = hex::encode(Sha256::digest(key.as_bytes()));
        format!(
            "{}rate:{}:{}",
            self.backend.prefix,
            self.kind,
            digest.get(..32).unwrap_or_default()
        )
    }

    pub(crate) async fn fallback(&self, key: &str) -> Result<(), Duration> {
        match self.backend.mode {
            OnRedisError::Local => self.local.check(key).await,
            OnRedisError::Refuse => Ok(()),
        }
    }
}

impl Limiter for RedisLimiter {
    fn check<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Duration>> {
        Box::pin(async move {
            self.known_refused(key)?;
            if !self.backend.available() {
                return self.fallback(key).await;
            }
            match self.backend.take(&self.bucket(key), self.rate).await {
                Ok(Err(wait)) => {
                    self.remember(key, wait);
                    Err(wait)
                }
                Ok(Ok(())) => Ok(()),
                Err(_) => self.fallback(key).await,
            }
        })
    }

    fn known_refused(&self, key: &str) -> Result<(), Duration> {
        let refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        match refused
            .get(key)
            .map(|until| until.saturating_duration_since(Instant::now()))
        {
            Some(wait) if !wait.is_zero() => Err(wait),
            _ => Ok(()),
        }
    }

    fn joins_lookup(&self) -> bool {
        true
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}
