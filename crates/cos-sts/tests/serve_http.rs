//! `cos-sts serve --emulator` over real HTTP on loopback: authentication (JWT HS256/RS256,
//! bearer file, `--insecure-no-auth`), identity validation, keys that work against the
//! emulator only inside the caller's prefix, scope checks, server-chosen keys, cache, rate
//! limit, CORS, health, formats, graceful shutdown and logs without secrets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod serve_support;

use serde_json::json;
use serve_support::*;

fn js_fields(v: &serde_json::Value) {
    for field in ["TmpSecretId", "TmpSecretKey", "SecurityToken"] {
        assert!(
            v[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}: {v}"
        );
    }
    let start = v["StartTime"].as_u64().unwrap();
    let end = v["ExpiredTime"].as_u64().unwrap();
    assert!(
        end > start && end - start >= 1700 && end - start <= 1800,
        "{v}"
    );
}

#[test]
fn hs256_jwt_key_works_only_inside_the_callers_prefix() {
    let server = Server::start(&format!("{}{}", base_config(), hs256_auth()), &[]);
    assert_eq!(server.ready["bucket"], BUCKET);
    assert_eq!(server.ready["auth"], "jwt");
    let reply = server.get_with_bearer("/sts", &hs256(&claims("alice"), HS_SECRET));
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let key = reply.json();
    js_fields(&key);
    let cos = server.cos_addr();
    let put = cos_request(&cos, &key, "PUT", "users/alice/hello.txt", b"hello");
    assert_eq!(put.status, 200, "{}", put.text());
    let get = cos_request(&cos, &key, "GET", "users/alice/hello.txt", b"");
    assert_eq!(get.status, 200, "{}", get.text());
    assert_eq!(get.body, b"hello");
    for outside in [
        "users/bob/hello.txt",
        "users/alice2/x.txt",
        "users/x.txt",
        "other.txt",
    ] {
        let denied = cos_request(&cos, &key, "PUT", outside, b"nope");
        assert_eq!(denied.status, 403, "{outside}: {}", denied.text());
        assert!(denied.text().contains("AccessDenied"), "{}", denied.text());
    }
    let logs = server.stop();
    assert!(logs.contains("\"status\":200"), "{logs}");
}

#[test]
fn jwt_failures_are_401_and_bad_identities_403() {
    let server = Server::start(&format!("{}{}", base_config(), hs256_auth()), &[]);
    let mut expired = claims("alice");
    expired["exp"] = json!(now() - 120);
    let mut future = claims("alice");
    future["nbf"] = json!(now() + 120);
    let mut issuer = claims("alice");
    issuer["iss"] = json!("https://evil.test/");
    let mut audience = claims("alice");
    audience["aud"] = json!("someone-else");
    let good = hs256(&claims("alice"), HS_SECRET);
    let tampered = {
        let (rest, _sig) = good.rsplit_once('.').unwrap();
        let other = hs256(&claims("mallory"), HS_SECRET);
        let (_, payload_sig) = other.rsplit_once('.').unwrap();
        format!("{rest}.{payload_sig}")
    };
    for (name, token, message) in [
        ("expired", hs256(&expired, HS_SECRET), "expired"),
        ("not yet valid", hs256(&future, HS_SECRET), "not valid yet"),
        ("issuer", hs256(&issuer, HS_SECRET), "issuer"),
        ("audience", hs256(&audience, HS_SECRET), "audience"),
        (
            "signature",
            hs256(&claims("alice"), "another-secret-0123456789-abcdefghijklmn"),
            "signature",
        ),
        ("tampered", tampered, "signature"),
        ("garbage", "abc.def.ghi".to_owned(), "not a valid JWT"),
    ] {
        let reply = server.get_with_bearer("/sts", &token);
        assert_eq!(reply.status, 401, "{name}: {}", reply.text());
        let body = reply.json();
        assert_eq!(body["error"], "unauthorized", "{name}");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{name}: {body}"
        );
        assert!(
            reply
                .header("www-authenticate")
                .unwrap()
                .starts_with("Bearer")
        );
    }
    let missing = server.request("GET", "/sts", &[], b"");
    assert_eq!(missing.status, 401);
    let basic = server.request("GET", "/sts", &[("Authorization", "Basic YTpi")], b"");
    assert_eq!(basic.status, 401);
    for sub in [
        "../bob",
        "alice/../bob",
        "*",
        "a?b",
        "",
        "a b",
        &"x".repeat(200),
    ] {
        let reply = server.get_with_bearer("/sts", &hs256(&claims(sub), HS_SECRET));
        assert_eq!(reply.status, 403, "{sub:?}: {}", reply.text());
        assert_eq!(reply.json()["error"], "invalid_identity");
    }
}

