//! POST Object (browser form upload): streams a `multipart/form-data` body, verifies the
//! signed POST policy with `tc3_signer::post_policy`, authorizes temporary keys' CAM policy
//! for `PostObject`, and stores the file.

use crate::auth::{self, MAX_SKEW};
use crate::body::{self, ResBody};
use crate::cos::error::CosError;
use crate::cos::{Req, headers, io_error, set_header, store_new_object};
use crate::state::State;
use crate::storage::{Blob, Digests};
use bytes::{Buf as _, BytesMut};
use http::{Response, StatusCode};
use hyper::body::Incoming;
use tc3_signer::VerifyError;
use tc3_signer::post_policy::{PostForm, Upload, verify_post};

/// Largest size of one non-file field, and of all part headers of one part.
const MAX_FIELD: usize = 64 * 1024;
/// Most non-file fields.
const MAX_FIELDS: usize = 200;

fn malformed() -> CosError {
    CosError::bad_request(
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data.",
    )
}

/// The boundary parameter of a `multipart/form-data` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        (!value.is_empty() && value.len() <= 200).then(|| value.to_string())
    })
}

/// A pull parser over the streamed body.
struct FormStream<'a> {
    body: Incoming,
    buf: BytesMut,
    ended: bool,
    state: &'a State,
}

impl FormStream<'_> {
    async fn fill(&mut self) -> Result<bool, CosError> {
        if self.ended {
            return Ok(false);
        }
        match body::next_chunk(&mut self.body, self.state.limits.idle)
            .await
            .map_err(|e| CosError::from_body(e, "form"))?
        {
            Some(chunk) => {
                self.buf.extend_from_slice(&chunk);
                Ok(true)
            }
            None => {
                self.ended = true;
                Ok(false)
            }
        }
    }

    /// Reads until `needle`, returning the bytes before it (at most `limit`) and consuming it.
    async fn until(&mut self, needle: &[u8], limit: usize) -> Result<BytesMut, CosError> {
        loop {
            if let Some(i) = find(&self.buf, needle) {
                let head = self.buf.split_to(i);
                self.buf.advance(needle.len());
                return Ok(head);
            }
            if self.buf.len() > limit + needle.len() || !self.fill().await? {
                return Err(malformed());
            }
        }
    }

    /// Streams bytes until `needle` into `sink`, keeping a tail that could start the needle.
    async fn stream_until(
        &mut self,
        needle: &[u8],
        mut sink: impl FnMut(&[u8]) -> Result<(), CosError>,
    ) -> Result<(), CosError> {
        loop {
            if let Some(i) = find(&self.buf, needle) {
                sink(self.buf.get(..i).unwrap_or_default())?;
                self.buf.advance(i + needle.len());
                return Ok(());
            }
            let keep = needle.len().saturating_sub(1);
            if self.buf.len() > keep {
                let out = self.buf.split_to(self.buf.len() - keep);
                sink(&out)?;
            }
            if !self.fill().await? {
                return Err(malformed());
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `name` and `filename` of a part's `Content-Disposition`.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let line = headers
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let mut name = None;
    let mut filename = None;
    for param in line.split(';').skip(1) {
        let Some((k, v)) = param.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"').to_string();
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v),
            "filename" => filename = Some(v),
            _ => {}
        }
    }
    Some((name?, filename))
}

struct Received {
    fields: Vec<(String, String)>,
    file: Option<(Blob, Digests, String)>,
}

