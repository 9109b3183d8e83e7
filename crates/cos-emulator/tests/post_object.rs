//! POST Object (browser form upload) with the signed POST policy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Cos, now, policy, send, sts_tc3, temp_credential, xml_field};
use cos_emulator::Emulator;
use std::time::Duration;
use tc3_signer::Credential;
use tc3_signer::cos::KeyTime;
use tc3_signer::post_policy::PolicyDocument;

const BOUNDARY: &str = "----emulatorBoundary7MA4YWxk";

fn form(fields: &[(String, String)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, data)) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/x-ignored\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn signed_fields(
    e: &Emulator,
    credential: &Credential,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let signed = PolicyDocument::new(now() + 600)
        .bucket(e.buckets()[0].clone())
        .key_starts_with("avatars/")
        .content_length_range(1, 1000)
        .sign(
            credential,
            KeyTime::starting_at(now() - 5, Duration::from_secs(600)),
        )
        .unwrap();
    signed.form_fields(extra).unwrap()
}

async fn post(e: &Emulator, body: Vec<u8>) -> common::Reply {
    let headers = vec![(
        "Content-Type".to_string(),
        format!("multipart/form-data; boundary={BOUNDARY}"),
    )];
    send("POST", &format!("{}/", e.cos_endpoint()), &headers, body).await
}

#[tokio::test]
async fn form_upload_succeeds_and_checks_the_policy() {
    let e = Emulator::builder().start().await.unwrap();
    let root = e.root_credential();
    let fields = signed_fields(
        &e,
        &root,
        &[
            ("key", "avatars/${filename}"),
            ("Content-Type", "image/png"),
            ("x-cos-meta-who", "me"),
        ],
    );
    let r = post(&e, form(&fields, Some(("me.png", b"\x89PNG data")))).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.header("etag").is_some());
    assert!(r.header("x-cos-hash-crc64ecma").is_some());
    assert!(
        r.header("location").unwrap().ends_with("/avatars/me.png"),
        "{:?}",
        r.header("location")
    );
    let got = Cos::root(&e).get("avatars/me.png").await;
    assert_eq!(&got.body[..], b"\x89PNG data");
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.header("x-cos-meta-who"), Some("me"));

    let created = signed_fields(
        &e,
        &root,
        &[("key", "avatars/x"), ("success_action_status", "201")],
    );
    let r = post(&e, form(&created, Some(("x", b"1")))).await;
    assert_eq!(r.status, 201);
    assert_eq!(xml_field(&r.text(), "Key").as_deref(), Some("avatars/x"));

    let outside = signed_fields(&e, &root, &[("key", "other/x")]);
    let r = post(&e, form(&outside, Some(("x", b"1")))).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (403, "AccessDenied"),
        "{}",
        r.text()
    );

    let big = signed_fields(&e, &root, &[("key", "avatars/big")]);
    let r = post(&e, form(&big, Some(("big", &[0u8; 2000])))).await;
    assert_eq!(r.code(), "EntityTooLarge");

    let mut tampered = signed_fields(&e, &root, &[("key", "avatars/t")]);
    for (k, v) in &mut tampered {
        if k == "q-signature" {
            *v = "0".repeat(40);
        }
    }
    let r = post(&e, form(&tampered, Some(("t", b"1")))).await;
    assert_eq!(r.code(), "SignatureDoesNotMatch");

    let no_file = signed_fields(&e, &root, &[("key", "avatars/n")]);
    assert_eq!(
        post(&e, form(&no_file, None)).await.code(),
        "IncorrectNumberOfFilesInPostRequest"
    );
    assert_eq!(
        post(&e, b"garbage".to_vec()).await.code(),
        "MalformedPOSTRequest"
    );
    assert_eq!(
        Cos::root(&e).get("avatars/t").await.status,
        404,
        "rejected uploads are not stored"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn temporary_keys_need_post_object_in_their_cam_policy() {
    let e = Emulator::builder().start().await.unwrap();
    let resource = format!(
        "qcs::cos:{}:uid/{}:{}/avatars/*",
        e.region(),
        e.appid(),
        e.buckets()[0]
    );
    let allowed = policy(&["name/cos:PostObject"], std::slice::from_ref(&resource));
    let denied = policy(&["name/cos:GetObject"], &[resource]);
    for (p, status) in [(allowed, 204), (denied, 403)] {
        let r = sts_tc3(
            &e,
            &e.root_credential(),
            "GetFederationToken",
            &serde_json::json!({"Name": "b", "Policy": p}),
            None,
        )
        .await;
        let key = temp_credential(&r);
        let fields = signed_fields(&e, &key, &[("key", "avatars/tmp")]);
        assert!(fields.iter().any(|(k, _)| k == "x-cos-security-token"));
        let r = post(&e, form(&fields, Some(("tmp", b"1")))).await;
        assert_eq!(r.status, status, "{}", r.text());
    }
    e.shutdown().await;
}

#[tokio::test]
async fn no_grace_after_the_policy_expiration_or_the_key_time() {
    // Issue 13, finding 4: a form whose `expiration` and `q-key-time` ended 5 minutes ago
    // was accepted (a 15-minute grace was added to the end).
    let e = Emulator::builder().start().await.unwrap();
    let root = e.root_credential();
    let signed = |expiration: u64, key_start: u64| {
        PolicyDocument::new(expiration)
            .bucket(e.buckets()[0].clone())
            .key_starts_with("avatars/")
            .sign(&root, KeyTime::new(key_start, expiration).unwrap())
            .unwrap()
            .form_fields(&[("key", "avatars/late.png")])
            .unwrap()
    };
    let ended = signed(now() - 300, now() - 900);
    let r = post(&e, form(&ended, Some(("late.png", b"data")))).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.code(), "AccessDenied");
    assert!(r.text().contains("expired"), "{}", r.text());
    assert_eq!(Cos::root(&e).get("avatars/late.png").await.status, 404);
    // The same form still inside its window is accepted.
    let live = signed(now() + 300, now() - 60);
    let r = post(&e, form(&live, Some(("late.png", b"data")))).await;
    assert_eq!(r.status, 204, "{}", r.text());
    e.shutdown().await;
}

#[tokio::test]
async fn a_file_over_the_length_range_is_cut_while_streaming() {
    let e = Emulator::builder().start().await.unwrap();
    let fields = signed_fields(&e, &e.root_credential(), &[("key", "avatars/big")]);
    let r = post(&e, form(&fields, Some(("big", &[7u8; 5000])))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.code(), "EntityTooLarge");
    let empty = post(&e, form(&fields, Some(("big", b"")))).await;
    assert_eq!(empty.code(), "EntityTooSmall", "{}", empty.text());
    assert_eq!(Cos::root(&e).get("avatars/big").await.status, 404);
    e.shutdown().await;
}
