//! Signing a v1 request: the full parameter set with `Signature`, and its form encoding.

use std::fmt;

use crate::{Credential, SignError};

use super::SignatureMethod;
use super::form::encode_form;
use super::redact::redact_token;
use super::source::{checked_method, join_source, signature_of, sorted_unique, source_string};

/// A signed v1 request: the source string, the signature and every parameter to send.
///
/// `Debug` redacts the `Token` parameter.
///
/// ```
/// use tc3_signer::v1::{SignatureMethod, sign_params};
///
/// let signed = sign_params(
///     "GET",
///     "cvm.tencentcloudapi.com",
///     "/",
///     &[
///         ("Action", "DescribeInstances"),
///         ("InstanceIds.0", "ins-09dx96dg"),
///         ("Limit", "20"),
///         ("Nonce", "11886"),
///         ("Offset", "0"),
///         ("Region", "ap-guangzhou"),
///         ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
///         ("Timestamp", "1465185768"),
///         ("Version", "2017-03-12"),
///     ],
///     "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
///     SignatureMethod::HmacSha1,
/// )?;
/// assert_eq!(signed.signature(), "EliP9YW3pW28FpsEdkXt/+WcGeI=");
/// assert!(signed.form_body().ends_with("&Signature=EliP9YW3pW28FpsEdkXt%2F%2BWcGeI%3D&Timestamp=1465185768&Version=2017-03-12"));
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct V1Signed {
    source: String,
    signature: String,
    params: Vec<(String, String)>,
}

impl V1Signed {
    /// The string that was signed (`METHOD` + host + path + `?` + sorted raw parameters).
    ///
    /// ```
    /// let signed = tc3_signer::v1::sign_params("POST", "h", "/", &[("A", "1")], "k", Default::default())?;
    /// assert_eq!(signed.source(), "POSTh/?A=1");
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The base64 signature (the `Signature` parameter before form encoding).
    ///
    /// ```
    /// let signed = tc3_signer::v1::sign_params("POST", "h", "/", &[("A", "1")], "k", Default::default())?;
    /// assert!(signed.signature().ends_with('='));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// Every parameter to send, `Signature` included, sorted by name.
    ///
    /// ```
    /// let signed = tc3_signer::v1::sign_params("POST", "h", "/", &[("Z", "1"), ("A", "2")], "k", Default::default())?;
    /// let names: Vec<&str> = signed.params().iter().map(|(name, _)| name.as_str()).collect();
    /// assert_eq!(names, ["A", "Signature", "Z"]);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The parameters as an `application/x-www-form-urlencoded` body (or GET query), each name
    /// and value percent-encoded with [`uri_encode`](crate::uri_encode).
    ///
    /// ```
    /// let signed = tc3_signer::v1::sign_params("POST", "h", "/", &[("Policy", "%7B%7D")], "k", Default::default())?;
    /// assert!(signed.form_body().starts_with("Policy=%257B%257D&Signature="));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn form_body(&self) -> String {
        encode_form(
            self.params
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        )
    }
}

impl fmt::Debug for V1Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params = redact_token(&self.params);
        f.debug_struct("V1Signed")
            .field("signature", &self.signature)
            .field("params", &params)
            .finish_non_exhaustive()
    }
}

