//! Object operations, routing, listing and error formats through real HTTP on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::Engine as _;
use bytes::Bytes;
use common::{Cos, Reply, send, xml_field, xml_fields};
use cos_emulator::Emulator;

async fn emulator() -> Emulator {
    Emulator::builder()
        .bucket("examplebucket")
        .bucket("other")
        .start()
        .await
        .unwrap()
}

/// `GET /dir/hello.txt` with `headers`.
async fn get_hello_with(cos: &Cos, headers: &[(&str, &str)]) -> Reply {
    cos.request("GET", "/dir/hello.txt", &[], headers, Bytes::new())
        .await
}

/// `PUT <path>` of `body` with `Content-MD5: <md5>`.
async fn put_with_md5(cos: &Cos, path: &str, md5: &str, body: impl Into<Bytes>) -> Reply {
    cos.request("PUT", path, &[], &[("content-md5", md5)], body)
        .await
}

fn md5_b64(data: &[u8]) -> String {
    use md5::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(data))
}

#[tokio::test]
async fn put_get_head_delete_round_trip_with_cos_headers() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let put = cos
        .request(
            "PUT",
            "/dir/hello.txt",
            &[],
            &[
                ("content-type", "text/plain"),
                ("x-cos-meta-Author", "alice"),
            ],
            "hello world",
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(
        put.header("etag"),
        Some("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
    );
    assert_eq!(
        put.header("x-cos-hash-crc64ecma"),
        Some("5981764153023615706")
    );
    assert!(put.header("x-cos-request-id").is_some());
    assert!(put.header("date").is_some());
    assert_eq!(put.header("server"), Some("tencent-cos"));

    let get = cos.get("dir/hello.txt").await;
    assert_eq!(get.status, 200);
    assert_eq!(&get.body[..], b"hello world");
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("x-cos-meta-author"), Some("alice"));
    assert_eq!(
        get.header("x-cos-hash-crc64ecma"),
        Some("5981764153023615706")
    );
    assert!(get.header("last-modified").is_some());

    let head = cos
        .request("HEAD", "/dir/hello.txt", &[], &[], Bytes::new())
        .await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("11"));
    assert!(head.body.is_empty());

    let range = get_hello_with(&cos, &[("range", "bytes=6-")]).await;
    assert_eq!(range.status, 206);
    assert_eq!(&range.body[..], b"world");
    assert_eq!(range.header("content-range"), Some("bytes 6-10/11"));
    assert_eq!(
        range.header("x-cos-hash-crc64ecma"),
        Some("5981764153023615706")
    );

    let bad_range = get_hello_with(&cos, &[("range", "bytes=20-30")]).await;
    assert_eq!(
        (bad_range.status, bad_range.code().as_str()),
        (416, "InvalidRange")
    );

    let not_modified = get_hello_with(
        &cos,
        &[("if-none-match", "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")],
    )
    .await;
    assert_eq!(not_modified.status, 304);
    let failed = get_hello_with(&cos, &[("if-match", "\"nope\"")]).await;
    assert_eq!(
        (failed.status, failed.code().as_str()),
        (412, "PreconditionFailed")
    );

    let overridden = cos
        .request(
            "GET",
            "/dir/hello.txt",
            &[("response-content-type", "image/png")],
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(overridden.header("content-type"), Some("image/png"));

    let del = cos
        .request("DELETE", "/dir/hello.txt", &[], &[], Bytes::new())
        .await;
    assert_eq!(del.status, 204);
    let again = cos
        .request("DELETE", "/dir/hello.txt", &[], &[], Bytes::new())
        .await;
    assert_eq!(again.status, 204, "deleting a missing key is still 204");
    let gone = cos.get("dir/hello.txt").await;
    assert_eq!(gone.status, 404);
    e.shutdown().await;
}

#[tokio::test]
async fn errors_are_cos_xml_with_ids() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let missing = cos.get("nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-type"), Some("application/xml"));
    let body = missing.text();
    assert!(
        body.starts_with("<?xml version='1.0' encoding='utf-8' ?>"),
        "{body}"
    );
    assert_eq!(missing.code(), "NoSuchKey");
    assert_eq!(
        xml_field(&body, "RequestId").as_deref(),
        missing.header("x-cos-request-id")
    );
    assert!(xml_field(&body, "TraceId").is_some());
    assert!(missing.header("x-cos-trace-id").is_some());

    let head = cos.request("HEAD", "/nope", &[], &[], Bytes::new()).await;
    assert_eq!(head.status, 404);
    assert!(head.body.is_empty(), "HEAD errors have no body");
    assert!(head.header("x-cos-request-id").is_some());

    let symlink = cos
        .request("GET", "/k", &[("symlink", "")], &[], Bytes::new())
        .await;
    assert_eq!(
        (symlink.status, symlink.code().as_str()),
        (501, "NotImplemented")
    );
    let long = cos.put(&"k".repeat(851), "x").await;
    assert_eq!(long.code(), "KeyTooLong");
    let unsigned = send("GET", &format!("{}/k", e.cos_endpoint()), &[], Bytes::new()).await;
    assert_eq!(
        (unsigned.status, unsigned.code().as_str()),
        (403, "AccessDenied")
    );
    e.shutdown().await;
}

