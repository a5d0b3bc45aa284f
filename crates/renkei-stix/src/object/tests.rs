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
