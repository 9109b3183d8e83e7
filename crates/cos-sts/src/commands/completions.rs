//! `cos-sts completions SHELL`: shell completion scripts generated from the command definition.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// Options of `cos-sts completions`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  cos-sts completions bash > ~/.local/share/bash-completion/completions/cos-sts"
)]
pub(crate) struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Writes the completion script for the chosen shell to stdout. The script is generated into
/// memory first: clap_complete panics when its writer fails (a closed pipe), we report instead.
pub(crate) fn run(args: &CompletionsArgs) -> Result<(), String> {
    use std::io::Write as _;
    let mut command = super::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "cos-sts", &mut script);
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(&script).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("writing the completion script: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_script_names_every_subcommand() {
        let mut command = super::super::Cli::command();
        let mut script = Vec::new();
        clap_complete::generate(Shell::Bash, &mut command, "cos-sts", &mut script);
        let script = String::from_utf8(script).unwrap();
        for sub in [
            "demo",
            "emulator",
            "serve",
            "credential",
            "policy",
            "sign",
            "verify",
        ] {
            assert!(script.contains(sub), "completion script lacks {sub}");
        }
    }
}
