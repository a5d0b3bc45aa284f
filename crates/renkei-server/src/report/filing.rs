//! REST for filing: an incident described once and filed under several
//! regimes, a report's draft, versions, consent and files, and notices.
//! Form values are checked against the profile (renkei-report) before the
//! store keeps them; the store keeps the bytes and their SHA-256.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use jiff::Timestamp as Instant;
use renkei_core::{OrgId, Timestamp};
use renkei_report::{CommonField, Mode, Profile};
use renkei_store::reports::{Consent, NewIncident, NewReport, NewVersion, QueueFilter, QueueRow};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::service::{
    bad, canonical, check_values, facts_json, from_instant, instant, next_due, next_due_after,
    report_clocks, report_page,
};
use super::views_filing::{self as v, IncidentView, ReportPage, ReportView, VersionView};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;

type ApiResult<T> = Result<T, ApiError>;

pub(super) const TAG: &str = "reports";

/// A filing body: values of one form (256 KiB) with room for the rest.
const MAX_JSON: usize = 320 * 1024;

#[derive(OpenApi)]
#[openapi(
    paths(
        create_incident, get_incident, update_incident, create_report, list_reports, get_report,
        save_draft, list_versions, submit_version, get_version, set_consent
    ),
    tags((name = TAG, description = "Incident reports and critical-computer notices: an incident described once and filed under each regime that applies, each report with its own clocks, immutable versions (each with its SHA-256), recipients and consent."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", post(create_incident))
        .route(
            "/api/v1/incidents/{id}",
            get(get_incident).put(update_incident),
        )
        .route("/api/v1/reports", get(list_reports).post(create_report))
        .route("/api/v1/reports/{id}", get(get_report))
        .route("/api/v1/reports/{id}/draft", put(save_draft))
        .route(
            "/api/v1/reports/{id}/versions",
            get(list_versions).post(submit_version),
        )
        .route("/api/v1/reports/{id}/versions/{version}", get(get_version))
        .route("/api/v1/reports/{id}/consent", put(set_consent))
        .merge(super::notices::routes())
        .layer(DefaultBodyLimit::max(MAX_JSON))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// Share with the national office.
    #[serde(default)]
    pub national: bool,
    /// Allow use, without your organisation's identity, in alerts to others.
    #[serde(default)]
    pub sanitised: bool,
}

impl From<&ConsentRequest> for Consent {
    fn from(c: &ConsentRequest) -> Self {
        Consent {
            national: c.national,
            sanitised: c.sanitised,
        }
    }
}

/// An incident described once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentRequest {
    pub title: String,
    /// When your organisation became aware, RFC 3339 (the clocks start here).
    pub awareness: Option<String>,
    /// Named events (`corrective-measure-available`, `classified-major`, …).
    #[serde(default)]
    pub events: BTreeMap<String, String>,
    /// Conditions that hold (`wrongful-purpose`, `ongoing`, …).
    #[serde(default)]
    pub conditions: Vec<String>,
    /// The common description (`incident-summary`, `organisation-name`, …):
    /// pre-fills every regime's forms.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub common: Map<String, Value>,
    /// The regimes (profile ids) the incident is filed under, at most 16.
    pub regimes: Vec<String>,
    #[serde(default)]
    pub consent: ConsentRequest,
}

/// The facts checked against the chosen profiles.
struct Facts {
    awareness: Option<Instant>,
    events: BTreeMap<String, Instant>,
    conditions: BTreeSet<String>,
    common: Map<String, Value>,
}

fn check_facts(
    chosen: &[&Profile],
    awareness: Option<&str>,
    events: &BTreeMap<String, String>,
    conditions: &[String],
    common: &Map<String, Value>,
) -> ApiResult<Facts> {
    let max = super::api::MAX_ENTRIES;
    if events.len() > max || conditions.len() > max || common.len() > max {
        return Err(bad(
            "events",
            "report-too-many",
            &[("max", &max.to_string())],
        ));
    }
    let awareness = awareness
        .filter(|a| !a.trim().is_empty())
        .map(|a| instant("awareness", a))
        .transpose()?;
    let mut ev = BTreeMap::new();
    for (name, at) in events {
        let field = format!("events.{name}");
        if !chosen.iter().any(|p| p.event(name).is_some()) {
            return Err(bad(&field, "report-event-unknown", &[("name", name)]));
        }
        ev.insert(name.clone(), instant(&field, at)?);
    }
    let mut cs = BTreeSet::new();
    for (i, c) in conditions.iter().enumerate() {
        if !chosen
            .iter()
            .any(|p| p.conditions.iter().any(|x| x.id == *c))
        {
            let field = format!("conditions[{i}]");
            return Err(bad(&field, "report-condition-unknown", &[("name", c)]));
        }
        cs.insert(c.clone());
    }
    for key in common.keys() {
        if CommonField::parse(key).is_none() {
            let field = format!("common.{key}");
            return Err(bad(&field, "report-common-unknown", &[("name", key)]));
        }
    }
    Ok(Facts {
        awareness,
        events: ev,
        conditions: cs,
        common: common.clone(),
    })
}

