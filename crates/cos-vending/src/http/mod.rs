//! The ready HTTP service: an axum [`Router`] any backend can mount (or serve with
//! [`crate::serve`]).
//!
//! | route | what |
//! |---|---|
//! | `GET /healthz` | `{"status":"ok"}`: the process is alive |
//! | `GET /readyz` | 200 when the server's credentials load and STS answers (cached briefly), else 503 |
//! | `GET /metrics` | Prometheus text |
//! | `GET /sts`, `POST /sts` | a key for the caller's prefix; a POST body holding the JS SDK's `Scope` list narrows it to those keys (403 when outside the prefix); `?role=`, `?duration_seconds=` |
//! | `GET /sts/key?ext=png`, `POST …` | the server chooses a key under the caller's prefix and grants uploads of exactly it (with `[keys]`) |
//! | `OPTIONS *` | CORS preflight |
//!
//! `?format=sts|js|api` chooses the answer's shape. Errors are JSON
//! `{"error": "<code>", "message": "…"}`. A request passes, in order: the per-IP limit,
//! authentication, the body read (bounded in size and time), then [`Vending::issue_from`].
//! A per-IP limiter that [joins the lookup](crate::Limiter::joins_lookup) (Redis) takes its
//! token with the subject's and the cache lookup in one round trip; a request answered
//! before that, or with a body to read, takes it first; an address it already refused is
//! refused before authentication.

mod client_ip;
mod cors;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};

use crate::audit::{AuditLog, AuditRecord};
use crate::limit::Limiter;
use crate::metrics::Metrics;
use crate::scope;
use crate::shape::Format;
use crate::vending::{IssueRequest, Vending};

pub use client_ip::client_ip;
pub(crate) use cors::{Cors, Preflight};

/// How long a `/readyz` result is reused.
const READY_CACHE: Duration = Duration::from_secs(5);

/// The peer address of a connection, inserted into each request by [`crate::serve`]. A
/// backend mounting the router itself serves it with
/// `into_make_service_with_connect_info::<SocketAddr>()` (or inserts this extension);
/// without either, requests have no client IP and the per-IP limit does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// The peer of a request: [`PeerAddr`] (from [`crate::serve`]), else axum's `ConnectInfo`
/// (from `into_make_service_with_connect_info::<SocketAddr>()`).
fn peer_addr(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<PeerAddr>()
        .map(|p| p.0)
        .or_else(|| {
            request
                .extensions()
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|c| c.0)
        })
}

/// What a handler tells the request log.
#[derive(Debug, Clone, Default)]
struct ReplyInfo {
    subject: Option<String>,
    cache: Option<&'static str>,
    error: Option<&'static str>,
}

/// The parts of the service a reload replaces together.
#[derive(Debug)]
struct Live {
    vending: Vending,
    cors: Cors,
}

impl Live {
    fn new(vending: Vending) -> Self {
        Self {
            cors: Cors::new(&vending.settings().cors),
            vending,
        }
    }
}

/// The vending HTTP service: the current [`Vending`] (replaced atomically by
/// [`VendingService::reload`]), metrics and the audit log.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::sync::Arc;
/// let settings = cos_vending::Settings::parse(
///     "bucket = \"examplebucket-1250000000\"\nregion = \"ap-guangzhou\"\n",
///     std::path::Path::new("."),
/// ).unwrap();
/// let client = sts_client::StsClient::builder()
///     .credential(tc3_signer::Credential::new("AKIDEXAMPLE", "secret"))
///     .build().unwrap();
/// let issuer = Arc::new(cos_vending::StsIssuer::new(client, settings.issuer()));
/// let auth = cos_vending::Authenticator::from_config(None, true).unwrap();
/// let vending = cos_vending::Vending::new(settings, auth, issuer).unwrap();
/// let service = cos_vending::VendingService::new(
///     vending, Arc::new(cos_vending::Metrics::new()), Arc::new(cos_vending::AuditLog::disabled()));
/// let router: axum::Router = service.router(); // mount it, or `cos_vending::serve` it
/// # let _ = router;
/// # });
/// ```
#[derive(Debug)]
pub struct VendingService {
    live: ArcSwap<Live>,
    metrics: Arc<Metrics>,
    audit: Arc<AuditLog>,
    readiness: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

impl VendingService {
    /// A service answering with `vending`.
    pub fn new(vending: Vending, metrics: Arc<Metrics>, audit: Arc<AuditLog>) -> Arc<Self> {
        Arc::new(Self {
            live: ArcSwap::from_pointee(Live::new(vending)),
            metrics,
            audit,
            readiness: tokio::sync::Mutex::new(None),
        })
    }

