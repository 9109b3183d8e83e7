//! Transfer tests (`upload_file`, `download_file`, `copy`) against the emulator with
//! scripted faults: failed, corrupt and refused parts, a lost Initiate answer, cut ranges.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::{Arc, Mutex};

use common::Cos;
use cos_client::{CopyOptions, CopySource, DownloadOptions, Error, Progress, UploadOptions, crc64};
use cos_emulator::{Action, Matcher, Rule, SeenRequest};
use http::Method;

fn file_with(len: usize) -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.bin");
    let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    (dir, path, data)
}

type Seen = Arc<Mutex<Vec<(u64, u64)>>>;

fn recorder() -> (Progress, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (
        Progress::new(move |d, t| sink.lock().unwrap().push((d, t))),
        seen,
    )
}

fn part_requests(received: &[SeenRequest]) -> usize {
    received
        .iter()
        .filter(|r| r.has_query("partNumber"))
        .count()
}

#[tokio::test]
async fn multipart_upload_happy_path_with_progress() {
    let cos = Cos::start().await;
    let (_dir, path, data) = file_with(5 * 1024 * 1024 + 123);
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    let (progress, seen) = recorder();
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(1 << 20)
        .concurrency(3)
        .progress(progress);
    let out = client
        .upload_file(&path, "big/data.bin", &options)
        .await
        .unwrap();
    assert_eq!(part_requests(&cos.plan.seen()), 6);
    assert_eq!((out.parts_uploaded, out.parts_reused), (6, 0));
    assert!(out.server_crc_verified);
    assert_eq!(out.crc64, crc64::checksum(&data));
    assert_eq!(cos.object("big/data.bin").await.unwrap(), data);
    assert!(cos.uploads().await.is_empty());
    let seen = seen.lock().unwrap();
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress never goes back"
    );
    assert_eq!(seen.last(), Some(&(data.len() as u64, data.len() as u64)));
}

#[tokio::test]
async fn upload_progress_moves_within_parts_and_survives_retries() {
    let cos = Cos::start().await;
    let (_dir, path, data) = file_with(16 * 1024 * 1024 + 5);
    let client = cos.static_client().await;
    cos.plan
        .add(Rule::new(Matcher::any(), Action::slow_down()).every(3));
    let (progress, seen) = recorder();
    let options = UploadOptions::default()
        .part_size(8 << 20)
        .multipart_threshold(0)
        .concurrency(1)
        .progress(progress);
    client.upload_file(&path, "k", &options).await.unwrap();
    assert!(
        cos.plan.seen().iter().any(|r| r.injected().is_some()),
        "faults were injected"
    );
    cos.plan.clear_rules();
    assert_eq!(cos.object("k").await.unwrap(), data);
    let seen = seen.lock().unwrap();
    let total = data.len() as u64;
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
    assert!(seen.iter().all(|(done, t)| *done <= total && *t == total));
    assert_eq!(seen.last(), Some(&(total, total)));
    // Reports inside an 8 MiB part, as each 4 MiB slice is handed to the connection.
    assert!(seen.iter().any(|(done, _)| *done == 4 << 20), "{seen:?}");
    assert!(seen.iter().any(|(done, _)| *done == 12 << 20), "{seen:?}");
}

#[tokio::test]
async fn upload_survives_intermittent_503() {
    let cos = Cos::start().await;
    let (dir, path, data) = file_with(4 * 1024 * 1024 + 1);
    let client = cos.static_client().await;
    cos.plan
        .add(Rule::new(Matcher::any(), Action::slow_down()).every(3));
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(0)
        .concurrency(2);
    client.upload_file(&path, "k", &options).await.unwrap();

    let target = dir.path().join("back.bin");
    let out = client
        .download_file(
            "k",
            &target,
            &DownloadOptions::default().part_size(1 << 20).concurrency(3),
        )
        .await
        .unwrap();
    assert!(out.crc_verified);
    assert_eq!(std::fs::read(&target).unwrap(), data);
    let injected = cos
        .plan
        .seen()
        .iter()
        .filter(|r| r.injected().is_some())
        .count();
    assert!(injected >= 3, "{injected} faults injected");
    cos.plan.clear_rules();
    assert_eq!(cos.object("k").await.unwrap(), data);
}

#[tokio::test]
async fn part_crc_mismatch_aborts_the_upload() {
    let cos = Cos::start().await;
    let (_dir, path, _) = file_with(3 * 1024 * 1024);
    let client = cos.static_client().await;
    cos.plan
        .add(Rule::new(Matcher::part(2), Action::CorruptCrc));
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(0)
        .concurrency(1);
    let error = client.upload_file(&path, "k", &options).await.unwrap_err();
    assert!(
        matches!(&error, Error::ChecksumMismatch { what, .. } if what == "part 2"),
        "{error:?}"
    );
    assert!(
        cos.plan
            .seen()
            .iter()
            .any(|r| r.method() == Method::DELETE && r.has_query("uploadId"))
    );
    assert!(cos.uploads().await.is_empty(), "the upload was aborted");
    assert_eq!(cos.object("k").await, None);
}

