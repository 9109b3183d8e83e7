//! The COS XML API: routing, operations and responses.

mod bucket;
pub(crate) mod copy;
mod cors;
pub(crate) mod error;
pub(crate) mod headers;
mod multipart;
mod object;
pub(crate) mod part_copy;
pub(crate) mod route;
pub(crate) mod xml;

pub(crate) use object::store_new_object;

use crate::auth::{self, Caller};
use crate::body::{self, ResBody};
use crate::faults::Fault;
use crate::state::State;
use error::CosError;
use http::{HeaderMap, HeaderValue, Method, Request, Response};
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;

/// A routed COS request.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) target: route::Target,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) parts: http::request::Parts,
    pub(crate) remote: SocketAddr,
}

impl Req {
    /// A query parameter.
    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a query parameter is present (with or without a value).
    pub(crate) fn has_q(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        headers::header(&self.headers, name)
    }

    /// `bucket/key` for error `Resource` elements.
    pub(crate) fn resource(&self) -> String {
        format!("{}/{}", self.target.host, self.target.key)
    }
}

/// Handles one COS request; never fails (errors become COS XML responses).
pub(crate) async fn handle(
    state: Arc<State>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Response<ResBody> {
    let request_id = crate::ids::request_id();
    let fault = Fault::choose(&state.faults(), &req).await;
    let head = req.method() == Method::HEAD;
    let origin = req.headers().get(http::header::ORIGIN).cloned();
    let host = route::request_host(req.uri(), req.headers());
    let mut response = match fault.answer_instead(req, &host, &request_id).await {
        Ok(answer) => answer,
        Err(req) => {
            let (parts, incoming) = req.into_parts();
            match prepare(&state, parts, remote, &host) {
                Err(e) => e.into_response(&host, &request_id, head),
                Ok(r) => {
                    let resource = r.resource();
                    match dispatch(&state, &r, incoming).await {
                        Ok(resp) => resp,
                        Err(e) => e.into_response(&resource, &request_id, head),
                    }
                }
            }
        }
    };
    add_common_headers(&state, response.headers_mut(), &request_id, origin.as_ref());
    fault.reshape(response).await
}

fn add_common_headers(
    state: &State,
    headers: &mut HeaderMap,
    request_id: &str,
    origin: Option<&HeaderValue>,
) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-cos-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&crate::clock::http_date_millis(state.clock.unix_millis()))
    {
        headers.insert(http::header::DATE, v);
    }
    headers.insert(
        http::header::SERVER,
        HeaderValue::from_static("tencent-cos"),
    );
    if let Some(origin) = origin {
        cors::add_actual_response_headers(headers, origin);
    }
}

fn prepare(
    state: &State,
    parts: http::request::Parts,
    remote: SocketAddr,
    host: &str,
) -> Result<Req, CosError> {
    let target = route::route(
        host,
        parts.uri.path(),
        &state.buckets,
        state.default_bucket(),
    )?;
    if !state.store.has_bucket(&target.bucket) {
        return Err(CosError::no_such_bucket());
    }
    let query = route::parse_query(parts.uri.query())?;
    Ok(Req {
        method: parts.method.clone(),
        target,
        query,
        headers: parts.headers.clone(),
        parts,
        remote,
    })
}

