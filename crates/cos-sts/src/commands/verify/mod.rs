//! `cos-sts verify`: check a COS `Authorization` header or presigned URL against a key,
//! and say exactly why it fails.

mod http_string;
mod received;
mod report;

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{ArgGroup, Args};
use tc3_signer::VerifyError;
use tc3_signer::cos::{Authorization, IncomingRequest};

use super::outcome::{CommandResult, Failure, Outcome, parse_json, print, read_input, to_json};
use super::sign::cos_input::CosInput;
use received::Received;
use report::VerifyReport;

const EXAMPLES: &str = "\
Examples:
  # a presigned URL (the key on the command line is visible to `ps`; prefer --input)
  cos-sts verify --secret-key \"$SECRET_KEY\" --now 1700000100 \\
      --url 'https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/a.jpg?q-sign-algorithm=sha1&...'

  # an Authorization header against the request it was sent with: put.json is in the
  # `cos-sts sign` input format and also supplies secret_id and secret_key
  cos-sts verify --input put.json --authorization 'q-sign-algorithm=sha1&q-ak=...'

When the signature does not match, the server-side string to sign and http string are
printed: compare them with the client's (`cos-sts sign` prints every stage).
Exit status: 0 valid, 1 not valid (the reason is printed), 2 unusable input.";

/// Arguments of `cos-sts verify`. `Debug` hides the secret key, the signature and the query.
#[derive(Args)]
#[command(
    after_help = EXAMPLES,
    group(ArgGroup::new("request").required(true).args(["url", "input"]))
)]
pub(crate) struct VerifyArgs {
    /// The `Authorization` header value to check (otherwise: the request's own
    /// `Authorization` header, or its presigned query fields).
    #[arg(long, value_name = "VALUE", requires = "input")]
    authorization: Option<String>,
    /// A presigned URL to check (`https://host/key?q-sign-algorithm=...`, or `/key?...`).
    #[arg(long, conflicts_with = "input")]
    url: Option<String>,
    /// The request description (`cos-sts sign` input format), or `-` for standard input;
    /// its `secret_id`/`secret_key` are used unless given as flags.
    #[arg(long, value_name = "FILE|-")]
    input: Option<PathBuf>,
    /// With --url: the HTTP method of the request.
    #[arg(long, default_value = "GET", requires = "url")]
    method: String,
    /// With --url: a header the request was sent with, `Name: value`; repeatable.
    /// `Host` defaults to the URL's host.
    #[arg(long = "header", value_name = "NAME: VALUE", requires = "url", value_parser = received::parse_header)]
    headers: Vec<(String, String)>,
    /// The secret id the signature must name (`q-ak`).
    #[arg(long)]
    secret_id: Option<String>,
    /// The secret key to verify with.
    #[arg(long)]
    secret_key: Option<String>,
    /// The verifier's time, Unix seconds (default: now).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<u64>,
    /// Accepted clock skew around the signature's validity window.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    tolerance: u64,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

impl fmt::Debug for VerifyArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("VerifyArgs")
            .field("authorization", &redacted(&self.authorization))
            .field(
                "url",
                &self
                    .url
                    .as_deref()
                    .map(|url| url.split('?').next().unwrap_or_default()),
            )
            .field("input", &self.input)
            .field("method", &self.method)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("secret_id", &self.secret_id)
            .field("secret_key", &redacted(&self.secret_key))
            .field("now", &self.now)
            .field("tolerance", &self.tolerance)
            .field("json", &self.json)
            .finish()
    }
}

/// Runs `cos-sts verify`.
pub(crate) fn run(args: &VerifyArgs) -> CommandResult {
    let (received, input) = match (&args.url, &args.input) {
        (Some(url), _) => (Received::from_url(url, &args.method, &args.headers)?, None),
        (None, Some(source)) => {
            let what = "request description";
            let input: CosInput = parse_json(&read_input(source, what)?, what)?;
            let received = Received::from_input(&input, args.authorization.as_deref());
            (received, Some(input))
        }
        (None, None) => return Err(Failure::input("give --url or --input")),
    };
    let from_input = |pick: fn(&CosInput) -> Option<&str>| input.as_ref().and_then(pick);
    let secret_key = args
        .secret_key
        .as_deref()
        .or_else(|| from_input(|i| i.secret_key.as_deref()))
        .ok_or_else(|| Failure::input("give --secret-key (or `secret_key` in --input)"))?;
    let expected_id = args
        .secret_id
        .as_deref()
        .or_else(|| from_input(|i| i.secret_id.as_deref()));
    let now = match args.now {
        Some(now) => now,
        None => current_time()?,
    };
    let check = Check {
        received: &received,
        secret_key,
        expected_id,
        now,
        tolerance: Duration::from_secs(args.tolerance),
    };
    let report = check.run();
    if args.json {
        print(&to_json(&report, true)?)?;
    } else {
        print(&report.human())?;
    }
    Ok(match report.error() {
        None => Outcome::Success,
        Some(error) => Outcome::Negative(format!("the signature is not valid: {error}")),
    })
}

