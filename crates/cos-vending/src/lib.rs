//! Credential vending for Tencent Cloud COS, as a library.
//!
//! A backend hands each browser or app user a temporary key limited to their own prefix:
//!
//! ```text
//! Settings (TOML) → roles → scope check → per-subject limit → keyed single-flight cache
//!                 → Issuer (GetFederationToken | AssumeRole) → answer shapes
//! ```
//!
//! * [`Vending::issue`] runs that pipeline for an [`Identity`] and an [`IssueRequest`],
//!   without HTTP.
//! * [`VendingService::router`] is a ready axum [`axum::Router`] (per-IP limit before
//!   authentication, body size and time limits, CORS, audit lines, Prometheus metrics,
//!   `/healthz`, `/readyz`) that any backend mounts; [`serve`] runs it with a connection cap
//!   and header deadline. `cos-sts serve` is this crate plus TOML and signals.
//! * The cache ([`CredentialStore`]), the limiters ([`Limiter`], per subject and per IP) and
//!   the issuer ([`Issuer`]) are traits, so that shared (Redis) implementations plug in
//!   without reshaping the crate: [`Vending::with_store`], [`Vending::with_limiter`] and
//!   [`Vending::with_ip_limiter`] take them, each reports its health to `/readyz`
//!   (`check_ready`), and an account-wide STS budget wraps the issuer as [`MeteredIssuer`]
//!   does.
//!
//! Secrets (the server's key, issued secret keys and tokens, bearer tokens, JWTs) never
//! appear in `Debug` output, logs, audit lines or metrics.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod audit;
mod auth;
mod cache;
mod cluster;
mod config;
pub mod fuzzing;
mod grant;
mod http;
mod identity;
mod issuer;
mod limit;
mod metrics;
mod role;
mod scope;
mod server;
mod shape;
mod spool;
mod template;
mod vending;

pub use audit::{AuditLog, AuditRecord};
pub use auth::{
    ANONYMOUS, AuthError, AuthSetupError, Authenticator, BearerTokens, JwksCache, JwtAuth,
};
pub use cache::{BoxFuture, CacheKey, CredentialStore, IssueFuture, Lookup, MemoryStore, Minted};
pub use cluster::{Cluster, ClusterConfig, ClusterError, KeyError, OnRedisError, SealKeys};
pub use config::{
    AuditConfig, AuthConfig, BearerConfig, CacheConfig, ConditionsConfig, ConfigError, CorsConfig,
    DEFAULT_ROLE, IssuerConfig, IssuerKind, JwtConfig, LimitsConfig, RateLimitConfig, Settings,
    StsConfig,
};
pub use grant::GrantError;
pub use http::{PeerAddr, VendingService, client_ip};
pub use identity::{Identity, IdentityError, MAX_SUBJECT_LEN, Subject};
pub use issuer::{IssueCall, Issued, Issuer, StsIssuer, session_name};
pub use limit::{LimitCheck, LimitKind, Limiter, MemoryLimiter};
pub use metrics::{ExtraMetrics, MeteredIssuer, Metrics};
pub use role::{ClaimRule, RoleSpec};
pub use scope::{MAX_SCOPES, ScopeError, ScopeItem};
pub use server::serve;
pub use shape::{Answers, ChosenKey, Format, render};
pub use spool::{LogSpool, SpoolWriter};
pub use template::TemplateError;
pub use vending::{Granted, IssueError, IssueRequest, Vending};
