//! POST Object (browser form upload), authenticated before its file is read:
//!
//! 1. the form fields that precede `file` are read with a small bound ([`MAX_FIELD`] each,
//!    [`MAX_FIELDS_TOTAL`] together);
//! 2. at the `file` part's headers the signed POST policy is verified with
//!    `tc3_signer::post_policy` (signature, `expiration` and `q-key-time` with no grace after
//!    their end, conditions) and the caller's CAM policy is authorized for `PostObject`;
//! 3. only then is the file streamed to storage, cut as soon as it exceeds the policy's
//!    `content-length-range` (or the largest object), and checked against the whole policy
//!    once more with its real length before it becomes the object.

use super::object::store_new_object;
use crate::auth::{self, MAX_SKEW};
use crate::cos::error::CosError;
use crate::cos::headers;
use crate::cos::request::Req;
use crate::cos::response::{io_error, set_header};
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use crate::storage::Digests;
use bytes::{Buf as _, BytesMut};
use http::{Response, StatusCode};
use tc3_signer::VerifyError;
use tc3_signer::post_policy::{PostForm, Upload, verify_post};

/// Largest size of one non-file field, and of all part headers of one part.
const MAX_FIELD: usize = 64 * 1024;
/// Most non-file fields.
const MAX_FIELDS: usize = 200;
/// Largest size of all the fields that precede the file, together: what an unauthenticated
/// client can make the emulator hold.
const MAX_FIELDS_TOTAL: usize = 256 * 1024;

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
struct FormStream {
    body: RequestBody,
    buf: BytesMut,
    ended: bool,
}

