//! Access control lists on the wire: the `x-cos-acl` and `x-cos-grant-*` request headers and
//! the `AccessControlPolicy` document of `?acl`. Shared by bucket and object ACLs; what a
//! grant permits is decided in `auth` (`auth::resource_policies`).

use crate::cos::error::CosError;
use crate::cos::ops::attrs::Lookup;
use crate::cos::request::Req;
use crate::cos::xml::{Xml, field, parse_groups};
use crate::storage::{ALL_USERS_URI, Acl, AclGrant, Grantee, Permission};

/// The canned ACLs of a bucket (`x-cos-acl` on PUT Bucket and PUT Bucket acl).
pub(crate) const BUCKET_CANNED: &[&str] = &["private", "public-read", "public-read-write"];

/// The `x-cos-grant-*` headers and the permission each grants.
const GRANT_HEADERS: [(&str, Permission); 5] = [
    ("x-cos-grant-read", Permission::Read),
    ("x-cos-grant-write", Permission::Write),
    ("x-cos-grant-read-acp", Permission::ReadAcp),
    ("x-cos-grant-write-acp", Permission::WriteAcp),
    ("x-cos-grant-full-control", Permission::FullControl),
];

/// The CAM identity of everybody in a grant header (`id="qcs::cam::anyone:anyone"`).
const ANYONE: &str = "qcs::cam::anyone:anyone";

/// Whether the request carries `x-cos-acl` or any `x-cos-grant-*` header.
pub(crate) fn has_acl_headers(req: &Req) -> bool {
    has_acl_fields(&|n| req.header(n))
}

/// [`has_acl_headers`] for any source of header values (a POST form's fields).
fn has_acl_fields(get: Lookup<'_>) -> bool {
    get("x-cos-acl").is_some() || GRANT_HEADERS.iter().any(|(h, _)| get(h).is_some())
}

/// The ACL the request's `x-cos-acl` (one of `canned`) and `x-cos-grant-*` headers set.
/// `default` (objects) is no grant at all: the object follows its bucket.
pub(crate) fn from_headers(req: &Req, canned: &[&str]) -> Result<Acl, CosError> {
    from_lookup(&|n| req.header(n), canned)
}

/// [`from_headers`] for any source of header values (a POST form's fields).
fn from_lookup(get: Lookup<'_>, canned: &[&str]) -> Result<Acl, CosError> {
    let mut acl = Acl::default();
    if let Some(value) = get("x-cos-acl") {
        let value = value.trim();
        if !canned.contains(&value) {
            return Err(CosError::invalid_argument(format!(
                "The x-cos-acl value `{value}` is not one of {}.",
                canned.join(", ")
            )));
        }
        let all = |permission| AclGrant {
            grantee: Grantee::AllUsers,
            permission,
        };
        match value {
            "public-read" => acl.grants.push(all(Permission::Read)),
            "public-read-write" => {
                acl.grants.push(all(Permission::Read));
                acl.grants.push(all(Permission::Write));
            }
            _ => {}
        }
    }
    for (header, permission) in GRANT_HEADERS {
        if let Some(value) = get(header) {
            for grantee in parse_grantees(value)? {
                acl.grants.push(AclGrant {
                    grantee,
                    permission,
                });
            }
        }
    }
    Ok(acl)
}

/// The canned ACLs of an object: `default` follows the bucket's.
pub(crate) const OBJECT_CANNED: &[&str] =
    &["default", "private", "public-read", "public-read-write"];

/// An object's own ACL from a write's `x-cos-acl`/`x-cos-grant-*` headers (or a POST form's
/// fields): `None` when they name none or only `default` (the object follows its bucket).
pub(crate) fn object_acl(get: Lookup<'_>) -> Result<Option<Acl>, CosError> {
    if !has_acl_fields(get) {
        return Ok(None);
    }
    let acl = from_lookup(get, OBJECT_CANNED)?;
    let only_default = get("x-cos-acl").map(str::trim) == Some("default") && acl.grants.is_empty();
    Ok((!only_default).then_some(acl))
}

/// The canned ACL an object's ACL amounts to, for the `x-cos-acl` response header.
pub(crate) fn canned_of(acl: Option<&Acl>) -> &'static str {
    let Some(acl) = acl else {
        return "default";
    };
    let public = |p| {
        acl.grants
            .iter()
            .any(|g| g.grantee == Grantee::AllUsers && g.permission == p)
    };
    match (public(Permission::Read), public(Permission::Write)) {
        (true, true) => "public-read-write",
        (true, false) => "public-read",
        _ => "private",
    }
}

/// Parses `id="qcs::cam::uin/1:uin/2",uri="http://cam.qcloud.com/groups/global/AllUsers"`.
fn parse_grantees(value: &str) -> Result<Vec<Grantee>, CosError> {
    let bad = || CosError::invalid_argument(format!("Invalid grant header value `{value}`."));
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| {
            let (kind, quoted) = part.split_once('=').ok_or_else(bad)?;
            let inner = quoted
                .trim()
                .strip_prefix('"')
                .and_then(|q| q.strip_suffix('"'))
                .ok_or_else(bad)?;
            match kind.trim().to_ascii_lowercase().as_str() {
                "id" => grantee_from_id(inner).ok_or_else(bad),
                "uri" if inner == ALL_USERS_URI => Ok(Grantee::AllUsers),
                _ => Err(bad()),
            }
        })
        .collect()
}

