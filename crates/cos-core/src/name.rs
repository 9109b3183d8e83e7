//! [`AppId`], [`BucketName`], [`Region`] and [`Bucket`]: one rule each, from the COS
//! documentation (bucket overview, "naming conventions"; regions and access domains).

use std::fmt;
use std::str::FromStr;

/// The longest name part of a bucket (the part before `-<APPID>`), per the COS naming rules.
const MAX_BUCKET_NAME_PART: usize = 50;
/// The longest APPID accepted (COS APPIDs are 10 digits today; older ones are shorter).
const MAX_APPID: usize = 20;
/// The longest region accepted (the longest COS region today is 16 characters).
const MAX_REGION: usize = 50;
/// An all-digit region segment longer than this is an APPID, not part of a region.
const MAX_REGION_DIGITS: usize = 3;

/// Why a bucket name, region or APPID was refused.
///
/// ```
/// use cos_core::{BucketName, NameError};
///
/// let err = "Example-1250000000".parse::<BucketName>().unwrap_err();
/// assert!(matches!(err, NameError::Bucket { .. }));
/// assert!(err.to_string().contains("lowercase"));
/// assert!(!err.is_retryable());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// Not a full bucket name `<name>-<APPID>`.
    #[error("bucket `{text}` {reason}{}", if *swapped { " (it reads like a region: did you swap bucket and region?)" } else { "" })]
    Bucket {
        /// The refused text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
        /// Whether the text is a valid region (the arguments were probably swapped).
        swapped: bool,
    },
    /// Not a COS region.
    #[error("region `{text}` {reason}{}", if *swapped { " (it reads like a bucket name: did you swap bucket and region?)" } else { "" })]
    Region {
        /// The refused text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
        /// Whether the text is a valid bucket name (the arguments were probably swapped).
        swapped: bool,
    },
    /// Not an APPID.
    #[error("APPID `{text}` {reason}")]
    AppId {
        /// The refused text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl NameError {
    /// Always `false`: the same text fails the same way.
    ///
    /// ```
    /// assert!(!"x".parse::<cos_core::AppId>().unwrap_err().is_retryable());
    /// ```
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        false
    }

    /// The refused text.
    ///
    /// ```
    /// assert_eq!("x".parse::<cos_core::AppId>().unwrap_err().text(), "x");
    /// ```
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Self::Bucket { text, .. } | Self::Region { text, .. } | Self::AppId { text, .. } => {
                text
            }
        }
    }
}

/// A Tencent Cloud APPID: 1 to 20 ASCII digits (10 today).
///
/// ```
/// let appid: cos_core::AppId = "1250000000".parse()?;
/// assert_eq!(appid.as_str(), "1250000000");
/// assert!("12a".parse::<cos_core::AppId>().is_err());
/// # Ok::<(), cos_core::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(String);

impl AppId {
    /// The APPID as text.
    ///
    /// ```
    /// assert_eq!("1".parse::<cos_core::AppId>().unwrap().as_str(), "1");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn appid_rule(text: &str) -> Result<(), &'static str> {
    if text.is_empty() || text.len() > MAX_APPID || !text.bytes().all(|b| b.is_ascii_digit()) {
        Err("must be 1 to 20 digits")
    } else {
        Ok(())
    }
}

impl FromStr for AppId {
    type Err = NameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        appid_rule(text).map_err(|reason| NameError::AppId {
            text: text.to_owned(),
            reason,
        })?;
        Ok(Self(text.to_owned()))
    }
}

/// A full bucket name, `<name>-<APPID>`: the name part is 1 to 50 lowercase letters, digits
/// and `-`, neither starting nor ending with `-`; the APPID is an [`AppId`].
///
/// ```
/// use cos_core::{AppId, BucketName};
///
/// let bucket: BucketName = "my-photos-1250000000".parse()?;
/// assert_eq!(bucket.name_part(), "my-photos");
/// assert_eq!(bucket.appid().as_str(), "1250000000");
/// let same = BucketName::new("my-photos", &"1250000000".parse::<AppId>()?)?;
/// assert_eq!(same, bucket);
/// // COS accepts a 50-character name part with a 10-digit APPID.
/// assert!(format!("{}-1250000000", "a".repeat(50)).parse::<BucketName>().is_ok());
/// assert!(format!("{}-1250000000", "a".repeat(51)).parse::<BucketName>().is_err());
/// # Ok::<(), cos_core::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketName {
    full: String,
    appid: AppId,
}

fn name_part_rule(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > MAX_BUCKET_NAME_PART {
        return Err("must have a name part of 1 to 50 characters before `-<APPID>`");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("may contain only lowercase letters, digits and `-`");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err("must not start with `-` or have `-` before `-<APPID>`");
    }
    Ok(())
}

