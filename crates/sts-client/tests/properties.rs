//! Property tests: the policy is URL-encoded exactly once, the three output shapes agree,
//! retry back-off stays within its bounds, and no secret-holding type shows its secret in
//! `Debug`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use sts_client::provider::{
    CredentialsCache, EnvironmentProvider, MapEnv, MapFs, ProfileProvider, ProvidedCredential,
    StaticProvider,
};
use sts_client::{
    AssumeRole, AssumeRoleWithSaml, AssumeRoleWithWebIdentity, CredentialRequest,
    GetFederationToken, GetSessionToken, RetryConfig, SignatureMethod, StsClient,
    TemporaryCredentials,
};
use tc3_signer::Credential;

/// Key prefixes with the characters that break double or missing encoding: spaces, `+`, `%`,
/// `&`, `=`, `/`, `*`, non-ASCII, and any printable text.
fn prefix() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ +%&=?#/*._~a-zA-Z0-9文件夹ü😀-]{0,24}",
        "\\PC{0,16}",
        Just("a b+c%20d&e=f/%25/".to_owned()),
    ]
}

fn percent_decode(text: &str) -> Vec<u8> {
    percent_decode_str(text).collect()
}

/// The value of `name` in an `application/x-www-form-urlencoded` body, form-decoded once.
fn form_value(body: &str, name: &str) -> Option<Vec<u8>> {
    body.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(&value.replace('+', " ")))
    })
}

fn federation_request(prefix: &str) -> (CredentialRequest, GetFederationToken, String) {
    let request = CredentialRequest::new(&sts_client::Bucket::new(
        "examplebucket-1250000000".parse().unwrap(),
        "ap-guangzhou".parse().unwrap(),
    ))
    .allow_prefix(prefix)
    .allow_actions(["GetObject", "PutObject"])
    // Arbitrary text, encoding under test: partial segments are accepted on purpose.
    .allow_partial_segment()
    .allow_lints();
    let canonical = request.policy_document().unwrap().as_json().to_owned();
    let federation = request.to_federation_token().unwrap();
    (request, federation, canonical)
}

