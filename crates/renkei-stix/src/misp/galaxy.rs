//! MISP galaxies: each cluster becomes the STIX object misp-stix makes of
//! its galaxy type (attack-pattern, malware, threat-actor, …; a custom
//! `x-misp-galaxy-cluster` for the others), referred to by the report and
//! related to the indicators of the attributes that carry it.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::convert::{Convert, EventContext, decorate, stix_time};
use super::derived_id;

/// Clusters met in the current event, made into objects at its end.
#[derive(Debug, Default)]
pub(super) struct Clusters {
    pending: Vec<Value>,
    /// Ids already made in this export.
    pub(super) emitted: HashSet<String>,
}

const ATTACK_PATTERN: &[&str] = &[
    "cmtmf-attack-pattern",
    "mitre-attack-pattern",
    "mitre-enterprise-attack-attack-pattern",
    "mitre-ics-techniques",
    "mitre-mobile-attack-attack-pattern",
    "mitre-pre-attack-attack-pattern",
];
const COURSE_OF_ACTION: &[&str] = &[
    "mitre-course-of-action",
    "mitre-enterprise-attack-course-of-action",
    "mitre-mobile-attack-course-of-action",
];
const INTRUSION_SET: &[&str] = &[
    "mitre-enterprise-attack-intrusion-set",
    "mitre-intrusion-set",
    "mitre-mobile-attack-intrusion-set",
    "mitre-pre-attack-intrusion-set",
];
const MALWARE: &[&str] = &[
    "android",
    "backdoor",
    "banker",
    "cryptominers",
    "malpedia",
    "mitre-enterprise-attack-malware",
    "mitre-ics-software",
    "mitre-malware",
    "mitre-mobile-attack-malware",
    "ransomware",
    "stealer",
];
const THREAT_ACTOR: &[&str] = &[
    "360net-threat-actor",
    "microsoft-activity-group",
    "mitre-ics-groups",
    "threat-actor",
];
const TOOL: &[&str] = &[
    "botnet",
    "rat",
    "exploit-kit",
    "tds",
    "tool",
    "mitre-tool",
    "mitre-enterprise-attack-tool",
    "mitre-mobile-attack-tool",
];

/// The STIX type misp-stix makes of a galaxy type.
pub(super) fn stix_type(galaxy_type: &str) -> &'static str {
    let t = galaxy_type.trim();
    let is = |list: &[&str]| list.contains(&t);
    if is(ATTACK_PATTERN) {
        "attack-pattern"
    } else if is(COURSE_OF_ACTION) {
        "course-of-action"
    } else if is(INTRUSION_SET) {
        "intrusion-set"
    } else if is(MALWARE) {
        "malware"
    } else if is(THREAT_ACTOR) {
        "threat-actor"
    } else if is(TOOL) {
        "tool"
    } else if t == "branded-vulnerability" {
        "vulnerability"
    } else if t == "sector" {
        "identity"
    } else {
        "x-misp-galaxy-cluster"
    }
}

/// The tags of the clusters in `Galaxy[]` (those become objects, not
/// labels).
pub(super) fn tag_names(galaxies: Option<&Value>) -> HashSet<String> {
    let mut out = HashSet::new();
    for g in galaxies.and_then(Value::as_array).into_iter().flatten() {
        for c in g
            .get("GalaxyCluster")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = c.get("tag_name").and_then(Value::as_str) {
                out.insert(t.trim().to_owned());
            }
        }
    }
    out
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_owned()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The relationship misp-stix writes from an indicator to a cluster's
/// object; `related-to` from anything else.
fn relationship_type(source_type: &str, target_type: &str) -> &'static str {
    match (source_type, target_type) {
        (
            "indicator",
            "attack-pattern" | "campaign" | "intrusion-set" | "malware" | "threat-actor" | "tool",
        ) => "indicates",
        _ => "related-to",
    }
}

