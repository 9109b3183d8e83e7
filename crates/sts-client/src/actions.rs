//! The STS actions: request types, response types and the client methods that run them.

use serde::Deserialize;
use tc3_signer::Credential;

use crate::client::{Auth, ResponseMeta, StsClient};
use crate::wire::{self, Params};
use crate::{PolicyDocument, StsError, TemporaryCredentials};

/// Maximum `DurationSeconds` of GetFederationToken / GetSessionToken (sub-account; root 7200).
const MAX_FEDERATION_SECS: u64 = 129_600;
/// Maximum `DurationSeconds` of the AssumeRole family.
const MAX_ROLE_SECS: u64 = 43_200;

fn check_duration(duration: Option<u64>, max: u64) -> Result<(), StsError> {
    match duration {
        Some(0) => Err(StsError::invalid("DurationSeconds must be positive")),
        Some(d) if d > max => Err(StsError::invalid(format!(
            "DurationSeconds {d} exceeds the maximum of {max}"
        ))),
        _ => Ok(()),
    }
}

fn check_session_name(name: &str) -> Result<(), StsError> {
    let ok = (2..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(StsError::invalid(format!(
            "RoleSessionName `{name}` must be 2-128 characters of [A-Za-z0-9+=,.@_-]"
        )))
    }
}

fn required(name: &str, value: &str) -> Result<(), StsError> {
    if value.trim().is_empty() {
        Err(StsError::invalid(format!("{name} is required")))
    } else {
        Ok(())
    }
}

/// A redacted stand-in for secret request fields in `Debug`.
struct Redacted;
impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// `GetFederationToken`: a temporary key limited by `policy` (permanent keys only).
///
/// ```
/// use sts_client::{GetFederationToken, PolicyDocument};
/// let request = GetFederationToken::new("web-upload", PolicyDocument::from_json("{}").unwrap())
///     .duration_seconds(900);
/// assert_eq!(request.name(), "web-upload");
/// ```
#[derive(Debug, Clone)]
pub struct GetFederationToken {
    name: String,
    policy: PolicyDocument,
    duration_seconds: Option<u64>,
}

impl GetFederationToken {
    /// A request for federated user `name` (shown in CloudAudit) limited by `policy`.
    ///
    /// ```
    /// let r = sts_client::GetFederationToken::new("n", sts_client::PolicyDocument::from_json("{}").unwrap());
    /// assert_eq!(r.name(), "n");
    /// ```
    pub fn new(name: impl Into<String>, policy: PolicyDocument) -> Self {
        Self {
            name: name.into(),
            policy,
            duration_seconds: None,
        }
    }

    /// Sets `DurationSeconds` (default 1800 server-side; max 7200 root / 129600 sub-account).
    ///
    /// ```
    /// let r = sts_client::GetFederationToken::new("n", sts_client::PolicyDocument::from_json("{}").unwrap())
    ///     .duration_seconds(60);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn duration_seconds(mut self, secs: u64) -> Self {
        self.duration_seconds = Some(secs);
        self
    }

    /// The federated user name.
    ///
    /// ```
    /// let r = sts_client::GetFederationToken::new("x", sts_client::PolicyDocument::from_json("{}").unwrap());
    /// assert_eq!(r.name(), "x");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn params(&self) -> Result<Params, StsError> {
        required("Name", &self.name)?;
        check_duration(self.duration_seconds, MAX_FEDERATION_SECS)?;
        let mut params = Params::default();
        params
            .str("Name", &self.name)
            .encoded("Policy", self.policy.encoded())
            .opt_int("DurationSeconds", self.duration_seconds);
        Ok(params)
    }
}

/// `AssumeRole`: a temporary key of a CAM role (callable with permanent or temporary keys).
///
/// ```
/// use sts_client::AssumeRole;
/// let request = AssumeRole::new("qcs::cam::uin/100000000001:roleName/uploader", "session-1")
///     .external_id("ext-123")
///     .tag("team", "media")
///     .source_identity("alice")
///     .mfa("qcs::cam:uin/100000000001::mfa/softToken", "123456")
///     .duration_seconds(3600);
/// assert!(!format!("{request:?}").contains("123456"));
/// ```
#[derive(Clone)]
pub struct AssumeRole {
    role_arn: String,
    role_session_name: String,
    duration_seconds: Option<u64>,
    policy: Option<PolicyDocument>,
    external_id: Option<String>,
    tags: Vec<(String, String)>,
    source_identity: Option<String>,
    mfa: Option<(String, String)>,
}