#[test]
fn rs256_jwt_and_algorithm_confusion() {
    let server = Server::start(&format!("{}{}", base_config(), rs256_auth()), &[]);
    let reply = server.get_with_bearer("/sts", &rs256(&claims("carol")));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let key = reply.json();
    js_fields(&key);
    let put = cos_request(&server.cos_addr(), &key, "PUT", "users/carol/a.bin", b"x");
    assert_eq!(put.status, 200, "{}", put.text());
    // An HS256 token "signed" with the public key must not pass as RS256.
    let public = std::fs::read_to_string(fixture("serve_jwt_rs256_public.pem")).unwrap();
    let confused = hs256(&claims("carol"), &public);
    assert_eq!(server.get_with_bearer("/sts", &confused).status, 401);
    let mut wrong_aud = claims("carol");
    wrong_aud["aud"] = json!("other");
    assert_eq!(
        server.get_with_bearer("/sts", &rs256(&wrong_aud)).status,
        401
    );
    let mut expired = claims("carol");
    expired["exp"] = json!(now() - 60);
    assert_eq!(server.get_with_bearer("/sts", &rs256(&expired)).status, 401);
}

#[test]
fn bearer_tokens_and_the_cache() {
    let server = Server::start(&format!("{}{}", base_config(), bearer_auth()), &[]);
    let first = server.get_with_bearer("/sts", ALICE_TOKEN);
    assert_eq!(first.status, 200, "{}", first.text());
    let second = server.get_with_bearer("/sts", ALICE_TOKEN);
    assert_eq!(
        first.json(),
        second.json(),
        "the same subject and scope get the cached key"
    );
    let bob = server.get_with_bearer("/sts", BOB_TOKEN).json();
    assert_ne!(bob["TmpSecretId"], first.json()["TmpSecretId"]);
    let put = cos_request(&server.cos_addr(), &bob, "PUT", "users/bob/f", b"b");
    assert_eq!(put.status, 200);
    let cross = cos_request(&server.cos_addr(), &bob, "PUT", "users/alice/f", b"b");
    assert_eq!(cross.status, 403);
    let unknown = server.get_with_bearer("/sts", "bearer-token-mallory-0123456789");
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.json()["message"], "unknown bearer token");
    let logs = server.stop();
    assert!(logs.contains("\"cache\":\"hit\""), "{logs}");
    assert!(logs.contains("\"cache\":\"miss\""), "{logs}");
}

