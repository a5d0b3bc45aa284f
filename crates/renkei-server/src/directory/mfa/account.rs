//! The signed-in user's second factors (`/account/mfa`): set up or remove
//! an authenticator app, add or remove passkeys, new recovery codes; and,
//! for administrators, whether their organisation requires a second factor.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use renkei_core::model::User;
use serde::Deserialize;

use super::enrol::{self, Target};
use super::{issue_recovery_codes, page_error, unconfirmed_totp};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{CsrfForm, PortalForm, error_page, layout, org_name, render, urlencode};

const PAGE: &str = "/account/mfa";
const TOTP: &str = "/account/mfa/totp";
const NEW_PASSKEY: &str = "/account/mfa/passkeys/new";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PAGE, get(page))
        .route("/account/mfa/totp/start", post(totp_start))
        .route(TOTP, post(totp_confirm))
        .route("/account/mfa/totp/remove", post(totp_remove))
        .route(NEW_PASSKEY, get(passkey_new_page).post(passkey_new))
        .route("/account/mfa/passkeys/{id}/remove", post(passkey_remove))
        .route("/account/mfa/recovery", post(recovery_new))
        .route("/account/mfa/policy", post(policy))
        .route("/account/mfa/reset", post(reset))
}

#[derive(Deserialize)]
struct FlashQuery {
    ok: Option<String>,
}

/// Only these flash keys are shown (the query is the caller's to write).
fn flash(ok: Option<&str>) -> Option<&'static str> {
    match ok? {
        "totp-added" => Some("mfa-flash-totp-added"),
        "totp-removed" => Some("mfa-flash-totp-removed"),
        "passkey-added" => Some("mfa-flash-passkey-added"),
        "passkey-removed" => Some("mfa-flash-passkey-removed"),
        "policy-saved" => Some("mfa-flash-policy-saved"),
        "recovery-used" => Some("mfa-flash-recovery-used"),
        "reset" => Some("mfa-flash-reset"),
        _ => None,
    }
}

/// Anyone not signed in is sent to sign in, and back here.
fn to_sign_in() -> Response {
    Redirect::to(&format!("/login?next={}", urlencode(PAGE))).into_response()
}

async fn page(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Query(q): Query<FlashQuery>,
) -> Response {
    match p.user.as_ref() {
        Some(u) => view(&s, &p, lang, u, flash(q.ok.as_deref()), None).await,
        None => to_sign_in(),
    }
}

async fn view(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    user: &User,
    flash: Option<&'static str>,
    error: Option<&'static str>,
) -> Response {
    let data = async {
        let st = s.store.mfa_status(user.id).await?;
        let passkeys = s.store.list_passkeys(user.id).await?;
        let org = s.store.get_org(user.org).await?;
        Ok::<_, ApiError>((st, passkeys, org))
    };
    let (st, passkeys, org) = match data.await {
        Ok(v) => v,
        Err(e) => return error_page(s, p, lang, e).await,
    };
    let passkeys: Vec<_> = passkeys
        .iter()
        .map(|k| {
            context! {
                id => k.id, name => k.name, created_at => k.created_at.to_jst_display(),
                last_used_at => k.last_used_at.map(|t| t.to_jst_display()),
            }
        })
        .collect();
    let admin = renkei_core::can_administer(&p.actor, org.id);
    // Administrators reset a member's factors (a lost device).
    let members = if admin {
        match s.store.list_users(Some(org.id)).await {
            Ok(users) => users
                .into_iter()
                .filter(|u| u.id != user.id && u.active)
                .map(|u| context! { id => u.id.0, name => u.display_name, email => u.email.to_string() })
                .collect(),
            Err(e) => return error_page(s, p, lang, e.into()).await,
        }
    } else {
        Vec::new()
    };
    let policy =
        admin.then(|| context! { org_id => org.id.0, org => org_name(&org, lang), members });
    let status = if error.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let l = layout(s, p, lang, PAGE).await;
    render(
        s,
        status,
        "mfa_account.html",
        context! {
            l, flash, error, totp => st.totp, passkeys, recovery_codes => st.recovery_codes,
            required => st.required, policy,
        },
    )
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

impl PortalForm for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
    fn page(_: &str) -> String {
        PAGE.to_owned()
    }
}

#[derive(Deserialize)]
struct CodeForm {
    csrf: String,
    code: String,
}

impl PortalForm for CodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
    fn page(_: &str) -> String {
        PAGE.to_owned()
    }
}

#[derive(Deserialize)]
struct NewPasskeyForm {
    csrf: String,
    #[serde(default)]
    name: String,
    credential: String,
}

impl PortalForm for NewPasskeyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
    fn page(_: &str) -> String {
        PAGE.to_owned()
    }
}

#[derive(Deserialize)]
struct ResetForm {
    csrf: String,
    user_id: i64,
}

impl PortalForm for ResetForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
    fn page(_: &str) -> String {
        PAGE.to_owned()
    }
}

#[derive(Deserialize)]
struct PolicyForm {
    csrf: String,
    org_id: i64,
    /// A checkbox: present when ticked.
    required: Option<String>,
}

impl PortalForm for PolicyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
    fn page(_: &str) -> String {
        PAGE.to_owned()
    }
}

/// Where the enrolment pages of a session post and lead back to.
fn target<'a>(p: &'a Principal, action: &'a str) -> Target<'a> {
    Target {
        csrf: p.csrf.as_deref().unwrap_or_default(),
        action,
        cancel: PAGE,
    }
}

