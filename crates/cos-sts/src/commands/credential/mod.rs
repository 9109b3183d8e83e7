//! `cos-sts credential`: issue a temporary key, like the official SDKs' `getCredential`
//! (GetFederationToken), or AssumeRole with `--role-arn`, and print it as JSON.
//!
//! Printing the issued temporary secret is this command's purpose; errors never contain it.

pub(crate) mod keys;
mod request;

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use sts_client::{
    AssumeRole, BucketName, Endpoint, Region, StsClient, StsError, TemporaryCredentials,
};

use crate::commands::outcome::{self, CommandResult, Failure, Outcome};
use keys::KeyArgs;
use request::{Condition, Scope};

/// Options of `cos-sts credential`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  cos-sts credential --bucket examplebucket-1250000000 --region ap-guangzhou \\
      --allow-prefix 'users/alice/*' --allow-action PutObject --allow-action GetObject \\
      --condition 'numeric_less_than_equal:cos:content-length=10485760' --duration 900
  cos-sts credential --policy policy.json --format js
  cos-sts credential --role-arn qcs::cam::uin/100000000001:roleName/uploader --policy policy.json
  cos-sts credential --emulator http://127.0.0.1:9001 --secret-id AKID... --secret-key ... \\
      --bucket examplebucket-1250000000 --region ap-guangzhou --allow-prefix 'a/*' --allow-action GetObject")]
pub(crate) struct CredentialArgs {
    /// The bucket, `<name>-<appid>`.
    #[arg(long)]
    bucket: Option<BucketName>,
    /// The bucket's region (also sent as the STS `Region`).
    #[arg(long)]
    region: Option<Region>,
    /// An allowed key: a key (`a.txt`) or a prefix, `users/alice/` or `users/alice/*` (the
    /// same grant); repeatable.
    #[arg(long = "allow-prefix", value_name = "PREFIX")]
    allow_prefixes: Vec<String>,
    /// Accept a prefix whose `*` follows a partial path segment (`users/alice*`, which also
    /// grants `users/alice2/`); the lint still needs --allow-lints.
    #[arg(long, conflicts_with = "policy")]
    allow_partial_segment: bool,
    /// An allowed action, `PutObject` or `name/cos:PutObject` (repeatable).
    #[arg(long = "allow-action", value_name = "ACTION")]
    allow_actions: Vec<String>,
    /// A condition `OPERATOR:KEY=VALUE`, e.g. `string_equal:cos:content-type=image/png`
    /// (repeatable; VALUE is JSON when it parses as JSON).
    #[arg(long = "condition", value_name = "OPERATOR:KEY=VALUE", value_parser = request::parse_condition)]
    conditions: Vec<Condition>,
    /// A whole policy (JSON) instead of the scope flags, or `-` for stdin.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["bucket", "allow_prefixes", "allow_actions", "conditions"]
    )]
    policy: Option<PathBuf>,
    /// Lifetime of the key in seconds (STS default: 1800).
    #[arg(long, value_name = "SECONDS")]
    duration: Option<u64>,
    /// The federated user name (GetFederationToken `Name`).
    #[arg(long, default_value = "cos-sts")]
    name: String,
    /// Accept least-privilege lints (wildcard actions, whole-bucket write…) instead of refusing.
    #[arg(long)]
    allow_lints: bool,
    /// Call AssumeRole for this role instead of GetFederationToken.
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// The AssumeRole session name.
    #[arg(long, default_value = "cos-sts", requires = "role_arn")]
    role_session_name: String,
    /// The STS endpoint URL of a local emulator (`cos-sts emulator` prints it), instead of
    /// Tencent Cloud's `sts.tencentcloudapi.com`.
    #[arg(long, value_name = "URL")]
    emulator: Option<String>,
    /// Output shape: `v2` (official Node/Python SDKs), `api` (STS API) or `js`
    /// (`cos-js-sdk-v5` `getAuthorization`).
    #[arg(long, value_enum, default_value_t = Format::V2)]
    format: Format,
    /// Indent the JSON.
    #[arg(long)]
    pretty: bool,
    #[command(flatten)]
    keys: KeyArgs,
}

/// The JSON shape of the issued key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// `{"credentials":{"tmpSecretId",…},"expiredTime",…}`.
    V2,
    /// `{"Credentials":{"TmpSecretId",…},"ExpiredTime",…}`.
    Api,
    /// `{"TmpSecretId","TmpSecretKey","SecurityToken","StartTime","ExpiredTime"}`.
    Js,
}

/// Renders `issued` in `format`.
pub(crate) fn render(
    issued: &TemporaryCredentials,
    format: Format,
    pretty: bool,
) -> Result<String, Failure> {
    match format {
        Format::V2 => outcome::to_json(&issued.sdk_shape(), pretty),
        Format::Api => outcome::to_json(&issued.api_shape(), pretty),
        Format::Js => outcome::to_json(&issued.cos_js_shape(), pretty),
    }
}

