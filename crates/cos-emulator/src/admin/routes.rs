//! The admin endpoints.
//!
//! | Method and path | Does |
//! |---|---|
//! | `GET /_emulator/health` | `{"status":"ok","listener":"cos"}` (no token needed) |
//! | `POST /_emulator/reset` | empties every bucket, aborts uploads, deletes runtime-created buckets, restores configured buckets' records, forgets issued keys, clears the logs and faults, puts the clock back |
//! | `GET /_emulator/clock` | `{"offset_seconds":…,"now_ms":…}` |
//! | `PUT /_emulator/clock` | `{"offset_seconds":n}` sets the offset, `{"advance_seconds":n}` moves it |
//! | `PUT /_emulator/faults` | installs faults in their JSON form ([`Faults::from_json`](crate::Faults::from_json)) |
//! | `DELETE /_emulator/faults` | removes every fault |
//! | `GET /_emulator/access-log` | the COS requests: caller key, decisions (action, resource, allowed), status, error code |
//! | `GET /_emulator/sts-calls` | the STS calls: action, caller key, error code, issued key id |

use super::Listener;
use crate::http::body::{self, ResBody};
use crate::state::State;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

/// Largest admin request body (a fault plan), bytes.
const MAX_BODY: usize = 1024 * 1024;

fn answer(status: StatusCode, value: &Value) -> Response<ResBody> {
    let text = value.to_string();
    let len = text.len();
    let mut response = Response::new(body::full(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

fn error(status: StatusCode, message: &str) -> Response<ResBody> {
    let mut response = answer(status, &json!({ "error": message }));
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"cos-emulator admin\""),
        );
    }
    response
}

fn bearer(req: &Request<Incoming>) -> Option<&str> {
    req.headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Whether a client may use the admin endpoints beyond health: loopback peers with the token.
fn admit(
    admin: &super::Admin,
    remote: SocketAddr,
    bearer: Option<&str>,
) -> Result<(), (StatusCode, &'static str)> {
    if !remote.ip().is_loopback() {
        return Err((
            StatusCode::FORBIDDEN,
            "the admin API answers loopback clients only",
        ));
    }
    if !bearer.is_some_and(|t| admin.token_matches(t)) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "send `Authorization: Bearer <admin_token>` (the token is in the start-up line)",
        ));
    }
    Ok(())
}

/// Answers one admin request.
pub(super) async fn handle(
    state: &State,
    listener: Listener,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Response<ResBody> {
    let path = req
        .uri()
        .path()
        .strip_prefix(super::PREFIX)
        .unwrap_or_default()
        .to_string();
    let method = req.method().clone();
    if path == "/health" {
        return match method {
            Method::GET | Method::HEAD => answer(
                StatusCode::OK,
                &json!({ "status": "ok", "listener": listener.name() }),
            ),
            _ => error(StatusCode::METHOD_NOT_ALLOWED, "health answers GET"),
        };
    }
    if let Err((status, message)) = admit(&state.admin, remote, bearer(&req)) {
        return error(status, message);
    }
    let mut incoming = body::RequestBody::new(req.into_body(), state.limits.body);
    let body = match incoming.read_limited(MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body could not be read or is larger than 1 MiB",
            );
        }
    };
    match (method, path.as_str()) {
        (Method::POST, "/reset") => match super::reset(state) {
            Ok(counts) => answer(StatusCode::OK, &json!({ "reset": true, "removed": counts })),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e),
        },
        (Method::GET, "/clock") => clock(state),
        (Method::PUT | Method::POST, "/clock") => set_clock(state, &body),
        (Method::PUT | Method::POST, "/faults") => {
            let text = String::from_utf8_lossy(&body);
            match crate::Faults::from_json(&text) {
                Ok(faults) => {
                    let rules = faults.fault_plan().is_some();
                    set_faults(state, faults);
                    answer(StatusCode::OK, &json!({ "installed": true, "plan": rules }))
                }
                Err(e) => error(StatusCode::BAD_REQUEST, &e.to_string()),
            }
        }
        (Method::DELETE, "/faults") => {
            set_faults(state, crate::Faults::none());
            answer(StatusCode::OK, &json!({ "installed": false }))
        }
        (Method::GET, "/access-log") => answer(
            StatusCode::OK,
            &json!({ "entries": state.admin.access.snapshot() }),
        ),
        (Method::GET, "/sts-calls") => answer(
            StatusCode::OK,
            &json!({ "entries": state.admin.sts_calls.snapshot() }),
        ),
        _ => error(StatusCode::NOT_FOUND, "no such admin endpoint"),
    }
}

fn set_faults(state: &State, faults: crate::Faults) {
    if let Ok(mut current) = state.faults.write() {
        *current = faults;
    }
}

fn clock(state: &State) -> Response<ResBody> {
    answer(
        StatusCode::OK,
        &json!({
            "offset_seconds": state.clock.offset(),
            "now_ms": state.clock.unix_millis(),
        }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    offset_seconds: Option<i64>,
    advance_seconds: Option<i64>,
}

fn set_clock(state: &State, body: &[u8]) -> Response<ResBody> {
    let change: ClockChange = match serde_json::from_slice(body) {
        Ok(change) => change,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("clock: {e}")),
    };
    match (change.offset_seconds, change.advance_seconds) {
        (Some(offset), None) => state.clock.set_offset(offset),
        (None, Some(delta)) => state
            .clock
            .set_offset(state.clock.offset().saturating_add(delta)),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "clock: send exactly one of offset_seconds and advance_seconds",
            );
        }
    }
    clock(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::{Admin, AdminToken};

    #[test]
    fn only_loopback_clients_with_the_token_are_admitted() {
        let admin = Admin::new(Some(AdminToken("tok".into())), 0, Vec::new());
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let local6: SocketAddr = "[::1]:5000".parse().unwrap();
        let remote: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        assert!(admit(&admin, local, Some("tok")).is_ok());
        assert!(admit(&admin, local6, Some("tok")).is_ok());
        let refused = |addr, token| admit(&admin, addr, token).map_err(|(status, _)| status);
        assert_eq!(refused(remote, Some("tok")), Err(StatusCode::FORBIDDEN));
        assert_eq!(refused(local, None), Err(StatusCode::UNAUTHORIZED));
        assert_eq!(refused(local, Some("to")), Err(StatusCode::UNAUTHORIZED));
        assert_eq!(refused(local, Some("tokk")), Err(StatusCode::UNAUTHORIZED));
    }
}
