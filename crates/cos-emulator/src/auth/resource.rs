//! Resource-based permissions — the bucket policy and the ACLs — evaluated together with
//! the caller's CAM policies as COS does:
//!
//! * an explicit deny of the bucket policy (for the caller's principal) refuses anybody but
//!   the root account;
//! * the root account may do anything else;
//! * an anonymous (unsigned) request needs an allow of the bucket policy for its principal
//!   (`*`, `qcs::cam::anyone:anyone`, `qcs::cam::anonymous:anonymous`) or an ACL grant to
//!   `AllUsers`;
//! * a sub-account needs an allow of its CAM policies, of the bucket policy (naming it), or
//!   an ACL grant to it or to `AllUsers`;
//! * a temporary key is bounded by the policies it was issued with: they must allow, unless
//!   the request would be admitted anonymously (a public resource).
//!
//! The policies are evaluated by `cos-policy` (through `identity`), never by a rule here.
//! ACLs: an object's own ACL decides its reads and its ACL operations; without one (the
//! `default` ACL) the object follows its bucket's.

use super::Caller;
use crate::state::State;
use crate::storage::{Acl, Grantee, Permission};
use cos_policy::DecisionKind;

/// The principal of an unsigned request.
pub(crate) const ANONYMOUS: &str = "qcs::cam::anonymous:anonymous";

/// Actions whose ACL is the object's own when it has one.
const OBJECT_ACL_ACTIONS: &[&str] = &["GetObject", "HeadObject", "GetObjectACL", "PutObjectACL"];

/// Whether `action` acts on an object (its key is the resource's suffix).
pub(crate) fn is_object_action(action: &str) -> bool {
    cos_policy::catalogue::lookup(action)
        .is_some_and(|a| a.level == cos_policy::catalogue::Level::Object)
}

/// What each ACL permission admits (`FULL_CONTROL`: all four).
fn permits(permission: Permission, action: &str) -> bool {
    const READ: &[&str] = &[
        "GetBucket",
        "HeadBucket",
        "ListMultipartUploads",
        "GetBucketObjectVersions",
        "GetObject",
        "HeadObject",
        "OptionsObject",
    ];
    const WRITE: &[&str] = &[
        "PutObject",
        "PostObject",
        "AppendObject",
        "DeleteObject",
        "DeleteMultipleObjects",
        "InitiateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "ListParts",
    ];
    const READ_ACP: &[&str] = &["GetBucketACL", "GetObjectACL"];
    const WRITE_ACP: &[&str] = &["PutBucketACL", "PutObjectACL"];
    match permission {
        Permission::Read => READ.contains(&action),
        Permission::Write => WRITE.contains(&action),
        Permission::ReadAcp => READ_ACP.contains(&action),
        Permission::WriteAcp => WRITE_ACP.contains(&action),
        Permission::FullControl => [READ, WRITE, READ_ACP, WRITE_ACP]
            .iter()
            .any(|list| list.contains(&action)),
    }
}

/// The resource-based permissions of one resource.
pub(crate) struct ResourcePolicies {
    /// The bucket policy, if the bucket has one.
    pub(crate) bucket_policy: Option<cos_policy::Policy>,
    /// The bucket's ACL.
    pub(crate) bucket_acl: Acl,
    /// The object's own ACL; `None`: the object follows its bucket's.
    pub(crate) object_acl: Option<Acl>,
}

/// The bucket policy and ACLs that apply to `bucket` and, for an object operation, the
/// object `key`. The one place the pipeline reads resource permissions: object ACLs are
/// looked up here too.
pub(crate) fn resource_policies(
    state: &State,
    bucket: &str,
    key: Option<&str>,
) -> ResourcePolicies {
    let record = state.store.bucket_record(bucket);
    let bucket_policy = record
        .as_ref()
        .and_then(|r| r.policy.as_deref())
        .and_then(|text| cos_policy::Policy::from_json(text).ok());
    ResourcePolicies {
        bucket_policy,
        bucket_acl: record.map(|r| r.acl).unwrap_or_default(),
        object_acl: key.and_then(|key| object_acl(state, bucket, key)),
    }
}

/// The object's own ACL, if it has one (its stored `x-cos-acl`/`x-cos-grant-*` or `?acl`
/// document); `None` for the `default` ACL (or no such object): it follows its bucket's.
fn object_acl(state: &State, bucket: &str, key: &str) -> Option<Acl> {
    let meta = state.store.head_object(bucket, key).ok().flatten()?;
    meta.attrs.acl.clone()
}

impl ResourcePolicies {
    /// Whether the ACL that applies to `action` grants it to `who` (or to everybody).
    fn acl_admits(&self, action: &str, who: Option<&str>) -> bool {
        let acl = match &self.object_acl {
            Some(object) if OBJECT_ACL_ACTIONS.contains(&action) => object,
            _ => &self.bucket_acl,
        };
        acl.grants.iter().any(|g| {
            let named = match &g.grantee {
                Grantee::AllUsers => true,
                Grantee::User(id) => who == Some(id.as_str()),
            };
            named && permits(g.permission, action)
        })
    }

    fn policy_decision(
        &self,
        who: &str,
        action: &str,
        resource: &str,
        context: &[(&'static str, String)],
    ) -> DecisionKind {
        self.bucket_policy
            .as_ref()
            .map_or(DecisionKind::ImplicitDeny, |p| {
                crate::identity::decide(
                    p,
                    Some(who),
                    &format!("name/cos:{action}"),
                    resource,
                    context,
                )
            })
    }

    /// Whether `caller` (`None`: anonymous) may do `action` (`GetObject`) on `resource`.
    pub(crate) fn admit(
        &self,
        state: &State,
        caller: Option<&Caller>,
        action: &str,
        resource: &str,
        context: &[(&'static str, String)],
    ) -> bool {
        let who = caller.map_or_else(|| ANONYMOUS.to_string(), |c| c.arn(&state.identities));
        let by_policy = self.policy_decision(&who, action, resource, context);
        if matches!(caller, Some(Caller::Root)) {
            return true;
        }
        if by_policy == DecisionKind::ExplicitDeny {
            return false;
        }
        let public = || {
            self.acl_admits(action, None)
                || self.policy_decision(ANONYMOUS, action, resource, context) == DecisionKind::Allow
        };
        match caller {
            None => by_policy == DecisionKind::Allow || self.acl_admits(action, None),
            Some(temporary @ Caller::Temporary(_)) => {
                temporary.allows(&format!("name/cos:{action}"), resource, context) || public()
            }
            Some(signed) => {
                signed.allows(&format!("name/cos:{action}"), resource, context)
                    || by_policy == DecisionKind::Allow
                    || self.acl_admits(action, Some(&who))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_permissions() {
        assert!(permits(Permission::Read, "GetObject"));
        assert!(!permits(Permission::Read, "PutObject"));
        assert!(permits(Permission::Write, "PutObject"));
        assert!(!permits(Permission::Write, "PutBucketACL"));
        assert!(permits(Permission::FullControl, "PutBucketACL"));
        assert!(!permits(Permission::FullControl, "PutBucketPolicy"));
        assert!(!permits(Permission::FullControl, "DeleteBucket"));
    }
}
