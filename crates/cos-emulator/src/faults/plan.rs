//! The scripted fault plan: rules that pick requests and say what goes wrong with them, and the
//! record of every COS request the plan saw.

use crate::cos::error::CosError;
use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// A script of faults, shared between the emulator and the test that installed it: each COS
/// request is checked against the [`Rule`]s in the order they were added, and the first rule
/// that applies decides what goes wrong with it. Every COS request is also recorded
/// ([`FaultPlan::seen`]), so a test can check what the client sent.
///
/// Install it with [`Faults::plan`](crate::Faults::plan), through
/// [`EmulatorBuilder::faults`](crate::EmulatorBuilder::faults) or
/// [`Emulator::set_faults`](crate::Emulator::set_faults); keep a clone to add rules or read
/// the record while the emulator runs.
///
/// ```
/// use cos_emulator::{Action, FaultPlan, Faults, Matcher, Rule};
///
/// let plan = FaultPlan::new();
/// // The second Upload Part request reports a wrong CRC-64, once.
/// plan.add(Rule::new(Matcher::upload_part(), Action::CorruptCrc).after(1).times(1));
/// // Every third request is answered 503 SlowDown.
/// plan.add(Rule::new(Matcher::any(), Action::slow_down()).every(3));
/// let faults = Faults::none().plan(plan.clone());
/// assert!(!faults.is_none());
/// assert!(plan.seen().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    inner: Arc<Mutex<PlanState>>,
}

#[derive(Debug, Default)]
struct PlanState {
    rules: Vec<Rule>,
    seen: Vec<SeenRequest>,
}

impl PartialEq for FaultPlan {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl FaultPlan {
    /// An empty plan: no faults, every request recorded.
    ///
    /// ```
    /// assert!(cos_emulator::FaultPlan::new().seen().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule after the existing ones.
    ///
    /// ```
    /// use cos_emulator::{Action, FaultPlan, Matcher, Rule};
    /// let plan = FaultPlan::new();
    /// plan.add(Rule::new(Matcher::initiate_multipart(), Action::DropReply).times(1));
    /// ```
    pub fn add(&self, rule: Rule) -> &Self {
        self.lock().rules.push(rule);
        self
    }

    /// Removes every rule (the record is kept).
    ///
    /// ```
    /// use cos_emulator::{Action, FaultPlan, Matcher, Rule};
    /// let plan = FaultPlan::new();
    /// plan.add(Rule::new(Matcher::any(), Action::slow_down()));
    /// plan.clear_rules();
    /// ```
    pub fn clear_rules(&self) {
        self.lock().rules.clear();
    }

    /// Every COS request seen so far, in arrival order.
    ///
    /// ```
    /// assert!(cos_emulator::FaultPlan::new().seen().is_empty());
    /// ```
    pub fn seen(&self) -> Vec<SeenRequest> {
        self.lock().seen.clone()
    }

    /// Forgets the recorded requests.
    ///
    /// ```
    /// cos_emulator::FaultPlan::new().clear_seen();
    /// ```
    pub fn clear_seen(&self) {
        self.lock().seen.clear();
    }

    fn lock(&self) -> MutexGuard<'_, PlanState> {
        // A test that panicked while holding the lock must not take the emulator down with it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records `request` and returns its index and the action of the first rule that applies.
    pub(crate) fn choose(&self, request: SeenRequest) -> (usize, Option<Action>) {
        let mut state = self.lock();
        let mut chosen = None;
        for rule in &mut state.rules {
            if rule.when.matches(&request) && rule.count_and_check(chosen.is_none()) {
                chosen = Some(rule.action.clone());
            }
        }
        let mut request = request;
        request.injected = chosen.clone();
        state.seen.push(request);
        (state.seen.len() - 1, chosen)
    }

    /// Adds what was learnt after the request was handled to its record.
    pub(crate) fn complete(&self, index: usize, update: impl FnOnce(&mut SeenRequest)) {
        if let Some(seen) = self.lock().seen.get_mut(index) {
            update(seen);
        }
    }
}

/// One scripted fault: which requests ([`Matcher`]), what happens to them ([`Action`]) and
/// how many times (by default every matching request).
///
/// ```
/// use cos_emulator::{Action, Matcher, Rule};
/// // Let three Upload Part requests through, then refuse every other one.
/// let deny = Rule::new(
///     Matcher::upload_part(),
///     Action::error(403, "AccessDenied", "Access Denied."),
/// )
/// .after(3);
/// # let _ = deny;
/// ```
#[derive(Debug, Clone)]
pub struct Rule {
    when: Matcher,
    action: Action,
    after: u64,
    times: Option<u64>,
    every: u64,
    matched: u64,
    applied: u64,
}

impl Rule {
    /// A rule applying `action` to every request `when` matches.
    ///
    /// ```
    /// use cos_emulator::{Action, Matcher, Rule};
    /// let _ = Rule::new(Matcher::any(), Action::internal_error());
    /// ```
    pub fn new(when: Matcher, action: Action) -> Self {
        Self {
            when,
            action,
            after: 0,
            times: None,
            every: 1,
            matched: 0,
            applied: 0,
        }
    }

