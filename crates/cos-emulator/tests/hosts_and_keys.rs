//! Issue 13, findings 3, 5 and 7: one host routes and verifies a request; keys that an XML
//! listing cannot carry are refused before anything is stored; other services' hosts never
//! touch a bucket.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Cos, now};
use cos_emulator::Emulator;
use std::time::Duration;
use tc3_signer::cos::{KeyTime, SignableRequest, Signer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const A: &str = "a-1250000000";
const B: &str = "b-1250000000";

fn host(bucket: &str) -> String {
    format!("{bucket}.cos.ap-guangzhou.myqcloud.com")
}

async fn two_buckets() -> Emulator {
    Emulator::builder()
        .region("ap-guangzhou")
        .bucket(A)
        .bucket(B)
        .start()
        .await
        .unwrap()
}

fn on_host(e: &Emulator, host: String) -> Cos {
    let mut cos = Cos::root(e);
    cos.host = host;
    cos
}

/// Sends `head` (request line and headers, without the blank line) on a raw connection
/// and returns the whole response text.
async fn raw(e: &Emulator, head: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(e.cos_addr()).await.unwrap();
    stream
        .write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// The root key's `Authorization` for `GET /x` on `host`.
fn root_authorization(e: &Emulator, host: &str) -> String {
    let credential = e.root_credential();
    let headers = [("host", host)];
    let parts = SignableRequest::new("GET", "/x").with_headers(&headers);
    let signed = Signer::new(&credential)
        .sign(
            &parts,
            KeyTime::starting_at(now() - 60, Duration::from_secs(900)),
        )
        .unwrap();
    signed
        .headers_to_add()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.to_string())
        .unwrap()
}

#[tokio::test]
async fn an_absolute_form_target_must_name_the_signed_host() {
    let e = two_buckets().await;
    let put = on_host(&e, host(B)).put("x", "secret of bucket b").await;
    assert_eq!(put.status, 200, "{}", put.text());
    // Signed for bucket A's host, sent to bucket B's authority.
    let host_a = host(A);
    let authorization = root_authorization(&e, &host_a);
    let response = raw(
        &e,
        &format!(
            "GET http://{}/x HTTP/1.1\r\nHost: {host_a}\r\nAuthorization: {authorization}",
            host(B)
        ),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("InvalidURI"), "{response}");
    assert!(!response.contains("secret of bucket b"), "{response}");

    // The same authority as Host (what an HTTP proxy sends) still works.
    let authorization = root_authorization(&e, &host(B));
    let response = raw(
        &e,
        &format!(
            "GET http://{0}/x HTTP/1.1\r\nHost: {0}\r\nAuthorization: {authorization}",
            host(B)
        ),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("secret of bucket b"), "{response}");
    e.shutdown().await;
}

#[tokio::test]
async fn keys_with_control_characters_are_refused_before_storing() {
    let e = two_buckets().await;
    let cos = Cos::root(&e);
    for key in ["nul\u{0}key", "bell\u{7}", "line\nbreak", "esc\u{1b}"] {
        let put = cos.put(key, "x").await;
        assert_eq!(put.status, 400, "{key:?}: {}", put.text());
        assert_eq!(put.code(), "InvalidObjectName", "{key:?}");
    }
    assert_eq!(cos.put("plain/key with spaces", "x").await.status, 200);
    let listing = cos.get("").await;
    assert_eq!(listing.status, 200);
    let text = listing.text();
    assert!(!text.contains('\u{0}') && !text.contains('\u{7}'), "{text}");
    assert_eq!(common::xml_fields(&text, "Key"), ["plain/key with spaces"]);
    e.shutdown().await;
}

#[tokio::test]
async fn ci_and_other_service_hosts_never_touch_a_bucket() {
    let e = two_buckets().await;
    let put = on_host(&e, host(A)).put("ai_bucket", "keep me").await;
    assert_eq!(put.status, 200);
    // The CI "close AI bucket" call.
    let ci = on_host(&e, format!("{A}.ci.ap-guangzhou.myqcloud.com"));
    let closed = ci.request("DELETE", "/ai_bucket", &[], &[], "").await;
    assert_eq!(closed.status, 501, "{}", closed.text());
    assert_eq!(closed.code(), "NotImplemented");
    for other in [
        format!("{A}.pic.ap-guangzhou.myqcloud.com"),
        "cos.ap-guangzhou.myqcloud.com".to_string(),
    ] {
        let r = on_host(&e, other.clone()).get("ai_bucket").await;
        assert_eq!(r.status, 501, "{other}: {}", r.text());
    }
    // Unknown multi-label hosts do not fall through to the default bucket.
    let r = on_host(&e, "files.example.com".to_string())
        .get("ai_bucket")
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.code(), "InvalidURI");
    let kept = on_host(&e, host(A)).get("ai_bucket").await;
    assert_eq!(&kept.body[..], b"keep me");
    e.shutdown().await;
}

#[tokio::test]
async fn sts_also_refuses_an_authority_that_is_not_the_host() {
    let e = two_buckets().await;
    let mut stream = tokio::net::TcpStream::connect(e.sts_addr()).await.unwrap();
    let request = format!(
        "POST http://sts.tencentcloudapi.com/ HTTP/1.1\r\nHost: {}\r\n\
         Content-Type: application/json\r\nX-TC-Action: GetCallerIdentity\r\n\
         Authorization: SKIP\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        e.sts_addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("\"InvalidParameter\""), "{text}");
    assert!(text.contains("differs from the Host header"), "{text}");
    e.shutdown().await;
}
