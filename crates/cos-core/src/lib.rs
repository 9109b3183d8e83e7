//! The workspace's foundation: the names of a COS location, each validated by one rule.
//!
//! * [`AppId`]: the account's APPID (digits).
//! * [`BucketName`]: the full bucket name `<name>-<APPID>` (lowercase letters, digits and
//!   `-`, the name part 1 to 50 characters, neither starting nor ending with `-`).
//! * [`Region`]: a COS region such as `ap-guangzhou`.
//! * [`Bucket`]: where a bucket lives: its name and its region. Every public constructor of the
//!   workspace that needs a bucket location takes a `&Bucket`, so a bucket and a region can
//!   never be passed in the wrong order; parsing the wrong string into either type says
//!   "did you swap bucket and region?".
//!
//! And what both clients stand on: the [`Credential`] a request is signed with, the
//! [`provider::ProvideCredentials`] trait that supplies it, and the [`clock::Clock`] a client
//! reads the time from; [`date`], the one calendar (through the `time` crate); [`crc64`], the
//! CRC-64/XZ COS checks objects with, and its combination; [`encoding`], the one RFC 3986
//! percent-encoder of the workspace.
//!
//! The crate does no IO and has no async runtime (the provider trait returns a boxed future
//! and names no runtime); [`clock::SystemClock`] is its only read of the wall clock.
//!
//! ```
//! use cos_core::{Bucket, BucketName, Region};
//!
//! let bucket = Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
//! assert_eq!(bucket.name().as_str(), "examplebucket-1250000000");
//! assert_eq!(bucket.name().appid().as_str(), "1250000000");
//! assert_eq!(bucket.region().as_str(), "ap-guangzhou");
//!
//! // The two strings swapped: refused, with a hint.
//! let err = "ap-guangzhou".parse::<BucketName>().unwrap_err();
//! assert!(err.to_string().contains("did you swap bucket and region?"));
//! let err = "examplebucket-1250000000".parse::<Region>().unwrap_err();
//! assert!(err.to_string().contains("did you swap bucket and region?"));
//! # Ok::<(), cos_core::NameError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clock;
pub mod crc64;
mod credential;
pub mod date;
pub mod encoding;
mod name;
pub mod provider;

pub use credential::Credential;
pub use name::{AppId, Bucket, BucketName, NameError, Region};
