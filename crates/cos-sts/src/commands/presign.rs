//! `cos-sts presign`: a presigned GET or PUT URL for one object (offline: nothing is sent).

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::outcome::{self, CommandResult, Failure, Outcome};
use super::transfer::connection::{CosArgs, runtime};
use super::transfer::cos_failure;

/// The longest validity accepted (COS itself allows any, but a week is already generous).
const MAX_EXPIRES_SECS: u64 = 7 * 24 * 3600;

/// Options of `cos-sts presign`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cos-sts presign --bucket examplebucket-1250000000 --region ap-guangzhou users/alice/a.jpg
  cos-sts presign --method put --expires 300 --credentials key.json \\
      --bucket examplebucket-1250000000 --region ap-guangzhou users/alice/upload.bin
The URL is a bearer credential until it expires (with a temporary key it carries the token).")]
pub(crate) struct PresignArgs {
    /// The object key.
    key: String,
    /// The HTTP method the URL is for.
    #[arg(long, value_enum, default_value_t = Method::Get)]
    method: Method,
    /// Validity in seconds, from now.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    expires: u64,
    #[command(flatten)]
    cos: CosArgs,
}

/// What the URL allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Method {
    /// Download the object.
    Get,
    /// Upload the object (the body is the request body).
    Put,
}

/// Prints the URL.
pub(crate) fn run(args: &PresignArgs) -> CommandResult {
    if args.expires == 0 || args.expires > MAX_EXPIRES_SECS {
        return Err(Failure::input(format!(
            "--expires must be between 1 and {MAX_EXPIRES_SECS} seconds"
        )));
    }
    let client = args.cos.client()?;
    let expires = Duration::from_secs(args.expires);
    let url = runtime()?
        .block_on(async {
            match args.method {
                Method::Get => client.presign_get(&args.key, expires).await,
                Method::Put => client.presign_put(&args.key, expires).await,
            }
        })
        .map_err(|e| cos_failure(&e))?;
    outcome::print(&url)?;
    Ok(Outcome::Success)
}
