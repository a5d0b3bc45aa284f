//! Signing in through an OpenID Connect provider (an organisation's own, or
//! the national business ID service): `/login/oidc/{provider}` sends the
//! browser to the provider, `/login/oidc/{provider}/callback` brings it back.
//!
//! Who signs in: the user the identity (issuer, subject) was linked to at an
//! earlier sign-in; else the user with the provider's e-mail address, only
//! if the provider says it is verified (`email_verified: true`), the
//! address's domain maps to that user's organisation in this provider's
//! configuration, and the user has no other identity at this issuer; else,
//! if the mapping says so, a new user created just in time in the mapped
//! organisation. The identity is then linked. A deactivated user never
//! signs in (`may_sign_in`).
//!
//! Second factor: an OIDC sign-in does not go through the local MFA step.
//! When the provider's configuration (`require_mfa`) or the user's
//! organisation requires a second factor, the provider's own statement
//! decides (`amr`/`acr`, `crate::oidc::vouches_for_mfa`); a sign-in it does
//! not state as multi-factor is refused (`oidc-mfa-required`).
//!
//! What the round trip must remember (state, nonce, PKCE verifier, where to
//! go next) stays in the browser, in an HttpOnly cookie scoped to
//! `/login/oidc` that the callback consumes; `SameSite=Lax` because the
//! provider's redirect back is a cross-site navigation. The callback's
//! `state` must equal the cookie's, which binds the answer to the browser
//! that asked (no login CSRF); the provider checks the PKCE verifier, and
//! the ID token must carry the nonce. Every refusal shows a page with a
//! stable code (`oidc-…`) and is audited, as is every sign-in.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::Engine as _;
use minijinja::context;
use renkei_core::model::{NewUser, User};
use renkei_core::{Actor, AuditOutcome, Email, OrgId, Timestamp, Viewer};
use renkei_store::{AuditEvent, StoreError};
use serde::{Deserialize, Serialize};

use crate::config::oidc::OidcProvider;
use crate::http::AppState;
use crate::http::auth::{self, Principal};
use crate::http::error::ApiError;
use crate::http::i18n::Lang;
use crate::http::page::{error_page, layout, render};
use crate::http::redirect::{local_path, see_other};
use crate::oidc::{Identity, OidcError, Pending, vouches_for_mfa};

/// The round trip's cookie (see the module doc).
const PENDING_COOKIE: &str = "renkei_oidc";
const PENDING_PATH: &str = "/login/oidc";
/// How long a sign-in at the provider may take.
const PENDING_SECS: i64 = 600;
/// Longest `next` carried through the round trip; longer ones go home.
const MAX_NEXT: usize = 512;
/// Longest `code` and `state` accepted from the callback's query.
const MAX_PARAM: usize = 4096;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login/oidc/{provider}", get(begin))
        .route("/login/oidc/{provider}/callback", get(callback))
}

/// A provider's button on the sign-in page.
#[derive(Debug, Serialize)]
pub(super) struct Button {
    id: String,
    label: String,
}

/// The sign-in page's buttons, one per configured provider.
pub(super) fn buttons(s: &AppState, lang: Lang) -> Vec<Button> {
    s.oidc
        .all()
        .iter()
        .map(|p| Button {
            id: p.config.id.clone(),
            label: p.config.label(lang.code()).to_owned(),
        })
        .collect()
}

/// The one check that an account may sign in through a provider at all.
/// Deactivation today is `users.active` (which `viewer_for_user` and
/// sessions also honour); a richer account state goes here.
pub(super) fn may_sign_in(user: &User) -> bool {
    user.active
}

/// Whether `org` requires a second factor at sign-in (its administrators'
/// policy, directory/mfa); providers can also require it (`require_mfa`).
async fn org_requires_mfa(s: &AppState, org: OrgId) -> Result<bool, StoreError> {
    s.store.mfa_required(org).await
}

