//! Property tests for TC3 and v1: sign → verify succeeds, any change to a signed component
//! makes verification fail, canonical forms are deterministic and sorted, and the parsers
//! never panic on arbitrary input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use tc3_signer::tc3::{
    Authorization, PayloadMode, Tc3Authorization, Tc3Params, VerifyParams, authorization_of,
    parse_authorization, sign, verify,
};
use tc3_signer::v1::{SignatureMethod, V1Params, V1Presented, V1VerifyParams, parse_form};
use tc3_signer::{Credential, IncomingRequest, SignableRequest, VerifyError};

const HOST: &str = "sts.tencentcloudapi.com";

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    query: String,
    content_type: String,
    extra_name: String,
    extra_value: String,
    body: Vec<u8>,
    timestamp: u64,
    secret: String,
    token: Option<String>,
    unsigned: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE")],
        "[A-Za-z0-9=&%._~-]{0,40}",
        "[a-z]{1,10}/[a-z0-9.+-]{1,12}(; charset=[a-z0-9-]{1,8})?",
        "x-custom-[a-z]{1,6}",
        "[!-~]([ -~]{0,20}[!-~])?",
        proptest::collection::vec(any::<u8>(), 0..200),
        301u64..4_000_000_000,
        "[!-~]{1,40}",
        proptest::option::of("[A-Za-z0-9_-]{1,40}"),
        any::<bool>(),
    )
        .prop_map(
            |(
                method,
                query,
                content_type,
                extra_name,
                extra_value,
                body,
                timestamp,
                secret,
                token,
                unsigned,
            )| Case {
                method,
                query,
                content_type,
                extra_name,
                extra_value,
                body,
                timestamp,
                secret,
                token,
                unsigned,
            },
        )
}

/// Signs `case` and returns the headers the client sends (request headers included).
fn signed_headers(case: &Case) -> (Vec<(String, String)>, String) {
    let sent = [
        ("Content-Type", case.content_type.as_str()),
        (case.extra_name.as_str(), case.extra_value.as_str()),
    ];
    let request = SignableRequest::new(case.method, "/")
        .with_host(HOST)
        .with_query(&case.query)
        .with_headers(&sent)
        .with_body(&case.body);
    let mut params = Tc3Params::new("sts", "GetFederationToken", "2018-08-13", case.timestamp)
        .with_region("ap-guangzhou")
        .sign_header(&case.extra_name)
        .sign_header("x-tc-action");
    if case.unsigned {
        params = params.with_payload(PayloadMode::Unsigned);
    }
    let mut credential = Credential::new("AKIDPROP", case.secret.as_str());
    if let Some(token) = &case.token {
        credential = credential.with_token(token.as_str());
    }
    let signed = sign(&request, &params, &credential).unwrap();
    let mut headers: Vec<(String, String)> = signed
        .headers_to_send()
        .iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    headers.push((case.extra_name.clone(), case.extra_value.clone()));
    (headers, signed.canonical_request().to_owned())
}

/// What the server received, possibly tampered with.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn verify_received(received: &Received, secret: &str, now: u64) -> Result<(), VerifyError> {
    // The host verified is the `Host` header received (the signer lists it to send).
    let headers: Vec<(&str, &str)> = received
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let request = IncomingRequest::new(&received.method, &received.path, &received.query, &headers)
        .with_body(&received.body);
    let Authorization::Tc3(presented) = authorization_of(&request)? else {
        panic!("signed request parsed as SKIP");
    };
    verify(&request, &presented, secret, &VerifyParams::new("sts", now)).map(|_| ())
}

