//! Signing in and out of the portal, and choosing its language. The
//! sign-in form is protected by a double-submit cookie (there is no session
//! yet). Signing in is two steps: the password check (`password_ok`:
//! throttled per account and client address, audited, failing closed),
//! then `start_session`; a second factor or another identity provider
//! fits between or in place of the first.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use minijinja::context;
use serde::Deserialize;

use crate::http::AppState;
use crate::http::auth::{self, LOGIN_CSRF_COOKIE, Principal, SESSION_COOKIE};
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{LANG_COOKIE, check_csrf, error_page, lang_of, layout, render};
use crate::http::password::{SignInError, password_ok};
use crate::http::redirect::{local_path, see_other};

/// Only same-origin paths may be redirect targets (`redirect::local_path`).
fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_owned())
}

// -- sign-in --------------------------------------------------------------
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    /// Set after a reset link was used: the page says the password is set.
    reset: Option<String>,
}

async fn login_page(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Query(q): Query<NextQuery>,
) -> Response {
    let lang = lang_of(&jar);
    let notice = q.reset.is_some().then_some("login-reset-done");
    let next = q.next.as_deref();
    login_form_with(&s, &p, jar, lang, next, (None, notice, ""), StatusCode::OK).await
}

async fn login_form(
    s: &AppState,
    p: &Principal,
    jar: CookieJar,
    lang: Lang,
    next: Option<&str>,
    (error, email): (Option<&str>, &str),
    status: StatusCode,
) -> Response {
    login_form_with(s, p, jar, lang, next, (error, None, email), status).await
}

/// The sign-in form with an error or a notice (Fluent keys), and the
/// e-mail address typed before a refusal, so only the password is retyped.
async fn login_form_with(
    s: &AppState,
    p: &Principal,
    jar: CookieJar,
    lang: Lang,
    next: Option<&str>,
    (error, notice, email): (Option<&str>, Option<&str>, &str),
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
        context! { l, login_csrf => token, next => safe_next(next), error, notice, email, oidc => super::oidc::buttons(s, lang) },
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
            (Some("login-error-expired"), &f.email),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let (error, status) = match password_ok(&s, &p.actor, &f.email, &f.password, "portal").await {
        Ok(user) => {
            // A second factor, when the user has one or their organisation
            // requires one: a pending sign-in instead of a session (mfa/).
            let next = safe_next(f.next.as_deref());
            if let Some(r) = super::mfa::after_password(&s, &p, &jar, lang, &user, &next).await {
                return r;
            }
            return match super::session::start_session(&s, user, &p.actor.source, "portal").await {
                Ok(cookie) => {
                    let jar = jar
                        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
                        .add(cookie);
                    (jar, see_other(&next)).into_response()
                }
                Err(e) => error_page(&s, &p, lang, e).await,
            };
        }
        Err(SignInError::Invalid) => ("login-error-invalid", StatusCode::UNAUTHORIZED),
        Err(SignInError::Throttled { .. }) => {
            ("login-error-throttled", StatusCode::TOO_MANY_REQUESTS)
        }
        Err(SignInError::Failed(e)) => return error_page(&s, &p, lang, e).await,
    };
    let typed = (Some(error), f.email.as_str());
    login_form(&s, &p, jar, lang, f.next.as_deref(), typed, status).await
}

/// Signing out carries only the CSRF token. Unlike other forms it is not
/// sent to sign in first: an expired session gets the error page.
#[derive(Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    Form(f): Form<LogoutForm>,
) -> Response {
    if let Err(e) = check_csrf(&p, &f.csrf) {
        return error_page(&s, &p, lang_of(&jar), e).await;
    }
    // A session that cannot be ended is still live: say so, and keep the
    // cookie, rather than pretend the person signed out.
    if let Some(h) = &p.session_hash
        && let Err(e) = s.store.revoke_session(&p.actor, h).await
    {
        tracing::error!(error = %e, "sign-out: the session could not be ended");
        let e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Sign-out failed",
            "the session could not be ended and is still active; try signing out again",
        );
        return error_page(&s, &p, lang_of(&jar), e).await;
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
    (jar.add(cookie), see_other(&safe_next(q.next.as_deref()))).into_response()
}
