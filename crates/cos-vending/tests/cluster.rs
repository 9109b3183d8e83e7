//! Several vending instances sharing one real `redis-server` (`[cluster]`): one STS call per
//! cache key across the fleet, fleet-wide limits and budget, nothing usable in Redis, Redis
//! failures (`local` and `refuse`), recovery, and crashed lock holders.
//!
//! Each instance is a full `VendingService` with its own Redis connection, driven
//! in-process; the issuer of every instance counts its STS calls, and every key handed out is
//! checked against the emulator.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cos_client::PutOptions;
use cos_emulator::Emulator;
use cos_vending::{
    Authenticator, BoxFuture, Cluster, IssueCall, Issued, Issuer, StsIssuer, Vending,
    VendingService,
};
use sts_client::StsError;
use support::*;
use test_servers::{RedisCluster, RedisSentinel, RedisServer};

/// Counts the STS calls of one instance (into a counter shared by the fleet), optionally
/// hanging forever (a holder that will crash).
#[derive(Debug)]
struct Counting {
    inner: StsIssuer,
    calls: Arc<AtomicUsize>,
    hang: bool,
}

impl Issuer for Counting {
    fn issue<'a>(&'a self, call: &'a IssueCall) -> BoxFuture<'a, Result<Issued, StsError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.hang {
                std::future::pending::<()>().await;
            }
            self.inner.issue(call).await
        })
    }

    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn check_ready(&self) -> BoxFuture<'_, Result<(), String>> {
        self.inner.check_ready()
    }
}

struct Instance {
    router: axum::Router,
    service: Arc<VendingService>,
}

struct Fleet {
    e: Emulator,
    redis: RedisServer,
    calls: Arc<AtomicUsize>,
    instances: Vec<Instance>,
    text: String,
}

/// The configuration: HS256 callers, `[cluster]` on `redis` with a key file, generous
/// limits unless `extra` says otherwise.
fn config(redis_url: &str, cluster_extra: &str, extra: &str) -> String {
    let dir = temp_dir("cluster-keys");
    let keys = dir.join("cache.keys");
    std::fs::write(&keys, format!("{}\n", "5a".repeat(32))).unwrap();
    format!(
        "{}{}{extra}\n[cluster]\nredis_url = \"{}\"\nencryption_key_file = \"{}\"\ncommand_timeout_ms = 1000\nretry_after_ms = 300\n{cluster_extra}",
        base(""),
        hs256_auth(),
        redis_url,
        keys.display()
    )
}

const GENEROUS: &str = "[rate_limit]\nrequests_per_second = 10000.0\nburst = 10000\n[limits]\nper_ip_requests_per_second = 100000.0\nper_ip_burst = 100000\nrequest_timeout_seconds = 20.0\n";

fn instance(text: &str, e: &Emulator, calls: &Arc<AtomicUsize>, hang: bool) -> Instance {
    let settings = settings(text);
    let cluster = Cluster::connect(settings.cluster().unwrap()).unwrap();
    let issuer = Arc::new(Counting {
        inner: StsIssuer::new(sts(e, e.root_credential()), settings.issuer()),
        calls: calls.clone(),
        hang,
    });
    let auth = Authenticator::from_config(settings.auth(), false).unwrap();
    let vending = cluster.install(Vending::new(settings, auth, issuer).unwrap());
    let service = service(vending, None);
    cluster.attach_metrics(service.metrics());
    Instance {
        router: service.router(),
        service,
    }
}

/// Redis, the emulator and three instances; `None` when redis-server is missing (skipped
/// loudly; with CI=true the harness panics instead).
async fn fleet(cluster_extra: &str, extra: &str) -> Option<Fleet> {
    let redis = RedisServer::start()?;
    let e = emulator().await;
    let text = config(&redis.url(), cluster_extra, extra);
    let calls = Arc::new(AtomicUsize::new(0));
    let instances = (0..3).map(|_| instance(&text, &e, &calls, false)).collect();
    Some(Fleet {
        e,
        redis,
        calls,
        instances,
        text,
    })
}

