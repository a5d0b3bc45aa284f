//! Second factors: TOTP codes (`totp`), passkeys (`passkey`) and recovery
//! codes (`recovery`); the second step of signing in (`flow`), entered
//! from the password check in `signin.rs`; the user's own settings and
//! the organisation's "second factor required" policy (`account`).
//!
//! A sign-in whose password was right but which needs a second factor (or,
//! by its organisation's policy, must enrol one) is no session: it is a
//! pending sign-in in the store, bound to the browser by a cookie that
//! only `/login` paths receive, with its own CSRF token. Nothing else
//! accepts it, so it reads nothing until the second factor completes it.
//! HTTP Basic cannot carry a second factor, so `http::auth` refuses it to
//! accounts that need one (they use API tokens).

mod account;
mod enrol;
mod flow;
mod passkey;
mod recovery;
mod totp;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use minijinja::context;
use minijinja::value::Value;
use renkei_core::model::User;
use renkei_core::{Actor, Timestamp, UserId};
use renkei_store::auth::mfa::MfaMethod;
use renkei_store::{AuditEvent, StoreError};

pub(super) use flow::after_password;

use crate::http::AppState;
use crate::http::auth::Principal;
use crate::http::error::ApiError;
use crate::sealed::{self, Purpose};

/// Wrong codes per user within `FAILURE_WINDOW_SECS` before further codes
/// are refused, and per pending sign-in before it ends (sign in again).
const USER_MAX_FAILURES: i64 = 10;
const FAILURE_WINDOW_SECS: i64 = 15 * 60;
const PENDING_MAX_FAILURES: i64 = 5;
/// How long a pending sign-in and a WebAuthn ceremony wait.
const PENDING_SECS: i64 = 15 * 60;
const CEREMONY_SECS: i64 = 5 * 60;

const SCRIPT: &str = include_str!("../../../static/mfa.js");

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/mfa.js", get(script))
        .merge(flow::routes())
        .merge(account::routes())
}

/// The one script of the portal: passkeys need `navigator.credentials`.
async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
}

/// `user` acting from `source`, before or after their session exists.
async fn user_actor(s: &AppState, user: &User, source: &str) -> Result<Actor, ApiError> {
    let viewer = s.store.viewer_for_user(user.id).await?;
    Ok(Principal::for_user(user.clone(), viewer, source.to_owned()).actor)
}

fn internal(what: &str) -> ApiError {
    tracing::error!("{what}");
    ApiError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "Internal error",
        "the server could not complete the request",
    )
}

/// A TOTP secret as stored: sealed with `mfa_secret_key` when it is set.
fn seal_totp(s: &AppState, user: UserId, secret: &str) -> Result<String, ApiError> {
    let key = s
        .settings
        .mfa_seal_key()
        .map_err(|_| internal("mfa_secret_key is invalid"))?;
    Ok(sealed::store_form_for(
        key.as_ref(),
        Purpose::TotpSecret,
        user.0,
        secret,
    ))
}

fn open_totp(s: &AppState, user: UserId, stored: &str) -> Result<String, ApiError> {
    let key = s
        .settings
        .mfa_seal_key()
        .map_err(|_| internal("mfa_secret_key is invalid"))?;
    sealed::open_for(key.as_ref(), Purpose::TotpSecret, user.0, stored)
        .map_err(|e| internal(&format!("TOTP secret of user {user}: {e}")))
}

/// The enrolment page's view of a new TOTP secret.
fn totp_view(secret: &str, user: &User) -> Result<Value, ApiError> {
    let uri = totp::uri(secret, user.email.as_str()).ok_or_else(|| internal("otpauth URI"))?;
    let qr = totp::qr_svg(&uri).ok_or_else(|| internal("QR code"))?;
    Ok(context! {
        uri,
        qr => Value::from_safe_string(qr),
        secret => totp::grouped(secret),
    })
}

/// Opens the actor's unconfirmed TOTP secret, if they have one.
async fn unconfirmed_totp(s: &AppState, user: UserId) -> Result<Option<String>, ApiError> {
    match s.store.totp_secret(user).await? {
        Some(t) if !t.confirmed => Ok(Some(open_totp(s, user, &t.secret)?)),
        _ => Ok(None),
    }
}

/// New recovery codes for the actor, replacing any earlier ones; the codes
/// themselves exist only in this answer.
async fn issue_recovery_codes(s: &AppState, actor: &Actor) -> Result<Vec<String>, ApiError> {
    let user = actor
        .viewer
        .user
        .ok_or_else(|| ApiError::forbidden("sign in first"))?;
    let codes = recovery::new_codes();
    let hashes = codes
        .iter()
        .map(|c| recovery::hash(user, c).ok_or_else(|| internal("recovery code")))
        .collect::<Result<Vec<_>, _>>()?;
    s.store.replace_recovery_codes(actor, &hashes).await?;
    Ok(codes)
}

/// Refuses further codes while the user has given too many wrong ones
/// lately; the refusal is audited.
async fn throttled(s: &AppState, actor: &Actor, user: UserId) -> Result<bool, ApiError> {
    let since = Timestamp::now().plus_seconds(-FAILURE_WINDOW_SECS);
    if s.store.mfa_failures_since(user, since).await? < USER_MAX_FAILURES {
        return Ok(false);
    }
    let ev = AuditEvent {
        action: "mfa.verify".into(),
        object: format!("user:{user}"),
        outcome: renkei_core::AuditOutcome::Denied,
        detail: "throttled".into(),
    };
    s.store.audit(actor, ev).await?;
    Ok(true)
}

/// A wrong second factor: counted, audited; fails closed when it cannot be.
async fn wrong(
    s: &AppState,
    actor: &Actor,
    pending: Option<&str>,
    method: MfaMethod,
    why: &str,
) -> Result<(), ApiError> {
    Ok(s.store
        .record_mfa_failure(actor, pending, method, why)
        .await?)
}

/// The Fluent key for an error the MFA pages explain themselves.
fn error_key(e: &ApiError) -> Option<&'static str> {
    match e.field.as_deref() {
        Some("mfa") => Some("mfa-error-last-factor"),
        Some("totp") => Some("mfa-error-totp-exists"),
        Some("credential") => Some("mfa-error-passkey-exists"),
        Some("name") => Some("mfa-error-passkey-name"),
        _ => None,
    }
}

/// Store errors that are the caller's, as page errors; anything else fails.
fn page_error(e: StoreError) -> Result<&'static str, ApiError> {
    let e = ApiError::from(e);
    error_key(&e).ok_or(e)
}

#[cfg(test)]
mod tests {
    use crate::http::i18n::{Lang, Translations};

    /// Every `"mfa-…"` string in this module's code is a Fluent key, and
    /// both languages define it (the templates' keys are checked in i18n).
    #[test]
    fn every_text_key_the_code_names_exists_in_both_languages() {
        let t = Translations::load();
        let sources = [
            include_str!("mod.rs"),
            include_str!("flow.rs"),
            include_str!("account.rs"),
            include_str!("enrol.rs"),
        ];
        let mut seen = 0;
        for src in sources {
            for part in src.split("\"mfa-").skip(1) {
                let rest = part.split('"').next().unwrap_or_default();
                let is_key = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
                if rest.is_empty() || !rest.chars().all(is_key) {
                    continue;
                }
                let key = format!("mfa-{rest}");
                for lang in [Lang::Ja, Lang::En] {
                    assert_ne!(t.get(lang, &key, None), key, "{key} has no text");
                }
                seen += 1;
            }
        }
        assert!(seen > 20, "only {seen} keys found");
    }
}
