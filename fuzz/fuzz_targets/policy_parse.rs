#![no_main]
//! Fuzz target: the policy parser, validator and evaluator never panic, and whatever parses
//! round-trips through the canonical form.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = cos_policy::validate_json(&text);
    if let Ok(policy) = cos_policy::Policy::from_json(&text) {
        let _ = cos_policy::validate(&policy);
        let again = cos_policy::Policy::from_json(&policy.to_json());
        assert_eq!(again.as_ref(), Ok(&policy));
        let request = cos_policy::Request::new(
            "name/cos:PutObject",
            "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/users/alice/a.txt",
        )
        .with_context("qcs:ip", "10.1.2.3")
        .with_context("cos:content-length", "1024");
        let _ = cos_policy::evaluate(&policy, &request);
    }
    let _ = text.parse::<cos_policy::Resource>();
});
