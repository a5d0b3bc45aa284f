//! REST: the regimes in force and their deadline rules, one regime with
//! its forms, and each chosen regime's clocks for a case described once.
//! Any signed-in member may read them: profiles hold no one's data.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use renkei_report::{CaseFacts, ClockPolicy, Incident, Profile, file_once};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::views::{self, ClocksView, ProfileDetail, ProfileSummary, RegimeClocks};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::ApiPath;
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;

type ApiResult<T> = Result<T, ApiError>;

const TAG: &str = "reporting";

/// Regimes one clocks request may name (six are shipped).
pub const MAX_PROFILES: usize = 16;
/// Events, conditions and submissions one request may carry, each.
pub const MAX_ENTRIES: usize = 64;
/// A clocks request body is small: ids and instants.
pub const MAX_BODY: usize = 16 * 1024;

#[derive(OpenApi)]
#[openapi(
    paths(list_profiles, get_profile, compute_clocks),
    tags((name = TAG, description = "Reporting regimes (the Japanese Act on cyber response, APPI leaks, NIS2, CRA, DORA, CIRCIA) as data: their stages and deadline rules, forms and fields, and each regime's clocks for one incident. Hour limits are elapsed time; day and month limits are counted in the regime's own zone and calendar."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/report-profiles", get(list_profiles))
        .route(
            "/api/v1/report-profiles/clocks",
            post(compute_clocks).layer(DefaultBodyLimit::max(MAX_BODY)),
        )
        .route("/api/v1/report-profiles/{id}", get(get_profile))
}

/// The regimes in force, with their stages and deadline rules.
#[utoipa::path(get, path = "/api/v1/report-profiles", tag = TAG, operation_id = "list_report_profiles", responses((status = 200, body = [ProfileSummary])), security(("bearer" = [])))]
pub async fn list_profiles(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<ProfileSummary>>> {
    p.require()?;
    Ok(Json(s.reports.iter().map(views::summary).collect()))
}

/// One regime with its forms and their fields.
#[utoipa::path(get, path = "/api/v1/report-profiles/{id}", tag = TAG, operation_id = "get_report_profile", params(("id" = String, Path, description = "profile id, e.g. `eu-nis2`")), responses((status = 200, body = ProfileDetail), (status = 404, description = "no such profile (`report-profile-unknown`)")), security(("bearer" = [])))]
pub async fn get_profile(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ProfileDetail>> {
    p.require()?;
    let profile = s
        .reports
        .get(&id)
        .ok_or_else(|| unknown_profile("id", &id))?;
    Ok(Json(views::detail(profile)))
}

/// A case described once: what every chosen regime's clocks run on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClocksRequest {
    /// Profile ids, at most 16.
    pub profiles: Vec<String>,
    /// When the organisation became aware, RFC 3339.
    pub awareness: String,
    /// Named events (`classified-major`, …) and when they happened.
    #[serde(default)]
    pub events: BTreeMap<String, String>,
    /// Stages already submitted and when: `stage` for every chosen regime
    /// with that stage, or `profile/stage` for one.
    #[serde(default)]
    pub submitted: BTreeMap<String, String>,
    /// Conditions that hold (`ongoing`, `wrongful-purpose`, …).
    #[serde(default)]
    pub conditions: Vec<String>,
    /// The instant to compute at; the server's clock when absent.
    pub now: Option<String>,
}

/// Each chosen regime's clocks: status and due instant, in UTC and in the
/// regime's own time.
#[utoipa::path(post, path = "/api/v1/report-profiles/clocks", tag = TAG, operation_id = "compute_report_clocks", request_body = ClocksRequest, responses((status = 200, body = ClocksView), (status = 400, description = "a field is wrong; `field` names it and `code` says how")), security(("bearer" = [])))]
pub async fn compute_clocks(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(req): ApiJson<ClocksRequest>,
) -> ApiResult<Json<ClocksView>> {
    p.require()?;
    let chosen = chosen_profiles(&s, &req.profiles)?;
    if req.events.len() > MAX_ENTRIES
        || req.submitted.len() > MAX_ENTRIES
        || req.conditions.len() > MAX_ENTRIES
    {
        let field = if req.events.len() > MAX_ENTRIES {
            "events"
        } else if req.submitted.len() > MAX_ENTRIES {
            "submitted"
        } else {
            "conditions"
        };
        return Err(bad(
            field,
            "report-too-many",
            &[("max", &MAX_ENTRIES.to_string())],
        ));
    }
    let awareness = instant("awareness", &req.awareness)?;
    let now = match &req.now {
        Some(t) => instant("now", t)?,
        None => Timestamp::now(),
    };
    let mut events = BTreeMap::new();
    for (name, at) in &req.events {
        let field = format!("events.{name}");
        if !chosen.iter().any(|p| p.event(name).is_some()) {
            return Err(bad(&field, "report-event-unknown", &[("name", name)]));
        }
        events.insert(name.clone(), instant(&field, at)?);
    }
    let mut conditions = BTreeSet::new();
    for (i, c) in req.conditions.iter().enumerate() {
        if !chosen
            .iter()
            .any(|p| p.conditions.iter().any(|x| x.id == *c))
        {
            let field = format!("conditions[{i}]");
            return Err(bad(&field, "report-condition-unknown", &[("name", c)]));
        }
        conditions.insert(c.clone());
    }
    let submitted = submissions(&chosen, &req.submitted)?;
    let incident = Incident {
        facts: CaseFacts {
            awareness: Some(awareness),
            events,
            conditions,
        },
        common: BTreeMap::new(),
        submitted,
    };
    let regimes = file_once(&incident, &chosen, now, &ClockPolicy::default()).map_err(|e| {
        let field = format!("profiles.{}", e.profile);
        bad(&field, "report-date-out-of-range", &[("stage", &e.stage)])
    })?;
    Ok(Json(ClocksView {
        now: now.to_string(),
        regimes: regimes
            .iter()
            .zip(&chosen)
            .map(|(r, p)| RegimeClocks {
                profile: r.profile.clone(),
                version: r.version.clone(),
                time_zone: p.time_zone.clone(),
                clocks: r.clocks.iter().map(|c| views::clock(p, c)).collect(),
            })
            .collect(),
    }))
}

pub(super) fn chosen_profiles<'a>(s: &'a AppState, ids: &[String]) -> ApiResult<Vec<&'a Profile>> {
    if ids.is_empty() {
        return Err(bad("profiles", "report-profiles-required", &[]));
    }
    if ids.len() > MAX_PROFILES {
        return Err(bad(
            "profiles",
            "report-too-many",
            &[("max", &MAX_PROFILES.to_string())],
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let field = format!("profiles[{i}]");
        let Some(profile) = s.reports.get(id) else {
            return Err(bad(&field, "report-profile-unknown", &[("id", id)]));
        };
        if seen.insert(id.as_str()) {
            out.push(profile);
        }
    }
    Ok(out)
}

/// Each regime's first submissions, from `stage` or `profile/stage` keys;
/// a key no chosen regime has is refused rather than ignored.
fn submissions(
    chosen: &[&Profile],
    sent: &BTreeMap<String, String>,
) -> ApiResult<BTreeMap<String, BTreeMap<String, Timestamp>>> {
    let mut out: BTreeMap<String, BTreeMap<String, Timestamp>> = BTreeMap::new();
    for (key, at) in sent {
        let field = format!("submitted.{key}");
        let t = instant(&field, at)?;
        let (only, stage) = match key.split_once('/') {
            Some((p, st)) => (Some(p), st),
            None => (None, key.as_str()),
        };
        let mut found = false;
        for p in chosen {
            if only.is_none_or(|o| o == p.id) && p.stage(stage).is_some() {
                out.entry(p.id.clone())
                    .or_default()
                    .insert(stage.to_owned(), t);
                found = true;
            }
        }
        if !found {
            return Err(bad(&field, "report-stage-unknown", &[("name", key)]));
        }
    }
    Ok(out)
}

fn instant(field: &str, text: &str) -> ApiResult<Timestamp> {
    text.parse::<Timestamp>()
        .map_err(|_| bad(field, "report-time-invalid", &[("value", text)]))
}

/// 400 naming `field`, with a stable code.
fn bad(field: &str, code: &'static str, args: &[(&'static str, &str)]) -> ApiError {
    let mut e = ApiError::coded(StatusCode::BAD_REQUEST, "Bad request", code, Lang::En, args);
    e.field = Some(field.to_owned());
    e
}

fn unknown_profile(field: &str, id: &str) -> ApiError {
    let mut e = ApiError::coded(
        StatusCode::NOT_FOUND,
        "Not found",
        "report-profile-unknown",
        Lang::En,
        &[("id", id)],
    );
    e.field = Some(field.to_owned());
    e
}
