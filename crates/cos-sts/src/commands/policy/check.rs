//! `cos-sts policy check P`: properties a policy must keep, for CI — it never allows some
//! actions on some resources, it grants nothing another policy does not.

use std::path::PathBuf;

use clap::Args;
use cos_policy::analysis::{Check, check_access_not_granted, check_no_new_access};

use super::load_policy;
use crate::commands::outcome::{CommandResult, Failure, Outcome, one_stdin, print};

const EXAMPLES: &str = "\
Examples:
  # The upload key can never delete, and never reach another user's prefix:
  cos-sts policy check upload.json --never 'name/cos:Delete*'
  cos-sts policy check upload.json --never '*' \\
    --on 'qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice2/*'
  # A refactored policy grants nothing the old one did not:
  cos-sts policy check new.json --within old.json

Exit status: 0 every property holds, 1 one does not (a witness request is printed) or could
not be decided exactly, 2 unreadable or malformed input.";

/// Arguments of `cos-sts policy check`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct CheckArgs {
    /// The policy file, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    policy: PathBuf,
    /// An action (with `*`) the policy must never allow (repeatable).
    #[arg(long, value_name = "ACTION")]
    never: Vec<String>,
    /// With `--never`: the resources (with `*`) it must never allow them on (repeatable;
    /// default every resource).
    #[arg(long, value_name = "RESOURCE")]
    on: Vec<String>,
    /// A policy this one must stay within: it may allow nothing the other does not.
    #[arg(long, value_name = "FILE|-")]
    within: Option<PathBuf>,
}

/// Runs `cos-sts policy check`.
pub(super) fn run(args: &CheckArgs) -> CommandResult {
    if args.never.is_empty() && args.within.is_none() {
        return Err(Failure::input(
            "nothing to check: give --never ACTION and/or --within FILE",
        ));
    }
    if !args.on.is_empty() && args.never.is_empty() {
        return Err(Failure::input("--on needs --never"));
    }
    if let Some(within) = &args.within {
        one_stdin(&[&args.policy, within])?;
    }
    let policy = load_policy(&args.policy, "policy")?;
    let mut checks: Vec<Check> = Vec::new();
    if !args.never.is_empty() {
        let actions: Vec<&str> = args.never.iter().map(String::as_str).collect();
        let resources: Vec<&str> = if args.on.is_empty() {
            vec!["*"]
        } else {
            args.on.iter().map(String::as_str).collect()
        };
        checks.push(
            check_access_not_granted(&policy, &actions, &resources)
                .map_err(|e| Failure::input(format!("bad probe: {e}")))?,
        );
    }
    if let Some(within) = &args.within {
        let old = load_policy(within, "policy to stay within")?;
        checks.push(check_no_new_access(&old, &policy));
    }
    let report: Vec<String> = checks.iter().map(ToString::to_string).collect();
    print(&report.join("\n"))?;
    let failed = checks
        .iter()
        .filter(|c| !c.holds() || !c.inexact().is_empty())
        .count();
    Ok(if failed == 0 {
        Outcome::Success
    } else {
        Outcome::Negative(format!("policy check: {failed} of {} failed", checks.len()))
    })
}
