//! The configuration model, parsed from TOML and checked before anything starts.
//!
//! A file without `[[roles]]` describes one role, `default`, with the top-level fields (the
//! format `cos-sts serve` has always read). With `[[roles]]`, each role inherits the top-level
//! fields it does not set.
//!
//! ```toml
//! bucket = "examplebucket-1250000000"
//! region = "ap-guangzhou"
//! duration_seconds = 1800          # default lifetime of a key
//! max_duration_seconds = 3600      # the longest a caller may ask for (default: duration_seconds)
//! actions = ["PutObject", "PostObject", "InitiateMultipartUpload", "ListParts",
//!            "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload", "GetObject"]
//! prefix_template = "users/{sub}/*"
//! format = "sts"                   # sts (the official sts-server.js shape) | js | api
//! listen = "127.0.0.1:8080"
//! trusted_proxies = ["127.0.0.1/32"] # whose X-Forwarded-For names the client
//! default_role = "uploader"
//!
//! [conditions]                     # all optional
//! content_type = "image/*"
//! max_content_length = 10485760
//! https_only = true
//! source_ip = ["10.0.0.0/8"]
//!
//! [keys]                           # optional: POST /sts/key chooses the object key
//! extensions = ["jpg", "png"]
//! pattern = "{prefix}{date}/{random}.{ext}"
//!
//! [[roles]]
//! name = "uploader"
//!
//! [[roles]]
//! name = "admin"
//! buckets = ["examplebucket-1250000000", "archive-1250000000"]   # or one `bucket`
//! claims = [{ claim = "groups", contains = "admin" }]
//! prefix_template = "tenants/{sub}/"
//! actions = ["GetObject", "PutObject"]
//! max_duration_seconds = 900
//!
//! [auth.jwt]                       # or [auth.bearer] tokens_file = "tokens.txt"
//! algorithm = "RS256"              # RS256 | ES256 | HS256 (or `algorithms = [...]`)
//! jwks_url = "https://login.example.com/.well-known/jwks.json"
//! # discovery_url = "https://login.example.com/.well-known/openid-configuration"
//! # public_key_file = "jwt-public.pem"     # a static key instead of a JWKS
//! issuer = "https://login.example.com/"
//! audience = "cos-sts"
//!
//! [issuer]                         # how keys are made (default: federation)
//! kind = "assume_role"             # federation | assume_role
//! role_arn = "qcs::cam::uin/100000000001:roleName/cos-vending"
//! external_id = "optional"
//!
//! [cors]
//! allowed_origins = ["https://app.example.com"]
//!
//! [rate_limit]                     # per subject, after authentication
//! requests_per_second = 5.0
//! burst = 20
//!
//! [limits]                         # per client IP before authentication, and the connection
//! per_ip_requests_per_second = 20.0
//! per_ip_burst = 60
//! max_connections = 1024
//! max_body_bytes = 65536
//! header_timeout_seconds = 15.0
//! body_timeout_seconds = 30.0
//!
//! [audit]
//! path = "-"                       # `-` is stdout; else a file, appended to
//!
//! [cache]
//! refresh_before_expiry_seconds = 300
//!
//! [sts]                            # optional; credentials come from the provider chain
//! endpoint = "https://sts.tencentcloud.com"
//!
//! [cluster]                        # optional: cache, limits, STS budget shared through Redis
//! redis_url = "redis://127.0.0.1:6379/0"
//! encryption_key_file = "cache.keys" # or encryption_key_env; see docs/guides/cluster.md
//! on_redis_error = "local"         # local | refuse
//! ```
//!
//! Relative file paths are resolved against the configuration file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::role::{ClaimRule, RoleSpec};
use crate::shape::Format;
use crate::template::{KeyPattern, PrefixTemplate, TemplateError};

/// The shortest and longest `duration_seconds` accepted.
const DURATION_RANGE: std::ops::RangeInclusive<u64> = 60..=129_600;

/// The name of the role a file without `[[roles]]` describes.
pub const DEFAULT_ROLE: &str = "default";

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or mistyped fields.
    #[error("malformed configuration `{path}`: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range or inconsistent with another.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// The prefix template or key pattern is unsafe.
    #[error("invalid configuration: {0}")]
    Template(#[from] TemplateError),
}

