//! Driver tests against the emulator with scripted faults: signing, retries, errors, clock
//! skew, token refresh, request shapes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::{BUCKET, Cos, FirstKey as _, HOST, Rotating, now, q_ak, sign_start};
use cos_client::{
    CopySource, Error, GetOptions, ListOptions, PutOptions, RetryConfig, UploadOptions, crc64,
};
use cos_emulator::{Action, Matcher, Rule};
use http::Method;
use sts_client::provider::{CredentialsCache, StaticProvider};

#[tokio::test]
async fn every_attempt_is_signed_afresh_with_the_current_credential() {
    let cos = Cos::start().await;
    cos.plan
        .add(Rule::new(Matcher::any(), Action::slow_down()).times(1))
        .add(Rule::new(Matcher::any(), Action::internal_error()).times(1));
    let (rotating, issued) = Rotating::new(&cos);
    let client = cos.builder().credentials(rotating).build().unwrap();
    let out = client
        .put_object(
            "dir/a b.txt",
            "hello".into(),
            &PutOptions::default().content_type("text/plain"),
        )
        .await
        .unwrap();
    assert_eq!(out.crc64, Some(crc64::checksum(b"hello")));
    let received = cos.plan.seen();
    assert_eq!(received.len(), 3);
    let issued = issued.lock().unwrap().clone();
    assert_eq!(issued.len(), 3, "one key per attempt");
    for (i, r) in received.iter().enumerate() {
        assert_eq!(r.method(), Method::PUT);
        assert_eq!(r.path(), "/dir/a%20b.txt");
        assert_eq!(
            r.header("host"),
            Some(HOST),
            "connect-to keeps the public host"
        );
        let auth = r.header("authorization").unwrap();
        assert_eq!(
            q_ak(auth),
            issued[i].secret_id(),
            "attempt {i} uses the provider's current key"
        );
        assert!(
            auth.contains("q-header-list=content-length;content-type;host;x-cos-security-token"),
            "{auth}"
        );
        assert_eq!(r.header("x-cos-security-token"), issued[i].token());
        assert_eq!(r.header("content-length"), Some("5"));
    }
    assert_ne!(issued[0].secret_id(), issued[1].secret_id());
    assert_ne!(issued[1].secret_id(), issued[2].secret_id());
    // The two failed attempts carried the body; the third one stored it.
    assert_eq!(received[0].body(), Some(&b"hello"[..]));
    assert_eq!(received[1].body(), Some(&b"hello"[..]));
    assert_eq!(received[2].status(), Some(http::StatusCode::OK));
    assert_eq!(cos.object("dir/a b.txt").await.unwrap(), b"hello");
}

#[tokio::test]
async fn errors_are_typed_and_not_retried_when_final() {
    let cos = Cos::start().await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    let error = client.get_object_bytes("missing.txt").await.unwrap_err();
    let received = cos.plan.seen();
    assert_eq!(received.len(), 1);
    let service = error.service().unwrap();
    assert_eq!(service.status(), 404);
    assert_eq!(service.code(), "NoSuchKey");
    assert_eq!(service.message(), "The specified key does not exist.");
    assert_eq!(
        service.request_id(),
        received[0].response_header("x-cos-request-id")
    );
    assert!(service.request_id().is_some());
    assert_eq!(
        service.trace_id(),
        received[0].response_header("x-cos-trace-id")
    );
    assert!(service.trace_id().is_some());
    assert_eq!(service.bucket(), Some(BUCKET));
    assert_eq!(service.key(), Some("missing.txt"));
    assert!(!error.is_retryable());

    // HEAD answers carry no body: the code comes from the status.
    let error = client.head_object("missing.txt").await.unwrap_err();
    assert_eq!(error.service().unwrap().code(), "NoSuchKey");
}

#[tokio::test]
async fn retries_are_bounded() {
    let cos = Cos::start().await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    cos.plan.add(Rule::new(
        Matcher::any(),
        Action::error(503, "ServiceUnavailable", "busy"),
    ));
    let error = client.delete_object("a").await.unwrap_err();
    assert_eq!(error.service().unwrap().status(), 503);
    assert_eq!(cos.plan.seen().len(), 4, "1 attempt + 3 retries");

    cos.plan.clear_seen();
    let client = cos
        .builder()
        .retry(
            RetryConfig::transfers()
                .max_attempts(101)
                .initial_backoff(Duration::from_millis(40))
                .budget(Duration::from_millis(100)),
        )
        .credentials(Rotating::new(&cos).0)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    assert!(client.delete_object("a").await.is_err());
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(cos.plan.seen().len() < 100);
}

