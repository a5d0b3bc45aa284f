//! MISP events imported over REST as MISP publishes them: what is not for
//! IDS reaches no detection export, `skip_invalid`, distribution (the
//! organisation only, sharing groups), sightings counted.

use axum::body::Body;
use axum::http::{Request, header};
use renkei_core::Role;
use serde_json::{Value, json};

use crate::support::{Reply, TestApp};

async fn import(app: &TestApp, token: &str, query: &str, body: &Value) -> Reply {
    let r = Request::post(format!("/api/v1/imports?format=misp&{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(r).await
}

fn attr(n: u32, ty: &str, value: &str, to_ids: bool) -> Value {
    json!({
        "id": format!("{}", 100 + n), "type": ty, "category": "Network activity", "to_ids": to_ids,
        "uuid": format!("6b6464ca-e73c-4707-9b8a-d0350acd{n:04}"), "event_id": "7",
        "distribution": "5", "timestamp": "1795132000", "comment": "", "sharing_group_id": "0",
        "deleted": false, "value": value, "Sighting": []
    })
}

/// A published event as MISP's API returns it from `/events/restSearch`.
fn search_answer(attributes: Value, objects: Value) -> Value {
    json!({"response": [{"Event": {
        "id": "7", "info": "C2 infrastructure", "date": "2026-11-20", "threat_level_id": "2",
        "published": true, "uuid": "6c7640c1-6f7c-4c5b-8f3f-03240a00020f", "analysis": "2",
        "timestamp": "1795132800", "publish_timestamp": "1795136400", "distribution": "3",
        "sharing_group_id": "0",
        "Orgc": {"id": "5", "name": "JPCERT/CC", "uuid": "5a68c02d-959c-4c8a-a571-0dcac0a8061a"},
        "Tag": [{"name": "tlp:green"}], "Attribute": attributes, "Object": objects, "Galaxy": []
    }}]})
}

async fn id_of(app: &TestApp, token: &str, value: &str) -> Option<String> {
    let found = app
        .api(
            "GET",
            &format!("/api/v1/search?q={value}"),
            Some(token),
            None,
        )
        .await
        .json();
    found
        .as_array()?
        .iter()
        .find(|f| f["object"]["type"] == "indicator")
        .and_then(|f| f["object"]["id"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn misp_values_not_for_ids_reach_no_detection_export() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let objects = json!([{
    "name": "network-connection", "meta-category": "network", "uuid": "6afacc53-c0b0-4825-a6ee-03c80a00020f",
    "timestamp": "1795132000", "distribution": "5", "Attribute": [
        {"object_relation": "ip-src", "type": "ip-src", "value": "192.0.2.77", "to_ids": true},
        {"object_relation": "ip-dst", "type": "ip-dst", "value": "45.77.10.93", "to_ids": true},
        {"object_relation": "dst-port", "type": "port", "value": "8443", "to_ids": false}
    ]}]);
    let event = search_answer(
        json!([
            attr(1, "ip-dst", "45.77.10.91", true),
            attr(2, "ip-dst", "45.77.10.92", false),
            attr(3, "domain", "benign-cdn.example.jp", false),
            attr(4, "domain", "c2-host.example.jp", true),
        ]),
        objects,
    );
    let r = import(&app, &t, &format!("collection={}", col.id), &event).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ips: &[&str] = &["45.77.10.91", "45.77.10.93"];
    let both: &[&str] = &["45.77.10.91", "45.77.10.93", "c2-host.example.jp"];
    for (format, query, wanted) in [
        ("suricata", "", both),
        ("zeek", "", both),
        ("rpz", "", &["c2-host.example.jp"][..]),
        ("blocklist", "?type=ipv4", ips),
        ("blocklist", "?type=domain", &["c2-host.example.jp"][..]),
        ("csv", "", both),
    ] {
        let e = app
            .api(
                "GET",
                &format!("/api/v1/exports/{format}{query}"),
                Some(&t),
                None,
            )
            .await;
        assert_eq!(e.status, 200, "{format}: {}", e.body);
        // What a device acts on, not the names and descriptions beside it
        // (a connection's name mentions its source).
        let acted_on = detection_values(format, &e.body);
        for absent in ["45.77.10.92", "benign-cdn.example.jp", "192.0.2.77"] {
            assert!(
                !acted_on.iter().any(|v| v == absent),
                "{format} acts on {absent}: {}",
                e.body
            );
        }
        for present in wanted {
            assert!(
                acted_on.iter().any(|v| v == present),
                "{format} lacks {present}: {}",
                e.body
            );
        }
    }
}

/// The values a detection export acts on: Suricata's bracketed addresses
/// and matched contents, the first field of every other format's records
/// (CSV's second, after the type), RPZ owner names without the zone.
fn detection_values(format: &str, body: &str) -> Vec<String> {
    let records = body
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'));
    match format {
        "suricata" => records
            .flat_map(|l| {
                let mut out = Vec::new();
                for part in l.split('[').skip(1) {
                    out.extend(part.split(']').next().map(str::to_owned));
                }
                for part in l.split("content:\"").skip(1) {
                    // `dotprefix` matches are written with their dot.
                    let content = part.split('"').next().unwrap_or_default();
                    out.push(content.trim_start_matches('.').to_owned());
                }
                out
            })
            .collect(),
        "csv" => records
            .skip(1)
            .filter_map(|l| l.split(',').nth(1).map(str::to_owned))
            .collect(),
        "rpz" => records
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| !n.starts_with('$') && !n.starts_with('@'))
            .map(|n| n.trim_start_matches("*.").to_owned())
            .collect(),
        _ => records
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect(),
    }
}

#[tokio::test]
async fn misp_skip_invalid_keeps_the_rest_and_names_each_bad_attribute() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let event = search_answer(
        json!([
            attr(1, "url", "http://dl.evil.example.jp/a.exe", true),
            attr(2, "url", "www.example.top", true),
            attr(3, "url", "expyuzz4wqqyqhjn.onion", true),
        ]),
        json!([]),
    );
    let q = format!("collection={}", col.id);
    let r = import(&app, &t, &q, &event).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        fields,
        [
            "response[0].Event.Attribute[1].value",
            "response[0].Event.Attribute[2].value"
        ]
    );
    assert_eq!(
        id_of(&app, &t, "http://dl.evil.example.jp/a.exe").await,
        None,
        "nothing stored"
    );

    let r = import(&app, &t, &format!("{q}&skip_invalid=true"), &event).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    let skipped: Vec<&str> = j["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(skipped.len(), 2, "{j}");
    assert!(
        skipped[0].starts_with("response[0].Event.Attribute[1]: invalid:"),
        "{j}"
    );
    assert!(
        id_of(&app, &t, "http://dl.evil.example.jp/a.exe")
            .await
            .is_some()
    );
}

#[tokio::test]
async fn misp_distribution_narrows_and_sharing_groups_need_a_community() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let mut own = attr(1, "ip-dst", "198.51.100.101", true);
    own["distribution"] = json!("0");
    let mut group = attr(2, "ip-dst", "198.51.100.102", true);
    group["distribution"] = json!("4");
    group["SharingGroup"] =
        json!({"id": "3", "name": "Council", "uuid": "5d6d3b30-9db0-44b9-8869-7f56a9e0e0f9"});
    let event = search_answer(json!([own, group.clone()]), json!([]));
    let q = format!("collection={}", col.id);
    let r = import(&app, &t, &q, &event).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let narrowed = r.json()["narrowed"].clone();
    assert_eq!(narrowed.as_array().map(Vec::len), Some(2), "{narrowed}");
    assert!(
        narrowed[0]
            .as_str()
            .is_some_and(|n| n.contains("TLP:GREEN raised to TLP:AMBER+STRICT")),
        "{narrowed}"
    );
    let hit = app
        .api(
            "GET",
            "/api/v1/indicators/lookup?value=198.51.100.101",
            Some(&t),
            None,
        )
        .await
        .json();
    assert_eq!(hit["hits"][0]["tlp"], "AMBER+STRICT", "{hit}");
    // Distribution 0 stays in the importing organisation: the council's
    // other member, which reads the sharing-group item, does not read it.
    let nco = app.token(&app.nco, Role::Reporter).await;
    let lookup = |v: &'static str| {
        let (app, nco) = (&app, &nco);
        async move {
            app.api(
                "GET",
                &format!("/api/v1/indicators/lookup?value={v}"),
                Some(nco),
                None,
            )
            .await
            .json()
        }
    };
    let own_hit = lookup("198.51.100.101").await;
    assert_eq!(own_hit["hits"], json!([]), "{own_hit}");
    let group_hit = lookup("198.51.100.102").await;
    assert_eq!(
        group_hit["hits"].as_array().map(Vec::len),
        Some(1),
        "{group_hit}"
    );

    // A group no community is named after: refused, or skipped on request.
    group["SharingGroup"]["name"] = json!("Other ISAC");
    group["value"] = json!("198.51.100.103");
    let event = search_answer(json!([group]), json!([]));
    let r = import(&app, &t, &q, &event).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        r.json()["errors"][0]["field"],
        "response[0].Event.Attribute[0].SharingGroup"
    );
    let r = import(&app, &t, &format!("{q}&skip_invalid=true"), &event).await;
    assert_eq!(r.status, 422, "nothing but its creator left: {}", r.body);
}

#[tokio::test]
async fn misp_sightings_are_counted() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let mut a = attr(1, "domain", "sighted.evil.example.jp", true);
    a["Sighting"] = json!((0..20).map(|i| json!({
        "id": format!("{i}"), "type": "0", "date_sighting": format!("{}", 1_795_133_000 + i),
        "uuid": format!("6c7641bf-a4e8-4d5d-a653-03240a00{i:04}"), "source": "",
        "Organisation": {"id": "1", "uuid": "5c6983c8-3af8-4304-869c-4800d6c1884c", "name": "ORGNAME"}
    })).collect::<Vec<_>>());
    let r = import(
        &app,
        &t,
        &format!("collection={}", col.id),
        &search_answer(json!([a]), json!([])),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = id_of(&app, &t, "sighted.evil.example.jp")
        .await
        .expect("indicator");
    let page = app
        .api("GET", &format!("/api/v1/objects/{id}"), Some(&t), None)
        .await
        .json();
    assert_eq!(page["sightings"]["count"], 20, "{page}");
}
