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
use utoipa::{OpenApi, ToSchema};

use super::api::parse_value;
use super::pages::{FlashQuery, time};
use super::views::{BuiltinListView, WarningEntryAddedView, WarningEntryView, WarningListsView};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::ApiPath;
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;
use crate::http::messages::{self, Localized};
use crate::http::page::{
    CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, render,
};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    paths(list_warninglists, add_warning_entry, remove_warning_entry),
    tags((name = TAG, description = "Warning lists: known-benign values (documentation and private ranges, public resolvers, large services) built in, and each organisation's own entries. Look-ups name the lists a value falls into; organisation administrators and reporters add and remove their organisation's entries."))
)]
pub(super) struct Doc;

/// These operations' tag in the OpenAPI document.
const TAG: &str = "warning-lists";

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
#[utoipa::path(get, path = "/api/v1/warninglists", tag = TAG, responses((status = 200, body = WarningListsView)), security(("bearer" = [])))]
pub async fn list_warninglists(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<WarningListsView>> {
    p.require()?;
    let builtin = renkei_core::warning::builtin();
    let entries = match p.viewer().org {
        Some(o) => s.store.list_warning_entries(o.0).await?,
        None => Vec::new(),
    };
    Ok(Json(WarningListsView {
        builtin: builtin
            .iter()
            .map(|l| BuiltinListView {
                key: l.key.clone(),
                description: l.description.clone(),
                entries: l.entries.len(),
            })
            .collect(),
        entries: entries.iter().map(WarningEntryView::from).collect(),
    }))
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
#[utoipa::path(post, path = "/api/v1/warninglists/entries", tag = TAG, request_body = WarningEntryRequest, responses((status = 201, body = WarningEntryAddedView), (status = 403, description = "not an administrator or reporter of an organisation")), security(("bearer" = [])))]
pub async fn add_warning_entry(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<WarningEntryRequest>,
) -> ApiResult<(StatusCode, Json<WarningEntryAddedView>)> {
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
        Json(WarningEntryAddedView {
            id: e.id,
            list: e.list_key,
            value: e.value.value().to_owned(),
        }),
    ))
}

/// Removes one of the caller's organisation's entries (stamped removed, kept).
#[utoipa::path(delete, path = "/api/v1/warninglists/entries/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 204, description = "removed"), (status = 404, description = "not an entry of the caller's organisation")), security(("bearer" = [])))]
pub async fn remove_warning_entry(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
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
        .map(|b| context! { key => b.key.clone(), description => Localized::value(|lang| messages::warning_list(lang, &b.key, &b.description)), entries => b.entries.len() })
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
