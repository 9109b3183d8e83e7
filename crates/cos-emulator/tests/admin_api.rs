//! The admin API under `/_emulator/` over real HTTP: health on both listeners, the token
//! guard, reset, the clock, fault plans in JSON, the access log and the STS call log; and
//! HTTPS with the generated CA.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use common::{Cos, Reply, send};
use cos_emulator::Emulator;
use serde_json::json;

async fn emulator() -> Emulator {
    Emulator::builder()
        .bucket("examplebucket")
        .root_key("AKIDFIXEDROOT", "fixed-root-secret")
        .in_memory()
        .start()
        .await
        .unwrap()
}

async fn admin(e: &Emulator, method: &str, path: &str, body: &str) -> Reply {
    let headers = [(
        "authorization".to_string(),
        format!("Bearer {}", e.admin_token()),
    )];
    send(
        method,
        &format!("{}/_emulator{path}", e.cos_endpoint()),
        &headers,
        body.to_string(),
    )
    .await
}

/// A temporary key for `actions` on `prefix*` of the default bucket.
async fn temp_key(e: &Emulator, prefix: &str) -> tc3_signer::Credential {
    let resource =
        format!("qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/{prefix}*");
    let policy = json!({"version": "2.0", "statement": [{"effect": "allow",
        "action": ["name/cos:PutObject", "name/cos:GetObject"], "resource": [resource]}]});
    let reply = common::sts_tc3(
        e,
        &e.root_credential(),
        "GetFederationToken",
        &json!({"Name": "t", "Policy": common::encode(&policy.to_string()), "Region": "ap-guangzhou"}),
        None,
    )
    .await;
    common::temp_credential(&reply)
}

#[tokio::test]
async fn health_answers_on_both_listeners_without_a_token() {
    let e = emulator().await;
    for (endpoint, listener) in [(e.cos_endpoint(), "cos"), (e.sts_endpoint(), "sts")] {
        let reply = send("GET", &format!("{endpoint}/_emulator/health"), &[], "").await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(reply.json(), json!({"status": "ok", "listener": listener}));
    }
    let reply = send(
        "POST",
        &format!("{}/_emulator/health", e.cos_endpoint()),
        &[],
        "",
    )
    .await;
    assert_eq!(reply.status, 405);
    // Admin requests are not COS requests: nothing is logged, no fault applies.
    assert!(e.access_log().is_empty());
    e.shutdown().await;
}

#[tokio::test]
async fn admin_endpoints_need_the_bearer_token_and_a_cos_signature_is_not_one() {
    let e = emulator().await;
    let url = format!("{}/_emulator/reset", e.cos_endpoint());
    let missing = send("POST", &url, &[], "").await;
    assert_eq!(missing.status, 401);
    assert!(missing.header("www-authenticate").is_some());
    let wrong = [("authorization".to_string(), "Bearer nope".to_string())];
    assert_eq!(send("POST", &url, &wrong, "").await.status, 401);
    // A request signed by the root key, for the same path, is refused by the admin API and
    // never reaches COS (which would take `_emulator/reset` for an object key).
    let signed = Cos::root(&e)
        .request("POST", "/_emulator/reset", &[], &[], Bytes::new())
        .await;
    assert_eq!(signed.status, 401, "{}", signed.text());
    let token_in_query = send("POST", &format!("{url}?token={}", e.admin_token()), &[], "").await;
    assert_eq!(token_in_query.status, 401);
    assert_eq!(admin(&e, "POST", "/reset", "").await.status, 200);
    assert_eq!(admin(&e, "GET", "/nothing-here", "").await.status, 404);
    // The same API on the STS listener.
    let headers = [(
        "authorization".to_string(),
        format!("Bearer {}", e.admin_token()),
    )];
    let on_sts = send(
        "GET",
        &format!("{}/_emulator/clock", e.sts_endpoint()),
        &headers,
        "",
    )
    .await;
    assert_eq!(on_sts.status, 200, "{}", on_sts.text());
    e.shutdown().await;
}

