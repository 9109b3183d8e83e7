//! The audit log: one JSON line per answer of `/sts` and `/sts/key`, so that a `q-ak` seen in
//! COS access logs leads back to the user it was issued to.
//!
//! A line holds the time, the subject, the role, the client IP, the status, the
//! `TmpSecretId`, `ExpiredTime`, the STS `RequestId`, the session name, the policy's
//! SHA-256 and whether the key came from the cache — never a secret key, a session token,
//! a bearer token or a JWT (the record type has no field that could hold one).

use std::fmt;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::spool::LogSpool;
use crate::vending::Granted;

/// One audit line.
///
/// ```
/// let record = cos_vending::AuditRecord::refused(1_700_000_000, "/sts", 401, "unauthorized");
/// let line = serde_json::to_string(&record).unwrap();
/// assert!(line.contains("\"status\":401"));
/// ```
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditRecord {
    /// RFC 3339 UTC time of the answer.
    pub time: String,
    /// The route (`/sts`, `/sts/key`).
    pub route: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The error code, when refused.
    pub error: Option<&'static str>,
    /// The authenticated subject, if any.
    pub subject: Option<String>,
    /// The role.
    pub role: Option<String>,
    /// The client IP (from `X-Forwarded-For` only when the peer is a trusted proxy).
    pub client_ip: Option<IpAddr>,
    /// The issued key's id (the `q-ak` of the requests signed with it).
    pub tmp_secret_id: Option<String>,
    /// When the key expires (Unix seconds).
    pub expired_time: Option<u64>,
    /// The STS `RequestId` of the call that issued it.
    pub sts_request_id: Option<String>,
    /// The `RoleSessionName` or federated `Name`.
    pub session_name: Option<String>,
    /// Hex SHA-256 of the canonical policy.
    pub policy_sha256: Option<String>,
    /// `hit`, `miss` or `bypass`.
    pub cache: Option<&'static str>,
    /// Whether the key is narrowed to a scope or chosen key.
    pub scope_limit: Option<bool>,
    /// The server-chosen object key, if any.
    pub key: Option<String>,
}

thread_local! {
    /// The last second formatted on this thread (a busy server formats each second once per
    /// thread, not once per line).
    static LAST_SECOND: std::cell::RefCell<(u64, String)> = const {
        std::cell::RefCell::new((u64::MAX, String::new()))
    };
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds.
fn rfc3339(unix_secs: u64) -> String {
    LAST_SECOND.with_borrow_mut(|(second, text)| {
        if *second != unix_secs {
            *text = format_rfc3339(unix_secs);
            *second = unix_secs;
        }
        text.clone()
    })
}

fn format_rfc3339(unix_secs: u64) -> String {
    i64::try_from(unix_secs)
        .ok()
        .and_then(cos_core::date::CivilTime::from_unix)
        .map_or_else(|| unix_secs.to_string(), |t| t.iso8601())
}

impl AuditRecord {
    /// A refused request.
    pub fn refused(unix_secs: u64, route: &'static str, status: u16, error: &'static str) -> Self {
        Self {
            time: rfc3339(unix_secs),
            route,
            status,
            error: Some(error),
            subject: None,
            role: None,
            client_ip: None,
            tmp_secret_id: None,
            expired_time: None,
            sts_request_id: None,
            session_name: None,
            policy_sha256: None,
            cache: None,
            scope_limit: None,
            key: None,
        }
    }

    /// An issued (or reused) key.
    pub fn granted(unix_secs: u64, route: &'static str, subject: &str, granted: &Granted) -> Self {
        Self {
            time: rfc3339(unix_secs),
            route,
            status: 200,
            error: None,
            subject: Some(subject.to_owned()),
            role: Some(granted.role.clone()),
            client_ip: None,
            tmp_secret_id: Some(granted.credentials.credential().secret_id().to_owned()),
            expired_time: Some(granted.credentials.expired_time()),
            sts_request_id: Some(granted.credentials.request_id().to_owned()),
            session_name: Some(granted.session_name.clone()),
            policy_sha256: Some(granted.policy_sha256.clone()),
            cache: Some(granted.lookup.as_str()),
            scope_limit: Some(granted.narrowed),
            key: granted.chosen.as_ref().map(|c| c.key.clone()),
        }
    }
}

/// Where audit lines go: a [`LogSpool`] (a writer thread behind a bounded buffer: a request
/// never waits on the file, no line is ever dropped, and a line is written at most a few
/// milliseconds after its answer; [`AuditLog::flush`] and dropping the log wait until every
/// line is written).
///
/// ```
/// let log = cos_vending::AuditLog::disabled();
/// log.write(&cos_vending::AuditRecord::refused(0, "/sts", 401, "unauthorized"));
/// assert_eq!(log.failures(), 0);
/// ```
pub struct AuditLog {
    out: Option<LogSpool>,
    warned: AtomicBool,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog")
            .field("enabled", &self.out.is_some())
            .field("failures", &self.failures())
            .finish()
    }
}

