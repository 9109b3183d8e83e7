//! Which STS host to talk to.

use http::Uri;

use crate::StsError;

/// The STS endpoint. The host actually connected to is also the host signed, unless
/// [`StsClientBuilder::signed_host`](crate::StsClientBuilder::signed_host) overrides it.
///
/// ```
/// use sts_client::Endpoint;
///
/// assert_eq!(Endpoint::Nearest.uri().unwrap().to_string(), "https://sts.tencentcloudapi.com/");
/// assert_eq!(
///     Endpoint::Regional("ap-shanghai".into()).uri().unwrap().host(),
///     Some("sts.ap-shanghai.tencentcloudapi.com")
/// );
/// assert_eq!(Endpoint::Internal.uri().unwrap().host(), Some("sts.internal.tencentcloudapi.com"));
/// assert_eq!(Endpoint::International.uri().unwrap().host(), Some("sts.intl.tencentcloudapi.com"));
/// let local = Endpoint::custom("http://127.0.0.1:8080").unwrap();
/// assert_eq!(local.host_header().unwrap(), "127.0.0.1:8080");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Endpoint {
    /// `sts.tencentcloudapi.com`, routed to the nearest region.
    #[default]
    Nearest,
    /// `sts.<region>.tencentcloudapi.com`.
    Regional(String),
    /// `sts.internal.tencentcloudapi.com`, reachable from CVM/VPC only.
    Internal,
    /// `sts.intl.tencentcloudapi.com` (international site).
    International,
    /// Any `http://` or `https://` base URL (loopback emulators, private links).
    Custom(Uri),
}

impl Endpoint {
    /// A custom endpoint from a URL string; `http` is allowed (for loopback).
    ///
    /// ```
    /// assert!(sts_client::Endpoint::custom("ftp://x").is_err());
    /// assert!(sts_client::Endpoint::custom("https://sts.example").is_ok());
    /// ```
    pub fn custom(url: &str) -> Result<Self, StsError> {
        let uri: Uri = url
            .parse()
            .map_err(|e| StsError::invalid(format!("endpoint `{url}`: {e}")))?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => {
                return Err(StsError::invalid(format!(
                    "endpoint `{url}` must be an http:// or https:// URL"
                )));
            }
        }
        if uri.host().is_none_or(str::is_empty) {
            return Err(StsError::invalid(format!("endpoint `{url}` has no host")));
        }
        Ok(Self::Custom(uri))
    }

    /// The URL requests are POSTed to.
    ///
    /// ```
    /// let uri = sts_client::Endpoint::custom("http://127.0.0.1:9/").unwrap().uri().unwrap();
    /// assert_eq!(uri.port_u16(), Some(9));
    /// ```
    pub fn uri(&self) -> Result<Uri, StsError> {
        let text = match self {
            Self::Nearest => "https://sts.tencentcloudapi.com/".to_owned(),
            Self::Regional(region) => {
                if region.is_empty()
                    || !region
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(StsError::invalid(format!("invalid region `{region}`")));
                }
                format!("https://sts.{region}.tencentcloudapi.com/")
            }
            Self::Internal => "https://sts.internal.tencentcloudapi.com/".to_owned(),
            Self::International => "https://sts.intl.tencentcloudapi.com/".to_owned(),
            Self::Custom(uri) => {
                let scheme = uri.scheme_str().unwrap_or("https");
                let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
                let path = match uri.path() {
                    "" => "/",
                    path => path,
                };
                format!("{scheme}://{authority}{path}")
            }
        };
        text.parse()
            .map_err(|e| StsError::invalid(format!("endpoint `{text}`: {e}")))
    }

    /// The `Host` header value for this endpoint: the host, plus the port when it is explicit.
    ///
    /// ```
    /// assert_eq!(sts_client::Endpoint::Nearest.host_header().unwrap(), "sts.tencentcloudapi.com");
    /// ```
    pub fn host_header(&self) -> Result<String, StsError> {
        let uri = self.uri()?;
        let host = uri.host().unwrap_or_default();
        Ok(match uri.port_u16() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        })
    }
}
