//! `cos-sts demo`: the whole story on a fresh machine, with no account and no network.
//!
//! Starts the embedded emulator, issues a temporary key scoped to one user's prefix, uploads a
//! generated file in parts with a progress bar, verifies its CRC-64 (local, per COS, after a
//! download), shows that an upload outside the prefix is denied and that an expired key is
//! refused, prints a presigned URL and fetches it, and exits 0 when every check held.
//! Secrets are never printed: only the `TmpSecretId`, with the key and token redacted (the
//! presigned URL necessarily carries the token; it dies with the emulator).

mod narrator;
mod payload;
mod scenario;

use clap::Args;
use cos_client::MIN_PART_SIZE;

use super::outcome::{CommandResult, Failure, Outcome};
use super::transfer::units::parse_size;
use narrator::Narrator;
use scenario::Settings;

/// The largest `--size` accepted (the emulator keeps objects in memory).
const MAX_SIZE: u64 = 4 << 30;

/// Options of `cos-sts demo`.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  cargo run --release -p cos-sts -- demo
  cos-sts demo --size 64MiB --part-size 8MiB --concurrency 8")]
pub(crate) struct DemoArgs {
    /// Size of the generated file (larger than 1 MiB, so that it is uploaded in parts).
    #[arg(long, default_value = "24MiB", value_parser = parse_size)]
    size: u64,
    /// Preferred part size (at least 1 MiB; smaller files get 3 parts).
    #[arg(long, default_value = "8MiB", value_parser = parse_size)]
    part_size: u64,
    /// Parts uploaded (and ranges downloaded) at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The user whose prefix (`users/<user>/`) the temporary key is scoped to.
    #[arg(long, default_value = "alice")]
    user: String,
    /// Keep the emulator running after the checks, until Ctrl-C, so the presigned URL can be
    /// opened.
    #[arg(long)]
    keep: bool,
}

impl DemoArgs {
    fn settings(&self) -> Result<Settings, Failure> {
        if self.size <= MIN_PART_SIZE || self.size > MAX_SIZE {
            return Err(Failure::input(format!(
                "--size must be larger than 1 MiB (so that the upload is multipart) and at most \
                 {} MiB",
                MAX_SIZE >> 20
            )));
        }
        if self.part_size < MIN_PART_SIZE {
            return Err(Failure::input("--part-size must be at least 1 MiB"));
        }
        let user_ok = !self.user.is_empty()
            && self.user.len() <= 64
            && self
                .user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !user_ok {
            return Err(Failure::input(
                "--user must be 1 to 64 letters, digits, `-` or `_`",
            ));
        }
        // Small files still show a multipart upload: at least two parts.
        let part_size = self.part_size.min(self.size.div_ceil(3)).max(MIN_PART_SIZE);
        Ok(Settings {
            size: self.size,
            part_size,
            concurrency: self.concurrency.max(1),
            user: self.user.clone(),
            keep: self.keep,
        })
    }
}

/// Runs the demo.
pub(crate) fn run(args: &DemoArgs) -> CommandResult {
    let settings = args.settings()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Output(format!("starting the runtime: {e}")))?;
    let mut narrator = Narrator::new(scenario::STEPS);
    runtime.block_on(scenario::run(&settings, &mut narrator))?;
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    fn parse(args: &[&str]) -> DemoArgs {
        let mut all = vec!["cos-sts", "demo"];
        all.extend_from_slice(args);
        match crate::commands::Cli::parse_from(all).command {
            crate::commands::Command::Demo(a) => a,
            other => panic!("parsed another command: {other:?}"),
        }
    }

    #[test]
    fn defaults_make_three_parts_of_eight_mib() {
        let settings = parse(&[]).settings().unwrap();
        assert_eq!(settings.size, 24 << 20);
        assert_eq!(settings.part_size, 8 << 20);
    }

    #[test]
    fn small_files_still_have_several_parts() {
        let settings = parse(&["--size", "3MiB"]).settings().unwrap();
        assert_eq!(settings.part_size, 1 << 20);
        let settings = parse(&["--size", "1100K"]).settings().unwrap();
        assert_eq!(settings.part_size, MIN_PART_SIZE);
        assert!(settings.size > settings.part_size);
    }

    #[test]
    fn bad_settings_are_bad_input() {
        for args in [
            &["--size", "1MiB"][..],
            &["--size", "5G"],
            &["--part-size", "100K"],
            &["--user", "../bob"],
            &["--user", ""],
        ] {
            assert!(
                matches!(parse(args).settings(), Err(Failure::BadInput(_))),
                "{args:?}"
            );
        }
    }
}
