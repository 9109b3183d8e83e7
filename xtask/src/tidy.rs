//! Repository invariants checked as part of `cargo xtask ci` (the rust-analyzer "tidy" idea):
//! the crate layering of `docs/ARCHITECTURE.md`, sans-IO crates free of IO dependencies, and the
//! crate-level lint attributes.

use std::fs;
use std::path::Path;

/// The library crates in layer order: a crate may depend only on crates listed before it.
const LAYERS: &[&str] = &[
    "tc3-signer",
    "cos-policy",
    "sts-client",
    "cos-client",
    "cos-object-store",
    "cos-emulator",
    "cos-sts",
];

/// Dependencies that would give a sans-IO crate IO or a clock.
const IO_CRATES: &[&str] = &["hyper", "hyper-util", "hyper-rustls", "tokio", "rustls"];

/// Crates that must stay sans-IO.
const SANS_IO: &[&str] = &["tc3-signer", "cos-policy"];

/// Checks every invariant, returning all violations at once.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    let mut problems = Vec::new();
    for (index, krate) in LAYERS.iter().enumerate() {
        let dir = root.join("crates").join(krate);
        let manifest = fs::read_to_string(dir.join("Cargo.toml"))
            .map_err(|e| format!("cannot read {krate}/Cargo.toml: {e}"))?;
        let deps = normal_dependencies(&manifest);
        for (later, other) in LAYERS.iter().enumerate() {
            if deps.iter().any(|d| d == other) && later >= index {
                problems.push(format!(
                    "{krate} depends on {other}, which is not below it in the layering"
                ));
            }
        }
        if SANS_IO.contains(krate) {
            for io in IO_CRATES {
                if deps.iter().any(|d| d == io) {
                    problems.push(format!("{krate} must stay sans-IO but depends on {io}"));
                }
            }
        }
        let root_file = if dir.join("src/lib.rs").exists() {
            dir.join("src/lib.rs")
        } else {
            dir.join("src/main.rs")
        };
        let source = fs::read_to_string(&root_file)
            .map_err(|e| format!("cannot read {}: {e}", root_file.display()))?;
        for attribute in ["#![forbid(unsafe_code)]", "#![deny(missing_docs)]"] {
            if !source.contains(attribute) {
                problems.push(format!("{} lacks {attribute}", root_file.display()));
            }
        }
    }
    if problems.is_empty() {
        eprintln!("xtask: tidy checks passed");
        Ok(())
    } else {
        Err(format!("tidy checks failed:\n  {}", problems.join("\n  ")))
    }
}

/// Names of the crates in the `[dependencies]` table (not dev- or build-dependencies).
fn normal_dependencies(manifest: &str) -> Vec<String> {
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if !in_dependencies {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            let name = name.strip_suffix(".workspace").unwrap_or(name).trim();
            if !name.is_empty() && !name.starts_with('#') {
                names.push(name.to_string());
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_dependencies_table() {
        let manifest = "[package]\nname = \"x\"\n[dependencies]\nhmac.workspace = true\n\
                        tokio = { version = \"1\" }\n[dev-dependencies]\nhyper = \"1\"\n";
        assert_eq!(normal_dependencies(manifest), vec!["hmac", "tokio"]);
    }
}
