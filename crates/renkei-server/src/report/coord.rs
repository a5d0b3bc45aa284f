//! REST for the recipients of reports (a coordinator, a competent
//! ministry): the queue with every clock, the handling state, the thread
//! with the reporter, tasks, the timeline; and the platform's binding of
//! each profile's recipients to organisations.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use renkei_core::{OrgId, UserId};
use renkei_store::reports::ReportState;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::filing::{ReportListParams, filter};
use super::service::{bad, report_page};
use super::views_filing::{self as v, MessageView, ReportPage, TaskView, TimelineView};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;

type ApiResult<T> = Result<T, ApiError>;

const TAG: &str = super::filing::TAG;

#[derive(OpenApi)]
#[openapi(paths(
    report_queue,
    set_state,
    list_messages,
    post_message,
    list_tasks,
    add_task,
    update_task,
    timeline,
    list_indicators,
    list_bindings,
    bind_recipient
))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/report-queue", get(report_queue))
        .route("/api/v1/reports/{id}/state", put(set_state))
        .route(
            "/api/v1/reports/{id}/messages",
            get(list_messages).post(post_message),
        )
        .route("/api/v1/reports/{id}/tasks", get(list_tasks).post(add_task))
        .route("/api/v1/reports/{id}/tasks/{task}", put(update_task))
        .route("/api/v1/reports/{id}/timeline", get(timeline))
        .route("/api/v1/reports/{id}/indicators", get(list_indicators))
        .route(
            "/api/v1/report-bindings",
            get(list_bindings).post(bind_recipient),
        )
        .layer(DefaultBodyLimit::max(64 * 1024))
}

