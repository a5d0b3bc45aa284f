//! Passwords: argon2id off the async workers, the password rule, and the
//! one password check every way of signing in shares (the portal form,
//! HTTP Basic), throttled and audited.
//!
//! argon2id takes tens of milliseconds of CPU and 19 MiB by design, so it
//! runs on blocking threads, at most `concurrency` at once, with at most
//! `QUEUE_PER_PERMIT` times as many waiting; past that a request is
//! refused (503) rather than queued without bound.
//!
//! The sign-in check fails closed: a store error is an error, never a
//! wrong password; an attempt whose throttling reservation cannot be
//! written is not checked; a failure whose audit entry cannot be written
//! is an error. It ends at a verified user: what follows (a second factor,
//! the session) is the caller's.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::StatusCode;
use renkei_core::model::User;
use renkei_core::{Actor, AuditOutcome, Email, Timestamp};
use renkei_store::auth::{Attempt, ThrottlePolicy};
use renkei_store::{AuditEvent, Credentials};
use tokio::sync::Semaphore;

use super::AppState;
use super::error::ApiError;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

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

/// Waiting hash jobs allowed per running one.
const QUEUE_PER_PERMIT: usize = 32;

/// argon2id hashing and checking on blocking threads, bounded.
#[derive(Debug)]
pub struct Passwords {
    running: Arc<Semaphore>,
    queued: Arc<Semaphore>,
    /// argon2 computations started (tests check that refused calls start none).
    computed: AtomicU64,
}

impl Passwords {
    /// `concurrency` computations at once; 0 means one per core.
    pub fn new(concurrency: usize) -> Self {
        let n = match concurrency {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        Self {
            running: Arc::new(Semaphore::new(n)),
            queued: Arc::new(Semaphore::new(n * QUEUE_PER_PERMIT)),
            computed: AtomicU64::new(0),
        }
    }

    /// How many argon2 computations have started.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let password = password.to_owned();
        self.run(move || hash_password(&password))
            .await?
            .map_err(|e| {
                tracing::error!(error = %e, "password hashing failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Internal error",
                    "could not hash the password",
                )
            })
    }

    /// Whether `password` matches the PHC string `phc`; with `None`, spends
    /// the same time on a stand-in hash and answers false (unknown accounts
    /// take as long as known ones).
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, ApiError> {
        let password = password.to_owned();
        let phc = phc.map(str::to_owned);
        self.run(move || match phc {
            Some(h) => verify_password(&password, &h),
            None => {
                verify_password(&password, dummy_hash());
                false
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let busy = || {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Busy",
                "too many password checks are under way; try again shortly",
            )
        };
        let queued = self
            .queued
            .clone()
            .try_acquire_owned()
            .map_err(|_| busy())?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| busy())?;
        self.computed.fetch_add(1, Ordering::Relaxed);
        // The permits move into the job: a request that goes away does not
        // free its slot while its computation still runs.
        tokio::task::spawn_blocking(move || {
            let out = f();
            drop((running, queued));
            out
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password job failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "the password check failed",
            )
        })
    }
}

/// What is wrong with a new password; each names its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    TooFewDistinct,
    ContainsEmail,
    SameAsCurrent,
    Mismatch,
    CurrentWrong,
}

/// Passwords: 12 to 1,024 characters, at least 6 different ones, not
/// containing the account's e-mail name (NIST SP 800-63B: length, and no
/// composition rules).
pub const MIN_PASSWORD_CHARS: usize = 12;

impl PasswordProblem {
    /// The portal's text for it (Fluent key).
    pub fn key(self) -> &'static str {
        match self {
            Self::TooShort => "password-error-short",
            Self::TooLong => "password-error-long",
            Self::TooFewDistinct => "password-error-distinct",
            Self::ContainsEmail => "password-error-email",
            Self::SameAsCurrent => "password-error-same",
            Self::Mismatch => "password-error-mismatch",
            Self::CurrentWrong => "password-error-current",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::TooShort => "must be at least 12 characters",
            Self::TooLong => "must be at most 1,024 characters",
            Self::TooFewDistinct => "must use at least 6 different characters",
            Self::ContainsEmail => "must not contain the e-mail address's name",
            Self::SameAsCurrent => "must differ from the current password",
            Self::Mismatch => "the two new passwords differ",
            Self::CurrentWrong => "the current password is wrong",
        }
    }

    pub fn error(self, field: &'static str) -> ApiError {
        ApiError::field(field, format!("{field}: {}", self.message()))
    }
}

/// Checks a new password for the account `email` (if known yet).
pub fn password_problem(password: &str, email: Option<&str>) -> Option<PasswordProblem> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Some(PasswordProblem::TooShort);
    }
    if n > 1024 {
        return Some(PasswordProblem::TooLong);
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 6 {
        return Some(PasswordProblem::TooFewDistinct);
    }
    let name = email
        .and_then(|e| e.split('@').next())
        .map(str::to_lowercase)
        .filter(|n| n.chars().count() >= 4);
    if name.is_some_and(|n| password.to_lowercase().contains(&n)) {
        return Some(PasswordProblem::ContainsEmail);
    }
    None
}

