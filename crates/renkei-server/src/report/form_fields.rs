//! A profile's form as portal fields, and posted fields back into the
//! values renkei-report checks: one line or paragraphs of text, a local
//! date and time read in the regime's own zone, a choice, a number, a
//! yes/no, a list one item a line. Field names are `v.<field id>`.

use std::collections::HashMap;

use jiff::civil::DateTime;
use minijinja::context;
use minijinja::value::Value as Ctx;
use renkei_report::{FieldError, FieldKind, Form, Profile};
use serde_json::{Map, Value};

use crate::http::i18n::Lang;

fn label(l: &renkei_report::Labels, lang: Lang) -> &str {
    if lang == Lang::Ja { &l.ja } else { &l.en }
}

/// The value as the input shows it.
fn shown(kind: &FieldKind, v: Option<&Value>, profile: &Profile) -> String {
    match (kind, v) {
        (_, None | Some(Value::Null)) => String::new(),
        (FieldKind::List { .. }, Some(Value::Array(items))) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join("\n"),
        (FieldKind::DateTime, Some(Value::String(s))) => s
            .parse::<jiff::Timestamp>()
            .map(|t| {
                t.to_zoned_datetime(profile.tz().clone())
                    .strftime("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_else(|_| s.clone()),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(Value::Bool(b))) => b.to_string(),
        (_, Some(other)) => other.to_string(),
    }
}

/// The form's fields for the template, filled with `values`, each with the
/// errors found in it.
pub(super) fn fields(
    profile: &Profile,
    form: &Form,
    values: &Map<String, Value>,
    errors: &[FieldError],
    lang: Lang,
    error_text: impl Fn(&FieldError) -> String,
) -> Vec<Ctx> {
    form.fields
        .iter()
        .map(|f| {
            let (kind, options, max) = match &f.kind {
                FieldKind::Text { max_length } => ("text", Vec::new(), Some(*max_length)),
                FieldKind::LongText { max_length } => ("long-text", Vec::new(), Some(*max_length)),
                FieldKind::DateTime => ("date-time", Vec::new(), None),
                FieldKind::Choice { options } => (
                    "choice",
                    options
                        .iter()
                        .map(|o| context! { id => o.id, name => label(&o.name, lang) })
                        .collect(),
                    None,
                ),
                FieldKind::Number { .. } => ("number", Vec::new(), None),
                FieldKind::Bool => ("bool", Vec::new(), None),
                FieldKind::List { max_length, .. } => ("list", Vec::new(), Some(*max_length)),
            };
            let errs: Vec<String> = errors
                .iter()
                .filter(|e| e.field == f.id)
                .map(&error_text)
                .collect();
            context! {
                id => f.id,
                name => format!("v.{}", f.id),
                label => label(&f.label, lang),
                help => f.help.as_ref().map(|h| label(h, lang)),
                kind,
                options,
                max,
                required => f.required,
                value => shown(&f.kind, values.get(&f.id), profile),
                errors => errs,
            }
        })
        .collect()
}

/// The posted `v.<id>` fields as the form's values. A value the field
/// cannot hold is passed on as text, so the form check names it rather
/// than the value vanishing; empty inputs are left out.
pub(super) fn values(
    profile: &Profile,
    form: &Form,
    posted: &HashMap<String, String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for f in &form.fields {
        let raw = posted.get(&format!("v.{}", f.id)).map(String::as_str);
        let v = match (&f.kind, raw) {
            (FieldKind::Bool, raw) => Value::Bool(matches!(raw, Some("true" | "on"))),
            (_, None) => continue,
            (_, Some(r)) if r.trim().is_empty() => continue,
            (FieldKind::List { .. }, Some(r)) => Value::Array(
                r.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| Value::String(l.to_owned()))
                    .collect(),
            ),
            (FieldKind::Number { .. }, Some(r)) => r
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(
                    || Value::String(r.to_owned()),
                    |n| {
                        // Integers stay integers (the form check tells them apart).
                        match n.as_f64() {
                            Some(x) if x.fract() == 0.0 && x.abs() < 9e15 => Value::from(x as i64),
                            _ => Value::Number(n),
                        }
                    },
                ),
            (FieldKind::DateTime, Some(r)) => Value::String(local_instant(profile, r.trim())),
            (_, Some(r)) => Value::String(r.replace("\r\n", "\n")),
        };
        out.insert(f.id.clone(), v);
    }
    out
}

/// A `datetime-local` input (`2026-12-01T09:00`) read in the regime's zone
/// as RFC 3339 with its offset; anything else is passed on unchanged.
pub(super) fn local_instant(profile: &Profile, text: &str) -> String {
    if text.parse::<jiff::Timestamp>().is_ok() {
        return text.to_owned();
    }
    match text.parse::<DateTime>() {
        Ok(dt) => dt
            .to_zoned_datetime(profile.tz().clone())
            .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_else(|_| text.to_owned()),
        Err(_) => text.to_owned(),
    }
}