#[tokio::test]
async fn cut_connections_are_retried_only_for_idempotent_requests() {
    let cos = Cos::start().await;
    cos.put("a", b"abc").await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    cos.plan
        .add(Rule::new(Matcher::any().method(Method::GET), Action::DropReply).times(1));
    assert_eq!(client.get_object_bytes("a").await.unwrap(), b"abc");
    assert_eq!(cos.plan.seen().len(), 2);

    cos.plan.clear_seen();
    cos.plan
        .add(Rule::new(Matcher::initiate_multipart(), Action::DropReply).times(1));
    let error = client
        .initiate_multipart_upload("a", &PutOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(
        cos.plan.seen().len(),
        1,
        "a POST that reached the server is not replayed"
    );
}

#[tokio::test]
async fn clock_skew_is_corrected_once_from_the_date_header() {
    // The emulator's clock runs 20 minutes ahead: the first signature has expired there.
    // (The root key: STS refuses to issue keys to a caller whose clock is off.)
    let cos = Cos::with_clock_offset(1200).await;
    let client = cos.root_client();
    cos.plan.clear_seen();
    client.delete_object("a").await.unwrap();
    let received = cos.plan.seen();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].status(), Some(http::StatusCode::FORBIDDEN));
    let first = sign_start(received[0].header("authorization").unwrap());
    let second = sign_start(received[1].header("authorization").unwrap());
    assert!(
        (1195..=1205).contains(&(second - first)),
        "{first} -> {second}"
    );
    assert!((1195..=1205).contains(&client.clock_offset()));

    // "Request has expired" is the other signal; a second skew answer is not retried again.
    let cos = Cos::with_clock_offset(-3600).await;
    let client = cos.root_client();
    cos.plan.clear_seen();
    cos.plan.add(Rule::new(
        Matcher::any(),
        Action::error(403, "AccessDenied", "Request has expired"),
    ));
    let error = client.delete_object("a").await.unwrap_err();
    assert!(error.service().unwrap().is_clock_skew());
    assert_eq!(cos.plan.seen().len(), 2);
    assert!((-3605..=-3595).contains(&client.clock_offset()));
}

#[tokio::test]
async fn expired_token_refreshes_the_cached_credential_once() {
    let cos = Cos::start().await;
    cos.plan.add(
        Rule::new(
            Matcher::any(),
            Action::error(400, "ExpiredToken", "The temporary key token has expired"),
        )
        .times(1),
    );
    let cache = CredentialsCache::new(Rotating::new(&cos).0);
    let client = cos.builder().credentials(cache).build().unwrap();
    client.delete_object("a").await.unwrap();
    let received = cos.plan.seen();
    assert_eq!(received.len(), 2);
    let tokens: Vec<_> = received
        .iter()
        .map(|r| r.header("x-cos-security-token").unwrap().to_owned())
        .collect();
    assert_ne!(tokens[0], tokens[1], "the retry used a fresh token");

    // A provider that keeps answering the same key: no pointless retry.
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    cos.plan.add(Rule::new(
        Matcher::any(),
        Action::error(400, "ExpiredToken", "The temporary key token has expired"),
    ));
    let error = client.delete_object("a").await.unwrap_err();
    assert!(error.service().unwrap().is_expired_token());
    assert_eq!(cos.plan.seen().len(), 1);
}

#[tokio::test]
async fn complete_with_error_in_200_is_retried() {
    let cos = Cos::start().await;
    let client = cos.static_client().await;
    let one = vec![1u8; 1 << 20];
    let id = client
        .initiate_multipart_upload("k", &PutOptions::default())
        .await
        .unwrap();
    let p1 = client
        .upload_part("k", &id, 1, one.clone().into())
        .await
        .unwrap();
    let p2 = client.upload_part("k", &id, 2, "two".into()).await.unwrap();
    cos.plan.clear_seen();
    cos.plan.add(
        Rule::new(
            Matcher::complete_multipart(),
            Action::error_in_200("InternalError", "We encountered an internal error."),
        )
        .times(1),
    );
    let out = client
        .complete_multipart_upload("k", &id, vec![(2, p2.etag.clone()), (1, p1.etag.clone())])
        .await
        .unwrap();
    let received = cos.plan.seen();
    assert_eq!(received.len(), 2);
    let mut whole = one;
    whole.extend_from_slice(b"two");
    assert_eq!(out.crc64, Some(crc64::checksum(&whole)));
    let head = client.head_object("k").await.unwrap();
    assert_eq!(Some(out.etag), head.etag);
    let body = String::from_utf8(received[0].body().unwrap().to_vec()).unwrap();
    let quoted = |etag: &str| etag.replace('"', "&quot;");
    assert_eq!(
        body,
        format!(
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
            quoted(&p1.etag),
            quoted(&p2.etag)
        )
    );
    assert_eq!(received[0].query("uploadId"), Some(id.as_str()));
    assert!(received[0].header("content-md5").is_some());
}

