//! The opt-in access log: one [`cos_policy::analysis::AccessRecord`] (a JSON line) per
//! authorization decision — the caller's SecretId (never its key), the action, the resource,
//! the condition context and whether the request was allowed. `cos_policy::analysis::generate`
//! turns such a log into the least policy the recorded workload needs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use crate::auth::Caller;
use crate::state::State;

/// An append-only JSON-lines file; each line is written whole, under a lock, and flushed.
#[derive(Debug)]
pub(crate) struct AccessLog {
    file: Mutex<File>,
}

impl AccessLog {
    /// Opens (creating or appending to) the log at `path`.
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Appends the decision on `action` over `resource` with `context` made for `caller`.
    pub(crate) fn record(
        &self,
        state: &State,
        caller: Option<&Caller>,
        action: &str,
        resource: &str,
        context: &[(&'static str, String)],
        allowed: bool,
    ) {
        let request = context
            .iter()
            .fold(cos_policy::Request::new(action, resource), |r, (k, v)| {
                r.with_context(*k, v.clone())
            });
        let record =
            cos_policy::analysis::AccessRecord::new(caller_key(state, caller), &request, allowed);
        let Ok(mut line) = serde_json::to_string(&record) else {
            return;
        };
        line.push('\n');
        let written = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("access log lock poisoned"))
            .and_then(|mut file| {
                file.write_all(line.as_bytes())?;
                file.flush()
            });
        if let Err(e) = written {
            tracing::warn!(error = %e, "cos-emulator: writing the access log failed");
        }
    }
}

/// The SecretId the caller signed with (`anonymous` for an unsigned request).
fn caller_key(state: &State, caller: Option<&Caller>) -> String {
    let Some(caller) = caller else {
        return "anonymous".to_owned();
    };
    match caller {
        Caller::Root => state.identities.root.secret_id().to_owned(),
        Caller::SubAccount(user) => user.credential().secret_id().to_owned(),
        Caller::Temporary(key) => key.secret_id.clone(),
    }
}
