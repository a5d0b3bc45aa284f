//! Signing in and out of the portal, and choosing its language. The
//! sign-in form is protected by a double-submit cookie (there is no session
//! yet); failures are throttled per address and per client, and audited.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use minijinja::context;
use renkei_core::{AuditOutcome, Email, Timestamp};
use renkei_store::AuditEvent;
use serde::Deserialize;

use crate::http::AppState;
use crate::http::auth::{self, LOGIN_CSRF_COOKIE, Principal, SESSION_COOKIE};
use crate::http::i18n::Lang;
use crate::http::page::{LANG_COOKIE, check_csrf, error_page, lang_of, layout, render};
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
        context! { l, login_csrf => token, next => safe_next(next), error, oidc => super::oidc::buttons(s, lang) },
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
    let viewer = s.store.viewer_for_user(user.id).await.unwrap_or_default();
    let actor = Principal::for_user(user, viewer, source).actor;
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
    (jar, see_other(&safe_next(f.next.as_deref()))).into_response()
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
    (jar.add(cookie), see_other(&safe_next(q.next.as_deref()))).into_response()
}