impl Fleet {
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    async fn get(&self, i: usize, subject: &str) -> Reply {
        self.get_as(i, &hs256(&claims(subject))).await
    }

    async fn get_as(&self, i: usize, token: &str) -> Reply {
        let router = &self.instances[i % self.instances.len()].router;
        call(router, "GET", "/sts", Some(token), "", "198.51.100.7:40000").await
    }

    /// An unauthenticated `GET path` (`/readyz`, `/metrics`) to instance `i`.
    async fn plain(&self, i: usize, path: &str) -> Reply {
        call(
            &self.instances[i].router,
            "GET",
            path,
            None,
            "",
            "198.51.100.7:1",
        )
        .await
    }

    /// Every value stored in Redis.
    async fn redis_values(&self) -> Vec<(String, String)> {
        let client = redis::Client::open(self.redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut conn)
            .await
            .unwrap();
        let mut out = Vec::new();
        for key in keys {
            let value: Option<String> = redis::cmd("GET")
                .arg(&key)
                .query_async(&mut conn)
                .await
                .unwrap();
            out.push((key, value.unwrap_or_default()));
        }
        out
    }
}

fn key_of(reply: &Reply) -> serde_json::Value {
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_make_one_sts_call_per_subject_and_leave_nothing_usable_in_redis() {
    let Some(fleet) = fleet("", GENEROUS).await else {
        return;
    };
    let fleet = Arc::new(fleet);
    let subjects: Vec<String> = (0..30).map(|i| format!("user{i:02}")).collect();
    let tokens: BTreeMap<String, String> = subjects
        .iter()
        .map(|s| (s.clone(), hs256(&claims(s))))
        .collect();
    let mut tasks = Vec::new();
    for n in 0..300 {
        let fleet = fleet.clone();
        let subject = subjects[n % 30].clone();
        let token = tokens[&subject].clone();
        tasks.push(tokio::spawn(async move {
            let reply = fleet.get_as(n / 30, &token).await;
            (subject, reply)
        }));
    }
    let mut by_subject: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut answers = Vec::new();
    for task in tasks {
        let (subject, reply) = task.await.unwrap();
        let key = key_of(&reply);
        by_subject
            .entry(subject.clone())
            .or_default()
            .insert(key["TmpSecretId"].as_str().unwrap().to_owned());
        answers.push((subject, key));
    }
    assert_eq!(
        fleet.calls(),
        30,
        "one STS call per subject across three instances"
    );
    assert_eq!(by_subject.len(), 30);
    assert!(
        by_subject.values().all(|ids| ids.len() == 1),
        "every answer for a subject is the same key: {by_subject:?}"
    );
    let distinct: BTreeSet<&String> = by_subject.values().flatten().collect();
    assert_eq!(distinct.len(), 30, "no two subjects share a key");
    // Each key is valid for its own prefix only (checked by the emulator).
    for (i, subject) in subjects.iter().enumerate() {
        let (_, key) = answers.iter().find(|(s, _)| s == subject).unwrap();
        let cos = cos(&fleet.e, key);
        cos.put_object(
            &format!("users/{subject}/a.txt"),
            "a".into(),
            &PutOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{subject}'s own prefix: {e}"));
        let other = &subjects[(i + 1) % 30];
        let denied = cos
            .put_object(
                &format!("users/{other}/a.txt"),
                "a".into(),
                &PutOptions::default(),
            )
            .await;
        assert!(denied.is_err(), "{subject}'s key wrote under {other}/");
    }
    // A Redis dump holds no secret key, session token or JWT in clear.
    let values = fleet.redis_values().await;
    let (cred, sealed) = values.iter().find(|(k, _)| k.contains("cred:")).unwrap();
    let client = redis::Client::open(fleet.redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let usage: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(cred)
        .query_async(&mut conn)
        .await
        .unwrap();
    let token_len = answers[0].1["SecurityToken"].as_str().unwrap().len();
    eprintln!(
        "one cached key: {usage} bytes in Redis ({} bytes sealed, token {token_len} bytes)",
        sealed.len()
    );
    assert!(usage < 4096, "{usage}");
    for (_, key) in &answers {
        for field in ["TmpSecretKey", "SecurityToken", "TmpSecretId"] {
            let secret = key[field].as_str().unwrap();
            for (name, value) in &values {
                assert!(
                    !value.contains(secret) && !name.contains(secret),
                    "{field} in clear under {name}"
                );
            }
        }
    }
    for subject in &subjects {
        let jwt = &tokens[subject];
        let mut parts = jwt.split('.');
        let (header, payload) = (parts.next().unwrap(), parts.next().unwrap());
        let signature = parts.next().unwrap();
        for (name, value) in &values {
            assert!(
                !value.contains(signature) && !value.contains(payload) && !value.contains(header),
                "a JWT under {name}"
            );
            assert!(
                !name.contains(subject.as_str()),
                "subjects are hashed in key names: {name}"
            );
        }
    }
    // /metrics shows the shared cache and Redis latency.
    let metrics = fleet.plain(0, "/metrics").await.text();
    assert!(
        metrics.contains("cos_vending_shared_cache_total{result=\"hit\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("cos_vending_redis_command_duration_seconds_bucket"),
        "{metrics}"
    );
    assert!(metrics.contains("cos_vending_redis_up 1"), "{metrics}");
    assert!(metrics.trim_end().ends_with("# EOF"));
    let ready = fleet.plain(1, "/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subject_gets_at_most_burst_plus_rate_times_t_across_all_instances() {
    let limits = "[rate_limit]\nrequests_per_second = 5.0\nburst = 10\n[limits]\nper_ip_requests_per_second = 100000.0\nper_ip_burst = 100000\n";
    let Some(fleet) = fleet("", limits).await else {
        return;
    };
    let started = Instant::now();
    let mut ok = 0_u32;
    let mut limited = 0_u32;
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(2) && n < 200 {
        let reply = fleet.get(n, "rater").await;
        match reply.status {
            200 => ok += 1,
            429 => {
                limited += 1;
                assert!(reply.headers.contains_key("retry-after"));
            }
            other => panic!("{other}: {}", reply.text()),
        }
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let t = started.elapsed().as_secs_f64();
    let bound = 10.0 + 5.0 * t;
    assert!(
        f64::from(ok) <= bound.floor() + 1.0,
        "{ok} successes in {t:.2} s (bound {bound:.1})"
    );
    assert!(ok >= 10, "the burst is granted: {ok}");
    assert!(limited > 0);
}

/// The number of Redis commands instance `i` timed, per `op`.
async fn redis_ops(fleet: &Fleet, i: usize) -> std::collections::BTreeMap<String, u64> {
    let text = fleet.plain(i, "/metrics").await.text();
    let prefix = "cos_vending_redis_command_duration_seconds_count{op=\"";
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .filter_map(|rest| {
            let (op, count) = rest.split_once("\"} ")?;
            Some((op.to_owned(), count.trim().parse().ok()?))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_cache_hit_is_one_redis_round_trip() {
    let Some(fleet) = fleet("", GENEROUS).await else {
        return;
    };
    key_of(&fleet.get(0, "one-trip").await);
    let before = redis_ops(&fleet, 1).await;
    for _ in 0..5 {
        let reply = fleet.get(1, "one-trip").await;
        key_of(&reply);
    }
    let after = redis_ops(&fleet, 1).await;
    let grown: Vec<(String, u64)> = after
        .iter()
        .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(
        grown,
        vec![("lookup".to_owned(), 5)],
        "both limits and the entry in one command per hit"
    );
    assert_eq!(fleet.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_ip_limit_holds_across_instances_for_wrong_tokens_and_hits_alike() {
    let limits = "[rate_limit]\nrequests_per_second = 10000.0\nburst = 10000\n[limits]\nper_ip_requests_per_second = 0.5\nper_ip_burst = 6\n";
    let Some(fleet) = fleet("", limits).await else {
        return;
    };
    // Three valid requests (one miss, two hits) and three wrong tokens spend the burst of 6,
    // spread over the instances; whatever comes next is refused on every instance.
    let mut statuses = Vec::new();
    for n in 0..3 {
        statuses.push(fleet.get(n, "ip-user").await.status);
        statuses.push(fleet.get_as(n, "not-a-jwt").await.status);
    }
    assert_eq!(statuses, [200, 401, 200, 401, 200, 401]);
    for n in 0..3 {
        let valid = fleet.get(n, "ip-user").await;
        assert_eq!(valid.status, 429, "{}", valid.text());
        assert!(valid.headers.contains_key("retry-after"));
        let wrong = fleet.get_as(n, "not-a-jwt").await;
        assert_eq!(wrong.status, 429, "{}", wrong.text());
    }
    // Another address has its own bucket.
    let router = &fleet.instances[2].router;
    let other = call(
        router,
        "GET",
        "/sts",
        Some(&hs256(&claims("ip-user"))),
        "",
        "203.0.113.9:1",
    )
    .await;
    assert_eq!(other.status, 200, "{}", other.text());
    let metrics = fleet.plain(0, "/metrics").await.text();
    assert!(metrics.contains("cos_vending_rate_limited_total{limit=\"ip\"}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_falls_back_locally_without_5xx_and_sharing_resumes_after_restart() {
    let Some(fleet) = fleet("on_redis_error = \"local\"\n", GENEROUS).await else {
        return;
    };
    let fleet = Arc::new(fleet);
    let subjects: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    for (i, s) in subjects.iter().enumerate() {
        key_of(&fleet.get(i, s).await);
    }
    assert_eq!(fleet.calls(), 10);
    // Six clients for 1.2 s; Redis is killed 300 ms in.
    let (replies, slowest) = load_while(&fleet, &subjects, Duration::from_millis(300)).await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "no 5xx with `local`: {}", reply.text());
    }
    assert!(
        slowest < Duration::from_secs(20),
        "slower than the request timeout: {slowest:?}"
    );
    assert!(
        slowest < Duration::from_millis(2000),
        "bounded by one command timeout (1 s) and the fallback: {slowest:?}"
    );
    let during = fleet.calls();
    assert!(during > 10 && during <= 40, "each instance alone: {during}");
    let metrics = fleet.instances[0].service.metrics().render();
    assert!(
        metrics.contains("cos_vending_redis_fallback_transitions_total{to=\"local\"} 1"),
        "one transition, however many requests: {metrics}"
    );
    assert!(metrics.contains("cos_vending_redis_up 0"));
    // Back: the fleet shares again (an empty Redis: one call per subject, then none).
    fleet.redis.restart();
    // Recovery is automatic: requests keep flowing and each instance finds Redis again
    // (its first command on the broken connection may fail once more).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let all_up = fleet.instances.iter().all(|i| {
            i.service
                .metrics()
                .render()
                .contains("cos_vending_redis_up 1")
        });
        if all_up {
            break;
        }
        assert!(Instant::now() < deadline, "Redis never came back");
        for (i, subject) in subjects.iter().enumerate().take(3) {
            key_of(&fleet.get(i, subject).await);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for round in 0..2 {
        let before = fleet.calls();
        let mut tasks = Vec::new();
        let fleet_ref = &fleet;
        for n in 0..30 {
            tasks.push(fleet_ref.get(n, &subjects[n % 10]));
        }
        for reply in one_by_one(tasks).await {
            key_of(&reply);
        }
        let added = fleet.calls() - before;
        if round == 0 {
            assert!(
                added <= 10,
                "one call per subject for the fleet, not per instance: {added}"
            );
        } else {
            assert_eq!(added, 0, "STS calls stop growing once Redis is back");
        }
    }
    let metrics = fleet.instances[0].service.metrics().render();
    assert!(
        metrics.contains("cos_vending_redis_fallback_transitions_total{to=\"redis\"}")
            && metrics.contains("cos_vending_redis_up 1"),
        "{metrics}"
    );
}

/// Six concurrent clients asking for `subjects` over the fleet for 1.2 s (at most 150
/// requests each, 10 ms apart), Redis killed `kill_after` in: every reply and the slowest latency.
async fn load_while(
    fleet: &Arc<Fleet>,
    subjects: &[String],
    kill_after: Duration,
) -> (Vec<Reply>, Duration) {
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..6 {
        let fleet = fleet.clone();
        let subjects = subjects.to_vec();
        clients.spawn(async move {
            let mut out = Vec::new();
            let mut slowest = Duration::ZERO;
            let mut n = c;
            while started.elapsed() < Duration::from_millis(1200) && out.len() < 150 {
                let t = Instant::now();
                out.push(fleet.get(n, &subjects[n % subjects.len()]).await);
                slowest = slowest.max(t.elapsed());
                n += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (out, slowest)
        });
    }
    tokio::time::sleep(kill_after).await;
    fleet.redis.kill();
    let mut replies = Vec::new();
    let mut slowest = Duration::ZERO;
    while let Some(done) = clients.join_next().await {
        let (out, s) = done.unwrap();
        replies.extend(out);
        slowest = slowest.max(s);
    }
    (replies, slowest)
}

/// Awaits each future in turn.
async fn one_by_one<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    for f in &mut pinned {
        out.push(f.await);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_with_refuse_answers_503_with_retry_after_until_it_is_back() {
    let Some(fleet) = fleet("on_redis_error = \"refuse\"\n", GENEROUS).await else {
        return;
    };
    let fleet = Arc::new(fleet);
    key_of(&fleet.get(0, "r1").await);
    let subjects: Vec<String> = (0..5).map(|i| format!("r{i}")).collect();
    let (replies, slowest) = load_while(&fleet, &subjects, Duration::from_millis(300)).await;
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status != 200).collect();
    assert!(!refused.is_empty(), "Redis was killed mid-load");
    for reply in refused {
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert_eq!(reply.json()["error"], "unavailable");
        assert!(
            reply.headers.contains_key("retry-after"),
            "{:?}",
            reply.headers
        );
    }
    assert!(slowest < Duration::from_secs(2), "{slowest:?}");
    let after = fleet.get(1, "r1").await;
    assert_eq!(after.status, 503, "{}", after.text());
    let ready = fleet.plain(0, "/readyz").await;
    assert_eq!(ready.status, 503, "{}", ready.text());
    assert!(ready.text().contains("redis"));
    fleet.redis.restart();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut recovered = false;
    for n in 0..20 {
        if fleet.get(n, "r1").await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "automatic recovery");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_lock_holder_delays_others_by_at_most_the_lock_ttl() {
    let Some(fleet) = fleet("lock_ttl_ms = 1000\n", GENEROUS).await else {
        return;
    };
    let crashing = instance(&fleet.text, &fleet.e, &fleet.calls, true);
    let token = hs256(&claims("victim"));
    let router = crashing.router.clone();
    let holder = tokio::spawn(async move {
        call(
            &router,
            "GET",
            "/sts",
            Some(&token),
            "",
            "198.51.100.7:40000",
        )
        .await
    });
    // Wait until the holder is inside its STS call (it holds the lock), then "kill" it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while fleet.calls() == 0 {
        assert!(Instant::now() < deadline, "the holder never called STS");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    holder.abort();
    let started = Instant::now();
    let reply = fleet.get(0, "victim").await;
    let waited = started.elapsed();
    let key = key_of(&reply);
    assert!(
        waited <= Duration::from_millis(1000 + 1000),
        "waited {waited:?}: the lock TTL (1 s), then one STS call"
    );
    assert!(
        waited >= Duration::from_millis(500),
        "the lock was honoured: {waited:?}"
    );
    assert_eq!(fleet.calls(), 2);
    cos(&fleet.e, &key)
        .put_object("users/victim/a.txt", "a".into(), &PutOptions::default())
        .await
        .unwrap();
    let metrics = fleet.instances[0].service.metrics().render();
    assert!(
        metrics.contains("cos_vending_lock_waits_total 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_sts_budget_reuses_a_valid_key_or_answers_503_with_retry_after() {
    let Some(fleet) = fleet(
        "[cluster.sts_budget]\nGetFederationToken = 0.2\n",
        &format!("{GENEROUS}[keys]\nextensions = [\"png\"]\n"),
    )
    .await
    else {
        return;
    };
    let first = key_of(&fleet.get(0, "b1").await);
    // The shared entry disappears (evicted); the budget (one call per 5 s) is spent.
    let client = redis::Client::open(fleet.redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*cred:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    let _: i64 = redis::cmd("DEL")
        .arg(&keys[0])
        .query_async(&mut conn)
        .await
        .unwrap();
    let again = key_of(&fleet.get(0, "b1").await);
    assert_eq!(
        again["TmpSecretId"], first["TmpSecretId"],
        "a still-valid key answers"
    );
    let refused = fleet.get(1, "b2").await;
    assert_eq!(refused.status, 503, "{}", refused.text());
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=5).contains(&retry), "{retry}");
    // Server-chosen keys (never cached) spend the same budget.
    let token = hs256(&claims("b3"));
    let chosen = call(
        &fleet.instances[2].router,
        "GET",
        "/sts/key?ext=png",
        Some(&token),
        "",
        "198.51.100.7:4",
    )
    .await;
    assert_eq!(chosen.status, 503, "{}", chosen.text());
    assert_eq!(fleet.calls(), 1);
    let metrics = fleet.instances[1].service.metrics().render();
    assert!(
        metrics.contains("cos_vending_sts_budget_refused_total{action=\"GetFederationToken\"} 1"),
        "{metrics}"
    );
}

/// The `cred:` keys on the Redis at `url`.
async fn cached_entries(url: &str) -> Vec<String> {
    keys_on(url, "*cred:*").await
}

/// The keys matching `pattern` on the one Redis at `url`.
async fn keys_on(url: &str, pattern: &str) -> Vec<String> {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("KEYS")
        .arg(pattern)
        .query_async(&mut conn)
        .await
        .unwrap()
}

/// `GET /sts` as `subject` at `instance`.
async fn sts_at(instance: &Instance, subject: &str) -> Reply {
    let token = hs256(&claims(subject));
    call(
        &instance.router,
        "GET",
        "/sts",
        Some(&token),
        "",
        "198.51.100.7:1",
    )
    .await
}

/// Asks for each of `subjects` twice at every instance, checking that all hand out the
/// same key per subject.
async fn one_key_each(instances: &[Instance], subjects: &[&str]) {
    let mut ids = BTreeMap::new();
    for _ in 0..2 {
        for instance in instances {
            for subject in subjects {
                let id = key_of(&sts_at(instance, subject).await)["TmpSecretId"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                assert_eq!(
                    ids.entry(*subject).or_insert_with(|| id.clone()),
                    &id,
                    "every instance hands out {subject}'s one key"
                );
            }
        }
    }
}

/// Every instance answers `/readyz` with 200 and counts Redis up; its `/metrics` text.
async fn all_ready(instances: &[Instance]) -> Vec<String> {
    let mut texts = Vec::new();
    for instance in instances {
        let ready = call(
            &instance.router,
            "GET",
            "/readyz",
            None,
            "",
            "198.51.100.7:1",
        )
        .await;
        assert_eq!(ready.status, 200, "{}", ready.text());
        let metrics = instance.service.metrics().render();
        assert!(metrics.contains("cos_vending_redis_up 1"), "{metrics}");
        texts.push(metrics);
    }
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_sentinel_instances_share_keys_and_follow_a_failover() {
    let Some(group) = RedisSentinel::start() else {
        return;
    };
    let e = emulator().await;
    let text = config(&group.url(), "", GENEROUS);
    let calls = Arc::new(AtomicUsize::new(0));
    let instances: Vec<Instance> = (0..2).map(|_| instance(&text, &e, &calls, false)).collect();
    one_key_each(&instances, &["alice", "bob"]).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2, "one STS call per subject");
    assert_eq!(cached_entries(&group.master_url()).await.len(), 2);
    all_ready(&instances).await;

    // The replica takes over; the old master becomes its replica (read-only).
    let old_master = group.master_port();
    group.failover();
    assert_ne!(group.master_port(), old_master);
    // Requests keep succeeding, none slower than a command timeout and the fallback, while
    // each instance notices the failover (the sentinel closes the demoted primary's client
    // connections; a write there would answer READONLY) and asks the sentinel again.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut settled = 0;
    let mut n = 0;
    while settled < 3 {
        assert!(
            Instant::now() < deadline,
            "the fleet never settled on the new master"
        );
        let before = calls.load(Ordering::SeqCst);
        for subject in ["alice", "bob"] {
            let started = Instant::now();
            key_of(&sts_at(&instances[n % 2], subject).await);
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{:?}",
                started.elapsed()
            );
            n += 1;
        }
        let up = instances.iter().all(|i| {
            i.service
                .metrics()
                .render()
                .contains("cos_vending_redis_up 1")
        });
        settled = if up && calls.load(Ordering::SeqCst) == before {
            settled + 1
        } else {
            0
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The new master serves the shared state: a new subject costs one STS call for the
    // fleet, then none, and its entry is on the new master.
    let before = calls.load(Ordering::SeqCst);
    one_key_each(&instances, &["carol"]).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        before + 1,
        "shared after the failover"
    );
    assert_eq!(cached_entries(&group.master_url()).await.len(), 3);
    all_ready(&instances).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_a_redis_cluster_instances_share_keys_with_every_key_on_one_slot() {
    let Some(redis) = RedisCluster::start() else {
        return;
    };
    let e = emulator().await;
    let budget = "[cluster.sts_budget]\nGetFederationToken = 100\n";
    // Slow refills keep the buckets in Redis long enough to be seen below.
    let slow = "[rate_limit]\nrequests_per_second = 1.0\nburst = 100\n[limits]\nper_ip_requests_per_second = 1.0\nper_ip_burst = 1000\nrequest_timeout_seconds = 20.0\n";
    let text = config(&redis.url(), budget, slow);
    let calls = Arc::new(AtomicUsize::new(0));
    let instances: Vec<Instance> = (0..2).map(|_| instance(&text, &e, &calls, false)).collect();
    one_key_each(&instances, &["alice", "bob", "carol"]).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3, "one STS call per subject");
    for metrics in all_ready(&instances).await {
        assert!(
            metrics.contains("cos_vending_shared_cache_total{result=\"hit\"}"),
            "{metrics}"
        );
    }
    // Every key (entries, buckets, budget) carries the one hash tag: all on one shard.
    let mut per_node = Vec::new();
    for url in redis.node_urls() {
        per_node.push(keys_on(&url, "*").await);
    }
    let holding: Vec<&Vec<String>> = per_node.iter().filter(|keys| !keys.is_empty()).collect();
    assert_eq!(holding.len(), 1, "{per_node:?}");
    let keys = holding[0];
    assert!(
        keys.iter().all(|k| k.starts_with("{cos-vending:}")),
        "{keys:?}"
    );
    for kind in ["cred:", "rate:subject:", "rate:ip:", "budget:"] {
        assert!(
            keys.iter().any(|k| k.contains(kind)),
            "no {kind} key: {keys:?}"
        );
    }
}
