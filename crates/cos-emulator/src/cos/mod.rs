//! The COS XML API: routing, operations and responses.

pub(crate) mod error;
pub(crate) mod feature_headers;
pub(crate) mod headers;
pub(crate) mod ops;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod route;
pub(crate) mod table;
pub(crate) mod xml;

use ops::post_object::{Admission, FormJudge};
use ops::{copy, cors};
pub(crate) use request::Req;
use table::{Grant, Granted};

use crate::auth;
use crate::faults::Fault;
use crate::http::body::{RequestBody, ResBody};
use crate::state::State;
use error::CosError;
use http::{HeaderMap, HeaderValue, Method, Request, Response};
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
    let fault = Fault::choose(&state.faults(), &req).await;
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
    // The bucket and method of a routed request, for its CORS headers.
    let mut cors_for = None;
    let mut response = match fault.answer_instead(req, &host, &request_id).await {
        Ok(answer) => answer,
        Err(req) => {
            let (parts, incoming) = req.into_parts();
            let prepared = match host_error {
                Some(e) => Err(e),
                None => request::prepare(&state, parts, remote, &host),
            };
            let incoming = RequestBody::new(incoming, state.limits.body);
            match prepared {
                Err(e) => e.into_response(&host, &request_id, head),
                Ok(r) => {
                    cors_for = Some((r.target.bucket.clone(), r.method.clone()));
                    let resource = r.resource();
                    match dispatch(&state, &r, incoming).await {
                        Ok(resp) => resp,
                        Err(e) => e.into_response(&resource, &request_id, head),
                    }
                }
            }
        }
    };
    add_common_headers(&state, response.headers_mut(), &request_id);
    if let (Some(origin), Some((bucket, method))) = (&origin, &cors_for)
        && method != Method::OPTIONS
    {
        let rules = cors::bucket_rules(&state, bucket);
        cors::add_actual_response_headers(response.headers_mut(), &rules, origin, method.as_str());
    }
    fault.reshape(response).await
}

fn add_common_headers(state: &State, headers: &mut HeaderMap, request_id: &str) {
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
}

/// The pipeline after routing: the table names the operation and its grant, `auth`
/// authenticates and authorizes it, the operation's handler runs.
async fn dispatch(
    state: &Arc<State>,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let op = table::route(req);
    let grant = op.grant();
    // `Some(None)`: an anonymous (unsigned) caller, judged by the bucket policy and ACLs.
    let caller = match grant {
        Grant::Open | Grant::Form(_) => None,
        _ => Some(auth::authenticate_or_anonymous(state, req)?),
    };
    if op.is_object_level() {
        headers::check_key(&req.target.key)?;
    }
    let mut copy_source = None;
    if let Some(caller) = &caller {
        let caller = caller.as_ref();
        let authorize =
            |action: &str, suffix: &str| auth::authorize(state, caller, req, action, suffix);
        match grant {
            Grant::Object(action) => authorize(action, &req.target.key)?,
            Grant::Bucket(action) => authorize(action, "")?,
            Grant::Service(action) => auth::authorize_service(caller, req, action)?,
            Grant::Prefix(action) => authorize(action, req.q("prefix").unwrap_or_default())?,
            Grant::Copy => {
                let source = copy::parse_source(
                    req.header("x-cos-copy-source").unwrap_or_default(),
                    &state.store.bucket_names(),
                )?;
                authorize("PutObject", &req.target.key)?;
                auth::authorize_in(state, caller, req, "GetObject", &source.bucket, &source.key)?;
                copy_source = Some(source);
            }
            Grant::Signed if caller.is_none() => {
                return Err(CosError::access_denied("Access Denied."));
            }
            Grant::Open | Grant::Signed | Grant::EachKey(_) | Grant::Form(_) => {}
        }
    }
    let caller = caller.flatten();
    let each_key = |key: &str| match (&caller, grant) {
        (caller, Grant::EachKey(action)) => {
            auth::authorize(state, caller.as_ref(), req, action, key)
        }
        _ => Err(CosError::access_denied("Access Denied.")),
    };
    let form = FormAuth {
        state,
        req,
        action: match grant {
            Grant::Form(action) => action,
            _ => "",
        },
    };
    let granted = Granted {
        caller: caller.as_ref(),
        copy_source,
        each_key: &each_key,
        form: &form,
    };
    table::check_headers(op, req)?;
    table::run(op, state, req, granted, body).await
}

/// POST Object forms judged by `auth` for the table's action.
struct FormAuth<'a> {
    state: &'a State,
    req: &'a Req,
    action: &'static str,
}

impl FormJudge for FormAuth<'_> {
    fn admit(&self, fields: &[(String, String)], filename: &str) -> Result<Admission, CosError> {
        if self.action.is_empty() {
            return Err(CosError::access_denied("Access Denied."));
        }
        let grant = auth::form::admit(self.state, self.req, self.action, fields, filename)?;
        Ok(Admission {
            key: grant.key,
            max_len: grant.max_len,
        })
    }

    fn accept(
        &self,
        fields: &[(String, String)],
        filename: &str,
        len: u64,
    ) -> Result<(), CosError> {
        auth::form::accept(self.state, self.req, fields, filename, len)
    }
}
