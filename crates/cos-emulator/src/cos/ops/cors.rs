//! CORS: OPTIONS preflight and the headers on actual responses. The emulator allows every
//! origin, method and header, and exposes the headers COS SDKs read in browsers.

use crate::cos::error::CosError;
use crate::cos::request::Req;
use crate::cos::response::set_header;
use crate::http::body::{self, ResBody};
use http::{HeaderMap, HeaderValue, Response};

const EXPOSE: &str = "ETag, Content-Length, Content-Range, Date, x-cos-request-id, x-cos-hash-crc64ecma, x-cos-version-id, x-cos-trace-id, x-cos-storage-class, x-cos-server-side-encryption, Location";

/// Answers an OPTIONS preflight.
pub(crate) fn preflight(req: &Req) -> Result<Response<ResBody>, CosError> {
    let Some(origin) = req.header("origin") else {
        return Err(CosError::bad_request(
            "InvalidRequest",
            "Insufficient information. Origin request header needed.",
        ));
    };
    let Some(method) = req.header("access-control-request-method") else {
        return Err(CosError::bad_request(
            "InvalidRequest",
            "Insufficient information. Access-Control-Request-Method request header needed.",
        ));
    };
    let mut response = Response::new(body::empty());
    let h = response.headers_mut();
    set_header(h, "access-control-allow-origin", origin);
    set_header(h, "access-control-allow-methods", method);
    if let Some(headers) = req.header("access-control-request-headers") {
        set_header(h, "access-control-allow-headers", headers);
    }
    set_header(h, "access-control-expose-headers", EXPOSE);
    set_header(h, "access-control-max-age", "600");
    set_header(h, "content-length", "0");
    set_header(
        h,
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    );
    Ok(response)
}

/// Adds CORS headers to a response for a request with `Origin`.
pub(crate) fn add_actual_response_headers(headers: &mut HeaderMap, origin: &HeaderValue) {
    if !headers.contains_key("access-control-allow-origin") {
        headers.insert("access-control-allow-origin", origin.clone());
        headers.insert(
            "access-control-expose-headers",
            HeaderValue::from_static(EXPOSE),
        );
        headers.insert("vary", HeaderValue::from_static("Origin"));
    }
}
