//! Warning lists: the built-in lists of known-benign values and each
//! organisation's own entries, over REST and on the portal page where
//! reporters and administrators add and remove them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use minijinja::context;
use minijinja::value::Value;
use serde::Deserialize;
use serde_json::json;
use utoipa::{OpenApi, ToSchema};

use super::api::{TAG, parse_value};
use super::pages::{FlashQuery, time};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;
use crate::http::page::{
    CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, render,
};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(paths(list_warninglists, add_warning_entry, remove_warning_entry))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/warninglists", get(list_warninglists))
        .route("/api/v1/warninglists/entries", post(add_warning_entry))
        .route(
            "/api/v1/warninglists/entries/{id}",
            delete(remove_warning_entry),
        )
        .route(
            "/intel/warninglists",
            get(warninglists_page).post(warning_add),
        )
        .route("/intel/warninglists/{id}/remove", post(warning_remove))
}

/// The warning lists in force for the caller: built-in ones and its own
/// organisation's entries.
#[utoipa::path(get, path = "/api/v1/warninglists", tag = TAG, responses((status = 200, description = "lists")), security(("bearer" = [])))]
pub async fn list_warninglists(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<serde_json::Value>> {
    p.require()?;
    let builtin = renkei_core::warning::builtin();
    let entries = match p.viewer().org {
        Some(o) => s.store.list_warning_entries(o.0).await?,
        None => Vec::new(),
    };
    Ok(Json(json!({
        "builtin": builtin.iter().map(|l| json!({"key": l.key, "description": l.description, "entries": l.entries.len()})).collect::<Vec<_>>(),
        "entries": entries.iter().map(|e| json!({
            "id": e.id, "list": e.list_key, "description": e.description,
            "type": e.value.kind().as_str(), "value": e.value.value(), "org": e.org,
        })).collect::<Vec<_>>(),
    })))
}

/// A member's warning-list entry.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WarningEntryRequest {
    /// List key (`a-z`, `0-9`, `-`), e.g. `our-cdn`.
    pub list: String,
    pub description: Option<String>,
    pub value: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Adds a known-benign value to a warning list (organisation administrators).
#[utoipa::path(post, path = "/api/v1/warninglists/entries", tag = TAG, request_body = WarningEntryRequest, responses((status = 201, description = "added"), (status = 403, description = "not an administrator")), security(("bearer" = [])))]
pub async fn add_warning_entry(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<WarningEntryRequest>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    p.require()?;
    let v = parse_value(&r.value, r.kind.as_deref())?;
    renkei_core::warning::check_entry(&v).map_err(|e| ApiError::field("value", e.to_string()))?;
    let e = s
        .store
        .add_warning_entry(
            &p.actor,
            &r.list,
            r.description.as_deref().unwrap_or_default(),
            &v,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": e.id, "list": e.list_key, "value": e.value.value()})),
    ))
}

#[utoipa::path(delete, path = "/api/v1/warninglists/entries/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 204, description = "removed")), security(("bearer" = [])))]
pub async fn remove_warning_entry(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    p.require()?;
    s.store.remove_warning_entry(&p.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The warning-list form as submitted (every field optional, so a missing
/// one is named by the check that needs it rather than by a form rejection).
#[derive(Debug, Default, Deserialize)]
struct WarningForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    value: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    description: String,
}

impl PortalForm for WarningForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The button removing an entry, on the warning-list page.
#[derive(Deserialize)]
struct RemoveForm {
    csrf: String,
}

impl PortalForm for RemoveForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/intel/warninglists".to_owned()
    }
}

/// Built-in lists and the organisation's own entries, with the add form.
async fn warninglists_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    flash: Option<&'static str>,
    form: &WarningForm,
    error: Option<ApiError>,
) -> Response {
    let entries = match p.viewer().org {
        Some(o) => match s.store.list_warning_entries(o.0).await {
            Ok(e) => e,
            Err(e) => return error_page(s, p, lang, e.into()).await,
        },
        None => Vec::new(),
    };
    let entries: Vec<Value> = entries
        .iter()
        .map(|e| {
            context! {
                id => e.id, list => e.list_key.clone(), kind => e.value.kind().as_str(),
                value => e.value.value().to_owned(), description => e.description.clone(),
                added => time(e.created_at),
            }
        })
        .collect();
    let builtin: Vec<Value> = renkei_core::warning::builtin()
        .iter()
        .map(|b| context! { key => b.key.clone(), description => b.description.clone(), entries => b.entries.len() })
        .collect();
    let kinds: Vec<&str> = renkei_core::ValueKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let l = layout(s, p, lang, "/intel/warninglists").await;
    render(
        s,
        status,
        "warninglists.html",
        context! {
            l, entries, builtin, kinds, flash, error => error_ctx(error),
            form => context! { list => form.list.clone(), value => form.value.clone(), type => form.kind.clone(), description => form.description.clone() },
        },
    )
}

async fn warninglists_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<FlashQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel/warninglists") {
        return r;
    }
    let flash = match q.ok.as_deref() {
        Some("warning-added") => Some("warning-added"),
        Some("warning-removed") => Some("warning-removed"),
        _ => None,
    };
    warninglists_view(&s, &p, lang, flash, &WarningForm::default(), None).await
}

/// Adds a known-benign value for the organisation (the store lets
/// reporters and administrators do so, and audits it).
async fn warning_add(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<WarningForm>,
) -> Response {
    let result: Result<(), ApiError> = async {
        let v = parse_value(&f.value, Some(&f.kind))?;
        renkei_core::warning::check_entry(&v)
            .map_err(|e| ApiError::field("value", e.to_string()))?;
        s.store
            .add_warning_entry(&p.actor, &f.list, &f.description, &v)
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/intel/warninglists?ok=warning-added").into_response(),
        Err(e) => warninglists_view(&s, &p, lang, None, &f, Some(e)).await,
    }
}

/// Removes one of the organisation's entries (stamped removed, kept).
async fn warning_remove(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<RemoveForm>,
) -> Response {
    match s.store.remove_warning_entry(&p.actor, id).await {
        Ok(()) => Redirect::to("/intel/warninglists?ok=warning-removed").into_response(),
        Err(e) => {
            warninglists_view(&s, &p, lang, None, &WarningForm::default(), Some(e.into())).await
        }
    }
}