impl ConfigError {
    /// Never: the same file fails again.
    ///
    /// ```
    /// let e = cos_vending::ConfigError::Invalid("x".into());
    /// assert!(!e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bucket: Option<String>,
    region: Option<String>,
    #[serde(default = "default_duration")]
    duration_seconds: u64,
    max_duration_seconds: Option<u64>,
    actions: Option<Vec<String>>,
    #[serde(default = "default_template")]
    prefix_template: String,
    #[serde(default)]
    format: Format,
    listen: Option<SocketAddr>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    default_role: Option<String>,
    #[serde(default)]
    conditions: ConditionsConfig,
    keys: Option<KeysConfig>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    auth: Option<AuthConfig>,
    #[serde(default)]
    issuer: IssuerConfig,
    #[serde(default)]
    cors: CorsConfig,
    #[serde(default)]
    rate_limit: RateLimitConfig,
    #[serde(default)]
    limits: LimitsConfig,
    #[serde(default)]
    audit: AuditConfig,
    #[serde(default)]
    cache: CacheConfig,
    #[serde(default)]
    sts: StsConfig,
    cluster: Option<crate::cluster::ClusterConfig>,
}

/// One `[[roles]]` entry as written; unset fields are inherited from the top level.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    name: String,
    #[serde(default)]
    claims: Vec<ClaimRule>,
    bucket: Option<String>,
    buckets: Option<Vec<String>>,
    region: Option<String>,
    duration_seconds: Option<u64>,
    max_duration_seconds: Option<u64>,
    actions: Option<Vec<String>>,
    prefix_template: Option<String>,
    conditions: Option<ConditionsConfig>,
    keys: Option<KeysConfig>,
}

fn default_duration() -> u64 {
    1800
}

fn default_template() -> String {
    "users/{sub}/*".to_owned()
}

/// Optional conditions added to every issued policy.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ConditionsConfig {
    /// Required `Content-Type` (`*` allowed, e.g. `image/*`).
    pub content_type: Option<String>,
    /// Largest simple upload / multipart part, in bytes.
    pub max_content_length: Option<u64>,
    /// Only HTTPS requests.
    #[serde(default)]
    pub https_only: bool,
    /// Allowed source addresses or CIDR blocks.
    #[serde(default)]
    pub source_ip: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysConfig {
    #[serde(default)]
    extensions: Vec<String>,
    #[serde(default = "default_key_pattern")]
    pattern: String,
}

fn default_key_pattern() -> String {
    "{prefix}{date}/{random}.{ext}".to_owned()
}

/// `[auth]`: exactly one of `jwt` and `bearer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// JSON Web Tokens.
    pub jwt: Option<JwtConfig>,
    /// Static bearer tokens.
    pub bearer: Option<BearerConfig>,
}

/// `[auth.jwt]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// `HS256`, `RS256` or `ES256` (one algorithm; or use `algorithms`).
    pub algorithm: Option<String>,
    /// Several accepted algorithms (asymmetric ones, with a JWKS).
    #[serde(default)]
    pub algorithms: Vec<String>,
    /// HS256: a file holding the shared secret.
    pub secret_file: Option<PathBuf>,
    /// HS256: an environment variable holding the shared secret.
    pub secret_env: Option<String>,
    /// RS256/ES256: the issuer's public key (PEM).
    pub public_key_file: Option<PathBuf>,
    /// RS256/ES256: the issuer's JSON Web Key Set URL.
    pub jwks_url: Option<String>,
    /// RS256/ES256: the issuer's OpenID discovery document (whose `jwks_uri` is used).
    pub discovery_url: Option<String>,
    /// The least time between two fetches of the key set caused by an unknown `kid`.
    #[serde(default = "default_jwks_refetch")]
    pub jwks_min_refetch_seconds: f64,
    /// How long a fetched key set is used before it is fetched again.
    #[serde(default = "default_jwks_refresh")]
    pub jwks_refresh_seconds: u64,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud` (one of).
    pub audience: String,
    /// Clock leeway for `exp`/`nbf`.
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    /// The claim holding the identity.
    #[serde(default = "default_subject_claim")]
    pub subject_claim: String,
}

impl JwtConfig {
    /// The accepted algorithms, as written.
    pub(crate) fn algorithm_names(&self) -> Vec<String> {
        let mut names = self.algorithms.clone();
        if let Some(one) = &self.algorithm
            && !names.contains(one)
        {
            names.push(one.clone());
        }
        names
    }
}

fn default_leeway() -> u64 {
    30
}

fn default_subject_claim() -> String {
    "sub".to_owned()
}

fn default_jwks_refetch() -> f64 {
    60.0
}

fn default_jwks_refresh() -> u64 {
    3600
}

/// `[auth.bearer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BearerConfig {
    /// Lines `TOKEN SUBJECT`; `#` starts a comment.
    pub tokens_file: PathBuf,
}

/// `[issuer]`: which STS action makes the keys.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// `federation` (GetFederationToken; needs a permanent key) or `assume_role`.
    #[serde(default)]
    pub kind: IssuerKind,
    /// `assume_role`: the role to assume.
    pub role_arn: Option<String>,
    /// `assume_role`: the role's `ExternalId`, when its trust policy requires one.
    pub external_id: Option<String>,
}

/// The STS action that makes the keys.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IssuerKind {
    /// GetFederationToken (a permanent key only).
    #[default]
    Federation,
    /// AssumeRole with the per-user policy as session policy (any key, temporary ones too).
    AssumeRole,
}

