//! How every portal session starts, after whatever steps signed the person
//! in (password, second factor): one place, shared by `signin` and `mfa`,
//! so the audit-first rule holds for both.

use axum_extra::extract::cookie::{Cookie, SameSite};
use renkei_core::model::User;
use renkei_core::{AuditOutcome, Timestamp};
use renkei_store::AuditEvent;

use crate::http::AppState;
use crate::http::auth::{self, Principal, SESSION_COOKIE};
use crate::http::error::ApiError;

/// Starts a portal session for `user`, who has passed every sign-in step
/// (`how` names them for the audit log), and returns its cookie. The
/// sign-in is audited first: no session starts unaudited.
pub(super) async fn start_session(
    s: &AppState,
    user: User,
    source: &str,
    how: &str,
) -> Result<Cookie<'static>, ApiError> {
    let (id, object) = (user.id, format!("email:{}", user.email));
    let viewer = s.store.viewer_for_user(id).await?;
    let actor = Principal::for_user(user, viewer, source.to_owned()).actor;
    let ev = AuditEvent {
        action: "login".into(),
        object,
        outcome: AuditOutcome::Ok,
        detail: how.to_owned(),
    };
    s.store.audit(&actor, ev).await?;
    let secret = auth::random_secret();
    let expires = Timestamp::now().plus_seconds(3600 * s.settings.session_hours);
    s.store
        .create_session(
            id,
            &auth::secret_hash(&secret),
            &auth::random_secret(),
            expires,
        )
        .await?;
    Ok(Cookie::build((SESSION_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(s.settings.secure_cookies)
        .path("/")
        .max_age(time::Duration::hours(s.settings.session_hours))
        .build())
}