pub(super) fn chosen<'a>(s: &'a AppState, ids: &[String]) -> ApiResult<Vec<&'a Profile>> {
    super::api::chosen_profiles(s, ids)
}

pub(super) fn org_of(p: &Principal) -> ApiResult<OrgId> {
    p.require()?;
    p.viewer().org.ok_or_else(ApiError::unauthorized)
}

/// A report as answered: with its clocks at this instant.
pub(super) fn view(s: &AppState, row: QueueRow) -> ReportView {
    super::service::report_view(&s.reports, row, Instant::now())
}

fn new_report(profile: &Profile, title: &str, consent: Consent, facts: &Facts) -> NewReport {
    let case = renkei_report::CaseFacts {
        awareness: facts.awareness,
        events: facts.events.clone(),
        conditions: facts.conditions.clone(),
    };
    let clocks = renkei_report::clocks(
        profile,
        &case,
        &BTreeMap::new(),
        Instant::now(),
        &renkei_report::ClockPolicy::default(),
    )
    .unwrap_or_default();
    NewReport {
        profile_id: profile.id.clone(),
        notice_id: None,
        title: title.to_owned(),
        consent,
        next_due_at: next_due(&clocks),
    }
}

/// Each regime's forms pre-filled from the incident's description.
fn prefilled(chosen: &[&Profile], facts: &Facts) -> Value {
    let incident = renkei_report::Incident {
        facts: renkei_report::CaseFacts {
            awareness: facts.awareness,
            events: facts.events.clone(),
            conditions: facts.conditions.clone(),
        },
        common: facts
            .common
            .iter()
            .filter_map(|(k, v)| Some((CommonField::parse(k)?, v.clone())))
            .collect(),
        submitted: BTreeMap::new(),
    };
    let views = renkei_report::file_once(
        &incident,
        chosen,
        Instant::now(),
        &renkei_report::ClockPolicy::default(),
    )
    .unwrap_or_default();
    let forms: Vec<Value> = views
        .iter()
        .map(|r| serde_json::json!({ "profile": r.profile, "forms": r.forms }))
        .collect();
    Value::Array(forms)
}

/// Opens an incident and files it under each regime named.
#[utoipa::path(post, path = "/api/v1/incidents", tag = TAG, request_body = IncidentRequest, responses((status = 201, body = IncidentView), (status = 400, description = "a field is wrong; `field` names it")), security(("bearer" = [])))]
pub async fn create_incident(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<IncidentRequest>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    let org = org_of(&p)?;
    let chosen = chosen(&s, &r.regimes)?;
    let facts = check_facts(
        &chosen,
        r.awareness.as_deref(),
        &r.events,
        &r.conditions,
        &r.common,
    )?;
    let consent = Consent::from(&r.consent);
    let reports = chosen
        .iter()
        .map(|pr| new_report(pr, &r.title, consent, &facts))
        .collect();
    let (incident, reports) = s
        .store
        .open_incident(
            &p.actor,
            NewIncident {
                org,
                title: r.title.clone(),
                aware_at: facts.awareness.map(from_instant),
                facts: facts_json(&facts.events, &facts.conditions),
                common: Value::Object(facts.common.clone()).to_string(),
                reports,
            },
        )
        .await?;
    let mut views = Vec::new();
    for rep in reports {
        views.push(view(&s, s.store.report_case(&p.actor, rep.id).await?));
    }
    let pre = prefilled(&chosen, &facts);
    Ok((
        StatusCode::CREATED,
        Json(v::incident(&incident, views, pre)),
    ))
}