/// Reports addressed to your organisation (administrators and coordinator
/// analysts), each with its clocks: newest first, or with `order=due` the
/// open deadlines, most urgent first.
#[utoipa::path(get, path = "/api/v1/report-queue", tag = TAG, params(ReportListParams), responses((status = 200, body = ReportPage), (status = 400, description = "a filter is wrong")), security(("bearer" = [])))]
pub async fn report_queue(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ReportListParams>,
) -> ApiResult<Json<ReportPage>> {
    p.require()?;
    let page = s.store.queue(&p.actor, &filter(&q)?).await?;
    Ok(Json(report_page(&s.reports, page, jiff::Timestamp::now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StateRequest {
    /// `received`, `analysing`, `waiting` (for the reporter) or `closed`.
    pub state: String,
}

/// Sets how your organisation is handling the report (its recipients only).
#[utoipa::path(put, path = "/api/v1/reports/{id}/state", tag = TAG, params(("id" = i64, Path)), request_body = StateRequest, responses((status = 204), (status = 403, description = "not a recipient of the report"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn set_state(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<StateRequest>,
) -> ApiResult<StatusCode> {
    p.require()?;
    let state = ReportState::parse(&r.state)?;
    s.store.set_state(&p.actor, id, state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The thread between the reporter and the recipients, oldest first.
#[utoipa::path(get, path = "/api/v1/reports/{id}/messages", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [MessageView]), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn list_messages(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<MessageView>>> {
    p.require()?;
    let got = s.store.messages(&p.actor, id).await?;
    Ok(Json(got.into_iter().map(v::message).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// At most 8,000 characters.
    pub body: String,
}

/// Writes in the thread (the reporter's filers and the recipients).
#[utoipa::path(post, path = "/api/v1/reports/{id}/messages", tag = TAG, params(("id" = i64, Path)), request_body = MessageRequest, responses((status = 201, body = MessageView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn post_message(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<MessageRequest>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    p.require()?;
    let got = s.store.post_message(&p.actor, id, &r.body).await?;
    Ok((StatusCode::CREATED, Json(v::message(got))))
}

/// Your organisation's tasks on the report (recipients; empty for the reporter).
#[utoipa::path(get, path = "/api/v1/reports/{id}/tasks", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [TaskView]), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn list_tasks(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<TaskView>>> {
    p.require()?;
    let got = s.store.tasks(&p.actor, id).await?;
    Ok(Json(got.into_iter().map(v::task).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    pub title: String,
    /// A member of your organisation (user id).
    pub owner: Option<i64>,
}

/// Adds a task for your organisation (recipients).
#[utoipa::path(post, path = "/api/v1/reports/{id}/tasks", tag = TAG, params(("id" = i64, Path)), request_body = TaskRequest, responses((status = 201, body = TaskView), (status = 403, description = "not a recipient"), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn add_task(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<TaskRequest>,
) -> ApiResult<(StatusCode, Json<TaskView>)> {
    p.require()?;
    let got = s
        .store
        .add_task(&p.actor, id, &r.title, r.owner.map(UserId))
        .await?;
    Ok((StatusCode::CREATED, Json(v::task(got))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskUpdate {
    pub done: bool,
}

/// Marks a task done (or open again).
#[utoipa::path(put, path = "/api/v1/reports/{id}/tasks/{task}", tag = TAG, params(("id" = i64, Path), ("task" = i64, Path)), request_body = TaskUpdate, responses((status = 200, body = TaskView), (status = 404, description = "absent or not yours")), security(("bearer" = [])))]
pub async fn update_task(
    State(s): State<AppState>,
    p: Principal,
    ApiPath((id, task)): ApiPath<(i64, i64)>,
    ApiJson(r): ApiJson<TaskUpdate>,
) -> ApiResult<Json<TaskView>> {
    p.require()?;
    let got = s.store.set_task_done(&p.actor, id, task, r.done).await?;
    Ok(Json(v::task(got)))
}

/// The report's history: versions, messages, tasks, states, consent, files.
#[utoipa::path(get, path = "/api/v1/reports/{id}/timeline", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [TimelineView]), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn timeline(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<TimelineView>>> {
    p.require()?;
    let got = s.store.timeline(&p.actor, id).await?;
    Ok(Json(got.into_iter().map(v::timeline).collect()))
}

/// An indicator the report names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportIndicatorView {
    /// `ipv4`, `ipv6`, `domain`, `url`, `email`, `md5`, `sha1`, `sha256`, `sha512`.
    pub kind: String,
    pub value: String,
    /// Other reports you may read that name it too.
    pub other_reports: i64,
}

/// The indicators the report's latest version names, each with how many
/// other reports you may read name it ("seen in 3 reports").
#[utoipa::path(get, path = "/api/v1/reports/{id}/indicators", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [ReportIndicatorView]), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn list_indicators(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ReportIndicatorView>>> {
    p.require()?;
    let got = s.store.report_indicators(&p.actor, id).await?;
    Ok(Json(
        got.into_iter()
            .map(|i| ReportIndicatorView {
                kind: i.kind,
                value: i.value,
                other_reports: i.other_reports,
            })
            .collect(),
    ))
}

/// Which organisation receives a profile's recipient.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindingView {
    pub profile: String,
    /// The profile's recipient id (`competent-minister`, `national-office`, …).
    pub recipient: String,
    pub org_id: i64,
}

/// Every binding of a profile's recipients to organisations.
#[utoipa::path(get, path = "/api/v1/report-bindings", tag = TAG, responses((status = 200, body = [BindingView])), security(("bearer" = [])))]
pub async fn list_bindings(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<BindingView>>> {
    p.require()?;
    let got = s.store.recipient_bindings().await?;
    Ok(Json(
        got.into_iter()
            .map(|(profile, recipient, org)| BindingView {
                profile,
                recipient,
                org_id: org.0,
            })
            .collect(),
    ))
}

/// Binds a profile's recipient to an organisation (platform administrators);
/// reports filed from then on are addressed to it.
#[utoipa::path(post, path = "/api/v1/report-bindings", tag = TAG, request_body = BindingView, responses((status = 201, body = BindingView), (status = 400, description = "unknown profile or recipient"), (status = 403, description = "not a platform administrator")), security(("bearer" = [])))]
pub async fn bind_recipient(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(b): ApiJson<BindingView>,
) -> ApiResult<(StatusCode, Json<BindingView>)> {
    p.require()?;
    let Some(profile) = s.reports.get(&b.profile) else {
        return Err(bad(
            "profile",
            "report-profile-unknown",
            &[("id", &b.profile)],
        ));
    };
    if !profile.recipients.iter().any(|r| r.id == b.recipient) {
        return Err(bad(
            "recipient",
            "report-recipient-unknown",
            &[("name", &b.recipient)],
        ));
    }
    s.store
        .bind_recipient(&p.actor, &b.profile, &b.recipient, OrgId(b.org_id))
        .await?;
    Ok((StatusCode::CREATED, Json(b)))
}
