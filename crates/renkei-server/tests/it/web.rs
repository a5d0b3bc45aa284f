//! What an outside probe of the web surface found (issue 15, findings 6,
//! 7 and 9): redirects, CSRF on cookie-authenticated REST writes, JSON
//! media types, `/metrics`, foreign collections, CSV exports, cookies.

use axum::body::Body;
use axum::http::Request;
use renkei_core::model::{NewCollection, NewCommunity};
use renkei_core::{Actor, Role, Tlp};
use serde_json::json;

use crate::support::{PASSWORD, Reply, TestApp, hidden};

const TAXII: &str = "application/taxii+json;version=2.1";

/// Where a `next` parameter may lead: only to a path on this server, and
/// no `next` makes the handler fail.
const HOSTILE_NEXT: [&str; 13] = [
    "/%09/evil.example/",
    "/%0A/evil.example/",
    "/%0a",
    "/%0D%0ASet-Cookie:%20x=1",
    "/%250A/evil.example/",
    "/%5C/evil.example/",
    "/%2F%2Fx",
    "//x",
    "/%5Cx",
    "https://x",
    "https:%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "/%C2%85/evil.example",
];

/// The exact input: a line break in `next` made the handler
/// panic building its `Location` header (500).
#[tokio::test]
async fn a_line_break_in_next_is_not_a_panic() {
    let app = TestApp::new().await;
    for path in [
        "/lang/en?next=/%0A",
        "/lang/ja?next=/%0Aevil",
        "/login?next=/%0A",
    ] {
        let r = app.get(path, "").await;
        assert!(matches!(r.status, 200 | 303), "{path}: {}", r.status);
        assert!(!r.location().contains('\n'), "{path}");
    }
}

#[tokio::test]
async fn language_switch_redirects_only_to_local_paths_and_never_panics() {
    let app = TestApp::new().await;
    for next in HOSTILE_NEXT {
        let r = app.get(&format!("/lang/en?next={next}"), "").await;
        assert_eq!((r.status, r.location()), (303, "/"), "next={next}");
    }
    let r = app.get("/lang/en?next=/intel/search%3Fq%3Devil", "").await;
    assert_eq!((r.status, r.location()), (303, "/intel/search?q=evil"));
    // `\t` and `\` raw in the query, as a hand-made request may carry them.
    for raw in ["/lang/en?next=/\\x", "/lang/en?next=/%20/x"] {
        let r = app.get(raw, "").await;
        assert_eq!(r.status, 303, "{raw}");
        assert!(!r.location().starts_with("//"), "{raw}: {}", r.location());
    }
}

#[tokio::test]
async fn sign_in_next_redirects_only_to_local_paths_and_never_panics() {
    let app = TestApp::new().await;
    for next in HOSTILE_NEXT.iter().chain(&["/%09/evil.example/"]) {
        // The sign-in page carries `next` into its form unharmed…
        let page = app.get(&format!("/login?next={next}"), "").await;
        assert_eq!(page.status, 200, "next={next}");
        assert_eq!(unescape(&hidden(&page.body, "next")), "/", "next={next}");
        // …and a form posted with it anyway leads home.
        let csrf_cookie = page.cookie("renkei_login_csrf").expect("csrf cookie");
        let decoded = percent_decode(next);
        let r = app
            .post_form(
                "/login",
                &format!("renkei_login_csrf={csrf_cookie}"),
                &[
                    ("email", "admin@power.example.jp"),
                    ("password", PASSWORD),
                    ("csrf", &hidden(&page.body, "csrf")),
                    ("next", &decoded),
                ],
            )
            .await;
        assert_eq!((r.status, r.location()), (303, "/"), "next={decoded:?}");
    }
    // A local path is kept.
    let page = app.get("/login?next=/intel", "").await;
    assert_eq!(unescape(&hidden(&page.body, "next")), "/intel");
}

