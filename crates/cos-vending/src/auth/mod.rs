//! Who is calling: a JWT (HS256 or RS256, issuer and audience checked, `exp`/`nbf` with
//! leeway), a static bearer token from a file, or — only with `--insecure-no-auth` — nobody.
//!
//! Tokens, secrets and keys never appear in `Debug` output, errors or logs; bearer tokens are
//! kept only as SHA-256 digests.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use sha2::{Digest as _, Sha256};

use crate::config::{AuthConfig, BearerConfig, JwtConfig};
use crate::identity::{Identity, IdentityError, Subject};

mod jwks;

pub use jwks::JwksCache;
use jwks::KeySetSource;

/// The longest `Authorization` header accepted.
const MAX_AUTHORIZATION_BYTES: usize = 8 * 1024;

/// The shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash size).
const MIN_HS256_SECRET_BYTES: usize = 32;

/// The shortest static bearer token accepted.
const MIN_BEARER_TOKEN_CHARS: usize = 16;

/// The subject used with `--insecure-no-auth` when the request names none.
pub const ANONYMOUS: &str = "anonymous";

/// Why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthSetupError {
    /// Neither `[auth]` nor `--insecure-no-auth`.
    #[error(
        "no [auth] section in the configuration: configure [auth.jwt] or [auth.bearer], or pass \
         --insecure-no-auth for local use"
    )]
    NotConfigured,
    /// Both `[auth]` and `--insecure-no-auth`.
    #[error("--insecure-no-auth cannot be combined with an [auth] section")]
    Conflict,
    /// A key, secret or token file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A key, secret or token file is unusable (the message never contains its contents).
    #[error("{0}")]
    Invalid(String),
}

impl AuthSetupError {
    /// Only reading a file may succeed later.
    ///
    /// ```
    /// assert!(!cos_vending::AuthSetupError::NotConfigured.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Read { .. })
    }
}

/// Why a request is not authenticated (401), or its identity is unusable (403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization: Bearer …` header.
    #[error("missing `Authorization: Bearer <token>`")]
    Missing,
    /// The header is not a bearer token.
    #[error("the Authorization header is not `Bearer <token>`")]
    Malformed,
    /// The token is not a well-formed JWT of the configured algorithm.
    #[error("the token is not a valid JWT")]
    InvalidToken,
    /// The signature does not verify.
    #[error("the token's signature does not verify")]
    BadSignature,
    /// `exp` is past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iss` is not the configured issuer.
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    #[error("the token's audience is not accepted")]
    WrongAudience,
    /// A required claim is missing or not a string.
    #[error("the token lacks the `{0}` claim")]
    MissingClaim(String),
    /// The token's header lists critical extensions (`crit`), which this server does not
    /// implement.
    #[error(
        "the token's header lists critical extensions (`crit`) this server does not understand"
    )]
    UnsupportedCritical,
    /// No key of the issuer's key set has the token's `kid` (after refetching it, at most
    /// once per interval).
    #[error("the token's key (`kid`) is not in the issuer's key set")]
    UnknownKey,
    /// The issuer's key set could not be fetched.
    #[error("the issuer's key set is unavailable")]
    KeySetUnavailable,
    /// The bearer token is not in the tokens file.
    #[error("unknown bearer token")]
    UnknownToken,
    /// The identity would not make a safe key prefix.
    #[error("{0}")]
    Identity(#[from] IdentityError),
}

impl AuthError {
    /// Only an unavailable key set may succeed later.
    ///
    /// ```
    /// assert!(!cos_vending::AuthError::Expired.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::KeySetUnavailable)
    }

    /// 403 for an authenticated but unusable identity, 503 when the key set is unavailable,
    /// else 401.
    ///
    /// ```
    /// assert_eq!(cos_vending::AuthError::Missing.status(), 401);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            Self::Identity(_) => 403,
            Self::KeySetUnavailable => 503,
            _ => 401,
        }
    }

    /// A short machine-readable code.
    ///
    /// ```
    /// assert_eq!(cos_vending::AuthError::Missing.code(), "unauthorized");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Self::Identity(_) => "invalid_identity",
            Self::KeySetUnavailable => "key_set_unavailable",
            _ => "unauthorized",
        }
    }
}

