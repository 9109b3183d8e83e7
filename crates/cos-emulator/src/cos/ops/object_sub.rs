//! Object sub-resources: GET/PUT `?acl` and GET/PUT/DELETE `?tagging`.

use super::{acl, attrs};
use crate::cos::error::CosError;
use crate::cos::request::{Req, read_document};
use crate::cos::response::{io_error, xml_response};
use crate::cos::xml::Xml;
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use crate::storage::{Acl, ObjectAttrs, ObjectMeta};
use http::{Response, StatusCode};
use std::sync::Arc;

fn existing(state: &State, req: &Req) -> Result<Arc<ObjectMeta>, CosError> {
    state
        .store
        .head_object(&req.target.bucket, &req.target.key)
        .map_err(io_error)?
        .ok_or_else(CosError::no_such_key)
}

fn update(
    state: &State,
    req: &Req,
    change: impl FnOnce(&mut ObjectAttrs) -> Result<(), CosError>,
) -> Result<Arc<ObjectMeta>, CosError> {
    state
        .store
        .update_attrs(&req.target.bucket, &req.target.key, change)
        .map_err(io_error)?
        .ok_or_else(CosError::no_such_key)?
}

fn no_content() -> Response<ResBody> {
    let mut response = Response::new(body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

fn ok_empty() -> Response<ResBody> {
    let mut response = Response::new(body::empty());
    response
        .headers_mut()
        .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(0));
    response
}

/// GET Object ACL: the owner's FULL_CONTROL and the object's grants (none for `default`),
/// with the canned ACL they amount to in `x-cos-acl`.
pub(crate) fn get_acl(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let meta = existing(state, req)?;
    let owner = state.identities.user_arn(&state.identities.owner_uin);
    let own = meta.attrs.acl.as_ref();
    let mut response = xml_response(acl::to_xml(own.unwrap_or(&Acl::default()), &owner));
    crate::cos::response::set_header(response.headers_mut(), "x-cos-acl", acl::canned_of(own));
    Ok(response)
}

/// PUT Object ACL: from the `x-cos-acl`/`x-cos-grant-*` headers or an
/// `AccessControlPolicy` document, never both.
pub(crate) async fn put_acl(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let from_headers = acl::has_acl_headers(req);
    let document = read_document(state, body).await?;
    let new_acl = match (from_headers, document.is_empty()) {
        (true, true) => acl::object_acl(&|n| req.header(n))?,
        (false, false) => Some(acl::from_xml(&document)?),
        (true, false) => {
            return Err(CosError::invalid_argument(
                "Specify an ACL either in headers or in the request body, not both.",
            ));
        }
        (false, true) => {
            return Err(CosError::bad_request(
                "MissingRequestBodyError",
                "Request body is empty.",
            ));
        }
    };
    update(state, req, |a| {
        a.acl = new_acl;
        Ok(())
    })?;
    Ok(ok_empty())
}

/// GET Object tagging.
pub(crate) fn get_tagging(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let meta = existing(state, req)?;
    let mut x = Xml::new();
    x.open("Tagging").open("TagSet");
    for (k, v) in &meta.attrs.tags {
        x.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
    }
    x.close("TagSet").close("Tagging");
    Ok(xml_response(x.finish()))
}

/// PUT Object tagging: replaces the tag set.
pub(crate) async fn put_tagging(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let document = read_document(state, body).await?;
    let tags = attrs::tags_from_document(&document, attrs::TagOwner::Object)?;
    update(state, req, |a| {
        a.tags = tags;
        Ok(())
    })?;
    Ok(ok_empty())
}

/// DELETE Object tagging: 204.
pub(crate) fn delete_tagging(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    update(state, req, |a| {
        a.tags.clear();
        Ok(())
    })?;
    Ok(no_content())
}
