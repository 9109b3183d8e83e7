//! `cargo xtask deprecations`: do our crates call anything deprecated once every dependency is
//! resolved to its latest compatible version?
//!
//! The check runs in a scratch copy of the workspace (under `target/`) so the committed
//! `Cargo.lock` is never touched: `cargo update` there, then `cargo check` of every target,
//! and every `use of deprecated …` warning in our own sources is reported. It is a report for
//! maintainers, not part of `cargo xtask ci`: an upstream release must not turn CI red.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies the workspace, updates its lock file and reports deprecated calls. The scratch copy
/// and its build (a full one, several GiB) are removed afterwards.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    let scratch = root.join("target").join("deprecations-scratch");
    let result = check_in(root, &scratch);
    if let Err(e) = fs::remove_dir_all(&scratch) {
        eprintln!("xtask: could not remove {}: {e}", scratch.display());
    }
    result
}

fn check_in(root: &Path, scratch: &Path) -> Result<(), String> {
    copy_workspace(root, &scratch.join("src"))?;
    let workspace = scratch.join("src");
    let target = scratch.join("target");
    let target = target.to_string_lossy();
    crate::run_in(&workspace, "cargo", &["update"], &[])?;
    eprintln!("$ cargo check --workspace --all-targets (latest compatible dependencies)");
    let output = Command::new("cargo")
        .args([
            "check",
            "--workspace",
            "--all-targets",
            "--message-format=short",
        ])
        .env("CARGO_TARGET_DIR", target.as_ref())
        .current_dir(&workspace)
        .output()
        .map_err(|e| format!("could not start `cargo check`: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "the workspace does not build with the latest compatible dependencies:\n{stderr}"
        ));
    }
    let found = deprecated_uses(&stderr);
    if found.is_empty() {
        eprintln!(
            "xtask: no deprecated calls from our crates with the latest compatible dependencies"
        );
        Ok(())
    } else {
        Err(format!(
            "{} deprecated call(s) with the latest compatible dependencies:\n  {}",
            found.len(),
            found.join("\n  ")
        ))
    }
}

/// The `use of deprecated` warnings of `cargo check --message-format=short`, deduplicated
/// (a file compiled for several targets warns once per target).
fn deprecated_uses(stderr: &str) -> Vec<String> {
    let mut found: Vec<String> = stderr
        .lines()
        .filter(|line| line.contains("warning: use of deprecated"))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Copies the files git knows about (tracked or new, not ignored) into `to`, replacing what
/// was there.
fn copy_workspace(root: &Path, to: &Path) -> Result<(), String> {
    if to.exists() {
        fs::remove_dir_all(to).map_err(|e| format!("cannot clear {}: {e}", to.display()))?;
    }
    let listing = Command::new("git")
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("could not start `git ls-files`: {e}"))?;
    if !listing.status.success() {
        return Err("`git ls-files` failed".to_owned());
    }
    for name in listing.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let relative = PathBuf::from(String::from_utf8_lossy(name).as_ref());
        let from = root.join(&relative);
        if !from.is_file() {
            continue; // deleted in the work tree
        }
        let dest = to.join(&relative);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::copy(&from, &dest).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_deprecated_use_once() {
        let stderr = "\
crates/a/src/t.rs:84:49: warning: use of deprecated function `rustls::crypto::ring::default_provider`: no support
crates/a/src/t.rs:84:49: warning: use of deprecated function `rustls::crypto::ring::default_provider`: no support
crates/a/src/u.rs:1:1: warning: unused import: `x`
    Finished `dev` profile";
        assert_eq!(
            deprecated_uses(stderr),
            [
                "crates/a/src/t.rs:84:49: warning: use of deprecated function `rustls::crypto::ring::default_provider`: no support"
            ]
        );
        assert!(deprecated_uses("    Finished").is_empty());
    }
}
