//! `cos-sts policy fmt`: the canonical form of a policy.

use std::path::PathBuf;

use clap::Args;
use cos_policy::Policy;

use crate::commands::outcome::{CommandResult, Failure, Outcome, print, read_input};

const EXAMPLES: &str = "\
Examples:
  cos-sts policy fmt policy.json            # compact canonical JSON
  cos-sts policy fmt --pretty - < policy.json
  cos-sts policy fmt --check policy.json    # exit 1 if not canonical

The canonical form has lowercase element names in a fixed order, actions as
`name/cos:<Api>`, every list an array and conditions sorted by operator and key.
Exit status: 0 formatted (or already canonical with --check), 1 not canonical (--check),
2 unreadable file or a policy that does not parse.";

/// Arguments of `cos-sts policy fmt`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct FmtArgs {
    /// The policy file, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    policy: PathBuf,
    /// Indent the output (the canonical elements and order, with line breaks).
    #[arg(long)]
    pretty: bool,
    /// Print nothing; exit 1 if the file is not already in canonical form (with --pretty:
    /// the indented canonical form).
    #[arg(long)]
    check: bool,
}

/// Runs `cos-sts policy fmt`.
pub(super) fn run(args: &FmtArgs) -> CommandResult {
    let text = read_input(&args.policy, "policy")?;
    let policy = Policy::from_json(&text).map_err(|error| {
        Failure::input(format!(
            "the policy does not parse:\n{}",
            super::findings_text(error.findings()).trim_end()
        ))
    })?;
    let canonical = super::render(&policy, args.pretty)?;
    if args.check {
        return Ok(if is_canonical(&text, &canonical) {
            Outcome::Success
        } else {
            Outcome::Negative(format!(
                "`{}` is not in canonical form (run `cos-sts policy fmt{}` on it)",
                args.policy.display(),
                if args.pretty { " --pretty" } else { "" }
            ))
        });
    }
    print(&canonical)?;
    Ok(Outcome::Success)
}

/// Whether `text` is `canonical`, allowing one final line break.
fn is_canonical(text: &str, canonical: &str) -> bool {
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    text == canonical
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_final_newline_is_allowed() {
        assert!(is_canonical("{}", "{}"));
        assert!(is_canonical("{}\n", "{}"));
        assert!(!is_canonical("{}\n\n", "{}"));
        assert!(!is_canonical(" {}", "{}"));
    }
}
