//! MISP events, as MISP exports them, turned into STIX 2.1: one indicator
//! per supported attribute and per MISP object, one report for the event,
//! TLP taken from the `tlp:` tags. Problems are listed with their JSON path
//! (`Event.Attribute[3].value`); attribute types renkei does not index are
//! listed as skipped, not as errors.

use std::collections::HashSet;

use renkei_core::{Timestamp, Tlp};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::{FieldError, StixTime, parse_object, tlp_marking_id};

mod terms;

use terms::{Mapped, map_attribute, pattern};

/// The largest MISP export accepted, in bytes; callers reading a body or a
/// file check it before parsing (as [`misp_from_slice`] does).
pub const MAX_MISP_BYTES: usize = 16 * 1024 * 1024;

/// The namespace of renkei's name-based (v5) UUIDs for MISP uuids, so the
/// same MISP attribute always becomes the same STIX id.
const NAMESPACE: Uuid = Uuid::from_u128(0x6d1c_2f0a_4b7e_4c55_9a3e_2b8f_0c1d_7e42);

/// The latest time we accept (9999-12-31T23:59:59Z), in epoch seconds.
const MAX_EPOCH_SECONDS: i64 = 253_402_300_799;

/// Something in the event that was left out on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// JSON path, e.g. `Event.Attribute[4]`.
    pub path: String,
    /// Why it was left out.
    pub reason: String,
}

/// The STIX made from a MISP export.
#[derive(Debug, Clone, PartialEq)]
pub struct MispImport {
    /// Indicators, then one report per event; each passes [`parse_object`].
    pub objects: Vec<Value>,
    /// The event's TLP (the most restrictive one if the export held several
    /// events).
    pub tlp: Option<Tlp>,
    /// Attributes and objects left out, with why.
    pub skipped: Vec<Skipped>,
}

/// Every problem found, with its JSON path in `field`; non-empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the MISP event; first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct MispErrors(pub Vec<FieldError>);

/// Parses a MISP export from bytes (at most [`MAX_MISP_BYTES`]) and maps it.
pub fn misp_from_slice(bytes: &[u8]) -> Result<MispImport, MispErrors> {
    if bytes.len() > MAX_MISP_BYTES {
        return Err(MispErrors(vec![field_error(
            "(input)",
            format!(
                "{} bytes; at most {MAX_MISP_BYTES} are accepted",
                bytes.len()
            ),
        )]));
    }
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| MispErrors(vec![field_error("(json)", e.to_string())]))?;
    misp_to_stix(&v)
}

/// Maps a MISP export — `{"Event": {...}}`, a bare event, or a search
/// result `{"response": [{"Event": {...}}, ...]}` — to STIX 2.1. Refused
/// whole, with every problem listed, if any value does not normalise.
pub fn misp_to_stix(v: &Value) -> Result<MispImport, MispErrors> {
    let mut c = Convert::default();
    let mut tlp: Option<Tlp> = None;
    for (path, event) in c.events(v) {
        if let Some(t) = c.event(&path, event) {
            tlp = tlp.max(Some(t));
        }
    }
    // Belt and braces: what we hand out must be valid STIX.
    for (i, o) in c.objects.iter().enumerate() {
        if let Err(e) = parse_object(o, Some(i)) {
            c.errors.extend(e.0);
        }
    }
    if c.errors.is_empty() {
        Ok(MispImport {
            objects: c.objects,
            tlp,
            skipped: c.skipped,
        })
    } else {
        Err(MispErrors(c.errors))
    }
}

fn field_error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        index: None,
        id: None,
        field: field.into(),
        message: message.into(),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// What an event passes down to its attributes and objects.
struct EventContext {
    tlp: Option<Tlp>,
    labels: Vec<String>,
    time: Timestamp,
}

#[derive(Default)]
struct Convert {
    objects: Vec<Value>,
    errors: Vec<FieldError>,
    skipped: Vec<Skipped>,
}

/// Re-derives every object's id (and the references to it) within `scope`
/// — the importing organisation — so two members importing the same MISP
/// event get objects of their own, while one member importing it again
/// gets the same ids (and so the same objects) again.
pub fn scope_ids(import: &mut MispImport, scope: &str) {
    let mut renamed = std::collections::HashMap::new();
    for o in &mut import.objects {
        let Some((ty, u)) = o
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| id.split_once("--"))
        else {
            continue;
        };
        let new = format!(
            "{ty}--{}",
            Uuid::new_v5(&NAMESPACE, format!("{scope}:{u}").as_bytes())
        );
        if let Some(old) = o.get("id").and_then(Value::as_str).map(str::to_owned) {
            renamed.insert(old, new.clone());
        }
        o["id"] = Value::String(new);
    }
    for o in &mut import.objects {
        if let Some(refs) = o.get_mut("object_refs").and_then(Value::as_array_mut) {
            for r in refs {
                if let Some(n) = r.as_str().and_then(|x| renamed.get(x)) {
                    *r = Value::String(n.clone());
                }
            }
        }
    }
}

