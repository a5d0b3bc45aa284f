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

/// Regression: identifiers with upper-case hex were refused, though the
/// STIX 2.1 schema (`common/identifier.json`) and the OASIS validator take
/// them and OASIS's own `examples/infrastructure.json` has one. Every
/// identifier in the object is kept in lower case, so one object has one id.
#[test]
fn upper_case_identifiers_are_stored_in_lower_case_everywhere() {
    let v = json!({
        "type": "email-message", "spec_version": "2.1",
        "id": "email-message--0C57A381-2A17-5E61-8754-5EF96EFB286C",
        "is_multipart": true,
        "from_ref": "email-addr--9B7E29B3-FD8D-562E-B3F0-8FC8134F5DDA",
        "to_refs": ["email-addr--D1B3BF0C-F02A-51A1-8102-11ABA7959868"],
        "body_multipart": [
            {"content_type": "application/zip",
             "body_raw_ref": "artifact--6F437177-6E48-5CF8-9D9E-872A2BDDD641"}
        ],
        "object_marking_refs": ["marking-definition--E828B379-4E03-4974-9AC4-E53A884C97C1"],
        "granular_markings": [{"selectors": ["subject"],
            "marking_ref": "marking-definition--55D920B0-5E8B-4F79-9EE9-91F868D9B421"}],
        "extensions": {
            "extension-definition--D83FCE45-EF58-4C6C-A3F4-1FBC32E98C6E": {
                "extension_type": "property-extension",
                "rank": 5,
                "analyst_ref": "identity--F431F809-377B-45E0-AA1C-6A4751CAE5FF"
            }
        }
    });
    let o = parse_object(&v, None).expect("valid");
    assert_eq!(
        o.id.as_str(),
        "email-message--0c57a381-2a17-5e61-8754-5ef96efb286c"
    );
    assert_eq!(o.tlp, Some(Tlp::Red), "the TLP ids are recognised");
    let text = o.to_json();
    assert!(
        !text
            .split('"')
            .any(|s| s.contains("--") && s.bytes().any(|b| b.is_ascii_uppercase())),
        "{text}"
    );
    assert_eq!(
        o.value["body_multipart"][0]["body_raw_ref"],
        "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641"
    );
    assert!(o.value["extensions"]["extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"]
        ["analyst_ref"]
        .as_str()
        .is_some_and(|s| s.ends_with("f431f809-377b-45e0-aa1c-6a4751cae5ff")));
    // Lower case already: the object as it came.
    let again = parse_object(&o.value, None).expect("valid");
    assert_eq!(again.value, o.value);
    // The type part stays lower case only.
    let mut bad = v.clone();
    bad["from_ref"] = json!("Email-Addr--9b7e29b3-fd8d-562e-b3f0-8fc8134f5dda");
    assert_eq!(
        parse_object(&bad, None).map_err(fields),
        Err(vec!["from_ref".to_owned()])
    );
}

/// The relationship of OASIS's `examples/infrastructure.json` (cti-stix2-
/// json-schemas), as published.
#[test]
fn the_oasis_infrastructure_example_is_accepted() {
    let rel = json!({
        "created": "2016-11-23T10:42:39.000Z",
        "id": "relationship--81f12913-1372-4c96-85ec-E9034ac98aba",
        "modified": "2016-11-23T10:42:39.000Z",
        "relationship_type": "consists-of",
        "source_ref": "infrastructure--d09c50cf-5bab-465e-9e2d-543912148b73",
        "target_ref": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
        "type": "relationship",
        "spec_version": "2.1"
    });
    let o = parse_object(&rel, Some(8)).expect("valid");
    assert_eq!(
        o.id.as_str(),
        "relationship--81f12913-1372-4c96-85ec-e9034ac98aba"
    );
}