/// How callers are authenticated.
///
/// ```
/// let auth = cos_vending::Authenticator::from_config(None, true).unwrap();
/// assert_eq!(auth.kind(), "none");
/// ```
pub enum Authenticator {
    /// JSON Web Tokens.
    Jwt(Box<JwtAuth>),
    /// Static bearer tokens.
    Bearer(BearerTokens),
    /// Nobody: the subject comes from the `sub` query parameter, else [`ANONYMOUS`].
    Insecure,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jwt(jwt) => f.debug_tuple("Jwt").field(jwt).finish(),
            Self::Bearer(bearer) => f.debug_tuple("Bearer").field(bearer).finish(),
            Self::Insecure => f.write_str("Insecure"),
        }
    }
}

impl Authenticator {
    /// From the configuration, or `--insecure-no-auth`.
    pub fn from_config(
        auth: Option<&AuthConfig>,
        insecure_no_auth: bool,
    ) -> Result<Self, AuthSetupError> {
        match (auth, insecure_no_auth) {
            (None, false) => Err(AuthSetupError::NotConfigured),
            (Some(_), true) => Err(AuthSetupError::Conflict),
            (None, true) => Ok(Self::Insecure),
            (Some(auth), false) => match (&auth.jwt, &auth.bearer) {
                (Some(jwt), _) => Ok(Self::Jwt(Box::new(JwtAuth::from_config(jwt)?))),
                (None, Some(bearer)) => Ok(Self::Bearer(BearerTokens::from_config(bearer)?)),
                (None, None) => Err(AuthSetupError::NotConfigured),
            },
        }
    }

    /// The caller's validated identity, from the `Authorization` header value (or, when
    /// insecure, the `sub` query parameter).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let auth = cos_vending::Authenticator::from_config(None, true).unwrap();
    /// let who = auth.authenticate(None, Some("alice")).await.unwrap();
    /// assert_eq!(who.subject().as_str(), "alice");
    /// # });
    /// ```
    pub async fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        query_sub: Option<&str>,
    ) -> Result<Identity, AuthError> {
        match self {
            Self::Insecure => Ok(Identity::new(Subject::parse(
                query_sub.unwrap_or(ANONYMOUS),
            )?)),
            Self::Jwt(jwt) => jwt.identity(bearer_token(authorization)?).await,
            Self::Bearer(tokens) => {
                Ok(Identity::new(tokens.subject(bearer_token(authorization)?)?))
            }
        }
    }

    /// The JWKS cache, when keys are fetched from the issuer.
    pub fn key_set(&self) -> Option<&Arc<JwksCache>> {
        match self {
            Self::Jwt(jwt) => jwt.key_set(),
            _ => None,
        }
    }

    /// A name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Jwt(_) => "jwt",
            Self::Bearer(_) => "bearer",
            Self::Insecure => "none",
        }
    }
}

/// The token of `Authorization: Bearer <token>`.
fn bearer_token(header: Option<&[u8]>) -> Result<&str, AuthError> {
    let header = header.ok_or(AuthError::Missing)?;
    if header.len() > MAX_AUTHORIZATION_BYTES {
        return Err(AuthError::Malformed);
    }
    let text = std::str::from_utf8(header).map_err(|_| AuthError::Malformed)?;
    let (scheme, token) = text.split_once(' ').ok_or(AuthError::Malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer")
        || token.is_empty()
        || !token.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(AuthError::Malformed);
    }
    Ok(token)
}

fn read(path: &Path) -> Result<Vec<u8>, AuthSetupError> {
    std::fs::read(path).map_err(|source| AuthSetupError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Where verification keys come from.
enum Keys {
    /// One key from the configuration (HS256 secret, or an RS256/ES256 PEM).
    Static(DecodingKey),
    /// A JSON Web Key Set, fetched and refreshed.
    Remote(Arc<JwksCache>),
}

/// JWT verification settings.
pub struct JwtAuth {
    keys: Keys,
    validation: Validation,
    claim: String,
}

impl fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuth")
            .field("algorithms", &self.validation.algorithms)
            .field("issuer", &self.validation.iss)
            .field("audience", &self.validation.aud)
            .field("leeway", &self.validation.leeway)
            .field("claim", &self.claim)
            .field(
                "keys",
                &match &self.keys {
                    Keys::Static(_) => "<redacted>".to_owned(),
                    Keys::Remote(jwks) => format!("{jwks:?}"),
                },
            )
            .finish()
    }
}

