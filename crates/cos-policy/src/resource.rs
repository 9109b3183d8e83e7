//! Resource strings: `*`, COS `qcs::cos:<region>:uid/<appid>:<bucket>-<appid>/<key>` (and the
//! legacy `prefix//<appid>/<bucket>/<key>` form), and CI `qcs::ci:<region>:uid/<appid>:<path>`.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use cos_core::{AppId, Bucket, BucketName, Region};

use crate::BuildError;
use crate::finding::Code;
use crate::prefix::check_prefix;
use crate::wildcard::has_wildcard;
use crate::wildcard_match;

/// One entry of a statement's `resource` element, or the resource a request targets.
///
/// ```
/// use cos_policy::Resource;
///
/// let pattern: Resource = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/*".parse()?;
/// let request: Resource = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.txt".parse()?;
/// assert!(pattern.matches(&request));
/// // The legacy form normalises to the same value.
/// let legacy: Resource = "qcs::cos:ap-guangzhou:uid/1250000000:prefix//1250000000/examplebucket/users/alice/*".parse()?;
/// assert_eq!(legacy, pattern);
/// # Ok::<(), cos_policy::ResourceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `*`: everything.
    Any,
    /// A COS resource.
    Cos(CosResource),
    /// A CI (Cloud Infinite) resource.
    Ci(CiResource),
    /// A CAM resource such as a role (`qcs::cam::uin/<uin>:roleName/<name>`).
    Cam(CamResource),
}

/// A COS resource, normalised: `qcs::cos:<region>:uid/<appid>:<path>` where `<path>` is `*`
/// (every bucket of the APPID), `<bucket>-<appid>/` (the bucket itself) or
/// `<bucket>-<appid>/<key-or-pattern>`.
///
/// ```
/// use cos_policy::CosResource;
///
/// let bucket = cos_policy::Bucket::new("examplebucket-1250000000".parse()?, "ap-beijing".parse()?);
/// let r = CosResource::object(&bucket, "doc/*");
/// assert_eq!(r.to_string(), "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/doc/*");
/// assert_eq!(r.appid(), "1250000000");
/// assert_eq!(r.bucket(), Some("examplebucket-1250000000"));
/// assert_eq!(r.key(), Some("doc/*"));
/// # Ok::<(), cos_policy::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CosResource {
    region: String,
    appid: String,
    path: String,
}

/// A CI resource `qcs::ci:<region>:uid/<appid>:<path>`, e.g. `…:bucket/<bucket>-<appid>/*`.
///
/// ```
/// use cos_policy::Resource;
///
/// let r: Resource = "qcs::ci:ap-guangzhou:uid/1250000000:bucket/examplebucket-1250000000/*".parse()?;
/// let Resource::Ci(ci) = &r else { unreachable!() };
/// assert_eq!(ci.path(), "bucket/examplebucket-1250000000/*");
/// # Ok::<(), cos_policy::ResourceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CiResource {
    region: String,
    appid: String,
    path: String,
}

/// A CAM resource `qcs::cam::uin/<uin>:<path>`, e.g. the role `…:roleName/<name>` that
/// `name/sts:AssumeRole` is granted on.
///
/// ```
/// use cos_policy::Resource;
///
/// let r: Resource = "qcs::cam::uin/100000000001:roleName/uploader".parse()?;
/// let Resource::Cam(cam) = &r else { unreachable!() };
/// assert_eq!((cam.uin(), cam.path()), ("100000000001", "roleName/uploader"));
/// let any_role: Resource = "qcs::cam::uin/100000000001:roleName/*".parse()?;
/// assert!(any_role.matches(&r));
/// # Ok::<(), cos_policy::ResourceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CamResource {
    uin: String,
    path: String,
}

impl CamResource {
    /// The account's UIN (may hold `*` wildcards in a policy).
    ///
    /// ```
    /// let r: cos_policy::Resource = "qcs::cam::uin/1:roleName/r".parse().unwrap();
    /// let cos_policy::Resource::Cam(r) = r else { unreachable!() };
    /// assert_eq!(r.uin(), "1");
    /// ```
    #[must_use]
    pub fn uin(&self) -> &str {
        &self.uin
    }

