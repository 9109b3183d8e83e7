//! The scripted loopback STS server (from the dev-only `test-servers` crate) and the canned
//! answers these tests script it with.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(dead_code, unreachable_pub)]

#[allow(unused_imports)] // Not every test file scripts replies of its own.
pub use test_servers::{Reply, ScriptedServer as MockServer};

pub const SECRET_KEY: &str = "PERMANENTSECRETKEYxyz";
pub const TMP_KEY: &str = "TEMPORARYSECRETKEYabc";
pub const TMP_TOKEN: &str = "TEMPORARYSESSIONTOKENdef";

pub fn credentials_body(request_id: &str) -> String {
    format!(
        r#"{{"Response":{{"Credentials":{{"Token":"{TMP_TOKEN}","TmpSecretId":"AKIDTMP","TmpSecretKey":"{TMP_KEY}"}},"ExpiredTime":1700001800,"Expiration":"2023-11-14T22:43:20Z","RequestId":"{request_id}"}}}}"#
    )
}

pub fn error_body(code: &str, request_id: &str) -> String {
    format!(
        r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"scripted {code}"}},"RequestId":"{request_id}"}}}}"#
    )
}