impl FormStream {
    async fn fill(&mut self) -> Result<bool, CosError> {
        if self.ended {
            return Ok(false);
        }
        match self
            .body
            .next_chunk()
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

/// The fields before `file` and the file's name, with the stream positioned at the start
/// of the file's data; `None` when the form has no file.
async fn read_fields(
    stream: &mut FormStream,
    boundary: &str,
) -> Result<Option<(Vec<(String, String)>, String)>, CosError> {
    let delimiter = format!("\r\n--{boundary}");
    stream
        .until(format!("--{boundary}").as_bytes(), MAX_FIELD)
        .await?;
    let mut fields = Vec::new();
    let mut total = 0usize;
    loop {
        // After a delimiter: `--` ends the form, CRLF starts a part.
        while stream.buf.len() < 2 {
            if !stream.fill().await? {
                return Err(malformed());
            }
        }
        if stream.buf.starts_with(b"--") {
            return Ok(None);
        }
        stream.until(b"\r\n", 2).await?;
        let head = stream.until(b"\r\n\r\n", MAX_FIELD).await?;
        let head = String::from_utf8(head.to_vec()).map_err(|_| malformed())?;
        let (name, filename) = disposition(&head).ok_or_else(malformed)?;
        if name == "file" {
            return Ok(Some((fields, filename.unwrap_or_default())));
        }
        let value = stream.until(delimiter.as_bytes(), MAX_FIELD).await?;
        total = total.saturating_add(head.len() + value.len());
        if fields.len() == MAX_FIELDS || total > MAX_FIELDS_TOTAL {
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
        VerifyError::Expired { end, now } => expired(state, end, now),
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

fn expired(state: &State, end: u64, now: u64) -> CosError {
    CosError::access_denied(format!(
        "You post object request has been expired, expiration time: {end} but the time now : {now}"
    ))
    .with("ServerTime", auth::server_time(state))
}

/// POST Object.
pub(crate) async fn handle(
    state: &State,
    req: &Req,
    body: RequestBody,
) -> Result<Response<ResBody>, CosError> {
    let boundary = req
        .header("content-type")
        .and_then(boundary)
        .ok_or_else(malformed)?;
    let mut stream = FormStream {
        body,
        buf: BytesMut::new(),
        ended: false,
    };
    let Some((fields, filename)) = read_fields(&mut stream, &boundary).await? else {
        return Err(CosError::bad_request(
            "IncorrectNumberOfFilesInPostRequest",
            "POST requires exactly one file upload per request.",
        ));
    };
    // Authenticated and authorized before a byte of the file is read.
    let admitted = admit(state, req, &fields, &filename)?;
    let max = state.limits.max_object_size.min(admitted.max_len);
    let mut writer = state.store.writer(0).map_err(io_error)?;
    let delimiter = format!("\r\n--{boundary}");
    stream
        .stream_until(delimiter.as_bytes(), |chunk| {
            if writer.len().saturating_add(chunk.len() as u64) > max {
                return Err(if max < state.limits.max_object_size {
                    post_error(
                        state,
                        VerifyError::ContentLengthOutOfRange {
                            min: 0,
                            max,
                            actual: writer.len().saturating_add(chunk.len() as u64),
                        },
                    )
                } else {
                    CosError::entity_too_large(
                        "Your proposed upload exceeds the maximum allowed object size.",
                    )
                });
            }
            writer.write(chunk).map_err(io_error)
        })
        .await?;
    // Fields after the file are ignored, as COS does.
    let (blob, digests) = writer.finish().map_err(io_error)?;
    if let Err(e) = admitted.accepts(state, &fields, &filename, &digests) {
        state.store.discard(&blob);
        return Err(e);
    }
    let etag = store_new_object(
        state,
        req,
        admitted.key.clone(),
        &digests,
        blob,
        admitted.stored,
        admitted.storage_class,
    )?;
    respond(req, &fields, &admitted.key, &etag, digests.crc64)
}

/// A form admitted before its file is read.
struct Admitted {
    bucket: String,
    secret: String,
    key: String,
    stored: Vec<(String, String)>,
    storage_class: String,
    /// The largest file the policy's `content-length-range` admits.
    max_len: u64,
}

fn parse_form<'f>(borrowed: &'f [(&'f str, &'f str)]) -> Result<PostForm<'f>, CosError> {
    PostForm::parse(borrowed).map_err(|e| match e {
        VerifyError::Malformed { reason } if reason.contains("policy") => CosError::bad_request(
            "InvalidPolicyDocument",
            "You must provide condition if you specify a policy in post object request.",
        ),
        other => CosError::access_denied(format!("Invalid POST form: {other}")),
    })
}

/// Verifies the form's signature and policy (every condition but the file's length, which
/// is only bounded here) and authorizes the caller, from the fields before the file.
fn admit(
    state: &State,
    req: &Req,
    fields: &[(String, String)],
    filename: &str,
) -> Result<Admitted, CosError> {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let form = parse_form(&borrowed)?;
    let now = state.clock.unix();
    // No grace after the key time's end (the start may be up to MAX_SKEW ahead, as for
    // header signatures).
    if form.key_time().end() < now {
        return Err(expired(state, form.key_time().end(), now));
    }
    let (caller, secret) = auth::lookup(
        state,
        field(fields, "x-cos-security-token"),
        form.secret_id(),
        now,
    )?;
    let bucket = req.target.bucket.as_str();
    let verify = |len: u64| {
        let mut upload = Upload::new(bucket, len);
        if !filename.is_empty() {
            upload = upload.with_filename(filename);
        }
        verify_post(&form, &secret, &upload, now, MAX_SKEW)
    };
    // The policy's length range, as the verifier reports it for the smallest and largest
    // lengths; everything else is judged with a length inside the range.
    let min_len = match verify(0) {
        Err(VerifyError::ContentLengthOutOfRange { min, .. }) => min,
        Err(e) => return Err(post_error(state, e)),
        Ok(_) => 0,
    };
    let accepted = verify(min_len).map_err(|e| post_error(state, e))?;
    let max_len = match verify(u64::MAX) {
        Err(VerifyError::ContentLengthOutOfRange { max, .. }) => max,
        _ => u64::MAX,
    };
    if accepted.expiration() < now {
        return Err(expired(state, accepted.expiration(), now));
    }
    let key = accepted.key().to_string();
    headers::check_key(&key)?;
    let names: Vec<String> = fields.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    let stored = headers::stored_headers(|n| field(fields, n).map(str::to_string), &names)?;
    let storage_class = headers::storage_class(field(fields, "x-cos-storage-class"))?;
    crate::cos::authorize(state, &caller, req, "PostObject", &key)?;
    Ok(Admitted {
        bucket: bucket.to_string(),
        secret,
        key,
        stored,
        storage_class,
        max_len,
    })
}

impl Admitted {
    /// Judges the received file: the whole policy once more with its real length (the
    /// lower bound of `content-length-range`), and `Content-MD5` when the form has one.
    fn accepts(
        &self,
        state: &State,
        fields: &[(String, String)],
        filename: &str,
        digests: &Digests,
    ) -> Result<(), CosError> {
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let form = parse_form(&borrowed)?;
        let mut upload = Upload::new(&self.bucket, digests.len);
        if !filename.is_empty() {
            upload = upload.with_filename(filename);
        }
        verify_post(&form, &self.secret, &upload, state.clock.unix(), MAX_SKEW)
            .map_err(|e| post_error(state, e))?;
        if let Some(md5) = headers::content_md5(field(fields, "Content-MD5"))?
            && md5 != digests.md5
        {
            return Err(headers::bad_digest());
        }
        Ok(())
    }
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
        super::bucket::encode_key(key, true)
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
                let mut r = crate::cos::response::xml_response(xml);
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
