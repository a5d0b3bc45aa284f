//! Exports of one submitted report version, built in memory: structured
//! JSON ([`to_json`]) and an `.xlsx` workbook in the spreadsheet layout
//! Japanese operators e-mail today ([`to_xlsx`]). The caller (the server,
//! the CLI) reads the version from the store and writes the bytes out.
//!
//! # JSON shape (`"format": "renkei-report-export/1"`)
//! ```json
//! {
//!   "format": "renkei-report-export/1",
//!   "profile": {"id": "jp-cyber-response", "version": "2026-12-06",
//!               "name": {"ja": "…", "en": "…"}, "time_zone": "Asia/Tokyo"},
//!   "form": {"id": "ransomware", "name": {"ja": "…", "en": "…"}},
//!   "stage": {"id": "flash", "name": {"ja": "速報", "en": "Flash report"}},
//!   "notice": null,
//!   "version": 1,
//!   "sha256": "…64 hex digits…",
//!   "submitted_at": {"utc": "2026-12-06T01:00:00Z",
//!                    "local": "2026-12-06T10:00:00+09:00",
//!                    "time_zone": "Asia/Tokyo"},
//!   "organisation": "…",
//!   "reporter": "…",
//!   "fields": [
//!     {"number": 1, "id": "report-category", "type": "choice", "required": true,
//!      "label": {"ja": "報告区分", "en": "Report category"},
//!      "value": "flash", "text": {"ja": "速報", "en": "Flash"}}
//!   ],
//!   "other_values": {}
//! }
//! ```
//! Exactly one of `stage` and `notice` is an object, the other `null`.
//! `fields` follows the form's field order, every field present (`value`
//! `null` and `text` empty when not filled in); `number` is the item number
//! (項番) the workbook shows. `value` is the value as submitted; `text` is
//! what a person reads: a choice's option label, a boolean as はい/いいえ
//! (Yes/No), a date-time in the regime's zone and in UTC, a list one item a
//! line. `other_values` keeps any submitted key the form does not know (none
//! for a version that passed [`crate::validate_values`]), so nothing is lost.
//!
//! # Workbook layout
//! See [`to_xlsx`].

mod xlsx;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

use crate::profile::{Field, FieldKind, Form, Labels, Profile};

pub use xlsx::{MAX_CELL_CHARS, to_xlsx};

/// The `format` member of every JSON export; bumped if the shape changes.
pub const JSON_FORMAT: &str = "renkei-report-export/1";

/// Stable codes of export errors (listed in the crate docs).
pub mod codes {
    pub const EXPORT_UNKNOWN_FORM: &str = "export-unknown-form";
    pub const EXPORT_UNKNOWN_STAGE: &str = "export-unknown-stage";
    pub const EXPORT_UNKNOWN_NOTICE: &str = "export-unknown-notice";
    pub const EXPORT_FORM_NOT_IN_STAGE: &str = "export-form-not-in-stage";
    pub const EXPORT_NOTHING: &str = "export-nothing";
    pub const EXPORT_WORKBOOK: &str = "export-workbook";

    pub const ALL: &[&str] = &[
        EXPORT_UNKNOWN_FORM,
        EXPORT_UNKNOWN_STAGE,
        EXPORT_UNKNOWN_NOTICE,
        EXPORT_FORM_NOT_IN_STAGE,
        EXPORT_NOTHING,
        EXPORT_WORKBOOK,
    ];
}

/// An export could not be built: the version names a form, stage or notice
/// its profile lacks, or the workbook writer refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct ExportError {
    /// One of [`codes`].
    pub code: &'static str,
    pub detail: String,
}

/// What a version was filed under: a stage of the incident's clocks, or a
/// notice outside them (the critical-computer notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filing<'a> {
    Stage(&'a str),
    Notice(&'a str),
}

/// One submitted, immutable report version, as the store keeps it.
#[derive(Debug, Clone, Copy)]
pub struct ReportVersion<'a> {
    /// The profile (at the version the report was filed under).
    pub profile: &'a Profile,
    pub form: &'a str,
    pub filing: Filing<'a>,
    /// 1 for the first submission, then one more per amendment.
    pub version: u32,
    /// SHA-256 of the version's stored bytes, lower-case hex.
    pub sha256: &'a str,
    pub submitted_at: Timestamp,
    /// The reporting organisation's name (事業者名).
    pub organisation: &'a str,
    /// Who submitted it (name or e-mail, as the caller chooses).
    pub reporter: &'a str,
    /// The submitted values, as [`crate::validate_values`] takes them.
    pub values: &'a Map<String, Value>,
}

/// A version checked against its profile: the form and the stage's or
/// notice's name resolved.
pub(crate) struct Resolved<'a> {
    pub v: &'a ReportVersion<'a>,
    pub form: &'a Form,
    /// The stage's or notice's id and name.
    pub filing_id: &'a str,
    pub filing_name: &'a Labels,
    pub is_notice: bool,
}

