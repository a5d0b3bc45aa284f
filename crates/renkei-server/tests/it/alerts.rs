//! Alerts over REST, the portal and TAXII: issued as a STIX report with
//! indicators and courses of action, confirmed by recipients only,
//! relayed by a prefecture and forwarded to a town's vendor; an
//! organisation outside the audience reads it through no path.

use axum::body::Body;
use axum::http::Request;
use renkei_core::model::{NewOrg, Org};
use renkei_core::{Actor, OrgKind, Prefecture, Role, Sector, SupplyLink};
use serde_json::{Value, json};

use crate::support::TestApp;

const TAXII: &str = "application/taxii+json;version=2.1";

async fn org(app: &TestApp, name: &str, kind: OrgKind, sector: &str, pref: Option<i64>) -> Org {
    app.store
        .create_org(
            &Actor::system("test"),
            NewOrg {
                name_ja: name.into(),
                name_en: name.into(),
                kind,
                sector: Some(Sector::parse(sector).expect("sector")),
                prefecture: pref.map(|p| Prefecture::from_code(p).expect("pref")),
            },
        )
        .await
        .expect("org")
}

async fn taxii_ids(app: &TestApp, root: &str, col: &str, token: &str) -> (u16, Vec<String>) {
    let r = Request::get(format!("{root}collections/{col}/objects/"))
        .header("accept", TAXII)
        .header("authorization", format!("Bearer {token}"));
    let r = app.send(r.body(Body::empty()).expect("req")).await;
    if r.status != 200 {
        return (r.status, Vec::new());
    }
    let ids = r.json()["objects"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (200, ids)
}

#[tokio::test]
async fn an_alert_is_published_confirmed_relayed_and_forwarded() {
    for (name, app) in crate::support::every_backend().await {
        published_confirmed_relayed(&app).await;
        eprintln!("alerts over REST, TAXII and the portal passed on {name}");
    }
}

async fn published_confirmed_relayed(app: &TestApp) {
    let (council, col) = app.council().await;
    let sys = Actor::system("test");
    let pref = org(
        app,
        "静岡県",
        OrgKind::LocalGovernment,
        "local_government",
        Some(22),
    )
    .await;
    let town = org(
        app,
        "みどり町",
        OrgKind::LocalGovernment,
        "local_government",
        Some(22),
    )
    .await;
    let vendor = org(app, "保守社", OrgKind::Supplier, "it_services", None).await;
    let outsider = org(app, "部外者", OrgKind::Operator, "finance", None).await;
    app.store
        .set_prefectural_government(&sys, pref.id, true)
        .await
        .expect("pref gov");
    app.store
        .add_supply_link(&sys, SupplyLink::new(town.id, vendor.id, 1).expect("link"))
        .await
        .expect("link");
    let nco = app.token(&app.nco, Role::Reporter).await;
    let power = app.token(&app.power, Role::Reporter).await;
    let t_pref = app.token(&pref, Role::Reporter).await;
    let t_town = app.token(&town, Role::Reporter).await;
    let t_vendor = app.token(&vendor, Role::Reporter).await;
    let t_out = app.token(&outsider, Role::Reporter).await;

    // -- bad input: the field named, nothing stored --------------------------
    let body = |tlp: &str, steps: Value| {
        json!({
            "title": "VPN 機器の脆弱性",
            "summary": "攻撃が続いています。",
            "steps": steps,
            "indicators": ["198.51.100.7", "evil-update.example.jp"],
            "tlp": tlp,
            "audience": {"orgs": [pref.id.0, town.id.0]},
            "collection": col.id,
            // Source reports are checked against the report rule (an API
            // token never reads reports): tests/it/reports.rs names them.
            "source_reports": [],
        })
    };
    let r = app
        .api(
            "POST",
            "/api/v1/alerts",
            Some(&nco),
            Some(body("PURPLE", json!(["更新する"]))),
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
            "/api/v1/alerts",
            Some(&nco),
            Some(body("AMBER", json!([]))),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["field"].as_str()),
        (422, Some("steps")),
        "{}",
        r.body
    );
    let mut bad = body("AMBER", json!(["更新する"]));
    bad["indicators"] = json!(["not a value at all"]);
    let r = app
        .api("POST", "/api/v1/alerts", Some(&nco), Some(bad))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app.api("GET", "/api/v1/alerts", Some(&nco), None).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(0), "nothing stored");

    // -- published: a STIX report with indicators and courses of action -----
    let r = app
        .api(
            "POST",
            "/api/v1/alerts",
            Some(&nco),
            Some(body(
                "AMBER",
                json!(["ファームウェアを更新する", "ログを確認する"]),
            )),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let alert = r.json();
    let id = alert["id"].as_i64().expect("id");
    let report = alert["stix_report_id"]
        .as_str()
        .expect("report id")
        .to_owned();
    assert!(report.starts_with("report--"));
    assert_eq!(alert["source_reports"], json!([]));
    assert_eq!(
        alert["indicators"][1]["pattern"],
        "[domain-name:value = 'evil-update.example.jp']"
    );

    // The town (a council member in the audience) reads the report over
    // TAXII; a member outside the audience does not.
    let m = app
        .store
        .add_membership(&sys, council.id, town.id)
        .await
        .expect("member");
    let town_admin = app
        .store
        .create_user(
            &sys,
            renkei_core::model::NewUser {
                org: town.id,
                email: renkei_core::Email::parse("admin@town.example.jp").expect("email"),
                display_name: "町".into(),
                role: Role::Admin,
                password_hash: renkei_server::http::auth::hash_password(crate::support::PASSWORD)
                    .expect("hash"),
            },
        )
        .await
        .expect("user");
    app.store
        .accept_terms(&app.actor(&town_admin).await, m.id)
        .await
        .expect("accept");
    let root = format!("/taxii2/community-{}/", council.id);
    let (status, ids) = taxii_ids(app, &root, &col.id, &t_town).await;
    assert_eq!(status, 200);
    assert!(ids.contains(&report), "{ids:?}");
    assert!(ids.iter().any(|i| i.starts_with("course-of-action--")));
    let (_, ids) = taxii_ids(app, &root, &col.id, &power).await;
    assert!(!ids.contains(&report), "outside the audience: {ids:?}");
    let (status, ids) = taxii_ids(app, &root, &col.id, &t_out).await;
    assert!(status != 200 || !ids.contains(&report), "{status} {ids:?}");

    // -- outside the audience: not found through REST and the portal ---------
    for t in [&power, &t_out, &t_vendor] {
        let r = app
            .api("GET", &format!("/api/v1/alerts/{id}"), Some(t), None)
            .await;
        assert_eq!(r.status, 404, "{}", r.body);
        let r = app.api("GET", "/api/v1/alerts", Some(t), None).await;
        assert_eq!(r.json().as_array().map(Vec::len), Some(0), "{}", r.body);
    }
    let power_cookie = app
        .login("admin@power.example.jp", crate::support::PASSWORD)
        .await
        .expect("login");
    let page = app.get(&format!("/alerts/{id}"), &power_cookie).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("VPN 機器の脆弱性"));
    let r = app
        .api("GET", "/api/v1/alerts/999999", Some(&nco), None)
        .await;
    assert_eq!(r.status, 404);

    // -- confirmations ----------------------------------------------------------
    let put = |t: &str, status: &str, reason: Option<&str>| {
        let t = t.to_owned();
        let b = json!({"status": status, "reason": reason});
        async move {
            app.api(
                "PUT",
                &format!("/api/v1/alerts/{id}/status"),
                Some(&t),
                Some(b),
            )
            .await
        }
    };
    let r = put(&t_town, "not_applicable", None).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str()),
        (422, Some("alert-reason-required"))
    );
    let r = put(&power, "confirmed", None).await;
    assert_eq!(r.status, 404, "not a recipient");
    let r = put(&t_town, "confirmed", None).await;
    assert_eq!(
        (r.status, r.json()["status"].as_str()),
        (200, Some("confirmed")),
        "{}",
        r.body
    );
    let r = app
        .api(
            "GET",
            &format!("/api/v1/alerts/{id}/recipients"),
            Some(&t_town),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "the issuer's table only");
    let r = app
        .api(
            "GET",
            &format!("/api/v1/alerts/{id}/recipients"),
            Some(&nco),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let table = r.json();
    assert_eq!(
        (table["total"].as_u64(), table["unconfirmed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(table["groups"][0]["sector"], "local_government");
    assert_eq!(table["groups"][0]["prefecture"], 22);
    let r = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{id}/reminders"),
            Some(&nco),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["reminded"].clone()),
        (201, json!([pref.id.0]))
    );
    let r = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{id}/reminders"),
            Some(&t_pref),
            None,
        )
        .await;
    assert_eq!(r.status, 404);

    // -- relay and forward --------------------------------------------------------
    let relay_body =
        json!({"vendor": "保守社 054-000-0000", "deadline": "2026-12-25", "note": "県へ報告"});
    let r = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{id}/relays"),
            Some(&t_town),
            Some(relay_body.clone()),
        )
        .await;
    assert_eq!(r.status, 404, "a town is no prefectural government");
    let mut wider = relay_body.clone();
    wider["orgs"] = json!([app.power.id.0]);
    let r = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{id}/relays"),
            Some(&t_pref),
            Some(wider),
        )
        .await;
    assert_eq!(r.status, 404, "not one of the prefecture's municipalities");
    let r = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{id}/relays"),
            Some(&t_pref),
            Some(relay_body),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let relay = r.json();
    let relay_id = relay["id"].as_i64().expect("relay id");
    assert_eq!(
        (relay["kind"].as_str(), relay["tlp"].as_str()),
        (Some("relay"), Some("AMBER"))
    );
    assert_eq!(relay["local"]["deadline"], "2026-12-25");
    let r = app
        .api(
            "POST",
            &format!("/api/v1/alerts/{relay_id}/forwards"),
            Some(&t_town),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let fwd = r.json()["id"].as_i64().expect("forward id");
    let r = app
        .api(
            "GET",
            &format!("/api/v1/alerts/{fwd}"),
            Some(&t_vendor),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["kind"].as_str()),
        (200, Some("forward")),
        "{}",
        r.body
    );
    for other in [id, relay_id] {
        let r = app
            .api(
                "GET",
                &format!("/api/v1/alerts/{other}"),
                Some(&t_vendor),
                None,
            )
            .await;
        assert_eq!(r.status, 404);
    }
    // The forward is audited.
    let audited = app
        .store
        .list_audit(
            &sys,
            renkei_store::AuditQuery {
                org: None,
                before_seq: None,
                limit: 500,
            },
        )
        .await
        .expect("audit");
    assert!(audited.iter().any(|e| e.action == "alert.forward"));
}

