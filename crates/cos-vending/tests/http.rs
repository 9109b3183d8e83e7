//! The HTTP service against the emulator: the red-team findings (an `iss` array, `crit`,
//! failed-authentication floods, slow bodies, large scope lists), the audit line of each
//! answer, `/metrics`, `/readyz`, and JWKS key rotation.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::{Read as _, Write as _};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use cos_client::PutOptions;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use support::*;

const PEER: &str = "198.51.100.7:40000";

async fn hs256_service(
    extra: &str,
    audit: Option<&std::path::Path>,
) -> (
    cos_emulator::Emulator,
    std::sync::Arc<cos_vending::VendingService>,
) {
    let e = emulator().await;
    let config = format!("{}{}{extra}", base(""), hs256_auth());
    let service = service(vending(settings(&config), &e, e.root_credential()), audit);
    (e, service)
}

#[tokio::test]
async fn an_iss_array_and_unknown_crit_are_refused() {
    let (e, service) = hs256_service("", None).await;
    let router = service.router();
    let good = hs256(&claims("alice"));
    assert_eq!(
        call(&router, "GET", "/sts", Some(&good), "", PEER)
            .await
            .status,
        200
    );
    // jsonwebtoken alone accepts an `iss` array containing the issuer.
    let mut array = claims("alice");
    array["iss"] = json!([ISSUER, "https://evil.example/"]);
    let reply = call(&router, "GET", "/sts", Some(&hs256(&array)), "", PEER).await;
    assert_eq!(reply.status, 401, "{}", reply.text());
    // A header listing a critical extension nobody here implements.
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("JWT".into());
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let head = b64.encode(br#"{"alg":"HS256","typ":"JWT","crit":["exp-ext"],"exp-ext":1}"#);
    let body = b64.encode(claims("alice").to_string());
    let signing_input = format!("{head}.{body}");
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &EncodingKey::from_secret(HS_SECRET.as_bytes()),
        Algorithm::HS256,
    )
    .unwrap();
    let crit = format!("{signing_input}.{signature}");
    let reply = call(&router, "GET", "/sts", Some(&crit), "", PEER).await;
    assert_eq!(reply.status, 401, "{}", reply.text());
    assert!(reply.json()["message"].as_str().unwrap().contains("crit"));
    e.shutdown().await;
}

#[tokio::test]
async fn a_failed_authentication_flood_is_limited_per_ip_by_default() {
    let (e, service) = hs256_service("", None).await;
    let router = service.router();
    let mut statuses = Vec::new();
    let started = Instant::now();
    for i in 0..300 {
        let reply = call(
            &router,
            "GET",
            "/sts",
            Some(&format!("wrong-token-{i}")),
            "",
            PEER,
        )
        .await;
        statuses.push(reply.status);
    }
    // The default per-IP limit: a burst of 60, then 20 per second.
    let allowed = 60.0 + 20.0 * started.elapsed().as_secs_f64() + 1.0;
    let passed = statuses.iter().filter(|s| **s == 401).count();
    assert!(
        (passed as f64) <= allowed,
        "{passed} wrong tokens checked (at most {allowed})"
    );
    assert!(statuses.contains(&429));
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429));
    // Another address is not affected.
    let other = call(
        &router,
        "GET",
        "/sts",
        Some(&hs256(&claims("bob"))),
        "",
        "198.51.100.8:1",
    )
    .await;
    assert_eq!(other.status, 200);
    // Still limited (a slow machine may have refilled a token or two meanwhile).
    let mut limited_reply = call(&router, "GET", "/sts", None, "", PEER).await;
    for _ in 0..50 {
        if limited_reply.status == 429 {
            break;
        }
        limited_reply = call(&router, "GET", "/sts", None, "", PEER).await;
    }
    assert_eq!(limited_reply.status, 429);
    assert!(limited_reply.headers.contains_key("retry-after"));
    let metrics = call(&router, "GET", "/metrics", None, "", PEER)
        .await
        .text();
    assert!(
        metrics.contains("cos_vending_rate_limited_total{limit=\"ip\"}"),
        "{metrics}"
    );
    e.shutdown().await;
}

