//! `cargo xtask wheel`: the emulator as other languages install it.
//!
//! 1. Builds the `cos-emulator` Python wheel (`packaging/python/`, maturin with
//!    `bindings = "bin"`) around the `cos-sts` binary, in the dev profile: maturin's build is
//!    exactly `cargo build -p cos-sts`, so the binary `interop` built is reused, not rebuilt;
//!    the binary is stripped in the wheel (about 10 MB instead of 170).
//! 2. Installs the wheel and pytest into a fresh venv and runs `packaging/python/tests`, whose
//!    fixture comes from the wheel's `pytest11` entry point and starts the wheel's binary.
//! 3. Runs the Node helper's test (`packaging/node/`) against that same installed binary,
//!    including the official Node STS SDK (`qcloud-cos-sts`, https only) against the
//!    emulator's HTTPS STS listener.
//!
//! Nothing is skipped silently: `COS_STS_SKIP_WHEEL=1` skips the step with a message on a
//! machine without Python or Node, and is an error when `CI=true`.

use std::path::Path;

/// maturin, pinned.
const MATURIN: &str = "maturin==1.16.0";
/// pytest, pinned.
const PYTEST: &str = "pytest==8.3.4";
/// The official Node STS SDK, pinned.
const NODE_STS: &str = "qcloud-cos-sts@3.1.3";

/// Builds the wheel, installs it into a fresh venv and runs the Python and Node tests.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    let ci = std::env::var("CI").ok();
    if skip(
        ci.as_deref(),
        std::env::var_os("COS_STS_SKIP_WHEEL").is_some(),
    )? {
        eprintln!("xtask: wheel SKIPPED (COS_STS_SKIP_WHEEL is set)");
        return Ok(());
    }
    let work = crate::interop::target_dir(root).join("wheel");
    let path = crate::interop::path_str;

    let build_venv = work.join("build-venv");
    if !build_venv.join("bin").join("python").exists() {
        crate::run_in(root, "python3", &["-m", "venv", &path(&build_venv)?], &[])?;
    }
    let build_python = path(&build_venv.join("bin").join("python"))?;
    pip_install(root, &build_python, &[MATURIN])?;

    let dist = work.join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    crate::run_in(
        &root.join("packaging/python"),
        &build_python,
        &[
            "-m",
            "maturin",
            "build",
            "--profile",
            "dev",
            "--locked",
            "--strip",
            "--out",
            &path(&dist)?,
        ],
        &[],
    )?;
    let wheel = single_wheel(&dist)?;

    let test_venv = work.join("test-venv");
    let _ = std::fs::remove_dir_all(&test_venv);
    crate::run_in(root, "python3", &["-m", "venv", &path(&test_venv)?], &[])?;
    let test_python = path(&test_venv.join("bin").join("python"))?;
    pip_install(root, &test_python, &[&path(&wheel)?, PYTEST])?;

    // From the work directory, so that only the installed package is importable; with the
    // plugin autoloaded from its entry point and the binary found where the wheel put it.
    let tests = path(&root.join("packaging/python/tests"))?;
    run_clean(
        &work,
        &test_python,
        &["-m", "pytest", "-p", "no:cacheprovider", "-q", &tests],
        &[("PYTHONDONTWRITEBYTECODE", "1")],
    )?;

    let node_prefix = work.join("node");
    crate::interop::npm_install(root, &node_prefix, NODE_STS)?;
    let binary = path(&test_venv.join("bin").join("cos-sts"))?;
    let node_test = path(&root.join("packaging/node/cos-emulator.test.js"))?;
    let node_path = path(&node_prefix.join("node_modules"))?;
    run_clean(
        &work,
        "node",
        &["--test", &node_test],
        &[("COS_EMULATOR_BIN", &binary), ("NODE_PATH", &node_path)],
    )?;
    eprintln!("xtask: the wheel's pytest fixture and the Node helper passed in a fresh venv");
    Ok(())
}

/// Whether to skip the step: only when asked to, and never in CI.
fn skip(ci: Option<&str>, asked: bool) -> Result<bool, String> {
    match (asked, ci == Some("true")) {
        (true, true) => {
            Err("COS_STS_SKIP_WHEEL is set, but the wheel step never skips when CI=true".into())
        }
        (asked, _) => Ok(asked),
    }
}

fn pip_install(root: &Path, python: &str, packages: &[&str]) -> Result<(), String> {
    let mut args = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    args.extend_from_slice(packages);
    crate::run_in(root, python, &args, &[])
}

/// The one `.whl` maturin wrote.
fn single_wheel(dist: &Path) -> Result<std::path::PathBuf, String> {
    let wheels: Vec<_> = std::fs::read_dir(dist)
        .map_err(|e| format!("reading {}: {e}", dist.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    match wheels.as_slice() {
        [one] => Ok(one.clone()),
        other => Err(format!(
            "expected one wheel in {}, found {}",
            dist.display(),
            other.len()
        )),
    }
}

/// The variables that would point a test elsewhere than the installed wheel (unless given
/// again), stop pytest loading the plugin, or fix the emulator's keys.
const REMOVED: &[&str] = &[
    "COS_EMULATOR_BIN",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTEST_ADDOPTS",
    "COS_EMULATOR_ROOT_SECRET_ID",
    "COS_EMULATOR_ROOT_SECRET_KEY",
    "COS_EMULATOR_ADMIN_TOKEN",
];

fn run_clean(
    dir: &Path,
    program: &str,
    args: &[&str],
    envs: &[(&str, &str)],
) -> Result<(), String> {
    crate::run_without(dir, program, args, envs, REMOVED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_never_skips_in_ci() {
        assert_eq!(skip(None, false), Ok(false));
        assert_eq!(skip(Some("true"), false), Ok(false));
        assert_eq!(skip(None, true), Ok(true));
        assert_eq!(skip(Some("false"), true), Ok(true));
        assert!(skip(Some("true"), true).is_err());
    }

    #[test]
    fn exactly_one_wheel_is_expected() {
        let dir = std::env::temp_dir().join(format!("xtask-wheel-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert!(single_wheel(&dir).is_err());
        std::fs::write(dir.join("a-0.1.0-py3-none-any.whl"), b"").unwrap();
        std::fs::write(dir.join("notes.txt"), b"").unwrap();
        assert!(
            single_wheel(&dir)
                .unwrap()
                .ends_with("a-0.1.0-py3-none-any.whl")
        );
        std::fs::write(dir.join("b-0.1.0-py3-none-any.whl"), b"").unwrap();
        assert!(single_wheel(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
