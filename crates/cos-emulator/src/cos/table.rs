//! The one table of COS operations: how a request is recognised ([`route`]), what CAM
//! action it needs on which resource ([`Op::grant`]), and which handler serves it
//! ([`run`]). The pipeline ([`super::handle`]) authorizes every operation from this
//! table, POST Object and both copies included, before its handler runs.

use super::error::CosError;
use super::ops::post_object::FormJudge;
use super::ops::{bucket, buckets, copy, cors, multipart, object, part_copy, post_object};
use super::request::Req;
use crate::http::body::{RequestBody, ResBody};
use crate::identity::Identity;
use crate::state::State;
use http::{Method, Response};
use std::sync::Arc;

/// A COS operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// OPTIONS: a CORS preflight.
    Preflight,
    /// GET Bucket (List Objects).
    ListObjects,
    /// List Multipart Uploads.
    ListMultipartUploads,
    /// HEAD Bucket.
    HeadBucket,
    /// DELETE Multiple Objects.
    DeleteMultipleObjects,
    /// POST Object (browser form upload).
    PostObject,
    /// PUT Object.
    PutObject,
    /// PUT Object - Copy.
    CopyObject,
    /// GET Object.
    GetObject,
    /// HEAD Object.
    HeadObject,
    /// DELETE Object.
    DeleteObject,
    /// Initiate Multipart Upload.
    InitiateMultipartUpload,
    /// Upload Part.
    UploadPart,
    /// Upload Part - Copy.
    UploadPartCopy,
    /// List Parts.
    ListParts,
    /// Complete Multipart Upload.
    CompleteMultipartUpload,
    /// Abort Multipart Upload.
    AbortMultipartUpload,
    // buckets
    /// GET Service (every bucket of the account).
    GetService,
    /// PUT Bucket.
    PutBucket,
    /// DELETE Bucket.
    DeleteBucket,
    /// GET Bucket location.
    GetBucketLocation,
    /// PUT Bucket acl.
    PutBucketAcl,
    /// GET Bucket acl.
    GetBucketAcl,
    /// PUT Bucket tagging.
    PutBucketTagging,
    /// GET Bucket tagging.
    GetBucketTagging,
    /// DELETE Bucket tagging.
    DeleteBucketTagging,
    /// PUT Bucket cors.
    PutBucketCors,
    /// GET Bucket cors.
    GetBucketCors,
    /// DELETE Bucket cors.
    DeleteBucketCors,
    /// PUT Bucket policy.
    PutBucketPolicy,
    /// GET Bucket policy.
    GetBucketPolicy,
    /// DELETE Bucket policy.
    DeleteBucketPolicy,
    // end of buckets
    /// A bucket sub-resource or operation the emulator does not implement: 501.
    UnknownBucketOperation,
    /// An object sub-resource or operation the emulator does not implement: 501.
    UnknownObjectOperation,
    /// Any other method: 405.
    MethodNotAllowed,
}

