//! CORS for the configured origins: preflight answers and the headers of actual responses.

use http::header::{self, HeaderMap, HeaderValue};

use crate::config::CorsConfig;

/// Methods a browser may use.
const ALLOWED_METHODS: &str = "GET, POST, OPTIONS";

/// Request headers a browser may send.
const ALLOWED_HEADERS: [&str; 2] = ["authorization", "content-type"];

/// The CORS policy.
#[derive(Debug, Clone)]
pub(crate) struct Cors {
    origins: Vec<String>,
    any: bool,
    max_age: HeaderValue,
}

/// How a preflight request is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Preflight {
    /// 204 with these headers.
    Allowed(HeaderMap),
    /// 403: the origin, method or a header is not allowed.
    Refused(&'static str),
}

impl Cors {
    /// From `[cors]`.
    pub(crate) fn new(config: &CorsConfig) -> Self {
        Self {
            any: config.allowed_origins.iter().any(|o| o == "*"),
            origins: config
                .allowed_origins
                .iter()
                .filter(|o| *o != "*")
                .cloned()
                .collect(),
            max_age: HeaderValue::from(config.max_age_seconds),
        }
    }

    fn allowed_origin<'a>(&self, origin: Option<&'a HeaderValue>) -> Option<&'a HeaderValue> {
        let origin = origin?;
        let text = origin.to_str().ok()?;
        (self.any || self.origins.iter().any(|o| o == text)).then_some(origin)
    }

    /// Adds `Access-Control-Allow-Origin` (and `Vary: Origin`) to a response for `origin`.
    pub(crate) fn apply(&self, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
        headers.append(header::VARY, HeaderValue::from_static("origin"));
        if let Some(origin) = self.allowed_origin(origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("retry-after"),
            );
        }
    }

    /// Answers a preflight (`OPTIONS` with `Access-Control-Request-Method`).
    pub(crate) fn preflight(&self, request: &HeaderMap) -> Preflight {
        let Some(origin) = self.allowed_origin(request.get(header::ORIGIN)) else {
            return Preflight::Refused("origin not allowed");
        };
        let method = request
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| m.to_str().ok())
            .unwrap_or_default();
        if !matches!(method, "GET" | "POST") {
            return Preflight::Refused("method not allowed");
        }
        let requested = request
            .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty());
        for name in requested {
            if !ALLOWED_HEADERS.contains(&name.as_str()) {
                return Preflight::Refused("request header not allowed");
            }
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, self.max_age.clone());
        headers.insert(header::VARY, HeaderValue::from_static("origin"));
        Preflight::Allowed(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors(origins: &[&str]) -> Cors {
        Cors::new(&CorsConfig {
            allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            max_age_seconds: 600,
        })
    }

    fn request(origin: &str, method: &str, headers: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        map.insert(
            header::ACCESS_CONTROL_REQUEST_METHOD,
            HeaderValue::from_str(method).unwrap(),
        );
        if !headers.is_empty() {
            map.insert(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                HeaderValue::from_str(headers).unwrap(),
            );
        }
        map
    }

    #[test]
    fn preflight_for_configured_origins_only() {
        let c = cors(&["http://localhost:3000"]);
        let Preflight::Allowed(headers) = c.preflight(&request(
            "http://localhost:3000",
            "POST",
            "Authorization, Content-Type",
        )) else {
            panic!("refused");
        };
        assert_eq!(
            headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://localhost:3000"
        );
        assert_eq!(headers[header::ACCESS_CONTROL_MAX_AGE], "600");
        assert!(
            headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
                .to_str()
                .unwrap()
                .contains("authorization")
        );
        assert_eq!(
            c.preflight(&request("http://evil.test", "POST", "")),
            Preflight::Refused("origin not allowed")
        );
        assert_eq!(
            c.preflight(&request("http://localhost:3000", "DELETE", "")),
            Preflight::Refused("method not allowed")
        );
        assert_eq!(
            c.preflight(&request("http://localhost:3000", "GET", "x-custom")),
            Preflight::Refused("request header not allowed")
        );
        assert_eq!(
            cors(&[]).preflight(&request("http://localhost:3000", "GET", "")),
            Preflight::Refused("origin not allowed")
        );
    }

    #[test]
    fn responses_carry_the_origin_when_allowed() {
        let c = cors(&["http://localhost:3000"]);
        let mut headers = HeaderMap::new();
        c.apply(
            Some(&HeaderValue::from_static("http://localhost:3000")),
            &mut headers,
        );
        assert_eq!(
            headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://localhost:3000"
        );
        assert_eq!(headers[header::VARY], "origin");
        let mut other = HeaderMap::new();
        c.apply(
            Some(&HeaderValue::from_static("http://evil.test")),
            &mut other,
        );
        assert!(other.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        let mut any = HeaderMap::new();
        cors(&["*"]).apply(Some(&HeaderValue::from_static("http://x.test")), &mut any);
        assert_eq!(any[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://x.test");
    }
}
