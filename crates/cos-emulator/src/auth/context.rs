//! The condition context of a COS request (keys of cos-api.md section 1.5).

use crate::cos::request::Req;

/// `(key, value)` pairs for policy conditions. Header-derived keys are present only when the
/// request carries the header; `cos:prefix` only for the listing operations.
pub(crate) fn conditions(req: &Req, action: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("qcs:ip", req.remote.ip().to_string()),
        (
            "cos:secure-transport",
            crate::tls::is_secure(&req.parts).to_string(),
        ),
        ("cos:host", req.target.host.clone()),
    ];
    let header_keys = [
        ("content-type", "cos:content-type"),
        ("content-length", "cos:content-length"),
        ("x-cos-acl", "cos:x-cos-acl"),
        ("x-cos-storage-class", "cos:x-cos-storage-class"),
    ];
    for (header, key) in header_keys {
        if let Some(v) = req.header(header) {
            out.push((key, v.to_string()));
        }
    }
    if let Some(v) = req.q("versionId") {
        out.push(("cos:versionid", v.to_string()));
    }
    if let Some(v) = req.q("response-content-type") {
        // Policies hold request-parameter values URL-encoded.
        out.push(("cos:response-content-type", encode(v)));
    }
    if matches!(
        action,
        "GetBucket" | "ListMultipartUploads" | "GetBucketObjectVersions"
    ) {
        out.push(("cos:prefix", encode(req.q("prefix").unwrap_or_default())));
    }
    out
}

fn encode(value: &str) -> String {
    cos_core::encoding::uri_encode(value)
}
