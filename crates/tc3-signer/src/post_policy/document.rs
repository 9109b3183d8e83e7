//! Building the policy document (compact JSON) from an expiration and conditions.

use super::iso8601::format_millis;
use super::json::write_string;
use super::{Condition, SignedPostPolicy, sign_policy};
use crate::cos::KeyTime;
use crate::{Credential, SignError};

/// The field name of the session token in the form and in the policy.
pub(crate) const TOKEN_FIELD: &str = "x-cos-security-token";

/// A POST-object policy under construction: expiration plus restrictions.
///
/// [`PolicyDocument::sign`] writes compact JSON: `expiration`, then the conditions
/// `q-sign-algorithm`, `q-ak`, `q-sign-time`, then the restrictions in the order added,
/// then (temporary credentials, unless already pinned) the session token.
///
/// ```
/// use tc3_signer::{Credential, cos::KeyTime, post_policy::PolicyDocument};
///
/// let credential = Credential::new("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q", "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz");
/// let signed = PolicyDocument::new(1_700_003_600)
///     .bucket("examplebucket-1250000000")
///     .key_starts_with("uploads/")
///     .sign(&credential, KeyTime::new(1700000000, 1700003600)?)?;
/// assert_eq!(signed.signature(), "499aaf4505593a14528d2153260a06ffa887e589");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    expiration_millis: u64,
    conditions: Vec<Condition>,
}

impl PolicyDocument {
    /// A policy that expires at `expiration` (Unix seconds), written with `.000`
    /// milliseconds.
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(1_700_003_600);
    /// assert_eq!(policy.expiration(), "2023-11-14T23:13:20.000Z");
    /// ```
    pub fn new(expiration: u64) -> Self {
        Self::with_expiration_millis(expiration.saturating_mul(1000))
    }

    /// A policy that expires at `expiration_millis` (Unix milliseconds).
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::with_expiration_millis(1_567_157_892_414);
    /// assert_eq!(policy.expiration(), "2019-08-30T09:38:12.414Z");
    /// ```
    pub fn with_expiration_millis(expiration_millis: u64) -> Self {
        Self {
            expiration_millis,
            conditions: Vec::new(),
        }
    }

    /// The `expiration` value, ISO 8601 UTC.
    ///
    /// ```
    /// assert_eq!(tc3_signer::post_policy::PolicyDocument::new(0).expiration(), "1970-01-01T00:00:00.000Z");
    /// ```
    pub fn expiration(&self) -> String {
        format_millis(self.expiration_millis)
    }