impl BucketName {
    /// The bucket `<name>-<appid>` from its name part and APPID.
    ///
    /// # Errors
    /// [`NameError::Bucket`] when `name` breaks the naming rule.
    ///
    /// ```
    /// let appid = "1250000000".parse()?;
    /// assert_eq!(cos_core::BucketName::new("photos", &appid)?.as_str(), "photos-1250000000");
    /// assert!(cos_core::BucketName::new("Photos", &appid).is_err());
    /// # Ok::<(), cos_core::NameError>(())
    /// ```
    pub fn new(name: &str, appid: &AppId) -> Result<Self, NameError> {
        format!("{name}-{}", appid.as_str()).parse()
    }

    /// The full name, `<name>-<APPID>`.
    ///
    /// ```
    /// let b: cos_core::BucketName = "b-1250000000".parse().unwrap();
    /// assert_eq!(b.as_str(), "b-1250000000");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The name part, before `-<APPID>`.
    ///
    /// ```
    /// let b: cos_core::BucketName = "b-c-1250000000".parse().unwrap();
    /// assert_eq!(b.name_part(), "b-c");
    /// ```
    #[must_use]
    pub fn name_part(&self) -> &str {
        self.full
            .strip_suffix(self.appid.as_str())
            .and_then(|rest| rest.strip_suffix('-'))
            .unwrap_or_default()
    }

    /// The APPID the name ends with.
    ///
    /// ```
    /// let b: cos_core::BucketName = "b-1250000000".parse().unwrap();
    /// assert_eq!(b.appid().as_str(), "1250000000");
    /// ```
    #[must_use]
    pub fn appid(&self) -> &AppId {
        &self.appid
    }

    /// This bucket in `region`.
    ///
    /// ```
    /// let b: cos_core::BucketName = "b-1250000000".parse()?;
    /// let located = b.in_region("ap-beijing".parse()?);
    /// assert_eq!(located.region().as_str(), "ap-beijing");
    /// # Ok::<(), cos_core::NameError>(())
    /// ```
    #[must_use]
    pub fn in_region(self, region: Region) -> Bucket {
        Bucket::new(self, region)
    }
}

impl FromStr for BucketName {
    type Err = NameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason| NameError::Bucket {
            text: text.to_owned(),
            reason,
            swapped: region_rule(text).is_ok(),
        };
        let (name, appid) = text
            .rsplit_once('-')
            .ok_or_else(|| bad("must be the full name `<name>-<APPID>`"))?;
        appid_rule(appid).map_err(|_| bad("must end with `-<APPID>` (digits)"))?;
        name_part_rule(name).map_err(bad)?;
        Ok(Self {
            full: text.to_owned(),
            appid: AppId(appid.to_owned()),
        })
    }
}

/// A COS region such as `ap-guangzhou` or `na-siliconvalley`: lowercase letters and digits
/// in `-`-separated segments, at least two, the first made of letters; a long all-digit
/// segment (an APPID) is refused.
///
/// ```
/// let region: cos_core::Region = "ap-guangzhou".parse()?;
/// assert_eq!(region.as_str(), "ap-guangzhou");
/// assert!("ap-beijing-1".parse::<cos_core::Region>().is_ok());
/// assert!("AP_BEIJING".parse::<cos_core::Region>().is_err());
/// # Ok::<(), cos_core::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(String);

fn region_rule(text: &str) -> Result<(), &'static str> {
    if text.is_empty() || text.len() > MAX_REGION {
        return Err("must be 1 to 50 characters");
    }
    let mut segments = text.split('-');
    let first = segments.next().unwrap_or_default();
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err("must start with lowercase letters, as in `ap-guangzhou`");
    }
    let mut count = 1;
    for segment in segments {
        count += 1;
        if segment.is_empty()
            || !segment
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            return Err("may contain only lowercase letters and digits between single `-`");
        }
        if segment.len() > MAX_REGION_DIGITS && segment.bytes().all(|b| b.is_ascii_digit()) {
            return Err("ends with an APPID, like a bucket name");
        }
    }
    if count < 2 {
        return Err("must be `<area>-<city>`, as in `ap-guangzhou`");
    }
    Ok(())
}

impl Region {
    /// The region as text.
    ///
    /// ```
    /// assert_eq!("ap-beijing".parse::<cos_core::Region>().unwrap().as_str(), "ap-beijing");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Region {
    type Err = NameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        region_rule(text).map_err(|reason| NameError::Region {
            text: text.to_owned(),
            reason,
            swapped: text.parse::<BucketName>().is_ok(),
        })?;
        Ok(Self(text.to_owned()))
    }
}

