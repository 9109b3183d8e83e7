//! `upload`, `download` and `copy`: parallel multipart transfers with CRC-64 checks and
//! progress.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use cos_client::{
    Bucket, BucketName, CopyOptions, CopySource, DownloadOptions, Parallelism, Region,
    UploadOptions,
};
use serde_json::json;

use super::connection::{CosArgs, runtime};
use super::directories::{self, DirectoryJob, FilesInFlight, Way};
use super::progress::{Stream, TransferProgress};
use super::units::parse_size;
use super::{cos_failure, crc_text};
use crate::commands::outcome::{self, CommandResult, Failure, Outcome};

/// Options of `cos-sts upload`.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  cos-sts upload --bucket examplebucket-1250000000 --region ap-guangzhou \\
      --credentials key.json video.mp4 users/alice/video.mp4")]
pub(crate) struct UploadArgs {
    /// The local file (with `-r`, a directory).
    file: PathBuf,
    /// The object key (with `-r`, the prefix of every file's key, e.g. `site/`).
    key: String,
    /// Upload every file under the directory FILE, many at once, to KEY + its relative path.
    #[arg(short = 'r', long)]
    recursive: bool,
    #[command(flatten)]
    files: FilesInFlight,
    /// Part size of a multipart upload (e.g. `8MiB`; default: from the file's size).
    #[arg(long, value_parser = parse_size)]
    part_size: Option<u64>,
    /// Files larger than this are sent in parts.
    #[arg(long, default_value = "16MiB", value_parser = parse_size)]
    threshold: u64,
    #[command(flatten)]
    tuning: Tuning,
    /// Start afresh instead of resuming an unfinished upload of the same key.
    #[arg(long)]
    no_resume: bool,
    /// The `Content-Type` of the object.
    #[arg(long)]
    content_type: Option<String>,
    #[command(flatten)]
    cos: CosArgs,
}

/// Options of `cos-sts download`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  cos-sts download --bucket b-1250000000 --region ap-guangzhou --credentials key.json users/alice/big.bin big.bin"
)]
pub(crate) struct DownloadArgs {
    /// The object key (with `-r`, a prefix).
    key: String,
    /// The local file (written next to it first and renamed once the CRC-64 matches; with
    /// `-r`, the directory receiving every object under the prefix).
    file: PathBuf,
    /// Download every object under the prefix KEY, many at once, into the directory FILE.
    #[arg(short = 'r', long)]
    recursive: bool,
    #[command(flatten)]
    files: FilesInFlight,
    /// Range size of the parallel GETs (default: from the object's size).
    #[arg(long, value_parser = parse_size)]
    part_size: Option<u64>,
    #[command(flatten)]
    tuning: Tuning,
    #[command(flatten)]
    cos: CosArgs,
}

/// How many parts a transfer keeps in flight.
#[derive(Debug, Args)]
pub(crate) struct Tuning {
    /// Parts in flight at once (default: adaptive, growing from 16 while the aggregate rate
    /// grows and backing off on throttling).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Memory a transfer may hold in part buffers (part size × concurrency stays below it).
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    memory_budget: u64,
    /// A throughput to aim for per transfer (e.g. `100MiB`, per second): concurrency stops
    /// growing once it is reached.
    #[arg(long, value_parser = parse_size)]
    target_throughput: Option<u64>,
}

impl Tuning {
    pub(crate) fn memory_budget(&self) -> u64 {
        self.memory_budget
    }

    /// The parallelism these flags describe, for uploads and downloads alike.
    pub(crate) fn parallelism(&self) -> Parallelism {
        let mut parallelism = Parallelism::default().memory_budget(self.memory_budget);
        if let Some(parts) = self.concurrency {
            parallelism = parallelism.fixed(parts);
        }
        if let Some(rate) = self.target_throughput {
            parallelism = parallelism.target_throughput(rate);
        }
        parallelism
    }
}

/// Options of `cos-sts copy`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cos-sts copy --bucket b-1250000000 --region ap-guangzhou --credentials key.json \\
      users/alice/video.mp4 archive/video.mp4
  cos-sts copy --bucket b-1250000000 --region ap-guangzhou --credentials key.json \\
      --source-bucket old-1250000000 --source-size 7GiB video.mp4 archive/video.mp4")]
pub(crate) struct CopyArgs {
    /// The source object's key.
    source_key: String,
    /// The new object's key, in `--bucket`.
    key: String,
    /// The source bucket (default: `--bucket`).
    #[arg(long)]
    source_bucket: Option<BucketName>,
    /// The source bucket's region (default: `--region`).
    #[arg(long)]
    source_region: Option<Region>,
    /// The source object's size: needed for a source in another bucket, which this
    /// bucket's client cannot HEAD (e.g. `7GiB`).
    #[arg(long, value_parser = parse_size)]
    source_size: Option<u64>,
    /// Sources larger than this are copied part by part (Upload Part - Copy).
    #[arg(long, default_value = "5GiB", value_parser = parse_size)]
    threshold: u64,
    /// Part size of a multipart copy.
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    part_size: u64,
    /// Parts copied at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    #[command(flatten)]
    cos: CosArgs,
}

