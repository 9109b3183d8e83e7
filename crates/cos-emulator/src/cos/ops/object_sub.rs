//! Object sub-resources: GET/PUT `?acl` and GET/PUT/DELETE `?tagging`.

use super::attrs::{self, ALL_USERS, GRANT_HEADERS};
use crate::cos::error::CosError;
use crate::cos::request::{Req, read_document};
use crate::cos::response::{io_error, xml_response};
use crate::cos::xml::{Xml, elements};
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use crate::storage::{ObjectAcl as Acl, ObjectAttrs, ObjectGrantee as Grantee, ObjectMeta};
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

/// GET Object ACL: the owner's FULL_CONTROL, what the canned ACL adds, the explicit grants.
pub(crate) fn get_acl(state: &State, req: &Req) -> Result<Response<ResBody>, CosError> {
    let meta = existing(state, req)?;
    let owner = state.identities.user_arn(&state.identities.owner_uin);
    let mut x = Xml::new();
    x.open("AccessControlPolicy")
        .open("Owner")
        .elem("ID", &owner)
        .elem("DisplayName", &owner)
        .close("Owner")
        .open("AccessControlList");
    let mut grants = vec![("FULL_CONTROL".to_string(), Grantee::Id(owner.clone()))];
    let acl = &meta.attrs.acl;
    if matches!(
        acl.canned.as_deref(),
        Some("public-read" | "public-read-write")
    ) {
        grants.push(("READ".into(), Grantee::Group(ALL_USERS.into())));
    }
    grants.extend(acl.grants.iter().cloned());
    for (permission, grantee) in &grants {
        x.open("Grant");
        match grantee {
            Grantee::Id(id) => {
                let id = full_id(state, id);
                x.open_with(
                    "Grantee",
                    r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser""#,
                )
                .elem("ID", &id)
                .elem("DisplayName", &id);
            }
            Grantee::Group(uri) => {
                x.open_with(
                    "Grantee",
                    r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group""#,
                )
                .elem("URI", uri);
            }
        }
        x.close("Grantee")
            .elem("Permission", permission)
            .close("Grant");
    }
    x.close("AccessControlList").close("AccessControlPolicy");
    let mut response = xml_response(x.finish());
    if let Some(canned) = &acl.canned {
        crate::cos::response::set_header(response.headers_mut(), "x-cos-acl", canned);
    }
    Ok(response)
}

/// A bare uin in a grant names a user of the account.
fn full_id(state: &State, id: &str) -> String {
    if id.starts_with("qcs::") {
        id.to_string()
    } else {
        state.identities.user_arn(id)
    }
}

/// PUT Object ACL: from the `x-cos-acl`/`x-cos-grant-*` headers or an
/// `AccessControlPolicy` document, never both.
pub(crate) async fn put_acl(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let from_headers = attrs::acl_from_headers(req)?;
    let document = read_document(state, body).await?;
    let acl = match (from_headers, document.is_empty()) {
        (Some(acl), true) => acl,
        (None, false) => acl_from_document(&document)?,
        (Some(_), false) => {
            return Err(CosError::invalid_argument(
                "Specify an ACL either in headers or in the request body, not both.",
            ));
        }
        (None, true) => {
            return Err(CosError::bad_request(
                "MissingRequestBodyError",
                "Request body is empty.",
            ));
        }
    };
    update(state, req, |a| {
        a.acl = acl;
        Ok(())
    })?;
    Ok(ok_empty())
}

/// The grants of an `AccessControlPolicy` document (the owner's own grant is implied).
fn acl_from_document(document: &[u8]) -> Result<Acl, CosError> {
    let elements = elements(document, MAX_ELEMENTS).ok_or_else(CosError::malformed_xml)?;
    let grant = "AccessControlPolicy/AccessControlList/Grant";
    let mut grants = Vec::new();
    let mut current: Option<(Option<Grantee>, Option<String>)> = None;
    let mut finish = |current: Option<(Option<Grantee>, Option<String>)>| match current {
        None => Ok(()),
        Some((Some(grantee), Some(permission))) => {
            let known = GRANT_HEADERS.iter().any(|(_, p)| *p == permission);
            if !known {
                return Err(CosError::invalid_argument("The ACL permission is invalid."));
            }
            grants.push((permission, grantee));
            Ok(())
        }
        Some(_) => Err(CosError::malformed_xml()),
    };
    for e in &elements {
        if e.path == grant {
            finish(current.take())?;
            current = Some((None, None));
            continue;
        }
        let (Some(rest), Some((grantee, permission))) =
            (e.path.strip_prefix(grant), current.as_mut())
        else {
            continue;
        };
        let text = e.text.clone().unwrap_or_default();
        match rest {
            "/Grantee/ID" => *grantee = Some(Grantee::Id(text)),
            "/Grantee/URI" => *grantee = Some(Grantee::Group(text)),
            "/Permission" => *permission = Some(text),
            _ => {}
        }
    }
    finish(current)?;
    Ok(Acl {
        canned: None,
        grants,
    })
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

    #[test]
    fn acl_documents() {
        let doc = br#"<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList>
            <Grant><Grantee xsi:type="CanonicalUser"><ID>qcs::cam::uin/1:uin/2</ID></Grantee><Permission>READ</Permission></Grant>
            <Grant><Grantee xsi:type="Group"><URI>http://cam.qcloud.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>
            </AccessControlList></AccessControlPolicy>"#;
        let acl = acl_from_document(doc).unwrap();
        assert_eq!(acl.grants.len(), 2);
        assert!(acl.is_public_read());
        let bad = br#"<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee><Permission>WRITE_ALL</Permission></Grant></AccessControlList></AccessControlPolicy>"#;
        assert!(acl_from_document(bad).is_err());
    }
}
