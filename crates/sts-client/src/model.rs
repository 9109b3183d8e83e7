//! The result of a credential-issuing STS call and its three serialised shapes.

use serde::Serialize;
use tc3_signer::Credential;

/// Temporary credentials issued by STS (GetFederationToken, AssumeRole, …).
///
/// The secret key and the token are redacted in `Debug`. To hand them to a front end,
/// serialise one of the three shapes: [`TemporaryCredentials::sdk_shape`] (the lower-camel
/// shape of the official Node/Python SDKs), [`TemporaryCredentials::api_shape`] (the API's
/// PascalCase) or [`TemporaryCredentials::cos_js_shape`] (the `getAuthorization` callback
/// argument of `cos-js-sdk-v5`).
///
/// ```
/// use sts_client::TemporaryCredentials;
/// use tc3_signer::Credential;
///
/// let issued = TemporaryCredentials::new(
///     Credential::new("AKIDTMP", "tmp-key").with_token("tok"),
///     1_700_000_000,
///     1_700_001_800,
///     Some("2023-11-14T22:43:20Z".into()),
///     "req-1",
/// );
/// let json = serde_json::to_value(issued.sdk_shape()).unwrap();
/// assert_eq!(json["credentials"]["tmpSecretId"], "AKIDTMP");
/// assert_eq!(json["startTime"], 1_700_000_000);
/// assert!(!format!("{issued:?}").contains("tmp-key"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryCredentials {
    credential: Credential,
    start_time: u64,
    expired_time: u64,
    expiration: Option<String>,
    request_id: String,
}

impl TemporaryCredentials {
    /// Assembles issued credentials. `start_time` must be a truthful start (the response `Date`
    /// or the send time), `expired_time` the server's `ExpiredTime` (Unix seconds).
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 10, 20, None, "r");
    /// assert_eq!(c.lifetime_secs(), 10);
    /// ```
    pub fn new(
        credential: Credential,
        start_time: u64,
        expired_time: u64,
        expiration: Option<String>,
        request_id: impl Into<String>,
    ) -> Self {
        Self {
            credential,
            start_time,
            expired_time,
            expiration,
            request_id: request_id.into(),
        }
    }

    /// The temporary secret id, key and token.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 0, 1, None, "r");
    /// assert_eq!(c.credential().secret_id(), "id");
    /// ```
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Consumes the result, returning the credential.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 0, 1, None, "r");
    /// assert_eq!(c.into_credential().secret_key(), "key");
    /// ```
    pub fn into_credential(self) -> Credential {
        self.credential
    }

    /// When the key became usable: the response `Date` header, or the send time if the
    /// response had none (Unix seconds). Never `expiredTime − requested duration`.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 5, 9, None, "r");
    /// assert_eq!(c.start_time(), 5);
    /// ```
    pub fn start_time(&self) -> u64 {
        self.start_time
    }

    /// `ExpiredTime` as returned by STS (Unix seconds).
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 5, 9, None, "r");
    /// assert_eq!(c.expired_time(), 9);
    /// ```
    pub fn expired_time(&self) -> u64 {
        self.expired_time
    }

    /// `Expiration` (ISO-8601 UTC) as returned by STS, if any.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 5, 9, Some("x".into()), "r");
    /// assert_eq!(c.expiration(), Some("x"));
    /// ```
    pub fn expiration(&self) -> Option<&str> {
        self.expiration.as_deref()
    }

    /// The `RequestId` of the STS call that issued the key.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 5, 9, None, "req");
    /// assert_eq!(c.request_id(), "req");
    /// ```
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// `expired_time − start_time`, saturating at zero.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key"), 9, 5, None, "r");
    /// assert_eq!(c.lifetime_secs(), 0);
    /// ```
    pub fn lifetime_secs(&self) -> u64 {
        self.expired_time.saturating_sub(self.start_time)
    }

    /// The lower-camel shape of the official Node/Python/PHP SDKs:
    /// `{credentials:{tmpSecretId,tmpSecretKey,sessionToken},expiredTime,expiration,requestId,startTime}`.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key").with_token("t"), 1, 2, None, "r");
    /// let v = serde_json::to_value(c.sdk_shape()).unwrap();
    /// assert_eq!(v["credentials"]["sessionToken"], "t");
    /// assert_eq!(v["expiredTime"], 2);
    /// ```
    pub fn sdk_shape(&self) -> SdkShape<'_> {
        SdkShape {
            credentials: SdkCredentials {
                tmp_secret_id: self.credential.secret_id(),
                tmp_secret_key: self.credential.secret_key(),
                session_token: self.credential.token().unwrap_or_default(),
            },
            expired_time: self.expired_time,
            expiration: self.expiration.as_deref(),
            request_id: &self.request_id,
            start_time: self.start_time,
        }
    }

    /// The API's PascalCase shape:
    /// `{Credentials:{Token,TmpSecretId,TmpSecretKey},ExpiredTime,Expiration,RequestId,StartTime}`.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key").with_token("t"), 1, 2, None, "r");
    /// let v = serde_json::to_value(c.api_shape()).unwrap();
    /// assert_eq!(v["Credentials"]["Token"], "t");
    /// assert_eq!(v["StartTime"], 1);
    /// ```
    pub fn api_shape(&self) -> ApiShape<'_> {
        ApiShape {
            credentials: ApiCredentials {
                token: self.credential.token().unwrap_or_default(),
                tmp_secret_id: self.credential.secret_id(),
                tmp_secret_key: self.credential.secret_key(),
            },
            expired_time: self.expired_time,
            expiration: self.expiration.as_deref(),
            request_id: &self.request_id,
            start_time: self.start_time,
        }
    }

    /// The `getAuthorization` callback shape of `cos-js-sdk-v5`:
    /// `{TmpSecretId,TmpSecretKey,SecurityToken,StartTime,ExpiredTime}`.
    ///
    /// ```
    /// let c = sts_client::TemporaryCredentials::new(
    ///     tc3_signer::Credential::new("id", "key").with_token("t"), 1, 2, None, "r");
    /// let v = serde_json::to_value(c.cos_js_shape()).unwrap();
    /// assert_eq!(v["SecurityToken"], "t");
    /// assert_eq!(v["ExpiredTime"], 2);
    /// ```
    pub fn cos_js_shape(&self) -> CosJsShape<'_> {
        CosJsShape {
            tmp_secret_id: self.credential.secret_id(),
            tmp_secret_key: self.credential.secret_key(),
            security_token: self.credential.token().unwrap_or_default(),
            start_time: self.start_time,
            expired_time: self.expired_time,
        }
    }
}

