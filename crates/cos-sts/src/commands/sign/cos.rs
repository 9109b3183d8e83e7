//! `cos-sts sign`: every stage of a COS `q-sign-algorithm=sha1` signature.

use std::path::Path;

use serde::Serialize;
use tc3_signer::Credential;
use tc3_signer::cos::{KeyTime, RequestSignature, SignableRequest, Signer};

use super::cos_input::{CosInput, required};
use crate::commands::outcome::{
    CommandResult, Failure, Outcome, parse_json, print, read_input, to_json,
};

/// Every stage of spec section 1, in computation order.
#[derive(Debug, Serialize)]
struct CosStages {
    key_time: String,
    sign_key: String,
    url_param_list: String,
    http_parameters: String,
    header_list: String,
    http_headers: String,
    http_string: String,
    sha1_http_string: String,
    string_to_sign: String,
    signature: String,
    authorization: String,
    headers_to_add: Vec<(String, String)>,
}

impl From<&RequestSignature> for CosStages {
    fn from(signed: &RequestSignature) -> Self {
        Self {
            key_time: signed.key_time().to_string(),
            sign_key: signed.sign_key().to_owned(),
            url_param_list: signed.url_param_list().to_owned(),
            http_parameters: signed.http_parameters().to_owned(),
            header_list: signed.header_list().to_owned(),
            http_headers: signed.http_headers().to_owned(),
            http_string: signed.http_string().to_owned(),
            sha1_http_string: signed.sha1_http_string().to_owned(),
            string_to_sign: signed.string_to_sign().to_owned(),
            signature: signed.signature().to_owned(),
            authorization: signed.authorization().to_owned(),
            headers_to_add: signed
                .headers_to_add()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
        }
    }
}

/// Runs `cos-sts sign --input FILE`.
pub(super) fn run(source: &Path) -> CommandResult {
    let what = "request description";
    let input: CosInput = parse_json(&read_input(source, what)?, what)?;
    let signed = sign(&input)?;
    print(&to_json(&CosStages::from(&signed), true)?)?;
    Ok(Outcome::Success)
}

/// Signs a request description; missing fields and rejected input are usage errors.
fn sign(input: &CosInput) -> Result<RequestSignature, Failure> {
    let secret_id = required(input.secret_id.as_deref(), "secret_id")?;
    let secret_key = required(input.secret_key.as_deref(), "secret_key")?;
    let key_time_text = required(input.key_time.as_deref(), "key_time")?;
    let key_time = KeyTime::parse(key_time_text)
        .map_err(|error| Failure::input(format!("invalid `key_time`: {error}")))?;
    let mut credential = Credential::new(secret_id, secret_key);
    if let Some(token) = &input.token {
        credential = credential.with_token(token);
    }
    let params = input.param_pairs();
    let headers = input.header_pairs();
    let parts = SignableRequest::new(&input.method, &input.path)
        .with_params(&params)
        .with_headers(&headers);
    Signer::new(&credential)
        .header_policy(input.header_policy.into())
        .sign(&parts, key_time)
        .map_err(|error| Failure::input(format!("cannot sign: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> CosInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn doc_example_sign_key_and_signature() {
        let signed = sign(&input(
            r#"{"secret_id":"AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q","secret_key":"BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
                "key_time":"1557989151;1557996351","method":"GET","path":"/"}"#,
        ))
        .unwrap();
        assert_eq!(
            signed.sign_key(),
            "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f"
        );
        let stages = CosStages::from(&signed);
        assert_eq!(
            stages.headers_to_add,
            [(
                "authorization".to_owned(),
                signed.authorization().to_owned()
            )]
        );
    }

    #[test]
    fn token_is_signed_and_added() {
        let signed = sign(&input(
            r#"{"secret_id":"AKID","secret_key":"k","key_time":"1;2","method":"GET","path":"/",
                "headers":[["Host","b-1250000000.cos.ap-beijing.myqcloud.com"]],"token":"tok"}"#,
        ))
        .unwrap();
        assert_eq!(signed.header_list(), "host;x-cos-security-token");
        let stages = CosStages::from(&signed);
        assert!(
            stages
                .headers_to_add
                .contains(&("x-cos-security-token".to_owned(), "tok".to_owned()))
        );
    }

    #[test]
    fn missing_fields_and_bad_key_time_are_named() {
        let missing = sign(&input(
            r#"{"secret_id":"a","secret_key":"k","method":"GET","path":"/"}"#,
        ));
        assert!(matches!(missing, Err(Failure::BadInput(m)) if m.contains("key_time")));
        let bad = sign(&input(
            r#"{"secret_id":"a","secret_key":"k","key_time":"2;1","method":"GET","path":"/"}"#,
        ));
        assert!(matches!(bad, Err(Failure::BadInput(m)) if m.contains("key_time")));
        let no_key = sign(&input(
            r#"{"secret_id":"a","key_time":"1;2","method":"GET","path":"/"}"#,
        ));
        assert!(matches!(no_key, Err(Failure::BadInput(m)) if m.contains("secret_key")));
    }
}