/// Why a sign-in through a provider was refused. `code` is stable (it is
/// shown to the person and written to the audit log); the text is the
/// Fluent message `login-{code}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The answer does not belong to a sign-in this browser began (or it
    /// expired).
    State,
    /// The provider refused, or answered with something that does not
    /// validate.
    Provider,
    /// The provider could not be reached.
    Unavailable,
    /// No e-mail address the provider states as verified.
    Unverified,
    /// No account may sign in as this identity through this provider.
    UnknownUser,
    /// A second factor is required and the provider does not state one.
    MfaRequired,
}

impl Failure {
    #[cfg(test)]
    const ALL: [Failure; 6] = [
        Failure::State,
        Failure::Provider,
        Failure::Unavailable,
        Failure::Unverified,
        Failure::UnknownUser,
        Failure::MfaRequired,
    ];

    fn code(self) -> &'static str {
        match self {
            Failure::State => "oidc-state",
            Failure::Provider => "oidc-provider",
            Failure::Unavailable => "oidc-unavailable",
            Failure::Unverified => "oidc-unverified",
            Failure::UnknownUser => "oidc-unknown-user",
            Failure::MfaRequired => "oidc-mfa-required",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Failure::State => StatusCode::BAD_REQUEST,
            Failure::Provider => StatusCode::UNAUTHORIZED,
            Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Unverified | Failure::UnknownUser | Failure::MfaRequired => {
                StatusCode::FORBIDDEN
            }
        }
    }

    /// Refusals by rule are `denied`; broken round trips `failed`.
    fn outcome(self) -> AuditOutcome {
        match self {
            Failure::State | Failure::Provider | Failure::Unavailable => AuditOutcome::Failed,
            Failure::Unverified | Failure::UnknownUser | Failure::MfaRequired => {
                AuditOutcome::Denied
            }
        }
    }
}

/// A refused sign-in (with what the audit log should say), or a fault (a
/// store failure…), which is never reported as a refusal.
#[derive(Debug)]
enum Stop {
    Refuse(Failure, String),
    Fault(ApiError),
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Stop::Fault(e.into())
    }
}

fn refuse(f: Failure, why: impl Into<String>) -> Stop {
    Stop::Refuse(f, why.into())
}

// -- leaving for the provider --------------------------------------------------

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn begin(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = next_path(q.next.as_deref());
    let Some(provider) = s.oidc.get(&id).cloned() else {
        return error_page(&s, &p, lang, ApiError::not_found("sign-in provider")).await;
    };
    match s
        .oidc
        .begin(&provider, &next, Timestamp::now().0 / 1_000_000)
        .await
    {
        Ok((url, pending)) => {
            let cookie = Cookie::build((PENDING_COOKIE, encode(&pending)))
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(s.settings.secure_cookies)
                .path(PENDING_PATH)
                .max_age(time::Duration::seconds(PENDING_SECS))
                .build();
            (jar.add(cookie), see_other(url.as_str())).into_response()
        }
        Err(e) => {
            let stop = refuse(Failure::Unavailable, e.to_string());
            failed(&s, &p, lang, jar, &provider.config, None, stop, &next).await
        }
    }
}

// -- coming back ------------------------------------------------------------------

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    /// RFC 9207: the issuer that answers, against mix-ups between providers.
    iss: Option<String>,
}

