//! The `x-cos-*` request headers that name COS features, and the groups of them the
//! operations implement (the table names a group per operation; POST Object checks its
//! form fields against the same groups). One list, so that "implemented or 501" is decided
//! in one place.

/// `x-cos-*` headers every operation accepts: the temporary key's token and the Python
/// SDK's retry marker (`x-cos-sdk-retry: true`, no request semantics).
pub(crate) const COMMON_HEADERS: &[&str] = &["x-cos-security-token", "x-cos-sdk-retry"];

/// The SSE-C key of the object read or written.
pub(crate) const SSE_C_HEADERS: &[&str] = &[
    "x-cos-server-side-encryption-customer-algorithm",
    "x-cos-server-side-encryption-customer-key",
    "x-cos-server-side-encryption-customer-key-md5",
];

/// The ACL of the object written.
pub(crate) const ACL_HEADERS: &[&str] = &[
    "x-cos-acl",
    "x-cos-grant-read",
    "x-cos-grant-read-acp",
    "x-cos-grant-write-acp",
    "x-cos-grant-full-control",
];

/// The ACL of a bucket: an object's grants and `x-cos-grant-write`.
pub(crate) const BUCKET_ACL_HEADERS: &[&str] = &[
    "x-cos-acl",
    "x-cos-grant-read",
    "x-cos-grant-write",
    "x-cos-grant-read-acp",
    "x-cos-grant-write-acp",
    "x-cos-grant-full-control",
];

/// What a new object carries besides ACL and encryption (`*`: a prefix).
pub(crate) const NEW_OBJECT_HEADERS: &[&str] =
    &["x-cos-tagging", "x-cos-storage-class", "x-cos-meta-*"];

/// SSE-COS.
pub(crate) const SSE_COS_HEADERS: &[&str] = &["x-cos-server-side-encryption"];

/// The source of both copies.
pub(crate) const COPY_SOURCE_HEADERS: &[&str] = &[
    "x-cos-copy-source",
    "x-cos-copy-source-if-match",
    "x-cos-copy-source-if-none-match",
    "x-cos-copy-source-if-modified-since",
    "x-cos-copy-source-if-unmodified-since",
    "x-cos-copy-source-server-side-encryption-customer-algorithm",
    "x-cos-copy-source-server-side-encryption-customer-key",
    "x-cos-copy-source-server-side-encryption-customer-key-md5",
];

/// The `x-cos-*` request headers that name a COS feature: the ones the official SDKs send
/// (`tests/data/sdk-request-headers.txt`) and COS documents, and whole families by prefix.
/// Other `x-cos-*` names mean nothing to COS, which ignores them (the Node SDK's own
/// append test sends `x-cos-test: test` and expects success), so the emulator does too.
pub(crate) const COS_FEATURE_HEADERS: &[&str] = &[
    "x-cos-acl",
    "x-cos-grant-*",
    "x-cos-tagging",
    "x-cos-tagging-directive",
    "x-cos-storage-class",
    "x-cos-meta-*",
    "x-cos-copy-source*",
    "x-cos-metadata-directive",
    "x-cos-server-side-encryption*",
    "x-cos-traffic-limit",
    "x-cos-mime-limit",
    "x-cos-mfa",
    "x-cos-callback*",
    "x-cos-symlink-target",
    "x-cos-forbid-overwrite",
    "x-cos-content-sha1",
    "x-cos-object-lock-*",
    "x-cos-website-redirect-location",
    "x-cos-bucket-az-type",
    "x-cos-bucket-arch",
];

/// Whether `name` (lower-case) matches one of `patterns` (a trailing `*`: a prefix).
pub(crate) fn matches_any(patterns: &[&str], name: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => *p == name,
    })
}

/// Whether `name` is a COS feature header ([`COS_FEATURE_HEADERS`]).
pub(crate) fn is_cos_feature_header(name: &str) -> bool {
    matches_any(COS_FEATURE_HEADERS, name)
}
