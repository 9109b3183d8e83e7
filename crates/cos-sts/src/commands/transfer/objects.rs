//! `put`, `get`, `ls` and `rm`: one request (or one listing) each.

use std::io::Read as _;
use std::path::PathBuf;

use bytes::Bytes;
use clap::Args;
use cos_client::{GetOptions, ListOptions, PutOptions};
use serde_json::json;
use tokio::io::AsyncWriteExt as _;

use super::connection::{CosArgs, runtime};
use super::{cos_failure, crc_text};
use crate::commands::outcome::{self, CommandResult, Failure, Outcome};

/// The largest body `put` sends in one request; use `upload` above it.
const MAX_PUT_BYTES: u64 = 5 << 30;

/// Options of `cos-sts put`.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  cos-sts put --bucket examplebucket-1250000000 --region ap-guangzhou \\
      --credentials key.json users/alice/notes.txt notes.txt")]
pub(crate) struct PutArgs {
    /// The object key.
    key: String,
    /// The file to send, or `-` for stdin.
    #[arg(default_value = "-")]
    file: PathBuf,
    /// The `Content-Type` of the object.
    #[arg(long)]
    content_type: Option<String>,
    #[command(flatten)]
    cos: CosArgs,
}

/// Options of `cos-sts get`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cos-sts get --bucket b-1250000000 --region ap-guangzhou --credentials key.json users/alice/a.txt a.txt\n  cos-sts get --bucket b-1250000000 --region ap-guangzhou users/alice/a.txt - | head"
)]
pub(crate) struct GetArgs {
    /// The object key.
    key: String,
    /// Where to write the object, or `-` for stdout.
    #[arg(default_value = "-")]
    file: PathBuf,
    #[command(flatten)]
    cos: CosArgs,
}

/// Options of `cos-sts ls`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cos-sts ls --bucket b-1250000000 --region ap-guangzhou users/alice/\n  cos-sts ls --bucket b-1250000000 --region ap-guangzhou --delimiter / --json"
)]
pub(crate) struct LsArgs {
    /// Only keys starting with this prefix.
    #[arg(default_value = "")]
    prefix: String,
    /// Group keys by this delimiter (e.g. `/`), listing the groups as `PRE` lines.
    #[arg(long)]
    delimiter: Option<String>,
    /// Stop after this many keys.
    #[arg(long)]
    max: Option<usize>,
    /// Print one JSON document instead of lines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    cos: CosArgs,
}

/// Options of `cos-sts rm`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  cos-sts rm --bucket b-1250000000 --region ap-guangzhou users/alice/a.txt users/alice/b.txt"
)]
pub(crate) struct RmArgs {
    /// The object keys to delete.
    #[arg(required = true)]
    keys: Vec<String>,
    #[command(flatten)]
    cos: CosArgs,
}

/// Sends one file (or stdin) with a single PUT.
pub(crate) fn put(args: &PutArgs) -> CommandResult {
    let what = "file to upload";
    if outcome::is_stdin(&args.file) && args.cos.keys.reads_stdin() {
        return Err(Failure::input(
            "the body and --credentials cannot both be read from standard input (`-`)",
        ));
    }
    let body = if outcome::is_stdin(&args.file) {
        let mut data = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_PUT_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| Failure::input(format!("cannot read the {what} from stdin: {e}")))?;
        data
    } else {
        std::fs::read(&args.file).map_err(|e| {
            Failure::input(format!(
                "cannot read the {what} `{}`: {e}",
                args.file.display()
            ))
        })?
    };
    if body.len() as u64 > MAX_PUT_BYTES {
        return Err(Failure::input(
            "the body is larger than 5 GiB, the limit of one PUT: use `cos-sts upload`",
        ));
    }
    let client = args.cos.client()?;
    let mut options = PutOptions::default();
    if let Some(content_type) = &args.content_type {
        options = options.content_type(content_type);
    }
    let size = body.len();
    let local = cos_client::crc64::checksum(&body);
    let out = runtime()?
        .block_on(client.put_object(&args.key, Bytes::from(body), &options))
        .map_err(|e| cos_failure(&e))?;
    if let Some(server) = out.crc64
        && server != local
    {
        return Ok(Outcome::Negative(format!(
            "CRC-64 mismatch: sent {local}, COS stored {server}"
        )));
    }
    let summary = json!({
        "key": args.key,
        "size": size,
        "etag": out.etag,
        "crc64": crc_text(local),
        "crc64_verified": out.crc64.is_some(),
        "request_id": out.request_id,
    });
    outcome::print(&summary.to_string())?;
    Ok(Outcome::Success)
}

