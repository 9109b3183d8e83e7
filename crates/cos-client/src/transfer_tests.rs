//! Transfer tests (`upload_file`, `download_file`) against the in-memory mini COS.

use std::sync::{Arc, Mutex};

use crate::client_tests::static_client;
use crate::mini_cos::{self, MiniCos};
use crate::mock_server::MockServer;
use crate::*;

fn mini(server: &MockServer) -> Arc<Mutex<MiniCos>> {
    let cos = Arc::new(Mutex::new(MiniCos::default()));
    server.set_handler(mini_cos::handler(cos.clone()));
    cos
}

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

#[tokio::test]
async fn multipart_upload_happy_path_with_progress() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    let (_dir, path, data) = file_with(5 * 1024 * 1024 + 123);
    let client = static_client(&server);
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
    assert_eq!((out.parts_uploaded, out.parts_reused), (6, 0));
    assert!(out.server_crc_verified);
    assert_eq!(out.crc64, crc64::checksum(&data));
    assert_eq!(cos.lock().unwrap().objects["big/data.bin"], data);
    assert!(cos.lock().unwrap().uploads.is_empty());
    let seen = seen.lock().unwrap();
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress never goes back"
    );
    assert_eq!(seen.last(), Some(&(data.len() as u64, data.len() as u64)));
    let parts = server
        .received()
        .iter()
        .filter(|r| r.query_has("partNumber"))
        .count();
    assert_eq!(parts, 6);
}

#[tokio::test]
async fn upload_progress_moves_within_parts_and_survives_retries() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    cos.lock().unwrap().fail_every = Some(3);
    let (_dir, path, data) = file_with(16 * 1024 * 1024 + 5);
    let client = static_client(&server);
    let (progress, seen) = recorder();
    let options = UploadOptions::default()
        .part_size(8 << 20)
        .multipart_threshold(0)
        .concurrency(1)
        .progress(progress);
    client.upload_file(&path, "k", &options).await.unwrap();
    assert_eq!(cos.lock().unwrap().objects["k"], data);
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
    let server = MockServer::start().await;
    let cos = mini(&server);
    cos.lock().unwrap().fail_every = Some(3);
    let (_dir, path, data) = file_with(4 * 1024 * 1024 + 1);
    let client = static_client(&server);
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(0)
        .concurrency(2);
    client.upload_file(&path, "k", &options).await.unwrap();
    assert_eq!(cos.lock().unwrap().objects["k"], data);

    let target = _dir.path().join("back.bin");
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
}

#[tokio::test]
async fn part_crc_mismatch_aborts_the_upload() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    cos.lock().unwrap().corrupt_part = Some(2);
    let (_dir, path, _) = file_with(3 * 1024 * 1024);
    let client = static_client(&server);
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
        cos.lock().unwrap().uploads.is_empty(),
        "the upload was aborted"
    );
    assert!(
        server
            .received()
            .iter()
            .any(|r| r.method == http::Method::DELETE && r.query_has("uploadId"))
    );
}

#[tokio::test]
async fn interrupted_upload_resumes_with_only_missing_parts() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    cos.lock().unwrap().deny_parts_after = Some(3);
    let (_dir, path, data) = file_with(6 * 1024 * 1024);
    let client = static_client(&server);
    let keep = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(0)
        .concurrency(1)
        .abort_on_failure(false);
    assert!(client.upload_file(&path, "r/k", &keep).await.is_err());
    {
        let mut cos = cos.lock().unwrap();
        assert_eq!(cos.uploads.len(), 1);
        cos.deny_parts_after = None;
        // Part 2 on the server no longer matches the file: it must be sent again.
        let (_, parts) = cos.uploads.values_mut().next().unwrap();
        parts.get_mut(&2).unwrap()[0] ^= 0xff;
    }
    let before = server.received().len();
    let out = client.upload_file(&path, "r/k", &keep).await.unwrap();
    assert_eq!((out.parts_reused, out.parts_uploaded), (2, 4));
    let sent: Vec<u32> = server.received()[before..]
        .iter()
        .filter_map(|r| r.query("partNumber").map(|n| n.parse().unwrap()))
        .collect();
    let mut sorted = sent.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [2, 4, 5, 6]);
    assert_eq!(cos.lock().unwrap().objects["r/k"], data);
    assert!(cos.lock().unwrap().uploads.is_empty());
}