    /// Everything after `uin/<uin>:`.
    ///
    /// ```
    /// let r: cos_policy::Resource = "qcs::cam::uin/1:roleName/r".parse().unwrap();
    /// let cos_policy::Resource::Cam(r) = r else { unreachable!() };
    /// assert_eq!(r.path(), "roleName/r");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Why a resource string was rejected.
///
/// ```
/// use cos_policy::{Code, Resource, ResourceError};
///
/// let err = "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000001/*"
///     .parse::<Resource>()
///     .unwrap_err();
/// assert!(matches!(err, ResourceError::AppidMismatch { .. }));
/// assert_eq!(err.code(), Code::AppidMismatch);
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// The string does not have the resource grammar.
    #[error("`{text}` is not a resource: {reason}")]
    Malformed {
        /// The rejected text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The bucket's APPID suffix differs from the account's APPID.
    #[error("`{text}`: bucket APPID {bucket} differs from account uid/{account}")]
    AppidMismatch {
        /// The rejected text.
        text: String,
        /// The APPID of the `uid/` segment.
        account: String,
        /// The APPID the bucket name carries.
        bucket: String,
    },
}

impl ResourceError {
    /// The finding code this error is reported under.
    ///
    /// ```
    /// use cos_policy::{Code, Resource};
    /// assert_eq!("x".parse::<Resource>().unwrap_err().code(), Code::MalformedResource);
    /// ```
    #[must_use]
    pub fn code(&self) -> Code {
        match self {
            Self::Malformed { .. } => Code::MalformedResource,
            Self::AppidMismatch { .. } => Code::AppidMismatch,
        }
    }

    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// assert!(!"x".parse::<cos_policy::Resource>().unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }
}

fn malformed(text: &str, reason: &'static str) -> ResourceError {
    ResourceError::Malformed {
        text: text.to_owned(),
        reason,
    }
}

/// A region as a policy writes it: empty (every region), or lowercase letters, digits, `-`
/// and `*`. Like [`split_bucket`], the shape of a region rather than cos-core's full rule
/// (which constructors enforce), so that parsing and the analysis share one grammar.
fn valid_region(region: &str) -> bool {
    region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'*')
}

fn valid_appid(appid: &str) -> bool {
    appid.parse::<AppId>().is_ok()
}

/// The APPID of a bucket named in a policy resource: `<name>-<APPID>`, the name made of
/// lowercase letters, digits and `-`. Policies are patterns CAM stores as written, so this is
/// deliberately the shape of a bucket name, not cos-core's full naming rule (which
/// constructors enforce): a resource naming a bucket COS could never create still parses —
/// it just never matches a request — and the analysis models exactly this grammar.
fn split_bucket(full: &str) -> Option<AppId> {
    let (name, appid) = full.rsplit_once('-')?;
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !name_ok {
        return None;
    }
    appid.parse::<AppId>().ok()
}

impl CosResource {
    fn located(bucket: &Bucket, rest: &str) -> Self {
        let name = bucket.name().as_str();
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let mut path = String::with_capacity(name.len() + 1 + rest.len());
        path.push_str(name);
        path.push('/');
        path.push_str(rest);
        Self {
            region: bucket.region().as_str().to_owned(),
            appid: bucket.appid().as_str().to_owned(),
            path,
        }
    }

    /// The bucket itself (bucket-level APIs): `…:<bucket>-<appid>/`, the APPID taken from the
    /// bucket name.
    ///
    /// ```
    /// use cos_policy::{Bucket, CosResource};
    /// let bucket = Bucket::new("examplebucket-1250000000".parse()?, "ap-beijing".parse()?);
    /// let r = CosResource::for_bucket(&bucket);
    /// assert_eq!(r.to_string(), "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/");
    /// # Ok::<(), cos_policy::NameError>(())
    /// ```
    #[must_use]
    pub fn for_bucket(bucket: &Bucket) -> Self {
        Self::located(bucket, "")
    }

