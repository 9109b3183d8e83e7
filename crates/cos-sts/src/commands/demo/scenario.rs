//! The demo's steps, against an in-process emulator. Every step checks what it shows; the
//! first check that fails ends the demo with exit status 1.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cos_client::{Client, DownloadOptions, MultipartPlan, PutOptions, ServiceError, UploadOptions};
use cos_emulator::Emulator;
use http_body_util::{BodyExt as _, Empty};
use sts_client::{CredentialRequest, Endpoint as StsEndpoint, StsClient, TemporaryCredentials};
use tc3_signer::Credential;

use super::narrator::{INDENT, Narrator, describe_key};
use super::payload;
use crate::commands::outcome::Failure;
use crate::commands::transfer::crc_text;
use crate::commands::transfer::progress::{Stream, TransferProgress};
use crate::commands::transfer::units::human_bytes;

/// How many numbered steps the demo prints.
pub(crate) const STEPS: usize = 8;

const REGION: &str = "ap-guangzhou";
const BUCKET: &str = "demo-1250000000";
/// What the user's key may do under its prefix: single and multipart uploads, reads.
const USER_ACTIONS: [&str; 9] = [
    "PutObject",
    "GetObject",
    "HeadObject",
    "InitiateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "AbortMultipartUpload",
    "ListParts",
    "ListMultipartUploads",
];
/// Lifetime of the main temporary key.
const KEY_SECONDS: u64 = 1800;
/// Validity of the presigned URL.
const PRESIGN_SECONDS: u64 = 600;

/// The demo's options, validated.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Size of the generated file.
    pub(crate) size: u64,
    /// Preferred part size.
    pub(crate) part_size: u64,
    /// Parts in flight.
    pub(crate) concurrency: usize,
    /// Whose prefix the key is scoped to.
    pub(crate) user: String,
    /// Keep the emulator until Ctrl-C.
    pub(crate) keep: bool,
}

fn failed(message: impl Into<String>) -> Failure {
    Failure::Output(message.into())
}

/// How long until the Unix second `deadline` has begun (plus a small margin), at most 5 s.
fn until_past(deadline: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(deadline)
        .saturating_sub(now)
        .saturating_add(Duration::from_millis(50))
        .min(Duration::from_secs(5))
}

fn mib_per_sec(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / f64::from(1 << 20) / elapsed.as_secs_f64().max(1e-6)
}

/// A scratch directory for the generated and downloaded files, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, Failure> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("cos-sts-demo-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| failed(format!("creating {}: {e}", dir.display())))?;
        Ok(Self(dir))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs every step; the emulator is shut down however they end.
pub(crate) async fn run(settings: &Settings, n: &mut Narrator) -> Result<(), Failure> {
    n.say(
        "cos-sts demo: temporary COS keys end to end, on a local emulator (no account, no network)",
    );
    n.step("Start the embedded STS + COS emulator");
    let emulator = Emulator::builder()
        .region(REGION)
        .bucket(BUCKET)
        .in_memory()
        .start()
        .await
        .map_err(|e| failed(format!("starting the emulator: {e}")))?;
    n.detail(&format!("COS  {}", emulator.cos_endpoint()));
    n.detail(&format!("STS  {}", emulator.sts_endpoint()));
    n.detail(&format!(
        "bucket {BUCKET} in {REGION}; the root key {} stays with the server",
        emulator.root_credential().secret_id()
    ));
    let scratch = Scratch::new()?;
    let result = steps(&emulator, &scratch, settings, n).await;
    if result.is_ok() && settings.keep {
        // Listen before saying so, so that an immediate Ctrl-C is caught.
        let interrupted = interrupt_listener();
        n.say(&format!(
            "\nThe emulator keeps running at {} (bucket {BUCKET} is its default bucket): press Ctrl-C to stop.",
            emulator.cos_endpoint()
        ));
        interrupted.await;
    }
    emulator.shutdown().await;
    drop(scratch);
    if result.is_ok() {
        n.say("\nAll checks passed. The emulator is stopped and the generated files are removed.");
    }
    result
}

