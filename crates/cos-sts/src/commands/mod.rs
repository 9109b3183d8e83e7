//! Command-line definition and dispatch.

mod completions;
mod credential;
mod demo;
mod emulator;
mod emulator_access;
mod outcome;
mod policy;
mod presign;
mod serve;
mod shutdown;
mod sign;
mod transfer;
mod verify;

use clap::{Parser, Subcommand};

/// Tencent Cloud COS temporary keys: safe, correct and fast.
#[derive(Debug, Parser)]
#[command(name = "cos-sts", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a local STS + COS emulator until interrupted.
    Emulator(emulator::EmulatorArgs),
    /// Build, lint, evaluate and format COS access policies (offline).
    Policy(policy::PolicyArgs),
    /// Print every stage of a COS (or, with `sign tc3`, TC3) signature (offline).
    Sign(sign::SignArgs),
    /// Check a COS Authorization header or presigned URL against a key, and say why it fails.
    Verify(verify::VerifyArgs),
    /// Serve temporary keys scoped per caller over HTTP (for browsers and apps).
    Serve(serve::ServeArgs),
    /// Issue a temporary key (getCredential / AssumeRole) and print it as JSON.
    Credential(credential::CredentialArgs),
    /// Print a presigned GET or PUT URL for an object (offline).
    Presign(presign::PresignArgs),
    /// Upload a small file or stdin with one PUT.
    Put(transfer::objects::PutArgs),
    /// Download an object to a file or stdout.
    Get(transfer::objects::GetArgs),
    /// List objects under a prefix.
    Ls(transfer::objects::LsArgs),
    /// Delete objects.
    Rm(transfer::objects::RmArgs),
    /// Upload a file in parallel parts, CRC-64 checked, resumable, with progress (`-r`: a directory).
    Upload(transfer::files::UploadArgs),
    /// Download an object with parallel ranged GETs, CRC-64 checked, with progress (`-r`: a prefix).
    Download(transfer::files::DownloadArgs),
    /// Copy an object inside COS (part by part for large objects), CRC-64 checked.
    Copy(transfer::files::CopyArgs),
    /// Sync a directory to or from a key prefix, skipping files whose size and CRC-64 match.
    Sync(transfer::directories::SyncArgs),
    /// Run the end-to-end demo on the embedded emulator (no account, no network).
    Demo(demo::DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
}

/// Runs the chosen subcommand.
pub(crate) fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Emulator(args) => emulator::run(args),
        Command::Policy(args) => outcome::finish(policy::run(args)),
        Command::Sign(args) => outcome::finish(sign::run(args)),
        Command::Verify(args) => outcome::finish(verify::run(&args)),
        Command::Serve(args) => serve::run(args),
        Command::Credential(args) => outcome::finish(credential::run(&args)),
        Command::Presign(args) => outcome::finish(presign::run(&args)),
        Command::Put(args) => outcome::finish(transfer::objects::put(&args)),
        Command::Get(args) => outcome::finish(transfer::objects::get(&args)),
        Command::Ls(args) => outcome::finish(transfer::objects::ls(&args)),
        Command::Rm(args) => outcome::finish(transfer::objects::rm(&args)),
        Command::Upload(args) => outcome::finish(transfer::files::upload(&args)),
        Command::Download(args) => outcome::finish(transfer::files::download(&args)),
        Command::Copy(args) => outcome::finish(transfer::files::copy(&args)),
        Command::Sync(args) => outcome::finish(transfer::directories::sync(&args)),
        Command::Demo(args) => outcome::finish(demo::run(&args)),
        Command::Completions(args) => completions::run(&args),
    }
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    /// Every subcommand (and every sub-subcommand) shows at least one example in its `--help`.
    #[test]
    fn every_command_help_has_an_example() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in command.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                let help = sub.clone().render_long_help().to_string();
                if !help.contains("Example") {
                    missing.push(name.clone());
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "cos-sts", &mut missing);
        assert!(missing.is_empty(), "no example in --help of: {missing:?}");
    }
}