/// `[cors]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    /// Exact origins (`https://app.example.com`), or `*`.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// `Access-Control-Max-Age` of preflight answers.
    #[serde(default = "default_max_age")]
    pub max_age_seconds: u64,
}

impl Default for CorsConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            max_age_seconds: default_max_age(),
        }
    }
}

fn default_max_age() -> u64 {
    600
}

/// `[rate_limit]`: a token bucket per subject, after authentication.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sustained rate.
    #[serde(default = "default_rps")]
    pub requests_per_second: f64,
    /// Bucket size.
    #[serde(default = "default_burst")]
    pub burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            requests_per_second: default_rps(),
            burst: default_burst(),
        }
    }
}

fn default_rps() -> f64 {
    5.0
}

fn default_burst() -> u32 {
    20
}

/// `[limits]`: what protects the server before and around authentication.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Sustained requests per second per client IP (checked before authentication).
    #[serde(default = "default_ip_rps")]
    pub per_ip_requests_per_second: f64,
    /// Burst per client IP.
    #[serde(default = "default_ip_burst")]
    pub per_ip_burst: u32,
    /// Open connections at most; more wait in the listen backlog.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// The largest request body read.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// The request head must arrive within this time.
    #[serde(default = "default_header_timeout")]
    pub header_timeout_seconds: f64,
    /// The request body must arrive within this time (it is cut after).
    #[serde(default = "default_body_timeout")]
    pub body_timeout_seconds: f64,
    /// The whole request must be answered within this time.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_seconds: f64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            per_ip_requests_per_second: default_ip_rps(),
            per_ip_burst: default_ip_burst(),
            max_connections: default_max_connections(),
            max_body_bytes: default_max_body(),
            header_timeout_seconds: default_header_timeout(),
            body_timeout_seconds: default_body_timeout(),
            request_timeout_seconds: default_request_timeout(),
        }
    }
}

impl LimitsConfig {
    /// The header read deadline.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.header_timeout_seconds)
    }

    /// The body read deadline.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.body_timeout_seconds)
    }

    /// The whole-request deadline.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.request_timeout_seconds)
    }
}

fn default_ip_rps() -> f64 {
    20.0
}

fn default_ip_burst() -> u32 {
    60
}

fn default_max_connections() -> usize {
    1024
}

fn default_max_body() -> usize {
    64 * 1024
}

fn default_header_timeout() -> f64 {
    15.0
}

fn default_body_timeout() -> f64 {
    30.0
}

fn default_request_timeout() -> f64 {
    60.0
}

/// `[audit]`: one JSON line per answer of `/sts` and `/sts/key`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Whether audit lines are written.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `-` for stdout, else a file appended to.
    #[serde(default = "default_audit_path")]
    pub path: PathBuf,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            path: default_audit_path(),
        }
    }
}

fn default_audit_path() -> PathBuf {
    PathBuf::from("-")
}

/// `[cache]`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Whether issued credentials are reused.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// A cached credential is replaced this long before it expires (at most half its
    /// lifetime).
    #[serde(default = "default_refresh_before")]
    pub refresh_before_expiry_seconds: u64,
    /// Most entries kept.
    #[serde(default = "default_max_entries")]
    pub max_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            refresh_before_expiry_seconds: default_refresh_before(),
            max_entries: default_max_entries(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_refresh_before() -> u64 {
    300
}

fn default_max_entries() -> usize {
    10_000
}

/// `[sts]`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StsConfig {
    /// A custom STS base URL (default: `sts.tencentcloudapi.com`).
    pub endpoint: Option<String>,
    /// The API `Region` parameter (default: the first role's region).
    pub region: Option<String>,
}

/// Server-chosen keys: `POST /sts/key`.
#[derive(Debug, Clone)]
pub(crate) struct KeysSettings {
    /// Allowed extensions (lowercase, without the dot); empty allows any safe one.
    pub(crate) extensions: Vec<String>,
    /// How a key is made.
    pub(crate) pattern: KeyPattern,
}