#[tokio::test]
async fn reset_empties_the_buckets_and_forgets_issued_keys() {
    let e = emulator().await;
    let root = Cos::root(&e);
    assert_eq!(root.put("a/one", "1").await.status, 200);
    let key = temp_key(&e, "a/").await;
    let temp = Cos::with(&e, Some(key));
    assert_eq!(temp.put("a/two", "2").await.status, 200);
    let initiate = root
        .request("POST", "/a/big", &[("uploads", "")], &[], Bytes::new())
        .await;
    assert_eq!(initiate.status, 200);

    let reply = admin(&e, "POST", "/reset", "").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json()["removed"],
        json!({"objects": 2, "uploads": 1, "buckets": 0})
    );
    assert_eq!(root.get("a/one").await.code(), "NoSuchKey");
    let listing = root
        .request("GET", "/", &[("uploads", "")], &[], Bytes::new())
        .await;
    assert!(!listing.text().contains("<Upload>"), "{}", listing.text());
    assert_eq!(temp.get("a/two").await.code(), "InvalidAccessKeyId");
    // The fixed root key stays, and the log starts again at the reset.
    assert_eq!(root.put("a/three", "3").await.status, 200);
    assert_eq!(e.access_log().len(), 4);
    e.shutdown().await;
}

#[tokio::test]
async fn reset_deletes_runtime_buckets_and_restores_configured_ones() {
    let e = emulator().await;
    let root = Cos::root(&e);
    let on = |bucket: &str| format!("{bucket}.cos.ap-guangzhou.myqcloud.com");
    let extra = on("extra-1250000000");
    let created = root
        .request("PUT", "/", &[], &[("host", &extra)], Bytes::new())
        .await;
    assert_eq!(created.status, 200, "{}", created.text());
    let put = root
        .request("PUT", "/k", &[], &[("host", &extra)], Bytes::from("v"))
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let configured = on("examplebucket-1250000000");
    let tags = "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>";
    let tagged = root
        .request(
            "PUT",
            "/",
            &[("tagging", "")],
            &[("host", &configured)],
            Bytes::from(tags),
        )
        .await;
    assert_eq!(tagged.status, 204, "{}", tagged.text());

    let reply = admin(&e, "POST", "/reset", "").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json()["removed"],
        json!({"objects": 1, "uploads": 0, "buckets": 1})
    );
    let head = root
        .request("HEAD", "/", &[], &[("host", &extra)], Bytes::new())
        .await;
    assert_eq!(head.status, 404);
    let tags = root
        .request(
            "GET",
            "/",
            &[("tagging", "")],
            &[("host", &configured)],
            Bytes::new(),
        )
        .await;
    assert_eq!(tags.code(), "NoSuchTagSet");
    e.shutdown().await;
}

#[tokio::test]
async fn the_clock_moves_and_signatures_follow_it() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    assert_eq!(cos.put("k", "v").await.status, 200);
    let moved = admin(&e, "PUT", "/clock", r#"{"offset_seconds": 3600}"#).await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.json()["offset_seconds"], 3600);
    assert_eq!(e.clock_offset(), 3600);
    // Signed for the next 15 minutes of the host's clock: expired for the emulator.
    let expired = cos.get("k").await;
    assert_eq!(expired.status, 403);
    assert!(
        expired.text().contains("Request has expired"),
        "{}",
        expired.text()
    );
    let back = admin(&e, "PUT", "/clock", r#"{"advance_seconds": -3600}"#).await;
    assert_eq!(back.json()["offset_seconds"], 0);
    assert_eq!(cos.get("k").await.status, 200);
    for bad in [
        "{}",
        r#"{"offset_seconds": 1, "advance_seconds": 1}"#,
        r#"{"offset": 1}"#,
        "soon",
    ] {
        assert_eq!(admin(&e, "PUT", "/clock", bad).await.status, 400, "{bad}");
    }
    let now = admin(&e, "GET", "/clock", "").await.json();
    assert!(now["now_ms"].as_u64().unwrap() > 1_700_000_000_000);
    e.shutdown().await;
}

#[tokio::test]
async fn a_json_fault_plan_is_installed_and_removed_over_http() {
    let e = emulator().await;
    let cos = Cos::root(&e);
    let plan = r#"{"rules": [
        {"match": {"method": "PUT", "key_prefix": "flaky/"}, "action": "slow_down", "times": 1},
        {"match": {"key_prefix": "broken/"},
         "action": {"error": {"status": 404, "code": "NoSuchBucket", "message": "gone"}}}
    ]}"#;
    let installed = admin(&e, "PUT", "/faults", plan).await;
    assert_eq!(installed.status, 200, "{}", installed.text());
    assert!(e.faults().fault_plan().is_some());
    let first = cos.put("flaky/a", "x").await;
    assert_eq!((first.status, first.code()), (503, "SlowDown".to_string()));
    assert_eq!(cos.put("flaky/a", "x").await.status, 200);
    let broken = cos.get("broken/b").await;
    assert_eq!(
        (broken.status, broken.code()),
        (404, "NoSuchBucket".to_string())
    );
    let faults: Vec<Option<String>> = e.access_log().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        faults,
        [
            Some("error 503 SlowDown".to_string()),
            None,
            Some("error 404 NoSuchBucket".to_string())
        ]
    );

    let refused = admin(
        &e,
        "PUT",
        "/faults",
        r#"{"rules": [{"action": "explode"}]}"#,
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("explode")
    );
    // The refused plan did not replace the installed one.
    assert_eq!(cos.get("broken/b").await.status, 404);

    assert_eq!(admin(&e, "DELETE", "/faults", "").await.status, 200);
    assert!(e.faults().is_none());
    assert_eq!(cos.get("broken/b").await.code(), "NoSuchKey");
    e.shutdown().await;
}