#[tokio::test]
async fn content_md5_is_verified() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let good = put_with_md5(&cos, "/m", &md5_b64(b"data"), "data").await;
    assert_eq!(good.status, 200);
    let bad = put_with_md5(&cos, "/m", &md5_b64(b"other"), "data").await;
    assert_eq!((bad.status, bad.code().as_str()), (400, "BadDigest"));
    let malformed = put_with_md5(&cos, "/m", "zz", "data").await;
    assert_eq!(malformed.code(), "InvalidDigest");
    assert_eq!(
        &cos.get("m").await.body[..],
        b"data",
        "a failed PUT leaves the old object"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn large_and_chunked_bodies_get_the_same_digests() {
    use md5::Digest as _;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let e = emulator().await;
    let cos = Cos::root(&e);
    // Large enough to be hashed on the digest thread, in many chunks.
    let data: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    let md5_hex = hex::encode(md5::Md5::digest(&data));
    let crc = cos_core::crc64::checksum(&data).to_string();
    let put = put_with_md5(&cos, "/big", &md5_b64(&data), data.clone()).await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.header("etag"), Some(format!("\"{md5_hex}\"").as_str()));
    assert_eq!(put.header("x-cos-hash-crc64ecma"), Some(crc.as_str()));
    let get = cos.get("big").await;
    assert_eq!(get.body.len(), data.len());
    assert!(get.body[..] == data[..]);
    let mut wrong = data.clone();
    wrong[12345] ^= 1;
    let bad = put_with_md5(&cos, "/big", &md5_b64(&data), wrong).await;
    assert_eq!((bad.status, bad.code().as_str()), (400, "BadDigest"));

    // A chunked body (no Content-Length) goes through the digest thread too.
    let anonymous = Emulator::builder()
        .allow_anonymous(true)
        .start()
        .await
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(anonymous.cos_addr())
        .await
        .unwrap();
    let mut request = format!(
        "PUT /chunked HTTP/1.1\r\nHost: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        anonymous.cos_addr()
    )
    .into_bytes();
    for piece in [&b"hello "[..], b"chunked ", b"world"] {
        request.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        request.extend_from_slice(piece);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&request).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    let reply = String::from_utf8_lossy(&reply);
    let expected = hex::encode(md5::Md5::digest(b"hello chunked world"));
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains(&format!("ETag: \"{expected}\"")), "{reply}");
    anonymous.shutdown().await;
    e.shutdown().await;
}

#[tokio::test]
async fn routing_virtual_hosted_path_style_absolute_form_and_default() {
    let e = emulator().await;
    let mut cos = Cos::root(&e);
    let vhost = "other-1250000000.cos.ap-guangzhou.myqcloud.com";
    cos.host = vhost.into();
    assert_eq!(cos.put("v.txt", "virtual").await.status, 200);
    cos.host = e.cos_addr().to_string();
    // Path-style reaches the same bucket.
    let path_style = cos.get("other-1250000000/v.txt").await;
    assert_eq!(&path_style.body[..], b"virtual");
    // The bare address is the default (first) bucket.
    assert_eq!(cos.get("v.txt").await.status, 404);
    assert_eq!(cos.put("d.txt", "default").await.status, 200);
    assert_eq!(
        &cos.get("examplebucket-1250000000/d.txt").await.body[..],
        b"default"
    );
    // Absolute-form request line, as sent through an HTTP proxy.
    let raw =
        format!("GET http://{vhost}/v.txt HTTP/1.1\r\nHost: {vhost}\r\nConnection: close\r\n\r\n");
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(e.cos_addr()).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    // Unsigned, so denied, but routed: the Resource names the virtual host.
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    assert!(
        response.contains(&format!("<Resource>{vhost}/v.txt</Resource>")),
        "{response}"
    );
    // An unknown bucket host.
    cos.host = "ghost-1250000000.cos.ap-guangzhou.myqcloud.com".into();
    let ghost = cos.get("x").await;
    assert_eq!((ghost.status, ghost.code().as_str()), (404, "NoSuchBucket"));
    e.shutdown().await;
}

