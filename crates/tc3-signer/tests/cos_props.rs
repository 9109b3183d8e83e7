//! Property tests of the COS signer and verifiers: sign-then-verify round trips, tampering
//! is detected, canonical forms are deterministic and sorted, parsers never panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use tc3_signer::cos::{
    self, Authorization, HeaderPolicy, IncomingRequest, KeyTime, SignableRequest, Signer,
};
use tc3_signer::post_policy::{PostForm, Upload, verify_post};
use tc3_signer::{Credential, VerifyError, uri_encode};

const HOST: &str = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com";
const START: u64 = 1_700_000_000;
const END: u64 = 1_700_003_600;

/// A decoded request: method, path, params, extra headers (unique names, all signed).
#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    token: Option<String>,
}

fn text() -> impl Strategy<Value = String> {
    // Unicode, reserved characters, `%`, `+`, spaces and slashes.
    "([a-zA-Z0-9 ./_~*'()!%+&=?#;:@,$-]|中|文|\u{e9}){0,12}"
}

fn case() -> impl Strategy<Value = Case> {
    let method = prop::sample::select(vec!["GET", "PUT", "POST", "DELETE", "HEAD", "Options"]);
    let params = prop::collection::vec(
        ("[a-zA-Z0-9_.-]([a-zA-Z0-9 /:{}_.-]|中){0,8}", text()),
        0..5,
    );
    let headers = prop::collection::btree_map("[a-z0-9]{1,8}", "[ -~]{0,16}", 0..4);
    let token = prop::option::of("[A-Za-z0-9_+/=-]{1,40}");
    (method, text(), params, headers, token).prop_map(|(method, path, params, headers, token)| {
        let headers: BTreeMap<String, String> = headers;
        Case {
            method,
            path: format!("/{path}"),
            params,
            headers: headers
                .into_iter()
                .map(|(name, value)| (format!("x-cos-meta-{name}"), value))
                .collect(),
            token,
        }
    })
}

fn credential(case: &Case, secret: &str) -> Credential {
    let credential = Credential::new("AKIDPROPTEST", secret);
    match &case.token {
        Some(token) => credential.with_token(token.clone()),
        None => credential,
    }
}

