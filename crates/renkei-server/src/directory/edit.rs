//! Editing organisations, users and communities from the administration
//! pages: a form per record, CSRF-checked, errors naming the field in the
//! viewer's language; the store decides who may edit and audits each edit.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::{CommunityId, OrgId, OrgKind, Role, Sector, UserId};
use renkei_store::directory_edit::{CommunityEdit, OrgEdit};
use renkei_store::{Result as StoreResult, StoreError};
use serde::Deserialize;

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{CsrfForm, PortalForm, error_page, layout, login_redirect, render};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/orgs/{id}/edit", get(org_form).post(org_save))
        .route("/admin/users/{id}/edit", get(user_form).post(user_save))
        .route(
            "/admin/communities/{id}/edit",
            get(community_form).post(community_save),
        )
}

#[derive(Deserialize)]
struct Saved {
    saved: Option<String>,
}

/// The record an edit page is about.
#[derive(Debug, Clone, Copy)]
enum Record {
    Org(i64),
    User(i64),
    Community(i64),
}

impl Record {
    /// Its name in paths, the template and the texts (`admin-edit-…`).
    fn what(self) -> &'static str {
        match self {
            Record::Org(_) => "org",
            Record::User(_) => "user",
            Record::Community(_) => "community",
        }
    }

    fn id(self) -> i64 {
        match self {
            Record::Org(id) | Record::User(id) | Record::Community(id) => id,
        }
    }

    /// The edit page's own path.
    fn path(self) -> String {
        format!("/admin/{}s/{}/edit", self.what(), self.id())
    }
}

/// The edit page of `r` with its fields' `values`; `error` names the
/// field refused.
async fn page(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    r: Record,
    values: Value,
    (saved, error): (bool, Option<&'static str>),
) -> Response {
    let kinds: Vec<&str> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    let sectors: &[&str] = Sector::KNOWN;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = layout(s, p, lang, &format!("/admin/{}s", r.what())).await;
    render(
        s,
        status,
        "admin_edit.html",
        context! {
            l, what => r.what(), id => r.id(), path => r.path(), v => values, saved, kinds, sectors, roles,
            error => error.map(|f| context! { field => f, key => format!("admin-error-{f}") }),
        },
    )
}

/// The form as first shown: signed-out people sign in and come back;
/// `found` is the record's fields, or the error page's error.
async fn form(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    r: Record,
    saved: Option<String>,
    found: impl AsyncFnOnce() -> Result<Value, ApiError>,
) -> Response {
    if let Some(to) = login_redirect(p, &r.path()) {
        return to;
    }
    match found().await {
        Ok(v) => page(s, p, lang, r, v, (saved.is_some(), None)).await,
        Err(e) => error_page(s, p, lang, e).await,
    }
}

/// After a save: back to the page, saying it was saved (post/redirect/get);
/// a refused field shown on the form with what was typed; else the error page.
async fn saved<T>(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    r: Record,
    typed: Value,
    result: StoreResult<T>,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("{}?saved=1", r.path())).into_response(),
        Err(e) => match field_of(&e) {
            Some(field) => page(s, p, lang, r, typed, (false, Some(field))).await,
            None => error_page(s, p, lang, e.into()).await,
        },
    }
}

/// The field an error names, if the edit page has a text for it.
fn field_of(e: &StoreError) -> Option<&'static str> {
    let f = match e {
        StoreError::Invalid(p) => p.field,
        StoreError::Conflict { field, .. } => field,
        _ => return None,
    };
    [
        "name_ja",
        "name_en",
        "display_name",
        "role",
        "kind",
        "sector",
        "description",
    ]
    .into_iter()
    .find(|k| *k == f)
}

