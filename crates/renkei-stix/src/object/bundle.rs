//! Bundles and TAXII envelopes: many objects accepted whole, or refused
//! with every problem of every object listed; an object repeated in one
//! request is stored once, or refused with its repeats when they differ.

use std::collections::HashMap;

use serde_json::Value;

use super::{FieldError, ObjectErrors, StixObject, is_stix20, parse_object};
use crate::id::StixId;

/// How many objects one bundle or envelope may carry.
pub const MAX_OBJECTS: usize = 100_000;

/// A later object of a request identical to an earlier one (the same id,
/// version and content): stored once, and said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// Its position in the request.
    pub index: usize,
    /// The position of the first object it repeats.
    pub first: usize,
    pub id: String,
}

impl Repeat {
    /// What a status or an import result says of it.
    pub fn message(&self) -> String {
        format!(
            "objects[{}] repeats objects[{}] exactly; stored once",
            self.index, self.first
        )
    }
}

/// The objects of a bundle or envelope, validated, each once.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedObjects {
    pub objects: Vec<StixObject>,
    /// Exact repeats left out of `objects`.
    pub repeats: Vec<Repeat>,
}

/// Of validated objects of one request (`(position, object)`), those with
/// the id and version of an earlier one. Exact repeats are [`Repeat`]s;
/// where objects share an id and version but not their content, each of
/// them gets an error naming all their positions: which one is meant
/// cannot be known, so none is stored (a STIX version is identified by id
/// and `modified`, and an SCO, which has no `modified`, by its id alone).
pub fn find_repeats(objects: &[(usize, &StixObject)]) -> (Vec<Repeat>, Vec<FieldError>) {
    let mut groups: HashMap<(&str, Option<i64>), Vec<usize>> = HashMap::new();
    for (n, (_, o)) in objects.iter().enumerate() {
        let key = (o.id.as_str(), o.version().map(|t| t.micros));
        groups.entry(key).or_default().push(n);
    }
    let (mut repeats, mut errors) = (Vec::new(), Vec::new());
    for members in groups.values().filter(|m| m.len() > 1) {
        let (first_index, first) = objects[members[0]];
        if members.iter().all(|&n| objects[n].1.value == first.value) {
            repeats.extend(members[1..].iter().map(|&n| Repeat {
                index: objects[n].0,
                first: first_index,
                id: first.id.to_string(),
            }));
            continue;
        }
        let positions: Vec<String> = members
            .iter()
            .map(|&n| format!("objects[{}]", objects[n].0))
            .collect();
        let version = first.version().map_or_else(
            || "no version (an SCO)".to_owned(),
            |t| format!("version {}", t.text),
        );
        for &n in members {
            let (index, o) = objects[n];
            errors.push(FieldError {
                index: Some(index),
                id: Some(o.id.to_string()),
                field: "id".into(),
                message: format!(
                    "{} share this id and {version} but differ; none of them is stored",
                    positions.join(", ")
                ),
            });
        }
    }
    repeats.sort_by_key(|r| r.index);
    errors.sort_by_key(|e| e.index);
    (repeats, errors)
}

fn parse_list(list: &[Value]) -> Result<ParsedObjects, ObjectErrors> {
    if list.len() > MAX_OBJECTS {
        return Err(ObjectErrors(vec![FieldError {
            index: None,
            id: None,
            field: "objects".into(),
            message: format!("{} objects; at most {MAX_OBJECTS} per request", list.len()),
        }]));
    }
    let mut ok = Vec::with_capacity(list.len());
    let mut errors = Vec::new();
    for (i, v) in list.iter().enumerate() {
        match parse_object(v, Some(i)) {
            Ok(o) => ok.push(o),
            Err(ObjectErrors(e)) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(ObjectErrors(errors));
    }
    let indexed: Vec<(usize, &StixObject)> = ok.iter().enumerate().collect();
    let (repeats, conflicts) = find_repeats(&indexed);
    if !conflicts.is_empty() {
        return Err(ObjectErrors(conflicts));
    }
    let mut keep = vec![true; ok.len()];
    for r in &repeats {
        keep[r.index] = false;
    }
    let mut keep = keep.into_iter();
    ok.retain(|_| keep.next().unwrap_or(true));
    Ok(ParsedObjects {
        objects: ok,
        repeats,
    })
}

fn top_level_error(field: &str, message: impl Into<String>) -> ObjectErrors {
    ObjectErrors(vec![FieldError {
        index: None,
        id: None,
        field: field.into(),
        message: message.into(),
    }])
}

/// A STIX 2.1 bundle: accepted whole, or refused with every error listed;
/// exact repeats are left out.
pub fn parse_bundle(v: &Value) -> Result<Vec<StixObject>, ObjectErrors> {
    read_bundle(v).map(|p| p.objects)
}

/// [`parse_bundle`], telling the repeats it left out.
pub fn read_bundle(v: &Value) -> Result<ParsedObjects, ObjectErrors> {
    let Some(obj) = v.as_object() else {
        return Err(top_level_error("(bundle)", "must be a JSON object"));
    };
    if obj.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(top_level_error("type", "must be \"bundle\""));
    }
    match obj.get("id").and_then(Value::as_str).map(StixId::parse) {
        Some(Ok(id)) if id.type_name() == "bundle" => {}
        _ => return Err(top_level_error("id", "must be bundle--<UUID>")),
    }
    if is_stix20(v) {
        return Err(ObjectErrors::stix20());
    }
    match obj.get("objects") {
        None => Ok(ParsedObjects {
            objects: Vec::new(),
            repeats: Vec::new(),
        }),
        Some(Value::Array(list)) => parse_list(list),
        Some(_) => Err(top_level_error("objects", "must be a list")),
    }
}

/// A TAXII 2.1 envelope (`{"objects": [...]}`), as posted to a collection;
/// exact repeats are left out.
pub fn parse_envelope(v: &Value) -> Result<Vec<StixObject>, ObjectErrors> {
    read_envelope(v).map(|p| p.objects)
}

/// [`parse_envelope`], telling the repeats it left out.
pub fn read_envelope(v: &Value) -> Result<ParsedObjects, ObjectErrors> {
    let Some(obj) = v.as_object() else {
        return Err(top_level_error("(envelope)", "must be a JSON object"));
    };
    if is_stix20(v) {
        return Err(ObjectErrors::stix20());
    }
    match obj.get("objects") {
        Some(Value::Array(list)) => parse_list(list),
        Some(_) => Err(top_level_error("objects", "must be a list")),
        None => Err(top_level_error("objects", "is required")),
    }
}
