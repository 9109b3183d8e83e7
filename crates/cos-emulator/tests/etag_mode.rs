//! The opt-in CRC-64 ETag mode: ETags built from CRC-64 and length, Content-MD5 still
//! enforced (and then the ETag is the MD5), multipart uploads complete as usual.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::Engine as _;
use bytes::Bytes;
use common::{Cos, xml_field};
use cos_emulator::{Emulator, EtagMode};
use md5::Digest as _;

async fn crc64_emulator() -> Emulator {
    Emulator::builder()
        .etag_mode(EtagMode::Crc64)
        .start()
        .await
        .unwrap()
}

/// The ETag the CRC-64 mode promises: quoted hex of CRC-64 then length, big-endian.
fn crc64_etag(crc64: &str, len: usize) -> String {
    let crc: u64 = crc64.parse().unwrap();
    format!("\"{crc:016x}{:016x}\"", len as u64)
}

#[tokio::test]
async fn put_etag_is_crc64_and_length_and_stays_on_get() {
    let e = crc64_emulator().await;
    assert_eq!(e.etag_mode(), EtagMode::Crc64);
    let cos = Cos::root(&e);
    for size in [0usize, 11, 300 * 1024] {
        let data = vec![7u8; size];
        let put = cos.request("PUT", "/obj", &[], &[], data.clone()).await;
        assert_eq!(put.status, 200, "{}", put.text());
        let crc = put.header("x-cos-hash-crc64ecma").unwrap().to_string();
        let etag = put.header("etag").unwrap().to_string();
        assert_eq!(etag, crc64_etag(&crc, size));
        let md5 = format!("\"{}\"", hex::encode(md5::Md5::digest(&data)));
        assert_ne!(etag, md5, "CRC-64 mode must not compute the MD5");
        let got = cos.get("obj").await;
        assert_eq!(got.body, data);
        assert_eq!(got.header("etag"), Some(etag.as_str()));
    }
    e.shutdown().await;
}

#[tokio::test]
async fn content_md5_is_still_checked_and_then_the_etag_is_the_md5() {
    let e = crc64_emulator().await;
    let cos = Cos::root(&e);
    let data = Bytes::from(vec![3u8; 512 * 1024]);
    let md5 = md5::Md5::digest(&data);
    let b64 = base64::engine::general_purpose::STANDARD.encode(md5);
    let ok = cos
        .request(
            "PUT",
            "/checked",
            &[],
            &[("content-md5", &b64)],
            data.clone(),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(
        ok.header("etag").unwrap(),
        format!("\"{}\"", hex::encode(md5))
    );
    let wrong = base64::engine::general_purpose::STANDARD.encode([0u8; 16]);
    let bad = cos
        .request("PUT", "/checked", &[], &[("content-md5", &wrong)], data)
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.code(), "BadDigest");
    e.shutdown().await;
}

#[tokio::test]
async fn multipart_completes_with_crc64_part_etags() {
    let e = crc64_emulator().await;
    let cos = Cos::root(&e);
    let init = cos
        .request("POST", "/mp", &[("uploads", "")], &[], Bytes::new())
        .await;
    let id = xml_field(&init.text(), "UploadId").unwrap();
    let mut etags = Vec::new();
    for (n, fill) in [("1", 1u8), ("2", 2u8)] {
        let data = vec![fill; 1024 * 1024];
        let r = cos
            .request(
                "PUT",
                "/mp",
                &[("partNumber", n), ("uploadId", &id)],
                &[],
                data,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let crc = r.header("x-cos-hash-crc64ecma").unwrap().to_string();
        let etag = r.header("etag").unwrap().to_string();
        assert_eq!(etag, crc64_etag(&crc, 1024 * 1024));
        etags.push((n, etag));
    }
    let mut body = String::from("<CompleteMultipartUpload>");
    for (n, etag) in &etags {
        body.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>"
        ));
    }
    body.push_str("</CompleteMultipartUpload>");
    let done = cos
        .request("POST", "/mp", &[("uploadId", &id)], &[], body)
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(
        xml_field(&done.text(), "ETag")
            .unwrap()
            .ends_with("-2&quot;")
    );
    let got = cos.get("mp").await;
    assert_eq!(got.body.len(), 2 * 1024 * 1024);
    e.shutdown().await;
}

#[tokio::test]
async fn the_default_is_the_md5() {
    let e = Emulator::builder().start().await.unwrap();
    assert_eq!(e.etag_mode(), EtagMode::Md5);
    let cos = Cos::root(&e);
    let put = cos.request("PUT", "/o", &[], &[], "hello world").await;
    assert_eq!(
        put.header("etag"),
        Some("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
    );
    e.shutdown().await;
}

#[tokio::test]
async fn a_copied_part_gets_a_crc64_etag_too() {
    let e = crc64_emulator().await;
    let cos = Cos::root(&e);
    let data = vec![9u8; 4096];
    assert_eq!(
        cos.request("PUT", "/src", &[], &[], data.clone())
            .await
            .status,
        200
    );
    let init = cos
        .request("POST", "/dst", &[("uploads", "")], &[], Bytes::new())
        .await;
    let id = xml_field(&init.text(), "UploadId").unwrap();
    let source = format!("{}.cos.{}.myqcloud.com/src", e.buckets()[0], e.region());
    let copied = cos
        .request(
            "PUT",
            "/dst",
            &[("partNumber", "1"), ("uploadId", &id)],
            &[
                ("x-cos-copy-source", &source),
                ("x-cos-copy-source-range", "bytes=0-1023"),
            ],
            Bytes::new(),
        )
        .await;
    assert_eq!(copied.status, 200, "{}", copied.text());
    let crc = copied.header("x-cos-hash-crc64ecma").unwrap().to_string();
    let etag = xml_field(&copied.text(), "ETag")
        .unwrap()
        .replace("&quot;", "\"");
    assert_eq!(etag, crc64_etag(&crc, 1024));
    e.shutdown().await;
}
