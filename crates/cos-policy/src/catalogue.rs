//! The COS action catalogue: every COS XML API action name, the HTTP API it authorises, its
//! resource level, and the request-derived condition keys its requests carry.

use crate::ValueType;

/// What kind of resource an action is evaluated against.
///
/// ```
/// use cos_policy::catalogue::{self, Level};
/// assert_eq!(catalogue::lookup("GetObject").unwrap().level, Level::Object);
/// assert_eq!(catalogue::lookup("GetBucket").unwrap().level, Level::BucketPrefix);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Level {
    /// Account-wide (`GetService`): the resource is `*`.
    Service,
    /// Bucket configuration: the resource is `…:<bucket>-<appid>/`.
    Bucket,
    /// Listing APIs evaluated against `…:<bucket>-<appid>/<prefix>` (the `prefix` query).
    BucketPrefix,
    /// Object APIs: the resource is `…:<bucket>-<appid>/<key>`.
    Object,
}

/// One catalogued COS action.
///
/// ```
/// let put = cos_policy::catalogue::lookup("PutObject").unwrap();
/// assert_eq!(put.qualified(), "name/cos:PutObject");
/// assert!(put.writes);
/// assert!(put.carries("cos:content-type"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ActionInfo {
    /// The API name after `name/cos:` (case-sensitive).
    pub name: &'static str,
    /// The HTTP API(s) it authorises.
    pub http: &'static str,
    /// Resource level.
    pub level: Level,
    /// Whether it creates, changes or deletes data or configuration.
    pub writes: bool,
    /// Whether it is one of the requests of a multipart upload.
    pub multipart: bool,
    /// The request-derived condition keys whose value the action's requests carry.
    pub carries: &'static [&'static str],
}

impl ActionInfo {
    /// The canonical action string, `name/cos:<name>`.
    ///
    /// ```
    /// assert_eq!(cos_policy::catalogue::lookup("HeadObject").unwrap().qualified(), "name/cos:HeadObject");
    /// ```
    #[must_use]
    pub fn qualified(&self) -> String {
        format!("name/cos:{}", self.name)
    }

    /// Whether the action's requests carry condition key `key` (canonical lowercase form).
    ///
    /// ```
    /// let upload_part = cos_policy::catalogue::lookup("UploadPart").unwrap();
    /// assert!(upload_part.carries("cos:content-length"));
    /// assert!(!upload_part.carries("cos:content-type"));
    /// ```
    #[must_use]
    pub fn carries(&self, key: &str) -> bool {
        self.carries.contains(&key)
    }
}

/// Condition keys derived from request headers that only some requests carry.
///
/// ```
/// assert!(cos_policy::catalogue::HEADER_KEYS.contains(&"cos:x-cos-acl"));
/// ```
pub const HEADER_KEYS: &[&str] = &[CONTENT_TYPE, CONTENT_LENGTH, ACL];

/// `cos:content-type`: the `Content-Type` header.
///
/// ```
/// assert_eq!(cos_policy::catalogue::CONTENT_TYPE, "cos:content-type");
/// ```
pub const CONTENT_TYPE: &str = "cos:content-type";
/// `cos:content-length`: the `Content-Length` header.
///
/// ```
/// assert_eq!(cos_policy::catalogue::CONTENT_LENGTH, "cos:content-length");
/// ```
pub const CONTENT_LENGTH: &str = "cos:content-length";
/// `cos:x-cos-acl`: the `x-cos-acl` header.
///
/// ```
/// assert_eq!(cos_policy::catalogue::ACL, "cos:x-cos-acl");
/// ```
pub const ACL: &str = "cos:x-cos-acl";
const STORAGE_CLASS: &str = "cos:x-cos-storage-class";
const VERSION_ID: &str = "cos:versionid";
const PREFIX: &str = "cos:prefix";
const RESPONSE_CONTENT_TYPE: &str = "cos:response-content-type";
const REQUEST_TAG: &str = "qcs:request_tag";

const UPLOAD_BODY: &[&str] = &[CONTENT_TYPE, CONTENT_LENGTH, ACL, STORAGE_CLASS];

