//! Routing and the request handlers.
//!
//! | route | what |
//! |---|---|
//! | `GET /healthz` | `{"status":"ok"}` |
//! | `GET /sts`, `POST /sts` | a key for the caller's prefix; a POST body holding the JS SDK's `Scope` list narrows it to those keys (403 when outside the prefix) |
//! | `GET /sts/key?ext=png`, `POST …` | the server chooses a key under the caller's prefix and grants uploads of exactly it (with `[keys]`) |
//! | `OPTIONS *` | CORS preflight |
//!
//! `?format=js|v2|api` chooses the response shape. Errors are JSON
//! `{"error": "<code>", "message": "…"}`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use serde_json::{Value, json};

use super::auth::Authenticator;
use super::backend::Backend;
use super::cache::{CacheKey, CredentialCache, Lookup};
use super::config::Settings;
use super::cors::{Cors, Preflight};
use super::grant::{GrantError, Grants, Target};
use super::identity::Subject;
use super::rate_limit::RateLimiter;
use super::scope::{self, Allowed};
use super::shape::{self, ChosenKey, Format};
use super::template::is_safe_extension;

/// The largest request body read (a scope list of [`scope::MAX_SCOPES`] entries fits).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything a request needs.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The checked configuration.
    pub(crate) settings: Settings,
    /// What may be granted.
    pub(crate) grants: Grants,
    /// Caller authentication.
    pub(crate) auth: Authenticator,
    /// Issued credentials.
    pub(crate) cache: CredentialCache,
    /// Per-subject rate limit.
    pub(crate) limiter: RateLimiter,
    /// CORS.
    pub(crate) cors: Cors,
    /// STS.
    pub(crate) backend: Backend,
    /// The default response shape.
    pub(crate) format: Format,
}

impl AppState {
    /// Assembles the state; the policy template is built once for a sample subject so that a
    /// configuration that cannot produce a valid policy fails at start-up.
    pub(crate) fn new(
        settings: Settings,
        auth: Authenticator,
        backend: Backend,
        format: Format,
    ) -> Result<Self, GrantError> {
        let grants = Grants::new(&settings);
        grants.for_prefix(&settings.prefix.render_str("probe"))?;
        Ok(Self {
            grants,
            auth,
            cache: CredentialCache::new(
                settings.cache.enabled,
                settings.cache.refresh_before_expiry_seconds,
                settings.cache.max_entries,
            ),
            limiter: RateLimiter::new(
                settings.rate_limit.requests_per_second,
                settings.rate_limit.burst,
            ),
            cors: Cors::new(&settings.cors),
            backend,
            format,
            settings,
        })
    }
}

/// What a handler produced, before it becomes a response.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    body: Value,
    headers: HeaderMap,
    subject: Option<String>,
    lookup: Option<Lookup>,
    error: Option<&'static str>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            headers: HeaderMap::new(),
            subject: None,
            lookup: None,
            error: None,
        }
    }

    fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({"error": code, "message": message.into()}),
            headers: HeaderMap::new(),
            subject: None,
            lookup: None,
            error: Some(code),
        }
    }

    fn for_subject(mut self, subject: &Subject) -> Self {
        self.subject = Some(subject.as_str().to_owned());
        self
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// One query parameter, percent-decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| {
            percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned()
        })
}

/// Handles one request and logs it (never its headers, query or body).
pub(crate) async fn handle<B>(
    state: Arc<AppState>,
    remote: SocketAddr,
    request: Request<B>,
) -> Response<Full<Bytes>>
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let origin = request.headers().get(header::ORIGIN).cloned();
    let preflight = method == Method::OPTIONS;
    let reply = route(&state, request).await;
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        target: "cos_sts::serve",
        method = %method,
        path = %path,
        status = reply.status.as_u16(),
        subject = reply.subject.as_deref().unwrap_or("-"),
        cache = reply.lookup.map_or("-", Lookup::as_str),
        error = reply.error.unwrap_or("-"),
        remote = %remote.ip(),
        latency_us,
        "request"
    );
    let mut response = Response::new(Full::new(Bytes::from(reply.body.to_string())));
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for (name, value) in &reply.headers {
        headers.append(name.clone(), value.clone());
    }
    if !preflight {
        state.cors.apply(origin.as_ref(), headers);
    }
    response
}

