//! An administrator's override table: stage amounts change without a
//! release, within what the law allows, and a bad table changes nothing.

use renkei_report::{ClockStatus, ProfileError, Unit};

use crate::support::{aware, clock_at, shipped, ts};

fn codes(e: &[ProfileError]) -> Vec<(&'static str, String)> {
    e.iter().map(|e| (e.code, e.path.clone())).collect()
}

#[test]
fn the_ordinance_values_are_set_by_override() {
    let set = shipped()
        .with_overrides(
            "overrides.toml",
            r#"
[[stage]]
profile = "jp-cyber-response"
stage = "flash"
amount = 48

[[stage]]
profile = "jp-cyber-response"
stage = "detailed"
amount = 720
unit = "hours"
provisional = true
"#,
        )
        .expect("valid overrides");
    let p = set.get("jp-cyber-response").expect("profile");
    let f = aware("2026-12-03T06:00:00Z");
    let flash = clock_at(p, &f, &[], "2026-12-03T07:00:00Z", "flash")
        .due
        .expect("due");
    assert_eq!(flash.at, ts("2026-12-05T06:00:00Z"));
    assert!(flash.rule.overridden && !flash.rule.provisional);
    let detailed = clock_at(
        p,
        &f,
        &[("flash", "2026-12-04T06:00:00Z")],
        "2026-12-05T00:00:00Z",
        "detailed",
    );
    let d = detailed.due.expect("due");
    assert_eq!(
        (d.at, d.rule.unit, d.rule.provisional),
        (ts("2027-01-03T06:00:00Z"), Unit::Hours, true)
    );
    // The shipped set is unchanged.
    let orig = shipped();
    let p = orig.get("jp-cyber-response").expect("profile");
    assert!(
        !p.stage("flash")
            .and_then(|s| s.deadline.as_ref())
            .expect("deadline")
            .overridden
    );
}

#[test]
fn appi_flash_stays_within_three_to_five_days() {
    let ok = shipped()
        .with_overrides(
            "o.toml",
            "[[stage]]\nprofile = \"jp-appi-leak\"\nstage = \"flash\"\namount = 5\n",
        )
        .expect("5 days is allowed");
    let p = ok.get("jp-appi-leak").expect("profile");
    // Aware Monday 7 December 2026 (day 1): day 5 is Friday the 11th.
    let c = clock_at(
        p,
        &aware("2026-12-07T01:00:00Z"),
        &[],
        "2026-12-07T02:00:00Z",
        "flash",
    );
    assert_eq!(
        c.due.and_then(|d| d.last_day).map(|d| d.to_string()),
        Some("2026-12-11".into())
    );
    for (text, code) in [
        ("amount = 6", "out-of-range"),
        ("amount = 2", "out-of-range"),
        ("amount = 96\nunit = \"hours\"", "out-of-range"),
    ] {
        let table = format!("[[stage]]\nprofile = \"jp-appi-leak\"\nstage = \"flash\"\n{text}\n");
        let e = shipped().with_overrides("o.toml", &table).expect_err(text);
        assert_eq!(codes(&e), [(code, "stage[0].amount".to_owned())], "{text}");
        assert!(
            e[0].to_string()
                .starts_with("o.toml: stage[0].amount: out-of-range"),
            "{}",
            e[0]
        );
    }
}

#[test]
fn a_variant_can_be_overridden() {
    let set = shipped()
        .with_overrides(
            "o.toml",
            "[[stage]]\nprofile = \"jp-appi-leak\"\nstage = \"confirmed\"\nvariant = \"wrongful-purpose\"\namount = 45\n",
        )
        .expect("valid");
    let p = set.get("jp-appi-leak").expect("profile");
    let mut f = aware("2026-12-07T01:00:00Z");
    let normal = clock_at(p, &f, &[], "2026-12-07T02:00:00Z", "confirmed")
        .due
        .expect("due");
    assert_eq!(normal.rule.amount, 30);
    f.conditions.insert("wrongful-purpose".into());
    let wrongful = clock_at(p, &f, &[], "2026-12-07T02:00:00Z", "confirmed")
        .due
        .expect("due");
    assert_eq!((wrongful.rule.amount, wrongful.rule.overridden), (45, true));
}

#[test]
fn every_bad_row_is_named_and_nothing_is_applied() {
    let table = r#"
[[stage]]
profile = "jp-cyber-response"
stage = "flash"
amount = 12

[[stage]]
profile = "eu-nis3"
stage = "final"
amount = 1

[[stage]]
profile = "eu-nis2"
stage = "intermediate"
amount = 10

[[stage]]
profile = "eu-nis2"
stage = "finale"
amount = 1

[[stage]]
profile = "eu-nis2"
stage = "final"
variant = "sunny"
amount = 1

[[stage]]
profile = "eu-nis2"
stage = "final"
amount = 13

[[stage]]
profile = "jp-cyber-response"
stage = "flash"
amount = 6
"#;
    let e = shipped()
        .with_overrides("admin/overrides.toml", table)
        .expect_err("bad rows");
    assert_eq!(
        codes(&e),
        [
            ("unknown-profile", "stage[1].profile".to_owned()),
            ("no-deadline", "stage[2].stage".to_owned()),
            ("unknown-stage", "stage[3].stage".to_owned()),
            ("unknown-condition", "stage[4].variant".to_owned()),
            ("invalid-amount", "stage[5].amount".to_owned()),
            ("duplicate-id", "stage[6]".to_owned()),
        ]
    );
    assert!(e.iter().all(|e| e.file == "admin/overrides.toml"));
}

#[test]
fn unreadable_tables_are_refused_with_their_place() {
    let cases = [
        ("[[stage]]\nprofile = \"x\"\n", "missing-key", "stage[0]"),
        (
            "[[stage]]\nprofile = \"jp-appi-leak\"\nstage = \"flash\"\namount = 0\n",
            "invalid-amount",
            "stage[0].amount",
        ),
        (
            "[[stage]]\nprofile = \"jp-appi-leak\"\nstage = \"flash\"\namount = 4\nunit = \"weeks\"\n",
            "invalid-value",
            "stage[0].unit",
        ),
        (
            "[[stage]]\nprofil = \"jp-appi-leak\"\n",
            "unknown-key",
            "stage[0].profil",
        ),
        ("[[stage]\n", "syntax", ""),
    ];
    for (text, code, path) in cases {
        let e = shipped().with_overrides("o.toml", text).expect_err(text);
        assert_eq!(
            (e[0].code, e[0].path.as_str()),
            (code, path),
            "{text}: {e:?}"
        );
    }
    let big = "# padding\n".repeat(10_000);
    let e = shipped()
        .with_overrides("o.toml", &big)
        .expect_err("too large");
    assert_eq!(e[0].code, "too-large");
    // A clock built from an overridden set behaves like any other.
    let set = shipped()
        .with_overrides("o.toml", "")
        .expect("an empty table changes nothing");
    let p = set.get("eu-nis2").expect("profile");
    let c = clock_at(
        p,
        &aware("2026-06-01T08:00:00Z"),
        &[],
        "2026-06-01T09:00:00Z",
        "early-warning",
    );
    assert_eq!(c.status, ClockStatus::Due);
}