macro_rules! action {
    ($name:literal, $http:literal, $level:ident, $writes:literal) => {
        action!($name, $http, $level, $writes, false, &[])
    };
    ($name:literal, $http:literal, $level:ident, $writes:literal, $carries:expr) => {
        action!($name, $http, $level, $writes, false, $carries)
    };
    ($name:literal, $http:literal, $level:ident, $writes:literal, $multipart:literal, $carries:expr) => {
        ActionInfo {
            name: $name,
            http: $http,
            level: Level::$level,
            writes: $writes,
            multipart: $multipart,
            carries: $carries,
        }
    };
}

static CATALOGUE: &[ActionInfo] = &[
    action!("GetService", "GET / (service)", Service, false),
    action!("PutBucket", "PUT /", Bucket, true, &[ACL, REQUEST_TAG]),
    action!("HeadBucket", "HEAD /", Bucket, false),
    action!(
        "GetBucket",
        "GET / (List Objects)",
        BucketPrefix,
        false,
        &[PREFIX]
    ),
    action!(
        "GetBucketObjectVersions",
        "GET /?versions",
        BucketPrefix,
        false,
        &[PREFIX]
    ),
    action!("DeleteBucket", "DELETE /", Bucket, true),
    action!("PutBucketACL", "PUT /?acl", Bucket, true, &[ACL]),
    action!("GetBucketACL", "GET /?acl", Bucket, false),
    action!("PutBucketCORS", "PUT /?cors", Bucket, true),
    action!("GetBucketCORS", "GET /?cors", Bucket, false),
    action!("DeleteBucketCORS", "DELETE /?cors", Bucket, true),
    action!("PutBucketLifecycle", "PUT /?lifecycle", Bucket, true),
    action!("GetBucketLifecycle", "GET /?lifecycle", Bucket, false),
    action!("DeleteBucketLifecycle", "DELETE /?lifecycle", Bucket, true),
    action!("PutBucketPolicy", "PUT /?policy", Bucket, true),
    action!("GetBucketPolicy", "GET /?policy", Bucket, false),
    action!("DeleteBucketPolicy", "DELETE /?policy", Bucket, true),
    action!(
        "PutBucketTagging",
        "PUT /?tagging",
        Bucket,
        true,
        &[REQUEST_TAG]
    ),
    action!("GetBucketTagging", "GET /?tagging", Bucket, false),
    action!("DeleteBucketTagging", "DELETE /?tagging", Bucket, true),
    action!("PutBucketReferer", "PUT /?referer", Bucket, true),
    action!("GetBucketReferer", "GET /?referer", Bucket, false),
    action!("PutBucketWebsite", "PUT /?website", Bucket, true),
    action!("GetBucketWebsite", "GET /?website", Bucket, false),
    action!("DeleteBucketWebsite", "DELETE /?website", Bucket, true),
    action!("PutBucketVersioning", "PUT /?versioning", Bucket, true),
    action!("GetBucketVersioning", "GET /?versioning", Bucket, false),
    action!("PutBucketReplication", "PUT /?replication", Bucket, true),
    action!("GetBucketReplication", "GET /?replication", Bucket, false),
    action!(
        "DeleteBucketReplication",
        "DELETE /?replication",
        Bucket,
        true
    ),
    action!("PutBucketLogging", "PUT /?logging", Bucket, true),
    action!("GetBucketLogging", "GET /?logging", Bucket, false),
    action!("PutBucketInventory", "PUT /?inventory&id=", Bucket, true),
    action!("GetBucketInventory", "GET /?inventory&id=", Bucket, false),
    action!("ListBucketInventory", "GET /?inventory", Bucket, false),
    action!(
        "DeleteBucketInventory",
        "DELETE /?inventory&id=",
        Bucket,
        true
    ),
    action!("PostBucketInventory", "POST /?inventory&id=", Bucket, true),
    action!("PutBucketAccelerate", "PUT /?accelerate", Bucket, true),
    action!("GetBucketAccelerate", "GET /?accelerate", Bucket, false),
    action!("PutBucketEncryption", "PUT /?encryption", Bucket, true),
    action!("GetBucketEncryption", "GET /?encryption", Bucket, false),
    action!(
        "DeleteBucketEncryption",
        "DELETE /?encryption",
        Bucket,
        true
    ),
    action!("PutBucketDomain", "PUT /?domain", Bucket, true),
    action!("GetBucketDomain", "GET /?domain", Bucket, false),
    action!("DeleteBucketDomain", "DELETE /?domain", Bucket, true),
    action!("PutBucketOrigin", "PUT /?origin", Bucket, true),
    action!("GetBucketOrigin", "GET /?origin", Bucket, false),
    action!("DeleteBucketOrigin", "DELETE /?origin", Bucket, true),
    action!("GetBucketLocation", "GET /?location", Bucket, false),
    action!(
        "ListMultipartUploads",
        "GET /?uploads",
        BucketPrefix,
        false,
        true,
        &[PREFIX]
    ),
    action!(
        "PutObject",
        "PUT /<key>; PUT Object - Copy and Upload Part - Copy (destination)",
        Object,
        true,
        UPLOAD_BODY
    ),
    action!(
        "PostObject",
        "POST / (multipart/form-data)",
        Object,
        true,
        UPLOAD_BODY
    ),
    action!(
        "AppendObject",
        "POST /<key>?append&position=N",
        Object,
        true,
        UPLOAD_BODY
    ),
    action!(
        "GetObject",
        "GET /<key>; copy source; POST /<key>?select",
        Object,
        false,
        &[VERSION_ID, RESPONSE_CONTENT_TYPE]
    ),
    action!("HeadObject", "HEAD /<key>", Object, false, &[VERSION_ID]),
    action!("OptionsObject", "OPTIONS /<key>", Object, false),
    action!(
        "DeleteObject",
        "DELETE /<key>; each key of POST /?delete",
        Object,
        true,
        &[VERSION_ID]
    ),
    action!(
        "DeleteMultipleObjects",
        "POST /?delete (name seen in third-party policies; COS checks DeleteObject per key)",
        Object,
        true
    ),
    action!(
        "PostObjectRestore",
        "POST /<key>?restore",
        Object,
        true,
        &[VERSION_ID]
    ),
    action!("PutObjectACL", "PUT /<key>?acl", Object, true, &[ACL]),
    action!("GetObjectACL", "GET /<key>?acl", Object, false),
    action!(
        "PutObjectTagging",
        "PUT /<key>?tagging",
        Object,
        true,
        &[VERSION_ID]
    ),
    action!(
        "GetObjectTagging",
        "GET /<key>?tagging",
        Object,
        false,
        &[VERSION_ID]
    ),
    action!(
        "DeleteObjectTagging",
        "DELETE /<key>?tagging",
        Object,
        true,
        &[VERSION_ID]
    ),
    action!(
        "InitiateMultipartUpload",
        "POST /<key>?uploads",
        Object,
        true,
        true,
        &[CONTENT_TYPE, ACL, STORAGE_CLASS]
    ),
    action!(
        "UploadPart",
        "PUT /<key>?partNumber=N&uploadId=U",
        Object,
        true,
        true,
        &[CONTENT_LENGTH]
    ),
    action!(
        "CompleteMultipartUpload",
        "POST /<key>?uploadId=U",
        Object,
        true,
        true,
        &[]
    ),
    action!(
        "AbortMultipartUpload",
        "DELETE /<key>?uploadId=U",
        Object,
        true,
        true,
        &[]
    ),
    action!(
        "ListParts",
        "GET /<key>?uploadId=U",
        Object,
        false,
        true,
        &[]
    ),
];