/// One verification: the request as received, the key, and the time.
struct Check<'a> {
    received: &'a Received,
    secret_key: &'a str,
    expected_id: Option<&'a str>,
    now: u64,
    tolerance: Duration,
}

impl Check<'_> {
    /// Parses the signature, checks the secret id, then verifies; explains a mismatch with
    /// the server's string to sign and http string.
    fn run(&self) -> VerifyReport {
        let headers = self.received.header_pairs();
        let incoming = IncomingRequest::new(
            &self.received.method,
            &self.received.raw_path,
            &self.received.raw_query,
            &headers,
        );
        let auth = match Authorization::from_request(&incoming) {
            Ok(auth) => auth,
            Err(error) => return VerifyReport::unparsed(self.now, error),
        };
        let result = match self.expected_id {
            Some(expected) if expected != auth.secret_id() => Err(VerifyError::WrongSecretId {
                presented: auth.secret_id().to_owned(),
                expected: expected.to_owned(),
            }),
            _ => {
                tc3_signer::cos::verify(&auth, self.secret_key, &incoming, self.now, self.tolerance)
            }
        };
        let http_string = match &result {
            Err(VerifyError::SignatureMismatch { string_to_sign }) => {
                http_string::server_http_string(
                    &auth,
                    self.secret_key,
                    self.received,
                    string_to_sign,
                )
            }
            _ => None,
        };
        VerifyReport::checked(self.now, &auth, result, http_string)
    }
}

/// The current Unix time in seconds.
fn current_time() -> Result<u64, Failure> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .map_err(|_| Failure::input("the system clock is before 1970; give --now"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[derive(Debug, clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: VerifyArgs,
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// A description, encoded into the raw request a server receives, verifies against
        /// the signature made over the description: the encoding loses nothing.
        #[test]
        fn described_request_verifies_after_encoding(
            path in "/\\PC{0,24}",
            params in proptest::collection::btree_map("[a-z0-9 %+&=/;_-]{1,8}", "\\PC{0,8}", 0..4),
            token in proptest::option::of("[A-Za-z0-9_-]{1,16}"),
        ) {
            use tc3_signer::Credential;
            use tc3_signer::cos::{KeyTime, SignableRequest, Signer};

            let input = CosInput {
                secret_id: Some("AKID".into()),
                secret_key: Some("secret".into()),
                key_time: None,
                method: "PUT".into(),
                path,
                params: params.into_iter().collect(),
                headers: vec![("Host".into(), "b-1250000000.cos.ap-beijing.myqcloud.com".into())],
                header_policy: super::super::sign::cos_input::HeaderPolicyName::Whitelist,
                token: token.clone(),
            };
            let mut credential = Credential::new("AKID", "secret");
            if let Some(token) = &token {
                credential = credential.with_token(token);
            }
            let param_pairs = input.param_pairs();
            let header_pairs = input.header_pairs();
            let parts = SignableRequest::new(&input.method, &input.path)
                .with_params(&param_pairs)
                .with_headers(&header_pairs);
            let signed = Signer::new(&credential).sign(&parts, KeyTime::new(1000, 2000).unwrap()).unwrap();
            let received = Received::from_input(&input, Some(signed.authorization()));
            let check = Check {
                received: &received,
                secret_key: "secret",
                expected_id: Some("AKID"),
                now: 1500,
                tolerance: Duration::ZERO,
            };
            let report = check.run();
            proptest::prop_assert_eq!(report.error(), None, "{:?}", received);
        }
    }

    #[test]
    fn debug_hides_secret_key_signature_and_query() {
        let wrapper = Wrapper::parse_from([
            "verify",
            "--url",
            "https://h/k?q-signature=SECRETSIG&x-cos-security-token=SECRETTOKEN",
            "--secret-key",
            "SECRETKEY",
            "--header",
            "x-cos-security-token: SECRETHEADER",
        ]);
        let shown = format!("{wrapper:?} {wrapper:#?}");
        for secret in ["SECRETSIG", "SECRETTOKEN", "SECRETKEY", "SECRETHEADER"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("https://h/k"));
    }
}
