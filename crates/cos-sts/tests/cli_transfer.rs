//! CLI tests of `presign`, `put`, `get`, `ls`, `rm`, `upload`, `download` and `copy` against the
//! embedded emulator, with a temporary key issued by `cos-sts credential`, and bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use std::path::PathBuf;

use cli_support::{BUCKET, REGION, Run, arg, cos_sts, http_get, issue_credential, temp_file};
use cos_emulator::Emulator;

/// A running emulator and a file holding a temporary key for `users/alice/*`.
struct Fixture {
    emulator: Emulator,
    key_file: PathBuf,
}

impl Fixture {
    async fn start() -> Self {
        let emulator = Emulator::builder()
            .region(REGION)
            .bucket(BUCKET)
            .in_memory()
            .start()
            .await
            .unwrap();
        let mut args = vec![
            "--bucket",
            BUCKET,
            "--region",
            REGION,
            "--allow-prefix",
            "users/alice/*",
            "--format",
            "js",
        ];
        for action in [
            "PutObject",
            "GetObject",
            "HeadObject",
            "DeleteObject",
            "GetBucket",
            "InitiateMultipartUpload",
            "UploadPart",
            "CompleteMultipartUpload",
            "AbortMultipartUpload",
            "ListParts",
            "ListMultipartUploads",
        ] {
            args.extend(["--allow-action", action]);
        }
        let issued = issue_credential(&emulator, None, &args).expect(0);
        let key_file = temp_file("key.json", &issued.stdout);
        Self { emulator, key_file }
    }

    /// `cos-sts <command> <args> --bucket … --region … --endpoint … --credentials …`.
    fn run(&self, command: &str, args: &[&str], stdin: Option<&str>) -> Run {
        let endpoint = self.emulator.cos_endpoint();
        let mut all = vec![command];
        all.extend_from_slice(args);
        all.extend([
            "--bucket",
            BUCKET,
            "--region",
            REGION,
            "--endpoint",
            &endpoint,
            "--credentials",
            arg(&self.key_file),
        ]);
        cos_sts(&all, stdin)
    }
}

