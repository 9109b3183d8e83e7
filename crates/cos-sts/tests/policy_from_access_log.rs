//! End to end: the demo's flow (multipart upload to `users/alice/`, HEAD, parallel ranged
//! download, a presigned GET) under the root key with the emulator's access log on;
//! `cos-sts policy generate --from-log` turns the log into a policy; a temporary key issued
//! with that policy runs the same flow again, every step passing; a step outside the log is
//! denied by the emulator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cos_client::{Client, DownloadOptions, PutOptions, UploadOptions};
use cos_emulator::Emulator;
use cos_policy::analysis::{AccessRecord, check_access_not_granted};
use http_body_util::{BodyExt as _, Empty};
use sts_client::provider::StaticProvider;
use sts_client::{CredentialRequest, Endpoint as StsEndpoint, StsClient};
use tc3_signer::Credential;

use cli_support::{arg, cos_sts, temp_file};

const REGION: &str = "ap-guangzhou";
const BUCKET: &str = "demo-1250000000";
const PART: u64 = 1 << 20;

fn client(emulator: &Emulator, credential: Credential) -> Client {
    Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(Arc::new(StaticProvider::new(credential)))
        .endpoint(
            cos_client::Endpoint::default()
                .http()
                .custom_domain(emulator.cos_addr().to_string()),
        )
        .request_timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The demo's flow for one key: every step must succeed.
async fn flow(user: &Client, dir: &std::path::Path, data: &[u8]) {
    let local = dir.join("demo.bin");
    std::fs::write(&local, data).unwrap();
    let key = "users/alice/demo.bin";
    let options = UploadOptions::default()
        .part_size(PART)
        .multipart_threshold(PART)
        .concurrency(2);
    let out = user.upload_file(&local, key, &options).await.unwrap();
    assert!(out.parts_uploaded >= 2 && out.server_crc_verified);
    let head = user.head_object(key).await.unwrap();
    assert_eq!(head.content_length, data.len() as u64);
    let copy = dir.join("copy.bin");
    let options = DownloadOptions::default().part_size(PART).concurrency(2);
    let got = user.download_file(key, &copy, &options).await.unwrap();
    assert!(got.crc_verified);
    assert_eq!(std::fs::read(&copy).unwrap(), data);
    let url = user
        .presign_get(key, Duration::from_secs(600))
        .await
        .unwrap();
    let http: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let response = http.get(url.parse().unwrap()).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.as_ref(), data);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_generated_from_the_access_log_runs_the_flow_and_nothing_else() {
    let dir = std::env::temp_dir().join(format!("cos-sts-access-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("access.jsonl");
    let _ = std::fs::remove_file(&log);
    let emulator = Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .access_log(&log)
        .start()
        .await
        .unwrap();
    let data: Vec<u8> = (0..(2 * PART + 4096))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();

    // 1. The flow under the root key, recorded.
    let root = emulator.root_credential();
    flow(&client(&emulator, root.clone()), &dir, &data).await;
    let text = std::fs::read_to_string(&log).unwrap();
    let records = AccessRecord::parse_log(&text).unwrap();
    assert!(records.len() >= 6, "{text}");
    assert!(
        records
            .iter()
            .all(|r| r.caller() == root.secret_id() && r.allowed())
    );
    assert!(
        !text.contains(root.secret_key()),
        "the log holds a secret key"
    );

    // 2. The least policy for it, from the CLI.
    let run = cos_sts(
        &[
            "policy",
            "generate",
            "--from-log",
            arg(&log),
            "--caller",
            root.secret_id(),
        ],
        None,
    )
    .expect(0);
    let policy = cos_policy::Policy::from_json(run.stdout.trim()).unwrap();
    let own = format!("qcs::cos:{REGION}:uid/1250000000:{BUCKET}/users/alice/demo.bin");
    assert!(
        check_access_not_granted(
            &policy,
            &["name/cos:DeleteObject", "name/cos:PutBucket*"],
            &["*"]
        )
        .unwrap()
        .holds()
    );
    assert!(
        !check_access_not_granted(&policy, &["name/cos:GetObject"], &[own.as_str()])
            .unwrap()
            .holds()
    );

    // 3. A temporary key with exactly that policy runs the same flow.
    let sts = StsClient::builder()
        .endpoint(StsEndpoint::custom(&emulator.sts_endpoint()).unwrap())
        .region(REGION)
        .credential(root.clone())
        .build()
        .unwrap();
    let issued = sts
        .get_credential(
            &CredentialRequest::from_policy(policy.clone())
                .allow_lints()
                .name("alice")
                .duration_seconds(1800),
        )
        .await
        .unwrap();
    let user = client(&emulator, issued.credential().clone());
    std::fs::remove_file(&log).unwrap();
    flow(&user, &dir, &data).await;

    // 4. One step outside the log is denied by the emulator.
    let outside = user
        .put_object(
            "users/alice/other.txt",
            Bytes::from_static(b"x"),
            &PutOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(outside.service().map(|s| s.code()), Some("AccessDenied"));
    let delete = user
        .delete_object("users/alice/demo.bin")
        .await
        .unwrap_err();
    assert_eq!(delete.service().map(|s| s.code()), Some("AccessDenied"));

    // The generated policy, written out, passes the CLI's own checks.
    let file = temp_file("generated.json", &policy.to_json());
    cos_sts(
        &["policy", "check", arg(&file), "--never", "name/cos:Delete*"],
        None,
    )
    .expect(0);
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