/// An attribute value as the browser reads it (minijinja escapes `/`).
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A REST request with the session `cookie`, `headers` and a JSON body.
async fn cookie_call(
    app: &TestApp,
    method: &str,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Reply {
    let mut r = Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("host", "cti.example.jp");
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let body = match body {
        Some((ct, b)) => {
            r = r.header("content-type", ct);
            Body::from(b)
        }
        None => Body::empty(),
    };
    app.send(r.body(body).expect("request")).await
}

fn token_body(name: &str) -> Option<(&'static str, String)> {
    Some((
        "application/json",
        json!({"name": name, "role": "viewer"}).to_string(),
    ))
}

#[tokio::test]
async fn cookie_rest_writes_need_the_csrf_header_and_this_origin() {
    let app = TestApp::new().await;
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let csrf = app.csrf(&cookie).await;
    let tokens = || async {
        app.store
            .list_api_tokens(app.power.id)
            .await
            .expect("list")
            .len()
    };

    // The probe's request: a session cookie and nothing else.
    for (headers, code) in [
        (vec![], "csrf-header-required"),
        (
            vec![("x-csrf-token", "0".repeat(64))],
            "csrf-header-required",
        ),
        (
            vec![("x-csrf-token", String::new())],
            "csrf-header-required",
        ),
        (
            vec![
                ("x-csrf-token", csrf.clone()),
                ("origin", "https://evil.example".into()),
            ],
            "origin-mismatch",
        ),
        (
            vec![("x-csrf-token", csrf.clone()), ("origin", "null".into())],
            "origin-mismatch",
        ),
        (
            vec![
                ("x-csrf-token", csrf.clone()),
                ("origin", "http://cti.example.jp.evil.example".into()),
            ],
            "origin-mismatch",
        ),
    ] {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = cookie_call(&app, "POST", "/api/v1/tokens", &cookie, &h, token_body("x")).await;
        assert_eq!(r.status, 403, "{headers:?}: {}", r.body);
        assert_eq!(r.json()["code"], code, "{}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    assert_eq!(tokens().await, 0, "nothing stored");
    // Reads need no header.
    assert_eq!(app.get("/api/v1/tokens", &cookie).await.status, 200);
    // The token, from this origin or with no Origin, is accepted.
    for origin in ["http://cti.example.jp", "https://cti.example.jp"] {
        let h = [("x-csrf-token", csrf.as_str()), ("origin", origin)];
        let r = cookie_call(
            &app,
            "POST",
            "/api/v1/tokens",
            &cookie,
            &h,
            token_body(origin),
        )
        .await;
        assert_eq!(r.status, 201, "{origin}: {}", r.body);
    }
    let h = [("x-csrf-token", csrf.as_str())];
    let r = cookie_call(&app, "POST", "/api/v1/tokens", &cookie, &h, token_body("y")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(tokens().await, 3);
    // Messages come in the caller's language.
    let h = [("accept-language", "ja")];
    let r = cookie_call(&app, "POST", "/api/v1/tokens", &cookie, &h, token_body("z")).await;
    assert!(
        r.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("X-CSRF-Token") && d.contains("ヘッダー")),
        "{}",
        r.body
    );

    // Bearer tokens are not cookies: no header needed, Origin irrelevant.
    let token = app.token(&app.power, Role::Reporter).await;
    let r = app
        .send(
            Request::post("/api/v1/items")
                .header("authorization", format!("Bearer {token}"))
                .header("origin", "https://evil.example")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"title": "t", "tlp": "GREEN"}).to_string(),
                ))
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// The exact case: accepting a community's terms needs no body,
/// so a cross-site form could post it with the cookie alone.
#[tokio::test]
async fn accepting_terms_with_a_cookie_needs_the_csrf_header() {
    let app = TestApp::new().await;
    let sys = Actor::system("test");
    let c = app
        .store
        .create_community(
            &sys,
            NewCommunity {
                name_ja: "協議会".into(),
                name_en: "Council".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let m = app
        .store
        .add_membership(&sys, c.id, app.power.id)
        .await
        .expect("membership");
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let path = format!("/api/v1/memberships/{}/accept", m.id);
    let r = cookie_call(&app, "POST", &path, &cookie, &[], None).await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (403, json!("csrf-header-required")),
        "{}",
        r.body
    );
    let stored = app.store.list_memberships(Some(c.id)).await.expect("list");
    assert!(stored[0].accepted.is_none(), "not accepted");
    let csrf = app.csrf(&cookie).await;
    let r = cookie_call(
        &app,
        "POST",
        &path,
        &cookie,
        &[("x-csrf-token", &csrf)],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn taxii_writes_with_a_cookie_need_the_csrf_header() {
    let app = TestApp::new().await;
    let (c, col) = app.council().await;
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let path = format!("/taxii2/community-{}/collections/{}/objects/", c.id, col.id);
    let envelope = json!({"objects": [{
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '203.0.113.9']", "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z"
    }]});
    let body = || Some((TAXII, envelope.to_string()));
    let accept = ("accept", TAXII);
    let r = cookie_call(&app, "POST", &path, &cookie, &[accept], body()).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.headers["content-type"], TAXII);
    assert_eq!(r.json()["error_code"], "csrf-header-required", "{}", r.body);
    let csrf = app.csrf(&cookie).await;
    let h = [accept, ("x-csrf-token", csrf.as_str())];
    let r = cookie_call(&app, "POST", &path, &cookie, &h, body()).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let one = format!("{path}indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f/");
    let r = cookie_call(&app, "DELETE", &one, &cookie, &[accept], None).await;
    assert_eq!(r.json()["error_code"], "csrf-header-required", "{}", r.body);
    // TAXII's own media type, exactly.
    let r = cookie_call(
        &app,
        "POST",
        &path,
        &cookie,
        &h,
        Some(("text/plain; x=+json", envelope.to_string())),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error_code"].clone()),
        (415, json!("unsupported-media-type")),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn rest_bodies_must_be_exactly_json() {
    let app = TestApp::new().await;
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let csrf = app.csrf(&cookie).await;
    let token = app.token(&app.power, Role::Reporter).await;
    let item = json!({"title": "t", "tlp": "GREEN"}).to_string();
    for ct in [
        "text/plain",
        "text/plain; x=+json",
        "text/plain;charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json-seq",
        "application/json; x=1",
    ] {
        let r = cookie_call(
            &app,
            "POST",
            "/api/v1/items",
            &cookie,
            &[("x-csrf-token", &csrf)],
            Some((ct, item.clone())),
        )
        .await;
        assert_eq!(r.status, 415, "{ct}: {}", r.body);
        let j = r.json();
        assert_eq!(
            (j["code"].as_str(), j["field"].as_str()),
            (Some("unsupported-media-type"), Some("Content-Type")),
            "{}",
            r.body
        );
        assert!(
            j["detail"]
                .as_str()
                .is_some_and(|d| d.contains("Content-Type") && d.contains(ct)),
            "{}",
            r.body
        );
        let r = app
            .send(
                Request::post("/api/v1/items")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", ct)
                    .body(Body::from(item.clone()))
                    .expect("req"),
            )
            .await;
        assert_eq!(r.status, 415, "bearer, {ct}: {}", r.body);
    }
    let r = cookie_call(
        &app,
        "POST",
        "/api/v1/items",
        &cookie,
        &[("x-csrf-token", &csrf)],
        Some(("application/json; charset=utf-8", item.clone())),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The raw import endpoint takes lists as text, so its cookie writes rest on the header.
    let r = cookie_call(
        &app,
        "POST",
        "/api/v1/imports?format=text&tlp=GREEN",
        &cookie,
        &[],
        Some(("text/plain", "evil.example.jp".into())),
    )
    .await;
    assert_eq!(r.json()["code"], "csrf-header-required", "{}", r.body);
}

/// Browsers send stored HTTP Basic credentials on their own, like cookies:
/// a write they authenticate must not come from another site.
#[tokio::test]
async fn basic_auth_writes_from_another_site_are_refused() {
    use base64::Engine;
    let app = TestApp::new().await;
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("admin@power.example.jp:{PASSWORD}"));
    let post = |origin: Option<&'static str>| {
        let mut r = Request::post("/api/v1/tokens")
            .header("authorization", format!("Basic {basic}"))
            .header("host", "cti.example.jp")
            .header("content-type", "application/json");
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        app.send(
            r.body(Body::from(
                json!({"name": "b", "role": "viewer"}).to_string(),
            ))
            .expect("req"),
        )
    };
    let r = post(Some("https://evil.example")).await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (403, json!("origin-mismatch")),
        "{}",
        r.body
    );
    assert_eq!(post(Some("http://cti.example.jp")).await.status, 201);
    assert_eq!(
        post(None).await.status,
        201,
        "machine clients send no Origin"
    );
}

/// The probe's webhook targets, each a special-purpose address in some
/// IPv4 or IPv6 form: refused at registration, naming the range.
#[tokio::test]
async fn webhooks_refuse_every_special_purpose_address_form() {
    let app = TestApp::new().await;
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let csrf = app.csrf(&cookie).await;
    for (url, range) in [
        ("http://198.18.0.1/hook", "198.18.0.0/15"),
        ("http://198.19.200.7/hook", "198.18.0.0/15"),
        ("http://[::7f00:1]/hook", "127.0.0.0/8"),
        ("http://[::ffff:0:7f00:1]/hook", "127.0.0.0/8"),
        ("http://[::ffff:127.0.0.1]/hook", "127.0.0.0/8"),
        ("http://[64:ff9b::7f00:1]/hook", "127.0.0.0/8"),
        (
            "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
            "169.254.0.0/16",
        ),
        ("http://[2002:7f00:1::1]/hook", "127.0.0.0/8"),
        ("http://[fec0::1]/hook", "fec0::/10"),
        (
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            "192.0.2.0/24",
        ),
        ("http://2130706433/hook", "127.0.0.0/8"),
    ] {
        let body = json!({ "url": url }).to_string();
        let r = cookie_call(
            &app,
            "POST",
            "/api/v1/webhooks",
            &cookie,
            &[("x-csrf-token", &csrf)],
            Some(("application/json", body)),
        )
        .await;
        assert_eq!(r.status, 422, "{url}: {}", r.body);
        let j = r.json();
        assert_eq!(
            (j["field"].as_str(), j["code"].as_str()),
            (Some("url"), Some("webhook-address-refused")),
            "{url}: {}",
            r.body
        );
        assert!(
            j["detail"].as_str().is_some_and(|d| d.contains(range)),
            "{url}: {}",
            r.body
        );
    }
    assert!(
        app.store
            .list_webhooks(None)
            .await
            .expect("list")
            .is_empty(),
        "nothing stored"
    );
}

/// A collection of a community the caller is not in answers exactly as
/// one that does not exist: status and body.
#[tokio::test]
async fn a_foreign_collection_is_not_found_like_a_missing_one() {
    let app = TestApp::new().await;
    app.council().await;
    let sys = Actor::system("test");
    let private = app
        .store
        .create_community(
            &sys,
            NewCommunity {
                name_ja: "非公開".into(),
                name_en: "Private".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    let m = app
        .store
        .add_membership(&sys, private.id, app.nco.id)
        .await
        .expect("member");
    app.store
        .accept_terms(&app.actor(&app.nco_admin).await, m.id)
        .await
        .expect("accept");
    let foreign = app
        .store
        .create_collection(
            &sys,
            NewCollection {
                community: private.id,
                title: "内部".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await
        .expect("collection")
        .id;
    let missing = "91b5a8e0-0000-4000-8000-000000000000".to_owned();
    let token = app.token(&app.power, Role::Reporter).await;
    let cookie = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let sighting = |c: &str| json!({"sighting_of": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "tlp": "GREEN", "collection": c});
    let mut answers = Vec::new();
    for c in [&foreign, &missing] {
        let mut got = Vec::new();
        for format in ["stix", "csv", "blocklist"] {
            let path = format!("/api/v1/exports/{format}?collection={c}");
            got.push(app.api("GET", &path, Some(&token), None).await);
            let page = format!("/intel/export/{format}?collection={c}");
            got.push(app.get(&page, &cookie).await);
        }
        got.push(
            app.api("POST", "/api/v1/sightings", Some(&token), Some(sighting(c)))
                .await,
        );
        let bundle = json!({"type": "bundle", "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd30", "objects": []});
        let path = format!("/api/v1/collections/{c}/bundles");
        got.push(app.api("POST", &path, Some(&token), Some(bundle)).await);
        answers.push(got);
    }
    for (f, m) in answers[0].iter().zip(&answers[1]) {
        assert_eq!(f.status, 404, "{}", f.body);
        assert_eq!((f.status, &f.body), (m.status, &m.body));
    }
    // The store itself answers so, to any caller that does not check first.
    let col = app
        .store
        .get_collection(&foreign)
        .await
        .expect("collection");
    let power = app.actor(&app.power_admin).await;
    let page = app
        .store
        .stix_page(&power, &col, &renkei_store::intel::StixQuery::new(10))
        .await;
    assert!(
        matches!(page, Err(renkei_store::StoreError::NotFound("collection"))),
        "{page:?}"
    );
}

#[tokio::test]
async fn metrics_are_never_open_to_anyone() {
    // Neither a token nor a listener of their own: not served.
    let app = TestApp::new().await;
    let r = app.get("/metrics", "").await;
    assert_eq!(
        (r.status, r.json()["code"].clone()),
        (404, json!("metrics-not-served")),
        "{}",
        r.body
    );
    assert!(!r.body.contains("renkei_http_requests_total"));

    let token = "metrics-token-0123456789";
    let app = TestApp::with_settings(|s| s.metrics_token = Some(token.into())).await;
    let scrape = |auth: Option<String>| {
        let mut r = Request::get("/metrics");
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        app.send(r.body(Body::empty()).expect("req"))
    };
    for auth in [
        None,
        Some("Bearer wrong-token-0123456789".to_owned()),
        Some(format!("Basic {token}")),
        Some("Bearer ".to_owned()),
    ] {
        let r = scrape(auth.clone()).await;
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (401, json!("metrics-token-required")),
            "{auth:?}: {}",
            r.body
        );
    }
    let r = scrape(Some(format!("Bearer {token}"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("renkei_http_requests_total"), "{}", r.body);
}

/// `metrics_listen`: the metrics on an address of their own, and only there.
#[tokio::test]
async fn metrics_listen_serves_metrics_alone_on_its_own_address() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut buf = String::new();
        s.read_to_string(&mut buf).await.expect("read");
        buf
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let metrics_addr = free.local_addr().expect("addr");
    drop(free);
    let mut settings = renkei_server::Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().expect("addr");
    settings.metrics_listen = Some(metrics_addr);
    settings.webhook_interval_secs = 0;
    settings.database_url = format!("sqlite:{}", dir.path().join("t.db").display()).into();
    let store = renkei_store::open(settings.database_url())
        .await
        .expect("store");
    let (listener, addr) = renkei_server::build(&settings).await.expect("bind");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = renkei_server::AppState::new(store, settings);
    let server = tokio::spawn(renkei_server::run(listener, state, async {
        let _ = rx.await;
    }));
    let mut answer = String::new();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(metrics_addr).await.is_ok() {
            answer = get(metrics_addr, "/metrics").await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("renkei_http_requests_total") || answer.contains("# EOF"),
        "{answer}"
    );
    assert!(
        get(metrics_addr, "/healthz")
            .await
            .starts_with("HTTP/1.1 404")
    );
    assert!(
        get(metrics_addr, "/api/v1/me")
            .await
            .starts_with("HTTP/1.1 404")
    );
    assert!(
        get(addr, "/metrics").await.starts_with("HTTP/1.1 404"),
        "not on the main address"
    );
    assert!(get(addr, "/healthz").await.starts_with("HTTP/1.1 200"));
    tx.send(()).expect("signal");
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("join")
        .expect("clean exit");
}
