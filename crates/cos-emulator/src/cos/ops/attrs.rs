//! Object attributes carried by request headers: ACL (`x-cos-acl`, `x-cos-grant-*`, read by
//! [`super::acl`]), tags
//! (`x-cos-tagging`), server-side encryption (SSE-COS and SSE-C), and how they are echoed.

use crate::cos::error::CosError;
use crate::cos::request::Req;
use crate::cos::response::set_header;
use crate::storage::{ObjectAttrs, Sse};
use base64::Engine as _;
use http::{HeaderMap, StatusCode};
use md5::{Digest as _, Md5};

/// Most tags an object may carry.
const MAX_TAGS: usize = 10;

/// A request's headers (or a POST form's fields) by lower-case header name.
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<&'a str>;

/// Tags from an `x-cos-tagging` value or a query-string-like `k=v&k2=v2` list.
pub(crate) fn parse_tagging(value: &str) -> Result<Vec<(String, String)>, CosError> {
    let pairs = crate::cos::route::parse_query(Some(value))
        .map_err(|_| CosError::invalid_argument("The x-cos-tagging header is invalid."))?;
    check_tags(pairs)
}

/// COS's tag rules: at most 10, keys 1–128 characters and unique, values at most 256.
pub(crate) fn check_tags(tags: Vec<(String, String)>) -> Result<Vec<(String, String)>, CosError> {
    if tags.len() > MAX_TAGS {
        return Err(CosError::bad_request(
            "BadRequest",
            "Object tags cannot be greater than 10.",
        ));
    }
    for (i, (k, v)) in tags.iter().enumerate() {
        let key_len = k.chars().count();
        if key_len == 0 || key_len > 128 || v.chars().count() > 256 {
            return Err(CosError::invalid_argument(
                "The tag key or value is invalid.",
            ));
        }
        if tags.iter().take(i).any(|(earlier, _)| earlier == k) {
            return Err(CosError::invalid_argument("Tag keys must be unique."));
        }
    }
    Ok(tags)
}

/// Server-side encryption a write request asks for.
fn sse_from(get: Lookup<'_>) -> Result<Option<Sse>, CosError> {
    let customer = customer_key(get, "x-cos-")?;
    match (get("x-cos-server-side-encryption"), customer) {
        (None, customer) => Ok(customer.map(|key_md5| Sse::Customer { key_md5 })),
        (Some(_), Some(_)) => Err(CosError::invalid_argument(
            "Server-side encryption with COS keys and with a customer key cannot be combined.",
        )),
        (Some(v), None) if v.trim() == "AES256" => Ok(Some(Sse::Cos)),
        (Some(v), None) if v.trim() == "cos/kms" => Err(CosError::not_implemented(
            "SSE-KMS (x-cos-server-side-encryption: cos/kms)",
        )),
        (Some(_), None) => Err(CosError::invalid_argument(
            "The x-cos-server-side-encryption header is invalid.",
        )),
    }
}

/// The base64 MD5 of a valid SSE-C key sent in `<prefix>server-side-encryption-customer-*`
/// headers; `None` when none of them is present.
fn customer_key(lookup: Lookup<'_>, prefix: &str) -> Result<Option<String>, CosError> {
    let get = |suffix: &str| lookup(&format!("{prefix}server-side-encryption-customer-{suffix}"));
    let (algorithm, key, key_md5) = (get("algorithm"), get("key"), get("key-md5"));
    if algorithm.is_none() && key.is_none() && key_md5.is_none() {
        return Ok(None);
    }
    let invalid = |what: &str| CosError::invalid_argument(format!("The SSE-C {what} is invalid."));
    if algorithm.map(str::trim) != Some("AES256") {
        return Err(invalid("algorithm (must be AES256)"));
    }
    let key = base64::engine::general_purpose::STANDARD
        .decode(key.unwrap_or_default().trim())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or_else(|| invalid("key (must be 256 bits, base64)"))?;
    let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&key));
    if key_md5.map(str::trim) != Some(md5.as_str()) {
        return Err(invalid("key MD5 (must be the base64 MD5 of the key)"));
    }
    Ok(Some(md5))
}

/// Refuses to read an SSE-C object unless the request carries its key (`prefix` is `x-cos-`
/// for GET/HEAD, `x-cos-copy-source-` for a copy's source), as COS does: no key → 400
/// `InvalidRequest`, a different key → 403 `AccessDenied`. A key sent for an object that has
/// none → 400 `InvalidRequest`.
pub(crate) fn check_read_key(
    attrs: &ObjectAttrs,
    headers: &HeaderMap,
    prefix: &str,
) -> Result<(), CosError> {
    let sent = customer_key(&|n| crate::cos::headers::header(headers, n), prefix)?;
    match (&attrs.sse, sent) {
        (Some(Sse::Customer { key_md5 }), Some(sent)) if *key_md5 == sent => Ok(()),
        (Some(Sse::Customer { .. }), Some(_)) => Err(CosError::access_denied(
            "The SSE-C key you provided does not match the object's key.",
        )),
        (Some(Sse::Customer { .. }), None) => Err(CosError::bad_request(
            "InvalidRequest",
            "The object was stored using a form of Server Side Encryption. \
             The correct parameters must be provided to retrieve the object.",
        )),
        (_, Some(_)) => Err(CosError::bad_request(
            "InvalidRequest",
            "The encryption parameters are not applicable to this object.",
        )),
        (_, None) => Ok(()),
    }
}