impl std::fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("policy", &self.policy)
            .field("external_id", &self.external_id)
            .field("tags", &self.tags)
            .field("source_identity", &self.source_identity)
            .field("mfa_serial_number", &self.mfa.as_ref().map(|(s, _)| s))
            .field("mfa_token_code", &self.mfa.as_ref().map(|_| Redacted))
            .finish()
    }
}

impl AssumeRole {
    /// Assume `role_arn` under session name `role_session_name` (2–128 of `[\w+=,.@-]`).
    ///
    /// ```
    /// let r = sts_client::AssumeRole::new("qcs::cam::uin/1:roleName/r", "s1");
    /// # let _ = r;
    /// ```
    pub fn new(role_arn: impl Into<String>, role_session_name: impl Into<String>) -> Self {
        Self {
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            duration_seconds: None,
            policy: None,
            external_id: None,
            tags: Vec::new(),
            source_identity: None,
            mfa: None,
        }
    }

    /// Sets `DurationSeconds` (default 7200, max 43200).
    ///
    /// ```
    /// let r = sts_client::AssumeRole::new("a", "s1").duration_seconds(900);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn duration_seconds(mut self, secs: u64) -> Self {
        self.duration_seconds = Some(secs);
        self
    }

    /// Narrows the role's permissions with `policy` (result = role ∩ policy).
    ///
    /// ```
    /// let r = sts_client::AssumeRole::new("a", "s1")
    ///     .policy(sts_client::PolicyDocument::from_json("{}").unwrap());
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn policy(mut self, policy: PolicyDocument) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Sets `ExternalId`.
    ///
    /// ```
    /// let r = sts_client::AssumeRole::new("a", "s1").external_id("x1");
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// Adds a session tag (`Tags.N`; at most 50, keys unique).
    ///
    /// ```
    /// let r = sts_client::AssumeRole::new("a", "s1").tag("k", "v");
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Sets `SourceIdentity`.
    ///
    /// ```
    /// let r = sts_client::AssumeRole::new("a", "s1").source_identity("alice");
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn source_identity(mut self, identity: impl Into<String>) -> Self {
        self.source_identity = Some(identity.into());
        self
    }

    /// Sets the MFA device (`SerialNumber`) and current code (`TokenCode`, redacted in `Debug`).
    ///
    /// ```
    /// let r = sts_client::AssumeRole::new("a", "s1").mfa("serial", "000000");
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn mfa(mut self, serial_number: impl Into<String>, token_code: impl Into<String>) -> Self {
        self.mfa = Some((serial_number.into(), token_code.into()));
        self
    }

    pub(crate) fn params(&self) -> Result<Params, StsError> {
        required("RoleArn", &self.role_arn)?;
        check_session_name(&self.role_session_name)?;
        check_duration(self.duration_seconds, MAX_ROLE_SECS)?;
        if self.tags.len() > 50 {
            return Err(StsError::invalid("at most 50 tags are allowed"));
        }
        for (i, (key, value)) in self.tags.iter().enumerate() {
            if key.is_empty() || key.len() > 128 || value.len() > 256 {
                return Err(StsError::invalid(format!(
                    "tag `{key}`: keys are 1-128 and values at most 256 characters"
                )));
            }
            if self.tags.iter().take(i).any(|(k, _)| k == key) {
                return Err(StsError::invalid(format!("duplicate tag key `{key}`")));
            }
        }
        let mut params = Params::default();
        params
            .str("RoleArn", &self.role_arn)
            .str("RoleSessionName", &self.role_session_name)
            .opt_int("DurationSeconds", self.duration_seconds)
            .opt_encoded("Policy", self.policy.as_ref().map(PolicyDocument::encoded))
            .opt_str("ExternalId", self.external_id.as_deref())
            .pairs("Tags", self.tags.clone())
            .opt_str("SourceIdentity", self.source_identity.as_deref());
        if let Some((serial, code)) = &self.mfa {
            params.str("SerialNumber", serial).str("TokenCode", code);
        }
        Ok(params)
    }
}

