//! MISP events, as MISP publishes them, turned into STIX 2.1 the way MISP's
//! own misp-stix converter does (docs/misp.md has the table): attributes
//! for IDS become indicators, the others observed-data with observables;
//! objects by their template; sightings, galaxies, the creator organisation
//! and the event as a report (or a grouping while unpublished). Problems
//! are listed with their JSON path (`Event.Attribute[3].value`); what has no
//! mapping is listed as skipped, never dropped silently.

use std::collections::{HashMap, HashSet};

use renkei_core::Tlp;
use serde_json::Value;
use uuid::Uuid;

use crate::{FieldError, parse_object};

mod attribute;
mod convert;
mod galaxy;
mod object;
mod reach;
mod shapes;
mod templates;
mod terms;

pub use reach::{Narrowed, Origin, Reach, apply_reach};

/// The largest MISP export accepted, in bytes; callers reading a body or a
/// file check it before parsing (as [`misp_from_slice`] does).
pub const MAX_MISP_BYTES: usize = 16 * 1024 * 1024;

/// The most events one export may hold (`{"response": [...]}` or a list).
pub const MAX_MISP_EVENTS: usize = 1_000;

/// The most attributes and objects, all events together.
pub const MAX_MISP_ITEMS: usize = 200_000;

/// The namespace of renkei's name-based (v5) UUIDs for MISP uuids, so the
/// same MISP attribute always becomes the same STIX id.
const NAMESPACE: Uuid = Uuid::from_u128(0x6d1c_2f0a_4b7e_4c55_9a3e_2b8f_0c1d_7e42);

/// The latest time we accept (9999-12-31T23:59:59Z), in epoch seconds.
const MAX_EPOCH_SECONDS: i64 = 253_402_300_799;

/// Something in the event that was left out, with its JSON path and why.
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
    /// Each passes [`parse_object`].
    pub objects: Vec<Value>,
    /// Where each object came from, index for index with `objects`.
    pub origins: Vec<Origin>,
    /// The event's TLP (the most restrictive one if the export held several
    /// events).
    pub tlp: Option<Tlp>,
    /// What was left out, with why (and, with `skip_invalid`, the invalid
    /// attributes and objects with their problems).
    pub skipped: Vec<Skipped>,
}

/// Every problem found, with its JSON path in `field`; non-empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the MISP event; first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct MispErrors(pub Vec<FieldError>);

/// How a MISP export is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MispOptions {
    /// Leave out invalid attributes and objects (each reported in
    /// `skipped` with its problems) instead of refusing the whole export.
    pub skip_invalid: bool,
}

/// Parses a MISP export from bytes (at most [`MAX_MISP_BYTES`]) and maps it.
pub fn misp_from_slice(bytes: &[u8]) -> Result<MispImport, MispErrors> {
    misp_from_slice_with(bytes, MispOptions::default())
}

/// [`misp_from_slice`] with options.
pub fn misp_from_slice_with(bytes: &[u8], opts: MispOptions) -> Result<MispImport, MispErrors> {
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
    misp_to_stix_with(&v, opts)
}

/// Maps a MISP export — `{"Event": {...}}`, a bare event, a list of them,
/// or a search result `{"response": [{"Event": {...}}, ...]}` — to STIX
/// 2.1. Refused whole, with every problem listed, if anything does not
/// map.
pub fn misp_to_stix(v: &Value) -> Result<MispImport, MispErrors> {
    misp_to_stix_with(v, MispOptions::default())
}

