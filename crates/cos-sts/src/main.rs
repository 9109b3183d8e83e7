//! The `cos-sts` command-line tool.
//!
//! Subcommands live in [`commands`]; `main` only parses the command line and reports errors.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod commands;

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cos-sts: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