async fn callback(
    State(s): State<AppState>,
    jar: CookieJar,
    p: Principal,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(provider) = s.oidc.get(&id).cloned() else {
        return error_page(&s, &p, lang, ApiError::not_found("sign-in provider")).await;
    };
    let cfg = &provider.config;
    let pending = jar.get(PENDING_COOKIE).and_then(|c| decode(c.value()));
    // The round trip's cookie is spent whatever happens next.
    let jar = jar.remove(Cookie::build(PENDING_COOKIE).path(PENDING_PATH));
    let next = pending
        .as_ref()
        .map_or_else(|| "/".to_owned(), |x| next_path(Some(&x.next)));
    let pending = match check_round_trip(cfg, pending, &q) {
        Ok(x) => x,
        Err(stop) => return failed(&s, &p, lang, jar, cfg, None, stop, &next).await,
    };
    let code = q.code.as_deref().unwrap_or_default();
    let identity = match s.oidc.finish(&provider, code, &pending).await {
        Ok(i) => i,
        Err(e) => {
            let f = match e {
                OidcError::Unavailable(_) => Failure::Unavailable,
                OidcError::Refused(_) => Failure::Provider,
            };
            let stop = refuse(f, e.to_string());
            return failed(&s, &p, lang, jar, cfg, None, stop, &next).await;
        }
    };
    match sign_in(&s, cfg, &identity, &p.actor.source).await {
        Ok(cookie) => {
            // A page that moves on by itself rather than a redirect: the
            // browser arrived from the provider's site, and a redirect would
            // keep that cross-site chain, so the new SameSite=Strict session
            // cookie would not be sent with the next page.
            let l = context! { lang => lang.code() };
            let page = render(
                &s,
                StatusCode::OK,
                "oidc_continue.html",
                context! { l, next },
            );
            (jar.add(cookie), page).into_response()
        }
        Err(stop) => failed(&s, &p, lang, jar, cfg, Some(&identity), stop, &next).await,
    }
}

/// The answer belongs to the sign-in this browser began at this provider,
/// in time, and carries a code.
fn check_round_trip(
    cfg: &OidcProvider,
    pending: Option<Pending>,
    q: &CallbackQuery,
) -> Result<Pending, Stop> {
    let Some(pending) = pending else {
        return Err(refuse(
            Failure::State,
            "no sign-in under way in this browser",
        ));
    };
    let state = q.state.as_deref().unwrap_or_default();
    if pending.provider != cfg.id
        || state.len() > MAX_PARAM
        || !auth::same_secret(&pending.state, state)
    {
        return Err(refuse(
            Failure::State,
            "state does not match this browser's sign-in",
        ));
    }
    let age = Timestamp::now().0 / 1_000_000 - pending.started;
    if !(0..=PENDING_SECS).contains(&age) {
        return Err(refuse(Failure::State, "the sign-in took too long"));
    }
    if q.iss.as_deref().is_some_and(|iss| iss != cfg.issuer) {
        return Err(refuse(
            Failure::Provider,
            "answer from another issuer (iss)",
        ));
    }
    if let Some(e) = &q.error {
        // The provider's error code only (RFC 6749 §4.1.2.1: ASCII); its
        // free-text description is not repeated anywhere.
        let code: String = e
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        return Err(refuse(Failure::Provider, format!("provider error {code}")));
    }
    match q.code.as_deref() {
        Some(c) if !c.is_empty() && c.len() <= MAX_PARAM => Ok(pending),
        _ => Err(refuse(Failure::Provider, "no authorization code")),
    }
}