/// What an operation must be authorized for before its handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// Nothing: answered to anybody (CORS preflight).
    Open,
    /// Only a valid signature (operations that are refused anyway).
    Signed,
    /// `name/cos:<action>` on `<bucket>/<key>`.
    Object(&'static str),
    /// `name/cos:<action>` on `<bucket>/` (the bucket itself).
    Bucket(&'static str),
    /// `name/cos:<action>` on `*` (GET Service: the account, no bucket).
    Service(&'static str),
    /// `name/cos:<action>` on `<bucket>/<prefix>` (listings scoped by `prefix`).
    Prefix(&'static str),
    /// `name/cos:PutObject` on the destination and `name/cos:GetObject` on the
    /// `x-cos-copy-source` (both copies).
    Copy,
    /// `name/cos:<action>` on each key the request document names.
    EachKey(&'static str),
    /// `name/cos:<action>` on the form's key, for the form's signer (the signature of
    /// POST Object is in the body, checked before the file is read).
    Form(&'static str),
}

impl Op {
    /// The authorization the operation needs.
    pub(crate) fn grant(self) -> Grant {
        match self {
            Op::Preflight => Grant::Open,
            Op::ListObjects => Grant::Prefix("GetBucket"),
            Op::ListMultipartUploads => Grant::Prefix("ListMultipartUploads"),
            Op::HeadBucket => Grant::Bucket("HeadBucket"),
            Op::DeleteMultipleObjects => Grant::EachKey("DeleteObject"),
            Op::PostObject => Grant::Form("PostObject"),
            Op::PutObject => Grant::Object("PutObject"),
            Op::CopyObject | Op::UploadPartCopy => Grant::Copy,
            Op::GetObject => Grant::Object("GetObject"),
            Op::HeadObject => Grant::Object("HeadObject"),
            Op::DeleteObject => Grant::Object("DeleteObject"),
            Op::InitiateMultipartUpload => Grant::Object("InitiateMultipartUpload"),
            Op::UploadPart => Grant::Object("UploadPart"),
            Op::ListParts => Grant::Object("ListParts"),
            Op::CompleteMultipartUpload => Grant::Object("CompleteMultipartUpload"),
            Op::AbortMultipartUpload => Grant::Object("AbortMultipartUpload"),
            // buckets
            Op::GetService => Grant::Service("GetService"),
            Op::PutBucket => Grant::Bucket("PutBucket"),
            Op::DeleteBucket => Grant::Bucket("DeleteBucket"),
            Op::GetBucketLocation => Grant::Bucket("GetBucketLocation"),
            Op::PutBucketAcl => Grant::Bucket("PutBucketACL"),
            Op::GetBucketAcl => Grant::Bucket("GetBucketACL"),
            Op::PutBucketTagging => Grant::Bucket("PutBucketTagging"),
            Op::GetBucketTagging => Grant::Bucket("GetBucketTagging"),
            Op::DeleteBucketTagging => Grant::Bucket("DeleteBucketTagging"),
            Op::PutBucketCors => Grant::Bucket("PutBucketCORS"),
            Op::GetBucketCors => Grant::Bucket("GetBucketCORS"),
            Op::DeleteBucketCors => Grant::Bucket("DeleteBucketCORS"),
            Op::PutBucketPolicy => Grant::Bucket("PutBucketPolicy"),
            Op::GetBucketPolicy => Grant::Bucket("GetBucketPolicy"),
            Op::DeleteBucketPolicy => Grant::Bucket("DeleteBucketPolicy"),
            Op::UnknownBucketOperation | Op::UnknownObjectOperation | Op::MethodNotAllowed => {
                Grant::Signed
            }
        }
    }

    /// Whether the operation names an object (its key is checked before authorization).
    pub(crate) fn is_object_level(self) -> bool {
        matches!(self.grant(), Grant::Object(_) | Grant::Copy) || self == Op::UnknownObjectOperation
    }
}

/// True when every query parameter is one of `allowed` or a signature/token/response-override
/// parameter (so sub-resources such as `?acl` are not mistaken for the plain operation).
fn is_plain(req: &Req, allowed: &[&str]) -> bool {
    req.query.iter().all(|(k, _)| {
        allowed.contains(&k.as_str())
            || k.starts_with("q-")
            || k.starts_with("response-")
            || k == "x-cos-security-token"
            || k == "x-ci-security-token"
    })
}

/// Recognises the operation of a routed request.
pub(crate) fn route(req: &Req) -> Op {
    if req.target.bucket.is_empty() {
        return service_route(req);
    }
    if req.method == Method::OPTIONS {
        return Op::Preflight;
    }
    if req.target.key.is_empty() {
        return bucket_route(req);
    }
    let part = req.has_q("partNumber") || req.has_q("uploadId");
    let copy = req.header("x-cos-copy-source").is_some();
    match req.method {
        Method::PUT if part && copy => Op::UploadPartCopy,
        Method::PUT if part => Op::UploadPart,
        Method::PUT if copy && is_plain(req, &[]) => Op::CopyObject,
        Method::PUT if is_plain(req, &[]) => Op::PutObject,
        Method::GET if req.has_q("uploadId") => Op::ListParts,
        Method::GET if is_plain(req, object::GET_PARAMS) => Op::GetObject,
        Method::HEAD if is_plain(req, object::GET_PARAMS) => Op::HeadObject,
        Method::DELETE if req.has_q("uploadId") => Op::AbortMultipartUpload,
        Method::DELETE if is_plain(req, &["versionId"]) => Op::DeleteObject,
        Method::POST if req.has_q("uploads") => Op::InitiateMultipartUpload,
        Method::POST if req.has_q("uploadId") => Op::CompleteMultipartUpload,
        Method::GET | Method::PUT | Method::POST | Method::DELETE | Method::HEAD => {
            Op::UnknownObjectOperation
        }
        _ => Op::MethodNotAllowed,
    }
}

// buckets
/// Requests to the service host (no bucket): GET Service only.
fn service_route(req: &Req) -> Op {
    let filters = [
        "tagkey",
        "tagvalue",
        "region",
        "create-time",
        "range",
        "marker",
        "max-keys",
    ];
    match req.method {
        Method::GET if is_plain(req, &filters) => Op::GetService,
        Method::GET => Op::UnknownBucketOperation,
        _ => Op::MethodNotAllowed,
    }
}

/// The bucket sub-resources `?acl`, `?tagging`, `?cors`, `?policy`, `?location`.
fn bucket_subresource_route(req: &Req) -> Option<Op> {
    let sub = ["acl", "tagging", "cors", "policy", "location"]
        .into_iter()
        .find(|s| req.has_q(s) && is_plain(req, &[s]))?;
    Some(match (sub, &req.method) {
        ("acl", &Method::PUT) => Op::PutBucketAcl,
        ("acl", &Method::GET) => Op::GetBucketAcl,
        ("tagging", &Method::PUT) => Op::PutBucketTagging,
        ("tagging", &Method::GET) => Op::GetBucketTagging,
        ("tagging", &Method::DELETE) => Op::DeleteBucketTagging,
        ("cors", &Method::PUT) => Op::PutBucketCors,
        ("cors", &Method::GET) => Op::GetBucketCors,
        ("cors", &Method::DELETE) => Op::DeleteBucketCors,
        ("policy", &Method::PUT) => Op::PutBucketPolicy,
        ("policy", &Method::GET) => Op::GetBucketPolicy,
        ("policy", &Method::DELETE) => Op::DeleteBucketPolicy,
        ("location", &Method::GET) => Op::GetBucketLocation,
        _ => Op::MethodNotAllowed,
    })
}
// end of buckets

fn bucket_route(req: &Req) -> Op {
    if let Some(op) = bucket_subresource_route(req) {
        return op;
    }
    let is_form = req
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"));
    match req.method {
        Method::POST if req.has_q("delete") => Op::DeleteMultipleObjects,
        Method::POST if is_form => Op::PostObject,
        Method::GET if req.has_q("uploads") => Op::ListMultipartUploads,
        Method::GET
            if is_plain(
                req,
                &["prefix", "delimiter", "marker", "max-keys", "encoding-type"],
            ) =>
        {
            Op::ListObjects
        }
        Method::HEAD => Op::HeadBucket,
        Method::PUT if is_plain(req, &[]) => Op::PutBucket,
        Method::DELETE if is_plain(req, &[]) => Op::DeleteBucket,
        Method::GET | Method::PUT | Method::DELETE => Op::UnknownBucketOperation,
        _ => Op::MethodNotAllowed,
    }
}

/// What the pipeline established before the handler runs.
pub(crate) struct Granted<'a> {
    /// The authenticated caller (`None` for open and form operations).
    pub(crate) caller: Option<&'a Identity>,
    /// The parsed and authorized `x-cos-copy-source` of a copy.
    pub(crate) copy_source: Option<copy::CopySource>,
    /// Authorizes the grant's action on one more key for the caller ([`Grant::EachKey`]).
    pub(crate) each_key: &'a (dyn Fn(&str) -> Result<(), CosError> + Sync),
    /// Judges a POST form ([`Grant::Form`]).
    pub(crate) form: &'a (dyn FormJudge + Sync),
}

/// Runs the handler of `op`.
pub(crate) async fn run(
    op: Op,
    state: &Arc<State>,
    req: &Req,
    granted: Granted<'_>,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let source = || {
        granted
            .copy_source
            .clone()
            .ok_or_else(|| CosError::internal("a copy ran without its authorized source"))
    };
    match op {
        Op::Preflight => cors::preflight(state, req),
        Op::ListObjects => bucket::list_objects(state, req),
        Op::ListMultipartUploads => multipart::list_uploads(state, req),
        Op::HeadBucket => bucket::head_bucket(state, req),
        Op::DeleteMultipleObjects => {
            bucket::delete_multiple(state, req, granted.each_key, body).await
        }
        Op::PostObject => post_object::handle(state, req, granted.form, body).await,
        Op::PutObject => object::put_object(state, req, body).await,
        Op::CopyObject => copy::copy_object(state, req, source()?).await,
        Op::GetObject => object::get_object(state, req, false),
        Op::HeadObject => object::get_object(state, req, true),
        Op::DeleteObject => object::delete_object(state, req),
        Op::InitiateMultipartUpload => {
            let initiator = granted
                .caller
                .map(|c| c.arn(&state.identities))
                .unwrap_or_default();
            multipart::initiate(state, req, &initiator)
        }
        Op::UploadPart => multipart::upload_part(state, req, body).await,
        Op::UploadPartCopy => part_copy::upload_part_copy(state, req, source()?).await,
        Op::ListParts => multipart::list_parts(state, req),
        Op::CompleteMultipartUpload => multipart::complete(state, req, body).await,
        Op::AbortMultipartUpload => multipart::abort(state, req),
        // buckets
        Op::GetService => buckets::get_service(state, req),
        Op::PutBucket => buckets::put_bucket(state, req, body).await,
        Op::DeleteBucket => buckets::delete_bucket(state, req),
        Op::GetBucketLocation => buckets::location(state, req),
        Op::PutBucketAcl => buckets::put_acl(state, req, body).await,
        Op::GetBucketAcl => buckets::get_acl(state, req),
        Op::PutBucketTagging => buckets::put_tagging(state, req, body).await,
        Op::GetBucketTagging => buckets::get_tagging(state, req),
        Op::DeleteBucketTagging => buckets::delete_tagging(state, req),
        Op::PutBucketCors => cors::put(state, req, body).await,
        Op::GetBucketCors => cors::get(state, req),
        Op::DeleteBucketCors => cors::delete(state, req),
        Op::PutBucketPolicy => buckets::put_policy(state, req, body).await,
        Op::GetBucketPolicy => buckets::get_policy(state, req),
        Op::DeleteBucketPolicy => buckets::delete_policy(state, req),
        Op::UnknownBucketOperation => Err(CosError::not_implemented("this bucket operation")),
        Op::UnknownObjectOperation => Err(CosError::not_implemented("this object operation")),
        Op::MethodNotAllowed => Err(CosError::method_not_allowed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_that_touches_data_names_an_action() {
        for op in [
            Op::ListObjects,
            Op::ListMultipartUploads,
            Op::HeadBucket,
            Op::DeleteMultipleObjects,
            Op::PostObject,
            Op::PutObject,
            Op::CopyObject,
            Op::GetObject,
            Op::HeadObject,
            Op::DeleteObject,
            Op::InitiateMultipartUpload,
            Op::UploadPart,
            Op::UploadPartCopy,
            Op::ListParts,
            Op::CompleteMultipartUpload,
            Op::AbortMultipartUpload,
            // buckets
            Op::GetService,
            Op::PutBucket,
            Op::DeleteBucket,
            Op::GetBucketLocation,
            Op::PutBucketAcl,
            Op::GetBucketAcl,
            Op::PutBucketTagging,
            Op::GetBucketTagging,
            Op::DeleteBucketTagging,
            Op::PutBucketCors,
            Op::GetBucketCors,
            Op::DeleteBucketCors,
            Op::PutBucketPolicy,
            Op::GetBucketPolicy,
            Op::DeleteBucketPolicy,
        ] {
            assert!(
                !matches!(op.grant(), Grant::Open | Grant::Signed),
                "{op:?} must be authorized for an action"
            );
        }
    }
}
