//! Report exports over REST: one version as JSON or `.xlsx`, every version
//! as one workbook (a sheet each) read back with a real reader (calamine);
//! the download headers; a bad format refused naming `format`; another
//! organisation refused exactly as a missing report; each read audited.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, header};
use calamine::{Data, Reader, Xlsx};
use renkei_core::model::NewOrg;
use renkei_core::{Actor, OrgKind, Role, Sector};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::{PASSWORD, TestApp, every_backend};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A ransomware report's values under the Act (all required items).
fn ransomware(category: &str) -> Value {
    json!({
        "report-category": category,
        "operator": "東都電力",
        "sector": "電力",
        "contact": "情報セキュリティ室 03-0000-0000",
        "aware-at": "2026-12-01T09:00:00+09:00",
        "incident-overview": "ファイルサーバが暗号化された。",
        "affected-computer": ["本社ファイルサーバ", "バックアップサーバ"],
        "response-taken": "ネットワークから切り離した。",
        "ransom-note": "=README-RESTORE.txt",
        "indicators": ["185.220.101.47"],
    })
}

/// The status, headers and raw bytes of a GET with a bearer token.
async fn fetch(app: &TestApp, path: &str, token: &str) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let res = app.router.clone().oneshot(req).await.expect("infallible");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, bytes.to_vec())
}

fn head(h: &axum::http::HeaderMap, name: header::HeaderName) -> &str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Every sheet of a workbook: its name and its cells as text, row by row.
/// Only the item number (column A) may be a number; every label and value
/// is a text cell.
fn sheets(bytes: Vec<u8>) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook calamine reads");
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).expect("the sheet reads");
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .enumerate()
                        .map(|(i, d)| match d {
                            Data::String(s) => s.clone(),
                            Data::Empty => String::new(),
                            Data::Float(f) if i == 0 => f.to_string(),
                            other => panic!("a cell that is not text: {other:?}"),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

/// The value (column D) of the row whose Japanese label (column B) is `label`.
fn value_of<'a>(rows: &'a [Vec<String>], label: &str) -> &'a str {
    rows.iter()
        .find(|r| r.get(1).map(String::as_str) == Some(label))
        .and_then(|r| r.get(3))
        .map_or("", String::as_str)
}

/// A report filed under the Act with a flash (v1) and a detailed (v2)
/// version, and a second (NIS2) report of the incident with none.
async fn filed(app: &TestApp, reporter: &str) -> (i64, i64) {
    let body = json!({
        "title": "ランサムウェア感染",
        "awareness": "2026-12-01T09:00:00+09:00",
        "regimes": ["jp-cyber-response", "eu-nis2"],
    });
    let got = app
        .api("POST", "/api/v1/incidents", Some(reporter), Some(body))
        .await;
    assert_eq!(got.status, 201, "{}", got.body);
    let reports = got.json()["reports"].clone();
    let id = reports[0]["id"].as_i64().expect("id");
    let empty = reports[1]["id"].as_i64().expect("id");
    let path = format!("/api/v1/reports/{id}/versions");
    let send = json!({"stage": "flash", "form": "ransomware", "values": ransomware("flash")});
    let got = app.api("POST", &path, Some(reporter), Some(send)).await;
    assert_eq!(got.status, 201, "{}", got.body);
    let mut detailed = ransomware("detailed");
    detailed["ransomware-family"] = json!("LockBit");
    let send = json!({"stage": "detailed", "form": "ransomware", "values": detailed, "note": "種別が判明"});
    let got = app.api("POST", &path, Some(reporter), Some(send)).await;
    assert_eq!(got.status, 201, "{}", got.body);
    (id, empty)
}

