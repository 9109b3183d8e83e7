//! Every POST-object policy vector of `vectors/post-policy.json`, checked stage by stage,
//! rebuilt with the policy builder where the vector's policy is compact, and verified by
//! the server-side form check.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

mod support;

use serde_json::Value;
use support::vector_array;
use tc3_signer::Credential;
use tc3_signer::VerifyError;
use tc3_signer::cos::KeyTime;
use tc3_signer::post_policy::{PolicyDocument, PostForm, Upload, sign_policy, verify_post};

fn vectors() -> Vec<Value> {
    vector_array("post-policy.json", "vectors")
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap()
}

fn pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn credential(input: &Value) -> Credential {
    let credential = Credential::new(text(input, "secret_id"), text(input, "secret_key"));
    match input["token"].as_str() {
        Some(token) => credential.with_token(token),
        None => credential,
    }
}

fn find<'a>(vectors: &'a [Value], id: &str) -> &'a Value {
    vectors.iter().find(|v| v["id"] == id).unwrap()
}

#[test]
fn every_vector_passes_stage_by_stage() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 5, "vector count changed");
    let mut failures = Vec::new();
    for vector in &vectors {
        let id = text(vector, "id");
        let input = &vector["input"];
        let expected = &vector["expected"];
        let key_time = KeyTime::parse(text(input, "key_time")).unwrap();
        let signed = sign_policy(&credential(input), text(input, "policy"), key_time).unwrap();
        for (name, actual) in [
            ("sign_key", signed.sign_key()),
            ("string_to_sign", signed.string_to_sign()),
            ("signature", signed.signature()),
            ("policy_base64", signed.policy_base64()),
        ] {
            if actual != text(expected, name) {
                failures.push(format!(
                    "{id}: {name}: expected {}, got {actual}",
                    expected[name]
                ));
            }
        }
        let mut expected_fields = pairs(&expected["form_fields"]);
        let (last, _) = expected_fields.pop().unwrap();
        assert_eq!(last, "file", "{id}: the file field comes last");
        let user_fields = pairs(&input["form"]);
        let borrowed: Vec<(&str, &str)> = user_fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let fields = signed.form_fields(&borrowed).unwrap();
        if fields != expected_fields {
            failures.push(format!(
                "{id}: form fields\n  expected {expected_fields:?}\n  actual   {fields:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn builder_reproduces_the_compact_policies_byte_for_byte() {
    let vectors = vectors();
    let token = "exampleSessionToken_0123456789-ABCDEFGHIJ_abcdefghij";
    let cases = [
        (
            "compact-minimal",
            PolicyDocument::new(1_700_003_600)
                .bucket("examplebucket-1250000000")
                .key_starts_with("uploads/"),
        ),
        (
            "with-token-and-length",
            PolicyDocument::new(1_700_001_800)
                .bucket("alt-1250000001")
                .field_equals("x-cos-security-token", token)
                .content_length_range(1, 10_485_760)
                .key("avatars/u1.png")
                .field_equals("success_action_status", "201"),
        ),
        (
            "unicode-policy",
            PolicyDocument::new(1_700_003_600)
                .key_starts_with("用户/照片/")
                .field_equals("x-cos-meta-title", "季度 报告"),
        ),
    ];
    for (id, document) in cases {
        let vector = find(&vectors, id);
        let input = &vector["input"];
        let key_time = KeyTime::parse(text(input, "key_time")).unwrap();
        let signed = document.sign(&credential(input), key_time).unwrap();
        assert_eq!(signed.policy(), text(input, "policy"), "{id}");
        assert_eq!(
            signed.signature(),
            text(&vector["expected"], "signature"),
            "{id}"
        );
    }
}

#[test]
fn builder_adds_the_token_condition_when_not_pinned() {
    let vectors = vectors();
    let input = &find(&vectors, "with-token-and-length")["input"];
    let key_time = KeyTime::parse(text(input, "key_time")).unwrap();
    let signed = PolicyDocument::new(1_700_001_800)
        .bucket("alt-1250000001")
        .sign(&credential(input), key_time)
        .unwrap();
    assert!(signed.policy().ends_with(
        r#"{"bucket":"alt-1250000001"},{"x-cos-security-token":"exampleSessionToken_0123456789-ABCDEFGHIJ_abcdefghij"}]}"#
    ));
}

#[test]
fn server_accepts_every_vector_form() {
    let vectors = vectors();
    let uploads = [
        (
            "doc-post-object",
            "examplebucket-1250000000",
            Some("photo.jpg"),
            "folder/subfolder/photo.jpg",
        ),
        (
            "compact-minimal",
            "examplebucket-1250000000",
            None,
            "uploads/a.jpg",
        ),
        (
            "with-token-and-length",
            "alt-1250000001",
            None,
            "avatars/u1.png",
        ),
        (
            "unicode-policy",
            "examplebucket-1250000000",
            None,
            "用户/照片/1.jpg",
        ),
    ];
    for (id, bucket, filename, expected_key) in uploads {
        let vector = find(&vectors, id);
        let input = &vector["input"];
        let mut fields = pairs(&vector["expected"]["form_fields"]);
        fields.pop(); // the file part
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let form = PostForm::parse(&borrowed).unwrap();
        assert_eq!(form.secret_id(), text(input, "secret_id"));
        let start = form.key_time().start();
        let mut upload = Upload::new(bucket, 100);
        if let Some(filename) = filename {
            upload = upload.with_filename(filename);
        }
        let accepted = verify_post(
            &form,
            text(input, "secret_key"),
            &upload,
            start + 1,
            Duration::ZERO,
        )
        .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(accepted.key(), expected_key, "{id}");
        // The wrong secret key fails on the signature, before any condition.
        assert!(matches!(
            verify_post(&form, "wrong", &upload, start + 1, Duration::ZERO),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }
    // The trailing-newline vector's form has no `key`: a valid signature, but not an upload.
    let vector = find(&vectors, "policy-with-trailing-newline");
    let mut fields = pairs(&vector["expected"]["form_fields"]);
    fields.pop();
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let form = PostForm::parse(&borrowed).unwrap();
    let result = verify_post(
        &form,
        text(&vector["input"], "secret_key"),
        &Upload::new("examplebucket-1250000000", 1),
        1_567_150_700,
        Duration::ZERO,
    );
    assert!(
        matches!(result, Err(VerifyError::Malformed { .. })),
        "{result:?}"
    );
}
