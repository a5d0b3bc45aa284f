//! The audit log: read over REST and on the administration page, newest
//! first; the store decides who may read which entries and audits the read.
//! Signed checkpoints of it are written by `checkpoints`.

pub mod checkpoints;
pub(crate) mod page;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use renkei_core::{AuditEntry, OrgId};
use renkei_store::AuditQuery;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;

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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries by members of this organisation; omitted = all (platform administrators).
    pub org: Option<i64>,
    /// Entries before this sequence number (paging).
    pub before: Option<i64>,
    pub limit: Option<i64>,
    /// Only entries about this object (e.g. a STIX id): those naming it,
    /// and the reads that returned it ("who read it").
    pub object: Option<String>,
}

/// The audit log, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/audit", tag = TAG, params(AuditParams), responses((status = 200, body = [AuditEntryView])), security(("bearer" = [])))]
pub async fn list_audit(
    State(s): State<AppState>,
    p: Principal,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    p.require()?;
    let about = q.object.filter(|o| !o.is_empty());
    let q = AuditQuery {
        org: q.org.map(OrgId),
        before_seq: q.before,
        limit: q.limit.unwrap_or(100),
    };
    let entries = match &about {
        Some(o) => s.store.list_audit_about(&p.actor, o, q).await?,
        None => s.store.list_audit(&p.actor, q).await?,
    };
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