    /// The restrictions added so far.
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).bucket("b-1250000000");
    /// assert_eq!(policy.conditions().len(), 1);
    /// ```
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// Adds any condition.
    ///
    /// ```
    /// use tc3_signer::post_policy::{Condition, PolicyDocument};
    /// let policy = PolicyDocument::new(0).condition(Condition::exact("acl", "default"));
    /// assert_eq!(policy.conditions()[0].field(), "acl");
    /// ```
    #[must_use]
    pub fn condition(mut self, condition: Condition) -> Self {
        self.conditions.push(condition);
        self
    }

    /// `{"bucket": bucket}` (`<name>-<appid>`; checked against the request, not the form).
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).bucket("b-1250000000");
    /// assert_eq!(policy.conditions()[0].to_json(), r#"{"bucket":"b-1250000000"}"#);
    /// ```
    #[must_use]
    pub fn bucket(self, bucket: impl Into<String>) -> Self {
        self.condition(Condition::exact("bucket", bucket))
    }

    /// `["eq", "$key", key]`: exactly this object key.
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).key("avatars/u1.png");
    /// assert_eq!(policy.conditions()[0].to_json(), r#"["eq","$key","avatars/u1.png"]"#);
    /// ```
    #[must_use]
    pub fn key(self, key: impl Into<String>) -> Self {
        self.condition(Condition::eq("key", key))
    }

    /// `["starts-with", "$key", prefix]`: keys under a prefix (use it with `${filename}`).
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).key_starts_with("uploads/");
    /// assert_eq!(policy.conditions()[0].to_json(), r#"["starts-with","$key","uploads/"]"#);
    /// ```
    #[must_use]
    pub fn key_starts_with(self, prefix: impl Into<String>) -> Self {
        self.condition(Condition::starts_with("key", prefix))
    }

    /// `["content-length-range", min, max]`.
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).content_length_range(1, 10485760);
    /// assert_eq!(policy.conditions()[0].to_json(), r#"["content-length-range",1,10485760]"#);
    /// ```
    #[must_use]
    pub fn content_length_range(self, min: u64, max: u64) -> Self {
        self.condition(Condition::content_length_range(min, max))
    }

    /// `["eq", "$Content-Type", content_type]`.
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).content_type("image/png");
    /// assert_eq!(policy.conditions()[0].to_json(), r#"["eq","$Content-Type","image/png"]"#);
    /// ```
    #[must_use]
    pub fn content_type(self, content_type: impl Into<String>) -> Self {
        self.condition(Condition::eq("Content-Type", content_type))
    }

    /// `["starts-with", "$Content-Type", prefix]`.
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).content_type_starts_with("image/");
    /// assert_eq!(policy.conditions()[0].field(), "Content-Type");
    /// ```
    #[must_use]
    pub fn content_type_starts_with(self, prefix: impl Into<String>) -> Self {
        self.condition(Condition::starts_with("Content-Type", prefix))
    }

    /// `{field: value}` for any other form field (`acl`, `success_action_status`,
    /// `x-cos-meta-*`, `x-cos-security-token`, …).
    ///
    /// ```
    /// let policy = tc3_signer::post_policy::PolicyDocument::new(0).field_equals("success_action_status", "201");
    /// assert_eq!(policy.conditions()[0].to_json(), r#"{"success_action_status":"201"}"#);
    /// ```
    #[must_use]
    pub fn field_equals(self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.condition(Condition::exact(field, value))
    }

    /// The policy text that [`PolicyDocument::sign`] signs for this secret id, key time and
    /// optional session token.
    ///
    /// ```
    /// use tc3_signer::{cos::KeyTime, post_policy::PolicyDocument};
    ///
    /// let text = PolicyDocument::new(1_700_003_600).to_json("AKID", KeyTime::new(1, 2)?, None);
    /// assert_eq!(text, r#"{"expiration":"2023-11-14T23:13:20.000Z","conditions":[{"q-sign-algorithm":"sha1"},{"q-ak":"AKID"},{"q-sign-time":"1;2"}]}"#);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn to_json(&self, secret_id: &str, key_time: KeyTime, token: Option<&str>) -> String {
        let mut out = String::with_capacity(160 + 48 * self.conditions.len());
        out.push_str("{\"expiration\":");
        write_string(&mut out, &self.expiration());
        out.push_str(",\"conditions\":[");
        out.push_str("{\"q-sign-algorithm\":\"sha1\"},{\"q-ak\":");
        write_string(&mut out, secret_id);
        out.push_str("},{\"q-sign-time\":");
        write_string(&mut out, &key_time.to_string());
        out.push('}');
        for condition in &self.conditions {
            out.push(',');
            condition.write_json(&mut out);
        }
        let token_pinned = self
            .conditions
            .iter()
            .any(|c| c.field().eq_ignore_ascii_case(TOKEN_FIELD));
        if let Some(token) = token.filter(|_| !token_pinned) {
            out.push(',');
            Condition::exact(TOKEN_FIELD, token).write_json(&mut out);
        }
        out.push_str("]}");
        out
    }

    /// Writes the policy for the credential and signs it.
    ///
    /// # Errors
    /// As [`sign_policy`].
    ///
    /// ```
    /// use tc3_signer::{Credential, cos::KeyTime, post_policy::PolicyDocument};
    ///
    /// let credential = Credential::new("AKID", "key").with_token("tok");
    /// let signed = PolicyDocument::new(2000).key("a.png").sign(&credential, KeyTime::new(1000, 2000)?)?;
    /// assert!(signed.policy().ends_with(r#"["eq","$key","a.png"],{"x-cos-security-token":"tok"}]}"#));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign(
        &self,
        credential: &Credential,
        key_time: KeyTime,
    ) -> Result<SignedPostPolicy, SignError> {
        let text = self.to_json(credential.secret_id(), key_time, credential.token());
        sign_policy(credential, text, key_time)
    }
}
