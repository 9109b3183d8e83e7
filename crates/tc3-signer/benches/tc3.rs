//! TC3 and v1 signing of an STS `GetFederationToken` request, beside the bare cost of the hash
//! primitives on the same bytes.
//!
//! Run briefly with
//! `cargo bench -p tc3-signer --bench tc3 -- --warm-up-time 1 --measurement-time 3`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::Criterion;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use tc3_signer::Credential;
use tc3_signer::SignableRequest;
use tc3_signer::tc3::{Tc3Params, sign};
use tc3_signer::v1::{SignatureMethod, V1Params};

const HOST: &str = "sts.tencentcloudapi.com";
const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];
const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
const TIMESTAMP: u64 = 1_700_000_000;

/// The CAM policy of the `sts-getfederationtoken` vector, URL-encoded as STS requires.
const POLICY: &str = "%7B%22version%22%3A%222.0%22%2C%22statement%22%3A%5B%7B%22action%22%3A%5B%22name%2Fcos%3APutObject%22%2C%22name%2Fcos%3APostObject%22%5D%2C%22effect%22%3A%22allow%22%2C%22resource%22%3A%5B%22qcs%3A%3Acos%3Aap-guangzhou%3Auid%2F1250000000%3Aexamplebucket-1250000000%2Fuploads%2F*%22%5D%7D%5D%7D";

fn body() -> String {
    format!(r#"{{"Name":"cos-sts","Policy":"{POLICY}","DurationSeconds":1800}}"#)
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn signing(c: &mut Criterion) {
    let body = body();
    let credential = Credential::new(SECRET_ID, SECRET_KEY);
    let mut group = c.benchmark_group("get_federation_token");

    group.bench_function("tc3_sign", |b| {
        b.iter(|| {
            let request = SignableRequest::new("POST", "/")
                .with_host(HOST)
                .with_headers(&JSON)
                .with_body(black_box(body.as_bytes()));
            let params = Tc3Params::new(
                "sts",
                "GetFederationToken",
                "2018-08-13",
                black_box(TIMESTAMP),
            )
            .with_region("ap-guangzhou");
            sign(&request, &params, &credential).unwrap()
        });
    });

    for (label, method) in [
        ("v1_sign_hmac_sha256", SignatureMethod::HmacSha256),
        ("v1_sign_hmac_sha1", SignatureMethod::HmacSha1),
    ] {
        group.bench_function(label, |b| {
            b.iter(|| {
                let signed = V1Params::new(
                    "GetFederationToken",
                    "2018-08-13",
                    black_box(TIMESTAMP),
                    15_000,
                )
                .with_region("ap-guangzhou")
                .with_param("Name", "cos-sts")
                .with_param("Policy", black_box(POLICY))
                .with_param("DurationSeconds", "1800")
                .with_signature_method(method)
                .sign(HOST, &credential)
                .unwrap();
                signed.form_body()
            });
        });
    }

    // The same request's bytes, hashed directly: what the TC3 signature costs at minimum.
    let request = SignableRequest::new("POST", "/")
        .with_host(HOST)
        .with_headers(&JSON)
        .with_body(body.as_bytes());
    let params = Tc3Params::new("sts", "GetFederationToken", "2018-08-13", TIMESTAMP)
        .with_region("ap-guangzhou");
    let signed = sign(&request, &params, &credential).unwrap();
    let canonical_request = signed.canonical_request().to_owned();
    let string_to_sign = signed.string_to_sign().to_owned();
    let date = signed.date().to_owned();
    group.bench_function("primitives_tc3_4hmac_2sha256", |b| {
        b.iter(|| {
            let payload_hash = Sha256::digest(black_box(body.as_bytes()));
            let request_hash = Sha256::digest(black_box(canonical_request.as_bytes()));
            let secret_date = hmac_sha256(format!("TC3{SECRET_KEY}").as_bytes(), date.as_bytes());
            let secret_service = hmac_sha256(&secret_date, b"sts");
            let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
            let signature = hmac_sha256(&secret_signing, black_box(string_to_sign.as_bytes()));
            (payload_hash, request_hash, signature)
        });
    });

    let source = V1Params::new("GetFederationToken", "2018-08-13", TIMESTAMP, 15_000)
        .with_region("ap-guangzhou")
        .with_param("Name", "cos-sts")
        .with_param("Policy", POLICY)
        .with_param("DurationSeconds", "1800")
        .sign(HOST, &credential)
        .unwrap()
        .source()
        .to_owned();
    group.bench_function("primitives_v1_hmac_sha256", |b| {
        b.iter(|| hmac_sha256(SECRET_KEY.as_bytes(), black_box(source.as_bytes())));
    });
    group.bench_function("primitives_v1_hmac_sha1", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(SECRET_KEY.as_bytes()).unwrap();
            mac.update(black_box(source.as_bytes()));
            mac.finalize().into_bytes()
        });
    });
    group.finish();
}

fn main() {
    // `criterion_group!` would generate an undocumented public function; this is its expansion.
    let mut criterion = Criterion::default().configure_from_args();
    signing(&mut criterion);
    criterion.final_summary();
}