/// Why a password sign-in gave no user.
#[derive(Debug)]
pub enum SignInError {
    /// Wrong e-mail address or password (or a deactivated account: the
    /// answer does not tell them apart).
    Invalid,
    /// Too many attempts on this account from this address, or from this
    /// address; try again after this many seconds.
    Throttled { retry_after_secs: i64 },
    /// Something failed; the attempt is refused and nothing is revealed.
    Failed(ApiError),
}

impl From<renkei_store::StoreError> for SignInError {
    fn from(e: renkei_store::StoreError) -> Self {
        SignInError::Failed(e.into())
    }
}

/// The throttling policy from the settings.
pub fn throttle_policy(s: &AppState) -> ThrottlePolicy {
    ThrottlePolicy::from_limits(
        s.settings.login_max_failures,
        s.settings.login_window_minutes,
    )
}

/// The client address as throttling counts it: an IPv6 address by its
/// /64 (one subscriber's network), IPv4-mapped forms as IPv4.
pub fn throttle_source(source: &str) -> String {
    match source.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => source.to_owned(),
    }
}

/// Checks `email` and `password` for someone acting as `actor` (anonymous,
/// with their client address as source); `how` says which way in, for the
/// audit log. Returns the user; the caller starts the session (or asks
/// for a second factor first).
pub async fn password_ok(
    s: &AppState,
    actor: &Actor,
    email: &str,
    password: &str,
    how: &str,
) -> Result<User, SignInError> {
    password_check(s, actor, email, password, how)
        .await
        .map(|c| c.user)
}

/// `password_ok` with the password hash that was checked (HTTP Basic
/// remembers which one).
pub(crate) async fn password_check(
    s: &AppState,
    actor: &Actor,
    email: &str,
    password: &str,
    how: &str,
) -> Result<Credentials, SignInError> {
    let email_key = email.trim().to_lowercase();
    let source = throttle_source(&actor.source);
    let policy = throttle_policy(s);
    let audit = |outcome, detail: String| AuditEvent {
        action: "login".into(),
        object: format!("email:{email_key}"),
        outcome,
        detail,
    };
    let attempt = s
        .store
        .reserve_sign_in(&email_key, &source, Timestamp::now(), &policy)
        .await?;
    if let Attempt::Throttled { retry_after_secs } = attempt {
        let ev = audit(AuditOutcome::Denied, format!("{how}: throttled"));
        s.store.audit(actor, ev).await?;
        return Err(SignInError::Throttled { retry_after_secs });
    }
    let creds = match Email::parse(email) {
        Ok(e) => s.store.credentials(&e).await?,
        Err(_) => None,
    };
    let matches = s
        .passwords
        .verify(password, creds.as_ref().map(|c| c.password_hash.as_str()))
        .await
        .map_err(SignInError::Failed)?;
    let creds = match creds {
        Some(c) if matches && c.user.active => c,
        other => {
            let why = match other {
                Some(c) if matches && !c.user.active => "account deactivated",
                _ => "wrong e-mail or password",
            };
            let ev = audit(AuditOutcome::Failed, format!("{how}: {why}"));
            s.store.audit(actor, ev).await?;
            return Err(SignInError::Invalid);
        }
    };
    // Not forgetting the count only leaves this address stricter for the
    // account; the sign-in itself stands.
    if let Err(e) = s
        .store
        .sign_in_succeeded(&email_key, &source, &policy)
        .await
    {
        tracing::warn!(error = %e, "sign-in throttling: could not forget a success");
    }
    Ok(creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_rule_names_each_problem() {
        let p = password_problem;
        assert_eq!(p("short", None), Some(PasswordProblem::TooShort));
        let long = "x".repeat(1025);
        assert_eq!(p(&long, None), Some(PasswordProblem::TooLong));
        assert_eq!(
            p("aaaaaabbbbbbcccc", None),
            Some(PasswordProblem::TooFewDistinct)
        );
        assert_eq!(
            p("Tanaka-secret-99", Some("tanaka@example.jp")),
            Some(PasswordProblem::ContainsEmail)
        );
        assert_eq!(p("correct horse battery", Some("tanaka@example.jp")), None);
        assert_eq!(
            PasswordProblem::TooShort
                .error("new_password")
                .field
                .as_deref(),
            Some("new_password")
        );
    }

    #[test]
    fn throttling_counts_an_ipv6_subscriber_by_its_network() {
        assert_eq!(throttle_source("192.0.2.7"), "192.0.2.7");
        assert_eq!(throttle_source("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(
            throttle_source("2001:db8:1:2:aaaa::1"),
            throttle_source("2001:db8:1:2:bbbb::9")
        );
        assert_eq!(throttle_source("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(throttle_source("unknown"), "unknown");
    }

    #[tokio::test]
    async fn hashing_runs_off_the_async_workers_and_counts() {
        let p = Passwords::new(1);
        let h = p.hash("correct horse battery").await.expect("hash");
        assert!(
            p.verify("correct horse battery", Some(&h))
                .await
                .expect("v")
        );
        assert!(!p.verify("correct horse battery", None).await.expect("v"));
        assert_eq!(p.computed(), 3);
    }
}
