//! CORS as COS does it: the bucket's rules (`PUT/GET/DELETE ?cors`) decide everything. An
//! OPTIONS preflight is answered only when a rule admits its origin, method and every
//! requested header (else 403 `AccessForbidden`); an actual request carrying `Origin` gets
//! CORS headers only when a rule admits its origin and method. No rule, no CORS headers — so
//! a browser app's CORS mistake shows up against the emulator as it does against COS.

use crate::cos::error::CosError;
use crate::cos::request::{Req, read_required_document};
use crate::cos::response::{io_error, set_header, xml_response};
use crate::cos::xml::{Xml, field, parse_groups};
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use crate::storage::CorsRule;
use http::{HeaderMap, HeaderValue, Response, StatusCode};

/// The methods a rule may allow.
const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];
/// At most this many rules in a configuration.
const MAX_RULES: usize = 100;

fn forbidden(message: &str) -> CosError {
    CosError::new(
        StatusCode::FORBIDDEN,
        "AccessForbidden",
        message.to_string(),
    )
}

/// `*` wildcard matching (any run of characters), ASCII case-insensitive when `fold`.
fn wildcard(pattern: &str, value: &str, fold: bool) -> bool {
    let (p, v) = if fold {
        (pattern.to_ascii_lowercase(), value.to_ascii_lowercase())
    } else {
        (pattern.to_string(), value.to_string())
    };
    let mut parts = p.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = v.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(i) => rest = rest.get(i + piece.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The first rule admitting `origin`, `method` and every header of `headers`.
fn matching_rule<'r>(
    rules: &'r [CorsRule],
    origin: &str,
    method: &str,
    headers: &[&str],
) -> Option<&'r CorsRule> {
    rules.iter().find(|rule| {
        rule.allowed_origins
            .iter()
            .any(|o| wildcard(o, origin, false))
            && rule.allowed_methods.iter().any(|m| m == method)
            && headers.iter().all(|h| {
                rule.allowed_headers
                    .iter()
                    .any(|allowed| wildcard(allowed, h, true))
            })
    })
}

/// The CORS headers of a rule that admitted a request from `origin`.
fn add_rule_headers(h: &mut HeaderMap, rule: &CorsRule, origin: &str) {
    set_header(h, "access-control-allow-origin", origin);
    set_header(
        h,
        "access-control-allow-methods",
        &rule.allowed_methods.join(","),
    );
    if !rule.expose_headers.is_empty() {
        set_header(
            h,
            "access-control-expose-headers",
            &rule.expose_headers.join(","),
        );
    }
    if let Some(age) = rule.max_age_seconds {
        set_header(h, "access-control-max-age", &age.to_string());
    }
}

/// The headers a start-up CORS rule exposes: what the COS SDKs read in browsers.
const SDK_EXPOSE: &[&str] = &[
    "ETag",
    "Content-Length",
    "Content-Range",
    "Date",
    "x-cos-request-id",
    "x-cos-hash-crc64ecma",
    "x-cos-version-id",
    "x-cos-trace-id",
    "x-cos-storage-class",
    "x-cos-server-side-encryption",
    "Location",
];

/// Gives each of `buckets` without CORS rules one rule admitting `origins` for every
/// method and header (the builder's `cors_origin`).
pub(crate) fn allow_origins(
    store: &crate::storage::Store,
    buckets: &[String],
    origins: &[String],
) -> std::io::Result<()> {
    if origins.is_empty() {
        return Ok(());
    }
    let rule = CorsRule {
        id: "emulator-start-up".to_string(),
        allowed_origins: origins.to_vec(),
        allowed_methods: METHODS.iter().map(|m| (*m).to_string()).collect(),
        allowed_headers: vec!["*".to_string()],
        expose_headers: SDK_EXPOSE.iter().map(|h| (*h).to_string()).collect(),
        max_age_seconds: Some(600),
    };
    for bucket in buckets {
        store.update_bucket(bucket, |b| {
            if b.cors.is_empty() {
                b.cors = vec![rule.clone()];
            }
        })?;
    }
    Ok(())
}

/// The CORS rules of `bucket` (none for an unknown bucket).
pub(crate) fn bucket_rules(state: &State, bucket: &str) -> Vec<CorsRule> {
    state
        .store
        .bucket_record(bucket)
        .map(|b| b.cors)
        .unwrap_or_default()
}