/// An incident with the reports of it the caller may read.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = IncidentView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn get_incident(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IncidentView>> {
    p.require()?;
    let incident = s.store.incident(&p.actor, id).await?;
    let reports = s.store.incident_reports(&p.actor, id).await?;
    let mut views = Vec::new();
    for rep in &reports {
        views.push(view(&s, s.store.report_case(&p.actor, rep.id).await?));
    }
    Ok(Json(v::incident(
        &incident,
        views,
        Value::Array(Vec::new()),
    )))
}

/// New facts of an incident.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentFacts {
    pub awareness: Option<String>,
    #[serde(default)]
    pub events: BTreeMap<String, String>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub common: Map<String, Value>,
}

/// Replaces the incident's facts (awareness, events, conditions) and its
/// common description; every report's clocks follow.
#[utoipa::path(put, path = "/api/v1/incidents/{id}", tag = TAG, params(("id" = i64, Path)), request_body = IncidentFacts, responses((status = 200, body = IncidentView), (status = 400, description = "a field is wrong"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn update_incident(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<IncidentFacts>,
) -> ApiResult<Json<IncidentView>> {
    p.require()?;
    let reports = s.store.incident_reports(&p.actor, id).await?;
    let ids: Vec<String> = reports.iter().map(|r| r.profile_id.clone()).collect();
    let chosen: Vec<&Profile> = ids.iter().filter_map(|i| s.reports.get(i)).collect();
    let facts = check_facts(
        &chosen,
        r.awareness.as_deref(),
        &r.events,
        &r.conditions,
        &r.common,
    )?;
    let stored = facts_json(&facts.events, &facts.conditions);
    let mut dues = Vec::new();
    for rep in &reports {
        let case = s.store.report_case(&p.actor, rep.id).await?;
        let mut incident = case.incident.clone();
        if let Some(i) = incident.as_mut() {
            i.aware_at = facts.awareness.map(from_instant);
            i.facts = stored.clone();
        }
        let due = s.reports.get(&rep.profile_id).and_then(|pr| {
            next_due(&report_clocks(
                pr,
                &case.report,
                incident.as_ref(),
                &case.submitted,
                Instant::now(),
            ))
        });
        dues.push((rep.id, due));
    }
    let common = Value::Object(facts.common.clone()).to_string();
    let aware = facts.awareness.map(from_instant);
    s.store
        .update_incident(&p.actor, id, aware, &stored, &common, &dues)
        .await?;
    get_incident(State(s), p, ApiPath(id)).await
}

/// One regime for an incident: an existing one, or a new one described here.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// The profile id (`jp-cyber-response`, `eu-nis2`, …).
    pub profile: String,
    /// An incident already open; absent to open one with this report.
    pub incident: Option<i64>,
    /// Required when opening an incident.
    pub title: Option<String>,
    pub awareness: Option<String>,
    #[serde(default)]
    pub events: BTreeMap<String, String>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub common: Map<String, Value>,
    #[serde(default)]
    pub consent: ConsentRequest,
}

