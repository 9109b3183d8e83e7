//! The key material a signature is made with: [`Credential`], defined in `cos-core` (the
//! foundation both clients and their credential providers share) and re-exported here so that
//! `tc3_signer::Credential` stays the same type.
//!
//! ```
//! let credential = tc3_signer::Credential::new("AKIDEXAMPLE", "secret");
//! let same: cos_core::Credential = credential;
//! assert_eq!(same.secret_id(), "AKIDEXAMPLE");
//! ```

pub use cos_core::Credential;
