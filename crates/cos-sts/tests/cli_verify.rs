//! `cos-sts verify`: valid signatures exit 0; each kind of failure exits 1 and says why;
//! unusable input exits 2.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{arg, cos_sts, temp_file, vectors};
use serde_json::{Value, json};

/// The doc's "upload an object" vector: input and expected stages.
fn put_vector() -> (Value, Value) {
    let vector = vectors("cos-sign.json", "vectors")
        .into_iter()
        .find(|v| v["id"] == "doc-put-object")
        .unwrap();
    (vector["input"].clone(), vector["expected"].clone())
}

/// A time inside the vector's key time.
const INSIDE: &str = "1557990000";

fn verify_input(input: &Value, extra: &[&str]) -> cli_support::Run {
    let file = temp_file("verify.json", &input.to_string());
    let mut args = vec!["verify", "--input", arg(&file)];
    args.extend_from_slice(extra);
    cos_sts(&args, None)
}

#[test]
fn valid_authorization_exits_0() {
    let (input, expected) = put_vector();
    let auth = expected["authorization"].as_str().unwrap();
    let run = verify_input(&input, &["--authorization", auth, "--now", INSIDE]).expect(0);
    assert!(run.stdout.starts_with("valid\n"), "{}", run.stdout);
    assert!(run.stdout.contains("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"));
    let json = verify_input(
        &input,
        &["--authorization", auth, "--now", INSIDE, "--json"],
    )
    .expect(0)
    .json();
    assert_eq!(json["valid"], true);
    assert_eq!(json["signature"]["location"], "header");
    assert_eq!(json["signature"]["key_time"], "1557989151;1557996351");
    assert_eq!(json["signature"]["header_list"][0], "content-length");
}

#[test]
fn authorization_header_inside_the_input_is_used() {
    let (mut input, expected) = put_vector();
    input["headers"]
        .as_array_mut()
        .unwrap()
        .push(json!(["Authorization", expected["authorization"]]));
    verify_input(&input, &["--now", INSIDE]).expect(0);
}

