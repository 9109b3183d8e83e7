//! COS `q-sign` signing of a typical PutObject (temporary credential, six headers) and a
//! presigned GET, beside the bare cost of the hash primitives on the same bytes and the peer
//! crate `reqsign-tencent-cos` signing the same request.
//!
//! Run briefly with
//! `cargo bench -p tc3-signer --bench cos -- --warm-up-time 1 --measurement-time 3`.
//!
//! `reqsign-tencent-cos` only offers an `async fn sign_request`; it is driven by a tokio
//! current-thread runtime's `block_on` inside the measured loop (the cost of `block_on` on a
//! ready future is measured separately as `tokio_block_on_overhead`). It reads the clock
//! itself, signs every header it is given and adds a `Date` header.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use hmac::{Hmac, KeyInit, Mac};
use reqsign_core::SignRequest;
use sha1::{Digest, Sha1};
use tc3_signer::Credential;
use tc3_signer::SignableRequest;
use tc3_signer::cos::{KeyTime, Signer};

const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
const SECRET_ID: &str = "AKIDexampleSecretId0000000000000000";
const SECRET_KEY: &str = "exampleSecretKey0000000000000000";
const TOKEN: &str =
    "exampleSessionToken_0123456789-ABCDEFGHIJ_abcdefghij_0123456789-ABCDEFGHIJ_abcdefghij";
const PATH: &str = "/uploads/2024/photo 01.jpg";
const NOW: u64 = 1_700_000_000;

const HEADERS: [(&str, &str); 6] = [
    ("Host", HOST),
    ("Content-Type", "image/jpeg"),
    ("Content-Length", "1048576"),
    ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
    ("x-cos-storage-class", "STANDARD_IA"),
    ("x-cos-meta-owner", "user-42"),
];

/// Lowercase hex of a 20-byte digest into a stack buffer: the cheapest way to get the hex
/// the algorithm needs (the sign key is used as hex, and the digest and signature are hex
/// text), so the bare figure is a floor.
fn hex40(digest: &[u8]) -> [u8; 40] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 40];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    out
}

fn hmac_sha1_hex(key: &[u8], message: &[u8]) -> [u8; 40] {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).unwrap();
    mac.update(message);
    hex40(&mac.finalize().into_bytes())
}

/// Exactly the hash work of a COS signature on already-built inputs:
/// `SignKey = hex(HMAC-SHA1(SecretKey, KeyTime))`, `hex(SHA1(HttpString))`,
/// `hex(HMAC-SHA1(SignKey, StringToSign))`; nothing else (no string building, no allocation).
fn bare_hashes(key_time: &str, http_string: &str, string_to_sign: &str) -> ([u8; 40], [u8; 40]) {
    let sign_key = hmac_sha1_hex(SECRET_KEY.as_bytes(), key_time.as_bytes());
    let digest = hex40(&Sha1::digest(http_string.as_bytes()));
    let signature = hmac_sha1_hex(&sign_key, string_to_sign.as_bytes());
    (digest, signature)
}

fn put_object_request() -> http::Request<()> {
    let mut builder = http::Request::put(format!("https://{HOST}/uploads/2024/photo%2001.jpg"));
    for (name, value) in HEADERS {
        builder = builder.header(name, value);
    }
    builder.body(()).unwrap()
}

fn bench(c: &mut Criterion) {
    let credential = Credential::new(SECRET_ID, SECRET_KEY).with_token(TOKEN);
    let signer = Signer::new(&credential);
    let key_time = KeyTime::starting_at(NOW, Duration::from_secs(900));
    let parts = SignableRequest::new("PUT", PATH).with_headers(&HEADERS);

    // The same bytes, hashed directly.
    let reference = signer.sign(&parts, key_time).unwrap();
    let key_time_text = key_time.to_string();
    let http_string = reference.http_string().to_owned();
    let string_to_sign = reference.string_to_sign().to_owned();

    // The baseline hashes the signer's own bytes and gets the signer's own results.
    let (digest, signature) = bare_hashes(&key_time_text, &http_string, &string_to_sign);
    assert_eq!(&digest[..], reference.sha1_http_string().as_bytes());
    assert_eq!(&signature[..], reference.signature().as_bytes());

    let mut group = c.benchmark_group("cos");
    group.bench_function("sign_put_object_parts", |b| {
        b.iter(|| signer.sign(black_box(&parts), black_box(key_time)).unwrap())
    });
    let request = put_object_request();
    group.bench_function("sign_put_object_http_request_in_place", |b| {
        b.iter(|| {
            let mut request = request.clone();
            signer
                .sign_http_in_place(black_box(&mut request), black_box(key_time))
                .unwrap();
            request
        })
    });
    group.bench_function("bare_hashes_put_object", |b| {
        b.iter(|| {
            bare_hashes(
                black_box(&key_time_text),
                black_box(&http_string),
                black_box(&string_to_sign),
            )
        })
    });

    let presign = SignableRequest::new("GET", "/uploads/2024/photo 01.jpg").with_host(HOST);
    let presigned = signer.presign(&presign, key_time).unwrap();
    let presign_http_string = presigned.signature().http_string().to_owned();
    let presign_string_to_sign = presigned.signature().string_to_sign().to_owned();
    let (digest, signature) = bare_hashes(
        &key_time_text,
        &presign_http_string,
        &presign_string_to_sign,
    );
    assert_eq!(
        &digest[..],
        presigned.signature().sha1_http_string().as_bytes()
    );
    assert_eq!(&signature[..], presigned.signature().signature().as_bytes());
    group.bench_function("presign_get", |b| {
        b.iter(|| {
            signer
                .presign(black_box(&presign), black_box(key_time))
                .unwrap()
        })
    });
    group.bench_function("bare_hashes_presign_get", |b| {
        b.iter(|| {
            bare_hashes(
                black_box(&key_time_text),
                black_box(&presign_http_string),
                black_box(&presign_string_to_sign),
            )
        })
    });

    // The peer crate, same request, header signing.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let context = reqsign_core::Context::new();
    let peer_signer = reqsign_tencent_cos::RequestSigner::new();
    let peer_credential = reqsign_tencent_cos::Credential {
        secret_id: SECRET_ID.into(),
        secret_key: SECRET_KEY.into(),
        security_token: Some(TOKEN.into()),
        expires_in: None,
    };
    let (peer_parts, ()) = put_object_request().into_parts();
    group.bench_function("reqsign_tencent_cos_put_object", |b| {
        b.iter(|| {
            let mut parts = peer_parts.clone();
            runtime
                .block_on(peer_signer.sign_request(
                    &context,
                    black_box(&mut parts),
                    Some(&peer_credential),
                    None,
                ))
                .unwrap();
            parts
        })
    });
    group.bench_function("tokio_block_on_overhead", |b| {
        b.iter(|| runtime.block_on(async { black_box(1u8) }))
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
