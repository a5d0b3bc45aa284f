//! Shared items: free-form notes under an explicit TLP and audience,
//! amended by adding versions. REST endpoints, the portal's home page (the
//! items one may read) and an item's page with its versions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use minijinja::context;
use minijinja::value::Value;
use renkei_core::model::Item;
use renkei_core::{Audience, CommunityId, Marking, OrgId, Pap, ParseError, Sector, Tlp, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::i18n::Lang;
use crate::http::json::ApiJson;
use crate::http::page::{error_page, layout, login_redirect, org_name, render, tlp_class};

type ApiResult<T> = Result<T, ApiError>;

#[derive(OpenApi)]
#[openapi(
    paths(list_items, create_item, get_item, item_versions, amend_item),
    tags((name = TAG, description = "Shared items: free-form notes shared under an explicit TLP 2.0 level (and optional PAP) with an audience of communities, sectors, organisations and named people. Items are never overwritten: amending adds a version."))
)]
pub(super) struct Doc;

/// These operations' tag in the OpenAPI document.
const TAG: &str = "items";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/items", get(list_items).post(create_item))
        .route("/api/v1/items/{id}", get(get_item))
        .route(
            "/api/v1/items/{id}/versions",
            get(item_versions).post(amend_item),
        )
        .route("/", get(home))
        .route("/items/{id}", get(item_page))
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceView {
    #[serde(default)]
    pub communities: Vec<i64>,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub orgs: Vec<i64>,
    #[serde(default)]
    pub users: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub body: String,
    /// CLEAR, GREEN, AMBER, AMBER+STRICT, RED
    pub tlp: String,
    pub pap: Option<String>,
    pub audience: AudienceView,
    pub owner_org_id: i64,
    pub created_by: Option<i64>,
    pub created_at: String,
}

