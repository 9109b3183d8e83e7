//! What a TC3 signature is made for: service, action, version, time and options.

/// How the request body enters the signature.
///
/// ```
/// use tc3_signer::tc3::PayloadMode;
///
/// assert_eq!(PayloadMode::default(), PayloadMode::Signed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PayloadMode {
    /// `HashedRequestPayload = hex(SHA256(body))` (the default, and what the SDKs do).
    #[default]
    Signed,
    /// `X-TC-Content-SHA256: UNSIGNED-PAYLOAD` is sent and the payload hash is
    /// `hex(SHA256("UNSIGNED-PAYLOAD"))`: the body is not covered by the signature.
    Unsigned,
}

/// The API call a TC3 signature is made for, and the signing options.
///
/// The timestamp is an argument (Unix seconds); the signer never reads the clock.
/// `content-type` and `host` are always signed; [`Tc3Params::sign_header`] adds more.
///
/// ```
/// use tc3_signer::tc3::Tc3Params;
///
/// let params = Tc3Params::new("sts", "GetFederationToken", "2018-08-13", 1_700_000_000)
///     .with_region("ap-guangzhou")
///     .sign_header("x-tc-action");
/// assert_eq!(params.service(), "sts");
/// assert_eq!(params.timestamp(), 1_700_000_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tc3Params<'a> {
    service: &'a str,
    action: &'a str,
    version: &'a str,
    timestamp: u64,
    region: Option<&'a str>,
    language: Option<&'a str>,
    extra_signed_headers: Vec<&'a str>,
    payload: PayloadMode,
}

impl<'a> Tc3Params<'a> {
    /// Parameters for `action` of `service` (for example `sts`, `GetFederationToken`,
    /// `2018-08-13`) at `timestamp` (Unix seconds).
    ///
    /// ```
    /// let params = tc3_signer::tc3::Tc3Params::new("cvm", "DescribeInstances", "2017-03-12", 1_551_113_065);
    /// assert_eq!(params.action(), "DescribeInstances");
    /// ```
    pub fn new(service: &'a str, action: &'a str, version: &'a str, timestamp: u64) -> Self {
        Self {
            service,
            action,
            version,
            timestamp,
            region: None,
            language: None,
            extra_signed_headers: Vec::new(),
            payload: PayloadMode::Signed,
        }
    }

    /// Sends `X-TC-Region`. An empty region sends nothing (as the Python SDK does).
    ///
    /// ```
    /// let params = tc3_signer::tc3::Tc3Params::new("sts", "AssumeRole", "2018-08-13", 0)
    ///     .with_region("ap-guangzhou");
    /// assert_eq!(params.region(), Some("ap-guangzhou"));
    /// ```
    #[must_use]
    pub fn with_region(mut self, region: &'a str) -> Self {
        self.region = Some(region).filter(|region| !region.is_empty());
        self
    }

    /// Sends `X-TC-Language` (`zh-CN` or `en-US`).
    ///
    /// ```
    /// let params = tc3_signer::tc3::Tc3Params::new("sts", "AssumeRole", "2018-08-13", 0)
    ///     .with_language("en-US");
    /// assert_eq!(params.language(), Some("en-US"));
    /// ```
    #[must_use]
    pub fn with_language(mut self, language: &'a str) -> Self {
        self.language = Some(language).filter(|language| !language.is_empty());
        self
    }

    /// Signs one more header besides `content-type` and `host`, for example `x-tc-action`.
    /// The name is matched case-insensitively; `X-TC-*` headers the signer adds can be named.
    ///
    /// ```
    /// let params = tc3_signer::tc3::Tc3Params::new("cvm", "DescribeInstances", "2017-03-12", 0)
    ///     .sign_header("x-tc-action");
    /// assert_eq!(params.extra_signed_headers(), ["x-tc-action"]);
    /// ```
    #[must_use]
    pub fn sign_header(mut self, name: &'a str) -> Self {
        self.extra_signed_headers.push(name);
        self
    }

    /// Chooses how the body is covered ([`PayloadMode::Unsigned`] for `UNSIGNED-PAYLOAD`).
    ///
    /// ```
    /// use tc3_signer::tc3::{PayloadMode, Tc3Params};
    ///
    /// let params = Tc3Params::new("cvm", "DescribeRegions", "2017-03-12", 0)
    ///     .with_payload(PayloadMode::Unsigned);
    /// assert_eq!(params.payload(), PayloadMode::Unsigned);
    /// ```
    #[must_use]
    pub fn with_payload(mut self, payload: PayloadMode) -> Self {
        self.payload = payload;
        self
    }

    /// The service (`sts`, `cvm`, …), the second element of the credential scope.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Params::new("sts", "A", "V", 0).service(), "sts");
    /// ```
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The action, sent as `X-TC-Action`.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Params::new("sts", "A", "V", 0).action(), "A");
    /// ```
    pub fn action(&self) -> &'a str {
        self.action
    }

    /// The API version, sent as `X-TC-Version`.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Params::new("sts", "A", "V", 0).version(), "V");
    /// ```
    pub fn version(&self) -> &'a str {
        self.version
    }

    /// The signing time, Unix seconds, sent as `X-TC-Timestamp`.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Params::new("sts", "A", "V", 42).timestamp(), 42);
    /// ```
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The region, if any.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Params::new("sts", "A", "V", 0).with_region("").region(), None);
    /// ```
    pub fn region(&self) -> Option<&'a str> {
        self.region
    }

    /// The language, if any.
    ///
    /// ```
    /// assert_eq!(tc3_signer::tc3::Tc3Params::new("sts", "A", "V", 0).language(), None);
    /// ```
    pub fn language(&self) -> Option<&'a str> {
        self.language
    }

    /// The headers signed besides `content-type` and `host`, as given.
    ///
    /// ```
    /// assert!(tc3_signer::tc3::Tc3Params::new("sts", "A", "V", 0).extra_signed_headers().is_empty());
    /// ```
    pub fn extra_signed_headers(&self) -> &[&'a str] {
        &self.extra_signed_headers
    }

    /// How the body is covered.
    ///
    /// ```
    /// use tc3_signer::tc3::{PayloadMode, Tc3Params};
    /// assert_eq!(Tc3Params::new("sts", "A", "V", 0).payload(), PayloadMode::Signed);
    /// ```
    pub fn payload(&self) -> PayloadMode {
        self.payload
    }
}
