//! The TOML configuration file of `cos-sts serve`, parsed and checked before anything starts.
//!
//! ```toml
//! bucket = "examplebucket-1250000000"
//! region = "ap-guangzhou"
//! duration_seconds = 1800
//! actions = ["PutObject", "PostObject", "InitiateMultipartUpload", "ListParts",
//!            "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload", "GetObject"]
//! prefix_template = "users/{sub}/*"
//! format = "js"                  # js (cos-js-sdk-v5 getAuthorization) | v2 | api
//! listen = "127.0.0.1:8080"
//!
//! [conditions]                   # all optional
//! content_type = "image/*"
//! max_content_length = 10485760
//! https_only = true
//! source_ip = ["10.0.0.0/8"]
//!
//! [keys]                         # optional: POST /sts/key chooses the object key
//! extensions = ["jpg", "png"]
//! pattern = "{prefix}{date}/{random}.{ext}"
//!
//! [auth.jwt]                     # or [auth.bearer] tokens_file = "tokens.txt"
//! algorithm = "RS256"            # or HS256 with secret_file / secret_env
//! public_key_file = "jwt-public.pem"
//! issuer = "https://login.example.com/"
//! audience = "cos-sts"
//! leeway_seconds = 30
//!
//! [cors]
//! allowed_origins = ["https://app.example.com"]
//!
//! [rate_limit]
//! requests_per_second = 5.0
//! burst = 20
//!
//! [cache]
//! refresh_before_expiry_seconds = 300
//!
//! [sts]                          # optional; credentials come from the provider chain
//! endpoint = "https://sts.tencentcloudapi.com"
//! ```
//!
//! Relative file paths are resolved against the configuration file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::shape::Format;
use super::template::{KeyPattern, PrefixTemplate, TemplateError};

/// The shortest and longest `duration_seconds` accepted.
const DURATION_RANGE: std::ops::RangeInclusive<u64> = 60..=129_600;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ConfigError {
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
    #[cfg_attr(not(test), allow(dead_code))] // the error convention; exercised by the tests
    pub(crate) fn is_retryable(&self) -> bool {
        false
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bucket: String,
    region: String,
    #[serde(default = "default_duration")]
    duration_seconds: u64,
    actions: Option<Vec<String>>,
    #[serde(default = "default_template")]
    prefix_template: String,
    #[serde(default)]
    format: Format,
    listen: Option<SocketAddr>,
    #[serde(default)]
    conditions: ConditionsConfig,
    keys: Option<KeysConfig>,
    auth: Option<AuthConfig>,
    #[serde(default)]
    cors: CorsConfig,
    #[serde(default)]
    rate_limit: RateLimitConfig,
    #[serde(default)]
    cache: CacheConfig,
    #[serde(default)]
    sts: StsConfig,
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
pub(crate) struct ConditionsConfig {
    /// Required `Content-Type` (`*` allowed, e.g. `image/*`).
    pub(crate) content_type: Option<String>,
    /// Largest simple upload / multipart part, in bytes.
    pub(crate) max_content_length: Option<u64>,
    /// Only HTTPS requests.
    #[serde(default)]
    pub(crate) https_only: bool,
    /// Allowed source addresses or CIDR blocks.
    #[serde(default)]
    pub(crate) source_ip: Vec<String>,
}

#[derive(Debug, Deserialize)]
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
pub(crate) struct AuthConfig {
    /// JSON Web Tokens.
    pub(crate) jwt: Option<JwtConfig>,
    /// Static bearer tokens.
    pub(crate) bearer: Option<BearerConfig>,
}

/// `[auth.jwt]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JwtConfig {
    /// `HS256` or `RS256`.
    pub(crate) algorithm: String,
    /// HS256: a file holding the shared secret.
    pub(crate) secret_file: Option<PathBuf>,
    /// HS256: an environment variable holding the shared secret.
    pub(crate) secret_env: Option<String>,
    /// RS256: the issuer's public key (PEM, SPKI or PKCS#1).
    pub(crate) public_key_file: Option<PathBuf>,
    /// Required `iss`.
    pub(crate) issuer: String,
    /// Required `aud` (one of).
    pub(crate) audience: String,
    /// Clock leeway for `exp`/`nbf`.
    #[serde(default = "default_leeway")]
    pub(crate) leeway_seconds: u64,
    /// The claim holding the identity.
    #[serde(default = "default_subject_claim")]
    pub(crate) subject_claim: String,
}

fn default_leeway() -> u64 {
    30
}

fn default_subject_claim() -> String {
    "sub".to_owned()
}

/// `[auth.bearer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BearerConfig {
    /// Lines `TOKEN SUBJECT`; `#` starts a comment.
    pub(crate) tokens_file: PathBuf,
}

