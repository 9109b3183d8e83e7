//! Command-line definition and dispatch.

mod emulator;
mod outcome;
mod policy;
mod sign;
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
}

/// Runs the chosen subcommand.
pub(crate) fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Emulator(args) => emulator::run(args),
        Command::Policy(args) => outcome::finish(policy::run(args)),
        Command::Sign(args) => outcome::finish(sign::run(args)),
        Command::Verify(args) => outcome::finish(verify::run(&args)),
    }
}
