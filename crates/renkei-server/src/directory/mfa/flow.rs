//! The second step of signing in. `after_password` (called by `signin.rs`
//! once the password is right) starts a pending sign-in when the user has
//! a second factor or their organisation requires one; `/login/mfa` then
//! takes a TOTP code, a passkey assertion or a recovery code, or, for a
//! user who must enrol, the first factor. Only then is there a session.
//!
//! Wrong codes are counted per pending sign-in (it ends after a few) and
//! per user (further codes are refused for a while); each is audited.

use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use minijinja::context;
use renkei_core::model::User;
use renkei_core::{Actor, AuditOutcome, Timestamp};
use renkei_store::AuditEvent;
use renkei_store::auth::mfa::{MfaMethod, PendingSignIn};
use serde::Deserialize;

use super::enrol::{self, Target};
use super::passkey::{self, Refusal};
use super::{
    CEREMONY_SECS, PENDING_MAX_FAILURES, PENDING_SECS, issue_recovery_codes, open_totp, recovery,
    throttled, totp, unconfirmed_totp, user_actor, wrong,
};
use crate::http::AppState;
use crate::http::auth::{self, LOGIN_CSRF_COOKIE, Principal};
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{error_page, layout, render};
use crate::http::redirect::see_other;

/// The pending sign-in's cookie; only `/login` paths receive it.
const PENDING_COOKIE: &str = "renkei_mfa";
const PAGE: &str = "/login/mfa";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page))
        .route("/login/mfa/totp", post(verify_totp))
        .route("/login/mfa/recovery", post(verify_recovery))
        .route("/login/mfa/passkey", post(verify_passkey))
        .route("/login/mfa/enrol/totp/start", post(enrol_totp_start))
        .route("/login/mfa/enrol/totp", post(enrol_totp))
        .route(
            "/login/mfa/enrol/passkey",
            get(enrol_passkey_page).post(enrol_passkey),
        )
}

/// The hook in `signin.rs`, right after a successful password check of
/// `user`: `None` lets sign-in go on to a session (no second factor
/// needed); otherwise the response to give (a pending sign-in, or the
/// error page when whether one is needed cannot be told: fail closed).
/// `next` must already be a safe local path.
pub(in crate::directory) async fn after_password(
    s: &AppState,
    p: &Principal,
    jar: &CookieJar,
    lang: Lang,
    user: &User,
    next: &str,
) -> Option<Response> {
    let status = match s.store.mfa_status(user.id).await {
        Ok(st) => st,
        Err(e) => return Some(error_page(s, p, lang, e.into()).await),
    };
    if !status.second_step() {
        return None;
    }
    match start(s, p, jar.clone(), user, next, !status.has_factor()).await {
        Ok(r) => Some(r),
        Err(e) => Some(error_page(s, p, lang, e).await),
    }
}

