//! The web portal: server-rendered pages, Japanese first, English second.
//! Forms are protected by a per-session CSRF token (and SameSite=Strict
//! cookies); the sign-in form by a double-submit cookie.

use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use minijinja::context;
use minijinja::value::Value;
use renkei_core::model::{Org, User};
use renkei_core::{
    AuditOutcome, CommunityId, Email, OrgId, OrgKind, Prefecture, Role, Sector, Timestamp, Tlp,
};
use renkei_store::{AuditEvent, AuditQuery};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::{self, LOGIN_CSRF_COOKIE, Principal, SESSION_COOKIE};
use crate::error::ApiError;
use crate::i18n::Lang;

const LANG_COOKIE: &str = "renkei_lang";
const CSS: &str = include_str!("../static/renkei.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/renkei.css", get(css))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .route("/", get(home))
        .route("/items/{id}", get(item_page))
        .route("/admin/orgs", get(orgs_page).post(orgs_create))
        .route("/admin/links", post(link_create))
        .route("/admin/users", get(users_page).post(users_create))
        .route(
            "/admin/communities",
            get(communities_page).post(membership_create),
        )
        .route("/admin/communities/new", post(community_create))
        .route("/admin/memberships/{id}/accept", post(membership_accept))
        .route("/admin/audit", get(audit_page))
        .route("/intel", get(intel_page))
        .merge(crate::portal_intel::routes())
        .route("/reports", get(upcoming))
        .route("/advisories", get(upcoming))
        .route("/detections", get(upcoming))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

pub(crate) fn lang_of(jar: &CookieJar) -> Lang {
    jar.get(LANG_COOKIE)
        .map_or(Lang::Ja, |c| Lang::from_code(c.value()))
}

/// Only local paths may be redirect targets.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// What every page's layout needs.
#[derive(Serialize)]
pub(crate) struct Layout {
    lang: &'static str,
    path: String,
    user: Option<String>,
    org: Option<String>,
    csrf: Option<String>,
    is_admin: bool,
    is_platform_admin: bool,
}

pub(crate) async fn layout(s: &AppState, p: &Principal, lang: Lang, path: &str) -> Layout {
    let org = match p.viewer().org {
        Some(o) => s.store.get_org(o).await.ok().map(|o| {
            if lang == Lang::Ja {
                o.name_ja
            } else {
                o.name_en
            }
        }),
        None => None,
    };
    Layout {
        lang: lang.code(),
        path: path.to_owned(),
        user: p.user.as_ref().map(|u| u.display_name.clone()),
        org,
        csrf: p.csrf.clone(),
        is_admin: p.viewer().role == Some(Role::Admin),
        is_platform_admin: renkei_core::is_platform_admin(p.viewer()),
    }
}

