//! The admin HTTP API under `/_emulator/`, served on both listeners, for tests in any
//! language: health, reset, the clock, fault plans in JSON, the COS access log and the STS
//! call log.
//!
//! [`intercept`] is the one place requests are dispatched between the admin API and the COS
//! or STS handlers (`emulator.rs` wraps both listeners' handlers in it); COS and STS requests
//! are logged on their way through ([`record`]).
//!
//! **Protection.** `GET /_emulator/health` is open (it tells nothing). Every other admin
//! endpoint answers only loopback clients that send `Authorization: Bearer <admin token>`;
//! the token is random per start unless configured, and printed only in `cos-sts emulator`'s
//! start-up line. A COS or STS request can never pass for an admin request: their
//! `Authorization` schemes (`q-sign-algorithm=…`, `TC3-HMAC-SHA256 …`) are not `Bearer`, the
//! token is compared in constant time, and admin paths never reach the COS or STS handlers
//! (nor fault injection), so the object keys `_emulator/…` of a path-style default bucket are
//! reserved, as LocalStack reserves `/_localstack/`.

pub(crate) mod fault_json;
pub(crate) mod record;
mod reset;
mod routes;

pub use record::{AccessRecord, Decision, StsCallRecord};

use crate::http::body::ResBody;
use crate::state::State;
use http::{Request, Response};
use hyper::body::Incoming;
use record::Ring;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use subtle::ConstantTimeEq as _;

/// The path prefix of the admin API.
pub(crate) const PREFIX: &str = "/_emulator";

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listener {
    /// The COS XML API.
    Cos,
    /// The STS API 3.0.
    Sts,
}

impl Listener {
    fn name(self) -> &'static str {
        match self {
            Self::Cos => "cos",
            Self::Sts => "sts",
        }
    }
}

/// The admin token as the builder keeps it (redacted in `Debug`).
#[derive(Clone)]
pub(crate) struct AdminToken(pub(crate) String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// The admin API's state: its token and the logs.
pub(crate) struct Admin {
    token: String,
    start_clock_offset: i64,
    /// The configured buckets' records at start-up, restored by a reset.
    start_buckets: Vec<crate::storage::BucketMeta>,
    pub(crate) access: Ring<AccessRecord>,
    pub(crate) sts_calls: Ring<StsCallRecord>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Admin {
    /// With `token` (a random one when `None`); `reset` brings the clock back to
    /// `start_clock_offset`.
    pub(crate) fn new(
        token: Option<AdminToken>,
        start_clock_offset: i64,
        start_buckets: Vec<crate::storage::BucketMeta>,
    ) -> Self {
        Self {
            token: token.map_or_else(|| crate::ids::random_alnum(40), |t| t.0),
            start_clock_offset,
            start_buckets,
            access: Ring::new(),
            sts_calls: Ring::new(),
        }
    }

    /// The configured buckets' records at start-up.
    pub(crate) fn start_buckets(&self) -> &[crate::storage::BucketMeta] {
        &self.start_buckets
    }

    /// The admin token.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Whether `presented` is the token (constant time).
    fn token_matches(&self, presented: &str) -> bool {
        bool::from(presented.as_bytes().ct_eq(self.token.as_bytes()))
    }
}

/// Whether `path` belongs to the admin API.
fn is_admin_path(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Dispatches a request to the admin API, or else logs it and hands it to `next` (the COS or
/// STS handler).
pub(crate) async fn intercept<F, Fut>(
    state: Arc<State>,
    listener: Listener,
    remote: SocketAddr,
    req: Request<Incoming>,
    next: F,
) -> Response<ResBody>
where
    F: FnOnce(Arc<State>, SocketAddr, Request<Incoming>) -> Fut,
    Fut: Future<Output = Response<ResBody>>,
{
    if is_admin_path(req.uri().path()) {
        return routes::handle(&state, listener, remote, req).await;
    }
    record::logged(listener, state, remote, req, next).await
}

/// Brings the emulator back to its start: no objects, no open uploads, no issued temporary
/// keys, empty logs, no faults, the clock at its configured offset.
pub(crate) fn reset(state: &State) -> Result<reset::Counts, String> {
    let counts = reset::storage(state)?;
    state.admin.access.clear();
    state.admin.sts_calls.clear();
    state.clock.set_offset(state.admin.start_clock_offset);
    if let Ok(mut faults) = state.faults.write() {
        *faults = crate::Faults::none();
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_paths_and_tokens() {
        assert!(is_admin_path("/_emulator"));
        assert!(is_admin_path("/_emulator/health"));
        assert!(!is_admin_path("/_emulatorx/health"));
        assert!(!is_admin_path("/bucket/_emulator/health"));
        let admin = Admin::new(Some(AdminToken("t0ken".into())), 0, Vec::new());
        assert!(admin.token_matches("t0ken"));
        assert!(!admin.token_matches("t0ke"));
        assert!(!admin.token_matches(""));
        assert!(!format!("{admin:?}").contains("t0ken"));
        assert_eq!(Admin::new(None, 0, Vec::new()).token().len(), 40);
    }
}
