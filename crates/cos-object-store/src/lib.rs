//! Tencent Cloud COS as an [`object_store::ObjectStore`], so the Rust data stack built on
//! `object_store` (DataFusion, Polars, delta-rs, LanceDB, …) reads and writes COS with
//! temporary keys.
//!
//! [`CosObjectStore`] wraps a [`cos_client::Client`] for one bucket and implements
//! [`ObjectStore`](object_store::ObjectStore),
//! [`MultipartStore`](object_store::multipart::MultipartStore) and
//! [`PaginatedListStore`](object_store::list::PaginatedListStore). Every request is signed
//! at each attempt with the current key of the client's credential provider (any
//! `sts_client::provider::ProvideCredentials`: STS AssumeRole, federation tokens, a
//! vending endpoint, the environment, …), so keys that expire during a long query are
//! refreshed underneath it; retries, clock-skew correction and CRC-64 checks are the
//! client's.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = cos_emulator::Emulator::builder().region("ap-guangzhou")
//! #     .bucket("examplebucket-1250000000").in_memory().start().await?;
//! use std::sync::Arc;
//! use futures_util::TryStreamExt;
//! use object_store::{ObjectStore, ObjectStoreExt, PutMode, path::Path};
//! use sts_client::provider::{CredentialsCache, StaticProvider};
//!
//! let client = cos_client::Client::builder()
//!     .bucket(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?))
//!     // Any provider; a CredentialsCache refreshes temporary keys before they expire.
//!     .credentials(CredentialsCache::new(StaticProvider::new(emulator.root_credential())))
//! #   .endpoint(cos_client::Endpoint::default().http().connect_to(emulator.cos_addr()))
//!     .build()?;
//! let store: Arc<dyn ObjectStore> = Arc::new(cos_object_store::CosObjectStore::new(client));
//!
//! let path = Path::from("events/2026/12/07.json");
//! store.put_opts(&path, "{}".into(), PutMode::Create.into()).await?;
//! let again = store.put_opts(&path, "{}".into(), PutMode::Create.into()).await;
//! assert!(matches!(again, Err(object_store::Error::AlreadyExists { .. })));
//! let listed: Vec<_> = store.list(Some(&Path::from("events"))).try_collect().await?;
//! assert_eq!(listed[0].location, path);
//! # emulator.shutdown().await; Ok(()) }
//! ```
//!
//! # How `object_store` operations map to COS
//!
//! | `object_store` | COS |
//! |---|---|
//! | `put_opts` (`Overwrite`, `Create`) | PUT Object (`Create`: `x-cos-forbid-overwrite: true`, 409 `FileAlreadyExists` → `AlreadyExists`) |
//! | `put_multipart_opts`, `MultipartStore` | Initiate / Upload Part / Complete / Abort Multipart Upload (an upload without parts completes with one empty part) |
//! | `get_opts` | GET or HEAD Object with `Range` (bounded, offset, suffix), `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`, `versionId`; 412 → `Precondition`, 304 → `NotModified` |
//! | `list`, `list_with_offset`, `list_with_delimiter` | GET Bucket (List Objects v1) page by page; the offset is COS's exclusive `marker`; keys ending in `/` (console "folders") are skipped |
//! | `PaginatedListStore` | one List Objects page per call, the page token is the `marker` |
//! | `delete_stream` | DELETE Multiple Objects, 1000 keys per request (a missing key succeeds, as on COS) |
//! | `copy_opts` (`Overwrite`) | PUT Object - Copy |
//! | `copy_opts` (`Create`) | Upload Part - Copy into a multipart upload completed with `x-cos-forbid-overwrite: true` (COS documents the header for multipart uploads, not for PUT Object - Copy) |
//! | `rename_opts` | the copy, then DELETE Object of the source (not atomic, as on S3) |
//!
//! Attributes: `Content-Type`, `Cache-Control`, `Content-Disposition`, `Content-Encoding`,
//! the storage class and metadata whose names use only `a-z`, `0-9` and `-` (COS's rule
//! for `x-cos-meta-*`) are stored and read back. `Content-Language` and other metadata
//! names are refused with `NotImplemented` instead of being dropped. Tags are ignored (the
//! documented behaviour for stores without tagging).
//!
//! # Conformance
//!
//! `tests/conformance.rs` runs `object_store`'s own conformance suite (its `integration`
//! module) against the in-process emulator: `put_get_delete_list`, `put_get_attributes`,
//! `get_opts`, `put_opts` (with `supports_update = false`), `stream_get`,
//! `list_uses_directories_correctly`, `list_with_delimiter`, `list_with_offset_exclusivity`,
//! `list_paginated`, `get_nonexistent_object`, `rename_and_copy`, `copy_if_not_exists`,
//! `copy_rename_nonexistent_object`, `multipart`, `multipart_put_part_out_of_order`,
//! `multipart_out_of_order` and `multipart_race_condition` (last writer wins) all pass. The
//! same test file runs parts of the suite with a fresh temporary key from STS for every
//! single request, and round-trips the attributes COS stores.
//!
//! What does not apply to COS, and why:
//!
//! * `put_opts` with `PutMode::Update` (compare-and-swap on an ETag or version): COS
//!   documents no conditional PUT Object on `If-Match` or a version, only create-only
//!   (`x-cos-forbid-overwrite`). The store answers `NotImplemented`, which is what the suite
//!   checks with `supports_update = false`; its update and race sections do not run.
//! * `put_get_attributes` passes through its `NotImplemented` branch: the suite's attributes
//!   include `Content-Language` and a metadata name with `_`, and COS stores neither
//!   (`x-cos-meta-*` suffixes allow only `-`, digits and `a`–`z`). The round trip of the
//!   attributes COS does store is tested in `tests/conformance.rs` instead.
//! * `multipart_with_opts` cannot run: it creates the upload with the metadata name
//!   `test_key` and unwraps the result, and COS does not allow `_` in `x-cos-meta-*` names,
//!   so the store refuses it with `NotImplemented`. Multipart uploads with attributes are
//!   covered by the attribute round trip in `tests/conformance.rs`.
//! * `response_extensions` needs `object_store`'s own reqwest `HttpConnector` (feature
//!   `reqwest`); this store sends its requests through `cos-client`, not through that
//!   connector, so there are no HTTP response extensions to propagate.
//!
//! # `object_store` releases, Parquet and DataFusion
//!
//! The default feature `object-store-0-14` implements the traits of `object_store` 0.14,
//! the newest release (`parquet` 60 uses it). DataFusion 55, the newest DataFusion, is built
//! on `object_store` 0.13: with `default-features = false, features = ["object-store-0-13"]`
//! the same code implements the 0.13 traits instead (0.13 has no response extensions and
//! no `MultipartStore::create_multipart_opts`; nothing else differs), and the store can be
//! registered with `SessionContext::register_object_store`. The conformance suite runs
//! with the default feature.
//!
//! * `examples/datafusion.rs` registers the store in DataFusion, writes a Parquet file to
//!   COS with `COPY … TO 'cos://…'` and queries it with SQL, with temporary keys from the
//!   emulator's STS:
//!   `cargo run -p cos-object-store --example datafusion --no-default-features --features datafusion-example`.
//! * `examples/parquet.rs` writes a Parquet file with arrow-rs's async writer (an
//!   `object_store::buffered::BufWriter`) and queries it back (footer by a suffix GET, only
//!   the needed column chunks by ranged GETs):
//!   `cargo run -p cos-object-store --example parquet --features parquet-example`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// One source, two `object_store` releases: with `object-store-0-13` the 0.13 crate takes
// the name `object_store`.
#[cfg(all(feature = "object-store-0-13", not(feature = "object-store-0-14")))]
extern crate object_store_0_13 as object_store;
#[cfg(all(feature = "object-store-0-13", feature = "object-store-0-14"))]
compile_error!("enable one of `object-store-0-14` (default) and `object-store-0-13`, not both");
#[cfg(not(any(feature = "object-store-0-13", feature = "object-store-0-14")))]
compile_error!("enable `object-store-0-14` (default) or `object-store-0-13`");

mod convert;
mod list;
mod multipart;
mod store;

pub use store::CosObjectStore;
