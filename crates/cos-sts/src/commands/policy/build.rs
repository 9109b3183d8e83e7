//! `cos-sts policy build`: a policy from getCredential-style flags or from a preset.

use std::collections::BTreeMap;

use clap::{Args, ValueEnum};
use cos_policy::builder::CredentialPolicy;
use cos_policy::preset::Preset;
use cos_policy::{Bucket, BucketName, BuildError, Policy, Region};

use crate::commands::outcome::{CommandResult, Failure, Outcome, print, warn};

const EXAMPLES: &str = "\
Examples:
  # getCredential style: actions on key patterns, with conditions
  cos-sts policy build --bucket examplebucket-1250000000 --region ap-guangzhou \\
      --allow-prefix 'users/alice/*' --allow-action name/cos:PutObject --allow-action GetObject \\
      --condition 'ip_equal:qcs:ip=10.0.0.0/8'

  # a preset: upload-only under a prefix, images up to 10 MiB, HTTPS only
  cos-sts policy build --preset upload-only --bucket examplebucket-1250000000 \\
      --region ap-guangzhou --prefix users/alice/ --content-type 'image/*' \\
      --max-content-length 10485760 --https-only --pretty

Prints the canonical policy JSON on stdout; lints (if any) go to stderr.
Exit status: 0 built, 2 invalid flags or values.";

/// Arguments of `cos-sts policy build`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct BuildArgs {
    /// The bucket, `<name>-<APPID>`.
    #[arg(long)]
    bucket: BucketName,
    /// The bucket's region, e.g. `ap-guangzhou`.
    #[arg(long)]
    region: Region,
    /// An allowed key pattern: a key (`a.txt`) or a prefix (`dir/` or `dir/*`, the same);
    /// repeatable.
    #[arg(
        long = "allow-prefix",
        value_name = "PATTERN",
        required_unless_present = "preset",
        conflicts_with = "preset"
    )]
    allow_prefixes: Vec<String>,
    /// An allowed action (`name/cos:PutObject`, `cos:PutObject` or `PutObject`); repeatable.
    #[arg(
        long = "allow-action",
        value_name = "ACTION",
        required_unless_present = "preset",
        conflicts_with = "preset"
    )]
    allow_actions: Vec<String>,
    /// A condition `OPERATOR:KEY=VALUE` (e.g. `string_equal:cos:content-type=image/png`);
    /// repeat with the same operator and key for several values.
    #[arg(
        long = "condition",
        value_name = "OP:KEY=VALUE",
        value_parser = parse_condition,
        conflicts_with = "preset"
    )]
    conditions: Vec<ConditionArg>,
    /// Build a least-privilege preset instead (conditions placed so multipart uploads work).
    #[arg(long, value_enum)]
    preset: Option<PresetName>,
    /// The preset's key prefix, `users/alice/` or `users/alice/*` (the same).
    #[arg(long, requires = "preset", conflicts_with = "key")]
    prefix: Option<String>,
    /// The exact key of the `exact-key` preset.
    #[arg(long, requires = "preset")]
    key: Option<String>,
    /// Preset: required `Content-Type` (`image/png`, or a pattern such as `image/*`).
    #[arg(long, requires = "preset")]
    content_type: Option<String>,
    /// Preset: largest `Content-Length` of a simple upload or of each multipart part.
    #[arg(long, value_name = "BYTES", requires = "preset")]
    max_content_length: Option<u64>,
    /// Preset: allowed source address or CIDR block; repeatable.
    #[arg(long = "source-ip", value_name = "CIDR", requires = "preset")]
    source_ips: Vec<String>,
    /// Preset: allow only requests made over HTTPS.
    #[arg(long, requires = "preset")]
    https_only: bool,
    /// Accept a prefix whose `*` follows a partial path segment (`users/alice*`, which also
    /// grants `users/alice2/`).
    #[arg(long)]
    allow_partial_segment: bool,
    /// Print indented JSON instead of the compact canonical form.
    #[arg(long)]
    pretty: bool,
}

impl BuildArgs {
    /// The bucket and its region.
    fn location(&self) -> Bucket {
        Bucket::new(self.bucket.clone(), self.region.clone())
    }
}

/// The presets of [`cos_policy::preset::Preset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PresetName {
    /// Simple, form and multipart upload under `--prefix`.
    UploadOnly,
    /// `GetObject` and `HeadObject` under `--prefix`.
    DownloadOnly,
    /// Upload and download (no delete) under `--prefix`.
    ReadWrite,
    /// Upload of the single key `--key`.
    ExactKey,
}

/// One `--condition OP:KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ConditionArg {
    operator: String,
    key: String,
    value: String,
}

