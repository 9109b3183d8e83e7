//! The opt-in access log: one JSON record per authorization decision, for root and temporary
//! callers, allowed and denied; nothing is recorded when it is off; no secret in it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Cos, policy, sts_tc3, temp_credential};
use cos_emulator::Emulator;
use cos_policy::analysis::AccessRecord;

#[tokio::test]
async fn every_decision_is_recorded_with_its_caller_and_context() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.jsonl");
    let e = Emulator::builder().access_log(&log).start().await.unwrap();
    let bucket = e.buckets()[0].clone();
    let resource = |key: &str| format!("qcs::cos:{}:uid/{}:{bucket}/{key}", e.region(), e.appid());
    let root = Cos::root(&e);
    assert_eq!(root.put("users/alice/a.txt", "hi").await.status, 200);

    let body = serde_json::json!({"Name": "t", "DurationSeconds": 1800,
        "Policy": policy(&["name/cos:GetObject"], &[resource("users/alice/*")])});
    let reply = sts_tc3(&e, &e.root_credential(), "GetFederationToken", &body, None).await;
    let temp = temp_credential(&reply);
    let user = Cos::with(&e, Some(temp.clone()));
    assert_eq!(user.get("users/alice/a.txt").await.status, 200);
    assert_eq!(user.put("users/alice/b.txt", "no").await.status, 403);

    let text = std::fs::read_to_string(&log).unwrap();
    let records = AccessRecord::parse_log(&text).unwrap();
    assert_eq!(records.len(), 3, "{text}");
    let [put, get, denied] = &records[..] else {
        unreachable!()
    };
    assert_eq!(put.caller(), e.root_credential().secret_id());
    assert!(put.allowed());
    let put = put.request();
    assert_eq!(put.action(), "name/cos:PutObject");
    assert_eq!(put.resource(), resource("users/alice/a.txt"));
    assert_eq!(
        put.context_values("cos:content-length").collect::<Vec<_>>(),
        ["2"]
    );
    assert_eq!(
        put.context_values("qcs:ip").collect::<Vec<_>>(),
        ["127.0.0.1"]
    );
    assert_eq!(get.caller(), temp.secret_id());
    assert!(get.allowed());
    assert_eq!(denied.request().action(), "name/cos:PutObject");
    assert!(!denied.allowed());
    // Secret keys and session tokens never reach the log.
    assert!(!text.contains(e.root_credential().secret_key()));
    assert!(!text.contains(temp.secret_key()));
    assert!(!text.contains(temp.token().unwrap()));
    e.shutdown().await;
}

#[tokio::test]
async fn an_unwritable_log_path_fails_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let err = Emulator::builder()
        .access_log(dir.path().join("missing/access.jsonl"))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("access log"), "{err}");
}
