//! The audit log: read over REST and on the administration page, newest
//! first; the store decides who may read which entries and audits the read.
//! Signed checkpoints of it are written by `checkpoints`.

pub mod checkpoints;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use minijinja::context;
use renkei_core::{AuditEntry, OrgId};
use renkei_store::AuditQuery;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::extract::ApiQuery;
use crate::http::i18n::Lang;
use crate::http::page::{AdminQuery, error_page, layout, login_redirect, render};

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
        .route("/admin/audit", get(audit_page))
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

async fn audit_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(f): Query<AdminQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/audit") {
        return r;
    }
    let org = if renkei_core::is_platform_admin(p.viewer()) {
        f.org.map(OrgId)
    } else {
        p.viewer().org
    };
    let q = AuditQuery {
        org,
        before_seq: f.before,
        limit: 100,
    };
    let entries = match s.store.list_audit(&p.actor, q).await {
        Ok(e) => e,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let next = entries
        .last()
        .map(|e| e.seq)
        .filter(|_| entries.len() == 100);
    let rows: Vec<_> = entries
        .into_iter()
        .map(|e| {
            context! {
                seq => e.seq, at => e.at.to_jst_display(), actor => e.actor, action => e.action,
                object => e.object, source => e.source, outcome => e.outcome.as_str(), detail => e.detail,
                hash => e.hash.get(..12).unwrap_or_default().to_owned(),
            }
        })
        .collect();
    let l = layout(&s, &p, lang, "/admin/audit").await;
    render(
        &s,
        StatusCode::OK,
        "audit.html",
        context! { l, entries => rows, next, org => org.map(|o| o.0) },
    )
}
