//! Differential test of our COS request signer against the official Python SDK
//! (`cos-python-sdk-v5`): `xtask/differential/cos_sign_vs_python.py` generates seeded random
//! requests in the domain where `shared/reference/signing-spec.md` and the SDK agree, signs
//! each with the SDK's `CosS3Auth` and with `cos-sts sign --input -`, and compares the
//! signature and the whole Authorization value byte for byte.
//!
//! Uses the interop venv (`interop::python_with_sdks`); skipped like interop when
//! `COS_STS_SKIP_INTEROP` is set.

use std::path::Path;

use crate::interop::{path_str, python_with_sdks, target_dir};

/// How many random requests are compared.
const REQUESTS: &str = "300";
/// The generator's seed: the same requests on every run.
const SEED: &str = "20241122";

/// Builds `cos-sts` (debug) and runs the differential script against it.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    if std::env::var_os("COS_STS_SKIP_INTEROP").is_some() {
        eprintln!("xtask: differential SKIPPED (COS_STS_SKIP_INTEROP is set)");
        return Ok(());
    }
    let python = python_with_sdks(root)?;
    crate::run_in(root, "cargo", &["build", "--locked", "-p", "cos-sts"], &[])?;
    let binary = target_dir(root).join("debug").join("cos-sts");
    let script = root
        .join("xtask")
        .join("differential")
        .join("cos_sign_vs_python.py");
    crate::run_in(
        root,
        &path_str(&python)?,
        &[&path_str(&script)?, &path_str(&binary)?, REQUESTS, SEED],
        &[],
    )?;
    eprintln!("xtask: cos-sts sign agrees with cos-python-sdk-v5 on {REQUESTS} random requests");
    Ok(())
}
