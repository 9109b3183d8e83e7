//! Shared helpers of the integration tests: a raw HTTP client and COS/STS request signing.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use bytes::Bytes;
use cos_emulator::Emulator;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tc3_signer::Credential;
use tc3_signer::cos::{KeyTime, SignableRequest, Signer};

/// A response as the tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `<Code>` of a COS error body.
    pub fn code(&self) -> String {
        xml_field(&self.text(), "Code").unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
}

/// The first `<name>…</name>` text of an XML document.
pub fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml[start..end].to_string())
}

/// Every `<name>…</name>` text of an XML document.
pub fn xml_fields(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(j) = after.find(&close) else { break };
        out.push(after[..j].to_string());
        rest = &after[j + close.len()..];
    }
    out
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends a raw request to `url` (absolute) with the given headers.
pub async fn send(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: impl Into<Bytes>,
) -> Reply {
    let mut builder = http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let request = builder.body(Full::new(body.into())).unwrap();
    let response = client().request(request).await.expect("request failed");
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    }
}

/// A COS client for one emulator: signs with `credential` for `host` (default: the address).
pub struct Cos {
    pub endpoint: String,
    pub host: String,
    pub credential: Option<Credential>,
    pub key_time: Option<KeyTime>,
}

impl Cos {
    pub fn root(emulator: &Emulator) -> Self {
        Self::with(emulator, Some(emulator.root_credential()))
    }

    pub fn with(emulator: &Emulator, credential: Option<Credential>) -> Self {
        Self {
            endpoint: emulator.cos_endpoint(),
            host: emulator.cos_addr().to_string(),
            credential,
            key_time: None,
        }
    }

    /// `headers` plus `host` (unless given) and, with a credential, the `q-sign`
    /// authorization for `method` `path` `query`: what [`Cos::request`] sends, for tests that
    /// send it another way (over TLS).
    pub fn signed_headers(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            all.push(("host".into(), self.host.clone()));
        }
        if let Some(credential) = &self.credential {
            let pairs: Vec<(&str, &str)> =
                all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let parts = SignableRequest::new(method, path)
                .with_params(query)
                .with_headers(&pairs);
            let key_time = self
                .key_time
                .unwrap_or_else(|| KeyTime::starting_at(now() - 60, Duration::from_secs(900)));
            let signed = Signer::new(credential).sign(&parts, key_time).unwrap();
            for (k, v) in signed.headers_to_add() {
                all.push((k.to_string(), v.to_string()));
            }
        }
        all
    }

    /// `path` is decoded (`/key`), `query` decoded pairs.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let body: Bytes = body.into();
        let all = self.signed_headers(method, path, query, headers);
        let mut url = format!("{}{}", self.endpoint, encode_path(path));
        if !query.is_empty() {
            url.push('?');
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| {
                    if v.is_empty() {
                        encode(k)
                    } else {
                        format!("{}={}", encode(k), encode(v))
                    }
                })
                .collect();
            url.push_str(&q.join("&"));
        }
        send(method, &url, &all, body).await
    }

    pub async fn put(&self, key: &str, body: impl Into<Bytes>) -> Reply {
        self.request("PUT", &format!("/{key}"), &[], &[], body)
            .await
    }

    pub async fn get(&self, key: &str) -> Reply {
        self.request("GET", &format!("/{key}"), &[], &[], Bytes::new())
            .await
    }
}

pub fn encode(s: &str) -> String {
    cos_core::encoding::uri_encode(s)
}

fn encode_path(path: &str) -> String {
    cos_core::encoding::encode(path, cos_core::encoding::EncodeSet::PATH)
}

/// The headers of a TC3-signed STS call of `action` with the JSON `body`, signed for `host`
/// (which the caller sends as `Host` when it is not the address it connects to).
pub fn tc3_headers(
    credential: &Credential,
    action: &str,
    body: &str,
    host: &str,
) -> Vec<(String, String)> {
    let content_type = [("Content-Type", "application/json")];
    let request = tc3_signer::SignableRequest::new("POST", "/")
        .with_host(host)
        .with_headers(&content_type)
        .with_body(body.as_bytes());
    let params = tc3_signer::tc3::Tc3Params::new("sts", action, "2018-08-13", now())
        .with_region("ap-guangzhou");
    let signed = tc3_signer::tc3::sign(&request, &params, credential).unwrap();
    let mut headers: Vec<(String, String)> = signed
        .headers_to_send()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    headers
}

