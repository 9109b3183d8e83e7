//! Bucket records: what COS keeps about a bucket besides its objects (creation time, ACL,
//! tags, CORS rules, bucket policy). Kept as one state document, `buckets`, so buckets
//! created at run time survive a restart with a data directory.

use serde::{Deserialize, Serialize};

/// The permission of one ACL grant (`READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum Permission {
    /// Read data (list a bucket, get objects).
    Read,
    /// Write data (put and delete objects).
    Write,
    /// Read the ACL.
    ReadAcp,
    /// Write the ACL.
    WriteAcp,
    /// Everything.
    FullControl,
}

impl Permission {
    /// Every permission in COS's spelling.
    pub(crate) const ALL: [Permission; 5] = [
        Permission::Read,
        Permission::Write,
        Permission::ReadAcp,
        Permission::WriteAcp,
        Permission::FullControl,
    ];

    /// COS's spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "READ",
            Permission::Write => "WRITE",
            Permission::ReadAcp => "READ_ACP",
            Permission::WriteAcp => "WRITE_ACP",
            Permission::FullControl => "FULL_CONTROL",
        }
    }

    /// Parses COS's spelling.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Who an ACL grant names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Grantee {
    /// A CAM identity, `qcs::cam::uin/<owner>:uin/<uin>`.
    User(String),
    /// Everybody, anonymous callers included (`http://cam.qcloud.com/groups/global/AllUsers`).
    AllUsers,
}

/// The group URI of [`Grantee::AllUsers`].
pub(crate) const ALL_USERS_URI: &str = "http://cam.qcloud.com/groups/global/AllUsers";

/// One ACL grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AclGrant {
    /// Who.
    pub(crate) grantee: Grantee,
    /// What.
    pub(crate) permission: Permission,
}

/// An access control list. The owner's full control is always implied; `grants` are the
/// listed grants: exactly the document's when set with an `AccessControlPolicy` document
/// (`listed`), else the grants of `x-cos-acl`/`x-cos-grant-*`, shown after the owner's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Acl {
    /// The grants.
    pub(crate) grants: Vec<AclGrant>,
    /// Whether `grants` is the whole list as a document set it (the owner's grant included
    /// only if the document had it).
    #[serde(default)]
    pub(crate) listed: bool,
}

/// One CORS rule of a bucket, as configured.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CorsRule {
    /// `ID`.
    #[serde(default)]
    pub(crate) id: String,
    /// `AllowedOrigin` patterns (`*` wildcards).
    pub(crate) allowed_origins: Vec<String>,
    /// `AllowedMethod`s (upper case).
    pub(crate) allowed_methods: Vec<String>,
    /// `AllowedHeader` patterns (`*` wildcards, case-insensitive).
    #[serde(default)]
    pub(crate) allowed_headers: Vec<String>,
    /// `ExposeHeader`s.
    #[serde(default)]
    pub(crate) expose_headers: Vec<String>,
    /// `MaxAgeSeconds`.
    #[serde(default)]
    pub(crate) max_age_seconds: Option<u64>,
}

/// What the emulator keeps about a bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BucketMeta {
    /// `name-appid`.
    pub(crate) name: String,
    /// Creation, Unix milliseconds.
    pub(crate) created_ms: u64,
    /// The bucket ACL.
    #[serde(default)]
    pub(crate) acl: Acl,
    /// Bucket tags in the order given.
    #[serde(default)]
    pub(crate) tags: Vec<(String, String)>,
    /// CORS rules; empty: no CORS configuration.
    #[serde(default)]
    pub(crate) cors: Vec<CorsRule>,
    /// The bucket policy as stored (canonical JSON), if any.
    #[serde(default)]
    pub(crate) policy: Option<String>,
}

impl BucketMeta {
    /// A new bucket with a private ACL and no configuration.
    pub(crate) fn new(name: &str, created_ms: u64) -> Self {
        Self {
            name: name.to_string(),
            created_ms,
            acl: Acl::default(),
            tags: Vec::new(),
            cors: Vec::new(),
            policy: None,
        }
    }
}
