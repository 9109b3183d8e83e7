//! The high-level request mirroring the official SDKs' `getCredential`.

use serde_json::{Map, Value, json};

use cos_policy::prefix::{Partial, key_pattern};
use cos_policy::{Bucket, CosResource};

use crate::{GetFederationToken, PolicyDocument, StsClient, StsError, TemporaryCredentials};

#[derive(Debug, Clone)]
enum Source {
    Scoped {
        bucket: Bucket,
        partial: Partial,
        prefixes: Vec<String>,
        actions: Vec<String>,
        conditions: Map<String, Value>,
    },
    Policy(Box<cos_policy::Policy>),
}

/// What `getCredential` asks for: a bucket, region, allowed prefixes and actions (plus
/// optional conditions), or a complete `cos-policy` value. The policy is validated with
/// `cos-policy` before anything is sent: errors always reject it, and least-privilege lints
/// reject it too unless [`CredentialRequest::allow_lints`] is called. It is URL-encoded exactly
/// once.
///
/// ```
/// use sts_client::CredentialRequest;
///
/// # let bucket = sts_client::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
/// let request = CredentialRequest::new(&bucket)
///     .allow_prefix("uploads/alice/*")
///     .allow_actions(["name/cos:PutObject", "PostObject"])
///     .condition("numeric_less_than_equal", "cos:content-length", serde_json::json!(5242880))
///     .duration_seconds(900);
/// let policy = request.policy_document().unwrap();
/// assert!(policy.as_json().contains(
///     "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/alice/*"));
/// assert!(policy.as_json().contains("name/cos:PostObject"));
/// ```
#[derive(Debug, Clone)]
pub struct CredentialRequest {
    source: Source,
    name: String,
    duration_seconds: Option<u64>,
    allow_lints: bool,
}

impl CredentialRequest {
    /// A request scoped to `bucket` (its name and region).
    ///
    /// ```
    /// let bucket = sts_client::Bucket::new("b-1250000000".parse()?, "ap-guangzhou".parse()?);
    /// let r = sts_client::CredentialRequest::new(&bucket);
    /// # let _ = r;
    /// # Ok::<(), sts_client::NameError>(())
    /// ```
    pub fn new(bucket: &Bucket) -> Self {
        Self::with_source(Source::Scoped {
            bucket: bucket.clone(),
            partial: Partial::Refuse,
            prefixes: Vec::new(),
            actions: Vec::new(),
            conditions: Map::new(),
        })
    }

    /// A request for a complete policy.
    ///
    /// ```
    /// let policy = cos_policy::Policy::from_json(r#"{"version":"2.0","statement":[{"effect":"allow",
    ///   "action":["name/cos:GetObject"],
    ///   "resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/a/*"]}]}"#).unwrap();
    /// let r = sts_client::CredentialRequest::from_policy(policy);
    /// assert!(r.policy_document().is_ok());
    /// ```
    pub fn from_policy(policy: cos_policy::Policy) -> Self {
        Self::with_source(Source::Policy(Box::new(policy)))
    }

    fn with_source(source: Source) -> Self {
        Self {
            source,
            name: "cos-sts-rust".to_owned(),
            duration_seconds: None,
            allow_lints: false,
        }
    }

