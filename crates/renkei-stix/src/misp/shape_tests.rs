//! Tests of events shaped as MISP publishes them (the layouts of PyMISP's
//! test events, MISP's restSearch answers and misp-stix's mapping
//! documentation), one per part of the mapping.

use std::collections::HashSet;

use renkei_core::Tlp;
use serde_json::{Value, json};

use super::*;
use crate::indicator_values;

const ORGC: &str = "5c6983c8-3af8-4304-869c-4800d6c1883c";

/// An event as MISP's JSON export writes it: strings for numbers, an
/// `Orgc`, `distribution`, published with its timestamp.
fn event(attributes: Value, objects: Value) -> Value {
    json!({"Event": {
        "id": "60", "orgc_id": "5", "org_id": "1", "date": "2026-11-20", "threat_level_id": "1",
        "info": "Banking trojan campaign", "published": true,
        "uuid": "5c7640c1-6f7c-4c5b-8f3f-03240a00020f", "attribute_count": "5", "analysis": "2",
        "timestamp": "1795132800", "distribution": "3", "proposal_email_lock": false,
        "locked": false, "publish_timestamp": "1795136400", "sharing_group_id": "0",
        "disable_correlation": false, "extends_uuid": "",
        "Org": {"id": "1", "name": "ORGNAME", "uuid": ORGC},
        "Orgc": {"id": "5", "name": "Synovus Financial", "uuid": "5a68c02d-959c-4c8a-a571-0dcac0a8060a"},
        "Tag": [{"id": "1", "name": "tlp:green", "colour": "#33FF00", "exportable": true}],
        "Attribute": attributes, "Object": objects,
        "ShadowAttribute": [], "RelatedEvent": [], "Galaxy": []
    }})
}

fn attr(n: u32, ty: &str, value: &str, to_ids: bool) -> Value {
    json!({
        "id": format!("{}", 8880 + n), "type": ty, "category": "Network activity",
        "to_ids": to_ids, "uuid": format!("5b6464ca-e73c-4707-9b8a-d0350acd{n:04}"),
        "event_id": "60", "distribution": "5", "timestamp": "1795132000", "comment": "",
        "sharing_group_id": "0", "deleted": false, "disable_correlation": false,
        "object_id": "0", "object_relation": null, "first_seen": null, "last_seen": null,
        "value": value, "Sighting": []
    })
}

fn ids_of(m: &MispImport) -> Vec<String> {
    m.objects
        .iter()
        .filter_map(|o| parse_object(o, None).ok())
        .flat_map(|o| indicator_values(&o))
        .map(|v| v.value().to_owned())
        .collect()
}

#[test]
fn a_scheme_less_url_refuses_only_its_attribute_and_skip_invalid_keeps_the_rest() {
    let e = event(
        json!([
            attr(1, "url", "http://evil.example/gate.php", true),
            attr(2, "url", "www.example.top", true),
            attr(3, "url", "expyuzz4wqqyqhjn.onion", true),
            attr(4, "domain", "c2.evil.example", true),
        ]),
        json!([]),
    );
    let errors = misp_to_stix(&e).expect_err("refused").0;
    let fields: Vec<&str> = errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        ["Event.Attribute[1].value", "Event.Attribute[2].value"]
    );
    assert!(errors[0].message.contains("no scheme"), "{}", errors[0]);

    let m = misp_to_stix_with(&e, MispOptions { skip_invalid: true }).expect("kept the rest");
    let skipped: Vec<&str> = m.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(skipped, ["Event.Attribute[1]", "Event.Attribute[2]"]);
    assert!(
        m.skipped[0]
            .reason
            .starts_with("invalid: Event.Attribute[1].value:")
    );
    let mut values = ids_of(&m);
    values.sort();
    assert_eq!(values, ["c2.evil.example", "http://evil.example/gate.php"]);
}

#[test]
fn rest_search_answers_are_read_and_bounded() {
    let one = event(json!([attr(1, "ip-dst", "198.51.100.20", true)]), json!([]));
    let mut two = event(json!([attr(2, "ip-dst", "198.51.100.21", true)]), json!([]));
    two["Event"]["uuid"] = json!("5c7640c1-6f7c-4c5b-8f3f-03240a00021f");
    let m = misp_to_stix(&json!({"response": [one.clone(), two]})).expect("restSearch");
    assert_eq!(of(&m, "report").len(), 2);
    let mut v = ids_of(&m);
    v.sort();
    assert_eq!(v, ["198.51.100.20", "198.51.100.21"]);
    // A list of events, as `misp_event.json` files and feeds hold them.
    assert!(misp_to_stix(&json!([one.clone()])).is_ok());
    let many = json!({"response": vec![one; MAX_MISP_EVENTS + 1]});
    let e = misp_to_stix(&many).expect_err("too many").0;
    assert_eq!(e[0].field, "response");
    assert!(misp_to_stix(&json!({"response": []})).is_err());
    assert!(misp_to_stix(&json!({"response": {"Event": {}}})).is_err());
}

