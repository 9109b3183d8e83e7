//! The COS request description read by `sign` and `verify`: the `input` objects of the
//! `cos-sign.json` vectors.

use std::fmt;

use serde::Deserialize;
use tc3_signer::cos::HeaderPolicy;

use crate::commands::outcome::Failure;

/// A COS request description: credentials, key time, and the decoded request.
///
/// `Debug` hides the secret key and the token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CosInput {
    /// The secret id (`q-ak`).
    #[serde(default)]
    pub(crate) secret_id: Option<String>,
    /// The secret key.
    #[serde(default)]
    pub(crate) secret_key: Option<String>,
    /// `"<start>;<end>"`, used for both `q-sign-time` and `q-key-time`.
    #[serde(default)]
    pub(crate) key_time: Option<String>,
    /// The HTTP method.
    pub(crate) method: String,
    /// The decoded path, starting with `/`.
    pub(crate) path: String,
    /// The decoded query parameters, in order.
    #[serde(default)]
    pub(crate) params: Vec<(String, String)>,
    /// The request headers, in order.
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
    /// Which headers are signed.
    #[serde(default)]
    pub(crate) header_policy: HeaderPolicyName,
    /// The session token of a temporary key.
    #[serde(default)]
    pub(crate) token: Option<String>,
}

/// `header_policy` of the vectors.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum HeaderPolicyName {
    /// The SDKs' allow-list of signed headers (spec 1.4).
    #[default]
    #[serde(alias = "default")]
    Whitelist,
    /// Every header given.
    All,
}

impl From<HeaderPolicyName> for HeaderPolicy {
    fn from(name: HeaderPolicyName) -> Self {
        match name {
            HeaderPolicyName::Whitelist => Self::Default,
            HeaderPolicyName::All => Self::All,
        }
    }
}

impl CosInput {
    /// The params as borrowed pairs, as the signer takes them.
    pub(crate) fn param_pairs(&self) -> Vec<(&str, &str)> {
        pairs(&self.params)
    }

    /// The headers as borrowed pairs.
    pub(crate) fn header_pairs(&self) -> Vec<(&str, &str)> {
        pairs(&self.headers)
    }
}

fn pairs(list: &[(String, String)]) -> Vec<(&str, &str)> {
    list.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

/// The value of a field that this command needs, or a usage error naming it.
pub(crate) fn required<'a>(value: Option<&'a str>, field: &str) -> Result<&'a str, Failure> {
    value.ok_or_else(|| Failure::input(format!("the request description has no `{field}`")))
}

impl fmt::Debug for CosInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let sensitive = [
                    "authorization",
                    "x-cos-security-token",
                    "x-ci-security-token",
                ]
                .iter()
                .any(|s| name.trim().eq_ignore_ascii_case(s));
                (
                    name.as_str(),
                    if sensitive {
                        "<redacted>"
                    } else {
                        value.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("CosInput")
            .field("secret_id", &self.secret_id)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .field("key_time", &self.key_time)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("params", &self.params)
            .field("headers", &headers)
            .field("header_policy", &self.header_policy)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secret_key_token_and_credential_headers() {
        let input: CosInput = serde_json::from_str(
            r#"{"secret_id":"AKID","secret_key":"SECRETKEY","method":"GET","path":"/",
                "headers":[["Authorization","SECRETAUTH"],["x-cos-security-token","SECRETHEADER"],["Host","h"]],
                "token":"SECRETTOKEN"}"#,
        )
        .unwrap();
        let shown = format!("{input:?} {input:#?}");
        for secret in ["SECRETKEY", "SECRETTOKEN", "SECRETAUTH", "SECRETHEADER"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("AKID"));
    }

    #[test]
    fn defaults_and_unknown_fields() {
        let input: CosInput = serde_json::from_str(r#"{"method":"GET","path":"/"}"#).unwrap();
        assert_eq!(input.header_policy, HeaderPolicyName::Whitelist);
        assert!(input.params.is_empty() && input.headers.is_empty());
        assert!(
            serde_json::from_str::<CosInput>(r#"{"method":"GET","path":"/","hedaers":[]}"#)
                .is_err()
        );
        let all: CosInput =
            serde_json::from_str(r#"{"method":"GET","path":"/","header_policy":"all"}"#).unwrap();
        assert_eq!(HeaderPolicy::from(all.header_policy), HeaderPolicy::All);
    }
}