async fn receive(state: &State, req: &Req, body: Incoming) -> Result<Received, CosError> {
    let boundary = req
        .header("content-type")
        .and_then(boundary)
        .ok_or_else(malformed)?;
    let mut stream = FormStream {
        body,
        buf: BytesMut::new(),
        ended: false,
        state,
    };
    let first = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    stream.until(first.as_bytes(), MAX_FIELD).await?;
    let mut fields = Vec::new();
    loop {
        // After a delimiter: `--` ends the form, CRLF starts a part.
        while stream.buf.len() < 2 {
            if !stream.fill().await? {
                return Err(malformed());
            }
        }
        if stream.buf.starts_with(b"--") {
            return Ok(Received { fields, file: None });
        }
        stream.until(b"\r\n", 2).await?;
        let head = stream.until(b"\r\n\r\n", MAX_FIELD).await?;
        let head = String::from_utf8(head.to_vec()).map_err(|_| malformed())?;
        let (name, filename) = disposition(&head).ok_or_else(malformed)?;
        if name == "file" {
            let max = state.limits.max_object_size;
            let mut writer = state.store.writer(0).map_err(io_error)?;
            stream
                .stream_until(delimiter.as_bytes(), |chunk| {
                    if writer.len().saturating_add(chunk.len() as u64) > max {
                        return Err(CosError::entity_too_large(
                            "Your proposed upload exceeds the maximum allowed object size.",
                        ));
                    }
                    writer.write(chunk).map_err(io_error)
                })
                .await?;
            let (blob, digests) = writer.finish().map_err(io_error)?;
            // Fields after the file are ignored, as COS does.
            return Ok(Received {
                fields,
                file: Some((blob, digests, filename.unwrap_or_default())),
            });
        }
        let value = stream.until(delimiter.as_bytes(), MAX_FIELD).await?;
        if fields.len() == MAX_FIELDS {
            return Err(malformed());
        }
        let value = String::from_utf8(value.to_vec()).map_err(|_| malformed())?;
        fields.push((name, value));
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn post_error(state: &State, e: VerifyError) -> CosError {
    match e {
        VerifyError::SignatureMismatch { string_to_sign } => CosError::new(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The Signature you specified is invalid.",
        )
        .with("StringToSign", string_to_sign),
        VerifyError::Expired { end, now } => CosError::access_denied(format!(
            "You post object request has been expired, expiration time: {end} but the time now : {now}"
        ))
        .with("ServerTime", auth::server_time(state)),
        VerifyError::NotYetValid { .. } => CosError::new(
            StatusCode::FORBIDDEN,
            "RequestTimeTooSkewed",
            "The difference between the request time and the server's time is too large.",
        ),
        VerifyError::ContentLengthOutOfRange { actual, min, .. } => {
            let message = "Condition key content-length-range doesn't match the value";
            if actual < min {
                CosError::bad_request("EntityTooSmall", message)
            } else {
                CosError::entity_too_large(message)
            }
        }
        other @ VerifyError::ConditionNotMet { .. } => CosError::access_denied(other.to_string()),
        other => CosError::bad_request("InvalidPolicyDocument", other.to_string()),
    }
}

/// POST Object.
pub(crate) async fn handle(
    state: &State,
    req: &Req,
    body: Incoming,
) -> Result<Response<ResBody>, CosError> {
    let received = receive(state, req, body).await?;
    let Some((blob, digests, filename)) = received.file else {
        return Err(CosError::bad_request(
            "IncorrectNumberOfFilesInPostRequest",
            "POST requires exactly one file upload per request.",
        ));
    };
    let outcome = accept(state, req, &received.fields, &digests, &filename);
    let (key, stored, storage_class) = match outcome {
        Ok(ok) => ok,
        Err(e) => {
            state.store.discard(&blob);
            return Err(e);
        }
    };
    let etag = store_new_object(
        state,
        req,
        key.clone(),
        &digests,
        blob,
        stored,
        storage_class,
    )?;
    respond(req, &received.fields, &key, &etag, digests.crc64)
}

type Accepted = (String, Vec<(String, String)>, String);

fn accept(
    state: &State,
    req: &Req,
    fields: &[(String, String)],
    digests: &Digests,
    filename: &str,
) -> Result<Accepted, CosError> {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let form = PostForm::parse(&borrowed).map_err(|e| match e {
        VerifyError::Malformed { reason } if reason.contains("policy") => CosError::bad_request(
            "InvalidPolicyDocument",
            "You must provide condition if you specify a policy in post object request.",
        ),
        other => CosError::access_denied(format!("Invalid POST form: {other}")),
    })?;
    let now = state.clock.unix();
    let (caller, secret) = auth::lookup(
        state,
        field(fields, "x-cos-security-token"),
        form.secret_id(),
        now,
    )?;
    let mut upload = Upload::new(&req.target.bucket, digests.len);
    if !filename.is_empty() {
        upload = upload.with_filename(filename);
    }
    let accepted =
        verify_post(&form, &secret, &upload, now, MAX_SKEW).map_err(|e| post_error(state, e))?;
    let key = accepted.key().to_string();
    headers::check_key(&key)?;
    if let Some(md5) = headers::content_md5(field(fields, "Content-MD5"))?
        && md5 != digests.md5
    {
        return Err(headers::bad_digest());
    }
    let names: Vec<String> = fields.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    let stored = headers::stored_headers(|n| field(fields, n).map(str::to_string), &names)?;
    let storage_class = headers::storage_class(field(fields, "x-cos-storage-class"))?;
    crate::cos::authorize(state, &caller, req, "PostObject", &key)?;
    Ok((key, stored, storage_class))
}

fn respond(
    req: &Req,
    fields: &[(String, String)],
    key: &str,
    etag: &str,
    crc64: u64,
) -> Result<Response<ResBody>, CosError> {
    let location = format!(
        "http://{}/{}",
        req.target.host,
        crate::cos::url_encode_key(key)
    );
    let mut response = if let Some(redirect) =
        field(fields, "success_action_redirect").filter(|r| !r.is_empty())
    {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
        let sep = if redirect.contains('?') { '&' } else { '?' };
        let target = format!(
            "{redirect}{sep}bucket={}&key={}&etag={}",
            enc(&req.target.bucket),
            enc(key),
            enc(etag)
        );
        let mut r = Response::new(body::empty());
        *r.status_mut() = StatusCode::SEE_OTHER;
        set_header(r.headers_mut(), "location", &target);
        r
    } else {
        match field(fields, "success_action_status") {
            Some("201") => {
                let xml = crate::cos::xml::Xml::new()
                    .open("PostResponse")
                    .elem("Location", &location)
                    .elem("Bucket", &req.target.bucket)
                    .elem("Key", key)
                    .elem("ETag", etag)
                    .close("PostResponse")
                    .finish();
                let mut r = crate::cos::xml_response(xml);
                *r.status_mut() = StatusCode::CREATED;
                r
            }
            Some("200") => Response::new(body::empty()),
            _ => {
                let mut r = Response::new(body::empty());
                *r.status_mut() = StatusCode::NO_CONTENT;
                r
            }
        }
    };
    let h = response.headers_mut();
    set_header(h, "etag", etag);
    set_header(h, "x-cos-hash-crc64ecma", &crc64.to_string());
    if !h.contains_key("location") {
        set_header(h, "location", &location);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_and_disposition_parsing() {
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("multipart/form-data; charset=utf-8; boundary=\"q b\"").as_deref(),
            Some("q b")
        );
        assert_eq!(boundary("multipart/form-data"), None);
        let (n, f) = disposition("Content-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg").unwrap();
        assert_eq!((n.as_str(), f.as_deref()), ("file", Some("a.jpg")));
        assert!(disposition("Content-Type: x").is_none());
        assert_eq!(find(b"hello world", b"o w"), Some(4));
        assert_eq!(find(b"ab", b"abc"), None);
    }
}