fn of<'a>(m: &'a MispImport, ty: &str) -> Vec<&'a Value> {
    m.objects.iter().filter(|o| o["type"] == ty).collect()
}

#[test]
fn attributes_not_for_ids_are_observed_never_indicators() {
    let e = event(
        json!([
            attr(1, "ip-dst", "198.51.100.30", false),
            attr(2, "domain", "benign-cdn.example", false),
            attr(3, "sha256", &"ab".repeat(32), false),
            attr(4, "ip-dst", "198.51.100.31", true),
        ]),
        json!([{
            "name": "domain-ip", "meta-category": "network", "uuid": "5ac47edc-31e4-4402-a7b6-040d0a00030f",
            "timestamp": "1795132000", "distribution": "5", "Attribute": [
                {"object_relation": "domain", "type": "domain", "value": "shared-host.example", "to_ids": false},
                {"object_relation": "ip", "type": "ip-dst", "value": "198.51.100.32", "to_ids": false}
            ]
        }]),
    );
    let m = misp_to_stix(&e).expect("maps");
    assert_eq!(
        ids_of(&m),
        ["198.51.100.31"],
        "only the IDS attribute is a value"
    );
    assert_eq!(of(&m, "indicator").len(), 1);
    let observed = of(&m, "observed-data");
    assert_eq!(observed.len(), 4);
    let ipv4: Vec<&Value> = of(&m, "ipv4-addr");
    assert!(ipv4.iter().any(|o| o["value"] == "198.51.100.30"));
    let traffic = of(&m, "network-traffic");
    assert_eq!(traffic[0]["dst_ref"], ipv4[0]["id"]);
    // Every observable an observed-data names is in the import.
    let ids: HashSet<&Value> = m.objects.iter().map(|o| &o["id"]).collect();
    for o in observed {
        for r in o["object_refs"].as_array().expect("refs") {
            assert!(ids.contains(r), "{r}");
        }
    }
}

fn reaches(m: &MispImport) -> Vec<(&str, &Reach)> {
    m.origins
        .iter()
        .map(|o| (o.path.as_str(), &o.reach))
        .collect()
}

#[test]
fn distribution_narrows_never_widens() {
    let mut a = vec![
        attr(0, "ip-dst", "198.51.100.40", true),
        attr(1, "ip-dst", "198.51.100.41", true),
        attr(2, "ip-dst", "198.51.100.42", true),
        attr(3, "ip-dst", "198.51.100.43", true),
        attr(4, "ip-dst", "198.51.100.44", true),
    ];
    a[0]["distribution"] = json!("0");
    a[1]["distribution"] = json!("1");
    a[2]["distribution"] = json!(3);
    a[3]["distribution"] = json!("4");
    a[3]["sharing_group_id"] = json!("2");
    a[3]["SharingGroup"] =
        json!({"id": "2", "name": "電力ISAC", "uuid": "5d6d3b30-9db0-44b9-8869-7f56a9e0e0f8"});
    let mut e = event(json!(a), json!([]));
    e["Event"]["Tag"] = json!([{"name": "tlp:clear"}]);
    let mut m = misp_to_stix(&e).expect("maps");
    let r = reaches(&m);
    assert_eq!(r[0], ("Event.Orgc", &Reach::AllCommunities));
    assert_eq!(r[1].1, &Reach::OwnOrganisation);
    assert_eq!(r[2].1, &Reach::Communities);
    assert_eq!(r[3].1, &Reach::AllCommunities);
    assert_eq!(
        r[4].1,
        &Reach::SharingGroup {
            name: Some("電力ISAC".into()),
            uuid: Some("5d6d3b30-9db0-44b9-8869-7f56a9e0e0f8".into())
        }
    );
    assert_eq!(r[5].1, &Reach::AllCommunities, "5 inherits the event's");
    let notes = apply_reach(&mut m, Tlp::Green);
    let tlps: Vec<Option<Tlp>> = m
        .objects
        .iter()
        .map(|o| parse_object(o, None).expect("valid").tlp)
        .collect();
    assert_eq!(
        tlps[1..6],
        [
            Some(Tlp::AmberStrict),
            Some(Tlp::Green),
            Some(Tlp::Clear),
            Some(Tlp::Green),
            Some(Tlp::Clear)
        ]
    );
    let said: Vec<String> = notes.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 3, "{said:?}");
    assert_eq!(
        said[0],
        "Event.Attribute[0]: distribution 0 (your organisation only): TLP:CLEAR raised to TLP:AMBER+STRICT, readable by your organisation only"
    );
    assert!(said[2].contains("readable by the community \"電力ISAC\" only"));

    // An event for its organisation only: every item, whatever its own.
    e["Event"]["distribution"] = json!("0");
    let m = misp_to_stix(&e).expect("maps");
    assert!(m.origins.iter().all(|o| o.reach == Reach::OwnOrganisation));

    // A level MISP does not have, or a group nobody names, is refused.
    e["Event"]["Attribute"][1]["distribution"] = json!("9");
    e["Event"]["Attribute"][3]
        .as_object_mut()
        .map(|a| a.remove("SharingGroup"));
    let errors = misp_to_stix(&e).expect_err("refused").0;
    let fields: Vec<&str> = errors.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "Event.Attribute[1].distribution",
            "Event.Attribute[3].SharingGroup"
        ]
    );
}

