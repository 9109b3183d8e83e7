//! The one table of COS operations: how a request is recognised ([`route`]), what CAM
//! action it needs on which resource ([`Op::grant`]), and which handler serves it
//! ([`run`]). The pipeline ([`super::handle`]) authorizes every operation from this
//! table, POST Object and both copies included, before its handler runs.

use super::error::CosError;
use super::feature_headers::{
    ACL_HEADERS, BUCKET_ACL_HEADERS, COMMON_HEADERS, COPY_SOURCE_HEADERS, NEW_OBJECT_HEADERS,
    SSE_C_HEADERS, SSE_COS_HEADERS, is_cos_feature_header, matches_any,
};
use super::ops::post_object::FormJudge;
use super::ops::{
    append, bucket, buckets, copy, cors, multipart, object, object_sub, part_copy, post_object,
};
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
    // objects
    /// APPEND Object.
    AppendObject,
    /// GET Object ACL.
    GetObjectAcl,
    /// PUT Object ACL.
    PutObjectAcl,
    /// GET Object tagging.
    GetObjectTagging,
    /// PUT Object tagging.
    PutObjectTagging,
    /// DELETE Object tagging.
    DeleteObjectTagging,
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
            // objects
            Op::AppendObject => Grant::Object("AppendObject"),
            Op::GetObjectAcl => Grant::Object("GetObjectACL"),
            Op::PutObjectAcl => Grant::Object("PutObjectACL"),
            Op::GetObjectTagging => Grant::Object("GetObjectTagging"),
            Op::PutObjectTagging => Grant::Object("PutObjectTagging"),
            Op::DeleteObjectTagging => Grant::Object("DeleteObjectTagging"),
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

/// `x-cos-forbid-overwrite`: create-only writes (409 `FileAlreadyExists`).
const FORBID_OVERWRITE: &[&str] = &["x-cos-forbid-overwrite"];

impl Op {
    /// The groups of `x-cos-*` request headers the operation implements (besides
    /// [`COMMON_HEADERS`]); `None`: the operation answers an error whatever it is sent.
    pub(crate) fn headers(self) -> Option<&'static [&'static [&'static str]]> {
        Some(match self {
            Op::PutObject | Op::InitiateMultipartUpload => &[
                ACL_HEADERS,
                NEW_OBJECT_HEADERS,
                SSE_COS_HEADERS,
                SSE_C_HEADERS,
                FORBID_OVERWRITE,
            ],
            Op::CopyObject => &[
                ACL_HEADERS,
                NEW_OBJECT_HEADERS,
                SSE_COS_HEADERS,
                SSE_C_HEADERS,
                COPY_SOURCE_HEADERS,
                &["x-cos-metadata-directive", "x-cos-tagging-directive"],
            ],
            Op::GetObject | Op::HeadObject | Op::UploadPart => &[SSE_C_HEADERS],
            Op::UploadPartCopy => &[
                SSE_C_HEADERS,
                COPY_SOURCE_HEADERS,
                &["x-cos-copy-source-range"],
            ],
            Op::AppendObject => &[ACL_HEADERS, NEW_OBJECT_HEADERS],
            Op::PutObjectAcl => &[ACL_HEADERS],
            Op::PostObject | Op::CompleteMultipartUpload => &[FORBID_OVERWRITE],
            Op::PutBucket => &[BUCKET_ACL_HEADERS, &["x-cos-tagging"]],
            Op::PutBucketAcl => &[BUCKET_ACL_HEADERS],
            Op::ListObjects
            | Op::ListMultipartUploads
            | Op::HeadBucket
            | Op::DeleteMultipleObjects
            | Op::DeleteObject
            | Op::ListParts
            | Op::AbortMultipartUpload
            | Op::GetObjectAcl
            | Op::GetObjectTagging
            | Op::PutObjectTagging
            | Op::DeleteObjectTagging
            | Op::GetService
            | Op::DeleteBucket
            | Op::GetBucketLocation
            | Op::GetBucketAcl
            | Op::PutBucketTagging
            | Op::GetBucketTagging
            | Op::DeleteBucketTagging
            | Op::PutBucketCors
            | Op::GetBucketCors
            | Op::DeleteBucketCors
            | Op::PutBucketPolicy
            | Op::GetBucketPolicy
            | Op::DeleteBucketPolicy => &[],
            Op::Preflight
            | Op::UnknownBucketOperation
            | Op::UnknownObjectOperation
            | Op::MethodNotAllowed => return None,
        })
    }

