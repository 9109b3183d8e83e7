//! Every COS request-signature and presigned-URL vector of `vectors/cos-sign.json`, checked
//! stage by stage, and each signed request verified by the server-side verifier.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Duration;

use serde_json::Value;
use tc3_signer::cos::{
    self, Authorization, HeaderPolicy, IncomingRequest, KeyTime, PresignToken, SignableRequest,
    Signer,
};
use tc3_signer::{Credential, SignError, uri_encode};

const VECTORS: &str = include_str!("vectors/cos-sign.json");

fn load() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` is not a string"))
}

fn pairs(value: &Value) -> Vec<(&str, &str)> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap(), pair[1].as_str().unwrap()))
        .collect()
}

fn credential(input: &Value) -> Credential {
    let credential = Credential::new(text(input, "secret_id"), text(input, "secret_key"));
    match input.get("token").and_then(Value::as_str) {
        Some(token) => credential.with_token(token),
        None => credential,
    }
}

fn key_time(input: &Value) -> KeyTime {
    KeyTime::parse(text(input, "key_time")).unwrap()
}

/// Compares one stage; returns a description of the difference.
fn stage(failures: &mut Vec<String>, id: &str, name: &str, actual: &str, expected: &str) {
    if actual != expected {
        failures.push(format!(
            "{id}: {name}\n  expected {expected:?}\n  actual   {actual:?}"
        ));
    }
}

/// The raw path of a decoded path: every segment UriEncoded, `/` kept.
fn raw_path(path: &str) -> String {
    path.split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/")
}

fn raw_query(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(n, v)| format!("{}={}", uri_encode(n), uri_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn every_header_signature_vector_passes_stage_by_stage() {
    let file = load();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 43, "vector count changed");
    let mut failures = Vec::new();
    let mut checked = 0;
    for vector in vectors {
        let id = text(vector, "id");
        let input = &vector["input"];
        let expected = &vector["expected"];
        let credential = credential(input);
        let policy = match text(input, "header_policy") {
            "all" => HeaderPolicy::All,
            "whitelist" => HeaderPolicy::Default,
            other => panic!("{id}: unknown header_policy {other}"),
        };
        let params = pairs(&input["params"]);
        let headers = pairs(&input["headers"]);
        let parts = SignableRequest::new(text(input, "method"), text(input, "path"))
            .with_params(&params)
            .with_headers(&headers);
        let result = Signer::new(&credential)
            .header_policy(policy)
            .sign(&parts, key_time(input));

        if let Some(error) = expected.get("error") {
            match result {
                Err(SignError::DuplicateHeader { name }) => {
                    assert!(error.as_str().unwrap().contains(&name), "{id}: {name}");
                }
                other => failures.push(format!("{id}: expected error {error}, got {other:?}")),
            }
            checked += 1;
            continue;
        }
        let signed = match result {
            Ok(signed) => signed,
            Err(error) => {
                failures.push(format!("{id}: signing failed: {error}"));
                continue;
            }
        };
        let stages = [
            ("sign_key", signed.sign_key()),
            ("url_param_list", signed.url_param_list()),
            ("http_parameters", signed.http_parameters()),
            ("header_list", signed.header_list()),
            ("http_headers", signed.http_headers()),
            ("http_string", signed.http_string()),
            ("sha1_http_string", signed.sha1_http_string()),
            ("string_to_sign", signed.string_to_sign()),
            ("signature", signed.signature()),
            ("authorization", signed.authorization()),
        ];
        for (name, actual) in stages {
            stage(&mut failures, id, name, actual, text(expected, name));
        }

        // The server side accepts the same request, sent as raw wire parts.
        let path = raw_path(text(input, "path"));
        let query = raw_query(&params);
        // The vector's own (unsigned) `Authorization` header is replaced by the signature.
        let mut received: Vec<(&str, &str)> = headers
            .iter()
            .copied()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("authorization"))
            .collect();
        received.push(("Authorization", signed.authorization()));
        let incoming = IncomingRequest::new(text(input, "method"), &path, &query, &received);
        let auth = Authorization::from_request(&incoming).unwrap();
        let window = key_time(input);
        if let Err(error) = cos::verify(
            &auth,
            credential.secret_key(),
            &incoming,
            window.start() + 1,
            Duration::ZERO,
        ) {
            failures.push(format!("{id}: verification failed: {error}"));
        }
        checked += 1;
    }
    assert_eq!(checked, vectors.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_presigned_vector_passes_stage_by_stage() {
    let file = load();
    let vectors = file["presigned"].as_array().unwrap();
    assert_eq!(vectors.len(), 6, "presigned vector count changed");
    let mut failures = Vec::new();
    for vector in vectors {
        let id = text(vector, "id");
        let input = &vector["input"];
        let expected = &vector["expected"];
        let credential = credential(input);
        let token_mode = if input["token_as_signed_param"].as_bool().unwrap() {
            PresignToken::Signed
        } else {
            PresignToken::Unsigned
        };
        let params = pairs(&input["params"]);
        let headers = pairs(&input["headers"]);
        // The vectors give the object key as the SDKs take it: one leading `/` is optional.
        let key = text(input, "key");
        let path = format!("/{}", key.strip_prefix('/').unwrap_or(key));
        let request = SignableRequest::new(text(input, "method"), &path)
            .with_scheme(text(input, "scheme"))
            .with_host(text(input, "host"))
            .with_params(&params)
            .with_headers(&headers);
        let presigned = match Signer::new(&credential)
            .presign_token(token_mode)
            .presign(&request, key_time(input))
        {
            Ok(presigned) => presigned,
            Err(error) => {
                failures.push(format!("{id}: presigning failed: {error}"));
                continue;
            }
        };
        let signature = presigned.signature();
        let stages = [
            ("url_param_list", signature.url_param_list()),
            ("header_list", signature.header_list()),
            ("http_string", signature.http_string()),
            ("string_to_sign", signature.string_to_sign()),
            ("signature", signature.signature()),
            ("url", presigned.url()),
        ];
        for (name, actual) in stages {
            stage(&mut failures, id, name, actual, text(expected, name));
        }

        // The server verifies the URL as received.
        let url = presigned.url();
        let after_host = &url[url.find("://").unwrap() + 3..];
        let (path, query) = after_host[after_host.find('/').unwrap()..]
            .split_once('?')
            .unwrap();
        let mut received = vec![("Host", text(input, "host"))];
        received.extend(headers.iter().copied());
        let incoming = IncomingRequest::new(text(input, "method"), path, query, &received);
        let auth = Authorization::from_request(&incoming).unwrap();
        assert_eq!(auth.location(), cos::SignatureLocation::Query);
        if let Err(error) = cos::verify(
            &auth,
            credential.secret_key(),
            &incoming,
            key_time(input).start(),
            Duration::ZERO,
        ) {
            failures.push(format!("{id}: verification failed: {error}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn doc_example_through_http_request_matches_vector() {
    // `doc-get-object` sent as an http::Request: the URI is percent-encoded and decoded once.
    let file = load();
    let vector = file["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "doc-get-object")
        .unwrap();
    let input = &vector["input"];
    let credential = credential(input);
    let uri = "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject(%E8%85%BE%E8%AE%AF%E4%BA%91)?response-content-type=application%2Foctet-stream&response-cache-control=max-age%3D600";
    let mut builder = http::Request::get(uri);
    for (name, value) in pairs(&input["headers"]) {
        builder = builder.header(name, value);
    }
    let mut request = builder.body(()).unwrap();
    let signed = Signer::new(&credential)
        .header_policy(HeaderPolicy::All)
        .sign_http_in_place(&mut request, key_time(input))
        .unwrap();
    assert_eq!(
        signed.authorization(),
        text(&vector["expected"], "authorization")
    );
    assert_eq!(request.headers()["authorization"], signed.authorization());
}
