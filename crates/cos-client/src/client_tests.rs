//! Driver tests against the loopback mock server: signing, retries, errors, clock skew, token refresh, request shapes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sts_client::provider::{
    BoxFuture, CredentialsCache, CredentialsError, ProvideCredentials, ProvidedCredential,
    StaticProvider,
};
use tc3_signer::Credential;

use crate::mock_server::{MockServer, Reply, error_reply, reply};
use crate::*;

pub(crate) const BUCKET: &str = "b-1250000000";
const HOST: &str = "b-1250000000.cos.ap-guangzhou.myqcloud.com";

/// A new credential (id, key and token numbered) at every call.
#[derive(Debug, Default)]
pub(crate) struct Rotating(AtomicU64);

impl ProvideCredentials for Rotating {
    fn provide_credentials(&self) -> BoxFuture<'_, Result<ProvidedCredential, CredentialsError>> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        let credential = Credential::new(format!("AKID{n}"), format!("SECRETKEY{n}"))
            .with_token(format!("TOKEN{n}"));
        Box::pin(async move { Ok(ProvidedCredential::new(credential, None, "rotating")) })
    }
}

pub(crate) fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .bucket(&crate::Bucket::new(
            BUCKET.parse().unwrap(),
            "ap-guangzhou".parse().unwrap(),
        ))
        .endpoint(Endpoint::default().http().connect_to(server.addr))
        .retry(
            RetryConfig::default()
                .max_retries(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
        .request_timeout(Duration::from_secs(5))
}

pub(crate) fn static_client(server: &MockServer) -> Client {
    builder(server)
        .credentials(StaticProvider::new(
            Credential::new("AKIDSTATIC", "SECRETSTATIC").with_token("TOKENSTATIC"),
        ))
        .build()
        .unwrap()
}

fn q_ak(auth: &str) -> &str {
    auth.split('&')
        .find_map(|p| p.strip_prefix("q-ak="))
        .unwrap()
}

fn sign_start(auth: &str) -> u64 {
    let time = auth
        .split('&')
        .find_map(|p| p.strip_prefix("q-sign-time="))
        .unwrap();
    time.split(';').next().unwrap().parse().unwrap()
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn every_attempt_is_signed_afresh_with_the_current_credential() {
    let server = MockServer::start().await;
    server.push_reply(error_reply(503, "SlowDown", "slow down"));
    server.push_reply(error_reply(500, "InternalError", "oops"));
    let crc = crc64::checksum(b"hello").to_string();
    server.push_reply(reply(
        200,
        &[
            ("etag", "\"5d41402abc4b2a76b9719d911017c592\""),
            ("x-cos-hash-crc64ecma", &crc),
        ],
        "",
    ));
    let client = builder(&server)
        .credentials(Rotating::default())
        .build()
        .unwrap();
    let out = client
        .put_object(
            "dir/a b.txt",
            "hello".into(),
            &PutOptions::default().content_type("text/plain"),
        )
        .await
        .unwrap();
    assert_eq!(out.crc64, Some(crc64::checksum(b"hello")));
    let received = server.received();
    assert_eq!(received.len(), 3);
    for (i, r) in received.iter().enumerate() {
        assert_eq!(r.method, http::Method::PUT);
        assert_eq!(r.uri.path(), "/dir/a%20b.txt");
        assert_eq!(
            r.header("host"),
            Some(HOST),
            "connect-to keeps the public host"
        );
        let auth = r.header("authorization").unwrap();
        assert_eq!(
            q_ak(auth),
            format!("AKID{i}"),
            "attempt {i} uses the provider's current key"
        );
        assert!(
            auth.contains("q-header-list=content-length;content-type;host;x-cos-security-token"),
            "{auth}"
        );
        assert_eq!(
            r.header("x-cos-security-token"),
            Some(format!("TOKEN{i}").as_str())
        );
        assert_eq!(&r.body[..], b"hello");
    }
}

#[tokio::test]
async fn errors_are_typed_and_not_retried_when_final() {
    let server = MockServer::start().await;
    server.push_reply(error_reply(
        404,
        "NoSuchKey",
        "The specified key does not exist.",
    ));
    let client = static_client(&server);
    let error = client.get_object_bytes("missing.txt").await.unwrap_err();
    let service = error.service().unwrap();
    assert_eq!(service.status(), 404);
    assert_eq!(service.code(), "NoSuchKey");
    assert_eq!(service.message(), "The specified key does not exist.");
    assert_eq!(service.request_id(), Some("mock-request-id"));
    assert_eq!(service.trace_id(), Some("trace-1"));
    assert_eq!(service.bucket(), Some(BUCKET));
    assert_eq!(service.key(), Some("missing.txt"));
    assert!(!error.is_retryable());
    assert_eq!(server.received().len(), 1);

    server.push_reply(reply(404, &[], ""));
    let error = client.head_object("missing.txt").await.unwrap_err();
    assert_eq!(error.service().unwrap().code(), "NoSuchKey");
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start().await;
    server.set_handler(|_| error_reply(503, "ServiceUnavailable", "busy"));
    let client = static_client(&server);
    let error = client.delete_object("a").await.unwrap_err();
    assert_eq!(error.service().unwrap().status(), 503);
    assert_eq!(server.received().len(), 4, "1 attempt + 3 retries");

    let server = MockServer::start().await;
    server.set_handler(|_| error_reply(503, "ServiceUnavailable", "busy"));
    let client = builder(&server)
        .retry(
            RetryConfig::default()
                .max_retries(100)
                .initial_backoff(Duration::from_millis(40))
                .retry_timeout(Duration::from_millis(100)),
        )
        .credentials(Rotating::default())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    assert!(client.delete_object("a").await.is_err());
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(server.received().len() < 100);
}

#[tokio::test]
async fn cut_connections_are_retried_only_for_idempotent_requests() {
    let server = MockServer::start().await;
    server.push_reply(Reply::Cut);
    let crc = crc64::checksum(b"abc").to_string();
    server.push_reply(reply(
        200,
        &[("x-cos-hash-crc64ecma", &crc), ("content-length", "3")],
        "abc",
    ));
    let client = static_client(&server);
    assert_eq!(client.get_object_bytes("a").await.unwrap(), b"abc");
    assert_eq!(server.received().len(), 2);

    let server = MockServer::start().await;
    server.push_reply(Reply::Cut);
    let client = static_client(&server);
    let error = client
        .initiate_multipart_upload("a", &PutOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(
        server.received().len(),
        1,
        "a POST that reached the server is not replayed"
    );
}

#[tokio::test]
async fn clock_skew_is_corrected_once_from_the_date_header() {
    let server = MockServer::start().await;
    let ahead = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1200));
    let skewed = ahead.clone();
    server.push(move |_| {
        let mut r = error_reply(
            403,
            "RequestTimeTooSkewed",
            "The difference between the request time and the server's time is too large.",
        );
        if let Reply::Respond(resp) = &mut r {
            resp.headers_mut().insert("date", skewed.parse().unwrap());
        }
        r
    });
    server.push_reply(reply(204, &[], ""));
    let client = static_client(&server);
    client.delete_object("a").await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 2);
    let first = sign_start(received[0].header("authorization").unwrap());
    let second = sign_start(received[1].header("authorization").unwrap());
    assert!(
        (1195..=1205).contains(&(second - first)),
        "{first} -> {second}"
    );
    assert!((1195..=1205).contains(&client.clock_offset()));

    // "Request has expired" is the other signal; a second skew answer is not retried again.
    let server = MockServer::start().await;
    let behind = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(3600));
    server.set_handler(move |_| {
        let mut r = error_reply(403, "AccessDenied", "Request has expired");
        if let Reply::Respond(resp) = &mut r {
            resp.headers_mut().insert("date", behind.parse().unwrap());
        }
        r
    });
    let client = static_client(&server);
    let error = client.delete_object("a").await.unwrap_err();
    assert!(error.service().unwrap().is_clock_skew());
    assert_eq!(server.received().len(), 2);
    assert!((-3605..=-3595).contains(&client.clock_offset()));
}

