//! Policy validation before sending: errors always reject; lints reject unless opted out.

use crate::StsError;

/// Validates `policy` and returns its canonical JSON (serialised once for both), or
/// `PolicyRejected` listing every blocking finding.
pub(crate) fn check(policy: &cos_policy::Policy, allow_lints: bool) -> Result<String, StsError> {
    let (report, json) = cos_policy::validate_with_json(policy);
    let mut blocking: Vec<String> = report
        .errors()
        .map(|f| {
            format!(
                "error {} at {}: {}",
                f.code().as_str(),
                f.path(),
                f.message()
            )
        })
        .collect();
    if !allow_lints {
        blocking.extend(report.lints().map(|f| {
            format!(
                "lint {} at {}: {} (opt out with allow_lints)",
                f.code().as_str(),
                f.path(),
                f.message()
            )
        }));
    }
    if blocking.is_empty() {
        Ok(json)
    } else {
        Err(StsError::PolicyRejected {
            findings: blocking.join("\n"),
        })
    }
}