/// Every catalogued COS action.
///
/// ```
/// let all = cos_policy::catalogue::all();
/// assert!(all.iter().any(|a| a.name == "CompleteMultipartUpload"));
/// ```
#[must_use]
pub fn all() -> &'static [ActionInfo] {
    CATALOGUE
}

/// The catalogued action named exactly `name` (without `name/cos:`; case-sensitive).
///
/// ```
/// use cos_policy::catalogue::lookup;
/// assert!(lookup("PutObject").is_some());
/// assert!(lookup("putobject").is_none());
/// ```
#[must_use]
pub fn lookup(name: &str) -> Option<&'static ActionInfo> {
    position(name).and_then(|index| CATALOGUE.get(index))
}

/// The index in [`all`] of the action named exactly `name`: a binary search over the names
/// ordered once, on first use, by length and then by their first eight bytes, so most steps
/// compare two integers and only a hit compares whole names.
pub(crate) fn position(name: &str) -> Option<usize> {
    /// (search key, name, index in the catalogue).
    type Entry = ((usize, u64), &'static str, usize);
    static BY_KEY: std::sync::OnceLock<Vec<Entry>> = std::sync::OnceLock::new();
    let by_key = BY_KEY.get_or_init(|| {
        let mut by_key: Vec<_> = CATALOGUE
            .iter()
            .enumerate()
            .map(|(index, info)| (search_key(info.name), info.name, index))
            .collect();
        by_key.sort_unstable();
        by_key
    });
    let key = search_key(name);
    by_key
        .binary_search_by(|(candidate_key, candidate, _)| {
            candidate_key.cmp(&key).then_with(|| (*candidate).cmp(name))
        })
        .ok()
        .and_then(|found| by_key.get(found))
        .map(|(_, _, index)| *index)
}

/// The length of `name` and its first eight bytes (zero-padded) as a big-endian integer.
fn search_key(name: &str) -> (usize, u64) {
    let mut prefix = [0u8; 8];
    for (slot, byte) in prefix.iter_mut().zip(name.bytes()) {
        *slot = byte;
    }
    (name.len(), u64::from_be_bytes(prefix))
}

/// The catalogued actions a name pattern (`*` wildcards allowed) covers.
///
/// ```
/// let names: Vec<_> = cos_policy::catalogue::matching("*MultipartUpload*").map(|a| a.name).collect();
/// assert!(names.contains(&"InitiateMultipartUpload"));
/// assert!(names.contains(&"ListMultipartUploads"));
/// ```
pub fn matching(pattern: &str) -> impl Iterator<Item = &'static ActionInfo> + '_ {
    CATALOGUE
        .iter()
        .filter(move |a| crate::wildcard_match(pattern, a.name))
}

/// The catalogued name closest to a misspelt or mis-cased `name`, if one is close enough to
/// be a plausible intent.
///
/// ```
/// use cos_policy::catalogue::suggest;
/// assert_eq!(suggest("putobject"), Some("PutObject"));
/// assert_eq!(suggest("GetObjet"), Some("GetObject"));
/// assert_eq!(suggest("Frobnicate"), None);
/// ```
#[must_use]
pub fn suggest(name: &str) -> Option<&'static str> {
    // Catalogued names are short; a long input is not a typo and would make the distance
    // computation expensive.
    if name.len() > 64 {
        return None;
    }
    if let Some(found) = CATALOGUE.iter().find(|a| a.name.eq_ignore_ascii_case(name)) {
        return Some(found.name);
    }
    let lower = name.to_ascii_lowercase();
    let budget = (name.chars().count() / 4).max(2);
    CATALOGUE
        .iter()
        .map(|a| (edit_distance(&lower, &a.name.to_ascii_lowercase()), a.name))
        .filter(|(distance, _)| *distance <= budget)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        let mut row = current.iter_mut();
        if let Some(first) = row.next() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let delete = previous.get(j + 1).copied().unwrap_or(0) + 1;
            let insert = current.get(j).copied().unwrap_or(0) + 1;
            if let Some(cell) = current.get_mut(j + 1) {
                *cell = substitute.min(delete).min(insert);
            }
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().unwrap_or(0)
}

