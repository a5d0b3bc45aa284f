//! What operators and orchestrators call: liveness, readiness and the
//! Prometheus metrics, which are never open to anyone: they need the
//! `metrics_token` bearer token, or are served on `metrics_listen` only.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;

use secrecy::ExposeSecret;

use crate::http::AppState;
use crate::http::auth::same_secret;
use crate::http::error::ApiError;
use crate::http::i18n::api_lang;

/// The operations part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(healthz, readyz),
    tags((name = TAG, description = "What operators and orchestrators call: liveness and readiness, without authentication. (The Prometheus metrics at `/metrics` need the configured `metrics_token` and are not part of this API.)"))
)]
pub(crate) struct Doc;

/// These operations' tag in the OpenAPI document.
const TAG: &str = "operations";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = TAG, responses((status = 200, description = "alive", body = String, content_type = "text/plain", example = "ok")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/readyz", tag = TAG, responses((status = 200, description = "ready", body = String, content_type = "text/plain", example = "ready"), (status = 503, description = "store unreachable")))]
pub async fn readyz(State(s): State<AppState>) -> Response {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            // An error like every other: problem+json.
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Not ready",
                "store unreachable",
            )
            .into_response()
        }
    }
}

/// The metrics on the main address: only with the `metrics_token` bearer
/// token; without one configured, not here at all (see `metrics_app`).
async fn metrics(State(s): State<AppState>, headers: HeaderMap) -> Response {
    if s.settings.metrics_token.is_none() {
        return ApiError::coded(
            StatusCode::NOT_FOUND,
            "Not found",
            "metrics-not-served",
            api_lang(&headers),
            &[],
        )
        .into_response();
    }
    metrics_with_token(&s, &headers)
}

/// The metrics if the request carries the configured token (or none is set).
fn metrics_with_token(s: &AppState, headers: &HeaderMap) -> Response {
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let allowed = match &s.settings.metrics_token {
        None => true,
        Some(t) => sent.is_some_and(|sent| same_secret(t.expose_secret().trim(), sent)),
    };
    if !allowed {
        return ApiError::coded(
            StatusCode::UNAUTHORIZED,
            "Authentication required",
            "metrics-token-required",
            api_lang(headers),
            &[],
        )
        .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

/// What `metrics_listen` serves: `/metrics` alone, with the token if one
/// is configured.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(s): State<AppState>, headers: HeaderMap| async move {
                metrics_with_token(&s, &headers)
            }),
        )
        .with_state(state)
}
