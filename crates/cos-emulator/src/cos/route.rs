//! Maps a request's host (see [`crate::http::host`]) and path to a bucket and an object key.
//!
//! * Virtual-hosted: the first label of the host is a configured bucket
//!   (`<bucket>.cos.<region>.myqcloud.com`, `<bucket>.cos.<region>.tencentcos.cn`, or any
//!   `<bucket>.<anything>` such as `<bucket>.localhost`). A host that looks like a COS bucket
//!   host for a bucket that is not configured gets `NoSuchBucket`.
//! * Path-style: the first path segment is a configured bucket (`/<bucket>/<key>`).
//! * Otherwise the default bucket, with the whole path as the key.
//! * The service hosts `service.cos.myqcloud.com` and `cos.<region>.myqcloud.com` (also
//!   under `.tencentcos.cn`) with the path `/`: GET Service, a [`Target`] without a bucket.
//!
//! A bucket host or `<bucket>.<anything>` whose first label is a well-formed bucket name
//! routes to that bucket even when it does not exist (PUT Bucket creates it; everything
//! else answers `NoSuchBucket`).
//!
//! The path is percent-decoded exactly once (`%2F` is `/`); dot segments are never normalised.

use super::error::CosError;
use percent_encoding::percent_decode_str;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The bucket (`name-appid`); empty for GET Service on a service host.
    pub(crate) bucket: String,
    /// The object key; empty for bucket-level requests.
    pub(crate) key: String,
    /// The host the client addressed (lower-case, port included).
    pub(crate) host: String,
    /// The decoded path as the client sent it (what the signature covers).
    pub(crate) signed_path: String,
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

/// The Tencent Cloud domains whose `<bucket>.<service>.<region>.` hosts name a service.
const TENCENT_DOMAINS: &[&str] = &[".myqcloud.com", ".tencentcos.cn", ".tencentcloudapi.com"];

/// Domains whose `service.cos.` and `cos.<region>.` hosts serve GET Service.
const COS_DOMAINS: &[&str] = &[".myqcloud.com", ".tencentcos.cn"];

/// Service labels that are COS storage (`<bucket>.cos.<region>.myqcloud.com`, …).
const COS_SERVICES: &[&str] = &["cos", "cos-internal", "cos-website"];