fn stix_id(type_name: &str, misp_uuid: Option<&str>) -> String {
    let u = match misp_uuid {
        Some(m) => Uuid::new_v5(&NAMESPACE, m.trim().to_ascii_lowercase().as_bytes()),
        None => Uuid::new_v4(),
    };
    format!("{type_name}--{u}")
}

fn stix_time(t: Timestamp) -> String {
    StixTime::from_timestamp(t).text
}

/// A MISP flag, which exports write as `true`, `"1"` or `1`.
fn flag(v: Option<&Value>, default: bool) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" => true,
            "0" | "false" => false,
            _ => default,
        },
        Some(Value::Number(n)) => n.as_i64().map_or(default, |n| n != 0),
        _ => default,
    }
}

fn to_ids(v: Option<&Value>) -> bool {
    flag(v, true)
}

fn deleted(o: &Map<String, Value>) -> bool {
    flag(o.get("deleted"), false)
}

fn push_unique(labels: &mut Vec<String>, label: String) {
    if !labels.contains(&label) {
        labels.push(label);
    }
}

impl Convert {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(field_error(path, message));
    }

    fn skip(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            path: path.into(),
            reason: reason.into(),
        });
    }

    /// The events in an export, with their paths.
    fn events<'v>(&mut self, v: &'v Value) -> Vec<(String, &'v Map<String, Value>)> {
        if let Some(response) = v.get("response") {
            let Some(list) = response.as_array() else {
                self.err("response", "must be a list of {\"Event\": ...}");
                return Vec::new();
            };
            let mut out = Vec::new();
            for (i, item) in list.iter().enumerate() {
                match item.get("Event").and_then(Value::as_object) {
                    Some(e) => out.push((format!("response[{i}].Event"), e)),
                    None => self.err(format!("response[{i}].Event"), "must be an object"),
                }
            }
            return out;
        }
        match v.get("Event") {
            Some(Value::Object(e)) => return vec![("Event".to_owned(), e)],
            Some(_) => {
                self.err("Event", "must be an object");
                return Vec::new();
            }
            None => {}
        }
        match v.as_object() {
            Some(e) if e.contains_key("info") || e.contains_key("Attribute") => {
                vec![(String::new(), e)]
            }
            _ => {
                self.err(
                    "Event",
                    "not a MISP event: expected {\"Event\": {...}}, a bare event or {\"response\": [...]}",
                );
                Vec::new()
            }
        }
    }

    /// Epoch seconds, as a string or a number; 0 and empty mean "not set".
    fn epoch(&mut self, path: String, v: Option<&Value>) -> Option<Timestamp> {
        let secs = match v? {
            Value::Null => return None,
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        };
        match secs {
            Some(0) => None,
            Some(s) if (1..=MAX_EPOCH_SECONDS).contains(&s) => Some(Timestamp(s * 1_000_000)),
            _ => {
                self.err(
                    path,
                    "must be seconds since 1970 (a number or a string of digits)",
                );
                None
            }
        }
    }

    fn date(&mut self, path: String, v: Option<&Value>) -> Option<Timestamp> {
        let s = v?.as_str().map(str::trim).filter(|s| !s.is_empty())?;
        match StixTime::parse_loose(s) {
            Ok(t) => Some(Timestamp(t.micros)),
            Err(m) => {
                self.err(path, m);
                None
            }
        }
    }

    /// The TLP among `Tag[]` (the most restrictive, if several) and the
    /// other tags' names, which become labels.
    fn tags(&mut self, path: &str, v: Option<&Value>) -> (Option<Tlp>, Vec<String>) {
        let mut tlp = None;
        let mut labels = Vec::new();
        let Some(v) = v else {
            return (tlp, labels);
        };
        let Some(list) = v.as_array() else {
            self.err(join(path, "Tag"), "must be a list");
            return (tlp, labels);
        };
        for tag in list {
            let Some(name) = tag.get("name").and_then(Value::as_str).map(str::trim) else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            let level = lower.strip_prefix("tlp:").filter(|l| {
                matches!(
                    *l,
                    "clear" | "white" | "green" | "amber" | "amber+strict" | "red"
                )
            });
            match level.and_then(|l| Tlp::parse(l).ok()) {
                Some(t) => tlp = tlp.max(Some(t)),
                None if !name.is_empty() => push_unique(&mut labels, name.to_owned()),
                None => {}
            }
        }
        (tlp, labels)
    }

    fn event(&mut self, path: &str, ev: &Map<String, Value>) -> Option<Tlp> {
        let info = ev
            .get("info")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if info.is_none() {
            self.err(join(path, "info"), "is required (the event's title)");
        }
        let uuid = ev.get("uuid").and_then(Value::as_str);
        let modified = self.epoch(join(path, "timestamp"), ev.get("timestamp"));
        let date = self.date(join(path, "date"), ev.get("date"));
        let published = self.epoch(join(path, "publish_timestamp"), ev.get("publish_timestamp"));
        let time = modified.or(date).unwrap_or_else(Timestamp::now);
        let (tlp, mut labels) = self.tags(path, ev.get("Tag"));
        let threat = match ev.get("threat_level_id") {
            Some(Value::String(s)) => s.trim().parse::<u8>().ok(),
            Some(Value::Number(n)) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
            _ => None,
        };
        if let Some(level) = match threat {
            Some(1) => Some("high"),
            Some(2) => Some("medium"),
            Some(3) => Some("low"),
            _ => None,
        } {
            labels.push(format!("misp:threat-level=\"{level}\""));
        }
        let ctx = EventContext { tlp, labels, time };

        let mut refs = Vec::new();
        for (key, is_object) in [("Attribute", false), ("Object", true)] {
            let Some(v) = ev.get(key) else { continue };
            let Some(list) = v.as_array() else {
                self.err(join(path, key), "must be a list");
                continue;
            };
            for (i, item) in list.iter().enumerate() {
                let p = format!("{}[{i}]", join(path, key));
                let made = if is_object {
                    self.object(&p, item, &ctx)
                } else {
                    self.attribute(&p, item, &ctx)
                };
                if let Some(o) = made {
                    refs.push(o["id"].clone());
                    self.objects.push(o);
                }
            }
        }

        let Some(info) = info else { return tlp };
        if refs.is_empty() {
            self.skip(
                if path.is_empty() { "(event)" } else { path },
                "no indicators to report on, so no report",
            );
            return tlp;
        }
        let created = stix_time(ctx.time);
        let mut report = json!({
            "type": "report",
            "spec_version": "2.1",
            "id": stix_id("report", uuid),
            "created": created,
            "modified": created,
            "name": info,
            "published": stix_time(published.or(date).unwrap_or(ctx.time)),
            "report_types": ["threat-report"],
            "object_refs": refs,
        });
        decorate(&mut report, tlp, &ctx.labels, uuid);
        self.objects.push(report);
        tlp
    }

    fn attribute(&mut self, path: &str, a: &Value, ev: &EventContext) -> Option<Value> {
        let Some(a) = a.as_object() else {
            self.err(path, "must be an object");
            return None;
        };
        if deleted(a) {
            self.skip(path, "deleted in MISP");
            return None;
        }
        let (misp_type, value) = self.type_and_value(path, a)?;
        let terms = match map_attribute(misp_type, value, false) {
            Mapped::Terms(t) => t,
            Mapped::Skip(reason) => {
                self.skip(path, reason);
                return None;
            }
            Mapped::Bad(e) => {
                self.err(join(path, "value"), e.message);
                return None;
            }
        };
        let time = self
            .epoch(join(path, "timestamp"), a.get("timestamp"))
            .unwrap_or(ev.time);
        let (tlp, tags) = self.tags(path, a.get("Tag"));
        let mut labels = ev.labels.clone();
        tags.into_iter().for_each(|t| push_unique(&mut labels, t));
        push_unique(&mut labels, format!("misp:type=\"{}\"", misp_type.trim()));
        if let Some(c) = a.get("category").and_then(Value::as_str) {
            push_unique(&mut labels, format!("misp:category=\"{}\"", c.trim()));
        }
        if !to_ids(a.get("to_ids")) {
            push_unique(&mut labels, "misp:to_ids=false".to_owned());
        }
        let name = format!("{}: {}", misp_type.trim(), value.trim());
        Some(indicator(
            a.get("uuid").and_then(Value::as_str),
            time,
            &name,
            &pattern(&terms),
            comment(a),
            stricter(tlp, ev.tlp),
            &labels,
        ))
    }

    fn type_and_value<'a>(
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

    fn object(&mut self, path: &str, o: &Value, ev: &EventContext) -> Option<Value> {
        let Some(o) = o.as_object() else {
            self.err(path, "must be an object");
            return None;
        };
        if deleted(o) {
            self.skip(path, "deleted in MISP");
            return None;
        }
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .map_or("object", str::trim);
        let mut terms = Vec::new();
        let mut tlp: Option<Tlp> = None;
        let mut labels = ev.labels.clone();
        let mut any_to_ids = false;
        let mut bad = false;
        let attributes = match o.get("Attribute") {
            None => &Vec::new(),
            Some(Value::Array(list)) => list,
            Some(_) => {
                self.err(join(path, "Attribute"), "must be a list");
                return None;
            }
        };
        for (j, a) in attributes.iter().enumerate() {
            let p = format!("{path}.Attribute[{j}]");
            let Some(a) = a.as_object() else {
                self.err(p, "must be an object");
                bad = true;
                continue;
            };
            if deleted(a) {
                continue;
            }
            let Some((t, v)) = self.type_and_value(&p, a) else {
                bad = true;
                continue;
            };
            match map_attribute(t, v, true) {
                Mapped::Terms(ts) => {
                    terms.extend(ts);
                    any_to_ids |= to_ids(a.get("to_ids"));
                    let (t, tags) = self.tags(&p, a.get("Tag"));
                    tlp = tlp.max(t);
                    tags.into_iter().for_each(|t| push_unique(&mut labels, t));
                }
                Mapped::Skip(_) => {}
                Mapped::Bad(e) => {
                    self.err(join(&p, "value"), e.message);
                    bad = true;
                }
            }
        }
        if bad {
            return None;
        }
        if terms.is_empty() {
            self.skip(
                path,
                format!("MISP object {name:?} has no attribute renkei indexes"),
            );
            return None;
        }
        let time = self
            .epoch(join(path, "timestamp"), o.get("timestamp"))
            .unwrap_or(ev.time);
        push_unique(&mut labels, format!("misp:name=\"{name}\""));
        if let Some(c) = o.get("meta-category").and_then(Value::as_str) {
            push_unique(&mut labels, format!("misp:meta-category=\"{}\"", c.trim()));
        }
        if !any_to_ids {
            push_unique(&mut labels, "misp:to_ids=false".to_owned());
        }
        let shown: Vec<&str> = terms.iter().map(|t| t.shown.as_str()).collect();
        Some(indicator(
            o.get("uuid").and_then(Value::as_str),
            time,
            &format!("{name}: {}", shown.join(" | ")),
            &pattern(&terms),
            comment(o),
            stricter(tlp, ev.tlp),
            &labels,
        ))
    }
}

