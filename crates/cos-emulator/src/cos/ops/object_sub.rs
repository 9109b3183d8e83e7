//! Object sub-resources: GET/PUT `?acl` and GET/PUT/DELETE `?tagging`.

use super::{acl, attrs};
use crate::cos::error::CosError;
use crate::cos::request::{Req, read_document};
use crate::cos::response::{io_error, xml_response};
use crate::cos::xml::{Xml, elements};
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use crate::storage::{Acl, ObjectAttrs, ObjectMeta};
use http::{Response, StatusCode};
use std::sync::Arc;

/// Most elements a tagging or ACL document may hold.
const MAX_ELEMENTS: usize = 200;

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
    let tags = tags_from_document(&document)?;
    update(state, req, |a| {
        a.tags = tags;
        Ok(())
    })?;
    Ok(ok_empty())
}

/// The tags of a `Tagging` document.
pub(crate) fn tags_from_document(document: &[u8]) -> Result<Vec<(String, String)>, CosError> {
    let elements = elements(document, MAX_ELEMENTS).ok_or_else(CosError::malformed_xml)?;
    let tag = "Tagging/TagSet/Tag";
    let mut tags: Vec<(Option<String>, Option<String>)> = Vec::new();
    if elements.first().map(|e| e.path.as_str()) != Some("Tagging") {
        return Err(CosError::malformed_xml());
    }
    for e in &elements {
        if e.path == tag {
            tags.push((None, None));
        } else if let (Some(rest), Some(last)) = (e.path.strip_prefix(tag), tags.last_mut()) {
            match rest {
                "/Key" => last.0 = e.text.clone(),
                "/Value" => last.1 = e.text.clone(),
                _ => return Err(CosError::malformed_xml()),
            }
        }
    }
    let tags = tags
        .into_iter()
        .map(|(k, v)| k.zip(v.or(Some(String::new()))))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(CosError::malformed_xml)?;
    attrs::check_tags(tags)
}

/// DELETE Object tagging: 204.
pub(crate) fn delete_tagging(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    update(state, req, |a| {
        a.tags.clear();
        Ok(())
    })?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagging_documents() {
        let doc = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>\
                    <Tag><Key>b&amp;c</Key><Value></Value></Tag></TagSet></Tagging>";
        assert_eq!(
            tags_from_document(doc).unwrap(),
            vec![("a".into(), "1".into()), ("b&c".into(), String::new())]
        );
        for bad in [
            &b"<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>"[..],
            b"<Other/>",
            b"<Tagging><TagSet><Tag><Key>a</Key><Bad>1</Bad></Tag></TagSet></Tagging>",
            b"<Tagging><TagSet>",
        ] {
            assert!(tags_from_document(bad).is_err());
        }
    }
}