pub(crate) fn render(s: &AppState, status: StatusCode, name: &str, ctx: Value) -> Response {
    match s.templates.render(name, ctx) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, template = name, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

pub(crate) async fn error_page(s: &AppState, p: &Principal, lang: Lang, e: ApiError) -> Response {
    let l = layout(s, p, lang, "/").await;
    render(
        s,
        e.status,
        "error.html",
        context! { l, status => e.status.as_u16(), detail => e.detail },
    )
}

/// Signed-in users only: the redirect to the sign-in page for anyone else.
pub(crate) fn login_redirect(p: &Principal, path: &str) -> Option<Response> {
    p.user
        .is_none()
        .then(|| Redirect::to(&format!("/login?next={}", urlencode(path))).into_response())
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The start of every form post: signed in, and the form carries this
/// session's CSRF token. `Some` is the response that refuses it.
pub(crate) async fn refuse_form(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    path: &str,
    csrf: &str,
) -> Option<Response> {
    if let Some(r) = login_redirect(p, path) {
        return Some(r);
    }
    match check_csrf(p, csrf) {
        Ok(()) => None,
        Err(e) => Some(error_page(s, p, lang, e).await),
    }
}

/// A form error for the page: its message and the field to mark.
pub(crate) fn error_ctx(error: Option<ApiError>) -> Value {
    error.map_or(
        Value::UNDEFINED,
        |e| context! { detail => e.detail, field => e.field },
    )
}

fn check_csrf(p: &Principal, submitted: &str) -> Result<(), ApiError> {
    match &p.csrf {
        Some(t) if auth::same_secret(t, submitted) => Ok(()),
        _ => Err(ApiError::forbidden(
            "the form expired or did not come from this site; reload the page and try again",
        )),
    }
}

pub(crate) fn org_name(o: &Org, lang: Lang) -> String {
    if lang == Lang::Ja {
        o.name_ja.clone()
    } else {
        o.name_en.clone()
    }
}

// -- sign-in --------------------------------------------------------------

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = lang_of(&jar);
    login_form(&s, &p, jar, lang, q.next.as_deref(), None, StatusCode::OK).await
}

async fn login_form(
    s: &AppState,
    p: &Principal,
    jar: CookieJar,
    lang: Lang,
    next: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let token = auth::random_secret();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(s.settings.secure_cookies)
        .path("/login")
        .build();
    let l = layout(s, p, lang, "/login").await;
    let page = render(
        s,
        status,
        "login.html",
        context! { l, login_csrf => token, next => safe_next(next), error },
    );
    (jar.add(cookie), page).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<LoginForm>,
) -> Response {
    let lang = lang_of(&jar);
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !auth::same_secret(&expected, &f.csrf) {
        return login_form(
            &s,
            &p,
            jar,
            lang,
            f.next.as_deref(),
            Some("login-error-expired"),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let email_text = f.email.trim().to_lowercase();
    let source = p.actor.source.clone();
    let window = Timestamp::now().plus_seconds(-60 * s.settings.login_window_minutes);
    let audit = |outcome, detail: &str| AuditEvent {
        action: "login".into(),
        object: format!("email:{email_text}"),
        outcome,
        detail: detail.to_owned(),
    };
    match s
        .store
        .login_failures_since(&email_text, &source, window)
        .await
    {
        Ok((by_email, by_source))
            if by_email >= s.settings.login_max_failures
                || by_source >= s.settings.login_max_failures * 4 =>
        {
            let _ = s
                .store
                .audit(&p.actor, audit(AuditOutcome::Denied, "throttled"))
                .await;
            return login_form(
                &s,
                &p,
                jar,
                lang,
                f.next.as_deref(),
                Some("login-error-throttled"),
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await;
        }
        Ok(_) => {}
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    }
    let creds = match Email::parse(&f.email) {
        Ok(e) => s.store.credentials(&e).await.ok().flatten(),
        Err(_) => None,
    };
    let ok = match &creds {
        Some(c) => auth::verify_password(&f.password, &c.password_hash) && c.user.active,
        None => {
            auth::verify_password(&f.password, auth::dummy_hash());
            false
        }
    };
    let Some(user) = creds.filter(|_| ok).map(|c| c.user) else {
        let _ = s.store.record_login_failure(&email_text, &source).await;
        let _ = s
            .store
            .audit(
                &p.actor,
                audit(AuditOutcome::Failed, "wrong e-mail or password"),
            )
            .await;
        return login_form(
            &s,
            &p,
            jar,
            lang,
            f.next.as_deref(),
            Some("login-error-invalid"),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    };
    let secret = auth::random_secret();
    let expires = Timestamp::now().plus_seconds(3600 * s.settings.session_hours);
    if let Err(e) = s
        .store
        .create_session(
            user.id,
            &auth::secret_hash(&secret),
            &auth::random_secret(),
            expires,
        )
        .await
    {
        return error_page(&s, &p, lang, e.into()).await;
    }
    let actor = renkei_core::Actor {
        viewer: s.store.viewer_for_user(user.id).await.unwrap_or_default(),
        label: user.email.to_string(),
        source,
        system: false,
    };
    let _ = s.store.audit(&actor, audit(AuditOutcome::Ok, "")).await;
    let cookie = Cookie::build((SESSION_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(s.settings.secure_cookies)
        .path("/")
        .max_age(time::Duration::hours(s.settings.session_hours))
        .build();
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(cookie);
    (jar, Redirect::to(&safe_next(f.next.as_deref()))).into_response()
}

/// A form that carries only its CSRF token (buttons that act on one row).
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    pub(crate) csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = check_csrf(&p, &f.csrf) {
        return error_page(&s, &p, lang_of(&jar), e).await;
    }
    if let Some(h) = &p.session_hash {
        let _ = s.store.revoke_session(h).await;
        let ev = AuditEvent {
            action: "logout".into(),
            object: "session".into(),
            outcome: AuditOutcome::Ok,
            detail: String::new(),
        };
        let _ = s.store.audit(&p.actor, ev).await;
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response()
}

async fn set_lang(
    State(s): State<AppState>,
    jar: CookieJar,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = Lang::from_code(&code);
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(s.settings.secure_cookies)
        .path("/")
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(&safe_next(q.next.as_deref()))).into_response()
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

pub(crate) fn tlp_class(t: Tlp) -> &'static str {
    match t {
        Tlp::Clear => "tlp-clear",
        Tlp::Green => "tlp-green",
        Tlp::Amber => "tlp-amber",
        Tlp::AmberStrict => "tlp-amber-strict",
        Tlp::Red => "tlp-red",
    }
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

async fn home(State(s): State<AppState>, jar: CookieJar, p: Principal) -> Response {
    if let Some(r) = login_redirect(&p, "/") {
        return r;
    }
    let lang = lang_of(&jar);
    let rows = match s.store.list_items(&p.actor, 50).await {
        Ok(items) => item_rows(&s, lang, items).await,
        Err(e) => Err(e.into()),
    };
    match rows {
        Ok(items) => {
            let l = layout(&s, &p, lang, "/").await;
            render(&s, StatusCode::OK, "home.html", context! { l, items })
        }
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn item_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Path(id): Path<i64>,
) -> Response {
    let path = format!("/items/{id}");
    if let Some(r) = login_redirect(&p, &path) {
        return r;
    }
    let lang = lang_of(&jar);
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

// -- administration -------------------------------------------------------

#[derive(Serialize)]
struct OrgRow {
    id: i64,
    name: String,
    kind: &'static str,
    sector: Option<String>,
    prefecture: Option<String>,
}

#[derive(Deserialize)]
struct Flash {
    ok: Option<String>,
    org: Option<i64>,
    before: Option<i64>,
}

/// Only known flash keys are echoed back, so a crafted link cannot inject text.
fn flash_key(ok: Option<&str>) -> Option<&'static str> {
    match ok? {
        "org-created" => Some("flash-org-created"),
        "user-created" => Some("flash-user-created"),
        "membership-created" => Some("flash-membership-created"),
        "terms-accepted" => Some("flash-terms-accepted"),
        "community-created" => Some("flash-community-created"),
        "link-created" => Some("flash-link-created"),
        _ => None,
    }
}

async fn orgs_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    flash: Option<&'static str>,
    error: Option<ApiError>,
) -> Response {
    let orgs = match s.store.list_orgs().await {
        Ok(o) => o,
        Err(e) => return error_page(s, p, lang, e.into()).await,
    };
    let links = s.store.list_supply_links().await.unwrap_or_default();
    let name = |id: OrgId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| org_name(o, lang))
    };
    let org_opts: Vec<_> = orgs
        .iter()
        .map(|o| context! { id => o.id.0, name => org_name(o, lang) })
        .collect();
    let link_rows: Vec<_> = links
        .iter()
        .map(|l| context! { customer => name(l.customer), contractor => name(l.contractor), tier => l.tier })
        .collect();
    let rows: Vec<OrgRow> = orgs
        .iter()
        .map(|o| OrgRow {
            id: o.id.0,
            name: org_name(o, lang),
            kind: o.kind.as_str(),
            sector: o.sector.as_ref().map(|s| s.to_string()),
            prefecture: o.prefecture.map(|p| {
                if lang == Lang::Ja {
                    p.name_ja()
                } else {
                    p.name_en()
                }
                .to_owned()
            }),
        })
        .collect();
    let kinds: Vec<_> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    let prefectures: Vec<_> = (1..=47)
        .filter_map(|c| Prefecture::from_code(c).ok())
        .map(|p| context! { code => p.code(), name => if lang == Lang::Ja { p.name_ja() } else { p.name_en() } })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let l = layout(s, p, lang, "/admin/orgs").await;
    render(
        s,
        status,
        "orgs.html",
        context! { l, orgs => rows, org_opts, links => link_rows, kinds, sectors => Sector::KNOWN, prefectures, flash,
        error => error_ctx(error) },
    )
}

async fn orgs_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(f): Query<Flash>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/orgs") {
        return r;
    }
    orgs_view(&s, &p, lang_of(&jar), flash_key(f.ok.as_deref()), None).await
}

#[derive(Deserialize)]
struct OrgForm {
    csrf: String,
    name_ja: String,
    name_en: String,
    kind: String,
    sector: Option<String>,
    prefecture: Option<String>,
}

async fn orgs_create(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<OrgForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/admin/orgs", &f.csrf).await {
        return r;
    }
    let req = crate::views::NewOrgRequest {
        name_ja: f.name_ja,
        name_en: f.name_en,
        kind: f.kind,
        sector: f.sector,
        prefecture: f.prefecture,
    };
    let res = match req.parse() {
        Ok(o) => s
            .store
            .create_org(&p.actor, o)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match res {
        Ok(_) => Redirect::to("/admin/orgs?ok=org-created").into_response(),
        Err(e) => orgs_view(&s, &p, lang, None, Some(e)).await,
    }
}

#[derive(Serialize)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: &'static str,
    active: bool,
    created_at: String,
}

impl From<User> for UserRow {
    fn from(u: User) -> Self {
        Self {
            id: u.id.0,
            email: u.email.to_string(),
            display_name: u.display_name,
            role: u.role.as_str(),
            active: u.active,
            created_at: u.created_at.to_jst_display(),
        }
    }
}

async fn users_view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    org: Option<i64>,
    flash: Option<&'static str>,
    error: Option<ApiError>,
) -> Response {
    let Some(org) = org.map(OrgId).or(p.viewer().org) else {
        return error_page(s, p, lang, ApiError::unauthorized()).await;
    };
    if !renkei_core::can_administer(&p.actor, org) {
        return error_page(
            s,
            p,
            lang,
            ApiError::forbidden("only administrators manage users"),
        )
        .await;
    }
    let (users, orgs) = match (
        s.store.list_users(Some(org)).await,
        s.store.list_orgs().await,
    ) {
        (Ok(u), Ok(o)) => (u, o),
        (Err(e), _) | (_, Err(e)) => return error_page(s, p, lang, e.into()).await,
    };
    let users: Vec<UserRow> = users.into_iter().map(Into::into).collect();
    let org_rows: Vec<_> = orgs
        .iter()
        .filter(|o| renkei_core::can_administer(&p.actor, o.id))
        .map(|o| context! { id => o.id.0, name => org_name(o, lang), selected => o.id == org })
        .collect();
    let roles: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let l = layout(s, p, lang, "/admin/users").await;
    render(
        s,
        status,
        "users.html",
        context! { l, users, orgs => org_rows, org_id => org.0, roles, flash,
        error => error_ctx(error) },
    )
}

async fn users_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(f): Query<Flash>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/users") {
        return r;
    }
    users_view(
        &s,
        &p,
        lang_of(&jar),
        f.org,
        flash_key(f.ok.as_deref()),
        None,
    )
    .await
}

