//! Publishing an alert: its indicators become STIX `indicator` objects,
//! its steps `course-of-action` objects, and the alert a `report` that
//! refers to them all, added to a collection under the alert's TLP and
//! audience (so members see it in the portal, over TAXII and in their
//! webhooks); then the store records the alert and its recipients. The
//! REST API and the portal's editor both come through here.

use renkei_core::{Actor, Audience, IndicatorValue, Marking, Timestamp, Tlp};
use renkei_stix::{IndicatorOptions, StixObject, StixTime, parse_object, tlp_marking_id};
use renkei_store::alerts::{Alert, AlertIndicator, NewAlert};
use serde_json::{Value, json};

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::share::{default_collection, share_objects};

/// An alert as its author wrote it: TLP and audience always explicit.
#[derive(Debug, Clone)]
pub struct AlertDraft {
    pub title: String,
    pub summary: String,
    pub steps: Vec<String>,
    /// Values (`198.51.100.7`, `evil.example`) or STIX patterns (`[…]`).
    pub indicators: Vec<String>,
    pub tlp: Tlp,
    pub audience: Audience,
    /// A collection id; the first the author may write to when `None`.
    pub collection: Option<String>,
    pub source_reports: Vec<i64>,
}

/// Each indicator text's STIX pattern, or the error naming which one.
fn indicators(texts: &[String]) -> Result<Vec<(AlertIndicator, Option<IndicatorValue>)>, ApiError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let t = t.trim();
            if t.starts_with('[') {
                let x = AlertIndicator {
                    value: t.to_owned(),
                    pattern: t.to_owned(),
                };
                return Ok((x, None));
            }
            let v = IndicatorValue::guess(t).map_err(|e| {
                ApiError::field("indicators", format!("entry {}: {}", i + 1, e.message))
                    .with_code("alert-indicator-bad", &[("n", &(i + 1).to_string())])
            })?;
            let x = AlertIndicator {
                value: t.to_owned(),
                pattern: v.stix_pattern(),
            };
            Ok((x, Some(v)))
        })
        .collect()
}

/// The STIX objects of an alert: indicators, courses of action, the report.
fn objects(
    draft: &AlertDraft,
    inds: &[(AlertIndicator, Option<IndicatorValue>)],
) -> Result<(Vec<StixObject>, String), ApiError> {
    let created = StixTime::from_timestamp(Timestamp::now());
    let at = created.text.clone();
    let marking = tlp_marking_id(draft.tlp);
    let mut values: Vec<Value> = Vec::new();
    for (x, v) in inds {
        let mut o = IndicatorOptions::new(created.clone(), draft.tlp);
        o.description = Some(draft.title.trim().to_owned());
        let obj = match v {
            Some(v) => renkei_stix::indicator_object(v, &o),
            None => json!({
                "type": "indicator",
                "spec_version": "2.1",
                "id": format!("indicator--{}", uuid::Uuid::new_v4()),
                "created": at, "modified": at,
                "name": x.value,
                "description": draft.title.trim(),
                "indicator_types": ["malicious-activity"],
                "pattern": x.pattern,
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": at,
                "object_marking_refs": [marking],
            }),
        };
        values.push(obj);
    }
    for (i, step) in draft.steps.iter().enumerate() {
        values.push(json!({
            "type": "course-of-action",
            "spec_version": "2.1",
            "id": format!("course-of-action--{}", uuid::Uuid::new_v4()),
            "created": at, "modified": at,
            "name": format!("{}. {}", i + 1, first_line(step)),
            "description": step.trim(),
            "object_marking_refs": [marking],
        }));
    }
    let refs: Vec<Value> = values.iter().map(|v| v["id"].clone()).collect();
    let report_id = format!("report--{}", uuid::Uuid::new_v4());
    values.push(json!({
        "type": "report",
        "spec_version": "2.1",
        "id": report_id,
        "created": at, "modified": at,
        "name": draft.title.trim(),
        "description": draft.summary,
        "report_types": ["threat-report"],
        "labels": ["alert"],
        "published": at,
        "object_refs": refs,
        "object_marking_refs": [marking],
    }));
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        match parse_object(v, Some(i)) {
            Ok(o) => out.push(o),
            Err(errs) => {
                let first = errs.0.first().map(ToString::to_string).unwrap_or_default();
                let field = if v["type"] == "indicator" {
                    "indicators"
                } else if v["type"] == "course-of-action" {
                    "steps"
                } else {
                    "title"
                };
                return Err(ApiError::field(field, first));
            }
        }
    }
    Ok((out, report_id))
}

fn first_line(s: &str) -> String {
    let line = s.trim().lines().next().unwrap_or_default();
    line.chars().take(120).collect()
}

/// Publishes `draft` in `actor`'s organisation's name: checks every field,
/// shares the STIX objects, then records the alert and its recipients.
pub async fn publish(s: &AppState, actor: &Actor, draft: AlertDraft) -> Result<Alert, ApiError> {
    let owner = actor.viewer.org.ok_or_else(ApiError::unauthorized)?;
    let marking = Marking {
        tlp: draft.tlp,
        pap: None,
        audience: draft.audience.clone(),
        owner_org: owner,
        created_by: actor.viewer.user,
    };
    let mut alert = NewAlert {
        title: draft.title.clone(),
        summary: draft.summary.clone(),
        steps: draft.steps.clone(),
        indicators: Vec::new(),
        marking,
        source_reports: draft.source_reports.clone(),
        collection_id: String::new(),
        stix_report_id: None,
    };
    // The fields in the form's order: title, summary, steps, then each
    // indicator, then the marking.
    alert.check()?;
    let inds = indicators(&draft.indicators)?;
    alert.indicators = inds.iter().map(|(x, _)| x.clone()).collect();
    alert.check()?;
    alert.marking.check()?;
    super::sanitise_share::check_sources(s, actor, &draft.source_reports).await?;
    let collection = match &draft.collection {
        Some(id) => crate::share::exports::visible_collection(s.store.as_ref(), actor, id).await?,
        None => default_collection(s.store.as_ref(), &actor.viewer)
            .await?
            .ok_or_else(|| {
                ApiError::field("collection", "no collection you may share to")
                    .with_code("share-choose-collection", &[])
            })?,
    };
    if !renkei_core::can_write_community(&actor.viewer, collection.community) {
        return Err(ApiError::not_found("collection"));
    }
    let (objs, report_id) = objects(&draft, &inds)?;
    share_objects(
        s.store.as_ref(),
        actor,
        &collection,
        &objs,
        Some(draft.tlp),
        &draft.audience,
    )
    .await?;
    alert.collection_id = collection.id.clone();
    alert.stix_report_id = Some(report_id);
    Ok(s.store.create_alert(actor, alert).await?)
}
