//! One incident described once and filed under three regimes at once: each
//! regime's forms pre-filled from the common description, each with its
//! own clocks.

use std::collections::BTreeMap;

use renkei_report::{
    ClockPolicy, ClockStatus, CommonField, Incident, Mode, RegimeView, file_once, validate_values,
};
use serde_json::{Value, json};

use crate::support::{aware, profile, ts};

fn incident() -> Incident {
    let mut common = BTreeMap::new();
    common.insert(CommonField::OrganisationName, json!("東都電力株式会社"));
    common.insert(
        CommonField::Contact,
        json!("soc@example.jp, +81-3-0000-0000"),
    );
    common.insert(CommonField::Sector, json!("電力"));
    common.insert(
        CommonField::Summary,
        json!("制御系ネットワークの業務端末がランサムウェアにより暗号化された。"),
    );
    common.insert(
        CommonField::AffectedSystems,
        json!(["業務端末 12 台", "ファイルサーバ fs01"]),
    );
    common.insert(
        CommonField::Indicators,
        json!(["198.51.100.7", "evil.example"]),
    );
    common.insert(
        CommonField::ResponseTaken,
        json!("該当セグメントをネットワークから切り離した。"),
    );
    common.insert(CommonField::SuspectedMalicious, json!(true));
    common.insert(CommonField::CrossBorderImpact, json!("不明"));
    Incident {
        facts: aware("2026-11-10T01:30:00Z"),
        common,
        submitted: BTreeMap::new(),
    }
}

fn view<'a>(views: &'a [RegimeView], id: &str) -> &'a RegimeView {
    views
        .iter()
        .find(|v| v.profile == id)
        .unwrap_or_else(|| panic!("no view {id}"))
}

fn form<'a>(v: &'a RegimeView, id: &str) -> &'a serde_json::Map<String, Value> {
    &v.forms
        .iter()
        .find(|f| f.form == id)
        .unwrap_or_else(|| panic!("no form {id}"))
        .values
}

#[test]
fn one_incident_three_regimes() {
    let (jp, nis2, circia) = (
        profile("jp-cyber-response"),
        profile("eu-nis2"),
        profile("us-circia"),
    );
    let now = ts("2026-11-10T02:00:00Z");
    let views = file_once(
        &incident(),
        &[&jp, &nis2, &circia],
        now,
        &ClockPolicy::default(),
    )
    .expect("views");
    assert_eq!(views.len(), 3);

    // The Japanese ransomware form: the seven items' common parts and the
    // indicators, awareness written in JST.
    let jp_view = view(&views, "jp-cyber-response");
    let r = form(jp_view, "ransomware");
    assert_eq!(r["aware-at"], json!("2026-11-10T10:30:00+09:00"));
    assert_eq!(r["operator"], json!("東都電力株式会社"));
    assert_eq!(
        r["affected-computer"],
        json!(["業務端末 12 台", "ファイルサーバ fs01"])
    );
    assert_eq!(r["indicators"], json!(["198.51.100.7", "evil.example"]));
    assert!(
        !r.contains_key("ransom-note"),
        "no common field maps to the ransom note"
    );
    assert!(!form(jp_view, "ddos").contains_key("indicators"));
    assert_eq!(
        jp_view.recipients,
        ["competent-minister", "national-office"]
    );

    // NIS2's early warning in CET, and its notification's indicator list.
    let n = view(&views, "eu-nis2");
    let ew = form(n, "early-warning");
    assert_eq!(ew["awareness"], json!("2026-11-10T02:30:00+01:00"));
    assert_eq!(ew["suspected-malicious"], json!(true));
    assert_eq!(
        form(n, "notification")["indicators"],
        json!(["198.51.100.7", "evil.example"])
    );

    // CIRCIA in EST.
    let c = view(&views, "us-circia");
    let inc = form(c, "incident");
    assert_eq!(inc["believed-at"], json!("2026-11-09T20:30:00-05:00"));
    assert_eq!(
        inc["systems-affected"],
        json!(["業務端末 12 台", "ファイルサーバ fs01"])
    );

    // Every pre-filled form is a valid draft.
    for (v, p) in views.iter().zip([&jp, &nis2, &circia]) {
        for f in &v.forms {
            let errors = validate_values(p.form(&f.form).expect("form"), &f.values, Mode::Draft);
            assert_eq!(errors, vec![], "{} {}", v.profile, f.form);
            assert_eq!(f.not_filled, vec![]);
        }
    }

    // Each regime keeps its own clock from the same awareness.
    let due = |v: &RegimeView, stage: &str| {
        v.clocks
            .iter()
            .find(|c| c.stage == stage)
            .and_then(|c| c.due.as_ref())
            .map(|d| d.at)
    };
    assert_eq!(due(jp_view, "flash"), Some(ts("2026-11-11T01:30:00Z")));
    assert_eq!(due(n, "early-warning"), Some(ts("2026-11-11T01:30:00Z")));
    assert_eq!(due(c, "covered-incident"), Some(ts("2026-11-13T01:30:00Z")));
}

