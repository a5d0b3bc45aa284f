//! The REST API: health, metrics, OpenAPI, problem+json errors, limits,
//! bearer tokens and need-to-know on items.

use renkei_core::Role;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let token = "metrics-token-0123456789";
    let app = TestApp::with_settings(|s| s.metrics_token = Some(token.into())).await;
    assert_eq!(app.get("/healthz", "").await.status, 200);
    assert_eq!(app.get("/readyz", "").await.status, 200);
    let m = app
        .send(
            axum::http::Request::get("/metrics")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(m.status, 200);
    assert!(
        m.body.contains(
            "renkei_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{}",
        m.body
    );
    assert!(
        m.body
            .contains("renkei_http_request_duration_seconds_bucket")
    );
}

#[tokio::test]
async fn openapi_document_snapshot() {
    let app = TestApp::new().await;
    let r = app.get("/api/openapi.json", "").await;
    assert_eq!(r.status, 200);
    let mut doc = r.json();
    // The crate version changes with every release; the shape should not.
    doc["info"]["version"] = json!("[version]");
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test]
async fn bad_input_names_the_field_and_stores_nothing() {
    let app = TestApp::new().await;
    let admin = app.token(&app.power, Role::Reporter).await;
    let before = app.store.list_users(None).await.expect("users").len();
    let cookie = app
        .login("admin@power.example.jp", crate::support::PASSWORD)
        .await
        .expect("login");
    let csrf = app.csrf(&cookie).await;

    let cases = [
        (
            json!({"email": "not-an-email", "display_name": "x", "role": "viewer", "password": "long enough password"}),
            422,
            "email",
        ),
        (
            json!({"email": "a@power.example.jp", "display_name": "x", "role": "root", "password": "long enough password"}),
            422,
            "role",
        ),
        (
            json!({"email": "a@power.example.jp", "display_name": "x", "role": "viewer", "password": "short"}),
            422,
            "password",
        ),
        (
            json!({"email": "a@power.example.jp", "display_name": "x", "role": "viewer"}),
            422,
            "password",
        ),
        (
            json!({"email": "a@power.example.jp", "display_name": "x", "role": "viewer", "password": "long enough password", "nickname": "y"}),
            422,
            "nickname",
        ),
        (
            json!({"email": 5, "display_name": "x", "role": "viewer", "password": "long enough password"}),
            422,
            "email",
        ),
        (
            json!({"email": "viewer@power.example.jp", "display_name": "x", "role": "viewer", "password": "long enough password"}),
            409,
            "email",
        ),
    ];
    for (body, status, field) in cases {
        let r = app
            .send(
                axum::http::Request::post("/api/v1/users")
                    .header("content-type", "application/json")
                    .header("cookie", &cookie)
                    .header("x-csrf-token", &csrf)
                    .body(axum::body::Body::from(body.to_string()))
                    .expect("req"),
            )
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!(r.json()["field"], field, "{body}: {}", r.body);
        assert!(
            r.json()["detail"]
                .as_str()
                .is_some_and(|d| d.contains(field)),
            "{}",
            r.body
        );
    }
    // A token cannot administer, whatever it sends.
    let r = app.api("POST", "/api/v1/users", Some(&admin), Some(json!({"email": "b@power.example.jp", "display_name": "x", "role": "viewer", "password": "long enough password"}))).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        app.store.list_users(None).await.expect("users").len(),
        before,
        "nothing stored"
    );
}

#[tokio::test]
async fn media_type_and_size_limits() {
    let app = TestApp::with_settings(|s| s.max_body_bytes = 1024).await;
    let token = app.token(&app.power, Role::Reporter).await;
    let r = app
        .send(
            axum::http::Request::post("/api/v1/items")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "text/plain")
                .body(axum::body::Body::from("{}"))
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.body);
    let big = json!({"title": "x", "body": "a".repeat(4096), "tlp": "GREEN"});
    let r = app
        .api("POST", "/api/v1/items", Some(&token), Some(big))
        .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let r = app
        .api(
            "POST",
            "/api/v1/items",
            Some(&token),
            Some(json!({"title": "x", "tlp": "PURPLE"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("tlp")),
        "{}",
        r.body
    );
    let r = app
        .api(
            "POST",
            "/api/v1/items",
            Some(&token),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("tlp")),
        "TLP must be chosen: {}",
        r.body
    );
    let everyone = app
        .store
        .list_items(&renkei_core::Actor::system("t"), 100)
        .await
        .expect("list");
    assert!(everyone.is_empty(), "nothing stored");
}

