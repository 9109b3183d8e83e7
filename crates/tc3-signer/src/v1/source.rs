//! The v1 source string: `METHOD + host + path + "?" + sorted raw name=value pairs`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;

use crate::SignError;
use crate::tc3::mac::{hmac_sha1_keyed, hmac_sha256_keyed};

use super::SignatureMethod;

/// Builds the v1 string to sign: parameters sorted by name (byte order), joined as
/// `name=value` with `&`, values **not** encoded, after `METHOD + host + path + "?"`.
///
/// `method` is upper-cased; `path` is `/` for API 3.0 hosts. Parameter names must be unique
/// and must not include `Signature`.
///
/// ```
/// let source = tc3_signer::v1::source_string(
///     "GET",
///     "cvm.tencentcloudapi.com",
///     "/",
///     &[("Nonce", "11886"), ("Action", "DescribeInstances")],
/// )?;
/// assert_eq!(source, "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&Nonce=11886");
/// # Ok::<(), tc3_signer::SignError>(())
/// ```
pub fn source_string(
    method: &str,
    host: &str,
    path: &str,
    params: &[(&str, &str)],
) -> Result<String, SignError> {
    let method = checked_method(method)?;
    check_host_and_path(host, path)?;
    let sorted = sorted_unique(params)?;
    Ok(join_source(&method, host, path, &sorted))
}

/// `params` sorted by name; errors on repeated, empty or reserved names.
pub(crate) fn sorted_unique<'p>(
    params: &[(&'p str, &'p str)],
) -> Result<Vec<(&'p str, &'p str)>, SignError> {
    let mut sorted = params.to_vec();
    sorted.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for pair in sorted.windows(2) {
        if let [(first, _), (second, _)] = pair
            && first == second
        {
            return Err(SignError::RepeatedParameter {
                name: (*first).to_owned(),
            });
        }
    }
    for (name, _) in &sorted {
        if name.is_empty() || name.contains(['&', '=']) {
            return Err(SignError::InvalidInput {
                field: "parameter name",
                reason: "must be non-empty and contain no `&` or `=`".into(),
            });
        }
        if *name == "Signature" {
            return Err(SignError::InvalidInput {
                field: "parameter name",
                reason: "`Signature` is computed, not given".into(),
            });
        }
    }
    Ok(sorted)
}

/// Joins already sorted pairs into the source string.
pub(crate) fn join_source<'x>(
    method: &str,
    host: &str,
    path: &str,
    sorted: impl IntoIterator<Item = &'x (&'x str, &'x str)>,
) -> String {
    let mut source = format!("{method}{host}{path}?");
    for (index, (name, value)) in sorted.into_iter().enumerate() {
        if index > 0 {
            source.push('&');
        }
        source.push_str(name);
        source.push('=');
        source.push_str(value);
    }
    source
}

/// The upper-cased method, if it is an HTTP token.
pub(crate) fn checked_method(method: &str) -> Result<String, SignError> {
    let token = !method.is_empty()
        && method
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(SignError::InvalidInput {
            field: "method",
            reason: "must be a non-empty HTTP token".into(),
        });
    }
    Ok(method.to_ascii_uppercase())
}

fn check_host_and_path(host: &str, path: &str) -> Result<(), SignError> {
    let blank = |s: &str| s.bytes().any(|b| b <= b' ' || b == 0x7f);
    if host.is_empty() || blank(host) || host.contains(['/', '?', '#']) {
        return Err(SignError::InvalidInput {
            field: "host",
            reason: "must be a non-empty host name without spaces, `/`, `?` or `#`".into(),
        });
    }
    if !path.starts_with('/') || blank(path) || path.contains(['?', '#']) {
        return Err(SignError::InvalidInput {
            field: "path",
            reason: "must start with `/` and contain no spaces, `?` or `#`".into(),
        });
    }
    Ok(())
}

/// `base64(HMAC(secret_key, source))`.
pub(crate) fn signature_of(secret_key: &str, source: &str, method: SignatureMethod) -> String {
    let tag = match method {
        SignatureMethod::HmacSha1 => {
            let mut mac = hmac_sha1_keyed(secret_key.as_bytes());
            mac.update(source.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        SignatureMethod::HmacSha256 => {
            let mut mac = hmac_sha256_keyed(secret_key.as_bytes());
            mac.update(source.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    STANDARD.encode(tag)
}

/// Whether `presented` (raw bytes) is the HMAC of `source`, compared in constant time.
pub(crate) fn signature_matches(
    secret_key: &str,
    source: &str,
    method: SignatureMethod,
    presented: &[u8],
) -> bool {
    match method {
        SignatureMethod::HmacSha1 => {
            let mut mac = hmac_sha1_keyed(secret_key.as_bytes());
            mac.update(source.as_bytes());
            mac.verify_slice(presented).is_ok()
        }
        SignatureMethod::HmacSha256 => {
            let mut mac = hmac_sha256_keyed(secret_key.as_bytes());
            mac.update(source.as_bytes());
            mac.verify_slice(presented).is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_repeated_and_reserved_names() {
        assert!(matches!(
            source_string("GET", "h", "/", &[("a", "1"), ("a", "2")]),
            Err(SignError::RepeatedParameter { .. })
        ));
        assert!(source_string("GET", "h", "/", &[("Signature", "x")]).is_err());
        assert!(source_string("GET", "h", "/", &[("", "x")]).is_err());
        assert!(source_string("G T", "h", "/", &[]).is_err());
        assert!(source_string("GET", "h/x", "/", &[]).is_err());
        assert!(source_string("GET", "h", "x", &[]).is_err());
    }

    #[test]
    fn lower_case_method_is_upper_cased() {
        assert_eq!(
            source_string("post", "h", "/", &[("b", "2"), ("a", "1")]).unwrap(),
            "POSTh/?a=1&b=2"
        );
    }
}