fn seconds_and_rate(started: Instant, bytes: u64) -> (f64, f64) {
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    (secs, bytes as f64 / secs / f64::from(1 << 20))
}

impl UploadArgs {
    fn options(&self) -> UploadOptions {
        let mut options = UploadOptions::default()
            .multipart_threshold(self.threshold)
            .resume(!self.no_resume)
            .parallelism(self.tuning.parallelism());
        if let Some(part_size) = self.part_size {
            options = options.part_size(part_size);
        }
        if let Some(content_type) = &self.content_type {
            options =
                options.put_options(cos_client::PutOptions::default().content_type(content_type));
        }
        options
    }
}

impl DownloadArgs {
    fn options(&self) -> DownloadOptions {
        let mut options = DownloadOptions::default().parallelism(self.tuning.parallelism());
        if let Some(part_size) = self.part_size {
            options = options.part_size(part_size);
        }
        options
    }
}

/// Uploads a file, in parts above the threshold (or a directory, with `-r`).
pub(crate) fn upload(args: &UploadArgs) -> CommandResult {
    if args.recursive {
        return directories::run(&DirectoryJob {
            way: Way::Up,
            local: &args.file,
            prefix: &args.key,
            sync: false,
            files: &args.files,
            memory_budget: args.tuning.memory_budget,
            upload: args.options(),
            download: DownloadOptions::default(),
            cos: &args.cos,
        });
    }
    let size = std::fs::metadata(&args.file)
        .map_err(|e| Failure::input(format!("cannot read `{}`: {e}", args.file.display())))?
        .len();
    let client = args.cos.client()?;
    let (display, progress) = TransferProgress::new(Stream::Stderr, "upload", 0, size);
    let options = args.options().progress(progress);
    let started = Instant::now();
    let result = runtime()?.block_on(client.upload_file(&args.file, &args.key, &options));
    display.finish();
    let out = result.map_err(|e| cos_failure(&e))?;
    let (seconds, mib_per_sec) = seconds_and_rate(started, size);
    let summary = json!({
        "key": args.key,
        "size": size,
        "etag": out.etag,
        "crc64": crc_text(out.crc64),
        "crc64_verified": out.server_crc_verified,
        "upload_id": out.upload_id,
        "parts_uploaded": out.parts_uploaded,
        "parts_reused": out.parts_reused,
        "seconds": seconds,
        "mib_per_second": mib_per_sec,
    });
    outcome::print(&summary.to_string())?;
    Ok(Outcome::Success)
}

/// Downloads an object with parallel ranged GETs, checking its CRC-64 (or every object
/// under a prefix, with `-r`).
pub(crate) fn download(args: &DownloadArgs) -> CommandResult {
    if args.recursive {
        return directories::run(&DirectoryJob {
            way: Way::Down,
            local: &args.file,
            prefix: &args.key,
            sync: false,
            files: &args.files,
            memory_budget: args.tuning.memory_budget,
            upload: UploadOptions::default(),
            download: args.options(),
            cos: &args.cos,
        });
    }
    let client = args.cos.client()?;
    let runtime = runtime()?;
    let head = runtime
        .block_on(client.head_object(&args.key))
        .map_err(|e| cos_failure(&e))?;
    let (display, progress) =
        TransferProgress::new(Stream::Stderr, "download", 0, head.content_length);
    let options = args.options().progress(progress);
    let started = Instant::now();
    let result = runtime.block_on(client.download_file(&args.key, &args.file, &options));
    display.finish();
    let out = result.map_err(|e| cos_failure(&e))?;
    let (seconds, mib_per_sec) = seconds_and_rate(started, out.size);
    let summary = json!({
        "key": args.key,
        "file": args.file.display().to_string(),
        "size": out.size,
        "etag": out.etag,
        "crc64": crc_text(out.crc64),
        "crc64_verified": out.crc_verified,
        "seconds": seconds,
        "mib_per_second": mib_per_sec,
    });
    outcome::print(&summary.to_string())?;
    Ok(Outcome::Success)
}

/// Copies an object inside COS: one PUT Object - Copy, or part by part above the threshold.
pub(crate) fn copy(args: &CopyArgs) -> CommandResult {
    let client = args.cos.client()?;
    let source_bucket = Bucket::new(
        args.source_bucket
            .as_ref()
            .unwrap_or(&args.cos.bucket)
            .clone(),
        args.source_region
            .as_ref()
            .unwrap_or(&args.cos.region)
            .clone(),
    );
    let source = CopySource::new(&source_bucket, &args.source_key);
    let mut options = CopyOptions::default()
        .multipart_threshold(args.threshold)
        .part_size(args.part_size)
        .concurrency(args.concurrency);
    if let Some(size) = args.source_size {
        options = options.source_size(size);
    }
    let started = Instant::now();
    let out = runtime()?
        .block_on(client.copy(&source, &args.key, &options))
        .map_err(|e| cos_failure(&e))?;
    let summary = json!({
        "source": source.header_value(),
        "key": args.key,
        "etag": out.etag,
        "crc64": out.crc64.map(crc_text),
        "seconds": started.elapsed().as_secs_f64(),
    });
    outcome::print(&summary.to_string())?;
    Ok(Outcome::Success)
}