/// Answers an OPTIONS preflight from the bucket's rules.
pub(crate) fn preflight(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let Some(origin) = req.header("origin") else {
        return Err(CosError::bad_request(
            "InvalidRequest",
            "Insufficient information. Origin request header needed.",
        ));
    };
    let Some(method) = req.header("access-control-request-method") else {
        return Err(CosError::bad_request(
            "InvalidRequest",
            "Insufficient information. Access-Control-Request-Method request header needed.",
        ));
    };
    let requested = req.header("access-control-request-headers").unwrap_or("");
    let headers: Vec<&str> = requested
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let rules = bucket_rules(state, &req.target.bucket);
    if rules.is_empty() {
        return Err(forbidden(
            "CORSResponse: CORS is not enabled for this bucket.",
        ));
    }
    let Some(rule) = matching_rule(&rules, origin, method, &headers) else {
        return Err(forbidden(
            "CORSResponse: This CORS request is not allowed. This is usually because the \
             evaluation of Origin, request method / Access-Control-Request-Method or \
             Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        ));
    };
    let mut response = Response::new(body::empty());
    let h = response.headers_mut();
    add_rule_headers(h, rule, origin);
    if !requested.is_empty() {
        set_header(h, "access-control-allow-headers", requested);
    }
    set_header(h, "content-length", "0");
    set_header(
        h,
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    );
    Ok(response)
}

/// Adds the CORS headers of the first rule admitting an actual request's `origin` and
/// `method`; nothing when no rule does.
pub(crate) fn add_actual_response_headers(
    headers: &mut HeaderMap,
    rules: &[CorsRule],
    origin: &HeaderValue,
    method: &str,
) {
    let Ok(origin) = origin.to_str() else {
        return;
    };
    if let Some(rule) = matching_rule(rules, origin, method, &[]) {
        add_rule_headers(headers, rule, origin);
        set_header(headers, "vary", "Origin");
    }
}

/// PUT Bucket cors.
pub(crate) async fn put(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let doc = read_required_document(state, req, body).await?;
    let rules = parse(&doc)?;
    state
        .store
        .update_bucket(&req.target.bucket, |b| b.cors = rules)
        .map_err(io_error)?;
    Ok(Response::new(body::empty()))
}

/// Parses a `CORSConfiguration` document.
fn parse(doc: &[u8]) -> Result<Vec<CorsRule>, CosError> {
    let (root, groups) =
        parse_groups(doc, "CORSRule", MAX_RULES + 1).ok_or_else(CosError::malformed_xml)?;
    if root != "CORSConfiguration" || groups.is_empty() || groups.len() > MAX_RULES {
        return Err(CosError::malformed_xml());
    }
    groups
        .iter()
        .map(|g| {
            let all = |name: &str| -> Vec<String> {
                g.iter()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .collect()
            };
            let rule = CorsRule {
                id: field(g, "ID").unwrap_or_default().to_string(),
                allowed_origins: all("AllowedOrigin"),
                allowed_methods: all("AllowedMethod")
                    .into_iter()
                    .map(|m| m.to_ascii_uppercase())
                    .collect(),
                allowed_headers: all("AllowedHeader"),
                expose_headers: all("ExposeHeader"),
                max_age_seconds: match field(g, "MaxAgeSeconds") {
                    None | Some("") => None,
                    Some(v) => Some(v.parse().map_err(|_| {
                        CosError::invalid_argument("MaxAgeSeconds must be a whole number.")
                    })?),
                },
            };
            if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
                return Err(CosError::malformed_xml());
            }
            if let Some(m) = rule
                .allowed_methods
                .iter()
                .find(|m| !METHODS.contains(&m.as_str()))
            {
                return Err(CosError::invalid_argument(format!(
                    "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
                )));
            }
            Ok(rule)
        })
        .collect()
}

/// GET Bucket cors: 404 `NoSuchCORSConfiguration` without rules.
pub(crate) fn get(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let rules = bucket_rules(state, &req.target.bucket);
    if rules.is_empty() {
        return Err(CosError::new(
            StatusCode::NOT_FOUND,
            "NoSuchCORSConfiguration",
            "The CORS configuration does not exist.",
        ));
    }
    let mut x = Xml::new();
    x.open("CORSConfiguration");
    for rule in &rules {
        x.open("CORSRule");
        if !rule.id.is_empty() {
            x.elem("ID", &rule.id);
        }
        for (name, values) in [
            ("AllowedOrigin", &rule.allowed_origins),
            ("AllowedMethod", &rule.allowed_methods),
            ("AllowedHeader", &rule.allowed_headers),
        ] {
            for v in values {
                x.elem(name, v);
            }
        }
        if let Some(age) = rule.max_age_seconds {
            x.elem("MaxAgeSeconds", &age.to_string());
        }
        for v in &rule.expose_headers {
            x.elem("ExposeHeader", v);
        }
        x.close("CORSRule");
    }
    x.close("CORSConfiguration");
    Ok(xml_response(x.finish()))
}

/// DELETE Bucket cors: 204.
pub(crate) fn delete(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    state
        .store
        .update_bucket(&req.target.bucket, |b| b.cors.clear())
        .map_err(io_error)?;
    let mut response = Response::new(body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "http://a.example", false));
        assert!(wildcard("http://*.example", "http://a.example", false));
        assert!(!wildcard("http://*.example", "https://a.example", false));
        assert!(wildcard("x-cos-*", "X-COS-META-A", true));
        assert!(!wildcard("x-cos-*", "authorization", true));
        assert!(wildcard("a*b*c", "abbc", false));
        assert!(!wildcard("a*b*c", "acb", false));
        assert!(!wildcard("ab", "abc", false));
    }

    #[test]
    fn rules_parse_and_match() {
        let rules = parse(
            b"<CORSConfiguration><CORSRule><ID>r</ID>\
              <AllowedOrigin>http://app.example</AllowedOrigin>\
              <AllowedMethod>put</AllowedMethod><AllowedMethod>GET</AllowedMethod>\
              <AllowedHeader>x-cos-*</AllowedHeader><AllowedHeader>Authorization</AllowedHeader>\
              <ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>60</MaxAgeSeconds>\
              </CORSRule></CORSConfiguration>",
        )
        .unwrap();
        assert_eq!(rules[0].allowed_methods, ["PUT", "GET"]);
        assert_eq!(rules[0].max_age_seconds, Some(60));
        let ok = matching_rule(
            &rules,
            "http://app.example",
            "PUT",
            &["authorization", "x-cos-acl"],
        );
        assert!(ok.is_some());
        assert!(matching_rule(&rules, "http://evil.example", "PUT", &[]).is_none());
        assert!(matching_rule(&rules, "http://app.example", "DELETE", &[]).is_none());
        assert!(matching_rule(&rules, "http://app.example", "PUT", &["content-md5"]).is_none());
        assert!(parse(b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>").is_err());
        assert!(parse(b"<CORSConfiguration/>").is_err());
    }
}
