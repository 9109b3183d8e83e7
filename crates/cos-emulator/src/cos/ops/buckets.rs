//! The bucket itself: PUT/DELETE Bucket, GET Service, GET Bucket location, and the bucket
//! ACL, tagging and policy sub-resources. (CORS is in [`super::cors`]; HEAD Bucket and the
//! listings in [`super::bucket`].)

use super::acl;
use super::attrs::{self, TagOwner};
use crate::clock::iso8601_seconds;
use crate::cos::error::CosError;
use crate::cos::request::{Req, read_checked_document, read_required_document};
use crate::cos::response::{io_error, set_header, xml_response};
use crate::cos::xml::{Xml, parse_groups};
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use crate::storage::{BucketDeletion, BucketMeta};
use http::{Response, StatusCode};

/// Most buckets in one GET Service page (the Python SDK asks for 2000 by default).
const MAX_SERVICE_KEYS: usize = 2000;

/// The account's root identity, the owner of every bucket.
pub(crate) fn owner(state: &State) -> String {
    let uin = &state.identities.owner_uin;
    format!("qcs::cam::uin/{uin}:uin/{uin}")
}

fn no_content() -> Response<ResBody> {
    let mut response = Response::new(body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

fn ok_empty() -> Response<ResBody> {
    let mut response = Response::new(body::empty());
    set_header(response.headers_mut(), "content-length", "0");
    response
}

fn record(state: &State, req: &Req) -> Result<BucketMeta, CosError> {
    state
        .store
        .bucket_record(&req.target.bucket)
        .ok_or_else(CosError::no_such_bucket)
}

fn update(state: &State, req: &Req, change: impl FnOnce(&mut BucketMeta)) -> Result<(), CosError> {
    match state.store.update_bucket(&req.target.bucket, change) {
        Ok(true) => Ok(()),
        Ok(false) => Err(CosError::no_such_bucket()),
        Err(e) => Err(io_error(e)),
    }
}

/// PUT Bucket: creates the bucket named by the host (or path) with the request's ACL and
/// `x-cos-tagging` tags. 409 `BucketAlreadyOwnedByYou` when it exists.
pub(crate) async fn put_bucket(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let name = &req.target.bucket;
    let parsed: cos_policy::BucketName = name.parse().map_err(|e| {
        CosError::bad_request(
            "InvalidBucketName",
            format!("The specified bucket is not valid: {e}"),
        )
    })?;
    if parsed.appid().as_str() != state.cos.appid {
        return Err(CosError::new(
            StatusCode::CONFLICT,
            "BucketAlreadyExists",
            "The requested bucket name is not available: its APPID is not this account's.",
        ));
    }
    if state.store.has_bucket(name) {
        return Err(already_owned());
    }
    let acl = acl::from_headers(req, acl::BUCKET_CANNED)?;
    let tags = match req.header("x-cos-tagging") {
        Some(header) => attrs::parse_tagging(header, TagOwner::Bucket)?,
        None => Vec::new(),
    };
    let doc = read_checked_document(state, req, body).await?;
    check_create_configuration(&doc)?;
    let mut meta = BucketMeta::new(name, state.clock.unix_millis());
    meta.acl = acl;
    meta.tags = tags;
    if !state.store.create_bucket(meta).map_err(io_error)? {
        return Err(already_owned());
    }
    Ok(ok_empty())
}

fn already_owned() -> CosError {
    CosError::new(
        StatusCode::CONFLICT,
        "BucketAlreadyOwnedByYou",
        "Your previous request to create the named bucket succeeded and you already own it.",
    )
}

/// An empty body or an empty `CreateBucketConfiguration`; multi-AZ and archive options are
/// not emulated, so a configuration with any setting is 501, never silently ignored.
fn check_create_configuration(doc: &[u8]) -> Result<(), CosError> {
    if doc.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let (root, settings) =
        parse_groups(doc, "CreateBucketConfiguration", 1).ok_or_else(CosError::malformed_xml)?;
    if root != "CreateBucketConfiguration" {
        return Err(CosError::malformed_xml());
    }
    if settings.iter().any(|s| !s.is_empty()) {
        return Err(CosError::not_implemented(
            "PUT Bucket with a CreateBucketConfiguration (multi-AZ or archive buckets)",
        ));
    }
    Ok(())
}

/// DELETE Bucket: 204; 409 `BucketNotEmpty` while objects or multipart uploads remain.
pub(crate) fn delete_bucket(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    match state
        .store
        .delete_bucket(&req.target.bucket)
        .map_err(io_error)?
    {
        BucketDeletion::Deleted => Ok(no_content()),
        BucketDeletion::Missing => Err(CosError::no_such_bucket()),
        BucketDeletion::NotEmpty => Err(CosError::new(
            StatusCode::CONFLICT,
            "BucketNotEmpty",
            "The bucket you tried to delete is not empty.",
        )),
    }
}

/// GET Bucket location.
pub(crate) fn location(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    record(state, req)?;
    let mut x = Xml::new();
    x.elem("LocationConstraint", &state.cos.region);
    Ok(xml_response(x.finish()))
}

/// The region a service host names (`cos.<region>.myqcloud.com`), if any.
fn host_region(host: &str) -> Option<&str> {
    let mut labels = host.split('.');
    (labels.next() == Some("cos"))
        .then(|| labels.next())
        .flatten()
}

/// Which buckets a GET Service request asks for.
struct ServiceFilter<'a> {
    region: Option<&'a str>,
    tag: Option<(&'a str, &'a str)>,
    created: Option<(&'a str, u64)>,
}

impl ServiceFilter<'_> {
    fn admits(&self, bucket: &BucketMeta, region: &str) -> bool {
        if self.region.is_some_and(|r| r != region) {
            return false;
        }
        if let Some((k, v)) = self.tag
            && !bucket.tags.iter().any(|(tk, tv)| tk == k && tv == v)
        {
            return false;
        }
        if let Some((range, at)) = self.created {
            let created = bucket.created_ms / 1000;
            let admitted = match range {
                "lt" => created < at,
                "gt" => created > at,
                "lte" => created <= at,
                _ => created >= at,
            };
            if !admitted {
                return false;
            }
        }
        true
    }
}

/// GET Service: the account's buckets in name order, filtered by the service host's
/// region and the `region`, `tagkey`/`tagvalue` and `create-time`/`range` parameters, one
/// page of `max-keys` after `marker`.
pub(crate) fn get_service(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let host = req.target.host.split(':').next().unwrap_or_default();
    // SDKs send unset filters as empty parameters: those filter nothing.
    let param = |name: &str| req.q(name).filter(|v| !v.is_empty());
    let param_region = param("region");
    let host_region = host_region(host);
    if let (Some(a), Some(b)) = (param_region, host_region)
        && a != b
    {
        return Err(CosError::invalid_argument(
            "The region parameter differs from the region of the service host.",
        ));
    }
    let tag = match (param("tagkey"), param("tagvalue")) {
        (None, None) => None,
        (Some(k), Some(v)) => Some((k, v)),
        _ => {
            return Err(CosError::invalid_argument(
                "tagkey and tagvalue must be given together.",
            ));
        }
    };
    let created = match (param("create-time"), param("range")) {
        (None, None) => None,
        (Some(t), Some(range)) if ["lt", "gt", "lte", "gte"].contains(&range) => {
            let at = t.parse::<u64>().map_err(|_| {
                CosError::invalid_argument("create-time must be a Unix timestamp in seconds.")
            })?;
            Some((range, at))
        }
        _ => {
            return Err(CosError::invalid_argument(
                "create-time and range (lt, gt, lte or gte) must be given together.",
            ));
        }
    };
    let filter = ServiceFilter {
        region: param_region.or(host_region),
        tag,
        created,
    };
    let marker = req.q("marker").unwrap_or_default();
    let max_keys = match req.q("max-keys") {
        None | Some("") => MAX_SERVICE_KEYS,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_SERVICE_KEYS).contains(n))
            .ok_or_else(|| {
                CosError::invalid_argument(format!(
                    "max-keys must be an integer between 1 and {MAX_SERVICE_KEYS}."
                ))
            })?,
    };
    let region = &state.cos.region;
    let mut admitted = state
        .store
        .bucket_records()
        .into_iter()
        .filter(|b| b.name.as_str() > marker && filter.admits(b, region));
    let page: Vec<BucketMeta> = admitted.by_ref().take(max_keys).collect();
    let truncated = admitted.next().is_some();
    let owner = owner(state);
    let mut x = Xml::new();
    x.open("ListAllMyBucketsResult")
        .open("Owner")
        .elem("ID", &owner)
        .elem("DisplayName", &state.identities.owner_uin)
        .close("Owner")
        .open("Buckets");
    for b in &page {
        x.open("Bucket")
            .elem("Name", &b.name)
            .elem("Location", region)
            .elem("CreationDate", &iso8601_seconds(b.created_ms / 1000))
            .elem("BucketType", "cos")
            .close("Bucket");
    }
    x.close("Buckets")
        .elem("Marker", marker)
        .elem("IsTruncated", if truncated { "true" } else { "false" });
    if truncated && let Some(last) = page.last() {
        x.elem("NextMarker", &last.name);
    }
    x.elem("MaxKeys", &max_keys.to_string())
        .close("ListAllMyBucketsResult");
    Ok(xml_response(x.finish()))
}