/// A grantee from a CAM identity (`qcs::cam::uin/<owner>:uin/<uin>`, or anyone).
fn grantee_from_id(id: &str) -> Option<Grantee> {
    if id == ANYONE {
        return Some(Grantee::AllUsers);
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(id) {
        // A bare UIN names that account's root.
        return Some(Grantee::User(format!("qcs::cam::uin/{id}:uin/{id}")));
    }
    let rest = id.strip_prefix("qcs::cam::uin/")?;
    let (owner, user) = rest.split_once(":uin/")?;
    (digits(owner) && digits(user)).then(|| Grantee::User(id.to_string()))
}

/// Parses an `AccessControlPolicy` document; its grants are kept as listed (COS lists them
/// back exactly; the owner's full control is implied either way).
pub(crate) fn from_xml(doc: &[u8]) -> Result<Acl, CosError> {
    let (root, grants) = parse_groups(doc, "Grant", 100).ok_or_else(CosError::malformed_xml)?;
    if root != "AccessControlPolicy" {
        return Err(CosError::malformed_xml());
    }
    let mut acl = Acl {
        grants: Vec::new(),
        listed: true,
    };
    for grant in grants {
        let permission = field(&grant, "Permission")
            .and_then(Permission::parse)
            .ok_or_else(CosError::malformed_xml)?;
        let grantee = match (field(&grant, "ID"), field(&grant, "URI")) {
            (Some(id), _) => grantee_from_id(id)
                .ok_or_else(|| CosError::invalid_argument(format!("Invalid grantee id `{id}`.")))?,
            (None, Some(uri)) if uri == ALL_USERS_URI => Grantee::AllUsers,
            _ => return Err(CosError::malformed_xml()),
        };
        acl.grants.push(AclGrant {
            grantee,
            permission,
        });
    }
    Ok(acl)
}

/// The `AccessControlPolicy` document of `acl` (the owner's full control first unless the
/// grants are a document's list).
pub(crate) fn to_xml(acl: &Acl, owner: &str) -> String {
    let user = |x: &mut Xml, id: &str| {
        x.open_with(
            "Grantee",
            "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"",
        )
        .elem("ID", id)
        .elem("DisplayName", id)
        .close("Grantee");
    };
    let mut x = Xml::new();
    x.open("AccessControlPolicy")
        .open("Owner")
        .elem("ID", owner)
        .elem("DisplayName", owner)
        .close("Owner")
        .open("AccessControlList");
    if !acl.listed {
        x.open("Grant");
        user(&mut x, owner);
        x.elem("Permission", Permission::FullControl.as_str())
            .close("Grant");
    }
    for grant in &acl.grants {
        x.open("Grant");
        match &grant.grantee {
            Grantee::User(id) => user(&mut x, id),
            Grantee::AllUsers => {
                x.open_with(
                    "Grantee",
                    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"",
                )
                .elem("URI", ALL_USERS_URI)
                .close("Grantee");
            }
        }
        x.elem("Permission", grant.permission.as_str())
            .close("Grant");
    }
    x.close("AccessControlList").close("AccessControlPolicy");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "qcs::cam::uin/100000000001:uin/100000000001";

    #[test]
    fn grantee_headers() {
        let g = parse_grantees(
            "id=\"qcs::cam::uin/100000000001:uin/100000000011\", uri=\"http://cam.qcloud.com/groups/global/AllUsers\"",
        )
        .unwrap();
        assert_eq!(
            g,
            [
                Grantee::User("qcs::cam::uin/100000000001:uin/100000000011".into()),
                Grantee::AllUsers
            ]
        );
        for bad in [
            "id=qcs",
            "id=\"nobody\"",
            "id=\"\"",
            "uri=\"http://x\"",
            "who=\"a\"",
        ] {
            assert!(parse_grantees(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn document_round_trips() {
        let acl = Acl {
            grants: vec![
                AclGrant {
                    grantee: Grantee::AllUsers,
                    permission: Permission::Read,
                },
                AclGrant {
                    grantee: Grantee::User("qcs::cam::uin/100000000001:uin/7".into()),
                    permission: Permission::WriteAcp,
                },
            ],
            listed: true,
        };
        let doc = to_xml(&acl, OWNER);
        assert!(
            !doc.contains(OWNER) || doc.matches(OWNER).count() == 2,
            "{doc}"
        );
        assert_eq!(from_xml(doc.as_bytes()).unwrap(), acl);
        let canned = Acl {
            listed: false,
            ..acl.clone()
        };
        let doc = to_xml(&canned, OWNER);
        assert_eq!(from_xml(doc.as_bytes()).unwrap().grants.len(), 3, "{doc}");
        assert!(from_xml(b"<Other/>").is_err());
        assert!(from_xml(b"<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>").is_err());
    }
}
