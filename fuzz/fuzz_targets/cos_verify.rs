//! Fuzzes the COS signature parsers and verifiers (header and presigned forms, key time,
//! POST-object form and policy) with arbitrary bytes: none of them may panic. Stable-toolchain
//! twins are `parsers_never_panic`, `verifier_never_panics_on_structured_garbage` and
//! `post_form_parser_never_panics` in `crates/tc3-signer/tests/cos_props.rs`.
#![no_main]
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tc3_signer::Credential;
use tc3_signer::cos::{self, Authorization, IncomingRequest, KeyTime};
use tc3_signer::post_policy::{PostForm, Upload, sign_policy, verify_post};

fuzz_target!(|data: &[u8]| {
    // Split the input into fields at 0xFF bytes (never valid UTF-8, so a natural separator).
    let mut fields = data.split(|byte| *byte == 0xff);
    let mut next = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let (authorization, method, raw_path, raw_query, header_name, header_value, secret) =
        (next(), next(), next(), next(), next(), next(), next());

    let _ = KeyTime::parse(&authorization);
    let _ = Authorization::parse(&authorization);
    let _ = Authorization::from_query(&raw_query);

    let headers = [
        ("Authorization", authorization.as_str()),
        ("Host", header_value.as_str()),
        (header_name.as_str(), header_value.as_str()),
    ];
    for request in [
        IncomingRequest::new(&method, &raw_path, &raw_query, &headers),
        IncomingRequest::new(&method, &raw_path, &raw_query, &headers[1..]),
    ] {
        if let Ok(auth) = Authorization::from_request(&request) {
            let now = auth.key_time().start();
            let _ = cos::verify(&auth, &secret, &request, now, Duration::from_secs(60));
            let _ = cos::verify(&auth, &secret, &request, u64::MAX, Duration::MAX);
        }
    }

    // POST object: a policy text signed for real (so the policy parser and the condition
    // checks are reached), with fuzzed form fields; then a form of fuzzed signature fields.
    let credential = Credential::new("AKID", secret.clone());
    let window = KeyTime::new(0, u64::MAX);
    if let Ok(signed) = window.and_then(|w| sign_policy(&credential, header_value.clone(), w)) {
        let extra = [
            ("key", raw_path.as_str()),
            (header_name.as_str(), authorization.as_str()),
        ];
        if let Ok(fields) = signed.form_fields(&extra) {
            let borrowed: Vec<(&str, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            if let Ok(parsed) = PostForm::parse(&borrowed) {
                let upload = Upload::new(&method, data.len() as u64).with_filename(&raw_query);
                let _ = verify_post(&parsed, &secret, &upload, 1, Duration::ZERO);
            }
        }
    }
    let loose = [
        ("policy", raw_query.as_str()),
        ("q-sign-algorithm", method.as_str()),
        ("q-ak", secret.as_str()),
        ("q-key-time", authorization.as_str()),
        ("q-signature", header_value.as_str()),
    ];
    if let Ok(parsed) = PostForm::parse(&loose) {
        let _ = verify_post(&parsed, &secret, &Upload::new("b", 0), 0, Duration::MAX);
    }
});
