//! Workspace automation, std only (the rust-analyzer / cargo-xtask pattern).
//!
//! * `cargo xtask tidy`: the tidy checks alone (layering of dependencies and
//!   dev-dependencies, registered crates, sans-IO crates, lint attributes, the paths named in
//!   `docs/ARCHITECTURE.md`).
//! * `cargo xtask ci`: tidy checks, the API conventions (`conventions.rs`: no bucket and region
//!   as two strings), rustfmt check, clippy with `-D warnings`, all tests, rustdoc with
//!   warnings denied (and tc3-signer once more with its `tower` feature), and a short fuzz smoke run of every fuzz target when a nightly toolchain
//!   and `cargo-fuzz` are present.
//! * `cargo xtask bench [FILTER]`: the criterion benchmarks of every crate, the serve load
//!   test, 1 GiB transfers on loopback and on shaped links beside the official SDKs and
//!   coscmd (`link_throughput`), all written to `docs/benchmarks.md`.
//! * `cargo xtask interop`: the official Python and Node SDKs against `cos-sts emulator`.
//! * `cargo xtask wheel`: builds the `cos-emulator` Python wheel (maturin, the `cos-sts`
//!   binary), installs it into a fresh venv and runs its pytest fixture's tests and the Node
//!   helper's test against it (`packaging/`).
//! * `cargo xtask differential`: `cos-sts sign` against the official Python SDK's signer on
//!   300 seeded random requests (`xtask/differential/`).
//! * `cargo xtask browser`: headless Chromium + the official `cos-js-sdk-v5` against
//!   `cos-sts serve --emulator` (`tests/browser/`).
//! * `cargo xtask fuzz [SECONDS]`: each fuzz target for SECONDS (default 30) with cargo-fuzz.
//! * `cargo xtask deprecations`: in a scratch copy with every dependency updated to its latest
//!   compatible version, reports any deprecated call from our crates (a report, not a CI gate).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bench_report;
mod browser;
mod conventions;
mod deprecations;
mod differential;
mod interop;
mod tidy;
mod wheel;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("tidy") => tidy::check(&project_root()),
        Some("bench") => bench(args.get(1).map(String::as_str)),
        Some("interop") => interop::run(&project_root()),
        Some("wheel") => wheel::run(&project_root()),
        Some("differential") => differential::run(&project_root()),
        Some("browser") => browser::run(&project_root()),
        Some("fuzz") => fuzz(args.get(1).and_then(|s| s.parse().ok()).unwrap_or(30)),
        Some("deprecations") => deprecations::run(&project_root()),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | tidy | bench [FILTER] | interop | wheel | differential | browser | fuzz [SECONDS] | deprecations>"
            );
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
    run_without(dir, program, args, envs, &[])
}

