//! The REST API (`/api/v1`), health, readiness, metrics and the OpenAPI
//! document. Handlers only translate: rules live in `renkei-core`, and the
//! store applies them.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use renkei_core::{CommunityId, Email, OrgId, SupplyLink};
use renkei_store::AuditQuery;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::AppState;
use crate::auth::{self, Principal};
use crate::error::ApiError;
use crate::views::*;

type ApiResult<T> = Result<T, ApiError>;

/// A JSON body whose errors name the offending field and whose size limit
/// answers 413, as problem+json.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
                "send Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Body too large",
                    "the request body exceeds the size limit",
                )
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "Unreadable body", e.body_text())
            }
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                // serde names a missing field in its message rather than the path.
                let field = inner
                    .to_string()
                    .split('`')
                    .nth(1)
                    .filter(|_| {
                        inner.to_string().starts_with("missing field")
                            || inner.to_string().starts_with("unknown field")
                    })
                    .map(str::to_owned)
                    .unwrap_or(path);
                let mut err = ApiError::field("body", format!("{field}: {inner}"));
                err.field = Some(field);
                err
            })
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "renkei API", description = "Threat-information sharing under need-to-know."),
    paths(
        healthz, readyz, me, list_orgs, create_org, list_users, create_user, list_communities, create_community,
        list_memberships, create_membership, accept_membership, list_supply_links, create_supply_link,
        list_tokens, create_token, list_items, create_item, get_item, item_versions, amend_item, list_audit,
        list_collections, import_bundle,
        crate::intel_api::import, crate::intel_api::lookup, crate::intel_api::object, crate::intel_api::search,
        crate::intel_api::export, crate::intel_api::create_sighting, crate::intel_api::list_warninglists,
        crate::intel_api::add_warning_entry, crate::intel_api::remove_warning_entry, crate::intel_api::notifications
    ),
    nest((path = "/api/v1", api = crate::webhooks::WebhookDoc, tags = ["webhooks"])),
    modifiers(&BearerAuth)
)]
#[derive(Debug)]
pub struct ApiDoc;

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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/orgs", get(list_orgs).post(create_org))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route(
            "/api/v1/communities",
            get(list_communities).post(create_community),
        )
        .route(
            "/api/v1/memberships",
            get(list_memberships).post(create_membership),
        )
        .route("/api/v1/memberships/{id}/accept", post(accept_membership))
        .route(
            "/api/v1/supply-links",
            get(list_supply_links).post(create_supply_link),
        )
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/items", get(list_items).post(create_item))
        .route("/api/v1/items/{id}", get(get_item))
        .route(
            "/api/v1/items/{id}/versions",
            get(item_versions).post(amend_item),
        )
        .route("/api/v1/audit", get(list_audit))
        .route("/api/v1/collections", get(list_collections))
        .route("/api/v1/collections/{id}/bundles", post(import_bundle))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "alive")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers.
#[utoipa::path(get, path = "/readyz", responses((status = 200, description = "ready"), (status = 503, description = "store unreachable")))]
pub async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unreachable")
        }
    }
}

async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The caller: user, organisation, role, communities.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, body = MeView)), security(("bearer" = [])))]
pub async fn me(State(s): State<AppState>, p: Principal) -> ApiResult<Json<MeView>> {
    p.require()?;
    let v = p.viewer();
    let org = match v.org {
        Some(o) => Some(s.store.get_org(o).await?.into()),
        None => None,
    };
    Ok(Json(MeView {
        user: p.user.clone().map(Into::into),
        org,
        role: v.role.map(|r| r.as_str().to_owned()),
        communities: v.communities.iter().map(|c| c.0).collect(),
    }))
}

