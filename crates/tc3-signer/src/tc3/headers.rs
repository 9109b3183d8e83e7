//! The headers a signed (or `SKIP`) request must carry.

use std::fmt;

use crate::SignError;

/// Header names the TC3 signer produces.
pub(crate) mod names {
    pub(crate) const AUTHORIZATION: &str = "Authorization";
    pub(crate) const CONTENT_TYPE: &str = "Content-Type";
    pub(crate) const HOST: &str = "Host";
    pub(crate) const ACTION: &str = "X-TC-Action";
    pub(crate) const TIMESTAMP: &str = "X-TC-Timestamp";
    pub(crate) const VERSION: &str = "X-TC-Version";
    pub(crate) const REGION: &str = "X-TC-Region";
    pub(crate) const TOKEN: &str = "X-TC-Token";
    pub(crate) const LANGUAGE: &str = "X-TC-Language";
    pub(crate) const CONTENT_SHA256: &str = "X-TC-Content-SHA256";
}

/// An ordered list of `(name, value)` headers to set on the request: `Authorization`,
/// `Content-Type`, `Host` and the `X-TC-*` headers.
///
/// `Debug` redacts the `X-TC-Token` value.
///
/// ```
/// use tc3_signer::{Credential, SignableRequest};
/// use tc3_signer::tc3::{Tc3Params, sign};
///
/// let headers = [("Content-Type", "application/json")];
/// let request = SignableRequest::new("POST", "/")
///     .with_host("sts.tencentcloudapi.com")
///     .with_headers(&headers)
///     .with_body(b"{}");
/// let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
/// let signed = sign(&request, &params, &Credential::new("AKID", "key").with_token("tok")).unwrap();
/// let headers = signed.headers_to_send();
/// assert_eq!(headers.get("x-tc-action"), Some("GetCallerIdentity"));
/// assert!(!format!("{headers:?}").contains("tok\""));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct HeadersToSend {
    entries: Vec<(&'static str, String)>,
}

impl HeadersToSend {
    pub(crate) fn new(entries: Vec<(&'static str, String)>) -> Self {
        Self { entries }
    }

    /// The headers in order, `(name, value)`.
    ///
    /// ```
    /// # use tc3_signer::{SignableRequest, tc3::{Tc3Params, skip}};
    /// let headers = [("Content-Type", "application/json")];
    /// let request = SignableRequest::new("POST", "/").with_host("sts.tencentcloudapi.com").with_headers(&headers);
    /// let params = Tc3Params::new("sts", "AssumeRoleWithWebIdentity", "2018-08-13", 0);
    /// let headers = skip(&request, &params).unwrap();
    /// assert_eq!(headers.iter().next(), Some(("Authorization", "SKIP")));
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.entries
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
    }

    /// The value of header `name` (case-insensitive).
    ///
    /// ```
    /// # use tc3_signer::{SignableRequest, tc3::{Tc3Params, skip}};
    /// let headers = [("Content-Type", "application/json")];
    /// let request = SignableRequest::new("POST", "/").with_host("sts.tencentcloudapi.com").with_headers(&headers);
    /// let params = Tc3Params::new("sts", "AssumeRoleWithWebIdentity", "2018-08-13", 0);
    /// assert_eq!(skip(&request, &params).unwrap().get("host"), Some("sts.tencentcloudapi.com"));
    /// ```
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// How many headers there are.
    ///
    /// ```
    /// # use tc3_signer::{SignableRequest, tc3::{Tc3Params, skip}};
    /// let headers = [("Content-Type", "application/json")];
    /// let request = SignableRequest::new("POST", "/").with_host("h").with_headers(&headers);
    /// let headers = skip(&request, &Tc3Params::new("sts", "A", "V", 0)).unwrap();
    /// assert_eq!(headers.len(), 6); // Authorization, Content-Type, Host, Action, Timestamp, Version
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty (never, for a list the signer produced).
    ///
    /// ```
    /// # use tc3_signer::{SignableRequest, tc3::{Tc3Params, skip}};
    /// let headers = [("Content-Type", "application/json")];
    /// let request = SignableRequest::new("POST", "/").with_host("h").with_headers(&headers);
    /// assert!(!skip(&request, &Tc3Params::new("sts", "A", "V", 0)).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets every header on `request`, replacing any value already there.
    ///
    /// ```
    /// use tc3_signer::{Credential, SignableRequest};
    /// use tc3_signer::tc3::{Tc3Params, sign};
    ///
    /// let mut request = http::Request::post("https://sts.tencentcloudapi.com/")
    ///     .body(b"{}".to_vec())
    ///     .unwrap();
    /// let headers = [("Content-Type", "application/json")];
    /// let signable = SignableRequest::new("POST", "/")
    ///     .with_host("sts.tencentcloudapi.com")
    ///     .with_headers(&headers)
    ///     .with_body(request.body());
    /// let params = Tc3Params::new("sts", "GetCallerIdentity", "2018-08-13", 1_700_000_000);
    /// let signed = sign(&signable, &params, &Credential::new("AKID", "key")).unwrap();
    /// signed.headers_to_send().apply_to(&mut request).unwrap();
    /// assert!(request.headers()["authorization"].to_str().unwrap().starts_with("TC3-HMAC-SHA256 "));
    /// assert_eq!(request.headers()["x-tc-timestamp"], "1700000000");
    /// ```
    pub fn apply_to<B>(&self, request: &mut http::Request<B>) -> Result<(), SignError> {
        for (name, value) in &self.entries {
            let header_name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                SignError::InvalidInput {
                    field: "header name",
                    reason: format!("`{name}` is not a valid header name"),
                }
            })?;
            let header_value =
                http::HeaderValue::from_str(value).map_err(|_| SignError::InvalidInput {
                    field: "header value",
                    reason: format!("the value of `{name}` is not a valid header value"),
                })?;
            request.headers_mut().insert(header_name, header_value);
        }
        Ok(())
    }
}

impl fmt::Debug for HeadersToSend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in &self.entries {
            if name.eq_ignore_ascii_case(names::TOKEN) {
                list.entry(&(name, "<redacted>"));
            } else {
                list.entry(&(name, value));
            }
        }
        list.finish()
    }
}
