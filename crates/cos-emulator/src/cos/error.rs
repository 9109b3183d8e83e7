//! COS errors and their XML responses.

use crate::http::body::{self, ResBody};
use http::{Response, StatusCode};

/// An error answered in the COS XML format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CosError {
    /// HTTP status.
    pub(crate) status: StatusCode,
    /// The `<Code>`.
    pub(crate) code: &'static str,
    /// The `<Message>`.
    pub(crate) message: String,
    /// Extra elements (`StringToSign`, `FormatString`, `ServerTime`…), in order.
    pub(crate) extra: Vec<(&'static str, String)>,
}

impl CosError {
    /// An error with a status, code and message.
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            extra: Vec::new(),
        }
    }

    /// Adds an extra element to the body.
    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    pub(crate) fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::bad_request("InvalidArgument", message)
    }

    pub(crate) fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }

    pub(crate) fn no_such_bucket() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist.",
        )
    }

    pub(crate) fn no_such_key() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
    }

    pub(crate) fn no_such_upload() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified multipart upload does not exist.",
        )
    }

    pub(crate) fn file_already_exists() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "FileAlreadyExists",
            "The object already exists and x-cos-forbid-overwrite forbids replacing it.",
        )
    }

    pub(crate) fn malformed_xml() -> Self {
        Self::bad_request(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        )
    }

    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        )
    }

    pub(crate) fn not_implemented(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("The emulator does not implement {what}."),
        )
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message)
    }

    pub(crate) fn slow_down() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SlowDown",
            "Please reduce your request rate.",
        )
    }

    pub(crate) fn request_timeout() -> Self {
        Self::bad_request(
            "RequestTimeout",
            "Your socket connection to the server was not read from or written to within the timeout period.",
        )
    }

    pub(crate) fn entity_too_large(message: impl Into<String>) -> Self {
        Self::bad_request("EntityTooLarge", message)
    }

    pub(crate) fn incomplete_body() -> Self {
        Self::bad_request(
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        )
    }

    /// The error for a failed request-body read.
    pub(crate) fn from_body(err: body::BodyError, limit_what: &str) -> Self {
        match err {
            body::BodyError::TooLarge => {
                Self::entity_too_large(format!("The {limit_what} exceeds the allowed size."))
            }
            body::BodyError::Timeout => Self::request_timeout(),
            body::BodyError::Incomplete => Self::incomplete_body(),
        }
    }

    /// The XML error document.
    pub(crate) fn to_xml(&self, resource: &str, request_id: &str, trace_id: &str) -> String {
        use quick_xml::escape::escape;
        let mut xml = String::with_capacity(256);
        xml.push_str("<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>");
        xml.push_str(self.code);
        xml.push_str("</Code><Message>");
        xml.push_str(&escape(self.message.as_str()));
        xml.push_str("</Message>");
        for (name, value) in &self.extra {
            xml.push('<');
            xml.push_str(name);
            xml.push('>');
            xml.push_str(&escape(value.as_str()));
            xml.push_str("</");
            xml.push_str(name);
            xml.push('>');
        }
        xml.push_str("<Resource>");
        xml.push_str(&escape(resource));
        xml.push_str("</Resource><RequestId>");
        xml.push_str(&escape(request_id));
        xml.push_str("</RequestId><TraceId>");
        xml.push_str(&escape(trace_id));
        xml.push_str("</TraceId></Error>");
        xml
    }

    /// The HTTP response (no body for HEAD requests).
    pub(crate) fn into_response(
        self,
        resource: &str,
        request_id: &str,
        head: bool,
    ) -> Response<ResBody> {
        let trace_id = crate::ids::request_id();
        let xml = self.to_xml(resource, request_id, &trace_id);
        let len = xml.len();
        let body = if head { body::empty() } else { body::full(xml) };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        response
            .extensions_mut()
            .insert(crate::admin::record::ErrorCode(self.code));
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/xml"),
        );
        headers.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(len));
        if let Ok(v) = http::HeaderValue::from_str(&trace_id) {
            headers.insert("x-cos-trace-id", v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_is_escaped_and_ordered() {
        let e = CosError::access_denied("a <b> & c").with("ServerTime", "now");
        let xml = e.to_xml("bucket/k&y", "rid", "tid");
        assert!(xml.starts_with(
            "<?xml version='1.0' encoding='utf-8' ?>\n<Error><Code>AccessDenied</Code>"
        ));
        assert!(xml.contains("<Message>a &lt;b&gt; &amp; c</Message><ServerTime>now</ServerTime>"));
        assert!(xml.contains(
            "<Resource>bucket/k&amp;y</Resource><RequestId>rid</RequestId><TraceId>tid</TraceId>"
        ));
    }

    #[test]
    fn head_errors_have_no_body_but_keep_status() {
        let r = CosError::no_such_key().into_response("r", "id", true);
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(r.headers().contains_key("x-cos-trace-id"));
    }
}
