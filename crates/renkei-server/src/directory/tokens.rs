//! API tokens for machine-to-machine use: an organisation's administrators
//! list them, create them (the secret is shown once, only its hash kept)
//! and revoke them; REST endpoints and the tokens page.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minijinja::context;
use renkei_core::{OrgId, Role};
use serde::Deserialize;
use utoipa::OpenApi;

use super::views::{NewTokenRequest, OrgFilter, TOKENS_TAG, TokenView, flash_key, parse_role};
use crate::http::AppState;
use crate::http::auth::{self, Principal};
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;
use crate::http::page::{
    AdminQuery, CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, org_name,
    render,
};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    paths(list_tokens, create_token, revoke_token),
    tags((name = TOKENS_TAG, description = "API tokens for machine clients (`Authorization: Bearer …`), each acting for its organisation with a role; the secret is shown once, at creation. Revocation applies to the next request."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/tokens", get(tokens_page).post(tokens_create))
        .route("/admin/tokens/{id}/revoke", post(tokens_revoke))
}

/// API tokens of an organisation (its administrators).
#[utoipa::path(get, path = "/api/v1/tokens", tag = TOKENS_TAG, params(OrgFilter), responses((status = 200, body = [TokenView])), security(("bearer" = [])))]
pub async fn list_tokens(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(f): ApiQuery<OrgFilter>,
) -> ApiResult<Json<Vec<TokenView>>> {
    p.require()?;
    let org = f.administered(&p, "only administrators list tokens")?;
    Ok(Json(
        s.store
            .list_api_tokens(org)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a bearer token for machine-to-machine use; the secret is returned once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = TOKENS_TAG, request_body = NewTokenRequest, responses((status = 201, body = TokenView)), security(("bearer" = [])))]
pub async fn create_token(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenView>)> {
    p.require()?;
    let org = r
        .org_id
        .map(OrgId)
        .or(p.viewer().org)
        .ok_or_else(|| ApiError::field("org_id", "required"))?;
    let v = new_token(&s, &p, org, &r.name, &r.role).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Shared by the API and the portal form: the view carries the secret.
async fn new_token(
    s: &AppState,
    p: &Principal,
    org: OrgId,
    name: &str,
    role: &str,
) -> ApiResult<TokenView> {
    let role = parse_role(role)?;
    let secret = format!("{}{}", auth::TOKEN_PREFIX, auth::random_secret());
    let t = s
        .store
        .create_api_token(&p.actor, org, name, role, &auth::secret_hash(&secret))
        .await?;
    let mut v = TokenView::from(t);
    v.secret = Some(secret);
    Ok(v)
}

/// Revokes a token at once: its next request is refused. Administrators of
/// its organisation, or the person who created it.
#[utoipa::path(post, path = "/api/v1/tokens/{id}/revoke", tag = TOKENS_TAG, params(("id" = i64, Path)), responses((status = 200, body = TokenView), (status = 404, description = "no such live token, or not one the caller may revoke")), security(("bearer" = [])))]
pub async fn revoke_token(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TokenView>> {
    p.require()?;
    Ok(Json(s.store.revoke_api_token(&p.actor, id).await?.into()))
}

/// The tokens page of organisation `org`, with a flash, an error, or the
/// secret of a token just created (shown this once).
async fn tokens_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    org: Option<i64>,
    flash: Option<&'static str>,
    outcome: Result<Option<TokenView>, ApiError>,
) -> Response {
    let filter = OrgFilter { org };
    let org = match filter.administered(p, "only administrators manage tokens") {
        Ok(o) => o,
        Err(e) => return error_page(s, p, lang, e).await,
    };
    let (tokens, orgs) = match (
        s.store.list_api_tokens(org).await,
        s.store.list_orgs().await,
    ) {
        (Ok(t), Ok(o)) => (t, o),
        (Err(e), _) | (_, Err(e)) => return error_page(s, p, lang, e.into()).await,
    };
    let rows: Vec<_> = tokens
        .into_iter()
        .rev()
        .map(|t| {
            context! { id => t.id, name => t.name, role => t.role.as_str(),
            created_at => t.created_at.to_jst_display(),
            revoked_at => t.revoked_at.map(|r| r.to_jst_display()) }
        })
        .collect();
    let org_rows: Vec<_> = orgs
        .iter()
        .filter(|o| renkei_core::can_administer(&p.actor, o.id))
        .map(|o| context! { id => o.id.0, name => org_name(o, lang), selected => o.id == org })
        .collect();
    let (created, error) = match outcome {
        Ok(c) => (
            c.map(|v| context! { name => v.name, secret => v.secret }),
            None,
        ),
        Err(e) => (None, Some(e)),
    };
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let roles = [Role::Reporter.as_str(), Role::Viewer.as_str()];
    let l = layout(s, p, lang, "/admin/tokens").await;
    render(
        s,
        status,
        "tokens.html",
        context! { l, tokens => rows, orgs => org_rows, org_id => org.0, roles, flash,
        created, error => error_ctx(error) },
    )
}

async fn tokens_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(f): Query<AdminQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/tokens") {
        return r;
    }
    let flash = flash_key(f.ok.as_deref());
    tokens_view(&s, &p, lang, f.org, flash, Ok(None)).await
}

#[derive(Deserialize)]
struct TokenForm {
    csrf: String,
    org_id: i64,
    name: String,
    role: String,
}

impl PortalForm for TokenForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn tokens_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> Response {
    // The secret is on this page only: not a redirect, whose URL would carry it.
    let created = new_token(&s, &p, OrgId(f.org_id), &f.name, &f.role).await;
    tokens_view(&s, &p, lang, Some(f.org_id), None, created.map(Some)).await
}

#[derive(Deserialize)]
struct RevokeForm {
    csrf: String,
    org_id: i64,
}

impl PortalForm for RevokeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/admin/tokens".to_owned()
    }
}

async fn tokens_revoke(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RevokeForm>,
) -> Response {
    match s.store.revoke_api_token(&p.actor, id).await {
        Ok(t) => {
            Redirect::to(&format!("/admin/tokens?ok=token-revoked&org={}", t.org)).into_response()
        }
        Err(e) => tokens_view(&s, &p, lang, Some(f.org_id), None, Err(e.into())).await,
    }
}