/// Where a bucket lives: its [`BucketName`] and its [`Region`]. This is the one way the
/// workspace names a bucket location: policy presets and resources, credential requests and
/// clients all take a `&Bucket`.
///
/// ```
/// use cos_core::Bucket;
///
/// let bucket = Bucket::new("examplebucket-1250000000".parse()?, "ap-guangzhou".parse()?);
/// assert_eq!(bucket.appid().as_str(), "1250000000");
/// assert_eq!(bucket.to_string(), "examplebucket-1250000000 in ap-guangzhou");
/// # Ok::<(), cos_core::NameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bucket {
    name: BucketName,
    region: Region,
}

impl Bucket {
    /// The bucket `name` in `region`.
    ///
    /// ```
    /// let b = cos_core::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// assert_eq!(b.name().as_str(), "b-1250000000");
    /// # Ok::<(), cos_core::NameError>(())
    /// ```
    #[must_use]
    pub fn new(name: BucketName, region: Region) -> Self {
        Self { name, region }
    }

    /// The full bucket name.
    ///
    /// ```
    /// let b = cos_core::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// assert_eq!(b.name().name_part(), "b");
    /// # Ok::<(), cos_core::NameError>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &BucketName {
        &self.name
    }

    /// The region.
    ///
    /// ```
    /// let b = cos_core::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// assert_eq!(b.region().as_str(), "ap-beijing");
    /// # Ok::<(), cos_core::NameError>(())
    /// ```
    #[must_use]
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The APPID of the bucket's account.
    ///
    /// ```
    /// let b = cos_core::Bucket::new("b-1250000000".parse()?, "ap-beijing".parse()?);
    /// assert_eq!(b.appid().as_str(), "1250000000");
    /// # Ok::<(), cos_core::NameError>(())
    /// ```
    #[must_use]
    pub fn appid(&self) -> &AppId {
        self.name.appid()
    }
}

macro_rules! text_impls {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = NameError;

            fn try_from(text: &str) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl TryFrom<String> for $ty {
            type Error = NameError;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}

text_impls!(AppId, BucketName, Region);

impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.name, self.region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bucket_rule_follows_the_cos_documentation() {
        for good in [
            "examplebucket-1250000000",
            "mybucket123-1250000000",
            "1-newproject-1250000000",
            "b-1",
        ] {
            assert!(good.parse::<BucketName>().is_ok(), "{good}");
        }
        let long = format!("{}-1250000000", "a".repeat(50));
        assert_eq!(
            long.len(),
            61,
            "longer than the old 60-character host limit"
        );
        assert!(long.parse::<BucketName>().is_ok());
        for bad in [
            "",
            "examplebucket",
            "-1250000000",
            "-b-1250000000",
            "b--1250000000",
            "Example-1250000000",
            "b_c-1250000000",
            "b-12a",
            "b-",
            "b.c-1250000000",
        ] {
            assert!(
                matches!(bad.parse::<BucketName>(), Err(NameError::Bucket { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn region_rule() {
        for good in [
            "ap-guangzhou",
            "ap-beijing-1",
            "ap-shanghai-fsi",
            "na-siliconvalley",
            "eu-frankfurt",
        ] {
            assert!(good.parse::<Region>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "guangzhou",
            "ap--guangzhou",
            "ap-guangzhou-",
            "AP-beijing",
            "1p-beijing",
            "ap_beijing",
            "cos.ap-beijing",
            "b-1250000000",
        ] {
            assert!(
                matches!(bad.parse::<Region>(), Err(NameError::Region { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn swapped_arguments_are_named() {
        let err = "ap-guangzhou".parse::<BucketName>().unwrap_err();
        assert!(matches!(err, NameError::Bucket { swapped: true, .. }));
        let err = "examplebucket-1250000000".parse::<Region>().unwrap_err();
        assert!(matches!(err, NameError::Region { swapped: true, .. }));
        let err = "examplebucket".parse::<BucketName>().unwrap_err();
        assert!(!err.to_string().contains("swap"), "{err}");
    }

    #[test]
    fn serde_validates() {
        let bucket: BucketName = serde_json::from_str("\"b-1250000000\"").unwrap();
        assert_eq!(serde_json::to_string(&bucket).unwrap(), "\"b-1250000000\"");
        assert!(serde_json::from_str::<Region>("\"b-1250000000\"").is_err());
        assert!(serde_json::from_str::<AppId>("\"x\"").is_err());
    }

    proptest! {
        #[test]
        fn never_panics_and_round_trips(text in ".{0,70}") {
            if let Ok(bucket) = text.parse::<BucketName>() {
                prop_assert_eq!(bucket.as_str(), text.as_str());
                prop_assert_eq!(BucketName::new(bucket.name_part(), bucket.appid()).ok(), Some(bucket.clone()));
                prop_assert!(text.parse::<Region>().is_err());
            }
            if let Ok(region) = text.parse::<Region>() {
                prop_assert_eq!(region.as_str(), text.as_str());
            }
            let _ = text.parse::<AppId>();
        }
    }
}
