//! Tests of the MISP mapping: a realistic event, refusals with JSON paths,
//! skipped attribute types, id scoping and a snapshot of a small event.

use super::*;
use renkei_core::Tlp;
use serde_json::{Value, json};

/// A realistic export: event tags with a TLP, attributes of every mapped
/// type, one with its own TLP, one not for IDS, an unsupported type, a
/// bad value, and a file object.
fn event() -> Value {
    json!({"Event": {
        "id": "1234", "uuid": "5f0c3a1e-2b7d-4c1a-9f3e-0a1b2c3d4e5f",
        "info": "フィッシングキャンペーン 2026-11", "date": "2026-11-01",
        "threat_level_id": "2", "published": true,
        "timestamp": "1793523600", "publish_timestamp": "1793527200",
        "Tag": [{"name": "tlp:amber"}, {"name": "misp-galaxy:threat-actor=\"Example\""}],
        "Attribute": [
            {"uuid": "a0000000-0000-4000-8000-000000000001", "type": "ip-dst", "category": "Network activity",
             "value": "198.51.100.7", "to_ids": true, "timestamp": "1793520000", "comment": "C2"},
            {"uuid": "a0000000-0000-4000-8000-000000000002", "type": "ip-src|port", "category": "Network activity",
             "value": "2001:DB8::1|443", "to_ids": "1", "timestamp": 1793520000},
            {"uuid": "a0000000-0000-4000-8000-000000000003", "type": "domain|ip", "category": "Network activity",
             "value": "Evil.Example|203.0.113.9", "to_ids": true, "timestamp": "1793520000"},
            {"uuid": "a0000000-0000-4000-8000-000000000004", "type": "url", "category": "Payload delivery",
             "value": "HTTP://evil.example/dl?id=1", "to_ids": true, "timestamp": "1793520000",
             "Tag": [{"name": "tlp:red"}, {"name": "kill-chain:delivery"}]},
            {"uuid": "a0000000-0000-4000-8000-000000000005", "type": "email-src", "category": "Payload delivery",
             "value": "phish@bad.example", "to_ids": false, "timestamp": "1793520000"},
            {"uuid": "a0000000-0000-4000-8000-000000000006", "type": "filename|sha256", "category": "Payload delivery",
             "value": "請求書.exe|E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "to_ids": true,
             "timestamp": "1793520000"},
            {"uuid": "a0000000-0000-4000-8000-000000000007", "type": "text", "category": "Other",
             "value": "free text", "to_ids": false, "timestamp": "1793520000"},
            {"uuid": "a0000000-0000-4000-8000-000000000008", "type": "link", "category": "External analysis",
             "value": "https://blog.example/post", "to_ids": false, "timestamp": "1793520000"},
            {"uuid": "a0000000-0000-4000-8000-000000000009", "type": "md5", "category": "Payload delivery",
             "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": true, "timestamp": "1793520000", "deleted": true}
        ],
        "Object": [
            {"uuid": "b0000000-0000-4000-8000-000000000001", "name": "file", "meta-category": "file",
             "timestamp": "1793520000", "Attribute": [
                {"type": "md5", "object_relation": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": true},
                {"type": "sha256", "object_relation": "sha256",
                 "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "to_ids": true},
                {"type": "filename", "object_relation": "filename", "value": "it's.exe", "to_ids": false},
                {"type": "size-in-bytes", "object_relation": "size-in-bytes", "value": "0"}
             ]},
            {"uuid": "b0000000-0000-4000-8000-000000000002", "name": "domain-ip", "meta-category": "network",
             "timestamp": "1793520000", "Attribute": [
                {"type": "domain", "object_relation": "domain", "value": "c2.evil.example", "to_ids": true},
                {"type": "ip-dst", "object_relation": "ip", "value": "198.51.100.8", "to_ids": true}
             ]},
            {"uuid": "b0000000-0000-4000-8000-000000000003", "name": "person", "meta-category": "misc",
             "Attribute": [{"type": "text", "object_relation": "first-name", "value": "Taro"}]}
        ]
    }})
}

fn patterns(m: &MispImport) -> Vec<&str> {
    m.objects
        .iter()
        .filter_map(|o| o.get("pattern").and_then(Value::as_str))
        .collect()
}

fn of_type<'a>(m: &'a MispImport, ty: &str) -> Vec<&'a Value> {
    m.objects.iter().filter(|o| o["type"] == ty).collect()
}

