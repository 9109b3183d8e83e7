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