/// `AssumeRoleWithWebIdentity` (unsigned): exchange an OIDC token for a role's temporary key.
///
/// ```
/// use sts_client::AssumeRoleWithWebIdentity;
/// let request = AssumeRoleWithWebIdentity::new("OIDC", "eyJsecret", "qcs::cam::uin/1:roleName/r", "s1");
/// assert!(!format!("{request:?}").contains("eyJsecret"));
/// ```
#[derive(Clone)]
pub struct AssumeRoleWithWebIdentity {
    provider_id: String,
    web_identity_token: String,
    role_arn: String,
    role_session_name: String,
    duration_seconds: Option<u64>,
}

impl std::fmt::Debug for AssumeRoleWithWebIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRoleWithWebIdentity")
            .field("provider_id", &self.provider_id)
            .field("web_identity_token", &Redacted)
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

impl AssumeRoleWithWebIdentity {
    /// A request for `role_arn` with the OIDC `web_identity_token` of identity provider
    /// `provider_id` (for TKE, `TKE_PROVIDER_ID`).
    ///
    /// ```
    /// let r = sts_client::AssumeRoleWithWebIdentity::new("p", "t", "a", "s1");
    /// # let _ = r;
    /// ```
    pub fn new(
        provider_id: impl Into<String>,
        web_identity_token: impl Into<String>,
        role_arn: impl Into<String>,
        role_session_name: impl Into<String>,
    ) -> Self {
        Self {
            provider_id: provider_id.into(),
            web_identity_token: web_identity_token.into(),
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            duration_seconds: None,
        }
    }

    /// Sets `DurationSeconds` (default 7200, max 43200).
    ///
    /// ```
    /// let r = sts_client::AssumeRoleWithWebIdentity::new("p", "t", "a", "s1").duration_seconds(900);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn duration_seconds(mut self, secs: u64) -> Self {
        self.duration_seconds = Some(secs);
        self
    }

    pub(crate) fn params(&self) -> Result<Params, StsError> {
        required("ProviderId", &self.provider_id)?;
        required("WebIdentityToken", &self.web_identity_token)?;
        required("RoleArn", &self.role_arn)?;
        check_session_name(&self.role_session_name)?;
        check_duration(self.duration_seconds, MAX_ROLE_SECS)?;
        let mut params = Params::default();
        params
            .str("ProviderId", &self.provider_id)
            .str("WebIdentityToken", self.web_identity_token.trim())
            .str("RoleArn", &self.role_arn)
            .str("RoleSessionName", &self.role_session_name)
            .opt_int("DurationSeconds", self.duration_seconds);
        Ok(params)
    }
}

/// `AssumeRoleWithSAML` (unsigned): exchange a SAML assertion for a role's temporary key.
///
/// ```
/// use sts_client::AssumeRoleWithSaml;
/// let request = AssumeRoleWithSaml::new("PHNhbWw+c2VjcmV0", "qcs::cam::uin/1:saml-provider/idp",
///     "qcs::cam::uin/1:roleName/r", "s1");
/// assert!(!format!("{request:?}").contains("PHNhbWw"));
/// ```
#[derive(Clone)]
pub struct AssumeRoleWithSaml {
    saml_assertion: String,
    principal_arn: String,
    role_arn: String,
    role_session_name: String,
    duration_seconds: Option<u64>,
}

impl std::fmt::Debug for AssumeRoleWithSaml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRoleWithSaml")
            .field("saml_assertion", &Redacted)
            .field("principal_arn", &self.principal_arn)
            .field("role_arn", &self.role_arn)
            .field("role_session_name", &self.role_session_name)
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

impl AssumeRoleWithSaml {
    /// A request with a base64 `saml_assertion`, the SAML provider `principal_arn` and the role.
    ///
    /// ```
    /// let r = sts_client::AssumeRoleWithSaml::new("x", "p", "a", "s1");
    /// # let _ = r;
    /// ```
    pub fn new(
        saml_assertion: impl Into<String>,
        principal_arn: impl Into<String>,
        role_arn: impl Into<String>,
        role_session_name: impl Into<String>,
    ) -> Self {
        Self {
            saml_assertion: saml_assertion.into(),
            principal_arn: principal_arn.into(),
            role_arn: role_arn.into(),
            role_session_name: role_session_name.into(),
            duration_seconds: None,
        }
    }