#[test]
fn sharing_groups_left_without_a_community_are_dropped_with_their_references() {
    let mut a = vec![
        attr(0, "ip-dst", "198.51.100.50", true),
        attr(1, "ip-dst", "198.51.100.51", true),
    ];
    a[1]["distribution"] = json!("4");
    a[1]["SharingGroup"] = json!({"name": "Nobody"});
    a[1]["Sighting"] = json!([{"type": "0", "date_sighting": "1795133000", "uuid": "5c7641bf-a4e8-4d5d-a653-03240a00020f"}]);
    let mut m = misp_to_stix(&event(json!(a), json!([]))).expect("maps");
    let gone = drop_items(&mut m, &HashSet::from(["Event.Attribute[1]".to_owned()]));
    assert_eq!(gone.len(), 2, "the indicator and its sighting: {gone:?}");
    let report = of(&m, "report")[0];
    assert_eq!(report["object_refs"].as_array().map(Vec::len), Some(1));
}

#[test]
fn twenty_sightings_become_twenty_sightings() {
    let mut a = attr(1, "domain", "bank-login.example", true);
    a["Sighting"] = json!((0..20).map(|i| json!({
        "id": format!("{}", 8 + i), "attribute_id": "8881", "event_id": "60", "org_id": "1",
        "date_sighting": format!("{}", 1_795_133_000 + i * 60),
        "uuid": format!("5c7641bf-a4e8-4d5d-a653-03240a00{i:04}"), "source": "", "type": "0",
        "Organisation": {"id": "1", "uuid": ORGC, "name": "ORGNAME"},
        "attribute_uuid": "5b6464ca-e73c-4707-9b8a-d0350acd0001"
    })).collect::<Vec<_>>());
    a["Sighting"][19]["type"] = json!("1");
    let m = misp_to_stix(&event(json!([a]), json!([]))).expect("maps");
    let indicator = &of(&m, "indicator")[0]["id"];
    let sightings = of(&m, "sighting");
    assert_eq!(sightings.len(), 19);
    let org = of(&m, "identity")
        .into_iter()
        .find(|i| i["name"] == "ORGNAME")
        .expect("the sighting organisation");
    for s in &sightings {
        assert_eq!(&s["sighting_of_ref"], indicator);
        assert_eq!(s["count"], 1);
        assert_eq!(s["first_seen"], s["last_seen"]);
        assert_eq!(s["where_sighted_refs"], json!([org["id"]]));
    }
    assert_eq!(sightings[0]["first_seen"], "2026-11-20T00:03:20.000Z");
    let opinion = of(&m, "opinion");
    assert_eq!(opinion[0]["opinion"], "strongly-disagree");
    assert_eq!(opinion[0]["object_refs"], json!([indicator]));
}