#[derive(Deserialize)]
struct UserForm {
    csrf: String,
    org_id: Option<i64>,
    email: String,
    display_name: String,
    role: String,
    password: String,
}

async fn users_create(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<UserForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/admin/users", &f.csrf).await {
        return r;
    }
    match crate::api::new_user(
        &s,
        &p,
        f.org_id,
        &f.email,
        &f.display_name,
        &f.role,
        &f.password,
    )
    .await
    {
        Ok(u) => {
            Redirect::to(&format!("/admin/users?ok=user-created&org={}", u.org)).into_response()
        }
        Err(e) => users_view(&s, &p, lang, f.org_id, None, Some(e)).await,
    }
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
    jar: CookieJar,
    p: Principal,
    Query(f): Query<Flash>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/communities") {
        return r;
    }
    communities_view(&s, &p, lang_of(&jar), flash_key(f.ok.as_deref()), None).await
}

#[derive(Deserialize)]
struct MembershipForm {
    csrf: String,
    community_id: i64,
    org_id: i64,
}

async fn membership_create(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<MembershipForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/admin/communities", &f.csrf).await {
        return r;
    }
    match s
        .store
        .add_membership(&p.actor, CommunityId(f.community_id), OrgId(f.org_id))
        .await
    {
        Ok(_) => Redirect::to("/admin/communities?ok=membership-created").into_response(),
        Err(e) => communities_view(&s, &p, lang, None, Some(e.into())).await,
    }
}

