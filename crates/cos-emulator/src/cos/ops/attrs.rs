//! Object attributes carried by request headers: ACL (`x-cos-acl`, `x-cos-grant-*`, read by
//! [`super::acl`]), tags
//! (`x-cos-tagging`), server-side encryption (SSE-COS and SSE-C), and how they are echoed.

use crate::cos::error::CosError;
use crate::cos::request::Req;
use crate::cos::response::set_header;
use crate::cos::xml::{field, parse_groups};
use crate::storage::{ObjectAttrs, Sse};
use base64::Engine as _;
use http::{HeaderMap, StatusCode};
use md5::{Digest as _, Md5};

/// A request's headers (or a POST form's fields) by lower-case header name.
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<&'a str>;

/// What a tag set is attached to: COS's limits differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagOwner {
    /// At most 10 tags (PUT Object tagging).
    Object,
    /// At most 50 tags of letters, digits, spaces and `+ - _ = . : / @` (PUT Bucket tagging).
    Bucket,
}

impl TagOwner {
    /// The most tags this owner may carry.
    fn max(self) -> usize {
        match self {
            Self::Object => 10,
            Self::Bucket => 50,
        }
    }
}

/// Tags from an `x-cos-tagging` value or a query-string-like `k=v&k2=v2` list.
pub(crate) fn parse_tagging(
    value: &str,
    owner: TagOwner,
) -> Result<Vec<(String, String)>, CosError> {
    let pairs = crate::cos::route::parse_query(Some(value))
        .map_err(|_| invalid_tag("The x-cos-tagging header is not URL-encoded.".into()))?;
    check_tags(pairs, owner)
}

/// 400 `InvalidTag`: the code of COS's error table (API doc 7730, as transcribed in
/// Tencent/flare's `flare/net/cos/cos_status.cc`) for every tag-set problem.
fn invalid_tag(message: String) -> CosError {
    CosError::bad_request("InvalidTag", message)
}

/// COS's tag rules, one place for objects and buckets: at most [`TagOwner::max_tags`], keys
/// of 1–128 characters and unique, values of at most 256, and for buckets only the
/// characters COS's PUT Bucket tagging documentation lists.
pub(crate) fn check_tags(
    tags: Vec<(String, String)>,
    owner: TagOwner,
) -> Result<Vec<(String, String)>, CosError> {
    if tags.len() > owner.max() {
        return Err(invalid_tag(format!(
            "At most {} tags are allowed.",
            owner.max()
        )));
    }
    let allowed = |s: &str| {
        owner == TagOwner::Object
            || s.chars()
                .all(|c| c.is_alphanumeric() || " +-_=.:/@".contains(c))
    };
    for (i, (k, v)) in tags.iter().enumerate() {
        let key_len = k.chars().count();
        if key_len == 0 || key_len > 128 || v.chars().count() > 256 || !allowed(k) || !allowed(v) {
            return Err(invalid_tag(format!("The tag `{k}`=`{v}` is not valid.")));
        }
        if tags.iter().take(i).any(|(earlier, _)| earlier == k) {
            return Err(invalid_tag(format!("The tag key `{k}` is given twice.")));
        }
    }
    Ok(tags)
}

/// The tags of a `<Tagging><TagSet><Tag><Key>…</Key><Value>…</Value></Tag>…` document (PUT
/// Object tagging, PUT Bucket tagging), checked for `owner`. A `Tag` without `Key` or with
/// another child is malformed.
pub(crate) fn tags_from_document(
    document: &[u8],
    owner: TagOwner,
) -> Result<Vec<(String, String)>, CosError> {
    // Enough groups to tell "too many tags" (InvalidTag) from a runaway document.
    let (root, groups) = parse_groups(document, "Tag", 1000).ok_or_else(CosError::malformed_xml)?;
    if root != "Tagging" {
        return Err(CosError::malformed_xml());
    }
    let tags = groups
        .iter()
        .map(|group| {
            if group
                .iter()
                .any(|(name, _)| name != "Key" && name != "Value")
            {
                return Err(CosError::malformed_xml());
            }
            let key = field(group, "Key").ok_or_else(CosError::malformed_xml)?;
            let value = field(group, "Value").unwrap_or_default();
            Ok((key.to_string(), value.to_string()))
        })
        .collect::<Result<Vec<_>, CosError>>()?;
    check_tags(tags, owner)
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
            Some(v) => parse_tagging(v, TagOwner::Object)?,
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

/// 409 `AppendPositionErr` for an append at the wrong position: the code of COS's error
/// table (API doc 7730; Tencent/flare's `flare/net/cos/cos_status.cc` transcribes it, 409),
/// not OSS's `PositionNotEqualToLength`.
pub(crate) fn position_error() -> CosError {
    CosError::new(
        StatusCode::CONFLICT,
        "AppendPositionErr",
        "Position is not equal to the length of the object.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_rules() {
        let object = |v: &str| parse_tagging(v, TagOwner::Object);
        let bucket = |v: &str| parse_tagging(v, TagOwner::Bucket);
        assert_eq!(
            object("a=1&b%20c=d%26e").unwrap(),
            vec![("a".into(), "1".into()), ("b c".into(), "d&e".into())]
        );
        assert!(bucket("a=1&b%20c=x%2Fy").is_ok());
        let tags = |n: usize| {
            (0..n)
                .map(|i| format!("k{i}=v"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert!(object(&tags(10)).is_ok());
        assert!(bucket(&tags(50)).is_ok());
        for bad in [
            object(&tags(11)),
            bucket(&tags(51)),
            object("a=1&a=2"),
            object(&format!("{}=v", "k".repeat(129))),
            object(&format!("k={}", "v".repeat(257))),
            object("=v"),
            bucket("k=<script>"),
            bucket("a=1&a=2"),
        ] {
            assert_eq!(bad.unwrap_err().code, "InvalidTag");
        }
    }

    #[test]
    fn tagging_documents() {
        let doc = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>\
                    <Tag><Key>b&amp;c</Key><Value></Value></Tag></TagSet></Tagging>";
        assert_eq!(
            tags_from_document(doc, TagOwner::Object).unwrap(),
            vec![("a".into(), "1".into()), ("b&c".into(), String::new())]
        );
        for bad in [
            &b"<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>"[..],
            b"<Other/>",
            b"<Tagging><TagSet><Tag><Key>a</Key><Bad>1</Bad></Tag></TagSet></Tagging>",
            b"<Tagging><TagSet>",
        ] {
            assert!(tags_from_document(bad, TagOwner::Object).is_err());
        }
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
