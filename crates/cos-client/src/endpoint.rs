//! Where requests go: the host that is signed and sent as `Host`, the scheme, and optionally
//! a fixed address to connect to instead of resolving that host.

use std::net::SocketAddr;

use cos_core::Bucket;

use crate::Error;

/// How the bucket appears in the URL.
///
/// ```
/// use cos_client::Addressing;
/// assert_eq!(Addressing::default(), Addressing::VirtualHosted);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Addressing {
    /// `<bucket>.cos.<region>.<suffix>` (the default).
    #[default]
    VirtualHosted,
    /// Global acceleration: `<bucket>.cos.accelerate.<suffix>`.
    Accelerate,
    /// `cos.<region>.<suffix>/<bucket>/<key>` (not supported by buckets created after
    /// 2024-01-01).
    PathStyle,
    /// A custom (CNAME) domain bound to the bucket, signed as the `Host`; may carry a port.
    CustomDomain(String),
}

/// The request endpoint: addressing style, scheme (https by default), domain suffix and an
/// optional connect-to address.
///
/// ```
/// use cos_client::Endpoint;
///
/// let endpoint = Endpoint::default();
/// let target = endpoint.target(&cos_client::Bucket::new("examplebucket-1250000000".parse()?, "ap-beijing".parse()?))?;
/// assert_eq!(target.host(), "examplebucket-1250000000.cos.ap-beijing.myqcloud.com");
/// assert_eq!(target.url_prefix(), "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com");
/// # Ok::<(), cos_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    addressing: Addressing,
    https: bool,
    suffix: String,
    connect_to: Option<SocketAddr>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Self {
            addressing: Addressing::VirtualHosted,
            https: true,
            suffix: "myqcloud.com".to_owned(),
            connect_to: None,
        }
    }
}

/// The resolved endpoint of one client: the public host and how to reach it.
///
/// ```
/// let target = cos_client::Endpoint::default()
///     .path_style()
///     .target(&cos_client::Bucket::new("b-1250000000".parse()?, "ap-guangzhou".parse()?))?;
/// assert_eq!(target.host(), "cos.ap-guangzhou.myqcloud.com");
/// assert_eq!(target.object_path("a b.txt"), "/b-1250000000/a%20b.txt");
/// # Ok::<(), cos_client::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    scheme: &'static str,
    host: String,
    path_prefix: String,
    connect_to: Option<SocketAddr>,
}

impl Endpoint {
    /// Uses `addressing`.
    ///
    /// ```
    /// use cos_client::{Addressing, Endpoint};
    /// let e = Endpoint::default().addressing(Addressing::Accelerate);
    /// assert_eq!(e.target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?.host(), "b-1.cos.accelerate.myqcloud.com");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    #[must_use]
    pub fn addressing(mut self, addressing: Addressing) -> Self {
        self.addressing = addressing;
        self
    }

    /// Global acceleration (`<bucket>.cos.accelerate.myqcloud.com`).
    ///
    /// ```
    /// let e = cos_client::Endpoint::default().accelerate();
    /// assert_eq!(e.target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?.host(), "b-1.cos.accelerate.myqcloud.com");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    #[must_use]
    pub fn accelerate(self) -> Self {
        self.addressing(Addressing::Accelerate)
    }

    /// Path-style addressing.
    ///
    /// ```
    /// let e = cos_client::Endpoint::default().path_style();
    /// assert_eq!(e.target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?.object_path("k"), "/b-1/k");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    #[must_use]
    pub fn path_style(self) -> Self {
        self.addressing(Addressing::PathStyle)
    }

    /// A custom domain (`host` or `host:port`, no scheme).
    ///
    /// ```
    /// let e = cos_client::Endpoint::default().custom_domain("static.example.com");
    /// assert_eq!(e.target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?.host(), "static.example.com");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    #[must_use]
    pub fn custom_domain(self, host: impl Into<String>) -> Self {
        self.addressing(Addressing::CustomDomain(host.into()))
    }

    /// Plain HTTP instead of HTTPS (for a local emulator).
    ///
    /// ```
    /// let e = cos_client::Endpoint::default().http();
    /// assert!(e.target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?.url_prefix().starts_with("http://"));
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    #[must_use]
    pub fn http(mut self) -> Self {
        self.https = false;
        self
    }

