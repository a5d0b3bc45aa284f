//! Communities and their member organisations, with each membership's
//! acceptance of the community's confidentiality terms: the REST endpoints
//! and the administration page.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minijinja::context;
use renkei_core::{CommunityId, OrgId, Role};
use serde::Deserialize;
use utoipa::OpenApi;

use super::views::{
    COMMUNITIES_TAG, CommunityView, MembershipView, NewCommunityRequest, NewMembershipRequest,
    flash_key,
};
use crate::http::AppState;
use crate::http::auth::Principal;
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
    paths(
        list_communities,
        create_community,
        list_memberships,
        create_membership,
        accept_membership,
        end_membership
    ),
    tags((name = COMMUNITIES_TAG, description = "Communities (the national council, sector ISACs, prefectures) and their memberships: an organisation reads what is shared with a community only once its administrator has accepted the community's current confidentiality terms, and no longer once the membership ends."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/communities",
            get(list_communities).post(create_community),
        )
        .route(
            "/api/v1/memberships",
            get(list_memberships).post(create_membership),
        )
        .route("/api/v1/memberships/{id}/accept", post(accept_membership))
        .route("/api/v1/memberships/{id}/end", post(end_membership))
        .route(
            "/admin/communities",
            get(communities_page).post(membership_create),
        )
        .route("/admin/communities/new", post(community_create))
        .route("/admin/memberships/{id}/accept", post(membership_accept))
        .route("/admin/memberships/{id}/end", post(membership_end))
}

