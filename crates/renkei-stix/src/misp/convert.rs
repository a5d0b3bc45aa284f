//! Walking a MISP export: its events, each event's tags, distribution,
//! creator organisation and report, and the bookkeeping that leaves out an
//! invalid item whole (with `skip_invalid`) or refuses the export.

use std::collections::HashSet;

use renkei_core::{Timestamp, Tlp};
use serde_json::{Map, Value, json};

use super::galaxy::Clusters;
use super::reach::{Origin, Reach};
use super::{
    MAX_EPOCH_SECONDS, MAX_MISP_EVENTS, MispOptions, Skipped, derived_id, field_error, join,
};
use crate::{FieldError, StixTime, tlp_marking_id};

/// What an event passes down to its attributes and objects.
pub(super) struct EventContext {
    pub(super) tlp: Option<Tlp>,
    pub(super) labels: Vec<String>,
    pub(super) time: Timestamp,
    pub(super) reach: Reach,
    /// The creator organisation's identity, for `created_by_ref`.
    pub(super) created_by: Option<String>,
    /// Stable text for ids of what has no uuid of its own.
    pub(super) seed: String,
    /// The event's sharing group, for items that name only its id.
    pub(super) group: Option<(String, Reach)>,
}

pub(super) struct Convert {
    pub(super) objects: Vec<Value>,
    pub(super) origins: Vec<Origin>,
    pub(super) errors: Vec<FieldError>,
    pub(super) skipped: Vec<Skipped>,
    pub(super) opts: MispOptions,
    pub(super) clusters: Clusters,
    identities: HashSet<String>,
}

/// Where the outputs stood when an item began.
pub(super) struct Mark {
    objects: usize,
    errors: usize,
}

/// The number of attributes and objects of an event (for the size bound).
pub(super) fn item_count(e: &Map<String, Value>) -> usize {
    ["Attribute", "Object"]
        .iter()
        .filter_map(|k| e.get(*k).and_then(Value::as_array))
        .map(Vec::len)
        .sum()
}

/// A MISP flag, which exports write as `true`, `"1"` or `1`.
pub(super) fn flag(v: Option<&Value>, default: bool) -> bool {
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

pub(super) fn to_ids(v: Option<&Value>) -> bool {
    flag(v, true)
}

pub(super) fn deleted(o: &Map<String, Value>) -> bool {
    flag(o.get("deleted"), false)
}

pub(super) fn push_unique(labels: &mut Vec<String>, label: String) {
    if !labels.contains(&label) {
        labels.push(label);
    }
}

pub(super) fn stix_time(t: Timestamp) -> String {
    StixTime::from_timestamp(t).text
}

fn small_int(v: Option<&Value>) -> Option<Option<u8>> {
    match v? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().parse::<u8>().ok()),
        Value::Number(n) => Some(n.as_u64().and_then(|n| u8::try_from(n).ok())),
        _ => Some(None),
    }
}