#[tokio::test]
async fn listing_pages_follow_the_marker() {
    let cos = Cos::start().await;
    cos.put("p/a", b"1").await;
    cos.put("p/b", b"22").await;
    cos.put("p/c/d", b"333").await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    let mut pages = client.list_objects_pages(
        ListOptions::default()
            .prefix("p/")
            .delimiter("/")
            .max_keys(2),
    );
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(
        first
            .objects
            .iter()
            .map(|o| (o.key.as_str(), o.size))
            .collect::<Vec<_>>(),
        [("p/a", 1), ("p/b", 2)]
    );
    let second = pages.next_page().await.unwrap().unwrap();
    assert_eq!(second.common_prefixes, ["p/c/"]);
    assert!(pages.next_page().await.is_none());
    let received = cos.plan.seen();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].path(), "/");
    assert_eq!(received[0].query("prefix"), Some("p/"));
    assert_eq!(received[0].query("delimiter"), Some("/"));
    assert_eq!(received[0].query("encoding-type"), Some("url"));
    assert_eq!(received[0].query("marker"), None);
    assert_eq!(received[1].query("marker"), Some("p/b"));
}

#[tokio::test]
async fn delete_multiple_sends_md5_and_parses_failures() {
    use base64::Engine;
    use md5::Digest;
    let cos = Cos::start().await;
    cos.put("a", b"x").await;
    cos.put("b&c", b"y").await;
    // A key allowed to delete `a*` only: `b&c` is refused by the emulator's per-key check.
    let key = cos
        .federation("a*", &["DeleteObject"])
        .provide_credentials_for_test()
        .await;
    let client = cos
        .builder()
        .credentials(StaticProvider::new(key))
        .build()
        .unwrap();
    cos.plan.clear_seen();
    let out = client.delete_objects(&["a", "b&c"], false).await.unwrap();
    assert_eq!(out.deleted.len(), 1);
    assert_eq!(out.deleted[0].key, "a");
    assert_eq!(
        (out.failed[0].key.as_str(), out.failed[0].code.as_str()),
        ("b&c", "AccessDenied")
    );
    let r = &cos.plan.seen()[0];
    assert!(r.has_query("delete"));
    // The emulator checks Content-MD5 against the body it read; the header names this body.
    let expected = b"<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>b&amp;c</Key></Object></Delete>";
    let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(expected));
    assert_eq!(r.header("content-md5"), Some(md5.as_str()));
    assert_eq!(r.status(), Some(http::StatusCode::OK));
    assert_eq!(cos.object("a").await, None);
    assert_eq!(cos.object("b&c").await.unwrap(), b"y");
    assert!(client.delete_objects(&[], true).await.is_err());
}

#[tokio::test]
async fn put_crc_mismatch_fails_loudly() {
    let cos = Cos::start().await;
    let client = cos.static_client().await;
    cos.plan.add(Rule::new(
        Matcher::any().method(Method::PUT),
        Action::CorruptCrc,
    ));
    let error = client
        .put_object("a", "data".into(), &PutOptions::default())
        .await
        .unwrap_err();
    let wrong = crc64::checksum(b"data") ^ 1;
    assert!(
        matches!(error, Error::ChecksumMismatch { server, .. } if server == wrong),
        "{error:?}"
    );
}