/// [`misp_to_stix`] with options.
pub fn misp_to_stix_with(v: &Value, opts: MispOptions) -> Result<MispImport, MispErrors> {
    let mut c = convert::Convert::new(opts);
    let mut tlp: Option<Tlp> = None;
    let events = c.events(v);
    let items: usize = events.iter().map(|(_, e)| convert::item_count(e)).sum();
    if items > MAX_MISP_ITEMS {
        return Err(MispErrors(vec![field_error(
            "(input)",
            format!("{items} attributes and objects; at most {MAX_MISP_ITEMS} per import"),
        )]));
    }
    for (path, event) in events {
        if let Some(t) = c.event(&path, event) {
            tlp = tlp.max(Some(t));
        }
    }
    // Belt and braces: what we hand out must be valid STIX; an item that
    // would make invalid STIX is refused (or skipped) by its MISP path.
    let mut bad: HashMap<String, Vec<String>> = HashMap::new();
    for (o, origin) in c.objects.iter().zip(&c.origins) {
        if let Err(e) = parse_object(o, None) {
            let list = bad.entry(origin.path.clone()).or_default();
            list.extend(
                e.0.iter()
                    .map(|f| format!("STIX {}: {}", f.field, f.message)),
            );
        }
    }
    let mut import = MispImport {
        objects: c.objects,
        origins: c.origins,
        tlp,
        skipped: c.skipped,
    };
    let mut bad: Vec<(String, Vec<String>)> = bad.into_iter().collect();
    bad.sort();
    if opts.skip_invalid {
        let paths: HashSet<String> = bad.iter().map(|(p, _)| p.clone()).collect();
        drop_items(&mut import, &paths);
        for (path, problems) in bad {
            let reason = format!("invalid: {}", problems.join("; "));
            import.skipped.push(Skipped { path, reason });
        }
    } else {
        for (path, problems) in bad {
            c.errors.push(field_error(
                path,
                format!("makes invalid STIX: {}", problems.join("; ")),
            ));
        }
    }
    if c.errors.is_empty() {
        Ok(import)
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

/// Re-derives every object's id (and every reference to it) within
/// `scope` — the importing organisation — so two members importing the
/// same MISP event get objects of their own, while one member importing it
/// again gets the same ids (and so the same objects) again.
pub fn scope_ids(import: &mut MispImport, scope: &str) {
    let mut renamed = HashMap::new();
    for o in &mut import.objects {
        let Some((old, ty, u)) = o.get("id").and_then(Value::as_str).and_then(|id| {
            id.split_once("--")
                .map(|(t, u)| (id.to_owned(), t.to_owned(), u.to_owned()))
        }) else {
            continue;
        };
        let new = format!(
            "{ty}--{}",
            Uuid::new_v5(&NAMESPACE, format!("{scope}:{u}").as_bytes())
        );
        renamed.insert(old, new.clone());
        o["id"] = Value::String(new);
    }
    for o in &mut import.objects {
        if let Some(map) = o.as_object_mut() {
            for (k, v) in map.iter_mut() {
                if k != "id" {
                    rename(v, &renamed);
                }
            }
        }
    }
}

/// Replaces every string that is a renamed id, wherever it is (`*_ref`,
/// `*_refs`, nested in `body_multipart`…).
fn rename(v: &mut Value, renamed: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(n) = renamed.get(s.as_str()) {
                *s = n.clone();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rename(x, renamed)),
        Value::Object(m) => m.values_mut().for_each(|x| rename(x, renamed)),
        _ => {}
    }
}

/// Leaves out every object made from the items at `paths` (sharing groups
/// with no matching community), and every reference to them; a report or
/// grouping left with nothing to refer to goes too. Returns the ids left
/// out.
pub fn drop_items(import: &mut MispImport, paths: &HashSet<String>) -> Vec<String> {
    let mut gone: HashSet<String> = HashSet::new();
    loop {
        let mut keep_objects = Vec::with_capacity(import.objects.len());
        let mut keep_origins = Vec::with_capacity(import.origins.len());
        let before = gone.len();
        for (mut o, origin) in import.objects.drain(..).zip(import.origins.drain(..)) {
            let id = o.get("id").and_then(Value::as_str).unwrap_or("").to_owned();
            let dangling = ["source_ref", "target_ref", "sighting_of_ref"]
                .iter()
                .any(|k| {
                    o.get(*k)
                        .and_then(Value::as_str)
                        .is_some_and(|r| gone.contains(r))
                });
            if let Some(refs) = o.get_mut("object_refs").and_then(Value::as_array_mut) {
                refs.retain(|r| r.as_str().is_none_or(|r| !gone.contains(r)));
            }
            let emptied = o
                .get("object_refs")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty);
            if paths.contains(&origin.path) || dangling || emptied {
                gone.insert(id);
            } else {
                keep_objects.push(o);
                keep_origins.push(origin);
            }
        }
        import.objects = keep_objects;
        import.origins = keep_origins;
        if gone.len() == before {
            break;
        }
    }
    let mut gone: Vec<String> = gone.into_iter().collect();
    gone.sort();
    gone
}

/// A STIX id derived from a MISP uuid (or any other stable seed).
fn derived_id(type_name: &str, seed: &str) -> String {
    format!(
        "{type_name}--{}",
        Uuid::new_v5(&NAMESPACE, seed.trim().to_ascii_lowercase().as_bytes())
    )
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod tlp_tests;

#[cfg(test)]
mod shape_tests;
