//! Filing over REST: one incident under three regimes, each with its own
//! clocks and pre-filled forms; a version refused field by field and
//! nothing kept; versions kept byte for byte with their SHA-256; files
//! checked by their content; the recipients' queue, state, thread, tasks
//! and timeline; notices; and nobody else reading any of it.

use renkei_core::model::NewOrg;
use renkei_core::{Actor, OrgKind, Role, Sector};
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{PASSWORD, Reply, TestApp, every_backend};

/// A ransomware flash report's values under the Act (all required items).
fn ransomware(aware: &str) -> Value {
    json!({
        "report-category": "flash",
        "operator": "東都電力",
        "sector": "電力",
        "contact": "情報セキュリティ室 03-0000-0000",
        "aware-at": aware,
        "incident-overview": "ファイルサーバが暗号化された。",
        "affected-computer": ["本社ファイルサーバ"],
        "response-taken": "ネットワークから切り離した。",
        "ransom-note": "README-RESTORE.txt",
        "indicators": ["185.220.101.47"],
    })
}

/// A REST call as a person (tokens never administer, and a recipient's
/// reports are read by its administrators and analysts).
async fn as_user(
    app: &TestApp,
    email: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Reply {
    app.basic(method, path, (email, PASSWORD), body, None).await
}

const NCO: &str = "admin@nco.example.jp";

async fn bind_all(app: &TestApp) {
    for (p, r) in [
        ("jp-cyber-response", "competent-minister"),
        ("jp-cyber-response", "national-office"),
        ("eu-nis2", "csirt"),
    ] {
        let b = json!({"profile": p, "recipient": r, "org_id": app.nco.id.0});
        let got = as_user(app, NCO, "POST", "/api/v1/report-bindings", Some(b)).await;
        assert_eq!(got.status, 201, "{}", got.body);
    }
    let b = json!({"profile": "eu-nis2", "recipient": "nobody", "org_id": app.nco.id.0});
    let got = as_user(app, NCO, "POST", "/api/v1/report-bindings", Some(b)).await;
    assert_eq!(
        (got.status, got.json()["field"].clone()),
        (400, json!("recipient"))
    );
    let b = json!({"profile": "eu-nis2", "recipient": "csirt", "org_id": app.power.id.0});
    let power = "admin@power.example.jp";
    let got = as_user(app, power, "POST", "/api/v1/report-bindings", Some(b)).await;
    assert_eq!(got.status, 403, "only platform administrators bind");
}

async fn other_operator(app: &TestApp) -> String {
    let org = app
        .store
        .create_org(
            &Actor::system("test"),
            NewOrg {
                name_ja: "西都ガス".into(),
                name_en: "Saito Gas".into(),
                kind: OrgKind::Operator,
                sector: Some(Sector::parse("gas").expect("sector")),
                prefecture: None,
            },
        )
        .await
        .expect("org");
    app.token(&org, Role::Reporter).await
}

#[tokio::test]
async fn an_incident_is_filed_once_under_three_regimes_and_versions_keep_their_bytes() {
    for (backend, app) in every_backend().await {
        bind_all(&app).await;
        let reporter = app.token(&app.power, Role::Reporter).await;
        let aware = "2026-12-01T09:00:00+09:00";
        let body = json!({
            "title": "ランサムウェア感染",
            "awareness": aware,
            "common": {"organisation-name": "東都電力", "summary": "ファイルサーバが暗号化された。"},
            "regimes": ["jp-cyber-response", "jp-appi-leak", "eu-nis2"],
            "consent": {"national": false, "sanitised": true},
        });
        let got = app
            .api("POST", "/api/v1/incidents", Some(&reporter), Some(body))
            .await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let incident = got.json();
        let reports = incident["reports"].as_array().expect("reports");
        assert_eq!(reports.len(), 3);
        // Each regime keeps its own clock: the Act's flash report 24 h
        // (provisional), NIS2's early warning 24 h, APPI's flash in days.
        let jp = &reports[0];
        assert_eq!(jp["profile"], "jp-cyber-response");
        assert_eq!(jp["clocks"][0]["stage"], "flash");
        assert_eq!(jp["clocks"][0]["due"], "2026-12-02T00:00:00Z");
        let nis2 = &reports[2];
        assert_eq!(nis2["clocks"][0]["due"], "2026-12-02T00:00:00Z");
        assert_eq!(reports[1]["clocks"][0]["stage"], "flash");
        assert!(
            reports[1]["clocks"][0]["last_day"].is_string(),
            "{}",
            reports[1]
        );
        // The common description pre-fills each regime's forms.
        let pre = incident["prefilled"].to_string();
        assert!(pre.contains("東都電力"), "{backend}: {pre}");
        let id = jp["id"].as_i64().expect("id");

        // A version with a missing item and a wrong choice: refused, each
        // field named, nothing kept.
        let mut bad = ransomware(aware);
        bad.as_object_mut().expect("obj").remove("contact");
        bad["report-category"] = json!("urgent");
        let send = json!({"stage": "flash", "form": "ransomware", "values": bad});
        let path = format!("/api/v1/reports/{id}/versions");
        let got = app.api("POST", &path, Some(&reporter), Some(send)).await;
        assert_eq!(got.status, 400, "{backend}: {}", got.body);
        let err = got.json();
        assert_eq!(err["code"], "report-values-invalid");
        let fields: Vec<String> = err["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["field"].as_str().unwrap_or(""),
                    e["code"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert!(
            fields.contains(&"values.report-category unknown-option".to_owned()),
            "{fields:?}"
        );
        assert!(
            fields.contains(&"values.contact required".to_owned()),
            "{fields:?}"
        );
        let versions = app.api("GET", &path, Some(&reporter), None).await;
        assert_eq!(versions.json(), json!([]), "{backend}");

        // A draft may be incomplete; recipients never see it.
        let draft =
            json!({"stage": "flash", "form": "ransomware", "values": {"operator": "東都電力"}});
        let got = app
            .api(
                "PUT",
                &format!("/api/v1/reports/{id}/draft"),
                Some(&reporter),
                Some(draft),
            )
            .await;
        assert_eq!(got.status, 200, "{backend}: {}", got.body);
        assert_eq!(got.json()["draft"]["values"]["operator"], "東都電力");

        let send = json!({"stage": "flash", "form": "ransomware", "values": ransomware(aware)});
        let got = app.api("POST", &path, Some(&reporter), Some(send)).await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let v1 = got.json();
        let bytes = v1["body"].as_str().expect("body").to_owned();
        assert_eq!(
            v1["sha256"],
            hex::encode(sha2::Sha256::digest(bytes.as_bytes()))
        );
        let mut detailed = ransomware(aware);
        detailed["report-category"] = json!("detailed");
        detailed["ransomware-family"] = json!("LockBit");
        let send = json!({"stage": "detailed", "form": "ransomware", "values": detailed, "note": "種別が判明"});
        let got = app.api("POST", &path, Some(&reporter), Some(send)).await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        assert_eq!(got.json()["version"], 2);
        let again = app
            .api("GET", &format!("{path}/1"), Some(&reporter), None)
            .await
            .json();
        assert_eq!(
            (again["body"].as_str(), &again["sha256"]),
            (Some(bytes.as_str()), &v1["sha256"])
        );
        let report = app
            .api(
                "GET",
                &format!("/api/v1/reports/{id}"),
                Some(&reporter),
                None,
            )
            .await
            .json();
        assert_eq!(report["latest_version"], 2);
        assert_eq!(report["draft"], Value::Null, "submitting clears the draft");
        let flash = &report["clocks"][0];
        assert!(
            flash["status"] == "met" || flash["status"] == "met-late",
            "{flash}"
        );

        // The recipient: queue with clocks, no draft, state, thread, tasks, timeline.
        let queue = as_user(&app, NCO, "GET", "/api/v1/report-queue", None).await;
        assert_eq!(queue.status, 200, "{backend}: {}", queue.body);
        let queue = queue.json();
        let listed: Vec<i64> = queue["reports"]
            .as_array()
            .expect("reports")
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect();
        assert_eq!(
            listed,
            vec![id],
            "{backend}: only the submitted report addressed to it"
        );
        let st = json!({"state": "waiting"});
        let got = as_user(
            &app,
            NCO,
            "PUT",
            &format!("/api/v1/reports/{id}/state"),
            Some(st),
        )
        .await;
        assert_eq!(got.status, 204, "{backend}: {}", got.body);
        let q = json!({"body": "暗号化されたサーバの台数は？"});
        let got = as_user(
            &app,
            NCO,
            "POST",
            &format!("/api/v1/reports/{id}/messages"),
            Some(q),
        )
        .await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let a = json!({"body": "3台です。"});
        let got = app
            .api(
                "POST",
                &format!("/api/v1/reports/{id}/messages"),
                Some(&reporter),
                Some(a),
            )
            .await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let t = json!({"title": "IoC を抽出する"});
        let got = as_user(
            &app,
            NCO,
            "POST",
            &format!("/api/v1/reports/{id}/tasks"),
            Some(t),
        )
        .await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let tid = got.json()["id"].as_i64().expect("task");
        let got = as_user(
            &app,
            NCO,
            "PUT",
            &format!("/api/v1/reports/{id}/tasks/{tid}"),
            Some(json!({"done": true})),
        )
        .await;
        assert_eq!(got.json()["done"], true, "{backend}: {}", got.body);
        let tl = as_user(
            &app,
            NCO,
            "GET",
            &format!("/api/v1/reports/{id}/timeline"),
            None,
        )
        .await
        .json();
        let kinds: Vec<&str> = tl
            .as_array()
            .expect("tl")
            .iter()
            .filter_map(|e| e["kind"].as_str())
            .collect();
        for k in [
            "created",
            "version",
            "state",
            "message",
            "task",
            "task-done",
        ] {
            assert!(kinds.contains(&k), "{backend}: {k} not in {kinds:?}");
        }
        let thread = app
            .api(
                "GET",
                &format!("/api/v1/reports/{id}/messages"),
                Some(&reporter),
                None,
            )
            .await
            .json();
        assert_eq!(thread.as_array().map(Vec::len), Some(2));

        // Nobody else: another operator reads nothing through any path.
        let other = other_operator(&app).await;
        for path in [
            format!("/api/v1/reports/{id}"),
            format!("/api/v1/reports/{id}/versions"),
            format!("/api/v1/reports/{id}/versions/1"),
            format!("/api/v1/reports/{id}/messages"),
            format!("/api/v1/reports/{id}/timeline"),
            format!("/api/v1/reports/{id}/attachments"),
            format!("/api/v1/incidents/{}", incident["id"]),
        ] {
            let got = app.api("GET", &path, Some(&other), None).await;
            assert_eq!(got.status, 404, "{backend} {path}: {}", got.body);
        }
        let missing = app
            .api("GET", "/api/v1/reports/999999", Some(&other), None)
            .await;
        let refused = app
            .api("GET", &format!("/api/v1/reports/{id}"), Some(&other), None)
            .await;
        assert_eq!(
            missing.body,
            refused.body.replace(&id.to_string(), "999999")
        );
        let queue = app
            .api("GET", "/api/v1/report-queue", Some(&other), None)
            .await
            .json();
        assert_eq!(queue["reports"], json!([]));
        let q = json!({"body": "x"});
        let got = app
            .api(
                "POST",
                &format!("/api/v1/reports/{id}/messages"),
                Some(&other),
                Some(q),
            )
            .await;
        assert_eq!(got.status, 404, "{backend}");
    }
}

#[tokio::test]
async fn attachments_are_judged_by_their_content() {
    for (backend, app) in every_backend().await {
        let reporter = app.token(&app.power, Role::Reporter).await;
        let body = json!({"profile": "jp-cyber-response", "title": "不審な通信", "awareness": "2026-12-01T09:00:00+09:00"});
        let got = app
            .api("POST", "/api/v1/reports", Some(&reporter), Some(body))
            .await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let id = got.json()["id"].as_i64().expect("id");
        let png: &[u8] =
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
        let exe: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
        for (name, bytes, want) in [
            ("screen.png", png, Some("image/png")),
            (
                "log.txt",
                "2026-12-01 09:00 接続 185.220.101.47\n".as_bytes(),
                Some("text/plain; charset=utf-8"),
            ),
            ("invoice.pdf", exe, None),
        ] {
            let req =
                axum::http::Request::post(format!("/api/v1/reports/{id}/attachments?name={name}"))
                    .header("authorization", format!("Bearer {reporter}"))
                    .header("content-type", "application/octet-stream")
                    .body(axum::body::Body::from(bytes.to_vec()))
                    .expect("request");
            let got = app.send(req).await;
            match want {
                Some(t) => {
                    assert_eq!(got.status, 201, "{backend} {name}: {}", got.body);
                    assert_eq!(got.json()["media_type"], t);
                    assert_eq!(
                        got.json()["sha256"],
                        hex::encode(sha2::Sha256::digest(bytes))
                    );
                }
                None => {
                    assert_eq!(got.status, 400, "{backend} {name}: {}", got.body);
                    assert_eq!(got.json()["code"], "report-attachment-refused");
                }
            }
        }
        let list = app
            .api(
                "GET",
                &format!("/api/v1/reports/{id}/attachments"),
                Some(&reporter),
                None,
            )
            .await
            .json();
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(2),
            "{backend}: the refused file is not kept"
        );
        let aid = list[0]["id"].as_i64().expect("id");
        let got = app
            .api(
                "GET",
                &format!("/api/v1/reports/{id}/attachments/{aid}"),
                Some(&reporter),
                None,
            )
            .await;
        assert_eq!(got.status, 200);
        assert_eq!(got.headers["content-type"], "image/png");
        assert_eq!(got.headers["content-disposition"], "attachment");
    }
}

#[tokio::test]
async fn a_critical_computer_notice_is_filed_and_changed_as_versions() {
    for (backend, app) in every_backend().await {
        bind_all(&app).await;
        let reporter = app.token(&app.power, Role::Reporter).await;
        let body = json!({"profile": "jp-cyber-response", "notice": "computer-notice", "title": "EMS 制御サーバ"});
        let got = app
            .api("POST", "/api/v1/notices", Some(&reporter), Some(body))
            .await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let notice = got.json();
        assert_eq!(notice["clocks"], json!([]));
        let id = notice["id"].as_i64().expect("id");
        let values = json!({"operator": "東都電力", "product-name": "EMS-1000", "manufacturer": "ミライ制御",
                            "product-version": "4.2", "role": "需給制御"});
        for version in ["4.2", "4.3"] {
            let mut v = values.clone();
            v["product-version"] = json!(version);
            let got = app
                .api(
                    "POST",
                    &format!("/api/v1/notices/{id}/versions"),
                    Some(&reporter),
                    Some(json!({"values": v})),
                )
                .await;
            assert_eq!(got.status, 201, "{backend}: {}", got.body);
        }
        let versions = app
            .api(
                "GET",
                &format!("/api/v1/notices/{id}/versions"),
                Some(&reporter),
                None,
            )
            .await
            .json();
        assert_eq!(versions.as_array().map(Vec::len), Some(2));
        let got = as_user(&app, NCO, "GET", &format!("/api/v1/notices/{id}"), None).await;
        assert_eq!(
            got.status, 200,
            "{backend}: the national office receives notices"
        );
        let bad = json!({"profile": "jp-cyber-response", "notice": "nope", "title": "x"});
        let got = app
            .api("POST", "/api/v1/notices", Some(&reporter), Some(bad))
            .await;
        assert_eq!(
            (got.status, got.json()["field"].clone()),
            (400, json!("notice"))
        );
    }
}

#[tokio::test]
async fn an_alert_is_made_from_a_consented_report_without_the_reporter() {
    for (backend, app) in every_backend().await {
        bind_all(&app).await;
        let reporter = app.token(&app.power, Role::Reporter).await;
        let mut ids = Vec::new();
        for sanitised in [true, false] {
            let body = json!({
                "profile": "jp-cyber-response",
                "title": "東都電力 本社ファイルサーバの暗号化",
                "awareness": "2026-12-01T09:00:00+09:00",
                "consent": {"national": true, "sanitised": sanitised},
            });
            let got = app
                .api("POST", "/api/v1/reports", Some(&reporter), Some(body))
                .await;
            assert_eq!(got.status, 201, "{backend}: {}", got.body);
            let id = got.json()["id"].as_i64().expect("id");
            let mut values = ransomware("2026-12-01T09:00:00+09:00");
            values["incident-overview"] = json!(
                "東都電力の本社サーバが暗号化された。連絡先 03-1234-5678 soc@power.example.jp"
            );
            let send = json!({"stage": "flash", "form": "ransomware", "values": values});
            let got = app
                .api(
                    "POST",
                    &format!("/api/v1/reports/{id}/versions"),
                    Some(&reporter),
                    Some(send),
                )
                .await;
            assert_eq!(got.status, 201, "{backend}: {}", got.body);
            ids.push(id);
        }
        // The editor starts from the report with the reporter masked.
        let cookie = app.login(NCO, PASSWORD).await.expect("login");
        let page = app
            .get(&format!("/alerts/new?from_report={}", ids[0]), &cookie)
            .await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        for gone in ["東都電力", "03-1234-5678", "soc@power.example.jp"] {
            assert!(!page.body.contains(gone), "{backend}: {gone} in the editor");
        }
        assert!(
            page.body.contains("185.220.101.47"),
            "{backend}: the indicator is carried over"
        );
        let refused = app
            .get(&format!("/alerts/new?from_report={}", ids[1]), &cookie)
            .await;
        assert_ne!(refused.status, 200, "{backend}: no consent, no alert");

        let (_, col) = app.council().await;
        let alert = |sources: Vec<i64>| {
            json!({
                "collection": col.id,
                "title": "ファイルサーバを狙うランサムウェア",
                "summary": "［報告組織］の本社サーバが暗号化された。",
                "steps": ["VPN 機器を最新にする", "バックアップをオフラインで保つ"],
                "indicators": ["185.220.101.47"],
                "tlp": "GREEN",
                "audience": {"sectors": ["electricity"]},
                "source_reports": sources,
            })
        };
        let got = as_user(
            &app,
            NCO,
            "POST",
            "/api/v1/alerts",
            Some(alert(vec![ids[0]])),
        )
        .await;
        assert_eq!(got.status, 201, "{backend}: {}", got.body);
        let got = as_user(
            &app,
            NCO,
            "POST",
            "/api/v1/alerts",
            Some(alert(vec![ids[1]])),
        )
        .await;
        assert_eq!(got.status, 422, "{backend}: {}", got.body);
        assert_eq!(got.json()["code"], "alert-source-no-consent");
        assert_eq!(got.json()["field"], "source_reports[0]");
        // A report the issuer may not read is as unknown as one that is not there.
        let other = as_user(
            &app,
            NCO,
            "POST",
            "/api/v1/alerts",
            Some(alert(vec![999_999])),
        )
        .await;
        assert_eq!(
            other.json()["code"],
            "alert-source-unknown",
            "{backend}: {}",
            other.body
        );
    }
}
