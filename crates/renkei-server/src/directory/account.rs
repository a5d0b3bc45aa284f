//! A person's own account: changing their password, seeing and ending
//! their sessions (the account page and REST), and setting a new password
//! with a one-time reset link an administrator issued.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use minijinja::context;
use renkei_core::Timestamp;
use renkei_store::accounts::Sessions;
use serde::Deserialize;
use utoipa::OpenApi;

use super::views::{PasswordChangeRequest, SessionView, USERS_TAG, flash_key};
use crate::http::AppState;
use crate::http::auth::{self, Principal};
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;
use crate::http::page::{
    AdminQuery, CsrfForm, PortalForm, error_page, layout, login_redirect, render,
};
use crate::http::password::{PasswordProblem, SignInError, password_ok, password_problem};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(paths(change_password))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me/password", post(change_password))
        .route("/account", get(account_page))
        .route("/account/password", post(password_form))
        .route("/account/sessions/end-others", post(end_others))
        .route("/account/sessions/{session}/end", post(end_one))
        .route("/reset/{token}", get(reset_page).post(reset_form))
}

/// Why a password change was refused: a field's problem, or an error.
enum ChangeError {
    Field(&'static str, PasswordProblem),
    Other(ApiError),
}

impl From<ApiError> for ChangeError {
    fn from(e: ApiError) -> Self {
        ChangeError::Other(e)
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Field(field, p) => p.error(field),
            ChangeError::Other(e) => e,
        }
    }
}

/// Changes the caller's own password: the new one is checked against the
/// rule first (no argon2 for a refused one), then the current one (a
/// throttled, audited sign-in check), then it is hashed and stored; the
/// person's other sessions end.
async fn change_own(
    s: &AppState,
    p: &Principal,
    current: &str,
    new: &str,
    confirm: Option<&str>,
) -> Result<(), ChangeError> {
    let Some(user) = &p.user else {
        return Err(ApiError::forbidden("API tokens have no password; sign in as a person").into());
    };
    if confirm.is_some_and(|c| c != new) {
        return Err(ChangeError::Field(
            "confirm_password",
            PasswordProblem::Mismatch,
        ));
    }
    if let Some(problem) = password_problem(new, Some(user.email.as_str())) {
        return Err(ChangeError::Field("new_password", problem));
    }
    if new == current {
        return Err(ChangeError::Field(
            "new_password",
            PasswordProblem::SameAsCurrent,
        ));
    }
    match password_ok(s, &p.actor, user.email.as_str(), current, "password change").await {
        Ok(_) => {}
        Err(SignInError::Invalid) => {
            return Err(ChangeError::Field(
                "current_password",
                PasswordProblem::CurrentWrong,
            ));
        }
        Err(SignInError::Throttled { retry_after_secs }) => {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                format!("too many attempts; try again in {retry_after_secs} s"),
            )
            .into());
        }
        Err(SignInError::Failed(e)) => return Err(e.into()),
    }
    let hash = s.passwords.hash(new).await?;
    s.store
        .set_password(&p.actor, user.id, &hash, p.session_hash.as_deref())
        .await
        .map_err(ApiError::from)?;
    Ok(())
}

/// Changes the caller's own password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = USERS_TAG, request_body = PasswordChangeRequest, responses((status = 204, description = "changed"), (status = 422, description = "a field is wrong; `field` names it (current_password, new_password)"), (status = 429, description = "too many wrong current passwords")), security(("bearer" = [])))]
pub async fn change_password(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    p.require()?;
    change_own(&s, &p, &r.current_password, &r.new_password, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account page, with a flash or a form error (its Fluent key and field).
async fn account_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    flash: Option<&'static str>,
    error: Option<(&'static str, &'static str)>,
    status: StatusCode,
) -> Response {
    let Some(user) = &p.user else {
        return error_page(s, p, lang, ApiError::unauthorized()).await;
    };
    let current = match &p.session_hash {
        Some(h) => s.store.session_public_id(h).await,
        None => Ok(None),
    };
    let listed = s
        .store
        .list_sessions(&p.actor, user.id, Timestamp::now())
        .await;
    let (current, listed) = match (current, listed) {
        (Ok(c), Ok(l)) => (c, l),
        (Err(e), _) | (_, Err(e)) => return error_page(s, p, lang, e.into()).await,
    };
    let sessions: Vec<_> = listed
        .into_iter()
        .map(|x| {
            let v = SessionView::new(x.clone(), current.as_deref());
            context! { id => v.id, current => v.current,
            created_at => x.created_at.to_jst_display(),
            expires_at => x.expires_at.to_jst_display() }
        })
        .collect();
    let error = error.map(|(key, field)| context! { key, field });
    let l = layout(s, p, lang, "/account").await;
    render(
        s,
        status,
        "account.html",
        context! { l, email => user.email.to_string(), role => user.role.as_str(),
        sessions, flash, error },
    )
}

async fn account_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    axum::extract::Query(q): axum::extract::Query<AdminQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/account") {
        return r;
    }
    let flash = flash_key(q.ok.as_deref());
    account_view(&s, &p, lang, flash, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    confirm_password: String,
}

