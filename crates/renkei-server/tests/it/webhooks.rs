//! Webhooks: announcements hold exactly what the subscribing organisation
//! may read, are signed, are not repeated, are retried with backoff and
//! given up after the last attempt; the REST endpoints are for
//! organisation administrators and show the secret once. Runs on SQLite,
//! and on PostgreSQL when `RENKEI_TEST_PG_URL` is set.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use renkei_core::model::{Collection, NewCollection, NewCommunity};
use renkei_core::{Actor, Audience, Timestamp, Tlp};
use renkei_server::share::webhooks::{MAX_ATTEMPTS, TickStats, Worker};
use renkei_server::{AppState, Settings};
use renkei_store::webhooks::Webhook;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, fresh_pg_database};

/// A receiver on 127.0.0.1 that records requests and answers 500 to the
/// first `fail` of them.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    fail: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start(fail: usize) -> (Self, SocketAddr) {
        let r = Self::default();
        r.fail.store(fail, Ordering::SeqCst);
        let me = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let me = me.clone();
                async move {
                    me.got.lock().expect("lock").push((headers, body));
                    let left = me.fail.load(Ordering::SeqCst);
                    if left > 0 {
                        me.fail.store(left - 1, Ordering::SeqCst);
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::NO_CONTENT
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (r, addr)
    }

    fn requests(&self) -> Vec<(HeaderMap, String)> {
        self.got.lock().expect("lock").clone()
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// Checks a request the way a receiver would (see docs/webhooks.md).
fn verify(secret: &str, h: &HeaderMap, body: &str) -> bool {
    let ts = header(h, "x-renkei-timestamp");
    let Some(sig) = header(h, "x-renkei-signature").strip_prefix("sha256=") else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{ts}.{body}").as_bytes());
    let Ok(sig) = hex::decode(sig) else {
        return false;
    };
    mac.verify_slice(&sig).is_ok()
}

fn announced_ids(requests: &[(HeaderMap, String)]) -> Vec<String> {
    requests
        .iter()
        .flat_map(|(_, body)| {
            let v: Value = serde_json::from_str(body).expect("JSON");
            v["objects"]
                .as_array()
                .expect("objects")
                .iter()
                .map(|o| o["id"].as_str().expect("id").to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn indicator(n: u32) -> renkei_store::intel::NewStixVersion {
    let v = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-02T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '198.51.100.{n}']"), "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z"
    });
    renkei_server::share::new_version(&renkei_stix::parse_object(&v, None).expect("valid"))
}

fn id(n: u32) -> String {
    format!("indicator--00000000-0000-4000-8000-{n:012}")
}

async fn share(app: &TestApp, who: &Actor, col: &Collection, n: u32, tlp: Tlp, audience: Audience) {
    let mut v = indicator(n);
    v.tlp = Some(tlp);
    v.audience = audience;
    let out = app
        .store
        .add_stix(who, col, vec![v])
        .await
        .expect("add_stix");
    assert!(out.failures.is_empty(), "{:?}", out.failures);
}

/// A community only the coordinator belongs to, with a collection.
async fn private_collection(app: &TestApp) -> Collection {
    let sys = Actor::system("test");
    let c = app
        .store
        .create_community(
            &sys,
            NewCommunity {
                name_ja: "統括室内".into(),
                name_en: "Coordinator only".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let m = app
        .store
        .add_membership(&sys, c.id, app.nco.id)
        .await
        .expect("member");
    app.store
        .accept_terms(&app.actor(&app.nco_admin).await, m.id)
        .await
        .expect("accept");
    app.store
        .create_collection(
            &sys,
            NewCollection {
                community: c.id,
                title: "内部".into(),
                description: String::new(),
                default_tlp: Tlp::Amber,
            },
        )
        .await
        .expect("collection")
}

fn worker(app: &TestApp) -> (Worker, AppState) {
    let mut settings = Settings::defaults();
    settings.public_url = Some("https://renkei.example/".into());
    // The receivers here listen on loopback.
    settings.webhook_allow_private = true;
    let state = AppState::new(app.store.clone(), settings);
    (Worker::new(state.clone()).expect("worker"), state)
}

/// Past the settling delay, so what was just added is announced.
fn soon() -> Timestamp {
    Timestamp::now().plus_seconds(5)
}

async fn webhook(app: &TestApp, url: &str) -> Webhook {
    app.store
        .create_webhook(
            &app.actor(&app.power_admin).await,
            url,
            &renkei_server::share::webhooks::new_secret(),
        )
        .await
        .expect("webhook")
}

/// Every backend: SQLite always, PostgreSQL when `RENKEI_TEST_PG_URL` is set.
async fn apps() -> Vec<(&'static str, TestApp)> {
    let mut v = vec![("sqlite", TestApp::new().await)];
    match std::env::var("RENKEI_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => {
            let url = fresh_pg_database(&u).await;
            v.push((
                "postgres",
                TestApp::with_settings(|s| s.database_url = url.into()).await,
            ));
        }
        _ => assert!(
            std::env::var("CI").is_err(),
            "CI is set but RENKEI_TEST_PG_URL is not: the PostgreSQL half would be skipped"
        ),
    }
    v
}

#[tokio::test]
async fn webhook_announces_exactly_what_the_organisation_may_read_signed_and_once() {
    for (backend, app) in apps().await {
        let (council, col) = app.council().await;
        let private = private_collection(&app).await;
        let (rx, addr) = Receiver::start(0).await;
        let hook = webhook(&app, &format!("http://{addr}/hook")).await;
        let (worker, state) = worker(&app);
        let nco = app.actor(&app.nco_admin).await;
        let power = app.actor(&app.power_admin).await;

        // The coordinator shares in the council (both members) …
        share(&app, &nco, &col, 1, Tlp::Clear, Audience::default()).await;
        share(&app, &nco, &col, 2, Tlp::Green, Audience::default()).await;
        share(&app, &nco, &col, 3, Tlp::Amber, Audience::default()).await;
        // … RED to the operator's administrator in person: an organisation's
        // webhook is no person, so it is never announced.
        let to_admin = Audience {
            users: vec![app.power_admin.id],
            ..Audience::default()
        };
        share(&app, &nco, &col, 4, Tlp::Red, to_admin).await;
        // … and in its own community, which the operator is not in.
        share(&app, &nco, &private, 5, Tlp::Amber, Audience::default()).await;
        share(&app, &nco, &private, 6, Tlp::Green, Audience::default()).await;
        share(&app, &nco, &private, 7, Tlp::Clear, Audience::default()).await;
        let to_power = Audience {
            orgs: vec![app.power.id],
            ..Audience::default()
        };
        share(&app, &nco, &private, 8, Tlp::AmberStrict, to_power).await;
        // The operator's own AMBER.
        share(&app, &power, &col, 9, Tlp::Amber, Audience::default()).await;

        let stats = worker.tick(soon()).await.expect("tick");
        assert_eq!(stats.enqueued, 1, "{backend}: {stats:?}");
        assert_eq!(stats.delivered, 1, "{backend}: {stats:?}");
        let got = rx.requests();
        assert_eq!(got.len(), 1, "{backend}");
        let ids: BTreeSet<String> = announced_ids(&got).into_iter().collect();
        let expected: BTreeSet<String> = [1, 2, 3, 7, 8, 9].into_iter().map(id).collect();
        assert_eq!(ids, expected, "{backend}: never 4 (RED), 5 or 6");

        // Headers, signature and the shape of an announcement.
        let (h, body) = &got[0];
        assert_eq!(header(h, "content-type"), "application/json");
        assert_eq!(header(h, "user-agent"), "renkei-webhook/0.1");
        assert!(verify(&hook.secret, h, body), "{backend}: signature");
        assert!(!verify("another secret", h, body));
        assert!(!verify(&hook.secret, h, &body.replace("AMBER", "GREEN")));
        let ts: i64 = header(h, "x-renkei-timestamp").parse().expect("ts");
        assert!((ts - Timestamp::now().0 / 1_000_000).abs() < 60);
        let v: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(v["webhook"], hook.id);
        let delivery: i64 = header(h, "x-renkei-delivery").parse().expect("id");
        let third = v["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .find(|o| o["id"] == id(3))
            .expect("object 3");
        assert_eq!(third["type"], "indicator");
        assert_eq!(third["tlp"], "AMBER");
        assert_eq!(third["version"], "2026-11-02T00:00:00.000Z");
        assert_eq!(third["collection"], col.id.as_str());
        assert_eq!(
            third["url"],
            format!(
                "https://renkei.example/taxii2/community-{}/collections/{}/objects/{}/",
                council.id.0,
                col.id,
                id(3)
            )
        );
        assert!(third.get("pattern").is_none(), "metadata only");
        assert!(!body.contains("198.51.100."), "no content: {body}");

        // Nothing is announced twice …
        let again = worker.tick(soon()).await.expect("tick");
        assert_eq!(again, TickStats::default(), "{backend}");
        assert_eq!(rx.requests().len(), 1);
        // … and only what is new is announced next.
        share(&app, &nco, &col, 10, Tlp::Green, Audience::default()).await;
        share(&app, &nco, &private, 11, Tlp::Amber, Audience::default()).await;
        worker.tick(soon()).await.expect("tick");
        let got = rx.requests();
        assert_eq!(got.len(), 2, "{backend}");
        assert_eq!(announced_ids(&got[1..]), vec![id(10)], "{backend}");
        assert!(verify(&hook.secret, &got[1].0, &got[1].1));
        assert_ne!(header(&got[1].0, "x-renkei-delivery"), delivery.to_string());

        // The worker's reads are audited in the webhook's name …
        let audit = app
            .store
            .list_audit(
                &Actor::system("test"),
                renkei_store::AuditQuery {
                    org: None,
                    before_seq: None,
                    limit: 1000,
                },
            )
            .await
            .expect("audit");
        let read: String = audit
            .iter()
            .filter(|e| e.actor == format!("webhook:{}", hook.id) && e.action == "stix.notify")
            .map(|e| e.detail.as_str())
            .collect();
        assert!(read.contains(&id(3)), "{backend}: {read}");
        assert!(!read.contains(&id(5)), "{backend}: {read}");
        // … and counted.
        let m = state.metrics.render();
        assert!(
            m.contains("renkei_webhook_delivery_attempts_total{outcome=\"delivered\"} 2"),
            "{m}"
        );

        // A disabled webhook announces nothing more.
        app.store
            .disable_webhook(&power, hook.id)
            .await
            .expect("disable");
        share(&app, &nco, &col, 12, Tlp::Green, Audience::default()).await;
        assert_eq!(
            worker.tick(soon()).await.expect("tick"),
            TickStats::default()
        );
        assert_eq!(rx.requests().len(), 2);
    }
}

#[tokio::test]
async fn webhook_failures_are_retried_with_backoff_then_given_up() {
    for (backend, app) in apps().await {
        let (_, col) = app.council().await;
        let nco = app.actor(&app.nco_admin).await;
        let (worker, _) = worker(&app);

        // One 500, then success on a later round.
        let (rx, addr) = Receiver::start(1).await;
        let hook = webhook(&app, &format!("http://{addr}/hook")).await;
        share(&app, &nco, &col, 1, Tlp::Green, Audience::default()).await;
        let now = soon();
        let s = worker.tick(now).await.expect("tick");
        assert_eq!((s.enqueued, s.retried, s.delivered), (1, 1, 0), "{backend}");
        let d = &app.store.list_deliveries(hook.id, 10).await.expect("list")[0];
        assert_eq!(d.status, "pending");
        assert_eq!(d.attempts, 1);
        assert_eq!(d.last_error.as_deref(), Some("HTTP 500"));
        let at = d.next_attempt_at.expect("retry time");
        assert!(
            at >= now.plus_seconds(30).0 && at <= now.plus_seconds(33).0,
            "{backend}: 30 s plus at most 10 % jitter, got {}",
            at - now.0
        );
        // Not yet due: nothing is sent.
        assert_eq!(
            worker.tick(now.plus_seconds(10)).await.expect("tick"),
            TickStats::default()
        );
        assert_eq!(rx.requests().len(), 1);
        let s = worker.tick(now.plus_seconds(60)).await.expect("tick");
        assert_eq!(s.delivered, 1, "{backend}: {s:?}");
        let got = rx.requests();
        assert_eq!(got.len(), 2);
        assert_eq!(
            header(&got[0].0, "x-renkei-delivery"),
            header(&got[1].0, "x-renkei-delivery"),
            "a retry is the same delivery"
        );
        assert_eq!(got[0].1, got[1].1, "with the same body");
        let d = &app.store.list_deliveries(hook.id, 10).await.expect("list")[0];
        assert_eq!((d.status.as_str(), d.attempts), ("delivered", 2));
        app.store
            .disable_webhook(&app.actor(&app.power_admin).await, hook.id)
            .await
            .expect("disable");

        // A receiver that always fails: backoff doubles, then `failed`.
        let (rx, addr) = Receiver::start(usize::MAX).await;
        let hook = webhook(&app, &format!("http://{addr}/hook")).await;
        share(&app, &nco, &col, 2, Tlp::Green, Audience::default()).await;
        let mut now = soon();
        let mut delays = Vec::new();
        for attempt in 1..=MAX_ATTEMPTS {
            worker.tick(now).await.expect("tick");
            let d = &app.store.list_deliveries(hook.id, 10).await.expect("list")[0];
            assert_eq!(d.attempts, attempt, "{backend}");
            if attempt < MAX_ATTEMPTS {
                assert_eq!(d.status, "pending");
                let next = d.next_attempt_at.expect("retry time");
                delays.push((next - now.0) / 1_000_000);
                now = Timestamp(next);
            } else {
                assert_eq!(d.status, "failed", "{backend}");
                assert_eq!(d.next_attempt_at, None);
                assert_eq!(d.last_error.as_deref(), Some("HTTP 500"));
            }
        }
        for (d, b) in delays.iter().zip([30, 60, 120, 240, 480, 960, 1920]) {
            assert!(*d >= b && *d <= b + b / 10, "{backend}: {delays:?}");
        }
        assert_eq!(rx.requests().len(), MAX_ATTEMPTS as usize);
        // Given up: a much later round sends nothing.
        worker.tick(now.plus_seconds(86_400)).await.expect("tick");
        assert_eq!(rx.requests().len(), MAX_ATTEMPTS as usize);

        // An unreachable receiver is an error to retry, not a crash.
        // Port 1 on loopback: nothing listens there, and unlike a freed
        // ephemeral port no concurrent test can take it.
        let gone = "127.0.0.1:1";
        app.store
            .disable_webhook(&app.actor(&app.power_admin).await, hook.id)
            .await
            .expect("disable");
        let hook = webhook(&app, &format!("http://{gone}/hook")).await;
        share(&app, &nco, &col, 3, Tlp::Green, Audience::default()).await;
        let s = worker.tick(soon()).await.expect("tick");
        assert_eq!(s.retried, 1, "{backend}: {s:?}");
        let d = &app.store.list_deliveries(hook.id, 10).await.expect("list")[0];
        assert!(d.last_error.is_some(), "{d:?}");
    }
}

#[tokio::test]
async fn webhook_api_is_for_organisation_administrators_and_shows_the_secret_once() {
    let app = TestApp::new().await;
    let admin = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let viewer = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let nco = app
        .login("admin@nco.example.jp", PASSWORD)
        .await
        .expect("login");
    let mut tokens = std::collections::HashMap::new();
    for c in [&admin, &viewer, &nco] {
        tokens.insert(c.clone(), app.csrf(c).await);
    }
    let call = |method: &'static str, path: String, cookie: &str, body: Option<Value>| {
        let mut r = axum::http::Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", cookie)
            .header("x-csrf-token", tokens[cookie].as_str());
        let body = match body {
            Some(b) => {
                r = r.header("content-type", "application/json");
                axum::body::Body::from(b.to_string())
            }
            None => axum::body::Body::empty(),
        };
        app.send(r.body(body).expect("request"))
    };

    // Anonymous, viewers and tokens may not.
    let r = app.api("GET", "/api/v1/webhooks", None, None).await;
    assert_eq!(r.status, 401);
    let body = json!({"url": "https://hooks.example.jp/renkei"});
    let r = call(
        "POST",
        "/api/v1/webhooks".into(),
        &viewer,
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        call("GET", "/api/v1/webhooks".into(), &viewer, None)
            .await
            .status,
        403
    );
    let token = app.token(&app.power, renkei_core::Role::Reporter).await;
    let r = app
        .api("POST", "/api/v1/webhooks", Some(&token), Some(body.clone()))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // Bad URLs name the field.
    for bad in [
        json!({"url": "ftp://hooks.example.jp/"}),
        json!({"url": "hooks.example.jp/renkei"}),
        json!({"url": "https://"}),
        // Not the server's own network.
        json!({"url": "http://127.0.0.1:9000/hook"}),
        json!({"url": "http://169.254.169.254/latest/meta-data/"}),
        json!({"url": "http://[::1]/hook"}),
        json!({"url": "http://10.1.2.3/hook"}),
        json!({"url": format!("https://hooks.example.jp/{}", "a".repeat(2_000))}),
    ] {
        let r = call("POST", "/api/v1/webhooks".into(), &admin, Some(bad.clone())).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!(r.json()["field"], "url", "{}", r.body);
    }
    let r = call("POST", "/api/v1/webhooks".into(), &admin, Some(json!({}))).await;
    assert_eq!((r.status, r.json()["field"].clone()), (422, json!("url")));
    assert!(
        app.store
            .list_webhooks(None)
            .await
            .expect("list")
            .is_empty(),
        "nothing stored"
    );

    // Created: the secret is in this answer only.
    let r = call("POST", "/api/v1/webhooks".into(), &admin, Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let created = r.json();
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert_eq!(secret.len(), 64);
    assert!(secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(created["url"], "https://hooks.example.jp/renkei");
    assert_eq!(created["org_id"], app.power.id.0);
    let hook = created["id"].as_i64().expect("id");
    let stored = app.store.list_webhooks(None).await.expect("list");
    assert_eq!(stored[0].secret, secret, "the store keeps it to sign");

    let r = call("GET", "/api/v1/webhooks".into(), &admin, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
    assert!(
        !r.body.contains(&secret) && !r.body.contains("secret"),
        "{}",
        r.body
    );
    // Another organisation sees none of it.
    let r = call("GET", "/api/v1/webhooks".into(), &nco, None).await;
    assert_eq!(r.json(), json!([]));
    let r = call(
        "GET",
        format!("/api/v1/webhooks/{hook}/deliveries"),
        &nco,
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    let r = call("DELETE", format!("/api/v1/webhooks/{hook}"), &nco, None).await;
    assert_eq!(r.status, 404, "{}", r.body);

    // Deliveries, without payloads.
    let from = app
        .store
        .list_webhooks(None)
        .await
        .expect("hooks")
        .into_iter()
        .find(|w| w.id == hook)
        .expect("hook")
        .cursor;
    let to = (Timestamp::now().0, 1);
    let queued = app
        .store
        .enqueue_delivery(hook, "{\"objects\":[]}", 3, from, to)
        .await
        .expect("enqueue");
    assert!(queued.is_some());
    // A second worker holding the old cursor records nothing.
    let again = app
        .store
        .enqueue_delivery(hook, "{\"objects\":[]}", 3, from, to)
        .await
        .expect("enqueue");
    assert_eq!(again, None);
    let r = call(
        "GET",
        format!("/api/v1/webhooks/{hook}/deliveries"),
        &admin,
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d = &r.json()[0];
    assert_eq!(d["status"], "pending");
    assert_eq!(d["attempts"], 0);
    assert_eq!(d["object_count"], 3);
    assert!(d.get("payload").is_none() && !r.body.contains(&secret));

    // Disabled: listed as such; twice is 404.
    let r = call("DELETE", format!("/api/v1/webhooks/{hook}"), &admin, None).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = call("GET", "/api/v1/webhooks".into(), &admin, None).await;
    assert_eq!(r.json()[0]["disabled"], true);
    let r = call("DELETE", format!("/api/v1/webhooks/{hook}"), &admin, None).await;
    assert_eq!(r.status, 404);

    // Pending deliveries of a disabled webhook fail rather than go out.
    let (w, _) = worker(&app);
    let s = w.tick(soon()).await.expect("tick");
    assert_eq!(s.failed, 1, "{s:?}");
}

/// With `webhook_secret_key` set, the store holds the secret sealed, the
/// worker opens it to sign, and without the key (or with another) the
/// deliveries wait, unattempted, until a server with the key sends them.
#[tokio::test]
async fn webhook_secrets_are_sealed_with_the_server_key() {
    let key_hex = renkei_server::sealed::SealKey::generate_hex();
    let key = renkei_server::sealed::SealKey::from_hex(&key_hex).expect("key");
    for (backend, app) in apps().await {
        let (_, col) = app.council().await;
        let nco = app.actor(&app.nco_admin).await;
        let (rx, addr) = Receiver::start(0).await;
        let (hook, secret) = renkei_server::share::webhooks::create_for_org(
            app.store.as_ref(),
            Some(&key),
            app.power.id,
            &format!("http://{addr}/hook"),
        )
        .await
        .expect("create");
        assert_eq!(secret.len(), 64);
        let stored = &app.store.list_webhooks(None).await.expect("list")[0];
        assert_eq!(stored.id, hook.id);
        assert!(stored.secret.starts_with("sealed:v1:"), "{backend}");
        assert!(
            !stored.secret.contains(&secret),
            "{backend}: stored unsealed"
        );
        share(&app, &nco, &col, 1, Tlp::Green, Audience::default()).await;

        // No key, then another key: a fault of this server, not of the
        // receiver, so the deliveries are held, not attempted: nothing is
        // sent and no attempt is spent.
        let (unkeyed, _) = worker(&app);
        let s = unkeyed.tick(soon()).await.expect("tick");
        assert_eq!(
            (s.enqueued, s.held, s.retried, s.delivered),
            (1, 1, 0, 0),
            "{backend}: {s:?}"
        );
        // Claimed for a lease of 4 × TIMEOUT, then due again.
        let lease = 4 * renkei_server::share::webhooks::TIMEOUT.as_secs() as i64;
        let other = keyed_worker(&app, &renkei_server::sealed::SealKey::generate_hex());
        let s = other.tick(soon().plus_seconds(lease)).await.expect("tick");
        assert_eq!(
            (s.held, s.retried, s.delivered),
            (1, 0, 0),
            "{backend}: {s:?}"
        );
        let d = &app.store.list_deliveries(hook.id, 10).await.expect("list")[0];
        assert_eq!(
            (d.status.as_str(), d.attempts),
            ("pending", 0),
            "{backend}: {d:?}"
        );
        assert!(rx.requests().is_empty(), "{backend}: nothing sent unsigned");

        // The right key: signed with the secret shown at creation.
        let keyed = keyed_worker(&app, &key_hex);
        let s = keyed
            .tick(soon().plus_seconds(2 * lease))
            .await
            .expect("tick");
        assert_eq!((s.held, s.delivered), (0, 1), "{backend}: {s:?}");
        let got = rx.requests();
        assert!(
            verify(&secret, &got[0].0, &got[0].1),
            "{backend}: signature"
        );
    }

    // Through the API too: the answer shows the secret, the store seals it.
    let app = TestApp::with_settings(|s| s.webhook_secret_key = Some(key_hex.clone().into())).await;
    let admin = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let csrf = app.csrf(&admin).await;
    let r = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/webhooks")
                .header("cookie", &admin)
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    json!({"url": "https://hooks.example.jp/renkei"}).to_string(),
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();
    let stored = &app.store.list_webhooks(None).await.expect("list")[0];
    assert!(!stored.secret.contains(&secret));
    assert_eq!(
        renkei_server::sealed::open(Some(&key), app.power.id.0, &stored.secret).as_deref(),
        Ok(secret.as_str())
    );
}

fn keyed_worker(app: &TestApp, key_hex: &str) -> Worker {
    let mut settings = Settings::defaults();
    settings.public_url = Some("https://renkei.example/".into());
    settings.webhook_allow_private = true;
    settings.webhook_secret_key = Some(key_hex.to_owned().into());
    Worker::new(AppState::new(app.store.clone(), settings)).expect("worker")
}
