//! STIX 2.1 objects: validation per the specification, listing every
//! problem with the property that has it, so a refused bundle can be fixed
//! in one round trip.

use renkei_core::Tlp;
use serde_json::{Map, Value};

use crate::id::{StixId, is_type_name};
use crate::marking::tlp_for_marking_id;
use crate::time::StixTime;

mod bundle;
mod spec;
mod stix20;
mod values;

pub use bundle::{
    MAX_OBJECTS, ParsedObjects, Repeat, find_repeats, parse_bundle, parse_envelope, read_bundle,
    read_envelope,
};
pub use spec::check_hash;
use spec::{
    REQUIRED, SCO_REQUIRED, SCO_TYPES, STRING_LISTS, STRINGS, TIMESTAMPS, is_language_tag,
    type_rules,
};
pub use stix20::{STIX20_REFUSED, is_stix20};
use values::{
    PROPERTY_NAME_RULE, check_encodings, check_extension_names, has_upper_case_ids,
    is_custom_property, is_property_name, lower_case_ids,
};

/// One problem with one property of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Position in the bundle or envelope (`None` for a single object).
    pub index: Option<usize>,
    /// The object's id, when it had a readable one.
    pub id: Option<String>,
    /// The property, e.g. `pattern` or `external_references[0].source_name`.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(i) = self.index {
            write!(f, "objects[{i}]")?;
            if let Some(id) = &self.id {
                write!(f, " ({id})")?;
            }
            write!(f, ".")?;
        }
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found; non-empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s); first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
pub struct ObjectErrors(pub Vec<FieldError>);

impl ObjectErrors {
    /// The refusal of a whole STIX 2.0 bundle or envelope
    /// ([`STIX20_REFUSED`]), which callers may answer with a code of its own.
    pub fn stix20() -> Self {
        Self(vec![FieldError {
            index: None,
            id: None,
            field: "spec_version".into(),
            message: STIX20_REFUSED.into(),
        }])
    }

    /// Whether this is [`ObjectErrors::stix20`].
    pub fn is_stix20(&self) -> bool {
        *self == Self::stix20()
    }
}

/// A validated STIX object, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct StixObject {
    pub id: StixId,
    pub type_name: String,
    pub created: Option<StixTime>,
    pub modified: Option<StixTime>,
    pub revoked: bool,
    /// The most restrictive TLP among its object and granular markings.
    pub tlp: Option<Tlp>,
    /// Marking-definition ids that are not TLP (kept, and required to be
    /// readable alongside the object).
    pub other_markings: Vec<String>,
    /// The object as received, its identifiers in lower case.
    pub value: Value,
}

impl StixObject {
    /// The object's version for TAXII: `modified`, else `created`.
    pub fn version(&self) -> Option<&StixTime> {
        self.modified.as_ref().or(self.created.as_ref())
    }

    /// The object as compact JSON text.
    pub fn to_json(&self) -> String {
        self.value.to_string()
    }
}

struct Check<'a> {
    errors: Vec<FieldError>,
    index: Option<usize>,
    id: Option<String>,
    obj: &'a Map<String, Value>,
}

impl Check<'_> {
    fn err(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            index: self.index,
            id: self.id.clone(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn string(&mut self, key: &str) -> Option<&str> {
        match self.obj.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                self.err(key, "must be a string");
                None
            }
        }
    }

    fn timestamp(&mut self, key: &str) -> Option<StixTime> {
        let s = self.string(key)?.to_owned();
        match StixTime::parse(&s) {
            Ok(t) => Some(t),
            Err(m) => {
                self.err(key, m);
                None
            }
        }
    }

    fn reference(&mut self, field: &str, v: &Value, expect_type: Option<&str>) {
        match v.as_str().map(StixId::parse) {
            Some(Ok(id)) => {
                if let Some(t) = expect_type.filter(|t| id.type_name() != *t) {
                    self.err(
                        field,
                        format!("must refer to a {t}, not {}", id.type_name()),
                    );
                }
            }
            Some(Err(m)) => self.err(field, m),
            None => self.err(field, "must be a STIX identifier string"),
        }
    }
}

/// Validates one object. `index` places it in a bundle for error messages.
/// Identifiers with upper-case hex are taken, and kept in lower case
/// wherever they appear in the object (`id`, every `_ref` and `_refs`, the
/// keys of `extensions`), so one object has one id however it was written.
pub fn parse_object(v: &Value, index: Option<usize>) -> Result<StixObject, ObjectErrors> {
    if has_upper_case_ids(v, true) {
        let mut canonical = v.clone();
        lower_case_ids(&mut canonical, true);
        return validate(&canonical, index);
    }
    validate(v, index)
}

