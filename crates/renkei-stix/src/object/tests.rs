//! Tests of STIX object, bundle and envelope validation.

use super::*;
use serde_json::json;

fn indicator() -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-11-01T09:00:00.000Z", "modified": "2026-11-02T09:00:00.000Z",
        "name": "C2", "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
        "valid_from": "2026-11-01T09:00:00Z",
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]
    })
}

fn fields(e: ObjectErrors) -> Vec<String> {
    e.0.into_iter().map(|f| f.field).collect()
}

#[test]
fn a_valid_indicator_is_accepted_with_its_tlp() {
    let o = parse_object(&indicator(), None).expect("valid");
    assert_eq!(o.tlp, Some(Tlp::Amber));
    assert_eq!(
        o.version().map(|v| v.text.as_str()),
        Some("2026-11-02T09:00:00.000Z")
    );
}

#[test]
fn every_problem_is_listed() {
    let mut v = indicator();
    v["id"] = json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    v["created"] = json!("2026-11-03T09:00:00.000Z");
    v.as_object_mut().map(|o| o.remove("pattern_type"));
    v["confidence"] = json!(101);
    v["object_marking_refs"] = json!(["tlp:red"]);
    v["BadName"] = json!(1);
    let e = parse_object(&v, Some(4)).expect_err("invalid");
    assert_eq!(e.0[0].index, Some(4));
    let f = fields(e);
    for want in [
        "id",
        "modified",
        "confidence",
        "object_marking_refs[0]",
        "pattern_type",
        "BadName",
    ] {
        assert!(f.contains(&want.to_owned()), "missing {want} in {f:?}");
    }
}

#[test]
fn types_lists_languages_and_hashes_are_checked() {
    let cases = [
        ("lang", json!("not a language tag")),
        ("indicator_types", json!([])),
        ("pattern_version", json!(2)),
        ("labels", json!(["ok", 3])),
        ("name", json!(["C2"])),
    ];
    for (k, v) in cases {
        let mut o = indicator();
        o[k] = v.clone();
        let e = parse_object(&o, None).expect_err(k);
        assert!(e.0.iter().any(|f| f.field == k), "{k} = {v}: {e:?}");
    }
    let mut o = indicator();
    o["lang"] = json!("ja");
    o["kill_chain_phases"] =
        json!([{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]);
    assert!(parse_object(&o, None).is_ok());
    o["pattern"] = json!("[file:hashes.'SHA-256' = 'abc']");
    let e = parse_object(&o, None).expect_err("short hash");
    assert!(e.0[0].message.contains("SHA-256"), "{e:?}");
    o["pattern"] = json!("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']");
    assert!(parse_object(&o, None).is_ok());
    let file = json!({"type": "file", "id": "file--ff26c055-6336-5bc5-b98d-13d6226742dd", "hashes": {"SHA-1": "xyz"}});
    assert_eq!(
        parse_object(&file, None).map_err(fields),
        Err(vec!["hashes.SHA-1".to_owned()])
    );
}

#[test]
fn granular_tlp_restricts_the_whole_object() {
    let mut v = indicator();
    v["granular_markings"] = json!([{"selectors": ["pattern"], "marking_ref": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}]);
    assert_eq!(parse_object(&v, None).map(|o| o.tlp), Ok(Some(Tlp::Red)));
    v["granular_markings"] = json!([{"selectors": [], "marking_ref": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"}]);
    assert!(parse_object(&v, None).is_err());
}

#[test]
fn scos_need_no_created_but_types_must_be_known() {
    let sco = json!({"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"});
    assert!(parse_object(&sco, None).is_ok());
    let unknown = json!({"type": "gadget", "spec_version": "2.1", "id": "gadget--ff26c055-6336-5bc5-b98d-13d6226742dd",
                         "created": "2026-11-01T09:00:00.000Z", "modified": "2026-11-01T09:00:00.000Z"});
    assert_eq!(
        parse_object(&unknown, None).map_err(fields),
        Err(vec!["type".to_owned()])
    );
    let custom = json!({"type": "x-gadget", "spec_version": "2.1", "id": "x-gadget--ff26c055-6336-5bc5-b98d-13d6226742dd",
                        "created": "2026-11-01T09:00:00.000Z", "modified": "2026-11-01T09:00:00.000Z"});
    assert!(parse_object(&custom, None).is_ok());
}

#[test]
fn bundles_are_whole_or_refused() {
    let ok = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [indicator()]});
    assert_eq!(parse_bundle(&ok).map(|v| v.len()), Ok(1));
    let mut bad = ok.clone();
    bad["objects"] = json!([indicator(), {"type": "indicator"}, 7]);
    let e = parse_bundle(&bad).expect_err("refused");
    assert!(e.0.iter().any(|f| f.index == Some(1)) && e.0.iter().any(|f| f.index == Some(2)));
    assert!(parse_bundle(&json!({"type": "bundle", "id": "x"})).is_err());
    assert!(parse_envelope(&json!({"objects": [indicator()]})).is_ok());
    assert!(parse_envelope(&json!({"more": false})).is_err());
}

/// Regression: a member could store a marking-definition under a TLP 2.0
/// id with another definition, which then changed what every object
/// marked with that id meant to whoever resolved the reference.
#[test]
fn reserved_tlp_marking_ids_hold_only_the_specifications_definition() {
    for t in Tlp::ALL {
        let spec = crate::marking::tlp_marking_object(t);
        parse_object(&spec, None).expect("the specification's own definition");
        let mut v = spec.clone();
        v["name"] = json!("TLP:CLEAR");
        v["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] =
            json!("clear");
        if t == Tlp::Clear {
            v["name"] = json!("TLP:CLEAR (anything goes)");
        }
        let e = parse_object(&v, None).expect_err("a different definition");
        assert!(fields(e.clone()).contains(&"name".to_owned()), "{e}");
        let mut extra = spec.clone();
        extra["description"] = json!("share freely");
        assert_eq!(
            fields(parse_object(&extra, None).expect_err("an extra property")),
            ["description"]
        );
        let mut formatted = spec.clone();
        formatted["created"] = json!("2022-10-01T00:00:00.000000Z");
        parse_object(&formatted, None).expect("the same instant, written longer");
    }
    // TLP 1.0 ids (STIX 2.1 §7.2.1.4) are reserved too.
    let white = json!({
        "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
        "name": "TLP:WHITE", "definition": {"tlp": "white"}
    });
    parse_object(&white, None).expect("TLP:WHITE as specified");
    let mut relabelled = white.clone();
    relabelled["definition"] = json!({"tlp": "red"});
    assert_eq!(
        fields(parse_object(&relabelled, None).expect_err("relabelled")),
        ["definition"]
    );
    // Other ids hold any definition.
    let mut own = white;
    own["id"] = json!("marking-definition--0b5f4d2e-4b7c-4a8f-9f7e-1c2d3e4f5a6b");
    own["definition"] = json!({"tlp": "red"});
    parse_object(&own, None).expect("a statement of one's own");
}
