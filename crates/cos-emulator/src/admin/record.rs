//! The access log of COS requests (caller key, action, resource, decision, status) and the
//! log of STS calls, each a bounded ring of the latest entries.
//!
//! A COS request gets a [`Note`] (a request extension) when it enters; the authorizer adds one
//! [`Decision`] per checked action ([`note_decision`]), the STS side names the verified action
//! ([`note_sts_call`]); the entry is completed with the answer and pushed when the handler
//! returns. Secrets never enter a record: keys are identified by their secret id only, and
//! the STS response is read for its error code and the issued key's secret id alone.

use super::Listener;
use crate::auth::Caller;
use crate::http::body::{self, ResBody};
use crate::state::State;
use http::{Request, Response};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use serde::Serialize;
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// How many entries each log keeps (the oldest are dropped first).
pub(crate) const CAPACITY: usize = 10_000;
/// Longest path or resource kept in an entry, bytes (longer ones are cut, marked `…`), so
/// that a full log stays within a few tens of megabytes whatever clients send.
const MAX_TEXT: usize = 1024;

/// `text`, cut at a character boundary to at most [`MAX_TEXT`] bytes.
fn bounded(mut text: String) -> String {
    if text.len() > MAX_TEXT {
        let mut end = MAX_TEXT - '…'.len_utf8();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// One authorization decision taken while handling a COS request.
///
/// ```
/// # fn f(d: &cos_emulator::Decision) {
/// println!("{} on {}: {}", d.action, d.resource, if d.allowed { "allow" } else { "deny" });
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Decision {
    /// `name/cos:<Action>`.
    pub action: String,
    /// `qcs::cos:<region>:uid/<appid>:<bucket>/<key or prefix>`.
    pub resource: String,
    /// Whether the caller may.
    pub allowed: bool,
    /// Who the key belongs to: `root`, `sub-account`, `temporary` or `anonymous`.
    pub caller: &'static str,
}

/// One COS request as the access log keeps it.
///
/// ```
/// # async fn f(e: &cos_emulator::Emulator) {
/// for entry in e.access_log() {
///     println!("{} {} by {:?}: {}", entry.method, entry.path, entry.caller_key, entry.status);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccessRecord {
    /// When it arrived (the emulator's clock), Unix milliseconds.
    pub time_ms: u64,
    /// The method.
    pub method: String,
    /// The path as sent (percent-encoded) and the query without signature parameters.
    pub path: String,
    /// The secret id the request was signed with (`None`: unsigned).
    pub caller_key: Option<String>,
    /// The decisions taken, in order (none when authentication failed first).
    pub decisions: Vec<Decision>,
    /// The HTTP status answered.
    pub status: u16,
    /// The COS error code answered, if any.
    pub error_code: Option<String>,
    /// The fault injected into this request, if any (`"error 503 SlowDown"`,
    /// `"drop_reply"`, `"latency 20ms"`…).
    pub fault: Option<String>,
}

/// One STS call as the STS log keeps it.
///
/// ```
/// # async fn f(e: &cos_emulator::Emulator) {
/// for call in e.sts_calls() {
///     println!("{:?} by {:?}: {:?}", call.action, call.caller_key, call.error_code);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StsCallRecord {
    /// When it arrived (the emulator's clock), Unix milliseconds.
    pub time_ms: u64,
    /// The verified action (`None` when the request could not be parsed or verified).
    pub action: Option<String>,
    /// The secret id the request was signed with (`None`: unsigned or unreadable).
    pub caller_key: Option<String>,
    /// The API 3.0 error code answered, if any.
    pub error_code: Option<String>,
    /// The secret id of the temporary key issued, if any.
    pub issued_key: Option<String>,
}

/// A bounded log.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    entries: Mutex<VecDeque<T>>,
}