    /// Sets `DurationSeconds` (default 7200, max 43200).
    ///
    /// ```
    /// let r = sts_client::AssumeRoleWithSaml::new("x", "p", "a", "s1").duration_seconds(900);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn duration_seconds(mut self, secs: u64) -> Self {
        self.duration_seconds = Some(secs);
        self
    }

    pub(crate) fn params(&self) -> Result<Params, StsError> {
        required("SAMLAssertion", &self.saml_assertion)?;
        required("PrincipalArn", &self.principal_arn)?;
        required("RoleArn", &self.role_arn)?;
        check_session_name(&self.role_session_name)?;
        check_duration(self.duration_seconds, MAX_ROLE_SECS)?;
        let mut params = Params::default();
        params
            .str("SAMLAssertion", &self.saml_assertion)
            .str("PrincipalArn", &self.principal_arn)
            .str("RoleArn", &self.role_arn)
            .str("RoleSessionName", &self.role_session_name)
            .opt_int("DurationSeconds", self.duration_seconds);
        Ok(params)
    }
}

/// `GetSessionToken`: a temporary key for the caller after MFA.
///
/// ```
/// let r = sts_client::GetSessionToken::new("qcs::cam:uin/1::mfa/softToken", "654321");
/// assert!(!format!("{r:?}").contains("654321"));
/// ```
#[derive(Clone)]
pub struct GetSessionToken {
    serial_number: String,
    token_code: String,
    duration_seconds: Option<u64>,
}

impl std::fmt::Debug for GetSessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetSessionToken")
            .field("serial_number", &self.serial_number)
            .field("token_code", &Redacted)
            .field("duration_seconds", &self.duration_seconds)
            .finish()
    }
}

impl GetSessionToken {
    /// A request with the MFA device `serial_number` and its current `token_code`.
    ///
    /// ```
    /// let r = sts_client::GetSessionToken::new("serial", "000000");
    /// # let _ = r;
    /// ```
    pub fn new(serial_number: impl Into<String>, token_code: impl Into<String>) -> Self {
        Self {
            serial_number: serial_number.into(),
            token_code: token_code.into(),
            duration_seconds: None,
        }
    }

    /// Sets `DurationSeconds` (default 1800; max 7200 root / 129600 sub-account).
    ///
    /// ```
    /// let r = sts_client::GetSessionToken::new("s", "0").duration_seconds(900);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn duration_seconds(mut self, secs: u64) -> Self {
        self.duration_seconds = Some(secs);
        self
    }

    pub(crate) fn params(&self) -> Result<Params, StsError> {
        required("SerialNumber", &self.serial_number)?;
        required("TokenCode", &self.token_code)?;
        check_duration(self.duration_seconds, MAX_FEDERATION_SECS)?;
        let mut params = Params::default();
        params
            .str("SerialNumber", &self.serial_number)
            .str("TokenCode", &self.token_code)
            .opt_int("DurationSeconds", self.duration_seconds);
        Ok(params)
    }
}

/// `QueryApiKey`: list the API keys of the caller or of `TargetUin`.
///
/// ```
/// let r = sts_client::QueryApiKey::new().target_uin(100000000001);
/// # let _ = r;
/// ```
#[derive(Debug, Clone, Default)]
pub struct QueryApiKey {
    target_uin: Option<u64>,
}

impl QueryApiKey {
    /// Lists the caller's keys.
    ///
    /// ```
    /// let r = sts_client::QueryApiKey::new();
    /// # let _ = r;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Lists the keys of sub-account `uin` instead.
    ///
    /// ```
    /// let r = sts_client::QueryApiKey::new().target_uin(1);
    /// # let _ = r;
    /// ```
    #[must_use]
    pub fn target_uin(mut self, uin: u64) -> Self {
        self.target_uin = Some(uin);
        self
    }
}

/// `GetCallerIdentity` output.
///
/// ```
/// let id: sts_client::CallerIdentity = serde_json::from_str(
///     r#"{"Arn":"qcs::sts:1:federated-user/1","AccountId":"1","UserId":"1","PrincipalId":"1","Type":"CAMUser","RequestId":"r"}"#,
/// ).unwrap();
/// assert_eq!(id.kind, "CAMUser");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct CallerIdentity {
    /// The caller's ARN.
    pub arn: String,
    /// The root account.
    pub account_id: String,
    /// The user id (`uin`, `roleId:roleSessionName`, or `uin:federatedUserName`).
    pub user_id: String,
    /// The principal id.
    pub principal_id: String,
    /// The identity type (for example `CAMUser`).
    #[serde(rename = "Type")]
    pub kind: String,
    /// `RequestId`.
    pub request_id: String,
}

