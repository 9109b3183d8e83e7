//! The one connection every Redis command of an instance goes through: either the crate's
//! reconnecting [`ConnectionManager`] to a fixed address, or, with Sentinel, a connection to
//! the master the sentinels name, dropped after any failure so that the next command asks
//! the sentinels again (a failover needs no restart).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::sentinel::{Sentinel, SentinelNodeConnectionInfo};
use redis::{AsyncConnectionConfig, Cmd, Pipeline, RedisFuture, RedisResult, Value};

use super::config::{ClusterConfig, SentinelUrl};

/// A cheap handle (clone it per command) on the instance's Redis connection.
#[derive(Clone)]
pub(crate) enum Connection {
    /// `redis://`, `rediss://`, `redis+unix://`: one address, reconnected by the crate.
    Direct(ConnectionManager),
    /// `redis+sentinel://`: whichever server the sentinels name master.
    Sentinel(Arc<SentinelMaster>),
}

impl Connection {
    /// A lazily connecting connection for `config` (nothing is dialled until the first
    /// command, so a Redis that is down at start is a fallback, not a start failure).
    pub(crate) fn new(config: &ClusterConfig) -> RedisResult<Self> {
        let timeout = config.command_timeout();
        if let Some(url) = SentinelUrl::parse(&config.redis_url) {
            let url = url.map_err(|m| {
                redis::RedisError::from((redis::ErrorKind::InvalidClientConfig, "redis_url", m))
            })?;
            return Ok(Self::Sentinel(Arc::new(SentinelMaster::new(
                &url, timeout,
            )?)));
        }
        let client = redis::Client::open(config.redis_url.as_str())?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(config.retry_after());
        Ok(Self::Direct(ConnectionManager::new_lazy_with_config(
            client, manager,
        )?))
    }

    /// A command failed or timed out: with Sentinel, the next command asks the sentinels
    /// for the master again and connects anew (the failed server may have been demoted or
    /// be gone); the crate's manager reconnects on its own.
    pub(crate) fn forget(&self) {
        if let Self::Sentinel(master) = self {
            master.forget();
        }
    }
}

/// The master of a Sentinel-monitored group, found by asking the sentinels and connected to
/// on first use and after every failure.
pub(crate) struct SentinelMaster {
    sentinel: tokio::sync::Mutex<Sentinel>,
    name: String,
    node: SentinelNodeConnectionInfo,
    db: i64,
    config: AsyncConnectionConfig,
    current: Mutex<Option<MultiplexedConnection>>,
}

impl SentinelMaster {
    fn new(url: &SentinelUrl, timeout: Duration) -> RedisResult<Self> {
        let scheme = if url.tls { "rediss" } else { "redis" };
        let sentinels = url
            .sentinels
            .iter()
            .map(|(host, port)| {
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                format!("{scheme}://{host}:{port}")
            })
            .collect::<Vec<_>>();
        let mut redis = redis::RedisConnectionInfo::default().set_db(url.db);
        if let Some(username) = &url.username {
            redis = redis.set_username(username);
        }
        if let Some(password) = &url.password {
            redis = redis.set_password(password);
        }
        let mut node = SentinelNodeConnectionInfo::default().set_redis_connection_info(redis);
        if url.tls {
            node = node.set_tls_mode(redis::TlsMode::Secure);
        }
        Ok(Self {
            sentinel: tokio::sync::Mutex::new(Sentinel::build(sentinels)?),
            name: url.master.clone(),
            node,
            db: url.db,
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(Some(timeout))
                .set_response_timeout(Some(timeout)),
            current: Mutex::new(None),
        })
    }

    fn cached(&self) -> Option<MultiplexedConnection> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn forget(&self) {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// The connection to the current master, asking the sentinels first if there is none
    /// (one caller asks; the others wait for its answer). The caller bounds the time.
    async fn connection(&self) -> RedisResult<MultiplexedConnection> {
        if let Some(connection) = self.cached() {
            return Ok(connection);
        }
        let mut sentinel = self.sentinel.lock().await;
        if let Some(connection) = self.cached() {
            return Ok(connection);
        }
        let client = sentinel
            .async_master_for(&self.name, Some(&self.node))
            .await?;
        let connection = client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(connection.clone());
        Ok(connection)
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Direct(manager) => manager.req_packed_command(cmd),
            Self::Sentinel(master) => {
                Box::pin(async move { master.connection().await?.req_packed_command(cmd).await })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Direct(manager) => manager.req_packed_commands(cmd, offset, count),
            Self::Sentinel(master) => Box::pin(async move {
                master
                    .connection()
                    .await?
                    .req_packed_commands(cmd, offset, count)
                    .await
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Direct(manager) => manager.get_db(),
            Self::Sentinel(master) => master.db,
        }
    }
}