/// Query strings, paths and raw bodies are read by extractors whose
/// refusals are problem+json like every other error (axum's own are plain
/// text, which the OpenAPI document could not describe).
#[tokio::test]
async fn query_path_and_body_refusals_are_problems() {
    let app = TestApp::new().await;
    let token = app.token(&app.power, Role::Reporter).await;
    let problem = |r: &crate::support::Reply, status: u16| {
        assert_eq!(r.status, status, "{}", r.body);
        assert_eq!(
            r.headers["content-type"], "application/problem+json",
            "{}",
            r.body
        );
        r.json()
    };
    // A query parameter that does not parse is named, as a body field is.
    let r = app
        .api("GET", "/api/v1/items?limit=many", Some(&token), None)
        .await;
    assert_eq!(problem(&r, 422)["field"], "limit");
    // The audit log's filters are read as the portal page reads them:
    // a bad one is a bad request, named.
    let r = app
        .api("GET", "/api/v1/audit?before=yesterday", Some(&token), None)
        .await;
    assert_eq!(problem(&r, 400)["field"], "before");
    let r = app
        .api(
            "GET",
            "/api/v1/exports/csv?active=maybe",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(problem(&r, 422)["field"], "active");
    // So is a required one that is missing.
    let r = app.api("POST", "/api/v1/imports", Some(&token), None).await;
    assert_eq!(problem(&r, 422)["field"], "format");
    // A path naming no possible record is not found, like a missing one.
    for path in ["/api/v1/items/not-a-number", "/api/v1/items/1.5/versions"] {
        let r = app.api("GET", path, Some(&token), None).await;
        problem(&r, 404);
    }
    let r = app
        .api("POST", "/api/v1/tokens/x/revoke", Some(&token), None)
        .await;
    problem(&r, 404);
}

/// `POST /api/v1/imports` takes the media types its OpenAPI document
/// declares (octet-stream whatever the format, JSON for MISP and STIX, CSV
/// and plain text for lists), and its 16 MiB limit answers as problem+json.
#[tokio::test]
async fn imports_take_the_declared_media_types() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let token = app.token(&app.power, Role::Reporter).await;
    let import = |query: String, content_type: &'static str, body: Vec<u8>| {
        let token = token.clone();
        let app = &app;
        async move {
            app.send(
                axum::http::Request::post(format!("/api/v1/imports?{query}"))
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", content_type)
                    .body(axum::body::Body::from(body))
                    .expect("req"),
            )
            .await
        }
    };
    let q = |format: &str| format!("format={format}&tlp=GREEN&collection={}", col.id);
    let bundle = json!({
        "type": "bundle",
        "id": "bundle--6f8a1c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
        "objects": [{
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--0b6f2a8e-1c3d-4e5f-9a7b-2c4d6e8f0a1b",
            "created": "2026-11-20T00:00:00.000Z", "modified": "2026-11-20T00:00:00.000Z",
            "pattern": "[domain-name:value = 'update.media-cdn.example.net']",
            "pattern_type": "stix", "valid_from": "2026-11-20T00:00:00Z"
        }]
    });
    for (format, content_type, body) in [
        (
            "csv",
            "application/octet-stream",
            b"value\n203.0.113.77\n".to_vec(),
        ),
        ("csv", "text/csv", b"value\n203.0.113.78\n".to_vec()),
        (
            "text",
            "text/plain; charset=utf-8",
            "203.0.113[.]79 を確認".as_bytes().to_vec(),
        ),
        ("stix", "application/json", bundle.to_string().into_bytes()),
    ] {
        let r = import(q(format), content_type, body).await;
        assert_eq!(r.status, 201, "{format} as {content_type}: {}", r.body);
        assert_eq!(r.json()["stored"], 1, "{format} as {content_type}");
    }
    let big = b"value\n".repeat(17 * 1024 * 1024 / 6 + 1);
    let r = import(q("csv"), "application/octet-stream", big).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
}