/// An object shaped like MITRE ATT&CK's (attack-stix-data, ICS v18):
/// custom `x_mitre_…` properties whose values STIX does not define.
fn attack_data_component() -> Value {
    json!({
        "type": "x-mitre-data-component", "spec_version": "2.1",
        "id": "x-mitre-data-component--3d20385b-24ef-40e1-9f56-f39750379077",
        "created": "2021-10-20T15:05:19.272Z",
        "created_by_ref": "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
        "revoked": false,
        "external_references": [{"source_name": "mitre-attack",
            "url": "https://attack.mitre.org/datacomponents/DC0032", "external_id": "DC0032"}],
        "object_marking_refs": ["marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"],
        "modified": "2025-11-12T22:03:39.105Z",
        "name": "Process Creation",
        "description": "Refers to the event in which a new process (executable) is initialized.",
        "x_mitre_data_source_ref": "",
        "x_mitre_modified_by_ref": "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5",
        "x_mitre_deprecated": false,
        "x_mitre_domains": ["ics-attack", "mobile-attack", "enterprise-attack"],
        "x_mitre_version": "2.0",
        "x_mitre_attack_spec_version": "3.3.0",
        "x_mitre_log_sources": [{"name": "auditd:SYSCALL", "channel": "execve"}]
    })
}

/// Regression: ATT&CK bundles were refused for `x_mitre_data_source_ref:
/// ""`. Custom properties are checked by name only (STIX 2.1 §3.1, §11.1).
#[test]
fn custom_properties_are_checked_by_name_not_value() {
    let o = parse_object(&attack_data_component(), None).expect("ATT&CK's shape");
    assert_eq!(o.value["x_mitre_data_source_ref"], "");
    for (k, v) in [
        ("x_mitre_platforms", json!([])),
        ("x_mitre_analytic_refs", json!(["not an id"])),
        ("x_mitre_first_seen", json!("last spring")),
        ("x_mitre_hash_hex", json!("not hex")),
    ] {
        let mut v2 = attack_data_component();
        v2[k] = v.clone();
        parse_object(&v2, None).unwrap_or_else(|e| panic!("{k} = {v}: {e}"));
    }
    // Names follow the rules for every property.
    for bad in ["x_Mitre_Version", "x_mitre-version", "x_"] {
        let mut v2 = attack_data_component();
        v2[bad] = json!("1.0");
        assert_eq!(
            parse_object(&v2, None).map_err(fields),
            Err(vec![bad.to_owned()]),
            "{bad}"
        );
    }
    // The specification's own properties are still checked by value.
    let mut v2 = attack_data_component();
    v2["created_by_ref"] = json!("");
    assert_eq!(
        parse_object(&v2, None).map_err(fields),
        Err(vec!["created_by_ref".to_owned()])
    );
    // A custom extension's properties: their names, not their values.
    let ext = |props: Value| {
        let mut v = indicator();
        let mut e = json!({"extension_type": "property-extension"});
        for (k, x) in props.as_object().into_iter().flatten() {
            e[k] = x.clone();
        }
        v["extensions"] = json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": e});
        parse_object(&v, None).map_err(fields)
    };
    assert!(ext(json!({"source_ref": "", "tags": [], "score_hex": "?"})).is_ok());
    assert_eq!(
        ext(json!({"Score": 1})),
        Err(vec![
            "extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e.Score"
                .to_owned()
        ])
    );
}