impl PortalForm for PasswordForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/account".to_owned()
    }
}

async fn password_form(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Response {
    let confirm = Some(f.confirm_password.as_str());
    match change_own(&s, &p, &f.current_password, &f.new_password, confirm).await {
        Ok(()) => Redirect::to("/account?ok=password-changed").into_response(),
        Err(ChangeError::Field(field, problem)) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            account_view(&s, &p, lang, None, Some((problem.key(), field)), status).await
        }
        Err(ChangeError::Other(e)) => error_page(&s, &p, lang, e).await,
    }
}

/// A button of the account page: only its CSRF token.
#[derive(Deserialize)]
struct ButtonForm {
    csrf: String,
}

impl PortalForm for ButtonForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/account".to_owned()
    }
}

async fn end_others(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> Response {
    let (Some(user), Some(h)) = (&p.user, &p.session_hash) else {
        return error_page(&s, &p, lang, ApiError::unauthorized()).await;
    };
    match s
        .store
        .end_sessions(&p.actor, user.id, Sessions::AllBut(h))
        .await
    {
        Ok(_) => Redirect::to("/account?ok=sessions-ended").into_response(),
        Err(e) => error_page(&s, &p, lang, e.into()).await,
    }
}

async fn end_one(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(session): Path<String>,
    CsrfForm(_): CsrfForm<ButtonForm>,
) -> Response {
    let Some(user) = &p.user else {
        return error_page(&s, &p, lang, ApiError::unauthorized()).await;
    };
    match s
        .store
        .end_sessions(&p.actor, user.id, Sessions::One(&session))
        .await
    {
        Ok(_) => Redirect::to("/account?ok=session-ended").into_response(),
        Err(e) => error_page(&s, &p, lang, e.into()).await,
    }
}

// -- reset links ----------------------------------------------------------
//
// The link's secret, in its path, is the only credential: the forms carry
// no CSRF token, because a forged post would need the secret, and using a
// link signs nobody in (it leads to the sign-in page). Request logs show
// the path without it (`lib.rs`).

async fn reset_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    token: &str,
    error: Option<(&'static str, &'static str)>,
) -> Response {
    let hash = auth::secret_hash(token);
    let user = match s.store.password_reset_user(&hash, Timestamp::now()).await {
        Ok(u) => u,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let l = layout(s, p, lang, "/reset").await;
    let (status, email) = match (&user, error) {
        (None, _) => (StatusCode::NOT_FOUND, None),
        (Some(u), None) => (StatusCode::OK, Some(u.email.to_string())),
        (Some(u), Some(_)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(u.email.to_string())),
    };
    let error = error.map(|(key, field)| context! { key, field });
    render(s, status, "reset.html", context! { l, email, token, error })
}

async fn reset_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(token): Path<String>,
) -> Response {
    reset_view(&s, &p, lang, &token, None).await
}

#[derive(Deserialize)]
struct ResetForm {
    new_password: String,
    confirm_password: String,
}

async fn reset_form(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(token): Path<String>,
    Form(f): Form<ResetForm>,
) -> Response {
    let hash = auth::secret_hash(&token);
    // The link first: argon2 only for the holder of a live one.
    let user = match s.store.password_reset_user(&hash, Timestamp::now()).await {
        Ok(Some(u)) => u,
        Ok(None) => return reset_view(&s, &p, lang, &token, None).await,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let problem = if f.new_password != f.confirm_password {
        Some(("confirm_password", PasswordProblem::Mismatch))
    } else {
        password_problem(&f.new_password, Some(user.email.as_str())).map(|x| ("new_password", x))
    };
    if let Some((field, problem)) = problem {
        return reset_view(&s, &p, lang, &token, Some((problem.key(), field))).await;
    }
    let hashed = match s.passwords.hash(&f.new_password).await {
        Ok(h) => h,
        Err(e) => return error_page(&s, &p, lang, e).await,
    };
    match s
        .store
        .use_password_reset(&hash, &hashed, &p.actor.source, Timestamp::now())
        .await
    {
        Ok(_) => Redirect::to("/login?reset=1").into_response(),
        Err(renkei_store::StoreError::NotFound(_)) => reset_view(&s, &p, lang, &token, None).await,
        Err(e) => error_page(&s, &p, lang, e.into()).await,
    }
}
