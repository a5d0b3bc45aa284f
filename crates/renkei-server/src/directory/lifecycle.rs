//! An account's lifecycle as administrators act on it: deactivating and
//! reactivating users, listing and ending their sessions, issuing one-time
//! password-reset links. REST endpoints and the buttons of the users page.
//!
//! The store decides who may (administrators of the user's organisation,
//! platform administrators; a person for their own sessions) and audits
//! each act; every effect applies to the next request.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use renkei_core::{Timestamp, UserId};
use renkei_store::accounts::Sessions;
use serde::Deserialize;
use utoipa::OpenApi;

use super::users::{UsersNote, users_view};
use super::views::{EndedView, PasswordResetView, SessionView, USERS_TAG, UserView};
use crate::http::AppState;
use crate::http::auth::{self, Principal};
use crate::http::error::ApiError;
use crate::http::extract::ApiPath;
use crate::http::i18n::Lang;
use crate::http::page::{CsrfForm, PortalForm, error_page};

type ApiResult<T> = Result<T, ApiError>;

/// How long a reset link stays usable.
pub(super) const RESET_LINK_HOURS: i64 = 24;

#[derive(OpenApi)]
#[openapi(paths(
    deactivate_user,
    reactivate_user,
    list_sessions,
    end_sessions,
    end_session,
    create_password_reset
))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/{id}/deactivate", post(deactivate_user))
        .route("/api/v1/users/{id}/reactivate", post(reactivate_user))
        .route("/api/v1/users/{id}/sessions", get(list_sessions))
        .route("/api/v1/users/{id}/sessions/end", post(end_sessions))
        .route(
            "/api/v1/users/{id}/sessions/{session}/end",
            post(end_session),
        )
        .route(
            "/api/v1/users/{id}/password-reset",
            post(create_password_reset),
        )
        .route("/admin/users/{id}/{action}", post(user_action))
}

