//! What STIX 2.1 asks of each object type beyond the common properties:
//! required and typed properties, hash and language-tag shapes, and the
//! rules particular to one type (indicator, malware, location, …).

use serde_json::Value;

use super::Check;
use crate::marking::{reserved_marking, reserved_marking_differences};
use crate::time::StixTime;

pub(super) const SCO_TYPES: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// Required properties of each SDO/SRO/SMO type beyond the common ones.
pub(super) const REQUIRED: &[(&str, &[&str])] = &[
    ("attack-pattern", &["name"]),
    ("campaign", &["name"]),
    ("course-of-action", &["name"]),
    ("grouping", &["context", "object_refs"]),
    ("identity", &["name"]),
    ("incident", &["name"]),
    ("indicator", &["pattern", "pattern_type", "valid_from"]),
    ("infrastructure", &["name"]),
    ("intrusion-set", &["name"]),
    ("location", &[]),
    ("malware", &["is_family"]),
    ("malware-analysis", &["product"]),
    ("note", &["content", "object_refs"]),
    (
        "observed-data",
        &["first_observed", "last_observed", "number_observed"],
    ),
    ("opinion", &["opinion", "object_refs"]),
    ("report", &["name", "published", "object_refs"]),
    ("threat-actor", &["name"]),
    ("tool", &["name"]),
    ("vulnerability", &["name"]),
    (
        "relationship",
        &["relationship_type", "source_ref", "target_ref"],
    ),
    ("sighting", &["sighting_of_ref"]),
    ("marking-definition", &[]),
    (
        "language-content",
        &["object_ref", "object_modified", "contents"],
    ),
    (
        "extension-definition",
        &["name", "schema", "version", "extension_types"],
    ),
];

pub(super) const SCO_REQUIRED: &[(&str, &[&str])] = &[
    ("autonomous-system", &["number"]),
    ("directory", &["path"]),
    ("domain-name", &["value"]),
    ("email-addr", &["value"]),
    ("email-message", &["is_multipart"]),
    ("ipv4-addr", &["value"]),
    ("ipv6-addr", &["value"]),
    ("mac-addr", &["value"]),
    ("mutex", &["name"]),
    ("network-traffic", &["protocols"]),
    ("software", &["name"]),
    ("url", &["value"]),
];

/// Properties whose value must be a string.
pub(super) const STRINGS: &[&str] = &[
    "name",
    "description",
    "pattern",
    "pattern_type",
    "pattern_version",
    "context",
    "relationship_type",
    "opinion",
    "content",
    "lang",
    "result",
    "product",
    "version",
    "path",
    "abstract",
    "explanation",
    "identity_class",
    "primary_motivation",
    "resource_level",
    "sophistication",
    "region",
    "country",
    "definition_type",
];

/// Properties whose value must be a non-empty list of strings.
pub(super) const STRING_LISTS: &[&str] = &[
    "labels",
    "indicator_types",
    "malware_types",
    "aliases",
    "roles",
    "goals",
    "sectors",
    "tool_types",
    "threat_actor_types",
    "infrastructure_types",
    "report_types",
    "personal_motivations",
    "secondary_motivations",
    "architecture_execution_envs",
    "implementation_languages",
    "capabilities",
    "protocols",
    "authors",
    "extension_types",
    "extension_properties",
];

/// Hex lengths of the hash algorithms STIX names (file hashes and patterns).
const HASH_HEX_LEN: &[(&str, usize)] = &[
    ("MD5", 32),
    ("SHA-1", 40),
    ("SHA-256", 64),
    ("SHA-512", 128),
    ("SHA3-256", 64),
    ("SHA3-512", 128),
];

/// Checks a hash value for a named algorithm; unknown algorithms pass.
pub fn check_hash(algorithm: &str, value: &str) -> Result<(), String> {
    match HASH_HEX_LEN
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(algorithm))
    {
        Some((a, n)) if value.len() != *n || !value.bytes().all(|b| b.is_ascii_hexdigit()) => Err(
            format!("{value:?} is not a {a} hash ({n} hexadecimal digits)"),
        ),
        _ => Ok(()),
    }
}

/// An RFC 5646 language tag, by shape (`ja`, `en-US`, `zh-Hant-TW`).
pub(super) fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or_default();
    (2..=8).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Timestamp properties checked wherever they appear.
pub(super) const TIMESTAMPS: &[&str] = &[
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "first_observed",
    "last_observed",
    "published",
    "object_modified",
    "start_time",
    "stop_time",
];

pub(super) fn type_rules(c: &mut Check<'_>, type_name: &str) {
    match type_name {
        "indicator" => {
            let from = c
                .obj
                .get("valid_from")
                .and_then(Value::as_str)
                .and_then(|s| StixTime::parse(s).ok());
            let until = c
                .obj
                .get("valid_until")
                .and_then(Value::as_str)
                .and_then(|s| StixTime::parse(s).ok());
            if let (Some(f), Some(u)) = (from, until)
                && u.micros <= f.micros
            {
                c.err("valid_until", "must be later than valid_from");
            }
            let kind = c.string("pattern_type").map(str::to_owned);
            if let Some(p) = c.string("pattern").map(str::to_owned)
                && kind.as_deref() == Some("stix")
            {
                match crate::pattern::comparisons(&p) {
                    Err(m) => c.err("pattern", m),
                    Ok(cmps) => {
                        for cmp in cmps {
                            if let Some(alg) = cmp
                                .path
                                .split_once(":hashes.")
                                .map(|(_, a)| a.trim_matches('\''))
                                && let Err(m) = check_hash(alg, &cmp.value)
                            {
                                c.err("pattern", format!("{}: {m}", cmp.path));
                            }
                        }
                    }
                }
            }
        }
        "malware" => {
            if c.obj.get("is_family").is_some_and(|f| !f.is_boolean()) {
                c.err("is_family", "must be true or false");
            }
            if c.obj.get("is_family") == Some(&Value::Bool(true)) && !c.obj.contains_key("name") {
                c.err("name", "is required when is_family is true");
            }
        }
        "location" => {
            let has = |k: &str| c.obj.contains_key(k);
            if !(has("region") || has("country") || (has("latitude") && has("longitude"))) {
                c.err(
                    "region",
                    "a location needs region, country, or latitude and longitude",
                );
            }
        }
        "observed-data"
            if !c
                .obj
                .get("number_observed")
                .and_then(Value::as_i64)
                .is_some_and(|n| (1..=999_999_999).contains(&n)) =>
        {
            c.err(
                "number_observed",
                "must be an integer from 1 to 999,999,999",
            );
        }
        "sighting" => {
            if let Some(n) = c.obj.get("count")
                && !n.as_i64().is_some_and(|n| (0..=999_999_999).contains(&n))
            {
                c.err("count", "must be an integer from 0 to 999,999,999");
            }
        }
        "marking-definition" => {
            // A TLP id names the specification's definition everywhere;
            // another definition under it would change what every object
            // marked with it means to whoever resolves the reference.
            if let Some(spec) = c
                .obj
                .get("id")
                .and_then(Value::as_str)
                .and_then(reserved_marking)
            {
                for (field, message) in reserved_marking_differences(c.obj, &spec) {
                    c.err(field, message);
                }
            }
            let tlp2 = c
                .obj
                .get("extensions")
                .and_then(Value::as_object)
                .is_some_and(|e| !e.is_empty());
            let classic = c.obj.contains_key("definition_type") && c.obj.contains_key("definition");
            if !(tlp2 || classic) {
                c.err(
                    "definition",
                    "a marking definition needs definition_type and definition, or an extension",
                );
            }
        }
        _ => {}
    }
}