/// `[cors]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CorsConfig {
    /// Exact origins (`https://app.example.com`), or `*`.
    #[serde(default)]
    pub(crate) allowed_origins: Vec<String>,
    /// `Access-Control-Max-Age` of preflight answers.
    #[serde(default = "default_max_age")]
    pub(crate) max_age_seconds: u64,
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

/// `[rate_limit]`: a token bucket per subject.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RateLimitConfig {
    /// Sustained rate.
    #[serde(default = "default_rps")]
    pub(crate) requests_per_second: f64,
    /// Bucket size.
    #[serde(default = "default_burst")]
    pub(crate) burst: u32,
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

/// `[cache]`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CacheConfig {
    /// Whether issued credentials are reused.
    #[serde(default = "default_true")]
    pub(crate) enabled: bool,
    /// A cached credential is replaced this long before it expires (at most half its
    /// lifetime).
    #[serde(default = "default_refresh_before")]
    pub(crate) refresh_before_expiry_seconds: u64,
    /// Most entries kept.
    #[serde(default = "default_max_entries")]
    pub(crate) max_entries: usize,
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
pub(crate) struct StsConfig {
    /// A custom STS base URL (default: `sts.tencentcloudapi.com`).
    pub(crate) endpoint: Option<String>,
    /// The API `Region` parameter (default: the bucket's region).
    pub(crate) region: Option<String>,
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
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// `<name>-<appid>`.
    pub(crate) bucket: String,
    /// The bucket's region.
    pub(crate) region: String,
    /// Requested key lifetime.
    pub(crate) duration_seconds: u64,
    /// Granted actions (names from the upload and download presets).
    pub(crate) actions: Vec<&'static str>,
    /// The per-user prefix.
    pub(crate) prefix: PrefixTemplate,
    /// Default response shape.
    pub(crate) format: Format,
    /// Listen address from the file.
    pub(crate) listen: Option<SocketAddr>,
    /// Policy conditions.
    pub(crate) conditions: ConditionsConfig,
    /// Server-chosen keys, if enabled.
    pub(crate) keys: Option<KeysSettings>,
    /// Caller authentication, if configured (paths already resolved).
    pub(crate) auth: Option<AuthConfig>,
    /// CORS.
    pub(crate) cors: CorsConfig,
    /// Per-subject rate limit.
    pub(crate) rate_limit: RateLimitConfig,
    /// Credential cache.
    pub(crate) cache: CacheConfig,
    /// The STS backend.
    pub(crate) sts: StsConfig,
}

/// Reads and checks the configuration at `path`.
pub(crate) fn load(path: &Path) -> Result<Settings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    parse(&text, base).map_err(|error| match error {
        ConfigError::Syntax { message, .. } => ConfigError::Syntax {
            path: path.to_owned(),
            message,
        },
        other => other,
    })
}

