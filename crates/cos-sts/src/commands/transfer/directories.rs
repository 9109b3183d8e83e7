//! `upload -r`, `download -r` and `sync`: whole directories over `cos-client`'s directory
//! transfers, many files at once, with one progress display and a JSON summary.

use std::path::Path;
use std::time::Instant;

use clap::Args;
use cos_client::{DirectoryOptions, DirectorySummary, DownloadOptions, UploadOptions};
use serde_json::json;

use super::connection::{CosArgs, runtime};
use super::cos_failure;
use super::files::Tuning;
use super::progress::{Stream, TransferProgress};
use crate::commands::outcome::{self, CommandResult, Failure, Outcome};

/// The marker of the bucket side of `sync`.
const COS_SIDE: &str = "cos:";

/// Options of `cos-sts sync`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples (the side starting with `cos:` is a key prefix in --bucket):
  cos-sts sync ./site cos:web/ --bucket b-1250000000 --region ap-guangzhou --credentials key.json
  cos-sts sync cos:backups/2026/ ./restore --bucket b-1250000000 --region ap-guangzhou --credentials key.json"
)]
pub(crate) struct SyncArgs {
    /// Where from: a local directory, or `cos:PREFIX`.
    source: String,
    /// Where to: `cos:PREFIX`, or a local directory.
    destination: String,
    #[command(flatten)]
    files: FilesInFlight,
    #[command(flatten)]
    tuning: Tuning,
    #[command(flatten)]
    cos: CosArgs,
}

/// How many files move at once.
#[derive(Debug, Args)]
pub(crate) struct FilesInFlight {
    /// Files transferred at once by a directory transfer (`-r`, `sync`).
    #[arg(long, default_value_t = 64)]
    files_in_flight: usize,
}

/// Which way a directory goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    Up,
    Down,
}

/// One directory transfer as the commands describe it.
pub(crate) struct DirectoryJob<'a> {
    pub(crate) way: Way,
    pub(crate) local: &'a Path,
    pub(crate) prefix: &'a str,
    pub(crate) sync: bool,
    pub(crate) files: &'a FilesInFlight,
    pub(crate) memory_budget: u64,
    pub(crate) upload: UploadOptions,
    pub(crate) download: DownloadOptions,
    pub(crate) cos: &'a CosArgs,
}

/// `sync SOURCE DESTINATION`: the direction comes from which side is `cos:`.
pub(crate) fn sync(args: &SyncArgs) -> CommandResult {
    let (way, local, prefix) = match (
        args.source.strip_prefix(COS_SIDE),
        args.destination.strip_prefix(COS_SIDE),
    ) {
        (None, Some(prefix)) => (Way::Up, &args.source, prefix),
        (Some(prefix), None) => (Way::Down, &args.destination, prefix),
        _ => {
            return Err(Failure::input(format!(
                "sync: exactly one of SOURCE and DESTINATION must be `{COS_SIDE}PREFIX`"
            )));
        }
    };
    run(&DirectoryJob {
        way,
        local: Path::new(local),
        prefix,
        sync: true,
        files: &args.files,
        memory_budget: args.tuning.memory_budget(),
        upload: UploadOptions::default().parallelism(args.tuning.parallelism()),
        download: DownloadOptions::default().parallelism(args.tuning.parallelism()),
        cos: &args.cos,
    })
}

/// Runs a directory transfer and prints its summary; exit status 1 when any file failed.
pub(crate) fn run(job: &DirectoryJob<'_>) -> CommandResult {
    let label = match job.way {
        Way::Up => {
            if !job.local.is_dir() {
                return Err(Failure::input(format!(
                    "`{}` is not a directory",
                    job.local.display()
                )));
            }
            "upload"
        }
        Way::Down => {
            std::fs::create_dir_all(job.local).map_err(|e| {
                Failure::input(format!("cannot create `{}`: {e}", job.local.display()))
            })?;
            "download"
        }
    };
    let client = job.cos.client()?;
    let (display, progress) = TransferProgress::new(Stream::Stderr, label, 0, 0);
    let options = DirectoryOptions::default()
        .files_in_flight(job.files.files_in_flight)
        .memory_budget(job.memory_budget)
        .skip_unchanged(job.sync)
        .upload_options(job.upload.clone())
        .download_options(job.download.clone())
        .progress(progress);
    let started = Instant::now();
    let result = runtime()?.block_on(async {
        match job.way {
            Way::Up => {
                client
                    .upload_directory(job.local, job.prefix, &options)
                    .await
            }
            Way::Down => {
                client
                    .download_directory(job.prefix, job.local, &options)
                    .await
            }
        }
    });
    display.finish();
    let summary = result.map_err(|e| cos_failure(&e))?;
    let failed = summary.failures.len();
    outcome::print(&summary_json(job, &summary, started).to_string())?;
    if failed > 0 {
        return Ok(Outcome::Negative(format!(
            "{failed} of {} files failed",
            summary.files
        )));
    }
    Ok(Outcome::Success)
}

fn summary_json(
    job: &DirectoryJob<'_>,
    summary: &DirectorySummary,
    started: Instant,
) -> serde_json::Value {
    let seconds = started.elapsed().as_secs_f64().max(1e-6);
    let failures: Vec<_> = summary
        .failures
        .iter()
        .map(|f| json!({"key": f.key, "path": f.path.display().to_string(), "error": f.error.to_string()}))
        .collect();
    json!({
        "direction": match job.way { Way::Up => "upload", Way::Down => "download" },
        "directory": job.local.display().to_string(),
        "prefix": job.prefix,
        "sync": job.sync,
        "files": summary.files,
        "transferred": summary.transferred,
        "skipped": summary.skipped,
        "failed": failures.len(),
        "failures": failures,
        "bytes": summary.bytes,
        "seconds": seconds,
        "files_per_second": summary.transferred as f64 / seconds,
        "mib_per_second": summary.bytes as f64 / seconds / f64::from(1 << 20),
    })
}
