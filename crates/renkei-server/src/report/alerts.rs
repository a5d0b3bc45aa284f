//! REST: alerts (注意喚起) issued with countermeasure steps and indicators
//! under an explicit TLP and audience, each recipient organisation's
//! confirmation, the issuer's table of who has not confirmed (by sector
//! and prefecture) and reminders, a prefecture's relays to its
//! municipalities and a municipality's forwards to its maintenance vendor.
//! Refusals that would tell an alert exists answer 404.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use renkei_core::{Audience, CommunityId, OrgId, ParseError, Sector, Tlp, UserId};
use renkei_store::alerts::{
    Alert, AlertStatus, LocalInstruction, MAX_INDICATORS, MAX_STEPS, Recipient, RecipientStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::alert_stix::{AlertDraft, publish};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;

type ApiResult<T> = Result<T, ApiError>;

const TAG: &str = "alerts";

/// An alert body: up to 500 indicators and 50 steps of 2,000 characters.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    paths(create_alert, list_alerts, get_alert, set_status, recipients, remind, relay, forward, list_vendors, name_vendors),
    tags((name = TAG, description = "Alerts (注意喚起): a summary, countermeasure steps and indicators under an explicit TLP and audience, published as a STIX report with indicators and courses of action. Each recipient organisation confirms it (confirmed, in progress, done, or not applicable with a reason); the issuer sees who has not, by sector and prefecture, and reminds them. A prefecture's government relays an alert to its municipalities with a local instruction, never wider than the original; a municipality forwards it to its maintenance vendor and that vendor's subcontractor."))
)]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/alerts",
            get(list_alerts)
                .post(create_alert)
                .layer(DefaultBodyLimit::max(MAX_BODY)),
        )
        .route(
            "/api/v1/alerts/vendors",
            get(list_vendors).post(name_vendors),
        )
        .route("/api/v1/alerts/{id}", get(get_alert))
        .route("/api/v1/alerts/{id}/status", put(set_status))
        .route("/api/v1/alerts/{id}/recipients", get(recipients))
        .route("/api/v1/alerts/{id}/reminders", post(remind))
        .route("/api/v1/alerts/{id}/relays", post(relay))
        .route("/api/v1/alerts/{id}/forwards", post(forward))
}

/// Who an alert goes to, besides the issuing organisation.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertAudience {
    #[serde(default)]
    pub communities: Vec<i64>,
    #[serde(default)]
    pub sectors: Vec<String>,
    #[serde(default)]
    pub orgs: Vec<i64>,
    #[serde(default)]
    pub users: Vec<i64>,
}

impl AlertAudience {
    pub(super) fn parse(&self) -> Result<Audience, ParseError> {
        Ok(Audience {
            communities: self.communities.iter().copied().map(CommunityId).collect(),
            sectors: self
                .sectors
                .iter()
                .map(|s| Sector::parse(s))
                .collect::<Result<_, _>>()?,
            orgs: self.orgs.iter().copied().map(OrgId).collect(),
            users: self.users.iter().copied().map(UserId).collect(),
        })
    }