/// One documented condition key.
///
/// ```
/// use cos_policy::{catalogue, ValueType};
/// let key = catalogue::condition_key("cos:content-length").unwrap();
/// assert_eq!(key.value_type, ValueType::Numeric);
/// assert!(!key.universal);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyInfo {
    /// Canonical (lowercase) key.
    pub name: &'static str,
    /// The type of its values.
    pub value_type: ValueType,
    /// Whether every request carries it (otherwise only the actions whose
    /// [`ActionInfo::carries`] lists it).
    pub universal: bool,
    /// Whether it comes from a query parameter, whose values COS compares URL-encoded.
    pub query: bool,
    /// Where the value comes from.
    pub source: &'static str,
}

macro_rules! key {
    ($name:expr, $ty:ident, $universal:literal, $query:literal, $source:literal) => {
        KeyInfo {
            name: $name,
            value_type: ValueType::$ty,
            universal: $universal,
            query: $query,
            source: $source,
        }
    };
}

static KEYS: &[KeyInfo] = &[
    key!("qcs:ip", Ip, true, false, "client source IP"),
    key!("qcs:vpc", String, true, false, "source VPC ID"),
    key!("vpc:requester_vpc", String, true, false, "source VPC ID"),
    key!("qcs:current_time", Date, true, false, "request time"),
    key!(
        "qcs:resource_tag",
        String,
        true,
        false,
        "tags of the resource"
    ),
    key!(
        "cos:secure-transport",
        Bool,
        true,
        false,
        "whether the request uses HTTPS"
    ),
    key!(
        "cos:tls-version",
        Numeric,
        true,
        false,
        "TLS version of an HTTPS request"
    ),
    key!("cos:host", String, true, false, "Host header"),
    key!(CONTENT_TYPE, String, false, false, "Content-Type header"),
    key!(
        CONTENT_LENGTH,
        Numeric,
        false,
        false,
        "Content-Length header"
    ),
    key!(ACL, String, false, false, "x-cos-acl header"),
    key!(
        STORAGE_CLASS,
        String,
        false,
        false,
        "x-cos-storage-class header"
    ),
    key!(VERSION_ID, String, false, true, "versionId query parameter"),
    key!(PREFIX, String, false, true, "prefix query parameter"),
    key!(
        RESPONSE_CONTENT_TYPE,
        String,
        false,
        true,
        "response-content-type query parameter"
    ),
    key!(
        REQUEST_TAG,
        String,
        false,
        false,
        "x-cos-tagging header / tagging body (key&value)"
    ),
];