/// Maps an STS error to the command's ending: rejected input is exit 2, anything else exit 1.
pub(crate) fn sts_failure(error: &StsError) -> Failure {
    match error {
        StsError::InvalidRequest { .. } | StsError::PolicyRejected { .. } => {
            Failure::input(error.to_string())
        }
        _ => Failure::Output(error.to_string()),
    }
}

fn client(args: &CredentialArgs) -> Result<StsClient, Failure> {
    let mut builder = StsClient::builder();
    if let Some(url) = &args.emulator {
        builder = builder.endpoint(
            Endpoint::custom(url).map_err(|e| Failure::input(format!("--emulator: {e}")))?,
        );
    }
    if let Some(region) = &args.region {
        builder = builder.region(region.as_str());
    }
    builder = match args.keys.explicit()? {
        Some(credential) => builder.credential(credential),
        None => builder.credentials(sts_client::provider::default_provider()),
    };
    builder.build().map_err(|e| sts_failure(&e))
}

async fn issue(args: &CredentialArgs) -> Result<TemporaryCredentials, Failure> {
    let policy = match &args.policy {
        Some(file) => Some(outcome::read_input(file, "policy")?),
        None => None,
    };
    let scope = scope(args);
    let client = client(args)?;
    if let Some(role_arn) = &args.role_arn {
        let mut assume = AssumeRole::new(role_arn, &args.role_session_name);
        if let Some(secs) = args.duration {
            assume = assume.duration_seconds(secs);
        }
        // The policy is optional for AssumeRole: the role's own policy applies without one.
        let scoped = policy.is_some()
            || args.bucket.is_some()
            || !args.allow_prefixes.is_empty()
            || !args.allow_actions.is_empty()
            || !args.conditions.is_empty();
        if scoped {
            let mut request = request::build(&scope, policy.as_deref())?;
            if args.allow_lints {
                request = request.allow_lints();
            }
            let document = request.policy_document().map_err(|e| sts_failure(&e))?;
            warn_lints(&document);
            assume = assume.policy(document);
        }
        return client
            .assume_role(&assume)
            .await
            .map_err(|e| sts_failure(&e));
    }
    let mut request = request::build(&scope, policy.as_deref())?.name(&args.name);
    if let Some(secs) = args.duration {
        request = request.duration_seconds(secs);
    }
    if args.allow_lints {
        request = request.allow_lints();
    }
    warn_lints(&request.policy_document().map_err(|e| sts_failure(&e))?);
    client
        .get_credential(&request)
        .await
        .map_err(|e| sts_failure(&e))
}

/// The scope flags.
fn scope(args: &CredentialArgs) -> Scope<'_> {
    Scope {
        bucket: args.bucket.as_ref(),
        region: args.region.as_ref(),
        prefixes: &args.allow_prefixes,
        actions: &args.allow_actions,
        partial_segment: args.allow_partial_segment,
        conditions: &args.conditions,
    }
}

/// Prints the lints of a policy that is sent anyway (`--allow-lints`), so that an accepted
/// risk such as `partial_segment_wildcard` is still shown.
fn warn_lints(document: &sts_client::PolicyDocument) {
    for lint in cos_policy::validate_json(document.as_json()).lints() {
        outcome::warn(&format!("warning: {lint}"));
    }
}

/// Issues the key and prints it.
pub(crate) fn run(args: &CredentialArgs) -> CommandResult {
    if args.policy.is_none() && args.role_arn.is_none() {
        // Report missing scope flags before touching the network or the provider chain.
        request::build(&scope(args), None)?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Output(format!("starting the runtime: {e}")))?;
    let issued = runtime.block_on(issue(args))?;
    outcome::print(&render(&issued, args.format, args.pretty)?)?;
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tc3_signer::Credential;

    #[test]
    fn every_format_renders_its_shape() {
        let issued = TemporaryCredentials::new(
            Credential::new("AKIDTMP", "KEY").with_token("TOKEN"),
            10,
            20,
            None,
            "req",
        );
        let v2: serde_json::Value =
            serde_json::from_str(&render(&issued, Format::V2, false).unwrap()).unwrap();
        assert_eq!(v2["credentials"]["tmpSecretKey"], "KEY");
        let api: serde_json::Value =
            serde_json::from_str(&render(&issued, Format::Api, true).unwrap()).unwrap();
        assert_eq!(api["Credentials"]["Token"], "TOKEN");
        let js: serde_json::Value =
            serde_json::from_str(&render(&issued, Format::Js, false).unwrap()).unwrap();
        assert_eq!(js["SecurityToken"], "TOKEN");
        assert_eq!(js["ExpiredTime"], 20);
    }

    #[test]
    fn rejected_requests_are_bad_input() {
        let bucket = sts_client::Bucket::new(
            "b-1250000000".parse().unwrap(),
            "ap-guangzhou".parse().unwrap(),
        );
        let request = sts_client::CredentialRequest::new(&bucket)
            .allow_prefix("users/alice*")
            .allow_actions(["GetObject"]);
        let error = request.policy_document().unwrap_err();
        assert!(error.to_string().contains("users/alice2/"), "{error}");
        assert!(matches!(sts_failure(&error), Failure::BadInput(_)));
    }
}