#[test]
fn galaxies_become_objects_related_to_indicators_not_labels() {
    let cluster = |ty: &str, value: &str, uuid: &str| {
        json!({"id": "1", "uuid": uuid, "collection_uuid": "", "type": ty, "value": value,
               "tag_name": format!("misp-galaxy:{ty}=\"{value}\""), "description": "From MITRE",
               "galaxy_id": "1", "source": "MITRE", "authors": ["MITRE"], "version": "8",
               "meta": {"external_id": ["G0007"], "refs": ["https://attack.mitre.org/groups/G0007"],
                        "synonyms": ["Sofacy"], "kill_chain": ["mitre-attack:enterprise-attack:initial-access"]}})
    };
    let mut a = attr(1, "sha256", &"cd".repeat(32), true);
    a["Galaxy"] = json!([{"id": "2", "uuid": "d752161c-78f6-11e7-a0ea-bfa79b407ce4", "name": "Malware",
        "type": "mitre-malware", "description": "d", "GalaxyCluster": [cluster("mitre-malware", "Emotet - S0367", "32066e94-3112-48ca-b9eb-ba2b59d2f023")]}]);
    a["Tag"] = json!([{"name": "misp-galaxy:mitre-malware=\"Emotet - S0367\""}]);
    let mut e = event(json!([a]), json!([]));
    e["Event"]["Galaxy"] = json!([
        {"id": "3", "name": "Intrusion Set", "type": "mitre-intrusion-set", "description": "d",
         "GalaxyCluster": [cluster("mitre-intrusion-set", "APT28 - G0007", "bef4c620-0787-42a8-a96d-b7eb6e85917c")]},
        {"id": "4", "name": "Guidelines", "type": "guidelines", "description": "d",
         "GalaxyCluster": [cluster("guidelines", "Fancy rule", "2f0a3e7a-0b9a-4c1e-9b1b-3c7b7b1c2d3e")]},
        {"id": "5", "name": "Attack Pattern", "type": "mitre-attack-pattern", "description": "d",
         "GalaxyCluster": [cluster("mitre-attack-pattern", "Phishing - T1566", "a62a8db3-f23a-4d8f-afd6-9dbc77e7813b")]}
    ]);
    e["Event"]["Tag"] = json!([{"name": "tlp:green"}, {"name": "misp-galaxy:mitre-intrusion-set=\"APT28 - G0007\""}]);
    let m = misp_to_stix(&e).expect("maps");
    let set = &of(&m, "intrusion-set")[0];
    assert_eq!(set["name"], "APT28");
    assert_eq!(set["aliases"], json!(["Sofacy"]));
    assert_eq!(
        set["external_references"][0],
        json!({"source_name": "mitre-attack", "external_id": "G0007"})
    );
    assert_eq!(
        of(&m, "attack-pattern")[0]["kill_chain_phases"][0]["phase_name"],
        "initial-access"
    );
    assert_eq!(
        of(&m, "x-misp-galaxy-cluster")[0]["x_misp_value"],
        "Fancy rule"
    );
    let malware = &of(&m, "malware")[0];
    assert_eq!(
        (malware["name"].clone(), malware["is_family"].clone()),
        (json!("Emotet"), json!(true))
    );
    let rel = &of(&m, "relationship")[0];
    assert_eq!(rel["relationship_type"], "indicates");
    assert_eq!(rel["source_ref"], of(&m, "indicator")[0]["id"]);
    assert_eq!(rel["target_ref"], malware["id"]);
    let report = &of(&m, "report")[0];
    for id in [&set["id"], &malware["id"], &rel["id"]] {
        assert!(
            report["object_refs"]
                .as_array()
                .is_some_and(|r| r.contains(id)),
            "{id}"
        );
    }
    let labels = |o: &Value| o["labels"].to_string();
    assert!(
        !labels(report).contains("misp-galaxy:mitre-intrusion-set"),
        "{}",
        labels(report)
    );
    assert!(!labels(of(&m, "indicator")[0]).contains("Emotet"));
}

#[test]
fn the_creator_organisation_is_the_creator_of_every_object() {
    let m = misp_to_stix(&event(
        json!([
            attr(1, "ip-dst", "198.51.100.60", false),
            attr(2, "md5", "d41d8cd98f00b204e9800998ecf8427e", true)
        ]),
        json!([]),
    ))
    .expect("maps");
    let orgc = of(&m, "identity");
    assert_eq!(orgc.len(), 1);
    assert_eq!(orgc[0]["name"], "Synovus Financial");
    assert_eq!(orgc[0]["identity_class"], "organization");
    for o in &m.objects {
        let sco = o["object_marking_refs"].is_array() && o.get("created").is_none();
        if o["type"] != "identity" && !sco {
            assert_eq!(o["created_by_ref"], orgc[0]["id"], "{o}");
        }
    }
}