fn algorithm(name: &str) -> Result<Algorithm, AuthSetupError> {
    match name {
        "HS256" => Ok(Algorithm::HS256),
        "RS256" => Ok(Algorithm::RS256),
        "ES256" => Ok(Algorithm::ES256),
        other => Err(AuthSetupError::Invalid(format!(
            "auth.jwt.algorithm `{other}`: expected HS256, RS256 or ES256"
        ))),
    }
}

impl JwtAuth {
    /// Reads the key or secret (or prepares the key set) and prepares validation.
    pub(crate) fn from_config(config: &JwtConfig) -> Result<Self, AuthSetupError> {
        let algorithms = config
            .algorithm_names()
            .iter()
            .map(|name| algorithm(name))
            .collect::<Result<Vec<_>, _>>()?;
        let first = *algorithms.first().ok_or_else(|| {
            AuthSetupError::Invalid("auth.jwt: no algorithm is configured".into())
        })?;
        let keys = if first == Algorithm::HS256 {
            let mut secret = match (&config.secret_file, &config.secret_env) {
                (Some(path), _) => read(path)?,
                (None, Some(var)) => std::env::var(var)
                    .map_err(|_| {
                        AuthSetupError::Invalid(format!(
                            "auth.jwt.secret_env: the environment variable `{var}` is not set"
                        ))
                    })?
                    .into_bytes(),
                (None, None) => {
                    return Err(AuthSetupError::Invalid(
                        "auth.jwt: HS256 needs secret_file or secret_env".into(),
                    ));
                }
            };
            while secret.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                secret.pop();
            }
            if secret.len() < MIN_HS256_SECRET_BYTES {
                return Err(AuthSetupError::Invalid(format!(
                    "auth.jwt: the HS256 secret must be at least {MIN_HS256_SECRET_BYTES} bytes"
                )));
            }
            Keys::Static(DecodingKey::from_secret(&secret))
        } else if let Some(path) = &config.public_key_file {
            let pem = read(path)?;
            let key = match first {
                Algorithm::ES256 => DecodingKey::from_ec_pem(&pem),
                _ => DecodingKey::from_rsa_pem(&pem),
            }
            .map_err(|_| {
                AuthSetupError::Invalid(format!(
                    "auth.jwt.public_key_file `{}` is not a {first:?} public key in PEM",
                    path.display()
                ))
            })?;
            Keys::Static(key)
        } else {
            let source = match (&config.jwks_url, &config.discovery_url) {
                (Some(url), _) => KeySetSource::Jwks(url.clone()),
                (None, Some(url)) => KeySetSource::Discovery(url.clone()),
                (None, None) => {
                    return Err(AuthSetupError::Invalid(
                        "auth.jwt needs public_key_file, jwks_url or discovery_url".into(),
                    ));
                }
            };
            Keys::Remote(Arc::new(
                JwksCache::new(
                    source,
                    algorithms.clone(),
                    Duration::from_secs_f64(config.jwks_min_refetch_seconds),
                    Duration::from_secs(config.jwks_refresh_seconds),
                )
                .map_err(|e| AuthSetupError::Invalid(e.to_string()))?,
            ))
        };
        let mut validation = Validation::new(first);
        validation.algorithms = algorithms;
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = config.leeway_seconds;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        Ok(Self {
            keys,
            validation,
            claim: config.subject_claim.clone(),
        })
    }

    /// The key set, when keys are fetched.
    pub(crate) fn key_set(&self) -> Option<&Arc<JwksCache>> {
        match &self.keys {
            Keys::Remote(jwks) => Some(jwks),
            Keys::Static(_) => None,
        }
    }

    async fn identity(&self, token: &str) -> Result<Identity, AuthError> {
        let header = TokenHeader::parse(token)?;
        let key = match &self.keys {
            Keys::Static(key) => key.clone(),
            Keys::Remote(jwks) => jwks.key(header.kid.as_deref(), header.alg).await?,
        };
        // jsonwebtoken wants every accepted algorithm to suit the key: with several, check
        // this token against its own (already known to be accepted) algorithm only.
        let narrowed;
        let validation = if self.validation.algorithms.len() > 1 {
            if !self.validation.algorithms.contains(&header.alg) {
                return Err(AuthError::InvalidToken);
            }
            let mut one = self.validation.clone();
            one.algorithms = vec![header.alg];
            narrowed = one;
            &narrowed
        } else {
            &self.validation
        };
        let data = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(
            token, &key, validation,
        )
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
            ErrorKind::InvalidAudience => AuthError::WrongAudience,
            ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
            _ => AuthError::InvalidToken,
        })?;
        // jsonwebtoken accepts an `iss` array that contains the issuer; RFC 7519 §4.1.1 makes
        // `iss` one StringOrURI, and an array is a token minted for several issuers at once.
        if !data
            .claims
            .get("iss")
            .is_some_and(serde_json::Value::is_string)
        {
            return Err(AuthError::WrongIssuer);
        }
        let subject = data
            .claims
            .get(&self.claim)
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| AuthError::MissingClaim(self.claim.clone()))?;
        let subject = Subject::parse(subject)?;
        Ok(Identity::new(subject).with_claims(data.claims))
    }
}

