//! Enrolling a factor, the same from a session (`account`) and from a
//! sign-in its organisation sends to enrol (`flow`): a TOTP secret
//! confirmed by one valid code, a passkey registered by the browser, and
//! recovery codes shown once. The ceremony of a passkey belongs to the
//! session or pending sign-in it started in (`owner`).

use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use renkei_core::model::User;
use renkei_core::{Actor, Timestamp};
use renkei_store::auth::mfa::NewPasskey;

use super::passkey::{self, Refusal};
use super::{CEREMONY_SECS, internal, open_totp, page_error, seal_totp, totp, totp_view};
use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{error_page, layout, render};

/// Where an enrolment page's forms post and where "cancel" leads.
pub(super) struct Target<'a> {
    pub csrf: &'a str,
    pub action: &'a str,
    pub cancel: &'a str,
}

/// Stores a new TOTP secret (unconfirmed until a valid code) for the actor.
pub(super) async fn start_totp(
    s: &AppState,
    actor: &Actor,
    user: &User,
) -> Result<String, ApiError> {
    let secret = totp::new_secret();
    s.store
        .begin_totp(actor, &seal_totp(s, user.id, &secret)?)
        .await?;
    Ok(secret)
}

/// The page that shows a TOTP secret and asks for one code.
pub(super) async fn totp_page(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    user: &User,
    secret: &str,
    t: &Target<'_>,
    error: Option<&'static str>,
) -> Response {
    let view = match totp_view(secret, user) {
        Ok(v) => v,
        Err(e) => return error_page(s, p, lang, e).await,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = layout(s, p, lang, t.action).await;
    render(
        s,
        status,
        "mfa_totp.html",
        context! { l, totp => view, csrf => t.csrf, action => t.action, cancel => t.cancel, error },
    )
}

/// Confirms the actor's unconfirmed TOTP secret with `code`: `Ok(Err(key))`
/// is a page error (wrong code, nothing to confirm).
pub(super) async fn confirm_totp(
    s: &AppState,
    actor: &Actor,
    user: &User,
    code: &str,
) -> Result<Result<String, &'static str>, ApiError> {
    let Some(stored) = s.store.totp_secret(user.id).await?.filter(|t| !t.confirmed) else {
        return Ok(Err("mfa-error-totp-expired"));
    };
    let secret = open_totp(s, user.id, &stored.secret)?;
    let Some(step) = totp::check(&secret, code, totp::now_seconds()) else {
        return Ok(Err("mfa-error-code"));
    };
    match s.store.confirm_totp(actor, step).await {
        Ok(()) => Ok(Ok(secret)),
        Err(e) => Ok(Err(page_error(e)?)),
    }
}

/// The page that registers a passkey: the ceremony starts here and waits
/// (for `owner`) for the form the script fills in.
pub(super) async fn passkey_page(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    owner: &str,
    user: &User,
    t: &Target<'_>,
    error: Option<&'static str>,
) -> Response {
    let options = match start_registration(s, owner, user).await {
        Ok(o) => o,
        Err(e) => return error_page(s, p, lang, e).await,
    };
    let error = error.or(options.is_none().then_some("mfa-error-passkey-unavailable"));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let l = layout(s, p, lang, t.action).await;
    render(
        s,
        status,
        "mfa_passkey.html",
        context! { l, options, csrf => t.csrf, action => t.action, cancel => t.cancel, error },
    )
}

/// The browser's options for a new registration, or `None` when passkeys
/// cannot work here (no relying party for `public_url`).
async fn start_registration(
    s: &AppState,
    owner: &str,
    user: &User,
) -> Result<Option<String>, ApiError> {
    let Ok(rp) = passkey::relying_party(&s.settings) else {
        return Ok(None);
    };
    let records = s.store.list_passkeys(user.id).await?;
    let handle = records
        .first()
        .map_or_else(passkey::new_handle, |r| r.user_handle.clone());
    let existing: Vec<_> = records
        .iter()
        .filter_map(|r| passkey::parse_passkey(&r.passkey))
        .collect();
    let (options, state) = passkey::start_registration(&rp, user, &handle, &existing)
        .map_err(|_| internal("passkey registration options"))?;
    let until = Timestamp::now().plus_seconds(CEREMONY_SECS);
    s.store
        .put_ceremony(owner, user.id, "register", &state, until)
        .await?;
    Ok(Some(options))
}

/// Verifies the browser's registration answer and stores the passkey:
/// `Ok(Err(key))` is a page error.
pub(super) async fn finish_passkey(
    s: &AppState,
    owner: &str,
    actor: &Actor,
    user: &User,
    name: &str,
    answer: &str,
) -> Result<Result<i64, &'static str>, ApiError> {
    let Ok(rp) = passkey::relying_party(&s.settings) else {
        return Ok(Err("mfa-error-passkey-unavailable"));
    };
    let now = Timestamp::now();
    let Some(state) = s
        .store
        .take_ceremony(owner, user.id, "register", now)
        .await?
    else {
        return Ok(Err("mfa-error-passkey"));
    };
    let (pk, credential_id, handle) = match passkey::finish_registration(&rp, answer, &state) {
        Ok(v) => v,
        Err(Refusal::Rejected | Refusal::Unavailable) => return Ok(Err("mfa-error-passkey")),
    };
    let json = serde_json::to_string(&pk).map_err(|_| internal("passkey JSON"))?;
    let name = if name.trim().is_empty() {
        "passkey"
    } else {
        name
    };
    let new = NewPasskey {
        name: name.to_owned(),
        credential_id,
        user_handle: handle,
        passkey: json,
    };
    match s.store.add_passkey(actor, new).await {
        Ok(id) => Ok(Ok(id)),
        Err(e) => Ok(Err(page_error(e)?)),
    }
}

/// Recovery codes, shown this once; `next` is where to go on.
pub(super) async fn codes_page(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    codes: &[String],
    next: &str,
) -> Response {
    let l = layout(s, p, lang, "/account/mfa").await;
    render(
        s,
        StatusCode::OK,
        "mfa_codes.html",
        context! { l, codes, next },
    )
}