/// The case the property once found: `//` made the pattern `/*` (one slash stripped) while
/// the resource stripped the other, so the grant differed from the pattern asked for.
#[test]
fn a_prefix_starting_with_two_slashes_is_refused() {
    for prefix in ["//", "//users/alice/"] {
        assert!(
            cos_policy::prefix::key_pattern(prefix, cos_policy::prefix::Partial::Allow).is_err(),
            "{prefix}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// TC3: the JSON body's `Policy`, percent-decoded once, is the canonical policy JSON byte
    /// for byte (so it was encoded exactly once), and it grants the prefix asked for.
    #[test]
    fn tc3_body_policy_is_encoded_exactly_once(prefix in prefix()) {
        // `..` segments and control characters are refused before encoding.
        let pattern = cos_policy::prefix::key_pattern(&prefix, cos_policy::prefix::Partial::Allow);
        prop_assume!(pattern.is_ok());
        let (_, federation, canonical) = federation_request(&prefix);
        let client = StsClient::builder().build().unwrap();
        let credential = Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE");
        let signed = client
            .prepare_federation_token(&federation, &credential, 1_700_000_000)
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(signed.body()).unwrap();
        let sent = body["Policy"].as_str().unwrap();
        prop_assert!(sent.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        let decoded = percent_decode(sent);
        prop_assert_eq!(decoded.as_slice(), canonical.as_bytes());
        // Identical to what the signer's own encoder produces from the canonical JSON.
        prop_assert_eq!(sent, tc3_signer::uri_encode(&canonical));
        let policy: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        let resource = policy["statement"][0]["resource"][0].as_str().unwrap();
        let pattern = pattern.unwrap_or_default();
        prop_assert!(resource.ends_with(&format!("-1250000000/{pattern}")), "{resource} / {prefix:?}");
    }

    /// v1: the form body carries the once-encoded policy as its value (form encoding adds the
    /// transport layer the API removes); decoding the form once gives the encoded policy, and
    /// decoding that once gives the canonical JSON.
    #[test]
    fn v1_form_policy_is_encoded_exactly_once(prefix in prefix()) {
        // `..` segments and control characters are refused before encoding.
        let pattern = cos_policy::prefix::key_pattern(&prefix, cos_policy::prefix::Partial::Allow);
        prop_assume!(pattern.is_ok());
        let (_, federation, canonical) = federation_request(&prefix);
        let client = StsClient::builder()
            .signature_method(SignatureMethod::V1HmacSha256)
            .build()
            .unwrap();
        let credential = Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE");
        let signed = client
            .prepare_federation_token(&federation, &credential, 1_700_000_000)
            .unwrap();
        let body = std::str::from_utf8(signed.body()).unwrap();
        let value = form_value(body, "Policy").unwrap();
        let value = String::from_utf8(value).unwrap();
        let decoded = percent_decode(&value);
        prop_assert_eq!(decoded.as_slice(), canonical.as_bytes());
    }

    /// The SDK, API and cos-js shapes carry the same id, key, token and times.
    #[test]
    fn output_shapes_carry_the_same_values(
        id in "\\PC{0,24}",
        key in "\\PC{0,40}",
        token in "\\PC{0,64}",
        start in any::<u64>(),
        expired in any::<u64>(),
        expiration in proptest::option::of("\\PC{0,24}"),
        request_id in "\\PC{0,24}",
    ) {
        let issued = TemporaryCredentials::new(
            Credential::new(id.as_str(), key.as_str()).with_token(token.as_str()),
            start,
            expired,
            expiration.clone(),
            request_id.as_str(),
        );
        let sdk = serde_json::to_value(issued.sdk_shape()).unwrap();
        let api = serde_json::to_value(issued.api_shape()).unwrap();
        let js = serde_json::to_value(issued.cos_js_shape()).unwrap();
        for (sdk_value, api_value, js_value, expected) in [
            (&sdk["credentials"]["tmpSecretId"], &api["Credentials"]["TmpSecretId"], &js["TmpSecretId"], &id),
            (&sdk["credentials"]["tmpSecretKey"], &api["Credentials"]["TmpSecretKey"], &js["TmpSecretKey"], &key),
            (&sdk["credentials"]["sessionToken"], &api["Credentials"]["Token"], &js["SecurityToken"], &token),
        ] {
            prop_assert_eq!(sdk_value.as_str(), Some(expected.as_str()));
            prop_assert_eq!(api_value.as_str(), Some(expected.as_str()));
            prop_assert_eq!(js_value.as_str(), Some(expected.as_str()));
        }
        for (sdk_value, api_value, js_value, expected) in [
            (&sdk["startTime"], &api["StartTime"], &js["StartTime"], start),
            (&sdk["expiredTime"], &api["ExpiredTime"], &js["ExpiredTime"], expired),
        ] {
            prop_assert_eq!(sdk_value.as_u64(), Some(expected));
            prop_assert_eq!(api_value.as_u64(), Some(expected));
            prop_assert_eq!(js_value.as_u64(), Some(expected));
        }
        prop_assert_eq!(sdk["expiration"].as_str(), expiration.as_deref());
        prop_assert_eq!(api["Expiration"].as_str(), expiration.as_deref());
        prop_assert_eq!(sdk["requestId"].as_str(), Some(request_id.as_str()));
        prop_assert_eq!(api["RequestId"].as_str(), Some(request_id.as_str()));
    }

    /// Every back-off delay lies in `[0, cap]`, the cap never exceeds `max_backoff` nor the
    /// doubled initial back-off, and it never shrinks from one retry to the next; no input
    /// (huge durations, any sample, any retry number) panics.
    #[test]
    fn backoff_delays_stay_within_bounds(
        initial_secs in prop_oneof![0u64..10, any::<u64>()],
        initial_nanos in 0u32..1_000_000_000,
        max_secs in prop_oneof![0u64..100, any::<u64>()],
        max_nanos in 0u32..1_000_000_000,
        retry in any::<u32>(),
        sample in prop_oneof![0.0f64..1.0, any::<f64>()],
    ) {
        let initial = Duration::new(initial_secs, initial_nanos);
        let max = Duration::new(max_secs, max_nanos);
        let config = RetryConfig::default().initial_backoff(initial).max_backoff(max);
        let cap = config.backoff_cap(retry);
        prop_assert!(cap <= max);
        let doublings = retry.saturating_sub(1).min(20);
        prop_assert!(cap <= initial.saturating_mul(1 << doublings));
        prop_assert!(cap <= config.backoff_cap(retry.saturating_add(1)));
        let delay = config.backoff(retry, sample);
        prop_assert!(delay <= cap, "{delay:?} > {cap:?}");
        if (0.0..=1.0).contains(&sample) && cap < Duration::from_secs(1 << 40) {
            // Proportional to the sample, up to float rounding.
            let expected = cap.as_secs_f64() * sample;
            prop_assert!((delay.as_secs_f64() - expected).abs() <= 1e-6 + expected * 1e-12);
        }
    }

    /// No type that holds a secret key, token, MFA code, web identity token or SAML assertion
    /// shows it in `Debug` (plain or pretty), whatever the secret.
    #[test]
    fn debug_never_shows_a_secret(secret in "\\PC{8,40}") {
        let baseline = debug_of_everything("\u{1}");
        prop_assume!(!baseline.contains(&secret));
        let formatted = debug_of_everything(&secret);
        let escaped = format!("{secret:?}");
        let escaped = &escaped[1..escaped.len() - 1];
        prop_assert!(!formatted.contains(&secret), "secret leaked:\n{formatted}");
        prop_assert!(!formatted.contains(escaped), "escaped secret leaked:\n{formatted}");
    }
}

/// The `Debug` output (plain and pretty) of every secret-holding type built around `secret`.
fn debug_of_everything(secret: &str) -> String {
    let credential = Credential::new("AKIDEXAMPLE", secret).with_token(secret);
    let issued = TemporaryCredentials::new(credential.clone(), 1, 2, None, "req");
    let role = AssumeRole::new("qcs::cam::uin/1:roleName/r", "s1").mfa("serial", secret);
    let web = AssumeRoleWithWebIdentity::new("OIDC", secret, "qcs::cam::uin/1:roleName/r", "s1");
    let saml = AssumeRoleWithSaml::new(secret, "p", "qcs::cam::uin/1:roleName/r", "s1");
    let session = GetSessionToken::new("serial", secret);
    let provided = ProvidedCredential::new(credential.clone(), Some(2), "static");
    let static_provider = StaticProvider::new(credential.clone());
    let env = Arc::new(MapEnv::new([
        ("TENCENTCLOUD_SECRET_ID", "AKIDEXAMPLE"),
        ("TENCENTCLOUD_SECRET_KEY", secret),
        ("TENCENTCLOUD_SESSION_TOKEN", secret),
    ]));
    let fs = Arc::new(MapFs::new([(
        "/home/u/.tencentcloud/credentials",
        format!("[default]\nsecret_id = AKIDEXAMPLE\nsecret_key = {secret}\n"),
    )]));
    let environment = EnvironmentProvider::with_env(env.clone());
    let profile = ProfileProvider::with_env_and_fs(env.clone(), fs.clone());
    let cache = CredentialsCache::new(StaticProvider::new(credential.clone()));
    let client = StsClient::builder()
        .credential(credential.clone())
        .build()
        .unwrap();
    let (sdk, api, js) = (
        issued.sdk_shape(),
        issued.api_shape(),
        issued.cos_js_shape(),
    );
    let items: Vec<&dyn std::fmt::Debug> = vec![
        &credential,
        &issued,
        &sdk,
        &api,
        &js,
        &role,
        &web,
        &saml,
        &session,
        &provided,
        &static_provider,
        &env,
        &fs,
        &environment,
        &profile,
        &cache,
        &client,
    ];
    items
        .iter()
        .map(|item| format!("{item:?}\n{item:#?}\n"))
        .collect()
}
