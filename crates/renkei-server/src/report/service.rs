//! What filing needs between HTTP and the store: the incident's facts as
//! stored (JSON) and as renkei-report reads them, each report's clocks and
//! its earliest open deadline, and form values checked against the profile
//! with every bad field named.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use jiff::Timestamp as Instant;
use renkei_core::Timestamp;
use renkei_report::{CaseFacts, Clock, ClockPolicy, ClockStatus, Form, Mode, Profile, ProfileSet};
use renkei_store::reports::{Incident, QueuePage, QueueRow, Report};
use serde_json::{Map, Value, json};

use crate::http::error::ApiError;
use crate::http::i18n::Lang;

use super::views_filing::{self as v, ReportPage, ReportView};

pub(crate) fn to_instant(t: Timestamp) -> Instant {
    Instant::from_microsecond(t.0).unwrap_or(Instant::UNIX_EPOCH)
}

pub(crate) fn from_instant(t: Instant) -> Timestamp {
    Timestamp(t.as_microsecond())
}

/// 400 naming `field`, with a stable code.
pub(crate) fn bad(field: &str, code: &'static str, args: &[(&'static str, &str)]) -> ApiError {
    let mut e = ApiError::coded(StatusCode::BAD_REQUEST, "Bad request", code, Lang::En, args);
    e.field = Some(field.to_owned());
    e
}

pub(crate) fn instant(field: &str, text: &str) -> Result<Instant, ApiError> {
    text.parse::<Instant>()
        .map_err(|_| bad(field, "report-time-invalid", &[("value", text)]))
}

/// The facts as stored: events as RFC 3339, conditions by name.
pub(crate) fn facts_json(
    events: &BTreeMap<String, Instant>,
    conditions: &BTreeSet<String>,
) -> String {
    let events: Map<String, Value> = events
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.to_string())))
        .collect();
    json!({ "events": events, "conditions": conditions }).to_string()
}

/// The facts of a stored incident. What the store holds was checked when
/// written; anything unreadable counts as absent rather than failing a page.
pub(crate) fn case_facts(incident: Option<&Incident>) -> CaseFacts {
    let Some(i) = incident else {
        return CaseFacts::default();
    };
    let v: Value = serde_json::from_str(&i.facts).unwrap_or(Value::Null);
    let events = v["events"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, t)| Some((k.clone(), t.as_str()?.parse::<Instant>().ok()?)))
                .collect()
        })
        .unwrap_or_default();
    let conditions = v["conditions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    CaseFacts {
        awareness: i.aware_at.map(to_instant),
        events,
        conditions,
    }
}

/// A report's clocks at `now`: `submitted` holds each stage's first
/// submission. Notices have none.
pub fn report_clocks(
    profile: &Profile,
    report: &Report,
    incident: Option<&Incident>,
    submitted: &[(String, Timestamp)],
    now: Instant,
) -> Vec<Clock> {
    if report.notice_id.is_some() {
        return Vec::new();
    }
    let sent: BTreeMap<String, Instant> = submitted
        .iter()
        .map(|(s, t)| (s.clone(), to_instant(*t)))
        .collect();
    renkei_report::clocks(
        profile,
        &case_facts(incident),
        &sent,
        now,
        &ClockPolicy::default(),
    )
    .unwrap_or_default()
}

/// The earliest deadline still open among `clocks` (the queue's order).
pub fn next_due(clocks: &[Clock]) -> Option<Timestamp> {
    clocks
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                ClockStatus::Due | ClockStatus::DueSoon | ClockStatus::Overdue
            )
        })
        .filter_map(|c| c.due.as_ref().map(|d| from_instant(d.at)))
        .min()
}

/// A report as the API answers it, every clock computed at `now`.
pub fn report_view(profiles: &ProfileSet, row: QueueRow, now: Instant) -> ReportView {
    let profile = profiles.get(&row.report.profile_id);
    let clocks = profile.map_or_else(Vec::new, |p| {
        report_clocks(p, &row.report, row.incident.as_ref(), &row.submitted, now)
    });
    v::report(row.report, profile, &clocks)
}

/// A page of reports (the queue, an organisation's own) as the API
/// answers it; `renkei bench report-queue` times this.
pub fn report_page(profiles: &ProfileSet, page: QueuePage, now: Instant) -> ReportPage {
    ReportPage {
        next: page.next.map(super::filing::cursor_text),
        reports: page
            .rows
            .into_iter()
            .map(|r| report_view(profiles, r, now))
            .collect(),
    }
}

/// The earliest open deadline a report will have once `stage` is
/// submitted at `now`.
pub fn next_due_after(
    profile: &Profile,
    report: &Report,
    incident: Option<&Incident>,
    submitted: &[(String, Timestamp)],
    stage: Option<&str>,
    now: Instant,
) -> Option<Timestamp> {
    let mut sent = submitted.to_vec();
    if let Some(st) = stage
        && !sent.iter().any(|(s, _)| s == st)
    {
        sent.push((st.to_owned(), from_instant(now)));
    }
    next_due(&report_clocks(profile, report, incident, &sent, now))
}

/// The form's values checked; every bad field in `errors`, each with its
/// field path (`values.<id>`), list index and code.
pub fn check_values(form: &Form, values: &Map<String, Value>, mode: Mode) -> Result<(), ApiError> {
    let errors = renkei_report::validate_values(form, values, mode);
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let list: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({
                "field": format!("values.{}", e.field),
                "index": e.index,
                "code": e.code,
            })
        })
        .collect();
    let field = format!("values.{}", first.field);
    let mut e = bad(
        &field,
        "report-values-invalid",
        &[("count", &errors.len().to_string())],
    );
    e.errors = Some(Box::new(Value::Array(list)));
    Err(e)
}

/// Values serialised the one way they are kept and hashed: serde_json's
/// map is ordered by key, so the bytes do not depend on the client's key
/// order or spacing; only the form's own fields are kept.
pub fn canonical(form: &Form, values: &Map<String, Value>) -> String {
    let kept: Map<String, Value> = values
        .iter()
        .filter(|(k, _)| form.field(k).is_some())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept).to_string()
}

/// The indicators a form's values name: every list field the profile maps
/// to the common `indicators`, refanged and read as observables; what is
/// not one is left to the text.
pub fn indicators(form: &Form, values: &Map<String, Value>) -> Vec<renkei_core::IndicatorValue> {
    let mut out = Vec::new();
    for f in &form.fields {
        if f.common != Some(renkei_report::CommonField::Indicators) {
            continue;
        }
        let Some(Value::Array(items)) = values.get(&f.id) else {
            continue;
        };
        for item in items.iter().filter_map(Value::as_str) {
            if let Ok(v) = renkei_core::IndicatorValue::guess(&renkei_core::refang(item))
                && !out.contains(&v)
                && out.len() < renkei_store::reports::MAX_INDICATORS
            {
                out.push(v);
            }
        }
    }
    out
}