#[tokio::test]
async fn ten_and_sixty_four_scope_keys_never_answer_5xx() {
    let (e, service) = hs256_service("", None).await;
    let router = service.router();
    let token = hs256(&claims("alice"));
    for (count, expected) in [(10, 200), (64, 400)] {
        let scope: Vec<_> = (0..count)
            .map(|i| json!({"action": "name/cos:PutObject", "bucket": BUCKET, "region": REGION,
                            "prefix": format!("users/alice/upload/{i:03}-photo-from-the-camera.jpg")}))
            .collect();
        let body = json!({ "Scope": scope }).to_string();
        let reply = call(&router, "POST", "/sts", Some(&token), &body, PEER).await;
        assert_eq!(reply.status, expected, "{count}: {}", reply.text());
        if expected == 200 {
            assert_eq!(reply.json()["ScopeLimit"], true, "narrowed answers say so");
        } else {
            let message = reply.json()["message"].as_str().unwrap().to_owned();
            assert!(
                message.contains("4096") && message.contains("characters"),
                "{message}"
            );
        }
    }
    // The whole prefix is not narrowed.
    let whole = call(&router, "GET", "/sts", Some(&token), "", PEER)
        .await
        .json();
    assert!(whole.get("ScopeLimit").is_none(), "{whole}");
    e.shutdown().await;
}

/// The browser's Scope flow: two objects, two narrowed keys; the first key never covers
/// the second object.
#[tokio::test]
async fn two_scoped_uploads_use_two_keys() {
    let (e, service) = hs256_service("", None).await;
    let router = service.router();
    let token = hs256(&claims("alice"));
    let scope = |key: &str| {
        json!({"Scope": [{"action": "name/cos:PutObject", "bucket": BUCKET, "region": REGION, "prefix": key}]})
            .to_string()
    };
    let first = call(
        &router,
        "POST",
        "/sts",
        Some(&token),
        &scope("users/alice/one.txt"),
        PEER,
    )
    .await
    .json();
    let second = call(
        &router,
        "POST",
        "/sts",
        Some(&token),
        &scope("users/alice/two.txt"),
        PEER,
    )
    .await
    .json();
    assert_ne!(first["TmpSecretId"], second["TmpSecretId"]);
    let one = cos(&e, &first);
    one.put_object("users/alice/one.txt", "1".into(), &PutOptions::default())
        .await
        .unwrap();
    assert!(
        one.put_object("users/alice/two.txt", "2".into(), &PutOptions::default())
            .await
            .is_err()
    );
    cos(&e, &second)
        .put_object("users/alice/two.txt", "2".into(), &PutOptions::default())
        .await
        .unwrap();
    e.shutdown().await;
}

