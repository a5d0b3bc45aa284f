//! STIX as others write it, over TAXII, REST and the portal: identifiers
//! with upper-case hex, custom properties (MITRE ATT&CK's), binary values,
//! objects repeated in one request, STIX 2.0 refused with one answer, and
//! the TLP 2.0 marking definitions every collection serves.

use axum::body::Body;
use axum::http::{Request, header};
use renkei_core::{Role, Tlp};
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, hidden};
use crate::taxii::{TAXII, world};

/// An infrastructure and a relationship as OASIS's
/// `examples/infrastructure.json` (cti-stix2-json-schemas) writes them,
/// the relationship's id with upper-case hex.
fn oasis_infrastructure() -> Vec<Value> {
    vec![
        json!({"created": "2016-11-22T09:22:30.000Z",
               "id": "infrastructure--d09c50cf-5bab-465e-9e2d-543912148b73",
               "infrastructure_types": ["hosting-target-lists"], "labels": ["target-list-hosting"],
               "modified": "2016-11-22T09:22:30.000Z", "name": "Example target-list-hosting",
               "type": "infrastructure", "spec_version": "2.1"}),
        json!({"created": "2016-11-23T10:42:39.000Z",
               "id": "relationship--81f12913-1372-4c96-85ec-E9034ac98aba",
               "modified": "2016-11-23T10:42:39.000Z", "relationship_type": "consists-of",
               "source_ref": "infrastructure--d09c50cf-5bab-465e-9e2d-543912148b73",
               "target_ref": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
               "type": "relationship", "spec_version": "2.1"}),
    ]
}

const REL: &str = "relationship--81f12913-1372-4c96-85ec-e9034ac98aba";
const REL_UPPER: &str = "relationship--81F12913-1372-4C96-85EC-E9034AC98ABA";