#[tokio::test]
async fn a_version_exports_as_json_and_xlsx_and_a_report_as_one_sheet_per_version() {
    for (backend, app) in every_backend().await {
        let reporter = app.token(&app.power, Role::Reporter).await;
        let (id, _) = filed(&app, &reporter).await;
        let v1 = app
            .api(
                "GET",
                &format!("/api/v1/reports/{id}/versions/1"),
                Some(&reporter),
                None,
            )
            .await
            .json();

        // JSON of version 1: the renkei-report shape, every field of the form.
        let (status, h, bytes) = fetch(
            &app,
            &format!("/api/v1/reports/{id}/versions/1/export?format=json"),
            &reporter,
        )
        .await;
        assert_eq!(
            status,
            200,
            "{backend}: {}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(head(&h, header::CONTENT_TYPE).starts_with("application/json"));
        assert_eq!(
            head(&h, header::CONTENT_DISPOSITION),
            format!("attachment; filename=\"report-{id}-v1.json\"")
        );
        let doc: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(doc["format"], "renkei-report-export/1");
        assert_eq!(doc["version"], 1);
        assert_eq!(doc["sha256"], v1["sha256"], "{backend}");
        assert_eq!(doc["stage"]["id"], "flash");
        assert_eq!(doc["form"]["id"], "ransomware");
        assert_eq!(doc["profile"]["id"], "jp-cyber-response");
        assert_eq!(doc["organisation"], app.power.name_ja.as_str());
        let fields = doc["fields"].as_array().expect("fields");
        let sent = ransomware("flash");
        for (k, v) in sent.as_object().expect("object") {
            let f = fields
                .iter()
                .find(|f| f["id"] == k.as_str())
                .unwrap_or_else(|| panic!("{backend}: no field {k}"));
            assert_eq!(&f["value"], v, "{backend}: {k}");
        }

        // xlsx of version 2: headers, and the values read back as text.
        let (status, h, bytes) = fetch(
            &app,
            &format!("/api/v1/reports/{id}/versions/2/export?format=xlsx"),
            &reporter,
        )
        .await;
        assert_eq!(status, 200, "{backend}");
        assert_eq!(head(&h, header::CONTENT_TYPE), XLSX);
        assert_eq!(
            head(&h, header::CONTENT_DISPOSITION),
            format!("attachment; filename=\"report-{id}-v2.xlsx\"")
        );
        let book = sheets(bytes);
        assert_eq!(book.len(), 1, "{backend}");
        let rows = &book[0].1;
        assert_eq!(value_of(rows, "版"), "2", "{backend}: {rows:?}");
        assert_eq!(value_of(rows, "事業者名"), app.power.name_ja.as_str());
        let cells: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
        for want in [
            "ファイルサーバが暗号化された。",
            "LockBit",
            "本社ファイルサーバ\nバックアップサーバ",
            // Formula-looking text stays text.
            "=README-RESTORE.txt",
            "185.220.101.47",
        ] {
            assert!(cells.contains(&want), "{backend}: {want} in {cells:?}");
        }

        // Every version: one workbook, a sheet per version, oldest first.
        let (status, h, bytes) = fetch(
            &app,
            &format!("/api/v1/reports/{id}/export?format=xlsx"),
            &reporter,
        )
        .await;
        assert_eq!(status, 200, "{backend}");
        assert_eq!(
            head(&h, header::CONTENT_DISPOSITION),
            format!("attachment; filename=\"report-{id}.xlsx\"")
        );
        let book = sheets(bytes);
        let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["速報 第1版", "詳報 第2版"], "{backend}");
        assert_eq!(value_of(&book[0].1, "版"), "1");
        assert_eq!(value_of(&book[1].1, "版"), "2");
        let (status, _, bytes) = fetch(
            &app,
            &format!("/api/v1/reports/{id}/export?format=json"),
            &reporter,
        )
        .await;
        assert_eq!(status, 200, "{backend}");
        let all: Value = serde_json::from_slice(&bytes).expect("JSON");
        let versions: Vec<&Value> = all
            .as_array()
            .expect("array")
            .iter()
            .map(|d| &d["version"])
            .collect();
        assert_eq!(versions, [&json!(1), &json!(2)], "{backend}");

        // The portal's version page offers both downloads, worded from
        // Fluent, and a signed-in person's session downloads them.
        let power = app
            .login("admin@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let page = app.get(&format!("/reports/{id}/versions/2"), &power).await;
        assert_eq!(page.status, 200, "{backend}: {}", page.body);
        let xlsx_link = format!("/api/v1/reports/{id}/versions/2/export?format=xlsx");
        let json_link = format!("/api/v1/reports/{id}/versions/2/export?format=json");
        for want in [
            format!("id=\"export-xlsx\" href=\"{xlsx_link}\""),
            format!("id=\"export-json\" href=\"{json_link}\""),
            "Excel でダウンロード".to_owned(),
            "JSON でダウンロード".to_owned(),
        ] {
            assert!(page.body.contains(&want), "{backend}: {want}");
        }
        let got = app.get(&xlsx_link, &power).await;
        assert_eq!(got.status, 200, "{backend}");
        assert_eq!(head(&got.headers, header::CONTENT_TYPE), XLSX);
        let en = format!("{power}; renkei_lang=en");
        let page = app.get(&format!("/reports/{id}/versions/2"), &en).await;
        assert!(page.body.contains("Download as Excel"), "{backend}");

        // Each read is audited, as the reporter's.
        let cookie = app
            .login("admin@nco.example.jp", PASSWORD)
            .await
            .expect("login");
        let q = format!("/api/v1/audit?action=report.read&object=report%3A{id}");
        let audit = app.get(&q, &cookie).await;
        assert_eq!(audit.status, 200, "{backend}: {}", audit.body);
        let details: Vec<String> = audit
            .json()
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["detail"].as_str().map(str::to_owned))
            .collect();
        assert!(
            details.iter().any(|d| d.starts_with("version 2 sha256")),
            "{backend}: {details:?}"
        );
    }
}