#[tokio::test]
async fn expired_token_refreshes_the_cached_credential_once() {
    let server = MockServer::start().await;
    server.push_reply(error_reply(
        400,
        "ExpiredToken",
        "The temporary key token has expired",
    ));
    server.push_reply(reply(204, &[], ""));
    let cache = CredentialsCache::new(Rotating::default());
    let client = builder(&server).credentials_cache(cache).build().unwrap();
    client.delete_object("a").await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 2);
    let tokens: Vec<_> = received
        .iter()
        .map(|r| r.header("x-cos-security-token").unwrap().to_owned())
        .collect();
    assert_ne!(tokens[0], tokens[1], "the retry used a fresh token");

    // A provider that keeps answering the same key: no pointless retry.
    let server = MockServer::start().await;
    server.set_handler(|_| error_reply(400, "ExpiredToken", "The temporary key token has expired"));
    let client = static_client(&server);
    let error = client.delete_object("a").await.unwrap_err();
    assert!(error.service().unwrap().is_expired_token());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test]
async fn complete_with_error_in_200_is_retried() {
    let server = MockServer::start().await;
    server.push_reply(reply(200, &[], "        \n<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"));
    server.push_reply(reply(200, &[("x-cos-hash-crc64ecma", "42")], "   <CompleteMultipartUploadResult><Location>l</Location><ETag>&quot;e-2&quot;</ETag></CompleteMultipartUploadResult>"));
    let client = static_client(&server);
    let out = client
        .complete_multipart_upload("k", "U1", vec![(2, "\"b\"".into()), (1, "\"a\"".into())])
        .await
        .unwrap();
    assert_eq!((out.etag.as_str(), out.crc64), ("\"e-2\"", Some(42)));
    let received = server.received();
    assert_eq!(received.len(), 2);
    let body = String::from_utf8(received[0].body.to_vec()).unwrap();
    assert_eq!(
        body,
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part></CompleteMultipartUpload>"
    );
    assert_eq!(received[0].query("uploadId").as_deref(), Some("U1"));
    assert!(received[0].header("content-md5").is_some());
}