async fn route<B>(state: &AppState, request: Request<B>) -> Reply
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let path = request.uri().path();
    let known = matches!(path, "/healthz" | "/sts" | "/sts/key");
    match (request.method(), path) {
        (&Method::OPTIONS, _) => match state.cors.preflight(request.headers()) {
            Preflight::Allowed(headers) => Reply {
                status: StatusCode::NO_CONTENT,
                body: Value::Null,
                headers,
                subject: None,
                lookup: None,
                error: None,
            },
            Preflight::Refused(why) => Reply::error(StatusCode::FORBIDDEN, "cors_refused", why),
        },
        (&Method::GET, "/healthz") => Reply::ok(json!({"status": "ok"})),
        (&Method::GET | &Method::POST, "/sts") => credentials(state, request, false).await,
        (&Method::GET | &Method::POST, "/sts/key") => credentials(state, request, true).await,
        _ if known => {
            let mut reply = Reply::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "use GET or POST (GET for /healthz)",
            );
            reply.headers.insert(
                header::ALLOW,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            reply
        }
        _ => Reply::error(
            StatusCode::NOT_FOUND,
            "not_found",
            "routes: GET /healthz, GET|POST /sts, GET|POST /sts/key",
        ),
    }
}

/// Why no credential was issued.
#[derive(Debug, thiserror::Error)]
enum IssueError {
    #[error(transparent)]
    Grant(#[from] GrantError),
    #[error(transparent)]
    Sts(#[from] sts_client::StsError),
}

impl IssueError {
    fn reply(&self) -> Reply {
        match self {
            Self::Grant(error) => {
                tracing::error!(target: "cos_sts::serve", %error, "cannot build the policy");
                Reply::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "policy_error",
                    "the server could not build a valid policy for this request",
                )
            }
            Self::Sts(error) => {
                tracing::warn!(target: "cos_sts::serve", %error, retryable = error.is_retryable(), "STS call failed");
                let status = if error.is_retryable() {
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::BAD_GATEWAY
                };
                Reply::error(
                    status,
                    "sts_error",
                    "the STS call failed; see the server log",
                )
            }
        }
    }
}

async fn credentials<B>(state: &AppState, request: Request<B>, chosen_key: bool) -> Reply
where
    B: hyper::body::Body<Data = Bytes> + Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    let query = request.uri().query().unwrap_or_default().to_owned();
    let format = match query_param(&query, "format") {
        None => state.format,
        Some(name) => match Format::from_name(&name) {
            Some(format) => format,
            None => {
                return Reply::error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "format must be js, v2 or api",
                );
            }
        },
    };
    let subject = match state.auth.authenticate(
        request
            .headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes),
        query_param(&query, "sub").as_deref(),
    ) {
        Ok(subject) => subject,
        Err(error) => {
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let mut reply = Reply::error(status, error.code(), error.to_string());
            if status == StatusCode::UNAUTHORIZED {
                reply.headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"cos-sts\""),
                );
            }
            return reply;
        }
    };
    if let Err(wait) = state.limiter.check(subject.as_str(), Instant::now()) {
        let mut reply = Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests for this identity; retry later",
        )
        .for_subject(&subject);
        let secs = wait.max(Duration::from_secs(1)).as_secs_f64().ceil();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        reply
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(secs as u64));
        return reply;
    }
    let prefix = state.settings.prefix.render(&subject);
    let reply = if chosen_key {
        server_chosen_key(state, &query, &prefix, format).await
    } else {
        let is_post = request.method() == Method::POST;
        let body = if is_post {
            match Limited::new(request.into_body(), MAX_BODY_BYTES)
                .collect()
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(_) => {
                    return Reply::error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "bad_request",
                        format!("the body is unreadable or larger than {MAX_BODY_BYTES} bytes"),
                    )
                    .for_subject(&subject);
                }
            }
        } else {
            Bytes::new()
        };
        scoped_or_prefix(state, &subject, &prefix, &body, format).await
    };
    reply.for_subject(&subject)
}

/// The canonical cache description of checked targets.
fn canonical_scope(targets: &[Target]) -> String {
    let mut parts: Vec<String> = targets
        .iter()
        .map(|t| {
            let mut actions = t.actions.clone();
            actions.sort_unstable();
            format!("{}\u{1}{}", t.key, actions.join(","))
        })
        .collect();
    parts.sort();
    parts.join("\u{0}")
}

