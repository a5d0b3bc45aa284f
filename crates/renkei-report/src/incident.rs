//! One incident described once, filed under several regimes: each chosen
//! profile's forms pre-filled from the common description, and each
//! profile's own clocks.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::{CaseFacts, Clock, ClockError, ClockPolicy, clocks};
use crate::common::CommonField;
use crate::form::{FieldError, check_value};
use crate::profile::{Field, FieldKind, Form, Profile};

/// The incident as the reporter describes it once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incident {
    /// Awareness, events and conditions: what every regime's clocks run on.
    pub facts: CaseFacts,
    /// The common description; `awareness-time` is taken from
    /// `facts.awareness` when not given here.
    pub common: BTreeMap<CommonField, Value>,
    /// Per profile id, each stage's first submission.
    pub submitted: BTreeMap<String, BTreeMap<String, Timestamp>>,
}

/// A form with the values the common description fills in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prefilled {
    pub form: String,
    pub values: Map<String, Value>,
    /// Common values that did not fit the field they map to (a text too
    /// long for this regime's field, …), left for the reporter to enter.
    pub not_filled: Vec<FieldError>,
}

/// One regime's view of the incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegimeView {
    pub profile: String,
    pub version: String,
    pub clocks: Vec<Clock>,
    pub forms: Vec<Prefilled>,
    /// Recipient role ids, as the profile names them.
    pub recipients: Vec<String>,
}

/// `form` filled from the incident's common description. Only values the
/// field accepts are filled; an instant is written in the regime's zone.
pub fn prefill(profile: &Profile, form: &Form, incident: &Incident) -> Prefilled {
    let mut values = Map::new();
    let mut not_filled = Vec::new();
    for field in &form.fields {
        let Some(common) = field.common else { continue };
        let Some(value) = common_value(profile, common, incident) else {
            continue;
        };
        let value = fit(field, value);
        let mut errors = Vec::new();
        check_value(&mut errors, field, &value);
        if errors.is_empty() {
            values.insert(field.id.clone(), value);
        } else {
            not_filled.extend(errors);
        }
    }
    Prefilled {
        form: form.id.clone(),
        values,
        not_filled,
    }
}

fn common_value(profile: &Profile, common: CommonField, incident: &Incident) -> Option<Value> {
    let is_time = matches!(
        common,
        CommonField::AwarenessTime | CommonField::OccurrenceTime
    );
    let instant = match incident.common.get(&common).filter(|v| !v.is_null()) {
        // A time that is not an instant is passed on as given, so that the
        // field's own check reports it instead of the value vanishing.
        Some(v) if is_time => match v.as_str().map(str::parse::<Timestamp>) {
            Some(Ok(t)) => t,
            _ => return Some(v.clone()),
        },
        Some(v) => return Some(v.clone()),
        None if common == CommonField::AwarenessTime => incident.facts.awareness?,
        None => return None,
    };
    let local = instant.to_zoned_datetime(profile.tz().clone());
    Some(Value::String(
        local.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
    ))
}

/// Adapts a value to the field's shape where the meaning is unchanged: a
/// list into a long text, one item a line.
fn fit(field: &Field, value: Value) -> Value {
    match (&field.kind, value) {
        (FieldKind::LongText { .. }, Value::Array(items)) if items.iter().all(Value::is_string) => {
            let lines: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            Value::String(lines.join("\n"))
        }
        (_, v) => v,
    }
}

/// Every chosen regime's pre-filled forms and clocks at `now`.
pub fn file_once(
    incident: &Incident,
    regimes: &[&Profile],
    now: Timestamp,
    policy: &ClockPolicy,
) -> Result<Vec<RegimeView>, ClockError> {
    let none = BTreeMap::new();
    regimes
        .iter()
        .map(|p| {
            let submitted = incident.submitted.get(&p.id).unwrap_or(&none);
            Ok(RegimeView {
                profile: p.id.clone(),
                version: p.version.clone(),
                clocks: clocks(p, &incident.facts, submitted, now, policy)?,
                forms: p.forms.iter().map(|f| prefill(p, f, incident)).collect(),
                recipients: p.recipients.iter().map(|r| r.id.clone()).collect(),
            })
        })
        .collect()
}
