//! Checking submitted values against a profile's form: every error names
//! the field (and the list item), with a stable code; nothing panics.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::profile::{Field, FieldKind, Form};

/// Stable codes of form errors (listed in the crate docs).
pub mod codes {
    pub const REQUIRED: &str = "required";
    pub const UNKNOWN_FIELD: &str = "unknown-field";
    pub const WRONG_TYPE: &str = "wrong-type";
    pub const TOO_LONG: &str = "too-long";
    pub const LINE_BREAK: &str = "line-break";
    pub const TOO_MANY_ITEMS: &str = "too-many-items";
    pub const INVALID_DATE_TIME: &str = "invalid-date-time";
    pub const UNKNOWN_OPTION: &str = "unknown-option";
    pub const NOT_AN_INTEGER: &str = "not-an-integer";
    pub const BELOW_MINIMUM: &str = "below-minimum";
    pub const ABOVE_MAXIMUM: &str = "above-maximum";

    /// Every code above, for the server's check that each has a message.
    pub const ALL: &[&str] = &[
        REQUIRED,
        UNKNOWN_FIELD,
        WRONG_TYPE,
        TOO_LONG,
        LINE_BREAK,
        TOO_MANY_ITEMS,
        INVALID_DATE_TIME,
        UNKNOWN_OPTION,
        NOT_AN_INTEGER,
        BELOW_MINIMUM,
        ABOVE_MAXIMUM,
    ];
}

/// One bad field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// One of [`codes`].
    pub code: &'static str,
    /// The field's id in the form.
    pub field: String,
    /// For a list, the item at fault.
    pub index: Option<usize>,
}

/// A draft may leave required fields empty; a submission may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Draft,
    Submission,
}

/// Every error in `values` for `form`, in the form's field order (unknown
/// fields last, by name). Empty means the values are acceptable.
pub fn validate_values(form: &Form, values: &Map<String, Value>, mode: Mode) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for field in &form.fields {
        match values.get(&field.id) {
            None | Some(Value::Null) => missing(&mut errors, field, mode),
            Some(v) if is_empty(v) => missing(&mut errors, field, mode),
            Some(v) => check_value(&mut errors, field, v),
        }
    }
    let mut unknown: Vec<&String> = values.keys().filter(|k| form.field(k).is_none()).collect();
    unknown.sort();
    for k in unknown {
        errors.push(FieldError {
            code: codes::UNKNOWN_FIELD,
            field: k.clone(),
            index: None,
        });
    }
    errors
}

fn missing(errors: &mut Vec<FieldError>, field: &Field, mode: Mode) {
    if field.required && mode == Mode::Submission {
        errors.push(FieldError {
            code: codes::REQUIRED,
            field: field.id.clone(),
            index: None,
        });
    }
}

/// An empty string or list counts as not filled in.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The errors of one present value (used by pre-filling too, which keeps
/// only values that pass).
pub(crate) fn check_value(errors: &mut Vec<FieldError>, field: &Field, v: &Value) {
    let mut err = |code, index| {
        errors.push(FieldError {
            code,
            field: field.id.clone(),
            index,
        })
    };
    match (&field.kind, v) {
        (FieldKind::Text { max_length }, Value::String(s)) => {
            if s.contains(['\n', '\r']) {
                err(codes::LINE_BREAK, None);
            }
            if too_long(s, *max_length) {
                err(codes::TOO_LONG, None);
            }
        }
        (FieldKind::LongText { max_length }, Value::String(s)) => {
            if too_long(s, *max_length) {
                err(codes::TOO_LONG, None);
            }
        }
        (FieldKind::DateTime, Value::String(s)) => {
            // RFC 3339 with an offset: an instant, never a wall-clock time
            // whose zone would have to be guessed.
            if s.parse::<jiff::Timestamp>().is_err() {
                err(codes::INVALID_DATE_TIME, None);
            }
        }
        (FieldKind::Choice { options }, Value::String(s)) => {
            if !options.iter().any(|o| o.id == *s) {
                err(codes::UNKNOWN_OPTION, None);
            }
        }
        (FieldKind::Number { min, max, integer }, Value::Number(n)) => {
            let Some(x) = n.as_f64() else {
                return err(codes::WRONG_TYPE, None);
            };
            if *integer && !(n.is_i64() || n.is_u64()) {
                err(codes::NOT_AN_INTEGER, None);
            }
            if min.is_some_and(|m| x < m) {
                err(codes::BELOW_MINIMUM, None);
            }
            if max.is_some_and(|m| x > m) {
                err(codes::ABOVE_MAXIMUM, None);
            }
        }
        (FieldKind::Bool, Value::Bool(_)) => {}
        (
            FieldKind::List {
                max_items,
                max_length,
            },
            Value::Array(items),
        ) => {
            if items.len() > *max_items as usize {
                err(codes::TOO_MANY_ITEMS, None);
            }
            for (i, item) in items.iter().enumerate().take(*max_items as usize) {
                match item {
                    Value::String(s) if s.contains(['\n', '\r']) => err(codes::LINE_BREAK, Some(i)),
                    Value::String(s) if too_long(s, *max_length) => err(codes::TOO_LONG, Some(i)),
                    Value::String(_) => {}
                    _ => err(codes::WRONG_TYPE, Some(i)),
                }
            }
        }
        _ => err(codes::WRONG_TYPE, None),
    }
}

