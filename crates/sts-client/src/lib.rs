//! Tencent Cloud STS client and credential providers.
//!
//! * [`StsClient`]: every STS action (GetFederationToken, AssumeRole, AssumeRoleWithWebIdentity,
//!   AssumeRoleWithSAML, GetSessionToken, GetCallerIdentity, QueryApiKey), signed with
//!   `TC3-HMAC-SHA256` by default or legacy v1, over a pooled hyper client with rustls (ring
//!   provider chosen explicitly, webpki roots), timeouts, proxies and bounded jittered retries.
//! * [`CredentialRequest`]: the high-level `getCredential` (bucket, region, prefixes, actions,
//!   conditions, or a whole policy), validated with `cos-policy` before anything is sent.
//! * [`TemporaryCredentials`]: the result, with a truthful `startTime` and the three JSON
//!   shapes front ends consume.
//! * [`provider`]: credential providers (static, environment, profile file, instance metadata,
//!   AssumeRole, TKE OIDC web identity, federation token), a chain and a single-flight cache.
//!
//! Secrets (secret keys, tokens, web identity tokens, SAML assertions) never appear in
//! `Debug`/`Display` output, errors or logs.
//!
//! ```
//! use sts_client::{Endpoint, StsClient};
//! use sts_client::provider::EnvironmentProvider;
//!
//! let client = StsClient::builder()
//!     .endpoint(Endpoint::Regional("ap-guangzhou".into()))
//!     .credentials(EnvironmentProvider::new())
//!     .build()
//!     .unwrap();
//! assert_eq!(client.host(), "sts.ap-guangzhou.tencentcloudapi.com");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod provider;

mod actions;
mod client;
mod endpoint;
mod error;
mod get_credential;
mod http_get;
mod model;
mod policy_document;
mod transport;
mod v1_form;
mod validation;
mod wire;

pub use actions::{
    ApiKey, ApiKeys, AssumeRole, AssumeRoleWithSaml, AssumeRoleWithWebIdentity, CallerIdentity,
    GetFederationToken, GetSessionToken, QueryApiKey,
};
pub use client::{ResponseMeta, SignatureMethod, StsClient, StsClientBuilder};
/// The one retry policy of both clients, from `cos-http`.
pub use cos_http::RetryConfig;
pub use cos_policy::{AppId, Bucket, BucketName, NameError, Region};
pub use endpoint::Endpoint;
pub use error::{ApiError, ErrorCode, StsError};
pub use get_credential::CredentialRequest;
pub use http_get::HttpGet;
pub use model::{ApiShape, CosJsShape, SdkShape, TemporaryCredentials, VendedShapeError};
pub use policy_document::PolicyDocument;
pub use transport::{ProxyConfig, crypto_provider};
