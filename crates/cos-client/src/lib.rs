//! Tencent Cloud COS XML client for temporary keys.
//!
//! * [`Client`]: one bucket, any credential provider ([`ProvideCredentials`], the
//!   foundation's trait: `sts_client::provider` has the refreshing ones); every
//!   attempt is signed afresh (`q-sign-algorithm=sha1`, token in `x-cos-security-token`),
//!   retried with jittered exponential back-off ([`RetryConfig`]), corrected once for clock
//!   skew, and re-signed once with a fresh key after `ExpiredToken`.
//! * Operations: put (bytes, file, stream of known length, stream of unknown length with
//!   multipart underneath: [`Client::upload_stream`]), create-only put
//!   ([`PutOptions::forbid_overwrite`]), get (range; `If-Match`, `If-None-Match`,
//!   `If-Modified-Since`, `If-Unmodified-Since`; streamed to any writer or as a `Stream` of
//!   `Bytes`), head, delete, delete multiple, list (paginated, or as a `Stream`), multipart
//!   (initiate, upload part, complete, abort, list parts, list uploads), copy; content type,
//!   caching headers, storage class, ACL and `x-cos-meta-*` ([`PutOptions`]); presigned
//!   GET/PUT URLs and POST-object form fields.
//! * Transfers: [`Client::upload_file`] (single PUT or parallel multipart with CRC-64 checks
//!   per part and for the object, abort on failure, resume with verified parts, a lost
//!   Initiate answer adopted instead of orphaned) and [`Client::download_file`] (parallel
//!   ranged GETs pinned by `If-Match`, broken bodies continued from the first missing byte,
//!   CRC-64 checked before the file is renamed into place), with progress callbacks; memory
//!   stays near part size × concurrency. By default both choose their part size from the
//!   object's size and adapt their concurrency to the link (growing while the aggregate
//!   rate grows, backing off when requests are retried) within a memory budget.
//! * Directories: [`Client::upload_directory`] and [`Client::download_directory`], many
//!   files at once, with sync ([`DirectoryOptions::skip_unchanged`]: size and CRC-64).
//! * Sans-IO pieces usable alone: [`Endpoint`], [`MultipartPlan`], [`crc64`].
//!
//! ```no_run
//! use cos_client::{Client, UploadOptions};
//! use sts_client::provider::{CredentialsCache, EnvironmentProvider};
//!
//! # async fn demo() -> Result<(), cos_client::Error> {
//! let client = Client::builder()
//!     .bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
//!     .credentials(CredentialsCache::new(EnvironmentProvider::new()))
//!     .build()?;
//! client.upload_file("/tmp/video.mp4".as_ref(), "videos/video.mp4", &UploadOptions::default()).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod crc64;

mod builder;
mod client;
mod endpoint;
mod error;
mod key;
mod model;
pub(crate) mod ops;
mod options;
mod plan;
mod presign;
mod transfer;
mod transport;
mod xml;

#[doc(hidden)]
pub mod fuzzing;

pub use builder::ClientBuilder;
pub use client::Client;
pub use cos_core::Credential;
pub use cos_core::clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use cos_core::provider::{ProvideCredentials, StaticProvider};
pub use cos_core::{AppId, Bucket, BucketName, NameError, Region};
pub use cos_http::{ProxyConfig, RetryConfig};
pub use endpoint::{Addressing, Endpoint, Target};
pub use error::{Error, ServiceError};
pub use model::{
    CompleteOutput, CopyOutput, DeleteFailure, DeleteObjectsOutput, DeletedObject, ListObjectsPage,
    ListPartsPage, ListUploadsPage, ObjectMetadata, ObjectSummary, PartSummary, PutObjectOutput,
    UploadSummary,
};
pub use ops::{CopySource, GetObjectResponse, ObjectLister, StreamUploadOptions, UploadedPart};
pub use options::{ByteRange, GetOptions, ListOptions, PutOptions};
pub use plan::{MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, MultipartPlan, PartRange};
pub use presign::PostObjectForm;
pub use transfer::{
    CopyOptions, DirectoryFailure, DirectoryOptions, DirectorySummary, DownloadOptions,
    DownloadOutput, Parallelism, Progress, UploadOptions, UploadOutput,
};

#[cfg(test)]
mod client_tests;
