//! End-to-end tests of `sts-client` against `cos-emulator` on loopback: every STS action the
//! emulator implements (GetFederationToken, AssumeRole, GetCallerIdentity, and the unsigned
//! AssumeRoleWithWebIdentity, GetSessionToken) with TC3 and v1
//! signatures; the issued keys used on the emulator's COS side (allowed and denied); local and
//! server-side error paths; transport behaviour; the single-flight cache; and the serialised
//! output shapes. Every test starts its own in-memory emulator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

mod assume_role;
mod cache;
mod errors;
mod federation;
mod get_credential;
mod session_token;
mod shapes;
mod transport;
mod web_identity;