#[tokio::test]
async fn upper_case_ids_are_stored_in_lower_case_and_found_in_either() {
    let w = world(|_| {}).await;
    let st = w.add(oasis_infrastructure()).await;
    assert_eq!(st["success_count"], 2, "{st}");
    assert_eq!(st["successes"][1]["id"], REL, "{st}");
    let objects = format!("{}collections/{}/objects/", w.root, w.col);
    for path in [
        format!("{objects}{REL_UPPER}/"),
        format!("{objects}{REL}/"),
        format!("{objects}?match[id]={REL_UPPER}"),
    ] {
        let r = w.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(r.json()["objects"][0]["id"], REL, "{path}");
    }
    let v = w.get(&format!("{objects}{REL_UPPER}/versions/")).await;
    assert_eq!(v.json()["versions"], json!(["2016-11-23T10:42:39.000Z"]));
    assert_eq!(w.delete(&format!("{objects}{REL_UPPER}/")).await, 200);
    assert_eq!(w.get(&format!("{objects}{REL}/")).await.status, 404);
    // The REST object page too.
    let path = "/api/v1/objects/infrastructure--D09C50CF-5BAB-465E-9E2D-543912148B73";
    let r = w.app.api("GET", path, Some(&w.token), None).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Objects shaped like MITRE ATT&CK's ICS bundle (attack-stix-data v18):
/// a data component whose `x_mitre_data_source_ref` is empty, and a
/// detection strategy with custom `_refs`.
fn attack_objects() -> Vec<Value> {
    vec![
        json!({"type": "x-mitre-data-component", "spec_version": "2.1",
               "id": "x-mitre-data-component--3d20385b-24ef-40e1-9f56-f39750379077",
               "created": "2021-10-20T15:05:19.272Z", "modified": "2025-11-12T22:03:39.105Z",
               "created_by_ref": "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5", "revoked": false,
               "external_references": [{"source_name": "mitre-attack", "external_id": "DC0032",
                   "url": "https://attack.mitre.org/datacomponents/DC0032"}],
               "object_marking_refs": ["marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"],
               "name": "Process Creation", "description": "A new process is initialized.",
               "x_mitre_data_source_ref": "", "x_mitre_deprecated": false,
               "x_mitre_modified_by_ref": "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
               "x_mitre_domains": ["ics-attack", "enterprise-attack"], "x_mitre_version": "2.0",
               "x_mitre_attack_spec_version": "3.3.0",
               "x_mitre_log_sources": [{"name": "auditd:SYSCALL", "channel": "execve"}]}),
        json!({"type": "x-mitre-detection-strategy", "spec_version": "2.1",
               "id": "x-mitre-detection-strategy--0f2e4927-401d-430e-96ed-90feb8df1b03",
               "created": "2025-10-21T15:10:28.402Z", "modified": "2025-10-21T15:10:28.402Z",
               "created_by_ref": "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
               "object_marking_refs": ["marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"],
               "name": "Detection of Exploitation for Privilege Escalation",
               "x_mitre_analytic_refs": ["x-mitre-analytic--b6fb91d0-28f6-447d-ba25-e7b26116ebfe"],
               "x_mitre_domains": ["ics-attack"], "x_mitre_version": "1.0", "x_mitre_deprecated": false}),
    ]
}

fn bundle(objects: Vec<Value>) -> Value {
    json!({"type": "bundle", "id": "bundle--8352dcda-1d46-4824-9907-f4bea2e89602", "objects": objects})
}

async fn import(app: &TestApp, token: &str, query: &str, body: &Value) -> crate::support::Reply {
    let r = Request::post(format!("/api/v1/imports?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(r).await
}

/// A STIX 2.0 bundle as MISP's own exporter writes it (misp-stix,
/// `documentation/misp_events_to_stix20.md`).
fn misp_stix20() -> Value {
    json!({
        "type": "bundle", "id": "bundle--a89e43b6-601d-43b4-b040-d7cf04ba0c37", "spec_version": "2.0",
        "objects": [
            {"type": "identity", "id": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "name": "MISP-Project", "identity_class": "organization"},
            {"type": "report", "id": "report--a6ef17d6-91cb-4a05-b10b-2f045daf874c",
             "created_by_ref": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "name": "MISP-STIX-Converter test event", "published": "2020-10-25T16:22:00Z",
             "object_refs": ["indicator--91ae1a5d-7e4e-4b0c-a1a2-d3c1d6e0f3b4"],
             "labels": ["Threat-Report", "misp:tool=\"MISP-STIX-Converter\""]},
            {"type": "indicator", "id": "indicator--91ae1a5d-7e4e-4b0c-a1a2-d3c1d6e0f3b4",
             "created_by_ref": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "pattern": "[ipv4-addr:value = '198.51.100.7']", "valid_from": "2020-10-25T16:22:00Z",
             "kill_chain_phases": [{"kill_chain_name": "misp-category", "phase_name": "Network activity"}],
             "labels": ["misp:type=\"ip-dst\"", "misp:category=\"Network activity\"", "misp:to_ids=\"True\""]}
        ]
    })
}

#[tokio::test]
async fn rest_imports_take_attack_refuse_stix20_and_bad_binaries() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let q = format!("format=stix&collection={}", col.id);
    let r = import(&app, &t, &q, &bundle(attack_objects())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["stored"], 2);

    // STIX 2.0: one answer with a stable code, on both endpoints.
    for path in [
        format!("/api/v1/imports?{q}"),
        format!("/api/v1/collections/{}/bundles", col.id),
    ] {
        let r = app.api("POST", &path, Some(&t), Some(misp_stix20())).await;
        assert_eq!(r.status, 422, "{}", r.body);
        let j = r.json();
        assert_eq!(j["code"], "stix-2-0-not-accepted", "{j}");
        assert!(
            j["detail"].as_str().is_some_and(
                |d| d.starts_with("STIX 2.0 is not accepted") && d.contains("stix_stepper")
            ),
            "{j}"
        );
        assert!(j.get("errors").is_none(), "no list of 2.1 errors: {j}");
    }

    // A bad binary, named by its path; nothing stored.
    let artifact = json!({"type": "artifact", "spec_version": "2.1",
        "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641",
        "mime_type": "application/zip", "payload_bin": "UEsDBAoAAAAAAA=!"});
    let r = import(&app, &t, &q, &bundle(vec![artifact])).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], "payload_bin", "{}", r.body);

    // Exact repeats are stored once and counted.
    let ip = json!({"type": "ipv4-addr", "spec_version": "2.1",
        "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"});
    let r = import(&app, &t, &q, &bundle(vec![ip.clone(), ip])).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.json()["stored"].as_i64(), r.json()["duplicates"].as_i64()),
        (Some(1), Some(1))
    );
}