#[tokio::test]
async fn list_objects_prefix_delimiter_marker_paging_and_encoding() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    for key in ["a/1.txt", "a/2.txt", "b.txt", "c d.txt", "z/x/y"] {
        assert_eq!(cos.put(key, "x").await.status, 200);
    }
    let all = cos.request("GET", "/", &[], &[], Bytes::new()).await;
    assert_eq!(all.status, 200, "{}", all.text());
    assert_eq!(xml_fields(&all.text(), "Key").len(), 5);
    assert_eq!(all.header("x-cos-bucket-region"), Some("ap-guangzhou"));

    let grouped = cos
        .request("GET", "/", &[("delimiter", "/")], &[], Bytes::new())
        .await;
    let text = grouped.text();
    assert_eq!(xml_fields(&text, "Key"), ["b.txt", "c d.txt"]);
    assert_eq!(xml_fields(&text, "Prefix"), ["a/", "z/"]);

    let page1 = cos
        .request("GET", "/", &[("max-keys", "2")], &[], Bytes::new())
        .await;
    let t1 = page1.text();
    assert_eq!(xml_field(&t1, "IsTruncated").as_deref(), Some("true"));
    assert_eq!(xml_field(&t1, "NextMarker").as_deref(), Some("a/2.txt"));
    let page2 = cos
        .request("GET", "/", &[("marker", "a/2.txt")], &[], Bytes::new())
        .await;
    assert_eq!(
        xml_fields(&page2.text(), "Key"),
        ["b.txt", "c d.txt", "z/x/y"]
    );

    let prefixed = cos
        .request("GET", "/", &[("prefix", "a/")], &[], Bytes::new())
        .await;
    assert_eq!(xml_fields(&prefixed.text(), "Key"), ["a/1.txt", "a/2.txt"]);

    let encoded = cos
        .request(
            "GET",
            "/",
            &[("encoding-type", "url"), ("prefix", "c")],
            &[],
            Bytes::new(),
        )
        .await;
    let t = encoded.text();
    assert_eq!(xml_field(&t, "EncodingType").as_deref(), Some("url"));
    assert_eq!(xml_fields(&t, "Key"), ["c%20d.txt"]);

    let bad = cos
        .request("GET", "/", &[("delimiter", "ab")], &[], Bytes::new())
        .await;
    assert_eq!(bad.code(), "InvalidDelimiter");
    e.shutdown().await;
}

#[tokio::test]
async fn delete_multiple_objects() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    cos.put("one", "1").await;
    cos.put("two", "2").await;
    let body = "<Delete><Quiet>false</Quiet><Object><Key>one</Key></Object><Object><Key>missing</Key></Object></Delete>";
    let r = cos
        .request(
            "POST",
            "/",
            &[("delete", "")],
            &[
                ("content-type", "application/xml"),
                ("content-md5", &md5_b64(body.as_bytes())),
            ],
            body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(xml_fields(&r.text(), "Key"), ["one", "missing"]);
    assert_eq!(cos.get("one").await.status, 404);
    let quiet = "<Delete><Quiet>true</Quiet><Object><Key>two</Key></Object></Delete>";
    let r = cos
        .request("POST", "/", &[("delete", "")], &[], quiet)
        .await;
    assert!(!r.text().contains("<Deleted>"));
    let malformed = cos
        .request("POST", "/", &[("delete", "")], &[], "<Delete><Object>")
        .await;
    assert_eq!(malformed.code(), "MalformedXML");
    let bad_md5 = cos
        .request(
            "POST",
            "/",
            &[("delete", "")],
            &[("content-md5", &md5_b64(b"x"))],
            quiet,
        )
        .await;
    assert_eq!(bad_md5.code(), "BadDigest");
    e.shutdown().await;
}

#[tokio::test]
async fn concurrent_clients_see_whole_objects() {
    let e = emulator().await;
    let mut tasks = Vec::new();
    for i in 0..8u8 {
        let cos = Cos::root(&e);
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                assert_eq!(cos.put("shared", vec![i; 100_000]).await.status, 200);
                let got = cos.get("shared").await;
                assert_eq!(got.body.len(), 100_000);
                assert!(got.body.iter().all(|&b| b == got.body[0]), "torn object");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    e.shutdown().await;
}

/// `PUT /py.txt` of `ok`, signed by the root key over `host: <host>` and `content-length`.
async fn put_signed_with_host(e: &Emulator, host: &str) -> Reply {
    let credential = e.root_credential();
    let signed_headers = [("host", host), ("content-length", "2")];
    let parts =
        tc3_signer::cos::SignableRequest::new("PUT", "/py.txt").with_headers(&signed_headers);
    let key_time = tc3_signer::cos::KeyTime::starting_at(
        common::now() - 60,
        std::time::Duration::from_secs(600),
    );
    let signed = tc3_signer::cos::Signer::new(&credential)
        .sign(&parts, key_time)
        .unwrap();
    let headers = vec![(
        "authorization".to_string(),
        signed.authorization().to_string(),
    )];
    send(
        "PUT",
        &format!("{}/py.txt", e.cos_endpoint()),
        &headers,
        "ok",
    )
    .await
}

#[tokio::test]
async fn host_signed_without_port_is_accepted_like_the_python_sdk_sends_it() {
    let e = emulator().await;
    let r = put_signed_with_host(&e, "127.0.0.1").await;
    assert_eq!(r.status, 200, "{}", r.text());
    // A different host name is still a mismatch.
    let r = put_signed_with_host(&e, "example.com").await;
    assert_eq!(r.code(), "SignatureDoesNotMatch");
    e.shutdown().await;
}