    /// Replaces the configuration atomically: requests already running finish with the old
    /// one, every later request sees the new one (cache and limits start afresh).
    pub fn reload(&self, vending: Vending) {
        self.live.store(Arc::new(Live::new(vending)));
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The audit log (e.g. to [`AuditLog::flush`] it at shutdown).
    pub fn audit(&self) -> &Arc<AuditLog> {
        &self.audit
    }

    /// How many times the current configuration's JWKS was fetched (0 without one).
    pub fn key_set_fetches(&self) -> u64 {
        self.live
            .load()
            .vending
            .authenticator()
            .key_set()
            .map_or(0, |jwks| jwks.fetches())
    }

    /// The current configuration.
    pub fn settings(&self) -> crate::Settings {
        self.live.load().vending.settings().clone()
    }

    /// The router with every route, limit and timeout of the configuration at the time it
    /// is built (body limit and timeouts are not reloaded).
    pub fn router(self: &Arc<Self>) -> Router {
        let limits = *self.live.load().vending.settings().limits();
        Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics))
            .route("/sts", get(sts).post(sts).options(preflight))
            .route("/sts/key", get(sts_key).post(sts_key).options(preflight))
            .method_not_allowed_fallback(not_allowed)
            .fallback(not_found)
            .layer(tower_http::limit::RequestBodyLimitLayer::new(
                limits.max_body_bytes,
            ))
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
                limits.body_timeout(),
            ))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                limits.request_timeout(),
            ))
            .layer(axum::middleware::from_fn_with_state(self.clone(), finish))
            // Spans at DEBUG (method, path, status, latency; never headers): `RUST_LOG=
            // tower_http=debug` traces requests, the JSON request line above is always on.
            .layer(tower_http::trace::TraceLayer::new_for_http())
            .with_state(self.clone())
    }
}

type Shared = State<Arc<VendingService>>;

fn json_reply(status: StatusCode, body: &Value, info: ReplyInfo) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    response.extensions_mut().insert(info);
    response
}

fn error_reply(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    json_reply(
        status,
        &json!({"error": code, "message": message.into()}),
        ReplyInfo {
            error: Some(code),
            ..ReplyInfo::default()
        },
    )
}

fn route_label(path: &str) -> &'static str {
    match path {
        "/sts" => "/sts",
        "/sts/key" => "/sts/key",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        _ => "other",
    }
}

/// Logs each request (never its headers, query or body), counts it, and adds the common
/// headers and CORS.
async fn finish(State(service): Shared, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let origin = request.headers().get(header::ORIGIN).cloned();
    let remote = peer_addr(&request).map(|p| p.ip());
    let preflight = method == Method::OPTIONS;
    let mut response = next.run(request).await;
    let info = response
        .extensions()
        .get::<ReplyInfo>()
        .cloned()
        .unwrap_or_default();
    let status = response.status();
    let latency = started.elapsed();
    let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        target: "cos_vending",
        method = method.as_str(),
        path = path.as_str(),
        status = status.as_u16(),
        subject = info.subject.as_deref().unwrap_or("-"),
        cache = info.cache.unwrap_or("-"),
        error = info.error.unwrap_or("-"),
        remote = %remote.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
        latency_us,
        "request"
    );
    service
        .metrics
        .request(route_label(&path), status.as_u16(), latency);
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if !preflight {
        service.live.load().cors.apply(origin.as_ref(), headers);
    }
    response
}

async fn healthz() -> Response {
    json_reply(
        StatusCode::OK,
        &json!({"status": "ok"}),
        ReplyInfo::default(),
    )
}

async fn readyz(State(service): Shared) -> Response {
    let mut cached = service.readiness.lock().await;
    let result = match cached.as_ref() {
        Some((at, result)) if at.elapsed() < READY_CACHE => result.clone(),
        _ => {
            let live = service.live.load_full();
            let mut result = live.vending.check_ready().await;
            if result.is_ok()
                && let Some(jwks) = live.vending.authenticator().key_set()
                && jwks.fetches() == 0
            {
                result = jwks.refresh_now().await.map(|_| ());
            }
            *cached = Some((Instant::now(), result.clone()));
            result
        }
    };
    drop(cached);
    match result {
        Ok(()) => json_reply(
            StatusCode::OK,
            &json!({"status": "ready"}),
            ReplyInfo::default(),
        ),
        Err(reason) => json_reply(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "not_ready", "reason": reason}),
            ReplyInfo {
                error: Some("not_ready"),
                ..ReplyInfo::default()
            },
        ),
    }
}