fn validate(v: &Value, index: Option<usize>) -> Result<StixObject, ObjectErrors> {
    let Value::Object(obj) = v else {
        return Err(ObjectErrors(vec![FieldError {
            index,
            id: None,
            field: "(object)".into(),
            message: "must be a JSON object".into(),
        }]));
    };
    let mut c = Check {
        errors: Vec::new(),
        index,
        id: obj.get("id").and_then(Value::as_str).map(str::to_owned),
        obj,
    };

    let type_name = match c.string("type") {
        Some(t) if is_type_name(t) => t.to_owned(),
        Some(t) => {
            let t = t.to_owned();
            c.err(
                "type",
                format!("{t:?} is not a STIX type (3-250 of a-z, 0-9, -)"),
            );
            String::new()
        }
        None => {
            if !obj.contains_key("type") {
                c.err("type", "is required");
            }
            String::new()
        }
    };
    let id = match obj.get("id") {
        None => {
            c.err("id", "is required");
            None
        }
        Some(Value::String(s)) => match StixId::parse(s) {
            Ok(id) if !type_name.is_empty() && id.type_name() != type_name => {
                c.err(
                    "id",
                    format!(
                        "type part {:?} does not match type {type_name:?}",
                        id.type_name()
                    ),
                );
                None
            }
            Ok(id) => Some(id),
            Err(m) => {
                c.err("id", m);
                None
            }
        },
        Some(_) => {
            c.err("id", "must be a string");
            None
        }
    };
    if type_name == "bundle" {
        c.err(
            "type",
            "a bundle cannot be nested inside another bundle or envelope",
        );
    }
    let is_sco = SCO_TYPES.contains(&type_name.as_str());
    let known = is_sco || REQUIRED.iter().any(|(t, _)| *t == type_name);
    let extension_defined = obj
        .get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|e| {
            e.values().any(|x| {
                x.get("extension_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.starts_with("new-"))
            })
        });
    if !type_name.is_empty() && !known && !type_name.starts_with("x-") && !extension_defined {
        c.err("type", format!("unknown type {type_name:?}: custom objects need an x- prefix or a new-sdo/new-sco extension"));
    }

    match c.string("spec_version") {
        Some("2.1") => {}
        Some("2.0") => c.err("spec_version", STIX20_REFUSED),
        Some(other) => {
            let o = other.to_owned();
            c.err("spec_version", format!("must be \"2.1\" (got {o:?})"));
        }
        None if !is_sco && !obj.contains_key("spec_version") => {
            c.err("spec_version", "is required")
        }
        None => {}
    }

    let created = c.timestamp("created");
    let modified = c.timestamp("modified");
    let needs_created = !is_sco && (known || !extension_defined || obj.contains_key("created"));
    if needs_created && created.is_none() && !obj.contains_key("created") {
        c.err("created", "is required");
    }
    let needs_modified = needs_created && type_name != "marking-definition";
    if needs_modified && modified.is_none() && !obj.contains_key("modified") {
        c.err("modified", "is required");
    }
    for (k, t) in [("created", &created), ("modified", &modified)] {
        if let Some(t) = t.as_ref().filter(|t| t.precision < 3) {
            let text = t.text.clone();
            c.err(
                k,
                format!(
                    "{text:?} must be precise to the millisecond (e.g. 2026-11-21T09:00:00.000Z)"
                ),
            );
        }
    }
    if let (Some(cr), Some(m)) = (&created, &modified)
        && m.micros < cr.micros
    {
        c.err("modified", "must not be earlier than created");
    }

    let revoked = match obj.get("revoked") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            c.err("revoked", "must be true or false");
            false
        }
    };
    if let Some(conf) = obj.get("confidence")
        && !conf.as_i64().is_some_and(|n| (0..=100).contains(&n))
    {
        c.err("confidence", "must be an integer from 0 to 100");
    }
    if let Some(labels) = obj.get("labels")
        && !labels
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_string))
    {
        c.err("labels", "must be a list of strings");
    }
    if let Some(refs) = obj.get("external_references") {
        match refs.as_array() {
            Some(list) => {
                for (i, r) in list.iter().enumerate() {
                    if !r.get("source_name").is_some_and(Value::is_string) {
                        c.err(
                            format!("external_references[{i}].source_name"),
                            "is required and must be a string",
                        );
                    }
                }
            }
            None => c.err("external_references", "must be a list"),
        }
    }
    if let Some(r) = obj.get("created_by_ref") {
        c.reference("created_by_ref", r, Some("identity"));
    }

    // Markings: object-level and granular TLP, the most restrictive wins for access.
    let mut tlps: Vec<Tlp> = Vec::new();
    let mut other_markings = Vec::new();
    if let Some(m) = obj.get("object_marking_refs") {
        match m.as_array() {
            Some(list) => {
                for (i, r) in list.iter().enumerate() {
                    let field = format!("object_marking_refs[{i}]");
                    c.reference(&field, r, Some("marking-definition"));
                    if let Some(s) = r.as_str() {
                        match tlp_for_marking_id(s) {
                            Some(t) => tlps.push(t),
                            None => other_markings.push(s.to_owned()),
                        }
                    }
                }
            }
            None => c.err(
                "object_marking_refs",
                "must be a list of marking-definition ids",
            ),
        }
    }
    if let Some(g) = obj.get("granular_markings") {
        match g.as_array() {
            Some(list) => {
                for (i, gm) in list.iter().enumerate() {
                    let selectors_ok = gm
                        .get("selectors")
                        .and_then(Value::as_array)
                        .is_some_and(|s| !s.is_empty() && s.iter().all(Value::is_string));
                    if !selectors_ok {
                        c.err(
                            format!("granular_markings[{i}].selectors"),
                            "must be a non-empty list of strings",
                        );
                    }
                    match (gm.get("marking_ref"), gm.get("lang")) {
                        (Some(r), None) => {
                            c.reference(
                                &format!("granular_markings[{i}].marking_ref"),
                                r,
                                Some("marking-definition"),
                            );
                            if let Some(s) = r.as_str() {
                                match tlp_for_marking_id(s) {
                                    Some(t) => tlps.push(t),
                                    None => other_markings.push(s.to_owned()),
                                }
                            }
                        }
                        (None, Some(l)) if l.is_string() => {}
                        _ => c.err(
                            format!("granular_markings[{i}]"),
                            "needs exactly one of marking_ref or lang",
                        ),
                    }
                }
            }
            None => c.err("granular_markings", "must be a list"),
        }
    }
    let tlp = tlps.into_iter().max();

    // Type-specific required properties.
    let required = REQUIRED
        .iter()
        .chain(SCO_REQUIRED.iter())
        .find(|(t, _)| *t == type_name)
        .map_or(&[][..], |(_, r)| *r);
    for key in required {
        if !obj.contains_key(*key) {
            c.err(*key, format!("is required for {type_name}"));
        }
    }
    // Property names, references and timestamps wherever they appear.
    for (key, value) in obj {
        if !is_property_name(key) && key != "extensions" {
            c.err(key.as_str(), PROPERTY_NAME_RULE);
        }
        // A custom property's value is its producer's business (MITRE
        // ATT&CK writes `x_mitre_data_source_ref: ""`): its name only.
        if is_custom_property(key) {
            continue;
        }
        if key.ends_with("_ref") && key != "created_by_ref" {
            c.reference(key, value, None);
        } else if key.ends_with("_refs") && key != "object_marking_refs" {
            match value.as_array() {
                Some(list) if !list.is_empty() => {
                    for (i, r) in list.iter().enumerate() {
                        c.reference(&format!("{key}[{i}]"), r, None);
                    }
                }
                _ => c.err(key.as_str(), "must be a non-empty list of STIX identifiers"),
            }
        }
        if TIMESTAMPS.contains(&key.as_str()) {
            c.timestamp(key);
        }
        if value.as_array().is_some_and(Vec::is_empty) && !key.ends_with("_refs") {
            c.err(
                key.as_str(),
                "must not be an empty list (omit the property instead)",
            );
        }
        if STRINGS.contains(&key.as_str()) && !value.is_string() {
            c.err(key.as_str(), "must be a string");
        }
        if STRING_LISTS.contains(&key.as_str())
            && !value
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_string))
        {
            c.err(key.as_str(), "must be a list of strings");
        }
    }
    if let Some(lang) = obj.get("lang").and_then(Value::as_str)
        && !is_language_tag(lang)
    {
        c.err(
            "lang",
            format!("{lang:?} is not an RFC 5646 language tag (e.g. ja, en-US)"),
        );
    }
    if let Some(phases) = obj.get("kill_chain_phases").and_then(Value::as_array) {
        for (i, p) in phases.iter().enumerate() {
            for k in ["kill_chain_name", "phase_name"] {
                if !p.get(k).is_some_and(Value::is_string) {
                    c.err(
                        format!("kill_chain_phases[{i}].{k}"),
                        "is required and must be a string",
                    );
                }
            }
        }
    }
    if let Some(hashes) = obj.get("hashes") {
        match hashes.as_object() {
            Some(h) if !h.is_empty() => {
                for (alg, v) in h {
                    match v.as_str().map(|v| check_hash(alg, v)) {
                        Some(Ok(())) => {}
                        Some(Err(m)) => c.err(format!("hashes.{alg}"), m),
                        None => c.err(format!("hashes.{alg}"), "must be a string"),
                    }
                }
            }
            _ => c.err(
                "hashes",
                "must be a non-empty dictionary of algorithm to value",
            ),
        }
    }
    check_encodings(&mut c);
    check_extension_names(&mut c);
    type_rules(&mut c, &type_name);

    match (id, c.errors.is_empty()) {
        (Some(id), true) => Ok(StixObject {
            id,
            type_name,
            created,
            modified,
            revoked,
            tlp,
            other_markings,
            value: v.clone(),
        }),
        _ => Err(ObjectErrors(c.errors)),
    }
}

#[cfg(test)]
mod tests;
