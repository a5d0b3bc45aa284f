//! Bundles and TAXII envelopes: many objects accepted whole, or refused
//! with every problem of every object listed.

use serde_json::Value;

use super::{FieldError, ObjectErrors, StixObject, parse_object};
use crate::id::StixId;

/// How many objects one bundle or envelope may carry.
pub const MAX_OBJECTS: usize = 100_000;

fn parse_list(list: &[Value]) -> Result<Vec<StixObject>, ObjectErrors> {
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
    if errors.is_empty() {
        Ok(ok)
    } else {
        Err(ObjectErrors(errors))
    }
}

fn top_level_error(field: &str, message: impl Into<String>) -> ObjectErrors {
    ObjectErrors(vec![FieldError {
        index: None,
        id: None,
        field: field.into(),
        message: message.into(),
    }])
}

/// A STIX 2.1 bundle: accepted whole, or refused with every error listed.
pub fn parse_bundle(v: &Value) -> Result<Vec<StixObject>, ObjectErrors> {
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
    match obj.get("objects") {
        None => Ok(Vec::new()),
        Some(Value::Array(list)) => parse_list(list),
        Some(_) => Err(top_level_error("objects", "must be a list")),
    }
}

/// A TAXII 2.1 envelope (`{"objects": [...]}`), as posted to a collection.
pub fn parse_envelope(v: &Value) -> Result<Vec<StixObject>, ObjectErrors> {
    let Some(obj) = v.as_object() else {
        return Err(top_level_error("(envelope)", "must be a JSON object"));
    };
    match obj.get("objects") {
        Some(Value::Array(list)) => parse_list(list),
        Some(_) => Err(top_level_error("objects", "must be a list")),
        None => Err(top_level_error("objects", "is required")),
    }
}
