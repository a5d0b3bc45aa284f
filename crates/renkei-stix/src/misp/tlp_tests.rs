//! Tests of pattern building from MISP terms and of TLP inheritance from
//! the event to its attributes.

use super::convert::stricter;
use super::shapes::{Term, pattern};
use super::*;
use renkei_core::Tlp;

#[test]
fn terms_on_one_property_are_alternatives() {
    let t = |ty: &'static str, c: &str| Term {
        object_type: ty,
        key: c.split(" = ").next().unwrap_or_default().to_owned(),
        comparison: c.to_owned(),
        shown: String::new(),
    };
    let p = pattern(&[
        t("ipv4-addr", "ipv4-addr:value = '45.1.1.1'"),
        t("ipv4-addr", "ipv4-addr:value = '45.1.1.2'"),
        t("file", "file:name = 'a.exe'"),
        t(
            "file",
            "file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'",
        ),
    ]);
    assert_eq!(
        p,
        "[(ipv4-addr:value = '45.1.1.1' OR ipv4-addr:value = '45.1.1.2')] AND \
         [file:name = 'a.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"
    );
    assert!(crate::pattern::check(&p).is_ok(), "{p}");
}

#[test]
fn an_attribute_tag_never_loosens_its_events_tlp() {
    let event = serde_json::json!({"Event": {
        "info": "x", "date": "2026-11-20", "timestamp": "1795132800",
        "Tag": [{"name": "tlp:red"}],
        "Attribute": [{"type": "ip-dst", "value": "45.77.10.20", "timestamp": "1795132800", "Tag": [{"name": "tlp:clear"}]}]
    }});
    let out = misp_to_stix(&event).expect("maps");
    let red = crate::tlp_marking_id(Tlp::Red);
    for o in &out.objects {
        assert_eq!(o["object_marking_refs"], serde_json::json!([red]), "{o}");
    }
    assert_eq!(
        stricter(Some(Tlp::Amber), Some(Tlp::Green)),
        Some(Tlp::Amber)
    );
    assert_eq!(stricter(None, Some(Tlp::Green)), Some(Tlp::Green));
}
