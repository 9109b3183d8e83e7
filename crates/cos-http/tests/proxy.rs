//! The transport honours `HTTP_PROXY`/`HTTPS_PROXY` and `NO_PROXY` (read through an injected
//! environment, so tests do not race on the process environment), through a loopback
//! `CONNECT` proxy.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use bytes::Bytes;
use cos_http::{HttpsClient, ProxyConfig, Transport};
use http_body_util::{BodyExt, Empty};
use test_servers::{ConnectProxy, Reply, ScriptedServer};

fn client(env: &dyn Fn(&str) -> Option<String>) -> HttpsClient<Empty<Bytes>> {
    Transport::new()
        .proxy_with_env(&ProxyConfig::FromEnv, env)
        .build()
        .unwrap()
}

async fn get(client: &HttpsClient<Empty<Bytes>>, url: &str) -> String {
    let response = client.get(url.parse().unwrap()).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(body.to_vec()).unwrap()
}

#[tokio::test]
async fn requests_go_through_the_proxy_of_the_environment() {
    let server = ScriptedServer::start().await;
    server.push(Reply::Json(200, "{\"via\":\"proxy\"}".into()));
    let proxy = ConnectProxy::start(server.addr()).await;
    let url = proxy.url();
    let env = move |name: &str| (name == "HTTP_PROXY").then(|| url.clone());
    // The host does not resolve: only the proxy can have reached the server.
    let body = get(&client(&env), "http://cos.example.invalid/object").await;
    assert_eq!(body, "{\"via\":\"proxy\"}");
    assert_eq!(proxy.targets(), ["cos.example.invalid:80"]);
    assert_eq!(server.seen()[0].path, "/object");
}

#[tokio::test]
async fn no_proxy_hosts_go_direct() {
    let server = ScriptedServer::start().await;
    server.push(Reply::Json(200, "{}".into()));
    let proxy = ConnectProxy::start(server.addr()).await;
    let url = proxy.url();
    let env = move |name: &str| match name {
        "HTTPS_PROXY" | "HTTP_PROXY" => Some(url.clone()),
        "NO_PROXY" => Some("localhost,127.0.0.1".into()),
        _ => None,
    };
    get(&client(&env), &format!("{}/direct", server.url())).await;
    assert!(proxy.targets().is_empty());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_fixed_connect_to_address_goes_direct() {
    let server = ScriptedServer::start().await;
    server.push(Reply::Json(200, "{}".into()));
    let proxy = ConnectProxy::start(server.addr()).await;
    let client: HttpsClient<Empty<Bytes>> = Transport::new()
        .proxy(&ProxyConfig::url(proxy.url()))
        .connect_to(Some(server.addr()))
        .build()
        .unwrap();
    get(&client, "http://cos.example.invalid/x").await;
    assert!(proxy.targets().is_empty());
    assert_eq!(server.hits(), 1);
}
