//! The OpenAPI document, served at `/api/openapi.json`: the title, the
//! bearer scheme, and each room's own part merged in.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::http::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "renkei API", description = "Threat-information sharing under need-to-know. Writes made with a portal session cookie carry the session's CSRF token in the X-CSRF-Token header (a portal page's csrf-token meta element); JSON bodies are sent as Content-Type: application/json."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::ops::Doc::openapi());
    doc.merge(crate::directory::api_doc());
    doc.merge(crate::share::api_doc());
    doc.merge(crate::audit::Doc::openapi());
    doc
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi))
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
