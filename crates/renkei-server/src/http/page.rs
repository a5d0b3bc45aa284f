//! What every portal page shares: the layout, rendering, the error page,
//! the sign-in redirect, the language, and the CSRF-checked form
//! extractor. Forms are protected by a per-session CSRF token (and
//! SameSite=Strict cookies); the sign-in form by a double-submit cookie.

use axum::Router;
use axum::extract::{Form, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::model::Org;
use renkei_core::{Role, Tlp};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::{self, Principal};
use super::error::ApiError;
use super::i18n::Lang;
use super::messages::Localized;
use super::redirect::percent_decode;
use crate::http::AppState;

pub(crate) use super::i18n::LANG_COOKIE;
const CSS: &str = include_str!("../../static/renkei.css");

/// The stylesheet, and the pages of capabilities still to come.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/renkei.css", get(css))
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

async fn upcoming(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    uri: axum::http::Uri,
) -> Response {
    if let Some(r) = login_redirect(&p, uri.path()) {
        return r;
    }
    let section = uri.path().trim_start_matches('/').to_owned();
    let l = layout(&s, &p, lang, uri.path()).await;
    render(&s, StatusCode::OK, "upcoming.html", context! { l, section })
}

pub(crate) fn lang_of(jar: &CookieJar) -> Lang {
    jar.get(LANG_COOKIE)
        .map_or(Lang::Ja, |c| Lang::from_code(c.value()))
}

/// The language a page is rendered in: the language cookie, else Japanese.
impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(lang_of(&CookieJar::from_headers(&parts.headers)))
    }
}

/// The query of the administration pages: a flash key after a form
/// succeeded, and an organisation.
#[derive(Deserialize)]
pub(crate) struct AdminQuery {
    pub(crate) ok: Option<String>,
    pub(crate) org: Option<i64>,
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
    /// Unread notifications, counted up to [`UNREAD_CAP`] (0 signed out).
    unread: i64,
    /// How the count reads: the number, or "99+" at the cap.
    unread_text: String,
}

/// The navigation counts unread notifications up to here, so every page
/// stays one bounded query.
const UNREAD_CAP: i64 = 100;

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
    let unread = if p.user.is_some() {
        s.store
            .unread_notices(&p.actor, UNREAD_CAP)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "could not count unread notifications");
                0
            })
    } else {
        0
    };
    Layout {
        unread,
        unread_text: if unread >= UNREAD_CAP {
            format!("{}+", UNREAD_CAP - 1)
        } else {
            unread.to_string()
        },
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

/// The styled error page for `e`: its text in the reader's language (the
/// English detail goes to the log), no navigation item marked current.
pub(crate) async fn error_page(s: &AppState, p: &Principal, lang: Lang, e: ApiError) -> Response {
    if e.status.is_server_error() {
        tracing::warn!(status = e.status.as_u16(), detail = %e.detail, "error page");
    } else {
        tracing::debug!(status = e.status.as_u16(), detail = %e.detail, "error page");
    }
    let l = layout(s, p, lang, "").await;
    let detail = e.message(lang);
    render(
        s,
        e.status,
        "error.html",
        context! { l, status => e.status.as_u16(), detail, code => e.code, signed_in => p.user.is_some() },
    )
}

/// An address no route serves. A portal path gets the styled 404 page;
/// REST paths keep their problem+json body and TAXII paths their TAXII
/// error, as their clients expect.
pub(crate) async fn unknown_path(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    uri: axum::http::Uri,
) -> Response {
    let path = uri.path();
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if under("/taxii2") {
        return crate::share::taxii::unknown_path();
    }
    let e = ApiError::not_found("path").with_code("page-not-found", &[]);
    if under("/api") || under("/static") {
        return e.into_response();
    }
    error_page(&s, &p, lang, e).await
}

/// Signed-in users only: the redirect to the sign-in page for anyone else.
pub(crate) fn login_redirect(p: &Principal, path: &str) -> Option<Response> {
    p.user
        .is_none()
        .then(|| super::redirect::see_other(&format!("/login?next={}", urlencode(path))))
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

pub(crate) fn check_csrf(p: &Principal, submitted: &str) -> Result<(), ApiError> {
    match &p.csrf {
        Some(t) if auth::same_secret(t, submitted) => Ok(()),
        _ => Err(ApiError::forbidden(
            "the form expired or did not come from this site; reload the page and try again",
        )
        .with_code("form-expired", &[])),
    }
}

/// A portal form: its CSRF field, and the page it is on.
pub(crate) trait PortalForm: DeserializeOwned {
    fn csrf(&self) -> &str;

    /// Where signing in leads back to: the page the form is on, by default
    /// the page it posts to (`path`, percent-decoded).
    fn page(path: &str) -> String {
        percent_decode(path)
    }
}

/// A portal form post, accepted: the urlencoded form `T`, from a signed-in
/// user, carrying this session's CSRF token. Anyone signed out is sent to
/// sign in and back to the form's page; a wrong token gets the error page.
pub(crate) struct CsrfForm<T>(pub(crate) T);

impl<T: PortalForm + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, s: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let p = Principal::from_request_parts(&mut parts, s)
            .await
            .map_err(IntoResponse::into_response)?;
        let lang = lang_of(&CookieJar::from_headers(&parts.headers));
        let page = T::page(parts.uri.path());
        let Form(f) = Form::<T>::from_request(Request::from_parts(parts, body), s)
            .await
            .map_err(IntoResponse::into_response)?;
        match refuse_form(s, &p, lang, &page, f.csrf()).await {
            Some(refused) => Err(refused),
            None => Ok(Self(f)),
        }
    }
}

/// A form error for the page: its message and the field to mark.
pub(crate) fn error_ctx(error: Option<ApiError>) -> Value {
    error.map_or(
        Value::UNDEFINED,
        |e| context! { detail => Localized::value(|lang| e.message(lang)), field => e.field, code => e.code },
    )
}

pub(crate) fn org_name(o: &Org, lang: Lang) -> String {
    if lang == Lang::Ja {
        o.name_ja.clone()
    } else {
        o.name_en.clone()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_decode_as_path_parameters_do() {
        assert_eq!(
            percent_decode("/intel/objects/a%20b%2Fc"),
            "/intel/objects/a b/c"
        );
        assert_eq!(percent_decode("/admin/orgs"), "/admin/orgs");
        assert_eq!(percent_decode("/x%2"), "/x%2");
    }
}
