//! One MISP attribute: an indicator when it is for IDS (`to_ids`), else an
//! observed-data with its observables (so it never reaches a detection
//! export), as misp-stix does; vulnerabilities and campaigns as their
//! objects; its sightings and galaxies.

use std::collections::HashSet;

use renkei_core::{Timestamp, Tlp};
use serde_json::{Map, Value, json};

use super::convert::{Convert, EventContext, decorate, push_unique, stix_time, stricter, to_ids};
use super::reach::Reach;
use super::shapes::{Shape, pattern};
use super::terms::{Mapped, map_attribute, pattern_language};
use super::{derived_id, join};

/// What an attribute or object passes to the objects made of it.
pub(super) struct Made<'a> {
    pub(super) path: &'a str,
    pub(super) seed: String,
    pub(super) uuid: Option<&'a str>,
    pub(super) time: Timestamp,
    pub(super) first_seen: Option<Timestamp>,
    pub(super) last_seen: Option<Timestamp>,
    pub(super) tlp: Option<Tlp>,
    pub(super) labels: Vec<String>,
    pub(super) reach: Reach,
    pub(super) name: String,
    pub(super) description: Option<&'a str>,
    pub(super) category: Option<&'a str>,
}

pub(super) fn comment(o: &Map<String, Value>) -> Option<&str> {
    ["comment", "description"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

impl Convert {
    pub(super) fn type_and_value<'a>(
        &mut self,
        path: &str,
        a: &'a Map<String, Value>,
    ) -> Option<(&'a str, &'a str)> {
        let t = a.get("type").and_then(Value::as_str);
        let v = a.get("value").and_then(Value::as_str);
        if t.is_none() {
            self.err(join(path, "type"), "is required and must be a string");
        }
        if v.is_none() {
            self.err(join(path, "value"), "is required and must be a string");
        }
        Some((t?, v?))
    }

    /// `first_seen` and `last_seen` of an attribute or object.
    pub(super) fn seen(
        &mut self,
        path: &str,
        o: &Map<String, Value>,
    ) -> (Option<Timestamp>, Option<Timestamp>) {
        (
            self.date(join(path, "first_seen"), o.get("first_seen")),
            self.date(join(path, "last_seen"), o.get("last_seen")),
        )
    }

    /// The attribute at `path`; what the report refers to.
    pub(super) fn attribute(&mut self, path: &str, a: &Value, ev: &EventContext) -> Vec<String> {
        let Some(a) = a.as_object() else {
            self.err(path, "must be an object");
            return Vec::new();
        };
        if super::convert::deleted(a) {
            self.skip(path, "deleted in MISP");
            return Vec::new();
        }
        let Some((misp_type, value)) = self.type_and_value(path, a) else {
            return Vec::new();
        };
        let Some(reach) = self.reach(path, a, &ev.reach, ev.group.as_ref()) else {
            return Vec::new();
        };
        let t = misp_type.trim().to_ascii_lowercase();
        let time = self
            .epoch(join(path, "timestamp"), a.get("timestamp"))
            .unwrap_or(ev.time);
        let (first_seen, last_seen) = self.seen(path, a);
        let galaxy_tags = super::galaxy::tag_names(a.get("Galaxy"));
        let (tlp, tags) = self.tags(path, a.get("Tag"), &galaxy_tags);
        let mut labels = ev.labels.clone();
        tags.into_iter().for_each(|t| push_unique(&mut labels, t));
        push_unique(&mut labels, format!("misp:type=\"{}\"", misp_type.trim()));
        let category = a.get("category").and_then(Value::as_str).map(str::trim);
        if let Some(c) = category {
            push_unique(&mut labels, format!("misp:category=\"{c}\""));
        }
        let uuid = a.get("uuid").and_then(Value::as_str);
        let made = Made {
            path,
            seed: uuid.map_or_else(|| format!("{}:{path}", ev.seed), str::to_owned),
            uuid,
            time,
            first_seen,
            last_seen,
            tlp: stricter(tlp, ev.tlp),
            labels,
            reach,
            name: format!("{}: {}", misp_type.trim(), value.trim()),
            description: comment(a),
            category,
        };
        let ids = to_ids(a.get("to_ids"));
        let main = match t.as_str() {
            "vulnerability" | "campaign-name" => Some(self.named_object(&t, value, &made, ev)),
            _ if pattern_language(&t).is_some() => {
                let lang = pattern_language(&t).unwrap_or("stix");
                Some(self.indicator(&made, value, lang, ev))
            }
            _ => match map_attribute(misp_type, value) {
                Mapped::Shape(shape) => self.shape(&made, shape, ids, ev),
                Mapped::Skip(reason) => {
                    self.skip(path, reason);
                    None
                }
                Mapped::Bad(e) => {
                    self.err(join(path, e.field), e.message);
                    None
                }
            },
        };
        let Some(main) = main else { return Vec::new() };
        let mut refs = vec![main.clone()];
        refs.extend(self.sightings(path, a.get("Sighting"), &main, &made, ev));
        refs.extend(self.galaxies(path, a.get("Galaxy"), ev, Some((&main, path))));
        refs
    }

    /// An indicator (for IDS) or an observed-data with its observables.
    /// Returns the id of the one made.
    pub(super) fn shape(
        &mut self,
        m: &Made,
        shape: Shape,
        for_ids: bool,
        ev: &EventContext,
    ) -> Option<String> {
        if for_ids && !shape.terms.is_empty() {
            return Some(self.indicator(m, &pattern(&shape.terms), "stix", ev));
        }
        if shape.scos.is_empty() {
            self.skip(
                m.path,
                "to_ids is false and misp-stix makes no observable of this type",
            );
            return None;
        }
        let seed = m.seed.clone();
        let scos = shape
            .scos
            .finish(|ty, i| derived_id(ty, &format!("{seed}/{ty}/{i}")));
        let first_at = m.first_seen.unwrap_or(m.time);
        let first = stix_time(first_at);
        let last = stix_time(m.last_seen.map_or(first_at, |l| l.max(first_at)));
        let created = stix_time(m.time);
        let refs: Vec<&Value> = scos.iter().map(|o| &o["id"]).collect();
        let mut o = json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": derived_id("observed-data", &m.seed),
            "created": created, "modified": created,
            "first_observed": first, "last_observed": last, "number_observed": 1,
            "object_refs": refs,
        });
        decorate(&mut o, m.tlp, &m.labels, m.uuid, ev.created_by.as_deref());
        let id = o["id"].as_str().unwrap_or_default().to_owned();
        for mut sco in scos {
            decorate(&mut sco, m.tlp, &[], None, None);
            self.push(sco, m.path, &m.reach);
        }
        self.push(o, m.path, &m.reach);
        Some(id)
    }

    pub(super) fn indicator(
        &mut self,
        m: &Made,
        pattern: &str,
        pattern_type: &str,
        ev: &EventContext,
    ) -> String {
        let created = stix_time(m.time);
        let valid_from = m.first_seen.map_or_else(|| created.clone(), stix_time);
        let mut o = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": derived_id("indicator", &m.seed),
            "created": created, "modified": created,
            "name": m.name,
            "indicator_types": ["malicious-activity"],
            "pattern": pattern, "pattern_type": pattern_type,
            "valid_from": valid_from,
        });
        if let Some(map) = o.as_object_mut() {
            if pattern_type == "stix" {
                map.insert("pattern_version".into(), json!("2.1"));
            }
            if let Some(d) = m.description {
                map.insert("description".into(), json!(d));
            }
            if let Some(until) = m
                .last_seen
                .filter(|u| Some(*u) > m.first_seen.or(Some(m.time)))
            {
                map.insert("valid_until".into(), json!(stix_time(until)));
            }
            if let Some(c) = m.category {
                map.insert(
                    "kill_chain_phases".into(),
                    json!([{"kill_chain_name": "misp-category", "phase_name": c}]),
                );
            }
        }
        decorate(&mut o, m.tlp, &m.labels, m.uuid, ev.created_by.as_deref());
        let id = o["id"].as_str().unwrap_or_default().to_owned();
        self.push(o, m.path, &m.reach);
        id
    }

    /// `vulnerability` and `campaign-name` attributes: the object misp-stix
    /// makes of them.
    fn named_object(&mut self, t: &str, value: &str, m: &Made, ev: &EventContext) -> String {
        let ty = if t == "vulnerability" {
            "vulnerability"
        } else {
            "campaign"
        };
        let created = stix_time(m.time);
        let name = value.trim();
        let mut o = json!({
            "type": ty, "spec_version": "2.1", "id": derived_id(ty, &m.seed),
            "created": created, "modified": created, "name": name,
        });
        if let Some(d) = m.description {
            o["description"] = json!(d);
        }
        decorate(&mut o, m.tlp, &m.labels, m.uuid, ev.created_by.as_deref());
        if ty == "vulnerability"
            && name.to_ascii_uppercase().starts_with("CVE-")
            && let Some(refs) = o.as_object_mut().and_then(|m| {
                m.entry("external_references")
                    .or_insert(json!([]))
                    .as_array_mut()
            })
        {
            refs.push(json!({"source_name": "cve", "external_id": name}));
        }
        let id = o["id"].as_str().unwrap_or_default().to_owned();
        self.push(o, m.path, &m.reach);
        id
    }

    /// `Sighting[]` of what `of` was made from: type 0 a sighting (count
    /// 1, seen at its date, where_sighted_refs its organisation), type 1 (a
    /// false positive) an opinion, type 2 (expiration) skipped. Returns
    /// what the report refers to.
    pub(super) fn sightings(
        &mut self,
        path: &str,
        v: Option<&Value>,
        of: &str,
        m: &Made,
        ev: &EventContext,
    ) -> Vec<String> {
        let mut refs = Vec::new();
        let Some(v) = v else { return refs };
        let Some(list) = v.as_array() else {
            self.err(join(path, "Sighting"), "must be a list");
            return refs;
        };
        let mut seen_ids = HashSet::new();
        for (i, s) in list.iter().enumerate() {
            let sp = format!("{}[{i}]", join(path, "Sighting"));
            let Some(s) = s.as_object() else {
                self.err(sp, "must be an object");
                continue;
            };
            let kind = match s.get("type") {
                None | Some(Value::Null) => Some(0),
                Some(Value::String(t)) => t.trim().parse::<u8>().ok(),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
                _ => None,
            };
            let when = self
                .epoch(join(&sp, "date_sighting"), s.get("date_sighting"))
                .unwrap_or(m.time);
            let uuid = s.get("uuid").and_then(Value::as_str);
            let seed = uuid.map_or_else(|| format!("{}/sighting/{i}", m.seed), str::to_owned);
            let org = s.get("Organisation").and_then(Value::as_object);
            let where_sighted = org.and_then(|o| self.org_identity(&sp, o, when, &m.reach));
            let at = stix_time(when);
            let mut o = match kind {
                Some(0) => {
                    let mut o = json!({
                        "type": "sighting", "spec_version": "2.1",
                        "id": derived_id("sighting", &seed),
                        "created": at, "modified": at,
                        "first_seen": at, "last_seen": at, "count": 1,
                        "sighting_of_ref": of,
                    });
                    if let Some(w) = &where_sighted {
                        o["where_sighted_refs"] = json!([w]);
                    }
                    if let Some(src) = s
                        .get("source")
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                    {
                        o["description"] = json!(src);
                    }
                    o
                }
                Some(1) => {
                    let mut o = json!({
                        "type": "opinion", "spec_version": "2.1",
                        "id": derived_id("opinion", &seed),
                        "created": at, "modified": at,
                        "explanation": "False positive Sighting",
                        "opinion": "strongly-disagree", "object_refs": [of],
                    });
                    if let Some(name) = org.and_then(|o| o.get("name")).and_then(Value::as_str) {
                        o["authors"] = json!([name]);
                    }
                    o
                }
                Some(2) => {
                    self.skip(sp, "an expiration sighting (MISP type 2) has no STIX form");
                    continue;
                }
                _ => {
                    self.err(
                        join(&sp, "type"),
                        "must be 0 (sighting), 1 (false positive) or 2 (expiration)",
                    );
                    continue;
                }
            };
            decorate(&mut o, m.tlp, &[], None, ev.created_by.as_deref());
            let id = o["id"].as_str().unwrap_or_default().to_owned();
            if !seen_ids.insert(id.clone()) {
                self.err(join(&sp, "uuid"), "repeats another sighting's uuid");
                continue;
            }
            refs.push(id);
            self.push(o, m.path, &m.reach);
        }
        refs
    }
}
