//! `cos-sts policy generate --from-log LOG`: the least policy a recorded workload needs.

use std::path::PathBuf;

use clap::Args;
use cos_policy::analysis::{AccessRecord, Generalisation, generate};

use super::render;
use crate::commands::outcome::{CommandResult, Failure, Outcome, print, read_input, warn};

const EXAMPLES: &str = "\
Examples:
  cos-sts emulator --bucket examplebucket-1250000000 --access-log access.jsonl &
  # … run the application's tests against the emulator …
  cos-sts policy generate --from-log access.jsonl --caller AKIDEXAMPLE \\
    --collapse users/alice/ --drop-condition cos:content-length > least.json

Every allowed request of the log becomes allowed exactly: its action, its resource and its
condition context (a `string_equal` per key). Generalisations widen it in named steps:
`--collapse PREFIX` turns every key under PREFIX into PREFIX/*, `--drop-condition KEY` stops
pinning KEY, `--drop-all-conditions` pins none. Exit status: 0 generated, 2 unreadable or
malformed log, or no allowed request in it.";

/// Arguments of `cos-sts policy generate`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct GenerateArgs {
    /// The access log (`cos-sts emulator --access-log`), or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    from_log: PathBuf,
    /// Only the requests of this SecretId (repeatable; default every caller).
    #[arg(long, value_name = "SECRET_ID")]
    caller: Vec<String>,
    /// Collapse object keys under this prefix to `PREFIX/*` (repeatable).
    #[arg(long, value_name = "PREFIX")]
    collapse: Vec<String>,
    /// Do not pin requests to this condition key (repeatable).
    #[arg(long, value_name = "KEY")]
    drop_condition: Vec<String>,
    /// Do not pin requests to any condition key.
    #[arg(long)]
    drop_all_conditions: bool,
    /// Print indented JSON.
    #[arg(long)]
    pretty: bool,
}

/// Runs `cos-sts policy generate`.
pub(super) fn run(args: &GenerateArgs) -> CommandResult {
    let text = read_input(&args.from_log, "access log")?;
    let records = AccessRecord::parse_log(&text).map_err(|e| Failure::input(e.to_string()))?;
    let records: Vec<AccessRecord> = records
        .into_iter()
        .filter(|r| args.caller.is_empty() || args.caller.iter().any(|c| c == r.caller()))
        .collect();
    let starred = records.iter().filter(|r| r.allowed() && r.widens()).count();
    if starred > 0 {
        warn(&format!(
            "cos-sts: {starred} request(s) name a key holding `*`, which CAM cannot name exactly: \
             their resources are granted as patterns"
        ));
    }
    let denied = records.iter().filter(|r| !r.allowed()).count();
    if denied > 0 {
        warn(&format!(
            "cos-sts: {denied} denied request(s) in the log are not granted"
        ));
    }
    let mut generalisations: Vec<Generalisation> = args
        .collapse
        .iter()
        .map(|p| Generalisation::CollapsePrefix(p.clone()))
        .chain(
            args.drop_condition
                .iter()
                .map(|k| Generalisation::DropCondition(k.clone())),
        )
        .collect();
    if args.drop_all_conditions {
        generalisations.push(Generalisation::DropAllConditions);
    }
    let policy = generate(&records, &generalisations).map_err(|e| Failure::input(e.to_string()))?;
    print(&render(&policy, args.pretty)?)?;
    Ok(Outcome::Success)
}