#[test]
fn a_submission_under_one_regime_moves_only_that_regimes_clocks() {
    let (jp, nis2) = (profile("jp-cyber-response"), profile("eu-nis2"));
    let mut i = incident();
    i.submitted
        .entry("jp-cyber-response".into())
        .or_default()
        .insert("flash".into(), ts("2026-11-10T09:00:00Z"));
    let views = file_once(
        &i,
        &[&jp, &nis2],
        ts("2026-11-10T10:00:00Z"),
        &ClockPolicy::default(),
    )
    .expect("views");
    let status =
        |v: &RegimeView, stage: &str| v.clocks.iter().find(|c| c.stage == stage).map(|c| c.status);
    assert_eq!(status(&views[0], "flash"), Some(ClockStatus::Met));
    assert_eq!(status(&views[0], "detailed"), Some(ClockStatus::Due));
    assert_eq!(status(&views[1], "early-warning"), Some(ClockStatus::Due));
    assert_eq!(status(&views[1], "final"), Some(ClockStatus::NotStarted));
}

#[test]
fn a_common_value_that_does_not_fit_is_left_out_and_named() {
    let appi = profile("jp-appi-leak");
    let mut i = incident();
    i.common
        .insert(CommonField::OrganisationName, json!("一行目\n二行目"));
    i.common.insert(CommonField::PeopleAffected, json!(1500));
    i.common
        .insert(CommonField::Indicators, json!(["not", "mapped", "here"]));
    let views = file_once(
        &i,
        &[&appi],
        ts("2026-11-10T02:00:00Z"),
        &ClockPolicy::default(),
    )
    .expect("views");
    let f = &views[0].forms[0];
    assert!(!f.values.contains_key("operator"));
    assert_eq!(
        f.not_filled
            .iter()
            .map(|e| (e.code, e.field.as_str()))
            .collect::<Vec<_>>(),
        [("line-break", "operator")]
    );
    assert_eq!(f.values["people"], json!(1500));
    assert_eq!(f.values["aware-at"], json!("2026-11-10T10:30:00+09:00"));
}

#[test]
fn a_list_fills_a_long_text_one_item_a_line() {
    // A regime whose form takes the indicators as one text.
    let text = r#"
id = "text-iocs"
version = "1"
name = { ja = "テキスト", en = "Text" }
time-zone = "Asia/Tokyo"
calendar = { rule = "jp-civil" }

[[stages]]
id = "only"
name = { ja = "報告", en = "Report" }
forms = ["f"]
deadline = { from = "awareness", amount = 1, unit = "days" }

[[forms]]
id = "f"
name = { ja = "様式", en = "Form" }

[[forms.fields]]
id = "iocs"
label = { ja = "指標", en = "Indicators" }
type = "long-text"
common = "indicators"
"#;
    let p = renkei_report::parse_profile("text-iocs.toml", text).expect("valid");
    let dora = profile("eu-dora");
    let views = file_once(
        &incident(),
        &[&p, &dora],
        ts("2026-11-10T02:00:00Z"),
        &ClockPolicy::default(),
    )
    .expect("views");
    assert_eq!(
        form(&views[0], "f")["iocs"],
        json!("198.51.100.7\nevil.example")
    );
    // DORA's list field keeps the list.
    assert_eq!(
        form(&views[1], "intermediate")["indicators"],
        json!(["198.51.100.7", "evil.example"])
    );
}