/// See [`TemporaryCredentials::sdk_shape`]. `Debug` is redacted.
///
/// ```
/// let c = sts_client::TemporaryCredentials::new(
///     tc3_signer::Credential::new("id", "key"), 1, 2, None, "r");
/// assert!(!format!("{:?}", c.sdk_shape()).contains("key"));
/// ```
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkShape<'a> {
    credentials: SdkCredentials<'a>,
    expired_time: u64,
    expiration: Option<&'a str>,
    request_id: &'a str,
    start_time: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SdkCredentials<'a> {
    tmp_secret_id: &'a str,
    tmp_secret_key: &'a str,
    session_token: &'a str,
}

/// See [`TemporaryCredentials::api_shape`]. `Debug` is redacted.
///
/// ```
/// let c = sts_client::TemporaryCredentials::new(
///     tc3_signer::Credential::new("id", "key"), 1, 2, None, "r");
/// assert!(!format!("{:?}", c.api_shape()).contains("key"));
/// ```
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiShape<'a> {
    credentials: ApiCredentials<'a>,
    expired_time: u64,
    expiration: Option<&'a str>,
    request_id: &'a str,
    start_time: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ApiCredentials<'a> {
    token: &'a str,
    tmp_secret_id: &'a str,
    tmp_secret_key: &'a str,
}

/// See [`TemporaryCredentials::cos_js_shape`]. `Debug` is redacted.
///
/// ```
/// let c = sts_client::TemporaryCredentials::new(
///     tc3_signer::Credential::new("id", "key"), 1, 2, None, "r");
/// assert!(!format!("{:?}", c.cos_js_shape()).contains("key"));
/// ```
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CosJsShape<'a> {
    tmp_secret_id: &'a str,
    tmp_secret_key: &'a str,
    security_token: &'a str,
    start_time: u64,
    expired_time: u64,
}

/// Why a vending answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a credential answer (sts-server.js, cos-js-sdk-v5 getAuthorization or STS API shape): {0}"
)]
pub struct VendedShapeError(String);

