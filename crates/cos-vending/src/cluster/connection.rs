//! The one connection every Redis command of an instance goes through: either the crate's
//! reconnecting [`ConnectionManager`] to a fixed address, or a connection found by asking
//! other servers (with Sentinel, to the master the sentinels name; with Cluster, the crate's
//! cluster connection from the seed nodes), made on first use and dropped after any failure
//! so that the next command asks again (a failover needs no restart).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{Sentinel, SentinelNodeConnectionInfo};
use redis::{AsyncConnectionConfig, Cmd, Pipeline, RedisFuture, RedisResult, Value};

use super::config::{ClusterConfig, NodesKind, NodesUrl};

/// A cheap handle (clone it per command) on the instance's Redis connection.
#[derive(Clone)]
pub(crate) enum Connection {
    /// `redis://`, `rediss://`, `redis+unix://`: one address, reconnected by the crate.
    Direct(ConnectionManager),
    /// `redis+sentinel://`, `redis+cluster://`: found by asking, again after a failure.
    Discovered(Arc<Discovered>),
}

impl Connection {
    /// A lazily connecting connection for `config` (nothing is dialled until the first
    /// command, so a Redis that is down at start is a fallback, not a start failure).
    pub(crate) fn new(config: &ClusterConfig) -> RedisResult<Self> {
        let timeout = config.command_timeout();
        if let Some(url) = NodesUrl::parse(&config.redis_url) {
            let url = url.map_err(|m| {
                redis::RedisError::from((redis::ErrorKind::InvalidClientConfig, "redis_url", m))
            })?;
            return Ok(Self::Discovered(Arc::new(Discovered::new(&url, timeout)?)));
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

    /// A command failed or timed out: a discovered connection is dropped, and the next
    /// command asks again (the failed server may have been demoted or be gone); the crate's
    /// manager reconnects on its own.
    pub(crate) fn forget(&self) {
        if let Self::Discovered(discovered) = self {
            discovered.forget();
        }
    }
}

/// How a discovered connection is found.
enum Finder {
    /// Ask the sentinels for the master `name`, connect with `node`'s settings.
    Sentinel {
        sentinel: Box<Sentinel>,
        name: String,
        node: SentinelNodeConnectionInfo,
        config: AsyncConnectionConfig,
    },
    /// Connect to the cluster from its seed nodes.
    Cluster(ClusterClient),
}

/// A connection a [`Finder`] made.
#[derive(Clone)]
enum Found {
    Master(MultiplexedConnection),
    Cluster(ClusterConnection),
}

/// A connection found on first use and after every failure.
pub(crate) struct Discovered {
    finder: tokio::sync::Mutex<Finder>,
    db: i64,
    current: Mutex<Option<Found>>,
}

impl Discovered {
    fn new(url: &NodesUrl, timeout: Duration) -> RedisResult<Self> {
        let scheme = if url.tls { "rediss" } else { "redis" };
        let nodes = url
            .nodes
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
        let finder = match url.kind {
            NodesKind::Sentinel => {
                let mut redis = redis::RedisConnectionInfo::default().set_db(url.db);
                if let Some(username) = &url.username {
                    redis = redis.set_username(username);
                }
                if let Some(password) = &url.password {
                    redis = redis.set_password(password);
                }
                let mut node =
                    SentinelNodeConnectionInfo::default().set_redis_connection_info(redis);
                if url.tls {
                    node = node.set_tls_mode(redis::TlsMode::Secure);
                }
                Finder::Sentinel {
                    sentinel: Box::new(Sentinel::build(nodes)?),
                    name: url.master.clone(),
                    node,
                    config: AsyncConnectionConfig::new()
                        .set_connection_timeout(Some(timeout))
                        .set_response_timeout(Some(timeout)),
                }
            }
            NodesKind::Cluster => {
                let mut builder = ClusterClient::builder(nodes)
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(1);
                if let Some(username) = &url.username {
                    builder = builder.username(username);
                }
                if let Some(password) = &url.password {
                    builder = builder.password(password);
                }
                if url.tls {
                    builder = builder.tls(redis::TlsMode::Secure);
                }
                Finder::Cluster(builder.build()?)
            }
        };
        Ok(Self {
            finder: tokio::sync::Mutex::new(finder),
            db: url.db,
            current: Mutex::new(None),
        })
    }

    fn cached(&self) -> Option<Found> {
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

    /// The current connection, finding one first if there is none (one caller asks; the
    /// others wait for its answer). The caller bounds the time.
    async fn connection(&self) -> RedisResult<Found> {
        if let Some(found) = self.cached() {
            return Ok(found);
        }
        let mut finder = self.finder.lock().await;
        if let Some(found) = self.cached() {
            return Ok(found);
        }
        let found = match &mut *finder {
            Finder::Sentinel {
                sentinel,
                name,
                node,
                config,
            } => Found::Master(
                sentinel
                    .async_master_for(name, Some(node))
                    .await?
                    .get_multiplexed_async_connection_with_config(config)
                    .await?,
            ),
            Finder::Cluster(client) => Found::Cluster(client.get_async_connection().await?),
        };
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(found.clone());
        Ok(found)
    }
}

impl Found {
    /// The connection itself, for the one delegation below.
    fn inner(&mut self) -> &mut (dyn ConnectionLike + Send) {
        match self {
            Self::Master(connection) => connection,
            Self::Cluster(connection) => connection,
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Direct(manager) => manager.req_packed_command(cmd),
            Self::Discovered(discovered) => Box::pin(async move {
                discovered
                    .connection()
                    .await?
                    .inner()
                    .req_packed_command(cmd)
                    .await
            }),
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
            Self::Discovered(discovered) => Box::pin(async move {
                discovered
                    .connection()
                    .await?
                    .inner()
                    .req_packed_commands(cmd, offset, count)
                    .await
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Direct(manager) => manager.get_db(),
            Self::Discovered(discovered) => discovered.db,
        }
    }
}
