//! The COS operations, one module per family; each handler receives a routed, authorized
//! request and works on storage.

pub(crate) mod acl;
pub(crate) mod append;
pub(crate) mod attrs;
pub(crate) mod bucket;
pub(crate) mod buckets;
pub(crate) mod composite_body;
pub(crate) mod copy;
pub(crate) mod cors;
pub(crate) mod multipart;
pub(crate) mod object;
pub(crate) mod object_sub;
pub(crate) mod part_copy;
pub(crate) mod post_object;
