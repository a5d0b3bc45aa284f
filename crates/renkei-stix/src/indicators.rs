//! STIX indicators built from indicator values, and the values read back
//! out of an indicator's pattern.

use std::collections::HashSet;

use renkei_core::{IndicatorValue, Timestamp, Tlp, ValueKind};
use serde_json::{Value, json};

use crate::{StixId, StixObject, StixTime, tlp_marking_id};

/// What goes into an indicator besides its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorOptions {
    /// `created`, `modified` and `valid_from`.
    pub created: StixTime,
    /// The TLP the indicator is marked with.
    pub tlp: Tlp,
    /// The identity that shares it.
    pub created_by: Option<StixId>,
    /// Defaults to `"{kind}: {value}"`.
    pub name: Option<String>,
    /// STIX `description`.
    pub description: Option<String>,
    /// STIX `valid_until`; must be later than `created`.
    pub valid_until: Option<StixTime>,
    /// STIX `labels`; omitted when empty.
    pub labels: Vec<String>,
    /// STIX `valid_from`; `created` when absent.
    pub valid_from: Option<StixTime>,
    /// The destination port: the pattern then tests a `network-traffic`
    /// to the value (an address or a domain) on this port.
    pub dst_port: Option<u16>,
}

impl IndicatorOptions {
    /// Options with nothing but the time and the TLP.
    pub fn new(created: StixTime, tlp: Tlp) -> Self {
        Self {
            created,
            tlp,
            created_by: None,
            name: None,
            description: None,
            valid_until: None,
            labels: Vec::new(),
            valid_from: None,
            dst_port: None,
        }
    }
}

/// A STIX 2.1 `indicator` for `v`, with a fresh random id. `created` is
/// written with at least millisecond precision, as STIX requires.
pub fn indicator_object(v: &IndicatorValue, o: &IndicatorOptions) -> Value {
    let millis = |t: &StixTime| {
        if t.precision >= 3 {
            t.text.clone()
        } else {
            StixTime::from_timestamp(Timestamp(t.micros)).text
        }
    };
    let created = millis(&o.created);
    let shown = match (o.dst_port, v.kind()) {
        (None, _) => v.value().to_owned(),
        (Some(p), ValueKind::Ipv6) => format!("[{}]:{p}", v.value()),
        (Some(p), _) => format!("{}:{p}", v.value()),
    };
    let mut obj = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{}", uuid::Uuid::new_v4()),
        "created": created,
        "modified": created,
        "name": o.name.clone().unwrap_or_else(|| format!("{}: {shown}", v.kind())),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern(v, o.dst_port),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": o.valid_from.as_ref().map_or_else(|| created.clone(), millis),
        "object_marking_refs": [tlp_marking_id(o.tlp)],
    });
    let Some(map) = obj.as_object_mut() else {
        return obj;
    };
    if let Some(d) = &o.description {
        map.insert("description".into(), json!(d));
    }
    if let Some(u) = &o.valid_until {
        map.insert("valid_until".into(), json!(u.text));
    }
    if let Some(by) = &o.created_by {
        map.insert("created_by_ref".into(), json!(by.as_str()));
    }
    if !o.labels.is_empty() {
        map.insert("labels".into(), json!(o.labels));
    }
    obj
}

/// The pattern for `v`; with a port, a `network-traffic` to `v` on it, as
/// STIX 2.1 writes a connection to an address (§ 9.7's examples) and as
/// MISP's converter writes `ip-dst|port`.
fn pattern(v: &IndicatorValue, port: Option<u16>) -> String {
    let ref_type = match v.kind() {
        ValueKind::Ipv4 => "ipv4-addr",
        ValueKind::Ipv6 => "ipv6-addr",
        ValueKind::Domain => "domain-name",
        _ => return v.stix_pattern(),
    };
    let Some(port) = port else {
        return v.stix_pattern();
    };
    let escaped = v.value().replace('\\', "\\\\").replace('\'', "\\'");
    format!(
        "[network-traffic:dst_ref.type = '{ref_type}' AND network-traffic:dst_ref.value = '{escaped}' AND network-traffic:dst_port = {port}]"
    )
}