/// One API key listed by `QueryApiKey` (no secret: only the id).
///
/// ```
/// let key: sts_client::ApiKey = serde_json::from_str(
///     r#"{"SecretId":"AKID1","CreateTime":1700000000,"Status":2}"#).unwrap();
/// assert!(key.is_valid());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ApiKey {
    /// The secret id.
    pub secret_id: String,
    /// Creation time (Unix seconds).
    pub create_time: u64,
    /// 2 valid, 3 disabled, 4 deleted.
    pub status: u32,
}

impl ApiKey {
    /// Whether the key is enabled (`Status == 2`).
    ///
    /// ```
    /// let key: sts_client::ApiKey = serde_json::from_str(
    ///     r#"{"SecretId":"AKID1","CreateTime":1,"Status":3}"#).unwrap();
    /// assert!(!key.is_valid());
    /// ```
    pub fn is_valid(&self) -> bool {
        self.status == 2
    }
}

/// `QueryApiKey` output.
///
/// ```
/// let keys: sts_client::ApiKeys = serde_json::from_str(
///     r#"{"IdKeys":[{"SecretId":"AKID1","CreateTime":1,"Status":2}],"RequestId":"r"}"#).unwrap();
/// assert_eq!(keys.id_keys.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ApiKeys {
    /// The keys.
    #[serde(default)]
    pub id_keys: Vec<ApiKey>,
    /// `RequestId`.
    pub request_id: String,
}

/// The credential-issuing output shared by GetFederationToken, AssumeRole* and GetSessionToken.
/// Not `Debug` on purpose: it holds secrets.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IssuedOutput {
    credentials: IssuedCredentials,
    expired_time: u64,
    #[serde(default)]
    expiration: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IssuedCredentials {
    token: String,
    tmp_secret_id: String,
    tmp_secret_key: String,
}

impl StsClient {
    async fn issue(
        &self,
        action: &'static str,
        params: Result<Params, StsError>,
        auth: Auth,
    ) -> Result<TemporaryCredentials, StsError> {
        let params = params?;
        let (value, meta) = self.execute(action, &params, auth).await?;
        issued_from(value, &meta)
    }

    /// Calls `GetFederationToken`.
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// let policy = sts_client::PolicyDocument::from_json(r#"{"version":"2.0","statement":[]}"#)?;
    /// let issued = client.get_federation_token(&sts_client::GetFederationToken::new("n", policy)).await?;
    /// println!("expires at {}", issued.expired_time());
    /// # Ok(()) }
    /// ```
    pub async fn get_federation_token(
        &self,
        request: &GetFederationToken,
    ) -> Result<TemporaryCredentials, StsError> {
        self.issue("GetFederationToken", request.params(), Auth::Signed)
            .await
    }

    /// Builds the signed GetFederationToken request (validated, policy encoded once, signed for
    /// time `now`) without sending it: for inspection, debugging and benchmarks.
    ///
    /// ```
    /// use sts_client::{GetFederationToken, PolicyDocument, StsClient};
    /// let client = StsClient::builder().build().unwrap();
    /// let request = GetFederationToken::new("n", PolicyDocument::from_json("{}").unwrap());
    /// let credential = tc3_signer::Credential::new("AKIDEXAMPLE", "key");
    /// let signed = client.prepare_federation_token(&request, &credential, 1_700_000_000).unwrap();
    /// assert!(signed.headers()["authorization"].to_str().unwrap().starts_with("TC3-HMAC-SHA256"));
    /// ```
    pub fn prepare_federation_token(
        &self,
        request: &GetFederationToken,
        credential: &Credential,
        now: u64,
    ) -> Result<http::Request<bytes::Bytes>, StsError> {
        let params = request.params()?;
        self.build_request("GetFederationToken", &params, Some(credential), now)
    }

    /// Calls `AssumeRole` (the client's credentials may themselves be temporary).
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// let request = sts_client::AssumeRole::new("qcs::cam::uin/1:roleName/r", "s1");
    /// let issued = client.assume_role(&request).await?;
    /// # let _ = issued; Ok(()) }
    /// ```
    pub async fn assume_role(
        &self,
        request: &AssumeRole,
    ) -> Result<TemporaryCredentials, StsError> {
        self.issue("AssumeRole", request.params(), Auth::Signed)
            .await
    }