/// The checked configuration.
///
/// ```
/// let settings = cos_vending::Settings::parse(
///     "bucket = \"examplebucket-1250000000\"\nregion = \"ap-guangzhou\"\n",
///     std::path::Path::new("."),
/// ).unwrap();
/// assert_eq!(settings.roles()[0].name(), "default");
/// ```
#[derive(Debug, Clone)]
pub struct Settings {
    /// The roles, in file order.
    pub(crate) roles: Vec<RoleSpec>,
    /// The role used when a caller names none.
    pub(crate) default_role: String,
    /// Default response shape.
    pub(crate) format: Format,
    /// Listen address from the file.
    pub(crate) listen: Option<SocketAddr>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub(crate) trusted_proxies: Vec<cos_policy::IpNet>,
    /// Caller authentication, if configured (paths already resolved).
    pub(crate) auth: Option<AuthConfig>,
    /// How keys are made.
    pub(crate) issuer: IssuerConfig,
    /// CORS.
    pub(crate) cors: CorsConfig,
    /// Per-subject rate limit.
    pub(crate) rate_limit: RateLimitConfig,
    /// Per-IP and connection limits.
    pub(crate) limits: LimitsConfig,
    /// The audit log.
    pub(crate) audit: AuditConfig,
    /// Credential cache.
    pub(crate) cache: CacheConfig,
    /// The STS backend.
    pub(crate) sts: StsConfig,
    /// Shared state across instances (Redis), if configured.
    pub(crate) cluster: Option<crate::cluster::ClusterConfig>,
}

impl Settings {
    /// Reads and checks the configuration at `path`.
    ///
    /// ```
    /// assert!(cos_vending::Settings::load(std::path::Path::new("/nonexistent.toml")).is_err());
    /// ```
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Self::parse(&text, base).map_err(|error| match error {
            ConfigError::Syntax { message, .. } => ConfigError::Syntax {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// Parses and checks configuration text; relative paths are resolved against `base`.
    ///
    /// ```
    /// let bad = cos_vending::Settings::parse("bucket = \"nobucket\"\nregion = \"r\"", std::path::Path::new("."));
    /// assert!(bad.unwrap_err().to_string().contains("<name>-<APPID>"));
    /// ```
    pub fn parse(text: &str, base: &Path) -> Result<Self, ConfigError> {
        let file: FileConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: PathBuf::new(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        check(file, base)
    }

    /// The same settings answering in `format` by default (e.g. a command-line override).
    ///
    /// ```
    /// let s = cos_vending::Settings::parse("bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"", std::path::Path::new("."))
    ///     .unwrap()
    ///     .with_format(cos_vending::Format::Js);
    /// assert_eq!(s.format(), cos_vending::Format::Js);
    /// ```
    #[must_use]
    pub fn with_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// The roles, in file order.
    pub fn roles(&self) -> &[RoleSpec] {
        &self.roles
    }

    /// The default response shape.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The listen address in the file, if any.
    pub fn listen(&self) -> Option<SocketAddr> {
        self.listen
    }

    /// The `[auth]` section, if any.
    pub fn auth(&self) -> Option<&AuthConfig> {
        self.auth.as_ref()
    }

    /// The `[issuer]` section.
    pub fn issuer(&self) -> &IssuerConfig {
        &self.issuer
    }

    /// The `[sts]` section.
    pub fn sts(&self) -> &StsConfig {
        &self.sts
    }

    /// The `[cluster]` section, if any.
    pub fn cluster(&self) -> Option<&crate::cluster::ClusterConfig> {
        self.cluster.as_ref()
    }

    /// The per-subject `[rate_limit]` section.
    pub fn rate_limit(&self) -> &RateLimitConfig {
        &self.rate_limit
    }

    /// The `[cache]` section.
    pub fn cache(&self) -> &CacheConfig {
        &self.cache
    }

    /// The `[limits]` section.
    pub fn limits(&self) -> &LimitsConfig {
        &self.limits
    }

    /// The `[audit]` section.
    pub fn audit(&self) -> &AuditConfig {
        &self.audit
    }

    /// The `[cors]` section: the browser origins the service answers.
    pub fn cors(&self) -> &CorsConfig {
        &self.cors
    }

    /// The first role's bucket (for start-up messages and the emulator).
    pub fn bucket(&self) -> &str {
        self.roles.first().map_or("", |r| r.bucket.as_str())
    }

    /// The first role's region.
    pub fn region(&self) -> &str {
        self.roles.first().map_or("", |r| r.region.as_str())
    }

    /// Every bucket some role grants, once each.
    pub fn buckets(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for bucket in self.roles.iter().flat_map(|r| &r.buckets) {
            if !out.contains(&bucket.as_str()) {
                out.push(bucket);
            }
        }
        out
    }
}

fn invalid(message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(message.into())
}

/// A bucket name by COS's one rule (`cos_core::BucketName`): `<name>-<APPID>`.
fn check_bucket(bucket: &str) -> Result<(), ConfigError> {
    bucket
        .parse::<cos_core::BucketName>()
        .map(drop)
        .map_err(|error| invalid(error.to_string()))
}

/// A region by COS's one rule (`cos_core::Region`).
fn check_region(region: &str) -> Result<(), ConfigError> {
    region
        .parse::<cos_core::Region>()
        .map(drop)
        .map_err(|error| invalid(error.to_string()))
}

fn check_duration(what: &str, seconds: u64) -> Result<(), ConfigError> {
    if DURATION_RANGE.contains(&seconds) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} must be within {}..={}",
            DURATION_RANGE.start(),
            DURATION_RANGE.end()
        )))
    }
}

