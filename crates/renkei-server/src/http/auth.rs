//! Who is calling: passwords (argon2id), sessions in the store, API bearer
//! tokens (stored as SHA-256 hashes), CSRF tokens and sign-in throttling.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use rand::RngCore;
use renkei_core::model::User;
use renkei_core::{Actor, Viewer};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

use super::error::ApiError;
use crate::http::AppState;

pub(crate) const SESSION_COOKIE: &str = "renkei_session";
/// Double-submit token protecting the sign-in form, which has no session yet.
pub(crate) const LOGIN_CSRF_COOKIE: &str = "renkei_login_csrf";
pub const TOKEN_PREFIX: &str = "rk_";

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hash: {e}"))?
        .to_string())
}

pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to spend the same time on unknown e-mail addresses as on known
/// ones, so response time does not reveal which accounts exist.
pub(crate) fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("renkei-timing-equaliser").unwrap_or_default())
}

/// Passwords: at least 12 characters, at most 1,024.
pub fn check_password_policy(password: &str) -> Result<(), renkei_core::ParseError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(renkei_core::ParseError::new(
            "password",
            "must be at least 12 characters",
        ));
    }
    if n > 1024 {
        return Err(renkei_core::ParseError::new(
            "password",
            "must be at most 1,024 characters",
        ));
    }
    Ok(())
}

/// 32 random bytes, hex: session ids, CSRF tokens, API token secrets.
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// What the store keeps instead of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison for CSRF tokens.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The caller of a request, resolved once per request.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) actor: Actor,
    /// The signed-in person (sessions), if any.
    pub(crate) user: Option<User>,
    /// The session's CSRF token (portal forms).
    pub(crate) csrf: Option<String>,
    /// Hash of the session id, to sign out.
    pub(crate) session_hash: Option<String>,
    /// Authenticated by an API token.
    pub(crate) via_token: bool,
}

impl Principal {
    /// A signed-in person, without a session yet (HTTP Basic, or the moment
    /// of signing in); a session adds its CSRF token and hash.
    pub(crate) fn for_user(user: User, viewer: Viewer, source: String) -> Self {
        Self {
            actor: Actor {
                viewer,
                label: user.email.to_string(),
                source,
                system: false,
            },
            user: Some(user),
            csrf: None,
            session_hash: None,
            via_token: false,
        }
    }

    /// Someone acting as `actor` with no person signed in (anonymous, or
    /// an API token once `via_token` is set).
    fn anonymous(actor: Actor) -> Self {
        Self {
            actor,
            user: None,
            csrf: None,
            session_hash: None,
            via_token: false,
        }
    }

    pub(crate) fn is_authenticated(&self) -> bool {
        self.user.is_some() || self.via_token
    }

    pub(crate) fn require(&self) -> Result<&Self, ApiError> {
        if self.is_authenticated() {
            Ok(self)
        } else {
            Err(ApiError::unauthorized())
        }
    }

    pub(crate) fn viewer(&self) -> &Viewer {
        &self.actor.viewer
    }
}

/// The address the request came from (the TCP peer; `None` in-process).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ci = parts.extensions.get::<ConnectInfo<SocketAddr>>();
        Ok(Peer(ci.map(|ci| ci.0.ip())))
    }
}