    /// An object key or key pattern inside a bucket, taken verbatim: `…:<bucket>-<appid>/<key>`;
    /// a leading `/` of `key` is dropped.
    ///
    /// ```
    /// use cos_policy::{Bucket, CosResource};
    /// let bucket = Bucket::new("examplebucket-1250000000".parse()?, "ap-beijing".parse()?);
    /// let r = CosResource::object(&bucket, "/a.txt");
    /// assert_eq!(r.key(), Some("a.txt"));
    /// # Ok::<(), cos_policy::NameError>(())
    /// ```
    #[must_use]
    pub fn object(bucket: &Bucket, key: &str) -> Self {
        Self::located(bucket, key)
    }

    /// Every object under a prefix: `users/alice/` and `users/alice/*` both give
    /// `…:<bucket>-<appid>/users/alice/*`.
    ///
    /// # Errors
    /// A prefix that ends inside a path segment (`users/alice`, which would also grant
    /// `users/alice2/`) is refused with [`BuildError::PartialSegment`]; an empty prefix, an
    /// inner `*`, a `..` segment or a control character with [`BuildError::InvalidPrefix`].
    ///
    /// ```
    /// use cos_policy::{Bucket, BuildError, CosResource};
    /// let bucket = Bucket::new("examplebucket-1250000000".parse()?, "ap-beijing".parse()?);
    /// let r = CosResource::prefix(&bucket, "users/alice/")?;
    /// assert_eq!(r.key(), Some("users/alice/*"));
    /// assert_eq!(CosResource::prefix(&bucket, "users/alice/*")?, r);
    /// assert!(matches!(CosResource::prefix(&bucket, "users/alice"), Err(BuildError::PartialSegment { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prefix(bucket: &Bucket, prefix: &str) -> Result<Self, BuildError> {
        Ok(Self::located(bucket, &check_prefix(prefix)?))
    }

    /// Every bucket of an APPID in a region: `qcs::cos:<region>:uid/<appid>:*`.
    ///
    /// ```
    /// let r = cos_policy::CosResource::all_buckets(&"ap-beijing".parse()?, &"1250000000".parse()?);
    /// assert_eq!(r.to_string(), "qcs::cos:ap-beijing:uid/1250000000:*");
    /// # Ok::<(), cos_policy::NameError>(())
    /// ```
    #[must_use]
    pub fn all_buckets(region: &Region, appid: &AppId) -> Self {
        Self {
            region: region.as_str().to_owned(),
            appid: appid.as_str().to_owned(),
            path: "*".to_owned(),
        }
    }

    /// The region; empty means every region.
    ///
    /// ```
    /// let r: cos_policy::Resource = "qcs::cos::uid/1250000000:*".parse().unwrap();
    /// let cos_policy::Resource::Cos(r) = r else { unreachable!() };
    /// assert_eq!(r.region(), "");
    /// ```
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The APPID.
    ///
    /// ```
    /// let r = cos_policy::CosResource::for_bucket(&cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap()));
    /// assert_eq!(r.appid(), "1250000000");
    /// ```
    #[must_use]
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Everything after `uid/<appid>:`: `*`, `<bucket>-<appid>/` or `<bucket>-<appid>/<key>`.
    ///
    /// ```
    /// let r = cos_policy::CosResource::object(&cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap()), "k");
    /// assert_eq!(r.path(), "b-1250000000/k");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The full bucket name (`<name>-<appid>`), or `None` for the all-buckets form.
    ///
    /// ```
    /// let r = cos_policy::CosResource::all_buckets(&"ap-beijing".parse().unwrap(), &"1250000000".parse().unwrap());
    /// assert_eq!(r.bucket(), None);
    /// ```
    #[must_use]
    pub fn bucket(&self) -> Option<&str> {
        match self.path.split_once('/') {
            Some((bucket, _)) => Some(bucket),
            None if self.path == "*" => None,
            None => Some(&self.path),
        }
    }

    /// The key or key pattern after `<bucket>-<appid>/` (empty for the bucket itself), or
    /// `None` when the resource names no bucket or no `/` follows the bucket.
    ///
    /// ```
    /// let r = cos_policy::CosResource::for_bucket(&cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap()));
    /// assert_eq!(r.key(), Some(""));
    /// ```
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        self.path.split_once('/').map(|(_, key)| key)
    }

    /// Whether the resource covers every object of a bucket or more (`*`, a wildcard bucket,
    /// or a key pattern made only of `*`).
    ///
    /// ```
    /// use cos_policy::CosResource;
    /// let bucket = cos_policy::Bucket::new("b-1250000000".parse().unwrap(), "ap-beijing".parse().unwrap());
    /// assert!(CosResource::object(&bucket, "*").is_whole_bucket_or_more());
    /// assert!(!CosResource::prefix(&bucket, "doc/").unwrap().is_whole_bucket_or_more());
    /// ```
    #[must_use]
    pub fn is_whole_bucket_or_more(&self) -> bool {
        match self.path.split_once('/') {
            None => has_wildcard(&self.path),
            Some((bucket, key)) => {
                has_wildcard(bucket) || (!key.is_empty() && key.chars().all(|c| c == '*'))
            }
        }
    }
}