/// The top-level fields every role inherits.
struct Defaults<'a> {
    file: &'a FileConfig,
}

fn check_role(role: RoleFile, defaults: &Defaults<'_>) -> Result<RoleSpec, ConfigError> {
    let file = defaults.file;
    let name = role.name;
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(invalid(format!(
            "role name `{name}` must be 1 to 64 ASCII letters, digits, `-`, `_` or `.`"
        )));
    }
    let context = |e: ConfigError| match e {
        ConfigError::Invalid(message) if name != DEFAULT_ROLE => {
            ConfigError::Invalid(format!("role `{name}`: {message}"))
        }
        other => other,
    };
    let buckets = match (role.bucket, role.buckets) {
        (Some(_), Some(_)) => {
            return Err(invalid(format!(
                "role `{name}`: set `bucket` or `buckets`, not both"
            )));
        }
        (Some(one), None) => vec![one],
        (None, Some(many)) => many,
        (None, None) => file.bucket.clone().into_iter().collect(),
    };
    let Some(bucket) = buckets.first().cloned() else {
        return Err(invalid(format!(
            "role `{name}` has no bucket (and there is no top-level bucket)"
        )));
    };
    for one in &buckets {
        check_bucket(one).map_err(context)?;
    }
    let region = role.region.or_else(|| file.region.clone()).ok_or_else(|| {
        invalid(format!(
            "role `{name}` has no region (and there is no top-level region)"
        ))
    })?;
    check_region(&region).map_err(context)?;
    let duration = role.duration_seconds.unwrap_or(file.duration_seconds);
    check_duration("duration_seconds", duration).map_err(context)?;
    let max_duration = role
        .max_duration_seconds
        .or(file.max_duration_seconds)
        .unwrap_or(duration)
        .max(duration);
    check_duration("max_duration_seconds", max_duration).map_err(context)?;
    let actions = match role.actions.as_ref().or(file.actions.as_ref()) {
        None => cos_policy::preset::UPLOAD_ACTIONS.to_vec(),
        Some(names) => check_actions(names).map_err(context)?,
    };
    let template = role
        .prefix_template
        .as_deref()
        .unwrap_or(&file.prefix_template);
    let prefix = PrefixTemplate::parse(template)?;
    let conditions = role.conditions.unwrap_or_else(|| file.conditions.clone());
    check_conditions(&conditions, &actions).map_err(context)?;
    let keys = match role.keys.or_else(|| file.keys.clone()) {
        None => None,
        Some(keys) => Some(check_keys(keys, &actions).map_err(context)?),
    };
    for rule in &role.claims {
        rule.check()
            .map_err(|message| invalid(format!("role `{name}`: {message}")))?;
    }
    Ok(RoleSpec {
        name,
        claims: role.claims,
        bucket,
        buckets,
        region,
        duration_seconds: duration,
        max_duration_seconds: max_duration,
        actions,
        prefix,
        conditions,
        keys,
    })
}