#[tokio::test]
async fn small_files_go_in_one_put() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    let (_dir, path, data) = file_with(1000);
    let client = static_client(&server);
    let out = client
        .upload_file(&path, "small", &UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(out.upload_id, None);
    assert_eq!(cos.lock().unwrap().objects["small"], data);
    assert_eq!(server.received().len(), 1);

    let streamed = client
        .put_object_from_file("streamed", &path, &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(streamed.crc64, Some(crc64::checksum(&data)));
    assert_eq!(cos.lock().unwrap().objects["streamed"], data);
}

#[tokio::test]
async fn download_checks_crc_before_renaming() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    let data: Vec<u8> = (0..(3 * 1024 * 1024 + 512))
        .map(|i| (i % 7) as u8)
        .collect();
    cos.lock()
        .unwrap()
        .objects
        .insert("obj".into(), data.clone());
    let client = static_client(&server);
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
    let ranges = server
        .received()
        .iter()
        .filter(|r| r.header("range").is_some())
        .count();
    assert_eq!(ranges, 4);
    assert!(
        server
            .received()
            .iter()
            .filter(|r| r.header("range").is_some())
            .all(|r| r.header("if-match").is_some())
    );

    cos.lock().unwrap().corrupt_head = true;
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
    let server = MockServer::start().await;
    let cos = mini(&server);
    cos.lock().unwrap().lose_first_initiate = true;
    let (_dir, path, data) = file_with(2 * 1024 * 1024 + 5);
    let client = static_client(&server);
    let options = UploadOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(0)
        .resume(false);
    client.upload_file(&path, "lost", &options).await.unwrap();
    let cos = cos.lock().unwrap();
    assert_eq!(cos.initiated, 1, "no second upload was started");
    assert!(cos.uploads.is_empty(), "nothing orphaned");
    assert_eq!(cos.objects["lost"], data);
}

#[tokio::test]
async fn a_broken_range_continues_from_the_first_missing_byte() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    let data: Vec<u8> = (0..(2 * 1024 * 1024)).map(|i| (i % 13) as u8).collect();
    {
        let mut cos = cos.lock().unwrap();
        cos.objects.insert("obj".into(), data.clone());
        cos.cut_ranges = 1;
    }
    let client = static_client(&server);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.bin");
    let options = DownloadOptions::default().part_size(2 << 20).concurrency(1);
    let out = client
        .download_file("obj", &target, &options)
        .await
        .unwrap();
    assert!(out.crc_verified);
    assert_eq!(std::fs::read(&target).unwrap(), data);
    let ranges: Vec<String> = server
        .received()
        .iter()
        .filter_map(|r| r.header("range").map(str::to_owned))
        .collect();
    assert_eq!(ranges, ["bytes=0-2097151", "bytes=1048576-2097151"]);
}

#[tokio::test]
async fn a_copied_part_with_a_wrong_crc_fails_the_copy_before_complete_and_aborts() {
    let server = MockServer::start().await;
    let cos = mini(&server);
    let data: Vec<u8> = (0..(3 * 1024 * 1024 + 9))
        .map(|i| (i % 241) as u8)
        .collect();
    cos.lock()
        .unwrap()
        .objects
        .insert("src".into(), data.clone());
    let client = static_client(&server);
    let source = CopySource::new(client.location(), "src");
    let options = CopyOptions::default()
        .part_size(1 << 20)
        .multipart_threshold(1 << 20)
        .concurrency(2);
    // Sound parts: the copy completes with the source's bytes.
    client.copy(&source, "good", &options).await.unwrap();
    assert_eq!(cos.lock().unwrap().objects["good"], data);

    cos.lock().unwrap().corrupt_part = Some(2);
    let error = client.copy(&source, "bad", &options).await.unwrap_err();
    assert!(
        matches!(&error, Error::ChecksumMismatch { what, .. } if what == "copy"),
        "{error:?}"
    );
    let cos = cos.lock().unwrap();
    assert!(!cos.objects.contains_key("bad"), "never completed");
    assert!(cos.uploads.is_empty(), "the upload was aborted");
}