fn comment(o: &Map<String, Value>) -> Option<&str> {
    ["comment", "description"]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_str))
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

fn indicator(
    uuid: Option<&str>,
    time: Timestamp,
    name: &str,
    pattern: &str,
    description: Option<&str>,
    tlp: Option<Tlp>,
    labels: &[String],
) -> Value {
    let created = stix_time(time);
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id("indicator", uuid),
        "created": created,
        "modified": created,
        "name": name,
        "indicator_types": ["malicious-activity"],
        "pattern": pattern,
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": created,
    });
    if let (Some(d), Some(map)) = (description, o.as_object_mut()) {
        map.insert("description".into(), json!(d));
    }
    decorate(&mut o, tlp, labels, uuid);
    o
}

/// Labels, the TLP marking and a reference back to the MISP uuid.
fn decorate(o: &mut Value, tlp: Option<Tlp>, labels: &[String], uuid: Option<&str>) {
    let Some(map) = o.as_object_mut() else { return };
    if !labels.is_empty() {
        let mut seen = HashSet::new();
        let unique: Vec<&String> = labels.iter().filter(|l| seen.insert(*l)).collect();
        map.insert("labels".into(), json!(unique));
    }
    if let Some(t) = tlp {
        map.insert("object_marking_refs".into(), json!([tlp_marking_id(t)]));
    }
    if let Some(u) = uuid {
        map.insert(
            "external_references".into(),
            json!([{"source_name": "misp", "external_id": u}]),
        );
    }
}

/// An attribute's own TLP tag may make it stricter than its event, never
/// looser: the more restrictive of the two.
fn stricter(own: Option<Tlp>, event: Option<Tlp>) -> Option<Tlp> {
    match (own, event) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tlp_tests;
