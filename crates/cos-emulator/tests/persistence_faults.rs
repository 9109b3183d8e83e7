//! Restart persistence of objects and temporary keys, and fault injection.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::{Cos, policy, sts_tc3, temp_credential};
use cos_emulator::{Emulator, Faults};
use std::time::{Duration, Instant};

#[tokio::test]
async fn objects_uploads_and_temporary_keys_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (root, temp, upload_id) = {
        let e = Emulator::builder()
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let cos = Cos::root(&e);
        assert_eq!(cos.put("keep/a.txt", vec![7u8; 300_000]).await.status, 200);
        assert_eq!(cos.put("keep/a.txt", "final").await.status, 200);
        let init = cos
            .request("POST", "/mp", &[("uploads", "")], &[], Bytes::new())
            .await;
        let upload_id = common::xml_field(&init.text(), "UploadId").unwrap();
        let resource = format!(
            "qcs::cos:{}:uid/{}:{}/keep/*",
            e.region(),
            e.appid(),
            e.buckets()[0]
        );
        let p = policy(&["name/cos:GetObject", "name/cos:PutObject"], &[resource]);
        let r = sts_tc3(
            &e,
            &e.root_credential(),
            "GetFederationToken",
            &serde_json::json!({"Name": "n", "Policy": p}),
            None,
        )
        .await;
        let temp = temp_credential(&r);
        let root = e.root_credential();
        e.shutdown().await;
        (root, temp, upload_id)
    };
    let e = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    assert_eq!(
        e.root_credential().secret_id(),
        root.secret_id(),
        "root key is kept"
    );
    let cos = Cos::with(&e, Some(temp.clone()));
    let got = cos.get("keep/a.txt").await;
    assert_eq!(
        (got.status, &got.body[..]),
        (200, &b"final"[..]),
        "{}",
        got.text()
    );
    assert_eq!(
        cos.put("elsewhere", "x").await.code(),
        "AccessDenied",
        "policy is kept"
    );
    let parts = Cos::root(&e)
        .request("GET", "/mp", &[("uploadId", &upload_id)], &[], Bytes::new())
        .await;
    assert_eq!(parts.status, 200, "open uploads are kept");
    // Only the live blob and nothing else remain in the blob directory.
    assert_eq!(
        std::fs::read_dir(dir.path().join("blobs")).unwrap().count(),
        1
    );
    e.shutdown().await;
}

#[tokio::test]
async fn slow_down_internal_error_and_latency() {
    let e = Emulator::builder()
        .faults(Faults::none().slow_down(1.0))
        .start()
        .await
        .unwrap();
    let cos = Cos::root(&e);
    let r = cos.put("k", "x").await;
    assert_eq!((r.status, r.code().as_str()), (503, "SlowDown"));
    assert!(r.header("x-cos-request-id").is_some());
    e.set_faults(Faults::none().internal_error(1.0));
    let r = cos.get("k").await;
    assert_eq!((r.status, r.code().as_str()), (500, "InternalError"));
    e.set_faults(Faults::none().latency(Duration::from_millis(150)));
    let start = Instant::now();
    assert_eq!(cos.put("k", "x").await.status, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    e.shutdown().await;
}

#[tokio::test]
async fn cut_body_breaks_the_download_midway() {
    let e = Emulator::builder().start().await.unwrap();
    let cos = Cos::root(&e);
    cos.put("big", vec![1u8; 200_000]).await;
    e.set_faults(Faults::none().cut_body(1.0));
    let url = format!("{}/big", e.cos_endpoint());
    // Sign like Cos::get but read the body by hand to observe the failure.
    let signed = {
        let cred = e.root_credential();
        let host = e.cos_addr().to_string();
        let headers = [("host", host.as_str())];
        let parts = tc3_signer::cos::SignableRequest::new("GET", "/big").with_headers(&headers);
        let s = tc3_signer::cos::Signer::new(&cred)
            .sign(
                &parts,
                tc3_signer::cos::KeyTime::starting_at(common::now() - 5, Duration::from_secs(600)),
            )
            .unwrap();
        s.authorization().to_string()
    };
    use http_body_util::BodyExt as _;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<Bytes>>();
    let request = http::Request::get(url)
        .header("authorization", signed)
        .body(http_body_util::Empty::new())
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "200000");
    assert!(
        response.into_body().collect().await.is_err(),
        "the body must be cut"
    );
    e.shutdown().await;
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn damaged_state_is_quarantined_never_deleted_and_secrets_are_owner_only() {
    // Issue 13, finding 6: a damaged object record made start-up silently delete the
    // object's data; state files were world-readable.
    let dir = tempfile::tempdir().unwrap();
    {
        let e = Emulator::builder()
            .data_dir(dir.path())
            .start()
            .await
            .unwrap();
        let cos = Cos::root(&e);
        assert_eq!(cos.put("good", "good data").await.status, 200);
        assert_eq!(cos.put("bad", "precious bad data").await.status, 200);
        let p = policy(&["name/cos:GetObject"], &["*".to_string()]);
        let body = serde_json::json!({"Name": "n", "Policy": p});
        temp_credential(
            &sts_tc3(&e, &e.root_credential(), "GetFederationToken", &body, None).await,
        );
        e.shutdown().await;
    }
    let record = files_under(&dir.path().join("objects"))
        .into_iter()
        .find(|f| std::fs::read_to_string(f).unwrap().contains("\"bad\""))
        .unwrap();
    std::fs::write(&record, "{ damaged").unwrap();

    let e = Emulator::builder()
        .data_dir(dir.path())
        .start()
        .await
        .unwrap();
    let cos = Cos::root(&e);
    assert_eq!(&cos.get("good").await.body[..], b"good data");
    assert_eq!(cos.get("bad").await.status, 404);
    let quarantined = files_under(&dir.path().join("quarantine"));
    let contents: Vec<Vec<u8>> = quarantined
        .iter()
        .map(|f| std::fs::read(f).unwrap())
        .collect();
    assert!(
        contents.iter().any(|c| c == b"{ damaged"),
        "{quarantined:?}"
    );
    assert!(
        contents.iter().any(|c| c == b"precious bad data"),
        "the damaged record's data is kept: {quarantined:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for name in ["root.json", "credentials.json"] {
            let mode = std::fs::metadata(dir.path().join("state").join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
    }
    e.shutdown().await;
}
