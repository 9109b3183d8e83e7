//! The browser end-to-end test: a real headless Chromium (Debian's `chromium`, driven by
//! `playwright-core`) loads `tests/browser/index.html`, whose official `cos-js-sdk-v5` gets its
//! keys from `cos-sts serve --emulator` and uploads to the user's prefix (simple and multipart);
//! `tests/browser/run.mjs` drives it and checks the objects, their CRC-64 and a 403 outside the
//! prefix.
//!
//! The two npm packages are installed at pinned versions into `target/browser/` (skipped when
//! already there at those versions). Chromium is found at `$CHROMIUM` or `/usr/bin/chromium`;
//! playwright-core never downloads a browser. Set `COS_STS_SKIP_BROWSER=1` to skip this step
//! on a machine without Chromium; CI never sets it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The npm packages the test needs, pinned: `(name, version)`.
const NODE_PACKAGES: &[(&str, &str)] =
    &[("playwright-core", "1.65.1"), ("cos-js-sdk-v5", "1.10.1")];
/// Where Debian installs Chromium.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";
/// The whole node run (Chromium, serve, uploads, checks) must end within this; the driver
/// bounds itself to 150 s, this is the backstop.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// Installs the packages, builds `cos-sts` and runs the driver script.
pub(crate) fn run(root: &Path) -> Result<(), String> {
    if std::env::var_os("COS_STS_SKIP_BROWSER").is_some() {
        eprintln!("xtask: browser end-to-end test SKIPPED (COS_STS_SKIP_BROWSER is set)");
        return Ok(());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| DEFAULT_CHROMIUM.to_owned());
    if !Path::new(&chromium).is_file() {
        return Err(format!(
            "the browser test needs Chromium at {chromium} (`apt-get install chromium`, or set \
             CHROMIUM=/path/to/chromium; COS_STS_SKIP_BROWSER=1 skips the test)"
        ));
    }
    let target = target_dir(root);
    let work = target.join("browser");
    let modules = work.join("node_modules");
    let missing: Vec<String> = NODE_PACKAGES
        .iter()
        .filter(|(name, version)| !installed(&modules, name, version))
        .map(|(name, version)| format!("{name}@{version}"))
        .collect();
    if missing.is_empty() {
        eprintln!(
            "xtask: npm packages already installed in {}",
            work.display()
        );
    } else {
        let prefix = path_str(&work)?;
        let mut args = vec![
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &prefix,
        ];
        args.extend(missing.iter().map(String::as_str));
        crate::run_in(root, "npm", &args, &[])?;
    }
    crate::run_in(root, "cargo", &["build", "--locked", "-p", "cos-sts"], &[])?;

    let script = root.join("tests").join("browser").join("run.mjs");
    let binary = target.join("debug").join("cos-sts");
    eprintln!("$ node {}", script.display());
    let mut command = Command::new("node");
    command
        .arg(&script)
        .env("COS_STS_BIN", &binary)
        .env("BROWSER_NODE_MODULES", &modules)
        .env("BROWSER_WORK_DIR", work.join("run"))
        .env("CHROMIUM", &chromium)
        .current_dir(root);
    // Its own process group, so that a timeout can stop the driver and everything it started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command
        .spawn()
        .map_err(|e| format!("could not start `node`: {e}"))?;
    wait_bounded(child, RUN_TIMEOUT)?;
    eprintln!("xtask: browser end-to-end test passed");
    Ok(())
}

/// Waits for the driver; past `limit` kills its process group and fails.
fn wait_bounded(mut child: Child, limit: Duration) -> Result<(), String> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(format!("the browser end-to-end test failed ({status})"));
            }
            Ok(None) if started.elapsed() > limit => {
                kill_group(&mut child);
                return Err(format!(
                    "the browser end-to-end test took longer than {} s and was stopped",
                    limit.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => {
                kill_group(&mut child);
                return Err(format!("waiting for the browser test: {e}"));
            }
        }
    }
}