/// The ACL, tags and encryption of a new object written by `req` (PUT, Initiate, APPEND);
/// the object is not appendable.
pub(crate) fn from_request(req: &Req) -> Result<ObjectAttrs, CosError> {
    from_lookup(&|n| req.header(n))
}

/// [`from_request`] for any source of header values (a POST form's fields).
pub(crate) fn from_lookup(get: Lookup<'_>) -> Result<ObjectAttrs, CosError> {
    Ok(ObjectAttrs {
        acl: super::acl::object_acl(get)?,
        tags: match get("x-cos-tagging") {
            Some(v) => parse_tagging(v)?,
            None => Vec::new(),
        },
        sse: sse_from(get)?,
        appendable: false,
    })
}

/// Echoes an object's encryption (write answers, GET and HEAD).
pub(crate) fn echo_sse(h: &mut HeaderMap, attrs: &ObjectAttrs) {
    match &attrs.sse {
        None => {}
        Some(Sse::Cos) => set_header(h, "x-cos-server-side-encryption", "AES256"),
        Some(Sse::Customer { key_md5 }) => {
            set_header(
                h,
                "x-cos-server-side-encryption-customer-algorithm",
                "AES256",
            );
            set_header(h, "x-cos-server-side-encryption-customer-key-md5", key_md5);
        }
    }
}

/// The object headers GET and HEAD add for the attributes: encryption, tag count, kind.
pub(crate) fn echo_on_read(h: &mut HeaderMap, attrs: &ObjectAttrs, size: u64) {
    echo_sse(h, attrs);
    if !attrs.tags.is_empty() {
        set_header(h, "x-cos-tagging-count", &attrs.tags.len().to_string());
    }
    if attrs.appendable {
        set_header(h, "x-cos-object-type", "appendable");
        set_header(h, "x-cos-next-append-position", &size.to_string());
    }
}

/// 409 for an append at the wrong position.
pub(crate) fn position_error() -> CosError {
    CosError::new(
        StatusCode::CONFLICT,
        "PositionNotEqualToLength",
        "Position is not equal to the length of the object.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_rules() {
        assert_eq!(
            parse_tagging("a=1&b%20c=d%26e").unwrap(),
            vec![("a".into(), "1".into()), ("b c".into(), "d&e".into())]
        );
        let eleven: Vec<String> = (0..11).map(|i| format!("k{i}=v")).collect();
        assert!(parse_tagging(&eleven.join("&")).is_err());
        assert!(parse_tagging("a=1&a=2").is_err());
        assert!(parse_tagging(&format!("{}=v", "k".repeat(129))).is_err());
    }

    #[test]
    fn customer_keys_are_checked_and_only_their_md5_is_kept() {
        let key = [7u8; 32];
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let md5 = b64(&Md5::digest(key));
        let mut h = HeaderMap::new();
        let set = |h: &mut HeaderMap, n: &'static str, v: &str| {
            h.insert(n, v.parse().unwrap());
        };
        set(
            &mut h,
            "x-cos-server-side-encryption-customer-algorithm",
            "AES256",
        );
        set(
            &mut h,
            "x-cos-server-side-encryption-customer-key",
            &b64(&key),
        );
        set(
            &mut h,
            "x-cos-server-side-encryption-customer-key-md5",
            &md5,
        );
        let lookup = |h: &HeaderMap| customer_key(&|n| crate::cos::headers::header(h, n), "x-cos-");
        assert_eq!(lookup(&h).unwrap(), Some(md5.clone()));
        let attrs = ObjectAttrs {
            sse: Some(Sse::Customer { key_md5: md5 }),
            ..ObjectAttrs::default()
        };
        assert!(check_read_key(&attrs, &h, "x-cos-").is_ok());
        assert_eq!(
            check_read_key(&attrs, &HeaderMap::new(), "x-cos-")
                .unwrap_err()
                .code,
            "InvalidRequest"
        );
        let other = [8u8; 32];
        set(
            &mut h,
            "x-cos-server-side-encryption-customer-key",
            &b64(&other),
        );
        set(
            &mut h,
            "x-cos-server-side-encryption-customer-key-md5",
            &b64(&Md5::digest(other)),
        );
        assert_eq!(
            check_read_key(&attrs, &h, "x-cos-").unwrap_err().code,
            "AccessDenied"
        );
        set(
            &mut h,
            "x-cos-server-side-encryption-customer-key-md5",
            "AAAA",
        );
        assert!(lookup(&h).is_err());
    }
}
