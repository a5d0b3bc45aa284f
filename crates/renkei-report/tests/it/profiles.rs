//! Reading profiles: the shipped ones are sound and say what the laws say;
//! every problem in a bad one is named by file, profile and path.

use renkei_report::{Anchor, FieldKind, ProfileError, SHIPPED, Unit, parse_profile};

use crate::support::{profile, shipped};

#[test]
fn shipped_profiles_load() {
    let set = shipped();
    let ids: Vec<&str> = set.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "eu-cra",
            "eu-dora",
            "eu-nis2",
            "jp-appi-leak",
            "jp-cyber-response",
            "us-circia"
        ]
    );
    assert_eq!(SHIPPED.len(), 6);
    for p in set.iter() {
        assert!(!p.stages.is_empty(), "{}", p.id);
        assert!(!p.recipients.is_empty(), "{}", p.id);
    }
}

#[test]
fn jp_cyber_response_carries_the_seven_items_on_three_forms() {
    let p = profile("jp-cyber-response");
    let seven = [
        "report-category",
        "operator",
        "incident-overview",
        "affected-computer",
        "technical-details",
        "response-taken",
        "other",
    ];
    for form in ["ddos", "ransomware", "other-attack"] {
        let f = p.form(form).expect(form);
        for item in seven {
            assert!(f.field(item).is_some(), "{form} lacks {item}");
        }
    }
    let r = p.form("ransomware").expect("ransomware");
    for extra in [
        "ransom-note",
        "encrypted-extension",
        "ransomware-family",
        "intrusion-method",
        "indicators",
    ] {
        assert!(r.field(extra).is_some(), "ransomware lacks {extra}");
        assert!(
            p.form("ddos").and_then(|f| f.field(extra)).is_none(),
            "ddos has {extra}"
        );
    }
    for stage in ["flash", "detailed"] {
        let s = p.stage(stage).expect(stage);
        assert_eq!(s.forms, ["ddos", "ransomware", "other-attack"]);
        assert!(
            s.deadline.as_ref().is_some_and(|d| d.provisional),
            "{stage}: a default, not law"
        );
    }
    assert_eq!(
        p.stage("detailed")
            .and_then(|s| s.deadline.as_ref())
            .map(|d| &d.from),
        Some(&Anchor::Stage("flash".into()))
    );
    let notice = &p.notices[0];
    let form = p.form(&notice.form).expect("notice form");
    for f in ["product-name", "manufacturer", "product-version", "role"] {
        assert!(
            form.field(f).is_some_and(|f| f.required),
            "notice lacks {f}"
        );
    }
}

#[test]
fn appi_has_the_nine_items_and_its_periods() {
    let p = profile("jp-appi-leak");
    let f = p.form("leak-report").expect("form");
    for item in [
        "overview",
        "data-items",
        "people",
        "cause",
        "secondary-harm",
        "response-to-individuals",
        "publication",
        "prevention",
        "other",
    ] {
        assert!(f.field(item).is_some(), "lacks {item}");
    }
    let flash = p
        .stage("flash")
        .and_then(|s| s.deadline.clone())
        .expect("flash");
    assert_eq!(
        (flash.amount, flash.unit, flash.range),
        (3, Unit::Days, Some((3, 5)))
    );
    let confirmed = p.stage("confirmed").expect("confirmed");
    assert_eq!(confirmed.deadline.as_ref().map(|d| d.amount), Some(30));
    assert_eq!(confirmed.variants[0].when, "wrongful-purpose");
    assert_eq!(confirmed.variants[0].deadline.amount, 60);
}

#[test]
fn labels_come_from_the_profile_in_both_languages() {
    let p = profile("eu-nis2");
    assert_eq!(
        p.stage("early-warning")
            .map(|s| (s.name.ja.as_str(), s.name.en.as_str())),
        Some(("早期警告", "Early warning"))
    );
    let severity = p
        .form("notification")
        .and_then(|f| f.field("severity"))
        .expect("severity");
    let FieldKind::Choice { options } = &severity.kind else {
        panic!("a choice")
    };
    assert_eq!(options[3].name.ja, "重大");
}

/// A small valid profile to break in one place at a time.
const BASE: &str = r#"
id = "test"
version = "1"
name = { ja = "テスト", en = "Test" }
time-zone = "Asia/Tokyo"

[calendar]
rule = "jp-administrative"

[[events]]
id = "contained"
name = { ja = "封じ込め", en = "Contained" }

[[stages]]
id = "first"
name = { ja = "第一報", en = "First" }
forms = ["f"]
deadline = { from = "awareness", amount = 24, unit = "hours" }

[[stages]]
id = "second"
name = { ja = "第二報", en = "Second" }
forms = ["f"]
deadline = { from = "stage:first", amount = 10, unit = "days" }

[[forms]]
id = "f"
name = { ja = "様式", en = "Form" }