async fn dispatch(
    state: &Arc<State>,
    req: &Req,
    body: Incoming,
) -> Result<Response<ResBody>, CosError> {
    if req.method == Method::OPTIONS {
        return cors::preflight(req);
    }
    let bucket_level = req.target.key.is_empty();
    if bucket_level && req.method == Method::POST && !req.has_q("delete") {
        let is_form = req
            .header("content-type")
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"));
        if is_form {
            return crate::post_object::handle(state, req, body).await;
        }
    }
    let caller = auth::authenticate(state, req)?;
    if bucket_level {
        return match req.method {
            Method::GET if req.has_q("uploads") => {
                authorize(
                    state,
                    &caller,
                    req,
                    "ListMultipartUploads",
                    &prefix_resource(req),
                )?;
                multipart::list_uploads(state, req)
            }
            Method::GET
                if is_plain(
                    req,
                    &["prefix", "delimiter", "marker", "max-keys", "encoding-type"],
                ) =>
            {
                authorize(state, &caller, req, "GetBucket", &prefix_resource(req))?;
                bucket::list_objects(state, req)
            }
            Method::HEAD => {
                authorize(state, &caller, req, "HeadBucket", "")?;
                bucket::head_bucket(state, req)
            }
            Method::POST if req.has_q("delete") => {
                bucket::delete_multiple(state, req, &caller, body).await
            }
            Method::PUT if is_plain(req, &[]) => Err(CosError::new(
                http::StatusCode::CONFLICT,
                "BucketAlreadyOwnedByYou",
                "The bucket you tried to create already exists, and you own it.",
            )),
            Method::GET | Method::PUT | Method::DELETE => {
                Err(CosError::not_implemented("this bucket operation"))
            }
            _ => Err(CosError::method_not_allowed()),
        };
    }
    headers::check_key(&req.target.key)?;
    let key = req.target.key.as_str();
    match req.method {
        Method::PUT
            if (req.has_q("partNumber") || req.has_q("uploadId"))
                && req.header("x-cos-copy-source").is_some() =>
        {
            part_copy::upload_part_copy(state, req, &caller).await
        }
        Method::PUT if req.has_q("partNumber") || req.has_q("uploadId") => {
            authorize(state, &caller, req, "UploadPart", key)?;
            multipart::upload_part(state, req, body).await
        }
        Method::PUT if req.header("x-cos-copy-source").is_some() && is_plain(req, &[]) => {
            copy::copy_object(state, req, &caller).await
        }
        Method::PUT if is_plain(req, &[]) => {
            authorize(state, &caller, req, "PutObject", key)?;
            object::put_object(state, req, body).await
        }
        Method::GET if req.has_q("uploadId") => {
            authorize(state, &caller, req, "ListParts", key)?;
            multipart::list_parts(state, req)
        }
        Method::GET if is_plain(req, object::GET_PARAMS) => {
            authorize(state, &caller, req, "GetObject", key)?;
            object::get_object(state, req, false)
        }
        Method::HEAD if is_plain(req, object::GET_PARAMS) => {
            authorize(state, &caller, req, "HeadObject", key)?;
            object::get_object(state, req, true)
        }
        Method::DELETE if req.has_q("uploadId") => {
            authorize(state, &caller, req, "AbortMultipartUpload", key)?;
            multipart::abort(state, req)
        }
        Method::DELETE if is_plain(req, &["versionId"]) => {
            authorize(state, &caller, req, "DeleteObject", key)?;
            object::delete_object(state, req)
        }
        Method::POST if req.has_q("uploads") => {
            authorize(state, &caller, req, "InitiateMultipartUpload", key)?;
            multipart::initiate(state, req, &caller)
        }
        Method::POST if req.has_q("uploadId") => {
            authorize(state, &caller, req, "CompleteMultipartUpload", key)?;
            multipart::complete(state, req, body).await
        }
        Method::GET | Method::PUT | Method::POST | Method::DELETE | Method::HEAD => {
            Err(CosError::not_implemented("this object operation"))
        }
        _ => Err(CosError::method_not_allowed()),
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

/// The resource suffix for prefix-scoped bucket operations (`<prefix>`, empty for the root).
fn prefix_resource(req: &Req) -> String {
    req.q("prefix").unwrap_or_default().to_string()
}

/// Authorizes `name/cos:<action>` on `<bucket>/<suffix>`.
pub(crate) fn authorize(
    state: &State,
    caller: &Caller,
    req: &Req,
    action: &str,
    suffix: &str,
) -> Result<(), CosError> {
    auth::authorize(state, caller, req, action, suffix)
}

/// Reads a small request document (XML) with the configured limit.
pub(crate) async fn read_document(
    state: &State,
    mut body: Incoming,
) -> Result<bytes::Bytes, CosError> {
    body::read_limited(&mut body, state.limits.max_document, state.limits.idle)
        .await
        .map_err(|e| match e {
            body::BodyError::TooLarge => {
                CosError::bad_request("XMLSizeLimit", "The XML you provided was too large.")
            }
            other => CosError::from_body(other, "request document"),
        })
}

/// A `200 OK` XML response.
pub(crate) fn xml_response(xml: String) -> Response<ResBody> {
    let len = xml.len();
    let mut response = Response::new(body::full(xml));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
        .headers_mut()
        .insert(http::header::CONTENT_LENGTH, HeaderValue::from(len));
    response
}

/// Inserts a header if the value is valid.
pub(crate) fn set_header(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// A key percent-encoded for a URL path (`/` kept).
pub(crate) fn url_encode_key(key: &str) -> String {
    bucket::encode_key(key, true)
}

/// Maps a storage I/O error.
pub(crate) fn io_error(e: std::io::Error) -> CosError {
    CosError::internal(format!("storage error: {e}"))
}