fn client_source(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ci| ci.0.ip().to_string())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let source = client_source(parts);
        let store = &state.store;
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        // `Bearer` (RFC 6750) and `Token` (taxii2-client's TokenAuth) carry an API token.
        let bearer = authorization
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("Token "))
            })
            .map(str::trim);
        let basic = authorization
            .and_then(|v| v.strip_prefix("Basic "))
            .map(str::trim);
        let p = if let Some(b) = basic {
            super::origin::check_origin(parts, &state.settings)?;
            let user = basic_user(state, b, &source).await?;
            let viewer = store.viewer_for_user(user.id).await?;
            Principal::for_user(user, viewer, source)
        } else if let Some(secret) = bearer {
            let Some((token, viewer)) = store.token_viewer(&secret_hash(secret)).await? else {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "Invalid token",
                    "the bearer token is unknown or revoked",
                ));
            };
            Principal {
                via_token: true,
                ..Principal::anonymous(Actor {
                    viewer,
                    label: format!("token:{}:{}", token.id, token.name),
                    source,
                    system: false,
                })
            }
        } else {
            let jar = CookieJar::from_headers(&parts.headers);
            let session = match jar.get(SESSION_COOKIE) {
                Some(c) => {
                    let h = secret_hash(c.value());
                    store
                        .session_by_hash(&h, renkei_core::Timestamp::now())
                        .await?
                        .map(|s| (s, h))
                }
                None => None,
            };
            match session {
                Some((s, h)) => {
                    // A cookie comes with any request the browser is made to send.
                    super::origin::check_cookie_write(parts, &state.settings, &s.csrf_token)?;
                    let user = store.get_user(s.user).await?;
                    let viewer = store.viewer_for_user(user.id).await?;
                    Principal {
                        csrf: Some(s.csrf_token),
                        session_hash: Some(h),
                        ..Principal::for_user(user, viewer, source)
                    }
                }
                None => Principal::anonymous(Actor::anonymous(&source)),
            }
        };
        parts.extensions.insert(p.clone());
        Ok(p)
    }
}

/// HTTP Basic (e-mail and password), for TAXII clients. A successful check
/// is remembered for a minute per process, keyed by a hash of the header,
/// so machine clients paging quickly do not pay for argon2 on every page.
/// Failures count towards sign-in throttling like portal failures.
async fn basic_user(state: &AppState, encoded: &str, source: &str) -> Result<User, ApiError> {
    use base64::Engine;
    let unauthorized = || {
        ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "Invalid credentials",
            "wrong e-mail address or password",
        )
    };
    let key = secret_hash(encoded);
    if let Some(id) = state.basic_cache.get(&key) {
        return Ok(state.store.get_user(id).await?);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| unauthorized())?;
    let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (email, password) = text.split_once(':').ok_or_else(unauthorized)?;
    let email_text = email.trim().to_lowercase();
    let window =
        renkei_core::Timestamp::now().plus_seconds(-60 * state.settings.login_window_minutes);
    let (by_email, by_source) = state
        .store
        .login_failures_since(&email_text, source, window)
        .await?;
    if by_email >= state.settings.login_max_failures
        || by_source >= state.settings.login_max_failures * 4
    {
        return Err(ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            "too many failed sign-ins; try later",
        ));
    }
    let creds = match renkei_core::Email::parse(email) {
        Ok(e) => state.store.credentials(&e).await?,
        Err(_) => None,
    };
    let ok = match &creds {
        Some(c) => verify_password(password, &c.password_hash) && c.user.active,
        None => {
            verify_password(password, dummy_hash());
            false
        }
    };
    match creds.filter(|_| ok) {
        Some(c) => {
            state.basic_cache.put(key, c.user.id);
            Ok(c.user)
        }
        None => {
            state
                .store
                .record_login_failure(&email_text, source)
                .await?;
            Err(unauthorized())
        }
    }
}

/// Remembers verified Basic credentials briefly (see `basic_user`).
#[derive(Debug, Default)]
pub struct BasicCache {
    map: std::sync::Mutex<
        std::collections::HashMap<String, (renkei_core::UserId, std::time::Instant)>,
    >,
}

impl BasicCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(60);
    const MAX: usize = 10_000;

    fn get(&self, key: &str) -> Option<renkei_core::UserId> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .map(|(u, _)| *u)
    }

    fn put(&self, key: String, user: renkei_core::UserId) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= Self::MAX {
                map.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            }
            if map.len() < Self::MAX {
                map.insert(key, (user, std::time::Instant::now()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn password_policy_names_the_field() {
        assert_eq!(
            check_password_policy("short").map_err(|e| e.field),
            Err("password")
        );
        assert!(check_password_policy("long enough password").is_ok());
    }

    #[test]
    fn secrets_compare_in_constant_shape() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert_eq!(random_secret().len(), 64);
        assert_ne!(random_secret(), random_secret());
    }
}
