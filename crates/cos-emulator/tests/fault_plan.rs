//! The scripted fault plan through real HTTP: what each action does on the wire, what the
//! record keeps, and how rules count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::Cos;
use cos_emulator::{Action, Emulator, FaultPlan, Faults, Matcher, Rule};

async fn emulator(plan: &FaultPlan) -> Emulator {
    Emulator::builder()
        .bucket("examplebucket")
        .in_memory()
        .faults(Faults::none().plan(plan.clone()))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn errors_answer_instead_of_the_operation_and_keep_the_body() {
    let plan = FaultPlan::new();
    let e = emulator(&plan).await;
    let cos = Cos::root(&e);
    plan.add(Rule::new(Matcher::any().key_prefix("a"), Action::slow_down()).times(1))
        .add(
            Rule::new(
                Matcher::any(),
                Action::error_in_200("InternalError", "later"),
            )
            .times(1),
        );
    let first = cos.put("a", "one").await;
    assert_eq!((first.status, first.code()), (503, "SlowDown".to_owned()));
    let second = cos.put("a", "two").await;
    assert_eq!(
        (second.status, second.code()),
        (200, "InternalError".to_owned())
    );
    assert_eq!(cos.get("a").await.status, 404, "neither PUT took effect");
    let third = cos.put("a", "three").await;
    assert_eq!(third.status, 200);
    assert_eq!(cos.get("a").await.body, Bytes::from("three"));

    let seen = plan.seen();
    assert_eq!(seen.len(), 5);
    assert_eq!(seen[0].injected(), Some(&Action::slow_down()));
    assert_eq!(seen[0].body(), Some(&b"one"[..]));
    assert_eq!(seen[1].body_len(), Some(3));
    assert_eq!(seen[1].status(), Some(http::StatusCode::OK));
    assert_eq!(seen[3].injected(), None);
    assert_eq!(
        seen[3].body(),
        None,
        "bodies the emulator handled are not kept"
    );
    assert_eq!(seen[3].decoded_path(), "/a");
    assert!(seen[3].response_header("x-cos-request-id").is_some());
}

#[tokio::test]
async fn a_dropped_reply_comes_after_the_operation() {
    let plan = FaultPlan::new();
    let e = emulator(&plan).await;
    plan.add(Rule::new(Matcher::any().method(http::Method::PUT), Action::DropReply).times(1));
    let cos = Cos::root(&e);
    // The helper panics when the connection closes without an answer: expect exactly that.
    let put = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::spawn(async move { cos.put("kept", "v").await }),
    )
    .await
    .unwrap();
    assert!(put.is_err(), "the client saw no answer");
    let seen = plan.seen();
    assert_eq!(seen[0].injected(), Some(&Action::DropReply));
    assert_eq!(seen[0].status(), None);
    assert_eq!(
        Cos::root(&e).get("kept").await.body,
        Bytes::from("v"),
        "the PUT took effect"
    );
}

#[tokio::test]
async fn wrong_crc_and_latency_reshape_the_answer() {
    let plan = FaultPlan::new();
    let e = emulator(&plan).await;
    let cos = Cos::root(&e);
    let put = cos.put("k", "data").await;
    let crc: u64 = put.header("x-cos-hash-crc64ecma").unwrap().parse().unwrap();
    plan.add(Rule::new(Matcher::any().method(http::Method::GET), Action::CorruptCrc).times(1));
    let get = cos.get("k").await;
    assert_eq!(get.body, Bytes::from("data"), "the body is intact");
    assert_eq!(
        get.header("x-cos-hash-crc64ecma").unwrap(),
        (crc ^ 1).to_string()
    );
    plan.add(Rule::new(Matcher::any(), Action::Latency(Duration::from_millis(300))).times(1));
    let started = Instant::now();
    assert_eq!(cos.get("k").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}
