//! The webhook REST endpoints: an organisation's administrators register,
//! list and disable webhooks and read their deliveries.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use renkei_core::{OrgId, Timestamp};
use renkei_store::webhooks::{Delivery, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::sign::new_secret;
use super::ssrf::{check_target, parse_url};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::i18n::api_lang;
use crate::http::json::ApiJson;
use crate::sealed;

// -- REST ----------------------------------------------------------------------
/// The webhook paths, nested into the share room's document under `/api/v1`
/// (hence the relative paths in the `utoipa::path` attributes below).
#[derive(OpenApi, Debug)]
#[openapi(
    paths(list_webhooks, create_webhook, disable_webhook, list_deliveries),
    tags((name = TAG, description = "An organisation's webhooks, for its administrators: each new object the organisation may read is announced by a signed POST (`X-Renkei-Signature`, HMAC-SHA256 with the secret shown once at creation), retried with backoff; deliveries can be read back."))
)]
pub(crate) struct WebhookDoc;

/// These operations' tag in the OpenAPI document.
const TAG: &str = "webhooks";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list_webhooks).post(create_webhook))
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::delete(disable_webhook),
        )
        .route("/api/v1/webhooks/{id}/deliveries", get(list_deliveries))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub org_id: i64,
    pub url: String,
    pub created_at: String,
    pub disabled: bool,
    /// HMAC key for `X-Renkei-Signature`; shown once, at creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            org_id: w.org,
            url: w.url,
            created_at: Timestamp(w.created_at).to_rfc3339(),
            disabled: w.disabled,
            secret: None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookRequest {
    /// `http://` or `https://`, at most 2,000 characters.
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub object_count: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            status: d.status,
            attempts: d.attempts,
            object_count: d.object_count,
            next_attempt_at: d.next_attempt_at.map(|t| Timestamp(t).to_rfc3339()),
            last_error: d.last_error,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// At most this many, newest first (1–1000, default 100).
    pub limit: Option<i64>,
}

/// The caller's organisation, which the caller administers.
fn admin_org(p: &Principal) -> Result<OrgId, ApiError> {
    p.require()?;
    let org = p
        .viewer()
        .org
        .ok_or_else(|| ApiError::forbidden("webhooks belong to an organisation"))?;
    if !renkei_core::can_administer(&p.actor, org) {
        return Err(ApiError::forbidden(
            "only organisation administrators manage webhooks",
        ));
    }
    Ok(org)
}

/// The organisation's webhooks (its administrators); secrets are not shown.
#[utoipa::path(get, path = "/webhooks", tag = TAG, responses((status = 200, body = [WebhookView]), (status = 403, description = "not an organisation administrator")), security(("bearer" = [])))]
pub async fn list_webhooks(
    State(s): State<AppState>,
    p: Principal,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    let org = admin_org(&p)?;
    Ok(Json(
        s.store
            .list_webhooks(Some(org.0))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Registers a webhook for the caller's organisation; the signing secret is
/// in this response only.
#[utoipa::path(post, path = "/webhooks", tag = TAG, request_body = NewWebhookRequest, responses((status = 201, body = WebhookView), (status = 403, description = "not an organisation administrator"), (status = 422, description = "invalid url")), security(("bearer" = [])))]
pub async fn create_webhook(
    State(s): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    ApiJson(r): ApiJson<NewWebhookRequest>,
) -> Result<(StatusCode, Json<WebhookView>), ApiError> {
    let org = admin_org(&p)?;
    let url = parse_url(&r.url)?;
    check_target(&url, s.settings.webhook_allow_private).map_err(|refused| {
        let mut e = ApiError::coded(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid input",
            "webhook-address-refused",
            api_lang(&headers),
            &[
                ("address", &refused.address.to_string()),
                ("range", &refused.range),
            ],
        );
        e.field = Some("url".into());
        e
    })?;
    let key = s.settings.webhook_seal_key().map_err(|e| {
        tracing::error!(error = %e, "webhook_secret_key");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the server could not complete the request",
        )
    })?;
    let secret = new_secret();
    let stored = sealed::store_form(key.as_ref(), org.0, &secret);
    let w = s.store.create_webhook(&p.actor, &url, &stored).await?;
    let mut v = WebhookView::from(w);
    v.secret = Some(secret);
    Ok((StatusCode::CREATED, Json(v)))
}

/// Disables a webhook: nothing more is announced, pending deliveries fail.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 204, description = "disabled"), (status = 404, description = "not the organisation's, or already disabled")), security(("bearer" = [])))]
pub async fn disable_webhook(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    admin_org(&p)?;
    s.store.disable_webhook(&p.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's deliveries, newest first (without their payloads).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = TAG, params(("id" = i64, Path), DeliveryParams), responses((status = 200, body = [DeliveryView]), (status = 404, description = "not the organisation's")), security(("bearer" = [])))]
pub async fn list_deliveries(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DeliveryParams>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    let org = admin_org(&p)?;
    let own = s.store.list_webhooks(Some(org.0)).await?;
    if !own.iter().any(|w| w.id == id) {
        return Err(ApiError::not_found("webhook"));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        s.store
            .list_deliveries(id, limit)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}
