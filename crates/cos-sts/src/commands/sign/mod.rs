//! `cos-sts sign` / `cos-sts sign tc3`: every stage of a COS or TC3 signature, for
//! debugging `SignatureDoesNotMatch`.

mod cos;
pub(crate) mod cos_input;
mod tc3;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::outcome::CommandResult;

const EXAMPLES: &str = "\
Examples:
  cat > put.json <<'JSON'
  {\"secret_id\": \"AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\",
   \"secret_key\": \"BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz\",
   \"key_time\": \"1557989151;1557996351\",
   \"method\": \"PUT\", \"path\": \"/exampleobject\",
   \"params\": [[\"acl\", \"\"]],
   \"headers\": [[\"Host\", \"examplebucket-1250000000.cos.ap-beijing.myqcloud.com\"],
               [\"Content-Type\", \"text/plain\"]],
   \"header_policy\": \"whitelist\"}
  JSON
  cos-sts sign --input put.json
  cos-sts sign tc3 --input call.json     # TC3-HMAC-SHA256 (API 3.0), see `sign tc3 --help`

Input (COS): `path` and `params`/`headers` values decoded, as [name, value] pairs;
`header_policy` is `whitelist` (the SDKs' signed-header allow-list, the default) or `all`;
optional `token` (a temporary key's session token, signed as x-cos-security-token).
Output: JSON with every stage: key_time, sign_key, url_param_list, http_parameters,
header_list, http_headers, http_string, sha1_http_string, string_to_sign, signature,
authorization and headers_to_add. The sign key is derived from the secret key: it is
printed because you supplied the secret; do not share the output.
Exit status: 0 signed, 2 unreadable or malformed input, or input the signer rejects.";

/// Arguments of `cos-sts sign`.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXAMPLES
)]
pub(crate) struct SignArgs {
    #[command(subcommand)]
    kind: Option<SignKind>,
    /// The COS request description (JSON), or `-` for standard input.
    #[arg(long, value_name = "FILE|-", required = true)]
    input: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum SignKind {
    /// Every stage of a TC3-HMAC-SHA256 (API 3.0: STS, CAM, …) signature.
    Tc3(tc3::Tc3Args),
}

/// Runs `cos-sts sign` or `cos-sts sign tc3`.
pub(crate) fn run(args: SignArgs) -> CommandResult {
    match (args.kind, args.input) {
        (Some(SignKind::Tc3(tc3_args)), _) => tc3::run(&tc3_args),
        (None, Some(input)) => cos::run(&input),
        (None, None) => Err(super::outcome::Failure::input(
            "give --input FILE (or `-` for standard input)",
        )),
    }
}