#[tokio::test]
async fn listing_pages_follow_the_marker() {
    let server = MockServer::start().await;
    server.push_reply(reply(200, &[], "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextMarker>p%2Fb</NextMarker><Contents><Key>p%2Fa</Key><Size>1</Size></Contents><Contents><Key>p%2Fb</Key><Size>2</Size></Contents></ListBucketResult>"));
    server.push_reply(reply(200, &[], "<ListBucketResult><IsTruncated>false</IsTruncated><CommonPrefixes><Prefix>p/c/</Prefix></CommonPrefixes></ListBucketResult>"));
    let client = static_client(&server);
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
            .map(|o| o.key.as_str())
            .collect::<Vec<_>>(),
        ["p/a", "p/b"]
    );
    let second = pages.next_page().await.unwrap().unwrap();
    assert_eq!(second.common_prefixes, ["p/c/"]);
    assert!(pages.next_page().await.is_none());
    let received = server.received();
    assert_eq!(received[0].uri.path(), "/");
    assert_eq!(received[0].query("prefix").as_deref(), Some("p/"));
    assert_eq!(received[0].query("delimiter").as_deref(), Some("/"));
    assert_eq!(received[0].query("encoding-type").as_deref(), Some("url"));
    assert_eq!(received[0].query("marker"), None);
    assert_eq!(received[1].query("marker").as_deref(), Some("p/b"));
}

#[tokio::test]
async fn delete_multiple_sends_md5_and_parses_failures() {
    use base64::Engine;
    use md5::Digest;
    let server = MockServer::start().await;
    server.push_reply(reply(200, &[], "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b&amp;c</Key><Code>AccessDenied</Code><Message>Access Denied.</Message></Error></DeleteResult>"));
    let client = static_client(&server);
    let out = client.delete_objects(&["a", "b&c"], false).await.unwrap();
    assert_eq!(out.deleted[0].key, "a");
    assert_eq!(
        (out.failed[0].key.as_str(), out.failed[0].code.as_str()),
        ("b&c", "AccessDenied")
    );
    let r = &server.received()[0];
    assert!(r.query_has("delete"));
    assert_eq!(&r.body[..], b"<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object><Object><Key>b&amp;c</Key></Object></Delete>");
    let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&r.body));
    assert_eq!(r.header("content-md5"), Some(md5.as_str()));
    assert!(client.delete_objects(&[], true).await.is_err());
}