#[test]
fn insecure_mode_needs_the_flag() {
    let dir = temp_dir("noauth");
    let path = dir.join("serve.toml");
    std::fs::write(&path, base_config()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .args(["serve", "--emulator", "--listen", "127.0.0.1:0", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--insecure-no-auth"), "{stderr}");
    assert!(output.stdout.is_empty());

    let server = Server::start(&base_config(), &["--insecure-no-auth"]);
    assert_eq!(server.ready["auth"], "none");
    let anonymous = server.request("GET", "/sts", &[], b"");
    assert_eq!(anonymous.status, 200, "{}", anonymous.text());
    let put = cos_request(
        &server.cos_addr(),
        &anonymous.json(),
        "PUT",
        "users/anonymous/a",
        b"a",
    );
    assert_eq!(put.status, 200);
    let dave = server.request("GET", "/sts?sub=dave", &[], b"");
    assert_eq!(dave.status, 200);
    let put = cos_request(
        &server.cos_addr(),
        &dave.json(),
        "PUT",
        "users/anonymous/a",
        b"a",
    );
    assert_eq!(put.status, 403);
    for bad in ["..", "a%2Fb", "%2A", "a/b"] {
        let reply = server.request("GET", &format!("/sts?sub={bad}"), &[], b"");
        assert_eq!(reply.status, 403, "{bad}: {}", reply.text());
    }
    let logs = server.stop();
    assert!(
        logs.contains("insecure-no-auth"),
        "the warning is logged: {logs}"
    );
}

#[test]
fn scoped_requests_are_checked_against_the_template() {
    let server = Server::start(&format!("{}{}", base_config(), bearer_auth()), &[]);
    let scope = json!([
        {"action": "name/cos:PutObject", "bucket": BUCKET, "region": REGION, "prefix": "users/alice/scoped.txt"},
        {"action": "name/cos:GetObject", "bucket": BUCKET, "region": REGION, "prefix": "users/alice/scoped.txt"},
    ]);
    let reply = server.post_with_bearer("/sts", ALICE_TOKEN, &scope.to_string());
    assert_eq!(reply.status, 200, "{}", reply.text());
    let key = reply.json();
    let cos = server.cos_addr();
    assert_eq!(
        cos_request(&cos, &key, "PUT", "users/alice/scoped.txt", b"s").status,
        200
    );
    assert_eq!(
        cos_request(&cos, &key, "PUT", "users/alice/other.txt", b"s").status,
        403,
        "only the scoped key"
    );
    let wrapped = json!({"Scope": scope});
    let again = server.post_with_bearer("/sts", ALICE_TOKEN, &wrapped.to_string());
    assert_eq!(again.json(), key, "same scope, cached key");
    let whole = server.get_with_bearer("/sts", ALICE_TOKEN).json();
    assert_ne!(
        whole["TmpSecretId"], key["TmpSecretId"],
        "different scope, different key"
    );

    for (body, why) in [
        (
            json!([{"action": "name/cos:PutObject", "bucket": BUCKET, "region": REGION, "prefix": "users/bob/x"}]),
            "prefix",
        ),
        (
            json!([{"action": "name/cos:PutObject", "bucket": BUCKET, "region": REGION, "prefix": "users/*"}]),
            "prefix",
        ),
        (
            json!([{"action": "name/cos:PutObject", "bucket": BUCKET, "region": REGION, "prefix": "users/alice/../bob/x"}]),
            "..",
        ),
        (
            json!([{"action": "name/cos:DeleteObject", "bucket": BUCKET, "region": REGION, "prefix": "users/alice/x"}]),
            "not granted",
        ),
        (
            json!([{"action": "name/cos:PutObject", "bucket": "other-1250000000", "region": REGION, "prefix": "users/alice/x"}]),
            "bucket",
        ),
        (
            json!([{"action": "name/cos:PutObject", "bucket": BUCKET, "region": "ap-beijing", "prefix": "users/alice/x"}]),
            "region",
        ),
    ] {
        let reply = server.post_with_bearer("/sts", ALICE_TOKEN, &body.to_string());
        assert_eq!(reply.status, 403, "{body}: {}", reply.text());
        let error = reply.json();
        assert_eq!(error["error"], "scope_denied");
        assert!(error["message"].as_str().unwrap().contains(why), "{error}");
    }
    for malformed in ["{", "[]", "[{\"action\": 5}]"] {
        let reply = server.post_with_bearer("/sts", ALICE_TOKEN, malformed);
        assert_eq!(reply.status, 400, "{malformed}: {}", reply.text());
        assert_eq!(reply.json()["error"], "bad_request");
    }
}

#[test]
fn server_chosen_keys() {
    let config = format!(
        "{}{}[keys]\nextensions = [\"png\", \"jpg\"]\npattern = \"{{prefix}}{{date}}/{{random}}.{{ext}}\"\n",
        base_config(),
        bearer_auth()
    );
    let server = Server::start(&config, &[]);
    let reply = server.get_with_bearer("/sts/key?ext=PNG", ALICE_TOKEN);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    let key = body["Key"].as_str().unwrap().to_owned();
    assert!(
        key.starts_with("users/alice/") && key.ends_with(".png"),
        "{key}"
    );
    assert_eq!(body["Bucket"], BUCKET);
    assert_eq!(body["Region"], REGION);
    let cos = server.cos_addr();
    assert_eq!(cos_request(&cos, &body, "PUT", &key, b"png").status, 200);
    assert_eq!(
        cos_request(&cos, &body, "PUT", "users/alice/chosen-by-me.png", b"png").status,
        403
    );
    assert_eq!(
        cos_request(&cos, &body, "GET", &key, b"").status,
        403,
        "upload only"
    );
    let next = server
        .get_with_bearer("/sts/key?ext=png", ALICE_TOKEN)
        .json();
    assert_ne!(next["Key"], body["Key"]);
    assert_eq!(
        server
            .get_with_bearer("/sts/key?ext=exe", ALICE_TOKEN)
            .status,
        403
    );
    assert_eq!(
        server
            .get_with_bearer("/sts/key?ext=p/ng", ALICE_TOKEN)
            .status,
        400
    );
    assert_eq!(server.get_with_bearer("/sts/key", ALICE_TOKEN).status, 400);
    let v2 = server
        .get_with_bearer("/sts/key?ext=jpg&format=v2", ALICE_TOKEN)
        .json();
    assert!(v2["key"].as_str().unwrap().ends_with(".jpg"));
    assert!(v2["credentials"]["tmpSecretKey"].is_string());

    let plain = Server::start(&format!("{}{}", base_config(), bearer_auth()), &[]);
    assert_eq!(
        plain
            .get_with_bearer("/sts/key?ext=png", ALICE_TOKEN)
            .status,
        404
    );
}

#[test]
fn rate_limit_answers_429() {
    let config = format!(
        "{}{}[rate_limit]\nrequests_per_second = 0.2\nburst = 2\n",
        base_config(),
        bearer_auth()
    );
    let server = Server::start(&config, &[]);
    let mut conn = server.conn();
    let auth = format!("Bearer {ALICE_TOKEN}");
    let headers = [("Authorization", auth.as_str())];
    assert_eq!(conn.send("GET", "/sts", &headers, b"").status, 200);
    assert_eq!(conn.send("GET", "/sts", &headers, b"").status, 200);
    let limited = conn.send("GET", "/sts", &headers, b"");
    assert_eq!(limited.status, 429, "{}", limited.text());
    assert_eq!(limited.json()["error"], "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=5).contains(&retry), "{retry}");
    // Per subject: bob is not limited by alice's requests.
    assert_eq!(server.get_with_bearer("/sts", BOB_TOKEN).status, 200);
}

#[test]
fn cors_preflight_and_headers() {
    let config = format!(
        "{}{}[cors]\nallowed_origins = [\"http://app.test:3000\"]\nmax_age_seconds = 120\n",
        base_config(),
        bearer_auth()
    );
    let server = Server::start(&config, &[]);
    let preflight = server.request(
        "OPTIONS",
        "/sts",
        &[
            ("Origin", "http://app.test:3000"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type",
            ),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://app.test:3000")
    );
    assert_eq!(preflight.header("access-control-max-age"), Some("120"));
    assert!(
        preflight
            .header("access-control-allow-headers")
            .unwrap()
            .contains("authorization")
    );
    let refused = server.request(
        "OPTIONS",
        "/sts",
        &[
            ("Origin", "http://evil.test"),
            ("Access-Control-Request-Method", "POST"),
        ],
        b"",
    );
    assert_eq!(refused.status, 403);
    assert!(refused.header("access-control-allow-origin").is_none());
    let auth = format!("Bearer {ALICE_TOKEN}");
    let actual = server.request(
        "GET",
        "/sts",
        &[("Origin", "http://app.test:3000"), ("Authorization", &auth)],
        b"",
    );
    assert_eq!(actual.status, 200);
    assert_eq!(
        actual.header("access-control-allow-origin"),
        Some("http://app.test:3000")
    );
    // Errors carry CORS headers too, so the page can read them.
    let denied = server.request("GET", "/sts", &[("Origin", "http://app.test:3000")], b"");
    assert_eq!(denied.status, 401);
    assert_eq!(
        denied.header("access-control-allow-origin"),
        Some("http://app.test:3000")
    );
    let foreign = server.request(
        "GET",
        "/sts",
        &[("Origin", "http://evil.test"), ("Authorization", &auth)],
        b"",
    );
    assert!(foreign.header("access-control-allow-origin").is_none());
    // The emulator's bucket admits the same origins (COS answers CORS from bucket rules only).
    let mut cos = Conn::open(&server.cos_addr());
    for (origin, status) in [("http://app.test:3000", 200), ("http://evil.test", 403)] {
        let preflight = cos.send(
            "OPTIONS",
            "/k",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "authorization"),
            ],
            b"",
        );
        assert_eq!(preflight.status, status, "{origin}");
    }
}

#[test]
fn healthz_routes_and_formats() {
    let server = Server::start(
        &format!("{}{}", base_config(), bearer_auth()),
        &["--format", "v2"],
    );
    let health = server.request("GET", "/healthz", &[], b"");
    assert_eq!(health.status, 200);
    assert_eq!(health.json(), json!({"status": "ok"}));
    assert_eq!(server.request("GET", "/nope", &[], b"").status, 404);
    let wrong = server.request("DELETE", "/sts", &[], b"");
    assert_eq!(wrong.status, 405);
    assert!(wrong.header("allow").unwrap().contains("POST"));
    let v2 = server.get_with_bearer("/sts", ALICE_TOKEN).json();
    assert!(v2["credentials"]["tmpSecretId"].is_string(), "{v2}");
    assert!(v2["credentials"]["sessionToken"].is_string());
    assert!(v2["expiredTime"].is_u64() && v2["startTime"].is_u64());
    let api = server
        .get_with_bearer("/sts?format=api", ALICE_TOKEN)
        .json();
    assert!(api["Credentials"]["TmpSecretKey"].is_string(), "{api}");
    assert!(api["Credentials"]["Token"].is_string());
    let js = server.get_with_bearer("/sts?format=js", ALICE_TOKEN).json();
    js_fields(&js);
    assert_eq!(
        js["TmpSecretId"], api["Credentials"]["TmpSecretId"],
        "one cached key, three shapes"
    );
    assert_eq!(
        server
            .get_with_bearer("/sts?format=xml", ALICE_TOKEN)
            .status,
        400
    );
}

#[test]
fn content_type_condition_is_enforced_by_the_emulator() {
    let config = format!(
        "{}{}[conditions]\ncontent_type = \"text/plain\"\nmax_content_length = 16\n",
        base_config(),
        bearer_auth()
    );
    let server = Server::start(&config, &[]);
    let key = server.get_with_bearer("/sts", ALICE_TOKEN).json();
    let cos = server.cos_addr();
    // `cos_request` sends text/plain.
    assert_eq!(
        cos_request(&cos, &key, "PUT", "users/alice/small", b"ok").status,
        200
    );
    let big = cos_request(&cos, &key, "PUT", "users/alice/big", &[b'x'; 64]);
    assert_eq!(big.status, 403, "{}", big.text());
}

#[test]
fn bad_configurations_fail_at_start_with_a_clear_message() {
    let dir = temp_dir("badconfig");
    for (config, needle) in [
        (
            "bucket = \"nobucket\"\nregion = \"ap-guangzhou\"\n",
            "<name>-<APPID>",
        ),
        (
            "bucket = \"b-1250000000\"\nregion = \"ap-guangzhou\"\nprefix_template = \"users/*\"\n",
            "{sub}",
        ),
        ("not toml", "malformed configuration"),
    ] {
        let path = dir.join("serve.toml");
        std::fs::write(&path, config).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_cos-sts"))
            .args(["serve", "--insecure-no-auth", "--config"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{config}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{needle} not in {stderr}");
    }
    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .args(["serve", "--config", "/nonexistent/serve.toml"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/serve.toml"));
    let no_flag = std::process::Command::new(env!("CARGO_BIN_EXE_cos-sts"))
        .args(["serve"])
        .output()
        .unwrap();
    assert_eq!(no_flag.status.code(), Some(2), "clap usage error");
}

#[test]
fn logs_are_json_and_hold_no_secret() {
    let server = Server::start(&format!("{}{}", base_config(), hs256_auth()), &[]);
    let token = hs256(&claims("erin"), HS_SECRET);
    let key = server.get_with_bearer("/sts", &token).json();
    let bad = hs256(&claims("erin"), "wrong-secret-0123456789-abcdefghijklmnop");
    assert_eq!(server.get_with_bearer("/sts", &bad).status, 401);
    let scope = json!([{"action": "PutObject", "bucket": BUCKET, "region": REGION, "prefix": "users/bob/x"}]);
    assert_eq!(
        server
            .post_with_bearer("/sts", &token, &scope.to_string())
            .status,
        403
    );
    let logs = server.stop();
    let secrets = [
        HS_SECRET,
        token.as_str(),
        bad.as_str(),
        key["TmpSecretKey"].as_str().unwrap(),
        key["SecurityToken"].as_str().unwrap(),
    ];
    for secret in secrets {
        assert!(!logs.contains(secret), "a secret leaked into the logs");
    }
    // The JWT's signature part alone never appears either.
    assert!(!logs.contains(token.rsplit_once('.').unwrap().1));
    let mut requests = 0;
    for line in logs.lines() {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if entry["fields"]["message"] == "request" {
            requests += 1;
            assert!(entry["fields"]["status"].is_u64());
            assert!(entry["fields"]["latency_us"].is_u64());
        }
    }
    assert_eq!(requests, 3, "{logs}");
    assert!(logs.contains("\"subject\":\"erin\""));
    assert!(
        logs.contains("shutting down") && logs.contains("stopped"),
        "{logs}"
    );
}

/// Waits (bounded) until `check` holds.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn sighup_reloads_the_configuration_atomically_and_keeps_it_when_invalid() {
    let server = Server::start(&format!("{}{}", base_config(), bearer_auth()), &[]);
    js_fields(&server.get_with_bearer("/sts", ALICE_TOKEN).json());
    let path = server.dir.join("serve.toml");
    let api = format!(
        "{}{}",
        base_config().replace("format = \"js\"", "format = \"api\""),
        bearer_auth()
    );
    std::fs::write(&path, api).unwrap();
    server.signal("HUP");
    eventually("the reloaded format", || {
        server.get_with_bearer("/sts", ALICE_TOKEN).json()["Credentials"]["Token"].is_string()
    });
    // An invalid file is refused and the running configuration stays.
    std::fs::write(&path, "bucket = \"nobucket\"\nregion = \"ap-guangzhou\"\n").unwrap();
    server.signal("HUP");
    eventually("the refusal in the log", || {
        server.logs().contains("reload refused")
    });
    let still = server.get_with_bearer("/sts", ALICE_TOKEN);
    assert_eq!(still.status, 200);
    assert!(still.json()["Credentials"]["TmpSecretId"].is_string());
    let logs = server.stop();
    assert!(logs.contains("configuration reloaded"), "{logs}");
    assert!(
        logs.contains("<name>-<APPID>"),
        "the reason is logged: {logs}"
    );
}

#[test]
fn assume_role_issuer_with_the_emulator() {
    let config = format!(
        "{}{}[issuer]\nkind = \"assume_role\"\nrole_arn = \"qcs::cam::uin/100000000001:roleName/cos-vending\"\n",
        base_config(),
        bearer_auth()
    );
    let server = Server::start(&config, &[]);
    let key = server.get_with_bearer("/sts", ALICE_TOKEN);
    assert_eq!(key.status, 200, "{}", key.text());
    let key = key.json();
    js_fields(&key);
    let cos = server.cos_addr();
    assert_eq!(
        cos_request(&cos, &key, "PUT", "users/alice/r.txt", b"r").status,
        200
    );
    assert_eq!(
        cos_request(&cos, &key, "PUT", "users/bob/r.txt", b"r").status,
        403
    );
}
