//! Integration tests of `cos-client` against the local `cos-emulator` (STS + COS over
//! loopback): every operation with a temporary key, denied operations under a restrictive
//! key, clock skew, resume after a kill, and a fault soak.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::ALL;
use cos_client::{
    ByteRange, Client, CopyOptions, CopySource, DownloadOptions, Endpoint, GetOptions, ListOptions,
    Progress, PutOptions, RetryConfig, UploadOptions,
};
use cos_emulator::{Action, Emulator, FaultPlan, Faults, Matcher, Rule};
use sts_client::provider::{
    CredentialsCache, FederationTokenProvider, ProvideCredentials, StaticProvider,
};
use sts_client::{CredentialRequest, Endpoint as StsEndpoint, StsClient};

const BUCKET: &str = "examplebucket-1250000000";
const REGION: &str = "ap-guangzhou";

async fn emulator(faults: Faults, clock_offset: i64) -> Emulator {
    Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .clock_offset(clock_offset)
        .faults(faults)
        .start()
        .await
        .unwrap()
}

fn location() -> cos_client::Bucket {
    cos_client::Bucket::new(BUCKET.parse().unwrap(), REGION.parse().unwrap())
}

fn temporary(e: &Emulator, prefix: &str, actions: &[&str]) -> CredentialsCache {
    let sts = StsClient::builder()
        .endpoint(StsEndpoint::custom(&e.sts_endpoint()).unwrap())
        .region(REGION)
        .credential(e.root_credential())
        .build()
        .unwrap();
    let bucket = sts_client::Bucket::new(BUCKET.parse().unwrap(), REGION.parse().unwrap());
    let request = CredentialRequest::new(&bucket)
        .allow_prefix(prefix)
        .allow_actions(actions.iter().copied())
        .duration_seconds(1800);
    CredentialsCache::new(FederationTokenProvider::new(sts, request).unwrap())
}