/// The member directory.
#[utoipa::path(get, path = "/api/v1/orgs", responses((status = 200, body = [OrgView])), security(("bearer" = [])))]
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
#[utoipa::path(post, path = "/api/v1/orgs", request_body = NewOrgRequest, responses((status = 201, body = OrgView), (status = 422, description = "invalid field")), security(("bearer" = [])))]
pub async fn create_org(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewOrgRequest>,
) -> ApiResult<(StatusCode, Json<OrgView>)> {
    p.require()?;
    let o = s.store.create_org(&p.actor, r.parse()?).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrgFilter {
    /// Organisation id; defaults to the caller's.
    pub org: Option<i64>,
}

/// Users of an organisation (its administrators, or platform administrators).
#[utoipa::path(get, path = "/api/v1/users", params(OrgFilter), responses((status = 200, body = [UserView])), security(("bearer" = [])))]
pub async fn list_users(
    State(s): State<AppState>,
    p: Principal,
    Query(f): Query<OrgFilter>,
) -> ApiResult<Json<Vec<UserView>>> {
    p.require()?;
    let org = f
        .org
        .map(OrgId)
        .or(p.viewer().org)
        .ok_or_else(|| ApiError::field("org", "required"))?;
    if !renkei_core::can_administer(&p.actor, org) {
        return Err(ApiError::forbidden("only administrators list users"));
    }
    Ok(Json(
        s.store
            .list_users(Some(org))
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a user who signs in with their e-mail address.
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserRequest, responses((status = 201, body = UserView), (status = 409, description = "e-mail taken"), (status = 422, description = "invalid field")), security(("bearer" = [])))]
pub async fn create_user(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    p.require()?;
    let u = new_user(
        &s,
        &p,
        r.org_id,
        &r.email,
        &r.display_name,
        &r.role,
        &r.password,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

/// Shared by the API and the portal form.
pub async fn new_user(
    s: &AppState,
    p: &Principal,
    org: Option<i64>,
    email: &str,
    display_name: &str,
    role: &str,
    password: &str,
) -> ApiResult<renkei_core::model::User> {
    let org = org
        .map(OrgId)
        .or(p.viewer().org)
        .ok_or_else(|| ApiError::field("org_id", "required"))?;
    let email = Email::parse(email)?;
    let role = parse_role(role)?;
    auth::check_password_policy(password)?;
    let password_hash = auth::hash_password(password).map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "could not hash the password",
        )
    })?;
    let nu = renkei_core::model::NewUser {
        org,
        email,
        display_name: display_name.to_owned(),
        role,
        password_hash,
    };
    Ok(s.store.create_user(&p.actor, nu).await?)
}

/// Communities (council, ISACs, prefectures).
#[utoipa::path(get, path = "/api/v1/communities", responses((status = 200, body = [CommunityView])), security(("bearer" = [])))]
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

#[utoipa::path(post, path = "/api/v1/communities", request_body = NewCommunityRequest, responses((status = 201, body = CommunityView)), security(("bearer" = [])))]
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
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CommunityFilter {
    pub community: Option<i64>,
}

/// Memberships with their acceptance of confidentiality terms.
#[utoipa::path(get, path = "/api/v1/memberships", params(CommunityFilter), responses((status = 200, body = [MembershipView])), security(("bearer" = [])))]
pub async fn list_memberships(
    State(s): State<AppState>,
    p: Principal,
    Query(f): Query<CommunityFilter>,
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

#[utoipa::path(post, path = "/api/v1/memberships", request_body = NewMembershipRequest, responses((status = 201, body = MembershipView)), security(("bearer" = [])))]
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
#[utoipa::path(post, path = "/api/v1/memberships/{id}/accept", params(("id" = i64, Path)), responses((status = 200, body = MembershipView)), security(("bearer" = [])))]
pub async fn accept_membership(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<MembershipView>> {
    p.require()?;
    Ok(Json(s.store.accept_terms(&p.actor, id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/supply-links", responses((status = 200, body = [SupplyLinkView])), security(("bearer" = [])))]
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

#[utoipa::path(post, path = "/api/v1/supply-links", request_body = SupplyLinkView, responses((status = 201, body = SupplyLinkView)), security(("bearer" = [])))]
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

/// API tokens of an organisation (its administrators).
#[utoipa::path(get, path = "/api/v1/tokens", params(OrgFilter), responses((status = 200, body = [TokenView])), security(("bearer" = [])))]
pub async fn list_tokens(
    State(s): State<AppState>,
    p: Principal,
    Query(f): Query<OrgFilter>,
) -> ApiResult<Json<Vec<TokenView>>> {
    p.require()?;
    let org = f
        .org
        .map(OrgId)
        .or(p.viewer().org)
        .ok_or_else(|| ApiError::field("org", "required"))?;
    if !renkei_core::can_administer(&p.actor, org) {
        return Err(ApiError::forbidden("only administrators list tokens"));
    }
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// At most this many (1–1000, default 100).
    pub limit: Option<i64>,
}

/// Shared items the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/items", params(ListParams), responses((status = 200, body = [ItemView])), security(("bearer" = [])))]
pub async fn list_items(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<ListParams>,
) -> ApiResult<Json<Vec<ItemView>>> {
    let items = s.store.list_items(&p.actor, q.limit.unwrap_or(100)).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}

/// Shares an item with an explicit TLP level and audience.
#[utoipa::path(post, path = "/api/v1/items", request_body = NewItemRequest, responses((status = 201, body = ItemView), (status = 422, description = "invalid field")), security(("bearer" = [])))]
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

#[utoipa::path(get, path = "/api/v1/items/{id}", params(("id" = i64, Path)), responses((status = 200, body = ItemView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn get_item(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
) -> ApiResult<Json<ItemView>> {
    Ok(Json(s.store.get_item(&p.actor, id).await?.into()))
}

/// Every version of an item the caller may read.
#[utoipa::path(get, path = "/api/v1/items/{id}/versions", params(("id" = i64, Path)), responses((status = 200, body = [ItemView])), security(("bearer" = [])))]
pub async fn item_versions(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
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
#[utoipa::path(post, path = "/api/v1/items/{id}/versions", params(("id" = i64, Path)), request_body = NewItemRequest, responses((status = 201, body = ItemView)), security(("bearer" = [])))]
pub async fn amend_item(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditParams {
    /// Only entries by members of this organisation; omitted = all (platform administrators).
    pub org: Option<i64>,
    /// Entries before this sequence number (paging).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// The audit log, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditParams), responses((status = 200, body = [AuditEntryView])), security(("bearer" = [])))]
pub async fn list_audit(
    State(s): State<AppState>,
    p: Principal,
    Query(q): Query<AuditParams>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    p.require()?;
    let q = AuditQuery {
        org: q.org.map(OrgId),
        before_seq: q.before,
        limit: q.limit.unwrap_or(100),
    };
    Ok(Json(
        s.store
            .list_audit(&p.actor, q)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// TAXII collections the caller can read (their communities' API roots).
#[utoipa::path(get, path = "/api/v1/collections", responses((status = 200, body = [CollectionView])), security(("bearer" = [])))]
pub async fn list_collections(
    State(s): State<AppState>,
    p: Principal,
) -> ApiResult<Json<Vec<CollectionView>>> {
    p.require()?;
    let list = s.store.list_collections().await?;
    Ok(Json(
        list.into_iter()
            .filter(|c| renkei_core::can_read_community(p.viewer(), c.community))
            .map(|c| CollectionView {
                can_write: renkei_core::can_write_community(p.viewer(), c.community),
                taxii_api_root: format!("/taxii2/community-{}/", c.community.0),
                id: c.id,
                title: c.title,
                default_tlp: c.default_tlp.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// Imports a STIX 2.1 bundle into a collection: stored whole, or refused
/// whole with every problem listed (`errors`), storing nothing.
#[utoipa::path(post, path = "/api/v1/collections/{id}/bundles", params(("id" = String, Path)), request_body = Object,
    responses((status = 201, body = ImportView), (status = 422, description = "refused; every problem listed in errors")), security(("bearer" = [])))]
pub async fn import_bundle(
    State(s): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    ApiJson(bundle): ApiJson<serde_json::Value>,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    p.require()?;
    let c = s.store.get_collection(&id).await?;
    if !renkei_core::can_read_community(p.viewer(), c.community) {
        return Err(ApiError::not_found("collection"));
    }
    let objects = renkei_stix::parse_bundle(&bundle).map_err(|e| {
        let errors = serde_json::json!(
            e.0.iter()
                .map(|f| serde_json::json!({
                    "index": f.index, "id": f.id, "field": f.field, "message": f.message
                }))
                .collect::<Vec<_>>()
        );
        let mut err = ApiError::field(
            "objects",
            format!("{} problem(s); nothing was stored", e.0.len()),
        );
        err.errors = Some(errors);
        err
    })?;
    let versions = objects.iter().map(crate::taxii::new_version).collect();
    let out = s.store.add_stix_whole(&p.actor, &c, versions).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportView {
            stored: out.successes.len() as i64,
        }),
    ))
}
