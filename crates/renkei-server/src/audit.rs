//! The audit log: read over REST and on the administration page, newest
//! first; the store decides who may read which entries and audits the read.
//! Signed checkpoints of it are written by `checkpoints`.

pub mod checkpoints;
pub(crate) mod filter;
pub(crate) mod page;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use renkei_core::AuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::i18n::{Lang, Translations};

type ApiResult<T> = Result<T, ApiError>;

/// The audit room's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list_audit),
    tags((name = TAG, description = "The audit log: every write and every read of non-CLEAR data, in an append-only hash chain that is also a Merkle tree with signed checkpoints. Platform administrators read all of it, organisation administrators their organisation's entries."))
)]
pub(crate) struct Doc;

/// These operations' tag in the OpenAPI document.
const TAG: &str = "audit";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/audit", get(list_audit))
        .route("/admin/audit", get(page::audit_page))
        .route("/admin/audit.csv", get(page::audit_csv))
        .route("/admin/audit/verify", axum::routing::post(page::verify))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub actor_user: Option<i64>,
    pub actor_org: Option<i64>,
    pub action: String,
    pub object: String,
    pub source: String,
    /// ok, denied, failed
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at.to_rfc3339(),
            actor: e.actor,
            actor_user: e.actor_user.map(|u| u.0),
            actor_org: e.actor_org.map(|o| o.0),
            action: e.action,
            object: e.object,
            source: e.source,
            outcome: e.outcome.as_str().into(),
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// The filters of the portal's audit page, as query parameters; each is
/// read by the page's own code (`filter.rs`).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries by members of this organisation (its id); omitted =
    /// all (platform administrators only).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub org: Option<String>,
    /// Only entries by this actor, as the log names it (an e-mail
    /// address, a token's name); at most 200 characters.
    #[param(max_length = 200)]
    pub who: Option<String>,
    /// Only entries of this action (`item.read`, `stix.add`, …: one of the
    /// actions the log records).
    pub action: Option<String>,
    /// Only entries about this object (e.g. a STIX id): those naming it,
    /// and the reads that returned it ("who read it"); at most 200
    /// characters.
    #[param(max_length = 200)]
    pub object: Option<String>,
    /// Only entries on or after this day in Japan time (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Only entries on or before this day in Japan time (`YYYY-MM-DD`),
    /// not before `from`.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// Only entries with this outcome: `ok`, `denied` or `failed`.
    pub outcome: Option<String>,
    /// Entries before this sequence number (paging: the last `seq` of
    /// the previous answer).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub before: Option<String>,
    /// Entries in the answer, 1 to 500 (100 when omitted).
    pub limit: Option<i64>,
}

/// The audit log, newest first, filtered (administrators). A filter that
/// is not valid is refused with 400, naming the parameter in `field`.
#[utoipa::path(get, path = "/api/v1/audit", tag = TAG, params(AuditParams), responses((status = 200, body = [AuditEntryView]), (status = 400, description = "a filter is not valid: `field` names the parameter, `code` is `audit-filter-invalid` or `audit-filter-range`")), security(("bearer" = [])))]
pub async fn list_audit(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    p.require()?;
    let form = filter::FilterForm {
        who: q.who.unwrap_or_default(),
        org: q.org.unwrap_or_default(),
        action: q.action.unwrap_or_default(),
        object: q.object.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        outcome: q.outcome.unwrap_or_default(),
        before: q.before.unwrap_or_default(),
    };
    let f = filter::parse(&form).map_err(bad_filter)?;
    let entries = s
        .store
        .find_audit(&p.actor, &f, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}

/// 400 naming the parameter: the English of the page's message for the
/// field as `detail` (a range that ends before it starts names `to`).
fn bad_filter(filter::BadField(field): filter::BadField) -> ApiError {
    let detail = Translations::global().get(Lang::En, &format!("audit-error-{field}"), None);
    let (param, code) = match field {
        "range" => ("to", "audit-filter-range"),
        f => (f, "audit-filter-invalid"),
    };
    ApiError {
        field: Some(param.to_owned()),
        ..ApiError::new(StatusCode::BAD_REQUEST, "Bad request", detail)
    }
    .with_code(code, &[("param", param)])
}
