//! Regressions of the outside probe's findings over HTTP (issue 15): no
//! TAXII status, import error or delete answer tells anything about an
//! object the caller may not read; derived ids are not predictable; a
//! later sharer of an id never takes over its page; audiences name only
//! what exists on every write path; TLP marking ids are reserved.

use axum::body::Body;
use axum::http::{Request, header};
use renkei_core::model::{NewCollection, NewCommunity, NewUser, User};
use renkei_core::{Actor, Email, Role, Tlp};
use serde_json::{Value, json};

use crate::support::{PASSWORD, Reply, TestApp, hidden};

const TAXII: &str = "application/taxii+json;version=2.1";
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn indicator(n: u32, name: &str, modified: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-11-01T00:00:00.000Z", "modified": modified, "name": name,
        "pattern": format!("[ipv4-addr:value = '198.51.100.{n}']"), "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z"
    })
}

/// Shares `objects` in the store as `user` (TLP:RED ones need a person).
async fn share(app: &TestApp, user: &User, col: &str, objects: &[Value]) {
    let a = app.actor(user).await;
    let col = app.store.get_collection(col).await.expect("collection");
    let vs = objects
        .iter()
        .map(|o| {
            renkei_server::share::new_version(&renkei_stix::parse_object(o, None).expect("valid"))
        })
        .collect();
    let out = app.store.add_stix(&a, &col, vs).await.expect("add");
    assert!(out.failures.is_empty(), "{:?}", out.failures);
}

async fn taxii(app: &TestApp, method: &str, path: &str, auth: &str, body: Option<Value>) -> Reply {
    let mut r = Request::builder()
        .method(method)
        .uri(path)
        .header("accept", TAXII)
        .header("authorization", auth);
    let body = match body {
        Some(b) => {
            r = r.header("content-type", TAXII);
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    app.send(r.body(body).expect("req")).await
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

fn basic(email: &str) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{PASSWORD}"));
    format!("Basic {b}")
}

/// A status without what differs between two adds of different ids.
fn shape(mut st: Value) -> Value {
    for k in ["id", "request_timestamp"] {
        st[k] = Value::Null;
    }
    for list in ["successes", "failures"] {
        if let Some(a) = st[list].as_array_mut() {
            for x in a {
                x["id"] = Value::Null;
            }
        }
    }
    st
}

/// Finding 2: posting an id another organisation holds as TLP:RED answers
/// exactly as posting an id nobody holds (TAXII status, REST import), and
/// stores the poster's own version.
#[tokio::test]
async fn adding_an_id_someone_else_holds_answers_as_any_add() {
    let app = TestApp::new().await;
    let (c, col) = app.council().await;
    let mut secret = indicator(7, "power's secret", "2026-11-02T00:00:00.000Z");
    secret["object_marking_refs"] = json!([RED]);
    share(&app, &app.power_admin, &col.id, &[secret]).await;
    let nco = app.token(&app.nco, Role::Reporter).await;
    let objects = format!("/taxii2/community-{}/collections/{}/objects/", c.id, col.id);
    let post = |o: Value| {
        let (app, objects, nco) = (&app, objects.clone(), nco.clone());
        async move {
            let r = taxii(
                app,
                "POST",
                &objects,
                &bearer(&nco),
                Some(json!({"objects": [o]})),
            )
            .await;
            assert_eq!(r.status, 202, "{}", r.body);
            r.json()
        }
    };
    let held = post(indicator(7, "nco's", "2026-11-02T00:00:00.000Z")).await;
    let fresh = post(indicator(8, "nco's", "2026-11-02T00:00:00.000Z")).await;
    assert_eq!(held["failure_count"], 0, "{held}");
    assert_eq!(shape(held), shape(fresh));
    // The coordinator reads its own version, and only it.
    let got = taxii(
        &app,
        "GET",
        &format!("{objects}indicator--00000000-0000-4000-8000-000000000007/"),
        &bearer(&nco),
        None,
    )
    .await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.json()["objects"].as_array().map(Vec::len), Some(1));
    assert_eq!(got.json()["objects"][0]["name"], "nco's");

    // A REST import of a bundle holding the id: stored, no refusal.
    let bundle = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001",
        "objects": [indicator(7, "nco's again", "2026-11-03T00:00:00.000Z")]});
    let r = Request::post(format!("/api/v1/imports?format=stix&collection={}", col.id))
        .header(header::AUTHORIZATION, bearer(&nco))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(bundle.to_string()))
        .expect("req");
    let r = app.send(r).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Finding 2: ids derived from MISP uuids are keyed with a secret, so