async fn metrics(State(service): Shared) -> Response {
    let mut response = service.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

fn preflight_reply(service: &VendingService, headers: &HeaderMap) -> Response {
    match service.live.load().cors.preflight(headers) {
        Preflight::Allowed(allowed) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            response.headers_mut().extend(allowed);
            response
        }
        Preflight::Refused(why) => error_reply(StatusCode::FORBIDDEN, "cors_refused", why),
    }
}

async fn preflight(State(service): Shared, headers: HeaderMap) -> Response {
    preflight_reply(&service, &headers)
}

async fn not_allowed(State(service): Shared, method: Method, headers: HeaderMap) -> Response {
    if method == Method::OPTIONS {
        return preflight_reply(&service, &headers);
    }
    let mut reply = error_reply(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "use GET or POST (GET for /healthz, /readyz and /metrics)",
    );
    reply.headers_mut().insert(
        header::ALLOW,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    reply
}

async fn not_found(State(service): Shared, method: Method, headers: HeaderMap) -> Response {
    if method == Method::OPTIONS {
        return preflight_reply(&service, &headers);
    }
    error_reply(
        StatusCode::NOT_FOUND,
        "not_found",
        "routes: GET /healthz, GET /readyz, GET /metrics, GET|POST /sts, GET|POST /sts/key",
    )
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

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn retry_after(response: &mut Response, wait: Duration) {
    let secs = wait.max(Duration::from_secs(1)).as_secs_f64().ceil();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs as u64));
}

/// Whether a body error is the size limit (else it is the read deadline or a broken
/// connection).
fn is_length_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = e.source();
    }
    false
}

async fn sts(State(service): Shared, request: Request) -> Response {
    credentials(&service, request, "/sts").await
}

async fn sts_key(State(service): Shared, request: Request) -> Response {
    credentials(&service, request, "/sts/key").await
}

/// A refusal: logged, counted, audited.
struct Refusal<'a> {
    service: &'a VendingService,
    route: &'static str,
    client_ip: Option<IpAddr>,
    subject: Option<String>,
    /// The per-IP token this request still owes (deferred to the cache lookup's round trip
    /// when the limiter joins it): its limiter and key.
    owed: Option<(&'a dyn Limiter, String)>,
}

impl Refusal<'_> {
    /// Takes the owed per-IP token, if any: the 429 to answer instead when it is refused.
    async fn settle(&mut self) -> Option<Response> {
        let (limiter, key) = self.owed.take()?;
        let wait = limiter.check(&key).await.err()?;
        Some(self.ip_limited(wait))
    }

    fn ip_limited(&self, wait: Duration) -> Response {
        self.service.metrics.rate_limited("ip");
        let mut reply = self.refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests from this address; retry later".into(),
        );
        retry_after(&mut reply, wait);
        reply
    }

    /// Refuses, after taking the owed per-IP token (a 429 when it is refused).
    async fn reply(&mut self, status: StatusCode, code: &'static str, message: String) -> Response {
        if let Some(limited) = self.settle().await {
            return limited;
        }
        self.refuse(status, code, message)
    }

    fn refuse(&self, status: StatusCode, code: &'static str, message: String) -> Response {
        self.service.metrics.error(code);
        let mut record = AuditRecord::refused(unix_now(), self.route, status.as_u16(), code);
        record.client_ip = self.client_ip;
        record.subject.clone_from(&self.subject);
        self.service.audit.write(&record);
        let mut reply = error_reply(status, code, message);
        if let Some(info) = reply.extensions_mut().get_mut::<ReplyInfo>() {
            info.subject.clone_from(&self.subject);
        }
        reply
    }
}