impl VendedShapeError {
    /// Never: the same text fails again.
    ///
    /// ```
    /// let e = sts_client::TemporaryCredentials::from_vended_json(b"{}").unwrap_err();
    /// assert!(!e.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        false
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SdkIn {
    credentials: SdkCredentialsIn,
    expired_time: u64,
    #[serde(default)]
    start_time: Option<u64>,
    #[serde(default)]
    expiration: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SdkCredentialsIn {
    tmp_secret_id: String,
    tmp_secret_key: String,
    #[serde(default)]
    session_token: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiIn {
    credentials: ApiCredentialsIn,
    expired_time: u64,
    #[serde(default)]
    start_time: Option<u64>,
    #[serde(default)]
    expiration: Option<String>,
    #[serde(default)]
    request_id: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiCredentialsIn {
    tmp_secret_id: String,
    tmp_secret_key: String,
    #[serde(default)]
    token: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct JsIn {
    tmp_secret_id: String,
    tmp_secret_key: String,
    #[serde(default, alias = "Token", alias = "XCosSecurityToken")]
    security_token: Option<String>,
    expired_time: u64,
    #[serde(default)]
    start_time: Option<u64>,
    #[serde(default)]
    expiration: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum VendedIn {
    Sdk(SdkIn),
    Api(ApiIn),
    Js(JsIn),
    Envelope {
        #[serde(rename = "Response")]
        response: ApiIn,
    },
}

impl TemporaryCredentials {
    /// Reads any answer shape a vending server gives: the official `sts-server.js` /
    /// Node SDK shape (`{credentials:{tmpSecretId,…}, expiredTime, …}`), cos-js-sdk-v5's
    /// `getAuthorization` shape (`{TmpSecretId, TmpSecretKey, SecurityToken, ExpiredTime}`),
    /// the STS API shape (`{Credentials:{…}, ExpiredTime}`, also inside `{"Response": …}`),
    /// and the instance-metadata document (`Token` for the token). A missing `StartTime`
    /// is taken as unknown (0).
    ///
    /// ```
    /// use sts_client::TemporaryCredentials;
    /// for text in [
    ///     r#"{"credentials":{"tmpSecretId":"AKID1","tmpSecretKey":"k","sessionToken":"t"},"startTime":1,"expiredTime":2}"#,
    ///     r#"{"TmpSecretId":"AKID1","TmpSecretKey":"k","SecurityToken":"t","StartTime":1,"ExpiredTime":2,"ScopeLimit":true}"#,
    ///     r#"{"Credentials":{"TmpSecretId":"AKID1","TmpSecretKey":"k","Token":"t"},"StartTime":1,"ExpiredTime":2}"#,
    /// ] {
    ///     let parsed = TemporaryCredentials::from_vended_json(text.as_bytes()).unwrap();
    ///     assert_eq!(parsed.credential().secret_id(), "AKID1");
    ///     assert_eq!(parsed.credential().token(), Some("t"));
    ///     assert_eq!(parsed.expired_time(), 2);
    /// }
    /// ```
    pub fn from_vended_json(bytes: &[u8]) -> Result<Self, VendedShapeError> {
        let parsed: VendedIn =
            serde_json::from_slice(bytes).map_err(|e| VendedShapeError(e.to_string()))?;
        let (id, key, token, start, end, expiration, request_id) = match parsed {
            VendedIn::Sdk(s) => (
                s.credentials.tmp_secret_id,
                s.credentials.tmp_secret_key,
                s.credentials.session_token,
                s.start_time,
                s.expired_time,
                s.expiration,
                s.request_id,
            ),
            VendedIn::Api(a) | VendedIn::Envelope { response: a } => (
                a.credentials.tmp_secret_id,
                a.credentials.tmp_secret_key,
                a.credentials.token,
                a.start_time,
                a.expired_time,
                a.expiration,
                a.request_id,
            ),
            VendedIn::Js(j) => (
                j.tmp_secret_id,
                j.tmp_secret_key,
                j.security_token,
                j.start_time,
                j.expired_time,
                j.expiration,
                None,
            ),
        };
        if id.is_empty() || key.is_empty() {
            return Err(VendedShapeError("an empty secret id or key".into()));
        }
        let mut credential = Credential::new(id, key);
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            credential = credential.with_token(token);
        }
        Ok(Self::new(
            credential,
            start.unwrap_or(0),
            end,
            expiration,
            request_id.unwrap_or_default(),
        ))
    }
}

macro_rules! redacted_debug {
    ($($ty:ident),*) => {$(
        impl std::fmt::Debug for $ty<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($ty), " { <redacted> }"))
            }
        }
    )*};
}
redacted_debug!(SdkShape, ApiShape, CosJsShape);

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TemporaryCredentials {
        TemporaryCredentials::new(
            Credential::new("AKIDTMP", "SECRETKEY").with_token("SECRETTOKEN"),
            1_700_000_000,
            1_700_001_800,
            Some("2023-11-14T22:43:20Z".into()),
            "req-1",
        )
    }

    #[test]
    fn sdk_shape_is_exact() {
        let json = serde_json::to_string(&sample().sdk_shape()).unwrap();
        assert_eq!(
            json,
            r#"{"credentials":{"tmpSecretId":"AKIDTMP","tmpSecretKey":"SECRETKEY","sessionToken":"SECRETTOKEN"},"expiredTime":1700001800,"expiration":"2023-11-14T22:43:20Z","requestId":"req-1","startTime":1700000000}"#
        );
    }

    #[test]
    fn api_shape_is_exact() {
        let json = serde_json::to_string(&sample().api_shape()).unwrap();
        assert_eq!(
            json,
            r#"{"Credentials":{"Token":"SECRETTOKEN","TmpSecretId":"AKIDTMP","TmpSecretKey":"SECRETKEY"},"ExpiredTime":1700001800,"Expiration":"2023-11-14T22:43:20Z","RequestId":"req-1","StartTime":1700000000}"#
        );
    }

    #[test]
    fn cos_js_shape_is_exact() {
        let json = serde_json::to_string(&sample().cos_js_shape()).unwrap();
        assert_eq!(
            json,
            r#"{"TmpSecretId":"AKIDTMP","TmpSecretKey":"SECRETKEY","SecurityToken":"SECRETTOKEN","StartTime":1700000000,"ExpiredTime":1700001800}"#
        );
    }
}
