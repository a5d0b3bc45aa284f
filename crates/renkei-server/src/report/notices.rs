//! REST for notices (a critical computer's 届出): a report without an
//! incident or clock, whose content and every change of it are versions.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_store::reports::{Consent, NewReport, QueueRow};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::filing::{
    ConsentRequest, FormValues, TAG, chosen, list_versions, org_of, submit_version, view,
};
use super::service::bad;
use super::views_filing::{ReportView, VersionView};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::ApiPath;
use crate::http::json::ApiJson;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(paths(create_notice, get_notice, list_notice_versions, submit_notice_version))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notices", post(create_notice))
        .route("/api/v1/notices/{id}", get(get_notice))
        .route(
            "/api/v1/notices/{id}/versions",
            get(list_notice_versions).post(submit_notice_version),
        )
}

/// A notice to file (a critical computer's 届出).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    pub profile: String,
    /// The profile's notice id (`computer-notice`).
    pub notice: String,
    pub title: String,
    #[serde(default)]
    pub consent: ConsentRequest,
}

/// Opens a notice; its content is filed as versions (changes too).
#[utoipa::path(post, path = "/api/v1/notices", tag = TAG, request_body = NoticeRequest, responses((status = 201, body = ReportView), (status = 400, description = "a field is wrong")), security(("bearer" = [])))]
pub async fn create_notice(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NoticeRequest>,
) -> ApiResult<(StatusCode, Json<ReportView>)> {
    let org = org_of(&p)?;
    let profile = chosen(&s, std::slice::from_ref(&r.profile)).map_err(|e| ApiError {
        field: Some("profile".into()),
        ..e
    })?[0];
    if !profile.notices.iter().any(|n| n.id == r.notice) {
        return Err(bad(
            "notice",
            "report-notice-unknown",
            &[("name", &r.notice)],
        ));
    }
    let new = NewReport {
        profile_id: profile.id.clone(),
        notice_id: Some(r.notice.clone()),
        title: r.title.clone(),
        consent: Consent::from(&r.consent),
        next_due_at: None,
    };
    let got = s.store.open_notice(&p.actor, org, new).await?;
    let row = s.store.report_case(&p.actor, got.id).await?;
    Ok((StatusCode::CREATED, Json(view(&s, row))))
}

/// `NotFound` unless report `id` is a notice.
async fn notice_case(s: &AppState, p: &Principal, id: i64) -> ApiResult<QueueRow> {
    p.require()?;
    let row = s.store.report_case(&p.actor, id).await?;
    if row.report.notice_id.is_none() {
        return Err(ApiError::not_found("notice"));
    }
    Ok(row)
}

/// A notice.
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = ReportView), (status = 404, description = "absent, not a notice, or not readable")), security(("bearer" = [])))]
pub async fn get_notice(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReportView>> {
    let row = notice_case(&s, &p, id).await?;
    Ok(Json(view(&s, row)))
}

/// A notice's versions, oldest first.
#[utoipa::path(get, path = "/api/v1/notices/{id}/versions", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [VersionView]), (status = 404, description = "absent, not a notice, or not readable")), security(("bearer" = [])))]
pub async fn list_notice_versions(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<VersionView>>> {
    notice_case(&s, &p, id).await?;
    list_versions(State(s), p, ApiPath(id)).await
}

/// Files the notice's content, or a change of it, as a new version.
#[utoipa::path(post, path = "/api/v1/notices/{id}/versions", tag = TAG, params(("id" = i64, Path)), request_body = FormValues, responses((status = 201, body = VersionView), (status = 400, description = "a value is wrong or missing"), (status = 404, description = "absent, not a notice, or not readable")), security(("bearer" = [])))]
pub async fn submit_notice_version(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(f): ApiJson<FormValues>,
) -> ApiResult<(StatusCode, Json<VersionView>)> {
    notice_case(&s, &p, id).await?;
    submit_version(State(s), p, ApiPath(id), ApiJson(f)).await
}
