//! The `cos-sts` command-line tool.
//!
//! No subcommand is implemented yet; later work adds `emulator`, `demo`, `credential`,
//! `policy`, `sign`, `serve` and the transfer commands.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

fn main() -> std::process::ExitCode {
    eprintln!("cos-sts: no subcommands are implemented yet");
    std::process::ExitCode::from(2)
}
