//! Object ACL (anonymous reads of public-read objects), tagging, APPEND, SSE-COS and SSE-C,
//! storage class echoes, and the 501 answer for COS features the emulator does not
//! implement — through real HTTP on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::Engine as _;
use bytes::Bytes;
use common::{Cos, send, xml_field, xml_fields};
use cos_emulator::Emulator;
use md5::{Digest as _, Md5};

async fn emulator() -> Emulator {
    Emulator::builder()
        .appid("1250000000")
        .region("ap-guangzhou")
        .bucket("examplebucket")
        .start()
        .await
        .unwrap()
}

/// The tags of `key` as `k=v` (GET Object tagging).
async fn tags(cos: &Cos, key: &str) -> Vec<String> {
    let got = cos
        .request(
            "GET",
            &format!("/{key}"),
            &[("tagging", "")],
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.text());
    let body = got.text();
    let values = xml_fields(&body, "Value");
    xml_fields(&body, "Key")
        .into_iter()
        .zip(values)
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// PUT Object - Copy of `source` (a key of the same bucket) to `key` with `headers`.
async fn copy(cos: &Cos, key: &str, source: &str, headers: &[(&str, &str)]) -> common::Reply {
    let source = common::copy_source_header("examplebucket-1250000000", source);
    let mut all = vec![("x-cos-copy-source", source.as_str())];
    all.extend_from_slice(headers);
    cos.request("PUT", &format!("/{key}"), &[], &all, Bytes::new())
        .await
}

async fn anonymous_get(e: &Emulator, key: &str) -> common::Reply {
    send(
        "GET",
        &format!("{}/{key}", e.cos_endpoint()),
        &[],
        Bytes::new(),
    )
    .await
}

#[tokio::test]
async fn public_read_admits_unsigned_reads_and_private_does_not() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let put = cos
        .request("PUT", "/pub", &[], &[("x-cos-acl", "public-read")], "hello")
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(
        cos.request("PUT", "/priv", &[], &[("x-cos-acl", "private")], "x")
            .await
            .status,
        200
    );

    let anonymous = anonymous_get(&e, "pub").await;
    assert_eq!(
        (anonymous.status, anonymous.text().as_str()),
        (200, "hello")
    );
    let head = send(
        "HEAD",
        &format!("{}/pub", e.cos_endpoint()),
        &[],
        Bytes::new(),
    )
    .await;
    assert_eq!(head.status, 200);
    assert_eq!(anonymous_get(&e, "priv").await.code(), "AccessDenied");
    assert_eq!(anonymous_get(&e, "missing").await.code(), "AccessDenied");
    // Public read is not public write or ACL read.
    let write = send("PUT", &format!("{}/pub", e.cos_endpoint()), &[], "y").await;
    assert_eq!(write.code(), "AccessDenied");
    let acl = send(
        "GET",
        &format!("{}/pub?acl", e.cos_endpoint()),
        &[],
        Bytes::new(),
    )
    .await;
    assert_eq!(acl.code(), "AccessDenied");

    // PUT ?acl makes it private again: the anonymous read is refused from then on.
    let set = cos
        .request(
            "PUT",
            "/pub",
            &[("acl", "")],
            &[("x-cos-acl", "private")],
            Bytes::new(),
        )
        .await;
    assert_eq!(set.status, 200);
    assert_eq!(anonymous_get(&e, "pub").await.code(), "AccessDenied");

    // An AccessControlPolicy document granting READ to AllUsers opens it again.
    let doc = r#"<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant>
        <Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group">
        <URI>http://cam.qcloud.com/groups/global/AllUsers</URI></Grantee>
        <Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>"#;
    let set = cos.request("PUT", "/pub", &[("acl", "")], &[], doc).await;
    assert_eq!(set.status, 200, "{}", set.text());
    assert_eq!(anonymous_get(&e, "pub").await.status, 200);
}

