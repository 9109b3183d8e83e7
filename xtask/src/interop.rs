//! Interop with clients nobody here wrote: the official Python SDKs (`qcloud-python-sts`,
//! `cos-python-sdk-v5`) and the official Node SDK (`cos-nodejs-sdk-v5`) run against
//! `cos-sts emulator` on loopback.
//!
//! The SDKs are installed from the package registries into `target/interop/` (a Python venv
//! and an npm prefix), at pinned versions. Set `COS_STS_SKIP_INTEROP=1` to skip this step on a
//! machine without Python or npm; CI never sets it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The official Python packages, pinned to the versions `shared/reference` was checked with.
const PYTHON_PACKAGES: &[&str] = &["cos-python-sdk-v5==1.9.44", "qcloud-python-sts==3.1.6"];
/// The official Node COS SDK, pinned.
const NODE_PACKAGE: &str = "cos-nodejs-sdk-v5@3.0.0";
/// The bucket the emulator serves during the interop run.
const BUCKET: &str = "examplebucket-1250000000";

/// Kills the emulator when the interop run ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A Python with the official SDKs installed (a venv under `target/interop/`), created on
/// first use; also used by `cargo xtask bench` to measure the Python SDK as a peer.
pub(crate) fn python_with_sdks(root: &Path) -> Result<PathBuf, String> {
    let venv = target_dir(root).join("interop").join("venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        crate::run_in(root, "python3", &["-m", "venv", &path_str(&venv)?], &[])?;
    }
    let mut pip = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    pip.extend_from_slice(PYTHON_PACKAGES);
    crate::run_in(root, &path_str(&python)?, &pip, &[])?;
    Ok(python)
}

/// Installs an npm `package` under `prefix` (its `node_modules/` is then the `NODE_PATH`).
pub(crate) fn npm_install(root: &Path, prefix: &Path, package: &str) -> Result<(), String> {
    crate::run_in(
        root,
        "npm",
        &[
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &path_str(prefix)?,
            package,
        ],
        &[],
    )
}

/// An npm prefix under `target/interop/` with the official Node SDK installed; also used by
/// `cargo xtask bench` to measure the Node SDK as a peer.
pub(crate) fn node_with_sdk(root: &Path) -> Result<PathBuf, String> {
    let prefix = target_dir(root).join("interop").join("node");
    npm_install(root, &prefix, NODE_PACKAGE)?;
    Ok(prefix)
}

/// `coscmd` (Tencent's command-line tool, on top of the Python SDK), pinned; installed into
/// the same venv by `cargo xtask bench` only.
pub(crate) const COSCMD_PACKAGE: &str = "coscmd==1.9.0.6";

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// Installs the SDKs, starts the emulator and runs both interop scripts.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    if std::env::var_os("COS_STS_SKIP_INTEROP").is_some() {
        eprintln!("xtask: interop SKIPPED (COS_STS_SKIP_INTEROP is set)");
        return Ok(());
    }
    let target = target_dir(root);
    let work = target.join("interop");
    let python = python_with_sdks(root)?;
    let node_prefix = node_with_sdk(root)?;
    crate::run_in(root, "cargo", &["build", "--locked", "-p", "cos-sts"], &[])?;

    let data_dir = work.join("emulator-data");
    let _ = std::fs::remove_dir_all(&data_dir);
    let binary = target.join("debug").join("cos-sts");
    let mut child = Command::new(&binary)
        .args([
            "emulator",
            "--data-dir",
            &path_str(&data_dir)?,
            "--bucket",
            BUCKET,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("emulator has no stdout")?;
    let emulator = KillOnDrop(child);
    let mut ready = String::new();
    BufReader::new(stdout)
        .read_line(&mut ready)
        .map_err(|e| format!("reading the emulator's ready line: {e}"))?;
    // The ready line holds the emulator's root key: pass it by environment, never echo it.
    let ready = ready.trim().to_string();
    if !ready.starts_with('{') {
        return Err(format!(
            "emulator did not print its ready line (got {ready:?})"
        ));
    }
    let scripts = root.join("crates/cos-emulator/tests/interop");
    crate::run_in(
        root,
        &path_str(&python)?,
        &[&path_str(&scripts.join("python_sdk.py"))?],
        &[("COS_EMULATOR_READY", &ready)],
    )?;
    let node_path = path_str(&node_prefix.join("node_modules"))?;
    crate::run_in(
        root,
        "node",
        &[&path_str(&scripts.join("node_sdk.js"))?],
        &[("NODE_PATH", &node_path), ("COS_EMULATOR_READY", &ready)],
    )?;
    drop(emulator);
    eprintln!("xtask: interop with the official Python and Node SDKs passed");
    Ok(())
}

pub(crate) fn path_str(path: &Path) -> Result<String, String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("path is not UTF-8: {}", path.display()))
}