#[tokio::test]
async fn interrupted_upload_resumes_with_only_missing_parts() {
    let cos = Cos::start().await;
    let (_dir, path, data) = file_with(6 * 1024 * 1024);
    let client = cos.static_client().await;
    cos.plan.add(
        Rule::new(
            Matcher::upload_part(),
            Action::error(403, "AccessDenied", "Access Denied."),
        )
        .after(3),
    );
    let keep = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(0)
        .concurrency(1)
        .abort_on_failure(false);
    assert!(client.upload_file(&path, "r/k", &keep).await.is_err());
    cos.plan.clear_rules();
    let uploads = cos.uploads().await;
    assert_eq!(uploads.len(), 1);
    let (_, upload_id) = &uploads[0];
    // Part 2 on the server no longer matches the file: it must be sent again.
    let mut changed = data[1 << 20..2 << 20].to_vec();
    changed[0] ^= 0xff;
    cos.root_client()
        .upload_part("r/k", upload_id, 2, changed.into())
        .await
        .unwrap();
    cos.plan.clear_seen();
    let out = client.upload_file(&path, "r/k", &keep).await.unwrap();
    assert_eq!((out.parts_reused, out.parts_uploaded), (2, 4));
    let mut sent: Vec<u32> = cos
        .plan
        .seen()
        .iter()
        .filter_map(|r| r.query("partNumber").map(|n| n.parse().unwrap()))
        .collect();
    sent.sort_unstable();
    assert_eq!(sent, [2, 4, 5, 6]);
    assert_eq!(cos.object("r/k").await.unwrap(), data);
    assert!(cos.uploads().await.is_empty());
}

#[tokio::test]
async fn small_files_go_in_one_put() {
    let cos = Cos::start().await;
    let (_dir, path, data) = file_with(1000);
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    let out = client
        .upload_file(&path, "small", &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(out.upload_id, None);
    assert_eq!(cos.plan.seen().len(), 1);
    assert_eq!(cos.object("small").await.unwrap(), data);

    let streamed = client
        .put_object_from_file("streamed", &path, &Default::default())
        .await
        .unwrap();
    assert_eq!(streamed.crc64, Some(crc64::checksum(&data)));
    assert_eq!(cos.object("streamed").await.unwrap(), data);
}

#[tokio::test]
async fn download_checks_crc_before_renaming() {
    let cos = Cos::start().await;
    let data: Vec<u8> = (0..(3 * 1024 * 1024 + 512))
        .map(|i| (i % 7) as u8)
        .collect();
    cos.put("obj", &data).await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.bin");
    let (progress, seen) = recorder();
    let out = client
        .download_file(
            "obj",
            &target,
            &DownloadOptions::default()
                .part_size(1 << 20)
                .concurrency(2)
                .progress(progress),
        )
        .await
        .unwrap();
    assert_eq!((out.size, out.crc_verified), (data.len() as u64, true));
    assert_eq!(std::fs::read(&target).unwrap(), data);
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&(data.len() as u64, data.len() as u64))
    );
    let received = cos.plan.seen();
    let ranged: Vec<_> = received
        .iter()
        .filter(|r| r.header("range").is_some())
        .collect();
    assert_eq!(ranged.len(), 4);
    assert!(ranged.iter().all(|r| r.header("if-match").is_some()));

    cos.plan.add(Rule::new(
        Matcher::any().method(Method::HEAD),
        Action::CorruptCrc,
    ));
    let bad = dir.path().join("bad.bin");
    let error = client
        .download_file("obj", &bad, &DownloadOptions::default().part_size(1 << 20))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::ChecksumMismatch { .. }), "{error:?}");
    assert!(!bad.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("out.bin")],
        "no temporary file left"
    );
}

#[tokio::test]
async fn a_lost_initiate_answer_adopts_the_upload_instead_of_orphaning_it() {
    let cos = Cos::start().await;
    let (_dir, path, data) = file_with(2 * 1024 * 1024 + 5);
    let client = cos.static_client().await;
    cos.plan
        .add(Rule::new(Matcher::initiate_multipart(), Action::DropReply).times(1));
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(0)
        .resume(false);
    client.upload_file(&path, "lost", &options).await.unwrap();
    let received = cos.plan.seen();
    let initiated: Vec<_> = received
        .iter()
        .filter(|r| r.method() == Method::POST && r.has_query("uploads"))
        .collect();
    assert_eq!(initiated.len(), 1, "no second upload was started");
    assert_eq!(initiated[0].status(), None, "its answer was lost");
    assert!(cos.uploads().await.is_empty(), "nothing orphaned");
    assert_eq!(cos.object("lost").await.unwrap(), data);
}

