//! Entry points for the fuzz target `fuzz/fuzz_targets/vending_inputs.rs`, also run on stable
//! by a proptest: every parser of caller- or operator-supplied input, on arbitrary bytes.

use std::path::Path;

/// Feeds `data` to the configuration parser, the `Scope` body parser, the JWT header check,
/// the client-IP rule and `sts-client`'s vending-answer parser. Never panics.
///
/// ```
/// cos_vending::fuzzing::parse_inputs(b"[{\"action\":1}]");
/// ```
pub fn parse_inputs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::config::Settings::parse(&text, Path::new("/nonexistent"));
    let _ = crate::scope::parse_body(data);
    let _ = crate::auth::parse_token_header(&text);
    let _ = sts_client::TemporaryCredentials::from_vended_json(data);
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_bytes(data) {
        headers.insert("x-forwarded-for", value);
    }
    let trusted: Vec<cos_policy::IpNet> = ["0.0.0.0/0", "::/0"]
        .iter()
        .filter_map(|net| net.parse().ok())
        .collect();
    let peer = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
    let _ = crate::http::client_ip(peer, &headers, &trusted);
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_inputs_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            super::parse_inputs(&data);
        }

        #[test]
        fn json_like_inputs_never_panic(text in r#"[\[\]{}",:a-zA-Z0-9 .=*/_-]{0,200}"#) {
            super::parse_inputs(text.as_bytes());
        }
    }
}