/// Streams one object to a file or stdout.
pub(crate) fn get(args: &GetArgs) -> CommandResult {
    let client = args.cos.client()?;
    let to_stdout = outcome::is_stdin(&args.file);
    runtime()?.block_on(async {
        let response = client
            .get_object(&args.key, &GetOptions::default())
            .await
            .map_err(|e| cos_failure(&e))?;
        let written = if to_stdout {
            let mut out = tokio::io::stdout();
            let n = response
                .write_to(&mut out)
                .await
                .map_err(|e| cos_failure(&e))?;
            out.flush()
                .await
                .map_err(|e| Failure::Output(format!("cannot write to standard output: {e}")))?;
            n
        } else {
            let mut file = tokio::fs::File::create(&args.file).await.map_err(|e| {
                Failure::input(format!("cannot create `{}`: {e}", args.file.display()))
            })?;
            let n = response
                .write_to(&mut file)
                .await
                .map_err(|e| cos_failure(&e))?;
            file.flush()
                .await
                .map_err(|e| Failure::Output(format!("writing `{}`: {e}", args.file.display())))?;
            n
        };
        if !to_stdout {
            outcome::warn(&format!("{}: {written} bytes", args.file.display()));
        }
        Ok(Outcome::Success)
    })
}

/// Lists keys (all pages, up to `--max`).
pub(crate) fn ls(args: &LsArgs) -> CommandResult {
    let client = args.cos.client()?;
    let mut options = ListOptions::default().prefix(&args.prefix);
    if let Some(delimiter) = &args.delimiter {
        options = options.delimiter(delimiter);
    }
    let limit = args.max.unwrap_or(usize::MAX);
    let (objects, prefixes) = runtime()?.block_on(async {
        let mut lister = client.list_objects_pages(options);
        let mut objects = Vec::new();
        let mut prefixes = Vec::new();
        while objects.len() < limit {
            let Some(page) = lister.next_page().await else {
                break;
            };
            let page = page.map_err(|e| cos_failure(&e))?;
            prefixes.extend(page.common_prefixes);
            objects.extend(page.objects);
        }
        objects.truncate(limit);
        Ok::<_, Failure>((objects, prefixes))
    })?;
    let text = if args.json {
        let objects: Vec<_> = objects
            .iter()
            .map(|o| json!({"key": o.key, "size": o.size, "last_modified": o.last_modified, "etag": o.etag}))
            .collect();
        json!({"objects": objects, "common_prefixes": prefixes}).to_string()
    } else {
        let mut lines: Vec<String> = prefixes
            .iter()
            .map(|p| format!("{:>12}  {:<24}  {p}", "PRE", ""))
            .collect();
        lines.extend(
            objects
                .iter()
                .map(|o| format!("{:>12}  {:<24}  {}", o.size, o.last_modified, o.key)),
        );
        lines.join("\n")
    };
    if !text.is_empty() {
        outcome::print(&text)?;
    }
    Ok(Outcome::Success)
}

/// Deletes each key (deleting a missing key succeeds, as in COS).
pub(crate) fn rm(args: &RmArgs) -> CommandResult {
    let client = args.cos.client()?;
    runtime()?.block_on(async {
        for key in &args.keys {
            client
                .delete_object(key)
                .await
                .map_err(|e| cos_failure(&e))?;
            outcome::print(&format!("deleted {key}"))?;
        }
        Ok(Outcome::Success)
    })
}
