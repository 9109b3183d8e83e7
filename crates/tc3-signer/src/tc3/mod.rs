//! `TC3-HMAC-SHA256` signing and verification for Tencent Cloud API 3.0 (STS, CAM, CVM, …).
//!
//! Signing ([`sign`]) takes the crate's one [`SignableRequest`](crate::SignableRequest)
//! (method, path, the raw query exactly as sent, headers, host and body), the call
//! ([`Tc3Params`]: service, action, version, timestamp, region, options — what the request
//! is signed *for*, as aws-sigv4's signing params) and a [`Credential`](crate::Credential),
//! and returns a [`Tc3Signature`] holding every intermediate string (canonical request, its
//! hash, credential scope, string to sign, signature, `Authorization`) and the
//! [`HeadersToSend`]. [`sign_http`] does the same for an `http::Request` and sets the
//! headers on it. [`skip`] produces the unsigned `Authorization: SKIP` form.
//!
//! Verification parses the `Authorization` header ([`authorization_of`],
//! [`parse_authorization`]) so the server can look up the secret key by id, then [`verify`]
//! recomputes the signature over the raw request, the crate's one
//! [`IncomingRequest`] (as COS verification), and compares it in
//! constant time.
//!
//! ```
//! use tc3_signer::{Credential, IncomingRequest, SignableRequest};
//! use tc3_signer::tc3::{Authorization, Tc3Params, VerifyParams, authorization_of, sign, verify};
//!
//! let body = br#"{"Name":"cos-sts","DurationSeconds":1800}"#;
//! let headers = [("Content-Type", "application/json")];
//! let request = SignableRequest::new("POST", "/")
//!     .with_host("sts.tencentcloudapi.com")
//!     .with_headers(&headers)
//!     .with_body(body);
//! let params = Tc3Params::new("sts", "GetFederationToken", "2018-08-13", 1_700_000_000)
//!     .with_region("ap-guangzhou");
//! let signed = sign(&request, &params, &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE"))?;
//! assert_eq!(signed.credential_scope(), "2023-11-14/sts/tc3_request");
//!
//! // What the server receives: the body and the headers the signer listed.
//! let received: Vec<(&str, &str)> = signed.headers_to_send().iter().collect();
//! let incoming = IncomingRequest::new("POST", "/", "", &received).with_body(body);
//! let Authorization::Tc3(presented) = authorization_of(&incoming)? else { unreachable!() };
//! verify(&incoming, &presented, "SECRETKEYEXAMPLE", &VerifyParams::new("sts", 1_700_000_060))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod authorization;
mod canonical;
mod date;
mod freshness;
mod headers;
mod keys;
pub(crate) mod mac;
mod params;
mod scope;
mod sign;
mod validate;
mod verify;

/// The one incoming request, re-exported: TC3 verification reads the same type as COS.
pub use crate::IncomingRequest;
pub use authorization::{Authorization, Tc3Authorization, authorization_of, parse_authorization};
pub use date::utc_date;
pub use freshness::DEFAULT_TOLERANCE;
pub(crate) use freshness::{check_freshness, parse_timestamp};
pub use headers::HeadersToSend;
pub use keys::{DerivedKeys, TERMINATOR};
pub use params::{PayloadMode, Tc3Params};
pub use scope::{ALGORITHM, credential_scope, string_to_sign};
pub use sign::{SKIP, Tc3Signature, sign, sign_http, skip};
pub(crate) use validate::excerpt;
pub use verify::{Verified, VerifyParams, verify};