    /// Lets the first `n` matching requests through untouched.
    ///
    /// ```
    /// use cos_emulator::{Action, Matcher, Rule};
    /// let _ = Rule::new(Matcher::any(), Action::slow_down()).after(2);
    /// ```
    #[must_use]
    pub fn after(mut self, n: u64) -> Self {
        self.after = n;
        self
    }

    /// Applies to at most `n` requests, then retires.
    ///
    /// ```
    /// use cos_emulator::{Action, Matcher, Rule};
    /// let _ = Rule::new(Matcher::any(), Action::slow_down()).times(1);
    /// ```
    #[must_use]
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Applies only to every `n`-th matching request (the `n`-th, the `2n`-th…); `0` counts
    /// as `1`.
    ///
    /// ```
    /// use cos_emulator::{Action, Matcher, Rule};
    /// let _ = Rule::new(Matcher::any(), Action::slow_down()).every(3);
    /// ```
    #[must_use]
    pub fn every(mut self, n: u64) -> Self {
        self.every = n.max(1);
        self
    }

    /// Counts one more matching request; whether the rule applies to it (never when an
    /// earlier rule already took it: `free` is false).
    fn count_and_check(&mut self, free: bool) -> bool {
        self.matched += 1;
        let past_after = self.matched > self.after;
        let on_beat = (self.matched - self.after.min(self.matched)).is_multiple_of(self.every);
        let within = self.times.is_none_or(|t| self.applied < t);
        let applies = free && past_after && on_beat && within;
        if applies {
            self.applied += 1;
        }
        applies
    }
}

/// Which COS requests a [`Rule`] picks: all conditions must hold.
///
/// ```
/// use cos_emulator::Matcher;
/// use http::Method;
/// let third_part = Matcher::part(3);
/// let any_ranged_get = Matcher::any().method(Method::GET).header("range");
/// let under_prefix = Matcher::any().key_prefix("logs/");
/// # let _ = (third_part, any_ranged_get, under_prefix);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    method: Option<Method>,
    query: Vec<(String, Option<String>)>,
    without_query: Vec<String>,
    headers: Vec<String>,
    key_prefix: Option<String>,
}

impl Matcher {
    /// Every request.
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::any();
    /// ```
    pub fn any() -> Self {
        Self::default()
    }

    /// Requests with this method.
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::any().method(http::Method::HEAD);
    /// ```
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Requests whose query has parameter `name` (any value).
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::any().query("uploads");
    /// ```
    #[must_use]
    pub fn query(mut self, name: &str) -> Self {
        self.query.push((name.to_owned(), None));
        self
    }

    /// Requests whose query has parameter `name` equal to `value` (after decoding).
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::any().query_value("partNumber", "2");
    /// ```
    #[must_use]
    pub fn query_value(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), Some(value.to_owned())));
        self
    }

    /// Requests whose query lacks parameter `name`.
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::any().without_query("uploadId");
    /// ```
    #[must_use]
    pub fn without_query(mut self, name: &str) -> Self {
        self.without_query.push(name.to_owned());
        self
    }

    /// Requests carrying header `name`.
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::any().header("x-cos-copy-source");
    /// ```
    #[must_use]
    pub fn header(mut self, name: &str) -> Self {
        self.headers.push(name.to_ascii_lowercase());
        self
    }

    /// Requests whose decoded path (the object key, `/`-prefixed; path-style requests
    /// include the bucket) starts with `/` followed by `prefix`.
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::any().key_prefix("videos/");
    /// ```
    #[must_use]
    pub fn key_prefix(mut self, prefix: &str) -> Self {
        self.key_prefix = Some(prefix.to_owned());
        self
    }

    /// Initiate Multipart Upload (`POST ?uploads`).
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::initiate_multipart();
    /// ```
    pub fn initiate_multipart() -> Self {
        Self::any().method(Method::POST).query("uploads")
    }

    /// Upload Part and Upload Part - Copy (`PUT ?partNumber&uploadId`).
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::upload_part();
    /// ```
    pub fn upload_part() -> Self {
        Self::any()
            .method(Method::PUT)
            .query("partNumber")
            .query("uploadId")
    }

    /// Upload Part (or Upload Part - Copy) of part `number`.
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::part(2);
    /// ```
    pub fn part(number: u32) -> Self {
        Self::upload_part().query_value("partNumber", &number.to_string())
    }

    /// Complete Multipart Upload (`POST ?uploadId`).
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::complete_multipart();
    /// ```
    pub fn complete_multipart() -> Self {
        Self::any().method(Method::POST).query("uploadId")
    }

    /// A GET with a `Range` header.
    ///
    /// ```
    /// let _ = cos_emulator::Matcher::ranged_get();
    /// ```
    pub fn ranged_get() -> Self {
        Self::any().method(Method::GET).header("range")
    }

    pub(crate) fn matches(&self, request: &SeenRequest) -> bool {
        self.method.as_ref().is_none_or(|m| *m == request.method)
            && self.query.iter().all(|(name, value)| match value {
                None => request.has_query(name),
                Some(v) => request.query(name) == Some(v.as_str()),
            })
            && self.without_query.iter().all(|n| !request.has_query(n))
            && self
                .headers
                .iter()
                .all(|h| request.headers.contains_key(h.as_str()))
            && self.key_prefix.as_ref().is_none_or(|p| {
                request
                    .decoded_path()
                    .strip_prefix('/')
                    .is_some_and(|k| k.starts_with(p.as_str()))
            })
    }
}

