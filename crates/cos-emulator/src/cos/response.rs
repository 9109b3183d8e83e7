//! Building COS responses.

use super::error::CosError;
use crate::http::body::{self, ResBody};
use http::{HeaderMap, HeaderValue, Response};

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

/// Maps a storage I/O error.
pub(crate) fn io_error(e: std::io::Error) -> CosError {
    CosError::internal(format!("storage error: {e}"))
}