/// Parses and checks configuration text; relative paths are resolved against `base`.
pub(crate) fn parse(text: &str, base: &Path) -> Result<Settings, ConfigError> {
    let file: FileConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        path: PathBuf::new(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    check(file, base)
}

fn invalid(message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid(message.into())
}

fn check(file: FileConfig, base: &Path) -> Result<Settings, ConfigError> {
    let appid_ok = file.bucket.rsplit_once('-').is_some_and(|(name, appid)| {
        !name.is_empty() && !appid.is_empty() && appid.bytes().all(|b| b.is_ascii_digit())
    });
    if !appid_ok {
        return Err(invalid(format!(
            "bucket `{}` must be the full name `<name>-<appid>`",
            file.bucket
        )));
    }
    if file.region.is_empty()
        || !file
            .region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(format!("region `{}` is not a region", file.region)));
    }
    if !DURATION_RANGE.contains(&file.duration_seconds) {
        return Err(invalid(format!(
            "duration_seconds must be within {}..={}",
            DURATION_RANGE.start(),
            DURATION_RANGE.end()
        )));
    }
    let actions = match &file.actions {
        None => cos_policy::preset::UPLOAD_ACTIONS.to_vec(),
        Some(names) => check_actions(names)?,
    };
    let prefix = PrefixTemplate::parse(&file.prefix_template)?;
    check_conditions(&file.conditions, &actions)?;
    let keys = match file.keys {
        None => None,
        Some(keys) => Some(check_keys(keys, &actions)?),
    };
    let auth = match file.auth {
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
    Ok(Settings {
        bucket: file.bucket,
        region: file.region,
        duration_seconds: file.duration_seconds,
        actions,
        prefix,
        format: file.format,
        listen: file.listen,
        conditions: file.conditions,
        keys,
        auth,
        cors: file.cors,
        rate_limit: file.rate_limit,
        cache: file.cache,
        sts: file.sts,
    })
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
        if !super::template::is_safe_extension(&ext) {
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
            match jwt.algorithm.as_str() {
                "HS256" => {
                    if jwt.secret_file.is_some() == jwt.secret_env.is_some() {
                        return Err(invalid(
                            "auth.jwt with HS256 needs exactly one of secret_file and secret_env",
                        ));
                    }
                    if jwt.public_key_file.is_some() {
                        return Err(invalid("auth.jwt.public_key_file is for RS256"));
                    }
                }
                "RS256" => {
                    if jwt.public_key_file.is_none()
                        || jwt.secret_file.is_some()
                        || jwt.secret_env.is_some()
                    {
                        return Err(invalid(
                            "auth.jwt with RS256 needs public_key_file (and no secret)",
                        ));
                    }
                }
                other => {
                    return Err(invalid(format!(
                        "auth.jwt.algorithm `{other}`: expected HS256 or RS256"
                    )));
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
        parse(text, Path::new("/etc/cos-sts")).unwrap()
    }

    fn parse_err(text: &str) -> String {
        parse(text, Path::new("/etc/cos-sts"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn minimal_file_gets_safe_defaults() {
        let s = parse_ok(MINIMAL);
        assert_eq!(s.duration_seconds, 1800);
        assert_eq!(s.actions, cos_policy::preset::UPLOAD_ACTIONS);
        assert_eq!(s.prefix.render_str("alice"), "users/alice/");
        assert_eq!(s.format, Format::Js);
        assert!(s.auth.is_none());
        assert!(s.keys.is_none());
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
        assert_eq!(s.actions, ["PutObject", "GetObject", "UploadPart"]);
        assert_eq!(s.format, Format::V2);
        assert_eq!(
            s.keys.as_ref().unwrap().extensions,
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
                "<name>-<appid>",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\nunknown = 1",
                "unknown",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\nduration_seconds = 5",
                "duration_seconds",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\nactions = [\"DeleteBucket\"]",
                "cannot be granted",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\nprefix_template = \"users/*\"",
                "{sub}",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\nactions = [\"GetObject\"]\n[conditions]\ncontent_type = \"image/png\"",
                "content_type",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\n[conditions]\nsource_ip = [\"nope\"]",
                "source_ip",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\n[auth]",
                "exactly one",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\n[auth.jwt]\nalgorithm = \"none\"\nissuer = \"i\"\naudience = \"a\"",
                "HS256 or RS256",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\n[auth.jwt]\nalgorithm = \"HS256\"\nissuer = \"i\"\naudience = \"a\"",
                "secret_file",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\n[rate_limit]\nburst = 0",
                "burst",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\n[cors]\nallowed_origins = [\"http://a/path\"]",
                "cors origin",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\n[keys]\nextensions = [\"p/ng\"]",
                "extensions",
            ),
            (
                "bucket = \"b-1\"\nregion = \"ap-guangzhou\"\nformat = \"xml\"",
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
        let error = load(Path::new("/nonexistent/serve.toml")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/serve.toml"));
        assert!(!error.is_retryable());
    }
}