/// Checks a token's header as [`JwtAuth`] does (for the fuzz entry point).
pub(crate) fn parse_token_header(token: &str) -> Result<(), AuthError> {
    TokenHeader::parse(token).map(|_| ())
}

/// The parts of a JWT header checked before any key is looked up.
struct TokenHeader {
    alg: Algorithm,
    kid: Option<String>,
}

impl TokenHeader {
    /// Decodes the header; refuses `crit` (RFC 7515 §4.1.11: a recipient that does not
    /// understand a listed extension must reject the token, and this server understands none).
    fn parse(token: &str) -> Result<Self, AuthError> {
        use base64::Engine as _;
        let encoded = token.split('.').next().unwrap_or_default();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| AuthError::InvalidToken)?;
        let header: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes).map_err(|_| AuthError::InvalidToken)?;
        if header.contains_key("crit") {
            return Err(AuthError::UnsupportedCritical);
        }
        let alg = match header.get("alg").and_then(serde_json::Value::as_str) {
            Some("HS256") => Algorithm::HS256,
            Some("RS256") => Algorithm::RS256,
            Some("ES256") => Algorithm::ES256,
            _ => return Err(AuthError::InvalidToken),
        };
        let kid = match header.get("kid") {
            None => None,
            Some(serde_json::Value::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(AuthError::InvalidToken),
        };
        Ok(Self { alg, kid })
    }
}

/// Static bearer tokens, kept as SHA-256 digests.
pub struct BearerTokens {
    subjects: HashMap<[u8; 32], Subject>,
}

