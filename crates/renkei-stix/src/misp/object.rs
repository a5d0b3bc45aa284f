//! One MISP object: its attributes read by its template (`templates.rs`)
//! into one indicator (if any attribute is for IDS) or one observed-data,
//! with the sightings and galaxies of its attributes.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::attribute::{Made, comment};
use super::convert::{Convert, EventContext, deleted, push_unique, stricter, to_ids};
use super::join;
use super::templates::{Attr, build};

impl Convert {
    /// The object at `path`; what the report refers to.
    pub(super) fn object(&mut self, path: &str, o: &Value, ev: &EventContext) -> Vec<String> {
        let Some(o) = o.as_object() else {
            self.err(path, "must be an object");
            return Vec::new();
        };
        if deleted(o) {
            self.skip(path, "deleted in MISP");
            return Vec::new();
        }
        let name = o
            .get("name")
            .and_then(Value::as_str)
            .map_or("object", str::trim)
            .to_owned();
        let Some(mut reach) = self.reach(path, o, &ev.reach, ev.group.as_ref()) else {
            return Vec::new();
        };
        let attributes = match o.get("Attribute") {
            None => &Vec::new(),
            Some(Value::Array(list)) => list,
            Some(_) => {
                self.err(join(path, "Attribute"), "must be a list");
                return Vec::new();
            }
        };
        let mut tlp = None;
        let mut labels = ev.labels.clone();
        let mut any_to_ids = false;
        let mut attrs: Vec<Attr> = Vec::new();
        let mut kept: Vec<(String, &Map<String, Value>)> = Vec::new();
        for (j, a) in attributes.iter().enumerate() {
            let p = format!("{path}.Attribute[{j}]");
            let Some(a) = a.as_object() else {
                self.err(p, "must be an object");
                continue;
            };
            if deleted(a) {
                self.skip(p, "deleted in MISP");
                continue;
            }
            let Some((t, v)) = self.type_and_value(&p, a) else {
                continue;
            };
            // One STIX object carries them all: it reaches no further than
            // its narrowest attribute.
            match self.reach(&p, a, &reach, ev.group.as_ref()) {
                Some(r) => reach = r,
                None => continue,
            }
            any_to_ids |= to_ids(a.get("to_ids"));
            let galaxy_tags = super::galaxy::tag_names(a.get("Galaxy"));
            let (t_tlp, tags) = self.tags(&p, a.get("Tag"), &galaxy_tags);
            tlp = tlp.max(t_tlp);
            tags.into_iter().for_each(|t| push_unique(&mut labels, t));
            let relation = a
                .get("object_relation")
                .and_then(Value::as_str)
                .unwrap_or(t)
                .trim()
                .to_ascii_lowercase();
            attrs.push(Attr {
                relation,
                misp_type: t.trim().to_ascii_lowercase(),
                value: v.to_owned(),
            });
            kept.push((p, a));
        }
        let built = build(&name, &attrs);
        for (i, why) in built.skipped {
            self.skip(kept[i].0.clone(), why);
        }
        for (i, e) in built.errors {
            self.err(join(&kept[i].0, e.field), e.message);
        }
        if built.shape.terms.is_empty() && built.shape.scos.is_empty() {
            self.skip(
                path,
                format!("MISP object {name:?} has no attribute renkei maps"),
            );
            return Vec::new();
        }
        let time = self
            .epoch(join(path, "timestamp"), o.get("timestamp"))
            .unwrap_or(ev.time);
        let (first_seen, last_seen) = self.seen(path, o);
        push_unique(&mut labels, format!("misp:name=\"{name}\""));
        let category = o
            .get("meta-category")
            .and_then(Value::as_str)
            .map(str::trim);
        if let Some(c) = category {
            push_unique(&mut labels, format!("misp:meta-category=\"{c}\""));
        }
        let uuid = o.get("uuid").and_then(Value::as_str);
        let shown: Vec<&str> = {
            let mut seen = HashSet::new();
            built
                .shape
                .terms
                .iter()
                .map(|t| t.shown.as_str())
                .filter(|s| seen.insert(*s))
                .collect()
        };
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
            name: format!("{name}: {}", shown.join(" | ")),
            description: comment(o),
            category,
        };
        let Some(main) = self.shape(&made, built.shape, any_to_ids, ev) else {
            return Vec::new();
        };
        let mut refs = vec![main.clone()];
        for (p, a) in &kept {
            let m = Made {
                path,
                seed: a
                    .get("uuid")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{}:{p}", ev.seed), str::to_owned),
                ..clone_made(&made)
            };
            refs.extend(self.sightings(p, a.get("Sighting"), &main, &m, ev));
            refs.extend(self.galaxies(p, a.get("Galaxy"), ev, Some((&main, path))));
        }
        refs
    }
}

fn clone_made<'a>(m: &Made<'a>) -> Made<'a> {
    Made {
        path: m.path,
        seed: m.seed.clone(),
        uuid: m.uuid,
        time: m.time,
        first_seen: m.first_seen,
        last_seen: m.last_seen,
        tlp: m.tlp,
        labels: m.labels.clone(),
        reach: m.reach.clone(),
        name: m.name.clone(),
        description: m.description,
        category: m.category,
    }
}
