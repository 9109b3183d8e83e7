//! Building, validating, encoding and signing a GetFederationToken request for a
//! five-statement policy (target: under 20 µs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use sts_client::{GetFederationToken, PolicyDocument, StsClient};
use tc3_signer::Credential;

const POLICY: &str = r#"{"version":"2.0","statement":[
{"effect":"allow","action":["name/cos:PutObject","name/cos:PostObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/alice/*"]},
{"effect":"allow","action":["name/cos:InitiateMultipartUpload","name/cos:UploadPart","name/cos:CompleteMultipartUpload","name/cos:ListParts","name/cos:AbortMultipartUpload"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/alice/*"]},
{"effect":"allow","action":["name/cos:GetObject","name/cos:HeadObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/public/*"]},
{"effect":"allow","action":["name/cos:GetBucket"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/"],"condition":{"string_like":{"cos:prefix":"uploads/alice/*"}}},
{"effect":"deny","action":["name/cos:PutObject"],"resource":["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/uploads/alice/*"],"condition":{"numeric_greater_than_if_exist":{"cos:content-length":5242880}}}]}"#;

fn bench(c: &mut Criterion) {
    let client = StsClient::builder().build().unwrap();
    let credential = Credential::new("AKIDEXAMPLE", "SECRETKEYEXAMPLE");
    let policy = cos_policy::Policy::from_json(POLICY).unwrap();
    c.bench_function("get_federation_token_5_statements", |b| {
        b.iter(|| {
            let document = PolicyDocument::from_policy(black_box(&policy), true).unwrap();
            let request = GetFederationToken::new("cos-sts-rust", document).duration_seconds(1800);
            client
                .prepare_federation_token(&request, &credential, black_box(1_700_000_000))
                .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