/// Communities (council, ISACs, prefectures).
#[utoipa::path(get, path = "/api/v1/communities", tag = COMMUNITIES_TAG, responses((status = 200, body = [CommunityView])), security(("bearer" = [])))]
pub async fn list_communities(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<CommunityView>>> {
    p.require()?;
    Ok(Json(
        s.store
            .list_communities()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/communities", tag = COMMUNITIES_TAG, request_body = NewCommunityRequest, responses((status = 201, body = CommunityView)), security(("bearer" = [])))]
pub async fn create_community(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewCommunityRequest>,
) -> ApiResult<(StatusCode, Json<CommunityView>)> {
    p.require()?;
    let c = s
        .store
        .create_community(
            &p.actor,
            renkei_core::model::NewCommunity {
                name_ja: r.name_ja,
                name_en: r.name_en,
                description: r.description,
                terms_version: r.terms_version,
                terms_text: r.terms_text,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommunityFilter {
    pub community: Option<i64>,
}

/// Memberships with their acceptance of confidentiality terms.
#[utoipa::path(get, path = "/api/v1/memberships", tag = COMMUNITIES_TAG, params(CommunityFilter), responses((status = 200, body = [MembershipView])), security(("bearer" = [])))]
pub async fn list_memberships(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(f): ApiQuery<CommunityFilter>,
) -> ApiResult<Json<Vec<MembershipView>>> {
    p.require()?;
    Ok(Json(
        s.store
            .list_memberships(f.community.map(CommunityId))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/memberships", tag = COMMUNITIES_TAG, request_body = NewMembershipRequest, responses((status = 201, body = MembershipView)), security(("bearer" = [])))]
pub async fn create_membership(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewMembershipRequest>,
) -> ApiResult<(StatusCode, Json<MembershipView>)> {
    p.require()?;
    let m = s
        .store
        .add_membership(&p.actor, CommunityId(r.community_id), OrgId(r.org_id))
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// The caller (an administrator of the member organisation) accepts the
/// community's current confidentiality terms.
#[utoipa::path(post, path = "/api/v1/memberships/{id}/accept", tag = COMMUNITIES_TAG, params(("id" = i64, Path)), responses((status = 200, body = MembershipView)), security(("bearer" = [])))]
pub async fn accept_membership(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MembershipView>> {
    p.require()?;
    Ok(Json(s.store.accept_terms(&p.actor, id).await?.into()))
}

/// Ends a membership (platform administrators): from the next request on,
/// the organisation no longer reads what is shared with the community.
#[utoipa::path(post, path = "/api/v1/memberships/{id}/end", tag = COMMUNITIES_TAG, params(("id" = i64, Path)), responses((status = 200, body = MembershipView), (status = 404, description = "no such active membership")), security(("bearer" = [])))]
pub async fn end_membership(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MembershipView>> {
    p.require()?;
    Ok(Json(s.store.end_membership(&p.actor, id).await?.into()))
}

async fn communities_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    flash: Option<&'static str>,
    error: Option<ApiError>,
) -> Response {
    let (communities, memberships, orgs) = match (
        s.store.list_communities().await,
        s.store.list_memberships(None).await,
        s.store.list_orgs().await,
    ) {
        (Ok(c), Ok(m), Ok(o)) => (c, m, o),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return error_page(s, p, lang, e.into()).await;
        }
    };
    let name = |id: OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| org_name(o, lang))
    };
    let is_admin = p.viewer().role == Some(Role::Admin);
    let rows: Vec<_> = communities
        .iter()
        .map(|c| {
            let members: Vec<_> = memberships
                .iter()
                .filter(|m| m.community == c.id && m.ended_at.is_none())
                .map(|m| {
                    let current = m.accepted.as_ref().filter(|a| a.terms_version == c.terms_version);
                    context! {
                        id => m.id,
                        org => name(m.org),
                        accepted => current.is_some(),
                        accepted_at => current.map(|a| a.at.to_jst_display()),
                        accepted_version => m.accepted.as_ref().map(|a| a.terms_version.clone()),
                        can_accept => current.is_none() && is_admin && p.viewer().org == Some(m.org),
                        can_end => renkei_core::is_platform_admin(p.viewer()),
                    }
                })
                .collect();
            context! {
                id => c.id.0,
                name => if lang == Lang::Ja { c.name_ja.clone() } else { c.name_en.clone() },
                description => c.description.clone(),
                terms_version => c.terms_version.clone(),
                members,
            }
        })
        .collect();
    let org_opts: Vec<_> = orgs
        .iter()
        .map(|o| context! { id => o.id.0, name => org_name(o, lang) })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let l = layout(s, p, lang, "/admin/communities").await;
    render(
        s,
        status,
        "communities.html",
        context! { l, communities => rows, orgs => org_opts, flash,
        error => error_ctx(error) },
    )
}

async fn communities_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(f): Query<AdminQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/communities") {
        return r;
    }
    communities_view(&s, &p, lang, flash_key(f.ok.as_deref()), None).await
}

#[derive(Deserialize)]
struct MembershipForm {
    csrf: String,
    community_id: i64,
    org_id: i64,
}

async fn membership_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<MembershipForm>,
) -> Response {
    match s
        .store
        .add_membership(&p.actor, CommunityId(f.community_id), OrgId(f.org_id))
        .await
    {
        Ok(_) => Redirect::to("/admin/communities?ok=membership-created").into_response(),
        Err(e) => communities_view(&s, &p, lang, None, Some(e.into())).await,
    }
}

impl PortalForm for MembershipForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The button accepting a membership's terms, on the communities page or
/// in the home page's banner (`back` = `home`).
#[derive(Deserialize)]
struct AcceptForm {
    csrf: String,
    #[serde(default)]
    back: String,
}

impl PortalForm for AcceptForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/admin/communities".to_owned()
    }
}

async fn membership_end(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<AcceptForm>,
) -> Response {
    match s.store.end_membership(&p.actor, id).await {
        Ok(_) => Redirect::to("/admin/communities?ok=membership-ended").into_response(),
        Err(e) => communities_view(&s, &p, lang, None, Some(e.into())).await,
    }
}

async fn membership_accept(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AcceptForm>,
) -> Response {
    match s.store.accept_terms(&p.actor, id).await {
        Ok(_) if f.back == "home" => Redirect::to("/?ok=terms-accepted").into_response(),
        Ok(_) => Redirect::to("/admin/communities?ok=terms-accepted").into_response(),
        Err(e) => communities_view(&s, &p, lang, None, Some(e.into())).await,
    }
}

#[derive(Deserialize)]
struct CommunityForm {
    csrf: String,
    name_ja: String,
    name_en: String,
    description: String,
    terms_version: String,
    #[serde(default)]
    terms_text: String,
}

impl PortalForm for CommunityForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/admin/communities".to_owned()
    }
}

async fn community_create(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<CommunityForm>,
) -> Response {
    let c = renkei_core::model::NewCommunity {
        name_ja: f.name_ja,
        name_en: f.name_en,
        description: f.description,
        terms_version: f.terms_version,
        terms_text: f.terms_text,
    };
    match s.store.create_community(&p.actor, c).await {
        Ok(_) => Redirect::to("/admin/communities?ok=community-created").into_response(),
        Err(e) => communities_view(&s, &p, lang, None, Some(e.into())).await,
    }
}
