//! `cos-sts policy compare A B`: how two policies relate, decided exactly, with witnesses.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use cos_policy::analysis::{Options, Verdict, compare_with};

use super::{load_policy, scope};
use crate::commands::outcome::{CommandResult, Outcome, one_stdin, print, to_json};

const EXAMPLES: &str = "\
Examples:
  cos-sts policy compare old.json new.json                 # 0 when they allow the same requests
  cos-sts policy compare --expect b-within-a old.json new.json  # 0 when new grants nothing new
  cos-sts policy compare --json a.json b.json

A witness is a request (action, resource, condition context) one policy allows and the other
does not, checked with the evaluator. Exit status: 0 the expectation holds, 1 it does not (the
witness is printed) or a construct could not be decided exactly, 2 unreadable or malformed input.";

/// What `compare` must find for exit status 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Expect {
    /// Both allow exactly the same requests.
    Equal,
    /// Everything A allows, B allows too.
    AWithinB,
    /// Everything B allows, A allows too.
    BWithinA,
    /// Any relation (only report it).
    Any,
}

/// Arguments of `cos-sts policy compare`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct CompareArgs {
    /// The first policy file, or `-` for standard input.
    #[arg(value_name = "A")]
    a: PathBuf,
    /// The second policy file, or `-` for standard input.
    #[arg(value_name = "B")]
    b: PathBuf,
    /// The relation that makes the exit status 0.
    #[arg(long, value_enum, default_value = "equal")]
    expect: Expect,
    /// Only catalogued COS actions count (what COS can authorise), not every action string.
    #[arg(long)]
    catalogue: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `cos-sts policy compare`.
pub(super) fn run(args: &CompareArgs) -> CommandResult {
    one_stdin(&[&args.a, &args.b])?;
    let a = load_policy(&args.a, "policy A")?;
    let b = load_policy(&args.b, "policy B")?;
    let options = Options::default().actions(scope(args.catalogue));
    let result = compare_with(&a, &b, options);
    if args.json {
        print(&to_json(&result, false)?)?;
    } else {
        print(&result.to_string())?;
    }
    let verdict = result.verdict();
    let holds = match args.expect {
        Expect::Equal => verdict == Verdict::Equal,
        Expect::AWithinB => matches!(verdict, Verdict::Equal | Verdict::ASubsetB),
        Expect::BWithinA => matches!(verdict, Verdict::Equal | Verdict::BSubsetA),
        Expect::Any => true,
    };
    Ok(if !holds {
        Outcome::Negative(format!("policy compare: {verdict}"))
    } else if !result.is_exact() && args.expect != Expect::Any {
        Outcome::Negative("policy compare: not decided exactly".to_owned())
    } else {
        Outcome::Success
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cos_policy::analysis::ActionScope;

    #[test]
    fn scope_flag_selects_the_catalogue() {
        assert_eq!(scope(true), ActionScope::CosCatalogue);
        assert_eq!(scope(false), ActionScope::AnyString);
    }
}