impl<T: Clone> Ring<T> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Mutex::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<T>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn push(&self, entry: T) {
        let mut entries = self.lock();
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub(crate) fn snapshot(&self) -> Vec<T> {
        self.lock().iter().cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}

/// What handlers learn about a request, shared through its extensions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Note(Arc<Mutex<NoteState>>);

#[derive(Debug, Default)]
struct NoteState {
    decisions: Vec<Decision>,
    sts_action: Option<String>,
    fault: Option<String>,
}

impl Note {
    fn lock(&self) -> MutexGuard<'_, NoteState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks an error response with its COS error code (a response extension).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorCode(pub(crate) &'static str);

/// Adds an authorization decision to the request's note (the authorizer's hook).
pub(crate) fn note_decision(
    parts: &http::request::Parts,
    caller: Option<&Caller>,
    action: &str,
    resource: String,
    allowed: bool,
) {
    let Some(note) = parts.extensions.get::<Note>() else {
        return;
    };
    let signed = parts.headers.contains_key(http::header::AUTHORIZATION)
        || parts.uri.query().is_some_and(|q| q.contains("q-ak="));
    let caller = match caller {
        None => "anonymous",
        Some(Caller::Root) if !signed => "anonymous",
        Some(Caller::Root) => "root",
        Some(Caller::SubAccount(_)) => "sub-account",
        Some(Caller::Temporary(_)) => "temporary",
    };
    note.lock().decisions.push(Decision {
        action: format!("name/cos:{action}"),
        resource: bounded(resource),
        allowed,
        caller,
    });
}

/// Names the fault chosen for a COS request in its note (the fault injector's hook).
pub(crate) fn note_fault<B>(req: &Request<B>, action: &crate::Action) {
    use crate::Action;
    let Some(note) = req.extensions().get::<Note>() else {
        return;
    };
    let described = match action {
        Action::Error { status, code, .. } => format!("error {} {code}", status.as_u16()),
        Action::ErrorIn200 { code, .. } => format!("error_in_200 {code}"),
        Action::DropReply => "drop_reply".into(),
        Action::CorruptCrc => "corrupt_crc".into(),
        Action::CutBody => "cut_body".into(),
        Action::StallBody => "stall_body".into(),
        Action::Latency(delay) => format!("latency {}ms", delay.as_millis()),
    };
    note.lock().fault = Some(described);
}

/// Names the verified STS action in the request's note (the STS side's hook).
pub(crate) fn note_sts_call(parts: &http::request::Parts, action: &str) {
    if let Some(note) = parts.extensions.get::<Note>() {
        note.lock().sts_action = Some(action.chars().take(64).collect());
    }
}

/// The secret id a COS request claims: `q-ak` of the `Authorization` header or of the query.
fn cos_caller_key<B>(req: &Request<B>) -> Option<String> {
    let from_header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| field(auth, "q-ak"));
    let from_query = || req.uri().query().and_then(|q| field(q, "q-ak"));
    from_header.or_else(from_query).map(|k| {
        percent_encoding::percent_decode_str(&k)
            .decode_utf8_lossy()
            .chars()
            .take(128)
            .collect()
    })
}

/// `value` of `name=value` in an `&`-separated list.
fn field(list: &str, name: &str) -> Option<String> {
    list.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The secret id of a TC3 (`Credential=<id>/…`) or v1 (`SecretId=`) STS request, as far as
/// the headers and query tell.
fn sts_caller_key<B>(req: &Request<B>) -> Option<String> {
    let tc3 = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split_once("Credential="))
        .and_then(|(_, rest)| rest.split('/').next())
        .map(str::to_string);
    let v1 = || req.uri().query().and_then(|q| field(q, "SecretId"));
    tc3.or_else(v1)
        .map(|k| k.chars().take(128).collect())
        .filter(|k: &String| !k.is_empty())
}

/// The path and the query without signature and token parameters.
fn shown_path<B>(req: &Request<B>) -> String {
    let query: Vec<&str> = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or_default();
            !(p.is_empty()
                || name.starts_with("q-")
                || name.ends_with("security-token")
                || name == "sign")
        })
        .collect();
    bounded(if query.is_empty() {
        req.uri().path().to_string()
    } else {
        format!("{}?{}", req.uri().path(), query.join("&"))
    })
}

