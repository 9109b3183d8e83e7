//! The `legacy_v1` vectors of `tests/vectors/tc3-sign.json`, stage by stage, plus the v1
//! `GetFederationToken` vectors of `sts.md` §5.1, and sign → verify round trips.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use serde_json::Value;
use support::{text, vector_array};
use tc3_signer::v1::{
    SignatureMethod, V1Params, V1Presented, V1VerifyParams, parse_form, sign_params,
};
use tc3_signer::{Credential, VerifyError};

const EXPECTED_VECTORS: usize = 1;

fn legacy_vectors() -> Vec<Value> {
    vector_array("tc3-sign.json", "legacy_v1")
}

#[test]
fn every_legacy_vector_matches_stage_by_stage() {
    let vectors = legacy_vectors();
    assert_eq!(vectors.len(), EXPECTED_VECTORS, "vector count changed");
    let mut failures = Vec::new();
    for vector in &vectors {
        let id = text(&vector["id"]);
        let (input, expected) = (&vector["input"], &vector["expected"]);
        let params: Vec<(&str, &str)> = input["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| (text(&pair[0]), text(&pair[1])))
            .collect();
        let method = SignatureMethod::parse(text(&input["signature_method"])).unwrap();
        let result = sign_params(
            text(&input["method"]),
            text(&input["host"]),
            text(&input["path"]),
            &params,
            text(&input["secret_key"]),
            method,
        );
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
        for (stage, actual) in [
            ("source", signed.source()),
            ("signature", signed.signature()),
        ] {
            let want = text(&expected[stage]);
            if actual != want {
                failures.push(format!(
                    "{id}: stage {stage}:\n  expected {want:?}\n  actual   {actual:?}"
                ));
            }
        }
        // The full parameter set: the input plus `Signature`, sorted by name.
        let mut want_params: Vec<(String, String)> = params
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        want_params.push(("Signature".into(), text(&expected["signature"]).into()));
        want_params.sort();
        if signed.params() != want_params.as_slice() {
            failures.push(format!("{id}: stage params: {:?}", signed.params()));
        }
        // The form body decodes back to the same parameters.
        if parse_form(&signed.form_body()).unwrap() != want_params {
            failures.push(format!("{id}: stage form_body: {}", signed.form_body()));
        }
        // And the verifier accepts it at the vector's time.
        let presented = V1Presented::from_form(&signed.form_body()).unwrap();
        let now = presented.timestamp();
        let check = V1VerifyParams::new(text(&input["method"]), text(&input["host"]), now)
            .with_path(text(&input["path"]));
        if let Err(error) = presented.verify(text(&input["secret_key"]), &check) {
            failures.push(format!("{id}: verify: {error}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const STS_POLICY: &str = "%7B%22version%22%3A%222.0%22%2C%22statement%22%3A%5B%7B%22effect%22%3A%22allow%22%2C%22action%22%3A%5B%22name%2Fcos%3APutObject%22%5D%2C%22resource%22%3A%5B%22qcs%3A%3Acos%3Aap-guangzhou%3Auid%2F1250000000%3Aexamplebucket-1250000000%2Fexampleobject%22%5D%7D%5D%7D";

/// `sts.md` §5.1: the official Node helper's `GetFederationToken` call.
#[test]
fn sts_md_node_get_federation_token() {
    let signed = V1Params::new("GetFederationToken", "2018-08-13", 1_700_000_000, 15_000)
        .with_region("ap-guangzhou")
        .with_param("Name", "cos-sts-nodejs")
        .with_param("Policy", STS_POLICY)
        .with_param("DurationSeconds", "1800")
        .sign(
            "sts.tencentcloudapi.com",
            &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE"),
        )
        .unwrap();
    assert_eq!(
        signed.source(),
        format!(
            "POSTsts.tencentcloudapi.com/?Action=GetFederationToken&DurationSeconds=1800&Name=cos-sts-nodejs\
             &Nonce=15000&Policy={STS_POLICY}&Region=ap-guangzhou&SecretId=AKIDEXAMPLE&Timestamp=1700000000\
             &Version=2018-08-13"
        )
    );
    assert_eq!(signed.signature(), "uTVsrE0bO8+2eEyR9RkkogKb22g=");
    let body = signed.form_body();
    assert!(
        body.contains("Signature=uTVsrE0bO8%2B2eEyR9RkkogKb22g%3D"),
        "{body}"
    );
    assert!(body.contains("Policy=%257B%2522version%2522"), "{body}");
}

/// `sts.md` §5.1: the official Python SDK with `SignatureMethod` and `RequestClient` signed.
#[test]
fn sts_md_python_signature_methods() {
    for (method, expected) in [
        (
            SignatureMethod::HmacSha256,
            "Qoa+tv3ZXTQcsMdplF1dX7NrEFMdzKNkh0SKIcjilgc=",
        ),
        (SignatureMethod::HmacSha1, "b4OtyDJxdOpKMWQTE5/dWkn+BE0="),
    ] {
        let signed = V1Params::new("GetFederationToken", "2018-08-13", 1_700_000_000, 12_345)
            .with_region("ap-guangzhou")
            .with_param("Name", "cos-sts")
            .with_param("Policy", STS_POLICY)
            .with_param("DurationSeconds", "1800")
            .with_param("RequestClient", "SDK")
            .with_param("SignatureMethod", method.as_str())
            .with_signature_method(method)
            .sign(
                "sts.tencentcloudapi.com",
                &Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE"),
            )
            .unwrap();
        assert_eq!(signed.signature(), expected, "{method}");
        let presented = V1Presented::from_form(&signed.form_body()).unwrap();
        assert_eq!(presented.signature_method(), method);
        presented
            .verify(
                "SECRETKEYEXAMPLE",
                &V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 1_700_000_000),
            )
            .unwrap();
    }
}

#[test]
fn hmac_sha256_adds_signature_method_and_rejects_a_conflicting_one() {
    let signed = sign_params(
        "POST",
        "h",
        "/",
        &[("A", "1")],
        "k",
        SignatureMethod::HmacSha256,
    )
    .unwrap();
    assert_eq!(signed.source(), "POSTh/?A=1&SignatureMethod=HmacSHA256");
    assert!(
        sign_params(
            "POST",
            "h",
            "/",
            &[("SignatureMethod", "HmacSHA1")],
            "k",
            SignatureMethod::HmacSha256
        )
        .is_err()
    );
}

#[test]
fn verifier_rejects_tampering_and_stale_requests() {
    let credential = Credential::new("AKIDEXAMPLE", "SECRETKEY").with_token("SESSION-TOKEN-VALUE");
    let signed = V1Params::new("AssumeRole", "2018-08-13", 1_700_000_000, 1)
        .with_param("RoleSessionName", "s")
        .sign("sts.tencentcloudapi.com", &credential)
        .unwrap();
    let body = signed.form_body();
    let at = |now| V1VerifyParams::new("POST", "sts.tencentcloudapi.com", now);

    let presented = V1Presented::from_form(&body).unwrap();
    presented.verify("SECRETKEY", &at(1_700_000_300)).unwrap();
    assert!(matches!(
        presented.verify("SECRETKEY", &at(1_700_000_301)),
        Err(VerifyError::Expired {
            end: 1_700_000_300,
            ..
        })
    ));
    assert!(matches!(
        presented.verify("SECRETKEY", &at(1_699_999_699)),
        Err(VerifyError::NotYetValid { .. })
    ));
    assert!(
        presented
            .verify("SECRETKEY", &at(1_700_000_000).with_path("/x"))
            .is_err()
    );
    assert!(
        presented
            .verify(
                "SECRETKEY",
                &V1VerifyParams::new("GET", "sts.tencentcloudapi.com", 1_700_000_000)
            )
            .is_err()
    );
    let mismatch = presented.verify("OTHER", &at(1_700_000_000)).unwrap_err();
    let shown = format!("{mismatch} {mismatch:?} {presented:?}");
    assert!(!shown.contains("SESSION-TOKEN-VALUE"), "{shown}");
    assert!(matches!(mismatch, VerifyError::SignatureMismatch { .. }));

    let tampered = body.replace("RoleSessionName=s", "RoleSessionName=t");
    assert!(matches!(
        V1Presented::from_form(&tampered)
            .unwrap()
            .verify("SECRETKEY", &at(1_700_000_000)),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let duplicated = format!("{body}&Nonce=2");
    assert!(matches!(
        V1Presented::from_form(&duplicated),
        Err(VerifyError::Malformed { .. })
    ));
    let without_signature = body
        .split('&')
        .filter(|p| !p.starts_with("Signature="))
        .collect::<Vec<_>>()
        .join("&");
    assert!(matches!(
        V1Presented::from_form(&without_signature),
        Err(VerifyError::Malformed { .. })
    ));
}

/// The v1 types holding a token never show it.
#[test]
fn no_secret_in_v1_debug_or_errors() {
    const KEY: &str = "SECRETKEY-0123456789";
    const TOKEN: &str = "SESSIONTOKEN-0123456789";
    let signed = V1Params::new("AssumeRole", "2018-08-13", 1_700_000_000, 1)
        .sign(
            "sts.tencentcloudapi.com",
            &Credential::new("AKIDPUBLIC", KEY).with_token(TOKEN),
        )
        .unwrap();
    let presented = V1Presented::from_form(&signed.form_body()).unwrap();
    let error = presented
        .verify(
            "WRONG",
            &V1VerifyParams::new("POST", "sts.tencentcloudapi.com", 1_700_000_000),
        )
        .unwrap_err();
    let shown = format!("{signed:?}\n{signed:#?}\n{presented:?}\n{error}\n{error:?}");
    assert!(shown.contains("AKIDPUBLIC"));
    for secret in [KEY, TOKEN] {
        assert!(!shown.contains(secret), "`{secret}` leaked:\n{shown}");
    }
}