/// Calls an STS action with TC3, signed for `signed_host` (sent as `Host`).
pub async fn sts_tc3(
    emulator: &Emulator,
    credential: &Credential,
    action: &str,
    body: &serde_json::Value,
    signed_host: Option<&str>,
) -> Reply {
    let host = signed_host
        .map(str::to_string)
        .unwrap_or_else(|| emulator.sts_addr().to_string());
    let body = body.to_string();
    let mut headers = tc3_headers(credential, action, &body, &host);
    if signed_host.is_some() {
        headers.push(("Host".into(), host.clone()));
    }
    send(
        "POST",
        &format!("{}/", emulator.sts_endpoint()),
        &headers,
        body,
    )
    .await
}

/// Calls an STS action with the legacy v1 form signature.
pub async fn sts_v1(
    emulator: &Emulator,
    credential: &Credential,
    action: &str,
    params: &[(&str, &str)],
) -> Reply {
    let host = emulator.sts_addr().to_string();
    let mut p = tc3_signer::v1::V1Params::new(action, "2018-08-13", now(), 4242)
        .with_region("ap-guangzhou");
    for (k, v) in params {
        p = p.with_param(k, v);
    }
    let signed = p.sign(&host, credential).unwrap();
    let headers = vec![(
        "Content-Type".to_string(),
        "application/x-www-form-urlencoded".to_string(),
    )];
    send(
        "POST",
        &format!("{}/", emulator.sts_endpoint()),
        &headers,
        signed.form_body(),
    )
    .await
}

/// A GetFederationToken policy allowing `actions` on `resources` (JSON, URL-encoded).
pub fn policy(actions: &[&str], resources: &[String]) -> String {
    let json = serde_json::json!({
        "version": "2.0",
        "statement": [{"effect": "allow", "action": actions, "resource": resources}]
    });
    encode(&json.to_string())
}

/// The temporary credential from an STS response.
pub fn temp_credential(reply: &Reply) -> Credential {
    let v = reply.json();
    let c = &v["Response"]["Credentials"];
    assert!(c.is_object(), "no credentials in {}", reply.text());
    Credential::new(
        c["TmpSecretId"].as_str().unwrap(),
        c["TmpSecretKey"].as_str().unwrap(),
    )
    .with_token(c["Token"].as_str().unwrap())
}

/// Source bucket of the copy tests.
#[allow(dead_code)]
pub const COPY_SRC: &str = "source-1250000000";
/// Destination bucket of the copy tests.
#[allow(dead_code)]
pub const COPY_DST: &str = "target-1250000000";

/// An emulator with the copy tests' two buckets.
#[allow(dead_code)]
pub async fn copy_emulator() -> Emulator {
    Emulator::builder()
        .appid("1250000000")
        .region("ap-guangzhou")
        .bucket(COPY_SRC)
        .bucket(COPY_DST)
        .start()
        .await
        .unwrap()
}

/// `x-cos-copy-source` for `key` of `bucket`: `<bucket>.cos.ap-guangzhou.myqcloud.com/<encoded key>`.
#[allow(dead_code)]
pub fn copy_source_header(bucket: &str, key: &str) -> String {
    format!(
        "{bucket}.cos.ap-guangzhou.myqcloud.com/{}",
        encode_path(key)
    )
}

/// An unsigned TC3 STS call (`Authorization: SKIP`), as the token-exchange actions are sent.
pub async fn sts_unsigned(e: &Emulator, action: &str, body: &serde_json::Value) -> Reply {
    let headers: Vec<(String, String)> = [
        ("authorization", "SKIP"),
        ("content-type", "application/json; charset=utf-8"),
        ("x-tc-action", action),
        ("x-tc-version", "2018-08-13"),
        ("x-tc-region", "ap-guangzhou"),
        ("x-tc-timestamp", &now().to_string()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    send(
        "POST",
        &format!("{}/", e.sts_endpoint()),
        &headers,
        body.to_string(),
    )
    .await
}
