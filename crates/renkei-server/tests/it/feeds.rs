//! Imports as published feeds and free text arrive, every line accounted
//! for; and TLP:RED with named recipients from every way in, read by the
//! recipients and the sharer and nobody else (on SQLite and PostgreSQL).

use axum::body::Body;
use axum::http::{Request, header};
use renkei_core::Role;
use renkei_core::model::User;
use serde_json::{Value, json};

use crate::support::{PASSWORD, Reply, TestApp, every_backend, hidden};

const URLHAUS: &str = include_str!("../../../renkei-stix/src/lists/testdata/urlhaus.csv");
const THREATFOX: &str = include_str!("../../../renkei-stix/src/lists/testdata/threatfox.csv");

async fn import(app: &TestApp, token: &str, query: &str, body: &str) -> Reply {
    let r = Request::post(format!("/api/v1/imports?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(body.to_owned()))
        .expect("request");
    app.send(r).await
}

/// A token `user` created for their organisation: it acts for them.
async fn personal_token(app: &TestApp, user: &User, role: Role) -> String {
    let secret = format!("rk_{}", renkei_server::http::auth::random_secret());
    app.store
        .create_api_token(
            &app.actor(user).await,
            user.org,
            "mine",
            role,
            &renkei_server::http::auth::secret_hash(&secret),
        )
        .await
        .expect("token");
    secret
}

/// How many indexed values `value` finds for a caller: a user by e-mail
/// (HTTP Basic) or a bearer token.
async fn hits(app: &TestApp, who: &str, value: &str) -> u64 {
    let path = format!("/api/v1/indicators/lookup?value={value}");
    let r = if who.contains('@') {
        app.basic("GET", &path, (who, PASSWORD), None, None).await
    } else {
        app.api("GET", &path, Some(who), None).await
    };
    assert_eq!(r.status, 200, "{who}: {}", r.body);
    r.json()["total"].as_u64().unwrap_or_default()
}

fn counted(j: &Value) {
    let l = &j["lines"];
    let sum: u64 = ["read", "refused", "skipped", "comments", "blank"]
        .iter()
        .map(|k| l[k].as_u64().unwrap_or_default())
        .sum();
    assert_eq!(Some(sum), l["lines"].as_u64(), "{j}");
}

#[tokio::test]
async fn published_feeds_import_as_published() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let q = format!("format=csv&tlp=GREEN&collection={}", col.id);
    let r = import(&app, &t, &q, URLHAUS).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    counted(&j);
    assert_eq!(
        (j["stored"].clone(), j["layout"].clone()),
        (json!(3), json!("urlhaus"))
    );
    assert_eq!(j["skipped_lines"][0]["code"], "duplicate", "{j}");
    // The banner's own site and the rows' links are no indicators.
    for v in [
        "abuse.ch",
        "urlhaus.abuse.ch",
        "https://urlhaus.abuse.ch/api/",
    ] {
        assert_eq!(hits(&app, &t, v).await, 0, "{v}");
    }
    assert_eq!(hits(&app, &t, "http://198.51.100.23:37233/i").await, 1);
    let l = app
        .api(
            "GET",
            "/api/v1/indicators/lookup?value=https://cdn-update.evil-co.example.com/inv/setup.exe",
            Some(&t),
            None,
        )
        .await
        .json();
    let id = l["hits"][0]["id"].as_str().unwrap_or_default().to_owned();
    let obj = app
        .api("GET", &format!("/api/v1/objects/{id}"), Some(&t), None)
        .await
        .body;
    assert!(
        obj.contains("\"RemcosRAT\"") && obj.contains("2026-10-05T09:12:44.000Z"),
        "tags became labels, first seen valid_from: {obj}"
    );

    // Pasted as text, ThreatFox's export is still the feed: ports kept.
    let q = format!("format=text&tlp=GREEN&collection={}", col.id);
    let r = import(&app, &t, &q, THREATFOX).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    counted(&j);
    assert_eq!(
        (j["stored"].clone(), j["layout"].clone()),
        (json!(5), json!("threatfox"))
    );
    assert_eq!(j["skipped_lines"][0]["code"], "unsupported-type", "{j}");
    assert_eq!(hits(&app, &t, "198.51.100.36").await, 1);
}

#[tokio::test]
async fn every_line_is_read_refused_or_skipped_with_its_reason() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let text = "報告書\n\
        C2: 198.51.100.61:443 と tcp://198.51.100.62:4444\n\
        範囲 10.1.2.3/24\n\
        添付は請求書_202512.zip\n\
        \n\
        重複 198.51.100.61:443\n\
        壊れた値 evil[.]-bad-\n";
    let q = format!("format=text&tlp=GREEN&collection={}", col.id);
    let r = import(&app, &t, &q, text).await;
    assert_eq!(
        r.status, 422,
        "the broken line refuses the list: {}",
        r.body
    );
    let r = import(&app, &t, &format!("{q}&skip_invalid=true"), text).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    counted(&j);
    assert_eq!(
        j["lines"],
        json!({"lines": 7, "read": 2, "refused": 1, "skipped": 3, "comments": 0, "blank": 1})
    );
    let notices: Vec<(u64, &str)> = j["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .map(|n| {
            (
                n["line"].as_u64().unwrap_or(0),
                n["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(notices, [(2, "endpoint"), (3, "host-bits")]);
    assert_eq!(j["line_errors"][0]["line"], 7);
    assert_eq!(hits(&app, &t, "198.51.100.62").await, 1, "host of tcp://");
    assert_eq!(hits(&app, &t, "10.1.2.0/24").await, 1);
    // No URL of tcp:// reaches a blocklist.
    let out = app
        .api("GET", "/api/v1/exports/blocklist", Some(&t), None)
        .await;
    assert!(!out.body.contains("tcp://"), "{}", out.body);
}

#[tokio::test]
async fn skip_invalid_skips_an_expired_line_instead_of_refusing_the_list() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let t = app.token(&app.power, Role::Reporter).await;
    let csv = "value,valid_until\n198.51.100.70,2099-01-01\n198.51.100.71,2001-01-01\n";
    let q = format!("format=csv&tlp=GREEN&collection={}", col.id);
    let r = import(&app, &t, &q, csv).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["field"], "valid_until", "{}", r.body);
    let r = import(&app, &t, &format!("{q}&skip_invalid=true"), csv).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["stored"], 1);
    assert_eq!(r.json()["line_errors"][0]["line"], 3);
    // The user names the value column of any other CSV.
    let csv = "; exported\nwhen,host\n2026-10-05,198.51.100.72\n";
    let r = import(
        &app,
        &t,
        &format!("{q}&value_column=host&comment_prefix=%3B"),
        csv,
    )
    .await;
    assert_eq!(
        (r.status, r.json()["stored"].clone()),
        (201, json!(1)),
        "{}",
        r.body
    );
    let r = import(&app, &t, &format!("{q}&value_column=nope"), csv).await;
    assert_eq!(r.json()["field"], "value_column", "{}", r.body);
}

