//! TAXII 2.1 protocol behaviour in-process: media types, auth, limits,
//! stateless paging through objects that share one `date_added`, status,
//! versions. (The real Python clients run against a live server in
//! `tests/taxii`.)

use axum::body::Body;
use axum::http::Request;
use renkei_core::Role;
use serde_json::{Value, json};

use crate::support::{Reply, TestApp};

pub(crate) const TAXII: &str = "application/taxii+json;version=2.1";

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) root: String,
    pub(crate) col: String,
    pub(crate) token: String,
}

pub(crate) async fn world(f: impl FnOnce(&mut renkei_server::Settings)) -> World {
    let app = TestApp::with_settings(f).await;
    let (c, col) = app.council().await;
    let token = app.token(&app.power, Role::Reporter).await;
    World {
        root: format!("/taxii2/community-{}/", c.id),
        col: col.id,
        token,
        app,
    }
}

impl World {
    pub(crate) async fn get(&self, path: &str) -> Reply {
        let r = Request::get(path)
            .header("accept", TAXII)
            .header("authorization", format!("Bearer {}", self.token));
        self.app.send(r.body(Body::empty()).expect("req")).await
    }

    pub(crate) async fn post(&self, body: &str, content_type: &str) -> Reply {
        let path = format!("{}collections/{}/objects/", self.root, self.col);
        let r = Request::post(path)
            .header("accept", TAXII)
            .header("content-type", content_type)
            .header("authorization", format!("Bearer {}", self.token));
        self.app
            .send(r.body(Body::from(body.to_owned())).expect("req"))
            .await
    }

    /// Posts an envelope and waits for its status to complete.
    pub(crate) async fn add(&self, objects: Vec<Value>) -> Value {
        self.add_as(&self.token, objects).await
    }

    /// The same with another token.
    async fn add_as(&self, token: &str, objects: Vec<Value>) -> Value {
        let path = format!("{}collections/{}/objects/", self.root, self.col);
        let r = Request::post(path)
            .header("accept", TAXII)
            .header("content-type", TAXII)
            .header("authorization", format!("Bearer {token}"));
        let r = self
            .app
            .send(
                r.body(Body::from(json!({ "objects": objects }).to_string()))
                    .expect("req"),
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.body);
        let id = r.json()["id"].as_str().expect("status id").to_owned();
        for _ in 0..200 {
            let r = Request::get(format!("{}status/{id}/", self.root))
                .header("accept", TAXII)
                .header("authorization", format!("Bearer {token}"));
            let st = self
                .app
                .send(r.body(Body::empty()).expect("req"))
                .await
                .json();
            if st["status"] == "complete" {
                return st;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("status {id} never completed");
    }
}

fn indicator(n: usize, modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-11-01T00:00:00.000Z", "modified": modified,
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250), "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z"
    })
}