    /// Whether the operation implements `x-cos-*` request header `name` (lower-case).
    pub(crate) fn implements_header(self, name: &str) -> bool {
        matches_any(COMMON_HEADERS, name)
            || self
                .headers()
                .is_none_or(|groups| groups.iter().any(|g| matches_any(g, name)))
    }
}

/// Nothing silently dropped: a COS feature header (`x-cos-*`) the operation does not
/// implement is answered 501 `NotImplemented`, never ignored.
pub(crate) fn check_headers(op: Op, req: &Req) -> Result<(), CosError> {
    match req
        .headers
        .keys()
        .map(http::HeaderName::as_str)
        .find(|name| is_cos_feature_header(name) && !op.implements_header(name))
    {
        Some(name) => Err(CosError::not_implemented(&format!(
            "the {name} header on this operation"
        ))),
        None => Ok(()),
    }
}

/// True when every query parameter is one of `allowed` or a signature/token/response-override
/// parameter (so sub-resources such as `?acl` are not mistaken for the plain operation).
fn is_plain(req: &Req, allowed: &[&str]) -> bool {
    req.query
        .iter()
        .all(|(k, _)| allowed.contains(&k.as_str()) || is_signature_or_override(k))
}

/// A signature, token or response-override parameter, allowed beside any operation's own.
fn is_signature_or_override(k: &str) -> bool {
    k.starts_with("q-")
        || k.starts_with("response-")
        || k == "x-cos-security-token"
        || k == "x-ci-security-token"
}

/// True when the request names sub-resource `name` and otherwise only `also` and the
/// parameters [`is_plain`] allows.
fn is_sub(req: &Req, name: &str, also: &[&str]) -> bool {
    req.has_q(name)
        && req
            .query
            .iter()
            .all(|(k, _)| k == name || also.contains(&k.as_str()) || is_signature_or_override(k))
}

/// Object sub-resources and data-processing parameters COS implements (the part of a
/// name before `/`, as in `imageMogr2/thumbnail/100x`): a GET or HEAD naming one is that
/// operation, not a plain read.
const OBJECT_SUBRESOURCES: &[&str] = &[
    "acl",
    "tagging",
    "append",
    "uploads",
    "uploadId",
    "partNumber",
    "restore",
    "select",
    "symlink",
    "torrent",
    "versions",
    "retention",
    "legal-hold",
    "ci-process",
    "imageMogr2",
    "imageView2",
    "imageInfo",
    "imageAve",
    "imageSlim",
    "exif",
    "watermark",
];