fn object(name: &str, uuid: &str, attrs: &[(&str, &str, &str, bool)]) -> Value {
    json!({"name": name, "meta-category": "network", "description": "", "uuid": uuid,
        "template_version": "3", "timestamp": "1795132000", "distribution": "5", "deleted": false,
        "Attribute": attrs.iter().enumerate().map(|(i, (rel, ty, v, ids))| json!({
            "uuid": format!("91ae0a21-c7ae-4c7f-b84b-b84a7ce5{i:04}"), "object_relation": rel,
            "value": v, "type": ty, "category": "Network activity", "to_ids": ids,
            "distribution": "5", "deleted": false
        })).collect::<Vec<_>>()})
}

#[test]
fn ports_stay_in_the_pattern_and_a_connections_source_is_no_value_of_its_own() {
    let objects = json!([
        object(
            "ip-port",
            "5ac47edc-31e4-4402-a7b6-040d0a00020f",
            &[
                ("ip", "ip-dst", "149.13.33.14", true),
                ("dst-port", "port", "443", false),
                ("domain", "domain", "c2.evil.example", true)
            ]
        ),
        object(
            "network-connection",
            "5afacc53-c0b0-4825-a6ee-03c80a00020f",
            &[
                ("ip-src", "ip-src", "192.168.1.10", true),
                ("ip-dst", "ip-dst", "203.0.113.77", true),
                ("src-port", "port", "49152", false),
                ("dst-port", "port", "8080", false),
                ("layer4-protocol", "text", "TCP", false),
                ("hostname-dst", "hostname", "c2.evil.example", true)
            ]
        ),
    ]);
    let m = misp_to_stix(&event(json!([]), objects)).expect("maps");
    let p: Vec<&str> = m
        .objects
        .iter()
        .filter_map(|o| o["pattern"].as_str())
        .collect();
    assert_eq!(
        p,
        [
            "[((network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '149.13.33.14') OR (network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'c2.evil.example')) AND network-traffic:dst_port = 443]",
            "[(network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '192.168.1.10') AND ((network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.77') OR (network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'c2.evil.example')) AND network-traffic:src_port = 49152 AND network-traffic:dst_port = 8080 AND network-traffic:protocols[*] = 'tcp']",
        ]
    );
    let mut values = ids_of(&m);
    values.sort();
    values.dedup();
    assert_eq!(
        values,
        ["149.13.33.14", "203.0.113.77", "c2.evil.example"],
        "not 192.168.1.10"
    );
}

#[test]
fn email_x509_and_registry_key_objects_are_mapped_not_dropped() {
    let objects = json!([
        object(
            "email",
            "5a8a1b64-0a2c-4f52-9c4c-2d4c0a00020f",
            &[
                ("from", "email-src", "donald.duck@disney.example", true),
                ("to", "email-dst", "jdoe@random.example", false),
                ("subject", "email-subject", "請求書のご確認", true),
                ("x-mailer", "email-x-mailer", "Microsoft Outlook 16.0", true),
                (
                    "from-display-name",
                    "email-src-display-name",
                    "Donald Duck",
                    false
                )
            ]
        ),
        object(
            "x509",
            "5ac3444e-145c-4749-8467-02550a00020f",
            &[
                (
                    "x509-fingerprint-sha1",
                    "x509-fingerprint-sha1",
                    "5898FC860300E228DCD54C0B1045B5FA0DCDA502",
                    true
                ),
                ("issuer", "text", "Issuer Name", false),
                ("serial-number", "text", "1234567890", false),
                ("pubkey-info-exponent", "text", "65537", false),
                (
                    "validity-not-before",
                    "datetime",
                    "2020-10-25T16:22:00+00:00",
                    false
                )
            ]
        ),
        object(
            "registry-key",
            "5ac3379c-3e74-44ba-9160-04120a00020f",
            &[
                (
                    "key",
                    "regkey",
                    "hkey_local_machine\\system\\bar\\foo",
                    true
                ),
                ("hive", "text", "hklm", false),
                ("name", "text", "RegistryName", false),
                ("data", "text", "%DATA%\\qwertyuiop", false),
                ("data-type", "text", "REG_SZ", false),
                (
                    "last-modified",
                    "datetime",
                    "2020-10-25T16:22:00+00:00",
                    false
                )
            ]
        ),
    ]);
    let m = misp_to_stix(&event(json!([]), objects)).expect("maps");
    let p: Vec<&str> = m
        .objects
        .iter()
        .filter_map(|o| o["pattern"].as_str())
        .collect();
    assert_eq!(
        p,
        [
            "[email-message:from_ref.value = 'donald.duck@disney.example' AND email-message:to_refs[*].value = 'jdoe@random.example' AND email-message:subject = '請求書のご確認' AND email-message:additional_header_fields.'X-Mailer' = 'Microsoft Outlook 16.0']",
            "[x509-certificate:hashes.'SHA-1' = '5898fc860300e228dcd54c0b1045b5fa0dcda502' AND x509-certificate:issuer = 'Issuer Name' AND x509-certificate:serial_number = '1234567890']",
            "[windows-registry-key:key = 'hkey_local_machine\\\\system\\\\bar\\\\foo' AND windows-registry-key:values[*].name = 'RegistryName' AND windows-registry-key:values[*].data = '%DATA%\\\\qwertyuiop']",
        ]
    );
    assert_eq!(ids_of(&m), ["donald.duck@disney.example"]);
    let skipped: Vec<&str> = m.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        skipped,
        ["Event.Object[0].Attribute[4]"],
        "the display name; the hive is in the key"
    );
}