fn borrow(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

fn headers_of(case: &Case) -> Vec<(String, String)> {
    let mut headers = vec![("Host".to_owned(), HOST.to_owned())];
    headers.extend(case.headers.iter().cloned());
    headers
}

/// Signs the case; returns the headers to send (including Authorization and token).
fn sign(case: &Case, secret: &str) -> Vec<(String, String)> {
    let credential = credential(case, secret);
    let headers = headers_of(case);
    let headers_ref = borrow(&headers);
    let params = borrow(&case.params);
    let parts = SignableRequest::new(case.method, &case.path)
        .with_params(&params)
        .with_headers(&headers_ref);
    let signed = Signer::new(&credential)
        .sign(&parts, KeyTime::new(START, END).unwrap())
        .unwrap();
    let mut sent = headers;
    sent.extend(
        signed
            .headers_to_add()
            .map(|(n, v)| (n.to_owned(), v.to_owned())),
    );
    sent
}

fn raw_path(path: &str) -> String {
    path.split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/")
}

fn raw_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(n, v)| format!("{}={}", uri_encode(n), uri_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn verify(
    method: &str,
    path: &str,
    params: &[(String, String)],
    sent: &[(String, String)],
    secret: &str,
    now: u64,
) -> Result<(), VerifyError> {
    let path = raw_path(path);
    let query = raw_query(params);
    let headers = borrow(sent);
    let incoming = IncomingRequest::new(method, &path, &query, &headers);
    let auth = Authorization::from_request(&incoming)?;
    cos::verify(&auth, secret, &incoming, now, Duration::ZERO)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_succeeds(case in case()) {
        let sent = sign(&case, "secret");
        prop_assert_eq!(verify(case.method, &case.path, &case.params, &sent, "secret", START + 1), Ok(()));
    }

    #[test]
    fn changing_any_signed_component_fails(case in case(), which in 0usize..7) {
        let sent = sign(&case, "secret");
        let mut method = case.method.to_owned();
        let mut path = case.path.clone();
        let mut params = case.params.clone();
        let mut headers = sent.clone();
        let mut secret = "secret";
        match which {
            0 => method = if method.eq_ignore_ascii_case("PATCH") { "GET".into() } else { "PATCH".into() },
            1 => path.push('x'),
            2 => match params.first_mut() {
                Some((_, value)) => value.push('x'),
                None => params.push(("extra".into(), String::new())),
            },
            3 => {
                // Change a signed header: the host, always signed.
                headers[0].1.push('x');
            }
            4 => secret = "other",
            5 => {
                // Present another key time than the one signed.
                for (name, value) in &mut headers {
                    if name == "authorization" {
                        *value = value.replace(&format!("{START};{END}"), &format!("{};{END}", START - 1));
                    }
                }
            }
            _ => {
                // Drop a signed header entirely.
                headers.remove(0);
            }
        }
        let result = verify(&method, &path, &params, &headers, secret, START + 1);
        if which == 2 && case.params.is_empty() {
            // An unsigned extra parameter does not invalidate the signature.
            prop_assert_eq!(result, Ok(()));
        } else {
            prop_assert!(result.is_err(), "tampering {} went unnoticed", which);
        }
        // Outside the window it always fails, with the expiry.
        let late = verify(case.method, &case.path, &case.params, &sent, "secret", END + 1);
        prop_assert!(matches!(late, Err(VerifyError::Expired { .. })), "{:?}", late);
    }

    #[test]
    fn canonical_forms_are_deterministic_and_sorted(case in case(), seed in any::<u64>()) {
        let credential = credential(&case, "secret");
        let headers = headers_of(&case);
        let mut shuffled_headers = headers.clone();
        let mut shuffled_params = case.params.clone();
        let rotate = |len: usize| if len == 0 { 0 } else { (seed as usize) % len };
        let n = rotate(shuffled_headers.len());
        shuffled_headers.rotate_left(n);
        shuffled_headers.reverse();
        let n = rotate(shuffled_params.len());
        shuffled_params.rotate_left(n);
        let window = KeyTime::new(START, END).unwrap();
        let signer = Signer::new(&credential).header_policy(HeaderPolicy::All);
        let (h1, p1) = (borrow(&headers), borrow(&case.params));
        let (h2, p2) = (borrow(&shuffled_headers), borrow(&shuffled_params));
        let a = signer.sign(&SignableRequest::new(case.method, &case.path).with_params(&p1).with_headers(&h1), window).unwrap();
        let b = signer.sign(&SignableRequest::new(case.method, &case.path).with_params(&p2).with_headers(&h2), window).unwrap();
        prop_assert_eq!(a.authorization(), b.authorization());
        prop_assert_eq!(a.http_string(), b.http_string());
        let names: Vec<&str> = a.signed_headers().collect();
        prop_assert!(names.windows(2).all(|w| w[0] < w[1]), "headers not strictly sorted: {:?}", names);
        let pairs: Vec<&str> = a.http_parameters().split('&').filter(|p| !p.is_empty()).collect();
        let mut sorted: Vec<(&str, &str)> = pairs.iter().map(|p| p.split_once('=').unwrap()).collect();
        let original = sorted.clone();
        sorted.sort_unstable();
        prop_assert_eq!(original, sorted);
        prop_assert_eq!(a.signed_params().count(), case.params.len());
    }

    #[test]
    fn presigned_urls_verify(case in case()) {
        let credential = credential(&case, "secret");
        let params = borrow(&case.params);
        let request = SignableRequest::new(case.method, &case.path).with_host(HOST).with_params(&params);
        let presigned = Signer::new(&credential).presign(&request, KeyTime::new(START, END).unwrap()).unwrap();
        let rest = &presigned.url()["https://".len() + HOST.len()..];
        let (path, query) = rest.split_once('?').unwrap();
        let headers = [("host", HOST)];
        let incoming = IncomingRequest::new(case.method, path, query, &headers);
        let auth = Authorization::from_request(&incoming).unwrap();
        prop_assert_eq!(cos::verify(&auth, "secret", &incoming, START, Duration::ZERO), Ok(()));
        prop_assert!(cos::verify(&auth, "other", &incoming, START, Duration::ZERO).is_err());
    }

    #[test]
    fn parsers_never_panic(input in any::<String>(), bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Authorization::parse(&input);
        let _ = Authorization::from_query(&input);
        let _ = KeyTime::parse(&input);
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        let headers = [("authorization", input.as_str()), ("host", lossy.as_str())];
        let incoming = IncomingRequest::new("GET", &lossy, &input, &headers);
        if let Ok(auth) = Authorization::from_request(&incoming) {
            let _ = cos::verify(&auth, &lossy, &incoming, START, Duration::from_secs(u64::MAX));
        }
    }

    #[test]
    fn verifier_never_panics_on_structured_garbage(
        list in "[a-z;%-]{0,20}",
        params in "[a-z0-9=&%+;-]{0,40}",
        path in "[/a-z%0-9+]{0,20}",
        times in (any::<u64>(), any::<u64>()),
    ) {
        let (a, b) = (times.0.min(times.1), times.0.max(times.1));
        let header = format!(
            "q-sign-algorithm=sha1&q-ak=A&q-sign-time={a};{b}&q-key-time={a};{b}&q-header-list={list}&q-url-param-list={list}&q-signature={}",
            "0".repeat(40)
        );
        let headers = [("authorization", header.as_str()), ("host", "h")];
        let incoming = IncomingRequest::new("GET", &path, &params, &headers);
        if let Ok(auth) = Authorization::from_request(&incoming) {
            let _ = cos::verify(&auth, "k", &incoming, a, Duration::MAX);
        }
    }

    #[test]
    fn post_form_parser_never_panics(
        fields in prop::collection::vec(("[a-zA-Z-]{1,16}", any::<String>()), 0..8),
        policy in prop::collection::vec(any::<u8>(), 0..200),
        json in "[\\[\\]{}\",:a-z$0-9 -]{0,80}",
    ) {
        let borrowed = borrow(&fields);
        let _ = PostForm::parse(&borrowed);
        // A well-formed signature envelope around arbitrary policy bytes and JSON-ish text.
        use base64::Engine as _;
        for bytes in [policy, json.into_bytes()] {
            let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let envelope = [
                ("policy", encoded.as_str()),
                ("q-sign-algorithm", "sha1"),
                ("q-ak", "AKID"),
                ("q-key-time", "1;2"),
                ("q-signature", "0123456789abcdef0123456789abcdef01234567"),
                ("key", "k"),
            ];
            if let Ok(form) = PostForm::parse(&envelope) {
                let _ = verify_post(&form, "k", &Upload::new("b", 1), 1, Duration::MAX);
            }
        }
    }
}

/// The policy checks after the signature are reached only with a valid signature; drive
/// them with arbitrary conditions signed by the right key.
#[test]
fn signed_arbitrary_policies_never_panic() {
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::default();
    runner
        .run(&"[\\[\\]{}\",:a-zA-Z$0-9 -]{0,120}", |conditions| {
            let credential = Credential::new("AKID", "k");
            let policy =
                format!(r#"{{"expiration":"2030-01-01T00:00:00Z","conditions":[{conditions}]}}"#);
            let signed = tc3_signer::post_policy::sign_policy(
                &credential,
                policy,
                KeyTime::new(1, 2).unwrap(),
            )
            .unwrap();
            let fields = signed
                .form_fields(&[("key", "k"), ("Content-Type", "a")])
                .unwrap();
            let borrowed = borrow(&fields);
            let form = PostForm::parse(&borrowed).unwrap();
            let _ = verify_post(&form, "k", &Upload::new("b", 1), 1, Duration::MAX);
            Ok(())
        })
        .unwrap();
}

/// Formats every COS / POST-policy type that holds a secret (secret key, session token,
/// sign key, signature-bearing URL) with `{:?}` and `{:#?}`, and the errors with `{}`.
#[test]
fn debug_and_errors_never_show_secrets() {
    const KEY: &str = "SECRETKEY0123456789";
    const TOKEN: &str = "SECRETTOKEN0123456789";
    let credential = Credential::new("AKIDPUBLIC", KEY).with_token(TOKEN);
    let signer = Signer::new(&credential);
    let window = KeyTime::new(START, END).unwrap();
    let headers = [("Host", HOST), ("x-cos-security-token", TOKEN)];
    let params = [("x-cos-security-token", TOKEN)];
    let parts = SignableRequest::new("GET", "/a")
        .with_headers(&headers)
        .with_params(&params);
    let signed = signer.sign(&parts, window).unwrap();
    let presign_request = SignableRequest::new("GET", "/a")
        .with_host(HOST)
        .with_headers(&headers[1..]);
    let presigned = signer.presign(&presign_request, window).unwrap();
    let mut sent: Vec<(&str, &str)> = headers.to_vec();
    sent.push(("authorization", signed.authorization()));
    let query = format!("x-cos-security-token={TOKEN}");
    let incoming_request = IncomingRequest::new("GET", "/a", &query, &sent);
    let auth = Authorization::from_request(&incoming_request).unwrap();
    let policy = tc3_signer::post_policy::PolicyDocument::new(END)
        .sign(&credential, window)
        .unwrap();
    let fields = policy.form_fields(&[("key", "k")]).unwrap();
    let borrowed = borrow(&fields);
    let form = PostForm::parse(&borrowed).unwrap();
    let mut wrong_token = fields.clone();
    for (name, value) in &mut wrong_token {
        if name == "x-cos-security-token" {
            *value = "OTHERSECRETTOKEN".into();
        }
    }
    let wrong_borrowed = borrow(&wrong_token);
    let condition_error = verify_post(
        &PostForm::parse(&wrong_borrowed).unwrap(),
        KEY,
        &Upload::new("b", 1),
        START,
        Duration::ZERO,
    )
    .unwrap_err();
    let sign_error = signer
        .sign(
            &SignableRequest::new("GET", "/")
                .with_headers(&[("x-cos-security-token", "OTHERSECRETTOKEN")]),
            window,
        )
        .unwrap_err();
    let mismatch =
        cos::verify(&auth, "wrong", &incoming_request, START, Duration::ZERO).unwrap_err();

    let shown = [
        format!("{credential:?} {credential:#?}"),
        format!("{signer:?} {signer:#?}"),
        format!("{parts:?} {parts:#?}"),
        format!("{signed:?} {signed:#?}"),
        format!("{presign_request:?} {presign_request:#?}"),
        format!("{presigned:?} {presigned:#?}"),
        format!("{auth:?} {auth:#?}"),
        format!("{incoming_request:?} {incoming_request:#?}"),
        format!("{policy:?} {policy:#?}"),
        format!("{form:?} {form:#?}"),
        format!("{condition_error} {condition_error:?}"),
        format!("{sign_error} {sign_error:?}"),
        format!("{mismatch} {mismatch:?}"),
    ]
    .join("\n");
    for secret in [
        KEY,
        TOKEN,
        "OTHERSECRETTOKEN",
        signed.sign_key(),
        policy.sign_key(),
        signed.signature(),
    ] {
        assert!(!shown.contains(secret), "{secret} shown in:\n{shown}");
    }
    assert!(shown.contains("AKIDPUBLIC"));
}
