//! The one host a request addressed.

/// An absolute-form request target whose authority is not the `Host` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostMismatch;

/// The one host a request addressed, used both to route it and to verify its signature:
/// `Host`, or the authority of an absolute-form target (as sent through an HTTP proxy),
/// which must then equal `Host` when both are present (lower-case, port included).
pub(crate) fn request_host(
    uri: &http::Uri,
    headers: &http::HeaderMap,
) -> Result<String, HostMismatch> {
    let header = headers
        .get(http::header::HOST)
        .map(|h| h.to_str().unwrap_or_default().trim().to_ascii_lowercase());
    match (uri.authority(), header) {
        (Some(authority), Some(host)) => {
            let authority = authority.as_str().to_ascii_lowercase();
            if authority == host {
                Ok(host)
            } else {
                Err(HostMismatch)
            }
        }
        (Some(authority), None) => Ok(authority.as_str().to_ascii_lowercase()),
        (None, host) => Ok(host.unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_form_uri_supplies_the_host() {
        let uri: http::Uri = "http://photos-1250000000.cos.ap-beijing.myqcloud.com/k"
            .parse()
            .unwrap();
        let mut headers = http::HeaderMap::new();
        assert_eq!(
            request_host(&uri, &headers).unwrap(),
            "photos-1250000000.cos.ap-beijing.myqcloud.com"
        );
        headers.insert(
            "host",
            "Photos-1250000000.cos.ap-beijing.myqcloud.com"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            request_host(&uri, &headers).unwrap(),
            "photos-1250000000.cos.ap-beijing.myqcloud.com"
        );
        // Issue 13, finding 3: the authority and Host must agree.
        headers.insert("host", "127.0.0.1:1".parse().unwrap());
        assert_eq!(request_host(&uri, &headers), Err(HostMismatch));
        let uri: http::Uri = "/k".parse().unwrap();
        assert_eq!(request_host(&uri, &headers).unwrap(), "127.0.0.1:1");
    }
}
