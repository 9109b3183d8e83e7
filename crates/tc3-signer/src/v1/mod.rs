//! Legacy signature v1 (`HmacSHA1` / `HmacSHA256`) for form-encoded API requests.
//!
//! The official COS STS helpers still call STS this way: every parameter, sorted by name and
//! joined **unencoded** as `name=value&…`, is appended to `METHOD + host + path + "?"`, and
//! `Signature = base64(HMAC(SecretKey, that string))` is sent with the other parameters in a
//! form-encoded body (or GET query).
//!
//! ```
//! use tc3_signer::Credential;
//! use tc3_signer::v1::{V1Params, V1Presented, V1VerifyParams};
//!
//! let policy = "%7B%22version%22%3A%222.0%22%7D"; // STS wants the policy URL-encoded
//! let signed = V1Params::new("GetFederationToken", "2018-08-13", 1_700_000_000, 15_000)
//!     .with_region("ap-guangzhou")
//!     .with_param("Name", "cos-sts")
//!     .with_param("Policy", policy)
//!     .sign("sts.tencentcloudapi.com", &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE"))?;
//! let body = signed.form_body(); // POST with Content-Type: application/x-www-form-urlencoded
//! assert!(body.contains("Policy=%257B%2522version"));
//!
//! let presented = V1Presented::from_form(&body)?;
//! presented.verify("SECRETKEYEXAMPLE", &V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 1_700_000_000))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod form;
mod method;
mod redact;
mod sign;
mod source;
mod verify;

pub use form::{FORM_CONTENT_TYPE, parse_form};
pub use method::SignatureMethod;
pub use sign::{V1Params, V1Signed, sign_params};
pub use source::source_string;
pub use verify::{V1Presented, V1VerifyParams};
