//! CLI test of `cos-sts demo`: it runs to exit 0 with a small file and narrates every step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use cli_support::{cos_sts, http_get};

#[test]
fn the_demo_runs_every_step_and_exits_zero() {
    let run = cos_sts(&["demo", "--size", "2MiB", "--concurrency", "2"], None).expect(0);
    let out = &run.stdout;
    for marker in [
        "[1/8] Start the embedded STS + COS emulator",
        "[2/8] Issue a temporary key for alice",
        "scope: qcs::cos:ap-guangzhou:uid/1250000000:demo-1250000000/users/alice/*",
        "TmpSecretId   AKID",
        "TmpSecretKey  <redacted",
        "SessionToken  <redacted",
        "[3/8] Generate a file to upload",
        "2.0 MiB (2097152 bytes)",
        "[4/8] Upload it in parts to users/alice/demo.bin",
        "2 parts of 1.0 MiB",
        "uploaded: 2.0 MiB of 2.0 MiB (100%)",
        "COS's CRC-64 of the assembled object matches the local one",
        "[5/8] Verify the stored object",
        "every byte identical",
        "[6/8] Try to write outside the prefix: PUT users/bob/intrusion.txt",
        "refused: HTTP 403 AccessDenied",
        "[7/8] Use a key after it expired",
        "refused: HTTP 400 ExpiredToken",
        "[8/8] Presign a download URL for users/alice/demo.bin",
        "q-signature=",
        "a plain unsigned GET of it: HTTP 200, 2097152 bytes",
        "All checks passed.",
    ] {
        assert!(out.contains(marker), "missing `{marker}` in:\n{out}");
    }
    // The two refusals show COS's request id.
    let request_ids = out
        .lines()
        .filter(|l| l.trim_start().starts_with("request id "))
        .count();
    assert_eq!(request_ids, 2, "{out}");
    // The local CRC-64 is the one COS reports.
    let local = out
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("local CRC-64 (ECMA-182, as COS computes it): ")
        })
        .unwrap();
    assert!(
        out.contains(&format!("x-cos-hash-crc64ecma {local} = local CRC-64")),
        "{out}"
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn a_user_can_be_chosen_and_bob_is_still_kept_out() {
    let run = cos_sts(&["demo", "--size", "1100K", "--user", "bob"], None).expect(0);
    assert!(run.stdout.contains("users/bob/*"));
    assert!(
        run.stdout
            .contains("PUT users/carol/intrusion.txt with bob's key")
    );
}

#[test]
fn bad_options_are_usage_errors() {
    let run = cos_sts(&["demo", "--size", "1MiB"], None).expect(2);
    assert!(run.stderr.contains("--size"), "{}", run.stderr);
    let run = cos_sts(&["demo", "--size", "twelve"], None).expect(2);
    assert!(run.stderr.contains("twelve"), "{}", run.stderr);
    let run = cos_sts(&["demo", "--user", "a/b"], None).expect(2);
    assert!(run.stderr.contains("--user"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn keep_serves_the_presigned_url_until_interrupted() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .args(["demo", "--size", "1100K", "--keep"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.trim_start().starts_with("http://") && line.contains("q-signature=") {
            url = Some(line.trim().to_owned());
        }
        if line.contains("press Ctrl-C to stop") {
            break;
        }
    }
    let url = url.expect("no presigned URL before the keep message");
    let (status, body) = http_get(&url);
    assert!(status.contains("200"), "{status}");
    assert_eq!(body.len(), 1100 * 1024);
    // Interrupt this child (by its own id) as Ctrl-C would.
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("All checks passed")),
        "{rest:?}"
    );
}
