//! The `cos-sts` command-line tool.
//!
//! Subcommands live in [`commands`]; `main` only parses the command line and reports errors.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod commands;

use clap::Parser as _;

/// mimalloc instead of the system allocator: under `serve`'s load, glibc's malloc and free
/// were about 16 % of the server's CPU (per-thread arenas contending, `malloc_consolidate`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