fn too_long(s: &str, max: u32) -> bool {
    // Characters, not bytes: a Japanese sentence is three bytes a character.
    s.chars().count() > max as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Labels, Named};
    use serde_json::json;

    fn labels() -> Labels {
        Labels {
            ja: "項目".into(),
            en: "Item".into(),
        }
    }

    fn field(id: &str, kind: FieldKind, required: bool) -> Field {
        Field {
            id: id.into(),
            label: labels(),
            help: None,
            kind,
            required,
            common: None,
        }
    }

    fn form() -> Form {
        Form {
            id: "f".into(),
            name: labels(),
            fields: vec![
                field("title", FieldKind::Text { max_length: 5 }, true),
                field("body", FieldKind::LongText { max_length: 10 }, false),
                field("when", FieldKind::DateTime, true),
                field(
                    "kind",
                    FieldKind::Choice {
                        options: vec![Named {
                            id: "ddos".into(),
                            name: labels(),
                        }],
                    },
                    false,
                ),
                field(
                    "people",
                    FieldKind::Number {
                        min: Some(0.0),
                        max: Some(100.0),
                        integer: true,
                    },
                    false,
                ),
                field("paid", FieldKind::Bool, false),
                field(
                    "iocs",
                    FieldKind::List {
                        max_items: 2,
                        max_length: 4,
                    },
                    false,
                ),
            ],
        }
    }

    fn errors(v: Value, mode: Mode) -> Vec<(&'static str, String, Option<usize>)> {
        let Value::Object(map) = v else {
            panic!("an object")
        };
        validate_values(&form(), &map, mode)
            .into_iter()
            .map(|e| (e.code, e.field, e.index))
            .collect()
    }

    #[test]
    fn a_draft_may_be_empty_a_submission_may_not() {
        assert_eq!(errors(json!({}), Mode::Draft), vec![]);
        assert_eq!(
            errors(json!({"title": "  ", "when": null}), Mode::Submission),
            vec![
                ("required", "title".into(), None),
                ("required", "when".into(), None)
            ]
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let got = errors(
            json!({
                "title": "六文字の題名",
                "body": "0123456789x",
                "when": "2026-12-06 10:00",
                "kind": "phishing",
                "people": 1.5,
                "paid": "yes",
                "iocs": ["a\nb", "12345", "ok"],
                "extra": 1,
            }),
            Mode::Submission,
        );
        assert_eq!(
            got,
            vec![
                ("too-long", "title".into(), None),
                ("too-long", "body".into(), None),
                ("invalid-date-time", "when".into(), None),
                ("unknown-option", "kind".into(), None),
                ("not-an-integer", "people".into(), None),
                ("wrong-type", "paid".into(), None),
                ("too-many-items", "iocs".into(), None),
                ("line-break", "iocs".into(), Some(0)),
                ("too-long", "iocs".into(), Some(1)),
                ("unknown-field", "extra".into(), None),
            ]
        );
    }

    #[test]
    fn good_values_pass_and_bounds_hold() {
        let ok = json!({
            "title": "五文字題名", "when": "2026-12-06T10:00:00+09:00", "kind": "ddos",
            "people": 100, "paid": false, "iocs": ["a", "b"],
        });
        assert_eq!(errors(ok, Mode::Submission), vec![]);
        assert_eq!(
            errors(
                json!({"title": "a\nb", "when": "2026-12-06T01:00:00Z", "people": -1}),
                Mode::Submission
            ),
            vec![
                ("line-break", "title".into(), None),
                ("below-minimum", "people".into(), None)
            ]
        );
        assert_eq!(
            errors(
                json!({"title": "a", "when": "2026-12-06T01:00:00Z", "people": 101, "iocs": [1]}),
                Mode::Draft
            ),
            vec![
                ("above-maximum", "people".into(), None),
                ("wrong-type", "iocs".into(), Some(0))
            ]
        );
    }
}