/// Regression: invalid base64 in `artifact.payload_bin` was stored and
/// made renkei's own STIX export invalid. `binary` values are RFC 4648
/// base64 and `hex` values hexadecimal octets (STIX 2.1 §2.3, §2.6),
/// wherever they appear.
#[test]
fn binary_and_hex_values_are_checked_with_their_path() {
    let artifact = |payload: &str| {
        json!({"type": "artifact", "spec_version": "2.1",
               "id": "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641",
               "mime_type": "application/zip", "payload_bin": payload})
    };
    for ok in ["UEsDBAoAAAAAAA==", "QUJD", "QQ==", "QR=="] {
        parse_object(&artifact(ok), None).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in ["", "not base64!", "QUJ", "QQ", "QUJD\n", "Q===", "QU=D"] {
        assert_eq!(
            parse_object(&artifact(bad), None).map_err(fields),
            Err(vec!["payload_bin".to_owned()]),
            "{bad:?}"
        );
    }
    let mut file = json!({
        "type": "file", "spec_version": "2.1",
        "id": "file--fb0419a8-f09c-57f8-be64-71a80417591c",
        "name": "invoice.exe", "magic_number_hex": "4D5A",
        "extensions": {"windows-pebinary-ext": {
            "pe_type": "exe",
            "optional_header": {"magic_hex": "010b", "checksum_hex": "00014fde"},
            "sections": [{"name": ".text", "entropy": 6.1}, {"name": ".data", "characteristics_hex": "c0000040"}]
        }}
    });
    parse_object(&file, None).expect("valid");
    file["magic_number_hex"] = json!("4D5");
    file["extensions"]["windows-pebinary-ext"]["optional_header"]["magic_hex"] = json!("0x10b");
    file["extensions"]["windows-pebinary-ext"]["sections"][1]["characteristics_hex"] = json!(64);
    let mut got = parse_object(&file, None).map_err(fields).expect_err("bad");
    got.sort();
    assert_eq!(
        got,
        [
            "extensions.windows-pebinary-ext.optional_header.magic_hex",
            "extensions.windows-pebinary-ext.sections[1].characteristics_hex",
            "magic_number_hex",
        ]
    );
    // A custom property ending in _bin is custom all the same.
    let mut custom = artifact("QUJD");
    custom["x_vendor_dump_bin"] = json!("not base64");
    parse_object(&custom, None).expect("custom values are not checked");
}

/// Regression: two SCOs with one id and different content in one request
/// were collapsed silently (the first stored, the other dropped). Both are
/// refused, naming both positions; exact repeats are stored once and said.
#[test]
fn repeated_ids_in_one_request_are_refused_or_stored_once() {
    // SCO ids are UUIDv5 of their values (STIX 2.1 §2.9), so a producer
    // that gets them wrong sends one id for two values.
    let ip = |value: &str| {
        json!({"type": "ipv4-addr", "spec_version": "2.1",
               "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": value})
    };
    let bundle = |objects: Value| json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects});
    let e = parse_bundle(&bundle(json!([
        ip("198.51.100.3"),
        indicator(),
        ip("198.51.100.4")
    ])))
    .expect_err("one id, two contents");
    assert_eq!(
        e.0.iter().map(|f| f.index).collect::<Vec<_>>(),
        [Some(0), Some(2)]
    );
    assert!(
        e.0.iter()
            .all(|f| f.field == "id" && f.message.contains("objects[0], objects[2]")),
        "{e:?}"
    );
    let same = read_bundle(&bundle(json!([
        ip("198.51.100.3"),
        indicator(),
        ip("198.51.100.3")
    ])))
    .expect("exact repeats");
    assert_eq!(same.objects.len(), 2);
    assert_eq!(
        same.repeats,
        [Repeat {
            index: 2,
            first: 0,
            id: "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd".into()
        }]
    );
    assert!(
        same.repeats[0]
            .message()
            .contains("objects[2] repeats objects[0]")
    );
    // An SDO: one id and one modified are one version; two contents for it
    // are refused, two versions are two objects.
    let mut renamed = indicator();
    renamed["name"] = json!("C2, renamed");
    assert!(parse_bundle(&bundle(json!([indicator(), renamed.clone()]))).is_err());
    renamed["modified"] = json!("2026-11-03T09:00:00.000Z");
    assert_eq!(
        parse_bundle(&bundle(json!([indicator(), renamed]))).map(|o| o.len()),
        Ok(2)
    );
    // Ids differing only in case are one id.
    let mut upper = ip("198.51.100.4");
    upper["id"] = json!("ipv4-addr--FF26C055-6336-5BC5-B98D-13D6226742DD");
    assert!(parse_bundle(&bundle(json!([ip("198.51.100.3"), upper]))).is_err());
}

