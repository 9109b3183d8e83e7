//! Signing an `http::Request`: its URI's path and query are decoded exactly once.

use http::header::{AUTHORIZATION, HOST, HeaderName, HeaderValue};

use super::canonical::canonical_params;
use super::query::{decode_path, decode_query};
use super::signed_headers::HeaderText;
use super::{KeyTime, RequestSignature, Signer};
use crate::SignError;

const TOKEN_HEADERS: [&str; 2] = ["x-cos-security-token", "x-ci-security-token"];

/// Signs an `http::Request` and adds the credential headers; see
/// [`Signer::sign_http_in_place`].
pub(crate) fn sign_http_in_place<B>(
    signer: &Signer<'_>,
    request: &mut http::Request<B>,
    key_time: KeyTime,
) -> Result<RequestSignature, SignError> {
    let signed = sign_http_parts(signer, request, key_time, true)?;
    let mut additions = Vec::with_capacity(3);
    if !request.headers().contains_key(HOST)
        && let Some(host) = authority_host(request.uri())
    {
        additions.push((HOST, header_value(&host, false)?));
    }
    for (name, value) in signed.headers_to_add() {
        let name = HeaderName::from_static(name);
        additions.push((name, header_value(value, true)?));
    }
    let headers = request.headers_mut();
    headers.remove(AUTHORIZATION);
    for name in TOKEN_HEADERS {
        headers.remove(name);
    }
    for (name, value) in additions {
        headers.insert(name, value);
    }
    Ok(signed)
}

/// Signs an `http::Request` without changing it; see [`Signer::sign_http`]. With
/// `replacing_credentials`, an `Authorization` or token header already present is ignored.
pub(crate) fn sign_http_parts<B>(
    signer: &Signer<'_>,
    request: &http::Request<B>,
    key_time: KeyTime,
    replacing_credentials: bool,
) -> Result<RequestSignature, SignError> {
    let uri = request.uri();
    let path = decode_path(uri.path());
    let path = std::str::from_utf8(&path).map_err(|_| SignError::InvalidInput {
        field: "path",
        reason: "the decoded path is not UTF-8".into(),
    })?;
    let query = decode_query(uri.query().unwrap_or_default());
    let params = canonical_params(query.iter().map(|(n, v)| (&n[..], &v[..])));
    let authority = if request.headers().contains_key(HOST) {
        None
    } else {
        authority_host(uri)
    };
    let headers: Vec<(&str, HeaderText<'_>)> = request
        .headers()
        .iter()
        .filter(|(name, _)| {
            !replacing_credentials
                || (*name != AUTHORIZATION && !TOKEN_HEADERS.contains(&name.as_str()))
        })
        .map(|(name, value)| (name.as_str(), HeaderText::Bytes(value.as_bytes())))
        .chain(
            authority
                .as_deref()
                .map(|host| ("host", HeaderText::Str(host))),
        )
        .collect();
    signer.sign_decoded(
        request.method().as_str(),
        path,
        params,
        headers.iter().copied(),
        key_time,
    )
}

/// `host[:port]` of the URI's authority, without user information.
fn authority_host(uri: &http::Uri) -> Option<String> {
    let host = uri.host()?;
    Some(match uri.port_u16() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

fn header_value(value: &str, sensitive: bool) -> Result<HeaderValue, SignError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| SignError::InvalidInput {
        field: "header value",
        reason: "contains characters a header value cannot carry".into(),
    })?;
    value.set_sensitive(sensitive);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credential;
    use crate::SignableRequest;

    fn window() -> KeyTime {
        KeyTime::new(1_700_000_000, 1_700_003_600).unwrap()
    }

    #[test]
    fn http_request_matches_decoded_parts() {
        let credential = Credential::new("AKID", "key").with_token("tok");
        let request = http::Request::get(
            "https://h.example/%E4%B8%AD%20x+y?marker=%E6%96%87%E4%BB%B6+1.jpg&max-keys=10",
        )
        .header("Host", "h.example")
        .header("Range", "bytes=0-3")
        .body(())
        .unwrap();
        let from_http = Signer::new(&credential)
            .sign_http(&request, window())
            .unwrap();
        let params = [("marker", "文件 1.jpg"), ("max-keys", "10")];
        let headers = [("Host", "h.example"), ("Range", "bytes=0-3")];
        let parts = SignableRequest::new("GET", "/中 x+y")
            .with_params(&params)
            .with_headers(&headers);
        let from_parts = Signer::new(&credential).sign(&parts, window()).unwrap();
        assert_eq!(from_http.http_string(), from_parts.http_string());
        assert_eq!(from_http.authorization(), from_parts.authorization());
    }

    #[test]
    fn resigning_replaces_old_credentials_headers() {
        let credential = Credential::new("AKID", "key").with_token("new");
        let mut request = http::Request::get("https://h.example/a")
            .header("authorization", "old")
            .header("x-cos-security-token", "old-token")
            .body(())
            .unwrap();
        let signed = Signer::new(&credential)
            .sign_http_in_place(&mut request, window())
            .unwrap();
        assert_eq!(request.headers()["x-cos-security-token"], "new");
        assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
        assert_eq!(request.headers()["authorization"], signed.authorization());
        assert!(request.headers()["authorization"].is_sensitive());
    }

    #[test]
    fn repeated_signed_header_is_rejected_and_request_left_unchanged() {
        let credential = Credential::new("AKID", "key");
        let mut request = http::Request::get("https://h.example/a")
            .header("x-cos-meta-a", "1")
            .header("x-cos-meta-a", "2")
            .body(())
            .unwrap();
        let error = Signer::new(&credential)
            .sign_http_in_place(&mut request, window())
            .unwrap_err();
        assert_eq!(
            error,
            SignError::DuplicateHeader {
                name: "x-cos-meta-a".into()
            }
        );
        assert!(!request.headers().contains_key("authorization"));
        assert!(!request.headers().contains_key("host"));
    }

    #[test]
    fn non_utf8_path_is_rejected() {
        let credential = Credential::new("AKID", "key");
        let request = http::Request::get("https://h.example/%FF")
            .body(())
            .unwrap();
        assert!(matches!(
            Signer::new(&credential).sign_http(&request, window()),
            Err(SignError::InvalidInput { field: "path", .. })
        ));
    }
}
