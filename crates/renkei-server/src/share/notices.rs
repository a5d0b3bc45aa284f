//! The portal's notifications: what other organisations shared that the
//! user may read (indicators and other STIX objects, and reports), newest
//! first and paged, each read or unread for this user, with "mark as read"
//! buttons. The store applies the access rule and keeps the read state.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use minijinja::context;
use minijinja::value::Value;
use renkei_core::{OrgId, Timestamp};
use renkei_store::notify::{Notice, NoticeCursor, NoticeKey, NoticeKind, WINDOW_DAYS};
use serde::Deserialize;

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::{Lang, Translations};
use crate::http::page::{
    CsrfForm, PortalForm, error_page, layout, login_redirect, org_name, render, tlp_class,
    urlencode,
};
use crate::http::redirect::see_other;

/// Notifications a page shows.
const PAGE: i64 = 50;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications_page))
        .route("/notifications/read", post(mark_read))
        .route("/notifications/read-all", post(mark_all_read))
}

#[derive(Deserialize)]
struct NoticeQuery {
    /// Older than this notification (a cursor from the previous page).
    before: Option<String>,
}

async fn notifications_page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/notifications") {
        return r;
    }
    let before = match q.before.as_deref().map(NoticeCursor::decode) {
        None => None,
        Some(Some(c)) => Some(c),
        Some(None) => return error_page(&s, &p, lang, bad("before", lang)).await,
    };
    let mut found = match s.store.notices(&p.actor, before.as_ref(), PAGE + 1).await {
        Ok(f) => f,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let older = (found.len() as i64 > PAGE).then(|| {
        found.truncate(PAGE as usize);
        found.last().map(|n| n.cursor().encode())
    });
    let orgs = s.store.list_orgs().await.unwrap_or_default();
    let name = |id: OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| org_name(o, lang))
    };
    let here = q.before.clone().unwrap_or_default();
    let rows: Vec<Value> = found.iter().map(|n| row(n, &name(n.owner_org))).collect();
    let unread = found.iter().filter(|n| !n.read).count();
    let l = layout(&s, &p, lang, "/notifications").await;
    render(
        &s,
        StatusCode::OK,
        "notifications.html",
        context! {
            l, rows, unread_here => unread, days => WINDOW_DAYS,
            older => older.flatten(), here, first => before.is_none(),
        },
    )
}

fn row(n: &Notice, sharer: &str) -> Value {
    let (title, href, kind) = match n.key.kind {
        NoticeKind::Item => (
            n.text.clone(),
            format!("/items/{}", n.key.ref_id),
            "start-kind-item",
        ),
        NoticeKind::Object => {
            let body: serde_json::Value = serde_json::from_str(&n.text).unwrap_or_default();
            let field = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_owned);
            let id = n.stix_id.clone().unwrap_or_default();
            let title = field("name")
                .or_else(|| field("pattern"))
                .unwrap_or_else(|| id.clone());
            let kind = match n.stix_type.as_deref() {
                Some("indicator") => "start-kind-indicator",
                Some("report") => "start-kind-report",
                Some("sighting") => "start-kind-sighting",
                _ => "start-kind-object",
            };
            (title, format!("/intel/objects/{}", urlencode(&id)), kind)
        }
    };
    context! {
        kind, title, href, sharer, read => n.read,
        tlp => n.tlp.as_str(), tlp_class => tlp_class(n.tlp),
        at => Timestamp(n.at).to_jst_display(),
        key_kind => n.key.kind.as_str(), ref_id => n.key.ref_id, version => n.key.version,
    }
}

fn bad(field: &'static str, lang: Lang) -> ApiError {
    ApiError::field(
        field,
        Translations::global().get(lang, "start-notice-bad", None),
    )
}

/// The "mark as read" button of one notification.
#[derive(Deserialize)]
struct ReadForm {
    csrf: String,
    kind: String,
    ref_id: i64,
    version: i64,
    /// The page the button was on (its `before` cursor), to go back to.
    #[serde(default)]
    here: String,
}

impl PortalForm for ReadForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/notifications".to_owned()
    }
}

fn back_to(here: &str) -> Response {
    match NoticeCursor::decode(here) {
        Some(c) => see_other(&format!("/notifications?before={}", urlencode(&c.encode()))),
        None => see_other("/notifications"),
    }
}

async fn mark_read(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<ReadForm>,
) -> Response {
    let Some(kind) = NoticeKind::parse(&f.kind) else {
        return error_page(&s, &p, lang, bad("kind", lang)).await;
    };
    let key = NoticeKey {
        kind,
        ref_id: f.ref_id,
        version: f.version,
    };
    // The same answer whether or not the key named something readable.
    match s.store.mark_notice_read(&p.actor, &key).await {
        Ok(()) => back_to(&f.here),
        Err(e) => error_page(&s, &p, lang, e.into()).await,
    }
}

/// The "mark everything read" button.
#[derive(Deserialize)]
struct ReadAllForm {
    csrf: String,
}

impl PortalForm for ReadAllForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn page(_: &str) -> String {
        "/notifications".to_owned()
    }
}

async fn mark_all_read(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(_): CsrfForm<ReadAllForm>,
) -> Response {
    match s.store.mark_all_notices_read(&p.actor).await {
        Ok(()) => see_other("/notifications"),
        Err(e) => error_page(&s, &p, lang, e.into()).await,
    }
}