#[tokio::test]
async fn red_imports_reach_the_named_recipients_and_nobody_else() {
    for (backend, app) in every_backend().await {
        let (_, col) = app.council().await;
        let mine = personal_token(&app, &app.power_admin, Role::Reporter).await;
        let orgs = app.token(&app.power, Role::Reporter).await;
        let nco = app.token(&app.nco, Role::Reporter).await;
        let red = format!("format=text&tlp=RED&collection={}", col.id);
        let value = "198.51.100.77";

        // A token nobody created shares in its organisation's name: no RED.
        let r = import(
            &app,
            &orgs,
            &format!("{red}&recipients=admin@nco.example.jp"),
            value,
        )
        .await;
        assert_eq!(
            (r.status, r.json()["code"].clone()),
            (422, json!("red-needs-a-person")),
            "{backend}: {}",
            r.body
        );
        // Unknown recipients refuse the import, all named, storing nothing.
        let r = import(
            &app,
            &mine,
            &format!("{red}&recipients=admin@nco.example.jp,nobody@nowhere.example.jp,99999"),
            value,
        )
        .await;
        assert_eq!(r.status, 422, "{backend}: {}", r.body);
        assert_eq!(r.json()["code"], "recipients-unknown");
        assert!(
            r.body.contains("nobody@nowhere.example.jp") && r.body.contains("99999"),
            "{backend}: {}",
            r.body
        );
        assert!(!r.body.contains("admin@nco"), "only the unknown are named");
        // Recipients name RED's readers, not another level's.
        let green = format!("format=text&tlp=GREEN&collection={}", col.id);
        let r = import(
            &app,
            &mine,
            &format!("{green}&recipients=admin@nco.example.jp"),
            value,
        )
        .await;
        assert_eq!(
            r.json()["code"],
            "recipients-need-red",
            "{backend}: {}",
            r.body
        );
        assert_eq!(
            hits(&app, "admin@power.example.jp", value).await,
            0,
            "{backend}"
        );

        let r = import(
            &app,
            &mine,
            &format!("{red}&recipients=admin@nco.example.jp"),
            value,
        )
        .await;
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        for (who, n) in [
            ("admin@nco.example.jp", 1),
            ("admin@power.example.jp", 1),
            ("viewer@power.example.jp", 0),
            (orgs.as_str(), 0),
            (nco.as_str(), 0),
            (mine.as_str(), 0),
        ] {
            let who_label = if who.contains('@') { who } else { "a token" };
            assert_eq!(hits(&app, who, value).await, n, "{backend}: {who_label}");
        }

        // A GREEN MISP event with one RED attribute: the RED one reaches the
        // recipient (by user id) and the sharer; the GREEN one the community.
        let event = json!({"Event": {
            "info": "mixed", "date": "2026-10-05", "timestamp": "1791100000",
            "uuid": "7e2b6f8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            "Tag": [{"name": "tlp:green"}],
            "Attribute": [
                {"type": "ip-dst", "value": "198.51.100.80", "to_ids": true,
                 "uuid": "8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "timestamp": "1791100000"},
                {"type": "ip-dst", "value": "198.51.100.81", "to_ids": true,
                 "uuid": "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "timestamp": "1791100000",
                 "Tag": [{"name": "tlp:red"}]}
            ]
        }});
        let q = format!(
            "format=misp&collection={}&recipients={}",
            col.id, app.nco_admin.id.0
        );
        let r = import(&app, &orgs, &q, &event.to_string()).await;
        assert_eq!(
            r.status, 422,
            "{backend}: a token nobody created: {}",
            r.body
        );
        assert!(
            r.body.contains("shared by a person"),
            "{backend}: {}",
            r.body
        );
        let r = import(&app, &mine, &q, &event.to_string()).await;
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        for (who, green, red) in [
            ("admin@nco.example.jp", 1, 1),
            ("admin@power.example.jp", 1, 1),
            ("viewer@power.example.jp", 1, 0),
            (nco.as_str(), 1, 0),
        ] {
            assert_eq!(hits(&app, who, "198.51.100.80").await, green, "{backend}");
            assert_eq!(hits(&app, who, "198.51.100.81").await, red, "{backend}");
        }

        // The portal: a signed-in person names the recipient by e-mail.
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get("/intel/share", &power).await;
        assert!(page.body.contains("name=\"recipients\""), "{backend}");
        let r = app
            .post_form(
                "/intel/share",
                &power,
                &[
                    ("csrf", &hidden(&page.body, "csrf")),
                    ("values", "198.51.100.90"),
                    ("collection", &col.id),
                    ("tlp", "RED"),
                    ("recipients", "admin@nco.example.jp"),
                    ("key", &hidden(&page.body, "key")),
                    ("step", "confirm"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{backend}: {}", r.body);
        assert_eq!(hits(&app, "admin@nco.example.jp", "198.51.100.90").await, 1);
        assert_eq!(
            hits(&app, "viewer@power.example.jp", "198.51.100.90").await,
            0
        );
        let r = app
            .post_form(
                "/intel/share",
                &power,
                &[
                    ("csrf", &hidden(&page.body, "csrf")),
                    ("values", "198.51.100.91"),
                    ("collection", &col.id),
                    ("tlp", "RED"),
                    ("recipients", "ghost@nowhere.example.jp"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{backend}: {}", r.body);
        assert!(r.body.contains("ghost@nowhere.example.jp"), "{backend}");
    }
}

/// The portal's import form, with `fields` beside the file.
async fn upload(app: &TestApp, cookie: &str, fields: &[(&str, &str)], file: &str) -> Reply {
    app.import_form(cookie, fields, Some(file)).await
}

#[tokio::test]
async fn the_portal_import_form_reports_every_line_and_shares_red_to_named_people() {
    let app = TestApp::new().await;
    let (_, col) = app.council().await;
    let power = app
        .login("admin@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let csrf = hidden(&app.get("/intel/import", &power).await.body, "csrf");
    let base = [
        ("csrf", csrf.as_str()),
        ("collection", col.id.as_str()),
        ("format", "csv"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, &str)> = base.to_vec();
        v.extend_from_slice(extra);
        v
    };
    let drop = include_str!("../../../renkei-stix/src/lists/testdata/drop.txt");
    let r = upload(&app, &power, &with(&[("tlp", "GREEN")]), drop).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("読み取り形式: Spamhaus DROP")
            && r.body.contains(
                "全 7 行: 読み取り 3 行、拒否 0 行、スキップ 0 行、コメント・見出し 4 行"
            ),
        "{}",
        r.body
    );
    // A network with host bits set is read with a notice for its line; the
    // user's value column and comment prefix read another layout.
    let csv = "; firewall export\nwhen,destination\n2026-10-05,10.1.2.3/24\n";
    let r = upload(
        &app,
        &power,
        &with(&[
            ("tlp", "GREEN"),
            ("value_column", "destination"),
            ("comment_prefix", ";"),
        ]),
        csv,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("id=\"line-notices\"")
            && r.body.contains(
                "10.1.2.3&#x2f;24 はホスト部が 0 ではありません。ネットワーク 10.1.2.0&#x2f;24"
            ),
        "{}",
        r.body
    );
    // TLP:RED from the import form, to a person named by e-mail (outside
    // the DROP networks above, which a look-up of an address also finds).
    let r = upload(
        &app,
        &power,
        &[
            ("csrf", &csrf),
            ("collection", &col.id),
            ("format", "text"),
            ("tlp", "RED"),
            ("recipients", "admin@nco.example.jp"),
        ],
        "C2 203.0.113.10\n",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The preview names the one person who will read it (and the sharer).
    assert!(
        r.body.contains("閲覧できるのは: 次の 2 人だけです"),
        "{}",
        r.body
    );
    let r = crate::import_form::confirm(&app, &power, &r).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(hits(&app, "admin@nco.example.jp", "203.0.113.10").await, 1);
    assert_eq!(
        hits(&app, "viewer@power.example.jp", "203.0.113.10").await,
        0
    );
}