[[forms.fields]]
id = "summary"
label = { ja = "概要", en = "Summary" }
type = "long-text"
required = true
common = "summary"
"#;

fn errors(text: &str) -> Vec<(&'static str, String)> {
    match parse_profile("profiles/test.toml", text) {
        Ok(_) => Vec::new(),
        Err(e) => e.into_iter().map(|e| (e.code, e.path)).collect(),
    }
}

fn one(code: &'static str, path: &str) -> Vec<(&'static str, String)> {
    vec![(code, path.to_owned())]
}

#[test]
fn the_base_profile_is_valid() {
    assert_eq!(errors(BASE), vec![]);
}

#[test]
fn errors_name_file_profile_and_path() {
    let text = BASE.replace(
        "forms = [\"f\"]\ndeadline = { from = \"stage:first\"",
        "forms = [\"f\"]\ndeadline = { from = \"stage:frist\"",
    );
    let e = parse_profile("profiles/test.toml", &text).expect_err("unknown stage");
    let ProfileError {
        code,
        file,
        profile,
        path,
        ..
    } = &e[0];
    assert_eq!(
        (*code, file.as_str(), profile.as_deref(), path.as_str()),
        (
            "unknown-stage",
            "profiles/test.toml",
            Some("test"),
            "stages[1].deadline.from"
        )
    );
    assert!(
        e[0].to_string().starts_with(
            "profiles/test.toml: profile test: stages[1].deadline.from: unknown-stage"
        ),
        "{}",
        e[0]
    );
}

#[test]
fn stage_cycles_are_refused() {
    let text = BASE.replace(
        "deadline = { from = \"awareness\", amount = 24",
        "deadline = { from = \"stage:second\", amount = 24",
    );
    assert_eq!(errors(&text), one("stage-cycle", "stages[1].deadline.from"));
    let own = BASE.replace("from = \"stage:first\"", "from = \"stage:second\"");
    assert_eq!(errors(&own), one("stage-cycle", "stages[1].deadline.from"));
}

#[test]
fn a_long_chain_does_not_exhaust_the_stack() {
    let mut text = BASE.to_owned();
    for i in 0..1_500 {
        let from = if i == 0 {
            "second".to_owned()
        } else {
            format!("s{}", i - 1)
        };
        text.push_str(&format!(
            "\n[[stages]]\nid = \"s{i}\"\nname = {{ ja = \"段\", en = \"S\" }}\nforms = [\"f\"]\ndeadline = {{ from = \"stage:{from}\", amount = 1, unit = \"hours\" }}\n"
        ));
    }
    assert_eq!(errors(&text), vec![]);
}

#[test]
fn duplicates_and_missing_labels_are_named() {
    let dup = BASE.replace("id = \"second\"", "id = \"first\"");
    assert_eq!(errors(&dup), one("duplicate-id", "stages[1].id"));
    let dup_field = format!(
        "{BASE}\n[[forms.fields]]\nid = \"summary\"\nlabel = {{ ja = \"再\", en = \"Again\" }}\ntype = \"text\"\n"
    );
    assert_eq!(
        errors(&dup_field),
        one("duplicate-id", "forms[0].fields[1].id")
    );
    let no_en = BASE.replace(
        "name = { ja = \"第二報\", en = \"Second\" }",
        "name = { ja = \"第二報\" }",
    );
    assert_eq!(errors(&no_en), one("missing-label", "stages[1].name.en"));
    let empty_ja = BASE.replace(
        "label = { ja = \"概要\", en = \"Summary\" }",
        "label = { ja = \" \", en = \"Summary\" }",
    );
    assert_eq!(
        errors(&empty_ja),
        one("missing-label", "forms[0].fields[0].label.ja")
    );
}

