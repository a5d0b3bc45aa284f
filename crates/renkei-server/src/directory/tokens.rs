//! API tokens for machine-to-machine use: an organisation's administrators
//! list them and create them (the secret is shown once, only its hash kept).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use renkei_core::OrgId;
use utoipa::OpenApi;

use super::views::{NewTokenRequest, OrgFilter, TokenView, parse_role};
use crate::http::AppState;
use crate::http::auth::{self, Principal};
use crate::http::error::ApiError;
use crate::http::json::ApiJson;

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(paths(list_tokens, create_token))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/tokens", get(list_tokens).post(create_token))
}

/// API tokens of an organisation (its administrators).
#[utoipa::path(get, path = "/api/v1/tokens", params(OrgFilter), responses((status = 200, body = [TokenView])), security(("bearer" = [])))]
pub async fn list_tokens(
    State(s): State<AppState>,
    p: Principal,
    Query(f): Query<OrgFilter>,
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
#[utoipa::path(post, path = "/api/v1/tokens", request_body = NewTokenRequest, responses((status = 201, body = TokenView)), security(("bearer" = [])))]
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
    let role = parse_role(&r.role)?;
    let secret = format!("{}{}", auth::TOKEN_PREFIX, auth::random_secret());
    let t = s
        .store
        .create_api_token(&p.actor, org, &r.name, role, &auth::secret_hash(&secret))
        .await?;
    let mut v = TokenView::from(t);
    v.secret = Some(secret);
    Ok((StatusCode::CREATED, Json(v)))
}
