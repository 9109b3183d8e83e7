//! Every TC3 vector of `tests/vectors/tc3-sign.json`, checked stage by stage, plus the
//! `GetFederationToken` vector of `sts.md` §5.2 and a sign → verify round trip per vector.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::Value;
use support::{text, vector_array};
use tc3_signer::tc3::{
    Authorization, DerivedKeys, PayloadMode, Tc3Params, Tc3Signature, VerifyParams,
    authorization_of, sign, sign_http, verify,
};
use tc3_signer::{Credential, IncomingRequest, SignableRequest};

const EXPECTED_VECTORS: usize = 15;

fn vectors() -> Vec<Value> {
    vector_array("tc3-sign.json", "vectors")
}

/// Signs the vector's input; the returned borrowed parts live in the vector.
fn sign_vector(input: &Value) -> Result<Tc3Signature, tc3_signer::SignError> {
    let headers = [("Content-Type", text(&input["content_type"]))];
    let request = SignableRequest::new(text(&input["method"]), "/")
        .with_host(text(&input["host"]))
        .with_query(text(&input["query"]))
        .with_headers(&headers)
        .with_body(text(&input["payload"]).as_bytes());
    let mut params = Tc3Params::new(
        text(&input["service"]),
        text(&input["action"]),
        text(&input["version"]),
        input["timestamp"].as_u64().unwrap(),
    )
    .with_region(text(&input["region"]))
    .with_language(text(&input["language"]));
    for extra in input["extra_signed_headers"].as_array().unwrap() {
        params = params.sign_header(text(extra));
    }
    if input["unsigned_payload"].as_bool().unwrap() {
        params = params.with_payload(PayloadMode::Unsigned);
    }
    let mut credential = Credential::new(text(&input["secret_id"]), text(&input["secret_key"]));
    if let Some(token) = input["token"].as_str() {
        credential = credential.with_token(token);
    }
    sign(&request, &params, &credential)
}

