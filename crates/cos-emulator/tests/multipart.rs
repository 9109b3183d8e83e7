//! Multipart uploads through real HTTP: happy path, listings, limits and errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::{Cos, xml_field, xml_fields};
use cos_emulator::Emulator;

const MIB: usize = 1024 * 1024;

async fn initiate(cos: &Cos, key: &str) -> String {
    let r = cos
        .request(
            "POST",
            &format!("/{key}"),
            &[("uploads", "")],
            &[("content-type", "video/mp4"), ("x-cos-meta-k", "v")],
            Bytes::new(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let id = xml_field(&r.text(), "UploadId").unwrap();
    assert!(id[..10].bytes().all(|b| b.is_ascii_digit()), "{id}");
    id
}

async fn part(cos: &Cos, key: &str, id: &str, n: &str, data: Vec<u8>) -> common::Reply {
    cos.request(
        "PUT",
        &format!("/{key}"),
        &[("partNumber", n), ("uploadId", id)],
        &[],
        data,
    )
    .await
}

fn complete_body(parts: &[(u32, &str)]) -> String {
    let mut s = String::from("<CompleteMultipartUpload>");
    for (n, etag) in parts {
        s.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    s.push_str("</CompleteMultipartUpload>");
    s
}

#[tokio::test]
async fn upload_list_complete_and_read_back() {
    let e = Emulator::builder().start().await.unwrap();
    let cos = Cos::root(&e);
    let id = initiate(&cos, "big.bin").await;
    let p1 = part(&cos, "big.bin", &id, "1", vec![1u8; MIB]).await;
    assert_eq!(p1.status, 200, "{}", p1.text());
    assert!(p1.header("x-cos-hash-crc64ecma").is_some());
    let p2 = part(&cos, "big.bin", &id, "2", b"tail".to_vec()).await;
    let (e1, e2) = (
        p1.header("etag").unwrap().to_string(),
        p2.header("etag").unwrap().to_string(),
    );

    let parts = cos
        .request("GET", "/big.bin", &[("uploadId", &id)], &[], Bytes::new())
        .await;
    let t = parts.text();
    assert_eq!(xml_fields(&t, "PartNumber"), ["1", "2"]);
    assert_eq!(xml_fields(&t, "Size"), ["1048576", "4"]);
    let page = cos
        .request(
            "GET",
            "/big.bin",
            &[("uploadId", &id), ("max-parts", "1")],
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(
        xml_field(&page.text(), "NextPartNumberMarker").as_deref(),
        Some("1")
    );

    let uploads = cos
        .request(
            "GET",
            "/",
            &[("uploads", ""), ("prefix", "big")],
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(xml_fields(&uploads.text(), "UploadId"), vec![id.clone()]);

    let done = cos
        .request(
            "POST",
            "/big.bin",
            &[("uploadId", &id)],
            &[("content-type", "application/xml")],
            complete_body(&[(1, &e1), (2, &e2)]),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let etag = xml_field(&done.text(), "ETag").unwrap();
    assert!(etag.ends_with("-2&quot;"), "{etag}");
    let crc = done.header("x-cos-hash-crc64ecma").unwrap().to_string();

    let got = cos.get("big.bin").await;
    assert_eq!(got.body.len(), MIB + 4);
    assert_eq!(&got.body[MIB..], b"tail");
    assert_eq!(got.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    assert_eq!(got.header("content-type"), Some("video/mp4"));
    assert_eq!(got.header("x-cos-meta-k"), Some("v"));
    let gone = cos
        .request("GET", "/big.bin", &[("uploadId", &id)], &[], Bytes::new())
        .await;
    assert_eq!(gone.code(), "NoSuchUpload");
    e.shutdown().await;
}

#[tokio::test]
async fn limits_and_errors() {
    let e = Emulator::builder().start().await.unwrap();
    let cos = Cos::root(&e);
    let id = initiate(&cos, "k").await;
    let small = part(&cos, "k", &id, "1", b"tiny".to_vec()).await;
    let last = part(&cos, "k", &id, "2", b"last".to_vec()).await;
    let (e1, e2) = (
        small.header("etag").unwrap().to_string(),
        last.header("etag").unwrap().to_string(),
    );
    for bad in ["0", "10001", "x"] {
        let r = part(&cos, "k", &id, bad, b"x".to_vec()).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "InvalidArgument"),
            "part {bad}"
        );
    }
    let query = [("uploadId", id.as_str())];
    let complete = |body: String| cos.request("POST", "/k", &query, &[], body);
    assert_eq!(
        complete(complete_body(&[(1, &e1), (2, &e2)])).await.code(),
        "EntityTooSmall"
    );
    assert_eq!(
        complete(complete_body(&[(2, &e2), (1, &e1)])).await.code(),
        "InvalidPartOrder"
    );
    assert_eq!(
        complete(complete_body(&[(1, "\"deadbeef\"")])).await.code(),
        "InvalidPart"
    );
    assert_eq!(
        complete(complete_body(&[(3, &e1)])).await.code(),
        "InvalidPart"
    );
    assert_eq!(
        complete("<CompleteMultipartUpload><Part>".into())
            .await
            .code(),
        "MalformedXML"
    );
    // A single small part is fine: the last part may be smaller.
    let ok = complete(complete_body(&[(2, &e2)])).await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    let unknown = part(&cos, "k", "1700000000abc", "1", b"x".to_vec()).await;
    assert_eq!(
        (unknown.status, unknown.code().as_str()),
        (404, "NoSuchUpload")
    );
    let id2 = initiate(&cos, "k").await;
    let abort = cos
        .request("DELETE", "/k", &[("uploadId", &id2)], &[], Bytes::new())
        .await;
    assert_eq!(abort.status, 204);
    let again = cos
        .request("DELETE", "/k", &[("uploadId", &id2)], &[], Bytes::new())
        .await;
    assert_eq!(again.code(), "NoSuchUpload");
    e.shutdown().await;
}

/// Uploads three parts (1 MiB, 1 MiB, 1000 bytes) of distinct bytes to `key` and completes
/// them; returns the object's bytes and the Complete reply's CRC-64.
async fn three_part_object(cos: &Cos, key: &str) -> (Vec<u8>, String) {
    let id = initiate(cos, key).await;
    let mut all = Vec::new();
    let mut listed = Vec::new();
    for (n, size) in [(1u32, MIB), (2, MIB), (3, 1000)] {
        let data: Vec<u8> = (0..size)
            .map(|i| ((i * 7 + n as usize) % 251) as u8)
            .collect();
        all.extend_from_slice(&data);
        let r = part(cos, key, &id, &n.to_string(), data).await;
        assert_eq!(r.status, 200, "{}", r.text());
        listed.push((n, r.header("etag").unwrap().to_string()));
    }
    let listed: Vec<(u32, &str)> = listed.iter().map(|(n, e)| (*n, e.as_str())).collect();
    let done = cos
        .request(
            "POST",
            &format!("/{key}"),
            &[("uploadId", &id)],
            &[],
            complete_body(&listed),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let crc = done.header("x-cos-hash-crc64ecma").unwrap().to_string();
    (all, crc)
}

/// Whole, ranged (across part boundaries, suffix, open-ended), HEAD and conditional reads
/// of a completed upload.
async fn reads_like_one_object(cos: &Cos, key: &str, all: &[u8], crc: &str) {
    let path = format!("/{key}");
    let got = cos.get(key).await;
    assert_eq!(got.status, 200);
    assert!(got.body == all, "whole object");
    assert_eq!(got.header("x-cos-hash-crc64ecma"), Some(crc));
    assert_eq!(got.header("content-length"), Some("2098152"));
    let etag = got.header("etag").unwrap().to_string();
    let total = all.len();
    let ranges = [
        ("bytes=0-0".to_string(), 0, 0),
        (format!("bytes={}-{}", MIB - 1, MIB), MIB - 1, MIB),
        (
            format!("bytes={}-{}", MIB - 10, 2 * MIB + 5),
            MIB - 10,
            2 * MIB + 5,
        ),
        ("bytes=-1500".to_string(), total - 1500, total - 1),
        (format!("bytes={}-", 2 * MIB), 2 * MIB, total - 1),
        (format!("bytes={}-", total - 1), total - 1, total - 1),
        (format!("bytes=5-{}", total + 100), 5, total - 1),
    ];
    for (range, start, end) in ranges {
        let r = cos
            .request("GET", &path, &[], &[("range", &range)], Bytes::new())
            .await;
        assert_eq!(r.status, 206, "{range}");
        assert!(r.body == all[start..=end], "{range}");
        assert_eq!(
            r.header("content-range").unwrap(),
            format!("bytes {start}-{end}/{total}"),
            "{range}"
        );
        assert_eq!(r.header("x-cos-hash-crc64ecma"), Some(crc));
    }
    let head = cos.request("HEAD", &path, &[], &[], Bytes::new()).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("2098152"));
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    let unchanged = cos
        .request("GET", &path, &[], &[("if-none-match", &etag)], Bytes::new())
        .await;
    assert_eq!(unchanged.status, 304);
    let failed = cos
        .request(
            "GET",
            &path,
            &[],
            &[("if-match", "\"other\"")],
            Bytes::new(),
        )
        .await;
    assert_eq!(failed.status, 412);
}

#[tokio::test]
async fn completed_uploads_read_like_one_object_and_bodies_can_be_cut() {
    let e = Emulator::builder().start().await.unwrap();
    let cos = Cos::root(&e);
    let (all, crc) = three_part_object(&cos, "mp.bin").await;
    reads_like_one_object(&cos, "mp.bin", &all, &crc).await;
    e.set_faults(cos_emulator::Faults::none().cut_body(1.0));
    let cut = cos.get("mp.bin").await;
    assert_eq!(cut.header("content-length"), Some("2098152"));
    assert!(cut.body.len() < all.len(), "the body must be cut");
    e.shutdown().await;
}

fn blob_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("blobs")).unwrap().count()
}

#[tokio::test]
async fn completed_uploads_survive_a_restart_and_leave_no_files_behind() {
    let dir = tempfile::tempdir().unwrap();
    let start = || Emulator::builder().data_dir(dir.path()).start();
    let e = start().await.unwrap();
    let cos = Cos::root(&e);
    let (all, crc) = three_part_object(&cos, "mp.bin").await;
    assert_eq!(blob_files(dir.path()), 3, "the parts are the object");
    e.shutdown().await;

    let e = start().await.unwrap();
    let cos = Cos::root(&e);
    reads_like_one_object(&cos, "mp.bin", &all, &crc).await;
    let copied = cos
        .request(
            "PUT",
            "/copy.bin",
            &[],
            &[(
                "x-cos-copy-source",
                &format!("{}.cos.{}.myqcloud.com/mp.bin", e.buckets()[0], e.region()),
            )],
            Bytes::new(),
        )
        .await;
    assert_eq!(copied.status, 200, "{}", copied.text());
    assert_eq!(copied.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    assert_eq!(cos.put("mp.bin", "overwritten").await.status, 200);
    assert!(cos.get("copy.bin").await.body == all);
    let (again, _) = three_part_object(&cos, "again.bin").await;
    assert_eq!(
        cos.request("DELETE", "/again.bin", &[], &[], Bytes::new())
            .await
            .status,
        204
    );
    assert_eq!(again.len(), all.len());
    e.shutdown().await;
    // The overwritten and the deleted upload released all their parts: only the copy and
    // the small object remain.
    assert_eq!(blob_files(dir.path()), 2);
}
