//! The systemd unit shipped in `docs/deploy/cos-sts-serve.service` is checked with
//! `systemd-analyze verify` (its `ExecStart` pointed at the binary under test). Without the
//! tool the test says so and skips — except in CI (`CI=true`), where it fails: `.ci/run`
//! installs `systemd`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

const INSTALLED_PATH: &str = "/usr/local/bin/cos-sts";

fn unit_text() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/deploy/cos-sts-serve.service");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn verify(unit: &str) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!(
        "cos-sts-unit-{}-{}",
        std::process::id(),
        unit.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cos-sts-serve.service");
    std::fs::write(&path, unit).unwrap();
    let output = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_shipped_systemd_unit_verifies() {
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "systemd-analyze is missing in CI: .ci/run must install the `systemd` package"
        );
        eprintln!("SKIPPED: systemd-analyze is not installed (apt-get install systemd)");
        return;
    }
    let unit = unit_text();
    assert!(unit.contains(&format!("ExecStart={INSTALLED_PATH} serve --config ")));
    assert!(
        unit.contains("ExecReload=/bin/kill -HUP $MAINPID"),
        "reload is SIGHUP"
    );
    let under_test = unit.replace(INSTALLED_PATH, env!("CARGO_BIN_EXE_cos-sts"));
    let (ok, text) = verify(&under_test);
    assert!(ok, "systemd-analyze verify refused the unit:\n{text}");
    assert!(!text.contains("Unknown key"), "{text}");
    // The check can fail: a unit whose binary is missing is refused.
    let (broken, text) = verify(&unit.replace(INSTALLED_PATH, "/nonexistent/cos-sts"));
    assert!(
        !broken,
        "a missing ExecStart binary must be refused: {text}"
    );
}
