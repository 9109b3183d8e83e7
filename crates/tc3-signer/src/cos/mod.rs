//! COS XML request signature (`q-sign-algorithm=sha1`): `Authorization` header, presigned
//! URL, and their verification (spec section 1).
//!
//! Client side: build a [`Signer`] over a [`Credential`](crate::Credential) with its
//! [`SigningSettings`], give [`Signer::sign_request`] the one decoded [`SignableRequest`] and
//! a [`KeyTime`], and add [`RequestSignature::headers_to_add`] to the request, or take the
//! presigned URL ([`Signer::sign`] and [`Signer::presign`] are its two typed forms;
//! [`Signer::sign_http_in_place`] signs an `http::Request`).
//!
//! Server side: [`Authorization::from_request`] (or [`Authorization::parse`] /
//! [`Authorization::from_query`]), look up the secret key by
//! [`Authorization::secret_id`], then [`verify`] against the raw [`IncomingRequest`].
//!
//! ```
//! use std::time::Duration;
//! use tc3_signer::{Credential, SignableRequest, cos::{self, KeyTime, Signer}};
//!
//! let credential = Credential::new("AKIDEXAMPLE", "secret").with_token("session");
//! let headers = [("Host", "b-1250000000.cos.ap-guangzhou.myqcloud.com"), ("Content-Length", "5")];
//! let parts = SignableRequest::new("PUT", "/photos/cat.jpg").with_headers(&headers);
//! let now = 1_700_000_000;
//! let signed = Signer::new(&credential).sign(&parts, KeyTime::starting_at(now, Duration::from_secs(900)))?;
//!
//! let mut received: Vec<(&str, &str)> = headers.to_vec();
//! received.extend(signed.headers_to_add());
//! let incoming = cos::IncomingRequest::new("PUT", "/photos/cat.jpg", "", &received);
//! let auth = cos::Authorization::from_request(&incoming)?;
//! cos::verify(&auth, "secret", &incoming, now + 10, Duration::from_secs(300))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod authorization;
mod canonical;
pub(crate) mod crypto;
mod header_policy;
mod http_request;
mod http_string;
mod key_time;
mod presign;
mod query;
mod signature;
mod signed_headers;
mod signer;
mod verify;

pub use crate::IncomingRequest;
pub use crate::request::SignableRequest;
pub use authorization::{Authorization, SignatureLocation};
pub use header_policy::{HeaderPolicy, TokenHeader};
pub use key_time::KeyTime;
pub use presign::PresignedUrl;
pub use signature::RequestSignature;
pub use signer::{PresignToken, Signer, SigningOutput, SigningSettings};
pub use verify::verify;

pub(crate) use key_time::shorten;