/// The indicator values an `indicator` with a STIX pattern tests for: its
/// positive equality comparisons on paths the index knows, whose values
/// parse, each once. Other objects and pattern languages give nothing.
pub fn indicator_values(obj: &StixObject) -> Vec<IndicatorValue> {
    if obj.type_name != "indicator"
        || obj.value.get("pattern_type").and_then(Value::as_str) != Some("stix")
    {
        return Vec::new();
    }
    let Some(pattern) = obj.value.get("pattern").and_then(Value::as_str) else {
        return Vec::new();
    };
    let Ok(comparisons) = crate::pattern::comparisons(pattern) else {
        return Vec::new();
    };
    // A connection's source is context for its destination (the sandbox's
    // own address beside the C2): read only where no destination is tested.
    let with_dst: HashSet<usize> = comparisons
        .iter()
        .filter(|c| c.path.eq_ignore_ascii_case("network-traffic:dst_ref.value"))
        .map(|c| c.observation)
        .collect();
    let mut seen = HashSet::new();
    comparisons
        .into_iter()
        .filter_map(|c| {
            let path = c.path.to_ascii_lowercase();
            match path.as_str() {
                "network-traffic:dst_ref.value" => host(&c.value),
                "network-traffic:src_ref.value" if !with_dst.contains(&c.observation) => {
                    host(&c.value)
                }
                "network-traffic:src_ref.value" => None,
                "domain-name:resolves_to_refs.[*].value" => address(&c.value),
                _ => {
                    let kind = ValueKind::from_stix_path(&c.path)?;
                    IndicatorValue::parse(kind, &c.value).ok()
                }
            }
        })
        .filter(|v| seen.insert(v.clone()))
        .collect()
}

/// An address (as misp-stix writes `network-traffic` ends and resolved
/// addresses).
fn address(raw: &str) -> Option<IndicatorValue> {
    let kind = if raw.contains(':') {
        ValueKind::Ipv6
    } else {
        ValueKind::Ipv4
    };
    IndicatorValue::parse(kind, raw).ok()
}