impl CiResource {
    /// A CI resource for a path inside a bucket: `qcs::ci:<region>:uid/<appid>:bucket/<bucket>/<path>`,
    /// the APPID taken from the bucket name.
    ///
    /// ```
    /// use cos_policy::{Bucket, CiResource};
    /// let bucket = Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
    /// let r = CiResource::bucket_path(&bucket, "*");
    /// assert_eq!(r.to_string(), "qcs::ci:ap-guangzhou:uid/1250000000:bucket/examplebucket-1250000000/*");
    /// # Ok::<(), cos_policy::NameError>(())
    /// ```
    #[must_use]
    pub fn bucket_path(bucket: &Bucket, path: &str) -> Self {
        Self {
            region: bucket.region().as_str().to_owned(),
            appid: bucket.appid().as_str().to_owned(),
            path: format!(
                "bucket/{}/{}",
                bucket.name(),
                path.strip_prefix('/').unwrap_or(path)
            ),
        }
    }

    /// The region; empty means every region.
    ///
    /// ```
    /// let r: cos_policy::Resource = "qcs::ci:ap-beijing:uid/1250000000:*".parse().unwrap();
    /// let cos_policy::Resource::Ci(r) = r else { unreachable!() };
    /// assert_eq!(r.region(), "ap-beijing");
    /// ```
    #[must_use]
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The APPID.
    ///
    /// ```
    /// let r: cos_policy::Resource = "qcs::ci:ap-beijing:uid/1250000000:*".parse().unwrap();
    /// let cos_policy::Resource::Ci(r) = r else { unreachable!() };
    /// assert_eq!(r.appid(), "1250000000");
    /// ```
    #[must_use]
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Everything after `uid/<appid>:`.
    ///
    /// ```
    /// let r: cos_policy::Resource = "qcs::ci:ap-beijing:uid/1250000000:*".parse().unwrap();
    /// let cos_policy::Resource::Ci(r) = r else { unreachable!() };
    /// assert_eq!(r.path(), "*");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl Resource {
    /// Whether this (policy) resource covers the `request` resource: `*` covers everything;
    /// otherwise service, region (empty = any), APPID and path must match, with `*` wildcards
    /// in this resource matching any run of characters including `/`.
    ///
    /// ```
    /// use cos_policy::Resource;
    /// let bucket: Resource = "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/*".parse().unwrap();
    /// let root: Resource = "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/".parse().unwrap();
    /// assert!(bucket.matches(&root));
    /// assert!(Resource::Any.matches(&root));
    /// assert!(!root.matches(&Resource::Any));
    /// ```
    #[must_use]
    pub fn matches(&self, request: &Resource) -> bool {
        match (self, request) {
            (Self::Any, _) => true,
            (Self::Cos(p), Self::Cos(r)) => segments_match(
                (&p.region, &p.appid, &p.path),
                (&r.region, &r.appid, &r.path),
            ),
            (Self::Ci(p), Self::Ci(r)) => segments_match(
                (&p.region, &p.appid, &p.path),
                (&r.region, &r.appid, &r.path),
            ),
            (Self::Cam(p), Self::Cam(r)) => {
                wildcard_match(&p.uin, &r.uin) && wildcard_match(&p.path, &r.path)
            }
            _ => false,
        }
    }

    /// The key or key pattern of a COS resource naming a bucket, if any.
    ///
    /// ```
    /// let r: cos_policy::Resource = "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/k/*".parse().unwrap();
    /// assert_eq!(r.cos_key(), Some("k/*"));
    /// assert_eq!(cos_policy::Resource::Any.cos_key(), None);
    /// ```
    #[must_use]
    pub fn cos_key(&self) -> Option<&str> {
        match self {
            Self::Cos(cos) => cos.key(),
            _ => None,
        }
    }
}