/// One anonymous decision: a bucket-policy deny wins over a public object ACL; an object's
/// own ACL (even `private`) decides before the bucket's; `default` follows the bucket ACL.
#[tokio::test]
async fn object_acl_bucket_acl_and_bucket_policy_make_one_decision() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let put = |key: &'static str, acl: &'static str| {
        let headers: Vec<(&str, &str)> = if acl.is_empty() {
            Vec::new()
        } else {
            vec![("x-cos-acl", acl)]
        };
        let cos = &cos;
        async move {
            let r = cos
                .request("PUT", &format!("/{key}"), &[], &headers, "v")
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
    };
    put("inherit", "").await;
    put("default", "default").await;
    put("private", "private").await;
    put("deny/public", "public-read").await;
    assert_eq!(anonymous_get(&e, "inherit").await.code(), "AccessDenied");
    // A public-read bucket ACL admits objects without an ACL of their own, not private ones.
    let bucket_acl = cos
        .request(
            "PUT",
            "/",
            &[("acl", "")],
            &[("x-cos-acl", "public-read")],
            Bytes::new(),
        )
        .await;
    assert_eq!(bucket_acl.status, 200, "{}", bucket_acl.text());
    assert_eq!(anonymous_get(&e, "inherit").await.status, 200);
    assert_eq!(anonymous_get(&e, "default").await.status, 200);
    assert_eq!(anonymous_get(&e, "private").await.code(), "AccessDenied");
    assert_eq!(anonymous_get(&e, "deny/public").await.status, 200);
    // An explicit deny of the bucket policy wins over the object's public-read.
    let resource = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/deny/*";
    let policy = serde_json::json!({
        "Statement": [{"Principal": {"qcs": ["qcs::cam::anyone:anyone"]}, "Effect": "Deny",
                       "Action": ["name/cos:GetObject"], "Resource": [resource]}],
        "version": "2.0"
    })
    .to_string();
    let set = cos
        .request("PUT", "/", &[("policy", "")], &[], policy)
        .await;
    assert_eq!(set.status, 204, "{}", set.text());
    assert_eq!(
        anonymous_get(&e, "deny/public").await.code(),
        "AccessDenied"
    );
    assert_eq!(anonymous_get(&e, "inherit").await.status, 200);
}

#[tokio::test]
async fn get_acl_lists_owner_canned_and_explicit_grants() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let put = cos
        .request(
            "PUT",
            "/k",
            &[],
            &[
                ("x-cos-acl", "public-read"),
                ("x-cos-grant-read-acp", r#"id="100000000011""#),
            ],
            "x",
        )
        .await;
    assert_eq!(put.status, 200);
    let acl = cos
        .request("GET", "/k", &[("acl", "")], &[], Bytes::new())
        .await;
    assert_eq!(acl.status, 200);
    let body = acl.text();
    assert_eq!(
        xml_fields(&body, "Permission"),
        ["FULL_CONTROL", "READ", "READ_ACP"]
    );
    assert!(body.contains("<URI>http://cam.qcloud.com/groups/global/AllUsers</URI>"));
    assert!(body.contains(":uin/100000000011</ID>"), "{body}");
    assert_eq!(acl.header("x-cos-acl"), Some("public-read"));
    let bad = cos
        .request("PUT", "/k", &[], &[("x-cos-acl", "everyone")], "x")
        .await;
    assert_eq!(bad.code(), "InvalidArgument");
    let missing = cos
        .request("GET", "/nope", &[("acl", "")], &[], Bytes::new())
        .await;
    assert_eq!(missing.code(), "NoSuchKey");
}

#[tokio::test]
async fn tags_from_headers_and_the_tagging_sub_resource() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let put = cos
        .request("PUT", "/t", &[], &[("x-cos-tagging", "a=1&b%20c=d")], "x")
        .await;
    assert_eq!(put.status, 200);
    assert_eq!(cos.get("t").await.header("x-cos-tagging-count"), Some("2"));
    assert_eq!(tags(&cos, "t").await, ["a=1", "b c=d"]);

    let doc = "<Tagging><TagSet><Tag><Key>only</Key><Value>v</Value></Tag></TagSet></Tagging>";
    let set = cos.request("PUT", "/t", &[("tagging", "")], &[], doc).await;
    assert_eq!(set.status, 200, "{}", set.text());
    assert_eq!(tags(&cos, "t").await, ["only=v"]);

    // A copy keeps the source's tags by default and takes the request's with Replaced.
    let copied = copy(&cos, "copied", "t", &[]).await;
    assert_eq!(copied.status, 200, "{}", copied.text());
    assert_eq!(tags(&cos, "copied").await, ["only=v"]);
    let replaced = copy(
        &cos,
        "replaced",
        "t",
        &[
            ("x-cos-tagging-directive", "Replaced"),
            ("x-cos-tagging", "n=1"),
        ],
    )
    .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    assert_eq!(tags(&cos, "replaced").await, ["n=1"]);

    let deleted = cos
        .request("DELETE", "/t", &[("tagging", "")], &[], Bytes::new())
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(cos.get("t").await.header("x-cos-tagging-count"), None);

    let eleven: Vec<String> = (0..11).map(|i| format!("k{i}=v")).collect();
    let too_many = cos
        .request(
            "PUT",
            "/t2",
            &[],
            &[("x-cos-tagging", &eleven.join("&"))],
            "x",
        )
        .await;
    assert_eq!(too_many.status, 400);
    assert_eq!(
        cos.get("t2").await.status,
        404,
        "a refused PUT stores nothing"
    );
}

#[tokio::test]
async fn tags_given_at_initiate_reach_the_completed_object() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let init = cos
        .request(
            "POST",
            "/mp",
            &[("uploads", "")],
            &[
                ("x-cos-tagging", "from=init"),
                ("x-cos-storage-class", "STANDARD_IA"),
            ],
            Bytes::new(),
        )
        .await;
    let upload_id = xml_field(&init.text(), "UploadId").unwrap();
    let part = cos
        .request(
            "PUT",
            "/mp",
            &[("partNumber", "1"), ("uploadId", &upload_id)],
            &[],
            "abc",
        )
        .await;
    let etag = part.header("etag").unwrap().to_string();
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    );
    let done = cos
        .request("POST", "/mp", &[("uploadId", &upload_id)], &[], complete)
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let head = cos.request("HEAD", "/mp", &[], &[], Bytes::new()).await;
    assert_eq!(head.header("x-cos-tagging-count"), Some("1"));
    assert_eq!(head.header("x-cos-storage-class"), Some("STANDARD_IA"));
}

#[tokio::test]
async fn append_checks_positions_and_keeps_a_whole_object_crc() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let append = |position: &str, body: &'static str| {
        let position = position.to_string();
        let cos = &cos;
        async move {
            cos.request(
                "POST",
                "/log",
                &[("append", ""), ("position", &position)],
                &[],
                body,
            )
            .await
        }
    };
    assert_eq!(append("3", "abc").await.code(), "AppendPositionErr");
    let first = append("0", "hello ").await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.header("x-cos-next-append-position"), Some("6"));
    assert_eq!(
        first.header("x-cos-content-sha1"),
        Some(hex::encode(Md5::digest(b"hello ")).as_str())
    );
    assert_eq!(append("0", "again").await.status, 409);
    let second = append("6", "world").await;
    assert_eq!(second.header("x-cos-next-append-position"), Some("11"));
    // CRC-64/XZ of "hello world", the whole object.
    assert_eq!(
        second.header("x-cos-hash-crc64ecma"),
        Some("5981764153023615706")
    );
    let get = cos.get("log").await;
    assert_eq!(get.text(), "hello world");
    assert_eq!(get.header("x-cos-object-type"), Some("appendable"));
    assert_eq!(
        get.header("x-cos-hash-crc64ecma"),
        Some("5981764153023615706")
    );
    let missing = cos
        .request("POST", "/log", &[("append", "")], &[], "x")
        .await;
    assert_eq!(missing.code(), "InvalidArgument");

    // A normal object is not appendable; a PUT makes an appendable object normal.
    cos.put("plain", "p").await;
    let refused = cos
        .request(
            "POST",
            "/plain",
            &[("append", ""), ("position", "1")],
            &[],
            "x",
        )
        .await;
    assert_eq!(refused.code(), "ObjectNotAppendable");
    cos.put("log", "reset").await;
    assert_eq!(cos.get("log").await.header("x-cos-object-type"), None);
}

#[tokio::test]
async fn sse_cos_is_stored_and_echoed() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let put = cos
        .request(
            "PUT",
            "/enc",
            &[],
            &[("x-cos-server-side-encryption", "AES256")],
            "x",
        )
        .await;
    assert_eq!(put.header("x-cos-server-side-encryption"), Some("AES256"));
    let get = cos.get("enc").await;
    assert_eq!(get.header("x-cos-server-side-encryption"), Some("AES256"));
    let head = cos.request("HEAD", "/enc", &[], &[], Bytes::new()).await;
    assert_eq!(head.header("x-cos-server-side-encryption"), Some("AES256"));
    let bad = cos
        .request(
            "PUT",
            "/enc2",
            &[],
            &[("x-cos-server-side-encryption", "DES")],
            "x",
        )
        .await;
    assert_eq!(bad.code(), "InvalidArgument");
    let kms = cos
        .request(
            "PUT",
            "/enc3",
            &[],
            &[("x-cos-server-side-encryption", "cos/kms")],
            "x",
        )
        .await;
    assert_eq!((kms.status, kms.code().as_str()), (501, "NotImplemented"));
}

fn customer_key(byte: u8) -> [(&'static str, String); 3] {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let key = [byte; 32];
    [
        (
            "x-cos-server-side-encryption-customer-algorithm",
            "AES256".to_string(),
        ),
        ("x-cos-server-side-encryption-customer-key", b64(&key)),
        (
            "x-cos-server-side-encryption-customer-key-md5",
            b64(&Md5::digest(key)),
        ),
    ]
}

fn pairs<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn sse_c_objects_are_read_only_with_their_key() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let key = customer_key(1);
    let put = cos
        .request("PUT", "/secret", &[], &pairs(&key), "data")
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(
        put.header("x-cos-server-side-encryption-customer-key-md5"),
        Some(key[2].1.as_str())
    );
    let without = cos.get("secret").await;
    assert_eq!(
        (without.status, without.code().as_str()),
        (400, "InvalidRequest")
    );
    let wrong = cos
        .request(
            "GET",
            "/secret",
            &[],
            &pairs(&customer_key(2)),
            Bytes::new(),
        )
        .await;
    assert_eq!(wrong.status, 403);
    let right = cos
        .request("GET", "/secret", &[], &pairs(&key), Bytes::new())
        .await;
    assert_eq!((right.status, right.text().as_str()), (200, "data"));
    assert_eq!(
        right.header("x-cos-server-side-encryption-customer-algorithm"),
        Some("AES256")
    );
    // A copy needs the source's key in the copy-source headers.
    let refused = copy(&cos, "copy", "secret", &[]).await;
    assert_eq!(refused.code(), "InvalidRequest");
    let copy_key: Vec<(String, String)> = key
        .iter()
        .map(|(k, v)| (k.replace("x-cos-", "x-cos-copy-source-"), v.clone()))
        .collect();
    let headers: Vec<(&str, &str)> = copy_key
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let copied = copy(&cos, "copy", "secret", &headers).await;
    assert_eq!(copied.status, 200, "{}", copied.text());
    assert_eq!(
        cos.get("copy").await.text(),
        "data",
        "the copy is not SSE-C"
    );
    // A bad key MD5 is refused before anything is stored.
    let mut bad = customer_key(3);
    bad[2].1 = "AAAAAAAAAAAAAAAAAAAAAA==".into();
    assert_eq!(
        cos.request("PUT", "/bad", &[], &pairs(&bad), "x")
            .await
            .code(),
        "InvalidArgument"
    );
}

#[tokio::test]
async fn storage_class_is_echoed_by_head_get_and_list() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    cos.request(
        "PUT",
        "/ia",
        &[],
        &[("x-cos-storage-class", "STANDARD_IA")],
        "x",
    )
    .await;
    cos.request(
        "POST",
        "/ap",
        &[("append", ""), ("position", "0")],
        &[("x-cos-storage-class", "STANDARD_IA")],
        "x",
    )
    .await;
    for key in ["ia", "ap"] {
        assert_eq!(
            cos.get(key).await.header("x-cos-storage-class"),
            Some("STANDARD_IA")
        );
    }
    let list = cos.request("GET", "/", &[], &[], Bytes::new()).await;
    assert_eq!(
        xml_fields(&list.text(), "StorageClass"),
        ["STANDARD_IA", "STANDARD_IA"]
    );
}

#[tokio::test]
async fn cos_features_not_implemented_are_501_and_unknown_names_are_ignored_as_on_cos() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    for (name, value) in [
        ("x-cos-traffic-limit", "819200"),
        ("x-cos-callback", "e30="),
        ("x-cos-grant-write", r#"id="1""#),
    ] {
        let put = cos.request("PUT", "/k", &[], &[(name, value)], "x").await;
        assert_eq!(
            (put.status, put.code().as_str()),
            (501, "NotImplemented"),
            "{name}"
        );
    }
    assert_eq!(cos.get("k").await.status, 404, "nothing was stored");
    // Not a COS feature: ignored, as COS does (the Node SDK's append test sends it).
    let put = cos
        .request("PUT", "/k", &[], &[("x-cos-test", "test")], "x")
        .await;
    assert_eq!(put.status, 200);
    // Unknown query parameters on GET Object are ignored; known sub-resources are not.
    let get = cos
        .request("GET", "/k", &[("a", "1")], &[], Bytes::new())
        .await;
    assert_eq!((get.status, get.text().as_str()), (200, "x"));
    let symlink = cos
        .request("GET", "/k", &[("symlink", "")], &[], Bytes::new())
        .await;
    assert_eq!(symlink.status, 501);
}