#[test]
fn references_and_values_are_checked() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "\"Asia/Tokyo\"",
            "\"Asia/Tokio\"",
            "invalid-time-zone",
            "time-zone",
        ),
        (
            "from = \"stage:first\"",
            "from = \"event:patched\"",
            "unknown-event",
            "stages[1].deadline.from",
        ),
        (
            "from = \"stage:first\"",
            "from = \"after:first\"",
            "invalid-anchor",
            "stages[1].deadline.from",
        ),
        (
            "amount = 10, unit = \"days\"",
            "amount = 0, unit = \"days\"",
            "invalid-amount",
            "stages[1].deadline.amount",
        ),
        (
            "amount = 10, unit = \"days\"",
            "amount = 10, unit = \"weeks\"",
            "invalid-value",
            "stages[1].deadline.unit",
        ),
        (
            "amount = 10, unit = \"days\"",
            "amount = 10, unit = \"days\", range = [11, 12]",
            "invalid-range",
            "stages[1].deadline.range",
        ),
        (
            "common = \"summary\"",
            "common = \"synopsis\"",
            "unknown-common-field",
            "forms[0].fields[0].common",
        ),
        (
            "common = \"summary\"",
            "common = \"awareness-time\"",
            "common-type-mismatch",
            "forms[0].fields[0].common",
        ),
        (
            "type = \"long-text\"\nrequired = true\ncommon = \"summary\"",
            "type = \"choice\"",
            "missing-options",
            "forms[0].fields[0].options",
        ),
        (
            "type = \"long-text\"",
            "type = \"essay\"",
            "invalid-value",
            "forms[0].fields[0].type",
        ),
        (
            "required = true",
            "requird = true",
            "unknown-key",
            "forms[0].fields[0].requird",
        ),
        ("id = \"test\"", "id = \"Test Profile\"", "invalid-id", "id"),
        (
            "rule = \"jp-administrative\"",
            "rule = \"jp-administrative\"\nclosed-days = [2026-02-30]",
            "syntax",
            "",
        ),
        (
            "rule = \"jp-administrative\"",
            "rule = \"jp-administrative\"\nclosed-days = [2026-12-25T10:00:00]",
            "invalid-date",
            "calendar.closed-days[0]",
        ),
    ];
    for (from, to, code, path) in cases {
        assert!(BASE.contains(from), "{from}");
        let text = BASE.replacen(from, to, 1);
        assert_eq!(
            errors(&text),
            one(code, path),
            "{to}: {:?}",
            parse_profile("x", &text).err()
        );
    }
    let unknown_form = BASE.replacen("forms = [\"f\"]", "forms = [\"g\"]", 1);
    assert_eq!(
        errors(&unknown_form),
        one("unknown-form", "stages[0].forms[0]")
    );
    let no_forms = BASE.replacen("forms = [\"f\"]", "forms = []", 1);
    assert_eq!(errors(&no_forms), one("no-forms", "stages[0].forms"));
    let when = BASE.replacen(
        "forms = [\"f\"]",
        "forms = [\"f\"]\napplies-when = \"sunny\"",
        1,
    );
    assert_eq!(
        errors(&when),
        one("unknown-condition", "stages[0].applies-when")
    );
}

#[test]
fn all_problems_are_reported_together() {
    let text = BASE
        .replace("\"Asia/Tokyo\"", "\"Mars/Olympus\"")
        .replace("from = \"stage:first\"", "from = \"stage:zeroth\"")
        .replace("en = \"Form\"", "en = \"\"");
    let got: Vec<&str> = errors(&text).into_iter().map(|(c, _)| c).collect();
    assert_eq!(got, ["invalid-time-zone", "missing-label", "unknown-stage"]);
}

#[test]
fn oversized_and_garbage_text_is_refused_without_panic() {
    let big = format!("{BASE}{}", "#".repeat(300 * 1024));
    assert_eq!(errors(&big), one("too-large", ""));
    for junk in [
        "",
        "id = 5",
        "[[stages]]\n[[stages]]",
        "\u{0}",
        "a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ] {
        assert!(!errors(junk).is_empty(), "{junk:?}");
    }
}

#[test]
fn duplicate_profile_ids_across_files() {
    let e = renkei_report::ProfileSet::from_files(&[("a.toml", BASE), ("b.toml", BASE)])
        .expect_err("twice");
    assert_eq!(
        (e[0].code, e[0].file.as_str()),
        ("duplicate-profile", "b.toml")
    );
    // An administrator's file replaces a shipped profile of the same id.
    let replaced = BASE.replace("id = \"test\"", "id = \"eu-nis2\"");
    let set = shipped()
        .with_files(&[("admin/eu-nis2.toml", &replaced)])
        .expect("replaced");
    assert_eq!(set.get("eu-nis2").map(|p| p.stages.len()), Some(2));
}

#[test]
fn listed_closed_days_are_read_and_move_a_deadline() {
    let text = BASE
        .replace(
            "rule = \"jp-administrative\"",
            "rule = \"eu-1182-71\"\nclosed-days = [2027-01-15, \"2027-01-14\"]",
        )
        .replace("\"Asia/Tokyo\"", "\"Europe/Brussels\"");
    let p = parse_profile("t.toml", &text).expect("valid");
    let dates: Vec<String> = p
        .calendar
        .closed_days
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(dates, ["2027-01-14", "2027-01-15"]);
    // First sent Monday 4 January 2027: 10 days end Thursday the 14th,
    // listed as closed, and Friday the 15th too: Monday 18 January.
    let f = crate::support::aware("2027-01-04T08:00:00Z");
    let c = crate::support::clock_at(
        &p,
        &f,
        &[("first", "2027-01-04T09:00:00Z")],
        "2027-01-05T00:00:00Z",
        "second",
    );
    assert_eq!(
        c.due.and_then(|d| d.last_day).map(|d| d.to_string()),
        Some("2027-01-18".into())
    );
}