/// Files an incident under one regime (opening the incident if none is named).
#[utoipa::path(post, path = "/api/v1/reports", tag = TAG, request_body = ReportRequest, responses((status = 201, body = ReportView), (status = 400, description = "a field is wrong"), (status = 404, description = "no such incident of yours")), security(("bearer" = [])))]
pub async fn create_report(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<ReportRequest>,
) -> ApiResult<(StatusCode, Json<ReportView>)> {
    let org = org_of(&p)?;
    let chosen = chosen(&s, std::slice::from_ref(&r.profile)).map_err(|e| ApiError {
        field: Some("profile".into()),
        ..e
    })?;
    let profile = chosen[0];
    let consent = Consent::from(&r.consent);
    let report = match r.incident {
        Some(incident) => {
            let case = s.store.incident(&p.actor, incident).await?;
            let facts = Facts {
                awareness: case.aware_at.map(super::service::to_instant),
                events: super::service::case_facts(Some(&case)).events,
                conditions: super::service::case_facts(Some(&case)).conditions,
                common: Map::new(),
            };
            let title = r.title.clone().unwrap_or(case.title.clone());
            let new = new_report(profile, &title, consent, &facts);
            s.store.add_report(&p.actor, incident, new).await?
        }
        None => {
            let title = r.title.clone().unwrap_or_default();
            let facts = check_facts(
                &chosen,
                r.awareness.as_deref(),
                &r.events,
                &r.conditions,
                &r.common,
            )?;
            let new = new_report(profile, &title, consent, &facts);
            let (_, mut reports) = s
                .store
                .open_incident(
                    &p.actor,
                    NewIncident {
                        org,
                        title,
                        aware_at: facts.awareness.map(from_instant),
                        facts: facts_json(&facts.events, &facts.conditions),
                        common: Value::Object(facts.common.clone()).to_string(),
                        reports: vec![new],
                    },
                )
                .await?;
            reports.pop().ok_or(ApiError::not_found("report"))?
        }
    };
    let row = s.store.report_case(&p.actor, report.id).await?;
    Ok((StatusCode::CREATED, Json(view(&s, row))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportListParams {
    /// Only this regime.
    pub profile: Option<String>,
    /// Only this handling state.
    pub state: Option<String>,
    /// Only this sector (the queue).
    pub sector: Option<String>,
    /// `newest` (default) or `due` (open deadlines, the most urgent first).
    pub order: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<i64>,
}

pub(super) fn filter(q: &ReportListParams) -> ApiResult<QueueFilter> {
    let order = match q.order.as_deref() {
        None | Some("newest") => renkei_store::reports::QueueOrder::Newest,
        Some("due") => renkei_store::reports::QueueOrder::Due,
        Some(o) => return Err(bad("order", "report-order-unknown", &[("value", o)])),
    };
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(a) => Some(cursor(a).ok_or_else(|| bad("after", "report-cursor-invalid", &[]))?),
    };
    Ok(QueueFilter {
        profile: q.profile.clone().filter(|x| !x.is_empty()),
        sector: q.sector.clone().filter(|x| !x.is_empty()),
        state: q
            .state
            .as_deref()
            .filter(|x| !x.is_empty())
            .map(renkei_store::reports::ReportState::parse)
            .transpose()?,
        order,
        after,
        limit: q.limit.unwrap_or(50),
    })
}

/// `due.id` or `-.id`: the paging cursor, in the token itself so any
/// server can answer the next page.
fn cursor(text: &str) -> Option<(Option<Timestamp>, i64)> {
    let (due, id) = text.split_once('.')?;
    let due = if due == "-" {
        None
    } else {
        Some(Timestamp(due.parse().ok()?))
    };
    Some((due, id.parse().ok()?))
}

pub(super) fn cursor_text(c: (Option<Timestamp>, i64)) -> String {
    match c.0 {
        Some(d) => format!("{}.{}", d.0, c.1),
        None => format!("-.{}", c.1),
    }
}

/// Reports your organisation filed, newest first.
#[utoipa::path(get, path = "/api/v1/reports", tag = TAG, params(ReportListParams), responses((status = 200, body = ReportPage)), security(("bearer" = [])))]
pub async fn list_reports(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ReportListParams>,
) -> ApiResult<Json<ReportPage>> {
    p.require()?;
    let page = s.store.own_reports(&p.actor, &filter(&q)?).await?;
    Ok(Json(report_page(&s.reports, page, Instant::now())))
}

/// A report with its clocks, recipients and consent.
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = ReportView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn get_report(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReportView>> {
    p.require()?;
    Ok(Json(view(&s, s.store.report_case(&p.actor, id).await?)))
}

/// A form's values for one stage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormValues {
    /// The stage (absent for a notice).
    pub stage: Option<String>,
    /// One of the stage's forms (a notice's own form if absent).
    pub form: Option<String>,
    #[schema(value_type = Object)]
    pub values: Map<String, Value>,
    /// What changed, for an amendment.
    #[serde(default)]
    pub note: String,
}

/// The profile, stage and form named, checked against each other.
fn form_of<'a>(
    s: &'a AppState,
    report: &renkei_store::reports::Report,
    f: &FormValues,
) -> ApiResult<(&'a Profile, &'a renkei_report::Form)> {
    let profile = s.reports.get(&report.profile_id).ok_or_else(|| {
        bad(
            "profile",
            "report-profile-unknown",
            &[("id", &report.profile_id)],
        )
    })?;
    let form_id = match (&report.notice_id, &f.stage) {
        (Some(n), _) => {
            let notice = profile.notices.iter().find(|x| x.id == *n);
            notice.map(|x| x.form.clone()).unwrap_or_default()
        }
        (None, Some(stage)) => {
            let Some(st) = profile.stage(stage) else {
                return Err(bad("stage", "report-stage-unknown", &[("name", stage)]));
            };
            let form = f
                .form
                .clone()
                .or_else(|| st.forms.first().cloned())
                .unwrap_or_default();
            if !st.forms.contains(&form) {
                return Err(bad("form", "report-form-unknown", &[("name", &form)]));
            }
            form
        }
        (None, None) => return Err(bad("stage", "report-stage-required", &[])),
    };
    let form = profile
        .form(&form_id)
        .ok_or_else(|| bad("form", "report-form-unknown", &[("name", &form_id)]))?;
    Ok((profile, form))
}

/// Keeps your draft of the report's next version (autosave): values may
/// be incomplete, but each given must fit its field.
#[utoipa::path(put, path = "/api/v1/reports/{id}/draft", tag = TAG, params(("id" = i64, Path)), request_body = FormValues, responses((status = 200, body = ReportView), (status = 400, description = "a value does not fit its field; `errors` lists each"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn save_draft(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<FormValues>,
) -> ApiResult<Json<ReportView>> {
    p.require()?;
    let report = s.store.report(&p.actor, id).await?;
    let (_, form) = form_of(&s, &report, &f)?;
    check_values(form, &f.values, Mode::Draft)?;
    let draft = serde_json::json!({
        "stage": f.stage,
        "form": form.id,
        "values": canonical_value(form, &f.values),
        "note": f.note,
    });
    s.store.save_draft(&p.actor, id, &draft.to_string()).await?;
    Ok(Json(view(&s, s.store.report_case(&p.actor, id).await?)))
}

