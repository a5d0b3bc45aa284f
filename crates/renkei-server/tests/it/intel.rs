//! Intelligence over REST beyond TAXII: list, text and MISP imports with
//! per-line errors, value look-up with networks and warning lists, object
//! pages with correlations and sightings, exports, notifications.

use axum::body::Body;
use axum::http::{Request, header};
use renkei_core::Role;
use serde_json::json;

use crate::support::{Reply, TestApp};

async fn import(app: &TestApp, token: &str, query: &str, body: &str) -> Reply {
    let r = Request::post(format!("/api/v1/imports?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(body.to_owned()))
        .expect("request");
    app.send(r).await
}

#[tokio::test]
async fn lists_import_whole_or_report_every_bad_line() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let q = format!("format=csv&tlp=AMBER&collection={}", col.id);
    let csv = "value,type\nevil.example.co.jp,domain\n300.1.1.1,ipv4\nnot a value,\n";
    let r = import(&app, &t, &q, csv).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let j = r.json();
    let lines: Vec<i64> = j["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["line"].as_i64().unwrap_or(0))
        .collect();
    assert_eq!(lines, vec![3, 4], "{j}");
    assert_eq!(j["errors"][0]["field"], "value");
    let found = app
        .api("GET", "/api/v1/search?q=evil.example.co.jp", Some(&t), None)
        .await;
    assert_eq!(found.json(), json!([]), "nothing stored");

    let r = import(&app, &t, &format!("{q}&skip_invalid=true"), csv).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["stored"], 1);
    assert_eq!(r.json()["line_errors"].as_array().map(Vec::len), Some(2));

    // TLP must be chosen; formats are named.
    let r = import(&app, &t, "format=csv", csv).await;
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (422, json!("tlp")),
        "{}",
        r.body
    );
    let r = import(&app, &t, "format=xlsx&tlp=GREEN", csv).await;
    assert_eq!(r.json()["field"], "format", "{}", r.body);
    // Above the general 2 MiB body limit but within the import limit.
    let mut list = String::from("value\n");
    for i in 0..150_000u32 {
        list.push_str(&format!("host-{i}.bulk-{}.evil-co.jp\n", i % 7));
    }
    assert!(list.len() > 3 * 1024 * 1024);
    let r = import(
        &app,
        &t,
        &format!("format=csv&tlp=GREEN&collection={}", col.id),
        &list,
    )
    .await;
    assert_eq!(
        r.status,
        422,
        "{}",
        r.body.chars().take(400).collect::<String>()
    );
    assert!(
        r.body.contains("100000 values"),
        "the value limit, not the body limit: {}",
        r.body.chars().take(400).collect::<String>()
    );
    let big = "a".repeat(17 * 1024 * 1024);
    assert_eq!(
        import(&app, &t, "format=text&tlp=GREEN", &big).await.status,
        413
    );
}

