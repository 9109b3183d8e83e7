//! `cos-sts sign` and `cos-sts sign tc3` against every signer vector, stage by stage, and on
//! bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli_support;

use cli_support::{arg, cos_sts, temp_file, vectors};
use serde_json::{Value, json};

/// Compares every field of `expected` with the same field of `actual`.
fn compare_stages(id: &str, expected: &Value, actual: &Value, failures: &mut Vec<String>) {
    for (stage, want) in expected.as_object().unwrap() {
        if actual.get(stage) != Some(want) {
            failures.push(format!(
                "{id}: stage {stage}:\n  expected {want}\n  actual   {}",
                actual.get(stage).unwrap_or(&Value::Null)
            ));
        }
    }
}

#[test]
fn sign_matches_every_cos_vector_stage_by_stage() {
    let vectors = vectors("cos-sign.json", "vectors");
    assert!(vectors.len() >= 43, "{}", vectors.len());
    let mut failures = Vec::new();
    let mut errors = 0;
    for vector in &vectors {
        let id = vector["id"].as_str().unwrap();
        let expected = &vector["expected"];
        let run = cos_sts(
            &["sign", "--input", "-"],
            Some(&vector["input"].to_string()),
        );
        if let Some(error) = expected.get("error") {
            errors += 1;
            // The spec rejects the input: exit 2 naming the reason, nothing on stdout.
            let name = error.as_str().unwrap().rsplit(' ').next().unwrap();
            if run.code != 2 || !run.stderr.contains(name) || !run.stdout.is_empty() {
                failures.push(format!("{id}: expected a rejection naming {name}: {run:?}"));
            }
            continue;
        }
        if run.code != 0 {
            failures.push(format!("{id}: exit {}: {}", run.code, run.stderr));
            continue;
        }
        let actual = run.json();
        compare_stages(id, expected, &actual, &mut failures);
        // What to send is the authorization (no token in these vectors).
        let to_add = json!([["authorization", expected["authorization"]]]);
        if actual["headers_to_add"] != to_add {
            failures.push(format!("{id}: headers_to_add {}", actual["headers_to_add"]));
        }
    }
    assert_eq!(errors, 1, "the vector file has one rejected input");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sign_tc3_matches_every_tc3_vector_stage_by_stage() {
    let vectors = vectors("tc3-sign.json", "vectors");
    assert!(vectors.len() >= 15, "{}", vectors.len());
    let mut failures = Vec::new();
    for vector in &vectors {
        let id = vector["id"].as_str().unwrap();
        let expected = &vector["expected"];
        let file = temp_file(&format!("tc3-{id}.json"), &vector["input"].to_string());
        let run = cos_sts(&["sign", "tc3", "--input", arg(&file)], None);
        if expected.get("error").is_some() {
            if run.code != 2 {
                failures.push(format!("{id}: expected a rejection: {run:?}"));
            }
            continue;
        }
        if run.code != 0 {
            failures.push(format!("{id}: exit {}: {}", run.code, run.stderr));
            continue;
        }
        compare_stages(id, expected, &run.json(), &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sign_with_a_token_signs_and_adds_the_token_header() {
    let input = json!({
        "secret_id": "AKIDEXAMPLE",
        "secret_key": "secret",
        "key_time": "1700000000;1700003600",
        "method": "PUT",
        "path": "/a.txt",
        "headers": [["Host", "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"]],
        "token": "session-token"
    });
    let out = cos_sts(&["sign", "--input", "-"], Some(&input.to_string()))
        .expect(0)
        .json();
    assert_eq!(out["header_list"], "host;x-cos-security-token");
    assert!(
        out["http_headers"]
            .as_str()
            .unwrap()
            .contains("x-cos-security-token=session-token")
    );
    assert_eq!(
        out["headers_to_add"][1],
        json!(["x-cos-security-token", "session-token"])
    );
}

#[test]
fn sign_bad_input_exits_2_with_a_clear_message() {
    let valid = json!({
        "secret_id": "AKID", "secret_key": "k", "key_time": "1;2", "method": "GET", "path": "/"
    });
    let with = |key: &str, value: Value| {
        let mut input = valid.clone();
        input[key] = value;
        input.to_string()
    };
    let without = |key: &str| {
        let mut input = valid.clone();
        input.as_object_mut().unwrap().remove(key);
        input.to_string()
    };
    let cases = [
        (
            "{\"secret_id\":".to_owned(),
            "malformed request description",
        ),
        ("[]".to_owned(), "malformed request description"),
        (without("key_time"), "key_time"),
        (without("secret_key"), "secret_key"),
        (without("path"), "path"),
        (with("key_time", json!("2;1")), "key_time"),
        (with("key_time", json!("soon")), "key_time"),
        (
            with("header_policy", json!("some")),
            "unknown variant `some`, expected one of `default`, `whitelist`, `all`",
        ),
        (with("hedaers", json!([])), "hedaers"),
        (
            with("headers", json!([["Host"]])),
            "malformed request description",
        ),
        (with("path", json!("no-slash")), "path"),
        (with("method", json!("G T")), "method"),
    ];
    for (input, needle) in cases {
        let run = cos_sts(&["sign", "--input", "-"], Some(&input));
        assert_eq!(run.code, 2, "{input}: {run:?}");
        assert!(
            run.stderr.contains(needle),
            "{input}: stderr lacks {needle:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{input}: {}", run.stdout);
    }
    // Usage errors.
    cos_sts(&["sign"], None).expect(2);
    cos_sts(&["sign", "tc3"], None).expect(2);
    let run = cos_sts(&["sign", "--input", "/nonexistent/req.json"], None).expect(2);
    assert!(
        run.stderr.contains("/nonexistent/req.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn sign_tc3_bad_input_exits_2() {
    let run = cos_sts(&["sign", "tc3", "--input", "-"], Some("{}")).expect(2);
    assert!(run.stderr.contains("missing field"), "{}", run.stderr);
    let input = json!({
        "secret_id": "AKID", "secret_key": "k", "service": "cvm", "host": "cvm.tencentcloudapi.com",
        "action": "DescribeInstances", "version": "2017-03-12", "timestamp": 1551113065,
        "content_type": "application/json", "method": "G T"
    });
    let run = cos_sts(&["sign", "tc3", "--input", "-"], Some(&input.to_string())).expect(2);
    assert!(run.stderr.contains("cannot sign"), "{}", run.stderr);
}

#[test]
fn sign_help_has_examples() {
    for args in [&["sign", "--help"][..], &["sign", "tc3", "--help"][..]] {
        let run = cos_sts(args, None).expect(0);
        assert!(run.stdout.contains("Examples:"), "{args:?}");
        assert!(run.stdout.contains("cos-sts sign"), "{args:?}");
    }
}

/// The JSON between `cat > FILE <<'JSON'` and `JSON` in a help text.
fn heredoc(help: &str) -> String {
    let start = help.find("<<'JSON'\n").unwrap() + "<<'JSON'\n".len();
    let end = start + help[start..].find("\n  JSON").unwrap();
    help[start..end].to_owned()
}

#[test]
fn help_examples_sign() {
    let help = cos_sts(&["sign", "--help"], None).expect(0).stdout;
    let out = cos_sts(&["sign", "--input", "-"], Some(&heredoc(&help)))
        .expect(0)
        .json();
    assert_eq!(out["url_param_list"], "acl");
    assert_eq!(out["header_list"], "content-type;host");

    let help = cos_sts(&["sign", "tc3", "--help"], None).expect(0).stdout;
    let out = cos_sts(&["sign", "tc3", "--input", "-"], Some(&heredoc(&help)))
        .expect(0)
        .json();
    assert_eq!(out["credential_scope"], "2019-02-25/cvm/tc3_request");
}
