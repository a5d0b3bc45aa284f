//! The reporting regimes as served: the profiles in force listed with
//! their deadline rules, one with its forms, each regime's clocks for one
//! incident under several regimes at once (due instants worked out here
//! from the regulations' own counting rules), refusals naming the field,
//! the administrator's override table, and `/reports/regimes` in words.

use renkei_core::Role;
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, every_backend};

fn clock<'a>(answer: &'a Value, profile: &str, stage: &str) -> &'a Value {
    let regime = answer["regimes"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["profile"] == profile))
        .unwrap_or_else(|| panic!("no regime {profile}: {answer}"));
    regime["clocks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["stage"] == stage))
        .unwrap_or_else(|| panic!("no stage {profile}/{stage}: {answer}"))
}

#[tokio::test]
async fn profiles_are_listed_with_their_rules_and_one_has_its_forms() {
    for (backend, app) in every_backend().await {
        let token = app.token(&app.power, Role::Viewer).await;
        let r = app
            .api("GET", "/api/v1/report-profiles", Some(&token), None)
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        let list = r.json();
        let ids: Vec<&str> = list
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|p| p["id"].as_str())
            .collect();
        for id in [
            "jp-cyber-response",
            "jp-appi-leak",
            "eu-nis2",
            "eu-cra",
            "eu-dora",
            "us-circia",
        ] {
            assert!(ids.contains(&id), "{backend}: {id} missing from {ids:?}");
        }
        let jp = list
            .as_array()
            .and_then(|l| l.iter().find(|p| p["id"] == "jp-cyber-response"))
            .expect("jp");
        assert_eq!(jp["time_zone"], "Asia/Tokyo");
        assert_eq!(jp["name"]["ja"].as_str().map(str::is_empty), Some(false));
        assert_eq!(jp["overridden"], false);
        let flash = &jp["stages"][0];
        assert_eq!(flash["id"], "flash");
        assert_eq!(
            flash["deadline"],
            json!({"anchor": {"kind": "awareness"}, "amount": 24, "unit": "hours",
                   "provisional": true, "cap": null, "range": null, "overridden": false})
        );
        assert_eq!(
            jp["stages"][1]["deadline"]["anchor"],
            json!({"kind": "stage", "id": "flash"})
        );
        // DORA's initial notification: 4 h from classification, at most
        // 24 h from awareness.
        let dora = list
            .as_array()
            .and_then(|l| l.iter().find(|p| p["id"] == "eu-dora"))
            .expect("dora");
        assert_eq!(
            dora["stages"][0]["deadline"]["cap"],
            json!({"amount": 24, "unit": "hours"})
        );
        assert_eq!(
            dora["stages"][0]["deadline"]["anchor"],
            json!({"kind": "event", "id": "classified-major"})
        );

        let r = app
            .api(
                "GET",
                "/api/v1/report-profiles/jp-cyber-response",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        let one = r.json();
        assert_eq!(one["id"], "jp-cyber-response");
        let forms = one["forms"].as_array().expect("forms");
        let ransomware = forms
            .iter()
            .find(|f| f["id"] == "ransomware")
            .expect("ransomware form");
        let fields: Vec<&str> = ransomware["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .filter_map(|f| f["id"].as_str())
            .collect();
        for f in ["ransom-note", "encrypted-extension", "ransomware-family"] {
            assert!(fields.contains(&f), "{backend}: {f} not in {fields:?}");
        }
        assert!(ransomware["fields"][0]["required"].is_boolean());

        let r = app
            .api(
                "GET",
                "/api/v1/report-profiles/xx-nowhere",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(r.status, 404, "{backend}: {}", r.body);
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap_or_default()
                .starts_with("application/problem+json")
        );
        assert_eq!(r.json()["code"], "report-profile-unknown");
    }
}

#[tokio::test]
async fn one_incident_keeps_three_regimes_clocks() {
    for (backend, app) in every_backend().await {
        let token = app.token(&app.power, Role::Viewer).await;
        // Aware at 10:00 JST on Saturday 5 December 2026 (01:00 UTC);
        // DORA's major classification at 03:30 UTC; asked at 04:00 UTC.
        let r = app
            .api(
                "POST",
                "/api/v1/report-profiles/clocks",
                Some(&token),
                Some(json!({
                    "profiles": ["jp-cyber-response", "eu-nis2", "eu-dora"],
                    "awareness": "2026-12-05T10:00:00+09:00",
                    "events": {"classified-major": "2026-12-05T03:30:00Z"},
                    "now": "2026-12-05T04:00:00Z"
                })),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        let a = r.json();
        // Hour limits are elapsed time from the instant.
        let flash = clock(&a, "jp-cyber-response", "flash");
        assert_eq!(flash["status"], "due");
        assert_eq!(flash["due"], "2026-12-06T01:00:00Z");
        assert_eq!(flash["due_local"], "2026-12-06T10:00:00+09:00");
        assert_eq!(
            clock(&a, "jp-cyber-response", "detailed")["status"],
            "not-started"
        );
        // NIS2 Art. 23(4)(a), (b): 24 h and 72 h; Brussels is on CET.
        let warning = clock(&a, "eu-nis2", "early-warning");
        assert_eq!(warning["due"], "2026-12-06T01:00:00Z");
        assert_eq!(warning["due_local"], "2026-12-06T02:00:00+01:00");
        assert_eq!(
            clock(&a, "eu-nis2", "notification")["due"],
            "2026-12-08T01:00:00Z"
        );
        assert_eq!(
            clock(&a, "eu-nis2", "intermediate")["status"],
            "no-deadline"
        );
        // DORA: 4 h after classification (07:30 UTC) comes before 24 h
        // after awareness, so the cap does not decide; due within 4 h but
        // more than an hour away.
        let initial = clock(&a, "eu-dora", "initial");
        assert_eq!(initial["due"], "2026-12-05T07:30:00Z");
        assert_eq!(initial["due_local"], "2026-12-05T08:30:00+01:00");
        assert_eq!(initial["capped"], false);
        assert_eq!(initial["status"], "due");

        // Classified late: 4 h after 23:00 UTC would pass the 24 h cap,
        // so the cap (01:00 UTC on the 6th) decides.
        let r = app
            .api(
                "POST",
                "/api/v1/report-profiles/clocks",
                Some(&token),
                Some(json!({
                    "profiles": ["eu-dora"],
                    "awareness": "2026-12-05T01:00:00Z",
                    "events": {"classified-major": "2026-12-05T23:00:00Z"},
                    "now": "2026-12-05T23:30:00Z"
                })),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        let initial = r.json();
        let initial = clock(&initial, "eu-dora", "initial");
        assert_eq!(initial["due"], "2026-12-06T01:00:00Z");
        assert_eq!(initial["capped"], true);
        assert_eq!(initial["status"], "due");
    }
}

#[tokio::test]
async fn stages_chain_and_days_follow_each_regimes_calendar() {
    for (backend, app) in every_backend().await {
        let token = app.token(&app.power, Role::Viewer).await;
        let r = app
            .api(
                "POST",
                "/api/v1/report-profiles/clocks",
                Some(&token),
                Some(json!({
                    "profiles": ["jp-cyber-response", "eu-nis2", "eu-dora"],
                    "awareness": "2026-12-02T01:00:00Z",
                    "events": {"classified-major": "2026-12-02T02:00:00Z"},
                    "submitted": {
                        "flash": "2026-12-03T10:00:00+09:00",
                        "eu-nis2/early-warning": "2026-12-02T20:00:00Z",
                        "notification": "2026-12-04T09:00:00Z",
                        "initial": "2026-12-02T04:00:00Z"
                    },
                    "now": "2026-12-10T00:00:00Z"
                })),
            )
            .await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        let a = r.json();
        assert_eq!(clock(&a, "jp-cyber-response", "flash")["status"], "met");
        // Civil Code Arts. 140-143: 3 December is not counted, day 30 is
        // 2 January 2027; the administrative organs are closed 29 December
        // to 3 January (Act No. 91 of 1988), so it ends on Monday 4
        // January, at midnight JST.
        let detailed = clock(&a, "jp-cyber-response", "detailed");
        assert_eq!(detailed["last_day"], "2027-01-04");
        assert_eq!(detailed["due"], "2027-01-04T14:59:59.999999999Z");
        assert_eq!(detailed["status"], "due");
        // Regulation 1182/71 Art. 3(2)(c): a month from 4 December ends at
        // the end of 4 January (a Monday), Brussels time.
        let fin = clock(&a, "eu-nis2", "final");
        assert_eq!(fin["last_day"], "2027-01-04");
        assert_eq!(fin["due"], "2027-01-04T22:59:59.999999999Z");
        assert_eq!(clock(&a, "eu-nis2", "notification")["status"], "met");
        // The progress report applies only to an ongoing incident.
        assert_eq!(clock(&a, "eu-nis2", "progress")["status"], "not-applicable");
        // DORA: initial met (due 06:00 UTC); intermediate 72 h after it,
        // 5 December 04:00 UTC, now past; final waits for it.
        assert_eq!(clock(&a, "eu-dora", "initial")["status"], "met");
        let inter = clock(&a, "eu-dora", "intermediate");
        assert_eq!(inter["due"], "2026-12-05T04:00:00Z");
        assert_eq!(inter["status"], "overdue");
        assert_eq!(clock(&a, "eu-dora", "final")["status"], "not-started");
    }
}

#[tokio::test]
async fn bad_clock_requests_name_the_field_and_strangers_are_refused() {
    for (backend, app) in every_backend().await {
        let token = app.token(&app.power, Role::Viewer).await;
        let base = json!({
            "profiles": ["eu-nis2"],
            "awareness": "2026-12-05T01:00:00Z",
        });
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let too_many: Vec<String> = (0..17).map(|_| "eu-nis2".to_owned()).collect();
        for (body, field, code) in [
            (
                with("awareness", json!("yesterday")),
                "awareness",
                "report-time-invalid",
            ),
            (
                with("now", json!("2026-13-01T00:00:00Z")),
                "now",
                "report-time-invalid",
            ),
            (
                with("profiles", json!([])),
                "profiles",
                "report-profiles-required",
            ),
            (
                with("profiles", json!(too_many)),
                "profiles",
                "report-too-many",
            ),
            (
                with("profiles", json!(["eu-nis2", "xx-nowhere"])),
                "profiles[1]",
                "report-profile-unknown",
            ),
            (
                with("events", json!({"moon-landing": "2026-12-05T01:00:00Z"})),
                "events.moon-landing",
                "report-event-unknown",
            ),
            (
                with("events", json!({"incident-handled": "soon"})),
                "events.incident-handled",
                "report-time-invalid",
            ),
            (
                with("submitted", json!({"flash": "2026-12-05T02:00:00Z"})),
                "submitted.flash",
                "report-stage-unknown",
            ),
            (
                with("conditions", json!(["ongoing", "sunny"])),
                "conditions[1]",
                "report-condition-unknown",
            ),
        ] {
            let r = app
                .api(
                    "POST",
                    "/api/v1/report-profiles/clocks",
                    Some(&token),
                    Some(body),
                )
                .await;
            assert_eq!(r.status, 400, "{backend} {field}: {}", r.body);
            let p = r.json();
            assert_eq!(p["field"], field, "{backend}: {p}");
            assert_eq!(p["code"], code, "{backend}: {p}");
        }
        // A body past the bound is refused unread.
        let huge = with("conditions", json!(vec!["x".repeat(100); 400]));
        let r = app
            .api(
                "POST",
                "/api/v1/report-profiles/clocks",
                Some(&token),
                Some(huge),
            )
            .await;
        assert_eq!(r.status, 413, "{backend}: {}", r.body);

        for (method, path, body) in [
            ("GET", "/api/v1/report-profiles", None),
            ("GET", "/api/v1/report-profiles/eu-nis2", None),
            ("POST", "/api/v1/report-profiles/clocks", Some(base.clone())),
        ] {
            let r = app.api(method, path, None, body).await;
            assert_eq!(r.status, 401, "{backend} {path}: {}", r.body);
        }
        let r = app.get("/reports/regimes", "").await;
        assert_eq!(r.status, 303, "{backend}: signed out is sent to sign in");
    }
}

#[tokio::test]
async fn the_regimes_page_says_each_deadline_in_words() {
    for (backend, app) in every_backend().await {
        let cookie = app
            .login("viewer@power.example.jp", PASSWORD)
            .await
            .expect("login");
        let r = app.get("/reports/regimes", &cookie).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert!(r.body.contains("<html lang=\"ja\""), "{backend}");
        assert!(
            r.body.contains("認知から24時間以内（暫定値）"),
            "{}",
            r.body
        );
        assert!(r.body.contains("認知から72時間以内"), "{backend}");
        // DORA's initial notification: from the classification, capped.
        assert!(
            r.body.contains("4時間以内、ただし認知から24時間以内"),
            "{backend}"
        );
        let en = format!("{cookie}; renkei_lang=en");
        let r = app.get("/reports/regimes", &en).await;
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert!(
            r.body.contains("24 hours after awareness (provisional)"),
            "{}",
            r.body
        );
        assert!(r.body.contains("1 month after submission of"), "{backend}");
        assert!(
            !r.body.contains("report-"),
            "{backend}: a key left untranslated"
        );
    }
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[tokio::test]
async fn an_override_table_changes_a_deadline_and_a_bad_one_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = write(
        dir.path(),
        "good.toml",
        "[[stage]]\nprofile = \"jp-cyber-response\"\nstage = \"flash\"\namount = 48\nprovisional = false\n",
    );
    let bad = write(
        dir.path(),
        "bad.toml",
        "[[stage]]\nprofile = \"jp-cyber-response\"\nstage = \"flash\"\namount = -3\n",
    );

    // Refused at load, naming the file and the field.
    let config = write(
        dir.path(),
        "renkei.toml",
        &format!("report_overrides = {:?}\n", bad.display().to_string()),
    );
    let err = renkei_server::Settings::load(Some(&config))
        .expect_err("a bad override table must stop the start")
        .to_string();
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("stage[0].amount"), "{err}");
    assert!(err.contains("invalid-amount"), "{err}");
    // And by the state's constructor, for settings built otherwise.
    let mut s = renkei_server::Settings::defaults();
    s.report_overrides = Some(bad.clone());
    let err = renkei_server::load_profiles(&s).expect_err("refused");
    assert!(err.contains("stage[0].amount"), "{err}");
    // A profile file with an unknown stage anchor names the profile.
    let profiles = tempfile::tempdir().expect("tempdir");
    let nis2 = renkei_report::SHIPPED
        .iter()
        .find(|(n, _)| n.ends_with("eu-nis2.toml"))
        .map(|(_, t)| *t)
        .expect("nis2");
    write(
        profiles.path(),
        "eu-nis2.toml",
        &nis2.replace("stage:notification", "stage:nowhere"),
    );
    let mut s = renkei_server::Settings::defaults();
    s.report_profiles_dir = Some(profiles.path().to_owned());
    let err = renkei_server::load_profiles(&s).expect_err("refused");
    assert!(err.contains("eu-nis2") && err.contains("deadline"), "{err}");

    // A good table changes the amount as served.
    let app = TestApp::with_settings(|s| s.report_overrides = Some(good.clone())).await;
    let token = app.token(&app.power, Role::Viewer).await;
    let r = app
        .api(
            "GET",
            "/api/v1/report-profiles/jp-cyber-response",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    assert_eq!(p["overridden"], true);
    assert_eq!(p["stages"][0]["deadline"]["amount"], 48);
    assert_eq!(p["stages"][0]["deadline"]["provisional"], false);
    assert_eq!(p["stages"][0]["deadline"]["overridden"], true);
    let r = app
        .api(
            "POST",
            "/api/v1/report-profiles/clocks",
            Some(&token),
            Some(json!({"profiles": ["jp-cyber-response"],
                        "awareness": "2026-12-05T10:00:00+09:00",
                        "now": "2026-12-05T11:00:00+09:00"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let a = r.json();
    assert_eq!(
        clock(&a, "jp-cyber-response", "flash")["due_local"],
        "2026-12-07T10:00:00+09:00"
    );
    let cookie = app
        .login("viewer@power.example.jp", PASSWORD)
        .await
        .expect("login");
    let r = app.get("/reports/regimes", &cookie).await;
    assert!(
        r.body.contains("認知から48時間以内（管理者設定）"),
        "{}",
        r.body
    );
}
