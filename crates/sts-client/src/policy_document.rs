//! A policy as sent to STS: compact JSON, URL-encoded exactly once.

use crate::StsError;

/// A CAM policy in its compact JSON form, ready to send.
///
/// STS URL-decodes the `Policy` parameter, so raw JSON containing `%` or `+` would be
/// corrupted; [`PolicyDocument::encoded`] is what goes on the wire (in the JSON body for TC3,
/// and form-encoded once more as a value for v1, as the API expects).
///
/// ```
/// use sts_client::PolicyDocument;
///
/// let policy = PolicyDocument::from_json(r#"{ "version": "2.0", "statement": [] }"#).unwrap();
/// assert_eq!(policy.as_json(), r#"{"statement":[],"version":"2.0"}"#);
/// assert_eq!(policy.encoded(), "%7B%22statement%22%3A%5B%5D%2C%22version%22%3A%222.0%22%7D");
/// assert!(PolicyDocument::from_json("not json").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    json: String,
    /// `json` URL-encoded once, computed when the document is made.
    encoded: String,
}

impl PolicyDocument {
    /// Parses a JSON object and keeps its compact form. This does **not** validate the policy
    /// (use [`PolicyDocument::from_policy`] for that).
    ///
    /// ```
    /// assert!(sts_client::PolicyDocument::from_json("[1]").is_err());
    /// ```
    pub fn from_json(json: &str) -> Result<Self, StsError> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| StsError::invalid(format!("policy is not JSON: {e}")))?;
        if !value.is_object() {
            return Err(StsError::invalid("policy must be a JSON object"));
        }
        let json = serde_json::to_string(&value)
            .map_err(|e| StsError::invalid(format!("policy cannot be serialised: {e}")))?;
        Ok(Self::new(json))
    }

    /// Validates a typed policy with `cos-policy` and keeps its canonical compact form.
    /// Validation errors always reject it; least-privilege lints reject it unless
    /// `allow_lints` is true.
    ///
    /// ```
    /// let policy = cos_policy::Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
    ///   "action":["name/cos:GetObject"],
    ///   "resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/docs/*"]}]}"#).unwrap();
    /// let document = sts_client::PolicyDocument::from_policy(&policy, false).unwrap();
    /// assert!(document.as_json().contains("name/cos:GetObject"));
    /// ```
    pub fn from_policy(policy: &cos_policy::Policy, allow_lints: bool) -> Result<Self, StsError> {
        let json = crate::validation::check(policy, allow_lints)?;
        Ok(Self::new(json))
    }

    fn new(json: String) -> Self {
        let encoded = tc3_signer::uri_encode(&json);
        Self { json, encoded }
    }

    /// The compact JSON.
    ///
    /// ```
    /// let p = sts_client::PolicyDocument::from_json("{}").unwrap();
    /// assert_eq!(p.as_json(), "{}");
    /// ```
    pub fn as_json(&self) -> &str {
        &self.json
    }

    /// The JSON URL-encoded once (RFC 3986 unreserved characters kept), the `Policy` value.
    ///
    /// ```
    /// let p = sts_client::PolicyDocument::from_json(r#"{"a":"b+c%"}"#).unwrap();
    /// assert_eq!(p.encoded(), "%7B%22a%22%3A%22b%2Bc%25%22%7D");
    /// ```
    pub fn encoded(&self) -> &str {
        &self.encoded
    }
}