/// An address or a host name.
fn host(raw: &str) -> Option<IndicatorValue> {
    address(raw).or_else(|| IndicatorValue::parse(ValueKind::Domain, raw).ok())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parse_object;

    pub(crate) fn sample_values() -> Vec<IndicatorValue> {
        [
            (ValueKind::Ipv4, "198.51.100.7"),
            (ValueKind::Ipv4, "203.0.113.0/24"),
            (ValueKind::Ipv6, "2001:db8::1"),
            (ValueKind::Ipv6, "2001:db8:abcd::/48"),
            (ValueKind::Domain, "evil.example"),
            (ValueKind::Url, "http://evil.example/gate.php?id=1&x='a'"),
            (ValueKind::Email, "phish@bad.example"),
            (ValueKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
            (ValueKind::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (
                ValueKind::Sha256,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (ValueKind::Sha512, &"cf83e1357eefb8bd".repeat(8)),
        ]
        .into_iter()
        .map(|(k, v)| IndicatorValue::parse(k, v).unwrap_or_else(|e| panic!("{v}: {e}")))
        .collect()
    }

    #[test]
    fn every_kind_makes_a_valid_indicator_that_reads_back() {
        let created = StixTime::parse("2026-11-01T09:00:00Z").expect("time");
        let mut o = IndicatorOptions::new(created, Tlp::Amber);
        o.valid_until = StixTime::parse("2026-12-01T09:00:00.000Z").ok();
        o.created_by = StixId::parse("identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").ok();
        o.labels = vec!["c2".into()];
        o.description = Some("説明".into());
        for v in sample_values() {
            let obj = indicator_object(&v, &o);
            let parsed = parse_object(&obj, None).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(parsed.tlp, Some(Tlp::Amber));
            assert_eq!(obj["created"], "2026-11-01T09:00:00.000Z");
            assert_eq!(obj["name"], format!("{}: {}", v.kind(), v.value()));
            assert_eq!(indicator_values(&parsed), vec![v.clone()], "{obj}");
        }
    }

    #[test]
    fn a_port_makes_a_network_traffic_pattern_that_reads_back() {
        let created = StixTime::parse("2026-11-01T09:00:00Z").expect("time");
        let mut o = IndicatorOptions::new(created, Tlp::Green);
        o.dst_port = Some(4444);
        o.valid_from = StixTime::parse("2026-10-05T08:46:30Z").ok();
        for (kind, raw, ref_type) in [
            (ValueKind::Ipv4, "198.51.100.36", "ipv4-addr"),
            (ValueKind::Ipv6, "2001:db8::7", "ipv6-addr"),
            (ValueKind::Domain, "c2.evil-co.example.com", "domain-name"),
        ] {
            let v = IndicatorValue::parse(kind, raw).expect("value");
            let obj = indicator_object(&v, &o);
            assert_eq!(
                obj["pattern"],
                format!(
                    "[network-traffic:dst_ref.type = '{ref_type}' AND network-traffic:dst_ref.value = '{raw}' AND network-traffic:dst_port = 4444]"
                )
            );
            assert_eq!(obj["valid_from"], "2026-10-05T08:46:30.000Z");
            let parsed = parse_object(&obj, None).unwrap_or_else(|e| panic!("{obj}: {e}"));
            assert_eq!(indicator_values(&parsed), vec![v], "{obj}");
        }
        let url = IndicatorValue::parse(ValueKind::Url, "http://x.example.com/").expect("url");
        assert_eq!(
            indicator_object(&url, &o)["pattern"],
            url.stix_pattern(),
            "only hosts take a port"
        );
    }

    #[test]
    fn values_come_from_equality_tests_once_each() {
        let obj = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2026-11-01T09:00:00.000Z", "modified": "2026-11-01T09:00:00.000Z",
            "pattern": "[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value = '198.51.100.1/32'] AND \
                        [domain-name:value = 'Evil.Example'] AND [file:name = 'a.exe'] AND \
                        [ipv4-addr:value = 'not an ip'] AND [url:value != 'http://ok.example/']",
            "pattern_type": "stix", "valid_from": "2026-11-01T09:00:00Z"
        });
        let parsed = parse_object(&obj, None).expect("valid");
        let got: Vec<String> = indicator_values(&parsed)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got, ["ipv4:198.51.100.1", "domain:evil.example"]);
        // misp-stix's shapes: connection ends and resolved addresses; a
        // source is a value only where no destination is tested with it.
        let mut traffic = obj.clone();
        traffic["pattern"] = json!(
            "[(network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '192.0.2.10') AND \
              (network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'c2.example') AND \
              network-traffic:dst_port = 443] AND \
             [(network-traffic:src_ref.type = 'ipv6-addr' AND network-traffic:src_ref.value = '2001:db8::5')] AND \
             [domain-name:value = 'a.example' AND domain-name:resolves_to_refs[*].value = '198.51.100.9']"
        );
        let parsed = parse_object(&traffic, None).expect("valid");
        let got: Vec<String> = indicator_values(&parsed)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            [
                "domain:c2.example",
                "ipv6:2001:db8::5",
                "domain:a.example",
                "ipv4:198.51.100.9"
            ]
        );
        let mut sigma = obj.clone();
        sigma["pattern_type"] = json!("sigma");
        sigma["pattern"] = json!("title: x");
        let parsed = parse_object(&sigma, None).expect("valid");
        assert!(indicator_values(&parsed).is_empty());
    }
}
