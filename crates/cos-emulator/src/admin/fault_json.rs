//! The JSON form of [`Faults`] (random shares, latency and a scripted [`FaultPlan`]), read by
//! the admin API (`PUT /_emulator/faults`) and by `cos-sts emulator --fault-plan FILE`.
//!
//! ```json
//! {
//!   "slow_down": 0.0, "internal_error": 0.0, "cut_body": 0.0, "latency_ms": 0,
//!   "rules": [
//!     { "match": { "preset": "upload_part", "query": { "partNumber": "2" } },
//!       "action": { "error": { "status": 503, "code": "SlowDown", "message": "slow down" } },
//!       "after": 0, "times": 2, "every": 1 },
//!     { "match": { "method": "GET", "headers": ["range"], "key_prefix": "videos/" },
//!       "action": "cut_body" }
//!   ]
//! }
//! ```
//!
//! Unknown fields are refused, so a misspelt option fails loudly instead of being ignored.

use crate::error::EmulatorError;
use crate::faults::{Action, FaultPlan, Faults, Matcher, Rule};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The COS error codes a plan may answer (COS's documented table); a code outside it is
/// refused as a likely typo.
const COS_ERROR_CODES: &[&str] = &[
    "AccessDenied",
    "AccessForbidden",
    "AppendPositionErr",
    "BadDigest",
    "BucketAlreadyExists",
    "BucketNotEmpty",
    "EntitySizeNotMatch",
    "EntityTooLarge",
    "EntityTooSmall",
    "ExpiredToken",
    "IncompleteBody",
    "IncorrectNumberOfFilesInPostRequest",
    "InternalError",
    "InvalidAccessKeyId",
    "InvalidArgument",
    "InvalidBucketName",
    "InvalidDelimiter",
    "InvalidDigest",
    "InvalidObjectName",
    "InvalidObjectState",
    "InvalidPart",
    "InvalidPartOrder",
    "InvalidPolicyDocument",
    "InvalidRange",
    "InvalidRequest",
    "InvalidSHA1Digest",
    "InvalidURI",
    "KeyTooLong",
    "MalformedPOSTRequest",
    "MalformedXML",
    "MethodNotAllowed",
    "MissingContentLength",
    "MissingRequestBodyError",
    "NoSuchBucket",
    "NoSuchCopySource",
    "NoSuchKey",
    "NoSuchUpload",
    "NoSuchVersion",
    "NotImplemented",
    "ObjectLocked",
    "ObjectNotAppendable",
    "PathConflict",
    "PreconditionFailed",
    "RequestTimeTooSkewed",
    "RequestTimeout",
    "ServiceUnavailable",
    "SignatureDoesNotMatch",
    "SlowDown",
    "UploadConflict",
    "XMLSizeLimit",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsSpec {
    #[serde(default)]
    slow_down: f64,
    #[serde(default)]
    internal_error: f64,
    #[serde(default)]
    cut_body: f64,
    #[serde(default)]
    latency_ms: u64,
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    #[serde(rename = "match", default)]
    when: MatchSpec,
    action: ActionSpec,
    #[serde(default)]
    after: u64,
    times: Option<u64>,
    #[serde(default = "one")]
    every: u64,
}

fn one() -> u64 {
    1
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchSpec {
    preset: Option<Preset>,
    part: Option<u32>,
    method: Option<String>,
    /// Parameter name → required value (`null`: present with any value).
    #[serde(default)]
    query: BTreeMap<String, Option<String>>,
    #[serde(default)]
    without_query: Vec<String>,
    #[serde(default)]
    headers: Vec<String>,
    key_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Preset {
    Any,
    InitiateMultipart,
    UploadPart,
    CompleteMultipart,
    RangedGet,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum ActionSpec {
    SlowDown,
    InternalError,
    RequestTimeout,
    DropReply,
    CorruptCrc,
    CutBody,
    StallBody,
    LatencyMs(u64),
    Error(ErrorSpec),
    #[serde(rename = "error_in_200")]
    ErrorIn200(ErrorSpec),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorSpec {
    #[serde(default = "internal")]
    status: u16,
    code: String,
    #[serde(default)]
    message: String,
}

fn internal() -> u16 {
    500
}

fn invalid(reason: String) -> EmulatorError {
    EmulatorError::InvalidConfig {
        reason: format!("fault plan: {reason}"),
    }
}

fn known_code(code: &str) -> Result<&'static str, EmulatorError> {
    COS_ERROR_CODES
        .iter()
        .copied()
        .find(|known| *known == code)
        .ok_or_else(|| {
            invalid(format!(
                "`{}` is not a COS error code (one of: {})",
                code.chars().take(64).collect::<String>(),
                COS_ERROR_CODES.join(", ")
            ))
        })
}

impl ActionSpec {
    fn into_action(self) -> Result<Action, EmulatorError> {
        Ok(match self {
            Self::SlowDown => Action::slow_down(),
            Self::InternalError => Action::internal_error(),
            Self::RequestTimeout => Action::request_timeout(),
            Self::DropReply => Action::DropReply,
            Self::CorruptCrc => Action::CorruptCrc,
            Self::CutBody => Action::CutBody,
            Self::StallBody => Action::StallBody,
            Self::LatencyMs(ms) => Action::Latency(Duration::from_millis(ms)),
            Self::Error(e) => {
                if !(100..=599).contains(&e.status) {
                    return Err(invalid(format!(
                        "status {} is not an HTTP status",
                        e.status
                    )));
                }
                Action::error(e.status, known_code(&e.code)?, e.message)
            }
            Self::ErrorIn200(e) => Action::error_in_200(known_code(&e.code)?, e.message),
        })
    }
}

impl MatchSpec {
    fn into_matcher(self) -> Result<Matcher, EmulatorError> {
        let mut matcher = match (self.preset, self.part) {
            (_, Some(n)) => Matcher::part(n),
            (None | Some(Preset::Any), None) => Matcher::any(),
            (Some(Preset::InitiateMultipart), None) => Matcher::initiate_multipart(),
            (Some(Preset::UploadPart), None) => Matcher::upload_part(),
            (Some(Preset::CompleteMultipart), None) => Matcher::complete_multipart(),
            (Some(Preset::RangedGet), None) => Matcher::ranged_get(),
        };
        if let Some(method) = self.method {
            let method = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .map_err(|_| invalid(format!("`{method}` is not an HTTP method")))?;
            matcher = matcher.method(method);
        }
        for (name, value) in &self.query {
            matcher = match value {
                Some(v) => matcher.query_value(name, v),
                None => matcher.query(name),
            };
        }
        for name in &self.without_query {
            matcher = matcher.without_query(name);
        }
        for name in &self.headers {
            matcher = matcher.header(name);
        }
        if let Some(prefix) = &self.key_prefix {
            matcher = matcher.key_prefix(prefix);
        }
        Ok(matcher)
    }
}

impl Faults {
    /// Reads faults from their JSON form (random shares, `latency_ms` and scripted `rules`,
    /// each with a `match`, an `action` and optional `after`, `times`, `every`), as the admin
    /// API's `PUT /_emulator/faults` and `cos-sts emulator --fault-plan FILE` do. Unknown
    /// fields and unknown COS error codes are refused.
    ///
    /// ```
    /// let faults = cos_emulator::Faults::from_json(r#"{
    ///     "slow_down": 0.1,
    ///     "rules": [{ "match": { "part": 2 }, "action": "corrupt_crc", "times": 1 }]
    /// }"#)?;
    /// assert_eq!(faults.slow_down_share(), 0.1);
    /// assert!(faults.fault_plan().is_some());
    /// assert!(cos_emulator::Faults::from_json(r#"{"slowdown": 1}"#).is_err());
    /// # Ok::<(), cos_emulator::EmulatorError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, EmulatorError> {
        let spec: FaultsSpec = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut faults = Faults::none()
            .slow_down(spec.slow_down)
            .internal_error(spec.internal_error)
            .cut_body(spec.cut_body)
            .latency(Duration::from_millis(spec.latency_ms));
        if !spec.rules.is_empty() {
            let plan = FaultPlan::new();
            for rule in spec.rules {
                let mut built = Rule::new(rule.when.into_matcher()?, rule.action.into_action()?)
                    .after(rule.after)
                    .every(rule.every);
                if let Some(times) = rule.times {
                    built = built.times(times);
                }
                plan.add(built);
            }
            faults = faults.plan(plan);
        }
        Ok(faults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_matcher_field_is_read() {
        let faults = Faults::from_json(
            r#"{"cut_body": 0.5, "latency_ms": 3, "rules": [
                {"match": {"preset": "initiate_multipart"}, "action": "drop_reply"},
                {"match": {"preset": "upload_part", "query": {"partNumber": "2", "uploadId": null}},
                 "action": {"error": {"status": 503, "code": "SlowDown", "message": "m"}},
                 "after": 1, "times": 2, "every": 3},
                {"match": {"method": "get", "headers": ["Range"], "without_query": ["acl"],
                           "key_prefix": "v/"}, "action": {"latency_ms": 5}},
                {"match": {"preset": "complete_multipart"},
                 "action": {"error_in_200": {"code": "InternalError"}}},
                {"match": {"preset": "ranged_get"}, "action": "stall_body"},
                {"action": "request_timeout"}, {"action": "slow_down"},
                {"action": "internal_error"}, {"action": "cut_body"}, {"action": "corrupt_crc"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(faults.cut_body_share(), 0.5);
        assert_eq!(faults.added_latency(), Duration::from_millis(3));
        assert!(faults.fault_plan().is_some());
        assert!(Faults::from_json("{}").unwrap().is_none());
    }

    #[test]
    fn mistakes_are_refused_with_a_reason() {
        for (bad, reason) in [
            (r#"{"rules": [{"action": "explode"}]}"#, "unknown variant"),
            (
                r#"{"rules": [{"action": "cut_body", "tmes": 1}]}"#,
                "unknown field",
            ),
            (
                r#"{"rules": [{"action": {"error": {"code": "NoSuchKye"}}}]}"#,
                "not a COS error code",
            ),
            (
                r#"{"rules": [{"action": {"error": {"status": 42, "code": "NoSuchKey"}}}]}"#,
                "not an HTTP status",
            ),
            (
                r#"{"rules": [{"match": {"method": "G T"}, "action": "cut_body"}]}"#,
                "not an HTTP method",
            ),
            ("not json", "expected"),
        ] {
            let error = Faults::from_json(bad).unwrap_err().to_string();
            assert!(error.contains(reason), "{bad}: {error}");
        }
    }
}