impl fmt::Debug for BearerTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerTokens")
            .field("tokens", &self.subjects.len())
            .finish()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl BearerTokens {
    /// Reads the tokens file.
    pub(crate) fn from_config(config: &BearerConfig) -> Result<Self, AuthSetupError> {
        let bytes = read(&config.tokens_file)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            AuthSetupError::Invalid(format!(
                "auth.bearer.tokens_file `{}` is not UTF-8",
                config.tokens_file.display()
            ))
        })?;
        Self::parse(&text).map_err(|message| {
            AuthSetupError::Invalid(format!(
                "auth.bearer.tokens_file `{}`: {message}",
                config.tokens_file.display()
            ))
        })
    }

    /// Parses `TOKEN SUBJECT` lines; blank lines and `#` comments are skipped. Messages name
    /// line numbers, never tokens.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let mut subjects = HashMap::new();
        for (number, line) in (1_usize..).zip(text.lines()) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(token), Some(subject), None) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(format!("line {number}: expected `TOKEN SUBJECT`"));
            };
            if token.chars().count() < MIN_BEARER_TOKEN_CHARS {
                return Err(format!(
                    "line {number}: tokens must be at least {MIN_BEARER_TOKEN_CHARS} characters"
                ));
            }
            let subject = Subject::parse(subject).map_err(|e| format!("line {number}: {e}"))?;
            if subjects.insert(digest(token), subject).is_some() {
                return Err(format!("line {number}: the token is listed twice"));
            }
        }
        if subjects.is_empty() {
            return Err("no tokens".into());
        }
        Ok(Self { subjects })
    }

    fn subject(&self, token: &str) -> Result<Subject, AuthError> {
        self.subjects
            .get(&digest(token))
            .cloned()
            .ok_or(AuthError::UnknownToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test-secret";

    fn now() -> u64 {
        jsonwebtoken::get_current_timestamp()
    }

    fn hs256_config(
        path: std::path::PathBuf,
        issuer: &str,
        audience: &str,
        leeway_seconds: u64,
    ) -> JwtConfig {
        JwtConfig {
            algorithm: Some("HS256".into()),
            algorithms: Vec::new(),
            jwks_url: None,
            discovery_url: None,
            jwks_min_refetch_seconds: 60.0,
            jwks_refresh_seconds: 3600,
            secret_file: Some(path),
            secret_env: None,
            public_key_file: None,
            issuer: issuer.into(),
            audience: audience.into(),
            leeway_seconds,
            subject_claim: "sub".into(),
        }
    }

    fn hs256() -> Authenticator {
        let dir = std::env::temp_dir().join(format!("cos-sts-auth-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(format!("secret-{n}"));
        std::fs::write(&path, format!("{SECRET}\n")).unwrap();
        let config = hs256_config(path, "https://issuer.test", "cos-sts", 5);
        Authenticator::from_config(
            Some(&AuthConfig {
                jwt: Some(config),
                bearer: None,
            }),
            false,
        )
        .unwrap()
    }

    fn token(claims: serde_json::Value, secret: &str) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn good_claims() -> serde_json::Value {
        json!({"sub":"alice","iss":"https://issuer.test","aud":"cos-sts","exp":now()+600})
    }

    fn authn(
        a: &Authenticator,
        header: Option<&[u8]>,
        sub: Option<&str>,
    ) -> Result<Subject, AuthError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(a.authenticate(header, sub))
            .map(|identity| identity.subject().clone())
    }

    fn auth(a: &Authenticator, token: &str) -> Result<Subject, AuthError> {
        authn(a, Some(format!("Bearer {token}").as_bytes()), None)
    }

    #[test]
    fn hs256_tokens_are_checked() {
        let a = hs256();
        assert_eq!(a.kind(), "jwt");
        assert_eq!(
            auth(&a, &token(good_claims(), SECRET)).unwrap().as_str(),
            "alice"
        );
        let mut list_aud = good_claims();
        list_aud["aud"] = json!(["other", "cos-sts"]);
        assert!(auth(&a, &token(list_aud, SECRET)).is_ok());
        let cases = [
            ("aud", json!("other"), AuthError::WrongAudience),
            ("iss", json!("https://evil.test"), AuthError::WrongIssuer),
            ("exp", json!(now() - 60), AuthError::Expired),
            ("nbf", json!(now() + 60), AuthError::NotYetValid),
            (
                "sub",
                json!("../bob"),
                AuthError::Identity(IdentityError::ForbiddenCharacter),
            ),
            ("sub", json!(42), AuthError::MissingClaim("sub".into())),
        ];
        for (claim, value, expected) in cases {
            let mut claims = good_claims();
            claims[claim] = value;
            assert_eq!(
                auth(&a, &token(claims, SECRET)),
                Err(expected.clone()),
                "{claim}"
            );
            let status = if matches!(expected, AuthError::Identity(_)) {
                403
            } else {
                401
            };
            assert_eq!(expected.status(), status);
        }
        // Within the leeway.
        let mut recent = good_claims();
        recent["exp"] = json!(now() - 2);
        assert!(auth(&a, &token(recent, SECRET)).is_ok());
        let mut no_exp = good_claims();
        no_exp.as_object_mut().unwrap().remove("exp");
        assert_eq!(
            auth(&a, &token(no_exp, SECRET)),
            Err(AuthError::MissingClaim("exp".into()))
        );
        assert_eq!(
            auth(
                &a,
                &token(good_claims(), "another-secret-another-secret-xx")
            ),
            Err(AuthError::BadSignature)
        );
        assert_eq!(auth(&a, "not.a.jwt"), Err(AuthError::InvalidToken));
        assert!(!AuthError::InvalidToken.is_retryable());
        assert_eq!(authn(&a, None, Some("alice")), Err(AuthError::Missing));
        assert_eq!(
            authn(&a, Some(b"Basic abc"), None),
            Err(AuthError::Malformed)
        );
        assert_eq!(authn(&a, Some(b"Bearer "), None), Err(AuthError::Malformed));
        let huge = format!("Bearer {}", "a".repeat(MAX_AUTHORIZATION_BYTES));
        assert_eq!(
            authn(&a, Some(huge.as_bytes()), None),
            Err(AuthError::Malformed)
        );
    }

    #[test]
    fn alg_none_and_other_algorithms_are_refused() {
        let a = hs256();
        // {"alg":"none"} . claims . empty signature
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let unsigned = format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(good_claims().to_string())
        );
        assert!(auth(&a, &unsigned).is_err());
        let hs384 = encode(
            &Header::new(Algorithm::HS384),
            &good_claims(),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert_eq!(auth(&a, &hs384), Err(AuthError::InvalidToken));
    }

    #[test]
    fn bearer_tokens_file() {
        let tokens = BearerTokens::parse(
            "# comment\n\nalice-token-0123456789 alice\n  bob-token-0123456789   bob  \n",
        )
        .unwrap();
        let a = Authenticator::Bearer(tokens);
        assert_eq!(
            auth(&a, "alice-token-0123456789").unwrap().as_str(),
            "alice"
        );
        assert_eq!(auth(&a, "bob-token-0123456789").unwrap().as_str(), "bob");
        assert_eq!(
            auth(&a, "mallory-token-01234"),
            Err(AuthError::UnknownToken)
        );
        let debug = format!("{a:?}");
        assert!(!debug.contains("alice-token"), "{debug}");
        for (text, needle) in [
            ("short alice", "at least"),
            ("alice-token-0123456789", "expected"),
            ("alice-token-0123456789 a/b", "line 1"),
            (
                "alice-token-0123456789 a\nalice-token-0123456789 b",
                "twice",
            ),
            ("# nothing", "no tokens"),
        ] {
            let message = BearerTokens::parse(text).unwrap_err();
            assert!(message.contains(needle), "{needle} not in {message}");
            assert!(!message.contains("alice-token"), "{message}");
        }
    }

    #[test]
    fn insecure_mode_and_setup_errors() {
        let a = Authenticator::from_config(None, true).unwrap();
        assert_eq!(authn(&a, None, None).unwrap().as_str(), ANONYMOUS);
        assert_eq!(authn(&a, None, Some("bob")).unwrap().as_str(), "bob");
        assert_eq!(
            authn(&a, None, Some("..")),
            Err(AuthError::Identity(IdentityError::DotSegment))
        );
        assert!(matches!(
            Authenticator::from_config(None, false),
            Err(AuthSetupError::NotConfigured)
        ));
        let bearer = AuthConfig {
            jwt: None,
            bearer: Some(BearerConfig {
                tokens_file: "/nonexistent/tokens".into(),
            }),
        };
        assert!(matches!(
            Authenticator::from_config(Some(&bearer), true),
            Err(AuthSetupError::Conflict)
        ));
        let missing = Authenticator::from_config(Some(&bearer), false).unwrap_err();
        assert!(missing.is_retryable());
        assert!(missing.to_string().contains("/nonexistent/tokens"));
    }

    #[test]
    fn short_hs256_secrets_are_refused_without_echoing_them() {
        let dir = std::env::temp_dir().join(format!("cos-sts-auth-short-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "tiny-secret-value").unwrap();
        let config = hs256_config(path, "i", "a", 0);
        let error = JwtAuth::from_config(&config).unwrap_err();
        assert!(error.to_string().contains("at least 32"));
        assert!(!error.to_string().contains("tiny-secret-value"));
    }

    #[test]
    fn debug_output_holds_no_secret() {
        let a = hs256();
        let debug = format!("{a:?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(!debug.contains(&SECRET[..16]), "{debug}");
        assert!(debug.contains("redacted"));
    }
}