async fn credentials(service: &VendingService, request: Request, route: &'static str) -> Response {
    let live = service.live.load_full();
    let settings = live.vending.settings();
    let peer = peer_addr(&request);
    let ip = peer.map(|peer| client_ip(peer, request.headers(), &settings.trusted_proxies));
    let mut refusal = Refusal {
        service,
        route,
        client_ip: ip,
        subject: None,
        owed: None,
    };
    // Without a peer address (a router mounted without connect info) there is nothing to
    // limit by: one shared bucket would throttle every caller together. A limiter that joins
    // the cache lookup (Redis) takes the token there, in the same round trip, or before any
    // earlier answer or body read; an address it already knows to be refused is refused
    // here, before authentication, as an in-process limiter refuses every spent address.
    if let Some(ip) = ip {
        let limiter = &**live.vending.ip_limiter();
        let key = ip.to_string();
        let limited = if limiter.joins_lookup() {
            limiter.known_refused(&key)
        } else {
            limiter.check(&key).await
        };
        if let Err(wait) = limited {
            return refusal.ip_limited(wait);
        }
        if limiter.joins_lookup() {
            refusal.owed = Some((limiter, key));
        }
    }
    let query = request.uri().query().unwrap_or_default().to_owned();
    let format = match query_param(&query, "format") {
        None => settings.format,
        Some(name) => match Format::from_name(&name) {
            Some(format) => format,
            None => {
                return refusal
                    .reply(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "format must be sts, js or api".into(),
                    )
                    .await;
            }
        },
    };
    let identity = match live
        .vending
        .authenticator()
        .authenticate(
            request
                .headers()
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes),
            query_param(&query, "sub").as_deref(),
        )
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let mut reply = refusal.reply(status, error.code(), error.to_string()).await;
            if status == StatusCode::UNAUTHORIZED && reply.status() == status {
                reply.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"cos-sts\""),
                );
            }
            return reply;
        }
    };
    let subject = identity.subject().as_str().to_owned();
    refusal.subject = Some(subject.clone());
    let mut issue = IssueRequest {
        role: query_param(&query, "role"),
        ..IssueRequest::default()
    };
    if let Some(raw) = query_param(&query, "duration_seconds") {
        match raw.parse::<u64>() {
            Ok(seconds) => issue.duration_seconds = Some(seconds),
            Err(_) => {
                return refusal
                    .reply(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        "duration_seconds must be a number of seconds".into(),
                    )
                    .await;
            }
        }
    }
    if route == "/sts/key" {
        issue.chosen_key_extension = Some(query_param(&query, "ext").unwrap_or_default());
    } else if request.method() == Method::POST {
        // The per-IP token comes before the body is read, as it always did.
        if let Some(limited) = refusal.settle().await {
            return limited;
        }
        let body = match request.into_body().collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => {
                let inner = error.into_inner();
                return if is_length_limit(inner.as_ref()) {
                    refusal.refuse(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "bad_request",
                        format!(
                            "the body is larger than {} bytes",
                            settings.limits.max_body_bytes
                        ),
                    )
                } else {
                    refusal.refuse(
                        StatusCode::REQUEST_TIMEOUT,
                        "body_timeout",
                        "the body did not arrive in time or could not be read".into(),
                    )
                };
            }
        };
        match scope::parse_body(&body) {
            Ok(list) => issue.scope = list,
            Err(error) => {
                let (status, code) = if error.is_denial() {
                    (StatusCode::FORBIDDEN, "scope_denied")
                } else {
                    (StatusCode::BAD_REQUEST, "bad_request")
                };
                return refusal.refuse(status, code, error.to_string());
            }
        }
    }
    let owed_ip = refusal.owed.take().map(|(_, key)| key);
    match live
        .vending
        .issue_from(owed_ip.as_deref(), &identity, &issue)
        .await
    {
        Ok(granted) => {
            service.metrics.issued(&granted.role, granted.lookup);
            let mut record = AuditRecord::granted(unix_now(), route, &subject, &granted);
            record.client_ip = ip;
            service.audit.write(&record);
            let mut response = (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                granted.answer(format),
            )
                .into_response();
            response.extensions_mut().insert(ReplyInfo {
                subject: Some(subject),
                cache: Some(granted.lookup.as_str()),
                error: None,
            });
            response
        }
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if status.is_server_error() {
                tracing::warn!(target: "cos_vending", %error, retryable = error.is_retryable(), "no key issued");
            }
            match error {
                crate::IssueError::RateLimited(_) => service.metrics.rate_limited("subject"),
                crate::IssueError::IpRateLimited(_) => service.metrics.rate_limited("ip"),
                _ => {}
            }
            let wait = error.retry_after();
            let mut reply = refusal.refuse(status, error.code(), error.public_message());
            if let Some(wait) = wait {
                retry_after(&mut reply, wait);
            }
            reply
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        assert_eq!(query_param("a=1&ext=p%6Eg", "ext").as_deref(), Some("png"));
        assert_eq!(query_param("flag&x=2", "flag").as_deref(), Some(""));
        assert_eq!(query_param("", "ext"), None);
        assert_eq!(query_param("extra=1", "ext"), None);
    }

    #[test]
    fn routes_are_labelled_without_the_query() {
        assert_eq!(route_label("/sts"), "/sts");
        assert_eq!(route_label("/x/../sts"), "other");
    }
}