#[tokio::test]
async fn bearer_tokens_share_and_read_under_need_to_know() {
    let app = TestApp::new().await;
    let power = app.token(&app.power, Role::Reporter).await;
    let nco = app.token(&app.nco, Role::Viewer).await;
    assert_eq!(
        app.api("GET", "/api/v1/me", Some("rk_wrong"), None)
            .await
            .status,
        401
    );
    let me = app
        .api("GET", "/api/v1/me", Some(&power), None)
        .await
        .json();
    assert_eq!(me["org"]["id"], app.power.id.0);

    let amber = app
        .api(
            "POST",
            "/api/v1/items",
            Some(&power),
            Some(json!({"title": "制御系への探索", "body": "203.0.113.45", "tlp": "AMBER+STRICT"})),
        )
        .await;
    assert_eq!(amber.status, 201, "{}", amber.body);
    let id = amber.json()["id"].as_i64().expect("id");
    let clear = app
        .api(
            "POST",
            "/api/v1/items",
            Some(&power),
            Some(json!({"title": "公開情報", "tlp": "CLEAR"})),
        )
        .await;
    assert_eq!(clear.status, 201);

    assert_eq!(
        app.api("GET", &format!("/api/v1/items/{id}"), Some(&power), None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.api("GET", &format!("/api/v1/items/{id}"), Some(&nco), None)
            .await
            .status,
        404,
        "not in the audience"
    );
    assert_eq!(
        app.api("GET", &format!("/api/v1/items/{id}"), None, None)
            .await
            .status,
        404,
        "not public"
    );
    let public = app.api("GET", "/api/v1/items", None, None).await.json();
    assert_eq!(
        public.as_array().map(Vec::len),
        Some(1),
        "anonymous sees only CLEAR: {public}"
    );
    // A viewer token cannot share.
    let r = app
        .api(
            "POST",
            "/api/v1/items",
            Some(&nco),
            Some(json!({"title": "x", "tlp": "CLEAR"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // Amending keeps history.
    let v2 = app
        .api("POST", &format!("/api/v1/items/{id}/versions"), Some(&power), Some(json!({"title": "制御系への探索（続報）", "tlp": "AMBER", "audience": {"orgs": [app.nco.id.0]}})))
        .await;
    assert_eq!(v2.status, 201, "{}", v2.body);
    let versions = app
        .api(
            "GET",
            &format!("/api/v1/items/{id}/versions"),
            Some(&power),
            None,
        )
        .await
        .json();
    assert_eq!(versions.as_array().map(Vec::len), Some(2));
    assert_eq!(
        app.api("GET", &format!("/api/v1/items/{id}"), Some(&nco), None)
            .await
            .status,
        200,
        "now in the audience"
    );

    // Every restricted read above is in the audit log, token named.
    let log = app
        .store
        .list_audit(
            &renkei_core::Actor::system("t"),
            renkei_store::AuditQuery {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .expect("audit");
    assert!(log.iter().any(|e| e.action == "item.read"
        && e.object == format!("item:{id}")
        && e.actor.starts_with("token:")));
    assert!(
        log.iter()
            .any(|e| e.action == "item.read" && e.outcome == renkei_core::AuditOutcome::Denied)
    );
}

#[tokio::test]
async fn tokens_are_created_through_the_api_and_shown_once() {
    let app = TestApp::new().await;
    let cookie = app
        .login("admin@power.example.jp", crate::support::PASSWORD)
        .await
        .expect("login");
    let csrf = app.csrf(&cookie).await;
    let r = app
        .send(
            axum::http::Request::post("/api/v1/tokens")
                .header("content-type", "application/json")
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .body(axum::body::Body::from(
                    json!({"name": "misp-sync", "role": "viewer"}).to_string(),
                ))
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("rk_"));
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&secret), None)
            .await
            .status,
        200
    );
    let list = app.api("GET", "/api/v1/tokens", Some(&secret), None).await;
    assert_eq!(list.status, 403, "a viewer token cannot list tokens");
    let r = app.get("/api/v1/tokens", &cookie).await;
    assert!(
        !r.body.contains(&secret) && r.body.contains("misp-sync"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn serves_over_a_socket_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = renkei_server::Settings::defaults();
    settings.listen = "127.0.0.1:0".parse().expect("addr");
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
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.expect("read");
    assert!(buf.starts_with("HTTP/1.1 200"), "{buf}");
    tx.send(()).expect("signal");
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("join")
        .expect("clean exit");
}

#[tokio::test]
async fn bundles_are_imported_whole_or_refused_whole_with_every_problem_listed() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let admin = app.actor(&app.power_admin).await;
    let token = app.token(&app.power, Role::Reporter).await;
    let indicator = |n: u32| {
        json!({
            "type": "indicator", "spec_version": "2.1", "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
            "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '198.51.100.9']", "pattern_type": "stix", "valid_from": "2026-11-01T00:00:00Z"
        })
    };
    let path = format!("/api/v1/collections/{}/bundles", col.id);
    let mut broken = indicator(2);
    broken["pattern"] = json!("[ipv4-addr:value = ]");
    let bad = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                     "objects": [indicator(1), broken, {"type": "indicator", "id": "x"}]});
    let r = app.api("POST", &path, Some(&token), Some(bad)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.json()["errors"]
        .as_array()
        .cloned()
        .expect("errors listed");
    assert!(
        errors
            .iter()
            .any(|e| e["index"] == 1 && e["field"] == "pattern"),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e["index"] == 2 && e["field"] == "id"),
        "{errors:?}"
    );
    let mut q = renkei_store::intel::StixQuery::new(100);
    q.types = vec!["indicator".into()];
    assert!(
        app.store
            .stix_page(&admin, &col, &q)
            .await
            .expect("page")
            .rows
            .is_empty(),
        "nothing stored"
    );

    let good = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56e", "objects": [indicator(1), indicator(3)]});
    let r = app.api("POST", &path, Some(&token), Some(good)).await;
    assert_eq!(
        (r.status, r.json()["stored"].as_i64()),
        (201, Some(2)),
        "{}",
        r.body
    );
    assert_eq!(
        app.store
            .stix_page(&admin, &col, &q)
            .await
            .expect("page")
            .rows
            .len(),
        2
    );
    // A TLP:RED object from a token (no person to name) refuses the whole bundle.
    let mut red = indicator(4);
    red["object_marking_refs"] =
        json!(["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]);
    let mixed = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56f", "objects": [indicator(5), red]});
    let r = app.api("POST", &path, Some(&token), Some(mixed)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["errors"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        app.store
            .stix_page(&admin, &col, &q)
            .await
            .expect("page")
            .rows
            .len(),
        2,
        "indicator 5 was not stored either"
    );
    let listed = app
        .api("GET", "/api/v1/collections", Some(&token), None)
        .await
        .json();
    assert_eq!(listed[0]["can_write"], true);
}