/// What goes wrong with a request a [`Rule`] picked.
///
/// ```
/// use cos_emulator::Action;
/// let answers = [
///     Action::slow_down(),
///     Action::internal_error(),
///     Action::request_timeout(),
///     Action::error(503, "ServiceUnavailable", "busy"),
///     Action::error_in_200("InternalError", "We encountered an internal error."),
/// ];
/// # let _ = answers;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Answer this COS error instead of handling the request (its body is read and
    /// discarded first, and kept in the record when small).
    Error {
        /// HTTP status.
        status: StatusCode,
        /// The `<Code>`.
        code: &'static str,
        /// The `<Message>`.
        message: String,
    },
    /// Answer 200 with an `<Error>` document as the body, instead of handling the request
    /// (as COS may for Complete Multipart Upload and copies).
    ErrorIn200 {
        /// The `<Code>`.
        code: &'static str,
        /// The `<Message>`.
        message: String,
    },
    /// Handle the request, then close the connection without answering.
    DropReply,
    /// Handle the request, but report a wrong CRC-64 (in `x-cos-hash-crc64ecma` and in an
    /// XML `<CRC64>` element).
    CorruptCrc,
    /// Handle the request, then cut the connection halfway through the response body.
    CutBody,
    /// Handle the request, send half of the response body, then send nothing more while
    /// keeping the connection open.
    StallBody,
    /// Wait this long, then handle the request.
    Latency(Duration),
}

impl Action {
    /// Any COS error; a status outside `100..=999` becomes 500.
    ///
    /// ```
    /// let a = cos_emulator::Action::error(404, "NoSuchKey", "The specified key does not exist.");
    /// assert!(matches!(a, cos_emulator::Action::Error { code: "NoSuchKey", .. }));
    /// ```
    pub fn error(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self::Error {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            message: message.into(),
        }
    }

    /// 503 `SlowDown`.
    ///
    /// ```
    /// let _ = cos_emulator::Action::slow_down();
    /// ```
    pub fn slow_down() -> Self {
        Self::from(CosError::slow_down())
    }

    /// 500 `InternalError`.
    ///
    /// ```
    /// let _ = cos_emulator::Action::internal_error();
    /// ```
    pub fn internal_error() -> Self {
        Self::from(CosError::internal(
            "We encountered an internal error. Please try again.",
        ))
    }

    /// 400 `RequestTimeout`.
    ///
    /// ```
    /// let _ = cos_emulator::Action::request_timeout();
    /// ```
    pub fn request_timeout() -> Self {
        Self::from(CosError::request_timeout())
    }

    /// 200 with an `<Error>` body.
    ///
    /// ```
    /// let _ = cos_emulator::Action::error_in_200("InternalError", "oops");
    /// ```
    pub fn error_in_200(code: &'static str, message: impl Into<String>) -> Self {
        Self::ErrorIn200 {
            code,
            message: message.into(),
        }
    }
}

impl From<CosError> for Action {
    fn from(error: CosError) -> Self {
        Self::Error {
            status: error.status,
            code: error.code,
            message: error.message,
        }
    }
}

/// A COS request as the emulator received it, with what the plan did to it.
///
/// ```
/// use cos_emulator::FaultPlan;
/// let plan = FaultPlan::new();
/// for seen in plan.seen() {
///     println!("{} {} -> {:?}", seen.method(), seen.path(), seen.status());
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SeenRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    injected: Option<Action>,
    body: Option<Bytes>,
    body_len: Option<u64>,
    status: Option<StatusCode>,
    response_headers: HeaderMap,
}

/// Bodies of requests answered by the plan are kept in the record up to this size.
pub(crate) const KEPT_BODY: usize = 64 * 1024;

