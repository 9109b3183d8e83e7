//! Fuzzes the TC3 and v1 parsers and verifiers (and the TC3 signer) with arbitrary bytes:
//! none of them may panic. A stable-toolchain twin is `parsers_never_panic` in
//! `crates/tc3-signer/tests/tc3_props.rs`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tc3_signer::tc3::{Authorization, Tc3Params, VerifyParams, authorization_of, sign, verify};
use tc3_signer::v1::{V1Presented, V1VerifyParams};
use tc3_signer::{Credential, IncomingRequest, SignableRequest};

fuzz_target!(|data: &[u8]| {
    // Split the input into fields at 0xFF bytes (never valid UTF-8, so a natural separator).
    let mut fields = data.split(|byte| *byte == 0xff);
    let mut next = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let (authorization, timestamp, method, query, header_name, header_value) =
        (next(), next(), next(), next(), next(), next());
    let body = fields_rest(data);

    let headers = [
        ("Authorization", authorization.as_str()),
        ("X-TC-Timestamp", timestamp.as_str()),
        ("Content-Type", header_value.as_str()),
        (header_name.as_str(), header_value.as_str()),
    ];
    let incoming = IncomingRequest::new(&method, "/", &query, &headers)
        .with_host("sts.tencentcloudapi.com")
        .with_body(body);
    if let Ok(Authorization::Tc3(presented)) = authorization_of(&incoming) {
        let _ = verify(
            &incoming,
            &presented,
            "secret",
            &VerifyParams::new("sts", 1_700_000_000),
        );
    }
    let params =
        Tc3Params::new("sts", &header_name, &header_value, 1_700_000_000).sign_header(&header_name);
    let request = SignableRequest::new(&method, "/")
        .with_host("sts.tencentcloudapi.com")
        .with_query(&query)
        .with_headers(&headers)
        .with_body(body);
    let _ = sign(
        &request,
        &params,
        &Credential::new(authorization.as_str(), "secret"),
    );

    if let Ok(presented) = V1Presented::from_form(&String::from_utf8_lossy(data)) {
        let _ = presented.verify(
            "secret",
            &V1VerifyParams::new(&method, "sts.tencentcloudapi.com", 1_700_000_000),
        );
    }
});

/// The bytes after the last separator, used as the body.
fn fields_rest(data: &[u8]) -> &[u8] {
    match data.iter().rposition(|byte| *byte == 0xff) {
        Some(at) => data.get(at + 1..).unwrap_or_default(),
        None => data,
    }
}
