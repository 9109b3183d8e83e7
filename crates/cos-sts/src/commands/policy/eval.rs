//! `cos-sts policy eval`: decide one request against a policy.

use std::path::PathBuf;

use clap::Args;
use cos_policy::{Policy, Request};

use crate::commands::outcome::{
    CommandResult, Failure, Outcome, one_stdin, parse_json, print, read_input, to_json,
};

const EXAMPLES: &str = "\
Examples:
  cat > request.json <<'JSON'
  {\"action\": \"name/cos:PutObject\",
   \"resource\": \"qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.png\",
   \"context\": {\"cos:content-type\": \"image/png\"}}
  JSON
  cos-sts policy eval --policy policy.json --request request.json
  # {\"decision\":\"allow\",\"statements\":[0],\"unevaluable\":[]}

`decision` is `allow`, `explicit_deny` or `implicit_deny`; `statements` are the indices of
the statements that decided; `unevaluable` lists conditions that could not be evaluated.
Exit status: 0 evaluated (whatever the decision), 2 unreadable or malformed input, or a
policy with errors.";

/// Arguments of `cos-sts policy eval`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct EvalArgs {
    /// The policy file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    policy: PathBuf,
    /// The request: `{"action", "resource", "context"}` JSON, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    request: PathBuf,
    /// Print indented JSON.
    #[arg(long)]
    pretty: bool,
}

/// Runs `cos-sts policy eval`.
pub(super) fn run(args: &EvalArgs) -> CommandResult {
    one_stdin(&[&args.policy, &args.request])?;
    let policy = load_valid_policy(&read_input(&args.policy, "policy")?)?;
    let request: Request = parse_json(&read_input(&args.request, "request")?, "request")?;
    let decision = cos_policy::evaluate(&policy, &request);
    print(&to_json(&decision, args.pretty)?)?;
    Ok(Outcome::Success)
}

/// Parses and validates a policy; a policy with errors is bad input (STS would reject it,
/// so its decisions would mislead), reported with every finding.
fn load_valid_policy(text: &str) -> Result<Policy, Failure> {
    let policy = Policy::from_json(text).map_err(|error| {
        Failure::input(format!(
            "the policy has errors:\n{}",
            super::findings_text(error.findings()).trim_end()
        ))
    })?;
    let report = cos_policy::validate(&policy);
    if !report.is_valid() {
        let errors: Vec<_> = report.errors().cloned().collect();
        return Err(Failure::input(format!(
            "the policy has errors:\n{}",
            super::findings_text(&errors).trim_end()
        )));
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_validation_errors_are_bad_input_with_paths() {
        let Err(Failure::BadInput(message)) = load_valid_policy("{") else {
            panic!("accepted malformed JSON")
        };
        assert!(message.contains("invalid_json"), "{message}");
        let Err(Failure::BadInput(message)) =
            load_valid_policy(r#"{"version":"1.0","statement":[]}"#)
        else {
            panic!("accepted an invalid policy")
        };
        assert!(message.contains("at /version"), "{message}");
        assert!(
            load_valid_policy(
                r#"{"version":"2.0","statement":[{"effect":"allow","action":"cos:GetObject","resource":"*"}]}"#
            )
            .is_ok()
        );
    }
}
