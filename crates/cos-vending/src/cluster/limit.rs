//! Fleet-wide rate limits: one GCRA bucket per key in Redis, taken in one Lua script (atomic
//! across instances, on Redis's clock).

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use super::backend::{Backend, Rate};
use super::config::OnRedisError;
use crate::cache::BoxFuture;
use crate::limit::{Limiter, MemoryLimiter};

/// A limiter whose buckets live in Redis; while Redis is down it uses `local` (`local`
/// mode) or admits (`refuse` mode: the credential store then answers 503).
pub(crate) struct RedisLimiter {
    pub(crate) backend: Arc<Backend>,
    /// `subject` or `ip`: part of the bucket's name.
    pub(crate) kind: &'static str,
    pub(crate) rate: Rate,
    pub(crate) local: MemoryLimiter,
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
    fn bucket(&self, key: &str) -> String {
        let digest = hex::encode(Sha256::digest(key.as_bytes()));
        format!(
            "{}rate:{}:{}",
            self.backend.prefix,
            self.kind,
            digest.get(..32).unwrap_or_default()
        )
    }

    async fn fallback(&self, key: &str) -> Result<(), Duration> {
        match self.backend.mode {
            OnRedisError::Local => self.local.check(key).await,
            OnRedisError::Refuse => Ok(()),
        }
    }
}

impl Limiter for RedisLimiter {
    fn check<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Duration>> {
        Box::pin(async move {
            if !self.backend.available() {
                return self.fallback(key).await;
            }
            match self.backend.take(&self.bucket(key), self.rate).await {
                Ok(result) => result,
                Err(_) => self.fallback(key).await,
            }
        })
    }
}