#[tokio::test]
async fn the_access_log_names_caller_key_action_resource_and_decision() {
    let e = emulator().await;
    let key = temp_key(&e, "a/").await;
    let temp = Cos::with(&e, Some(key.clone()));
    assert_eq!(temp.put("a/ok", "1").await.status, 200);
    assert_eq!(temp.put("b/no", "1").await.status, 403);
    let forged = Cos::with(
        &e,
        Some(tc3_signer::Credential::new(
            "AKIDFIXEDROOT",
            "not-the-secret",
        )),
    );
    assert_eq!(forged.get("a/ok").await.code(), "SignatureDoesNotMatch");

    let reply = admin(&e, "GET", "/access-log", "").await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(!text.contains(key.secret_key()), "no secret in the log");
    assert!(!text.contains("fixed-root-secret"), "no secret in the log");
    let entries = reply.json()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 3, "{text}");
    let resource =
        |k: &str| format!("qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/{k}");
    assert_eq!(entries[0]["method"], "PUT");
    assert_eq!(entries[0]["path"], "/a/ok");
    assert_eq!(entries[0]["caller_key"], key.secret_id());
    assert_eq!(
        entries[0]["decisions"],
        json!([{"action": "name/cos:PutObject", "resource": resource("a/ok"),
                "allowed": true, "caller": "temporary"}])
    );
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[1]["decisions"][0]["allowed"], false);
    assert_eq!(entries[1]["decisions"][0]["resource"], resource("b/no"));
    assert_eq!(entries[1]["status"], 403);
    assert_eq!(entries[1]["error_code"], "AccessDenied");
    assert_eq!(entries[2]["caller_key"], "AKIDFIXEDROOT");
    assert_eq!(entries[2]["decisions"], json!([]));
    assert_eq!(entries[2]["error_code"], "SignatureDoesNotMatch");
    // The same record in Rust.
    let log = e.access_log();
    assert_eq!(log[1].decisions[0].action, "name/cos:PutObject");
    assert!(!log[1].decisions[0].allowed);
    e.shutdown().await;
}

#[tokio::test]
async fn the_sts_log_names_action_caller_and_issued_key_without_secrets() {
    let e = emulator().await;
    let key = temp_key(&e, "a/").await;
    let refused = common::sts_tc3(
        &e,
        &e.root_credential(),
        "GetFederationToken",
        &json!({"Name": "t", "Region": "ap-guangzhou", "Policy": "%7B", "DurationSeconds": 0}),
        None,
    )
    .await;
    assert!(refused.json()["Response"]["Error"].is_object());
    let reply = admin(&e, "GET", "/sts-calls", "").await;
    let text = reply.text();
    assert!(!text.contains(key.secret_key()), "{text}");
    assert!(!text.contains(key.token().unwrap_or("")), "{text}");
    let entries = reply.json()["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2, "{text}");
    assert_eq!(entries[0]["action"], "GetFederationToken");
    assert_eq!(entries[0]["caller_key"], "AKIDFIXEDROOT");
    assert_eq!(entries[0]["issued_key"], key.secret_id());
    assert!(entries[0]["error_code"].is_null());
    assert!(
        entries[1]["error_code"]
            .as_str()
            .unwrap()
            .starts_with("InvalidParameter")
    );
    assert!(entries[1]["issued_key"].is_null());
    assert_eq!(e.sts_calls().len(), 2);
    e.shutdown().await;
}