async fn membership_accept(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/admin/communities", &f.csrf).await {
        return r;
    }
    match s.store.accept_terms(&p.actor, id).await {
        Ok(_) => Redirect::to("/admin/communities?ok=terms-accepted").into_response(),
        Err(e) => communities_view(&s, &p, lang, None, Some(e.into())).await,
    }
}

async fn audit_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(f): Query<Flash>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/admin/audit") {
        return r;
    }
    let lang = lang_of(&jar);
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

async fn upcoming(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    uri: axum::http::Uri,
) -> Response {
    if let Some(r) = login_redirect(&p, uri.path()) {
        return r;
    }
    let lang = lang_of(&jar);
    let section = uri.path().trim_start_matches('/').to_owned();
    let l = layout(&s, &p, lang, uri.path()).await;
    render(&s, StatusCode::OK, "upcoming.html", context! { l, section })
}

#[derive(Deserialize)]
struct LinkForm {
    csrf: String,
    customer: i64,
    contractor: i64,
    tier: i64,
}

async fn link_create(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<LinkForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/admin/orgs", &f.csrf).await {
        return r;
    }
    let res = match renkei_core::SupplyLink::new(OrgId(f.customer), OrgId(f.contractor), f.tier) {
        Ok(link) => s
            .store
            .add_supply_link(&p.actor, link)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match res {
        Ok(()) => Redirect::to("/admin/orgs?ok=link-created").into_response(),
        Err(e) => orgs_view(&s, &p, lang, None, Some(e)).await,
    }
}