fn canonical_value(form: &renkei_report::Form, values: &Map<String, Value>) -> Value {
    serde_json::from_str(&canonical(form, values)).unwrap_or(Value::Null)
}

/// The report's versions, oldest first (without their values).
#[utoipa::path(get, path = "/api/v1/reports/{id}/versions", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [VersionView]), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn list_versions(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<VersionView>>> {
    p.require()?;
    let versions = s.store.report_versions(&p.actor, id).await?;
    Ok(Json(
        versions.into_iter().map(|x| v::version(x, false)).collect(),
    ))
}

/// Submits a version: checked against the stage's form, then kept byte for
/// byte with its SHA-256. Amendments add versions; none is ever changed.
#[utoipa::path(post, path = "/api/v1/reports/{id}/versions", tag = TAG, params(("id" = i64, Path)), request_body = FormValues, responses((status = 201, body = VersionView), (status = 400, description = "a value is wrong or missing; `errors` lists each field"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn submit_version(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<FormValues>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    p.require()?;
    let case = s.store.report_case(&p.actor, id).await?;
    let (profile, form) = form_of(&s, &case.report, &f)?;
    check_values(form, &f.values, Mode::Submission)?;
    let stage = case
        .report
        .notice_id
        .is_none()
        .then(|| f.stage.clone())
        .flatten();
    let due = next_due_after(
        profile,
        &case.report,
        case.incident.as_ref(),
        &case.submitted,
        stage.as_deref(),
        Instant::now(),
    );
    let version = s
        .store
        .submit_version(
            &p.actor,
            id,
            NewVersion {
                stage_id: stage,
                form_id: form.id.clone(),
                body: canonical(form, &f.values),
                note: f.note.clone(),
                next_due_at: due,
                indicators: super::service::indicators(form, &f.values),
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(v::version(version, true))))
}

/// One version with its values and the exact bytes its SHA-256 covers.
#[utoipa::path(get, path = "/api/v1/reports/{id}/versions/{version}", tag = TAG, params(("id" = i64, Path), ("version" = i64, Path)), responses((status = 200, body = VersionView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn get_version(
    State(s): State<AppState>,
    p: Principal,
    ApiPath((id, version)): ApiPath<(i64, i64)>,
) -> ApiResult<Json<VersionView>> {
    p.require()?;
    let got = s.store.report_version(&p.actor, id, version).await?;
    Ok(Json(v::version(got, true)))
}

/// Your consent for the report: to the national office, and to sanitised
/// alerts. Every change is kept.
#[utoipa::path(put, path = "/api/v1/reports/{id}/consent", tag = TAG, params(("id" = i64, Path)), request_body = ConsentRequest, responses((status = 200, body = ReportView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn set_consent(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(c): ApiJson<ConsentRequest>,
) -> ApiResult<Json<ReportView>> {
    p.require()?;
    s.store.set_consent(&p.actor, id, Consent::from(&c)).await?;
    Ok(Json(view(&s, s.store.report_case(&p.actor, id).await?)))
}
