//! The one HTTP and retry stack under `sts-client` and `cos-client`.
//!
//! * [`RetryConfig`], [`Backoff`]: the retry policy (attempts, time budget, full-jitter
//!   exponential back-off) with one meaning for both clients, and the shared classification
//!   helpers [`status_is_retryable`] and [`transport_failure_is_retryable`]. Each client
//!   rebuilds and signs its request at every attempt.
//! * [`Rng`], [`Jitter`]: the one random source of back-off and refresh jitter.
//! * [`Transport`], [`HttpsClient`]: the one hyper-rustls client builder, with
//!   `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` ([`ProxyConfig`]) and a fixed
//!   connect-to address for local servers; [`crypto_provider`] is its rustls provider.
//!
//! ```
//! use std::time::Duration;
//! use cos_http::{Backoff, RetryConfig};
//!
//! let mut backoff = Backoff::with_jitter(RetryConfig::default());
//! let delay = backoff.next_delay(Duration::ZERO).unwrap();
//! assert!(delay <= Duration::from_millis(200));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod jitter;
mod proxy;
mod retry;
mod tls;
mod transport;

pub use jitter::{Jitter, Rng};
pub use proxy::ProxyConfig;
pub use retry::{Backoff, RetryConfig, status_is_retryable, transport_failure_is_retryable};
pub use tls::{TlsError, crypto_provider};
pub use transport::{Connector, HttpsClient, Resolver, Transport, describe};