/// Signs a complete v1 parameter set (common parameters included) as given.
///
/// With [`SignatureMethod::HmacSha256`], `SignatureMethod=HmacSHA256` is added when absent (the
/// server could not know the algorithm otherwise); a `SignatureMethod` parameter that names
/// another algorithm is an error. With `HmacSha1` nothing is added.
///
/// ```
/// use tc3_signer::v1::{SignatureMethod, sign_params};
///
/// let signed = sign_params("POST", "sts.tencentcloudapi.com", "/", &[("Action", "GetFederationToken")],
///     "key", SignatureMethod::HmacSha256)?;
/// assert!(signed.source().contains("&SignatureMethod=HmacSHA256"));
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
pub fn sign_params(
    method: &str,
    host: &str,
    path: &str,
    params: &[(&str, &str)],
    secret_key: &str,
    signature_method: SignatureMethod,
) -> Result<V1Signed, SignError> {
    let mut all: Vec<(&str, &str)> = params.to_vec();
    match params.iter().find(|(name, _)| *name == "SignatureMethod") {
        Some((_, value)) if SignatureMethod::parse(value) != Some(signature_method) => {
            return Err(SignError::InvalidInput {
                field: "SignatureMethod",
                reason: format!("the parameter does not name {signature_method}"),
            });
        }
        Some(_) => {}
        None if signature_method == SignatureMethod::HmacSha256 => {
            all.push(("SignatureMethod", signature_method.as_str()));
        }
        None => {}
    }
    let source = source_string(method, host, path, &all)?;
    let signature = signature_of(secret_key, &source, signature_method);
    let mut sorted: Vec<(String, String)> = sorted_unique(&all)?
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let at = sorted.partition_point(|(name, _)| name.as_bytes() < b"Signature".as_slice());
    sorted.insert(at, ("Signature".to_owned(), signature.clone()));
    Ok(V1Signed {
        source,
        signature,
        params: sorted,
    })
}

/// A v1 API call: the common parameters, the action's own parameters and the options.
///
/// `timestamp` and `nonce` are arguments: the crate reads no clock and draws no random number.
///
/// ```
/// use tc3_signer::Credential;
/// use tc3_signer::v1::V1Params;
///
/// let policy = "%7B%22version%22%3A%222.0%22%7D";
/// let signed = V1Params::new("GetFederationToken", "2018-08-13", 1_700_000_000, 15_000)
///     .with_region("ap-guangzhou")
///     .with_param("Name", "cos-sts")
///     .with_param("Policy", policy)
///     .with_param("DurationSeconds", "1800")
///     .sign("sts.tencentcloudapi.com", &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE"))?;
/// assert!(signed.source().starts_with("POSTsts.tencentcloudapi.com/?Action=GetFederationToken&DurationSeconds=1800"));
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Params<'a> {
    action: &'a str,
    version: &'a str,
    timestamp: u64,
    nonce: u64,
    region: Option<&'a str>,
    method: &'a str,
    path: &'a str,
    signature_method: SignatureMethod,
    params: Vec<(&'a str, &'a str)>,
}

impl<'a> V1Params<'a> {
    /// A `POST /` call of `action` at `timestamp` (Unix seconds) with `nonce`, signed with
    /// `HmacSHA1`.
    ///
    /// ```
    /// let params = tc3_signer::v1::V1Params::new("GetFederationToken", "2018-08-13", 1_700_000_000, 1);
    /// assert_eq!(params.action(), "GetFederationToken");
    /// ```
    pub fn new(action: &'a str, version: &'a str, timestamp: u64, nonce: u64) -> Self {
        Self {
            action,
            version,
            timestamp,
            nonce,
            region: None,
            method: "POST",
            path: "/",
            signature_method: SignatureMethod::HmacSha1,
            params: Vec::new(),
        }
    }

