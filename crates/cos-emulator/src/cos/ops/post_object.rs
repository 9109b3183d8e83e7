//! POST Object (browser form upload), authenticated before its file is read:
//!
//! 1. the form fields that precede `file` are read with a small bound ([`MAX_FIELD`] each,
//!    [`MAX_FIELDS_TOTAL`] together);
//! 2. at the `file` part's headers the pipeline's [`FormJudge`] verifies the signed POST
//!    policy (signature, `expiration` and `q-key-time` with no grace after their end,
//!    conditions) and authorizes the caller's CAM policy for `PostObject`;
//! 3. only then is the file streamed to storage, cut as soon as it exceeds the policy's
//!    `content-length-range` (or the largest object), and checked against the whole policy
//!    once more with its real length before it becomes the object.

use super::object::store_new_object;
use crate::cos::error::CosError;
use crate::cos::feature_headers;
use crate::cos::headers;
use crate::cos::request::Req;
use crate::cos::response::{io_error, set_header};
use crate::http::body::{self, RequestBody, ResBody};
use crate::state::State;
use bytes::{Buf as _, BytesMut};
use http::{Response, StatusCode};

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

/// Form fields POST Object implements, named like the headers they stand for.
const IMPLEMENTED_FIELDS: [&[&str]; 4] = [
    feature_headers::ACL_HEADERS,
    feature_headers::NEW_OBJECT_HEADERS,
    feature_headers::SSE_COS_HEADERS,
    feature_headers::SSE_C_HEADERS,
];

/// Nothing silently dropped: a form field naming a COS feature the emulator does not
/// implement for POST Object (`x-cos-traffic-limit`, …) is answered 501.
fn refuse_unimplemented_fields(fields: &[(String, String)]) -> Result<(), CosError> {
    for (name, _) in fields {
        let name = name.to_ascii_lowercase();
        if feature_headers::is_cos_feature_header(&name)
            && !IMPLEMENTED_FIELDS
                .iter()
                .any(|group| feature_headers::matches_any(group, &name))
        {
            return Err(CosError::not_implemented(&format!(
                "the {name} field of POST Object"
            )));
        }
    }
    Ok(())
}

/// POST Object.
pub(crate) async fn handle(
    state: &State,
    req: &Req,
    judge: &(dyn FormJudge + Sync),
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
    let Admission { key, max_len } = judge.admit(&fields, &filename)?;
    refuse_unimplemented_fields(&fields)?;
    headers::check_key(&key)?;
    let names: Vec<String> = fields.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
    let stored = headers::stored_headers(|n| field(&fields, n).map(str::to_string), &names)?;
    let storage_class = headers::storage_class(field(&fields, "x-cos-storage-class"))?;
    // The form names the canned ACL `acl`; every other attribute field is named like its header.
    let attrs = super::attrs::from_lookup(&|name| match name {
        "x-cos-acl" => field(&fields, "acl"),
        other => field(&fields, other),
    })?;
    let max = state.limits.max_object_size.min(max_len);
    let mut writer = state.store.writer(0).map_err(io_error)?;
    let delimiter = format!("\r\n--{boundary}");
    stream
        .stream_until(delimiter.as_bytes(), |chunk| {
            if writer.len().saturating_add(chunk.len() as u64) > max {
                return Err(CosError::entity_too_large(
                    if max < state.limits.max_object_size {
                        "Condition key content-length-range doesn't match the value"
                    } else {
                        "Your proposed upload exceeds the maximum allowed object size."
                    },
                ));
            }
            writer.write(chunk).map_err(io_error)
        })
        .await?;
    // Fields after the file are ignored, as COS does.
    let (blob, digests) = writer.finish().map_err(io_error)?;
    let checked = judge
        .accept(&fields, &filename, digests.len)
        .and_then(
            |()| match headers::content_md5(field(&fields, "Content-MD5"))? {
                Some(md5) if md5 != digests.md5 => Err(headers::bad_digest()),
                _ => Ok(()),
            },
        );
    if let Err(e) = checked {
        state.store.discard(&blob);
        return Err(e);
    }
    let etag = store_new_object(
        state,
        req,
        key.clone(),
        &digests,
        blob,
        super::object::Description {
            headers: stored,
            storage_class,
            attrs,
        },
    )?;
    respond(req, &fields, &key, &etag, digests.crc64)
}

/// Judges a POST form on behalf of the pipeline (signature, policy, the caller's CAM
/// policy), so that the handler never reaches into authentication itself.
pub(crate) trait FormJudge {
    /// From the fields before the file: the key to store it under and the largest file the
    /// policy admits, or why the form is refused.
    fn admit(&self, fields: &[(String, String)], filename: &str) -> Result<Admission, CosError>;
    /// With the received file's length: the whole policy once more.
    fn accept(&self, fields: &[(String, String)], filename: &str, len: u64)
    -> Result<(), CosError>;
}

/// A form admitted before its file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Admission {
    /// The object key (`${filename}` substituted).
    pub(crate) key: String,
    /// The largest file the policy's `content-length-range` admits.
    pub(crate) max_len: u64,
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
        let enc = cos_core::encoding::uri_encode;
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

#[cfg(test)]
mod field_tests {
    use super::*;

    #[test]
    fn unimplemented_cos_fields_are_refused_and_others_pass() {
        let fields = |name: &str| vec![(name.to_string(), "v".to_string())];
        for ok in [
            "key",
            "acl",
            "x-cos-grant-read",
            "X-Cos-Meta-A",
            "x-cos-storage-class",
            "x-cos-unknown",
        ] {
            assert!(refuse_unimplemented_fields(&fields(ok)).is_ok(), "{ok}");
        }
        for refused in [
            "x-cos-traffic-limit",
            "x-cos-forbid-overwrite",
            "x-cos-grant-write",
        ] {
            let e = refuse_unimplemented_fields(&fields(refused)).unwrap_err();
            assert_eq!(e.code, "NotImplemented", "{refused}");
        }
    }
}
