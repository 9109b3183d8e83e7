//! Dev-only loopback HTTP servers for tests of HTTP-level edge cases that the emulator
//! (`cos-emulator`, the workspace's one COS and STS fake) cannot produce: a JSON answer
//! scripted byte for byte, a missing or chosen `Date` header, a delayed answer, a `CONNECT`
//! proxy ([`ConnectProxy`]); and the one
//! harness that runs a real `redis-server` ([`RedisServer`], a Sentinel group of them:
//! [`RedisSentinel`], a Redis Cluster of them: [`RedisCluster`]) for tests of shared state.
//!
//! This crate is only ever a dev-dependency (checked by `cargo xtask ci`'s tidy step).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use test_servers::{Reply, ScriptedServer};
//!
//! let server = ScriptedServer::start().await;
//! server.push(Reply::Json(200, r#"{"Response":{}}"#.into()));
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert_eq!(server.hits(), 0);
//! # }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod proxy;
mod redis;
mod scripted;

pub use proxy::ConnectProxy;
pub use redis::{RedisCluster, RedisSentinel, RedisServer};

pub use scripted::{Reply, ScriptedServer, Seen};
