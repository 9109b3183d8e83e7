//! PUT Object - Copy through real HTTP on loopback: source forms, metadata directive,
//! authorization of temporary keys on both ends, and errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::{Cos, policy, sts_tc3, temp_credential, xml_field};
use cos_emulator::Emulator;
use tc3_signer::Credential;

const SRC: &str = common::COPY_SRC;
const DST: &str = common::COPY_DST;

async fn emulator() -> Emulator {
    common::copy_emulator().await
}

fn source_header(bucket: &str, key: &str) -> String {
    common::copy_source_header(bucket, key)
}

async fn put_source(cos: &Cos, key: &str, body: &'static str) {
    let r = cos
        .request(
            "PUT",
            &format!("/{SRC}/{key}"),
            &[],
            &[
                ("content-type", "text/plain"),
                ("x-cos-meta-origin", "source"),
            ],
            body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
}

async fn copy(cos: &Cos, dest: &str, source: &str, extra: &[(&str, &str)]) -> common::Reply {
    let mut headers = vec![("x-cos-copy-source", source)];
    headers.extend_from_slice(extra);
    cos.request(
        "PUT",
        &format!("/{DST}/{dest}"),
        &[],
        &headers,
        Bytes::new(),
    )
    .await
}

#[tokio::test]
async fn copy_keeps_data_and_metadata_and_returns_the_copy_result() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let key = "dir/hello world \u{4e2d}.txt";
    put_source(&cos, key, "hello world").await;
    let r = copy(&cos, "copied.txt", &source_header(SRC, key), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.text();
    assert!(body.contains("<CopyObjectResult>"), "{body}");
    assert_eq!(
        xml_field(&body, "ETag").as_deref(),
        Some("&quot;5eb63bbbe01eeed093cb22bb8f5acdc3&quot;")
    );
    let modified = xml_field(&body, "LastModified").unwrap();
    assert!(
        modified.ends_with('Z') && modified.contains('T'),
        "{modified}"
    );
    assert_eq!(
        xml_field(&body, "CRC64").as_deref(),
        Some("5981764153023615706")
    );

    let get = cos.get(&format!("{DST}/copied.txt")).await;
    assert_eq!(&get.body[..], b"hello world");
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("x-cos-meta-origin"), Some("source"));
    assert_eq!(
        get.header("etag"),
        Some("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
    );
    // The source is untouched.
    assert_eq!(
        &cos.get(&format!("{SRC}/{key}")).await.body[..],
        b"hello world"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn path_style_source_and_replaced_metadata() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    put_source(&cos, "a.txt", "alpha").await;
    let r = copy(
        &cos,
        "b.txt",
        &format!("/{SRC}/a.txt"),
        &[
            ("x-cos-metadata-directive", "Replaced"),
            ("content-type", "application/json"),
            ("x-cos-meta-origin", "replaced"),
            ("x-cos-storage-class", "STANDARD_IA"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let get = cos.get(&format!("{DST}/b.txt")).await;
    assert_eq!(&get.body[..], b"alpha");
    assert_eq!(get.header("content-type"), Some("application/json"));
    assert_eq!(get.header("x-cos-meta-origin"), Some("replaced"));
    assert_eq!(get.header("x-cos-storage-class"), Some("STANDARD_IA"));
    e.shutdown().await;
}

#[tokio::test]
async fn copy_errors() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    put_source(&cos, "a.txt", "alpha").await;
    let missing = copy(&cos, "x", &source_header(SRC, "nope"), &[]).await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "NoSuchCopySource")
    );
    let unknown_bucket = copy(&cos, "x", &source_header("other-1250000000", "a.txt"), &[]).await;
    assert_eq!(
        (unknown_bucket.status, unknown_bucket.code().as_str()),
        (404, "NoSuchBucket")
    );
    let malformed = copy(&cos, "x", "no-slash-at-all", &[]).await;
    assert_eq!(
        (malformed.status, malformed.code().as_str()),
        (400, "InvalidArgument")
    );
    let directive = copy(
        &cos,
        "x",
        &source_header(SRC, "a.txt"),
        &[("x-cos-metadata-directive", "Merge")],
    )
    .await;
    assert_eq!(directive.code(), "InvalidArgument");
    let precondition = copy(
        &cos,
        "x",
        &source_header(SRC, "a.txt"),
        &[("x-cos-copy-source-if-match", "\"0000\"")],
    )
    .await;
    assert_eq!(
        (precondition.status, precondition.code().as_str()),
        (412, "PreconditionFailed")
    );
    // Copying an object onto itself without changing anything is refused; a storage-class
    // change makes it legal.
    let itself = cos
        .request(
            "PUT",
            &format!("/{SRC}/a.txt"),
            &[],
            &[("x-cos-copy-source", &source_header(SRC, "a.txt"))],
            Bytes::new(),
        )
        .await;
    assert_eq!(
        (itself.status, itself.code().as_str()),
        (400, "InvalidRequest")
    );
    let reclassed = cos
        .request(
            "PUT",
            &format!("/{SRC}/a.txt"),
            &[],
            &[
                ("x-cos-copy-source", &source_header(SRC, "a.txt")),
                ("x-cos-storage-class", "STANDARD_IA"),
            ],
            Bytes::new(),
        )
        .await;
    assert_eq!(reclassed.status, 200, "{}", reclassed.text());
    assert!(cos.get(&format!("{DST}/x")).await.status == 404);
    // Upload Part - Copy into an upload that does not exist stores nothing.
    let part_copy = cos
        .request(
            "PUT",
            &format!("/{DST}/mp"),
            &[("partNumber", "1"), ("uploadId", "u")],
            &[("x-cos-copy-source", &source_header(SRC, "a.txt"))],
            Bytes::new(),
        )
        .await;
    assert_eq!(
        (part_copy.status, part_copy.code().as_str()),
        (404, "NoSuchUpload")
    );
    e.shutdown().await;
}

/// A temporary key allowed `actions` on `<bucket>/<prefix>*` for each `(bucket, prefix)`.
async fn temporary(e: &Emulator, actions: &[&str], grants: &[(&str, &str)]) -> Credential {
    let resources: Vec<String> = grants
        .iter()
        .map(|(bucket, prefix)| {
            format!(
                "qcs::cos:{}:uid/{}:{bucket}/{prefix}*",
                e.region(),
                e.appid()
            )
        })
        .collect();
    let body = serde_json::json!({"Name": "copy", "Policy": policy(actions, &resources), "DurationSeconds": 1800});
    let r = sts_tc3(e, &e.root_credential(), "GetFederationToken", &body, None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    temp_credential(&r)
}

#[tokio::test]
async fn temporary_keys_need_put_on_the_destination_and_get_on_the_source() {
    let e = emulator().await;
    let root = Cos::root(&e);
    put_source(&root, "public/a.txt", "alpha").await;
    put_source(&root, "secret/a.txt", "hidden").await;
    let both = Cos::with(
        &e,
        Some(
            temporary(
                &e,
                &["name/cos:GetObject", "name/cos:PutObject"],
                &[(SRC, "public/"), (DST, "in/")],
            )
            .await,
        ),
    );
    let ok = copy(&both, "in/a.txt", &source_header(SRC, "public/a.txt"), &[]).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(
        &root.get(&format!("{DST}/in/a.txt")).await.body[..],
        b"alpha"
    );

    // No GetObject on this source.
    let denied = copy(&both, "in/b.txt", &source_header(SRC, "secret/a.txt"), &[]).await;
    assert_eq!(
        (denied.status, denied.code().as_str()),
        (403, "AccessDenied")
    );
    // No PutObject on this destination.
    let denied = copy(&both, "out/b.txt", &source_header(SRC, "public/a.txt"), &[]).await;
    assert_eq!(
        (denied.status, denied.code().as_str()),
        (403, "AccessDenied")
    );
    // PutObject alone is not enough to read the source through a copy.
    let put_only = Cos::with(
        &e,
        Some(temporary(&e, &["name/cos:PutObject"], &[(SRC, ""), (DST, "")]).await),
    );
    let denied = copy(
        &put_only,
        "in/c.txt",
        &source_header(SRC, "public/a.txt"),
        &[],
    )
    .await;
    assert_eq!(
        (denied.status, denied.code().as_str()),
        (403, "AccessDenied")
    );
    for key in ["in/b.txt", "out/b.txt", "in/c.txt"] {
        assert_eq!(root.get(&format!("{DST}/{key}")).await.status, 404, "{key}");
    }
    e.shutdown().await;
}

#[tokio::test]
async fn copies_survive_in_a_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let start = || {
        Emulator::builder()
            .bucket(SRC)
            .bucket(DST)
            .data_dir(dir.path())
            .durable(false)
            .start()
    };
    let e = start().await.unwrap();
    let cos = Cos::root(&e);
    put_source(&cos, "a.txt", "persisted").await;
    let r = copy(&cos, "b.txt", &format!("/{SRC}/a.txt"), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Overwriting the source must not affect the copy (the bytes are not shared).
    put_source(&cos, "a.txt", "changed").await;
    e.shutdown().await;
    let e = start().await.unwrap();
    let cos = Cos::root(&e);
    assert_eq!(
        &cos.get(&format!("{DST}/b.txt")).await.body[..],
        b"persisted"
    );
    assert_eq!(&cos.get(&format!("{SRC}/a.txt")).await.body[..], b"changed");
    e.shutdown().await;
}
