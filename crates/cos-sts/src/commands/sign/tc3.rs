//! `cos-sts sign tc3`: every stage of a `TC3-HMAC-SHA256` signature.

use std::fmt;
use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};
use tc3_signer::tc3::{DerivedKeys, PayloadMode, Tc3Params, Tc3Signature};
use tc3_signer::{Credential, SignableRequest};

use crate::commands::outcome::{
    CommandResult, Failure, Outcome, parse_json, print, read_input, to_json,
};

const EXAMPLES: &str = "\
Examples:
  cat > call.json <<'JSON'
  {\"secret_id\": \"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE\",
   \"secret_key\": \"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE\",
   \"service\": \"cvm\", \"host\": \"cvm.tencentcloudapi.com\", \"region\": \"ap-guangzhou\",
   \"action\": \"DescribeInstances\", \"version\": \"2017-03-12\", \"timestamp\": 1551113065,
   \"method\": \"POST\", \"content_type\": \"application/json; charset=utf-8\",
   \"payload\": \"{\\\"Limit\\\": 1}\"}
  JSON
  cos-sts sign tc3 --input call.json

Input fields: secret_id, secret_key, service, host, action, version, timestamp (Unix
seconds), content_type; optional: token, region, language, method (POST), path (/), query
(signed as given), payload, extra_signed_headers (names), unsigned_payload (false).
Output: JSON with hashed_payload, canonical_headers, signed_headers, canonical_request,
hashed_canonical_request, date, credential_scope, string_to_sign, the derived keys
(secret_date_hex, secret_service_hex, secret_signing_hex: secret, do not share),
signature, authorization and headers_to_send.
Exit status: 0 signed, 2 unreadable or malformed input, or input the signer rejects.";

/// Arguments of `cos-sts sign tc3`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct Tc3Args {
    /// The TC3 call description (JSON), or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    input: PathBuf,
}

/// A TC3 call description: the `input` objects of the `tc3-sign.json` vectors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tc3Input {
    secret_id: String,
    secret_key: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    language: Option<String>,
    service: String,
    host: String,
    #[serde(default)]
    region: Option<String>,
    action: String,
    version: String,
    timestamp: u64,
    #[serde(default = "default_method")]
    method: String,
    #[serde(default = "default_path")]
    path: String,
    content_type: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    payload: String,
    #[serde(default)]
    extra_signed_headers: Vec<String>,
    #[serde(default)]
    unsigned_payload: bool,
}

fn default_method() -> String {
    "POST".into()
}

fn default_path() -> String {
    "/".into()
}

impl fmt::Debug for Tc3Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tc3Input")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("service", &self.service)
            .field("action", &self.action)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// Every stage of the TC3 signature, in computation order.
#[derive(Debug, Serialize)]
struct Tc3Stages {
    hashed_payload: String,
    canonical_headers: String,
    signed_headers: String,
    canonical_request: String,
    hashed_canonical_request: String,
    date: String,
    credential_scope: String,
    string_to_sign: String,
    secret_date_hex: String,
    secret_service_hex: String,
    secret_signing_hex: String,
    signature: String,
    authorization: String,
    headers_to_send: Vec<(String, String)>,
}

/// Runs `cos-sts sign tc3`.
pub(super) fn run(args: &Tc3Args) -> CommandResult {
    let what = "TC3 call description";
    let input: Tc3Input = parse_json(&read_input(&args.input, what)?, what)?;
    let stages = stages(&input)?;
    print(&to_json(&stages, true)?)?;
    Ok(Outcome::Success)
}

fn stages(input: &Tc3Input) -> Result<Tc3Stages, Failure> {
    let signed = sign(input).map_err(|error| Failure::input(format!("cannot sign: {error}")))?;
    let keys = DerivedKeys::derive(&input.secret_key, signed.date(), &input.service);
    Ok(Tc3Stages {
        hashed_payload: signed.hashed_payload().to_owned(),
        canonical_headers: signed.canonical_headers().to_owned(),
        signed_headers: signed.signed_headers().to_owned(),
        canonical_request: signed.canonical_request().to_owned(),
        hashed_canonical_request: signed.hashed_canonical_request().to_owned(),
        date: signed.date().to_owned(),
        credential_scope: signed.credential_scope().to_owned(),
        string_to_sign: signed.string_to_sign().to_owned(),
        secret_date_hex: hex::encode(keys.secret_date()),
        secret_service_hex: hex::encode(keys.secret_service()),
        secret_signing_hex: hex::encode(keys.secret_signing()),
        signature: signed.signature().to_owned(),
        authorization: signed.authorization().to_owned(),
        headers_to_send: signed
            .headers_to_send()
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
    })
}

fn sign(input: &Tc3Input) -> Result<Tc3Signature, tc3_signer::SignError> {
    let headers = [("Content-Type", input.content_type.as_str())];
    let request = SignableRequest::new(&input.method, &input.path)
        .with_host(&input.host)
        .with_query(&input.query)
        .with_headers(&headers)
        .with_body(input.payload.as_bytes());
    let mut params = Tc3Params::new(
        &input.service,
        &input.action,
        &input.version,
        input.timestamp,
    );
    if let Some(region) = &input.region {
        params = params.with_region(region);
    }
    if let Some(language) = &input.language {
        params = params.with_language(language);
    }
    for name in &input.extra_signed_headers {
        params = params.sign_header(name);
    }
    if input.unsigned_payload {
        params = params.with_payload(PayloadMode::Unsigned);
    }
    let mut credential = Credential::new(&input.secret_id, &input.secret_key);
    if let Some(token) = &input.token {
        credential = credential.with_token(token);
    }
    tc3_signer::tc3::sign(&request, &params, &credential)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"secret_id":"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE","secret_key":"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        "token":"SECRETTOKEN","service":"cvm","host":"cvm.tencentcloudapi.com","region":"ap-guangzhou",
        "action":"DescribeInstances","version":"2017-03-12","timestamp":1551113065,
        "content_type":"application/json; charset=utf-8","payload":"{}"}"#;

    #[test]
    fn defaults_to_post_on_root_and_derives_keys() {
        let input: Tc3Input = serde_json::from_str(DOC).unwrap();
        let stages = stages(&input).unwrap();
        assert!(stages.canonical_request.starts_with("POST\n/\n\n"));
        assert_eq!(
            stages.secret_signing_hex,
            "ac658d5dde49e9bfdd14e04e062f66b05d9f637d44b8a8d845327d4a77f666b1"
        );
        assert!(
            stages
                .headers_to_send
                .iter()
                .any(|(n, v)| n == "X-TC-Token" && v == "SECRETTOKEN")
        );
    }

    #[test]
    fn debug_hides_secret_key_and_token() {
        let input: Tc3Input = serde_json::from_str(DOC).unwrap();
        let shown = format!("{input:?} {input:#?}");
        assert!(
            !shown.contains("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
            "{shown}"
        );
        assert!(!shown.contains("SECRETTOKEN"), "{shown}");
    }

    #[test]
    fn rejected_input_is_bad_input() {
        let input: Tc3Input = serde_json::from_str(
            &DOC.replace("\"POST\"", "\"P T\"")
                .replace("\"service\":\"cvm\"", "\"service\":\"\""),
        )
        .unwrap();
        assert!(
            matches!(stages(&input), Err(Failure::BadInput(m)) if m.starts_with("cannot sign"))
        );
    }
}