/// What a host names.
#[derive(Debug, PartialEq, Eq)]
enum HostKind<'h> {
    /// A COS bucket host of a Tencent Cloud domain: `<bucket>.cos.<region>.myqcloud.com`.
    CosBucket(&'h str),
    /// The COS service host: `service.cos.myqcloud.com`, `cos.<region>.myqcloud.com`.
    Service,
    /// Another Tencent Cloud service (`.ci.`, `.pic.`, vectors, migration…) or a
    /// service-level host: never storage.
    OtherService(&'h str),
    /// An IP literal or a single-label name (`localhost`, a container name): path-style and
    /// default-bucket addressing.
    Plain,
    /// Anything else: `<bucket>.<anything>` when its first label is a bucket.
    Named(&'h str),
}

fn classify(bare: &str) -> HostKind<'_> {
    if TENCENT_DOMAINS.iter().any(|d| bare.ends_with(d)) {
        let mut labels = bare.split('.');
        let (first, service) = (labels.next().unwrap_or_default(), labels.next());
        return match service {
            // `cos.<region>.myqcloud.com`, `service.cos.myqcloud.com`: service level.
            Some(_) if (first == "cos" || first == "service") && is_cos_domain(bare) => {
                HostKind::Service
            }
            _ if first == "cos" || first == "service" => HostKind::OtherService(first),
            Some(service) if COS_SERVICES.contains(&service) => HostKind::CosBucket(first),
            Some(service) => HostKind::OtherService(service),
            None => HostKind::OtherService(first),
        };
    }
    let unbracketed = bare.trim_start_matches('[').trim_end_matches(']');
    if unbracketed.parse::<std::net::IpAddr>().is_ok() || !bare.contains('.') {
        return HostKind::Plain;
    }
    HostKind::Named(bare.split('.').next().unwrap_or_default())
}

fn is_cos_domain(bare: &str) -> bool {
    COS_DOMAINS.iter().any(|d| bare.ends_with(d))
}

/// Whether `name` is a well-formed bucket name (the one rule, `cos_core`'s, re-exported by `cos_policy`).
fn is_bucket_name(name: &str) -> bool {
    name.parse::<cos_policy::BucketName>().is_ok()
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
    let path_key = signed_path.strip_prefix('/').unwrap_or(&signed_path);
    let target = |bucket: &str, key: &str| Target {
        bucket: bucket.to_string(),
        key: key.to_string(),
        host: host.to_string(),
        signed_path: signed_path.clone(),
    };
    let configured = |name: &str| buckets.iter().any(|b| b == name);
    match classify(strip_port(host)) {
        // Unknown or malformed names: PUT Bucket answers `InvalidBucketName`, anything
        // else `NoSuchBucket`.
        HostKind::CosBucket(bucket) => Ok(target(bucket, path_key)),
        HostKind::Service if path_key.is_empty() => Ok(target("", "")),
        HostKind::Service => Err(CosError::not_implemented(
            "paths other than `/` on the COS service host",
        )),
        HostKind::OtherService(service) => Err(CosError::not_implemented(&format!(
            "the `{service}` service (only COS storage hosts are emulated)"
        ))),
        HostKind::Named(bucket) if configured(bucket) || is_bucket_name(bucket) => {
            Ok(target(bucket, path_key))
        }
        HostKind::Named(_) => Err(CosError::bad_request(
            "InvalidURI",
            "The host names no bucket of this emulator: use <bucket>.cos.<region>.myqcloud.com, \
             <bucket>.<any host>, or an IP address or single-label host with path-style \
             /<bucket>/<key> or the default bucket.",
        )),
        HostKind::Plain => {
            let (first, rest) = match path_key.split_once('/') {
                Some((first, rest)) => (first, rest),
                None => (path_key, ""),
            };
            if !first.is_empty() && configured(first) {
                Ok(target(first, rest))
            } else {
                Ok(target(default_bucket, path_key))
            }
        }
    }
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
    fn unknown_cos_bucket_hosts_route_to_their_bucket() {
        // PUT Bucket creates it (or answers InvalidBucketName); the pipeline answers
        // NoSuchBucket to anything else.
        let t = route(
            "other-1250000000.cos.ap-guangzhou.myqcloud.com",
            "/k",
            &buckets(),
            "docs-1250000000",
        )
        .unwrap();
        assert_eq!(t.bucket, "other-1250000000");
    }

    #[test]
    fn service_hosts_route_get_service() {
        for host in [
            "service.cos.myqcloud.com",
            "cos.ap-guangzhou.myqcloud.com:80",
            "service.cos.tencentcos.cn",
        ] {
            let t = route(host, "/", &buckets(), "docs-1250000000").unwrap();
            assert_eq!((t.bucket.as_str(), t.key.as_str()), ("", ""), "{host}");
        }
        assert!(route("cos.ap-guangzhou.tencentcloudapi.com", "/", &buckets(), "d").is_err());
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
    fn other_services_and_unknown_hosts_never_reach_a_bucket() {
        // Issue 13, finding 7: `.ci.` (and other service) hosts are not storage, even for a
        // configured bucket; unknown multi-label hosts do not fall to the default bucket.
        for host in [
            "photos-1250000000.ci.ap-guangzhou.myqcloud.com",
            "photos-1250000000.pic.ap-guangzhou.myqcloud.com",
            "photos-1250000000.cos-migration.ap-guangzhou.myqcloud.com",
            "cos.ap-guangzhou.myqcloud.com",
            "service.cos.myqcloud.com",
        ] {
            let e = route(host, "/ai_bucket", &buckets(), "docs-1250000000").unwrap_err();
            assert_eq!(e.code, "NotImplemented", "{host}");
        }
        for host in ["example.com", "other.localhost:80"] {
            let e = route(host, "/photos-1250000000/k", &buckets(), "docs-1250000000").unwrap_err();
            assert_eq!(e.code, "InvalidURI", "{host}");
        }
        for host in ["localhost:9000", "emulator", "10.0.0.1", "[::1]:8080"] {
            let t = route(host, "/k", &buckets(), "docs-1250000000").unwrap();
            assert_eq!(t.bucket, "docs-1250000000", "{host}");
        }
    }

    #[test]
    fn invalid_utf8_path_is_invalid_uri() {
        assert_eq!(
            route("h", "/%ff", &buckets(), "d").unwrap_err().code,
            "InvalidURI"
        );
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
