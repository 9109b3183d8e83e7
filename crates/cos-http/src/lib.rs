//! The one HTTP and retry stack under `sts-client` and `cos-client`.
//!
//! * [`crypto_provider`]: the rustls provider both clients use.
//!
//! ```
//! assert!(cos_http::crypto_provider().is_ok());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod tls;

pub use tls::{TlsError, crypto_provider};