fn set_header(headers: &mut [(String, String)], name: &str, value: String) {
    let slot = headers
        .iter_mut()
        .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
        .unwrap();
    slot.1 = value;
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_succeeds(case in case(), skew in 0u64..=600) {
        let (headers, _) = signed_headers(&case);
        let received = Received {
            method: case.method.into(),
            path: "/".into(),
            query: case.query.clone(),
            headers,
            body: case.body.clone(),
        };
        let now = case.timestamp + skew - 300; // within ±300 s
        prop_assert_eq!(verify_received(&received, &case.secret, now), Ok(()));
    }

    #[test]
    fn changing_a_signed_component_fails(case in case(), which in 0usize..11, byte in any::<u8>()) {
        let (headers, _) = signed_headers(&case);
        let mut received = Received {
            method: case.method.into(),
            path: "/".into(),
            query: case.query.clone(),
            headers,
            body: case.body.clone(),
        };
        let mut secret = case.secret.clone();
        let mut now = case.timestamp;
        match which {
            0 => received.method = if case.method == "GET" { "POST".into() } else { "GET".into() },
            1 => received.path = "/x".into(),
            2 => received.query.push_str("&Extra=1"),
            3 => {
                let value = format!("{}x", case.content_type);
                set_header(&mut received.headers, "content-type", value);
            }
            4 => {
                let value = format!("{}z", case.extra_value);
                set_header(&mut received.headers, &case.extra_name, value);
            }
            5 => set_header(&mut received.headers, "x-tc-action", "AssumeRole".into()),
            6 => {
                if case.unsigned {
                    // The body is not covered: drop the marker instead, so the body counts again.
                    received.headers.retain(|(name, _)| !name.eq_ignore_ascii_case("x-tc-content-sha256"));
                    received.body.push(byte);
                } else {
                    received.body.push(byte);
                }
            }
            7 => set_header(&mut received.headers, "x-tc-timestamp", (case.timestamp + 1).to_string()),
            8 => now = if byte % 2 == 0 { case.timestamp + 301 } else { case.timestamp - 301 },
            9 => set_header(&mut received.headers, "host", "cvm.tencentcloudapi.com".into()),
            _ => secret.push('x'),
        }
        prop_assert!(verify_received(&received, &secret, now).is_err(), "mutation {} accepted", which);
    }

    #[test]
    fn canonical_forms_are_deterministic_and_sorted(case in case()) {
        let (first_headers, first) = signed_headers(&case);
        let (second_headers, second) = signed_headers(&case);
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(first_headers, second_headers);
        let lines: Vec<&str> = first.split('\n').collect();
        // Method, path, query, then the header lines up to the empty separator line.
        let header_lines: Vec<&str> = lines[3..].iter().take_while(|line| !line.is_empty()).copied().collect();
        let names: Vec<&str> = header_lines.iter().map(|line| line.split(':').next().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        prop_assert_eq!(&names, &sorted);
        prop_assert_eq!(lines[3 + names.len() + 1], names.join(";"));
        for line in header_lines {
            prop_assert_eq!(line, line.to_ascii_lowercase());
        }
    }

    #[test]
    fn v1_sign_then_verify_and_tamper(
        nonce in any::<u32>(),
        timestamp in 301u64..4_000_000_000,
        name in "[A-Za-z0-9 _./-]{0,30}",
        policy in "[ -~]{0,60}",
        secret in "[!-~]{1,30}",
        sha256 in any::<bool>(),
        which in 0usize..5,
    ) {
        let method = if sha256 { SignatureMethod::HmacSha256 } else { SignatureMethod::HmacSha1 };
        let signed = V1Params::new("GetFederationToken", "2018-08-13", timestamp, u64::from(nonce))
            .with_region("ap-guangzhou")
            .with_param("Name", &name)
            .with_param("Policy", &policy)
            .with_signature_method(method)
            .sign(HOST, &Credential::new("AKIDPROP", secret.as_str()))
            .unwrap();
        let presented = V1Presented::from_form(&signed.form_body()).unwrap();
        prop_assert_eq!(presented.param("Policy"), Some(policy.as_str()));
        let at = |now| V1VerifyParams::new("POST", HOST, now);
        prop_assert_eq!(presented.verify(&secret, &at(timestamp)), Ok(()));
        let failed = match which {
            0 => presented.verify(&format!("{secret}x"), &at(timestamp)),
            1 => presented.verify(&secret, &V1VerifyParams::new("GET", HOST, timestamp)),
            2 => presented.verify(&secret, &at(timestamp + 301)),
            3 => presented.verify(&secret, &V1VerifyParams::new("POST", "cvm.tencentcloudapi.com", timestamp)),
            _ => {
                let tampered = signed.form_body().replacen("Nonce=", "Nonce=1", 1);
                V1Presented::from_form(&tampered).unwrap().verify(&secret, &at(timestamp))
            }
        };
        prop_assert!(failed.is_err());
    }

    #[test]
    fn parsers_never_panic(input in any::<String>(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = parse_authorization(&input);
        let _ = Tc3Authorization::parse(&input);
        let _ = parse_form(&input);
        let _ = V1Presented::from_form(&input);
        let prefixed = format!("TC3-HMAC-SHA256 {input}");
        let _ = parse_authorization(&prefixed);
        // Arbitrary request parts through the verifier and the signer.
        let headers = [
            ("Authorization", prefixed.as_str()),
            ("X-TC-Timestamp", input.as_str()),
            (input.as_str(), input.as_str()),
        ];
        let incoming = IncomingRequest::new(&input, &input, &input, &headers)
            .with_host(&input)
            .with_body(&bytes);
        if let Ok(Authorization::Tc3(presented)) = authorization_of(&incoming) {
            let _ = verify(&incoming, &presented, &input, &VerifyParams::new(&input, 0));
        }
        let request = SignableRequest::new(&input, &input)
            .with_host(&input)
            .with_query(&input)
            .with_headers(&headers)
            .with_body(&bytes);
        let params = Tc3Params::new(&input, &input, &input, 0).sign_header(&input);
        let _ = sign(&request, &params, &Credential::new(input.as_str(), input.as_str()));
    }

    #[test]
    fn near_valid_authorization_headers_never_panic(
        id in "[ -~]{0,12}",
        date in "[0-9-]{0,12}",
        service in "[ -~]{0,8}",
        headers in "[a-z;-]{0,30}",
        signature in "[0-9a-fA-F]{0,70}",
        separator in prop_oneof![Just(", "), Just(","), Just(" ,"), Just(",,")],
    ) {
        let value = format!(
            "TC3-HMAC-SHA256 Credential={id}/{date}/{service}/tc3_request{separator}SignedHeaders={headers}{separator}Signature={signature}"
        );
        if let Ok(parsed) = Tc3Authorization::parse(&value) {
            // Whatever parses formats back into something that parses to the same value.
            prop_assert_eq!(Tc3Authorization::parse(&parsed.to_string()), Ok(parsed));
        }
    }
}
