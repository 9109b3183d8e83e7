//! Proxy settings: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`, or explicit.

use hyper_util::client::proxy::matcher::Matcher;

/// Where proxy settings come from.
///
/// Proxies are used through HTTP `CONNECT` tunnels, for `https://` and `http://` targets
/// alike. `NO_PROXY` entries (host names, domain suffixes, IPs/CIDRs, `*`) bypass the proxy.
///
/// ```
/// use cos_http::ProxyConfig;
/// let explicit = ProxyConfig::url("http://proxy.internal:3128").no_proxy("localhost,127.0.0.1");
/// assert!(format!("{explicit:?}").contains("proxy.internal"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyConfig {
    /// `HTTPS_PROXY`/`https_proxy`, `HTTP_PROXY`/`http_proxy`, `ALL_PROXY`/`all_proxy` and
    /// `NO_PROXY`/`no_proxy` from the environment (the default).
    #[default]
    FromEnv,
    /// Never use a proxy.
    Disabled,
    /// An explicit proxy for every request, except hosts matched by `no_proxy`.
    Url {
        /// The proxy URL (`http://[user:pass@]host:port`).
        url: String,
        /// A `NO_PROXY`-style list.
        no_proxy: String,
    },
}

impl ProxyConfig {
    /// An explicit proxy.
    ///
    /// ```
    /// let p = cos_http::ProxyConfig::url("http://127.0.0.1:3128");
    /// # let _ = p;
    /// ```
    pub fn url(url: impl Into<String>) -> Self {
        Self::Url {
            url: url.into(),
            no_proxy: String::new(),
        }
    }

    /// Adds a `NO_PROXY`-style exclusion list to an explicit proxy (ignored otherwise).
    ///
    /// ```
    /// let p = cos_http::ProxyConfig::url("http://p:1").no_proxy(".internal");
    /// # let _ = p;
    /// ```
    #[must_use]
    pub fn no_proxy(self, list: impl Into<String>) -> Self {
        match self {
            Self::Url { url, .. } => Self::Url {
                url,
                no_proxy: list.into(),
            },
            other => other,
        }
    }

    /// The settings as a matcher, reading variables through `env` (which answers `None` for
    /// an unset variable); `None` when no proxy applies at all.
    pub(crate) fn matcher(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<Matcher> {
        let pick = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| env(name).filter(|value| !value.trim().is_empty()))
                .unwrap_or_default()
        };
        match self {
            Self::Disabled => None,
            Self::Url { url, no_proxy } => Some(
                Matcher::builder()
                    .all(url.clone())
                    .no(no_proxy.clone())
                    .build(),
            ),
            Self::FromEnv => {
                let all = pick(&["ALL_PROXY", "all_proxy"]);
                let https = pick(&["HTTPS_PROXY", "https_proxy"]);
                let http = pick(&["HTTP_PROXY", "http_proxy"]);
                if all.is_empty() && https.is_empty() && http.is_empty() {
                    return None;
                }
                Some(
                    Matcher::builder()
                        .all(all)
                        .https(https)
                        .http(http)
                        .no(pick(&["NO_PROXY", "no_proxy"]))
                        .build(),
                )
            }
        }
    }
}

/// The real process environment, as [`ProxyConfig`] reads it.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The proxy URI without user information (which may hold a password).
pub(crate) fn redacted_proxy(uri: &http::Uri) -> String {
    format!(
        "{}://{}:{}",
        uri.scheme_str().unwrap_or("http"),
        uri.host().unwrap_or_default(),
        uri.port_u16().unwrap_or(80)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn env_proxy_respects_no_proxy() {
        let env = env(&[
            ("HTTPS_PROXY", "http://user:pw@proxy.example:3128"),
            ("NO_PROXY", "localhost,.internal.tencentcloudapi.com"),
        ]);
        let matcher = ProxyConfig::FromEnv.matcher(&env).unwrap();
        let via = matcher
            .intercept(&"https://sts.tencentcloudapi.com/".parse().unwrap())
            .unwrap();
        assert_eq!(via.uri().host(), Some("proxy.example"));
        assert!(via.basic_auth().is_some());
        assert_eq!(redacted_proxy(via.uri()), "http://proxy.example:3128");
        assert!(
            matcher
                .intercept(&"https://sts.internal.tencentcloudapi.com/".parse().unwrap())
                .is_none()
        );
        assert!(ProxyConfig::FromEnv.matcher(&|_: &str| None).is_none());
        assert!(ProxyConfig::Disabled.matcher(&env).is_none());
    }

    #[test]
    fn lowercase_and_http_variables_are_read() {
        let matcher = ProxyConfig::FromEnv
            .matcher(&env(&[("https_proxy", "http://p:1")]))
            .unwrap();
        assert!(matcher.intercept(&"https://a/".parse().unwrap()).is_some());
        let matcher = ProxyConfig::FromEnv
            .matcher(&env(&[("HTTP_PROXY", "http://p:1"), ("NO_PROXY", "b")]))
            .unwrap();
        assert!(matcher.intercept(&"http://a/".parse().unwrap()).is_some());
        assert!(matcher.intercept(&"http://b/".parse().unwrap()).is_none());
        assert!(matcher.intercept(&"https://a/".parse().unwrap()).is_none());
    }
}