/// Every documented COS / CAM condition key.
///
/// ```
/// assert!(cos_policy::catalogue::condition_keys().iter().any(|k| k.name == "qcs:request_tag"));
/// ```
#[must_use]
pub fn condition_keys() -> &'static [KeyInfo] {
    KEYS
}

/// The documented condition key `name` (canonical lowercase form, see
/// [`canonical_key`](crate::canonical_key)).
///
/// ```
/// assert!(cos_policy::catalogue::condition_key("qcs:ip").unwrap().universal);
/// assert!(cos_policy::catalogue::condition_key("cos:content_type").is_none());
/// ```
#[must_use]
pub fn condition_key(name: &str) -> Option<&'static KeyInfo> {
    KEYS.iter().find(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_every_name_and_only_exact_ones() {
        for (index, info) in all().iter().enumerate() {
            assert_eq!(position(info.name), Some(index), "{}", info.name);
            assert_eq!(lookup(info.name).unwrap().name, info.name);
            assert!(lookup(&info.name.to_ascii_lowercase()).is_none());
            assert!(lookup(&format!("{}x", info.name)).is_none());
        }
        assert!(lookup("").is_none());
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = all().iter().map(|a| a.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn multipart_set_is_the_documented_one() {
        let mut multipart: Vec<_> = all()
            .iter()
            .filter(|a| a.multipart)
            .map(|a| a.name)
            .collect();
        multipart.sort_unstable();
        assert_eq!(
            multipart,
            [
                "AbortMultipartUpload",
                "CompleteMultipartUpload",
                "InitiateMultipartUpload",
                "ListMultipartUploads",
                "ListParts",
                "UploadPart"
            ]
        );
    }

    #[test]
    fn header_keys_follow_the_cos_tables() {
        let carriers = |key| -> Vec<_> {
            all()
                .iter()
                .filter(|a| a.carries(key))
                .map(|a| a.name)
                .collect()
        };
        assert_eq!(
            carriers(ACL),
            [
                "PutBucket",
                "PutBucketACL",
                "PutObject",
                "PostObject",
                "AppendObject",
                "PutObjectACL",
                "InitiateMultipartUpload"
            ]
        );
        assert!(!lookup("ListParts").unwrap().carries(CONTENT_TYPE));
        assert!(
            !lookup("CompleteMultipartUpload")
                .unwrap()
                .carries(CONTENT_LENGTH)
        );
    }

    #[test]
    fn carried_keys_are_documented_and_request_specific() {
        for action in all() {
            for key in action.carries {
                let info = condition_key(key).unwrap();
                assert!(!info.universal, "{key}");
            }
        }
        for key in condition_keys() {
            assert_eq!(crate::canonical_key(key.name), key.name);
        }
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("PutObjectAcl"), Some("PutObjectACL"));
        assert_eq!(
            suggest("InitiateMultipartUploads"),
            Some("InitiateMultipartUpload")
        );
        assert_eq!(suggest("x"), None);
        assert_eq!(suggest(&"PutObject".repeat(100)), None);
    }
}