async fn start(
    s: &AppState,
    p: &Principal,
    jar: CookieJar,
    user: &User,
    next: &str,
    enrol: bool,
) -> Result<Response, ApiError> {
    let actor = user_actor(s, user, &p.actor.source).await?;
    let secret = auth::random_secret();
    let pending = PendingSignIn {
        user: user.id,
        csrf_token: auth::random_secret(),
        enrol,
        next: next.to_owned(),
        expires_at: Timestamp::now().plus_seconds(PENDING_SECS),
    };
    s.store
        .create_pending_sign_in(&auth::secret_hash(&secret), &pending)
        .await?;
    let detail = if enrol {
        "password accepted; the organisation requires a second factor, to enrol"
    } else {
        "password accepted; second factor asked"
    };
    audit(s, &actor, "mfa.pending", AuditOutcome::Ok, detail).await?;
    let cookie = Cookie::build((PENDING_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(s.settings.secure_cookies)
        .path("/login")
        .max_age(time::Duration::seconds(PENDING_SECS))
        .build();
    let jar = jar
        .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"))
        .add(cookie);
    Ok((jar, Redirect::to(PAGE)).into_response())
}

async fn audit(
    s: &AppState,
    actor: &Actor,
    action: &str,
    outcome: AuditOutcome,
    detail: &str,
) -> Result<(), ApiError> {
    let ev = AuditEvent {
        action: action.into(),
        object: format!("email:{}", actor.label),
        outcome,
        detail: detail.into(),
    };
    Ok(s.store.audit(actor, ev).await?)
}

/// A live pending sign-in of this browser.
struct Pending {
    /// The hash of its cookie's secret: its key, and its ceremonies' owner.
    hash: String,
    p: PendingSignIn,
    user: User,
    actor: Actor,
}

async fn pending_of(
    s: &AppState,
    jar: &CookieJar,
    pr: &Principal,
) -> Result<Option<Pending>, ApiError> {
    let Some(c) = jar.get(PENDING_COOKIE) else {
        return Ok(None);
    };
    let hash = auth::secret_hash(c.value());
    let Some(p) = s
        .store
        .pending_sign_in(&hash, Timestamp::now(), PENDING_MAX_FAILURES)
        .await?
    else {
        return Ok(None);
    };
    let user = s.store.get_user(p.user).await?;
    let actor = user_actor(s, &user, &pr.actor.source).await?;
    Ok(Some(Pending {
        hash,
        p,
        user,
        actor,
    }))
}

/// Back to the password: the pending sign-in ended, expired or never was.
fn to_login() -> Response {
    Redirect::to("/login").into_response()
}

/// The pending sign-in a form posts for, if its CSRF token matches.
async fn accept(
    s: &AppState,
    jar: &CookieJar,
    p: &Principal,
    lang: Lang,
    csrf: &str,
) -> Result<Pending, Response> {
    match pending_of(s, jar, p).await {
        Ok(Some(pd)) if auth::same_secret(&pd.p.csrf_token, csrf) => Ok(pd),
        Ok(Some(_)) => Err(error_page(
            s,
            p,
            lang,
            ApiError::forbidden("the form expired or did not come from this site; sign in again"),
        )
        .await),
        Ok(None) => Err(to_login()),
        Err(e) => Err(error_page(s, p, lang, e).await),
    }
}

async fn page(State(s): State<AppState>, jar: CookieJar, lang: Lang, p: Principal) -> Response {
    match pending_of(&s, &jar, &p).await {
        Ok(Some(pd)) => view(&s, &p, lang, &pd, None).await,
        Ok(None) => to_login(),
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

/// The second-step page: the factors the user has, or the ones to enrol.
async fn view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    pd: &Pending,
    error: Option<(&'static str, StatusCode)>,
) -> Response {
    let ctx = async {
        let st = s.store.mfa_status(pd.user.id).await?;
        let passkey_options = if st.passkeys > 0 && !pd.p.enrol {
            assertion_options(s, pd).await?
        } else {
            None
        };
        Ok::<_, ApiError>((st, passkey_options))
    };
    let (st, passkey_options) = match ctx.await {
        Ok(v) => v,
        Err(e) => return error_page(s, p, lang, e).await,
    };
    let l = layout(s, p, lang, PAGE).await;
    let (error, status) = error.map_or((None, StatusCode::OK), |(k, st)| (Some(k), st));
    render(
        s,
        status,
        "mfa_signin.html",
        context! {
            l, error, csrf => pd.p.csrf_token, enrol => pd.p.enrol, totp => st.totp,
            passkeys => st.passkeys > 0, passkey_options,
            passkeys_here => passkey::relying_party(&s.settings).is_ok(),
        },
    )
}

/// Starts an assertion by any of the user's passkeys, waiting for this
/// pending sign-in; `None` when passkeys cannot work here.
async fn assertion_options(s: &AppState, pd: &Pending) -> Result<Option<String>, ApiError> {
    let Ok(rp) = passkey::relying_party(&s.settings) else {
        return Ok(None);
    };
    let stored: Vec<_> = s
        .store
        .list_passkeys(pd.user.id)
        .await?
        .iter()
        .filter_map(|r| passkey::parse_passkey(&r.passkey))
        .collect();
    let Ok((options, state)) = passkey::start_authentication(&rp, &stored) else {
        return Ok(None);
    };
    let until = Timestamp::now().plus_seconds(CEREMONY_SECS);
    s.store
        .put_ceremony(&pd.hash, pd.user.id, "auth", &state, until)
        .await?;
    Ok(Some(options))
}

/// Completes the sign-in: the pending one ends (once), a session starts.
/// Recovery codes just issued are shown before going on.
async fn complete(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    jar: CookieJar,
    pd: &Pending,
    how: &str,
    then: Then,
) -> Response {
    let jar = match session(s, jar, pd, how).await {
        Ok(j) => j,
        Err(e) => return error_page(s, p, lang, e).await,
    };
    match then {
        Then::Next => (jar, see_other(&pd.p.next)).into_response(),
        Then::To(path) => (jar, Redirect::to(path)).into_response(),
        Then::Codes(codes) => {
            let page = enrol::codes_page(s, p, lang, &codes, &pd.p.next).await;
            (jar, page).into_response()
        }
    }
}

enum Then {
    Next,
    To(&'static str),
    Codes(Vec<String>),
}

async fn session(
    s: &AppState,
    jar: CookieJar,
    pd: &Pending,
    how: &str,
) -> Result<CookieJar, ApiError> {
    if !s.store.end_pending_sign_in(&pd.hash).await? {
        return Err(ApiError::forbidden(
            "this sign-in was completed or has expired; sign in again",
        ));
    }
    // The one way a portal session starts (signin.rs): audited first.
    let how = format!("second factor: {how}");
    let cookie =
        super::super::session::start_session(s, pd.user.clone(), &pd.actor.source, &how).await?;
    Ok(jar
        .remove(Cookie::build(PENDING_COOKIE).path("/login"))
        .add(cookie))
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    code: String,
}

#[derive(Deserialize)]
struct PasskeyForm {
    csrf: String,
    credential: String,
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

#[derive(Deserialize)]
struct NewPasskeyForm {
    csrf: String,
    #[serde(default)]
    name: String,
    credential: String,
}

/// What a code check came to: the sign-in completes, or the page says why not.
type Checked = Result<Option<(&'static str, StatusCode)>, ApiError>;

const WRONG: StatusCode = StatusCode::UNAUTHORIZED;
const THROTTLED: Option<(&str, StatusCode)> =
    Some(("mfa-error-throttled", StatusCode::TOO_MANY_REQUESTS));

async fn verify_totp(
    State(s): State<AppState>,
    jar: CookieJar,
    lang: Lang,
    p: Principal,
    Form(f): Form<CodeForm>,
) -> Response {
    let pd = match accept(&s, &jar, &p, lang, &f.csrf).await {
        Ok(pd) => pd,
        Err(r) => return r,
    };
    match check_totp(&s, &pd, &f.code).await {
        Ok(None) => complete(&s, &p, lang, jar, &pd, "totp", Then::Next).await,
        Ok(Some(e)) => view(&s, &p, lang, &pd, Some(e)).await,
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn check_totp(s: &AppState, pd: &Pending, code: &str) -> Checked {
    if throttled(s, &pd.actor, pd.user.id).await? {
        return Ok(THROTTLED);
    }
    let (m, h) = (MfaMethod::Totp, Some(pd.hash.as_str()));
    let Some(stored) = s
        .store
        .totp_secret(pd.user.id)
        .await?
        .filter(|t| t.confirmed)
    else {
        wrong(s, &pd.actor, h, m, "no authenticator app set up").await?;
        return Ok(Some(("mfa-error-code", WRONG)));
    };
    let secret = open_totp(s, pd.user.id, &stored.secret)?;
    let Some(step) = totp::check(&secret, code, totp::now_seconds()) else {
        wrong(s, &pd.actor, h, m, "wrong code").await?;
        return Ok(Some(("mfa-error-code", WRONG)));
    };
    if s.store.accept_totp_step(&pd.actor, step, h).await? {
        Ok(None)
    } else {
        Ok(Some(("mfa-error-code-used", WRONG)))
    }
}

async fn verify_recovery(
    State(s): State<AppState>,
    jar: CookieJar,
    lang: Lang,
    p: Principal,
    Form(f): Form<CodeForm>,
) -> Response {
    let pd = match accept(&s, &jar, &p, lang, &f.csrf).await {
        Ok(pd) => pd,
        Err(r) => return r,
    };
    let checked = async {
        if throttled(&s, &pd.actor, pd.user.id).await? {
            return Ok(THROTTLED);
        }
        let used = match recovery::hash(pd.user.id, &f.code) {
            Some(h) => s.store.use_recovery_code(&pd.actor, &h).await?,
            None => false,
        };
        if used {
            return Ok(None);
        }
        let m = MfaMethod::RecoveryCode;
        wrong(&s, &pd.actor, Some(&pd.hash), m, "wrong or used code").await?;
        Ok(Some(("mfa-error-recovery", WRONG)))
    };
    match checked.await {
        // A used code is gone: the settings page says how many are left.
        Ok(None) => {
            let then = Then::To("/account/mfa?ok=recovery-used");
            complete(&s, &p, lang, jar, &pd, "recovery code", then).await
        }
        Ok(Some(e)) => view(&s, &p, lang, &pd, Some(e)).await,
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn verify_passkey(
    State(s): State<AppState>,
    jar: CookieJar,
    lang: Lang,
    p: Principal,
    Form(f): Form<PasskeyForm>,
) -> Response {
    let pd = match accept(&s, &jar, &p, lang, &f.csrf).await {
        Ok(pd) => pd,
        Err(r) => return r,
    };
    match check_passkey(&s, &pd, &f.credential).await {
        Ok(None) => complete(&s, &p, lang, jar, &pd, "passkey", Then::Next).await,
        Ok(Some(e)) => view(&s, &p, lang, &pd, Some(e)).await,
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn check_passkey(s: &AppState, pd: &Pending, answer: &str) -> Checked {
    let refused = Some(("mfa-error-passkey", WRONG));
    let Ok(rp) = passkey::relying_party(&s.settings) else {
        return Ok(Some((
            "mfa-error-passkey-unavailable",
            StatusCode::UNPROCESSABLE_ENTITY,
        )));
    };
    let (m, h) = (MfaMethod::Passkey, Some(pd.hash.as_str()));
    let now = Timestamp::now();
    let Some(state) = s
        .store
        .take_ceremony(&pd.hash, pd.user.id, "auth", now)
        .await?
    else {
        wrong(s, &pd.actor, h, m, "no assertion was asked for").await?;
        return Ok(refused);
    };
    let records = s.store.list_passkeys(pd.user.id).await?;
    let stored = records
        .iter()
        .filter_map(|r| passkey::parse_passkey(&r.passkey))
        .collect();
    let (credential_id, updated) = match passkey::finish_authentication(&rp, answer, &state, stored)
    {
        Ok(v) => v,
        Err(Refusal::Rejected | Refusal::Unavailable) => {
            wrong(s, &pd.actor, h, m, "assertion refused").await?;
            return Ok(refused);
        }
    };
    let Some(rec) = records.iter().find(|r| r.credential_id == credential_id) else {
        wrong(s, &pd.actor, h, m, "unknown passkey").await?;
        return Ok(refused);
    };
    let json = serde_json::to_string(&updated).map_err(|_| super::internal("passkey JSON"))?;
    s.store.passkey_used(&pd.actor, rec.id, &json).await?;
    Ok(None)
}

// -- enrolling the first factor, when the organisation requires one -------

/// A pending sign-in that must enrol; anyone else is sent back.
async fn enrolling(
    s: &AppState,
    jar: &CookieJar,
    p: &Principal,
    lang: Lang,
    csrf: Option<&str>,
) -> Result<Pending, Response> {
    let pd = match csrf {
        Some(c) => accept(s, jar, p, lang, c).await?,
        None => match pending_of(s, jar, p).await {
            Ok(Some(pd)) => pd,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(error_page(s, p, lang, e).await),
        },
    };
    if pd.p.enrol {
        Ok(pd)
    } else {
        Err(Redirect::to(PAGE).into_response())
    }
}

fn target<'a>(pd: &'a Pending, action: &'static str) -> Target<'a> {
    Target {
        csrf: &pd.p.csrf_token,
        action,
        cancel: PAGE,
    }
}

async fn enrol_totp_start(
    State(s): State<AppState>,
    jar: CookieJar,
    lang: Lang,
    p: Principal,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let pd = match enrolling(&s, &jar, &p, lang, Some(&f.csrf)).await {
        Ok(pd) => pd,
        Err(r) => return r,
    };
    match enrol::start_totp(&s, &pd.actor, &pd.user).await {
        Ok(secret) => {
            let t = target(&pd, "/login/mfa/enrol/totp");
            enrol::totp_page(&s, &p, lang, &pd.user, &secret, &t, None).await
        }
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn enrol_totp(
    State(s): State<AppState>,
    jar: CookieJar,
    lang: Lang,
    p: Principal,
    Form(f): Form<CodeForm>,
) -> Response {
    let pd = match enrolling(&s, &jar, &p, lang, Some(&f.csrf)).await {
        Ok(pd) => pd,
        Err(r) => return r,
    };
    let t = target(&pd, "/login/mfa/enrol/totp");
    match enrol::confirm_totp(&s, &pd.actor, &pd.user, &f.code).await {
        Ok(Ok(_)) => match issue_recovery_codes(&s, &pd.actor).await {
            Ok(codes) => {
                complete(
                    &s,
                    &p,
                    lang,
                    jar,
                    &pd,
                    "totp (enrolled)",
                    Then::Codes(codes),
                )
                .await
            }
            Err(e) => error_page(&s, &p, lang, e).await,
        },
        Ok(Err(key)) => match unconfirmed_totp(&s, pd.user.id).await {
            Ok(Some(secret)) => {
                enrol::totp_page(&s, &p, lang, &pd.user, &secret, &t, Some(key)).await
            }
            Ok(None) => Redirect::to(PAGE).into_response(),
            Err(e) => error_page(&s, &p, lang, e).await,
        },
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn enrol_passkey_page(
    State(s): State<AppState>,
    jar: CookieJar,
    lang: Lang,
    p: Principal,
) -> Response {
    let pd = match enrolling(&s, &jar, &p, lang, None).await {
        Ok(pd) => pd,
        Err(r) => return r,
    };
    let t = target(&pd, "/login/mfa/enrol/passkey");
    enrol::passkey_page(&s, &p, lang, &pd.hash, &pd.user, &t, None).await
}

async fn enrol_passkey(
    State(s): State<AppState>,
    jar: CookieJar,
    lang: Lang,
    p: Principal,
    Form(f): Form<NewPasskeyForm>,
) -> Response {
    let pd = match enrolling(&s, &jar, &p, lang, Some(&f.csrf)).await {
        Ok(pd) => pd,
        Err(r) => return r,
    };
    let t = target(&pd, "/login/mfa/enrol/passkey");
    match enrol::finish_passkey(&s, &pd.hash, &pd.actor, &pd.user, &f.name, &f.credential).await {
        Ok(Ok(_)) => match issue_recovery_codes(&s, &pd.actor).await {
            Ok(codes) => {
                complete(
                    &s,
                    &p,
                    lang,
                    jar,
                    &pd,
                    "passkey (enrolled)",
                    Then::Codes(codes),
                )
                .await
            }
            Err(e) => error_page(&s, &p, lang, e).await,
        },
        Ok(Err(key)) => enrol::passkey_page(&s, &p, lang, &pd.hash, &pd.user, &t, Some(key)).await,
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}