#[tokio::test]
async fn media_types_auth_and_slashes() {
    let w = world(|_| {}).await;
    let anon = w
        .app
        .send(
            Request::get("/taxii2/")
                .header("accept", TAXII)
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(anon.status, 401);
    assert!(anon.headers.contains_key("www-authenticate"));
    assert_eq!(anon.headers["content-type"], TAXII);
    let wrong_accept = Request::get("/taxii2/")
        .header("accept", "application/json")
        .header("authorization", format!("Bearer {}", w.token));
    assert_eq!(
        w.app
            .send(wrong_accept.body(Body::empty()).expect("req"))
            .await
            .status,
        406
    );
    for path in ["/taxii2/", "/taxii2", &w.root, w.root.trim_end_matches('/')] {
        let r = w.get(path).await;
        assert_eq!(
            (r.status, &r.headers["content-type"]),
            (200, &TAXII.parse().expect("hv")),
            "{path}: {}",
            r.body
        );
    }
    let d = w.get("/taxii2/").await.json();
    assert!(
        d["api_roots"][0]
            .as_str()
            .is_some_and(|r| r.ends_with(&w.root)),
        "{d}"
    );
    let root = w.get(&w.root).await.json();
    assert_eq!(root["versions"], json!([TAXII]));
    assert!(root["max_content_length"].as_u64().is_some());
    let col = w
        .get(&format!("{}collections/{}/", w.root, w.col))
        .await
        .json();
    assert_eq!(
        (col["can_read"].as_bool(), col["can_write"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(w.get("/taxii2/community-999/").await.status, 404);
    // Basic auth with e-mail and password.
    let basic = |pw: &str| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("admin@power.example.jp:{pw}"))
        )
    };
    let ok = Request::get("/taxii2/")
        .header("accept", TAXII)
        .header("authorization", basic(crate::support::PASSWORD));
    assert_eq!(
        w.app
            .send(ok.body(Body::empty()).expect("req"))
            .await
            .status,
        200
    );
    let bad = Request::get("/taxii2/")
        .header("accept", TAXII)
        .header("authorization", basic("wrong-password"));
    assert_eq!(
        w.app
            .send(bad.body(Body::empty()).expect("req"))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn pages_are_stable_when_many_objects_share_one_date_added() {
    let w = world(|_| {}).await;
    let st = w
        .add(
            (0..250)
                .map(|n| indicator(n, "2026-11-02T00:00:00.000Z"))
                .collect(),
        )
        .await;
    assert_eq!(
        (
            st["success_count"].as_i64(),
            st["failure_count"].as_i64(),
            st["pending_count"].as_i64()
        ),
        (Some(250), Some(0), Some(0))
    );
    let base = format!("{}collections/{}/objects/?limit=100", w.root, w.col);
    let mut seen = std::collections::BTreeSet::new();
    let mut url = base.clone();
    let mut pages = 0;
    loop {
        let r = w.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(
            r.headers.contains_key("x-taxii-date-added-first")
                && r.headers.contains_key("x-taxii-date-added-last")
        );
        let env = r.json();
        for o in env["objects"].as_array().expect("objects") {
            assert!(
                seen.insert(o["id"].as_str().expect("id").to_owned()),
                "duplicate {}",
                o["id"]
            );
        }
        pages += 1;
        if env["more"] == json!(false) {
            assert!(env.get("next").is_none());
            break;
        }
        url = format!("{base}&next={}", env["next"].as_str().expect("next"));
    }
    // With the five TLP 2.0 definitions every collection holds.
    assert_eq!((seen.len(), pages), (250 + 5, 3));
    // Filters; a limit above the server's maximum is served as the maximum
    // (TAXII 2.1 §3.4: a server may return fewer than asked).
    let most = w
        .get(&format!(
            "{}collections/{}/objects/?limit=100000",
            w.root, w.col
        ))
        .await
        .json();
    assert_eq!(most["objects"].as_array().map(Vec::len), Some(250 + 5));
    let none = w
        .get(&format!(
            "{}collections/{}/objects/?match[type]=malware",
            w.root, w.col
        ))
        .await
        .json();
    assert_eq!(none, json!({"more": false}));
    let later = w
        .get(&format!(
            "{}collections/{}/objects/?added_after=2099-01-01T00:00:00Z",
            w.root, w.col
        ))
        .await
        .json();
    assert!(later.get("objects").is_none());
    let by_id = w.get(&format!("{}collections/{}/objects/?match[id]=indicator--00000000-0000-4000-8000-000000000007,indicator--00000000-0000-4000-8000-000000000009", w.root, w.col)).await.json();
    assert_eq!(by_id["objects"].as_array().map(Vec::len), Some(2));
    let manifest = w
        .get(&format!(
            "{}collections/{}/manifest/?limit=10",
            w.root, w.col
        ))
        .await
        .json();
    assert_eq!(
        manifest["objects"][0]["media_type"],
        "application/stix+json;version=2.1"
    );
    assert_eq!(manifest["more"], true);
    // §3.4: a filter field the server does not support is ignored.
    let ignored = w
        .get(&format!(
            "{}collections/{}/objects/?match[relationship_type]=indicates&limit=7",
            w.root, w.col
        ))
        .await;
    assert_eq!(ignored.status, 200, "{}", ignored.body);
    assert_eq!(ignored.json()["objects"].as_array().map(Vec::len), Some(7));
    // §3.4: limit is a positive integer; each parameter is given once, and
    // match[version] takes "all" only alone and no value twice.
    for bad in [
        "next=forged",
        "added_after=yesterday",
        "limit=0",
        "limit=-1",
        "added_after=2020-01-01T00:00:00Z&added_after=2020-01-02T00:00:00Z",
        "match[type]=indicator&match[type]=malware",
        "match[version]=all,first",
        "match[version]=first,first",
    ] {
        let r = w
            .get(&format!("{}collections/{}/objects/?{bad}", w.root, w.col))
            .await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(
            r.json()["description"]
                .as_str()
                .is_some_and(|d| d.contains(bad.split('=').next().unwrap_or_default())),
            "{}",
            r.body
        );
    }
}

#[tokio::test]
async fn versions_deletion_and_per_object_failures() {
    let w = world(|_| {}).await;
    let st = w
        .add(vec![
            indicator(1, "2026-11-02T00:00:00.000Z"),
            indicator(1, "2026-11-03T00:00:00.000Z"),
            json!({"type": "indicator", "id": "indicator--nope"}),
        ])
        .await;
    assert_eq!(
        (st["success_count"].as_i64(), st["failure_count"].as_i64()),
        (Some(2), Some(1)),
        "{st}"
    );
    assert!(
        st["failures"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("id")),
        "{st}"
    );
    let obj = format!(
        "{}collections/{}/objects/indicator--00000000-0000-4000-8000-000000000001/",
        w.root, w.col
    );
    let latest = w.get(&obj).await.json();
    assert_eq!(latest["objects"][0]["modified"], "2026-11-03T00:00:00.000Z");
    let first = w.get(&format!("{obj}?match[version]=first")).await.json();
    assert_eq!(first["objects"][0]["modified"], "2026-11-02T00:00:00.000Z");
    let versions = w.get(&format!("{obj}versions/")).await.json();
    assert_eq!(
        versions["versions"],
        json!(["2026-11-02T00:00:00.000Z", "2026-11-03T00:00:00.000Z"])
    );
    // Re-posting an existing version changes nothing and succeeds.
    let again = w.add(vec![indicator(1, "2026-11-03T00:00:00.000Z")]).await;
    assert_eq!(again["success_count"].as_i64(), Some(1));
    assert_eq!(
        w.get(&format!("{obj}versions/")).await.json()["versions"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let del = Request::delete(&obj)
        .header("accept", TAXII)
        .header("authorization", format!("Bearer {}", w.token));
    assert_eq!(
        w.app
            .send(del.body(Body::empty()).expect("req"))
            .await
            .status,
        200
    );
    assert_eq!(w.get(&obj).await.status, 404);
}

impl World {
    pub(crate) async fn delete(&self, path: &str) -> u16 {
        let r = Request::delete(path)
            .header("accept", TAXII)
            .header("authorization", format!("Bearer {}", self.token));
        self.app
            .send(r.body(Body::empty()).expect("req"))
            .await
            .status
    }
}

/// TAXII 2.1 §5.6–5.8: on an object the caller may read, filters that match
/// nothing give 200 with nothing in it (an object it may not read, or none,
/// stays 404), and DELETE hides only the versions its filters match.
#[tokio::test]
async fn object_filters_narrow_reads_and_deletes() {
    let w = world(|_| {}).await;
    let (v1, v2) = ("2026-11-02T00:00:00.000Z", "2026-11-03T00:00:00.000Z");
    let st = w.add(vec![indicator(5, v1), indicator(5, v2)]).await;
    assert_eq!(st["success_count"].as_i64(), Some(2), "{st}");
    let obj = format!(
        "{}collections/{}/objects/indicator--00000000-0000-4000-8000-000000000005/",
        w.root, w.col
    );
    let versions = |r: Reply| r.json()["versions"].clone();
    for filter in [
        "added_after=2099-01-01T00:00:00Z",
        "match[version]=2020-01-01T00:00:00Z",
        "match[spec_version]=2.0",
        "match[type]=malware",
    ] {
        let r = w.get(&format!("{obj}?{filter}")).await;
        assert_eq!(r.status, 200, "{filter}: {}", r.body);
        assert_eq!(r.json(), json!({"more": false}), "{filter}");
        let r = w.get(&format!("{obj}versions/?{filter}")).await;
        assert_eq!(r.status, 200, "{filter}: {}", r.body);
        assert_eq!(r.json(), json!({"more": false}), "{filter}");
    }
    let missing = format!(
        "{}collections/{}/objects/indicator--00000000-0000-4000-8000-000000000099/",
        w.root, w.col
    );
    assert_eq!(w.get(&missing).await.status, 404);
    assert_eq!(w.get(&format!("{missing}versions/")).await.status, 404);
    // Deletes whose filters match no version hide nothing.
    for filter in [
        "match[spec_version]=2.0",
        "match[type]=malware",
        "match[id]=indicator--00000000-0000-4000-8000-000000000006",
        "match[version]=2020-01-01T00:00:00Z",
    ] {
        assert_eq!(w.delete(&format!("{obj}?{filter}")).await, 404, "{filter}");
        assert_eq!(
            versions(w.get(&format!("{obj}versions/")).await),
            json!([v1, v2]),
            "{filter}"
        );
    }
    // One that matches hides just that version.
    assert_eq!(
        w.delete(&format!(
            "{obj}?match[version]={v1}&match[spec_version]=2.1"
        ))
        .await,
        200
    );
    assert_eq!(
        versions(w.get(&format!("{obj}versions/")).await),
        json!([v2])
    );
    assert_eq!(w.delete(&format!("{obj}?match[type]=indicator")).await, 200);
    assert_eq!(w.get(&obj).await.status, 404);
}

/// TAXII 2.1 §5.4: a small add is stored before the answer, whose status
/// is final; the status resource says the same afterwards.
#[tokio::test]
async fn a_small_add_answers_with_a_final_status() {
    let w = world(|_| {}).await;
    let body =
        json!({"objects": [indicator(11, "2026-11-02T00:00:00.000Z"), {"type": "indicator"}]});
    let r = w.post(&body.to_string(), TAXII).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let st = r.json();
    assert_eq!(st["status"], "complete", "{st}");
    assert_eq!(
        (
            st["total_count"].as_i64(),
            st["success_count"].as_i64(),
            st["failure_count"].as_i64(),
            st["pending_count"].as_i64()
        ),
        (Some(2), Some(1), Some(1), Some(0))
    );
    let id = st["id"].as_str().expect("id");
    let again = w.get(&format!("{}status/{id}/", w.root)).await.json();
    assert_eq!(again["status"], "complete", "{again}");
}

/// TAXII 2.1 §4.1.1: discovery's URLs are the ones clients reach. Behind a
/// TLS-terminating proxy that is configured as trusted, they follow its
/// `Forwarded` / `X-Forwarded-*` headers; anyone else's are ignored.
#[tokio::test]
async fn discovery_urls_follow_trusted_proxies_only() {
    let w = world(|s| s.trusted_proxies = vec!["10.9.0.0/24".into()]).await;
    let w = &w;
    let discover = move |peer: &str, headers: &[(&str, &str)]| {
        let mut r = Request::get("/taxii2/")
            .header("accept", TAXII)
            .header("host", "renkei.internal:8080")
            .header("authorization", format!("Bearer {}", w.token));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let mut req = r.body(Body::empty()).expect("req");
        let addr: std::net::SocketAddr = peer.parse().expect("addr");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        async move {
            let d = w.app.send(req).await.json();
            d["default"].as_str().unwrap_or_default().to_owned()
        }
    };
    let xf = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "cti.example.jp"),
    ];
    let via_proxy = discover("10.9.0.7:51000", &xf).await;
    assert!(
        via_proxy.starts_with("https://cti.example.jp/taxii2/"),
        "{via_proxy}"
    );
    let rfc7239 = [("forwarded", "for=192.0.2.1;proto=https;host=cti.example.jp")];
    let via_proxy = discover("10.9.0.7:51000", &rfc7239).await;
    assert!(
        via_proxy.starts_with("https://cti.example.jp/taxii2/"),
        "{via_proxy}"
    );
    let direct = discover("192.0.2.50:51000", &xf).await;
    assert!(
        direct.starts_with("http://renkei.internal:8080/taxii2/"),
        "{direct}"
    );
}

#[tokio::test]
async fn bad_requests_are_refused_and_store_nothing() {
    let w = world(|s| s.taxii_max_content_length = 4096).await;
    assert_eq!(
        w.post(
            &json!({"objects": [indicator(1, "2026-11-02T00:00:00.000Z")]}).to_string(),
            "application/json"
        )
        .await
        .status,
        415
    );
    let big = json!({"objects": (0..40).map(|n| indicator(n, "2026-11-02T00:00:00.000Z")).collect::<Vec<_>>()}).to_string();
    let r = w.post(&big, TAXII).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.headers["content-type"], TAXII);
    assert_eq!(w.post("not json", TAXII).await.status, 400);
    assert_eq!(w.post(r#"{"more": false}"#, TAXII).await.status, 400);
    let objects = w
        .get(&format!(
            "{}collections/{}/objects/?match[type]=indicator",
            w.root, w.col
        ))
        .await
        .json();
    assert!(
        objects.get("objects").is_none(),
        "nothing stored: {objects}"
    );
    // A viewer's token cannot write.
    let viewer = w.app.token(&w.app.power, Role::Viewer).await;
    let path = format!("{}collections/{}/objects/", w.root, w.col);
    let r = Request::post(path)
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .header("authorization", format!("Bearer {viewer}"));
    let r = w
        .app
        .send(
            r.body(Body::from(
                json!({"objects": [indicator(1, "2026-11-02T00:00:00.000Z")]}).to_string(),
            ))
            .expect("req"),
        )
        .await;
    assert_eq!(r.status, 403);
}

/// Regression: a newer version the reader may not read hid the older one it
/// may read (anyone could make an object vanish); and another organisation
/// could add versions of an object it did not share. Another organisation
/// posting the id now adds a line of its own, which leaves the sharer's
/// line as it was.
#[tokio::test]
async fn unreadable_versions_never_hide_readable_ones_and_other_sharers_keep_to_their_line() {
    let w = world(|_| {}).await;
    let st = w.add(vec![indicator(5, "2026-11-02T00:00:00.000Z")]).await;
    assert_eq!(st["success_count"].as_i64(), Some(1));
    // The sharer's own person adds a TLP:RED version: readable by them only.
    let mut red = indicator(5, "2026-11-09T00:00:00.000Z");
    red["object_marking_refs"] =
        json!(["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]);
    let admin = w.app.actor(&w.app.power_admin).await;
    let col = w.app.store.get_collection(&w.col).await.expect("col");
    let o = renkei_stix::parse_object(&red, None).expect("valid");
    let v = renkei_server::share::new_version(&o);
    let out = w
        .app
        .store
        .add_stix(&admin, &col, vec![v])
        .await
        .expect("add");
    assert!(out.failures.is_empty(), "{:?}", out.failures);

    let nco = w.app.token(&w.app.nco, Role::Viewer).await;
    let obj = format!(
        "{}collections/{}/objects/indicator--00000000-0000-4000-8000-000000000005/",
        w.root, w.col
    );
    let r = Request::get(&obj)
        .header("accept", TAXII)
        .header("authorization", format!("Bearer {nco}"));
    let got = w.app.send(r.body(Body::empty()).expect("req")).await;
    assert_eq!(
        got.status, 200,
        "the GREEN version must stay visible: {}",
        got.body
    );
    assert_eq!(
        got.json()["objects"][0]["modified"],
        "2026-11-02T00:00:00.000Z"
    );

    // The coordinator's newer version of the id is a line of its own: the
    // operator's line keeps its latest version.
    let nco_writer = w.app.token(&w.app.nco, Role::Reporter).await;
    let st = w
        .add_as(&nco_writer, vec![indicator(5, "2026-11-10T00:00:00.000Z")])
        .await;
    assert_eq!(
        (st["success_count"].as_i64(), st["failure_count"].as_i64()),
        (Some(1), Some(0)),
        "{st}"
    );
    let r = Request::get(&obj)
        .header("accept", TAXII)
        .header("authorization", format!("Bearer {nco}"));
    let got = w.app.send(r.body(Body::empty()).expect("req")).await;
    let mut modified: Vec<String> = got.json()["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter_map(|o| o["modified"].as_str().map(str::to_owned))
        .collect();
    modified.sort();
    assert_eq!(
        modified,
        ["2026-11-02T00:00:00.000Z", "2026-11-10T00:00:00.000Z"],
        "each line's latest: {}",
        got.body
    );
}

#[tokio::test]
async fn the_portal_lists_readable_intelligence_newest_first_with_paging() {
    let w = world(|_| {}).await;
    let mut objects: Vec<Value> = (0..60)
        .map(|n| indicator(n, "2026-11-02T00:00:00.000Z"))
        .collect();
    objects[59]["name"] = json!("最新の指標");
    objects[0]["name"] = json!("最古の指標");
    w.add(objects).await;
    // A TLP:RED object shared by the operator's admin in person.
    let mut red = indicator(99, "2026-11-02T00:00:00.000Z");
    red["name"] = json!("赤の指標");
    red["object_marking_refs"] =
        json!(["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]);
    let admin = w.app.actor(&w.app.power_admin).await;
    let col = w.app.store.get_collection(&w.col).await.expect("col");
    let o = renkei_stix::parse_object(&red, None).expect("valid");
    w.app
        .store
        .add_stix(&admin, &col, vec![renkei_server::share::new_version(&o)])
        .await
        .expect("add");

    assert_eq!(
        w.app.get("/intel", "").await.location(),
        "/login?next=/intel"
    );
    let power = w
        .app
        .login("admin@power.example.jp", crate::support::PASSWORD)
        .await
        .expect("login");
    let page = w.app.get("/intel", &power).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("赤の指標") && page.body.contains("最新の指標"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("最古の指標"),
        "newest first: the oldest is on the next page"
    );
    let next = page
        .body
        .split("/intel?collection=")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("older link")
        .replace("&amp;", "&");
    let older = w
        .app
        .get(&format!("/intel?collection={next}"), &power)
        .await;
    assert!(older.body.contains("最古の指標"), "{}", older.body);

    let nco = w
        .app
        .login("admin@nco.example.jp", crate::support::PASSWORD)
        .await
        .expect("login");
    let page = w.app.get("/intel", &nco).await;
    assert!(
        page.body.contains("最新の指標") && !page.body.contains("赤の指標"),
        "RED stays with the person who shared it"
    );
}