pub(crate) fn resolve<'a>(v: &'a ReportVersion<'a>) -> Result<Resolved<'a>, ExportError> {
    let p = v.profile;
    let err = |code, detail: String| ExportError { code, detail };
    let form = p.form(v.form).ok_or_else(|| {
        err(
            codes::EXPORT_UNKNOWN_FORM,
            format!("{}: no form {}", p.id, v.form),
        )
    })?;
    let (filing_id, filing_name, is_notice) = match v.filing {
        Filing::Stage(id) => {
            let s = p.stage(id).ok_or_else(|| {
                err(
                    codes::EXPORT_UNKNOWN_STAGE,
                    format!("{}: no stage {id}", p.id),
                )
            })?;
            if !s.forms.iter().any(|f| f == v.form) {
                return Err(err(
                    codes::EXPORT_FORM_NOT_IN_STAGE,
                    format!("{}: stage {id} is not filed on form {}", p.id, v.form),
                ));
            }
            (s.id.as_str(), &s.name, false)
        }
        Filing::Notice(id) => {
            let n = p
                .notices
                .iter()
                .find(|n| n.id == id && n.form == v.form)
                .ok_or_else(|| {
                    err(
                        codes::EXPORT_UNKNOWN_NOTICE,
                        format!("{}: no notice {id} on form {}", p.id, v.form),
                    )
                })?;
            (n.id.as_str(), &n.name, true)
        }
    };
    Ok(Resolved {
        v,
        form,
        filing_id,
        filing_name,
        is_notice,
    })
}

/// The structured JSON export of one version (shape in the module docs).
pub fn to_json(v: &ReportVersion<'_>) -> Result<Value, ExportError> {
    let r = resolve(v)?;
    let p = v.profile;
    let named = |id: &str, name: &Labels| json!({"id": id, "name": labels(name)});
    let (stage, notice) = if r.is_notice {
        (Value::Null, named(r.filing_id, r.filing_name))
    } else {
        (named(r.filing_id, r.filing_name), Value::Null)
    };
    let fields: Vec<Value> = r
        .form
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let value = v.values.get(&f.id).cloned().unwrap_or(Value::Null);
            let text = field_text(f, &value, p.tz());
            json!({
                "number": i + 1,
                "id": f.id,
                "type": kind_name(&f.kind),
                "required": f.required,
                "label": labels(&f.label),
                "value": value,
                "text": labels(&text),
            })
        })
        .collect();
    let other: Map<String, Value> = v
        .values
        .iter()
        .filter(|(k, _)| r.form.field(k).is_none())
        .map(|(k, x)| (k.clone(), x.clone()))
        .collect();
    Ok(json!({
        "format": JSON_FORMAT,
        "profile": {
            "id": p.id,
            "version": p.version,
            "name": labels(&p.name),
            "time_zone": p.time_zone,
        },
        "form": named(&r.form.id, &r.form.name),
        "stage": stage,
        "notice": notice,
        "version": v.version,
        "sha256": v.sha256,
        "submitted_at": {
            "utc": v.submitted_at.to_string(),
            "local": local_rfc3339(v.submitted_at, p.tz()),
            "time_zone": p.time_zone,
        },
        "organisation": v.organisation,
        "reporter": v.reporter,
        "fields": fields,
        "other_values": other,
    }))
}

fn labels(l: &Labels) -> Value {
    json!({"ja": l.ja, "en": l.en})
}

/// The `type` a profile file gives the field.
pub(crate) fn kind_name(k: &FieldKind) -> &'static str {
    match k {
        FieldKind::Text { .. } => "text",
        FieldKind::LongText { .. } => "long-text",
        FieldKind::DateTime => "date-time",
        FieldKind::Choice { .. } => "choice",
        FieldKind::Number { .. } => "number",
        FieldKind::Bool => "bool",
        FieldKind::List { .. } => "list",
    }
}

/// `2026-12-06T10:00:00+09:00`: the instant with the zone's offset then.
fn local_rfc3339(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%.f%:z")
        .to_string()
}

/// `2026-12-06 10:00:00 JST (2026-12-06 01:00:00 UTC)`: how a person reads
/// an instant, in the regime's zone first.
pub(crate) fn human_time(t: Timestamp, tz: &TimeZone) -> String {
    let local = t.to_zoned_datetime(tz.clone());
    let utc = t.to_zoned_datetime(TimeZone::UTC);
    format!(
        "{} ({})",
        local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    )
}

/// What a person reads for a field's value, in each language. An absent
/// value is empty; a value of the wrong type (never, once validated) is
/// shown as its JSON text rather than dropped.
pub(crate) fn field_text(field: &Field, value: &Value, tz: &TimeZone) -> Labels {
    let same = |s: String| Labels {
        ja: s.clone(),
        en: s,
    };
    match (&field.kind, value) {
        (_, Value::Null) => same(String::new()),
        (FieldKind::DateTime, Value::String(s)) => match s.parse::<Timestamp>() {
            Ok(t) => same(human_time(t, tz)),
            Err(_) => same(s.clone()),
        },
        (FieldKind::Choice { options }, Value::String(s)) => {
            match options.iter().find(|o| o.id == *s) {
                Some(o) => o.name.clone(),
                None => same(s.clone()),
            }
        }
        (FieldKind::Bool, Value::Bool(b)) => Labels {
            ja: if *b { "はい" } else { "いいえ" }.into(),
            en: if *b { "Yes" } else { "No" }.into(),
        },
        (_, Value::String(s)) => same(s.clone()),
        (_, Value::Array(items)) => same(
            items
                .iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        (_, other) => same(other.to_string()),
    }
}