#[tokio::test]
async fn put_crc_mismatch_fails_loudly() {
    let server = MockServer::start().await;
    server.push_reply(reply(200, &[("x-cos-hash-crc64ecma", "1")], ""));
    let client = static_client(&server);
    let error = client
        .put_object("a", "data".into(), &PutOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::ChecksumMismatch { server: 1, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn object_headers_are_sent() {
    let server = MockServer::start().await;
    server.push_reply(reply(200, &[], ""));
    server.push_reply(reply(
        200,
        &[],
        "<CopyObjectResult><ETag>\"e\"</ETag><LastModified>t</LastModified></CopyObjectResult>",
    ));
    let client = static_client(&server);
    let options = PutOptions::default()
        .content_type("image/png")
        .storage_class("STANDARD_IA")
        .acl("private")
        .metadata("Owner", "alice");
    client
        .put_object("a.png", "x".into(), &options)
        .await
        .unwrap();
    let source = CopySource::new(
        &crate::Bucket::new(BUCKET.parse().unwrap(), "ap-guangzhou".parse().unwrap()),
        "a.png",
    );
    client
        .copy_object(&source, "b.png", &options)
        .await
        .unwrap();
    let received = server.received();
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
    assert!(
        client
            .put_object("/abs", "x".into(), &PutOptions::default())
            .await
            .is_err()
    );
    assert_eq!(
        server.received().len(),
        2,
        "an invalid key is refused before sending"
    );
}

#[tokio::test]
async fn streamed_get_detects_a_corrupt_body() {
    let server = MockServer::start().await;
    server.push_reply(reply(200, &[("x-cos-hash-crc64ecma", "7")], "abc"));
    let client = static_client(&server);
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
    let server = MockServer::start().await;
    server.push_reply(error_reply(403, "AccessDenied", "Access Denied."));
    let client = static_client(&server);
    let error = client.delete_object("a").await.unwrap_err();
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
        url.contains("x-cos-security-token=TOKENSTATIC"),
        "the URL is the bearer credential"
    );
    let shown = format!(
        "{client:?} {error:?} {error} {form:?} {:?} {:?}",
        builder(&server),
        UploadOptions::default()
    );
    for secret in ["SECRETSTATIC", "TOKENSTATIC"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

#[derive(Debug)]
struct ZeroRng;
impl crate::retry::Rng for ZeroRng {
    fn next_u64(&self) -> u64 {
        0
    }
}

#[tokio::test]
async fn backoff_draws_from_the_injected_rng() {
    let server = MockServer::start().await;
    server.push_reply(error_reply(503, "SlowDown", "slow"));
    server.push_reply(reply(204, &[], ""));
    // A 10 s back-off ceiling, but the injected RNG draws 0: the retry is immediate.
    let client = builder(&server)
        .retry(
            RetryConfig::default()
                .initial_backoff(Duration::from_secs(10))
                .max_backoff(Duration::from_secs(10)),
        )
        .rng(Arc::new(ZeroRng))
        .credentials(Rotating::default())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    client.delete_object("a").await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_streamed_body_is_sent_once_and_never_replayed() {
    use tokio::io::AsyncReadExt;
    let server = MockServer::start().await;
    let data = vec![7u8; 300_000];
    let crc = crc64::checksum(&data).to_string();
    server.push_reply(reply(200, &[("x-cos-hash-crc64ecma", &crc)], ""));
    let client = static_client(&server);
    let reader = std::io::Cursor::new(data.clone());
    let out = client
        .put_object_stream("s", reader, data.len() as u64, &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(out.crc64, Some(crc64::checksum(&data)));
    assert_eq!(server.received()[0].body.len(), data.len());
    assert_eq!(
        server.received()[0].header("content-length"),
        Some("300000")
    );

    server.push_reply(error_reply(503, "SlowDown", "slow"));
    let reader = tokio::io::repeat(1).take(10);
    let error = client
        .put_object_stream("s", reader, 10, &PutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.service().unwrap().status(), 503);
    assert_eq!(
        server.received().len(),
        2,
        "not retried: the stream is consumed"
    );
}

#[tokio::test]
async fn a_stalled_body_times_out() {
    let server = MockServer::start().await;
    // Announces 10 bytes, sends 3, then stalls (the connection stays open).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let client = Client::builder()
        .bucket(&crate::Bucket::new(
            BUCKET.parse().unwrap(),
            "ap-guangzhou".parse().unwrap(),
        ))
        .endpoint(Endpoint::default().http().connect_to(addr))
        .credentials(StaticProvider::new(Credential::new("AKID", "KEY")))
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    drop(server);
    let object = client
        .get_object("a", &GetOptions::default())
        .await
        .unwrap();
    let mut sink = Vec::new();
    let error = object.write_to(&mut sink).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}