#[tokio::test]
async fn taxii_refuses_stix20_whole_and_settles_repeats_per_object() {
    let w = world(|_| {}).await;
    let objects = misp_stix20()["objects"].clone();
    let r = w
        .post(&json!({ "objects": objects }).to_string(), TAXII)
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.headers["content-type"], TAXII);
    let j = r.json();
    assert_eq!(j["error_code"], "stix-2-0-not-accepted", "{j}");
    assert!(
        j["description"]
            .as_str()
            .is_some_and(|d| d.contains("stix_stepper"))
    );

    let ip = |value: &str| {
        json!({"type": "ipv4-addr", "spec_version": "2.1",
               "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": value})
    };
    let url = |value: &str| {
        json!({"type": "url", "spec_version": "2.1",
               "id": "url--c1477287-23ac-5971-a010-5c287877fa60", "value": value})
    };
    let st = w
        .add(vec![
            ip("198.51.100.3"),
            url("https://a.example/"),
            ip("198.51.100.3"),
            url("https://b.example/"),
        ])
        .await;
    assert_eq!(
        (
            st["total_count"].as_i64(),
            st["success_count"].as_i64(),
            st["failure_count"].as_i64()
        ),
        (Some(4), Some(2), Some(2)),
        "{st}"
    );
    let said = st["successes"][1]["message"].as_str().unwrap_or_default();
    assert!(said.contains("objects[2] repeats objects[0]"), "{st}");
    for f in st["failures"].as_array().expect("failures") {
        let m = f["message"].as_str().unwrap_or_default();
        assert!(m.contains("objects[1], objects[3]"), "{st}");
    }
    let got = w
        .get(&format!(
            "{}collections/{}/objects/?match[type]=url,ipv4-addr",
            w.root, w.col
        ))
        .await
        .json();
    assert_eq!(got["objects"].as_array().map(Vec::len), Some(1), "{got}");
}

/// Every collection serves the five TLP 2.0 marking definitions, exactly
/// the specification's (renkei-stix `tlp_marking_object`); a member's add
/// of one stores nothing and says so; nobody deletes them.
#[tokio::test]
async fn collections_serve_the_tlp_marking_definitions() {
    let w = world(|_| {}).await;
    let objects = format!("{}collections/{}/objects/", w.root, w.col);
    for t in Tlp::ALL {
        let spec = renkei_stix::marking::tlp_marking_object(t);
        let id = spec["id"].as_str().expect("id");
        let r = w.get(&format!("{objects}{id}/")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["objects"], json!([spec]), "{t:?}");
    }
    let manifest = w
        .get(&format!("{}collections/{}/manifest/", w.root, w.col))
        .await
        .json();
    assert_eq!(
        manifest["objects"].as_array().map(Vec::len),
        Some(5),
        "{manifest}"
    );
    // A viewer reads them too (TLP:CLEAR).
    let viewer = w.app.token(&w.app.nco, Role::Viewer).await;
    let r = Request::get(format!("{objects}?match[type]=marking-definition"))
        .header("accept", TAXII)
        .header("authorization", format!("Bearer {viewer}"));
    let r = w.app.send(r.body(Body::empty()).expect("req")).await;
    assert_eq!(r.json()["objects"].as_array().map(Vec::len), Some(5));

    let green = renkei_stix::marking::tlp_marking_object(Tlp::Green);
    let id = green["id"].as_str().expect("id").to_owned();
    let st = w.add(vec![green]).await;
    assert_eq!(st["success_count"], 1, "{st}");
    assert!(
        st["successes"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("every collection holds")),
        "{st}"
    );
    let versions = w.get(&format!("{objects}{id}/versions/")).await.json();
    assert_eq!(
        versions["versions"],
        json!(["2022-10-01T00:00:00.000Z"]),
        "one line"
    );
    let all = w
        .get(&format!("{objects}{id}/?match[version]=all"))
        .await
        .json();
    assert_eq!(all["objects"].as_array().map(Vec::len), Some(1), "{all}");
    assert_eq!(w.delete(&format!("{objects}{id}/")).await, 404);
    assert_eq!(w.get(&format!("{objects}{id}/")).await.status, 200);
}

/// The portal answers STIX 2.0 in the reader's language.
#[tokio::test]
async fn the_portal_answers_stix20_in_its_language() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let csrf = hidden(&app.get("/intel/import", &power).await.body, "csrf");
    let fields = [
        ("csrf", csrf.as_str()),
        ("collection", col.id.as_str()),
        ("format", "stix"),
        ("tlp", ""),
    ];
    let r = app
        .import_form(&power, &fields, Some(&misp_stix20().to_string()))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("STIX 2.0 は受け付けていません"),
        "{}",
        r.body
    );
    assert!(r.body.contains("stix_stepper"), "{}", r.body);
}
