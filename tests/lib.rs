//! Cross-crate and interop tests for the cos-sts workspace.
//!
//! The tests live beside this file, one test binary per topic (listed as `[[test]]` targets in
//! `Cargo.toml`):
//!
//! * `sts_emulator/` — `sts-client` end to end against `cos-emulator` on loopback: every STS
//!   action the emulator implements (GetFederationToken, AssumeRole, GetCallerIdentity) signed
//!   with TC3 and with v1 (HmacSHA1, HmacSHA256); each issued key used on the emulator's COS
//!   side, allowed inside its scope and denied (403 `AccessDenied`) outside it; `get_credential`
//!   conditions enforced; policies and durations rejected locally before sending and, sent
//!   anyway, by the emulator with its code and RequestId; the single-flight
//!   `CredentialsCache`; the three output shapes with `startTime` taken from the response
//!   `Date`.
//!
//! Run them with `cargo test -p cos-sts-tests`. The library holds no code: its modules are the
//! user guides in `docs/guides/`, included as documentation so that `cargo test --doc` compiles
//! and runs every Rust example in them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[doc = include_str!("../docs/guides/vending-keys.md")]
pub mod guide_vending_keys {}

#[doc = include_str!("../docs/guides/testing-policies.md")]
pub mod guide_testing_policies {}

#[doc = include_str!("../docs/guides/emulator-in-tests.md")]
pub mod guide_emulator_in_tests {}

#[doc = include_str!("../docs/guides/running-serve.md")]
pub mod guide_running_serve {}