async fn scoped_or_prefix(
    state: &AppState,
    subject: &Subject,
    prefix: &str,
    body: &[u8],
    format: Format,
) -> Reply {
    let targets = match scope::parse_body(body) {
        Ok(None) => None,
        Ok(Some(list)) => {
            let allowed = Allowed {
                bucket: &state.settings.bucket,
                region: &state.settings.region,
                actions: state.grants.actions(),
                prefix,
            };
            match scope::check(&list, allowed) {
                Ok(targets) => Some(targets),
                Err(error) => {
                    let (status, code) = if error.is_denial() {
                        (StatusCode::FORBIDDEN, "scope_denied")
                    } else {
                        (StatusCode::BAD_REQUEST, "bad_request")
                    };
                    return Reply::error(status, code, error.to_string());
                }
            }
        }
        Err(error) => {
            let status = if error.is_denial() {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::BAD_REQUEST
            };
            return Reply::error(status, "bad_request", error.to_string());
        }
    };
    let key = CacheKey {
        subject: subject.as_str().to_owned(),
        scope: targets
            .as_deref()
            .map_or_else(|| "*".to_owned(), canonical_scope),
    };
    let issue = || async {
        let policy = match &targets {
            None => state.grants.for_prefix(prefix)?,
            Some(targets) => state.grants.for_targets(prefix, targets)?,
        };
        Ok::<_, IssueError>(
            state
                .backend
                .issue(policy, state.settings.duration_seconds)
                .await?,
        )
    };
    match state.cache.get_or_issue(key, unix_now, issue).await {
        Ok((issued, lookup)) => {
            let mut reply = Reply::ok(shape::render(&issued, format, None));
            reply.lookup = Some(lookup);
            reply
        }
        Err(error) => error.reply(),
    }
}

async fn server_chosen_key(state: &AppState, query: &str, prefix: &str, format: Format) -> Reply {
    let Some(keys) = &state.settings.keys else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            "not_found",
            "server-chosen keys are not enabled (add [keys] to the configuration)",
        );
    };
    let ext = query_param(query, "ext")
        .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
        .unwrap_or_default();
    if keys.pattern.uses_extension() {
        if !is_safe_extension(&ext) {
            return Reply::error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "`ext` must be 1 to 16 ASCII letters or digits",
            );
        }
        if !keys.extensions.is_empty() && !keys.extensions.contains(&ext) {
            return Reply::error(
                StatusCode::FORBIDDEN,
                "extension_denied",
                format!(
                    "extension not allowed (allowed: {})",
                    keys.extensions.join(", ")
                ),
            );
        }
    }
    let key = keys.pattern.render(prefix, unix_now(), &ext);
    let issued = async {
        let policy = state.grants.for_key(prefix, &key)?;
        Ok::<_, IssueError>(
            state
                .backend
                .issue(policy, state.settings.duration_seconds)
                .await?,
        )
    }
    .await;
    match issued {
        Ok(issued) => {
            let chosen = ChosenKey {
                bucket: &state.settings.bucket,
                region: &state.settings.region,
                key: &key,
            };
            let mut reply = Reply::ok(shape::render(&issued, format, Some(&chosen)));
            reply.lookup = Some(Lookup::Bypass);
            reply
        }
        Err(error) => error.reply(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_of_the_state_holds_no_secret() {
        let settings = super::super::config::parse(
            "bucket = \"examplebucket-1250000000\"\nregion = \"ap-guangzhou\"\n",
            std::path::Path::new("."),
        )
        .unwrap();
        let backend = Backend::emulator(&settings).await.unwrap();
        let auth = super::super::auth::Authenticator::from_config(None, true).unwrap();
        let state = Arc::new(AppState::new(settings, auth, backend, Format::Js).unwrap());
        let remote: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let request = Request::get("/sts?sub=alice")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let response = handle(state.clone(), remote, request).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let issued: Value = serde_json::from_slice(&body).unwrap();
        let debug = format!("{state:?}");
        for field in ["TmpSecretKey", "SecurityToken"] {
            let secret = issued[field].as_str().unwrap();
            assert!(!secret.is_empty());
            assert!(!debug.contains(secret), "{field} in {debug}");
        }
        assert_eq!(state.cache.len(), 1, "the issued key is cached");
        let state = Arc::try_unwrap(state).unwrap();
        state.backend.shutdown().await;
    }

    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(query_param("a=1&ext=p%6Eg", "ext").as_deref(), Some("png"));
        assert_eq!(query_param("flag&x=2", "flag").as_deref(), Some(""));
        assert_eq!(query_param("", "ext"), None);
        assert_eq!(query_param("extra=1", "ext"), None);
    }

    #[test]
    fn canonical_scope_ignores_order() {
        let a = Target {
            key: "k1".into(),
            actions: vec!["PutObject", "UploadPart"],
        };
        let b = Target {
            key: "k2".into(),
            actions: vec!["GetObject"],
        };
        let mut a2 = a.clone();
        a2.actions.reverse();
        assert_eq!(
            canonical_scope(&[a.clone(), b.clone()]),
            canonical_scope(&[b.clone(), a2])
        );
        assert_ne!(canonical_scope(&[a]), canonical_scope(&[b]));
    }
}
