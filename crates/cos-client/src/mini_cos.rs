//! A tiny in-memory COS for transfer tests (objects, multipart, ranges, CRC-64, faults).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use md5::{Digest, Md5};

use crate::crc64;
use crate::mock_server::{Recorded, Reply, broken_reply, error_reply, reply};

#[derive(Default)]
pub(crate) struct MiniCos {
    pub(crate) objects: HashMap<String, Vec<u8>>,
    pub(crate) uploads: BTreeMap<String, (String, BTreeMap<u32, Vec<u8>>)>,
    next_id: u64,
    requests: u64,
    /// Answer 503 to every n-th request.
    pub(crate) fail_every: Option<u64>,
    /// Report a wrong CRC for this part number.
    pub(crate) corrupt_part: Option<u32>,
    /// Refuse part uploads (403) once this many parts are stored.
    pub(crate) deny_parts_after: Option<usize>,
    /// Report a wrong CRC on HEAD.
    pub(crate) corrupt_head: bool,
    /// Create the first upload but cut the connection instead of answering.
    pub(crate) lose_first_initiate: bool,
    /// Break this many ranged GET bodies halfway.
    pub(crate) cut_ranges: u32,
    /// How many uploads were created.
    pub(crate) initiated: u64,
}

fn etag(data: &[u8]) -> String {
    let digest = Md5::digest(data);
    format!(
        "\"{}\"",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn key_of(r: &Recorded) -> String {
    percent_encoding::percent_decode_str(r.uri.path().trim_start_matches('/'))
        .decode_utf8_lossy()
        .into_owned()
}

pub(crate) fn handler(
    cos: Arc<Mutex<MiniCos>>,
) -> impl Fn(&Recorded) -> Reply + Send + Sync + 'static {
    move |r| {
        let mut cos = cos.lock().unwrap();
        cos.requests += 1;
        if let Some(n) = cos.fail_every
            && cos.requests.is_multiple_of(n)
        {
            return error_reply(503, "SlowDown", "please slow down");
        }
        let key = key_of(r);
        let method = r.method.as_str();
        match (method, r.query("uploadId"), r.query_has("uploads")) {
            ("POST", None, true) => {
                cos.next_id += 1;
                let id = format!("1700000000{:08x}", cos.next_id);
                cos.uploads
                    .insert(id.clone(), (key.clone(), BTreeMap::new()));
                cos.initiated += 1;
                if cos.lose_first_initiate {
                    cos.lose_first_initiate = false;
                    return Reply::Cut;
                }
                let body = format!(
                    "<InitiateMultipartUploadResult><Bucket>b-1</Bucket><Key>{key}</Key><UploadId>{id}</UploadId></InitiateMultipartUploadResult>"
                );
                reply(200, &[], body)
            }
            ("GET", None, true) => {
                let prefix = r.query("prefix").unwrap_or_default();
                let mut body = String::from(
                    "<ListMultipartUploadsResult><Bucket>b-1</Bucket><IsTruncated>false</IsTruncated>",
                );
                for (id, (k, _)) in &cos.uploads {
                    if k.starts_with(&prefix) {
                        body.push_str(&format!("<Upload><Key>{}</Key><UploadId>{id}</UploadId><Initiated>t</Initiated></Upload>", tc3_signer::uri_encode(k)));
                    }
                }
                body.push_str("<EncodingType>url</EncodingType></ListMultipartUploadsResult>");
                reply(200, &[], body)
            }
            ("PUT", Some(id), _) => {
                let number: u32 = r.query("partNumber").unwrap().parse().unwrap();
                let deny = cos.deny_parts_after;
                let corrupt = cos.corrupt_part;
                let Some((_, parts)) = cos.uploads.get_mut(&id) else {
                    return error_reply(404, "NoSuchUpload", "no such upload");
                };
                if deny.is_some_and(|n| parts.len() >= n) {
                    return error_reply(403, "AccessDenied", "Access Denied.");
                }
                if let Some(source) = r.header("x-cos-copy-source") {
                    // Upload Part - Copy: `<host>/<key>` and an optional `bytes=a-b`.
                    let source_key = source.split_once('/').map(|(_, k)| k).unwrap_or_default();
                    let Some(object) = cos.objects.get(source_key).cloned() else {
                        return error_reply(404, "NoSuchCopySource", "no such source");
                    };
                    let data = match r.header("x-cos-copy-source-range") {
                        Some(range) => {
                            let (a, b) =
                                range.trim_start_matches("bytes=").split_once('-').unwrap();
                            object[a.parse::<usize>().unwrap()..=b.parse::<usize>().unwrap()]
                                .to_vec()
                        }
                        None => object,
                    };
                    let mut crc = crc64::checksum(&data);
                    if corrupt == Some(number) {
                        crc ^= 1;
                    }
                    let tag = etag(&data);
                    cos.uploads.get_mut(&id).unwrap().1.insert(number, data);
                    let body = format!(
                        "<CopyPartResult><ETag>{}</ETag><LastModified>t</LastModified><CRC64>{crc}</CRC64></CopyPartResult>",
                        tag.replace('"', "&quot;")
                    );
                    return reply(200, &[], body);
                }
                let mut crc = crc64::checksum(&r.body);
                if corrupt == Some(number) {
                    crc ^= 1;
                }
                parts.insert(number, r.body.to_vec());
                reply(
                    200,
                    &[
                        ("etag", &etag(&r.body)),
                        ("x-cos-hash-crc64ecma", &crc.to_string()),
                    ],
                    "",
                )
            }
            ("GET", Some(id), _) => {
                let Some((_, parts)) = cos.uploads.get(&id) else {
                    return error_reply(404, "NoSuchUpload", "no such upload");
                };
                let mut body = String::from("<ListPartsResult><IsTruncated>false</IsTruncated>");
                for (n, data) in parts {
                    body.push_str(&format!(
                        "<Part><PartNumber>{n}</PartNumber><ETag>{}</ETag><Size>{}</Size></Part>",
                        etag(data).replace('"', "&quot;"),
                        data.len()
                    ));
                }
                body.push_str("</ListPartsResult>");
                reply(200, &[], body)
            }
            ("POST", Some(id), _) => {
                let Some((k, parts)) = cos.uploads.remove(&id) else {
                    return error_reply(404, "NoSuchUpload", "no such upload");
                };
                let text = String::from_utf8_lossy(&r.body).into_owned();
                let mut object = Vec::new();
                for piece in text.split("<PartNumber>").skip(1) {
                    let n: u32 = piece.split('<').next().unwrap().parse().unwrap();
                    object.extend_from_slice(&parts[&n]);
                }
                let crc = crc64::checksum(&object).to_string();
                cos.objects.insert(k.clone(), object);
                let body = format!(
                    "<CompleteMultipartUploadResult><Location>l</Location><Bucket>b-1</Bucket><Key>{k}</Key><ETag>&quot;abc-{}&quot;</ETag></CompleteMultipartUploadResult>",
                    parts.len()
                );
                reply(200, &[("x-cos-hash-crc64ecma", &crc)], body)
            }
            ("DELETE", Some(id), _) => match cos.uploads.remove(&id) {
                Some(_) => reply(204, &[], ""),
                None => error_reply(404, "NoSuchUpload", "no such upload"),
            },
            ("PUT", None, _) => {
                let crc = crc64::checksum(&r.body).to_string();
                cos.objects.insert(key, r.body.to_vec());
                reply(
                    200,
                    &[("etag", &etag(&r.body)), ("x-cos-hash-crc64ecma", &crc)],
                    "",
                )
            }
            ("HEAD", None, _) => match cos.objects.get(&key) {
                Some(data) => {
                    let mut crc = crc64::checksum(data);
                    if cos.corrupt_head {
                        crc ^= 1;
                    }
                    reply(
                        200,
                        &[
                            ("content-length", &data.len().to_string()),
                            ("etag", &etag(data)),
                            ("x-cos-hash-crc64ecma", &crc.to_string()),
                        ],
                        "",
                    )
                }
                None => reply(404, &[], ""),
            },
            ("GET", None, _) => match cos.objects.get(&key).cloned() {
                Some(data) => {
                    let crc = crc64::checksum(&data).to_string();
                    let cut_ranges = cos.cut_ranges;
                    if let Some(range) = r.header("range") {
                        if let Some(tag) = r.header("if-match")
                            && tag != etag(&data)
                        {
                            return error_reply(412, "PreconditionFailed", "etag");
                        }
                        let (a, b) = range.trim_start_matches("bytes=").split_once('-').unwrap();
                        let a: usize = a.parse().unwrap();
                        let b: usize = b.parse::<usize>().unwrap().min(data.len() - 1);
                        let content_range = format!("bytes {a}-{b}/{}", data.len());
                        if cut_ranges > 0 {
                            // Announce the whole range, send half: the connection breaks.
                            cos.cut_ranges -= 1;
                            let half = (b - a).div_ceil(2);
                            return broken_reply(
                                206,
                                &[("content-range", &content_range)],
                                data[a..a + half].to_vec(),
                                (b - a + 1) as u64,
                            );
                        }
                        reply(
                            206,
                            &[
                                ("content-range", &content_range),
                                ("x-cos-hash-crc64ecma", &crc),
                            ],
                            data[a..=b].to_vec(),
                        )
                    } else {
                        reply(
                            200,
                            &[("etag", &etag(&data)), ("x-cos-hash-crc64ecma", &crc)],
                            data.clone(),
                        )
                    }
                }
                None => error_reply(404, "NoSuchKey", "The specified key does not exist."),
            },
            ("DELETE", None, _) => {
                cos.objects.remove(&key);
                reply(204, &[], "")
            }
            _ => error_reply(405, "MethodNotAllowed", "unsupported"),
        }
    }
}
