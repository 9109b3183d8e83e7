//! The request as a COS server would receive it, from a presigned URL or from a request
//! description.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;
use tc3_signer::cos::TokenHeader;
use tc3_signer::uri_encode;

use crate::commands::outcome::Failure;
use crate::commands::sign::cos_input::CosInput;

/// Method, raw (encoded) path and query, and headers; plus the decoded path and query, used
/// to rebuild the server's http string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Received {
    pub(super) method: String,
    pub(super) raw_path: String,
    pub(super) raw_query: String,
    pub(super) headers: Vec<(String, String)>,
    /// The decoded path, when it is UTF-8.
    pub(super) path: Option<String>,
    /// The decoded query parameters, when they are UTF-8.
    pub(super) params: Option<Vec<(String, String)>>,
}

impl Received {
    /// The request a presigned URL makes: `Host` from the URL unless given in `headers`.
    pub(super) fn from_url(
        url: &str,
        method: &str,
        headers: &[(String, String)],
    ) -> Result<Self, Failure> {
        let (host, raw_path, raw_query) = split_url(url)?;
        let mut all = Vec::with_capacity(headers.len() + 1);
        if let Some(host) = host
            && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            all.push(("Host".to_owned(), host.to_owned()));
        }
        all.extend_from_slice(headers);
        Ok(Self {
            method: method.to_owned(),
            raw_path: raw_path.to_owned(),
            raw_query: raw_query.to_owned(),
            headers: all,
            path: decode(raw_path, false),
            params: raw_query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    Some((decode(name, true)?, decode(value, true)?))
                })
                .collect(),
        })
    }

    /// The request a description makes once sent: path and query encoded, the session token
    /// header added as the signer adds it, and `authorization` (if given) replacing any
    /// `Authorization` header.
    pub(super) fn from_input(input: &CosInput, authorization: Option<&str>) -> Self {
        let raw_path = input
            .path
            .split('/')
            .map(uri_encode)
            .collect::<Vec<_>>()
            .join("/");
        let raw_query = input
            .params
            .iter()
            .map(|(name, value)| format!("{}={}", uri_encode(name), uri_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let mut headers = input.headers.clone();
        if let Some(token) = &input.token {
            let has = |name: &str| {
                headers
                    .iter()
                    .any(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            };
            if !has("x-cos-security-token") && !has("x-ci-security-token") {
                let host = headers
                    .iter()
                    .find(|(n, _)| n.trim().eq_ignore_ascii_case("host"))
                    .map(|(_, v)| v.as_str());
                let name = TokenHeader::default().name_for_host(host);
                headers.push((name.to_owned(), token.clone()));
            }
        }
        if let Some(authorization) = authorization {
            headers.retain(|(n, _)| !n.trim().eq_ignore_ascii_case("authorization"));
            headers.push(("Authorization".to_owned(), authorization.to_owned()));
        }
        Self {
            method: input.method.clone(),
            raw_path,
            raw_query,
            headers,
            path: Some(input.path.clone()),
            params: Some(input.params.clone()),
        }
    }

    /// The headers as borrowed pairs.
    pub(super) fn header_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }
}

/// Splits `scheme://host/path?query#fragment` (or `/path?query`) into host, raw path and
/// raw query.
fn split_url(url: &str) -> Result<(Option<&str>, &str, &str), Failure> {
    let url = url.trim();
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let (host, rest) = match url.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            let (host, rest) = rest.split_at(end);
            if host.is_empty() {
                return Err(Failure::input(format!(
                    "the URL `{}` has no host",
                    shown(url)
                )));
            }
            (Some(host), rest)
        }
        Some(_) => {
            return Err(Failure::input(format!(
                "the URL `{}` is not http or https",
                shown(url)
            )));
        }
        None if url.starts_with('/') => (None, url),
        None => {
            return Err(Failure::input(format!(
                "`{}` is neither an http(s) URL nor a path starting with `/`",
                shown(url)
            )));
        }
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = if path.is_empty() { "/" } else { path };
    Ok((host, path, query))
}

