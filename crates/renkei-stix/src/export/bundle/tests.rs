//! Bundles as exported: every object marked with its TLP, the TLP
//! marking definitions it references included once, as the
//! specifications define them; stored bodies kept as they are otherwise.

use serde_json::{Value, json};

use super::*;
use crate::marking::TLP_MARKING_IDS;
use crate::parse_bundle;

const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";

fn bundle(objects: &[(Value, Tlp)]) -> Value {
    let mut out = Vec::new();
    let mut w = BundleWriter::new();
    w.start(&mut out, "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d")
        .expect("start");
    for (o, tlp) in objects {
        w.object(&mut out, &o.to_string(), *tlp).expect("object");
    }
    let n = w.finish(&mut out).expect("finish");
    let v: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(
        v["objects"].as_array().map_or(0, Vec::len),
        n,
        "finish counts what it wrote"
    );
    v
}

fn indicator(n: u32, extra: Value) -> Value {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-{n:012}"),
        "created": "2026-11-01T00:00:00.000Z",
        "modified": "2026-11-01T00:00:00.000Z",
        "pattern": "[domain-name:value = 'evil.example']",
        "pattern_type": "stix",
        "valid_from": "2026-11-01T00:00:00Z"
    });
    if let (Some(o), Some(extra)) = (o.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            o.insert(k.clone(), v.clone());
        }
    }
    o
}

fn by_id<'a>(b: &'a Value, id: &str) -> &'a Value {
    b["objects"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["id"] == id))
        .unwrap_or_else(|| panic!("{id} not in {b}"))
}

#[test]
fn objects_marked_by_their_collections_default_carry_the_marking() {
    let statement = "marking-definition--0e7e36fb-8e5b-4a1c-9c8e-45f3c26f4c8b";
    let b = bundle(&[
        // No marking at all: its TLP came from the collection's default.
        (indicator(1, json!({})), Tlp::Amber),
        // Its own TLP marking: kept as sent.
        (
            indicator(2, json!({"object_marking_refs": [TLP_MARKING_IDS[1].1]})),
            Tlp::Green,
        ),
        // A TLP 1.0 marking is a TLP marking too.
        (
            indicator(3, json!({"object_marking_refs": [TLP1_WHITE]})),
            Tlp::Clear,
        ),
        // A statement but no TLP: the TLP is added beside it.
        (
            indicator(4, json!({"object_marking_refs": [statement]})),
            Tlp::AmberStrict,
        ),
        // TLP only on one property: the object as a whole gets its TLP.
        (
            indicator(
                5,
                json!({"granular_markings": [{"marking_ref": TLP_MARKING_IDS[4].1, "selectors": ["description"]}], "description": "x"}),
            ),
            Tlp::Red,
        ),
    ]);
    let refs = |n: u32| {
        by_id(&b, &format!("indicator--00000000-0000-4000-8000-{n:012}"))["object_marking_refs"]
            .clone()
    };
    let tlp = |t: Tlp| json!(tlp_marking_id(t));
    assert_eq!(refs(1), json!([tlp(Tlp::Amber)]));
    assert_eq!(refs(2), json!([tlp(Tlp::Green)]));
    assert_eq!(refs(3), json!([TLP1_WHITE]));
    assert_eq!(refs(4), json!([statement, tlp(Tlp::AmberStrict)]));
    assert_eq!(refs(5), json!([tlp(Tlp::Red)]));
    // The definitions referenced, once each, as specified; not the
    // statement's (not a reserved id: its sharer shares it).
    let defs: Vec<&str> = b["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .filter(|o| o["type"] == "marking-definition")
        .filter_map(|o| o["id"].as_str())
        .collect();
    let mut want: Vec<&str> = vec![
        tlp_marking_id(Tlp::Amber),
        tlp_marking_id(Tlp::Green),
        TLP1_WHITE,
        tlp_marking_id(Tlp::AmberStrict),
        tlp_marking_id(Tlp::Red),
    ];
    let mut got = defs.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    for id in defs {
        assert_eq!(by_id(&b, id), &reserved_marking(id).expect("reserved"));
    }
    // The whole bundle passes renkei's own validation.
    parse_bundle(&b).unwrap_or_else(|e| panic!("{e:?}\n{b}"));
}

/// A stored TLP marking-definition (a TAXII client's bundle included it)
/// is written once, in its specified form, however often it was stored.
#[test]
fn stored_tlp_definitions_are_written_once() {
    let green = reserved_marking(TLP_MARKING_IDS[1].1).expect("green");
    let b = bundle(&[
        (green.clone(), Tlp::Clear),
        (
            indicator(1, json!({"object_marking_refs": [TLP_MARKING_IDS[1].1]})),
            Tlp::Green,
        ),
        (green.clone(), Tlp::Clear),
    ]);
    let objects = b["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 2, "{b}");
    assert_eq!(objects.iter().filter(|o| **o == green).count(), 1, "{b}");
}

/// Nothing readable: a bundle without `objects` (if present, it must
/// hold at least one object).
#[test]
fn an_empty_bundle_has_no_objects_list() {
    let b = bundle(&[]);
    assert_eq!(
        b,
        json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"})
    );
}

/// A body that already carries its TLP is written byte for byte.
#[test]
fn marked_bodies_are_written_as_stored() {
    let body = "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--00000000-0000-4000-8000-000000000001\",\"created\":\"2026-11-01T00:00:00.000Z\",\"modified\":\"2026-11-01T00:00:00.000Z\",\"pattern\":\"[domain-name:value = 'evil.example']\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-11-01T00:00:00Z\",\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"],\"x_order\":{\"z\":1,\"a\":2}}";
    let mut out = Vec::new();
    let mut w = BundleWriter::new();
    w.start(&mut out, "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d")
        .expect("start");
    w.object(&mut out, body, Tlp::Green).expect("object");
    w.finish(&mut out).expect("finish");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains(body), "{text}");
}