fn check(mut file: FileConfig, base: &Path) -> Result<Settings, ConfigError> {
    let role_files = std::mem::take(&mut file.roles);
    let defaults = Defaults { file: &file };
    let mut roles = Vec::new();
    if role_files.is_empty() {
        roles.push(check_role(
            RoleFile {
                name: DEFAULT_ROLE.to_owned(),
                claims: Vec::new(),
                bucket: None,
                buckets: None,
                region: None,
                duration_seconds: None,
                max_duration_seconds: None,
                actions: None,
                prefix_template: None,
                conditions: None,
                keys: None,
            },
            &defaults,
        )?);
    } else {
        for role in role_files {
            if roles.iter().any(|r: &RoleSpec| r.name == role.name) {
                return Err(invalid(format!("role `{}` is defined twice", role.name)));
            }
            roles.push(check_role(role, &defaults)?);
        }
    }
    let default_role = match &file.default_role {
        Some(name) => {
            if !roles.iter().any(|r| &r.name == name) {
                return Err(invalid(format!("default_role `{name}` is not a role")));
            }
            name.clone()
        }
        None => roles.first().map(|r| r.name.clone()).unwrap_or_default(),
    };
    let auth = match file.auth.take() {
        None => None,
        Some(auth) => Some(check_auth(auth, base)?),
    };
    if !(file.rate_limit.requests_per_second.is_finite()
        && file.rate_limit.requests_per_second > 0.0)
        || file.rate_limit.burst == 0
    {
        return Err(invalid(
            "rate_limit.requests_per_second must be > 0 and rate_limit.burst >= 1",
        ));
    }
    check_limits(&file.limits)?;
    if file.cache.max_entries == 0 {
        return Err(invalid("cache.max_entries must be >= 1"));
    }
    for origin in &file.cors.allowed_origins {
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        let ok = origin == "*"
            || authority.is_some_and(|authority| {
                !authority.is_empty()
                    && !authority.ends_with(':')
                    && authority
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@'))
            });
        if !ok {
            return Err(invalid(format!(
                "cors origin `{origin}` must be `*` or `scheme://host[:port]` without a path"
            )));
        }
    }
    if let Some(endpoint) = &file.sts.endpoint {
        sts_client::Endpoint::custom(endpoint)
            .map_err(|e| invalid(format!("sts.endpoint: {e}")))?;
    }
    match file.issuer.kind {
        IssuerKind::Federation => {
            if file.issuer.role_arn.is_some() || file.issuer.external_id.is_some() {
                return Err(invalid(
                    "issuer.role_arn and issuer.external_id need issuer.kind = \"assume_role\"",
                ));
            }
        }
        IssuerKind::AssumeRole => {
            let arn = file.issuer.role_arn.as_deref().unwrap_or_default();
            if !arn.starts_with("qcs::cam::") || !arn.contains(":role") {
                return Err(invalid(
                    "issuer.kind = \"assume_role\" needs issuer.role_arn = \"qcs::cam::uin/<uin>:roleName/<name>\"",
                ));
            }
        }
    }
    let mut trusted_proxies = Vec::new();
    for proxy in &file.trusted_proxies {
        trusted_proxies.push(
            proxy
                .parse::<cos_policy::IpNet>()
                .map_err(|e| invalid(format!("trusted_proxies `{proxy}`: {e}")))?,
        );
    }
    let audit = AuditConfig {
        path: if file.audit.path == Path::new("-") {
            file.audit.path.clone()
        } else {
            resolve(base, &file.audit.path)
        },
        ..file.audit.clone()
    };
    Ok(Settings {
        roles,
        default_role,
        format: file.format,
        listen: file.listen,
        trusted_proxies,
        auth,
        issuer: file.issuer,
        cors: file.cors,
        rate_limit: file.rate_limit,
        limits: file.limits,
        audit,
        cache: file.cache,
        sts: file.sts,
        cluster: file.cluster.map(|c| c.check(base)).transpose()?,
    })
}

fn check_limits(limits: &LimitsConfig) -> Result<(), ConfigError> {
    let positive = |v: f64| v.is_finite() && v > 0.0 && v < 1.0e9;
    if !positive(limits.per_ip_requests_per_second) || limits.per_ip_burst == 0 {
        return Err(invalid(
            "limits.per_ip_requests_per_second must be > 0 and limits.per_ip_burst >= 1",
        ));
    }
    if limits.max_connections == 0 || limits.max_body_bytes == 0 {
        return Err(invalid(
            "limits.max_connections and limits.max_body_bytes must be >= 1",
        ));
    }
    for (name, value) in [
        ("header_timeout_seconds", limits.header_timeout_seconds),
        ("body_timeout_seconds", limits.body_timeout_seconds),
        ("request_timeout_seconds", limits.request_timeout_seconds),
    ] {
        if !positive(value) || value > 3600.0 {
            return Err(invalid(format!(
                "limits.{name} must be > 0 and at most 3600"
            )));
        }
    }
    Ok(())
}

/// The action names a configuration may grant: the object-level actions of the upload and
/// download presets (their conditions are placed so that multipart uploads still work).
pub(crate) fn grantable_actions() -> impl Iterator<Item = &'static str> {
    cos_policy::preset::UPLOAD_ACTIONS
        .iter()
        .chain(cos_policy::preset::DOWNLOAD_ACTIONS)
        .copied()
}

/// `PutObject`, `cos:PutObject` or `name/cos:PutObject` → the grantable `PutObject`.
pub(crate) fn grantable_action(name: &str) -> Option<&'static str> {
    let bare = name
        .strip_prefix("name/cos:")
        .or_else(|| name.strip_prefix("cos:"))
        .unwrap_or(name);
    grantable_actions().find(|known| *known == bare)
}

fn check_actions(names: &[String]) -> Result<Vec<&'static str>, ConfigError> {
    if names.is_empty() {
        return Err(invalid("actions must not be empty"));
    }
    let mut out = Vec::new();
    for name in names {
        let action = grantable_action(name).ok_or_else(|| {
            invalid(format!(
                "action `{name}` cannot be granted by `serve` (allowed: {})",
                grantable_actions().collect::<Vec<_>>().join(", ")
            ))
        })?;
        if !out.contains(&action) {
            out.push(action);
        }
    }
    Ok(out)
}

