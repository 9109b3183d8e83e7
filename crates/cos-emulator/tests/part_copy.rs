//! Upload Part - Copy through real HTTP on loopback: ranges of single and multipart sources,
//! the answer's ETag and CRC-64, range errors, and what a temporary key needs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::{Cos, Reply, policy, sts_tc3, temp_credential, xml_field};
use cos_emulator::Emulator;

const SRC: &str = common::COPY_SRC;
const DST: &str = common::COPY_DST;
const MIB: usize = 1024 * 1024;

async fn emulator() -> Emulator {
    common::copy_emulator().await
}

fn source_header(key: &str) -> String {
    common::copy_source_header(SRC, key)
}

fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

async fn initiate(cos: &Cos, key: &str) -> String {
    let r = cos
        .request(
            "POST",
            &format!("/{DST}/{key}"),
            &[("uploads", "")],
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    xml_field(&r.text(), "UploadId").unwrap()
}

async fn part_copy(
    cos: &Cos,
    key: &str,
    id: &str,
    n: &str,
    source: &str,
    range: Option<&str>,
) -> Reply {
    let source = source_header(source);
    let mut headers = vec![("x-cos-copy-source", source.as_str())];
    if let Some(range) = range {
        headers.push(("x-cos-copy-source-range", range));
    }
    cos.request(
        "PUT",
        &format!("/{DST}/{key}"),
        &[("partNumber", n), ("uploadId", id)],
        &headers,
        Bytes::new(),
    )
    .await
}

async fn complete(cos: &Cos, key: &str, id: &str, etags: &[String]) -> Reply {
    let mut body = String::from("<CompleteMultipartUpload>");
    for (i, etag) in etags.iter().enumerate() {
        body.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{etag}</ETag></Part>",
            i + 1
        ));
    }
    body.push_str("</CompleteMultipartUpload>");
    cos.request(
        "POST",
        &format!("/{DST}/{key}"),
        &[("uploadId", id)],
        &[],
        body,
    )
    .await
}