    fn of(a: &Audience) -> Self {
        Self {
            communities: a.communities.iter().map(|c| c.0).collect(),
            sectors: a.sectors.iter().map(|s| s.to_string()).collect(),
            orgs: a.orgs.iter().map(|o| o.0).collect(),
            users: a.users.iter().map(|u| u.0).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlertRequest {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// 対策の手順, in order: 1 to 50 steps.
    pub steps: Vec<String>,
    /// Values (`198.51.100.7`, `evil.example`, a hash) or STIX patterns
    /// (`[…]`); at most 500.
    #[serde(default)]
    pub indicators: Vec<String>,
    /// Required: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
    pub tlp: String,
    /// Required: whom it goes to. Empty means the collection's community
    /// (as for any object added to it); TLP:RED needs named users.
    pub audience: AlertAudience,
    /// The collection its STIX objects go to; the first you may share to
    /// when absent.
    pub collection: Option<String>,
    /// Incident reports it was made from (ids).
    #[serde(default)]
    pub source_reports: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorView {
    pub value: String,
    pub pattern: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocalView {
    pub vendor: Option<String>,
    pub note: Option<String>,
    /// YYYY-MM-DD
    pub deadline: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusView {
    pub org_id: i64,
    /// unconfirmed, confirmed, in_progress, done, not_applicable
    pub status: String,
    pub reason: Option<String>,
    pub updated_by: Option<i64>,
    pub updated_at: String,
}

impl From<RecipientStatus> for StatusView {
    fn from(r: RecipientStatus) -> Self {
        Self {
            org_id: r.org.0,
            status: r.status.as_str().into(),
            reason: r.reason,
            updated_by: r.updated_by.map(|u| u.0),
            updated_at: r.updated_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    pub id: i64,
    /// alert, relay or forward
    pub kind: String,
    pub parent_id: Option<i64>,
    pub root_id: i64,
    pub title: String,
    pub summary: String,
    pub steps: Vec<String>,
    pub indicators: Vec<IndicatorView>,
    pub tlp: String,
    pub audience: AlertAudience,
    pub issuer_org_id: i64,
    pub created_at: String,
    /// The STIX `report` it was published as.
    pub stix_report_id: Option<String>,
    pub collection_id: Option<String>,
    /// A relay's or forward's local instruction.
    pub local: Option<LocalView>,
    /// The reports it was made from: the issuing organisation only.
    pub source_reports: Vec<i64>,
    /// Your organisation's confirmation, when it is a recipient.
    pub my_status: Option<StatusView>,
    pub reminded_at: Option<String>,
}

impl From<Alert> for AlertView {
    fn from(a: Alert) -> Self {
        Self {
            id: a.id,
            kind: a.kind.as_str().into(),
            parent_id: a.parent_id,
            root_id: a.root_id,
            title: a.title,
            summary: a.summary,
            steps: a.steps,
            indicators: a
                .indicators
                .into_iter()
                .map(|x| IndicatorView {
                    value: x.value,
                    pattern: x.pattern,
                })
                .collect(),
            tlp: a.marking.tlp.as_str().into(),
            audience: AlertAudience::of(&a.marking.audience),
            issuer_org_id: a.marking.owner_org.0,
            created_at: a.created_at.to_rfc3339(),
            stix_report_id: a.stix_report_id,
            collection_id: a.collection_id,
            local: a.local.map(|l| LocalView {
                vendor: l.vendor,
                note: l.note,
                deadline: l.deadline,
            }),
            source_reports: a.source_reports,
            my_status: a.mine.map(Into::into),
            reminded_at: a.reminded_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// Issues an alert: published as a STIX report with its indicators and
/// courses of action, its recipients recorded as unconfirmed.
#[utoipa::path(post, path = "/api/v1/alerts", tag = TAG, operation_id = "create_alert", request_body = NewAlertRequest, responses((status = 201, body = AlertView), (status = 422, description = "a field is wrong; `field` names it")), security(("bearer" = [])))]
pub async fn create_alert(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<NewAlertRequest>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    p.require()?;
    if r.steps.len() > MAX_STEPS {
        return Err(ApiError::field("steps", format!("at most {MAX_STEPS}")));
    }
    if r.indicators.len() > MAX_INDICATORS {
        return Err(ApiError::field(
            "indicators",
            format!("at most {MAX_INDICATORS}"),
        ));
    }
    let draft = AlertDraft {
        title: r.title,
        summary: r.summary,
        steps: r.steps,
        indicators: r.indicators,
        tlp: Tlp::parse(&r.tlp)?,
        audience: r.audience.parse()?,
        collection: r.collection,
        source_reports: r.source_reports,
    };
    let a = publish(&s, &p.actor, draft).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

/// Alerts (and relays and forwards) the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = TAG, operation_id = "list_alerts", params(ListParams), responses((status = 200, body = [AlertView])), security(("bearer" = [])))]
pub async fn list_alerts(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<ListParams>,
) -> ApiResult<Json<Vec<AlertView>>> {
    p.require()?;
    let list = s
        .store
        .list_alerts(&p.actor, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One alert the caller may read.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = TAG, operation_id = "get_alert", params(("id" = i64, Path)), responses((status = 200, body = AlertView), (status = 404, description = "absent or not readable")), security(("bearer" = [])))]
pub async fn get_alert(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AlertView>> {
    p.require()?;
    Ok(Json(s.store.get_alert(&p.actor, id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// confirmed, in_progress, done, not_applicable (or unconfirmed)
    pub status: String,
    /// Required for not_applicable.
    pub reason: Option<String>,
}

/// Your organisation's confirmation of an alert it received.
#[utoipa::path(put, path = "/api/v1/alerts/{id}/status", tag = TAG, operation_id = "set_alert_status", params(("id" = i64, Path)), request_body = StatusRequest, responses((status = 200, body = StatusView), (status = 404, description = "absent, not readable, or your organisation is not a recipient"), (status = 422, description = "a field is wrong (`alert-reason-required`)")), security(("bearer" = [])))]
pub async fn set_status(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<StatusRequest>,
) -> ApiResult<Json<StatusView>> {
    p.require()?;
    let status = AlertStatus::parse(&r.status)?;
    let got = s
        .store
        .set_alert_status(&p.actor, id, status, r.reason)
        .await?;
    Ok(Json(got.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientView {
    pub org_id: i64,
    pub name_ja: String,
    pub name_en: String,
    pub status: String,
    pub reason: Option<String>,
    pub updated_at: String,
    pub reminded_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientGroup {
    pub sector: Option<String>,
    /// JIS prefecture code (1–47).
    pub prefecture: Option<i64>,
    pub total: usize,
    pub unconfirmed: usize,
    pub recipients: Vec<RecipientView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientsView {
    pub total: usize,
    pub unconfirmed: usize,
    /// By sector, then prefecture.
    pub groups: Vec<RecipientGroup>,
}

/// Recipients grouped by (sector, prefecture), in the store's order.
pub(super) fn grouped(list: Vec<Recipient>) -> RecipientsView {
    let total = list.len();
    let unconfirmed = list
        .iter()
        .filter(|r| r.status.status == AlertStatus::Unconfirmed)
        .count();
    let mut groups: Vec<RecipientGroup> = Vec::new();
    for r in list {
        let view = RecipientView {
            org_id: r.org.0,
            name_ja: r.name_ja,
            name_en: r.name_en,
            status: r.status.status.as_str().into(),
            reason: r.status.reason,
            updated_at: r.status.updated_at.to_rfc3339(),
            reminded_at: r.reminded_at.map(|t| t.to_rfc3339()),
        };
        let open = r.status.status == AlertStatus::Unconfirmed;
        match groups
            .iter_mut()
            .find(|g| g.sector == r.sector && g.prefecture == r.prefecture)
        {
            Some(g) => {
                g.total += 1;
                g.unconfirmed += usize::from(open);
                g.recipients.push(view);
            }
            None => groups.push(RecipientGroup {
                sector: r.sector,
                prefecture: r.prefecture,
                total: 1,
                unconfirmed: usize::from(open),
                recipients: vec![view],
            }),
        }
    }
    RecipientsView {
        total,
        unconfirmed,
        groups,
    }
}

/// The recipients' confirmations by sector and prefecture: the issuing
/// organisation only.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/recipients", tag = TAG, operation_id = "alert_recipients", params(("id" = i64, Path)), responses((status = 200, body = RecipientsView), (status = 404, description = "absent, not readable, or not issued by your organisation")), security(("bearer" = [])))]
pub async fn recipients(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RecipientsView>> {
    p.require()?;
    Ok(Json(grouped(s.store.alert_recipients(&p.actor, id).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemindView {
    /// The organisations reminded (those that had not confirmed).
    pub reminded: Vec<i64>,
}

/// Reminds every recipient that has not confirmed: the issuing
/// organisation only.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/reminders", tag = TAG, operation_id = "remind_alert", params(("id" = i64, Path)), responses((status = 201, body = RemindView), (status = 404, description = "absent, not readable, or not issued by your organisation")), security(("bearer" = [])))]
pub async fn remind(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<(StatusCode, Json<RemindView>)> {
    p.require()?;
    let orgs = s.store.remind_alert(&p.actor, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(RemindView {
            reminded: orgs.into_iter().map(|o| o.0).collect(),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassOnRequest {
    /// Organisations to pass it to; all the allowed ones when empty.
    #[serde(default)]
    pub orgs: Vec<i64>,
    /// Whom to call (the maintenance vendor, a help desk).
    pub vendor: Option<String>,
    /// What to do locally.
    pub note: Option<String>,
    /// The local deadline, YYYY-MM-DD.
    pub deadline: Option<String>,
}

impl PassOnRequest {
    fn parts(self) -> (Vec<OrgId>, LocalInstruction) {
        let keep = |v: Option<String>| v.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        (
            self.orgs.into_iter().map(OrgId).collect(),
            LocalInstruction {
                vendor: keep(self.vendor),
                note: keep(self.note),
                deadline: keep(self.deadline),
            },
        )
    }
}

/// Relays an alert to the municipalities of your prefecture with a local
/// instruction: a prefectural government's coordinators only, under the
/// original's TLP, to municipalities that received the original.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/relays", tag = TAG, operation_id = "relay_alert", params(("id" = i64, Path)), request_body = PassOnRequest, responses((status = 201, body = AlertView), (status = 404, description = "absent, not readable, not yours to relay, or an organisation you may not name"), (status = 422, description = "`alert-relay-wider`: an organisation the original did not reach; `alert-relay-red`")), security(("bearer" = [])))]
pub async fn relay(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<PassOnRequest>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    p.require()?;
    let (orgs, local) = r.parts();
    let a = s.store.relay_alert(&p.actor, id, &orgs, local).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// Forwards an alert your organisation received to its maintenance vendor
/// and that vendor's subcontractor (the supply-chain links, two tiers).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/forwards", tag = TAG, operation_id = "forward_alert", params(("id" = i64, Path)), request_body = PassOnRequest, responses((status = 201, body = AlertView), (status = 404, description = "absent, not readable, not received by your organisation, or an organisation you may not name"), (status = 422, description = "`alert-forward-tlp`: AMBER+STRICT and RED stay inside")), security(("bearer" = [])))]
pub async fn forward(
    State(s): State<AppState>,
    p: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<PassOnRequest>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    p.require()?;
    let (orgs, local) = r.parts();
    let a = s.store.forward_alert(&p.actor, id, &orgs, local).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VendorsView {
    /// The organisations your organisation forwards alerts to: its
    /// supply-chain contractors, two tiers.
    pub orgs: Vec<i64>,
}

/// The maintenance vendors (and their subcontractors) your organisation
/// forwards alerts to.
#[utoipa::path(get, path = "/api/v1/alerts/vendors", tag = TAG, operation_id = "list_alert_vendors", responses((status = 200, body = VendorsView)), security(("bearer" = [])))]
pub async fn list_vendors(State(s): State<AppState>, p: Principal) -> ApiResult<Json<VendorsView>> {
    p.require()?;
    let org = p.viewer().org.ok_or_else(ApiError::unauthorized)?;
    let orgs = s.store.vendors_of(org).await?;
    Ok(Json(VendorsView {
        orgs: orgs.into_iter().map(|o| o.0).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorsRequest {
    /// Your maintenance vendor (a supplier, vendor or security provider).
    pub vendor: i64,
    /// That vendor's subcontractor, if any (the second and last tier).
    pub subcontractor: Option<i64>,
}

/// Names your local government's maintenance vendor and its subcontractor
/// (recorded as supply-chain links of tier 1 and 2): your organisation's
/// administrators only.
#[utoipa::path(post, path = "/api/v1/alerts/vendors", tag = TAG, operation_id = "name_alert_vendors", request_body = VendorsRequest, responses((status = 200, body = VendorsView), (status = 403, description = "not an administrator of a local government"), (status = 404, description = "no such supplier, vendor or security provider")), security(("bearer" = [])))]
pub async fn name_vendors(
    State(s): State<AppState>,
    p: Principal,
    ApiJson(r): ApiJson<VendorsRequest>,
) -> ApiResult<Json<VendorsView>> {
    p.require()?;
    let org = p.viewer().org.ok_or_else(ApiError::unauthorized)?;
    s.store
        .name_vendors(&p.actor, OrgId(r.vendor), r.subcontractor.map(OrgId))
        .await?;
    let orgs = s.store.vendors_of(org).await?;
    Ok(Json(VendorsView {
        orgs: orgs.into_iter().map(|o| o.0).collect(),
    }))
}