impl SeenRequest {
    pub(crate) fn new(method: &Method, uri: &http::Uri, headers: &HeaderMap) -> Self {
        let query = uri
            .query()
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect();
        Self {
            method: method.clone(),
            path: uri.path().to_owned(),
            query,
            headers: headers.clone(),
            injected: None,
            body: None,
            body_len: None,
            status: None,
            response_headers: HeaderMap::new(),
        }
    }

    pub(crate) fn set_body(&mut self, kept: Option<Bytes>, len: u64) {
        self.body = kept;
        self.body_len = Some(len);
    }

    pub(crate) fn set_response(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.status = Some(status);
        self.response_headers = headers.clone();
    }

    /// The method.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.method(); }
    /// ```
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path as sent (percent-encoded).
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { assert!(s.path().starts_with('/')); }
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path, percent-decoded.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.decoded_path(); }
    /// ```
    pub fn decoded_path(&self) -> String {
        decode(&self.path)
    }

    /// A decoded query parameter (`Some("")` when present without a value).
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.query("partNumber"); }
    /// ```
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the query has parameter `name`.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.has_query("uploads"); }
    /// ```
    pub fn has_query(&self, name: &str) -> bool {
        self.query.iter().any(|(n, _)| n == name)
    }

    /// A request header as text.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.header("authorization"); }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// What the plan did to this request, if anything.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.injected(); }
    /// ```
    pub fn injected(&self) -> Option<&Action> {
        self.injected.as_ref()
    }

    /// The request body, kept only for requests the plan answered itself
    /// ([`Action::Error`], [`Action::ErrorIn200`]) and only up to 64 KiB.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.body(); }
    /// ```
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// How many body bytes arrived, for requests the plan answered itself.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.body_len(); }
    /// ```
    pub fn body_len(&self) -> Option<u64> {
        self.body_len
    }

    /// The status answered (`None` if the connection was dropped first).
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.status(); }
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// A response header as text.
    ///
    /// ```
    /// # fn f(s: &cos_emulator::SeenRequest) { let _ = s.response_header("x-cos-request-id"); }
    /// ```
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .get(name)
            .and_then(|v| v.to_str().ok())
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, uri: &str) -> SeenRequest {
        let uri: http::Uri = uri.parse().unwrap_or_default();
        let mut headers = HeaderMap::new();
        headers.insert("range", http::HeaderValue::from_static("bytes=0-1"));
        SeenRequest::new(&method, &uri, &headers)
    }

    #[test]
    fn matchers_pick_the_requests_they_name() {
        let part2 = request(Method::PUT, "/a%20b?partNumber=2&uploadId=U");
        assert!(Matcher::upload_part().matches(&part2));
        assert!(Matcher::part(2).matches(&part2));
        assert!(!Matcher::part(3).matches(&part2));
        assert!(Matcher::any().key_prefix("a b").matches(&part2));
        assert!(!Matcher::any().key_prefix("b").matches(&part2));
        assert!(!Matcher::any().without_query("uploadId").matches(&part2));
        let init = request(Method::POST, "/k?uploads");
        assert!(Matcher::initiate_multipart().matches(&init));
        assert!(!Matcher::complete_multipart().matches(&init));
        assert!(Matcher::ranged_get().matches(&request(Method::GET, "/k")));
        assert!(!Matcher::ranged_get().matches(&init));
    }

    #[test]
    fn after_times_and_every_count_matching_requests() {
        let plan = FaultPlan::new();
        plan.add(
            Rule::new(Matcher::any().method(Method::GET), Action::slow_down())
                .after(1)
                .every(2)
                .times(2),
        );
        let picked: Vec<bool> = (0..8)
            .map(|_| plan.choose(request(Method::GET, "/k")).1.is_some())
            .collect();
        // Matches 1..=8: skip the first, then every second one, twice.
        assert_eq!(
            picked,
            [false, false, true, false, true, false, false, false]
        );
        assert!(plan.choose(request(Method::PUT, "/k")).1.is_none());
        assert_eq!(plan.seen().len(), 9);
        assert_eq!(plan.seen()[2].injected(), Some(&Action::slow_down()));
    }

    #[test]
    fn the_first_applicable_rule_wins_and_all_rules_count() {
        let plan = FaultPlan::new();
        plan.add(Rule::new(Matcher::any(), Action::CutBody).times(1));
        plan.add(Rule::new(Matcher::any(), Action::DropReply).after(1));
        let actions: Vec<_> = (0..3)
            .map(|_| plan.choose(request(Method::GET, "/k")).1)
            .collect();
        assert_eq!(
            actions,
            [
                Some(Action::CutBody),
                Some(Action::DropReply),
                Some(Action::DropReply)
            ]
        );
        plan.clear_rules();
        assert!(plan.choose(request(Method::GET, "/k")).1.is_none());
        plan.clear_seen();
        assert!(plan.seen().is_empty());
    }
}