/// PUT Bucket acl: from `x-cos-acl`/`x-cos-grant-*` headers, else from the document.
pub(crate) async fn put_acl(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let doc = read_checked_document(state, req, body).await?;
    let new_acl = if acl::has_acl_headers(req) {
        acl::from_headers(req, acl::BUCKET_CANNED)?
    } else if doc.is_empty() {
        return Err(CosError::bad_request(
            "MissingRequestBodyError",
            "Request Body is empty.",
        ));
    } else {
        acl::from_xml(&doc)?
    };
    update(state, req, |b| b.acl = new_acl)?;
    Ok(ok_empty())
}

/// GET Bucket acl.
pub(crate) fn get_acl(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let meta = record(state, req)?;
    Ok(xml_response(acl::to_xml(&meta.acl, &owner(state))))
}

/// PUT Bucket tagging.
pub(crate) async fn put_tagging(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let doc = read_required_document(state, req, body).await?;
    let tags = attrs::tags_from_document(&doc, TagOwner::Bucket)?;
    update(state, req, |b| b.tags = tags)?;
    Ok(no_content())
}

/// GET Bucket tagging: 404 `NoSuchTagSet` without tags.
pub(crate) fn get_tagging(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let meta = record(state, req)?;
    if meta.tags.is_empty() {
        return Err(CosError::new(
            StatusCode::NOT_FOUND,
            "NoSuchTagSet",
            "There is no tag set associated with the bucket.",
        ));
    }
    let mut x = Xml::new();
    x.open("Tagging").open("TagSet");
    for (k, v) in &meta.tags {
        x.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
    }
    x.close("TagSet").close("Tagging");
    Ok(xml_response(x.finish()))
}