#[tokio::test]
async fn every_answer_has_an_audit_line_tracing_the_key_and_metrics_move() {
    let dir = temp_dir("audit");
    let audit = dir.join("audit.log");
    let (e, service) = hs256_service("", Some(&audit)).await;
    let router = service.router();
    let token = hs256(&claims("erin"));
    let before = call(&router, "GET", "/metrics", None, "", PEER)
        .await
        .text();
    assert!(
        !before.contains("cos_vending_keys_issued_total"),
        "{before}"
    );
    let key = call(&router, "GET", "/sts", Some(&token), "", PEER)
        .await
        .json();
    let again = call(&router, "GET", "/sts", Some(&token), "", PEER)
        .await
        .json();
    assert_eq!(key["TmpSecretId"], again["TmpSecretId"]);
    assert_eq!(
        call(&router, "GET", "/sts", Some("nope"), "", PEER)
            .await
            .status,
        401
    );

    // A request signed with the key carries its TmpSecretId as q-ak.
    let credential = tc3_signer::Credential::new(
        key["TmpSecretId"].as_str().unwrap(),
        key["TmpSecretKey"].as_str().unwrap(),
    );
    let parts = tc3_signer::cos::SignableRequest::new("PUT", "/users/erin/a.txt");
    let signed = tc3_signer::cos::Signer::new(&credential)
        .sign(
            &parts,
            tc3_signer::cos::KeyTime::starting_at(now(), Duration::from_secs(60)),
        )
        .unwrap();
    let q_ak = signed
        .authorization()
        .split('&')
        .find_map(|p| p.strip_prefix("q-ak="))
        .unwrap()
        .to_owned();
    cos(&e, &key)
        .put_object("users/erin/a.txt", "a".into(), &PutOptions::default())
        .await
        .unwrap();

    service.audit().flush();
    let text = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0]["tmp_secret_id"], q_ak.as_str());
    assert_eq!(lines[0]["subject"], "erin");
    assert_eq!(lines[0]["role"], "default");
    assert_eq!(lines[0]["cache"], "miss");
    assert_eq!(lines[1]["cache"], "hit");
    assert_eq!(lines[0]["client_ip"], "198.51.100.7");
    assert_eq!(lines[0]["expired_time"], key["ExpiredTime"]);
    assert!(
        lines[0]["sts_request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(lines[0]["policy_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(lines[2]["status"], 401);
    assert_eq!(lines[2]["error"], "unauthorized");
    for secret in [
        key["TmpSecretKey"].as_str().unwrap(),
        key["SecurityToken"].as_str().unwrap(),
        token.as_str(),
        HS_SECRET,
    ] {
        assert!(!text.contains(secret), "a secret in the audit log");
    }

    let after = call(&router, "GET", "/metrics", None, "", PEER)
        .await
        .text();
    for line in [
        "cos_vending_keys_issued_total{role=\"default\"} 2",
        "cos_vending_cache_total{result=\"hit\"} 1",
        "cos_vending_cache_total{result=\"miss\"} 1",
        "cos_vending_requests_total{route=\"/sts\",status=\"200\"} 2",
        "cos_vending_requests_total{route=\"/sts\",status=\"401\"} 1",
        "cos_vending_errors_total{code=\"unauthorized\"} 1",
        "cos_vending_request_duration_seconds_count{route=\"/sts\"} 3",
    ] {
        assert!(after.contains(line), "{line} not in\n{after}");
    }
    assert!(!after.contains(key["TmpSecretKey"].as_str().unwrap()));
    e.shutdown().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let (e, service) = hs256_service("[limits]\nmax_body_bytes = 1024\n", None).await;
    let router = service.router();
    let token = hs256(&claims("alice"));
    let big = format!("{{\"Scope\": [], \"pad\": \"{}\"}}", "x".repeat(4096));
    let reply = call(&router, "POST", "/sts", Some(&token), &big, PEER).await;
    assert_eq!(reply.status, 413, "{}", reply.text());
    e.shutdown().await;
}

#[tokio::test]
async fn sts_calls_are_counted_and_readyz_checks_sts() {
    let e = emulator().await;
    let metrics = Arc::new(cos_vending::Metrics::new());
    let config = base("");
    let settings = settings(&config);
    let inner = Arc::new(cos_vending::StsIssuer::new(
        sts(&e, e.root_credential()),
        settings.issuer(),
    ));
    let issuer = Arc::new(cos_vending::MeteredIssuer::new(inner, metrics.clone()));
    let auth = cos_vending::Authenticator::from_config(None, true).unwrap();
    let vending = cos_vending::Vending::new(settings, auth, issuer).unwrap();
    let service = cos_vending::VendingService::new(
        vending,
        metrics,
        Arc::new(cos_vending::AuditLog::disabled()),
    );
    let router = service.router();
    assert_eq!(
        call(&router, "GET", "/sts?sub=a", None, "", PEER)
            .await
            .status,
        200
    );
    assert_eq!(
        call(&router, "GET", "/sts?sub=a", None, "", PEER)
            .await
            .status,
        200
    );
    let text = call(&router, "GET", "/metrics", None, "", PEER)
        .await
        .text();
    assert!(
        text.contains("cos_vending_sts_calls_total{kind=\"federation\",outcome=\"ok\"} 1"),
        "{text}"
    );
    let ready = call(&router, "GET", "/readyz", None, "", PEER).await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(
        call(&router, "GET", "/healthz", None, "", PEER)
            .await
            .json(),
        json!({"status": "ok"})
    );
    e.shutdown().await;
    // STS gone: not ready (after the cached answer expires).
    let service2 = {
        let settings = support::settings(&base("[sts]\nendpoint = \"http://127.0.0.1:9\"\n"));
        let client = sts_client::StsClient::builder()
            .endpoint(sts_client::Endpoint::custom("http://127.0.0.1:9").unwrap())
            .credential(tc3_signer::Credential::new("AKIDX", "k"))
            .retry(sts_client::RetryConfig::disabled())
            .build()
            .unwrap();
        let issuer = Arc::new(cos_vending::StsIssuer::new(client, settings.issuer()));
        let auth = cos_vending::Authenticator::from_config(None, true).unwrap();
        support::service(
            cos_vending::Vending::new(settings, auth, issuer).unwrap(),
            None,
        )
    };
    let down = call(&service2.router(), "GET", "/readyz", None, "", PEER).await;
    assert_eq!(down.status, 503, "{}", down.text());
}

/// A raw HTTP/1.1 exchange with a real listener.
fn raw(addr: std::net::SocketAddr, request: &[u8], wait: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_is_cut_and_connections_are_capped() {
    let limits =
        "[limits]\nbody_timeout_seconds = 0.5\nheader_timeout_seconds = 1.0\nmax_connections = 2\n";
    let (e, service) = hs256_service(limits, None).await;
    let limits = *service.settings().limits();
    let running = Running::start(&service, limits).await;
    let addr = running.addr;
    let token = hs256(&claims("alice"));
    let head = format!(
        "POST /sts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    );
    let (answer, took) =
        tokio::task::spawn_blocking(move || raw(addr, head.as_bytes(), Duration::from_secs(10)))
            .await
            .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // A head that never ends is cut too.
    let (answer, took) = tokio::task::spawn_blocking(move || {
        raw(
            addr,
            b"GET /sts HTTP/1.1\r\nHost: x\r\n",
            Duration::from_secs(10),
        )
    })
    .await
    .unwrap();
    assert!(took < Duration::from_secs(5), "{took:?}: {answer}");
    // Two idle connections hold both slots; a third waits until one closes.
    let hold: Vec<_> = (0..2)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    let waited = tokio::task::spawn_blocking(move || {
        raw(
            addr,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::from_secs(10),
        )
    })
    .await
    .unwrap();
    assert!(waited.0.starts_with("HTTP/1.1 200"), "{}", waited.0);
    assert!(
        waited.1 >= Duration::from_millis(500),
        "served only after a held connection timed out: {:?}",
        waited.1
    );
    drop(hold);
    running.stop().await;
    e.shutdown().await;
}

/// A loopback JWKS endpoint whose key set the test swaps.
async fn jwks_server(initial: &str) -> (String, Arc<Mutex<String>>) {
    let current = Arc::new(Mutex::new(initial.to_owned()));
    let shared = current.clone();
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let shared = shared.clone();
            async move { shared.lock().unwrap().clone() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let discovery =
        serde_json::json!({"issuer": ISSUER, "jwks_uri": format!("{base}/jwks.json")}).to_string();
    let app = app.route(
        "/.well-known/openid-configuration",
        axum::routing::get(move || {
            let discovery = discovery.clone();
            async move { discovery }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("{base}/jwks.json"), current)
}

fn signed(alg: Algorithm, kid: &str, pem: &str, claims: &serde_json::Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    let pem = std::fs::read(fixture(pem)).unwrap();
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_rsa_pem(&pem).unwrap(),
    };
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

#[tokio::test]
async fn jwks_rotation_picks_up_new_keys_and_refetches_at_most_once_per_interval() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let k1 = std::fs::read_to_string(fixture("jwks_k1.json")).unwrap();
    let k1_k2 = std::fs::read_to_string(fixture("jwks_k1_k2.json")).unwrap();
    let (url, current) = jwks_server(&k1).await;
    let e = emulator().await;
    let config = format!(
        "{}[auth.jwt]\nalgorithms = [\"RS256\", \"ES256\"]\njwks_url = \"{url}\"\njwks_min_refetch_seconds = 0.5\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\n",
        base("")
    );
    let service = service(vending(settings(&config), &e, e.root_credential()), None);
    let router = service.router();
    let fetches = || service.key_set_fetches();
    let rs = signed(
        Algorithm::RS256,
        "k1",
        "rs256_private.pem",
        &claims("alice"),
    );
    let first = call(&router, "GET", "/sts", Some(&rs), "", PEER).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(fetches(), 1);
    // The issuer rotates in k2 (ES256); a token signed with it is accepted after one refetch.
    *current.lock().unwrap() = k1_k2;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let es = signed(Algorithm::ES256, "k2", "es256_private.pem", &claims("bob"));
    let reply = call(&router, "GET", "/sts", Some(&es), "", PEER).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(fetches(), 2);
    // A burst of unknown kids right after: no fetch at all (the interval has not passed).
    let forged = signed(
        Algorithm::RS256,
        "k3",
        "rs256_private.pem",
        &claims("mallory"),
    );
    for _ in 0..20 {
        assert_eq!(
            call(&router, "GET", "/sts", Some(&forged), "", "198.51.100.9:1")
                .await
                .status,
            401
        );
    }
    assert_eq!(fetches(), 2);
    // After the interval: one refetch for the whole burst.
    tokio::time::sleep(Duration::from_millis(600)).await;
    for _ in 0..20 {
        assert_eq!(
            call(&router, "GET", "/sts", Some(&forged), "", "198.51.100.10:1")
                .await
                .status,
            401
        );
    }
    assert_eq!(fetches(), 3);
    e.shutdown().await;
}

#[tokio::test]
async fn oidc_discovery_finds_the_key_set() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let k1_k2 = std::fs::read_to_string(fixture("jwks_k1_k2.json")).unwrap();
    let (jwks_url, _) = jwks_server(&k1_k2).await;
    let discovery = jwks_url.replace("/jwks.json", "/.well-known/openid-configuration");
    let e = emulator().await;
    let config = format!(
        "{}[auth.jwt]\nalgorithm = \"ES256\"\ndiscovery_url = \"{discovery}\"\nissuer = \"{ISSUER}\"\naudience = \"{AUDIENCE}\"\n",
        base("")
    );
    let service = service(vending(settings(&config), &e, e.root_credential()), None);
    let router = service.router();
    assert_eq!(
        call(&router, "GET", "/readyz", None, "", PEER).await.status,
        200
    );
    assert_eq!(service.key_set_fetches(), 1, "readyz fetched the key set");
    let es = signed(Algorithm::ES256, "k2", "es256_private.pem", &claims("bob"));
    let reply = call(&router, "GET", "/sts", Some(&es), "", PEER).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    // RS256 is not accepted by this configuration even though the set holds an RSA key.
    let rs = signed(Algorithm::RS256, "k1", "rs256_private.pem", &claims("bob"));
    assert_eq!(
        call(&router, "GET", "/sts", Some(&rs), "", PEER)
            .await
            .status,
        401
    );
    e.shutdown().await;
}

#[tokio::test]
async fn callers_choose_the_role_and_a_shorter_duration_in_the_query() {
    let roles = "max_duration_seconds = 3600\n[[roles]]\nname = \"user\"\n[[roles]]\nname = \"admin\"\nclaims = [{ claim = \"groups\", contains = \"admin\" }]\nprefix_template = \"admins/{sub}/\"\n";
    let e = emulator().await;
    let config = format!("{}{}", base(roles), hs256_auth());
    let service = service(vending(settings(&config), &e, e.root_credential()), None);
    let router = service.router();
    let plain = hs256(&claims("carol"));
    let mut admin_claims = claims("dave");
    admin_claims["groups"] = json!(["admin"]);
    let admin = hs256(&admin_claims);

    let short = call(
        &router,
        "GET",
        "/sts?duration_seconds=900",
        Some(&plain),
        "",
        PEER,
    )
    .await;
    assert_eq!(short.status, 200, "{}", short.text());
    let key = short.json();
    let lifetime = key["ExpiredTime"].as_u64().unwrap() - key["StartTime"].as_u64().unwrap();
    assert!((800..=900).contains(&lifetime), "{lifetime}");
    let long = call(
        &router,
        "GET",
        "/sts?duration_seconds=7200",
        Some(&plain),
        "",
        PEER,
    )
    .await;
    assert_eq!(long.status, 400, "{}", long.text());
    assert!(long.json()["message"].as_str().unwrap().contains("3600"));
    let nonsense = call(
        &router,
        "GET",
        "/sts?duration_seconds=soon",
        Some(&plain),
        "",
        PEER,
    )
    .await;
    assert_eq!(nonsense.status, 400);

    let denied = call(&router, "GET", "/sts?role=admin", Some(&plain), "", PEER).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.json()["error"], "role_denied");
    assert!(
        denied.json()["message"]
            .as_str()
            .unwrap()
            .contains("groups")
    );
    let granted = call(&router, "GET", "/sts?role=admin", Some(&admin), "", PEER).await;
    assert_eq!(granted.status, 200, "{}", granted.text());
    cos(&e, &granted.json())
        .put_object("admins/dave/x", "x".into(), &PutOptions::default())
        .await
        .unwrap();
    let unknown = call(&router, "GET", "/sts?role=root", Some(&admin), "", PEER).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["error"], "unknown_role");
    e.shutdown().await;
}