impl AuditLog {
    /// No audit lines.
    pub fn disabled() -> Self {
        Self {
            out: None,
            warned: AtomicBool::new(false),
        }
    }

    /// Lines to stdout.
    pub fn stdout() -> std::io::Result<Self> {
        Self::to_writer(Box::new(std::io::stdout()))
    }

    /// Lines appended to `path` (created when missing).
    pub fn file(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Self::to_writer(Box::new(file))
    }

    /// Lines to any writer (tests, pipes), from a writer thread of their own.
    pub fn to_writer(out: Box<dyn Write + Send>) -> std::io::Result<Self> {
        Ok(Self {
            out: Some(LogSpool::new(out)?),
            warned: AtomicBool::new(false),
        })
    }

    /// From `[audit]`: `-` is stdout.
    pub fn from_config(config: &crate::config::AuditConfig) -> std::io::Result<Self> {
        if !config.enabled {
            Ok(Self::disabled())
        } else if config.path == Path::new("-") {
            Self::stdout()
        } else {
            Self::file(&config.path)
        }
    }

    /// Queues one line (a write failure is counted and logged once, never fatal).
    pub fn write(&self, record: &AuditRecord) {
        let Some(out) = &self.out else { return };
        let mut line = Vec::with_capacity(512);
        if serde_json::to_writer(&mut line, record).is_err() {
            return;
        }
        line.push(b'\n');
        out.send(&line);
        if out.failures() > 0 && !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(target: "cos_vending::audit", failures = out.failures(), "cannot write the audit log");
        }
    }

    /// Waits until every line written so far is in the file (or pipe).
    pub fn flush(&self) {
        if let Some(out) = &self.out {
            out.flush();
        }
    }

    /// Lines that could not be written.
    pub fn failures(&self) -> u64 {
        self.out.as_ref().map_or(0, LogSpool::failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Lookup;
    use std::sync::{Arc, Mutex};
    use sts_client::TemporaryCredentials;
    use tc3_signer::Credential;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_granted_line_traces_the_key_and_holds_no_secret() {
        let granted = Granted {
            credentials: TemporaryCredentials::new(
                Credential::new("AKIDTEMP123", "SECRET-KEY-VALUE")
                    .with_token("SESSION-TOKEN-VALUE"),
                1_700_000_000,
                1_700_001_800,
                None,
                "req-42",
            ),
            role: "default".into(),
            lookup: Lookup::Miss,
            narrowed: false,
            chosen: None,
            policy_sha256: "ab".repeat(32),
            session_name: "alice.1234abcd.1700000000".into(),
            answers: crate::shape::Answers::default(),
        };
        let sink = Shared::default();
        let log = AuditLog::to_writer(Box::new(sink.clone())).unwrap();
        let mut record = AuditRecord::granted(1_700_000_000, "/sts", "alice", &granted);
        record.client_ip = "203.0.113.7".parse().ok();
        log.write(&record);
        log.flush();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["tmp_secret_id"], "AKIDTEMP123");
        assert_eq!(line["expired_time"], 1_700_001_800);
        assert_eq!(line["sts_request_id"], "req-42");
        assert_eq!(line["subject"], "alice");
        assert_eq!(line["cache"], "miss");
        assert_eq!(line["client_ip"], "203.0.113.7");
        assert_eq!(line["time"], "2023-11-14T22:13:20Z");
        assert!(!text.contains("SECRET-KEY-VALUE") && !text.contains("SESSION-TOKEN-VALUE"));
    }

    #[test]
    fn write_failures_are_counted_not_fatal() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("closed"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let log = AuditLog::to_writer(Box::new(Broken)).unwrap();
        log.write(&AuditRecord::refused(0, "/sts", 401, "unauthorized"));
        log.flush();
        log.write(&AuditRecord::refused(0, "/sts", 401, "unauthorized"));
        log.flush();
        assert_eq!(log.failures(), 2);
    }
}
