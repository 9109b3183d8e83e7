//! What `cos-sts verify` prints: the verdict, the exact reason, and what to compare.

use serde::Serialize;
use tc3_signer::VerifyError;
use tc3_signer::cos::{Authorization, SignatureLocation};

/// The result of one verification.
#[derive(Debug, Serialize)]
pub(super) struct VerifyReport {
    valid: bool,
    /// A stable code for the failure (`signature_mismatch`, `expired`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    /// The verifier's error message.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// What usually causes this failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'static str>,
    now: u64,
    /// The signature as presented, when it parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<Presented>,
    /// On a mismatch: the string to sign the server computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    server_string_to_sign: Option<String>,
    /// On a mismatch: the http string the server hashed (when it could be rebuilt).
    #[serde(skip_serializing_if = "Option::is_none")]
    server_http_string: Option<String>,
}

/// The fields of the presented signature (the signature itself is not repeated).
#[derive(Debug, Serialize)]
struct Presented {
    secret_id: String,
    location: &'static str,
    sign_time: String,
    key_time: String,
    header_list: Vec<String>,
    url_param_list: Vec<String>,
}

impl VerifyReport {
    /// The signature could not even be parsed.
    pub(super) fn unparsed(now: u64, error: VerifyError) -> Self {
        Self::failed(now, None, &error)
    }

    /// The outcome of checking a parsed signature.
    pub(super) fn checked(
        now: u64,
        auth: &Authorization,
        result: Result<(), VerifyError>,
        server_http_string: Option<String>,
    ) -> Self {
        let presented = Presented {
            secret_id: auth.secret_id().to_owned(),
            location: match auth.location() {
                SignatureLocation::Query => "query",
                _ => "header",
            },
            sign_time: auth.sign_time().to_string(),
            key_time: auth.key_time().to_string(),
            header_list: auth.header_list().to_vec(),
            url_param_list: auth.url_param_list().to_vec(),
        };
        match result {
            Ok(()) => Self {
                valid: true,
                reason: None,
                message: None,
                hint: None,
                now,
                signature: Some(presented),
                server_string_to_sign: None,
                server_http_string: None,
            },
            Err(error) => {
                let mut report = Self::failed(now, Some(presented), &error);
                report.server_http_string = server_http_string;
                report
            }
        }
    }

    fn failed(now: u64, signature: Option<Presented>, error: &VerifyError) -> Self {
        let (reason, hint) = explain(error);
        Self {
            valid: false,
            reason: Some(reason),
            message: Some(error.to_string()),
            hint: Some(hint),
            now,
            signature,
            server_string_to_sign: match error {
                VerifyError::SignatureMismatch { string_to_sign } => Some(string_to_sign.clone()),
                _ => None,
            },
            server_http_string: None,
        }
    }

    /// The failure message, `None` when valid.
    pub(super) fn error(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The report for a terminal. Strings that hold line breaks are shown JSON-escaped, as
    /// `cos-sts sign` prints them, so the two can be compared character by character.
    pub(super) fn human(&self) -> String {
        let mut out = String::new();
        match &self.message {
            None => out.push_str("valid\n"),
            Some(message) => out.push_str(&format!("not valid: {message}\n")),
        }
        if let Some(hint) = self.hint {
            out.push_str(&format!("  hint:           {hint}\n"));
        }
        if let Some(sig) = &self.signature {
            let list = |items: &[String]| {
                if items.is_empty() {
                    "(none)".to_owned()
                } else {
                    items.join(";")
                }
            };
            out.push_str(&format!("  secret id:      {}\n", sig.secret_id));
            out.push_str(&format!("  signature in:   {}\n", sig.location));
            out.push_str(&format!(
                "  key time:       {} (now {})\n",
                sig.key_time, self.now
            ));
            if sig.sign_time != sig.key_time {
                out.push_str(&format!("  sign time:      {}\n", sig.sign_time));
            }
            out.push_str(&format!("  signed headers: {}\n", list(&sig.header_list)));
            out.push_str(&format!(
                "  signed params:  {}\n",
                list(&sig.url_param_list)
            ));
        }
        for (label, value) in [
            ("server string_to_sign", &self.server_string_to_sign),
            ("server http_string", &self.server_http_string),
        ] {
            if let Some(value) = value {
                let escaped = serde_json::to_string(value).unwrap_or_default();
                out.push_str(&format!("  {label}: {escaped}\n"));
            }
        }
        out
    }
}

/// A stable reason code and the usual cause of each failure.
fn explain(error: &VerifyError) -> (&'static str, &'static str) {
    match error {
        VerifyError::Malformed { .. } => (
            "malformed",
            "the Authorization header or the q-* query fields are not a well-formed COS signature",
        ),
        VerifyError::UnknownAlgorithm { .. } => (
            "unknown_algorithm",
            "COS signatures use q-sign-algorithm=sha1",
        ),
        VerifyError::Expired { .. } => (
            "expired",
            "the key time window has ended: sign again, or check the clocks (--now, --tolerance)",
        ),
        VerifyError::NotYetValid { .. } => (
            "not_yet_valid",
            "the key time window starts in the future: the signer's clock is ahead (--tolerance allows skew)",
        ),
        VerifyError::MissingSignedHeader { .. } => (
            "missing_signed_header",
            "the client signed a header that the request does not carry: send it or do not sign it",
        ),
        VerifyError::MissingSignedParameter { .. } => (
            "missing_signed_parameter",
            "the client signed a query parameter that the request does not carry",
        ),
        VerifyError::WrongSecretId { .. } => (
            "wrong_secret_id",
            "the request was signed with another key (q-ak)",
        ),
        VerifyError::SignatureMismatch { .. } => (
            "signature_mismatch",
            "a wrong secret key, or the request differs from what was signed: compare the server's \
             string_to_sign and http_string with the client's (`cos-sts sign` prints them)",
        ),
        _ => ("other", "see the message"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_a_code_and_hint() {
        let errors = [
            VerifyError::Malformed { reason: "x".into() },
            VerifyError::UnknownAlgorithm {
                algorithm: "md5".into(),
            },
            VerifyError::Expired { end: 1, now: 2 },
            VerifyError::NotYetValid { start: 2, now: 1 },
            VerifyError::MissingSignedHeader {
                name: "host".into(),
            },
            VerifyError::MissingSignedParameter { name: "acl".into() },
            VerifyError::WrongSecretId {
                presented: "a".into(),
                expected: "b".into(),
            },
            VerifyError::SignatureMismatch {
                string_to_sign: "s".into(),
            },
        ];
        let mut codes: Vec<_> = errors.iter().map(|e| explain(e).0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        assert!(!codes.contains(&"other"));
    }

    #[test]
    fn unparsed_report_is_invalid_with_message() {
        let report = VerifyReport::unparsed(
            5,
            VerifyError::Malformed {
                reason: "garbage".into(),
            },
        );
        assert_eq!(report.error(), Some("malformed signature: garbage"));
        let text = report.human();
        assert!(
            text.starts_with("not valid: malformed signature: garbage\n"),
            "{text}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["valid"], false);
        assert_eq!(json["reason"], "malformed");
        assert!(json.get("signature").is_none());
    }
}
