//! Sharing intelligence: TAXII 2.1, imports, look-ups, search, exports,
//! sightings, warning lists, notifications, shared items and webhooks, over
//! REST and on the portal. The room's public face is its HTTP-free service
//! (`service.rs`), which the command line uses too.

mod api;
pub mod exports;
mod exports_page;
mod forms;
mod import_form;
mod imports;
mod items;
mod misp;
mod notices;
mod pages;
mod readable;
pub mod recipients;
mod service;
mod share_form;
pub mod taxii;
mod views;
mod warninglists;
pub mod webhooks;

use axum::Router;
use utoipa::OpenApi;

pub use exports::{
    ExportError, ExportSink, IndicatorExport, export, export_bundle, visible_collections,
};
pub use misp::{MispShareOptions, MispShared, read_misp, share_misp, share_misp_import};
pub use service::{
    ShareError, ShareOptions, audience_for, default_collection, derived_id_key, index_entries,
    new_version, share_objects, share_objects_to, share_values, warning_lists,
};

use crate::http::AppState;

pub(crate) fn routes(taxii_max_content_length: usize) -> Router<AppState> {
    Router::new()
        .merge(items::routes())
        .merge(api::routes())
        .merge(imports::routes())
        .merge(warninglists::routes())
        .merge(pages::routes())
        .merge(notices::routes())
        .merge(import_form::routes())
        .merge(share_form::routes())
        .merge(exports_page::routes())
        .merge(taxii::routes(taxii_max_content_length))
        .merge(webhooks::routes())
}

/// The webhook paths are written relative to `/api/v1`.
#[derive(OpenApi)]
#[openapi(nest((path = "/api/v1", api = webhooks::WebhookDoc)))]
struct WebhooksNested;

/// The share room's part of the OpenAPI document.
pub(crate) fn api_doc() -> utoipa::openapi::OpenApi {
    let mut doc = items::Doc::openapi();
    doc.merge(api::Doc::openapi());
    doc.merge(imports::Doc::openapi());
    doc.merge(warninglists::Doc::openapi());
    doc.merge(WebhooksNested::openapi());
    doc
}
