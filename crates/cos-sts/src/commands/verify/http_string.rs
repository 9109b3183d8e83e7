//! The server's http string behind a mismatched signature, rebuilt from the decoded request.

use tc3_signer::Credential;
use tc3_signer::cos::{Authorization, HeaderPolicy, SignableRequest, Signer};
use tc3_signer::uri_encode;

use super::received::Received;

/// The http string the server hashed: the listed headers and parameters of the decoded
/// request, signed with the presented key time. Returned only when it reproduces the
/// server's `string_to_sign` exactly, so what is shown is what the server computed.
pub(super) fn server_http_string(
    auth: &Authorization,
    secret_key: &str,
    received: &Received,
    server_string_to_sign: &str,
) -> Option<String> {
    if auth.sign_time() != auth.key_time() {
        return None;
    }
    let path = received.path.as_deref()?;
    let all_params = received.params.as_ref()?;
    let params: Vec<(&str, &str)> = all_params
        .iter()
        .filter(|(name, _)| listed(auth.url_param_list(), name))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let headers: Vec<(&str, &str)> = received
        .headers
        .iter()
        .filter(|(name, _)| listed(auth.header_list(), name.trim()))
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let parts = SignableRequest::new(&received.method, path)
        .with_params(&params)
        .with_headers(&headers);
    let credential = Credential::new(auth.secret_id(), secret_key);
    let signed = Signer::new(&credential)
        .header_policy(HeaderPolicy::All)
        .sign(&parts, auth.key_time())
        .ok()?;
    (signed.string_to_sign() == server_string_to_sign).then(|| signed.http_string().to_owned())
}

/// Whether `name`, encoded and lower-cased as in the lists, is in `list`.
fn listed(list: &[String], name: &str) -> bool {
    let canonical = uri_encode(name).to_ascii_lowercase();
    list.contains(&canonical)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tc3_signer::cos::KeyTime;

    #[test]
    fn rebuilds_exactly_the_server_http_string() {
        let credential = Credential::new("AKID", "secret");
        let headers = [("Host", "h.example"), ("Content-Type", "text/plain")];
        let params = [("Prefix", "a b")];
        let parts = SignableRequest::new("GET", "/k")
            .with_params(&params)
            .with_headers(&headers);
        let signed = Signer::new(&credential)
            .sign(&parts, KeyTime::new(1, 2).unwrap())
            .unwrap();
        let auth = Authorization::parse(signed.authorization()).unwrap();
        let received = Received {
            method: "GET".into(),
            raw_path: "/k".into(),
            raw_query: "Prefix=a%20b&unsigned=1".into(),
            headers: vec![
                ("Host".into(), "h.example".into()),
                ("Content-Type".into(), "text/plain".into()),
                ("User-Agent".into(), "not signed".into()),
            ],
            path: Some("/k".into()),
            params: Some(vec![
                ("Prefix".into(), "a b".into()),
                ("unsigned".into(), "1".into()),
            ]),
        };
        let rebuilt = server_http_string(&auth, "secret", &received, signed.string_to_sign());
        assert_eq!(rebuilt.as_deref(), Some(signed.http_string()));
        // Shown only when it reproduces the server's string to sign.
        assert_eq!(
            server_http_string(&auth, "secret", &received, "sha1\nother\n"),
            None
        );
    }
}