#[tokio::test]
async fn object_headers_are_sent() {
    let cos = Cos::start().await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    let options = PutOptions::default()
        .content_type("image/png")
        .storage_class("STANDARD_IA")
        .acl("private")
        .metadata("Owner", "alice");
    client
        .put_object("a.png", "x".into(), &options)
        .await
        .unwrap();
    let source = CopySource::new(&common::location(), "a.png");
    client
        .copy_object(&source, "b.png", &options)
        .await
        .unwrap();
    let received = cos.plan.seen();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(r.header("content-type"), Some("image/png"));
        assert_eq!(r.header("x-cos-storage-class"), Some("STANDARD_IA"));
        assert_eq!(r.header("x-cos-acl"), Some("private"));
        assert_eq!(r.header("x-cos-meta-owner"), Some("alice"));
    }
    assert_eq!(
        received[1].header("x-cos-copy-source"),
        Some("b-1250000000.cos.ap-guangzhou.myqcloud.com/a.png")
    );
    assert_eq!(
        received[1].header("x-cos-metadata-directive"),
        Some("Replaced")
    );
    // What was sent was applied.
    let copied = client.head_object("b.png").await.unwrap();
    assert_eq!(copied.content_type.as_deref(), Some("image/png"));
    assert_eq!(copied.metadata, [("owner".to_owned(), "alice".to_owned())]);
    cos.plan.clear_seen();
    assert!(
        client
            .put_object("/abs", "x".into(), &PutOptions::default())
            .await
            .is_err()
    );
    assert!(
        cos.plan.seen().is_empty(),
        "an invalid key is refused before sending"
    );
}

#[tokio::test]
async fn streamed_get_detects_a_corrupt_body() {
    let cos = Cos::start().await;
    cos.put("a", b"abc").await;
    let client = cos.static_client().await;
    cos.plan.add(Rule::new(
        Matcher::any().method(Method::GET),
        Action::CorruptCrc,
    ));
    let object = client
        .get_object("a", &GetOptions::default())
        .await
        .unwrap();
    let mut sink = Vec::new();
    assert!(matches!(
        object.write_to(&mut sink).await,
        Err(Error::ChecksumMismatch { .. })
    ));
}

#[tokio::test]
async fn secrets_never_reach_debug_or_errors() {
    let cos = Cos::start().await;
    let key = cos
        .federation("*", &["GetObject"])
        .provide_credentials_for_test()
        .await;
    let (secret, token) = (key.secret_key().to_owned(), key.token().unwrap().to_owned());
    let client = cos
        .builder()
        .credentials(StaticProvider::new(key))
        .build()
        .unwrap();
    let error = client.delete_object("a").await.unwrap_err();
    assert_eq!(error.service().unwrap().code(), "AccessDenied");
    let form = client
        .post_object_form(
            &tc3_signer::post_policy::PolicyDocument::new(now() + 60),
            &[("key", "a")],
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    let url = client
        .presign_get("a", Duration::from_secs(60))
        .await
        .unwrap();
    assert!(
        url.contains(&format!(
            "x-cos-security-token={}",
            tc3_signer::uri_encode(&token)
        )),
        "the URL is the bearer credential"
    );
    let shown = format!(
        "{client:?} {error:?} {error} {form:?} {:?} {:?}",
        cos.builder(),
        UploadOptions::default()
    );
    for secret in [secret.as_str(), token.as_str()] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[tokio::test]
async fn a_streamed_body_is_sent_once_and_never_replayed() {
    use tokio::io::AsyncReadExt;
    let cos = Cos::start().await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    let data = vec![7u8; 300_000];
    let reader = std::io::Cursor::new(data.clone());
    let out = client
        .put_object_stream("s", reader, data.len() as u64, &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(out.crc64, Some(crc64::checksum(&data)));
    assert_eq!(cos.plan.seen()[0].header("content-length"), Some("300000"));
    assert_eq!(cos.object("s").await.unwrap(), data);

    cos.plan.clear_seen();
    cos.plan
        .add(Rule::new(Matcher::any().method(Method::PUT), Action::slow_down()).times(1));
    let reader = tokio::io::repeat(1).take(10);
    let error = client
        .put_object_stream("s", reader, 10, &PutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.service().unwrap().status(), 503);
    let received = cos.plan.seen();
    assert_eq!(received.len(), 1, "not retried: the stream is consumed");
    assert_eq!(received[0].body(), Some(&[1u8; 10][..]));
}

#[tokio::test]
async fn a_stalled_body_times_out() {
    let cos = Cos::start().await;
    cos.put("a", b"0123456789").await;
    // Announces 10 bytes, sends 5, then stalls (the connection stays open).
    cos.plan.add(Rule::new(
        Matcher::any().method(Method::GET),
        Action::StallBody,
    ));
    let client = cos
        .builder()
        .credentials(StaticProvider::new(cos.emulator.root_credential()))
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let object = client
        .get_object("a", &GetOptions::default())
        .await
        .unwrap();
    let mut sink = Vec::new();
    let error = object.write_to(&mut sink).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(sink.len() <= 5, "{} bytes", sink.len());
}
