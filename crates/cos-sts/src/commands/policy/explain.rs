//! `cos-sts policy explain P`: what a key with this policy can do, as a few readable regions.

use std::path::PathBuf;

use clap::Args;
use cos_policy::analysis::summarize;

use super::{load_policy, render};
use crate::commands::outcome::{CommandResult, Outcome, print};

const EXAMPLES: &str = "\
Examples:
  cos-sts policy explain policy.json
  cos-sts policy explain --emit policy.json > simplified.json

The regions are the policy's statements with those that change nothing dropped (allows
covered by other allows, denies that never meet an allow), statements that differ only in
actions or only in resources merged, and covered entries removed; `--emit` prints them as a
policy that allows exactly what the original allows. Exit status: 0 explained, 2 unreadable or
malformed input.";

/// Arguments of `cos-sts policy explain`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct ExplainArgs {
    /// The policy file, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    policy: PathBuf,
    /// Print the summary as an equivalent canonical policy instead of text.
    #[arg(long)]
    emit: bool,
    /// With `--emit`: indented JSON.
    #[arg(long)]
    pretty: bool,
}

/// Runs `cos-sts policy explain`.
pub(super) fn run(args: &ExplainArgs) -> CommandResult {
    let policy = load_policy(&args.policy, "policy")?;
    let summary = summarize(&policy);
    if args.emit {
        print(&render(summary.policy(), args.pretty)?)?;
    } else {
        print(&summary.to_string())?;
    }
    Ok(Outcome::Success)
}
