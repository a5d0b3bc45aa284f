//! Users of an organisation and the caller itself (`me`): the REST
//! endpoints and the administration page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use minijinja::context;
use renkei_core::model::User;
use renkei_core::{Email, OrgId, Role};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::views::{MeView, NewUserRequest, OrgFilter, USERS_TAG, UserView, flash_key, parse_role};
use crate::http::AppState;
use crate::http::auth::{self, Principal};
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;
use crate::http::page::{
    AdminQuery, CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, org_name,
    render,
};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    paths(me, list_users, create_user),
    tags((name = USERS_TAG, description = "People: the caller, the users of an organisation (its administrators manage them), deactivation, portal sessions, password-reset links and one's own password."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route("/admin/users", get(users_page).post(users_create))
}

/// The caller: user, organisation, role, communities.
#[utoipa::path(get, path = "/api/v1/me", tag = USERS_TAG, operation_id = "get_me", responses((status = 200, body = MeView)), security(("bearer" = [])))]
pub async fn me(State(s): State<AppState>, p: Principal) -> ApiResult<Json<MeView>> {
    p.require()?;
    let v = p.viewer();
    let org = match v.org {
        Some(o) => Some(s.store.get_org(o).await?.into()),
        None => None,
    };
    Ok(Json(MeView {
        user: p.user.clone().map(Into::into),
        org,
        role: v.role.map(|r| r.as_str().to_owned()),
        communities: v.communities.iter().map(|c| c.0).collect(),
    }))
}

/// Users of an organisation (its administrators, or platform administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = USERS_TAG, params(OrgFilter), responses((status = 200, body = [UserView])), security(("bearer" = [])))]
pub async fn list_users(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(f): ApiQuery<OrgFilter>,
) -> ApiResult<Json<Vec<UserView>>> {
    p.require()?;
    let org = f.administered(&p, "only administrators list users")?;
    Ok(Json(
        s.store
            .list_users(Some(org))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a user who signs in with their e-mail address.
#[utoipa::path(post, path = "/api/v1/users", tag = USERS_TAG, request_body = NewUserRequest, responses((status = 201, body = UserView), (status = 409, description = "e-mail taken"), (status = 422, description = "invalid field")), security(("bearer" = [])))]
pub async fn create_user(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    p.require()?;
    let u = new_user(
        &s,
        &p,
        r.org_id,
        &r.email,
        &r.display_name,
        &r.role,
        &r.password,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

/// Shared by the API and the portal form.
pub(super) async fn new_user(
    s: &AppState,
    p: &Principal,
    org: Option<i64>,
    email: &str,
    display_name: &str,
    role: &str,
    password: &str,
) -> ApiResult<renkei_core::model::User> {
    let org = org
        .map(OrgId)
        .or(p.viewer().org)
        .ok_or_else(|| ApiError::field("org_id", "required"))?;
    let email = Email::parse(email)?;
    let role = parse_role(role)?;
    auth::check_password_for(password, Some(email.as_str()))?;
    // Authorisation before argon2: a caller who may not create users must
    // not be able to spend the server's CPU on hashing.
    let why = "only administrators of the organisation create its users";
    let allowed = renkei_core::can_administer(&p.actor, org);
    refuse_unless(s, p, allowed, "user.create", &format!("org:{org}"), why).await?;
    let password_hash = s.passwords.hash(password).await?;
    let nu = renkei_core::model::NewUser {
        org,
        email,
        display_name: display_name.to_owned(),
        role,
        password_hash,
    };
    Ok(s.store.create_user(&p.actor, nu).await?)
}

/// Refuses (403) unless `allowed`, recording the refusal in the audit log
/// as the store records its own; if that cannot be recorded, the error.
/// For checks made before work the store never sees (argon2).
pub(super) async fn refuse_unless(
    s: &AppState,
    p: &Principal,
    allowed: bool,
    action: &str,
    object: &str,
    why: &'static str,
) -> ApiResult<()> {
    if allowed {
        return Ok(());
    }
    let ev = renkei_store::AuditEvent {
        action: action.to_owned(),
        object: object.to_owned(),
        outcome: renkei_core::AuditOutcome::Denied,
        detail: why.to_owned(),
    };
    s.store.audit(&p.actor, ev).await?;
    Err(ApiError::forbidden(why).with_code("admin-only", &[]))
}

#[derive(Serialize)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: &'static str,
    active: bool,
    created_at: String,
    /// The signed-in administrator's own row (no deactivating oneself).
    is_self: bool,
}

impl UserRow {
    fn new(u: User, me: Option<renkei_core::UserId>) -> Self {
        Self {
            id: u.id.0,
            is_self: me == Some(u.id),
            email: u.email.to_string(),
            display_name: u.display_name,
            role: u.role.as_str(),
            active: u.active,
            created_at: u.created_at.to_jst_display(),
        }
    }
}

/// What the users page shows once after an action: a flash, an error, or
/// a reset link just issued (shown to the administrator this one time).
#[derive(Debug, Default)]
pub(super) struct UsersNote {
    pub flash: Option<&'static str>,
    pub error: Option<ApiError>,
    pub reset: Option<(String, String, String)>,
}

/// The users page of organisation `org` (the caller's by default).
pub(super) async fn users_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    org: Option<i64>,
    note: UsersNote,
) -> Response {
    let UsersNote {
        flash,
        error,
        reset,
    } = note;
    let Some(org) = org.map(OrgId).or(p.viewer().org) else {
        return error_page(s, p, lang, ApiError::unauthorized()).await;
    };
    if !renkei_core::can_administer(&p.actor, org) {
        return error_page(
            s,
            p,
            lang,
            ApiError::forbidden("only administrators manage users").with_code("admin-only", &[]),
        )
        .await;
    }
    let (users, orgs) = match (
        s.store.list_users(Some(org)).await,
        s.store.list_orgs().await,
    ) {
        (Ok(u), Ok(o)) => (u, o),
        (Err(e), _) | (_, Err(e)) => return error_page(s, p, lang, e.into()).await,
    };
    let me = p.user.as_ref().map(|u| u.id);
    let users: Vec<UserRow> = users.into_iter().map(|u| UserRow::new(u, me)).collect();
    let reset = reset.map(|(email, url, expires)| context! { email, url, expires });
    let org_rows: Vec<_> = orgs
        .iter()
        .filter(|o| renkei_core::can_administer(&p.actor, o.id))
        .map(|o| context! { id => o.id.0, name => org_name(o, lang), selected => o.id == org })
        .collect();
    let roles: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let l = layout(s, p, lang, "/admin/users").await;
    render(
        s,
        status,
        "users.html",
        context! { l, users, orgs => org_rows, org_id => org.0, roles, flash, reset,
        error => error_ctx(error) },
    )
}

async fn users_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(f): Query<AdminQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/users") {
        return r;
    }
    let note = UsersNote {
        flash: flash_key(f.ok.as_deref()),
        ..UsersNote::default()
    };
    users_view(&s, &p, lang, f.org, note).await
}

#[derive(Deserialize)]
struct UserForm {
    csrf: String,
    org_id: Option<i64>,
    email: String,
    display_name: String,
    role: String,
}

impl PortalForm for UserForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Adds a user without a password anyone typed: the account gets a
/// random one nobody knows, and the page shows the one-time reset link
/// with which the person sets their own.
async fn users_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    headers: axum::http::HeaderMap,
    CsrfForm(f): CsrfForm<UserForm>,
) -> Response {
    let unknown = auth::random_secret();
    let created = new_user(
        &s,
        &p,
        f.org_id,
        &f.email,
        &f.display_name,
        &f.role,
        &unknown,
    )
    .await;
    let note = match created {
        Ok(u) => match super::lifecycle::issue_reset(&s, &p, &headers, u.id).await {
            Ok((url, expires)) => UsersNote {
                flash: Some("flash-user-created"),
                reset: Some((u.email.to_string(), url, expires.to_jst_display())),
                ..UsersNote::default()
            },
            Err(e) => UsersNote {
                error: Some(e),
                ..UsersNote::default()
            },
        },
        Err(e) => UsersNote {
            error: Some(e),
            ..UsersNote::default()
        },
    };
    users_view(&s, &p, lang, f.org_id, note).await
}
