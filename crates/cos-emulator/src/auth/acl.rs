//! Object ACLs in authorization: the part of COS's anonymous access an object's own ACL
//! grants. Unsigned requests are admitted to read (GET/HEAD Object) an object whose ACL is
//! `public-read` (or grants READ to AllUsers); nothing else is granted to them here.

use crate::cos::request::Req;
use crate::state::State;

/// Actions an object ACL's public READ admits.
const PUBLIC_READ_ACTIONS: [&str; 2] = ["GetObject", "HeadObject"];

/// Whether the ACL of the requested object admits an unsigned request for `action`.
pub(crate) fn admits_anonymous(state: &State, req: &Req, action: &str) -> bool {
    PUBLIC_READ_ACTIONS.contains(&action)
        && state
            .store
            .head_object(&req.target.bucket, &req.target.key)
            .ok()
            .flatten()
            .is_some_and(|meta| meta.attrs.acl.is_public_read())
}