/// DELETE Bucket tagging: 204.
pub(crate) fn delete_tagging(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    update(state, req, |b| b.tags.clear())?;
    Ok(no_content())
}

/// PUT Bucket policy: a CAM policy document with principals, parsed by `cos-policy` (the
/// same parser the evaluation uses); every statement must name a principal.
pub(crate) async fn put_policy(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let doc = read_checked_document(state, req, body).await?;
    let text = std::str::from_utf8(&doc)
        .map_err(|_| malformed_policy("the policy is not UTF-8".to_string()))?;
    let policy =
        cos_policy::Policy::from_json(text).map_err(|e| malformed_policy(e.to_string()))?;
    if policy.statements().is_empty() {
        return Err(malformed_policy("the policy has no statement".to_string()));
    }
    let every_statement_names_a_principal = policy
        .statements()
        .iter()
        .all(|s| s.principal().is_some() || policy.principal().is_some());
    if !every_statement_names_a_principal {
        return Err(malformed_policy(
            "every statement of a bucket policy needs a principal".to_string(),
        ));
    }
    let stored = text.to_string();
    update(state, req, |b| b.policy = Some(stored))?;
    Ok(no_content())
}

fn malformed_policy(reason: String) -> CosError {
    CosError::bad_request(
        "MalformedPolicy",
        format!("The policy is malformed: {reason}."),
    )
}

/// GET Bucket policy: the document as stored; 404 `NoSuchPolicy` without one.
pub(crate) fn get_policy(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let meta = record(state, req)?;
    let Some(policy) = meta.policy else {
        return Err(CosError::new(
            StatusCode::NOT_FOUND,
            "NoSuchPolicy",
            "The specified bucket policy does not exist.",
        ));
    };
    let len = policy.len();
    let mut response = Response::new(body::full(policy));
    set_header(response.headers_mut(), "content-type", "application/json");
    set_header(response.headers_mut(), "content-length", &len.to_string());
    Ok(response)
}

/// DELETE Bucket policy: 204.
pub(crate) fn delete_policy(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    update(state, req, |b| b.policy = None)?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_host_regions() {
        assert_eq!(
            host_region("cos.ap-beijing.myqcloud.com"),
            Some("ap-beijing")
        );
        assert_eq!(host_region("service.cos.myqcloud.com"), None);
    }

    #[test]
    fn create_configuration() {
        assert!(check_create_configuration(b"").is_ok());
        assert!(check_create_configuration(b"<CreateBucketConfiguration/>").is_ok());
        let maz = b"<CreateBucketConfiguration><BucketAZConfig>MAZ</BucketAZConfig></CreateBucketConfiguration>";
        assert_eq!(
            check_create_configuration(maz).unwrap_err().code,
            "NotImplemented"
        );
        assert!(check_create_configuration(b"<Other/>").is_err());
    }
}