async fn org_form(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Response {
    let found = async || {
        if !renkei_core::is_platform_admin(p.viewer()) {
            return Err(ApiError::not_found("org"));
        }
        let o = s.store.get_org(OrgId(id)).await?;
        Ok(context! {
            name_ja => o.name_ja, name_en => o.name_en, kind => o.kind.as_str(),
            sector => o.sector.as_ref().map(|s| s.as_str()),
        })
    };
    form(&s, &p, lang, Record::Org(id), q.saved, found).await
}

#[derive(Deserialize)]
struct OrgForm {
    csrf: String,
    name_ja: String,
    name_en: String,
    kind: String,
    #[serde(default)]
    sector: String,
}

async fn org_save(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<OrgForm>,
) -> Response {
    let r = Record::Org(id);
    let v =
        context! { name_ja => f.name_ja, name_en => f.name_en, kind => f.kind, sector => f.sector };
    let Ok(kind) = OrgKind::parse(&f.kind) else {
        return page(&s, &p, lang, r, v, (false, Some("kind"))).await;
    };
    let sector = match f.sector.trim() {
        "" => None,
        x => match Sector::parse(x) {
            Ok(s) => Some(s),
            Err(_) => return page(&s, &p, lang, r, v, (false, Some("sector"))).await,
        },
    };
    let edit = OrgEdit {
        name_ja: f.name_ja,
        name_en: f.name_en,
        kind,
        sector,
    };
    let result = s.store.update_org(&p.actor, OrgId(id), edit).await;
    saved(&s, &p, lang, r, v, result).await
}

async fn user_form(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Response {
    let found = async || {
        let u = s.store.get_user(UserId(id)).await?;
        if !renkei_core::can_administer(&p.actor, u.org) {
            return Err(ApiError::not_found("user"));
        }
        Ok(context! {
            display_name => u.display_name, role => u.role.as_str(), email => u.email.to_string(),
            org => u.org.0, is_self => p.user.as_ref().map(|me| me.id) == Some(u.id),
        })
    };
    form(&s, &p, lang, Record::User(id), q.saved, found).await
}

#[derive(Deserialize)]
struct UserEditForm {
    csrf: String,
    display_name: String,
    role: String,
}

async fn user_save(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<UserEditForm>,
) -> Response {
    let r = Record::User(id);
    // Shown again on a refused field: only to someone who may administer
    // the user, or the refusal page would show another organisation's
    // member's address. Others get the same 404 as for no such user.
    let (email, org) = match s.store.get_user(UserId(id)).await {
        Ok(u) if renkei_core::can_administer(&p.actor, u.org) => (u.email.to_string(), u.org.0),
        Ok(_) => return error_page(&s, &p, lang, ApiError::not_found("user")).await,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let v = context! { display_name => f.display_name, role => f.role, email, org };
    let Ok(role) = Role::parse(&f.role) else {
        return page(&s, &p, lang, r, v, (false, Some("role"))).await;
    };
    let result = s
        .store
        .update_user(&p.actor, UserId(id), &f.display_name, role)
        .await;
    saved(&s, &p, lang, r, v, result).await
}

async fn community_form(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Response {
    let found = async || {
        let c = s
            .store
            .list_communities()
            .await
            .ok()
            .and_then(|cs| cs.into_iter().find(|c| c.id == CommunityId(id)))
            .filter(|_| renkei_core::is_platform_admin(p.viewer()))
            .ok_or_else(|| ApiError::not_found("community"))?;
        Ok(context! { name_ja => c.name_ja, name_en => c.name_en, description => c.description })
    };
    form(&s, &p, lang, Record::Community(id), q.saved, found).await
}

#[derive(Deserialize)]
struct CommunityForm {
    csrf: String,
    name_ja: String,
    name_en: String,
    #[serde(default)]
    description: String,
}

async fn community_save(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<CommunityForm>,
) -> Response {
    let v = context! { name_ja => f.name_ja, name_en => f.name_en, description => f.description };
    let edit = CommunityEdit {
        name_ja: f.name_ja,
        name_en: f.name_en,
        description: f.description,
    };
    let result = s
        .store
        .update_community(&p.actor, CommunityId(id), edit)
        .await;
    saved(&s, &p, lang, Record::Community(id), v, result).await
}

/// Each edit form carries the session's CSRF token as `csrf`.
macro_rules! portal_forms {
    ($($form:ty),*) => {$(
        impl PortalForm for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}

portal_forms!(OrgForm, UserEditForm, CommunityForm);