fn client(e: &Emulator, provider: impl ProvideCredentials + 'static) -> Client {
    Client::builder()
        .bucket(&cos_client::Bucket::new(
            BUCKET.parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(provider)
        .endpoint(Endpoint::default().http().connect_to(e.cos_addr()))
        .retry(
            RetryConfig::transfers()
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(200))
                .max_attempts(11),
        )
        .request_timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn every_operation_with_a_temporary_key() {
    let e = emulator(Faults::none(), 0).await;
    let c = client(&e, temporary(&e, "t/*", ALL));

    // put / head / get (whole, range, streamed) / copy / delete
    let body = data(10_000, 1);
    let put = c
        .put_object(
            "t/a b+ü.bin",
            body.clone().into(),
            &PutOptions::default()
                .content_type("application/x-test")
                .metadata("owner", "alice"),
        )
        .await
        .unwrap();
    assert!(put.crc64.is_some());
    let head = c.head_object("t/a b+ü.bin").await.unwrap();
    assert_eq!(head.content_length, 10_000);
    assert_eq!(head.crc64, Some(cos_client::crc64::checksum(&body)));
    assert_eq!(head.metadata, [("owner".to_owned(), "alice".to_owned())]);
    assert_eq!(c.get_object_bytes("t/a b+ü.bin").await.unwrap(), body);
    let ranged = c
        .get_object(
            "t/a b+ü.bin",
            &GetOptions::default().range(ByteRange::new(100, Some(199))),
        )
        .await
        .unwrap();
    assert_eq!(ranged.metadata().object_size, 10_000);
    let mut part = Vec::new();
    ranged.write_to(&mut part).await.unwrap();
    assert_eq!(part, body[100..200]);
    c.copy_object(
        &CopySource::new(&location(), "t/a b+ü.bin"),
        "t/copy.bin",
        &PutOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(c.get_object_bytes("t/copy.bin").await.unwrap(), body);

    // listing with prefix and delimiter, across pages
    for i in 0..5 {
        c.put_object(&format!("t/dir/{i}"), "x".into(), &PutOptions::default())
            .await
            .unwrap();
    }
    let mut pages = c.list_objects_pages(ListOptions::default().prefix("t/dir/").max_keys(2));
    let mut keys = Vec::new();
    while let Some(page) = pages.next_page().await {
        keys.extend(page.unwrap().objects.into_iter().map(|o| o.key));
    }
    assert_eq!(
        keys,
        ["t/dir/0", "t/dir/1", "t/dir/2", "t/dir/3", "t/dir/4"]
    );
    let rolled = c
        .list_objects(&ListOptions::default().prefix("t/").delimiter("/"))
        .await
        .unwrap();
    assert_eq!(rolled.common_prefixes, ["t/dir/"]);

    // multipart by hand, then abort another
    let id = c
        .initiate_multipart_upload("t/mp.bin", &PutOptions::default())
        .await
        .unwrap();
    let one = data(1 << 20, 2);
    let two = data(1000, 3);
    let p1 = c
        .upload_part("t/mp.bin", &id, 1, one.clone().into())
        .await
        .unwrap();
    let p2 = c
        .upload_part("t/mp.bin", &id, 2, two.clone().into())
        .await
        .unwrap();
    assert_eq!(
        c.list_parts("t/mp.bin", &id, None)
            .await
            .unwrap()
            .parts
            .len(),
        2
    );
    assert!(
        c.list_multipart_uploads("t/mp", None, None)
            .await
            .unwrap()
            .uploads
            .iter()
            .any(|u| u.upload_id == id)
    );
    let done = c
        .complete_multipart_upload(
            "t/mp.bin",
            &id,
            vec![(p2.number, p2.etag), (p1.number, p1.etag)],
        )
        .await
        .unwrap();
    let combined = cos_client::crc64::combine(p1.crc64, p2.crc64, two.len() as u64);
    assert_eq!(done.crc64, Some(combined));
    let other = c
        .initiate_multipart_upload("t/abandoned", &PutOptions::default())
        .await
        .unwrap();
    c.abort_multipart_upload("t/abandoned", &other)
        .await
        .unwrap();
    assert!(c.list_parts("t/abandoned", &other, None).await.is_err());

    // deletes
    c.delete_object("t/copy.bin").await.unwrap();
    assert_eq!(
        c.head_object("t/copy.bin")
            .await
            .unwrap_err()
            .service()
            .unwrap()
            .status(),
        404
    );
    let out = c
        .delete_objects(&["t/dir/0", "t/dir/1"], false)
        .await
        .unwrap();
    assert_eq!(out.deleted.len(), 2);

    // presigned GET works with a plain HTTP client (through the connect-to address)
    let url = c
        .presign_get("t/a b+ü.bin", Duration::from_secs(300))
        .await
        .unwrap();
    let (status, _) = send_raw(
        &e,
        http::Request::get(url).header("host", c.host()),
        Vec::new(),
    )
    .await;
    assert_eq!(status, 200);

    // streamed uploads: from a file and from a reader of known length
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.bin");
    std::fs::write(&path, &body).unwrap();
    c.put_object_from_file("t/file.bin", &path, &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(c.get_object_bytes("t/file.bin").await.unwrap(), body);
    let reader = std::io::Cursor::new(body.clone());
    c.put_object_stream(
        "t/stream.bin",
        reader,
        body.len() as u64,
        &PutOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        c.head_object("t/stream.bin").await.unwrap().crc64,
        head.crc64
    );

    e.shutdown().await;
}

async fn send_raw(
    e: &Emulator,
    request: http::request::Builder,
    body: Vec<u8>,
) -> (http::StatusCode, String) {
    use http_body_util::BodyExt;
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let (mut parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    parts.uri = format!("http://{}{}", e.cos_addr(), path).parse().unwrap();
    let plain = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let response = plain
        .request(http::Request::from_parts(parts, body))
        .await
        .unwrap();
    let status = response.status();
    let text = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&text).into_owned())
}

#[tokio::test]
async fn browser_post_form_fields_upload_an_object() {
    let e = emulator(Faults::none(), 0).await;
    let c = client(
        &e,
        temporary(&e, "forms/*", &["PostObject", "PutObject", "GetObject"]),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let policy = tc3_signer::post_policy::PolicyDocument::new(now + 600).key_starts_with("forms/");
    let form = c
        .post_object_form(
            &policy,
            &[("key", "forms/${filename}")],
            Duration::from_secs(600),
        )
        .await
        .unwrap();
    let boundary = "----cosclientboundary";
    let mut body = Vec::new();
    for (name, value) in form.fields() {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello.txt\"\r\nContent-Type: text/plain\r\n\r\nhello form\r\n--{boundary}--\r\n").as_bytes());
    let request = http::Request::post(form.url())
        .header("host", c.host())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        );
    let (status, text) = send_raw(&e, request, body).await;
    assert!(status.is_success(), "{status}: {text}");
    assert_eq!(
        c.get_object_bytes("forms/hello.txt").await.unwrap(),
        b"hello form"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn presigned_put_uploads_an_object() {
    let e = emulator(Faults::none(), 0).await;
    let c = client(&e, temporary(&e, "p/*", &["PutObject", "GetObject"]));
    let url = c
        .presign_put("p/x.txt", Duration::from_secs(300))
        .await
        .unwrap();
    let request = http::Request::put(url).header("host", c.host());
    let (status, text) = send_raw(&e, request, b"presigned".to_vec()).await;
    assert!(status.is_success(), "{status}: {text}");
    assert_eq!(c.get_object_bytes("p/x.txt").await.unwrap(), b"presigned");
    e.shutdown().await;
}

#[tokio::test]
async fn a_restrictive_temporary_key_is_denied_outside_its_grant() {
    let e = emulator(Faults::none(), 0).await;
    let c = client(&e, temporary(&e, "allowed/*", &["PutObject", "GetObject"]));
    c.put_object("allowed/x", "ok".into(), &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(c.get_object_bytes("allowed/x").await.unwrap(), b"ok");
    for error in [
        c.put_object("other/x", "no".into(), &PutOptions::default())
            .await
            .unwrap_err(),
        c.delete_object("allowed/x").await.unwrap_err(),
        c.list_objects(&ListOptions::default()).await.unwrap_err(),
        c.initiate_multipart_upload("allowed/big", &PutOptions::default())
            .await
            .map(|_| ())
            .unwrap_err(),
    ] {
        let service = error.service().unwrap_or_else(|| panic!("{error:?}"));
        assert_eq!(
            (service.status(), service.code()),
            (403, "AccessDenied"),
            "{error}"
        );
        assert!(service.request_id().is_some());
        assert!(!error.is_retryable());
    }
    e.shutdown().await;
}

#[tokio::test]
async fn server_clock_20_minutes_ahead_is_corrected_once() {
    let e = emulator(Faults::none(), 1200).await;
    let c = client(&e, StaticProvider::new(e.root_credential()));
    c.put_object("clock/a", "x".into(), &PutOptions::default())
        .await
        .unwrap();
    assert!(
        (1195..=1205).contains(&c.clock_offset()),
        "offset {}",
        c.clock_offset()
    );
    c.put_object("clock/b", "y".into(), &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(c.get_object_bytes("clock/b").await.unwrap(), b"y");
    e.shutdown().await;
}

#[tokio::test]
async fn a_killed_upload_resumes_with_only_the_missing_parts() {
    let e = emulator(Faults::none().latency(Duration::from_millis(20)), 0).await;
    let c = client(&e, temporary(&e, "r/*", ALL));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.bin");
    let bytes = data(12 << 20, 4);
    std::fs::write(&path, &bytes).unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let sink = done.clone();
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .concurrency(2)
        .multipart_threshold(0);
    let killed = options
        .clone()
        .progress(Progress::new(move |d, _| sink.store(d, Ordering::SeqCst)));
    let task = {
        let (c, path) = (c.clone(), path.clone());
        tokio::spawn(async move { c.upload_file(&path, "r/file.bin", &killed).await })
    };
    while done.load(Ordering::SeqCst) < 6 << 20 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    task.abort();
    let _ = task.await;
    let finished_before_kill = done.load(Ordering::SeqCst) >> 20;

    let out = c.upload_file(&path, "r/file.bin", &options).await.unwrap();
    assert!(
        u64::from(out.parts_reused) >= finished_before_kill,
        "{out:?}"
    );
    assert_eq!(out.parts_reused + out.parts_uploaded, 12);
    assert!(out.parts_uploaded <= 12 - finished_before_kill as u32);
    assert_eq!(c.get_object_bytes("r/file.bin").await.unwrap(), bytes);
    assert!(
        c.list_multipart_uploads("r/", None, None)
            .await
            .unwrap()
            .uploads
            .is_empty()
    );
    e.shutdown().await;
}

#[tokio::test]
async fn copy_goes_part_by_part_above_the_threshold_and_keeps_the_source_headers() {
    let e = Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .bucket("archive-1250000000")
        .in_memory()
        .start()
        .await
        .unwrap();
    let c = client(&e, temporary(&e, "c/*", ALL));
    let bytes = data((5 << 20) + 77, 9);
    let put = PutOptions::default()
        .content_type("video/mp4")
        .metadata("origin", "camera");
    c.put_object("c/source.mp4", bytes.clone().into(), &put)
        .await
        .unwrap();
    let source = CopySource::new(&location(), "c/source.mp4");

    let seen = Arc::new(AtomicU64::new(0));
    let sink = seen.clone();
    let options = CopyOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(1 << 20)
        .concurrency(3)
        .progress(Progress::new(move |d, _| sink.store(d, Ordering::SeqCst)));
    let out = c.copy(&source, "c/copy.mp4", &options).await.unwrap();
    assert!(out.etag.ends_with("-6\""), "{out:?}");
    assert_eq!(seen.load(Ordering::SeqCst), bytes.len() as u64);
    let head = c.head_object("c/copy.mp4").await.unwrap();
    assert_eq!(
        head.crc64,
        c.head_object("c/source.mp4").await.unwrap().crc64
    );
    assert_eq!(out.crc64, head.crc64);
    assert_eq!(head.content_type.as_deref(), Some("video/mp4"));
    assert_eq!(
        head.metadata,
        [("origin".to_string(), "camera".to_string())]
    );
    assert_eq!(c.get_object_bytes("c/copy.mp4").await.unwrap(), bytes);

    // Below the threshold: one PUT Object - Copy (a plain ETag).
    let out = c
        .copy(&source, "c/small-copy.mp4", &CopyOptions::default())
        .await
        .unwrap();
    assert!(!out.etag.contains('-'), "{out:?}");
    assert_eq!(c.get_object_bytes("c/small-copy.mp4").await.unwrap(), bytes);

    // A source in another bucket: its size must be given.
    let root = client(&e, StaticProvider::new(e.root_credential()));
    let other = CopySource::new(
        &cos_client::Bucket::new(
            "archive-1250000000".parse().unwrap(),
            REGION.parse().unwrap(),
        ),
        "old.bin",
    );
    let error = root.copy(&other, "c/x", &options).await.unwrap_err();
    assert!(
        matches!(error, cos_client::Error::InvalidInput { .. }),
        "{error:?}"
    );
    let archive = Client::builder()
        .bucket(&cos_client::Bucket::new(
            "archive-1250000000".parse().unwrap(),
            REGION.parse().unwrap(),
        ))
        .credentials(StaticProvider::new(e.root_credential()))
        .endpoint(Endpoint::default().http().connect_to(e.cos_addr()))
        .build()
        .unwrap();
    archive
        .put_object("old.bin", bytes.clone().into(), &Default::default())
        .await
        .unwrap();
    let size = archive.head_object("old.bin").await.unwrap().content_length;
    let out = root
        .copy(
            &other,
            "c/from-archive.bin",
            &options.clone().source_size(size),
        )
        .await
        .unwrap();
    assert!(out.etag.ends_with("-6\""), "{out:?}");
    assert_eq!(
        root.get_object_bytes("c/from-archive.bin").await.unwrap(),
        bytes
    );

    // A key that may not read the source: the part copies are denied, the upload aborted.
    let no_read: Vec<&str> = ALL.iter().copied().filter(|a| *a != "GetObject").collect();
    let denied = client(&e, temporary(&e, "c/*", &no_read));
    let error = denied
        .copy(&source, "c/denied.mp4", &options)
        .await
        .unwrap_err();
    assert_eq!(
        error.service().map(|s| s.code()),
        Some("AccessDenied"),
        "{error:?}"
    );
    let uploads = root.list_multipart_uploads("c/", None, None).await.unwrap();
    assert!(uploads.uploads.is_empty(), "{uploads:?}");
    e.shutdown().await;
}

#[tokio::test]
async fn a_dropped_download_leaves_no_temporary_file_and_reports_progress_per_mebibyte() {
    let e = emulator(Faults::none().latency(Duration::from_millis(30)), 0).await;
    let c = client(&e, StaticProvider::new(e.root_credential()));
    let bytes = data(12 << 20, 5);
    c.put_object("d/file.bin", bytes.clone().into(), &Default::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("file.bin");
    let entries = || std::fs::read_dir(dir.path()).unwrap().count();

    // Progress comes about every MiB of a range, not once per 4 MiB part, and never goes back.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = DownloadOptions::default()
        .part_size(4 << 20)
        .concurrency(2)
        .progress(Progress::new(move |d, t| sink.lock().unwrap().push((d, t))));
    c.download_file("d/file.bin", &target, &options)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 12, "{} reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert_eq!(seen.last(), Some(&(12 << 20, 12 << 20)));
    std::fs::remove_file(&target).unwrap();

    // A download dropped half-way (its task aborted) removes its temporary file.
    let done = Arc::new(AtomicU64::new(0));
    let sink = done.clone();
    let options = DownloadOptions::default()
        .part_size(1 << 20)
        .concurrency(2)
        .progress(Progress::new(move |d, _| sink.store(d, Ordering::SeqCst)));
    let task = {
        let (c, target) = (c.clone(), target.clone());
        tokio::spawn(async move { c.download_file("d/file.bin", &target, &options).await })
    };
    while done.load(Ordering::SeqCst) < 3 << 20 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(entries(), 1, "the temporary file exists while downloading");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    // Writes already handed to blocking threads finish on the unlinked file.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(entries(), 0, "no temporary file is left behind");
    assert!(!target.exists());
    e.shutdown().await;
}

/// Soak size and rounds: `COS_SOAK_MIB` (default 8) and `COS_SOAK_ROUNDS` (default 3); the
/// acceptance run is `COS_SOAK_MIB=64 COS_SOAK_ROUNDS=20`.
#[tokio::test]
async fn uploads_and_downloads_survive_injected_faults() {
    let mib: usize = std::env::var("COS_SOAK_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let rounds: u64 = std::env::var("COS_SOAK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // Scripted faults on top of the random ones: every other Initiate answer is lost (the
    // upload must be adopted, not orphaned), every 7th part times out, every 5th ranged GET
    // loses its answer.
    let plan = FaultPlan::new();
    plan.add(Rule::new(Matcher::initiate_multipart(), Action::DropReply).every(2))
        .add(Rule::new(Matcher::upload_part(), Action::request_timeout()).every(7))
        .add(Rule::new(Matcher::ranged_get(), Action::DropReply).every(5));
    let faults = Faults::none()
        .slow_down(0.1)
        .internal_error(0.05)
        .cut_body(0.05)
        .latency(Duration::from_millis(2))
        .plan(plan.clone());
    let e = emulator(faults, 0).await;
    let c = client(&e, temporary(&e, "soak/*", ALL));
    let dir = tempfile::tempdir().unwrap();
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .concurrency(4)
        .multipart_threshold(2 << 20);
    for round in 0..rounds {
        let bytes = data(mib << 20, round + 10);
        let source = dir.path().join("up.bin");
        std::fs::write(&source, &bytes).unwrap();
        let key = format!("soak/{round}.bin");
        let up = c.upload_file(&source, &key, &options).await.unwrap();
        assert_eq!(up.crc64, cos_client::crc64::checksum(&bytes));
        let target = dir.path().join("down.bin");
        let down = c
            .download_file(
                &key,
                &target,
                &DownloadOptions::default().part_size(1 << 20).concurrency(4),
            )
            .await
            .unwrap();
        assert!(down.crc_verified);
        assert_eq!(down.crc64, up.crc64);
        assert_eq!(std::fs::read(&target).unwrap(), bytes);
    }
    e.set_faults(Faults::none());
    let injected = |action: &Action| {
        plan.seen()
            .iter()
            .filter(|r| r.injected() == Some(action))
            .count()
    };
    assert!(
        injected(&Action::DropReply) >= 2,
        "lost answers were injected"
    );
    assert!(
        injected(&Action::request_timeout()) >= 1,
        "timeouts were injected"
    );
    assert!(
        c.list_multipart_uploads("soak/", None, None)
            .await
            .unwrap()
            .uploads
            .is_empty(),
        "no orphaned uploads"
    );
    e.shutdown().await;
}