    /// Sends `Region` (an empty region sends nothing).
    ///
    /// ```
    /// # use tc3_signer::{Credential, v1::V1Params};
    /// let signed = V1Params::new("A", "V", 1, 2).with_region("ap-guangzhou").sign("h", &Credential::new("id", "k"))?;
    /// assert!(signed.source().contains("&Region=ap-guangzhou&"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn with_region(mut self, region: &'a str) -> Self {
        self.region = Some(region).filter(|region| !region.is_empty());
        self
    }

    /// Adds an action parameter (for example `Policy`, already URL-encoded as STS requires).
    ///
    /// ```
    /// # use tc3_signer::{Credential, v1::V1Params};
    /// let signed = V1Params::new("A", "V", 1, 2).with_param("Name", "x").sign("h", &Credential::new("id", "k"))?;
    /// assert!(signed.source().contains("&Name=x&"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn with_param(mut self, name: &'a str, value: &'a str) -> Self {
        self.params.push((name, value));
        self
    }

    /// Chooses the HMAC. `HmacSHA256` also sends `SignatureMethod=HmacSHA256`.
    ///
    /// ```
    /// # use tc3_signer::{Credential, v1::{SignatureMethod, V1Params}};
    /// let signed = V1Params::new("A", "V", 1, 2)
    ///     .with_signature_method(SignatureMethod::HmacSha256)
    ///     .sign("h", &Credential::new("id", "k"))?;
    /// assert_eq!(signed.signature().len(), 44);
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn with_signature_method(mut self, signature_method: SignatureMethod) -> Self {
        self.signature_method = signature_method;
        self
    }

    /// Sets the HTTP method (default `POST`).
    ///
    /// ```
    /// # use tc3_signer::{Credential, v1::V1Params};
    /// let signed = V1Params::new("A", "V", 1, 2).with_method("GET").sign("h", &Credential::new("id", "k"))?;
    /// assert!(signed.source().starts_with("GETh/?"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn with_method(mut self, method: &'a str) -> Self {
        self.method = method;
        self
    }

    /// Sets the path (default `/`).
    ///
    /// ```
    /// # use tc3_signer::{Credential, v1::V1Params};
    /// let signed = V1Params::new("A", "V", 1, 2).with_path("/v2/index.php").sign("h", &Credential::new("id", "k"))?;
    /// assert!(signed.source().starts_with("POSTh/v2/index.php?"));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    #[must_use]
    pub fn with_path(mut self, path: &'a str) -> Self {
        self.path = path;
        self
    }

    /// The action.
    ///
    /// ```
    /// assert_eq!(tc3_signer::v1::V1Params::new("A", "V", 1, 2).action(), "A");
    /// ```
    pub fn action(&self) -> &'a str {
        self.action
    }

    /// Signs with `credential`: adds `Action`, `Version`, `Timestamp`, `Nonce`, `SecretId`,
    /// `Region` (if set), `Token` (if the credential has one) and `SignatureMethod` (for
    /// `HmacSHA256`) to the action parameters.
    ///
    /// ```
    /// # use tc3_signer::{Credential, v1::V1Params};
    /// let signed = V1Params::new("AssumeRole", "2018-08-13", 1_700_000_000, 7)
    ///     .sign("sts.tencentcloudapi.com", &Credential::new("AKIDTMP", "k").with_token("tok"))?;
    /// assert!(signed.params().iter().any(|(name, value)| name == "Token" && value == "tok"));
    /// assert!(!format!("{signed:?}").contains("tok\""));
    /// # Ok::<(), tc3_signer::SignError>(())
    /// ```
    pub fn sign(&self, host: &str, credential: &Credential) -> Result<V1Signed, SignError> {
        let timestamp = self.timestamp.to_string();
        let nonce = self.nonce.to_string();
        let mut all: Vec<(&str, &str)> = vec![
            ("Action", self.action),
            ("Version", self.version),
            ("Timestamp", &timestamp),
            ("Nonce", &nonce),
            ("SecretId", credential.secret_id()),
        ];
        if let Some(region) = self.region {
            all.push(("Region", region));
        }
        if let Some(token) = credential.token().filter(|token| !token.is_empty()) {
            all.push(("Token", token));
        }
        all.extend(self.params.iter().copied());
        sign_params(
            self.method,
            host,
            self.path,
            &all,
            credential.secret_key(),
            self.signature_method,
        )
    }
}

/// The source string of already-sorted owned parameters (used by the verifier).
pub(crate) fn source_of_sorted(
    method: &str,
    host: &str,
    path: &str,
    sorted: &[(String, String)],
) -> Result<String, SignError> {
    let method = checked_method(method)?;
    let pairs: Vec<(&str, &str)> = sorted
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    Ok(join_source(&method, host, path, &pairs))
}