fn cluster_object(
    galaxy: &Map<String, Value>,
    c: &Map<String, Value>,
    ctx: &EventContext,
) -> Option<Value> {
    let value = c.get("value").and_then(Value::as_str).map(str::trim)?;
    if value.is_empty() {
        return None;
    }
    let gtype = c
        .get("type")
        .or_else(|| galaxy.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let gname = galaxy.get("name").and_then(Value::as_str).unwrap_or(gtype);
    let ty = stix_type(gtype);
    let uuid = c.get("uuid").and_then(Value::as_str);
    let id = match uuid {
        Some(u) => derived_id(ty, u),
        None => derived_id(ty, &format!("misp-galaxy:{gtype}:{value}")),
    };
    let created = stix_time(ctx.time);
    let mut labels = vec![
        format!("misp:galaxy-name=\"{gname}\""),
        format!("misp:galaxy-type=\"{gtype}\""),
    ];
    if let Some(t) = c.get("tag_name").and_then(Value::as_str) {
        labels.push(t.to_owned());
    }
    let description = c
        .get("description")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let meta = c.get("meta").and_then(Value::as_object);
    let mut o = json!({"type": ty, "spec_version": "2.1", "id": id, "created": created, "modified": created});
    let map = o.as_object_mut()?;
    if ty == "x-misp-galaxy-cluster" {
        map.insert("x_misp_name".into(), json!(gname));
        map.insert("x_misp_type".into(), json!(gtype));
        map.insert("x_misp_value".into(), json!(value));
        if let Some(d) = description {
            map.insert("x_misp_description".into(), json!(d));
        }
    } else {
        let name = if gtype.starts_with("mitre-") {
            value.split(" - ").next().unwrap_or(value).trim()
        } else {
            value
        };
        map.insert("name".into(), json!(name));
        if let Some(d) = description {
            map.insert("description".into(), json!(d));
        }
        match ty {
            "malware" => {
                map.insert("is_family".into(), json!(true));
            }
            "identity" => {
                map.insert("identity_class".into(), json!("class"));
            }
            _ => {}
        }
        let synonyms = strings(meta.and_then(|m| m.get("synonyms")));
        if !synonyms.is_empty()
            && matches!(ty, "intrusion-set" | "malware" | "threat-actor" | "tool")
        {
            map.insert("aliases".into(), json!(synonyms));
        }
        if ty == "attack-pattern" {
            let phases: Vec<Value> = strings(meta.and_then(|m| m.get("kill_chain")))
                .iter()
                .filter_map(|k| k.rsplit_once(':'))
                .map(|(chain, phase)| {
                    let chain = chain.split(':').next().unwrap_or(chain);
                    json!({"kill_chain_name": chain, "phase_name": phase})
                })
                .collect();
            if !phases.is_empty() {
                map.insert("kill_chain_phases".into(), json!(phases));
            }
        }
        let mut refs: Vec<Value> = Vec::new();
        let source = if gtype.starts_with("mitre-") {
            "mitre-attack"
        } else {
            "misp"
        };
        for e in strings(meta.and_then(|m| m.get("external_id"))) {
            refs.push(json!({"source_name": source, "external_id": e}));
        }
        if ty == "vulnerability" && name.to_ascii_uppercase().starts_with("CVE-") {
            refs.push(json!({"source_name": "cve", "external_id": name}));
        }
        for u in strings(meta.and_then(|m| m.get("refs"))) {
            refs.push(json!({"source_name": "url", "url": u}));
        }
        if !refs.is_empty() {
            map.insert("external_references".into(), json!(refs));
        }
    }
    decorate(&mut o, ctx.tlp, &labels, None, ctx.created_by.as_deref());
    Some(o)
}

impl Convert {
    /// The objects of the clusters in `Galaxy[]` at `path`; with a `source`
    /// (an attribute's indicator or observed-data, and its item's path),
    /// also a relationship from it to each. Returns what the report refers
    /// to.
    pub(super) fn galaxies(
        &mut self,
        path: &str,
        v: Option<&Value>,
        ctx: &EventContext,
        source: Option<(&str, &str)>,
    ) -> Vec<String> {
        let mut refs = Vec::new();
        let Some(v) = v else { return refs };
        let Some(list) = v.as_array() else {
            self.err(super::join(path, "Galaxy"), "must be a list");
            return refs;
        };
        for (i, g) in list.iter().enumerate() {
            let gp = format!("{}[{i}]", super::join(path, "Galaxy"));
            let Some(g) = g.as_object() else {
                self.err(gp, "must be an object");
                continue;
            };
            let clusters = g
                .get("GalaxyCluster")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (j, c) in clusters.iter().enumerate() {
                let cp = format!("{gp}.GalaxyCluster[{j}]");
                let Some(obj) = c.as_object().and_then(|c| cluster_object(g, c, ctx)) else {
                    self.skip(cp, "a cluster without a value");
                    continue;
                };
                let id = obj["id"].as_str().unwrap_or_default().to_owned();
                if !self.clusters.pending.iter().any(|o| o["id"] == obj["id"]) {
                    self.clusters.pending.push(obj);
                }
                if !refs.contains(&id) {
                    refs.push(id.clone());
                }
                if let Some((src, item)) = source {
                    let rel = self.relationship(src, &id, ctx);
                    refs.push(rel["id"].as_str().unwrap_or_default().to_owned());
                    self.push(rel, item, &ctx.reach.clone());
                }
            }
        }
        refs
    }

    /// A relationship misp-stix would write between two objects.
    pub(super) fn relationship(&self, source: &str, target: &str, ctx: &EventContext) -> Value {
        let src_type = source.split("--").next().unwrap_or_default();
        let tgt_type = target.split("--").next().unwrap_or_default();
        let kind = relationship_type(src_type, tgt_type);
        let created = stix_time(ctx.time);
        let mut o = json!({
            "type": "relationship", "spec_version": "2.1",
            "id": derived_id("relationship", &format!("{source} - {kind} - {target}")),
            "created": created, "modified": created,
            "relationship_type": kind, "source_ref": source, "target_ref": target,
        });
        decorate(&mut o, ctx.tlp, &[], None, ctx.created_by.as_deref());
        o
    }

    /// The event's clusters, once each in the whole export.
    pub(super) fn flush_clusters(&mut self, path: &str, ctx: &EventContext) {
        let at = super::join(path, "Galaxy");
        for o in std::mem::take(&mut self.clusters.pending) {
            let id = o["id"].as_str().unwrap_or_default().to_owned();
            if self.clusters.emitted.insert(id) {
                self.push(o, &at, &ctx.reach.clone());
            }
        }
    }
}