/// A plain GET or HEAD Object: no parameter names a COS sub-resource or processing.
/// Parameters COS does not know are ignored, as COS ignores them: the Node SDK's own
/// suite reads an object through a signed URL carrying `?a=1` and through one carrying a
/// parameter made of punctuation, and expects 200 with the object's bytes both times.
fn is_read(req: &Req) -> bool {
    req.query.iter().all(|(k, _)| {
        let name = k.split('/').next().unwrap_or_default();
        object::GET_PARAMS.contains(&k.as_str())
            || is_signature_or_override(k)
            || !OBJECT_SUBRESOURCES.contains(&name)
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
        Method::GET if is_read(req) => Op::GetObject,
        Method::HEAD if is_read(req) => Op::HeadObject,
        Method::DELETE if req.has_q("uploadId") => Op::AbortMultipartUpload,
        Method::DELETE if is_plain(req, &["versionId"]) => Op::DeleteObject,
        Method::POST if req.has_q("uploads") => Op::InitiateMultipartUpload,
        Method::POST if req.has_q("uploadId") => Op::CompleteMultipartUpload,
        // objects
        Method::POST if is_sub(req, "append", &["position"]) => Op::AppendObject,
        Method::GET if is_sub(req, "acl", &[]) => Op::GetObjectAcl,
        Method::PUT if is_sub(req, "acl", &[]) => Op::PutObjectAcl,
        Method::GET if is_sub(req, "tagging", &["versionId"]) => Op::GetObjectTagging,
        Method::PUT if is_sub(req, "tagging", &["versionId"]) => Op::PutObjectTagging,
        Method::DELETE if is_sub(req, "tagging", &["versionId"]) => Op::DeleteObjectTagging,
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
        // objects
        Op::AppendObject => append::append(state, req, body).await,
        Op::GetObjectAcl => object_sub::get_acl(state, req),
        Op::PutObjectAcl => object_sub::put_acl(state, req, body).await,
        Op::GetObjectTagging => object_sub::get_tagging(state, req),
        Op::PutObjectTagging => object_sub::put_tagging(state, req, body).await,
        Op::DeleteObjectTagging => object_sub::delete_tagging(state, req),
        Op::UnknownBucketOperation => Err(CosError::not_implemented("this bucket operation")),
        Op::UnknownObjectOperation => Err(CosError::not_implemented("this object operation")),
        Op::MethodNotAllowed => Err(CosError::method_not_allowed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A routed request for tests: `method /<key>?<query>` on the default bucket.
    pub(crate) fn req(method: &str, key: &str, query: &str, headers: &[(&str, &str)]) -> Req {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("/{key}?{query}"));
        for (n, v) in headers {
            builder = builder.header(*n, *v);
        }
        let (parts, ()) = builder.body(()).expect("request").into_parts();
        Req {
            method: parts.method.clone(),
            target: super::super::route::Target {
                bucket: "b-1250000000".into(),
                key: key.into(),
                host: "127.0.0.1".into(),
                signed_path: format!("/{key}"),
            },
            query: super::super::route::parse_query(Some(query)).expect("query"),
            headers: parts.headers.clone(),
            parts,
            remote: ([127, 0, 0, 1], 1).into(),
        }
    }

    /// One request of each operation, so that a new operation must get a sample here
    /// (the match is exhaustive) and is walked by the tests below.
    fn sample(op: Op) -> Req {
        let copy = [(
            "x-cos-copy-source",
            "b-1250000000.cos.ap-guangzhou.myqcloud.com/s",
        )];
        let form = [("content-type", "multipart/form-data; boundary=x")];
        match op {
            Op::Preflight => req("OPTIONS", "k", "", &[]),
            Op::ListObjects => req("GET", "", "prefix=a", &[]),
            Op::ListMultipartUploads => req("GET", "", "uploads", &[]),
            Op::HeadBucket => req("HEAD", "", "", &[]),
            Op::DeleteMultipleObjects => req("POST", "", "delete", &[]),
            Op::PostObject => req("POST", "", "", &form),
            Op::PutObject => req("PUT", "k", "", &[]),
            Op::CopyObject => req("PUT", "k", "", &copy),
            Op::GetObject => req("GET", "k", "", &[]),
            Op::HeadObject => req("HEAD", "k", "", &[]),
            Op::DeleteObject => req("DELETE", "k", "", &[]),
            Op::InitiateMultipartUpload => req("POST", "k", "uploads", &[]),
            Op::UploadPart => req("PUT", "k", "partNumber=1&uploadId=u", &[]),
            Op::UploadPartCopy => req("PUT", "k", "partNumber=1&uploadId=u", &copy),
            Op::ListParts => req("GET", "k", "uploadId=u", &[]),
            Op::CompleteMultipartUpload => req("POST", "k", "uploadId=u", &[]),
            Op::AbortMultipartUpload => req("DELETE", "k", "uploadId=u", &[]),
            Op::UnknownBucketOperation => req("GET", "", "logging", &[]),
            Op::UnknownObjectOperation => req("POST", "k", "restore", &[]),
            Op::MethodNotAllowed => req("PATCH", "k", "", &[]),
            // objects
            Op::AppendObject => req("POST", "k", "append&position=0", &[]),
            Op::GetObjectAcl => req("GET", "k", "acl", &[]),
            Op::PutObjectAcl => req("PUT", "k", "acl", &[]),
            Op::GetObjectTagging => req("GET", "k", "tagging", &[]),
            Op::PutObjectTagging => req("PUT", "k", "tagging", &[]),
            Op::DeleteObjectTagging => req("DELETE", "k", "tagging", &[]),
            // buckets
            Op::GetService => {
                let mut r = req("GET", "", "", &[]);
                r.target.bucket.clear();
                r
            }
            Op::PutBucket => req("PUT", "", "", &[]),
            Op::DeleteBucket => req("DELETE", "", "", &[]),
            Op::GetBucketLocation => req("GET", "", "location", &[]),
            Op::PutBucketAcl => req("PUT", "", "acl", &[]),
            Op::GetBucketAcl => req("GET", "", "acl", &[]),
            Op::PutBucketTagging => req("PUT", "", "tagging", &[]),
            Op::GetBucketTagging => req("GET", "", "tagging", &[]),
            Op::DeleteBucketTagging => req("DELETE", "", "tagging", &[]),
            Op::PutBucketCors => req("PUT", "", "cors", &[]),
            Op::GetBucketCors => req("GET", "", "cors", &[]),
            Op::DeleteBucketCors => req("DELETE", "", "cors", &[]),
            Op::PutBucketPolicy => req("PUT", "", "policy", &[]),
            Op::GetBucketPolicy => req("GET", "", "policy", &[]),
            Op::DeleteBucketPolicy => req("DELETE", "", "policy", &[]),
        }
    }

    /// Every operation, in table order.
    pub(crate) const ALL: [Op; 41] = [
        Op::Preflight,
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
        Op::UnknownBucketOperation,
        Op::UnknownObjectOperation,
        Op::MethodNotAllowed,
        Op::AppendObject,
        Op::GetObjectAcl,
        Op::PutObjectAcl,
        Op::GetObjectTagging,
        Op::PutObjectTagging,
        Op::DeleteObjectTagging,
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
    ];

    #[test]
    fn every_sample_routes_to_its_operation() {
        for op in ALL {
            assert_eq!(route(&sample(op)), op);
        }
    }

    /// The `x-cos-*` request headers the official SDKs send (tests/data, extracted from
    /// their published packages); a `*` suffix becomes a sample name.
    fn sdk_headers() -> Vec<String> {
        include_str!("../../tests/data/sdk-request-headers.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_whitespace().next())
            .map(|h| h.replace('*', "sample"))
            .collect()
    }

    #[test]
    fn every_sdk_header_is_implemented_or_answered_not_implemented_by_every_operation() {
        let headers = sdk_headers();
        assert!(headers.len() > 30, "the data file lost its headers");
        for op in ALL {
            for header in &headers {
                let base = sample(op);
                let mut with: Vec<(&str, &str)> = Vec::new();
                let sample_headers: Vec<(String, String)> = base
                    .headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                for (n, v) in &sample_headers {
                    with.push((n, v));
                }
                with.push((header, "v"));
                let query: Vec<String> = base
                    .query
                    .iter()
                    .map(|(k, v)| {
                        if v.is_empty() {
                            k.clone()
                        } else {
                            format!("{k}={v}")
                        }
                    })
                    .collect();
                let mut r = req(
                    base.method.as_str(),
                    &base.target.key,
                    &query.join("&"),
                    &with,
                );
                r.target.bucket.clone_from(&base.target.bucket);
                let op_now = route(&r);
                if header == "x-cos-copy-source" {
                    continue; // it chooses the operation (a copy) rather than modifying one
                }
                assert_eq!(op_now, op, "{header} changed the routing of {op:?}");
                assert!(
                    is_cos_feature_header(header) || matches_any(COMMON_HEADERS, header),
                    "{header} is sent by an SDK but not known as a COS feature"
                );
                match check_headers(op, &r) {
                    Ok(()) => assert!(op.implements_header(header), "{op:?} {header}"),
                    Err(e) => {
                        assert!(!op.implements_header(header));
                        assert_eq!(
                            e.status,
                            http::StatusCode::NOT_IMPLEMENTED,
                            "{op:?} {header}"
                        );
                        assert_eq!(e.code, "NotImplemented");
                    }
                }
            }
        }
    }

    #[test]
    fn unknown_parameters_read_the_object_known_sub_resources_do_not() {
        for query in ["a=1", "v=2&x", "q-sign-algorithm=sha1&foo"] {
            assert_eq!(
                route(&req("GET", "k", query, &[])),
                Op::GetObject,
                "{query}"
            );
            assert_eq!(
                route(&req("HEAD", "k", query, &[])),
                Op::HeadObject,
                "{query}"
            );
        }
        for query in [
            "symlink",
            "a=1&restore",
            "imageMogr2/thumbnail/100x",
            "ci-process=x",
        ] {
            assert_eq!(
                route(&req("GET", "k", query, &[])),
                Op::UnknownObjectOperation,
                "{query}"
            );
        }
        assert_eq!(
            route(&req("GET", "k", "acl&a=1", &[])),
            Op::UnknownObjectOperation
        );
    }

    /// Routes a fidelity-table sample: `METHOD /path?query [copy|form]`.
    fn sample_request(sample: &str) -> Req {
        let mut words = sample.split_whitespace();
        let method = words.next().expect("method");
        let target = words.next().expect("path");
        let mut service = false;
        let extra: &[(&str, &str)] = match words.next() {
            None => &[],
            Some("service") => {
                service = true;
                &[]
            }
            Some("copy") => &[(
                "x-cos-copy-source",
                "b-1250000000.cos.ap-guangzhou.myqcloud.com/s",
            )],
            Some("form") => &[("content-type", "multipart/form-data; boundary=x")],
            Some(other) => panic!("unknown sample marker {other}"),
        };
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut r = req(method, path.trim_start_matches('/'), query, extra);
        if service {
            r.target.bucket.clear();
        }
        r
    }

    #[test]
    fn fidelity_table_matches_the_operation_table() {
        let doc = include_str!("../../../../docs/emulator-fidelity.md");
        let mut documented = Vec::new();
        for line in doc.lines().filter(|l| l.starts_with("| ")) {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let [api, sample, _action, status, operation] = cells.as_slice() else {
                continue;
            };
            let Some(sample) = sample.strip_prefix('`').and_then(|s| s.strip_suffix('`')) else {
                continue;
            };
            let op = route(&sample_request(sample));
            let actual = match op {
                Op::UnknownBucketOperation | Op::UnknownObjectOperation | Op::MethodNotAllowed => {
                    "501"
                }
                _ => "implemented",
            };
            assert_eq!(*status, actual, "{api}: `{sample}` routes to {op:?}");
            if actual != "501" {
                assert_eq!(*operation, format!("{op:?}"), "{api}");
                documented.push(op);
            }
        }
        assert!(documented.len() > 20, "the fidelity table lost its rows");
        for op in ALL {
            let answers_501 = matches!(
                op,
                Op::UnknownBucketOperation | Op::UnknownObjectOperation | Op::MethodNotAllowed
            );
            assert!(
                answers_501 || documented.contains(&op),
                "{op:?} has no row in docs/emulator-fidelity.md"
            );
        }
    }

    #[test]
    fn headers_that_name_no_cos_feature_pass_as_on_cos() {
        let r = req("PUT", "k", "", &[("x-cos-test", "test")]);
        assert!(check_headers(route(&r), &r).is_ok());
        let r = req("GET", "k", "", &[("x-cos-grant-anything", "x")]);
        assert_eq!(
            check_headers(route(&r), &r).unwrap_err().code,
            "NotImplemented"
        );
    }

    #[test]
    fn sdk_headers_no_operation_implements_are_the_known_ones() {
        let nowhere: Vec<String> = sdk_headers()
            .into_iter()
            .filter(|h| {
                !ALL.iter()
                    .any(|op| op.headers().is_some() && op.implements_header(h))
            })
            .collect();
        assert_eq!(
            nowhere,
            [
                "x-cos-server-side-encryption-cos-kms-key-id",
                "x-cos-server-side-encryption-context",
                "x-cos-traffic-limit",
                "x-cos-mime-limit",
                "x-cos-mfa",
                "x-cos-callback",
                "x-cos-callback-var",
                "x-cos-symlink-target",
            ],
            "update docs/emulator-fidelity.md's header list with this change"
        );
    }

    #[test]
    fn every_operation_that_touches_data_names_an_action() {
        for op in ALL.into_iter().filter(|op| {
            !matches!(
                op,
                Op::Preflight
                    | Op::UnknownBucketOperation
                    | Op::UnknownObjectOperation
                    | Op::MethodNotAllowed
            )
        }) {
            assert!(
                !matches!(op.grant(), Grant::Open | Grant::Signed),
                "{op:?} must be authorized for an action"
            );
        }
    }
}