fn crc64(data: &[u8]) -> u64 {
    // CRC-64/XZ, bit by bit: an oracle independent of the emulator's table code.
    let mut crc = u64::MAX;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xC96C_5795_D787_0F42
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn parts_copied_from_ranges_of_single_and_multipart_sources_assemble_the_object() {
    let e = emulator().await;
    let root = Cos::root(&e);
    let plain = bytes(2 * MIB + 300, 1);
    assert_eq!(
        root.request("PUT", &format!("/{SRC}/plain.bin"), &[], &[], plain.clone())
            .await
            .status,
        200
    );
    // A multipart (composite) source of 2 parts.
    let source_id = {
        let r = root
            .request(
                "POST",
                &format!("/{SRC}/multi.bin"),
                &[("uploads", "")],
                &[],
                Bytes::new(),
            )
            .await;
        xml_field(&r.text(), "UploadId").unwrap()
    };
    let multi = [bytes(MIB, 2), bytes(MIB / 2, 3)].concat();
    let mut source_etags = Vec::new();
    for (n, chunk) in [("1", &multi[..MIB]), ("2", &multi[MIB..])] {
        let r = root
            .request(
                "PUT",
                &format!("/{SRC}/multi.bin"),
                &[("partNumber", n), ("uploadId", &source_id)],
                &[],
                chunk.to_vec(),
            )
            .await;
        source_etags.push(r.header("etag").unwrap().to_string());
    }
    let mut body = String::from("<CompleteMultipartUpload>");
    for (i, etag) in source_etags.iter().enumerate() {
        body.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>{etag}</ETag></Part>",
            i + 1
        ));
    }
    body.push_str("</CompleteMultipartUpload>");
    let done = root
        .request(
            "POST",
            &format!("/{SRC}/multi.bin"),
            &[("uploadId", &source_id)],
            &[],
            body,
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());

    let id = initiate(&root, "copy.bin").await;
    let first = part_copy(
        &root,
        "copy.bin",
        &id,
        "1",
        "plain.bin",
        Some("bytes=0-1048575"),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text());
    let text = first.text();
    assert!(text.contains("<CopyPartResult>"), "{text}");
    let etag = xml_field(&text, "ETag").unwrap().replace("&quot;", "\"");
    use md5::Digest as _;
    assert_eq!(
        etag,
        format!("\"{}\"", hex::encode(md5::Md5::digest(&plain[..MIB])))
    );
    let crc = crc64(&plain[..MIB]).to_string();
    assert_eq!(xml_field(&text, "CRC64").as_deref(), Some(crc.as_str()));
    assert_eq!(first.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    assert!(xml_field(&text, "LastModified").unwrap().ends_with('Z'));

    // From a composite source, across its part boundary, then a whole source as the last part.
    let second = part_copy(
        &root,
        "copy.bin",
        &id,
        "2",
        "multi.bin",
        Some("bytes=262144-1310719"),
    )
    .await;
    assert_eq!(second.status, 200, "{}", second.text());
    let third = part_copy(&root, "copy.bin", &id, "3", "plain.bin", None).await;
    assert_eq!(third.status, 200, "{}", third.text());
    let etags: Vec<String> = [&first, &second, &third]
        .iter()
        .map(|r| {
            xml_field(&r.text(), "ETag")
                .unwrap()
                .replace("&quot;", "\"")
        })
        .collect();
    let listed = root
        .request(
            "GET",
            &format!("/{DST}/copy.bin"),
            &[("uploadId", &id)],
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(
        common::xml_fields(&listed.text(), "Size"),
        ["1048576", "1048576", &plain.len().to_string()]
    );
    let done = complete(&root, "copy.bin", &id, &etags).await;
    assert_eq!(done.status, 200, "{}", done.text());

    let expected = [
        &plain[..MIB],
        &multi[256 * 1024..256 * 1024 + MIB],
        &plain[..],
    ]
    .concat();
    let got = root.get(&format!("{DST}/copy.bin")).await;
    assert_eq!(got.body.len(), expected.len());
    assert!(got.body[..] == expected[..], "the copied bytes differ");
    assert_eq!(
        got.header("x-cos-hash-crc64ecma").unwrap(),
        crc64(&expected).to_string()
    );
    e.shutdown().await;
}

#[tokio::test]
async fn bad_ranges_sources_and_uploads_are_refused() {
    let e = emulator().await;
    let root = Cos::root(&e);
    assert_eq!(
        root.request("PUT", &format!("/{SRC}/ten.txt"), &[], &[], "0123456789")
            .await
            .status,
        200
    );
    let id = initiate(&root, "k").await;
    for (range, status, code) in [
        ("bytes=5-4", 400, "InvalidArgument"),
        ("bytes=0-", 400, "InvalidArgument"),
        ("0-4", 400, "InvalidArgument"),
        ("bytes=3-10", 416, "InvalidRange"),
    ] {
        let r = part_copy(&root, "k", &id, "1", "ten.txt", Some(range)).await;
        assert_eq!((r.status, r.code().as_str()), (status, code), "{range}");
    }
    let r = part_copy(&root, "k", &id, "1", "missing.txt", None).await;
    assert_eq!((r.status, r.code().as_str()), (404, "NoSuchCopySource"));
    let r = part_copy(&root, "k", &id, "0", "ten.txt", None).await;
    assert_eq!((r.status, r.code().as_str()), (400, "InvalidArgument"));
    let r = part_copy(&root, "k", "no-such-upload", "1", "ten.txt", None).await;
    assert_eq!((r.status, r.code().as_str()), (404, "NoSuchUpload"));
    let r = part_copy(&root, "other", &id, "1", "ten.txt", None).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (404, "NoSuchUpload"),
        "the upload belongs to another key"
    );
    let parts = root
        .request(
            "GET",
            &format!("/{DST}/k"),
            &[("uploadId", &id)],
            &[],
            Bytes::new(),
        )
        .await;
    assert!(
        common::xml_fields(&parts.text(), "PartNumber").is_empty(),
        "nothing was stored"
    );
    let ok = part_copy(&root, "k", &id, "1", "ten.txt", Some("bytes=2-4")).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    e.shutdown().await;
}

/// A client with a temporary key allowed `actions` on both buckets.
async fn temporary(e: &Emulator, actions: &[&str]) -> Cos {
    let resources = [
        format!("qcs::cos:{}:uid/{}:{SRC}/*", e.region(), e.appid()),
        format!("qcs::cos:{}:uid/{}:{DST}/*", e.region(), e.appid()),
    ];
    let body = serde_json::json!({"Name": "pc", "Policy": policy(actions, &resources), "DurationSeconds": 1800});
    let r = sts_tc3(e, &e.root_credential(), "GetFederationToken", &body, None).await;
    Cos::with(e, Some(temp_credential(&r)))
}

#[tokio::test]
async fn a_temporary_key_needs_put_object_on_the_destination_and_get_object_on_the_source() {
    let e = emulator().await;
    let root = Cos::root(&e);
    assert_eq!(
        root.request("PUT", &format!("/{SRC}/in/a.txt"), &[], &[], "alpha")
            .await
            .status,
        200
    );
    let id = initiate(&root, "t").await;
    // The documented set: PutObject on the destination (not UploadPart), GetObject on the source.
    let allowed = temporary(&e, &["name/cos:PutObject", "name/cos:GetObject"]).await;
    let ok = part_copy(&allowed, "t", &id, "1", "in/a.txt", None).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    for actions in [
        &["name/cos:UploadPart", "name/cos:GetObject"][..],
        &["name/cos:PutObject"][..],
    ] {
        let denied = temporary(&e, actions).await;
        let r = part_copy(&denied, "t", &id, "2", "in/a.txt", None).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (403, "AccessDenied"),
            "{actions:?}"
        );
    }
    e.shutdown().await;
}