async fn totp_start(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Response {
    let Some(user) = p.user.as_ref() else {
        return to_sign_in();
    };
    match enrol::start_totp(&s, &p.actor, user).await {
        Ok(secret) => enrol::totp_page(&s, &p, lang, user, &secret, &target(&p, TOTP), None).await,
        Err(e) => match error_key(e) {
            Ok(key) => view(&s, &p, lang, user, None, Some(key)).await,
            Err(e) => error_page(&s, &p, lang, e).await,
        },
    }
}

/// A page error from an [`ApiError`] the MFA pages explain themselves.
fn error_key(e: ApiError) -> Result<&'static str, ApiError> {
    super::error_key(&e).ok_or(e)
}

async fn totp_confirm(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Response {
    let Some(user) = p.user.as_ref() else {
        return to_sign_in();
    };
    match enrol::confirm_totp(&s, &p.actor, user, &f.code).await {
        Ok(Ok(_)) => first_codes_or(&s, &p, lang, user, "totp-added").await,
        Ok(Err(key)) => match unconfirmed_totp(&s, user.id).await {
            Ok(Some(secret)) => {
                let t = target(&p, TOTP);
                enrol::totp_page(&s, &p, lang, user, &secret, &t, Some(key)).await
            }
            Ok(None) => view(&s, &p, lang, user, None, Some(key)).await,
            Err(e) => error_page(&s, &p, lang, e).await,
        },
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

/// After a factor is added: recovery codes if the user has none left,
/// else back to the settings with `ok`.
async fn first_codes_or(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    user: &User,
    ok: &str,
) -> Response {
    let codes = async {
        if s.store.mfa_status(user.id).await?.recovery_codes > 0 {
            return Ok(None);
        }
        issue_recovery_codes(s, &p.actor).await.map(Some)
    };
    match codes.await {
        Ok(Some(codes)) => enrol::codes_page(s, p, lang, &codes, PAGE).await,
        Ok(None) => Redirect::to(&format!("{PAGE}?ok={ok}")).into_response(),
        Err(e) => error_page(s, p, lang, e).await,
    }
}

async fn totp_remove(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Response {
    let Some(user) = p.user.as_ref() else {
        return to_sign_in();
    };
    match s.store.remove_totp(&p.actor).await {
        Ok(()) => Redirect::to(&format!("{PAGE}?ok=totp-removed")).into_response(),
        Err(e) => match page_error(e) {
            Ok(key) => view(&s, &p, lang, user, None, Some(key)).await,
            Err(e) => error_page(&s, &p, lang, e).await,
        },
    }
}

async fn passkey_new_page(State(s): State<AppState>, lang: Lang, p: Principal) -> Response {
    let Some(user) = p.user.as_ref() else {
        return to_sign_in();
    };
    let Some(owner) = p.session_hash.as_deref() else {
        return error_page(
            &s,
            &p,
            lang,
            ApiError::forbidden("sign in to the portal first"),
        )
        .await;
    };
    enrol::passkey_page(&s, &p, lang, owner, user, &target(&p, NEW_PASSKEY), None).await
}

async fn passkey_new(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<NewPasskeyForm>,
) -> Response {
    let Some(user) = p.user.as_ref() else {
        return to_sign_in();
    };
    let Some(owner) = p.session_hash.as_deref() else {
        return error_page(
            &s,
            &p,
            lang,
            ApiError::forbidden("sign in to the portal first"),
        )
        .await;
    };
    match enrol::finish_passkey(&s, owner, &p.actor, user, &f.name, &f.credential).await {
        Ok(Ok(_)) => first_codes_or(&s, &p, lang, user, "passkey-added").await,
        Ok(Err(key)) => {
            let t = target(&p, NEW_PASSKEY);
            enrol::passkey_page(&s, &p, lang, owner, user, &t, Some(key)).await
        }
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn passkey_remove(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Response {
    let Some(user) = p.user.as_ref() else {
        return to_sign_in();
    };
    match s.store.remove_passkey(&p.actor, id).await {
        Ok(()) => Redirect::to(&format!("{PAGE}?ok=passkey-removed")).into_response(),
        Err(e) => match page_error(e) {
            Ok(key) => view(&s, &p, lang, user, None, Some(key)).await,
            Err(e) => error_page(&s, &p, lang, e).await,
        },
    }
}

async fn recovery_new(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Response {
    if p.user.is_none() {
        return to_sign_in();
    }
    match issue_recovery_codes(&s, &p.actor).await {
        Ok(codes) => enrol::codes_page(&s, &p, lang, &codes, PAGE).await,
        Err(e) => error_page(&s, &p, lang, e).await,
    }
}

async fn policy(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<PolicyForm>,
) -> Response {
    if p.user.is_none() {
        return to_sign_in();
    }
    let org = renkei_core::OrgId(f.org_id);
    match s
        .store
        .set_mfa_required(&p.actor, org, f.required.is_some())
        .await
    {
        Ok(()) => Redirect::to(&format!("{PAGE}?ok=policy-saved")).into_response(),
        Err(e) => error_page(&s, &p, lang, e.into()).await,
    }
}

async fn reset(
    State(s): State<AppState>,
    lang: Lang,
    p: Principal,
    CsrfForm(f): CsrfForm<ResetForm>,
) -> Response {
    if p.user.is_none() {
        return to_sign_in();
    }
    let user = renkei_core::UserId(f.user_id);
    match s.store.reset_mfa(&p.actor, user).await {
        Ok(()) => Redirect::to(&format!("{PAGE}?ok=reset")).into_response(),
        Err(e) => error_page(&s, &p, lang, e.into()).await,
    }
}