/// Who the identity signs in as, checked; a session for them. Returns the
/// session's secret.
async fn sign_in(
    s: &AppState,
    cfg: &OidcProvider,
    id: &Identity,
    source: &str,
) -> Result<Cookie<'static>, Stop> {
    let resolved = resolve(s, cfg, id).await?;
    let org = match &resolved {
        Resolved::Existing(u, _) if !may_sign_in(u) => {
            return Err(refuse(
                Failure::UnknownUser,
                format!("user:{} is deactivated", u.id),
            ));
        }
        Resolved::Existing(u, _) => u.org,
        Resolved::Create(new) => new.org,
    };
    // Before a user is created just in time: a refused sign-in creates no one.
    if (cfg.require_mfa || org_requires_mfa(s, org).await?)
        && !vouches_for_mfa(id, &cfg.mfa_acr_values)
    {
        return Err(refuse(
            Failure::MfaRequired,
            format!("org:{org} amr {:?} acr {:?}", id.amr, id.acr),
        ));
    }
    let (user, link) = match resolved {
        Resolved::Existing(u, link) => (u, link),
        Resolved::Create(new) => (create_user(s, cfg, new, source).await?, true),
    };
    let viewer = match s.store.viewer_for_user(user.id).await {
        Ok(v) => v,
        Err(StoreError::Forbidden(why)) => return Err(refuse(Failure::UnknownUser, why)),
        Err(e) => return Err(e.into()),
    };
    let actor = Principal::for_user(user.clone(), viewer, source.to_owned()).actor;
    if link {
        match s
            .store
            .link_oidc(&actor, &id.issuer, &id.subject, user.id)
            .await
        {
            Ok(()) => {}
            // Another sign-in linked either side meanwhile.
            Err(StoreError::Conflict { .. }) => {
                return Err(refuse(Failure::UnknownUser, "linked meanwhile"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    // The one way a portal session starts (session.rs): audited first.
    let how = format!("oidc:{} {}", cfg.id, id.subject);
    super::session::start_session(s, user, source, &how)
        .await
        .map_err(Stop::Fault)
}

enum Resolved {
    /// An existing user; `true` if the identity is to be linked to them.
    Existing(User, bool),
    Create(NewUser),
}

/// The rules of the module doc, in order.
async fn resolve(s: &AppState, cfg: &OidcProvider, id: &Identity) -> Result<Resolved, Stop> {
    let in_orgs = |u: &User| cfg.orgs.iter().any(|m| m.org == u.org.0);
    if let Some(uid) = s.store.oidc_linked_user(&id.issuer, &id.subject).await? {
        let user = s.store.get_user(uid).await?;
        if !in_orgs(&user) {
            let why = format!("user:{uid} is in no organisation of this provider");
            return Err(refuse(Failure::UnknownUser, why));
        }
        return Ok(Resolved::Existing(user, false));
    }
    let Some(address) = id.email.as_deref() else {
        return Err(refuse(Failure::Unverified, "no e-mail address"));
    };
    if !id.email_verified {
        return Err(refuse(
            Failure::Unverified,
            format!("{address} not verified"),
        ));
    }
    let Ok(email) = Email::parse(address) else {
        return Err(refuse(Failure::Unverified, "unusable e-mail address"));
    };
    let domain = email.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    let Some(mapping) = cfg.mapping_for_domain(domain) else {
        let why = format!("{email}: domain not mapped to an organisation");
        return Err(refuse(Failure::UnknownUser, why));
    };
    if let Some(c) = s.store.credentials(&email).await? {
        let user = c.user;
        if user.org.0 != mapping.org {
            let why = format!("{email}: user:{} is not in org:{}", user.id, mapping.org);
            return Err(refuse(Failure::UnknownUser, why));
        }
        if s.store
            .oidc_subject_of(&id.issuer, user.id)
            .await?
            .is_some()
        {
            let why = format!("{email}: user:{} is linked to another identity", user.id);
            return Err(refuse(Failure::UnknownUser, why));
        }
        return Ok(Resolved::Existing(user, true));
    }
    let Some(role) = mapping.create_role() else {
        return Err(refuse(Failure::UnknownUser, format!("{email}: no account")));
    };
    let display_name = id
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or_default())
        .chars()
        .take(100)
        .collect();
    Ok(Resolved::Create(NewUser {
        org: OrgId(mapping.org),
        email,
        display_name,
        role,
        password_hash: String::new(),
    }))
}

/// Creates a user just in time, in the provider's name. The account gets a
/// random password nobody knows (an administrator's reset link can give it
/// one later); argon2 runs off the async workers.
async fn create_user(
    s: &AppState,
    cfg: &OidcProvider,
    mut new: NewUser,
    source: &str,
) -> Result<User, Stop> {
    let hashed = tokio::task::spawn_blocking(|| auth::hash_password(&auth::random_secret()))
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r);
    new.password_hash = hashed.map_err(|e| {
        tracing::error!(error = %e, "hashing a just-in-time user's password");
        Stop::Fault(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            "the account could not be created",
        ))
    })?;
    let actor = Actor {
        viewer: Viewer::anonymous(),
        label: format!("oidc:{}", cfg.id),
        source: source.to_owned(),
        system: true,
    };
    Ok(s.store.create_user(&actor, new).await?)
}

/// The refusal page, audited.
#[allow(clippy::too_many_arguments)]
async fn failed(
    s: &AppState,
    p: &Principal,
    lang: Lang,
    jar: CookieJar,
    cfg: &OidcProvider,
    id: Option<&Identity>,
    stop: Stop,
    next: &str,
) -> Response {
    let (failure, why) = match stop {
        Stop::Refuse(f, why) => (f, why),
        Stop::Fault(e) => {
            let ev = AuditEvent {
                action: "login".into(),
                object: format!("oidc:{}", cfg.id),
                outcome: AuditOutcome::Failed,
                detail: "store failure".into(),
            };
            let _ = s.store.audit(&p.actor, ev).await;
            return (jar, error_page(s, p, lang, e).await).into_response();
        }
    };
    let object = match id.and_then(|i| i.email.as_deref()) {
        Some(e) => format!(
            "email:{}",
            e.to_lowercase().chars().take(254).collect::<String>()
        ),
        None => format!("oidc:{}", cfg.id),
    };
    let subject = id.map_or(String::new(), |i| format!(" {}", i.subject));
    let ev = AuditEvent {
        action: "login".into(),
        object,
        outcome: failure.outcome(),
        detail: format!("oidc:{}{subject} {}: {why}", cfg.id, failure.code()),
    };
    if let Err(e) = s.store.audit(&p.actor, ev).await {
        tracing::error!(error = %e, code = failure.code(), "OIDC refusal not audited");
    }
    tracing::info!(provider = %cfg.id, code = failure.code(), %why, "OIDC sign-in refused");
    let l = layout(s, p, lang, "/login").await;
    let page = render(
        s,
        failure.status(),
        "oidc_error.html",
        context! {
            l,
            code => failure.code(),
            message => format!("login-{}", failure.code()),
            next,
        },
    );
    (jar, page).into_response()
}

/// A local path to go to once signed in (`redirect::local_path`), short
/// enough for the round-trip cookie.
fn next_path(next: Option<&str>) -> String {
    next.and_then(local_path)
        .filter(|n| n.len() <= MAX_NEXT)
        .unwrap_or_else(|| "/".to_owned())
}

fn encode(p: &Pending) -> String {
    let json = serde_json::to_vec(p).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode(v: &str) -> Option<Pending> {
    if v.len() > 4 * MAX_NEXT + 1024 {
        return None;
    }
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(v)
        .ok()?;
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_a_text_in_both_languages() {
        let t = crate::http::i18n::Translations::load();
        for f in Failure::ALL {
            let key = format!("login-{}", f.code());
            for lang in [Lang::Ja, Lang::En] {
                assert_ne!(t.get(lang, &key, None), key, "{lang:?} lacks {key}");
            }
        }
    }

    #[test]
    fn the_round_trip_cookie_survives_and_refuses_garbage() {
        let p = Pending {
            provider: "corp".into(),
            state: "s".repeat(43),
            nonce: "n".repeat(43),
            pkce_verifier: "v".repeat(43),
            next: "/intel?q=a%20b".into(),
            started: 1,
        };
        assert_eq!(decode(&encode(&p)), Some(p));
        assert_eq!(decode("not base64 !"), None);
        assert_eq!(decode(&"A".repeat(10_000)), None);
    }

    #[test]
    fn next_stays_a_local_path() {
        assert_eq!(next_path(Some("/intel?q=1")), "/intel?q=1");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\t/evil.example/",
            "/%09/evil.example/",
            "/\n",
            "/\\evil",
        ] {
            assert_eq!(next_path(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(next_path(Some(&format!("/{}", "a".repeat(600)))), "/");
        assert_eq!(next_path(None), "/");
    }
}