/// A STIX 2.0 bundle as MISP's own exporter writes one (misp-stix,
/// `documentation/misp_events_to_stix20.md`, "Event with tags").
fn misp_stix20_export() -> Value {
    json!({
        "type": "bundle",
        "id": "bundle--7d5d1bf8-1dca-4508-ae85-b581e746c921",
        "spec_version": "2.0",
        "objects": [
            {"type": "identity", "id": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "name": "MISP-Project", "identity_class": "organization"},
            {"type": "report", "id": "report--a6ef17d6-91cb-4a05-b10b-2f045daf874c",
             "created_by_ref": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "name": "MISP-STIX-Converter test event", "published": "2020-10-25T16:22:00Z",
             "object_refs": ["x-misp-event-note--a6ef17d6-91cb-4a05-b10b-2f045daf874c"],
             "labels": ["Threat-Report", "misp:tool=\"MISP-STIX-Converter\""],
             "object_marking_refs": ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]},
            {"type": "x-misp-event-note", "id": "x-misp-event-note--a6ef17d6-91cb-4a05-b10b-2f045daf874c",
             "created_by_ref": "identity--a0c22599-9e58-4da4-96ac-7051603fa951",
             "created": "2020-10-25T16:22:00.000Z", "modified": "2020-10-25T16:22:00.000Z",
             "object_ref": "report--a6ef17d6-91cb-4a05-b10b-2f045daf874c",
             "x_misp_event_note": "This MISP Event is empty and contains no attribute, object or galaxy."},
            {"type": "marking-definition", "id": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
             "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp",
             "definition": {"tlp": "white"}}
        ]
    })
}

/// Regression: STIX 2.0 bundles, MISP's own export among them, were
/// refused with a list of STIX 2.1 properties they lack. They get one
/// answer saying how to convert them.
#[test]
fn stix_20_gets_one_answer_saying_how_to_convert_it() {
    let e = parse_bundle(&misp_stix20_export()).expect_err("STIX 2.0");
    assert!(e.is_stix20(), "{e:?}");
    assert!(e.0[0].message.contains("stix_stepper"));
    // An OASIS STIX 2.0 example (cti-stix2-json-schemas, branch stix2.0,
    // examples/indicator-for-c2-ip-address.json), and its objects posted
    // as a TAXII envelope, where no bundle says the version.
    let oasis = json!({
        "type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
        "spec_version": "2.0",
        "objects": [{
            "type": "indicator", "id": "indicator--33fe3b22-0201-47cf-85d0-97c02164528d",
            "created": "2014-05-08T09:00:00.000Z", "modified": "2014-05-08T09:00:00.000Z",
            "name": "IP Address for known C2 channel", "labels": ["malicious-activity"],
            "pattern": "[ipv4-addr:value = '10.0.0.0']", "valid_from": "2014-05-08T09:00:00.000000Z"
        }]
    });
    assert!(parse_bundle(&oasis).is_err_and(|e| e.is_stix20()));
    let envelope = json!({"objects": oasis["objects"].clone()});
    assert!(parse_envelope(&envelope).is_err_and(|e| e.is_stix20()));
    let mut unlabelled = misp_stix20_export();
    unlabelled.as_object_mut().map(|b| b.remove("spec_version"));
    assert!(parse_bundle(&unlabelled).is_err_and(|e| e.is_stix20()));
    // One 2.0 object among 2.1 ones is that object's error.
    let mixed = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                       "objects": [indicator(), oasis["objects"][0].clone()]});
    let e = parse_bundle(&mixed).expect_err("a 2.0 object");
    assert!(!e.is_stix20());
    assert!(e.0.iter().all(|f| f.index == Some(1)), "{e:?}");
    let mut said = indicator();
    said["spec_version"] = json!("2.0");
    let e = parse_object(&said, None).expect_err("2.0");
    assert_eq!(e.0[0].field, "spec_version");
    assert!(e.0[0].message.contains("STIX 2.0 is not accepted"));
    // STIX 2.1 SCOs may leave spec_version out.
    let scos = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                      "objects": [{"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"}]});
    assert_eq!(parse_bundle(&scos).map(|o| o.len()), Ok(1));
}