fn check_conditions(
    conditions: &ConditionsConfig,
    actions: &[&'static str],
) -> Result<(), ConfigError> {
    let uploads = actions
        .iter()
        .any(|a| matches!(*a, "PutObject" | "PostObject" | "InitiateMultipartUpload"));
    if conditions.content_type.is_some() && !uploads {
        return Err(invalid(
            "conditions.content_type needs an upload action (PutObject, PostObject or InitiateMultipartUpload)",
        ));
    }
    if let Some(content_type) = &conditions.content_type
        && (content_type.is_empty() || content_type.chars().any(char::is_control))
    {
        return Err(invalid("conditions.content_type must be a media type"));
    }
    if conditions.max_content_length.is_some()
        && !actions
            .iter()
            .any(|a| matches!(*a, "PutObject" | "PostObject" | "UploadPart"))
    {
        return Err(invalid(
            "conditions.max_content_length needs PutObject, PostObject or UploadPart",
        ));
    }
    for ip in &conditions.source_ip {
        ip.parse::<cos_policy::IpNet>()
            .map_err(|e| invalid(format!("conditions.source_ip `{ip}`: {e}")))?;
    }
    Ok(())
}

fn check_keys(keys: KeysConfig, actions: &[&'static str]) -> Result<KeysSettings, ConfigError> {
    if !actions
        .iter()
        .any(|a| cos_policy::preset::UPLOAD_ACTIONS.contains(a))
    {
        return Err(invalid("[keys] needs at least one upload action"));
    }
    let mut extensions = Vec::new();
    for ext in keys.extensions {
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        if !crate::template::is_safe_extension(&ext) {
            return Err(invalid(format!(
                "keys.extensions: `{ext}` must be 1 to 16 ASCII letters or digits"
            )));
        }
        extensions.push(ext);
    }
    Ok(KeysSettings {
        extensions,
        pattern: KeyPattern::parse(&keys.pattern)?,
    })
}

fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        base.join(path)
    }
}