/// Splits `OP:KEY=VALUE` at the first `:` and then the first `=` (keys contain `:`, values
/// may contain `=`).
fn parse_condition(text: &str) -> Result<ConditionArg, String> {
    let shape = "expected OP:KEY=VALUE, e.g. `ip_equal:qcs:ip=10.0.0.0/8`";
    let (operator, rest) = text.split_once(':').ok_or(shape)?;
    let (key, value) = rest.split_once('=').ok_or(shape)?;
    if operator.is_empty() || key.is_empty() {
        return Err(shape.into());
    }
    Ok(ConditionArg {
        operator: operator.to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
    })
}

/// Runs `cos-sts policy build`.
pub(super) fn run(args: &BuildArgs) -> CommandResult {
    let policy = match args.preset {
        Some(preset) => preset_policy(args, preset)?,
        None => {
            if let Some(flag) = preset_option(args) {
                return Err(Failure::input(format!(
                    "{flag} is an option of --preset; give --preset, or use --condition"
                )));
            }
            credential_policy(args)
        }
    }
    .map_err(|error| Failure::input(format!("cannot build the policy: {error}")))?;
    let report = cos_policy::validate(&policy);
    for lint in report.lints() {
        warn(&lint.to_string());
    }
    print(&super::render(&policy, args.pretty)?)?;
    Ok(Outcome::Success)
}

/// The first preset-only option given, if any. (clap's `requires` is not enough: it is
/// waived when `--preset` conflicts with a flag that is present.)
fn preset_option(args: &BuildArgs) -> Option<&'static str> {
    [
        (args.prefix.is_some(), "--prefix"),
        (args.key.is_some(), "--key"),
        (args.content_type.is_some(), "--content-type"),
        (args.max_content_length.is_some(), "--max-content-length"),
        (!args.source_ips.is_empty(), "--source-ip"),
        (args.https_only, "--https-only"),
    ]
    .into_iter()
    .find_map(|(given, flag)| given.then_some(flag))
}

/// The getCredential form; repeated `OP:KEY` conditions become one condition with every value.
fn credential_policy(args: &BuildArgs) -> Result<Policy, BuildError> {
    let mut grouped: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    let mut order = Vec::new();
    for condition in &args.conditions {
        let slot = (condition.operator.as_str(), condition.key.as_str());
        grouped
            .entry(slot)
            .or_insert_with(|| {
                order.push(slot);
                Vec::new()
            })
            .push(&condition.value);
    }
    let mut builder = CredentialPolicy::new(&args.location())
        .allow_prefixes(&args.allow_prefixes)
        .allow_actions(&args.allow_actions);
    if args.allow_partial_segment {
        builder = builder.allow_partial_segment();
    }
    for slot in order {
        let values = grouped.remove(&slot).unwrap_or_default();
        builder = builder.condition(slot.0, slot.1, values);
    }
    builder.build()
}

/// A preset with its options; a missing `--prefix` / `--key` is a usage error.
fn preset_policy(
    args: &BuildArgs,
    preset: PresetName,
) -> Result<Result<Policy, BuildError>, Failure> {
    let bucket = &args.location();
    let prefix = || {
        args.prefix
            .as_deref()
            .ok_or_else(|| Failure::input("this preset needs --prefix (e.g. `users/alice/`)"))
    };
    let mut builder = match preset {
        PresetName::UploadOnly => Preset::upload_only(bucket, prefix()?),
        PresetName::DownloadOnly => Preset::download_only(bucket, prefix()?),
        PresetName::ReadWrite => Preset::read_write(bucket, prefix()?),
        PresetName::ExactKey => {
            let key = args
                .key
                .as_deref()
                .ok_or_else(|| Failure::input("the exact-key preset needs --key"))?;
            Preset::exact_key(bucket, key)
        }
    };
    if preset != PresetName::ExactKey && args.key.is_some() {
        return Err(Failure::input(
            "--key is for the exact-key preset; use --prefix",
        ));
    }
    if let Some(content_type) = &args.content_type {
        builder = builder.content_type(content_type);
    }
    if let Some(bytes) = args.max_content_length {
        builder = builder.max_content_length(bytes);
    }
    for cidr in &args.source_ips {
        builder = builder.source_ip(cidr);
    }
    if args.https_only {
        builder = builder.https_only();
    }
    if args.allow_partial_segment {
        builder = builder.allow_partial_segment();
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_splits_at_first_colon_then_first_equals() {
        assert_eq!(
            parse_condition("ip_equal:qcs:ip=10.0.0.0/8").unwrap(),
            ConditionArg {
                operator: "ip_equal".into(),
                key: "qcs:ip".into(),
                value: "10.0.0.0/8".into(),
            }
        );
        let with_equals = parse_condition("string_equal:cos:x-cos-meta-a=b=c").unwrap();
        assert_eq!(with_equals.value, "b=c");
        assert!(parse_condition("ip_equal").is_err());
        assert!(parse_condition("ip_equal:qcs:ip").is_err());
        assert!(parse_condition(":qcs:ip=1").is_err());
    }
}
