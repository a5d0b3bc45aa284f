//! Who is calling: passwords (argon2id), sessions in the store, API bearer
//! tokens (stored as SHA-256 hashes), CSRF tokens and sign-in throttling.

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

// argon2id lives with the password rule and the one password check
// (password.rs); these names stay importable from here.
pub use super::password::hash_password;

/// The password rule (`password::password_problem`) for field `password`.
pub fn check_password_policy(password: &str) -> Result<(), renkei_core::ParseError> {
    check_password_for(password, None)
}

/// The password rule for field `password` of the account `email`.
pub fn check_password_for(
    password: &str,
    email: Option<&str>,
) -> Result<(), renkei_core::ParseError> {
    match super::password::password_problem(password, email) {
        None => Ok(()),
        Some(p) => Err(renkei_core::ParseError::new("password", p.message())),
    }
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

pub(crate) use super::origin::same_secret;

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
    /// The person who created the API token, if one did (imports act for
    /// them: `share::recipients::sharing_actor`).
    pub(crate) token_creator: Option<renkei_core::UserId>,
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
            token_creator: None,
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
            token_creator: None,
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

/// The client's address: the TCP peer, or, when the peer is a trusted
/// proxy, the nearest address before it that is not one (from
/// `X-Forwarded-For`), so that throttling and the audit log name the
/// client rather than the proxy.
fn client_source(parts: &Parts, settings: &crate::config::Settings) -> String {
    let Some(peer) = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip())
    else {
        return "unknown".to_owned();
    };
    if !settings.trusted_proxy(peer) {
        return peer.to_string();
    }
    // Each proxy appends the address it was reached from, so the list is
    // read from the right: past our own proxies, the first is the client's
    // (anything further left is whatever the client chose to send).
    let hops: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<std::net::IpAddr>() {
            Ok(ip) if settings.trusted_proxy(ip) => continue,
            Ok(ip) => return ip.to_string(),
            Err(_) => break,
        }
    }
    peer.to_string()
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
        let source = client_source(parts, &state.settings);
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
                token_creator: token.created_by,
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
/// so machine clients paging quickly do not pay for argon2 on every page;
/// each use still reads the account, and counts only while the account is
/// active with the same password hash, so a deactivation or a new password
/// applies to the next request in every process. Checks go through the
/// sign-in check (throttled, audited) like the portal's.
async fn basic_user(state: &AppState, encoded: &str, source: &str) -> Result<User, ApiError> {
    use super::password::{SignInError, password_check};
    use base64::Engine;
    let unauthorized = || {
        ApiError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "Invalid credentials",
            "wrong e-mail address or password",
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| unauthorized())?;
    let text = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (email, password) = text.split_once(':').ok_or_else(unauthorized)?;
    let key = secret_hash(encoded);
    if let Some((id, fingerprint)) = state.basic_cache.get(&key) {
        let creds = match renkei_core::Email::parse(email) {
            Ok(e) => state.store.credentials(&e).await?,
            Err(_) => None,
        };
        match creds {
            Some(c)
                if c.user.id == id
                    && c.user.active
                    && secret_hash(&c.password_hash) == fingerprint =>
            {
                return Ok(c.user);
            }
            _ => state.basic_cache.forget(&key),
        }
    }
    let actor = Actor::anonymous(source);
    match password_check(state, &actor, email, password, "http basic").await {
        Ok(c) => {
            // HTTP Basic cannot carry a second factor: accounts that have one
            // or must enrol one use API tokens instead (directory/mfa).
            if state.store.mfa_status(c.user.id).await?.second_step() {
                return Err(ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "Second factor required",
                    "this account signs in with a second factor; use an API token",
                ));
            }
            let fingerprint = secret_hash(&c.password_hash);
            state.basic_cache.put(key, c.user.id, fingerprint);
            Ok(c.user)
        }
        Err(SignInError::Invalid) => Err(unauthorized()),
        Err(SignInError::Throttled { retry_after_secs }) => Err(ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts",
            format!("too many sign-in attempts; try again in {retry_after_secs} s"),
        )),
        Err(SignInError::Failed(e)) => Err(e),
    }
}

/// Remembers verified Basic credentials briefly (see `basic_user`): the
/// user and a fingerprint of the password hash that was checked.
#[derive(Debug, Default)]
pub struct BasicCache {
    map: std::sync::Mutex<std::collections::HashMap<String, BasicEntry>>,
}

#[derive(Debug)]
struct BasicEntry {
    user: renkei_core::UserId,
    fingerprint: String,
    at: std::time::Instant,
}

impl BasicCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(60);
    const MAX: usize = 10_000;

    fn get(&self, key: &str) -> Option<(renkei_core::UserId, String)> {
        let map = self.map.lock().ok()?;
        map.get(key)
            .filter(|e| e.at.elapsed() < Self::TTL)
            .map(|e| (e.user, e.fingerprint.clone()))
    }

    fn forget(&self, key: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(key);
        }
    }

    fn put(&self, key: String, user: renkei_core::UserId, fingerprint: String) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= Self::MAX {
                map.retain(|_, e| e.at.elapsed() < Self::TTL);
            }
            if map.len() < Self::MAX {
                let at = std::time::Instant::now();
                map.insert(
                    key,
                    BasicEntry {
                        user,
                        fingerprint,
                        at,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::password::verify_password;

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
        assert!(check_password_for("long enough password", Some("x@example.jp")).is_ok());
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