fn data(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (x >> 16) as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn put_get_ls_rm_round_trip() {
    let f = Fixture::start().await;
    let put = f
        .run(
            "put",
            &["users/alice/hello.txt", "-", "--content-type", "text/plain"],
            Some("hello, world\n"),
        )
        .expect(0)
        .json();
    assert_eq!(put["size"], 13);
    assert_eq!(put["crc64_verified"], true);
    let crc = put["crc64"].as_str().unwrap();
    assert_eq!(
        crc.parse::<u64>().unwrap(),
        cos_client::crc64::checksum(b"hello, world\n")
    );

    let got = f.run("get", &["users/alice/hello.txt"], None).expect(0);
    assert_eq!(got.stdout, "hello, world\n");

    let file = temp_file("small.txt", "from a file");
    f.run("put", &["users/alice/dir/b.txt", arg(&file)], None)
        .expect(0);
    let copy = file.with_extension("copy");
    let got = f
        .run("get", &["users/alice/dir/b.txt", arg(&copy)], None)
        .expect(0);
    assert!(got.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), "from a file");

    let listed = f.run("ls", &["users/alice/"], None).expect(0);
    assert!(
        listed.stdout.contains("users/alice/hello.txt"),
        "{}",
        listed.stdout
    );
    assert!(
        listed.stdout.contains("users/alice/dir/b.txt"),
        "{}",
        listed.stdout
    );
    let grouped = f
        .run("ls", &["users/alice/", "--delimiter", "/", "--json"], None)
        .expect(0)
        .json();
    assert_eq!(grouped["objects"].as_array().unwrap().len(), 1, "{grouped}");
    assert_eq!(grouped["common_prefixes"][0], "users/alice/dir/");
    let limited = f
        .run("ls", &["users/alice/", "--max", "1", "--json"], None)
        .expect(0)
        .json();
    assert_eq!(limited["objects"].as_array().unwrap().len(), 1);

    let removed = f
        .run(
            "rm",
            &["users/alice/hello.txt", "users/alice/dir/b.txt"],
            None,
        )
        .expect(0);
    assert!(removed.stdout.contains("deleted users/alice/hello.txt"));
    let gone = f.run("get", &["users/alice/hello.txt"], None).expect(1);
    assert!(gone.stderr.contains("NoSuchKey"), "{}", gone.stderr);
    let empty = f.run("ls", &["users/alice/"], None).expect(0);
    assert!(empty.stdout.trim().is_empty(), "{}", empty.stdout);
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_and_download_in_parts() {
    let f = Fixture::start().await;
    let body = data(3 * 1024 * 1024 + 17);
    let dir = std::env::temp_dir().join(format!("cos-sts-cli-transfer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("big.bin");
    std::fs::write(&source, &body).unwrap();

    let up = f
        .run(
            "upload",
            &[
                arg(&source),
                "users/alice/big.bin",
                "--part-size",
                "1MiB",
                "--threshold",
                "1MiB",
                "--concurrency",
                "3",
            ],
            None,
        )
        .expect(0);
    let summary = up.json();
    assert_eq!(summary["parts_uploaded"], 4, "{summary}");
    assert_eq!(summary["crc64_verified"], true);
    assert!(summary["upload_id"].is_string());
    let crc = cos_client::crc64::checksum(&body);
    assert_eq!(summary["crc64"], crc.to_string());
    // Not a terminal: plain progress lines on stderr.
    assert!(
        up.stderr.contains("upload: 3.0 MiB of 3.0 MiB (100%)"),
        "{}",
        up.stderr
    );

    let target = dir.join("back.bin");
    let down = f
        .run(
            "download",
            &["users/alice/big.bin", arg(&target), "--part-size", "1MiB"],
            None,
        )
        .expect(0)
        .json();
    assert_eq!(down["crc64_verified"], true);
    assert_eq!(down["size"], body.len());
    assert_eq!(std::fs::read(&target).unwrap(), body);

    // A server-side copy, part by part above the threshold.
    let copied = f
        .run(
            "copy",
            &[
                "users/alice/big.bin",
                "users/alice/big.copy",
                "--threshold",
                "1MiB",
                "--part-size",
                "1MiB",
            ],
            None,
        )
        .expect(0)
        .json();
    assert_eq!(copied["crc64"], crc.to_string(), "{copied}");
    assert!(
        copied["etag"].as_str().unwrap().ends_with("-4\""),
        "{copied}"
    );
    let back = dir.join("copy.bin");
    f.run("get", &["users/alice/big.copy", arg(&back)], None)
        .expect(0);
    assert_eq!(std::fs::read(&back).unwrap(), body);
    // Outside the key's prefix: denied, exit 1.
    let denied = f
        .run("copy", &["users/alice/big.bin", "users/bob/big.bin"], None)
        .expect(1);
    assert!(denied.stderr.contains("AccessDenied"), "{}", denied.stderr);

    let missing = f
        .run(
            "upload",
            &["/nonexistent/cos-sts.bin", "users/alice/x"],
            None,
        )
        .expect(2);
    assert!(
        missing.stderr.contains("/nonexistent/cos-sts.bin"),
        "{}",
        missing.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_outside_the_prefix_are_denied() {
    let f = Fixture::start().await;
    let run = f.run("put", &["users/bob/x.txt"], Some("nope")).expect(1);
    assert!(run.stderr.contains("AccessDenied"), "{}", run.stderr);
    assert!(run.stderr.contains("request id"), "{}", run.stderr);
    let key: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&f.key_file).unwrap()).unwrap();
    assert!(!run.stderr.contains(key["TmpSecretKey"].as_str().unwrap()));
    assert!(!run.stderr.contains(key["SecurityToken"].as_str().unwrap()));
    f.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn presigned_urls_open_and_put() {
    let f = Fixture::start().await;
    f.run("put", &["users/alice/p.txt"], Some("presigned body"))
        .expect(0);
    let url = f
        .run("presign", &["users/alice/p.txt", "--expires", "120"], None)
        .expect(0)
        .stdout
        .trim()
        .to_owned();
    assert!(
        url.starts_with(&format!(
            "{}/users/alice/p.txt?q-sign-algorithm=sha1&",
            f.emulator.cos_endpoint()
        )),
        "{url}"
    );
    assert!(url.contains("x-cos-security-token="));
    let blocking = url.clone();
    let (status, body) = tokio::task::spawn_blocking(move || http_get(&blocking))
        .await
        .unwrap();
    assert!(status.contains("200"), "{status}");
    assert_eq!(body, b"presigned body");

    let put_url = f
        .run("presign", &["users/alice/q.txt", "--method", "put"], None)
        .expect(0)
        .stdout
        .trim()
        .to_owned();
    // The emulator answers presigned PUTs 501 (it routes a PUT with any query away from
    // PutObject), so check the signature the way COS does instead.
    let key: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&f.key_file).unwrap()).unwrap();
    let rest = put_url.strip_prefix("http://").unwrap();
    let (authority, target) = rest.split_at(rest.find('/').unwrap());
    let (path, query) = target.split_once('?').unwrap();
    assert_eq!(path, "/users/alice/q.txt");
    let headers = [("host", authority)];
    let incoming = tc3_signer::cos::IncomingRequest::new("PUT", path, query, &headers);
    let auth = tc3_signer::cos::Authorization::from_query(query).unwrap();
    assert_eq!(auth.secret_id(), key["TmpSecretId"].as_str().unwrap());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let secret = key["TmpSecretKey"].as_str().unwrap();
    tc3_signer::cos::verify(
        &auth,
        secret,
        &incoming,
        now,
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let as_get = tc3_signer::cos::IncomingRequest::new("GET", path, query, &headers);
    assert!(
        tc3_signer::cos::verify(
            &auth,
            secret,
            &as_get,
            now,
            std::time::Duration::from_secs(60)
        )
        .is_err()
    );
    // The URL is bound to its key: the same query on another key is refused.
    let moved = url.replace("/users/alice/p.txt?", "/users/alice/q.txt?");
    let (status, _) = tokio::task::spawn_blocking(move || http_get(&moved))
        .await
        .unwrap();
    assert!(status.contains("403"), "{status}");
    f.emulator.shutdown().await;
}

#[test]
fn bad_input_is_a_usage_error() {
    // Missing --bucket / --region: clap's message.
    let run = cos_sts(&["put", "k", "--region", REGION], Some("x")).expect(2);
    assert!(run.stderr.contains("--bucket"), "{}", run.stderr);
    let run = cos_sts(&["ls", "--bucket", BUCKET], None).expect(2);
    assert!(run.stderr.contains("--region"), "{}", run.stderr);
    let run = cos_sts(&["rm", "--bucket", BUCKET, "--region", REGION], None).expect(2);
    assert!(run.stderr.contains("KEYS"), "{}", run.stderr);

    let common = ["--bucket", BUCKET, "--region", REGION];
    let with = |head: &[&str], tail: &[&str]| -> Run {
        let mut all = head.to_vec();
        all.extend_from_slice(&common);
        all.extend_from_slice(tail);
        cos_sts(&all, None)
    };
    let malformed = temp_file("bad-key.json", "{\"TmpSecretId\": ");
    let run = with(&["get", "k"], &["--credentials", arg(&malformed)]).expect(2);
    assert!(
        run.stderr.contains("malformed credentials file"),
        "{}",
        run.stderr
    );
    let incomplete = temp_file("part-key.json", "{\"TmpSecretId\": \"AKID\"}");
    let run = with(&["get", "k"], &["--credentials", arg(&incomplete)]).expect(2);
    assert!(run.stderr.contains("TmpSecretKey"), "{}", run.stderr);

    let run = with(&["put", "k", "-"], &["--credentials", "-"]).expect(2);
    assert!(run.stderr.contains("standard input"), "{}", run.stderr);

    let keys = ["--secret-id", "AKIDX", "--secret-key", "k"];
    let run = with(
        &["presign", "k"],
        &[&keys[..], &["--endpoint", "ftp://h"]].concat(),
    )
    .expect(2);
    assert!(run.stderr.contains("--endpoint"), "{}", run.stderr);
    let run = with(
        &["presign", "k"],
        &[&keys[..], &["--expires", "0"]].concat(),
    )
    .expect(2);
    assert!(run.stderr.contains("--expires"), "{}", run.stderr);
    let run = cos_sts(
        &[
            "presign",
            "k",
            "--bucket",
            "nobucket",
            "--region",
            REGION,
            "--secret-id",
            "AKIDX",
            "--secret-key",
            "k",
        ],
        None,
    )
    .expect(2);
    assert!(run.stderr.contains("bucket"), "{}", run.stderr);
    let run = with(
        &["upload", "f", "k"],
        &[&keys[..], &["--part-size", "lots"]].concat(),
    )
    .expect(2);
    assert!(run.stderr.contains("lots"), "{}", run.stderr);
}