impl From<Item> for ItemView {
    fn from(i: Item) -> Self {
        let a = i.marking.audience;
        Self {
            id: i.id,
            version: i.version,
            title: i.title,
            body: i.body,
            tlp: i.marking.tlp.as_str().into(),
            pap: i.marking.pap.map(|p| p.as_str().into()),
            audience: AudienceView {
                communities: a.communities.iter().map(|c| c.0).collect(),
                sectors: a.sectors.iter().map(|s| s.to_string()).collect(),
                orgs: a.orgs.iter().map(|o| o.0).collect(),
                users: a.users.iter().map(|u| u.0).collect(),
            },
            owner_org_id: i.marking.owner_org.0,
            created_by: i.marking.created_by.map(|u| u.0),
            created_at: i.created_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewItemRequest {
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// Required: sharing without choosing a TLP level is refused.
    pub tlp: String,
    pub pap: Option<String>,
    /// Who the item is shared with, besides your organisation. An item is
    /// in no collection, so nothing is added: left empty, TLP:GREEN reaches
    /// every member organisation and TLP:AMBER and AMBER+STRICT your
    /// organisation only; TLP:RED needs named users.
    #[serde(default)]
    pub audience: AudienceView,
}

impl NewItemRequest {
    /// The item as shared by `owner` in the name of `by`.
    pub fn parse(
        self,
        owner: OrgId,
        by: Option<UserId>,
    ) -> Result<renkei_core::model::NewItem, ParseError> {
        let audience = Audience {
            communities: self
                .audience
                .communities
                .into_iter()
                .map(CommunityId)
                .collect(),
            sectors: self
                .audience
                .sectors
                .iter()
                .map(|s| Sector::parse(s))
                .collect::<Result<_, _>>()?,
            orgs: self.audience.orgs.into_iter().map(OrgId).collect(),
            users: self.audience.users.into_iter().map(UserId).collect(),
        };
        let item = renkei_core::model::NewItem {
            title: self.title,
            body: self.body,
            marking: Marking {
                tlp: Tlp::parse(&self.tlp)?,
                pap: self
                    .pap
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| Pap::parse(&p))
                    .transpose()?,
                audience,
                owner_org: owner,
                created_by: by,
            },
        };
        item.check()?;
        Ok(item)
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// At most this many (1–1000, default 100).
    pub limit: Option<i64>,
}

/// Shared items the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/items", tag = TAG, params(ListParams), responses((status = 200, body = [ItemView])), security(("bearer" = [])))]
pub async fn list_items(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<ItemView>>> {
    let items = s.store.list_items(&p.actor, q.limit.unwrap_or(100)).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

/// Shares an item with an explicit TLP level and audience.
#[utoipa::path(post, path = "/api/v1/items", tag = TAG, request_body = NewItemRequest, responses((status = 201, body = ItemView), (status = 422, description = "invalid field")), security(("bearer" = [])))]
pub async fn create_item(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewItemRequest>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    p.require()?;
    let owner = p.viewer().org.ok_or_else(ApiError::unauthorized)?;
    let item = r.parse(owner, p.viewer().user)?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.share_item(&p.actor, item).await?.into()),
    ))
}

/// An item's latest version the caller may read.
#[utoipa::path(get, path = "/api/v1/items/{id}", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = ItemView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn get_item(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ItemView>> {
    Ok(Json(s.store.get_item(&p.actor, id).await?.into()))
}

/// Every version of an item the caller may read.
#[utoipa::path(get, path = "/api/v1/items/{id}/versions", tag = TAG, params(("id" = i64, Path)), responses((status = 200, body = [ItemView])), security(("bearer" = [])))]
pub async fn item_versions(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ItemView>>> {
    Ok(Json(
        s.store
            .item_versions(&p.actor, id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Amends an item by adding a version; earlier versions stay.
#[utoipa::path(post, path = "/api/v1/items/{id}/versions", tag = TAG, params(("id" = i64, Path)), request_body = NewItemRequest, responses((status = 201, body = ItemView)), security(("bearer" = [])))]
pub async fn amend_item(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<NewItemRequest>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    p.require()?;
    let owner = p.viewer().org.ok_or_else(ApiError::unauthorized)?;
    let item = r.parse(owner, p.viewer().user)?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.amend_item(&p.actor, id, item).await?.into()),
    ))
}

// -- shared items ------------------------------------------------------------
#[derive(Serialize)]
struct ItemRow {
    id: i64,
    version: i64,
    title: String,
    body: String,
    tlp: &'static str,
    tlp_class: &'static str,
    pap: Option<&'static str>,
    owner: String,
    created_at: String,
    audience: Vec<String>,
}

async fn item_rows(
    s: &AppState,
    lang: Lang,
    items: Vec<renkei_core::model::Item>,
) -> Result<Vec<ItemRow>, ApiError> {
    let orgs = s.store.list_orgs().await?;
    let communities = s.store.list_communities().await?;
    // Named recipients, shown by name: only people the reader may already see
    // as recipients of this very item.
    let mut users = Vec::new();
    for id in items.iter().flat_map(|i| i.marking.audience.users.iter()) {
        if !users.iter().any(|u: &renkei_core::model::User| u.id == *id) {
            users.push(s.store.get_user(*id).await?);
        }
    }
    let name = |id: OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| org_name(o, lang))
    };
    Ok(items
        .into_iter()
        .map(|i| {
            let a = &i.marking.audience;
            let mut audience: Vec<String> = a
                .communities
                .iter()
                .map(|c| {
                    communities.iter().find(|x| x.id == *c).map_or_else(
                        || c.to_string(),
                        |x| {
                            if lang == Lang::Ja {
                                x.name_ja.clone()
                            } else {
                                x.name_en.clone()
                            }
                        },
                    )
                })
                .collect();
            audience.extend(
                a.sectors
                    .iter()
                    .map(|x| s.i18n.get(lang, &format!("sector-{x}"), None)),
            );
            audience.extend(a.orgs.iter().map(|o| name(*o)));
            audience.extend(a.users.iter().map(|u| {
                users
                    .iter()
                    .find(|x| x.id == *u)
                    .map_or_else(|| format!("user:{u}"), |x| x.display_name.clone())
            }));
            ItemRow {
                id: i.id,
                version: i.version,
                title: i.title,
                body: i.body,
                tlp: i.marking.tlp.as_str(),
                tlp_class: tlp_class(i.marking.tlp),
                pap: i.marking.pap.map(|p| p.as_str()),
                owner: name(i.marking.owner_org),
                created_at: i.created_at.to_jst_display(),
                audience,
            }
        })
        .collect())
}

#[derive(Deserialize)]
struct HomeQuery {
    /// `terms-accepted` after the banner's button.
    ok: Option<String>,
}

async fn home(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<HomeQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/") {
        return r;
    }
    let rows = match s.store.list_items(&p.actor, 50).await {
        Ok(items) => item_rows(&s, lang, items).await,
        Err(e) => Err(e.into()),
    };
    let terms = match pending_terms(&s, &p, lang).await {
        Ok(t) => t,
        Err(e) => return error_page(&s, &p, lang, e).await,
    };
    let accepted = q.ok.as_deref() == Some("terms-accepted");
    match rows {
        Ok(items) => {
            let l = layout(&s, &p, lang, "/").await;
            let can_accept = p.viewer().role == Some(renkei_core::Role::Admin);
            render(
                &s,
                StatusCode::OK,
                "home.html",
                context! { l, items, terms, can_accept, accepted },
            )
        }
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

/// The first steps of a member: each community whose current terms the
/// user's organisation has not accepted, with the terms' text.
pub(super) async fn pending_terms(
    s: &AppState,
    p: &Principal,
    lang: Lang,
) -> Result<Vec<Value>, ApiError> {
    let Some(org) = p.viewer().org else {
        return Ok(Vec::new());
    };
    let memberships = s.store.org_memberships(org).await?;
    let open: Vec<_> = memberships
        .iter()
        .filter(|m| m.ended_at.is_none())
        .collect();
    if open.is_empty() {
        return Ok(Vec::new());
    }
    let communities = s.store.list_communities().await?;
    Ok(open
        .iter()
        .filter_map(|m| {
            let c = communities.iter().find(|c| c.id == m.community)?;
            let current = m
                .accepted
                .as_ref()
                .is_some_and(|a| a.terms_version == c.terms_version);
            (!current).then(|| {
                context! {
                    membership => m.id,
                    community => if lang == Lang::Ja { c.name_ja.clone() } else { c.name_en.clone() },
                    version => c.terms_version.clone(),
                    text => c.terms_text.clone(),
                    renewed => m.accepted.is_some(),
                }
            })
        })
        .collect())
}

async fn item_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
) -> Response {
    let path = format!("/items/{id}");
    if let Some(r) = login_redirect(&p, &path) {
        return r;
    }
    let versions = match s.store.item_versions(&p.actor, id).await {
        Ok(v) => item_rows(&s, lang, v).await,
        Err(e) => Err(e.into()),
    };
    match versions {
        Ok(mut versions) => {
            versions.reverse();
            let l = layout(&s, &p, lang, &path).await;
            render(
                &s,
                StatusCode::OK,
                "item.html",
                context! { l, item => versions.first(), versions },
            )
        }
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}