#[test]
fn objects_not_for_ids_are_observed_with_linked_observables() {
    let objects = json!([
        object(
            "network-connection",
            "5afacc53-c0b0-4825-a6ee-03c80a00021f",
            &[
                ("ip-src", "ip-src", "192.168.1.10", false),
                ("ip-dst", "ip-dst", "203.0.113.78", false),
                ("dst-port", "port", "8080", false)
            ]
        ),
        object(
            "registry-key",
            "5ac3379c-3e74-44ba-9160-04120a00021f",
            &[
                ("key", "regkey", "HKLM\\Software\\Run", false),
                ("data-type", "text", "REG_SZ", false)
            ]
        ),
    ]);
    let m = misp_to_stix(&event(json!([]), objects)).expect("maps");
    assert!(ids_of(&m).is_empty());
    let nt = &of(&m, "network-traffic")[0];
    assert_eq!(nt["dst_port"], 8080);
    let addrs = of(&m, "ipv4-addr");
    assert_eq!(
        (nt["src_ref"].clone(), nt["dst_ref"].clone()),
        (addrs[0]["id"].clone(), addrs[1]["id"].clone())
    );
    let key = &of(&m, "windows-registry-key")[0];
    assert_eq!(key["values"], json!([{"data_type": "REG_SZ"}]));
    assert_eq!(of(&m, "observed-data").len(), 2);
}

#[test]
fn scoped_ids_rename_every_reference() {
    let mut a = attr(1, "ip-dst", "198.51.100.70", false);
    a["Sighting"] = json!([{"type": "0", "date_sighting": "1795133000", "uuid": "5c7641bf-a4e8-4d5d-a653-03240a00030f",
        "Organisation": {"uuid": ORGC, "name": "ORGNAME"}}]);
    let mut m = misp_to_stix(&event(json!([a]), json!([]))).expect("maps");
    let before: HashSet<String> = m
        .objects
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    scope_ids(&mut m, "org:7");
    let after: HashSet<String> = m
        .objects
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    assert!(before.is_disjoint(&after));
    let text = serde_json::to_string(&m.objects).expect("json");
    for old in &before {
        assert!(!text.contains(old.as_str()), "{old} still referred to");
    }
    for o in &m.objects {
        parse_object(o, None).unwrap_or_else(|e| panic!("{o}: {e}"));
    }
}

#[test]
fn an_item_that_would_make_invalid_stix_is_refused_by_its_path() {
    let mut bad = attr(1, "vulnerability", "CVE-2026-0001", true);
    bad["first_seen"] = json!("not a time");
    let e = event(
        json!([bad, attr(2, "ip-dst", "198.51.100.80", true)]),
        json!([]),
    );
    let errors = misp_to_stix(&e).expect_err("refused").0;
    assert_eq!(errors[0].field, "Event.Attribute[0].first_seen");
    let m = misp_to_stix_with(&e, MispOptions { skip_invalid: true }).expect("the rest");
    assert_eq!(of(&m, "vulnerability").len(), 0);
    assert_eq!(m.skipped[0].path, "Event.Attribute[0]");
}