    /// Adds an allowed key pattern: a key (`a.txt`) or a prefix written `users/alice/` or
    /// `users/alice/*` (the same grant); a leading `/` is ignored. A `*` after a partial path
    /// segment (`users/alice*`, which also grants `users/alice2/`) is refused unless
    /// [`CredentialRequest::allow_partial_segment`] is called.
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket).allow_prefix("a/*");
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn allow_prefix(mut self, prefix: impl Into<String>) -> Self {
        if let Source::Scoped { prefixes, .. } = &mut self.source {
            prefixes.push(prefix.into());
        }
        self
    }

    /// Accepts a `*` after a partial path segment (`logs/2026-*`), knowingly granting every
    /// key that starts with that text. The policy still carries the
    /// `partial_segment_wildcard` lint, so [`CredentialRequest::allow_lints`] is needed too.
    ///
    /// ```
    /// let bucket = sts_client::Bucket::new("b-1250000000".parse()?, "ap-guangzhou".parse()?);
    /// let r = sts_client::CredentialRequest::new(&bucket).allow_prefix("logs/2026-*")
    ///     .allow_actions(["GetObject"]);
    /// assert!(r.policy_document().is_err());
    /// assert!(r.allow_partial_segment().allow_lints().policy_document().is_ok());
    /// # Ok::<(), sts_client::NameError>(())
    /// ```
    #[must_use]
    pub fn allow_partial_segment(mut self) -> Self {
        if let Source::Scoped { partial, .. } = &mut self.source {
            *partial = Partial::Allow;
        }
        self
    }

    /// Adds allowed actions (`PutObject` or `name/cos:PutObject`).
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket)
    ///     .allow_actions(["GetObject"]);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn allow_actions<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if let Source::Scoped { actions, .. } = &mut self.source {
            actions.extend(names.into_iter().map(|name| {
                let name = name.into();
                if name.contains(':') {
                    name
                } else {
                    format!("name/cos:{name}")
                }
            }));
        }
        self
    }

    /// Adds a condition `operator: {key: value}` to the statement.
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket)
    ///     .condition("ip_equal", "qcs:ip", serde_json::json!(["10.0.0.0/8"]));
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn condition(mut self, operator: &str, key: &str, value: Value) -> Self {
        if let Source::Scoped { conditions, .. } = &mut self.source {
            let entry = conditions
                .entry(operator.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = entry {
                keys.insert(key.to_owned(), value);
            }
        }
        self
    }

    /// Sets `DurationSeconds`.
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket).duration_seconds(600);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn duration_seconds(mut self, secs: u64) -> Self {
        self.duration_seconds = Some(secs);
        self
    }

    /// Sets the federated user `Name` (default `cos-sts-rust`).
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket).name("uploader");
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Accepts least-privilege lints (wildcard actions, whole-bucket write…) instead of
    /// rejecting them. Validation errors still reject the policy.
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket).allow_lints();
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn allow_lints(mut self) -> Self {
        self.allow_lints = true;
        self
    }

    /// Builds and validates the policy.
    ///
    /// ```
    /// // No prefix: rejected before anything is sent.
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket).allow_actions(["GetObject"]);
    /// assert!(r.policy_document().is_err());
    /// ```
    pub fn policy_document(&self) -> Result<PolicyDocument, StsError> {
        match &self.source {
            Source::Policy(policy) => PolicyDocument::from_policy(policy, self.allow_lints),
            Source::Scoped {
                bucket,
                partial,
                prefixes,
                actions,
                conditions,
            } => {
                let policy = scoped_policy(bucket, *partial, prefixes, actions, conditions)?;
                let policy = cos_policy::Policy::from_json(&policy.to_string()).map_err(|e| {
                    StsError::PolicyRejected {
                        findings: e.to_string(),
                    }
                })?;
                PolicyDocument::from_policy(&policy, self.allow_lints)
            }
        }
    }

    /// The GetFederationToken request this maps to (policy built and validated).
    ///
    /// ```
    /// # let bucket = sts_client::Bucket::new("b-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let r = sts_client::CredentialRequest::new(&bucket)
    ///     .allow_prefix("a/*").allow_actions(["GetObject"]).name("n");
    /// assert_eq!(r.to_federation_token().unwrap().name(), "n");
    /// ```
    pub fn to_federation_token(&self) -> Result<GetFederationToken, StsError> {
        let mut request = GetFederationToken::new(&self.name, self.policy_document()?);
        if let Some(secs) = self.duration_seconds {
            request = request.duration_seconds(secs);
        }
        Ok(request)
    }
}

fn scoped_policy(
    bucket: &Bucket,
    partial: Partial,
    prefixes: &[String],
    actions: &[String],
    conditions: &Map<String, Value>,
) -> Result<Value, StsError> {
    if prefixes.is_empty() {
        return Err(StsError::invalid("at least one allowed prefix is required"));
    }
    if actions.is_empty() {
        return Err(StsError::invalid("at least one allowed action is required"));
    }
    let resources = prefixes
        .iter()
        .map(|prefix| {
            let pattern = key_pattern(prefix, partial).map_err(|e| StsError::PolicyRejected {
                findings: e.to_string(),
            })?;
            Ok(CosResource::object(bucket, &pattern).to_string())
        })
        .collect::<Result<Vec<String>, StsError>>()?;
    let mut statement = json!({
        "effect": "allow",
        "action": actions,
        "resource": resources,
    });
    if !conditions.is_empty()
        && let Value::Object(object) = &mut statement
    {
        object.insert("condition".to_owned(), Value::Object(conditions.clone()));
    }
    Ok(json!({"version": "2.0", "statement": [statement]}))
}

impl StsClient {
    /// Builds and validates the policy, then calls GetFederationToken: the Rust `getCredential`.
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// # let bucket = sts_client::Bucket::new("examplebucket-1250000000".parse().unwrap(), "ap-guangzhou".parse().unwrap());
    /// let request = sts_client::CredentialRequest::new(&bucket)
    ///     .allow_prefix("uploads/*")
    ///     .allow_actions(["PutObject"]);
    /// let issued = client.get_credential(&request).await?;
    /// println!("{}", serde_json::to_string(&issued.cos_js_shape()).unwrap());
    /// # Ok(()) }
    /// ```
    pub async fn get_credential(
        &self,
        request: &CredentialRequest,
    ) -> Result<TemporaryCredentials, StsError> {
        let request = request.to_federation_token()?;
        self.get_federation_token(&request).await
    }
}