/// Handles a request with `next` (the COS or STS handler) and logs it in the listener's log.
pub(crate) async fn logged<F, Fut>(
    listener: Listener,
    state: Arc<State>,
    remote: SocketAddr,
    mut req: Request<Incoming>,
    next: F,
) -> Response<ResBody>
where
    F: FnOnce(Arc<State>, SocketAddr, Request<Incoming>) -> Fut,
    Fut: Future<Output = Response<ResBody>>,
{
    let note = Note::default();
    req.extensions_mut().insert(note.clone());
    let time_ms = state.clock.unix_millis();
    let caller_key = match listener {
        Listener::Cos => cos_caller_key(&req),
        Listener::Sts => sts_caller_key(&req),
    };
    let method = req.method().to_string();
    let path = shown_path(&req);
    let response = next(state.clone(), remote, req).await;
    if listener == Listener::Sts {
        return log_sts_call(&state, &note, time_ms, caller_key, response).await;
    }
    let error_code = response
        .extensions()
        .get::<ErrorCode>()
        .map(|c| c.0.to_string());
    // One lock for both fields: a second lock in the same statement would wait for the first.
    let (decisions, fault) = {
        let mut noted = note.lock();
        (std::mem::take(&mut noted.decisions), noted.fault.take())
    };
    state.admin.access.push(AccessRecord {
        time_ms,
        method,
        path,
        caller_key,
        decisions,
        status: response.status().as_u16(),
        error_code,
        fault,
    });
    response
}

/// Logs an STS call. Its answer is a small, complete JSON document: it is read for its error
/// code and issued secret id, and passed on unchanged.
async fn log_sts_call(
    state: &State,
    note: &Note,
    time_ms: u64,
    caller_key: Option<String>,
    response: Response<ResBody>,
) -> Response<ResBody> {
    let (parts, inner) = response.into_parts();
    let bytes = inner.collect().await.map(|c| c.to_bytes()).ok();
    let answer: serde_json::Value = bytes
        .as_ref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default();
    let text = |pointer: &str| {
        answer
            .pointer(pointer)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    state.admin.sts_calls.push(StsCallRecord {
        time_ms,
        action: note.lock().sts_action.take(),
        caller_key,
        error_code: text("/Response/Error/Code"),
        issued_key: text("/Response/Credentials/TmpSecretId"),
    });
    Response::from_parts(parts, bytes.map_or_else(body::empty, body::full))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_latest_entries() {
        let ring = Ring::new();
        for i in 0..CAPACITY + 5 {
            ring.push(i);
        }
        let kept = ring.snapshot();
        assert_eq!(kept.len(), CAPACITY);
        assert_eq!(kept.first(), Some(&5));
        ring.clear();
        assert!(ring.snapshot().is_empty());
    }

    #[test]
    fn caller_keys_and_paths_are_read_without_secrets() {
        let req = Request::get("/k?acl&q-ak=AKIDX&q-signature=abc&x-cos-security-token=T")
            .body(())
            .unwrap();
        assert_eq!(cos_caller_key(&req).as_deref(), Some("AKIDX"));
        assert_eq!(shown_path(&req), "/k?acl");
        let req = Request::get("/k")
            .header(
                "authorization",
                "q-sign-algorithm=sha1&q-ak=AKIDH&q-signature=s",
            )
            .body(())
            .unwrap();
        assert_eq!(cos_caller_key(&req).as_deref(), Some("AKIDH"));
        let req = Request::post("/")
            .header(
                "authorization",
                "TC3-HMAC-SHA256 Credential=AKIDT/2024-01-01/sts/tc3_request, SignedHeaders=x",
            )
            .body(())
            .unwrap();
        assert_eq!(sts_caller_key(&req).as_deref(), Some("AKIDT"));
        let req = Request::get("/?Action=GetFederationToken&SecretId=AKIDV")
            .body(())
            .unwrap();
        assert_eq!(sts_caller_key(&req).as_deref(), Some("AKIDV"));
        assert_eq!(sts_caller_key(&Request::get("/").body(()).unwrap()), None);
    }

    #[test]
    fn long_paths_are_cut_at_a_character_boundary() {
        let long = format!("/{}", "é".repeat(2000));
        let req = Request::get(long.as_str()).body(()).unwrap();
        let shown = shown_path(&req);
        assert!(shown.len() <= MAX_TEXT, "{}", shown.len());
        assert!(shown.ends_with('…'));
        assert_eq!(bounded("short".into()), "short");
    }
}
