//! `cos-sts policy`: build, lint, evaluate and format CAM policies for COS, offline; compare,
//! explain and check them exactly, and generate the least policy from an access log.

mod build;
mod check;
mod compare;
mod eval;
mod explain;
mod fmt;
mod generate;
mod lint;

use clap::{Args, Subcommand};

use super::outcome::CommandResult;

/// Arguments of `cos-sts policy`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  cos-sts policy build --preset upload-only --bucket b-1250000000 --region ap-guangzhou --prefix users/alice/\n  cos-sts policy lint policy.json\n  cos-sts policy eval --policy policy.json --request request.json\n  cos-sts policy fmt --check policy.json\n  cos-sts policy compare old.json new.json\n  cos-sts policy explain policy.json\n  cos-sts policy check upload.json --never 'name/cos:Delete*'\n  cos-sts policy generate --from-log access.jsonl"
)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Build a policy from getCredential-style flags or a least-privilege preset.
    Build(Box<build::BuildArgs>),
    /// Report a policy's errors (what STS rejects) and least-privilege lints, with JSON paths.
    Lint(lint::LintArgs),
    /// Decide a request against a policy and print the decision as JSON.
    Eval(eval::EvalArgs),
    /// Print a policy in canonical form, or check that a file already is.
    Fmt(fmt::FmtArgs),
    /// Compare two policies exactly: equal, one within the other, or neither, with witnesses.
    Compare(compare::CompareArgs),
    /// Summarise what a policy allows as a few readable regions (or an equivalent policy).
    Explain(explain::ExplainArgs),
    /// Check that a policy never allows some actions, or grants nothing another does not.
    Check(check::CheckArgs),
    /// Generate the least policy that allows the requests of an emulator access log.
    Generate(generate::GenerateArgs),
}

/// Runs `cos-sts policy <command>`.
pub(crate) fn run(args: PolicyArgs) -> CommandResult {
    match args.command {
        PolicyCommand::Build(args) => build::run(&args),
        PolicyCommand::Lint(args) => lint::run(&args),
        PolicyCommand::Eval(args) => eval::run(&args),
        PolicyCommand::Fmt(args) => fmt::run(&args),
        PolicyCommand::Compare(args) => compare::run(&args),
        PolicyCommand::Explain(args) => explain::run(&args),
        PolicyCommand::Check(args) => check::run(&args),
        PolicyCommand::Generate(args) => generate::run(&args),
    }
}

/// Reads and parses a policy (problems of form are bad input, with every finding); policies
/// STS would reject for other reasons can still be analysed.
pub(super) fn load_policy(
    source: &std::path::Path,
    what: &str,
) -> Result<cos_policy::Policy, super::outcome::Failure> {
    let text = super::outcome::read_input(source, what)?;
    cos_policy::Policy::from_json(&text).map_err(|error| {
        super::outcome::Failure::input(format!(
            "the {what} `{}` has errors:\n{}",
            source.display(),
            findings_text(error.findings()).trim_end()
        ))
    })
}

/// `--catalogue`: only catalogued COS actions, else every action string.
pub(super) fn scope(catalogue: bool) -> cos_policy::analysis::ActionScope {
    if catalogue {
        cos_policy::analysis::ActionScope::CosCatalogue
    } else {
        cos_policy::analysis::ActionScope::AnyString
    }
}

/// The policy as canonical JSON: compact ([`cos_policy::Policy::to_json`]) or indented
/// (the same elements in the same order).
pub(super) fn render(
    policy: &cos_policy::Policy,
    pretty: bool,
) -> Result<String, super::outcome::Failure> {
    if pretty {
        super::outcome::to_json(policy, true)
    } else {
        Ok(policy.to_json())
    }
}

/// One line per finding, `error <code> at <path>: <message>`.
pub(super) fn findings_text(findings: &[cos_policy::Finding]) -> String {
    findings.iter().map(|f| format!("{f}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_render_has_the_canonical_elements_in_order() {
        let policy = cos_policy::preset::Preset::upload_only(
            &cos_policy::Bucket::new(
                "b-1250000000".parse().unwrap(),
                "ap-beijing".parse().unwrap(),
            ),
            "u/",
        )
        .content_type("image/*")
        .max_content_length(1024)
        .build()
        .unwrap();
        let compact = render(&policy, false).unwrap();
        let pretty = render(&policy, true).unwrap();
        assert!(pretty.contains('\n'));
        let reparsed: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(
            serde_json::to_string(&reparsed).unwrap().len(),
            compact.len()
        );
        // Same document once whitespace outside strings is dropped.
        assert_eq!(
            cos_policy::Policy::from_json(&pretty).unwrap().to_json(),
            compact
        );
        assert!(pretty.find("\"version\"") < pretty.find("\"statement\""));
    }
}
