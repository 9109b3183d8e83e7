//! A local STS + COS emulator that behaves like the real services in what client code can
//! observe: `q-sign` and TC3/v1 signatures verified with [`tc3_signer`], temporary-key
//! policies evaluated with [`cos_policy`], errors in the real formats.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), cos_emulator::EmulatorError> {
//! let emulator = cos_emulator::Emulator::builder()
//!     .region("ap-guangzhou")
//!     .bucket("examplebucket-1250000000")
//!     .start()
//!     .await?;
//! println!("COS at {}, STS at {}", emulator.cos_endpoint(), emulator.sts_endpoint());
//! let root = emulator.root_credential();
//! assert!(root.secret_id().starts_with("AKID"));
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Operations
//!
//! COS: PUT (simple, presigned, Content-MD5 checked), GET (ranges, conditionals), HEAD and
//! DELETE Object, DELETE Multiple Objects, GET Bucket (List Objects), HEAD Bucket, POST
//! Object (browser form with policy), PUT Object - Copy, the multipart set (Initiate, Upload
//! Part, Upload Part - Copy with `x-cos-copy-source-range`, Complete, Abort, List Parts,
//! List Multipart Uploads), OPTIONS preflights, and the buckets themselves: PUT, HEAD and
//! DELETE Bucket, GET Service (filters and pages), GET Bucket location and the bucket
//! `?acl`, `?tagging`, `?cors` and `?policy` sub-resources. STS: GetFederationToken, AssumeRole
//! (configured [`Role`]s, `ExternalId`, session tags) and GetCallerIdentity, signed with
//! TC3 or legacy v1.
//!
//! # Listeners and routing
//!
//! COS and STS listen on **two ports** ([`Emulator::cos_endpoint`], [`Emulator::sts_endpoint`]).
//! A COS request is routed and verified by **one host**: the `Host` header, or the
//! authority of an absolute-form request URI (as sent through an HTTP proxy), which must
//! then equal `Host` (else 400 `InvalidURI`). It goes to a bucket by:
//!
//! 1. a COS host of a Tencent Cloud domain, `<bucket>.cos.<region>.myqcloud.com` (also
//!    `cos-internal`, `cos-website`, `.tencentcos.cn`): that bucket, which PUT Bucket creates
//!    and anything else finds or answers `NoSuchBucket`. The service hosts
//!    (`service.cos.myqcloud.com`, `cos.<region>.myqcloud.com`) answer GET Service. Hosts of
//!    other services (`<bucket>.ci.<region>.myqcloud.com`, `.pic.`, vectors, migration…)
//!    answer 501 `NotImplemented` and never touch a bucket;
//! 2. any other host whose first label is a bucket or a well-formed bucket name
//!    (`examplebucket-1250000000.localhost`);
//! 3. for an IP literal or a single-label host (`localhost`, a container name) only:
//!    path-style `/<bucket>/<key>` when the first path segment is a configured bucket,
//!    otherwise the **default bucket** (the first configured), with the whole path as the key;
//! 4. any other host: 400 `InvalidURI` (it never falls through to the default bucket).
//!
//! Object keys follow COS's rules (at most 850 bytes, not starting with `\\`); a key with a
//! control character (U+0000–U+001F), which COS lists only URL-encoded, is refused with 400
//! `InvalidObjectName` before anything is stored, so every listing is well-formed XML.
//!
//! Paths are percent-decoded exactly once (`%2F` is `/`) and never dot-normalised.
//!
//! # Pointing the official SDKs at it
//!
//! * **Python** (`cos-python-sdk-v5`, checked with 1.9.44 and `qcloud-python-sts` 3.1.6):
//!   `CosConfig(Region=region, SecretId=tmp_id, SecretKey=tmp_key, Token=token, Scheme="http",
//!   Domain="127.0.0.1:<cos port>")` — requests go to the default bucket (the SDK signs the host
//!   without the port; the emulator accepts that). Alternatively keep the normal host and set
//!   `Proxies={"http": cos_endpoint}` so requests arrive in absolute form with the
//!   virtual-hosted bucket host. For STS, `Sts({"url": sts_endpoint + "/", …})`: the SDK signs
//!   `sts.tencentcloudapi.com` (its default `domain`), which the emulator accepts as the public
//!   host name. `tests/interop/python_sdk.py` runs put_object, upload_file (multipart),
//!   get_object, list_objects, download_file (simple and ranged with CRC-64 check),
//!   copy_object, copy (multipart, through Upload Part - Copy) and a denied put (403
//!   `AccessDenied`) this way. The SDK's `copy` HEADs its source at the public host name
//!   whatever `Domain` says: give it the emulator as `HTTP_PROXY` (the emulator routes
//!   absolute-form requests by host).
//! * **Node** (`cos-nodejs-sdk-v5`, checked with `tests/interop/node_sdk.js`):
//!   `new COS({ SecretId, SecretKey, SecurityToken, Protocol: "http:", Domain: "127.0.0.1:<cos port>" })`
//!   — putObject, getObject, sliceUploadFile, getBucket and headObject work against the
//!   default bucket. The Node STS SDK (`qcloud-cos-sts`) always calls `https://<host>/`: start
//!   the emulator with [`EmulatorBuilder::https`] (`cos-sts emulator --https`) and trust
//!   [`Emulator::ca_cert_pem`] (`NODE_EXTRA_CA_CERTS`).
//! * **Browser** (`cos-js-sdk-v5`): `new COS({ getAuthorization, Protocol: "http:",
//!   Domain: "127.0.0.1:<cos port>" })`. CORS follows the bucket's rules exactly, as on COS:
//!   set them with `PUT /?cors` or [`EmulatorBuilder::cors_origin`]; without a rule admitting
//!   the page's origin, preflights are refused and responses carry no CORS headers.
//!
//! # Storage
//!
//! In memory by default; with [`EmulatorBuilder::data_dir`] objects, open multipart uploads,
//! the root key and issued temporary keys are kept in a directory and restored on the next
//! start. Every file is written to `tmp/` and renamed into place (synced first unless
//! [`EmulatorBuilder::durable`] is `false`), so a reader never sees a torn object and a crash
//! mid-upload leaves the previous version; leftovers of a crash are removed at start-up. A record that cannot be read
//! (damaged, or pointing at data that does not add up) is never deleted: it is moved to
//! `quarantine/` with one warning line (`tracing`) naming the path and the reason, and so are
//! the data files no readable record references. `state/` (the root key and the temporary
//! keys) is owner-only: files 0600, the directory 0700. One
//! data directory must be used by one emulator process at a time. The MD5 (the ETag) and
//! CRC-64 of a body of 256 KiB or more are computed on a blocking thread while the body is
//! still arriving, so with a core to spare a large PUT is bounded by MD5 speed (about
//! 0.6 GB/s per stream), not by network read plus MD5. For benchmarks that this would limit,
//! [`EtagMode::Crc64`] (`cos-sts emulator --etag crc64`) builds ETags from the CRC-64 and
//! the length instead (Content-MD5 is still checked when sent): a single-stream 256 MiB PUT
//! then runs at about 1.7 GiB/s instead of 0.56.
//!
//! Complete Multipart Upload copies no bytes: the completed object keeps its parts, in
//! order, and reads stream from them, so it answers at once whatever the object's size.
//!
//! # Authentication
//!
//! Signed COS requests carry a `q-sign` signature (header or presigned query) by the root key
//! or by a temporary key issued by the STS side, with its `x-cos-security-token`; temporary
//! keys' policies are evaluated with `cos-policy` against the action, the resource
//! (`qcs::cos:<region>:uid/<appid>:<bucket>/<key>`, or `…/<prefix>` for listings) and the
//! request context (`qcs:ip`, `cos:secure-transport`, `cos:content-type`,
//! `cos:content-length`, `cos:x-cos-acl`, `cos:x-cos-storage-class`, `cos:prefix`, …).
//! PUT Object - Copy needs `PutObject` on the destination and `GetObject` on the source.
//! The bucket policy (`?policy`, statements with principals, evaluated by `cos-policy`) and
//! the bucket ACL (`x-cos-acl`, `x-cos-grant-*`, `?acl`) decide together with the caller's
//! CAM policies, as COS does: a policy deny refuses everybody but the root account; an
//! unsigned request is an anonymous caller, admitted only by a policy allow for
//! `*`/`qcs::cam::anyone:anyone` or an `AllUsers` grant (`public-read`).
//! Errors: unknown key 403 `InvalidAccessKeyId`; missing or wrong token 403 `AccessDenied`;
//! expired temporary key 400 `ExpiredToken`; signature past its end 403 `AccessDenied`
//! "Request has expired"; start more than 15 minutes ahead or `Date` off by more than 15
//! minutes 403 `RequestTimeTooSkewed` (with `ServerTime`); bad signature 403
//! `SignatureDoesNotMatch` (with the server's `StringToSign`). The same clock rules hold
//! for POST Object forms: no grace after the policy's `expiration` or `q-key-time`'s end,
//! up to 15 minutes of skew for its start. (STS signatures: ±5 minutes around
//! `X-TC-Timestamp`/`Timestamp`, as the API 3.0 documents.)
//!
//! POST Object forms are authenticated from the fields that precede `file` (256 KiB at
//! most) before a byte of the file is read; the file is then streamed, cut as soon as it
//! exceeds the policy's `content-length-range`. Every request has deadlines: its headers
//! within [`EmulatorBuilder::header_timeout`] (30 s), each body chunk within
//! [`EmulatorBuilder::body_timeout`] (60 s), and after a 30 s grace the body must average
//! [`EmulatorBuilder::body_min_rate`] (1 KiB/s), so a trickling client is cut, never held.
//!
//! # Identities and STS authorization
//!
//! The account has a root key, CAM sub-accounts ([`SubAccount`], with their own policies;
//! [`EmulatorBuilder::sub_account`] adds one with full access) and the temporary keys STS
//! issues. Authorization is CAM's, evaluated with `cos-policy`:
//!
//! * a sub-account may do what the union of its policies allows (an explicit deny wins);
//! * GetFederationToken (permanent keys only; a sub-account needs
//!   `name/sts:GetFederationToken`) issues a key limited to the passed policy ∩ the
//!   holder's permissions;
//! * AssumeRole needs `name/sts:AssumeRole` on `qcs::cam::uin/<owner>:roleName/<name>` in
//!   the caller's own policies (temporary keys included: a federation or role key may chain
//!   only when its policy grants that), and the role's trust policy
//!   ([`Role::trust_policy`]; default: the owner account) must admit the caller — its
//!   principal, and conditions such as `sts:external_id`. Refusals:
//!   `AuthFailure.UnauthorizedOperation` (no permission), `UnauthorizedOperation` (the
//!   trust policy). A key obtained with a temporary key never outlives it.
//!
//! # Known differences from COS
//!
//! * Response header names are spelled as COS spells them: `ETag`, `Content-Length`,
//!   `Content-Type`, `Last-Modified`, `Date`, `Server`, `Access-Control-*`… in their usual
//!   mixed case, `x-cos-request-id`, `x-cos-hash-crc64ecma` and `x-cos-meta-*` lower-case, so
//!   code that copies headers into a plain dictionary (the Python SDK's `put_object` result,
//!   `download_file`'s `object_info['Content-Length']`) finds them under the same names. hyper
//!   only exposes that through its `preserve_header_case` machinery, whose case map is private;
//!   the emulator obtains one at start-up by letting hyper parse a request naming those headers
//!   and attaches it to every response. Should a future hyper stop recording it, responses fall
//!   back to hyper's title case (`Etag`, `X-Cos-Request-Id`). Header names outside that list
//!   are sent lower-case.
//! * HTTPS is opt-in ([`EmulatorBuilder::https`]) with a certificate from a CA generated at
//!   start-up; `cos:secure-transport` is `true` exactly for requests that arrived over TLS.
//! * PUT Object - Copy copies within the emulator only (the source must be one of its
//!   buckets); its `CopyObjectResult` never embeds an `<Error>` in a 200 response, and a copy
//!   resets the storage class to `STANDARD` unless `x-cos-storage-class` is given.
//! * Not implemented (answered 501 `NotImplemented`): object sub-resources, bucket
//!   sub-resources other than `?acl`, `?tagging`, `?cors`, `?policy` and `?location`
//!   (`?versioning`, `?lifecycle`…), multi-AZ bucket creation, append, versioning.
//!
//! # From any language: the admin API
//!
//! Both listeners also serve an admin API under the path prefix `/_emulator`:
//! `GET /_emulator/health` for anyone, and, for loopback clients sending
//! `Authorization: Bearer <`[`Emulator::admin_token`]`>`, `POST /_emulator/reset`,
//! `GET|PUT /_emulator/clock`, `PUT|DELETE /_emulator/faults` (the JSON form of
//! [`Faults::from_json`]), `GET /_emulator/access-log` ([`AccessRecord`]: caller key, the
//! authorization [`Decision`]s, status) and `GET /_emulator/sts-calls` ([`StsCallRecord`]).
//! The same operations in Rust: [`Emulator::reset`], [`Emulator::set_clock_offset`],
//! [`Emulator::set_faults`], [`Emulator::access_log`], [`Emulator::sts_calls`]. Admin
//! requests never reach COS, so path-style object keys under `_emulator/` are reserved.
//!
//! # Faults
//!
//! [`Faults`] answers a share of COS requests with 503 `SlowDown` or 500 `InternalError`, cuts
//! response bodies halfway, and adds latency; [`EmulatorBuilder::clock_offset`] skews the clock.
//! A [`FaultPlan`] scripts faults per request instead: [`Rule`]s pick requests with a
//! [`Matcher`] (part 3, the Initiate, ranged GETs, the first n or every n-th…) and apply an
//! [`Action`] (any COS error or an `<Error>` in a 200, a dropped reply after the operation
//! took effect, a wrong CRC-64, a cut or stalled body, latency); the plan records every COS
//! request ([`SeenRequest`]) so a test can check what its client sent.
//!
//! # Link shaping
//!
//! [`EmulatorBuilder::link`] (`cos-sts emulator --link rtt=50ms,per-conn=20MiB/s,total=160MiB/s`)
//! makes the COS listener behave like a network [`Link`]: each request waits one round trip
//! (a new connection one more, for its handshake), each connection carries at most
//! `per-conn` bytes per second each way and all of them together at most `total`. For
//! benchmarks and tests of clients on realistic links; off by default.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod access_log;
mod admin;
mod auth;
mod builder;
mod clock;
mod cos;
mod crc64;
mod emulator;
mod error;
mod etag;
mod faults;
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod identity;
mod ids;
#[cfg(test)]
mod layering;
mod link;
mod state;
mod storage;
mod sts;
mod tls;

pub use admin::{AccessRecord, Decision, StsCallRecord};
pub use builder::EmulatorBuilder;
pub use emulator::Emulator;
pub use error::EmulatorError;
pub use etag::EtagMode;
pub use faults::{Action, FaultPlan, Faults, Matcher, Rule, SeenRequest};
pub use identity::SubAccount;
pub use link::{Link, LinkParseError};
#[cfg(feature = "saml")]
pub use sts::SamlProvider;
pub use sts::{MfaDevice, OidcProvider, Role};
