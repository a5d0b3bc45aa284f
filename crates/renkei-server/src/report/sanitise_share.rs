//! Sanitise-and-share: an alert made from one or several reports. The
//! editor starts from the report's own words with everything naming the
//! reporter masked (renkei_report::sanitise); the coordinator adds the
//! concrete steps and chooses TLP and audience. Publishing names its
//! source reports, each of which the coordinator must be able to read and
//! whose reporter must have consented to sanitised use.

use axum::http::StatusCode;
use renkei_core::Actor;
use serde_json::{Map, Value};

use crate::http::AppState;
use crate::http::error::ApiError;

/// What the alert editor starts from.
pub(crate) struct FromReport {
    pub title: String,
    pub summary: String,
    pub indicators: String,
    pub sources: String,
}

/// The mask put where the reporter was named.
const MASK: &str = "［報告組織］";

/// Items of a report that say what happened (their values feed the summary).
const TOLD: &[&str] = &[
    "incident-overview",
    "technical-details",
    "intrusion-method",
    "ransomware-family",
    "encrypted-extension",
    "summary",
    "description",
    "cause",
];

fn refused(index: usize, code: &'static str) -> ApiError {
    let mut e = ApiError::coded(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid input",
        code,
        crate::http::i18n::Lang::En,
        &[],
    );
    e.field = Some(format!("source_reports[{index}]"));
    e
}

/// Each source report must be readable by `actor` (missing and unreadable
/// answer alike) and, unless the actor's organisation filed it, consented
/// to sanitised use.
pub(crate) async fn check_sources(
    s: &AppState,
    actor: &Actor,
    ids: &[i64],
) -> Result<(), ApiError> {
    for (i, id) in ids.iter().enumerate() {
        let report = match s.store.report(actor, *id).await {
            Ok(r) => r,
            Err(renkei_store::StoreError::NotFound(_)) => {
                return Err(refused(i, "alert-source-unknown"));
            }
            Err(e) => return Err(e.into()),
        };
        if actor.viewer.org != Some(report.org) && !report.consent.sanitised {
            return Err(refused(i, "alert-source-no-consent"));
        }
    }
    Ok(())
}

/// The editor's start from report `id`: its title and what it says
/// happened, sanitised, and its indicators.
pub(crate) async fn from_report(
    s: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<FromReport, ApiError> {
    check_sources(s, actor, &[id]).await?;
    let report = s.store.report(actor, id).await?;
    let mut identities: Vec<String> = vec![report.org_name.clone()];
    if let Ok(org) = s.store.get_org(report.org).await {
        identities.push(org.name_ja);
        identities.push(org.name_en);
    }
    if let Ok(users) = s.store.list_users(Some(report.org)).await {
        for u in users {
            identities.push(u.display_name);
            identities.push(u.email.to_string());
        }
    }
    let mut told = Vec::new();
    if report.latest_version > 0 {
        let v = s
            .store
            .report_version(actor, id, report.latest_version)
            .await?;
        let values: Map<String, Value> = serde_json::from_str(&v.body).unwrap_or_default();
        for key in ["operator", "contact"] {
            if let Some(Value::String(x)) = values.get(key) {
                identities.push(x.clone());
            }
        }
        for key in TOLD {
            if let Some(Value::String(x)) = values.get(*key)
                && !x.trim().is_empty()
            {
                told.push(x.trim().to_owned());
            }
        }
    }
    let ids: Vec<&str> = identities.iter().map(String::as_str).collect();
    let indicators = s
        .store
        .report_indicators(actor, id)
        .await?
        .into_iter()
        .map(|i| i.value)
        .collect::<Vec<_>>()
        .join("\n");
    Ok(FromReport {
        title: renkei_report::sanitise(&report.title, &ids, MASK),
        summary: renkei_report::sanitise(&told.join("\n\n"), &ids, MASK),
        indicators,
        sources: id.to_string(),
    })
}