    /// Calls `AssumeRoleWithWebIdentity` (unsigned; needs no credentials).
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// let request = sts_client::AssumeRoleWithWebIdentity::new("OIDC", "token", "qcs::cam::uin/1:roleName/r", "s1");
    /// let issued = client.assume_role_with_web_identity(&request).await?;
    /// # let _ = issued; Ok(()) }
    /// ```
    pub async fn assume_role_with_web_identity(
        &self,
        request: &AssumeRoleWithWebIdentity,
    ) -> Result<TemporaryCredentials, StsError> {
        self.issue(
            "AssumeRoleWithWebIdentity",
            request.params(),
            Auth::Unsigned,
        )
        .await
    }

    /// Calls `AssumeRoleWithSAML` (unsigned; needs no credentials).
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// let request = sts_client::AssumeRoleWithSaml::new("base64", "qcs::cam::uin/1:saml-provider/p", "qcs::cam::uin/1:roleName/r", "s1");
    /// let issued = client.assume_role_with_saml(&request).await?;
    /// # let _ = issued; Ok(()) }
    /// ```
    pub async fn assume_role_with_saml(
        &self,
        request: &AssumeRoleWithSaml,
    ) -> Result<TemporaryCredentials, StsError> {
        self.issue("AssumeRoleWithSAML", request.params(), Auth::Unsigned)
            .await
    }

    /// Calls `GetSessionToken`.
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// let issued = client.get_session_token(&sts_client::GetSessionToken::new("serial", "123456")).await?;
    /// # let _ = issued; Ok(()) }
    /// ```
    pub async fn get_session_token(
        &self,
        request: &GetSessionToken,
    ) -> Result<TemporaryCredentials, StsError> {
        self.issue("GetSessionToken", request.params(), Auth::Signed)
            .await
    }

    /// Calls `GetCallerIdentity`.
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// let identity = client.get_caller_identity().await?;
    /// println!("{}", identity.arn);
    /// # Ok(()) }
    /// ```
    pub async fn get_caller_identity(&self) -> Result<CallerIdentity, StsError> {
        let (value, meta) = self
            .execute("GetCallerIdentity", &Params::default(), Auth::Signed)
            .await?;
        wire::decode(value, meta.request_id())
    }

    /// Calls `QueryApiKey`.
    ///
    /// ```no_run
    /// # async fn run(client: sts_client::StsClient) -> Result<(), sts_client::StsError> {
    /// let keys = client.query_api_key(&sts_client::QueryApiKey::new()).await?;
    /// println!("{} keys", keys.id_keys.len());
    /// # Ok(()) }
    /// ```
    pub async fn query_api_key(&self, request: &QueryApiKey) -> Result<ApiKeys, StsError> {
        let mut params = Params::default();
        params.opt_int("TargetUin", request.target_uin);
        let (value, meta) = self.execute("QueryApiKey", &params, Auth::Signed).await?;
        wire::decode(value, meta.request_id())
    }
}

fn issued_from(
    value: serde_json::Value,
    meta: &ResponseMeta,
) -> Result<TemporaryCredentials, StsError> {
    let output: IssuedOutput = wire::decode(value, meta.request_id())?;
    let credential = Credential::new(
        output.credentials.tmp_secret_id,
        output.credentials.tmp_secret_key,
    )
    .with_token(output.credentials.token);
    Ok(TemporaryCredentials::new(
        credential,
        meta.start_time(),
        output.expired_time,
        output.expiration,
        meta.request_id(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_validation() {
        let policy = PolicyDocument::from_json("{}").unwrap();
        assert!(
            GetFederationToken::new("", policy.clone())
                .params()
                .is_err()
        );
        assert!(
            GetFederationToken::new("n", policy.clone())
                .duration_seconds(129_601)
                .params()
                .is_err()
        );
        assert!(
            AssumeRole::new("a", "x").params().is_err(),
            "session name too short"
        );
        assert!(AssumeRole::new("a", "bad name").params().is_err());
        assert!(
            AssumeRole::new("a", "s1")
                .duration_seconds(43_201)
                .params()
                .is_err()
        );
        assert!(
            AssumeRole::new("a", "s1")
                .tag("k", "1")
                .tag("k", "2")
                .params()
                .is_err()
        );
        let flat = AssumeRole::new("a", "s1")
            .tag("k", "v")
            .mfa("sn", "123")
            .params()
            .unwrap()
            .to_flat();
        assert!(flat.contains(&("Tags.0.Key".into(), "k".into())));
        assert!(flat.contains(&("TokenCode".into(), "123".into())));
        assert!(
            AssumeRoleWithWebIdentity::new("p", " ", "a", "s1")
                .params()
                .is_err()
        );
    }
}