#[derive(Deserialize)]
struct CommunityForm {
    csrf: String,
    name_ja: String,
    name_en: String,
    description: String,
    terms_version: String,
}

async fn community_create(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<CommunityForm>,
) -> Response {
    let lang = lang_of(&jar);
    if let Some(r) = refuse_form(&s, &p, lang, "/admin/communities", &f.csrf).await {
        return r;
    }
    let c = renkei_core::model::NewCommunity {
        name_ja: f.name_ja,
        name_en: f.name_en,
        description: f.description,
        terms_version: f.terms_version,
    };
    match s.store.create_community(&p.actor, c).await {
        Ok(_) => Redirect::to("/admin/communities?ok=community-created").into_response(),
        Err(e) => communities_view(&s, &p, lang, None, Some(e.into())).await,
    }
}

#[derive(Deserialize)]
struct IntelQuery {
    /// Page further in one collection: its id and the `next` token.
    collection: Option<String>,
    next: Option<String>,
}

/// Shared intelligence: each collection the user's organisation may read,
/// newest objects first, each object filtered by its own marking (and the
/// read audited) in the store.
async fn intel_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(q): Query<IntelQuery>,
) -> Response {
    if let Some(r) = login_redirect(&p, "/intel") {
        return r;
    }
    let lang = lang_of(&jar);
    let collections = match s.store.list_collections().await {
        Ok(c) => c,
        Err(e) => return error_page(&s, &p, lang, e.into()).await,
    };
    let communities = s.store.list_communities().await.unwrap_or_default();
    let mut sections = Vec::new();
    for c in collections
        .into_iter()
        .filter(|c| renkei_core::can_read_community(p.viewer(), c.community))
    {
        let mut query = renkei_store::intel::StixQuery::new(50);
        query.newest_first = true;
        if q.collection.as_deref() == Some(c.id.as_str()) {
            query.after = q.next.as_deref().and_then(crate::taxii::decode_next);
        }
        let page = match s.store.stix_page(&p.actor, &c, &query).await {
            Ok(page) => page,
            Err(e) => return error_page(&s, &p, lang, e.into()).await,
        };
        let rows: Vec<Value> = page
            .rows
            .iter()
            .map(|r| {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
                let text = |k: &str| body.get(k).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
                context! {
                    tlp => r.tlp.as_str(), tlp_class => tlp_class(r.tlp), kind => r.stix_type.clone(),
                    name => text("name"), pattern => text("pattern"), id => r.stix_id.clone(), version => r.version.clone(),
                }
            })
            .collect();
        let next = page
            .more
            .then(|| {
                page.rows
                    .last()
                    .map(|r| crate::taxii::encode_next(r.date_added, r.pk))
            })
            .flatten();
        let community = communities.iter().find(|x| x.id == c.community).map(|x| {
            if lang == Lang::Ja {
                x.name_ja.clone()
            } else {
                x.name_en.clone()
            }
        });
        sections.push(context! {
            id => c.id.clone(), title => c.title.clone(), community, rows, next,
            taxii => format!("/taxii2/community-{}/collections/{}/", c.community.0, c.id),
        });
    }
    let l = layout(&s, &p, lang, "/intel").await;
    render(&s, StatusCode::OK, "intel.html", context! { l, sections })
}