#[test]
fn every_vector_matches_stage_by_stage() {
    let vectors = vectors();
    assert_eq!(vectors.len(), EXPECTED_VECTORS, "vector count changed");
    let mut failures = Vec::new();
    for vector in &vectors {
        let id = text(&vector["id"]);
        let (input, expected) = (&vector["input"], &vector["expected"]);
        let result = sign_vector(input);
        if expected.get("error").is_some() {
            if result.is_ok() {
                failures.push(format!("{id}: expected an error, signing succeeded"));
            }
            continue;
        }
        let signed = match result {
            Ok(signed) => signed,
            Err(error) => {
                failures.push(format!("{id}: signing failed: {error}"));
                continue;
            }
        };
        let keys = DerivedKeys::derive(
            text(&input["secret_key"]),
            signed.date(),
            text(&input["service"]),
        );
        let stages: [(&str, String); 14] = [
            ("hashed_payload", signed.hashed_payload().to_owned()),
            ("canonical_headers", signed.canonical_headers().to_owned()),
            ("signed_headers", signed.signed_headers().to_owned()),
            ("canonical_request", signed.canonical_request().to_owned()),
            (
                "hashed_canonical_request",
                signed.hashed_canonical_request().to_owned(),
            ),
            ("date", signed.date().to_owned()),
            ("credential_scope", signed.credential_scope().to_owned()),
            ("string_to_sign", signed.string_to_sign().to_owned()),
            ("secret_date_hex", hex::encode(keys.secret_date())),
            ("secret_service_hex", hex::encode(keys.secret_service())),
            ("secret_signing_hex", hex::encode(keys.secret_signing())),
            ("signature", signed.signature().to_owned()),
            ("authorization", signed.authorization().to_owned()),
            ("signature_via_keys", keys.sign(signed.string_to_sign())),
        ];
        for (stage, actual) in stages {
            let key = if stage == "signature_via_keys" {
                "signature"
            } else {
                stage
            };
            let want = text(&expected[key]);
            if actual != want {
                failures.push(format!(
                    "{id}: stage {stage}:\n  expected {want:?}\n  actual   {actual:?}"
                ));
            }
        }
        let want_headers: Vec<(String, String)> = expected["headers_to_send"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (text(&pair[0]).to_owned(), text(&pair[1]).to_owned()))
            .collect();
        let got_headers: Vec<(String, String)> = signed
            .headers_to_send()
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        if got_headers != want_headers {
            failures.push(format!(
                "{id}: stage headers_to_send:\n  expected {want_headers:?}\n  actual   {got_headers:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_vector_verifies_as_sent() {
    for vector in vectors() {
        let id = text(&vector["id"]);
        let input = &vector["input"];
        let signed = sign_vector(input).unwrap_or_else(|error| panic!("{id}: {error}"));
        // The request as the server receives it: the body, the raw query and the sent headers.
        let received: Vec<(&str, &str)> = signed.headers_to_send().iter().collect();
        let incoming = IncomingRequest::new(
            text(&input["method"]),
            "/",
            text(&input["query"]),
            &received,
        )
        .with_body(text(&input["payload"]).as_bytes());
        let Authorization::Tc3(presented) = authorization_of(&incoming).unwrap() else {
            panic!("{id}: not a TC3 authorization");
        };
        let now = input["timestamp"].as_u64().unwrap() + 299;
        let verified = verify(
            &incoming,
            &presented,
            text(&input["secret_key"]),
            &VerifyParams::new(text(&input["service"]), now),
        )
        .unwrap_or_else(|error| panic!("{id}: {error}"));
        assert_eq!(verified.secret_id(), text(&input["secret_id"]), "{id}");
        assert_eq!(
            verified.payload_signed(),
            !input["unsigned_payload"].as_bool().unwrap(),
            "{id}"
        );
    }
}

/// `sts.md` §5.2: the official Python SDK's `GetFederationToken` request (body written by
/// `json.dumps`, so `", "` and `": "` separators).
#[test]
fn sts_md_get_federation_token_python_body() {
    let policy = "%7B%22version%22%3A%222.0%22%2C%22statement%22%3A%5B%7B%22effect%22%3A%22allow%22%2C%22action%22%3A%5B%22name%2Fcos%3APutObject%22%5D%2C%22resource%22%3A%5B%22qcs%3A%3Acos%3Aap-guangzhou%3Auid%2F1250000000%3Aexamplebucket-1250000000%2Fexampleobject%22%5D%7D%5D%7D";
    let body = format!(r#"{{"Name": "cos-sts", "Policy": "{policy}", "DurationSeconds": 1800}}"#);
    let headers = [("Content-Type", "application/json")];
    let request = SignableRequest::new("POST", "/")
        .with_host("sts.tencentcloudapi.com")
        .with_headers(&headers)
        .with_body(body.as_bytes());
    let params = Tc3Params::new("sts", "GetFederationToken", "2018-08-13", 1_700_000_000)
        .with_region("ap-guangzhou");
    let signed = sign(
        &request,
        &params,
        &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE"),
    )
    .unwrap();
    assert_eq!(
        signed.hashed_payload(),
        "799249d4b9daa0c66599ec78f3b0b2946a42e1ff952c433a8aa35105d7b6431a"
    );
    assert_eq!(
        signed.hashed_canonical_request(),
        "8611b0698767cfd146f65c2174290f31e2e59e88a57ac5b590af0f2b9966064b"
    );
    assert_eq!(
        signed.signature(),
        "08bc3aef27d4dfa709f2dcb9dde70ee5a81692cad189819e8b7df7e273fc8adb"
    );
    assert_eq!(
        signed.authorization(),
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/sts/tc3_request, SignedHeaders=content-type;host, \
         Signature=08bc3aef27d4dfa709f2dcb9dde70ee5a81692cad189819e8b7df7e273fc8adb"
    );
}

/// `http::Request` input gives the same signature as borrowed parts, and a second signing
/// (a retry) replaces the headers of the first.
#[test]
fn http_request_input_matches_parts() {
    let vector = vectors()
        .into_iter()
        .find(|v| v["id"] == "cvm-get-encoded-query")
        .unwrap();
    let input = &vector["input"];
    let uri = format!(
        "https://{}/?{}",
        text(&input["host"]),
        text(&input["query"])
    );
    let mut request = http::Request::get(uri)
        .header("Content-Type", text(&input["content_type"]))
        .body(Vec::<u8>::new())
        .unwrap();
    let params = Tc3Params::new("cvm", "DescribeInstances", "2017-03-12", 1_551_113_065)
        .with_region("ap-guangzhou");
    let credential = Credential::new(text(&input["secret_id"]), text(&input["secret_key"]));
    let signed = sign_http(&mut request, &params, &credential).unwrap();
    assert_eq!(signed.signature(), text(&vector["expected"]["signature"]));
    assert_eq!(request.headers()["x-tc-region"], "ap-guangzhou");
    assert_eq!(
        request.headers()["authorization"].to_str().unwrap(),
        text(&vector["expected"]["authorization"])
    );
    // A retry signs the signed request again: the old `Authorization` is not signed and every
    // header is replaced, not repeated.
    let again = sign_http(&mut request, &params, &credential).unwrap();
    assert_eq!(again.signature(), signed.signature());
    assert_eq!(request.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(
        request.headers().get_all("x-tc-timestamp").iter().count(),
        1
    );
    // A temporary credential's token is sent marked sensitive, and not carried over to a
    // retry with a credential without one.
    let temporary = Credential::new("AKIDTEMP", "key").with_token("TOKEN-1");
    sign_http(&mut request, &params, &temporary).unwrap();
    assert_eq!(request.headers()["x-tc-token"], "TOKEN-1");
    assert!(request.headers()["x-tc-token"].is_sensitive());
    assert!(request.headers()["authorization"].is_sensitive());
    sign_http(&mut request, &params, &credential).unwrap();
    assert!(!request.headers().contains_key("x-tc-token"));
    // On error the request is left unchanged.
    let before = request.headers().clone();
    let bad = Credential::new("AKID\nX: y", "key");
    assert!(sign_http(&mut request, &params, &bad).is_err());
    assert_eq!(request.headers(), &before);
}

/// Secrets (secret key, token, derived keys) never reach `Debug`, `Display` or errors.
#[test]
fn no_secret_in_debug_display_or_errors() {
    const KEY: &str = "SECRETKEY-0123456789";
    const TOKEN: &str = "SESSIONTOKEN-0123456789";
    let credential = Credential::new("AKIDPUBLIC", KEY).with_token(TOKEN);
    let headers = [("Content-Type", "application/json")];
    let request = SignableRequest::new("POST", "/")
        .with_host("sts.tencentcloudapi.com")
        .with_headers(&headers)
        .with_body(b"{}");
    // Signing x-tc-token puts the token into the canonical request.
    let params =
        Tc3Params::new("sts", "AssumeRole", "2018-08-13", 1_700_000_000).sign_header("x-tc-token");
    let signed = sign(&request, &params, &credential).unwrap();
    let keys = DerivedKeys::derive(KEY, signed.date(), "sts");

    let received: Vec<(&str, &str)> = signed.headers_to_send().iter().collect();
    let incoming = IncomingRequest::new("POST", "/", "", &received).with_body(b"{}");
    let Authorization::Tc3(presented) = authorization_of(&incoming).unwrap() else {
        panic!("not TC3");
    };
    let error = verify(
        &incoming,
        &presented,
        "WRONG-KEY",
        &VerifyParams::new("sts", 1_700_000_000),
    )
    .unwrap_err();
    let tc3_signer::VerifyError::Tc3SignatureMismatch {
        canonical_request, ..
    } = &error
    else {
        panic!("unexpected {error:?}");
    };
    assert!(
        canonical_request.contains("x-tc-token:<redacted>"),
        "{canonical_request}"
    );

    let shown = format!(
        "{signed:?}\n{signed:#?}\n{:?}\n{keys:?}\n{keys:#?}\n{incoming:?}\n{presented:?}\n{presented}\n{error}\n{error:?}\n{credential:?}",
        signed.headers_to_send()
    );
    for secret in [
        KEY,
        TOKEN,
        &TOKEN.to_ascii_lowercase(),
        &hex::encode(keys.secret_signing()),
    ] {
        assert!(!shown.contains(secret), "`{secret}` leaked:\n{shown}");
    }
}