#[tokio::test]
async fn a_bad_format_is_refused_naming_it_and_others_get_the_missing_reports_answer() {
    for (backend, app) in every_backend().await {
        let reporter = app.token(&app.power, Role::Reporter).await;
        let (id, empty) = filed(&app, &reporter).await;
        for path in [
            format!("/api/v1/reports/{id}/versions/1/export?format=pdf"),
            format!("/api/v1/reports/{id}/export?format=XLSX"),
        ] {
            let got = app.api("GET", &path, Some(&reporter), None).await;
            assert_eq!(got.status, 400, "{backend}: {path}: {}", got.body);
            let e = got.json();
            assert_eq!(
                (&e["field"], &e["code"]),
                (&json!("format"), &json!("report-export-format-unknown")),
                "{backend}: {path}"
            );
        }

        // No version yet: nothing to export, said so.
        let got = app
            .api(
                "GET",
                &format!("/api/v1/reports/{empty}/export?format=xlsx"),
                Some(&reporter),
                None,
            )
            .await;
        assert_eq!(got.status, 409, "{backend}: {}", got.body);
        assert_eq!(got.json()["code"], "report-export-nothing");

        // Another operator: the same answer as a report that does not exist.
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
        let other = app.token(&org, Role::Reporter).await;
        let missing = id + 1000;
        for (mine, absent) in [
            (
                format!("/api/v1/reports/{id}/versions/1/export?format=xlsx"),
                format!("/api/v1/reports/{missing}/versions/1/export?format=xlsx"),
            ),
            (
                format!("/api/v1/reports/{id}/export?format=json"),
                format!("/api/v1/reports/{missing}/export?format=json"),
            ),
        ] {
            let got = app.api("GET", &mine, Some(&other), None).await;
            let gone = app.api("GET", &absent, Some(&other), None).await;
            assert_eq!(got.status, 404, "{backend}: {mine}: {}", got.body);
            assert_eq!(
                (got.status, got.body.clone()),
                (gone.status, gone.body.clone()),
                "{backend}: {mine}"
            );
        }
        // A version that does not exist of a readable report: 404 too.
        let got = app
            .api(
                "GET",
                &format!("/api/v1/reports/{id}/versions/9/export?format=json"),
                Some(&reporter),
                None,
            )
            .await;
        assert_eq!(got.status, 404, "{backend}: {}", got.body);
    }
}