#[tokio::test]
async fn a_broken_range_continues_from_the_first_missing_byte() {
    let cos = Cos::start().await;
    let data: Vec<u8> = (0..(2 * 1024 * 1024)).map(|i| (i % 13) as u8).collect();
    cos.put("obj", &data).await;
    let client = cos.static_client().await;
    cos.plan.clear_seen();
    cos.plan
        .add(Rule::new(Matcher::ranged_get(), Action::CutBody).times(1));
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.bin");
    let options = DownloadOptions::default().part_size(2 << 20).concurrency(1);
    let out = client
        .download_file("obj", &target, &options)
        .await
        .unwrap();
    assert!(out.crc_verified);
    assert_eq!(std::fs::read(&target).unwrap(), data);
    let ranges: Vec<String> = cos
        .plan
        .seen()
        .iter()
        .filter_map(|r| r.header("range").map(str::to_owned))
        .collect();
    assert_eq!(ranges, ["bytes=0-2097151", "bytes=1048576-2097151"]);
}

#[tokio::test]
async fn a_copied_part_with_a_wrong_crc_fails_the_copy_before_complete_and_aborts() {
    let cos = Cos::start().await;
    let data: Vec<u8> = (0..(3 * 1024 * 1024 + 9))
        .map(|i| (i % 241) as u8)
        .collect();
    cos.put("src", &data).await;
    let client = cos.static_client().await;
    let source = CopySource::new(client.location(), "src");
    let options = CopyOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(1 << 20)
        .concurrency(2);
    // Sound parts: the copy completes with the source's bytes.
    client.copy(&source, "good", &options).await.unwrap();
    assert_eq!(cos.object("good").await.unwrap(), data);

    cos.plan
        .add(Rule::new(Matcher::part(2), Action::CorruptCrc));
    let error = client.copy(&source, "bad", &options).await.unwrap_err();
    assert!(
        matches!(&error, Error::ChecksumMismatch { what, .. } if what == "copy"),
        "{error:?}"
    );
    assert_eq!(cos.object("bad").await, None, "never completed");
    assert!(cos.uploads().await.is_empty(), "the upload was aborted");
}

#[tokio::test]
async fn an_upload_opens_its_first_rounds_connections_during_the_lookup_without_retrying() {
    let cos = Cos::start().await;
    let (dir, path, data) = file_with(6 << 20);
    let client = cos.static_client().await;
    let lists = |seen: &[SeenRequest]| {
        seen.iter()
            .filter(|r| r.method() == Method::GET && r.has_query("uploads"))
            .count()
    };
    let options = |concurrency| {
        UploadOptions::default()
            .part_size(1 << 20)
            .multipart_threshold(0)
            .concurrency(concurrency)
    };
    for (concurrency, expected) in [(1, 1), (4, 4)] {
        cos.plan.clear_seen();
        client
            .upload_file(&path, "warm.bin", &options(concurrency))
            .await
            .unwrap();
        assert_eq!(
            lists(&cos.plan.seen()),
            expected,
            "the lookup, and one request per further connection of the first round"
        );
    }
    // Throttled, the requests that only open a connection are not sent again (each would
    // be at least twice: 8 or more), and the upload goes on; the lookup itself retries.
    cos.plan.clear_seen();
    cos.plan.add(
        Rule::new(
            Matcher::any().method(Method::GET).query("uploads"),
            Action::slow_down(),
        )
        .times(4),
    );
    let out = client
        .upload_file(&path, "warm.bin", &options(4))
        .await
        .unwrap();
    let sent = lists(&cos.plan.seen());
    assert!((5..=6).contains(&sent), "{sent} ListMultipartUploads");
    assert_eq!(out.parts_uploaded, 6);
    assert_eq!(cos.object("warm.bin").await.unwrap(), data);
    // Inside a directory transfer the files in flight keep the connections open: no more.
    cos.plan.clear_rules();
    cos.plan.clear_seen();
    let options = cos_client::DirectoryOptions::default().upload_options(options(4));
    let summary = client
        .upload_directory(dir.path(), "tree/", &options)
        .await
        .unwrap();
    assert!(summary.failures.is_empty(), "{:?}", summary.failures);
    assert_eq!(lists(&cos.plan.seen()), 1, "the lookup alone");
    assert_eq!(cos.object("tree/data.bin").await.unwrap(), data);
}