/// Labels, the TLP marking, the creator and a reference back to MISP.
pub(super) fn decorate(
    o: &mut Value,
    tlp: Option<Tlp>,
    labels: &[String],
    uuid: Option<&str>,
    created_by: Option<&str>,
) {
    let Some(map) = o.as_object_mut() else { return };
    if !labels.is_empty() {
        let mut seen = HashSet::new();
        let unique: Vec<&String> = labels.iter().filter(|l| seen.insert(*l)).collect();
        map.insert("labels".into(), json!(unique));
    }
    if let Some(t) = tlp {
        map.insert("object_marking_refs".into(), json!([tlp_marking_id(t)]));
    }
    if let Some(by) = created_by {
        map.insert("created_by_ref".into(), json!(by));
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
pub(super) fn stricter(own: Option<Tlp>, event: Option<Tlp>) -> Option<Tlp> {
    match (own, event) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl Convert {
    pub(super) fn new(opts: MispOptions) -> Self {
        Self {
            objects: Vec::new(),
            origins: Vec::new(),
            errors: Vec::new(),
            skipped: Vec::new(),
            opts,
            clusters: Clusters::default(),
            identities: HashSet::new(),
        }
    }

    pub(super) fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(field_error(path, message));
    }

    pub(super) fn skip(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            path: path.into(),
            reason: reason.into(),
        });
    }

    pub(super) fn push(&mut self, o: Value, path: &str, reach: &Reach) {
        self.objects.push(o);
        self.origins.push(Origin {
            path: path.to_owned(),
            reach: reach.clone(),
        });
    }

    pub(super) fn begin(&self) -> Mark {
        Mark {
            objects: self.objects.len(),
            errors: self.errors.len(),
        }
    }

    /// Ends an item: if it had problems, what it made is taken back, and
    /// with `skip_invalid` its problems become one skipped entry. Whether
    /// the item was kept.
    pub(super) fn end(&mut self, m: Mark, path: &str) -> bool {
        if self.errors.len() == m.errors {
            return true;
        }
        // What this item made is taken back, so later items make it again.
        for o in &self.objects[m.objects..] {
            if let Some(id) = o.get("id").and_then(Value::as_str) {
                self.identities.remove(id);
                self.clusters.emitted.remove(id);
            }
        }
        self.objects.truncate(m.objects);
        self.origins.truncate(m.objects);
        if self.opts.skip_invalid {
            let problems: Vec<String> = self
                .errors
                .drain(m.errors..)
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            self.skip(path, format!("invalid: {}", problems.join("; ")));
        }
        false
    }

    /// The events in an export, with their paths.
    pub(super) fn events<'v>(&mut self, v: &'v Value) -> Vec<(String, &'v Map<String, Value>)> {
        let (list, base) = match v {
            Value::Object(m) if m.contains_key("response") => match m.get("response") {
                Some(Value::Array(l)) => (l, "response"),
                _ => {
                    self.err("response", "must be a list of {\"Event\": ...}");
                    return Vec::new();
                }
            },
            Value::Array(l) => (l, ""),
            Value::Object(m) => {
                return match m.get("Event") {
                    Some(Value::Object(e)) => vec![("Event".to_owned(), e)],
                    Some(_) => {
                        self.err("Event", "must be an object");
                        Vec::new()
                    }
                    None if m.contains_key("info") || m.contains_key("Attribute") => {
                        vec![(String::new(), m)]
                    }
                    None => {
                        self.err("Event", "not a MISP event: expected {\"Event\": {...}}, a bare event, a list of them or {\"response\": [...]}");
                        Vec::new()
                    }
                };
            }
            _ => {
                self.err(
                    "(input)",
                    "not a MISP event: expected a JSON object or list",
                );
                return Vec::new();
            }
        };
        if list.len() > MAX_MISP_EVENTS {
            self.err(
                base_or_input(base),
                format!(
                    "{} events; at most {MAX_MISP_EVENTS} per import",
                    list.len()
                ),
            );
            return Vec::new();
        }
        if list.is_empty() {
            self.err(base_or_input(base), "holds no event");
        }
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let p = format!("{base}[{i}]");
            match item {
                Value::Object(m) => match m.get("Event") {
                    Some(Value::Object(e)) => out.push((format!("{p}.Event"), e)),
                    Some(_) => self.err(format!("{p}.Event"), "must be an object"),
                    None if m.contains_key("info") || m.contains_key("Attribute") => {
                        out.push((p, m));
                    }
                    None => self.err(p, "not a MISP event"),
                },
                _ => self.err(p, "must be an object"),
            }
        }
        out
    }

    /// Epoch seconds, as a string or a number; 0 and empty mean "not set".
    pub(super) fn epoch(&mut self, path: String, v: Option<&Value>) -> Option<Timestamp> {
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

    /// A date or date-time (`2026-11-01`, ISO 8601).
    pub(super) fn date(&mut self, path: String, v: Option<&Value>) -> Option<Timestamp> {
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
    /// other tags' names, which become labels (galaxy tags whose cluster
    /// the item carries become objects instead: `galaxy_tags`).
    pub(super) fn tags(
        &mut self,
        path: &str,
        v: Option<&Value>,
        galaxy_tags: &HashSet<String>,
    ) -> (Option<Tlp>, Vec<String>) {
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
                None if !name.is_empty() && !galaxy_tags.contains(name) => {
                    push_unique(&mut labels, name.to_owned());
                }
                None => {}
            }
        }
        (tlp, labels)
    }

    /// An item's own distribution (absent or 5: its parent's), narrowed by
    /// its parent's reach.
    pub(super) fn reach(
        &mut self,
        path: &str,
        item: &Map<String, Value>,
        parent: &Reach,
        ev_group: Option<&(String, Reach)>,
    ) -> Option<Reach> {
        let own = match small_int(item.get("distribution")) {
            None | Some(Some(5)) => return Some(parent.clone()),
            Some(Some(0)) => Reach::OwnOrganisation,
            Some(Some(1 | 2)) => Reach::Communities,
            Some(Some(3)) => Reach::AllCommunities,
            Some(Some(4)) => self.group(path, item, ev_group)?,
            Some(_) => {
                self.err(
                    join(path, "distribution"),
                    "must be 0 (your organisation), 1 (this community), 2 (connected communities), 3 (all), 4 (sharing group) or 5 (inherit)",
                );
                return None;
            }
        };
        match parent.clone().narrowest(own) {
            Ok(r) => Some(r),
            Err(m) => {
                self.err(join(path, "SharingGroup"), m);
                None
            }
        }
    }

    /// The sharing group an item with distribution 4 names: its own
    /// `SharingGroup`, or the event's when the ids agree.
    fn group(
        &mut self,
        path: &str,
        item: &Map<String, Value>,
        ev_group: Option<&(String, Reach)>,
    ) -> Option<Reach> {
        let text = |v: Option<&Value>| {
            v.and_then(|v| match v {
                Value::String(s) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
        };
        if let Some(g) = item.get("SharingGroup").and_then(Value::as_object) {
            let name = text(g.get("name"));
            let uuid = text(g.get("uuid"));
            if name.is_some() || uuid.is_some() {
                return Some(Reach::SharingGroup { name, uuid });
            }
        }
        let id = text(item.get("sharing_group_id"));
        match (id, ev_group) {
            (Some(id), Some((ev_id, r))) if &id == ev_id => Some(r.clone()),
            (id, _) => {
                self.err(
                    join(path, "SharingGroup"),
                    format!(
                        "distribution 4 names sharing group {} but the export does not say which group that is (its name or uuid)",
                        id.unwrap_or_else(|| "(none)".into())
                    ),
                );
                None
            }
        }
    }

    /// An organisation (the creator, or one that sighted) as an identity
    /// (once per export); its id.
    pub(super) fn org_identity(
        &mut self,
        path: &str,
        org: &Map<String, Value>,
        time: Timestamp,
        reach: &Reach,
    ) -> Option<String> {
        let name = org
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())?;
        let uuid = org.get("uuid").and_then(Value::as_str);
        let id = match uuid {
            Some(u) => derived_id("identity", u),
            None => derived_id("identity", &format!("misp-org-name:{name}")),
        };
        if self.identities.insert(id.clone()) {
            let created = stix_time(time);
            let mut o = json!({
                "type": "identity", "spec_version": "2.1", "id": id,
                "created": created, "modified": created,
                "name": name, "identity_class": "organization",
            });
            decorate(&mut o, None, &[], uuid, None);
            self.push(o, path, reach);
        }
        Some(id)
    }

    pub(super) fn event(&mut self, path: &str, ev: &Map<String, Value>) -> Option<Tlp> {
        let mark = self.begin();
        let at = if path.is_empty() { "(event)" } else { path };
        let tlp = self.event_inner(path, ev);
        if self.end(mark, at) { tlp } else { None }
    }

    fn event_inner(&mut self, path: &str, ev: &Map<String, Value>) -> Option<Tlp> {
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
        let published_at = self.epoch(join(path, "publish_timestamp"), ev.get("publish_timestamp"));
        let published = flag(ev.get("published"), false);
        let time = modified.or(date).unwrap_or_else(Timestamp::now);
        let galaxy_tags = super::galaxy::tag_names(ev.get("Galaxy"));
        let (tlp, mut labels) = self.tags(path, ev.get("Tag"), &galaxy_tags);
        let threat = small_int(ev.get("threat_level_id")).flatten();
        if let Some(level) = match threat {
            Some(1) => Some("high"),
            Some(2) => Some("medium"),
            Some(3) => Some("low"),
            _ => None,
        } {
            labels.push(format!("misp:threat-level=\"{level}\""));
        }
        let group_id = ev
            .get("sharing_group_id")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .unwrap_or_default();
        let reach = self.reach(path, ev, &Reach::AllCommunities, None)?;
        let group = matches!(reach, Reach::SharingGroup { .. }).then(|| (group_id, reach.clone()));
        let seed = uuid.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        let created_by = match ev.get("Orgc") {
            Some(Value::Object(org)) => self.org_identity(&join(path, "Orgc"), org, time, &reach),
            _ => None,
        };
        let ctx = EventContext {
            tlp,
            labels,
            time,
            reach,
            created_by,
            seed,
            group,
        };

        let mut refs: Vec<String> = self.galaxies(path, ev.get("Galaxy"), &ctx, None);
        for (key, is_object) in [("Attribute", false), ("Object", true)] {
            let Some(v) = ev.get(key) else { continue };
            let Some(list) = v.as_array() else {
                self.err(join(path, key), "must be a list");
                continue;
            };
            for (i, item) in list.iter().enumerate() {
                let p = format!("{}[{i}]", join(path, key));
                let mark = self.begin();
                let made = if is_object {
                    self.object(&p, item, &ctx)
                } else {
                    self.attribute(&p, item, &ctx)
                };
                if self.end(mark, &p) {
                    refs.extend(made);
                }
            }
        }
        self.flush_clusters(path, &ctx);

        let info = info?;
        if refs.is_empty() {
            self.skip(
                if path.is_empty() { "(event)" } else { path },
                "nothing to report on, so no report",
            );
            return tlp;
        }
        let created = stix_time(ctx.time);
        // misp-stix: a published event is a report, an unpublished one a
        // grouping (a report must say when it was published).
        let mut report = if published {
            json!({
                "type": "report", "spec_version": "2.1",
                "id": derived_id("report", &ctx.seed),
                "created": created, "modified": created, "name": info,
                "published": stix_time(published_at.or(date).unwrap_or(ctx.time)),
                "report_types": ["threat-report"],
                "object_refs": refs,
            })
        } else {
            json!({
                "type": "grouping", "spec_version": "2.1",
                "id": derived_id("grouping", &ctx.seed),
                "created": created, "modified": created, "name": info,
                "context": "suspicious-activity",
                "object_refs": refs,
            })
        };
        decorate(
            &mut report,
            tlp,
            &ctx.labels,
            uuid,
            ctx.created_by.as_deref(),
        );
        let at = if path.is_empty() { "(event)" } else { path };
        self.push(report, at, &ctx.reach.clone());
        tlp
    }
}

fn base_or_input(base: &str) -> &str {
    if base.is_empty() { "(input)" } else { base }
}