#[tokio::test]
async fn lookup_correlates_values_networks_and_warning_lists() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let power = app.token(&app.power, Role::Reporter).await;
    let nco = app.token(&app.nco, Role::Reporter).await;
    let text = "C2 at hxxps://cdn-update[.]evil-co[.]jp/a and 45.32.100[.]77; staging 10.20.30.40";
    let r = import(
        &app,
        &power,
        &format!("format=text&tlp=GREEN&collection={}", col.id),
        text,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["stored"], 3);
    let r = import(
        &app,
        &nco,
        &format!("format=csv&tlp=GREEN&collection={}", col.id),
        "45.32.100.0/24\n",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let l = app
        .api(
            "GET",
            "/api/v1/indicators/lookup?value=45.32.100[.]77",
            Some(&nco),
            None,
        )
        .await
        .json();
    assert_eq!(l["type"], "ipv4");
    assert_eq!(l["total"], 2, "the address and the network holding it: {l}");
    let matched: Vec<&str> = l["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["matched"].as_str())
        .collect();
    assert!(
        matched.contains(&"45.32.100.0/24") && matched.contains(&"45.32.100.77"),
        "{l}"
    );
    assert!(
        l["hits"][0]["decay_score"].as_u64().is_some_and(|d| d > 90),
        "{l}"
    );

    let l = app
        .api(
            "GET",
            "/api/v1/indicators/lookup?value=10.20.30.40",
            Some(&nco),
            None,
        )
        .await
        .json();
    assert_eq!(l["warning_lists"], json!(["private-ranges"]), "{l}");
    let r = app
        .api(
            "GET",
            "/api/v1/indicators/lookup?value=300.1.1.1&type=ipv4",
            Some(&nco),
            None,
        )
        .await;
    assert_eq!((r.status, r.json()["field"].clone()), (422, json!("value")));

    // A member's own warning list: reporters and administrators, not viewers.
    let viewer = app.token(&app.power, Role::Viewer).await;
    let entry =
        json!({"list": "our-cdn", "value": "cdn-update.evil-co.jp", "description": "our CDN"});
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/warninglists/entries",
            Some(&viewer),
            Some(entry.clone())
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.api(
            "POST",
            "/api/v1/warninglists/entries",
            Some(&power),
            Some(entry)
        )
        .await
        .status,
        201
    );
    let look = |t: &str| {
        let t = t.to_owned();
        let app = &app;
        async move {
            app.api(
                "GET",
                "/api/v1/indicators/lookup?value=https://cdn-update.evil-co.jp/a",
                Some(&t),
                None,
            )
            .await
            .json()
        }
    };
    let l = look(&power).await;
    assert_eq!(l["warning_lists"], json!(["our-cdn"]), "{l}");
    // One member's list never changes what another sees.
    let l = look(&nco).await;
    assert_eq!(l["warning_lists"], json!([]), "{l}");
    let wide = json!({"list": "wide", "value": "co.jp", "type": "domain"});
    let r = app
        .api(
            "POST",
            "/api/v1/warninglists/entries",
            Some(&power),
            Some(wide),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (422, json!("value")),
        "{}",
        r.body
    );

    // The object page: versions, where else its values were seen, sightings.
    let found = app
        .api(
            "GET",
            "/api/v1/search?q=45.32.100.77&type=indicator",
            Some(&nco),
            None,
        )
        .await
        .json();
    let id = found
        .as_array()
        .and_then(|a| {
            a.iter().find(|f| {
                f["object"]["pattern"]
                    .as_str()
                    .is_some_and(|p| p.contains("45.32.100.77"))
            })
        })
        .and_then(|f| f["object"]["id"].as_str())
        .unwrap_or_else(|| panic!("the address's indicator is found by value: {found}"))
        .to_owned();
    let s = json!({"sighting_of": id, "count": 3, "tlp": "GREEN"});
    let r = app
        .api("POST", "/api/v1/sightings", Some(&nco), Some(s))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .api(
            "POST",
            "/api/v1/sightings",
            Some(&nco),
            Some(json!({"sighting_of": id, "tlp": "BLUE"})),
        )
        .await;
    assert_eq!(r.json()["field"], "tlp");
    let o = app
        .api("GET", &format!("/api/v1/objects/{id}"), Some(&power), None)
        .await
        .json();
    assert_eq!(o["versions"].as_array().map(Vec::len), Some(1), "{o}");
    assert_eq!(o["sightings"]["count"], 3, "{o}");
    assert!(
        o["correlations"].as_array().is_some_and(|c| !c.is_empty()),
        "{o}"
    );
    assert_eq!(
        app.api(
            "GET",
            "/api/v1/objects/indicator--00000000-0000-4000-8000-000000000999",
            Some(&power),
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn exports_and_notifications_follow_access() {
    let app = TestApp::new().await;
    let (council, col) = app.council().await;
    // A second collection: the export reads both.
    app.store
        .create_collection(
            &renkei_core::Actor::system("test"),
            renkei_core::model::NewCollection {
                community: council.id,
                title: "2".into(),
                description: String::new(),
                default_tlp: renkei_core::Tlp::Amber,
            },
        )
        .await
        .expect("collection");
    let power = app.token(&app.power, Role::Reporter).await;
    let nco = app.token(&app.nco, Role::Reporter).await;
    let r = import(
        &app,
        &power,
        &format!("format=text&tlp=GREEN&collection={}", col.id),
        "bad.evil-co.jp 45.32.100.78",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = import(
        &app,
        &power,
        &format!("format=text&tlp=AMBER&collection={}", col.id),
        "secret.evil-co.jp",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // An organisation outside the council reads none of it.
    let outsider = app
        .store
        .create_org(
            &renkei_core::Actor::system("test"),
            renkei_core::model::NewOrg {
                name_ja: "部外".into(),
                name_en: "Outsider".into(),
                kind: renkei_core::OrgKind::Supplier,
                sector: None,
                prefecture: None,
            },
        )
        .await
        .expect("org");
    let out = app.token(&outsider, Role::Reporter).await;

    let e = app
        .api("GET", "/api/v1/exports/suricata", Some(&nco), None)
        .await;
    assert_eq!(e.status, 200);
    assert!(
        e.body.contains("bad.evil-co.jp") && e.body.contains("secret.evil-co.jp"),
        "{}",
        e.body
    );
    let e = app
        .api("GET", "/api/v1/exports/suricata", Some(&out), None)
        .await;
    assert!(
        e.status == 200 && !e.body.contains("evil-co") && !e.body.contains("45.32"),
        "{}",
        e.body
    );
    let e = app
        .api("GET", "/api/v1/exports/rpz?type=domain", Some(&power), None)
        .await;
    assert!(
        e.body.contains("bad.evil-co.jp CNAME .") && !e.body.contains("rpz-ip"),
        "{}",
        e.body
    );
    let e = app
        .api("GET", "/api/v1/exports/stix", Some(&nco), None)
        .await;
    let bundle: serde_json::Value = serde_json::from_str(&e.body).expect("bundle JSON");
    let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
    let shared: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| o["type"] != "marking-definition")
        .collect();
    assert_eq!(shared.len(), 3, "{}", e.body);
    // Each indicator marked with its TLP, stored marking or not.
    for o in &shared {
        let refs = o["object_marking_refs"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!refs.is_empty(), "unmarked: {o}");
    }
    // The TLP 2.0 definitions the collections hold, each once however
    // many collections the export reads.
    let definitions: Vec<&str> = objects
        .iter()
        .filter(|o| o["type"] == "marking-definition")
        .filter_map(|o| o["id"].as_str())
        .collect();
    let distinct: std::collections::BTreeSet<&str> = definitions.iter().copied().collect();
    assert_eq!((definitions.len(), distinct.len()), (5, 5), "{}", e.body);
    let e = app
        .api("GET", "/api/v1/exports/stix", Some(&out), None)
        .await;
    let bundle: serde_json::Value = serde_json::from_str(&e.body).expect("bundle JSON");
    assert!(bundle.get("objects").is_none(), "{}", e.body);
    assert_eq!(
        app.api("GET", "/api/v1/exports/pdf", Some(&nco), None)
            .await
            .json()["field"],
        "format"
    );
    let n = app
        .api("GET", "/api/v1/notifications", Some(&out), None)
        .await
        .json();
    assert_eq!(n["objects"], json!([]), "{n}");

    let n = app
        .api("GET", "/api/v1/notifications", Some(&nco), None)
        .await
        .json();
    assert_eq!(n["objects"].as_array().map(Vec::len), Some(3), "{n}");
    let next = n["next"].as_str().expect("cursor");
    let n = app
        .api(
            "GET",
            &format!("/api/v1/notifications?after={next}"),
            Some(&nco),
            None,
        )
        .await
        .json();
    assert_eq!(n["objects"], json!([]), "{n}");
    let n = app
        .api("GET", "/api/v1/notifications?after=x", Some(&nco), None)
        .await;
    assert_eq!(n.json()["field"], "after");
}

#[tokio::test]
async fn a_revoked_indicator_leaves_look_ups_and_exports() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let version = |modified: &str, revoked: bool| {
        json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [{
            "type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-01T00:00:00.000Z", "modified": modified, "revoked": revoked,
            "pattern": "[domain-name:value = 'revoked.evil-co.jp']", "pattern_type": "stix",
            "valid_from": "2026-11-01T00:00:00Z"
        }]})
        .to_string()
    };
    let q = format!("format=stix&tlp=GREEN&collection={}", col.id);
    assert_eq!(
        import(&app, &t, &q, &version("2026-11-01T00:00:00.000Z", false))
            .await
            .status,
        201
    );
    let l = app
        .api(
            "GET",
            "/api/v1/indicators/lookup?value=revoked.evil-co.jp",
            Some(&t),
            None,
        )
        .await
        .json();
    assert_eq!(l["total"], 1, "{l}");
    assert!(
        app.api(
            "GET",
            "/api/v1/exports/blocklist?type=domain",
            Some(&t),
            None
        )
        .await
        .body
        .contains("revoked.evil-co.jp")
    );
    assert_eq!(
        import(&app, &t, &q, &version("2026-11-02T00:00:00.000Z", true))
            .await
            .status,
        201
    );
    let l = app
        .api(
            "GET",
            "/api/v1/indicators/lookup?value=revoked.evil-co.jp",
            Some(&t),
            None,
        )
        .await
        .json();
    assert_eq!(l["total"], 0, "{l}");
    assert!(
        !app.api(
            "GET",
            "/api/v1/exports/blocklist?type=domain",
            Some(&t),
            None
        )
        .await
        .body
        .contains("revoked.evil-co.jp")
    );
}

/// The notifications feed over REST holds what others shared, as the
/// portal's notifications do: the electricity operator's indicator is news
/// to the national office and not to the operator itself, and the other
/// way round; on both stores.
#[tokio::test]
async fn rest_notifications_leave_out_ones_own_shares() {
    for (db, app) in crate::support::every_backend().await {
        let (_, col) = app.council().await;
        let power = app.token(&app.power, Role::Reporter).await;
        let nco = app.token(&app.nco, Role::Reporter).await;
        let bundle = |n: u8| {
            json!({"type": "bundle", "id": format!("bundle--5d0092c5-5f74-4287-9642-33f4c354e5{n:02}"), "objects": [{
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd{n:02}"),
                "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z",
                "pattern": format!("[domain-name:value = 'n{n}.evil-co.jp']"), "pattern_type": "stix",
                "valid_from": "2026-11-01T00:00:00Z"
            }]})
            .to_string()
        };
        let q = format!("format=stix&tlp=GREEN&collection={}", col.id);
        for (t, n) in [(&power, 1), (&nco, 2)] {
            let r = import(&app, t, &q, &bundle(n)).await;
            assert_eq!(r.status, 201, "{db}: {}", r.body);
        }
        for (t, theirs) in [(&power, 2), (&nco, 1)] {
            let r = app.api("GET", "/api/v1/notifications", Some(t), None).await;
            assert_eq!(r.status, 200, "{db}: {}", r.body);
            let body = r.json();
            let got: Vec<String> = body["objects"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|o| o["id"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                got,
                vec![format!(
                    "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd{theirs:02}"
                )],
                "{db}: only the other organisation's share"
            );
        }
    }
}