impl From<CosResource> for Resource {
    fn from(value: CosResource) -> Self {
        Self::Cos(value)
    }
}

impl From<CiResource> for Resource {
    fn from(value: CiResource) -> Self {
        Self::Ci(value)
    }
}

/// A parsed resource that borrows from its text: what [`crate::evaluate`] matches a request
/// against without allocating (the legacy COS form alone needs an owned path).
pub(crate) enum Target<'a> {
    Any,
    Cos {
        region: &'a str,
        appid: &'a str,
        path: Cow<'a, str>,
    },
    Ci {
        region: &'a str,
        appid: &'a str,
        path: &'a str,
    },
    Cam {
        uin: &'a str,
        path: &'a str,
    },
}

fn parse_cos<'a>(
    text: &str,
    region: &'a str,
    appid: &str,
    rest: &'a str,
) -> Result<Cow<'a, str>, ResourceError> {
    if !valid_region(region) {
        return Err(malformed(text, "invalid region"));
    }
    if rest == "*" {
        return Ok(Cow::Borrowed(rest));
    }
    if let Some(legacy) = rest.strip_prefix("prefix//") {
        let (legacy_appid, after) = legacy
            .split_once('/')
            .ok_or_else(|| malformed(text, "legacy form is prefix//<APPID>/<bucket>/<key>"))?;
        if legacy_appid != appid {
            return Err(ResourceError::AppidMismatch {
                text: text.to_owned(),
                account: appid.to_owned(),
                bucket: legacy_appid.to_owned(),
            });
        }
        let (short, key) = after.split_once('/').unwrap_or((after, ""));
        if appid
            .parse::<AppId>()
            .and_then(|appid| BucketName::new(short, &appid))
            .is_err()
        {
            return Err(malformed(text, "invalid bucket name in legacy form"));
        }
        return Ok(Cow::Owned(format!("{short}-{appid}/{key}")));
    }
    let bucket = rest.split_once('/').map_or(rest, |(bucket, _)| bucket);
    if has_wildcard(bucket) {
        // A bucket-name pattern: no APPID suffix to check, keep as written.
        if !bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'*')
        {
            return Err(malformed(text, "invalid bucket name pattern"));
        }
        return Ok(Cow::Borrowed(rest));
    }
    let bucket_appid = split_bucket(bucket).ok_or_else(|| {
        malformed(
            text,
            "bucket must be <name>-<APPID> (lowercase letters, digits, '-')",
        )
    })?;
    if bucket_appid.as_str() != appid {
        return Err(ResourceError::AppidMismatch {
            text: text.to_owned(),
            account: appid.to_owned(),
            bucket: bucket_appid.as_str().to_owned(),
        });
    }
    Ok(Cow::Borrowed(rest))
}