fn check_auth(mut auth: AuthConfig, base: &Path) -> Result<AuthConfig, ConfigError> {
    match (&mut auth.jwt, &mut auth.bearer) {
        (Some(jwt), None) => {
            let names = jwt.algorithm_names();
            if names.is_empty() {
                return Err(invalid(
                    "auth.jwt needs `algorithm` (HS256, RS256 or ES256) or `algorithms`",
                ));
            }
            for name in &names {
                if !matches!(name.as_str(), "HS256" | "RS256" | "ES256") {
                    return Err(invalid(format!(
                        "auth.jwt.algorithm `{name}`: expected HS256, RS256 or ES256"
                    )));
                }
            }
            let hs = names.iter().any(|n| n == "HS256");
            let remote = jwt.jwks_url.is_some() || jwt.discovery_url.is_some();
            if hs {
                if names.len() != 1 {
                    return Err(invalid(
                        "auth.jwt: HS256 cannot be combined with another algorithm",
                    ));
                }
                if jwt.secret_file.is_some() == jwt.secret_env.is_some() {
                    return Err(invalid(
                        "auth.jwt with HS256 needs exactly one of secret_file and secret_env",
                    ));
                }
                if jwt.public_key_file.is_some() || remote {
                    return Err(invalid(
                        "auth.jwt.public_key_file, jwks_url and discovery_url are for RS256/ES256",
                    ));
                }
            } else {
                let sources = usize::from(jwt.public_key_file.is_some())
                    + usize::from(jwt.jwks_url.is_some())
                    + usize::from(jwt.discovery_url.is_some());
                if sources != 1 || jwt.secret_file.is_some() || jwt.secret_env.is_some() {
                    return Err(invalid(format!(
                        "auth.jwt with {} needs exactly one of public_key_file, jwks_url and discovery_url (and no secret)",
                        names.join("/")
                    )));
                }
                if jwt.public_key_file.is_some() && names.len() != 1 {
                    return Err(invalid(
                        "auth.jwt.public_key_file holds one key: name one algorithm",
                    ));
                }
                for url in [&jwt.jwks_url, &jwt.discovery_url].into_iter().flatten() {
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        return Err(invalid(format!("auth.jwt: `{url}` must be an http(s) URL")));
                    }
                }
                if !(jwt.jwks_min_refetch_seconds.is_finite()
                    && (0.0..=86_400.0).contains(&jwt.jwks_min_refetch_seconds))
                    || jwt.jwks_refresh_seconds == 0
                {
                    return Err(invalid(
                        "auth.jwt.jwks_min_refetch_seconds must be within 0..=86400 and jwks_refresh_seconds >= 1",
                    ));
                }
            }
            if jwt.issuer.is_empty() || jwt.audience.is_empty() || jwt.subject_claim.is_empty() {
                return Err(invalid(
                    "auth.jwt.issuer, audience and subject_claim must not be empty",
                ));
            }
            if jwt.leeway_seconds > 300 {
                return Err(invalid("auth.jwt.leeway_seconds must be at most 300"));
            }
            jwt.secret_file = jwt.secret_file.as_deref().map(|p| resolve(base, p));
            jwt.public_key_file = jwt.public_key_file.as_deref().map(|p| resolve(base, p));
        }
        (None, Some(bearer)) => {
            bearer.tokens_file = resolve(base, &bearer.tokens_file);
        }
        _ => {
            return Err(invalid(
                "[auth] needs exactly one of [auth.jwt] and [auth.bearer]",
            ));
        }
    }
    Ok(auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
"#;

    fn parse_ok(text: &str) -> Settings {
        Settings::parse(text, Path::new("/etc/cos-sts")).unwrap()
    }

    fn parse_err(text: &str) -> String {
        Settings::parse(text, Path::new("/etc/cos-sts"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn minimal_file_gets_safe_defaults() {
        let s = parse_ok(MINIMAL);
        let role = &s.roles()[0];
        assert_eq!(role.name(), DEFAULT_ROLE);
        assert_eq!(role.duration_seconds, 1800);
        assert_eq!(role.max_duration_seconds, 1800);
        assert_eq!(role.actions, cos_policy::preset::UPLOAD_ACTIONS);
        assert_eq!(role.prefix.render_str("alice"), "users/alice/");
        assert_eq!(
            s.format,
            Format::Sts,
            "the official sts-server.js shape by default"
        );
        assert!(s.auth.is_none());
        assert!(role.keys.is_none());
        assert_eq!(s.issuer.kind, IssuerKind::Federation);
        assert_eq!(s.limits, LimitsConfig::default());
        assert_eq!(s.limits.body_timeout(), Duration::from_secs(30));
        assert!(s.audit.enabled);
        assert!(s.cache.enabled);
        assert!(s.cors.allowed_origins.is_empty());
    }

    #[test]
    fn full_file_parses_and_resolves_paths() {
        let s = parse_ok(
            r#"
bucket = "examplebucket-1250000000"
region = "ap-beijing"
duration_seconds = 900
actions = ["name/cos:PutObject", "cos:GetObject", "UploadPart"]
prefix_template = "tenants/acme/{sub}/"
format = "v2"
listen = "0.0.0.0:9000"
[conditions]
content_type = "image/*"
max_content_length = 1024
https_only = true
source_ip = ["10.0.0.0/8"]
[keys]
extensions = [".PNG", "jpg"]
[auth.jwt]
algorithm = "RS256"
public_key_file = "keys/pub.pem"
issuer = "https://issuer.example"
audience = "cos"
[cors]
allowed_origins = ["http://localhost:3000"]
[rate_limit]
requests_per_second = 2.5
burst = 3
[sts]
endpoint = "http://127.0.0.1:9999"
"#,
        );
        let role = &s.roles()[0];
        assert_eq!(role.actions, ["PutObject", "GetObject", "UploadPart"]);
        assert_eq!(s.format, Format::Sts);
        assert_eq!(
            role.keys.as_ref().unwrap().extensions,
            ["png".to_owned(), "jpg".to_owned()]
        );
        let jwt = s.auth.unwrap().jwt.unwrap();
        assert_eq!(
            jwt.public_key_file.unwrap(),
            Path::new("/etc/cos-sts/keys/pub.pem")
        );
        assert_eq!(jwt.leeway_seconds, 30);
        assert_eq!(s.rate_limit.burst, 3);
    }

    #[test]
    fn mistakes_are_reported_clearly() {
        let cases = [
            (
                "bucket = \"nobucket\"\nregion = \"ap-guangzhou\"",
                "<name>-<APPID>",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nunknown = 1",
                "unknown",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nduration_seconds = 5",
                "duration_seconds",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nactions = [\"DeleteBucket\"]",
                "cannot be granted",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nprefix_template = \"users/*\"",
                "{sub}",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nactions = [\"GetObject\"]\n[conditions]\ncontent_type = \"image/png\"",
                "content_type",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[conditions]\nsource_ip = [\"nope\"]",
                "source_ip",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[auth]",
                "exactly one",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[auth.jwt]\nalgorithm = \"none\"\nissuer = \"i\"\naudience = \"a\"",
                "HS256, RS256 or ES256",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[auth.jwt]\nalgorithm = \"HS256\"\nissuer = \"i\"\naudience = \"a\"",
                "secret_file",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[rate_limit]\nburst = 0",
                "burst",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[cors]\nallowed_origins = [\"http://a/path\"]",
                "cors origin",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\n[keys]\nextensions = [\"p/ng\"]",
                "extensions",
            ),
            (
                "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nformat = \"xml\"",
                "format",
            ),
        ];
        for (text, needle) in cases {
            let message = parse_err(text);
            assert!(message.contains(needle), "{needle:?} not in {message:?}");
        }
    }

    #[test]
    fn missing_file_names_the_file() {
        let error = Settings::load(Path::new("/nonexistent/serve.toml")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/serve.toml"));
        assert!(!error.is_retryable());
    }
}
