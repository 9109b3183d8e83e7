//! The COS XML API: routing, operations and responses.

pub(crate) mod error;
pub(crate) mod headers;
pub(crate) mod ops;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod route;
pub(crate) mod xml;

use ops::{bucket, copy, cors, multipart, object, part_copy};
pub(crate) use request::Req;

use crate::auth::{self, Caller};
use crate::faults::Drawn;
use crate::http::body::{CutBody, RequestBody, ResBody};
use crate::state::State;
use error::CosError;
use http::{HeaderMap, HeaderValue, Method, Request, Response};
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use std::net::SocketAddr;
use std::sync::Arc;

/// The COS side's configuration.
pub(crate) struct CosConfig {
    pub(crate) region: String,
    pub(crate) appid: String,
    /// `name-appid`; the first is the default bucket.
    pub(crate) buckets: Vec<String>,
    /// Whether unsigned requests act as the root account.
    pub(crate) allow_anonymous: bool,
    /// How PUT Object and Upload Part compute ETags.
    pub(crate) etag_mode: crate::EtagMode,
}

impl CosConfig {
    /// The bucket used when neither the host nor the path names one.
    pub(crate) fn default_bucket(&self) -> &str {
        self.buckets.first().map_or("", String::as_str)
    }

    /// The CAM resource prefix `qcs::cos:<region>:uid/<appid>:`.
    pub(crate) fn resource_prefix(&self) -> String {
        format!("qcs::cos:{}:uid/{}:", self.region, self.appid)
    }
}

/// Handles one COS request; never fails (errors become COS XML responses).
pub(crate) async fn handle(
    state: Arc<State>,
    remote: SocketAddr,
    req: Request<Incoming>,
) -> Response<ResBody> {
    let request_id = crate::ids::request_id();
    let faults = state.faults();
    if !faults.added_latency().is_zero() {
        tokio::time::sleep(faults.added_latency()).await;
    }
    let head = req.method() == Method::HEAD;
    let origin = req.headers().get(http::header::ORIGIN).cloned();
    let (host, host_error) = match crate::http::host::request_host(req.uri(), req.headers()) {
        Ok(host) => (host, None),
        Err(crate::http::host::HostMismatch) => (
            String::new(),
            Some(CosError::bad_request(
                "InvalidURI",
                "The request target's host differs from the Host header.",
            )),
        ),
    };
    let drawn = if req.method() == Method::OPTIONS {
        Drawn::None
    } else {
        faults.draw()
    };
    let mut response = match drawn {
        Drawn::SlowDown => CosError::slow_down().into_response(&host, &request_id, head),
        Drawn::InternalError => CosError::internal(
            "We encountered an internal error. Please try again.",
        )
        .into_response(&host, &request_id, head),
        Drawn::None | Drawn::CutBody => {
            let (parts, incoming) = req.into_parts();
            let prepared = match host_error {
                Some(e) => Err(e),
                None => request::prepare(&state, parts, remote, &host),
            };
            let incoming = RequestBody::new(incoming, state.limits.body);
            match prepared {
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
    if drawn == Drawn::CutBody {
        let len = hyper::body::Body::size_hint(response.body())
            .exact()
            .unwrap_or(0);
        if len > 1 {
            let (parts, inner) = response.into_parts();
            response = Response::from_parts(parts, CutBody::new(inner, len / 2).boxed_unsync());
        }
    }
    add_common_headers(&state, response.headers_mut(), &request_id, origin.as_ref());
    response
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

async fn dispatch(
    state: &Arc<State>,
    req: &Req,
    body: RequestBody,
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
            return crate::cos::ops::post_object::handle(state, req, body).await;
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