/// Deactivates a user: their sessions end, their reset links end, and the
/// API tokens they created stop working, from the next request on.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = USERS_TAG, params(("id" = i64, Path)), responses((status = 200, body = UserView), (status = 404, description = "no such user, or not one the caller administers"), (status = 409, description = "already deactivated, or the caller's own account")), security(("bearer" = [])))]
pub async fn deactivate_user(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserView>> {
    p.require()?;
    let u = s.store.deactivate_user(&p.actor, UserId(id)).await?;
    Ok(Json(u.into()))
}

/// Lets a deactivated user sign in again; the tokens they created resolve again.
#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", tag = USERS_TAG, params(("id" = i64, Path)), responses((status = 200, body = UserView), (status = 404, description = "no such user, or not one the caller administers"), (status = 409, description = "already active")), security(("bearer" = [])))]
pub async fn reactivate_user(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserView>> {
    p.require()?;
    let u = s.store.reactivate_user(&p.actor, UserId(id)).await?;
    Ok(Json(u.into()))
}

/// A user's live portal sessions (the user themself, or administrators).
#[utoipa::path(get, path = "/api/v1/users/{id}/sessions", tag = USERS_TAG, params(("id" = i64, Path)), responses((status = 200, body = [SessionView]), (status = 404, description = "no such user, or not one the caller may see")), security(("bearer" = [])))]
pub async fn list_sessions(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<SessionView>>> {
    p.require()?;
    let current = current_session_id(&s, &p, UserId(id)).await?;
    let list = s
        .store
        .list_sessions(&p.actor, UserId(id), Timestamp::now())
        .await?;
    Ok(Json(
        list.into_iter()
            .map(|x| SessionView::new(x, current.as_deref()))
            .collect(),
    ))
}

/// Ends every session of a user (the caller's own too, if among them).
#[utoipa::path(post, path = "/api/v1/users/{id}/sessions/end", tag = USERS_TAG, params(("id" = i64, Path)), responses((status = 200, body = EndedView), (status = 404, description = "no such user, or not one the caller may act on")), security(("bearer" = [])))]
pub async fn end_sessions(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<EndedView>> {
    p.require()?;
    let n = s
        .store
        .end_sessions(&p.actor, UserId(id), Sessions::All)
        .await?;
    Ok(Json(EndedView { ended: n }))
}

/// Ends one session of a user, named by its id.
#[utoipa::path(post, path = "/api/v1/users/{id}/sessions/{session}/end", tag = USERS_TAG, params(("id" = i64, Path), ("session" = String, Path)), responses((status = 200, body = EndedView), (status = 404, description = "no such live session of a user the caller may act on")), security(("bearer" = [])))]
pub async fn end_session(
    State(s): State<AppState>,
    p: Principal,
    ApiPath((id, session)): ApiPath<(i64, String)>,
) -> ApiResult<Json<EndedView>> {
    p.require()?;
    let n = s
        .store
        .end_sessions(&p.actor, UserId(id), Sessions::One(&session))
        .await?;
    Ok(Json(EndedView { ended: n }))
}

/// Issues a one-time link with which the user sets a new password. The
/// link is in this answer only (renkei keeps the hash of its secret); it
/// works once, for 24 hours, ends the user's older links, and on use ends
/// every session of the user. No e-mail is sent: hand it over yourself.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = USERS_TAG, params(("id" = i64, Path)), responses((status = 201, body = PasswordResetView), (status = 404, description = "no such user, or not one the caller administers"), (status = 409, description = "the user is deactivated")), security(("bearer" = [])))]
pub async fn create_password_reset(
    State(s): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<PasswordResetView>)> {
    p.require()?;
    let (url, expires) = issue_reset(&s, &p, &headers, UserId(id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(PasswordResetView {
            url,
            expires_at: expires.to_rfc3339(),
        }),
    ))
}

/// Issues a reset link for `user`: its URL and expiry.
pub(super) async fn issue_reset(
    s: &AppState,
    p: &Principal,
    headers: &HeaderMap,
    user: UserId,
) -> ApiResult<(String, Timestamp)> {
    let secret = auth::random_secret();
    let expires = Timestamp::now().plus_seconds(3600 * RESET_LINK_HOURS);
    s.store
        .create_password_reset(&p.actor, user, &auth::secret_hash(&secret), expires)
        .await?;
    Ok((format!("{}/reset/{secret}", base_url(s, headers)), expires))
}

/// Where the server is reached, for the link: `public_url` when set, else
/// the `Host` the administrator's own request used.
fn base_url(s: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &s.settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if s.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The caller's own session's public id, when listing their own sessions.
async fn current_session_id(
    s: &AppState,
    p: &Principal,
    user: UserId,
) -> ApiResult<Option<String>> {
    match (&p.session_hash, p.user.as_ref()) {
        (Some(h), Some(u)) if u.id == user => Ok(s.store.session_public_id(h).await?),
        _ => Ok(None),
    }
}

/// A button on the users page: its CSRF token and the organisation shown.
#[derive(Deserialize)]
struct ActionForm {
    csrf: String,
    org_id: Option<i64>,
}

impl PortalForm for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/admin/users".to_owned()
    }
}

/// The users page's buttons: deactivate, reactivate, end sessions, reset link.
async fn user_action(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> Response {
    let user = UserId(id);
    let done = match action.as_str() {
        "deactivate" => s
            .store
            .deactivate_user(&p.actor, user)
            .await
            .map(|_| "user-deactivated"),
        "reactivate" => s
            .store
            .reactivate_user(&p.actor, user)
            .await
            .map(|_| "user-reactivated"),
        "sessions-end" => s
            .store
            .end_sessions(&p.actor, user, Sessions::All)
            .await
            .map(|_| "sessions-ended"),
        "password-reset" => {
            let note = match issue_reset(&s, &p, &headers, user).await {
                Ok((url, expires)) => {
                    let email = s
                        .store
                        .get_user(user)
                        .await
                        .map(|u| u.email.to_string())
                        .unwrap_or_default();
                    UsersNote {
                        reset: Some((email, url, expires.to_jst_display())),
                        ..UsersNote::default()
                    }
                }
                Err(e) => UsersNote {
                    error: Some(e),
                    ..UsersNote::default()
                },
            };
            return users_view(&s, &p, lang, f.org_id, note).await;
        }
        _ => return error_page(&s, &p, lang, ApiError::not_found("action")).await,
    };
    match done {
        Ok(ok) => {
            let org = f.org_id.map(|o| format!("&org={o}")).unwrap_or_default();
            Redirect::to(&format!("/admin/users?ok={ok}{org}")).into_response()
        }
        Err(e) => {
            let note = UsersNote {
                error: Some(e.into()),
                ..UsersNote::default()
            };
            users_view(&s, &p, lang, f.org_id, note).await
        }
    }
}