#[test]
fn a_misp_event_maps_to_valid_stix() {
    let m = misp_to_stix(&event()).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(m.tlp, Some(Tlp::Amber));
    assert_eq!(
        patterns(&m),
        [
            "[(network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.7')]",
            "[(network-traffic:src_ref.type = 'ipv6-addr' AND network-traffic:src_ref.value = '2001:db8::1') AND network-traffic:src_port = 443]",
            "[domain-name:value = 'evil.example' AND domain-name:resolves_to_refs[*].value = '203.0.113.9']",
            "[url:value = 'http://evil.example/dl?id=1']",
            "[file:name = '請求書.exe' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
            "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' AND file:name = 'it\\'s.exe' AND file:size = 0]",
            "[domain-name:value = 'c2.evil.example' AND domain-name:resolves_to_refs[*].value = '198.51.100.8']",
        ]
    );
    for (i, o) in m.objects.iter().enumerate() {
        let p = parse_object(o, Some(i)).unwrap_or_else(|e| panic!("{o}: {e}"));
        let url = o["pattern"] == "[url:value = 'http://evil.example/dl?id=1']";
        assert_eq!(p.tlp, Some(if url { Tlp::Red } else { Tlp::Amber }), "{o}");
    }
    // Not for IDS: observed, never an indicator.
    let observed = of_type(&m, "observed-data");
    assert_eq!(observed.len(), 2, "the e-mail sender and the link");
    assert_eq!(m.origins.len(), m.objects.len());
    let grouping = m.objects.last().expect("a grouping");
    assert_eq!(grouping["type"], "report", "a published event is a report");
    assert_eq!(grouping["name"], "フィッシングキャンペーン 2026-11");
    assert_eq!(grouping["object_refs"].as_array().map(Vec::len), Some(9));
    assert_eq!(grouping["published"], "2026-11-01T10:00:00.000Z");
    let skipped: Vec<(&str, &str)> = m
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason.as_str()))
        .collect();
    let paths: Vec<&str> = skipped.iter().map(|s| s.0).collect();
    assert_eq!(
        paths,
        [
            "Event.Attribute[6]",
            "Event.Attribute[8]",
            "Event.Object[2].Attribute[0]",
            "Event.Object[2]"
        ],
        "{skipped:?}"
    );
    assert_eq!(skipped[1].1, "deleted in MISP");
    // Ids follow the MISP uuids, so a re-import updates the same objects.
    let again = misp_to_stix(&event()).expect("valid");
    assert_eq!(again.objects, m.objects);
}

#[test]
fn bad_values_are_refused_with_their_paths() {
    let mut e = event();
    e["Event"]["Attribute"][0]["value"] = json!("300.1.1.1");
    e["Event"]["Attribute"][3]["timestamp"] = json!("yesterday");
    e["Event"]["Object"][0]["Attribute"][1]["value"] = json!("abc");
    e["Event"]["Attribute"][1]
        .as_object_mut()
        .map(|a| a.remove("type"));
    e["Event"].as_object_mut().map(|a| a.remove("info"));
    let errors = misp_to_stix(&e).expect_err("refused").0;
    let paths: Vec<&str> = errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Event.info",
            "Event.Attribute[0].value",
            "Event.Attribute[1].type",
            "Event.Attribute[3].timestamp",
            "Event.Object[0].Attribute[1].value",
        ]
    );
    assert!(
        errors[1].message.contains("not an IP address"),
        "{}",
        errors[1]
    );
}

#[test]
fn export_shapes_are_all_read() {
    let bare = event()["Event"].clone();
    let m = misp_to_stix(&bare).expect("bare event");
    assert_eq!(m.skipped[0].path, "Attribute[6]");
    let response = json!({"response": [event(), {"Event": {"info": "second", "Tag": [{"name": "TLP:CLEAR"}],
        "Attribute": [{"type": "sha1", "value": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}]}}]});
    let m = misp_to_stix(&response).expect("search result");
    assert_eq!(m.tlp, Some(Tlp::Amber), "the most restrictive event TLP");
    assert_eq!(
        m.objects
            .iter()
            .filter(|o| o["type"] == "report" || o["type"] == "grouping")
            .count(),
        2
    );
    assert!(misp_to_stix(&json!([1, 2])).is_err());
    assert!(misp_from_slice(b"{not json").is_err());
    assert!(misp_from_slice(&vec![b' '; MAX_MISP_BYTES + 1]).is_err());
}

#[test]
fn snapshot_of_a_small_event() {
    let small = json!({"Event": {
        "uuid": "5f0c3a1e-2b7d-4c1a-9f3e-0a1b2c3d4e5f", "info": "Small event", "date": "2026-11-01",
        "timestamp": "1793523600", "Tag": [{"name": "tlp:green"}, {"name": "campaign:x"}],
        "Attribute": [
            {"uuid": "a0000000-0000-4000-8000-000000000001", "type": "hostname", "category": "Network activity",
             "value": "evil.example", "to_ids": true, "timestamp": "1793520000"}
        ],
        "Object": [
            {"uuid": "b0000000-0000-4000-8000-000000000001", "name": "file", "meta-category": "file",
             "timestamp": "1793520000", "Attribute": [
                {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
                {"type": "filename", "value": "a.exe"}
             ]}
        ]
    }});
    let m = misp_from_slice(small.to_string().as_bytes()).expect("valid");
    insta::assert_json_snapshot!(m.objects);
}
