//! `cos-sts policy lint`: errors (what STS would reject) and least-privilege lints.

use std::path::PathBuf;

use clap::Args;
use cos_policy::Report;

use crate::commands::outcome::{CommandResult, Outcome, print, read_input, to_json};

const EXAMPLES: &str = "\
Examples:
  cos-sts policy lint policy.json
  cos-sts policy build --bucket b-1250000000 --region ap-beijing \\
      --allow-prefix '*' --allow-action 'name/cos:*' | cos-sts policy lint --json -

Each finding shows its severity, a stable code and a JSON pointer into the canonical form,
e.g. `lint wildcard_action at /statement/0/action/0: ...`.
Exit status: 0 no errors (lints allowed unless --deny-lints), 1 errors found (or lints
with --deny-lints), 2 the file cannot be read.";

/// Arguments of `cos-sts policy lint`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct LintArgs {
    /// The policy file, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    policy: PathBuf,
    /// Print the findings as JSON: `{"valid", "errors", "lints", "findings": [...]}`.
    #[arg(long)]
    json: bool,
    /// Exit with status 1 when there are lints, not only errors.
    #[arg(long)]
    deny_lints: bool,
}

/// The `--json` output.
#[derive(serde::Serialize)]
struct LintJson<'a> {
    valid: bool,
    errors: usize,
    lints: usize,
    findings: &'a [cos_policy::Finding],
}

/// Runs `cos-sts policy lint`.
pub(super) fn run(args: &LintArgs) -> CommandResult {
    let text = read_input(&args.policy, "policy")?;
    let report = cos_policy::validate_json(&text);
    let errors = report.errors().count();
    let lints = report.lints().count();
    if args.json {
        let json = LintJson {
            valid: report.is_valid(),
            errors,
            lints,
            findings: report.findings(),
        };
        print(&to_json(&json, true)?)?;
    } else {
        print(&human(&report, errors, lints))?;
    }
    Ok(if errors > 0 {
        Outcome::Negative(format!("the policy has {}", counted(errors, lints)))
    } else if lints > 0 && args.deny_lints {
        Outcome::Negative(format!(
            "the policy has {} (denied by --deny-lints)",
            counted(errors, lints)
        ))
    } else {
        Outcome::Success
    })
}

/// Every finding on its own line, then a summary line.
fn human(report: &Report, errors: usize, lints: usize) -> String {
    if report.is_clean() {
        return "ok: no errors, no lints".into();
    }
    let mut out = super::findings_text(report.findings());
    out.push_str(&counted(errors, lints));
    out
}

/// `2 errors, 1 lint`.
fn counted(errors: usize, lints: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(errors, "error"), plural(lints, "lint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_are_pluralised() {
        assert_eq!(counted(1, 0), "1 error, 0 lints");
        assert_eq!(counted(2, 1), "2 errors, 1 lint");
    }

    #[test]
    fn human_output_lists_paths() {
        let report = cos_policy::validate_json(r#"{"version":"1.0","statement":[]}"#);
        let text = human(&report, 2, 0);
        assert!(text.contains("unsupported_version at /version"), "{text}");
        assert!(text.ends_with("2 errors, 0 lints"), "{text}");
    }
}