#[test]
fn wrong_secret_key_shows_the_server_strings() {
    let (input, expected) = put_vector();
    let auth = expected["authorization"].as_str().unwrap();
    let args = [
        "--authorization",
        auth,
        "--now",
        INSIDE,
        "--secret-key",
        "wrong",
    ];
    let run = verify_input(&input, &args).expect(1);
    assert!(
        run.stdout
            .starts_with("not valid: signature does not match"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("not valid"), "{}", run.stderr);
    // Shown escaped exactly as `cos-sts sign` prints it.
    let escaped = serde_json::to_string(&expected["string_to_sign"]).unwrap();
    assert!(run.stdout.contains(&escaped), "{}", run.stdout);

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let report = verify_input(&input, &json_args).expect(1).json();
    assert_eq!(report["reason"], "signature_mismatch");
    // Same request: the server's strings are the client's.
    assert_eq!(report["server_string_to_sign"], expected["string_to_sign"]);
    assert_eq!(report["server_http_string"], expected["http_string"]);
}

#[test]
fn changed_request_shows_what_the_server_hashed() {
    let (mut input, expected) = put_vector();
    let auth = expected["authorization"].as_str().unwrap().to_owned();
    input["path"] = json!("/another-object");
    let report = verify_input(
        &input,
        &["--authorization", &auth, "--now", INSIDE, "--json"],
    )
    .expect(1)
    .json();
    assert_eq!(report["reason"], "signature_mismatch");
    // The server's http string is that of the changed request, as `sign` computes it.
    let signed = cos_sts(&["sign", "--input", "-"], Some(&input.to_string()))
        .expect(0)
        .json();
    assert_eq!(report["server_http_string"], signed["http_string"]);
    assert_eq!(report["server_string_to_sign"], signed["string_to_sign"]);
    assert_ne!(report["server_http_string"], expected["http_string"]);
}

#[test]
fn each_failure_is_named() {
    let (input, expected) = put_vector();
    let auth = expected["authorization"].as_str().unwrap().to_owned();
    let reason = |input: &Value, extra: &[&str]| {
        let mut args = vec!["--authorization", &auth, "--json"];
        args.extend_from_slice(extra);
        verify_input(input, &args).expect(1).json()["reason"].clone()
    };
    assert_eq!(reason(&input, &["--now", "1557996352"]), "expired");
    assert_eq!(reason(&input, &["--now", "1557989150"]), "not_yet_valid");
    assert_eq!(
        reason(&input, &["--now", INSIDE, "--secret-id", "AKIDother"]),
        "wrong_secret_id"
    );
    let mut no_md5 = input.clone();
    no_md5["headers"]
        .as_array_mut()
        .unwrap()
        .retain(|pair| pair[0] != "Content-MD5");
    assert_eq!(reason(&no_md5, &["--now", INSIDE]), "missing_signed_header");

    // Tolerance widens the window.
    verify_input(
        &input,
        &[
            "--authorization",
            &auth,
            "--now",
            "1557996360",
            "--tolerance",
            "10",
        ],
    )
    .expect(0);
    // A garbage header is reported as malformed, exit 1.
    let run = verify_input(&input, &["--authorization", "garbage", "--now", INSIDE]).expect(1);
    assert!(
        run.stdout.starts_with("not valid: malformed signature"),
        "{}",
        run.stdout
    );
}

#[test]
fn every_presigned_vector_url_verifies() {
    for vector in vectors("cos-sign.json", "presigned") {
        let id = vector["id"].as_str().unwrap();
        let input = &vector["input"];
        let url = vector["expected"]["url"].as_str().unwrap();
        let mut args = vec![
            "verify".to_owned(),
            "--url".to_owned(),
            url.to_owned(),
            "--method".to_owned(),
            input["method"].as_str().unwrap().to_owned(),
            "--secret-id".to_owned(),
            input["secret_id"].as_str().unwrap().to_owned(),
            "--secret-key".to_owned(),
            input["secret_key"].as_str().unwrap().to_owned(),
            "--now".to_owned(),
            "1700000100".to_owned(),
        ];
        for header in input["headers"].as_array().unwrap() {
            args.push("--header".to_owned());
            args.push(format!(
                "{}: {}",
                header[0].as_str().unwrap(),
                header[1].as_str().unwrap()
            ));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = cos_sts(&args, None);
        assert_eq!(run.code, 0, "{id}: {run:?}");
        assert!(
            run.stdout.contains("signature in:   query"),
            "{id}: {}",
            run.stdout
        );

        // Tampering with the key breaks it, and the server's http string shows the new path.
        let tampered = url.replacen(".myqcloud.com/", ".myqcloud.com/x", 1);
        let mut tampered_args = args.clone();
        tampered_args[2] = &tampered;
        tampered_args.push("--json");
        let report = cos_sts(&tampered_args, None).expect(1).json();
        assert_eq!(report["reason"], "signature_mismatch", "{id}");
        let http_string = report["server_http_string"].as_str().unwrap();
        assert!(
            http_string.split('\n').nth(1).unwrap().starts_with("/x"),
            "{id}: {http_string}"
        );
    }
}

#[test]
fn presigned_url_missing_a_signed_header_is_named() {
    let vector = vectors("cos-sign.json", "presigned")
        .into_iter()
        .find(|v| v["id"] == "presign-put-content-type")
        .unwrap();
    let input = &vector["input"];
    let run = cos_sts(
        &[
            "verify",
            "--url",
            vector["expected"]["url"].as_str().unwrap(),
            "--method",
            "PUT",
            "--secret-key",
            input["secret_key"].as_str().unwrap(),
            "--now",
            "1700000100",
        ],
        None,
    )
    .expect(1);
    assert!(
        run.stdout
            .contains("signed header `content-type` is missing"),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_bad_input_exits_2() {
    let (input, expected) = put_vector();
    let auth = expected["authorization"].as_str().unwrap();
    // Neither --url nor --input.
    cos_sts(&["verify", "--secret-key", "k"], None).expect(2);
    // --authorization needs the request.
    cos_sts(
        &["verify", "--authorization", auth, "--secret-key", "k"],
        None,
    )
    .expect(2);
    // Not a URL.
    let run = cos_sts(&["verify", "--url", "ftp://h/k", "--secret-key", "k"], None).expect(2);
    assert!(run.stderr.contains("http"), "{}", run.stderr);
    // No secret key anywhere.
    let run = cos_sts(&["verify", "--url", "https://h/k?q-ak=x"], None).expect(2);
    assert!(run.stderr.contains("--secret-key"), "{}", run.stderr);
    let mut keyless = input.clone();
    keyless.as_object_mut().unwrap().remove("secret_key");
    let run = verify_input(&keyless, &["--authorization", auth]).expect(2);
    assert!(run.stderr.contains("--secret-key"), "{}", run.stderr);
    // Malformed description.
    let file = temp_file("verify-malformed.json", "{\"method\":");
    let run = cos_sts(
        &["verify", "--input", arg(&file), "--secret-key", "k"],
        None,
    )
    .expect(2);
    assert!(
        run.stderr.contains("malformed request description"),
        "{}",
        run.stderr
    );
    // A malformed --header.
    cos_sts(
        &[
            "verify",
            "--url",
            "https://h/k",
            "--secret-key",
            "k",
            "--header",
            "novalue",
        ],
        None,
    )
    .expect(2);
    // The secret key never appears in the output.
    let run = cos_sts(
        &[
            "verify",
            "--url",
            "https://h/k?q-ak=x",
            "--secret-key",
            "SUPERSECRET",
            "--now",
            "1",
        ],
        None,
    );
    assert!(!run.stdout.contains("SUPERSECRET") && !run.stderr.contains("SUPERSECRET"));
}

#[test]
fn verify_help_has_examples() {
    let run = cos_sts(&["verify", "--help"], None).expect(0);
    assert!(run.stdout.contains("Examples:"));
    assert!(run.stdout.contains("cos-sts verify --input"));
}