/// nobody can compute another organisation's ids in advance; re-importing
/// finds the same ids again.
#[tokio::test]
async fn misp_derived_ids_are_not_predictable_and_stay_stable() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let event = json!({"Event": {
        "uuid": "5f0c3a1e-2b7d-4c1a-9f3e-0a1b2c3d4e5f", "info": "campaign", "date": "2026-11-01",
        "timestamp": "1793523600", "Tag": [{"name": "tlp:green"}],
        "Attribute": [{"uuid": "a0000000-0000-4000-8000-000000000001", "type": "ip-dst",
            "category": "Network activity", "value": "198.51.100.77", "to_ids": true,
            "timestamp": "1793520000"}]
    }});
    // What anyone could compute before: ids scoped by the organisation's id.
    let mut predicted = renkei_stix::misp_from_slice(event.to_string().as_bytes()).expect("event");
    renkei_stix::scope_ids(&mut predicted, &app.power.id.0.to_string());
    let predicted: Vec<String> = predicted
        .objects
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    assert!(!predicted.is_empty());
    let import = || async {
        let r = Request::post(format!("/api/v1/imports?format=misp&collection={}", col.id))
            .header(header::AUTHORIZATION, bearer(&t))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(event.to_string()))
            .expect("req");
        let r = app.send(r).await;
        assert_eq!(r.status, 201, "{}", r.body);
    };
    import().await;
    let ids = || async {
        let found = app
            .api("GET", "/api/v1/search?q=198.51.100.77", Some(&t), None)
            .await
            .json();
        let mut ids: Vec<String> = found
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|f| f["object"]["id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    let first = ids().await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(!predicted.contains(&first[0]), "{first:?} was predictable");
    import().await;
    assert_eq!(ids().await, first, "a re-import updates the same objects");
}

/// A second community holding both organisations, with a collection.
async fn second_collection(app: &TestApp) -> String {
    let sys = Actor::system("test");
    let c = app
        .store
        .create_community(
            &sys,
            NewCommunity {
                name_ja: "ISAC".into(),
                name_en: "ISAC".into(),
                description: String::new(),
                terms_version: "1".into(),
                terms_text: String::new(),
            },
        )
        .await
        .expect("community");
    for (org, admin) in [(&app.nco, &app.nco_admin), (&app.power, &app.power_admin)] {
        let m = app
            .store
            .add_membership(&sys, c.id, org.id)
            .await
            .expect("member");
        app.store
            .accept_terms(&app.actor(admin).await, m.id)
            .await
            .expect("accept");
    }
    app.store
        .create_collection(
            &sys,
            NewCollection {
                community: c.id,
                title: "ISAC".into(),
                description: String::new(),
                default_tlp: Tlp::Green,
            },
        )
        .await
        .expect("collection")
        .id
}

/// Finding 3: another organisation posting the same id with an older
/// `modified` into another collection never takes over the object's page
/// for a reader of both: the heading stays the first sharer's, and each
/// sharer's versions are listed as its own line, attributed.
#[tokio::test]
async fn a_later_sharer_of_an_id_never_takes_its_page_over() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let isac = second_collection(&app).await;
    share(
        &app,
        &app.power_admin,
        &col.id,
        &[indicator(9, "本物の見出し", "2026-11-05T00:00:00.000Z")],
    )
    .await;
    share(
        &app,
        &app.nco_admin,
        &isac,
        &[indicator(9, "乗っ取り", "2026-11-01T00:00:00.000Z")],
    )
    .await;
    let viewer = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let page = app
        .get(
            "/intel/objects/indicator--00000000-0000-4000-8000-000000000009",
            &viewer,
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<h1>本物の見出し</h1>"), "{}", page.body);
    assert!(!page.body.contains("<h1>乗っ取り"), "{}", page.body);
    // Two lines, in the order they were shared, each attributed.
    let first = page
        .body
        .find("東都電力 による共有: 本物の見出し")
        .expect("power's line");
    let second = page
        .body
        .find("統括室 による共有: 乗っ取り")
        .expect("nco's line");
    assert!(first < second, "{}", page.body);
    // The REST view names each version's sharer.
    let t = app.token(&app.power, Role::Viewer).await;
    let j = app
        .api(
            "GET",
            "/api/v1/objects/indicator--00000000-0000-4000-8000-000000000009",
            Some(&t),
            None,
        )
        .await
        .json();
    let orgs: Vec<i64> = j["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["org"].as_i64())
        .collect();
    assert_eq!(orgs.len(), 2, "{j}");
    assert!(
        orgs.contains(&app.power.id.0) && orgs.contains(&app.nco.id.0),
        "{j}"
    );
}

/// Finding 5: a colleague's DELETE of a TLP:RED object addressed to
/// someone else answers exactly as a DELETE of an id that does not exist,
/// and deletes nothing.
#[tokio::test]
async fn a_delete_of_what_one_may_not_read_answers_as_for_nothing() {
    let app = TestApp::new().await;
    let (c, col) = app.council().await;
    let hash = renkei_server::http::auth::hash_password(PASSWORD).expect("hash");
    app.store
        .create_user(
            &Actor::system("test"),
            NewUser {
                org: app.power.id,
                email: Email::parse("rep@power.example.jp").expect("email"),
                display_name: "rep".into(),
                role: Role::Reporter,
                password_hash: hash,
            },
        )
        .await
        .expect("user");
    let mut red = indicator(11, "red", "2026-11-02T00:00:00.000Z");
    red["object_marking_refs"] = json!([RED]);
    share(&app, &app.power_admin, &col.id, &[red]).await;
    let objects = format!("/taxii2/community-{}/collections/{}/objects/", c.id, col.id);
    let colleague = basic("rep@power.example.jp");
    let unreadable = taxii(
        &app,
        "DELETE",
        &format!("{objects}indicator--00000000-0000-4000-8000-000000000011/"),
        &colleague,
        None,
    )
    .await;
    let missing = taxii(
        &app,
        "DELETE",
        &format!("{objects}indicator--00000000-0000-4000-8000-000000000012/"),
        &colleague,
        None,
    )
    .await;
    assert_eq!(unreadable.status, 404, "{}", unreadable.body);
    assert_eq!(
        (unreadable.status, &unreadable.body),
        (missing.status, &missing.body)
    );
    let sharer = basic("admin@power.example.jp");
    let still = taxii(
        &app,
        "GET",
        &format!("{objects}indicator--00000000-0000-4000-8000-000000000011/"),
        &sharer,
        None,
    )
    .await;
    assert_eq!(still.status, 200, "nothing was deleted: {}", still.body);
    let gone = taxii(
        &app,
        "DELETE",
        &format!("{objects}indicator--00000000-0000-4000-8000-000000000011/"),
        &sharer,
        None,
    )
    .await;
    assert_eq!(gone.status, 200, "the sharer deletes it: {}", gone.body);
}

/// Finding 4: every write path refuses audiences naming what does not
/// exist, names them, and stores nothing.
#[tokio::test]
async fn audiences_are_checked_on_every_write_path() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let count = || async {
        app.api(
            "GET",
            "/api/v1/search?q=evil-audience.example.jp",
            Some(&t),
            None,
        )
        .await
        .json()
        .as_array()
        .map_or(0, Vec::len)
    };
    for (audience, named) in [
        ("user:-1", "user:-1"),
        ("user:999", "user:999"),
        ("org:999", "org:999"),
        ("community:999", "community:999"),
    ] {
        let r = Request::post(format!(
            "/api/v1/imports?format=csv&tlp=AMBER&collection={}&audience={audience}",
            col.id
        ))
        .header(header::AUTHORIZATION, bearer(&t))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("value\nevil-audience.example.jp\n"))
        .expect("req");
        let r = app.send(r).await;
        assert_eq!(r.status, 409, "{audience}: {}", r.body);
        assert!(r.body.contains(named), "{}", r.body);
    }
    assert_eq!(count().await, 0, "nothing stored");
    // The portal's share form.
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let page = app.get("/intel/share", &power).await;
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post_form(
            "/intel/share",
            &power,
            &[
                ("csrf", &csrf),
                ("values", "evil-audience.example.jp"),
                ("collection", &col.id),
                ("tlp", "AMBER"),
                ("communities", "999"),
                ("key", &hidden(&page.body, "key")),
                ("step", "confirm"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("999"), "{}", r.body);
    assert_eq!(count().await, 0, "nothing stored");
    // The items API.
    let r = app
        .api(
            "POST",
            "/api/v1/items",
            Some(&t),
            Some(json!({
                "title": "x", "tlp": "AMBER", "audience": {"users": [-1]}
            })),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("user:-1"), "{}", r.body);
}

/// Item 9: a marking-definition reusing a TLP 2.0 id with another
/// definition is refused, naming the property.
#[tokio::test]
async fn tlp_marking_ids_are_reserved_over_taxii() {
    let app = TestApp::new().await;
    let (c, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let mut fake = renkei_stix::marking::tlp_marking_object(Tlp::Green);
    fake["name"] = json!("TLP:GREEN (share with anyone)");
    let objects = format!("/taxii2/community-{}/collections/{}/objects/", c.id, col.id);
    let r = taxii(
        &app,
        "POST",
        &objects,
        &bearer(&t),
        Some(json!({"objects": [fake]})),
    )
    .await;
    let st = r.json();
    assert_eq!(st["failure_count"], 1, "{st}");
    assert!(
        st["failures"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("name")),
        "{st}"
    );
    let real = renkei_stix::marking::tlp_marking_object(Tlp::Green);
    let r = taxii(
        &app,
        "POST",
        &objects,
        &bearer(&t),
        Some(json!({"objects": [real]})),
    )
    .await;
    assert_eq!(r.json()["success_count"], 1, "{}", r.body);
}