    /// The domain suffix: `myqcloud.com` (default) or `tencentcos.cn`.
    ///
    /// ```
    /// let e = cos_client::Endpoint::default().domain_suffix("tencentcos.cn");
    /// assert_eq!(e.target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?.host(), "b-1.cos.ap-beijing.tencentcos.cn");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    #[must_use]
    pub fn domain_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.suffix = suffix.into();
        self
    }

    /// Connects to `address` instead of resolving the host, while still sending and
    /// signing the public host (and, with HTTPS, verifying its certificate).
    ///
    /// ```
    /// let e = cos_client::Endpoint::default().http().connect_to("127.0.0.1:9000".parse()?);
    /// let target = e.target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?;
    /// assert_eq!(target.host(), "b-1.cos.ap-beijing.myqcloud.com");
    /// assert_eq!(target.connect_to(), Some("127.0.0.1:9000".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn connect_to(mut self, address: SocketAddr) -> Self {
        self.connect_to = Some(address);
        self
    }

    /// Resolves the endpoint for a bucket (name and region, both already valid).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a malformed domain suffix or custom domain.
    ///
    /// ```
    /// let bucket = cos_client::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// let e = cos_client::Endpoint::default().domain_suffix("bad/suffix");
    /// assert!(e.target(&bucket).is_err());
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn target(&self, bucket: &Bucket) -> Result<Target, Error> {
        let (bucket, region) = (bucket.name().as_str(), bucket.region().as_str());
        let suffix = &self.suffix;
        if suffix.is_empty() || !suffix.bytes().all(is_host_byte) {
            return Err(Error::invalid("domain suffix", "must be a DNS name"));
        }
        let (host, path_prefix) = match &self.addressing {
            Addressing::VirtualHosted => (format!("{bucket}.cos.{region}.{suffix}"), String::new()),
            Addressing::Accelerate => (format!("{bucket}.cos.accelerate.{suffix}"), String::new()),
            Addressing::PathStyle => (format!("cos.{region}.{suffix}"), format!("/{bucket}")),
            Addressing::CustomDomain(host) => {
                validate_authority(host)?;
                (host.to_ascii_lowercase(), String::new())
            }
        };
        Ok(Target {
            scheme: if self.https { "https" } else { "http" },
            host,
            path_prefix,
            connect_to: self.connect_to,
        })
    }
}

impl Target {
    /// The host that is sent in `Host` and signed.
    ///
    /// ```
    /// let t = cos_client::Endpoint::default().target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?;
    /// assert_eq!(t.host(), "b-1.cos.ap-beijing.myqcloud.com");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `https` or `http`.
    ///
    /// ```
    /// let t = cos_client::Endpoint::default().target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?;
    /// assert_eq!(t.scheme(), "https");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// The fixed address to connect to, if any.
    ///
    /// ```
    /// let t = cos_client::Endpoint::default().target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?;
    /// assert_eq!(t.connect_to(), None);
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn connect_to(&self) -> Option<SocketAddr> {
        self.connect_to
    }

    pub(crate) fn is_path_style(&self) -> bool {
        !self.path_prefix.is_empty()
    }

    /// `scheme://host`.
    ///
    /// ```
    /// let t = cos_client::Endpoint::default().http().target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?;
    /// assert_eq!(t.url_prefix(), "http://b-1.cos.ap-beijing.myqcloud.com");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn url_prefix(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// The encoded request path of an object (or of the bucket for an empty key).
    ///
    /// ```
    /// let t = cos_client::Endpoint::default().target(&cos_client::Bucket::new("b-1".parse()?, "ap-beijing".parse()?))?;
    /// assert_eq!(t.object_path("dir/a+b ü.txt"), "/dir/a%2Bb%20%C3%BC.txt");
    /// assert_eq!(t.object_path(""), "/");
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn object_path(&self, key: &str) -> String {
        let encoded = crate::key::encode_path(key);
        if self.path_prefix.is_empty() {
            encoded
        } else if key.is_empty() {
            format!("{}/", self.path_prefix)
        } else {
            format!("{}{}", self.path_prefix, encoded)
        }
    }
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
}

fn validate_authority(authority: &str) -> Result<(), Error> {
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty() && host.bytes().all(is_host_byte);
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok());
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "custom domain",
            "expected `host` or `host:port`",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket() -> Bucket {
        Bucket::new("b-1".parse().unwrap(), "ap-beijing".parse().unwrap())
    }

    #[test]
    fn names_are_checked_by_their_types() {
        let e = Endpoint::default();
        assert_eq!(
            e.target(&bucket()).unwrap().host(),
            "b-1.cos.ap-beijing.myqcloud.com"
        );
        for bad in [
            "",
            "nodash",
            "-1",
            "Upper-125",
            "a_b-125",
            "abc-12x",
            "abc-",
        ] {
            assert!(bad.parse::<cos_core::BucketName>().is_err(), "{bad}");
        }
        for bad in ["", "AP", "cos.ap-beijing", "ap beijing"] {
            assert!(bad.parse::<cos_core::Region>().is_err(), "{bad}");
        }
        for bad in ["", "a/b", "a b"] {
            assert!(
                e.clone().domain_suffix(bad).target(&bucket()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn custom_domain_rules() {
        let ok = Endpoint::default().custom_domain("Cdn.Example.com:8443");
        assert_eq!(ok.target(&bucket()).unwrap().host(), "cdn.example.com:8443");
        for bad in ["", "http://x", "x:99999", "a/b"] {
            assert!(
                Endpoint::default()
                    .custom_domain(bad)
                    .target(&bucket())
                    .is_err(),
                "{bad}"
            );
        }
    }
}
