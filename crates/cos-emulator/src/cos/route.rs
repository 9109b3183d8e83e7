//! Maps a request (Host, absolute-form URI, path) to a bucket and an object key.
//!
//! * Virtual-hosted: the first label of the host is a configured bucket
//!   (`<bucket>.cos.<region>.myqcloud.com`, `<bucket>.cos.<region>.tencentcos.cn`, or any
//!   `<bucket>.<anything>` such as `<bucket>.localhost`). A host that looks like a COS bucket
//!   host for a bucket that is not configured gets `NoSuchBucket`.
//! * Path-style: the first path segment is a configured bucket (`/<bucket>/<key>`).
//! * Otherwise the default bucket, with the whole path as the key.
//!
//! The path is percent-decoded exactly once (`%2F` is `/`); dot segments are never normalised.

use super::error::CosError;
use percent_encoding::percent_decode_str;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The bucket (`name-appid`).
    pub(crate) bucket: String,
    /// The object key; empty for bucket-level requests.
    pub(crate) key: String,
    /// The host the client addressed (lower-case, port included).
    pub(crate) host: String,
    /// The decoded path as the client sent it (what the signature covers).
    pub(crate) signed_path: String,
}

/// The host a request addressed: the authority of an absolute-form URI, else `Host`.
pub(crate) fn request_host(uri: &http::Uri, headers: &http::HeaderMap) -> String {
    if let Some(authority) = uri.authority() {
        return authority.as_str().to_ascii_lowercase();
    }
    headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map_or(host, |(h, _)| h.get(1..).unwrap_or(h));
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

fn looks_like_cos_bucket_host(rest: &str) -> bool {
    (rest.starts_with("cos.")
        || rest.starts_with("cos-internal.")
        || rest.starts_with("cos-website."))
        && (rest.ends_with(".myqcloud.com") || rest.ends_with(".tencentcos.cn"))
}

/// Decodes a raw path exactly once.
pub(crate) fn decode_path(raw: &str) -> Result<String, CosError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| CosError::bad_request("InvalidURI", "Couldn't parse the specified URI."))
}

/// Routes a request.
pub(crate) fn route(
    host: &str,
    raw_path: &str,
    buckets: &[String],
    default_bucket: &str,
) -> Result<Target, CosError> {
    let signed_path = decode_path(raw_path)?;
    let bare = strip_port(host);
    let path_key = signed_path.strip_prefix('/').unwrap_or(&signed_path);
    if let Some((label, rest)) = bare.split_once('.') {
        if buckets.iter().any(|b| b == label) {
            return Ok(Target {
                bucket: label.to_string(),
                key: path_key.to_string(),
                host: host.to_string(),
                signed_path,
            });
        }
        if looks_like_cos_bucket_host(rest) {
            return Err(CosError::no_such_bucket());
        }
    }
    let (first, rest) = match path_key.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path_key, None),
    };
    if !first.is_empty() && buckets.iter().any(|b| b == first) {
        return Ok(Target {
            bucket: first.to_string(),
            key: rest.unwrap_or_default().to_string(),
            host: host.to_string(),
            signed_path,
        });
    }
    Ok(Target {
        bucket: default_bucket.to_string(),
        key: path_key.to_string(),
        host: host.to_string(),
        signed_path,
    })
}

/// Splits and decodes a raw query string once; valueless parameters get `""`.
pub(crate) fn parse_query(raw: Option<&str>) -> Result<Vec<(String, String)>, CosError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let bad = || CosError::bad_request("InvalidURI", "Couldn't parse the specified URI.");
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                let s = s.replace('+', "%20");
                percent_decode_str(&s)
                    .decode_utf8()
                    .map(|c| c.into_owned())
                    .map_err(|_| bad())
            };
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn buckets() -> Vec<String> {
        vec!["photos-1250000000".into(), "docs-1250000000".into()]
    }

    #[test]
    fn virtual_hosted_bucket_from_host() {
        let t = route(
            "photos-1250000000.cos.ap-guangzhou.myqcloud.com",
            "/a/b%2Fc.jpg",
            &buckets(),
            "docs-1250000000",
        )
        .unwrap();
        assert_eq!(t.bucket, "photos-1250000000");
        assert_eq!(t.key, "a/b/c.jpg");
        assert_eq!(t.signed_path, "/a/b/c.jpg");
        let t = route(
            "photos-1250000000.localhost:9000",
            "/k",
            &buckets(),
            "docs-1250000000",
        )
        .unwrap();
        assert_eq!(t.bucket, "photos-1250000000");
    }

    #[test]
    fn unknown_cos_bucket_host_is_no_such_bucket() {
        let e = route(
            "other-1.cos.ap-guangzhou.myqcloud.com",
            "/k",
            &buckets(),
            "docs-1250000000",
        )
        .unwrap_err();
        assert_eq!(e.code, "NoSuchBucket");
    }

    #[test]
    fn path_style_and_default_bucket() {
        let t = route(
            "127.0.0.1:8080",
            "/photos-1250000000/x/y",
            &buckets(),
            "docs-1250000000",
        )
        .unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.key.as_str()),
            ("photos-1250000000", "x/y")
        );
        let t = route(
            "127.0.0.1:8080",
            "/photos-1250000000",
            &buckets(),
            "docs-1250000000",
        )
        .unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.key.as_str()),
            ("photos-1250000000", "")
        );
        let t = route("127.0.0.1:8080", "/x/./../y", &buckets(), "docs-1250000000").unwrap();
        assert_eq!(
            (t.bucket.as_str(), t.key.as_str()),
            ("docs-1250000000", "x/./../y")
        );
        let t = route("[::1]:80", "/", &buckets(), "docs-1250000000").unwrap();
        assert_eq!(t.key, "");
    }

    #[test]
    fn invalid_utf8_path_is_invalid_uri() {
        assert_eq!(
            route("h", "/%ff", &buckets(), "d").unwrap_err().code,
            "InvalidURI"
        );
    }

    #[test]
    fn absolute_form_uri_supplies_the_host() {
        let uri: http::Uri = "http://photos-1250000000.cos.ap-beijing.myqcloud.com/k"
            .parse()
            .unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "127.0.0.1:1".parse().unwrap());
        assert_eq!(
            request_host(&uri, &headers),
            "photos-1250000000.cos.ap-beijing.myqcloud.com"
        );
        let uri: http::Uri = "/k".parse().unwrap();
        assert_eq!(request_host(&uri, &headers), "127.0.0.1:1");
    }

    #[test]
    fn query_decoding() {
        let q = parse_query(Some("uploads&prefix=a%2Fb&max-keys=2&x=a+b")).unwrap();
        assert_eq!(
            q,
            vec![
                ("uploads".into(), "".into()),
                ("prefix".into(), "a/b".into()),
                ("max-keys".into(), "2".into()),
                ("x".into(), "a b".into()),
            ]
        );
        assert!(parse_query(Some("a=%ff")).is_err());
    }

    proptest! {
        #[test]
        fn routing_never_panics(host in ".{0,40}", path in "/.{0,60}") {
            let _ = route(&host, &path, &buckets(), "docs-1250000000");
        }
    }
}