/// Kills the driver's process group (serve and Chromium with it), then the driver itself.
fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether `node_modules/<name>/package.json` declares exactly `version`.
fn installed(modules: &Path, name: &str, version: &str) -> bool {
    let manifest = modules.join(name).join("package.json");
    std::fs::read_to_string(manifest)
        .map(|text| declares_version(&text, version))
        .unwrap_or(false)
}

/// Finds the top-level `"version": "<version>"` of a package.json without a JSON parser
/// (xtask is std only): the first `"version"` key, which npm writes near the top.
fn declares_version(manifest: &str, version: &str) -> bool {
    manifest
        .split_once("\"version\"")
        .and_then(|(_, rest)| rest.trim_start().strip_prefix(':'))
        .and_then(|rest| rest.trim_start().strip_prefix('"'))
        .and_then(|rest| rest.split_once('"'))
        .is_some_and(|(found, _)| found == version)
}

/// `$CARGO_TARGET_DIR`, else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn path_str(path: &Path) -> Result<String, String> {
    path.to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("path is not UTF-8: {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_top_level_version_of_a_package_json() {
        let manifest = "{\n  \"name\": \"cos-js-sdk-v5\",\n  \"version\": \"1.10.1\",\n  \"dependencies\": {\"x\": {\"version\": \"9\"}}\n}";
        assert!(declares_version(manifest, "1.10.1"));
        assert!(!declares_version(manifest, "1.10.0"));
        assert!(!declares_version(manifest, "1.10"));
        assert!(!declares_version("{\"name\": \"x\"}", "1.10.1"));
        assert!(!declares_version("{\"version\": 1}", "1"));
        assert!(declares_version("{\"version\":\"2.0.0\"}", "2.0.0"));
    }

    #[test]
    fn packages_are_pinned_to_exact_versions() {
        for (name, version) in NODE_PACKAGES {
            assert!(!name.is_empty());
            assert!(
                version.split('.').count() == 3
                    && version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{name}@{version} is not an exact version"
            );
        }
    }

    #[cfg(unix)]
    fn spawn_in_group(program: &str, args: &[&str]) -> Child {
        let mut command = Command::new(program);
        command.args(args);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        command.spawn().unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn waiting_reports_the_exit_status() {
        assert!(wait_bounded(spawn_in_group("true", &[]), Duration::from_secs(10)).is_ok());
        let failed = wait_bounded(spawn_in_group("false", &[]), Duration::from_secs(10));
        assert!(failed.unwrap_err().contains("failed"));
    }

    #[cfg(unix)]
    #[test]
    fn a_run_past_its_limit_is_killed_with_its_children() {
        // A shell whose child would outlive it: the whole group must go.
        let child = spawn_in_group("sh", &["-c", "sleep 30 & sleep 30; wait"]);
        let group = child.id();
        let started = Instant::now();
        let error = wait_bounded(child, Duration::from_millis(300)).unwrap_err();
        assert!(error.contains("longer than"), "{error}");
        assert!(started.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            live_members(group),
            0,
            "process group {group} is still alive"
        );
    }

    /// Processes of process group `group` that are not zombies (killed children reparented
    /// to an init that reaps lazily stay zombies for a while), from `/proc/<pid>/stat`.
    #[cfg(unix)]
    fn live_members(group: u32) -> usize {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path().join("stat")).ok())
            .filter(|stat| {
                let Some((_, rest)) = stat.rsplit_once(')') else {
                    return false;
                };
                let fields: Vec<&str> = rest.split_whitespace().collect();
                fields.len() > 2 && fields[0] != "Z" && fields[2] == group.to_string()
            })
            .count()
    }

    #[test]
    fn a_missing_package_is_not_installed() {
        assert!(!installed(
            Path::new("/nonexistent/node_modules"),
            "playwright-core",
            "1.65.1"
        ));
    }
}
