//! Sans-IO signing and verification for Tencent Cloud requests.
//!
//! This crate computes every signature a Tencent Cloud COS or API 3.0 client or server needs,
//! byte-exactly as `../shared/reference/signing-spec.md` specifies:
//!
//! * [`cos`]: the COS XML `q-sign-algorithm=sha1` signature, as an `Authorization` header or
//!   a presigned URL, and its verification;
//! * [`post_policy`]: the COS POST-object (browser form upload) policy and form fields;
//! * [`tc3`]: `TC3-HMAC-SHA256` for API 3.0 (STS, CAM, …), including the unsigned
//!   `Authorization: SKIP` form, and its verification;
//! * `layer` (feature `tower`): a tower `Layer` signing every outgoing `http::Request` for COS;
//! * [`v1`]: the legacy `HmacSHA1` / `HmacSHA256` signature of form-encoded requests.
//!
//! Every signature is computed over the one [`SignableRequest`] (with what it is signed for
//! beside it: COS's [`SigningSettings`](cos::SigningSettings) and key time, or TC3's
//! [`Tc3Params`](tc3::Tc3Params)), and every verifier reads the one [`IncomingRequest`].
//!
//! The crate never does IO and never reads the clock: the time is always an argument, so
//! signing is deterministic and testable against published vectors.
//!
//! ```
//! use tc3_signer::Credential;
//!
//! let credential = Credential::new("AKIDEXAMPLE", "secret-key").with_token("session-token");
//! assert_eq!(credential.secret_id(), "AKIDEXAMPLE");
//! // Secrets never reach Debug output.
//! assert!(!format!("{credential:?}").contains("secret-key"));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cos;
#[cfg(feature = "tower")]
pub mod layer;
pub mod post_policy;
pub mod tc3;
pub mod v1;

mod credential;
mod error;
mod incoming;
mod request;

/// The workspace's one RFC 3986 percent-encoder (COS `UriEncode`, TC3), from `cos-core`.
pub use cos_core::encoding::uri_encode;
pub use credential::Credential;
pub use error::{SignError, VerifyError};
pub use incoming::IncomingRequest;
pub use request::SignableRequest;
