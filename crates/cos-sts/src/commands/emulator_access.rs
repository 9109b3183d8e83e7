//! The options of `cos-sts emulator` that let tests in any language drive it: fixed root keys,
//! the admin token, HTTPS with a generated CA, a fault plan file, and stopping when the
//! parent process closes the emulator's standard input.

use clap::Args;
use cos_emulator::{Emulator, EmulatorBuilder, Faults};
use std::path::{Path, PathBuf};

/// Options for driving the emulator from other languages' tests.
#[derive(Debug, Args)]
pub(crate) struct AccessArgs {
    /// A fixed root SecretId (with --root-secret-key; default: random, or kept in --data-dir).
    #[arg(
        long,
        env = "COS_EMULATOR_ROOT_SECRET_ID",
        requires = "root_secret_key"
    )]
    root_secret_id: Option<String>,
    /// The fixed root SecretKey (with --root-secret-id).
    #[arg(
        long,
        env = "COS_EMULATOR_ROOT_SECRET_KEY",
        hide_env_values = true,
        requires = "root_secret_id"
    )]
    root_secret_key: Option<String>,
    /// The admin API's bearer token (default: random; printed in the start-up line).
    #[arg(long, env = "COS_EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Serve both listeners over HTTPS with a certificate signed by a CA generated at start;
    /// the CA's path is `ca_cert_path` in the start-up line.
    #[arg(long)]
    https: bool,
    /// Where --https writes the CA certificate (default: `<data-dir>/ca.pem`, else a file in
    /// the temporary directory removed at exit).
    #[arg(long, requires = "https", value_name = "FILE")]
    ca_cert_out: Option<PathBuf>,
    /// Faults to inject, in their JSON form (see docs/guides/emulator-in-tests.md).
    #[arg(long, value_name = "FILE")]
    fault_plan: Option<PathBuf>,
    /// Shut down when standard input reaches its end (the parent process closed it or died).
    #[arg(long)]
    stop_on_stdin_eof: bool,
}

impl AccessArgs {
    /// Applies the options to `builder`.
    pub(crate) fn apply(&self, mut builder: EmulatorBuilder) -> Result<EmulatorBuilder, String> {
        if let (Some(id), Some(key)) = (&self.root_secret_id, &self.root_secret_key) {
            if id.trim().is_empty() || key.trim().is_empty() {
                return Err("--root-secret-id and --root-secret-key must not be empty".into());
            }
            builder = builder.root_key(id, key);
        }
        if let Some(token) = &self.admin_token {
            builder = builder.admin_token(token);
        }
        if let Some(file) = &self.fault_plan {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("--fault-plan: reading {}: {e}", file.display()))?;
            let faults = Faults::from_json(&text)
                .map_err(|e| format!("--fault-plan {}: {e}", file.display()))?;
            builder = builder.faults(faults);
        }
        Ok(builder.https(self.https))
    }

    /// Writes the CA certificate where it belongs (HTTPS only) and returns its file.
    pub(crate) fn write_ca(
        &self,
        emulator: &Emulator,
        data_dir: Option<&Path>,
    ) -> Result<Option<CaFile>, String> {
        let Some(pem) = emulator.ca_cert_pem() else {
            return Ok(None);
        };
        let (path, remove_at_exit) = match (&self.ca_cert_out, data_dir) {
            (Some(path), _) => (path.clone(), false),
            (None, Some(dir)) => (dir.join("ca.pem"), false),
            (None, None) => (
                std::env::temp_dir().join(format!(
                    "cos-emulator-ca-{}-{}.pem",
                    std::process::id(),
                    emulator.cos_addr().port()
                )),
                true,
            ),
        };
        std::fs::write(&path, pem)
            .map_err(|e| format!("writing the CA certificate to {}: {e}", path.display()))?;
        Ok(Some(CaFile {
            path,
            remove_at_exit,
        }))
    }

    /// Waits for SIGINT/SIGTERM or, with --stop-on-stdin-eof, for the end of standard input.
    pub(crate) async fn wait_for_stop(&self, stop: super::shutdown::StopSignal) {
        if !self.stop_on_stdin_eof {
            return stop.received().await;
        }
        let stdin_closed = async {
            use tokio::io::AsyncReadExt as _;
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 256];
            while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
        };
        tokio::select! {
            () = stop.received() => {}
            () = stdin_closed => {}
        }
    }
}

/// The CA certificate written for clients; a temporary one is removed when dropped.
#[derive(Debug)]
pub(crate) struct CaFile {
    path: PathBuf,
    remove_at_exit: bool,
}

impl CaFile {
    /// Where it is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        if self.remove_at_exit {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The start-up line's fields for other languages: admin token, health URLs, CA path.
pub(crate) fn ready_fields(
    emulator: &Emulator,
    ca: Option<&CaFile>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    map.insert("admin_token".into(), emulator.admin_token().into());
    map.insert(
        "health".into(),
        serde_json::json!([
            format!("{}/_emulator/health", emulator.cos_endpoint()),
            format!("{}/_emulator/health", emulator.sts_endpoint()),
        ]),
    );
    map.insert(
        "ca_cert_path".into(),
        ca.map_or(serde_json::Value::Null, |c| {
            c.path().display().to_string().into()
        }),
    );
    map
}
