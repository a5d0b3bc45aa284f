//! Organisations and the supply-chain links between them: the REST
//! endpoints and the administration page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minijinja::context;
use renkei_core::{OrgId, OrgKind, Prefecture, Sector, SupplyLink};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::views::{NewOrgRequest, ORGS_TAG, OrgView, SupplyLinkView, flash_key};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;
use crate::http::page::{
    AdminQuery, CsrfForm, PortalForm, error_ctx, error_page, layout, login_redirect, org_name,
    render,
};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    paths(list_orgs, create_org, list_supply_links, create_supply_link),
    tags((name = ORGS_TAG, description = "The member directory: organisations (coordinators, operators, local governments, suppliers, vendors, security providers) and the supply-chain links between customers and their contractors. Platform administrators add them."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route(
            "/api/v1/supply-links",
            get(list_supply_links).post(create_supply_link),
        )
        .route("/admin/orgs", get(orgs_page).post(orgs_create))
        .route("/admin/links", post(link_create))
}

/// The member directory.
#[utoipa::path(get, path = "/api/v1/orgs", tag = ORGS_TAG, responses((status = 200, body = [OrgView])), security(("bearer" = [])))]
pub async fn list_orgs(State(s): State<AppState>, p: Principal) -> ApiResult<Json<Vec<OrgView>>> {
    p.require()?;
    Ok(Json(
        s.store
            .list_orgs()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Adds an organisation (platform administrators).
#[utoipa::path(post, path = "/api/v1/orgs", tag = ORGS_TAG, request_body = NewOrgRequest, responses((status = 201, body = OrgView), (status = 422, description = "invalid field")), security(("bearer" = [])))]
pub async fn create_org(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewOrgRequest>,
) -> ApiResult<(StatusCode, Json<OrgView>)> {
    p.require()?;
    let o = s.store.create_org(&p.actor, r.parse()?).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

#[utoipa::path(get, path = "/api/v1/supply-links", tag = ORGS_TAG, responses((status = 200, body = [SupplyLinkView])), security(("bearer" = [])))]
pub async fn list_supply_links(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<SupplyLinkView>>> {
    p.require()?;
    let links = s.store.list_supply_links().await?;
    Ok(Json(
        links
            .into_iter()
            .map(|l| SupplyLinkView {
                customer_org_id: l.customer.0,
                contractor_org_id: l.contractor.0,
                tier: i64::from(l.tier),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/supply-links", tag = ORGS_TAG, request_body = SupplyLinkView, responses((status = 201, body = SupplyLinkView)), security(("bearer" = [])))]
pub async fn create_supply_link(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<SupplyLinkView>,
) -> ApiResult<(StatusCode, Json<SupplyLinkView>)> {
    p.require()?;
    let link = SupplyLink::new(OrgId(r.customer_org_id), OrgId(r.contractor_org_id), r.tier)?;
    s.store.add_supply_link(&p.actor, link).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

// -- administration -------------------------------------------------------
#[derive(Serialize)]
struct OrgRow {
    id: i64,
    name: String,
    kind: &'static str,
    sector: Option<String>,
    prefecture: Option<String>,
}

async fn orgs_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    flash: Option<&'static str>,
    error: Option<ApiError>,
) -> Response {
    let orgs = match s.store.list_orgs().await {
        Ok(o) => o,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let links = s.store.list_supply_links().await.unwrap_or_default();
    let name = |id: OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| org_name(o, lang))
    };
    let org_opts: Vec<_> = orgs
        .iter()
        .map(|o| context! { id => o.id.0, name => org_name(o, lang) })
        .collect();
    let link_rows: Vec<_> = links
        .iter()
        .map(|l| context! { customer => name(l.customer), contractor => name(l.contractor), tier => l.tier })
        .collect();
    let rows: Vec<OrgRow> = orgs
        .iter()
        .map(|o| OrgRow {
            id: o.id.0,
            name: org_name(o, lang),
            kind: o.kind.as_str(),
            sector: o.sector.as_ref().map(|s| s.to_string()),
            prefecture: o.prefecture.map(|p| {
                if lang == Lang::Ja {
                    p.name_ja()
                } else {
                    p.name_en()
                }
                .to_owned()
            }),
        })
        .collect();
    let kinds: Vec<_> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    let prefectures: Vec<_> = (1..=47)
        .filter_map(|c| Prefecture::from_code(c).ok())
        .map(|p| context! { code => p.code(), name => if lang == Lang::Ja { p.name_ja() } else { p.name_en() } })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let l = layout(s, p, lang, "/admin/orgs").await;
    render(
        s,
        status,
        "orgs.html",
        context! { l, orgs => rows, org_opts, links => link_rows, kinds, sectors => Sector::KNOWN, prefectures, flash,
        error => error_ctx(error) },
    )
}

async fn orgs_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(f): Query<AdminQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/orgs") {
        return r;
    }
    orgs_view(&s, &p, lang, flash_key(f.ok.as_deref()), None).await
}

#[derive(Deserialize)]
struct OrgForm {
    csrf: String,
    name_ja: String,
    name_en: String,
    kind: String,
    sector: Option<String>,
    prefecture: Option<String>,
}

impl PortalForm for OrgForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn orgs_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<OrgForm>,
) -> Response {
    let req = NewOrgRequest {
        name_ja: f.name_ja,
        name_en: f.name_en,
        kind: f.kind,
        sector: f.sector,
        prefecture: f.prefecture,
    };
    let res = match req.parse() {
        Ok(o) => s
            .store
            .create_org(&p.actor, o)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match res {
        Ok(_) => Redirect::to("/admin/orgs?ok=org-created").into_response(),
        Err(e) => orgs_view(&s, &p, lang, None, Some(e)).await,
    }
}

#[derive(Deserialize)]
struct LinkForm {
    csrf: String,
    customer: i64,
    contractor: i64,
    tier: i64,
}

impl PortalForm for LinkForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/admin/orgs".to_owned()
    }
}

async fn link_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<LinkForm>,
) -> Response {
    let res = match renkei_core::SupplyLink::new(OrgId(f.customer), OrgId(f.contractor), f.tier) {
        Ok(link) => s
            .store
            .add_supply_link(&p.actor, link)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match res {
        Ok(()) => Redirect::to("/admin/orgs?ok=link-created").into_response(),
        Err(e) => orgs_view(&s, &p, lang, None, Some(e)).await,
    }
}
