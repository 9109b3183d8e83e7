//! The issuer's JSON Web Key Set, fetched from a JWKS URL or through OpenID discovery, used
//! until it is `refresh` old, and refetched when a token names an unknown `kid` — at most
//! once per `min_refetch` interval, so that a flood of tokens with invented `kid`s cannot make
//! the server hammer the issuer.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey};

use super::AuthError;

/// The largest key set or discovery document read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the key set is found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySetSource {
    /// The key set's URL.
    Jwks(String),
    /// An OpenID discovery document whose `jwks_uri` is the key set's URL.
    Discovery(String),
}

struct Loaded {
    keys: HashMap<String, (Algorithm, DecodingKey)>,
    /// Keys without a `kid` (used only by tokens without one).
    anonymous: Vec<(Algorithm, DecodingKey)>,
    fetched_at: Instant,
}

/// A fetched key set with its refetch rules.
///
/// ```no_run
/// // Built by `Authenticator::from_config` from `[auth.jwt] jwks_url = "…"`;
/// // `Authenticator::key_set()` exposes it, e.g. for its fetch counter.
/// # fn f(auth: &cos_vending::Authenticator) {
/// if let Some(jwks) = auth.key_set() { println!("{} fetches", jwks.fetches()); }
/// # }
/// ```
pub struct JwksCache {
    source: KeySetSource,
    algorithms: Vec<Algorithm>,
    min_refetch: Duration,
    refresh: Duration,
    client: sts_client::HttpGet,
    loaded: Mutex<Option<Loaded>>,
    last_attempt: Mutex<Option<Instant>>,
    fetching: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("source", &self.source)
            .field("min_refetch", &self.min_refetch)
            .field("refresh", &self.refresh)
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    pub(crate) fn new(
        source: KeySetSource,
        algorithms: Vec<Algorithm>,
        min_refetch: Duration,
        refresh: Duration,
    ) -> Result<Self, sts_client::StsError> {
        Ok(Self {
            source,
            algorithms,
            min_refetch,
            refresh,
            client: sts_client::HttpGet::new(FETCH_TIMEOUT, MAX_DOCUMENT_BYTES)?,
            loaded: Mutex::new(None),
            last_attempt: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        })
    }

    /// How many times the key set was fetched (successfully or not).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Fetches the key set now (at start-up, and by `/readyz`); says why it failed.
    pub async fn refresh_now(&self) -> Result<usize, String> {
        let _guard = self.fetching.lock().await;
        self.fetch().await
    }

    fn lookup(&self, kid: Option<&str>, alg: Algorithm) -> Option<(DecodingKey, bool)> {
        let loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
        let loaded = loaded.as_ref()?;
        let stale = loaded.fetched_at.elapsed() >= self.refresh;
        let found = match kid {
            Some(kid) => loaded.keys.get(kid).filter(|(a, _)| *a == alg),
            None => loaded.anonymous.iter().find(|(a, _)| *a == alg),
        };
        found.map(|(_, key)| (key.clone(), stale))
    }

    fn may_refetch(&self) -> bool {
        self.last_attempt
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none_or(|at| at.elapsed() >= self.min_refetch)
    }

    /// The key for a token's `kid` and `alg`: from the loaded set, else (at most once per
    /// interval) after refetching it.
    pub(crate) async fn key(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, AuthError> {
        if !self.algorithms.contains(&alg) {
            return Err(AuthError::InvalidToken);
        }
        match self.lookup(kid, alg) {
            Some((key, false)) => return Ok(key),
            Some((key, true)) if !self.may_refetch() => return Ok(key),
            _ => {}
        }
        if !self.may_refetch() {
            return Err(AuthError::UnknownKey);
        }
        let guard = self.fetching.lock().await;
        // Someone else may have fetched while this caller waited.
        if let Some((key, false)) = self.lookup(kid, alg) {
            return Ok(key);
        }
        if self.may_refetch()
            && let Err(error) = self.fetch().await
        {
            tracing::warn!(target: "cos_vending::jwks", %error, "fetching the key set failed");
        }
        drop(guard);
        match self.lookup(kid, alg) {
            Some((key, _)) => Ok(key),
            None if self
                .loaded
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_none() =>
            {
                Err(AuthError::KeySetUnavailable)
            }
            None => Err(AuthError::UnknownKey),
        }
    }

    async fn get_json(&self, url: &str) -> Result<serde_json::Value, String> {
        let (status, body) = self
            .client
            .get(url, &[])
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if status != 200 {
            return Err(format!("GET {url}: HTTP {status}"));
        }
        serde_json::from_slice(&body).map_err(|e| format!("GET {url}: not JSON: {e}"))
    }

    async fn fetch(&self) -> Result<usize, String> {
        *self
            .last_attempt
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let url = match &self.source {
            KeySetSource::Jwks(url) => url.clone(),
            KeySetSource::Discovery(url) => {
                let document = self.get_json(url).await?;
                document
                    .get("jwks_uri")
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| format!("{url}: the discovery document has no `jwks_uri`"))?
                    .to_owned()
            }
        };
        let set: JwkSet = serde_json::from_value(self.get_json(&url).await?)
            .map_err(|e| format!("{url}: not a JWK set: {e}"))?;
        let mut keys = HashMap::new();
        let mut anonymous = Vec::new();
        for jwk in &set.keys {
            let alg = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                _ => continue,
            };
            if !self.algorithms.contains(&alg) {
                continue;
            }
            let Ok(key) = DecodingKey::from_jwk(jwk) else {
                continue;
            };
            match &jwk.common.key_id {
                Some(kid) => {
                    keys.insert(kid.clone(), (alg, key));
                }
                None => anonymous.push((alg, key)),
            }
        }
        let count = keys.len() + anonymous.len();
        *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) = Some(Loaded {
            keys,
            anonymous,
            fetched_at: Instant::now(),
        });
        tracing::info!(target: "cos_vending::jwks", keys = count, "key set fetched");
        Ok(count)
    }
}