#[tokio::test]
async fn the_portal_issues_an_alert_and_a_recipient_confirms_it() {
    let app = TestApp::new().await;
    let (_, _col) = app.council().await;
    let nco = app
        .login("admin@nco.example.jp", crate::support::PASSWORD)
        .await
        .expect("login");
    let csrf = app.csrf(&nco).await;
    let editor = app.get("/alerts/new", &nco).await;
    assert_eq!(editor.status, 200, "{}", editor.body);
    assert!(
        editor.body.contains("name=\"tlp\""),
        "TLP chosen explicitly"
    );
    let power = app.power.id.0.to_string();
    let audience = format!("org:{power}");
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("title", "制御機器の脆弱性"),
        ("summary", "至急確認してください。"),
        ("steps", "機器を特定する\nパッチを適用する"),
        ("indicators", "203.0.113.9"),
        ("audience", audience.as_str()),
    ];
    // No TLP chosen: refused naming it, nothing issued.
    let r = app.post_form("/alerts", &nco, &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("制御機器の脆弱性"), "the form is kept");
    assert!(
        app.store
            .list_alerts(&app.actor(&app.nco_admin).await, 10)
            .await
            .expect("list")
            .is_empty()
    );
    form.push(("tlp", "AMBER"));
    let r = app.post_form("/alerts", &nco, &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let at = r.location().to_owned();
    assert!(at.ends_with("?ok=issued"), "{at}");
    let id: i64 = at
        .trim_start_matches("/alerts/")
        .split('?')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("alert id");
    let page = app.get(&format!("/alerts/{id}"), &nco).await;
    assert!(page.body.contains("id=\"recipients\"") && page.body.contains("未確認"));

    // The recipient confirms from its list.
    let pw = app
        .login("admin@power.example.jp", crate::support::PASSWORD)
        .await
        .expect("login");
    let list = app.get("/alerts", &pw).await;
    assert!(list.body.contains("制御機器の脆弱性"), "{}", list.body);
    let csrf = app.csrf(&pw).await;
    let r = app
        .post_form(
            &format!("/alerts/{id}/status"),
            &pw,
            &[
                ("csrf", csrf.as_str()),
                ("status", "not_applicable"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "a reason is required");
    let r = app
        .post_form(
            &format!("/alerts/{id}/status"),
            &pw,
            &[("csrf", csrf.as_str()), ("status", "done")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = app.get(&format!("/alerts/{id}"), &nco).await;
    assert!(page.body.contains("対応済み"), "the issuer sees it");
    // The recipient sees no recipients' table.
    let page = app.get(&format!("/alerts/{id}"), &pw).await;
    assert!(!page.body.contains("id=\"recipients\""));
}