/// Runs a command in `dir` without the environment variables `removed` (then with `envs`),
/// echoing it, failing on a non-zero exit.
fn run_without(
    dir: &Path,
    program: &str,
    args: &[&str],
    envs: &[(&str, &str)],
    removed: &[&str],
) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let mut command = Command::new(program);
    for name in removed {
        command.env_remove(name);
    }
    let status = command
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
    conventions::check(&project_root())?;
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
    saml()?;
    run(
        "cargo",
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    // Feature-gated code the workspace build does not enable: tc3-signer's tower layer.
    let signer = ["-p", "tc3-signer", "--all-features", "--locked"];
    run(
        "cargo",
        &[
            &["clippy", "--all-targets"][..],
            &signer,
            &["--", "-D", "warnings"],
        ]
        .concat(),
        &[],
    )?;
    run(
        "cargo",
        &[&["test", "--no-fail-fast"][..], &signer].concat(),
        &[],
    )?;
    run(
        "cargo",
        &[&["doc", "--no-deps"][..], &signer].concat(),
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    interop::run(&project_root())?;
    // After interop: the wheel reuses the `cos-sts` binary interop built.
    wheel::run(&project_root())?;
    differential::run(&project_root())?;
    browser::run(&project_root())?;
    if fuzz_available() {
        fuzz(10)?;
    } else {
        eprintln!("xtask: fuzz smoke skipped (needs a nightly toolchain and cargo-fuzz)");
    }
    Ok(())
}

/// The emulator's opt-in `saml` feature (AssumeRoleWithSAML over libxmlsec1, whose Debian
/// packages `.ci/run` installs): lint it and run its tests, and only those, so the step costs
/// one build of cos-emulator with the feature.
fn saml() -> Result<(), String> {
    let only = ["-p", "cos-emulator", "--features", "saml", "--locked"];
    let targets = ["--lib", "--test", "saml"];
    let mut clippy = vec!["clippy"];
    clippy.extend(only);
    clippy.extend(targets);
    clippy.extend(["--", "-D", "warnings"]);
    run("cargo", &clippy, &[])?;
    let mut test = vec!["test"];
    test.extend(only);
    test.extend(["--test", "saml"]);
    run("cargo", &test, &[])
}

fn bench(filter: Option<&str>) -> Result<(), String> {
    // Criterion's results are read back from target/criterion; start from a clean slate so the
    // report holds only this run's figures, peers measured side by side.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target"));
    let _ = std::fs::remove_dir_all(target.join("criterion"));
    let mut args = vec!["bench", "--workspace", "--locked", "--"];
    if let Some(filter) = filter {
        args.push(filter);
    }
    args.extend(["--warm-up-time", "1", "--measurement-time", "3"]);
    run("cargo", &args, &[])?;
    let root = project_root();
    // Whole-system figures that criterion cannot take: the vending server under load and 1 GiB
    // transfers beside the official Python SDK and curl, all on loopback, in the same run.
    let serve_load = release_load_test("serve_load")?;
    // The same load spread over 1 and 3 instances sharing one real redis-server.
    let cluster_load = release_load_test("cluster_load")?;
    let python = interop::python_with_sdks(&root)?;
    let python = interop::path_str(&python)?;
    run(
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            interop::COSCMD_PACKAGE,
        ],
        &[],
    )?;
    let node_modules = interop::path_str(&interop::node_with_sdk(&root)?.join("node_modules"))?;
    // Twice: with the emulator's MD5 ETags (as COS computes them, which caps any PUT at the
    // speed of MD5) and with its opt-in CRC-64 ETags (so that the emulator is not the limit).
    let mut transfers = Vec::new();
    for etag in ["md5", "crc64"] {
        transfers.push(example(
            "loopback_throughput",
            &[("COS_BENCH_PYTHON", &python), ("COS_BENCH_ETAG", etag)],
        )?);
    }
    // Realistic links: every client in its own process against a shaped emulator, CPU per
    // GiB and peak RSS on loopback, and many small objects (see the example's docs).
    let links = example(
        "link_throughput",
        &[
            ("COS_BENCH_PYTHON", &python),
            ("COS_BENCH_NODE_MODULES", &node_modules),
        ],
    )?;
    let mut header = format!(
        "Generated by `cargo xtask bench` on {} ({} cores); every figure below comes from one run.",
        machine_description(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    header.push_str("\n\n### `cos-sts serve` under load (64 clients, loopback)\n\n");
    for line in serve_load.lines().filter(|l| l.starts_with("serve load:")) {
        header.push_str(line);
        header.push('\n');
    }
    header.push_str(
        "\n### `cos-sts serve` × 1 and × 3 sharing one Redis (`[cluster]`, 64 clients spread over the instances)\n\n",
    );
    for line in cluster_load
        .lines()
        .filter(|l| l.starts_with("serve load:"))
    {
        header.push_str(line);
        header.push('\n');
    }
    header.push_str(
        "\n### 1 GiB transfers against the emulator: cos-client, the official Python SDK, curl\n\n",
    );
    for run in &transfers {
        header.push_str(run.trim());
        header.push_str("\n\n");
    }
    header.push_str(
        "\n### Realistic links: cos-client, the official Python and Node SDKs, coscmd\n\n",
    );
    header.push_str(links.trim());
    header.push_str("\n\n");
    header.push_str("\n### Criterion micro-benchmarks");
    bench_report::write(&root, &target, &header)
}

/// Runs a `cos-client` example (release build) on 1 GiB and returns its standard output.
fn example(name: &str, envs: &[(&str, &str)]) -> Result<String, String> {
    capture(
        "cargo",
        &[
            "run",
            "--release",
            "--locked",
            "-p",
            "cos-client",
            "--example",
            name,
            "--",
            "1024",
        ],
        envs,
    )
}

/// Runs one of `cos-sts`'s ignored load tests in release mode and returns its output.
fn release_load_test(name: &str) -> Result<String, String> {
    capture(
        "cargo",
        &[
            "test",
            "--release",
            "--locked",
            "-p",
            "cos-sts",
            "--test",
            name,
            "--",
            "--ignored",
            "--nocapture",
        ],
        &[],
    )
}

/// Runs a command in the workspace root and returns its standard output (also echoed).
fn capture(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<String, String> {
    eprintln!("$ {program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(project_root())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start `{program}`: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{stdout}");
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!(
            "`{program} {}` failed with {}",
            args.join(" "),
            output.status
        ))
    }
}

fn machine_description() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "an unknown CPU".to_string())
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
        let args = ["+nightly", "fuzz", "run", target, "--", &max_time];
        // This target keeps one live emulator for the whole run (set up once and deliberately
        // never torn down); LeakSanitizer reports that one allocation at exit. Panics and hangs
        // still fail it.
        let envs: &[(&str, &str)] = if target == "emulator_request" {
            &[("ASAN_OPTIONS", "detect_leaks=0")]
        } else {
            &[]
        };
        run("cargo", &args, envs)?;
    }
    Ok(())
}
