//! The TC3 `CanonicalRequest` and its parts.

use super::mac::sha256_hex;
use super::validate::trim_ows;

/// The literal that replaces the body hash input with `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// `CanonicalHeaders` (each line `name:value\n`) and `SignedHeaders` (`a;b;c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CanonicalHeaders {
    pub(crate) canonical: String,
    pub(crate) signed: String,
}

/// `lower(trim(value))` for a canonical header line.
pub(crate) fn normalise_value(value: &str) -> String {
    trim_ows(value).to_ascii_lowercase()
}

/// Builds the header block from `(lower-case name, raw value)` pairs, in the order given.
pub(crate) fn canonical_headers<'x>(
    entries: impl IntoIterator<Item = (&'x str, &'x str)>,
) -> CanonicalHeaders {
    let mut canonical = String::new();
    let mut signed = String::new();
    for (name, value) in entries {
        if !signed.is_empty() {
            signed.push(';');
        }
        signed.push_str(name);
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(&normalise_value(value));
        canonical.push('\n');
    }
    CanonicalHeaders { canonical, signed }
}

/// `HashedRequestPayload`: the SHA-256 of the body, or of `UNSIGNED-PAYLOAD`.
pub(crate) fn hashed_payload(body: &[u8], unsigned: bool) -> String {
    if unsigned {
        sha256_hex(UNSIGNED_PAYLOAD.as_bytes())
    } else {
        sha256_hex(body)
    }
}

/// `Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedRequestPayload`.
///
/// `method` must already be upper case; `path` is `/` for every API 3.0 request.
pub(crate) fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &CanonicalHeaders,
    hashed_payload: &str,
) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let mut out = String::with_capacity(
        method.len()
            + path.len()
            + query.len()
            + headers.canonical.len()
            + headers.signed.len()
            + hashed_payload.len()
            + 5,
    );
    for (index, part) in [
        method,
        path,
        query,
        headers.canonical.as_str(),
        headers.signed.as_str(),
        hashed_payload,
    ]
    .into_iter()
    .enumerate()
    {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_canonical_request() {
        let headers = canonical_headers([
            ("content-type", "application/json; charset=utf-8"),
            ("host", "cvm.tencentcloudapi.com"),
            ("x-tc-action", " DescribeInstances\t"),
        ]);
        assert_eq!(headers.signed, "content-type;host;x-tc-action");
        let request = canonical_request(
            "POST",
            "/",
            "",
            &headers,
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064",
        );
        assert_eq!(
            request,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\
             x-tc-action:describeinstances\n\ncontent-type;host;x-tc-action\n\
             35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
    }

    #[test]
    fn unsigned_payload_hash() {
        assert_eq!(
            hashed_payload(b"ignored", true),
            "438d4109ef0d676b8c2c7ed13cdfcb418e494d53b843d4634ce3b1085f07bb96"
        );
    }
}
