//! A routed COS request: method, bucket and key, decoded query, headers.

use super::error::CosError;
use super::{headers, route};
use crate::http::body::{self, RequestBody};
use crate::state::State;
use http::{HeaderMap, HeaderValue, Method};
use std::net::SocketAddr;

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

/// Routes a request's head: bucket and key from `host` and the path, the decoded query.
pub(crate) fn prepare(
    state: &State,
    mut parts: http::request::Parts,
    remote: SocketAddr,
    host: &str,
) -> Result<Req, CosError> {
    // Verification reads `Host`: give an absolute-form request without one the host it is
    // routed by, so that both use the same value.
    if !parts.headers.contains_key(http::header::HOST)
        && let Ok(value) = HeaderValue::from_str(host)
    {
        parts.headers.insert(http::header::HOST, value);
    }
    let target = route::route(
        host,
        parts.uri.path(),
        &state.store.bucket_names(),
        state.cos.default_bucket(),
    )?;
    // GET Service names no bucket; PUT Bucket names one that need not exist yet.
    let creates = parts.method == Method::PUT && target.key.is_empty();
    if !target.bucket.is_empty() && !creates && !state.store.has_bucket(&target.bucket) {
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

/// Reads a small request document (XML) with the configured limit.
pub(crate) async fn read_document(
    state: &State,
    mut body: RequestBody,
) -> Result<bytes::Bytes, CosError> {
    body.read_limited(state.limits.max_document)
        .await
        .map_err(|e| match e {
            body::BodyError::TooLarge => {
                CosError::bad_request("XMLSizeLimit", "The XML you provided was too large.")
            }
            other => CosError::from_body(other, "request document"),
        })
}

/// Reads a small request document and checks it against the request's `Content-MD5`, if
/// sent (400 `InvalidDigest` / `BadDigest`).
pub(crate) async fn read_checked_document(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<bytes::Bytes, CosError> {
    let expected_md5 = headers::content_md5(req.header("content-md5"))?;
    let doc = read_document(state, body).await?;
    if let Some(md5) = expected_md5 {
        use md5::Digest as _;
        let actual: [u8; 16] = md5::Md5::digest(&doc).into();
        if actual != md5 {
            return Err(headers::bad_digest());
        }
    }
    Ok(doc)
}

/// [`read_checked_document`] for operations whose document is required: an empty body is
/// 400 `MissingRequestBodyError`.
pub(crate) async fn read_required_document(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<bytes::Bytes, CosError> {
    let doc = read_checked_document(state, req, body).await?;
    if doc.is_empty() {
        return Err(CosError::bad_request(
            "MissingRequestBodyError",
            "Request Body is empty.",
        ));
    }
    Ok(doc)
}