fn parse_ci(text: &str, region: &str, appid: &str, rest: &str) -> Result<(), ResourceError> {
    if rest.is_empty() {
        return Err(malformed(text, "empty resource path"));
    }
    if !valid_region(region) {
        return Err(malformed(text, "invalid region"));
    }
    if let Some(after) = rest.strip_prefix("bucket/") {
        let bucket = after.split_once('/').map_or(after, |(bucket, _)| bucket);
        if !has_wildcard(bucket) {
            let bucket_appid = split_bucket(bucket)
                .ok_or_else(|| malformed(text, "bucket must be <name>-<APPID>"))?;
            if bucket_appid.as_str() != appid {
                return Err(ResourceError::AppidMismatch {
                    text: text.to_owned(),
                    account: appid.to_owned(),
                    bucket: bucket_appid.as_str().to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// Parses a resource string without allocating (except for the legacy COS form).
pub(crate) fn parse_target(text: &str) -> Result<Target<'_>, ResourceError> {
    if text == "*" {
        return Ok(Target::Any);
    }
    let mut parts = text.splitn(6, ':');
    let (Some(qcs), Some(project), Some(service), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(malformed(
            text,
            "expected `*` or qcs::<service>:<region>:uid/<APPID>:<path>",
        ));
    };
    if qcs != "qcs" {
        return Err(malformed(text, "must start with `qcs:`"));
    }
    if !project.is_empty() {
        return Err(malformed(text, "the project segment must be empty"));
    }
    if service == "cam" {
        let uin = account
            .strip_prefix("uin/")
            .filter(|uin| !uin.is_empty() && uin.bytes().all(|b| b.is_ascii_digit() || b == b'*'))
            .ok_or_else(|| {
                malformed(
                    text,
                    "the account segment of a CAM resource must be uin/<UIN>",
                )
            })?;
        if !region.is_empty() || rest.is_empty() {
            return Err(malformed(
                text,
                "expected qcs::cam::uin/<UIN>:<path> (no region, a path)",
            ));
        }
        return Ok(Target::Cam { uin, path: rest });
    }
    let appid = account
        .strip_prefix("uid/")
        .filter(|appid| valid_appid(appid))
        .ok_or_else(|| malformed(text, "the account segment must be uid/<APPID>"))?;
    match service {
        "cos" => Ok(Target::Cos {
            region,
            appid,
            path: parse_cos(text, region, appid, rest)?,
        }),
        "ci" => {
            parse_ci(text, region, appid, rest)?;
            Ok(Target::Ci {
                region,
                appid,
                path: rest,
            })
        }
        _ => Err(malformed(
            text,
            "only the cos, ci and cam services are supported",
        )),
    }
}

fn segments_match(pattern: (&str, &str, &str), target: (&str, &str, &str)) -> bool {
    (pattern.0.is_empty() || wildcard_match(pattern.0, target.0))
        && wildcard_match(pattern.1, target.1)
        && wildcard_match(pattern.2, target.2)
}

impl Resource {
    /// Whether this (policy) resource covers a parsed request target.
    pub(crate) fn matches_target(&self, target: &Target<'_>) -> bool {
        match (self, target) {
            (Self::Any, _) => true,
            (
                Self::Cos(p),
                Target::Cos {
                    region,
                    appid,
                    path,
                },
            ) => segments_match((&p.region, &p.appid, &p.path), (region, appid, path)),
            (
                Self::Ci(p),
                Target::Ci {
                    region,
                    appid,
                    path,
                },
            ) => segments_match((&p.region, &p.appid, &p.path), (region, appid, path)),
            (Self::Cam(p), Target::Cam { uin, path }) => {
                wildcard_match(&p.uin, uin) && wildcard_match(&p.path, path)
            }
            _ => false,
        }
    }
}

impl FromStr for Resource {
    type Err = ResourceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match parse_target(text)? {
            Target::Any => Self::Any,
            Target::Cos {
                region,
                appid,
                path,
            } => Self::Cos(CosResource {
                region: region.to_owned(),
                appid: appid.to_owned(),
                path: path.into_owned(),
            }),
            Target::Ci {
                region,
                appid,
                path,
            } => Self::Ci(CiResource {
                region: region.to_owned(),
                appid: appid.to_owned(),
                path: path.to_owned(),
            }),
            Target::Cam { uin, path } => Self::Cam(CamResource {
                uin: uin.to_owned(),
                path: path.to_owned(),
            }),
        })
    }
}

impl fmt::Display for CosResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "qcs::cos:{}:uid/{}:{}",
            self.region, self.appid, self.path
        )
    }
}

