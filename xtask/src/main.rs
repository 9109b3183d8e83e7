//! Workspace automation, std only (the rust-analyzer / cargo-xtask pattern).
//!
//! * `cargo xtask ci`: tidy checks (layering, sans-IO crates, lint attributes), rustfmt check, clippy with `-D warnings`, all tests, rustdoc with
//!   warnings denied, and a short fuzz smoke run of every fuzz target when a nightly toolchain
//!   and `cargo-fuzz` are present.
//! * `cargo xtask bench [FILTER]`: the criterion benchmarks of every crate.
//! * `cargo xtask interop`: the official Python and Node SDKs against `cos-sts emulator`.
//! * `cargo xtask browser`: headless Chromium + the official `cos-js-sdk-v5` against
//!   `cos-sts serve --emulator` (`tests/browser/`).
//! * `cargo xtask fuzz [SECONDS]`: each fuzz target for SECONDS (default 30) with cargo-fuzz.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod browser;
mod interop;
mod tidy;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("bench") => bench(args.get(1).map(String::as_str)),
        Some("interop") => interop::run(&project_root()),
        Some("browser") => browser::run(&project_root()),
        Some("fuzz") => fuzz(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(30)),
        _ => {
            eprintln!("usage: cargo xtask <ci | bench [FILTER] | interop | browser | fuzz [SECONDS]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command in the workspace root, echoing it, failing on a non-zero exit.
fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    run_in(&project_root(), program, args, envs)
}

/// Runs a command in `dir`, echoing it, failing on a non-zero exit.
fn run_in(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(dir)
        .status()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed with {status}",
            args.join(" ")
        ))
    }
}

fn ci() -> Result<(), String> {
    tidy::check(&project_root())?;
    run("cargo", &["fmt", "--all", "--", "--check"], &[])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    run(
        "cargo",
        &["test", "--workspace", "--locked", "--no-fail-fast"],
        &[],
    )?;
    run(
        "cargo",
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    interop::run(&project_root())?;
    browser::run(&project_root())?;
    if fuzz_available() {
        fuzz(10)?;
    } else {
        eprintln!("xtask: fuzz smoke skipped (needs a nightly toolchain and cargo-fuzz)");
    }
    Ok(())
}

fn bench(filter: Option<&str>) -> Result<(), String> {
    let mut args = vec!["bench", "--workspace", "--locked"];
    if let Some(filter) = filter {
        args.extend(["--", filter]);
    }
    run("cargo", &args, &[])
}

fn fuzz_available() -> bool {
    let quiet = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .current_dir(project_root())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    project_root().join("fuzz").is_dir()
        && quiet("cargo", &["+nightly", "--version"])
        && quiet("cargo", &["+nightly", "fuzz", "--version"])
}

fn fuzz(seconds: u32) -> Result<(), String> {
    let list = Command::new("cargo")
        .args(["+nightly", "fuzz", "list"])
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("could not run cargo fuzz: {e}"))?;
    let targets = String::from_utf8_lossy(&list.stdout).to_string();
    let max_time = format!("-max_total_time={seconds}");
    for target in targets.lines().map(str::trim).filter(|t| !t.is_empty()) {
        run(
            "cargo",
            &["+nightly", "fuzz", "run", target, "--", &max_time],
            &[],
        )?;
    }
    Ok(())
}