/// A future that completes on Ctrl-C (SIGINT), registered before it is first polled.
fn interrupt_listener() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listener = signal(SignalKind::interrupt());
        async move {
            match listener {
                Ok(mut listener) => {
                    listener.recv().await;
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn steps(
    emulator: &Emulator,
    scratch: &Scratch,
    settings: &Settings,
    n: &mut Narrator,
) -> Result<(), Failure> {
    let sts = StsClient::builder()
        .endpoint(StsEndpoint::custom(&emulator.sts_endpoint()).map_err(|e| failed(e.to_string()))?)
        .region(REGION)
        .credential(emulator.root_credential())
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let prefix = format!("users/{}/", settings.user);

    n.step(&format!(
        "Issue a temporary key for {} (GetFederationToken)",
        settings.user
    ));
    let issued = issue(&sts, &prefix, &settings.user, KEY_SECONDS).await?;
    n.detail(&format!(
        "scope: qcs::cos:{REGION}:uid/1250000000:{BUCKET}/{prefix}*"
    ));
    n.detail(&format!("actions: {}", USER_ACTIONS.join(", ")));
    for line in describe_key(&issued) {
        n.detail(&line);
    }
    let user = client(emulator, issued.credential().clone())?;

    n.step("Generate a file to upload");
    let local_path = scratch.path("demo.bin");
    let local_crc = payload::write(&local_path, settings.size, 0x00C0_5575)
        .map_err(|e| failed(format!("writing {}: {e}", local_path.display())))?;
    n.detail(&format!(
        "{}: {} ({} bytes) of pseudo-random data",
        local_path.display(),
        human_bytes(settings.size),
        settings.size
    ));
    n.detail(&format!(
        "local CRC-64 (ECMA-182, as COS computes it): {}",
        crc_text(local_crc)
    ));

    let key = format!("{prefix}demo.bin");
    upload(&user, &local_path, &key, local_crc, settings, n).await?;
    verify(&user, scratch, &local_path, &key, local_crc, settings, n).await?;
    denied(&user, settings, n).await?;
    expired(emulator, &sts, &prefix, &settings.user, n).await?;
    presigned(&user, &key, local_crc, settings.size, n).await
}

async fn issue(
    sts: &StsClient,
    prefix: &str,
    user: &str,
    seconds: u64,
) -> Result<TemporaryCredentials, Failure> {
    let request = CredentialRequest::new(&location()?)
        .allow_prefix(format!("{prefix}*"))
        .allow_actions(USER_ACTIONS)
        .name(user)
        .duration_seconds(seconds);
    sts.get_credential(&request)
        .await
        .map_err(|e| failed(format!("GetFederationToken failed: {e}")))
}

/// The demo bucket in its region.
fn location() -> Result<cos_client::Bucket, Failure> {
    Ok(cos_client::Bucket::new(
        BUCKET.parse().map_err(|e| failed(format!("{e}")))?,
        REGION.parse().map_err(|e| failed(format!("{e}")))?,
    ))
}

/// A client signing with `credential`, addressing the emulator by its address so that the
/// presigned URL opens as printed.
fn client(emulator: &Emulator, credential: Credential) -> Result<Client, Failure> {
    Client::builder()
        .bucket(&location()?)
        .credential(credential)
        .endpoint(
            cos_client::Endpoint::default()
                .http()
                .custom_domain(emulator.cos_addr().to_string()),
        )
        .request_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| failed(e.to_string()))
}

async fn upload(
    user: &Client,
    path: &Path,
    key: &str,
    local_crc: u64,
    settings: &Settings,
    n: &mut Narrator,
) -> Result<(), Failure> {
    let plan = MultipartPlan::new(settings.size, settings.part_size)
        .map_err(|e| failed(format!("planning the upload: {e}")))?;
    n.step(&format!("Upload it in parts to {key}"));
    let last = plan
        .part(plan.part_count())
        .map_or(plan.part_size(), |part| part.len);
    let last = if last == plan.part_size() {
        String::new()
    } else {
        format!(" (the last {})", human_bytes(last))
    };
    n.detail(&format!(
        "{} parts of {}{last}, {} at a time, each part's CRC-64 compared with COS's",
        plan.part_count(),
        human_bytes(plan.part_size()),
        settings.concurrency
    ));
    let (display, progress) =
        TransferProgress::new(Stream::Stdout, "uploaded", INDENT, settings.size);
    let options = UploadOptions::default()
        .part_size(plan.part_size())
        .multipart_threshold(plan.part_size())
        .concurrency(settings.concurrency)
        .progress(progress);
    let started = Instant::now();
    let result = user.upload_file(path, key, &options).await;
    let elapsed = started.elapsed();
    display.finish();
    let out = result.map_err(|e| failed(format!("the upload failed: {e}")))?;
    n.detail(&format!(
        "done: {} parts in {:.2} s, {:.1} MiB/s (upload id {})",
        out.parts_uploaded,
        elapsed.as_secs_f64(),
        mib_per_sec(settings.size, elapsed),
        out.upload_id.as_deref().unwrap_or("-")
    ));
    if out.upload_id.is_none() || out.parts_uploaded < 2 {
        return Err(failed("the file was not uploaded in parts"));
    }
    if out.crc64 != local_crc || !out.server_crc_verified {
        return Err(failed(format!(
            "CRC-64 not confirmed: local {local_crc}, upload {} (COS confirmed: {})",
            out.crc64, out.server_crc_verified
        )));
    }
    n.detail(&format!(
        "COS's CRC-64 of the assembled object matches the local one: {}",
        crc_text(out.crc64)
    ));
    Ok(())
}

async fn verify(
    user: &Client,
    scratch: &Scratch,
    local_path: &Path,
    key: &str,
    local_crc: u64,
    settings: &Settings,
    n: &mut Narrator,
) -> Result<(), Failure> {
    n.step("Verify the stored object");
    let head = user
        .head_object(key)
        .await
        .map_err(|e| failed(format!("HeadObject failed: {e}")))?;
    let server_crc = head
        .crc64
        .ok_or_else(|| failed("HeadObject returned no x-cos-hash-crc64ecma"))?;
    if head.content_length != settings.size || server_crc != local_crc {
        return Err(failed(format!(
            "HeadObject: {} bytes, CRC-64 {server_crc}; expected {} bytes, CRC-64 {local_crc}",
            head.content_length, settings.size
        )));
    }
    n.detail(&format!(
        "HeadObject: {} bytes, x-cos-hash-crc64ecma {} = local CRC-64",
        head.content_length,
        crc_text(server_crc)
    ));
    let copy = scratch.path("downloaded.bin");
    let options = DownloadOptions::default()
        .part_size(settings.part_size)
        .concurrency(settings.concurrency);
    let started = Instant::now();
    let out = user
        .download_file(key, &copy, &options)
        .await
        .map_err(|e| failed(format!("the download failed: {e}")))?;
    let elapsed = started.elapsed();
    let same = files_equal(local_path, &copy)?;
    if !out.crc_verified || out.crc64 != local_crc || !same {
        return Err(failed("the downloaded copy differs from the uploaded file"));
    }
    n.detail(&format!(
        "downloaded again with parallel ranged GETs in {:.2} s ({:.1} MiB/s): CRC-64 {} and every byte identical",
        elapsed.as_secs_f64(),
        mib_per_sec(out.size, elapsed),
        crc_text(out.crc64)
    ));
    Ok(())
}

fn files_equal(a: &Path, b: &Path) -> Result<bool, Failure> {
    let read =
        |p: &Path| std::fs::read(p).map_err(|e| failed(format!("reading {}: {e}", p.display())));
    Ok(read(a)? == read(b)?)
}

/// Checks that `result` is the COS refusal `code`, and returns it.
fn refusal<T>(
    result: Result<T, cos_client::Error>,
    code: &str,
    what: &str,
) -> Result<ServiceError, Failure> {
    match result {
        Ok(_) => Err(failed(format!(
            "{what} succeeded, but it must be refused with {code}"
        ))),
        Err(error) => match error.service() {
            Some(service) if service.code() == code => Ok(service.clone()),
            _ => Err(failed(format!(
                "{what} failed with `{error}`, expected {code}"
            ))),
        },
    }
}

fn describe_refusal(n: &Narrator, refused: &ServiceError) {
    n.detail(&format!(
        "refused: HTTP {} {}: {}",
        refused.status(),
        refused.code(),
        refused.message()
    ));
    n.detail(&format!(
        "request id {}",
        refused.request_id().unwrap_or("(none)")
    ));
}

async fn denied(user: &Client, settings: &Settings, n: &mut Narrator) -> Result<(), Failure> {
    let other = if settings.user == "bob" {
        "carol"
    } else {
        "bob"
    };
    let key = format!("users/{other}/intrusion.txt");
    n.step(&format!(
        "Try to write outside the prefix: PUT {key} with {}'s key",
        settings.user
    ));
    let result = user
        .put_object(
            &key,
            Bytes::from_static(b"not yours"),
            &PutOptions::default(),
        )
        .await;
    let refused = refusal(result, "AccessDenied", &format!("PUT {key}"))?;
    describe_refusal(n, &refused);
    Ok(())
}

async fn expired(
    emulator: &Emulator,
    sts: &StsClient,
    prefix: &str,
    user: &str,
    n: &mut Narrator,
) -> Result<(), Failure> {
    n.step("Use a key after it expired");
    let short = issue(sts, prefix, user, 1).await?;
    n.detail(&format!(
        "issued {} for 1 s (ExpiredTime {})",
        short.credential().secret_id(),
        short.expired_time()
    ));
    let wait = until_past(short.expired_time());
    n.detail(&format!(
        "waiting {:.1} s for it to expire…",
        wait.as_secs_f64()
    ));
    tokio::time::sleep(wait).await;
    let late = client(emulator, short.credential().clone())?;
    let key = format!("{prefix}late.txt");
    let result = late
        .put_object(
            &key,
            Bytes::from_static(b"too late"),
            &PutOptions::default(),
        )
        .await;
    let refused = refusal(
        result,
        "ExpiredToken",
        &format!("PUT {key} with the expired key"),
    )?;
    describe_refusal(n, &refused);
    Ok(())
}

async fn presigned(
    user: &Client,
    key: &str,
    local_crc: u64,
    size: u64,
    n: &mut Narrator,
) -> Result<(), Failure> {
    n.step(&format!(
        "Presign a download URL for {key} (valid {PRESIGN_SECONDS} s)"
    ));
    let url = user
        .presign_get(key, Duration::from_secs(PRESIGN_SECONDS))
        .await
        .map_err(|e| failed(format!("presigning failed: {e}")))?;
    n.detail(&url);
    n.detail("(it carries the session token: share it like a password; it dies with the emulator)");
    let (status, body) = fetch(&url).await?;
    let crc = cos_client::crc64::checksum(&body);
    if status != 200 || body.len() as u64 != size || crc != local_crc {
        return Err(failed(format!(
            "GET of the presigned URL: HTTP {status}, {} bytes, CRC-64 {crc}; expected 200, {size} bytes, CRC-64 {local_crc}",
            body.len()
        )));
    }
    n.detail(&format!(
        "a plain unsigned GET of it: HTTP {status}, {} bytes, CRC-64 {} (matches)",
        body.len(),
        crc_text(crc)
    ));
    Ok(())
}

/// A plain GET, as a browser or curl would do it.
async fn fetch(url: &str) -> Result<(u16, Bytes), Failure> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| failed(format!("the presigned URL does not parse: {e}")))?;
    let client: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let response = tokio::time::timeout(Duration::from_secs(60), client.get(uri))
        .await
        .map_err(|_| failed("GET of the presigned URL timed out"))?
        .map_err(|e| failed(format!("GET of the presigned URL failed: {e}")))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| failed(format!("reading the presigned GET's body: {e}")))?
        .to_bytes();
    Ok((status, body))
}
