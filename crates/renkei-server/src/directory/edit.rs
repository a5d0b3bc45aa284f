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
use renkei_store::StoreError;
use renkei_store::directory_edit::{CommunityEdit, OrgEdit};
use serde::Deserialize;

use crate::http::AppState;
use crate::http::auth::Principal;
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

/// The edit page: `what` is org, user or community; `values` the fields.
#[allow(clippy::too_many_arguments)]
async fn page(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    what: &str,
    id: i64,
    values: Value,
    saved: bool,
    error: Option<&'static str>,
) -> Response {
    let kinds: Vec<&str> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    let sectors: &[&str] = Sector::KNOWN;
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let path = format!("/admin/{what}s/{id}/edit");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let nav = match what {
        "org" => "/admin/orgs",
        "user" => "/admin/users",
        _ => "/admin/communities",
    };
    let l = layout(s, p, lang, nav).await;
    render(
        s,
        status,
        "admin_edit.html",
        context! {
            l, what, id, path, v => values, saved, kinds, sectors, roles,
            error => error.map(|f| context! { field => f, key => format!("admin-error-{f}") }),
        },
    )
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
    if let Some(r) = login_redirect(&p, &format!("/admin/orgs/{id}/edit")) {
        return r;
    }
    if !renkei_core::is_platform_admin(p.viewer()) {
        return error_page(&s, &p, lang, crate::http::error::ApiError::not_found("org")).await;
    }
    let o = match s.store.get_org(OrgId(id)).await {
        Ok(o) => o,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let v = context! {
        name_ja => o.name_ja, name_en => o.name_en, kind => o.kind.as_str(),
        sector => o.sector.as_ref().map(|s| s.as_str()),
    };
    page(&s, &p, lang, "org", id, v, q.saved.is_some(), None).await
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

impl PortalForm for OrgForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn org_save(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<OrgForm>,
) -> Response {
    let v =
        context! { name_ja => f.name_ja, name_en => f.name_en, kind => f.kind, sector => f.sector };
    let Ok(kind) = OrgKind::parse(&f.kind) else {
        return page(&s, &p, lang, "org", id, v, false, Some("kind")).await;
    };
    let sector = match f.sector.trim() {
        "" => None,
        x => match Sector::parse(x) {
            Ok(s) => Some(s),
            Err(_) => return page(&s, &p, lang, "org", id, v, false, Some("sector")).await,
        },
    };
    let edit = OrgEdit {
        name_ja: f.name_ja.clone(),
        name_en: f.name_en.clone(),
        kind,
        sector,
    };
    match s.store.update_org(&p.actor, OrgId(id), edit).await {
        Ok(_) => Redirect::to(&format!("/admin/orgs/{id}/edit?saved=1")).into_response(),
        Err(e) => match field_of(&e) {
            Some(field) => page(&s, &p, lang, "org", id, v, false, Some(field)).await,
            None => error_page(&s, &p, lang, e.into()).await,
        },
    }
}

async fn user_form(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Response {
    if let Some(r) = login_redirect(&p, &format!("/admin/users/{id}/edit")) {
        return r;
    }
    let u = match s.store.get_user(UserId(id)).await {
        Ok(u) if renkei_core::can_administer(&p.actor, u.org) => u,
        Ok(_) => {
            let e = crate::http::error::ApiError::not_found("user");
            return error_page(&s, &p, lang, e).await;
        }
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let v = context! {
        display_name => u.display_name, role => u.role.as_str(), email => u.email.to_string(),
        org => u.org.0, is_self => p.user.as_ref().map(|me| me.id) == Some(u.id),
    };
    page(&s, &p, lang, "user", id, v, q.saved.is_some(), None).await
}

#[derive(Deserialize)]
struct UserEditForm {
    csrf: String,
    display_name: String,
    role: String,
}

impl PortalForm for UserEditForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn user_save(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<UserEditForm>,
) -> Response {
    let (email, org) = match s.store.get_user(UserId(id)).await {
        Ok(u) => (u.email.to_string(), u.org.0),
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let v = context! { display_name => f.display_name, role => f.role, email, org };
    let Ok(role) = Role::parse(&f.role) else {
        return page(&s, &p, lang, "user", id, v, false, Some("role")).await;
    };
    match s
        .store
        .update_user(&p.actor, UserId(id), &f.display_name, role)
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/users/{id}/edit?saved=1")).into_response(),
        Err(e) => match field_of(&e) {
            Some(field) => page(&s, &p, lang, "user", id, v, false, Some(field)).await,
            None => error_page(&s, &p, lang, e.into()).await,
        },
    }
}

async fn community_form(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    Query(q): Query<Saved>,
) -> Response {
    if let Some(r) = login_redirect(&p, &format!("/admin/communities/{id}/edit")) {
        return r;
    }
    let found = s
        .store
        .list_communities()
        .await
        .ok()
        .and_then(|cs| cs.into_iter().find(|c| c.id == CommunityId(id)));
    let Some(c) = found.filter(|_| renkei_core::is_platform_admin(p.viewer())) else {
        let e = crate::http::error::ApiError::not_found("community");
        return error_page(&s, &p, lang, e).await;
    };
    let v = context! { name_ja => c.name_ja, name_en => c.name_en, description => c.description };
    page(&s, &p, lang, "community", id, v, q.saved.is_some(), None).await
}

#[derive(Deserialize)]
struct CommunityForm {
    csrf: String,
    name_ja: String,
    name_en: String,
    #[serde(default)]
    description: String,
}

impl PortalForm for CommunityForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
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
        name_ja: f.name_ja.clone(),
        name_en: f.name_en.clone(),
        description: f.description.clone(),
    };
    match s
        .store
        .update_community(&p.actor, CommunityId(id), edit)
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin/communities/{id}/edit?saved=1")).into_response(),
        Err(e) => match field_of(&e) {
            Some(field) => page(&s, &p, lang, "community", id, v, false, Some(field)).await,
            None => error_page(&s, &p, lang, e.into()).await,
        },
    }
}