/// The URL without its query (which may carry a signature or a token), for error messages.
fn shown(url: &str) -> &str {
    url.split('?').next().unwrap_or_default()
}

/// Percent-decodes once (`+` as a space in query components, as COS does); `None` if the
/// result is not UTF-8.
fn decode(raw: &str, plus_is_space: bool) -> Option<String> {
    let raw: Cow<'_, str> = if plus_is_space && raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    percent_decode_str(&raw)
        .decode_utf8()
        .ok()
        .map(Cow::into_owned)
}

/// Parses `--header 'Name: value'`.
pub(super) fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or("expected `Name: value`, e.g. `Content-Type: image/png`")?;
    let name = name.trim();
    if name.is_empty() {
        return Err("the header name is empty".into());
    }
    Ok((name.to_owned(), value.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts() {
        assert_eq!(
            split_url("https://b.cos.x.com/a%20b.txt?acl&q=1#frag").unwrap(),
            (Some("b.cos.x.com"), "/a%20b.txt", "acl&q=1")
        );
        assert_eq!(
            split_url("http://h:8080?x").unwrap(),
            (Some("h:8080"), "/", "x")
        );
        assert_eq!(split_url("/k").unwrap(), (None, "/k", ""));
        assert!(split_url("ftp://h/k").is_err());
        assert!(split_url("https:///k").is_err());
        assert!(split_url("k?q-signature=SECRET").is_err());
        let Err(Failure::BadInput(message)) = split_url("ftp://h/k?q-signature=SECRET") else {
            panic!()
        };
        assert!(!message.contains("SECRET"));
    }

    #[test]
    fn url_request_gets_host_and_decoded_parts() {
        let received = Received::from_url(
            "https://b-1250000000.cos.ap-beijing.myqcloud.com/%E8%85%BE%20x?prefix=a%2Fb+c&acl",
            "GET",
            &[("Range".into(), "bytes=0-1".into())],
        )
        .unwrap();
        assert_eq!(
            received.headers[0],
            (
                "Host".into(),
                "b-1250000000.cos.ap-beijing.myqcloud.com".into()
            )
        );
        assert_eq!(received.path.as_deref(), Some("/腾 x"));
        assert_eq!(
            received.params,
            Some(vec![
                ("prefix".into(), "a/b c".into()),
                ("acl".into(), String::new())
            ])
        );
        let own_host =
            Received::from_url("https://h/k", "GET", &[("host".into(), "other".into())]).unwrap();
        assert_eq!(own_host.headers, [("host".to_owned(), "other".to_owned())]);
    }

    #[test]
    fn input_request_is_encoded_with_token_and_authorization() {
        let input: CosInput = serde_json::from_str(
            r#"{"method":"PUT","path":"/a b/腾.txt","params":[["prefix","x/y"],["acl",""]],
                "headers":[["Host","b-1250000000.cos.ap-beijing.myqcloud.com"],["Authorization","old"]],
                "token":"tok"}"#,
        )
        .unwrap();
        let received = Received::from_input(&input, Some("new"));
        assert_eq!(received.raw_path, "/a%20b/%E8%85%BE.txt");
        assert_eq!(received.raw_query, "prefix=x%2Fy&acl=");
        assert!(
            received
                .headers
                .contains(&("x-cos-security-token".into(), "tok".into()))
        );
        assert!(
            received
                .headers
                .contains(&("Authorization".into(), "new".into()))
        );
        assert!(!received.headers.iter().any(|(_, v)| v == "old"));
    }

    #[test]
    fn header_flag() {
        assert_eq!(
            parse_header("Content-Type: a/b").unwrap(),
            ("Content-Type".into(), "a/b".into())
        );
        assert_eq!(parse_header("X:a:b").unwrap(), ("X".into(), "a:b".into()));
        assert!(parse_header("novalue").is_err());
        assert!(parse_header(" : v").is_err());
    }
}