impl fmt::Display for CiResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "qcs::ci:{}:uid/{}:{}",
            self.region, self.appid, self.path
        )
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("*"),
            Self::Cos(cos) => cos.fmt(f),
            Self::Ci(ci) => ci.fmt(f),
            Self::Cam(cam) => write!(f, "qcs::cam::uin/{}:{}", cam.uin, cam.path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Resource {
        text.parse().unwrap()
    }

    #[test]
    fn documented_forms_parse_and_round_trip() {
        for text in [
            "*",
            "qcs::cos:ap-beijing:uid/1250000000:*",
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/",
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/*",
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/doc/audio.mp3",
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/文件夹/文件名.txt",
            "qcs::cos::uid/1250000000:examplebucket-1250000000/*",
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000",
            "qcs::cos:ap-beijing:uid/1250000000:example*/*",
            "qcs::ci:ap-guangzhou:uid/1250000000:bucket/examplebucket-1250000000/*",
            "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/a:b/c",
        ] {
            assert_eq!(r(text).to_string(), text);
        }
    }

    #[test]
    fn legacy_form_normalises() {
        assert_eq!(
            r("qcs::cos:ap-beijing:uid/1250000000:prefix//1250000000/examplebucket/doc/*")
                .to_string(),
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/doc/*"
        );
        assert_eq!(
            r("qcs::cos:ap-beijing:uid/1250000000:prefix//1250000000/examplebucket").to_string(),
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket-1250000000/"
        );
        assert!(matches!(
            "qcs::cos:ap-beijing:uid/1250000000:prefix//1250000001/examplebucket/*"
                .parse::<Resource>(),
            Err(ResourceError::AppidMismatch { .. })
        ));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "**",
            "qcs:cos:ap-beijing:uid/1250000000:b-1250000000/*",
            "qcs:p:cos:ap-beijing:uid/1250000000:b-1250000000/*",
            "qcs::cos:ap-beijing:1250000000:b-1250000000/*",
            "qcs::cos:ap-beijing:uid/abc:b-1250000000/*",
            "qcs::cos:ap-beijing:uid/1250000000:examplebucket/*",
            "qcs::cos:ap-beijing:uid/1250000000:Example-1250000000/*",
            "qcs::cos:AP_BEIJING:uid/1250000000:b-1250000000/*",
            "qcs::cos:ap-beijing:uid/1250000000:",
            "qcs::cvm:ap-beijing:uid/1250000000:b-1250000000/*",
            "qcs::ci:ap-beijing:uid/1250000000:",
        ] {
            assert!(bad.parse::<Resource>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "qcs::cos:ap-beijing:uid/1250000000:b-1250000001/*"
                .parse::<Resource>()
                .unwrap_err()
                .code(),
            Code::AppidMismatch
        );
        assert_eq!(
            "qcs::ci:ap-beijing:uid/1250000000:bucket/b-1250000001/*"
                .parse::<Resource>()
                .unwrap_err()
                .code(),
            Code::AppidMismatch
        );
    }

    #[test]
    fn matching() {
        let prefix = r("qcs::cos:ap-beijing:uid/1250000000:b-1250000000/users/alice/*");
        assert!(prefix.matches(&r(
            "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/users/alice/x/y"
        )));
        assert!(!prefix.matches(&r(
            "qcs::cos:ap-beijing:uid/1250000000:b-1250000000/users/alice2/x"
        )));
        assert!(!prefix.matches(&r(
            "qcs::cos:ap-shanghai:uid/1250000000:b-1250000000/users/alice/x"
        )));
        let any_region = r("qcs::cos::uid/1250000000:b-1250000000/*");
        assert!(any_region.matches(&r("qcs::cos:ap-shanghai:uid/1250000000:b-1250000000/k")));
        let all = r("qcs::cos:ap-beijing:uid/1250000000:*");
        assert!(all.matches(&r("qcs::cos:ap-beijing:uid/1250000000:c-1250000000/k")));
        let ci = r("qcs::ci:ap-beijing:uid/1250000000:bucket/b-1250000000/*");
        assert!(!ci.matches(&r("qcs::cos:ap-beijing:uid/1250000000:b-1250000000/k")));
    }

    #[test]
    fn accessors_and_breadth() {
        let Resource::Cos(c) = r("qcs::cos:ap-beijing:uid/1250000000:b-1250000000") else {
            panic!()
        };
        assert_eq!(c.bucket(), Some("b-1250000000"));
        assert_eq!(c.key(), None);
        assert!(!c.is_whole_bucket_or_more());
        let Resource::Cos(c) = r("qcs::cos:ap-beijing:uid/1250000000:*") else {
            panic!()
        };
        assert!(c.is_whole_bucket_or_more());
        let Resource::Cos(c) = r("qcs::cos:ap-beijing:uid/1250000000:b-1250000000/**") else {
            panic!()
        };
        assert!(c.is_whole_bucket_or_more());
        assert!("ap-beijing".parse::<Region>().is_ok());
        assert!("x".parse::<AppId>().is_err());
    }
}
