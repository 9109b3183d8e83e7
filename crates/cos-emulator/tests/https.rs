//! HTTPS with the generated CA: clients trusting the CA reach both listeners (STS signed with
//! TC3, COS signed with `q-sign`, `cos:secure-transport` true); clients that do not trust it,
//! or speak plain HTTP, do not.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bytes::Bytes;
use cos_emulator::Emulator;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tc3_signer::Credential;
use tc3_signer::cos::{KeyTime, SignableRequest, Signer};

fn connector(ca_pem: Option<&str>) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = ca_pem {
        roots
            .add(CertificateDer::from_pem_slice(pem.as_bytes()).unwrap())
            .unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Sends one request over TLS to `endpoint` (`https://127.0.0.1:port`) for server name
/// `name`; `Err` when the connection or handshake fails.
async fn send_tls(
    ca_pem: Option<&str>,
    endpoint: &str,
    name: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Bytes,
) -> Result<(u16, String), String> {
    let addr = endpoint.trim_start_matches("https://");
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let server_name = ServerName::try_from(name.to_string()).unwrap();
    let tls = connector(ca_pem)
        .connect(server_name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut request = http::Request::builder().method(method).uri(path);
    for (k, v) in headers {
        request = request.header(k.as_str(), v.as_str());
    }
    let response = sender
        .send_request(request.body(Full::new(body)).unwrap())
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

#[tokio::test]
async fn clients_trusting_the_ca_reach_sts_and_cos_over_https() {
    let e = Emulator::builder()
        .https(true)
        .bucket("examplebucket")
        .in_memory()
        .start()
        .await
        .unwrap();
    let ca = e.ca_cert_pem().unwrap().to_string();
    assert!(e.cos_endpoint().starts_with("https://127.0.0.1:"));
    for (endpoint, name) in [
        (e.cos_endpoint(), "localhost"),
        (e.sts_endpoint(), "127.0.0.1"),
        (e.cos_endpoint(), "examplebucket-1250000000.localhost"),
    ] {
        let host = [("host".to_string(), name.to_string())];
        let (status, body) = send_tls(
            Some(&ca),
            &endpoint,
            name,
            "GET",
            "/_emulator/health",
            &host,
            Bytes::new(),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{body}");
    }

    // STS over HTTPS, signed with TC3: a key that may only write over secure transport.
    let policy = json!({"version": "2.0", "statement": [{"effect": "allow",
        "action": ["name/cos:PutObject"],
        "resource": ["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/*"],
        "condition": {"bool_equal": {"cos:secure-transport": "true"}}}]});
    let sts_host = e.sts_addr().to_string();
    let body = json!({"Name": "t", "Region": "ap-guangzhou",
        "Policy": common::encode(&policy.to_string())})
    .to_string();
    let request = tc3_signer::tc3::Tc3Request::new("POST", &sts_host)
        .with_header("Content-Type", "application/json")
        .with_body(body.as_bytes());
    let params =
        tc3_signer::tc3::Tc3Params::new("sts", "GetFederationToken", "2018-08-13", common::now())
            .with_region("ap-guangzhou");
    let signed = tc3_signer::tc3::sign(&request, &params, &e.root_credential()).unwrap();
    let mut headers: Vec<(String, String)> = signed
        .headers_to_send()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    headers.push(("host".into(), sts_host.clone()));
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let (status, text) = send_tls(
        Some(&ca),
        &e.sts_endpoint(),
        "127.0.0.1",
        "POST",
        "/",
        &headers,
        Bytes::from(body),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let c = &v["Response"]["Credentials"];
    assert!(c.is_object(), "{text}");
    let key = Credential::new(
        c["TmpSecretId"].as_str().unwrap(),
        c["TmpSecretKey"].as_str().unwrap(),
    )
    .with_token(c["Token"].as_str().unwrap());

    // COS over HTTPS with that key: `cos:secure-transport` is true, so the PUT is allowed.
    let cos_host = e.cos_addr().to_string();
    let pairs = [("host", cos_host.as_str())];
    let parts = SignableRequest::new("PUT", "/secure.txt").with_headers(&pairs);
    let key_time = KeyTime::starting_at(common::now() - 60, Duration::from_secs(900));
    let signed = Signer::new(&key).sign(&parts, key_time).unwrap();
    let mut headers = vec![("host".to_string(), cos_host.clone())];
    for (k, v) in signed.headers_to_add() {
        headers.push((k.to_string(), v.to_string()));
    }
    let (status, text) = send_tls(
        Some(&ca),
        &e.cos_endpoint(),
        "127.0.0.1",
        "PUT",
        "/secure.txt",
        &headers,
        Bytes::from_static(b"over tls"),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{text}");
    let log = e.access_log();
    assert!(log.last().unwrap().decisions[0].allowed);
    e.shutdown().await;
}

#[tokio::test]
async fn plain_http_only_emulators_deny_a_secure_transport_only_key() {
    let e = Emulator::builder()
        .bucket("examplebucket")
        .in_memory()
        .start()
        .await
        .unwrap();
    let policy = json!({"version": "2.0", "statement": [{"effect": "allow",
        "action": ["name/cos:PutObject"],
        "resource": ["qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/*"],
        "condition": {"bool_equal": {"cos:secure-transport": "true"}}}]});
    let reply = common::sts_tc3(
        &e,
        &e.root_credential(),
        "GetFederationToken",
        &json!({"Name": "t", "Region": "ap-guangzhou",
            "Policy": common::encode(&policy.to_string())}),
        None,
    )
    .await;
    let cos = common::Cos::with(&e, Some(common::temp_credential(&reply)));
    assert_eq!(cos.put("plain.txt", "x").await.code(), "AccessDenied");
    e.shutdown().await;
}

#[tokio::test]
async fn untrusting_and_plain_http_clients_are_refused() {
    let e = Emulator::builder().https(true).start().await.unwrap();
    let untrusted = send_tls(
        None,
        &e.sts_endpoint(),
        "localhost",
        "GET",
        "/_emulator/health",
        &[],
        Bytes::new(),
    )
    .await;
    assert!(untrusted.is_err(), "{untrusted:?}");
    // A certificate for another name is refused too.
    let other_name = send_tls(
        e.ca_cert_pem(),
        &e.sts_endpoint(),
        "example.com",
        "GET",
        "/_emulator/health",
        &[],
        Bytes::new(),
    )
    .await;
    assert!(other_name.is_err(), "{other_name:?}");
    // Plain HTTP to an HTTPS port gets no HTTP answer.
    let plain = tokio::time::timeout(Duration::from_secs(15), async {
        let url = e.cos_endpoint().replace("https://", "http://");
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Full<Bytes>>();
        client
            .request(
                http::Request::get(format!("{url}/_emulator/health"))
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            )
            .await
    })
    .await
    .expect("the emulator closes the connection");
    assert!(plain.is_err(), "{plain:?}");
    e.shutdown().await;
}
